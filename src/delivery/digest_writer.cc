#include "delivery/digest_writer.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "integrity/merkle.h"

namespace ot::delivery {

namespace json = boost::json;

namespace {
std::string ChainKey(const StreamId& s) { return "g" + s.Key(); }
}  // namespace

DigestWriter::Chain DigestWriter::Load(const StreamId& stream) {
  Chain c;
  auto v = kv_->Get(kDeliveryFamily, ChainKey(stream));
  if (!v.ok() || !v->has_value()) return c;
  boost::system::error_code ec;
  auto doc = json::parse(**v, ec);
  if (ec || !doc.is_object()) return c;
  auto& o = doc.get_object();
  auto str = [&](const char* k) { auto* x = o.if_contains(k); return x && x->is_string() ? std::string(x->get_string()) : std::string(); };
  auto num = [&](const char* k) { auto* x = o.if_contains(k); return x && x->is_number() ? x->to_number<int64_t>() : int64_t{0}; };
  c.active = o.contains("active") && o.at("active").is_bool() && o.at("active").get_bool();
  c.start_ms = num("start");
  c.prev_bucket = str("pb");
  c.prev_key = str("pk");
  c.prev_sha256 = str("ph");
  c.prev_signature = str("ps");
  c.trail_generation = static_cast<uint64_t>(num("gen"));
  return c;
}

void DigestWriter::Save(const StreamId& stream, const Chain& c) {
  json::object o{{"active", c.active}, {"start", c.start_ms}, {"pb", c.prev_bucket}, {"pk", c.prev_key},
                 {"ph", c.prev_sha256}, {"ps", c.prev_signature}, {"gen", static_cast<int64_t>(c.trail_generation)}};
  auto s = kv_->Put(kDeliveryFamily, ChainKey(stream), json::serialize(o), /*sync=*/true);
  if (!s.ok()) spdlog::error("digest: cannot save chain state: {}", s.ToString());
}

void DigestWriter::Forget(const StreamId& stream) {
  auto batch = kv_->NewBatch();
  batch->Delete(kDeliveryFamily, ChainKey(stream));
  kv_->Write(*batch, true);
}

Status DigestWriter::Write(const StreamId& stream, const trails::Trail& trail, Chain* chain, int64_t end_ms,
                           int64_t now_ms) {
  auto files = state_->Delivered(stream, chain->start_ms, end_ms, /*with_leaves=*/true);
  if (!files.ok()) return files.status();
  integrity::Digest d;
  d.account = trail.account;
  d.source_region = stream.region;
  d.trail_name = trail.name;
  d.home_region = trail.home_region;
  d.prefix = trail.s3_key_prefix;
  d.bucket = trail.s3_bucket;
  d.start_ms = chain->start_ms;
  d.end_ms = end_ms;
  for (auto& f : *files) d.log_files.push_back({f.bucket, f.key, f.sha256_hex, f.oldest_event_ms, f.newest_event_ms});
  if (!chain->prev_key.empty())
    d.previous = integrity::PreviousDigest{chain->prev_bucket, chain->prev_key, chain->prev_sha256, chain->prev_signature};
  auto signed_digest = integrity::SignDigest(d, keys_, now_ms);
  if (!signed_digest.ok()) return signed_digest.status();
  // The interval's Merkle tree goes first, so that a digest in the bucket always has its
  // tree (re-writing both after a crash gives the same objects).
  auto tree = WriteMerkleTree(trail, d, *signed_digest, *files);
  if (!tree.ok()) return tree;
  auto gz = Gzip(signed_digest->json);
  if (!gz.ok()) return gz.status();
  OT_RETURN_IF_ERROR(destination_->Write(trail, signed_digest->key, *gz,
                                         {{"signature", signed_digest->signature_hex},
                                          {"signature-algorithm", "SHA256withRSA"}}));
  chain->prev_bucket = trail.s3_bucket;
  chain->prev_key = signed_digest->key;
  chain->prev_sha256 = signed_digest->sha256_hex;
  chain->prev_signature = signed_digest->signature_hex;
  chain->start_ms = end_ms;
  Save(stream, *chain);
  // Everything before the next window is listed by a written digest now.
  auto forgot = state_->ForgetDeliveredBefore(stream, chain->start_ms);
  if (!forgot.ok()) spdlog::warn("digest: cannot drop listed delivered-file entries: {}", forgot.ToString());
  return Status::Ok();
}

Status DigestWriter::WriteMerkleTree(const trails::Trail& trail, const integrity::Digest& digest,
                                     const integrity::SignedDigest& signed_digest,
                                     const std::vector<DeliveredFile>& files) {
  std::string leaves;
  std::vector<uint64_t> counts;
  for (const auto& f : files) {
    if (f.leaf_hashes.empty() || f.leaf_hashes.size() % integrity::kHashSize != 0) {
      // Delivered before validation was on (or by an older version): no tree for this
      // interval rather than one that leaves events out.
      spdlog::warn("digest: {} has no event hashes; no inclusion-proof tree for {}", f.key, signed_digest.key);
      return Status::Ok();
    }
    leaves += f.leaf_hashes;
    counts.push_back(f.leaf_hashes.size() / integrity::kHashSize);
  }
  auto root = integrity::SignMerkleRoot(digest, signed_digest, leaves, counts, keys_);
  if (!root.ok()) return root.status();
  auto leaves_gz = Gzip(leaves, 1);
  if (!leaves_gz.ok()) return leaves_gz.status();
  OT_RETURN_IF_ERROR(destination_->Write(trail, root->leaves_key, *leaves_gz, {}, "application/octet-stream"));
  auto root_gz = Gzip(integrity::MerkleRootJson(*root));
  if (!root_gz.ok()) return root_gz.status();
  return destination_->Write(trail, integrity::MerkleRootKey(digest), *root_gz);
}

void DigestWriter::Run(const StreamId& stream, const trails::Trail& trail, int64_t now_ms,
                       trails::DeliveryStatus* status) {
  if (!keys_) return;
  Chain chain = Load(stream);
  bool wanted = trail.logging && trail.log_file_validation;
  auto report = [&](const Status& s) {
    if (s.ok()) {
      status->latest_digest_delivery_ms = now_ms;
      status->latest_digest_delivery_error.clear();
    } else {
      status->latest_digest_delivery_error = s.code();
      spdlog::warn("digest: {} {}: {}", stream.trail_arn, stream.region, s.ToString());
    }
  };
  if (!chain.active) {
    // No chain: no digest will list what was delivered until one starts, and a new chain
    // reaches back at most one interval (to when logging started).
    state_->ForgetDeliveredBefore(stream, now_ms - 2 * interval_ms_);
    if (!wanted) return;
    // A new chain: its first window starts when logging started, or now if validation was
    // turned on later.
    chain = Chain{};
    chain.active = true;
    chain.start_ms = now_ms - trail.start_logging_ms < interval_ms_ ? trail.start_logging_ms : now_ms;
    chain.trail_generation = trail.generation;
    Save(stream, chain);
    return;
  }
  if (!wanted) {
    // Logging stopped or validation turned off: a final digest up to now closes the chain.
    Status s = Write(stream, trail, &chain, std::max(now_ms, chain.start_ms + 1000), now_ms);
    report(s);
    if (s.ok()) {
      chain = Chain{};
      Save(stream, chain);
    }
    return;
  }
  // Every window that has closed, in order (a long outage catches up one window per call).
  while (chain.start_ms + interval_ms_ <= now_ms) {
    Status s = Write(stream, trail, &chain, chain.start_ms + interval_ms_, now_ms);
    report(s);
    if (!s.ok()) return;
  }
}

}  // namespace ot::delivery
