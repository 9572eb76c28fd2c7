// delivery/digest_writer.h — the hourly (--digest-interval) digest chain of each stream
// whose trail has log file validation on (integrity.md §7).
//
// Windows are by delivery time and abut: the first starts when logging (or validation)
// started, each next one where the previous ended. When a window has closed and the
// delivery pass that ends it has run, the stream's digest lists the files it delivered in
// the window, points to the previous digest (null fields for a chain's first), is signed
// with the source region's key and written next to the logs under CloudTrail-Digest/.
// A digest is fully determined by its window and chain, so re-writing it after a crash
// yields the same object. StopLogging or turning validation off closes the chain with a
// final digest; starting again begins a new chain. Next to each digest goes the Merkle
// tree of the interval's events (integrity/merkle.h, opentrail's inclusion proofs).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "delivery/delivery_state.h"
#include "delivery/s3_destination.h"
#include "integrity/integrity.h"
#include "storage/kv_store.h"
#include "trails/trail.h"

namespace ot::delivery {

class DigestWriter {
 public:
  DigestWriter(storage::KvStore* kv, DeliveryState* state, S3Destination* destination,
               integrity::SigningKeys* keys, int64_t interval_ms)
      : kv_(kv), state_(state), destination_(destination), keys_(keys), interval_ms_(interval_ms) {}

  // Writes every digest of this stream that is due at `now_ms`. Updates `status` (digest
  // delivery time / error). Called by the delivery loop after each delivery pass.
  void Run(const StreamId& stream, const trails::Trail& trail, int64_t now_ms, trails::DeliveryStatus* status);

  // Forgets a stream's chain (trail deleted).
  void Forget(const StreamId& stream);

 private:
  struct Chain {
    bool active = false;
    int64_t start_ms = 0;                 // start of the open window
    std::string prev_bucket, prev_key, prev_sha256, prev_signature;  // empty: chain start
    uint64_t trail_generation = 0;
  };
  Chain Load(const StreamId& stream);
  void Save(const StreamId& stream, const Chain& chain);
  Status Write(const StreamId& stream, const trails::Trail& trail, Chain* chain, int64_t end_ms, int64_t now_ms);
  // The interval's inclusion-proof tree (integrity/merkle.h): leaves and signed root, next
  // to the digest under CloudTrail-Merkle/. Skipped (ok) when a listed file has no leaf
  // hashes.
  Status WriteMerkleTree(const trails::Trail& trail, const integrity::Digest& digest,
                         const integrity::SignedDigest& signed_digest, const std::vector<DeliveredFile>& files);

  storage::KvStore* kv_;
  DeliveryState* state_;
  S3Destination* destination_;
  integrity::SigningKeys* keys_;
  int64_t interval_ms_;
};

}  // namespace ot::delivery
