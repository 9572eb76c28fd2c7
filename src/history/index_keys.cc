#include "history/index_keys.h"

#include <cstring>

#include "storage/kv_store.h"

namespace ot::history {

namespace {
void PutVarint(std::string* out, uint64_t v) {
  char b[10];
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  out->append(b, n);
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    r |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}
}  // namespace

std::string ScopePrefix(std::string_view account, std::string_view region, Category category) {
  std::string s;
  s.reserve(account.size() + region.size() + 3);
  s.append(account);
  s.push_back('\0');
  s.append(region);
  s.push_back('\0');
  s.push_back(static_cast<char>(category));
  return s;
}

std::string ScopeKey(std::string_view scope) {
  std::string k(1, 'S');
  k.append(scope);
  return k;
}

std::string EncodeScopeId(uint32_t sid) {
  std::string s(4, '\0');
  for (int i = 3; i >= 0; --i) {
    s[i] = static_cast<char>(sid & 0xff);
    sid >>= 8;
  }
  return s;
}

uint32_t DecodeScopeId(std::string_view s) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string TimePrefix(std::string_view scope) {
  std::string k(1, 'T');
  k.append(scope);
  return k;
}

void AppendAttributePrefix(std::string* k, std::string_view scope, Attribute attribute,
                           std::string_view value) {
  k->push_back('A');
  k->append(scope);
  k->push_back(static_cast<char>(attribute));
  // Escape NUL so that "value\0\0" ends the value unambiguously and prefixes never mix.
  while (!value.empty()) {
    const void* nul = std::memchr(value.data(), '\0', value.size());
    size_t n = nul ? static_cast<size_t>(static_cast<const char*>(nul) - value.data()) : value.size();
    k->append(value.data(), n);
    if (!nul) break;
    k->push_back('\0');
    k->push_back('\x01');
    value.remove_prefix(n + 1);
  }
  k->push_back('\0');
  k->push_back('\0');
}

std::string AttributePrefix(std::string_view scope, Attribute attribute, std::string_view value) {
  std::string k;
  k.reserve(scope.size() + value.size() + 4);
  AppendAttributePrefix(&k, scope, attribute, value);
  return k;
}

void AppendPosition(std::string* out, int64_t time_ms, uint64_t sequence) {
  storage::AppendU64(out, ~static_cast<uint64_t>(time_ms));
  storage::AppendU64(out, ~sequence);
}

std::string WithPosition(std::string prefix, int64_t time_ms, uint64_t sequence) {
  AppendPosition(&prefix, time_ms, sequence);
  return prefix;
}

void DecodePosition(std::string_view key, int64_t* time_ms, uint64_t* sequence) {
  *time_ms = static_cast<int64_t>(~storage::DecodeU64(key.substr(key.size() - 16, 8)));
  *sequence = ~storage::DecodeU64(key.substr(key.size() - 8, 8));
}

void AppendDedupKey(std::string* k, std::string_view account, std::string_view event_id) {
  k->push_back('D');
  k->append(account);
  k->push_back('\0');
  k->append(event_id);
}

std::string DedupKey(std::string_view account, std::string_view event_id) {
  std::string k;
  k.reserve(account.size() + event_id.size() + 2);
  AppendDedupKey(&k, account, event_id);
  return k;
}

void AppendEventIdValue(std::string* out, const EventIdEntry& e) {
  storage::AppendU64(out, static_cast<uint64_t>(e.time_ms));
  if (!e.sequence) return;
  storage::AppendU64(out, *e.sequence);
  out->append(EncodeScopeId(e.sid));
  AppendLocation(out, e.location);
}

bool DecodeEventIdValue(std::string_view value, EventIdEntry* out) {
  if (value.size() < 8) return false;
  out->time_ms = static_cast<int64_t>(storage::DecodeU64(value));
  out->sequence.reset();
  if (value.size() == 8) return true;
  if (value.size() < 20) return false;
  out->sequence = storage::DecodeU64(value.substr(8));
  out->sid = DecodeScopeId(value.substr(16));
  out->location = DecodeLocation(value.substr(20));
  return true;
}

std::string BucketKey(uint64_t bucket) { return "B" + storage::EncodeU64(bucket); }

void AppendLocation(std::string* out, const journal::Location& location) {
  PutVarint(out, location.segment);
  PutVarint(out, location.offset);
}

std::string EncodeLocation(const journal::Location& location) {
  std::string s;
  AppendLocation(&s, location);
  return s;
}

journal::Location DecodeLocation(std::string_view value) {
  journal::Location l;
  if (!GetVarint(&value, &l.segment) || !GetVarint(&value, &l.offset)) return {};
  return l;
}

}  // namespace ot::history
