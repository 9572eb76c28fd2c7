// objectstore/meta.cc — key layout and a compact, versioned binary record encoding.
#include "objectstore/meta.h"

namespace ot::objectstore::meta {

namespace {

std::string Join(char tag, std::string_view a) {
  std::string k;
  k.reserve(2 + a.size());
  k.push_back(tag);
  k.append(a);
  k.push_back('\0');
  return k;
}

void PutBe32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

class Writer {
 public:
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Map(const std::map<std::string, std::string>& m) {
    U64(m.size());
    for (auto& [k, v] : m) {
      Str(k);
      Str(v);
    }
  }
  void Enc(const Encryption& e) {
    U64(e.mode == Encryption::Mode::kSseKms ? 1 : 0);
    Str(e.kms_key_id);
    Map(e.context);
  }
  void Seg(const Segment& s) {
    Str(s.file_id);
    U64(s.size);
    U64(s.chunk_size);
    Str(s.nonce_prefix);
    Str(s.wrapped_key);
  }
  void Opts(const PutOptions& o) {
    Str(o.content_type);
    Str(o.content_encoding);
    Str(o.content_disposition);
    Str(o.content_language);
    Str(o.cache_control);
    Map(o.user_metadata);
    Map(o.checksums);
    Map(o.tags);
    Enc(o.encryption);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }
  uint64_t U64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Fail();
      auto b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  std::string Str() {
    uint64_t n = U64();
    if (!ok_ || n > in_.size()) return Fail(), std::string();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::map<std::string, std::string> Map() {
    std::map<std::string, std::string> m;
    uint64_t n = U64();
    for (uint64_t i = 0; ok_ && i < n; ++i) {
      std::string k = Str();
      std::string v = Str();
      m.emplace(std::move(k), std::move(v));
    }
    return m;
  }
  Encryption Enc() {
    Encryption e;
    e.mode = U64() == 1 ? Encryption::Mode::kSseKms : Encryption::Mode::kSseS3;
    e.kms_key_id = Str();
    e.context = Map();
    return e;
  }
  Segment Seg() {
    Segment s;
    s.file_id = Str();
    s.size = U64();
    s.chunk_size = static_cast<uint32_t>(U64());
    s.nonce_prefix = Str();
    s.wrapped_key = Str();
    return s;
  }
  PutOptions Opts() {
    PutOptions o;
    o.content_type = Str();
    o.content_encoding = Str();
    o.content_disposition = Str();
    o.content_language = Str();
    o.cache_control = Str();
    o.user_metadata = Map();
    o.checksums = Map();
    o.tags = Map();
    o.encryption = Enc();
    return o;
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

constexpr uint64_t kVersion = 1;

}  // namespace

std::string BucketKey(std::string_view bucket) { return "b" + std::string(bucket); }
std::string DocPrefix(std::string_view bucket) { return Join('d', bucket); }
std::string DocKey(std::string_view bucket, std::string_view kind) { return DocPrefix(bucket) + std::string(kind); }
std::string ObjectPrefix(std::string_view bucket) { return Join('o', bucket); }
std::string ObjectKey(std::string_view bucket, std::string_view key) { return ObjectPrefix(bucket) + std::string(key); }
std::string UploadPrefix(std::string_view bucket) { return Join('u', bucket); }
std::string UploadKey(std::string_view bucket, std::string_view upload_id) {
  return UploadPrefix(bucket) + std::string(upload_id);
}
std::string PartPrefix(std::string_view bucket, std::string_view upload_id) {
  std::string k = Join('p', bucket);
  k.append(upload_id);
  k.push_back('\0');
  return k;
}
std::string PartKey(std::string_view bucket, std::string_view upload_id, int number) {
  std::string k = PartPrefix(bucket, upload_id);
  PutBe32(&k, static_cast<uint32_t>(number));
  return k;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xff) s.pop_back();
  if (!s.empty()) s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
  return s;
}

std::string Encode(const BucketInfo& b) {
  Writer w;
  w.U64(kVersion);
  w.Str(b.name);
  w.Str(b.owner_account);
  w.Str(b.region);
  w.I64(b.created_ms);
  return w.Take();
}

bool Decode(std::string_view in, BucketInfo* b) {
  Reader r(in);
  if (r.U64() != kVersion) return false;
  b->name = r.Str();
  b->owner_account = r.Str();
  b->region = r.Str();
  b->created_ms = r.I64();
  return r.done();
}

std::string Encode(const ObjectRecord& rec) {
  const ObjectInfo& i = rec.info;
  Writer w;
  w.U64(kVersion);
  w.U64(i.size);
  w.Str(i.etag);
  w.I64(i.last_modified_ms);
  w.Str(i.content_type);
  w.Str(i.content_encoding);
  w.Str(i.content_disposition);
  w.Str(i.content_language);
  w.Str(i.cache_control);
  w.Map(i.user_metadata);
  w.Map(i.checksums);
  w.Map(i.tags);
  w.Enc(i.encryption);
  w.U64(static_cast<uint64_t>(i.parts_count));
  w.U64(rec.segments.size());
  for (auto& s : rec.segments) w.Seg(s);
  return w.Take();
}

bool Decode(std::string_view in, ObjectRecord* rec) {
  Reader r(in);
  if (r.U64() != kVersion) return false;
  ObjectInfo& i = rec->info;
  i.size = r.U64();
  i.etag = r.Str();
  i.last_modified_ms = r.I64();
  i.content_type = r.Str();
  i.content_encoding = r.Str();
  i.content_disposition = r.Str();
  i.content_language = r.Str();
  i.cache_control = r.Str();
  i.user_metadata = r.Map();
  i.checksums = r.Map();
  i.tags = r.Map();
  i.encryption = r.Enc();
  i.parts_count = static_cast<int>(r.U64());
  uint64_t n = r.U64();
  rec->segments.clear();
  for (uint64_t k = 0; r.ok() && k < n; ++k) rec->segments.push_back(r.Seg());
  return r.done();
}

std::string Encode(const UploadRecord& rec) {
  Writer w;
  w.U64(kVersion);
  w.Str(rec.info.key);
  w.Str(rec.info.upload_id);
  w.I64(rec.info.initiated_ms);
  w.Opts(rec.info.options);
  return w.Take();
}

bool Decode(std::string_view in, UploadRecord* rec) {
  Reader r(in);
  if (r.U64() != kVersion) return false;
  rec->info.key = r.Str();
  rec->info.upload_id = r.Str();
  rec->info.initiated_ms = r.I64();
  rec->info.options = r.Opts();
  return r.done();
}

std::string Encode(const PartRecord& rec) {
  Writer w;
  w.U64(kVersion);
  w.U64(static_cast<uint64_t>(rec.info.number));
  w.U64(rec.info.size);
  w.Str(rec.info.etag);
  w.I64(rec.info.last_modified_ms);
  w.Map(rec.info.checksums);
  w.U64(rec.segment.file_id.empty() ? 0 : 1);
  if (!rec.segment.file_id.empty()) w.Seg(rec.segment);
  return w.Take();
}

bool Decode(std::string_view in, PartRecord* rec) {
  Reader r(in);
  if (r.U64() != kVersion) return false;
  rec->info.number = static_cast<int>(r.U64());
  rec->info.size = r.U64();
  rec->info.etag = r.Str();
  rec->info.last_modified_ms = r.I64();
  rec->info.checksums = r.Map();
  rec->segment = Segment();
  if (r.U64() == 1) rec->segment = r.Seg();
  return r.done();
}

}  // namespace ot::objectstore::meta
