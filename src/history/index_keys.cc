#include "history/index_keys.h"

#include "storage/kv_store.h"

namespace ot::history {

std::string ScopePrefix(std::string_view account, std::string_view region, Category category) {
  std::string s;
  s.reserve(account.size() + region.size() + 2);
  s.append(account);
  s.append(region);
  s.push_back('\0');
  s.push_back(static_cast<char>(category));
  return s;
}

std::string TimePrefix(std::string_view scope) {
  std::string k(1, 'T');
  k.append(scope);
  return k;
}

std::string AttributePrefix(std::string_view scope, Attribute attribute, std::string_view value) {
  std::string k(1, 'A');
  k.append(scope);
  k.push_back(static_cast<char>(attribute));
  // Escape NUL so that "value\0\0" ends the value unambiguously and prefixes never mix.
  for (char c : value) {
    k.push_back(c);
    if (c == '\0') k.push_back('\x01');
  }
  k.push_back('\0');
  k.push_back('\0');
  return k;
}

std::string WithPosition(std::string prefix, int64_t time_ms, uint64_t sequence) {
  prefix.append(storage::EncodeU64(~static_cast<uint64_t>(time_ms)));
  prefix.append(storage::EncodeU64(~sequence));
  return prefix;
}

void DecodePosition(std::string_view key, int64_t* time_ms, uint64_t* sequence) {
  *time_ms = static_cast<int64_t>(~storage::DecodeU64(key.substr(key.size() - 16, 8)));
  *sequence = ~storage::DecodeU64(key.substr(key.size() - 8, 8));
}

std::string DedupKey(std::string_view account, std::string_view event_id) {
  std::string k(1, 'D');
  k.append(account);
  k.push_back('\0');
  k.append(event_id);
  return k;
}

std::string BucketKey(uint64_t bucket) { return "B" + storage::EncodeU64(bucket); }

std::string EncodeLocation(const journal::Location& location) {
  return storage::EncodeU64(location.segment) + storage::EncodeU64(location.offset);
}

journal::Location DecodeLocation(std::string_view value) {
  if (value.size() < 16) return {};
  return {storage::DecodeU64(value.substr(0, 8)), storage::DecodeU64(value.substr(8, 8))};
}

}  // namespace ot::history
