// delivery/delivery_state.h — the durable state of each stream (trail × region) in the
// "delivery" family: its journal cursor, the files announced but not yet written
// (write-ahead), its status for GetTrailStatus, and the list of files it delivered (which
// digests will hash).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "delivery/log_file.h"
#include "storage/kv_store.h"
#include "trails/collaborators.h"

namespace ot::delivery {

inline constexpr const char* kDeliveryFamily = "delivery";

struct StreamId {
  std::string trail_arn;
  std::string region;
  std::string Key() const { return trail_arn + '\n' + region; }
};

// A file whose content is fixed before it is written: the journal sequences it holds.
struct PendingFile {
  std::string key;
  int64_t file_time_ms = 0;
  FileKind kind = FileKind::kLog;
  std::vector<uint64_t> sequences;  // ascending
  uint64_t next_cursor = 0;         // the stream's cursor once this file is written
};

struct DeliveredFile {
  std::string bucket;
  std::string key;
  int64_t delivered_ms = 0;
  std::string sha256_hex;           // of the uncompressed JSON (integrity.md)
  int64_t oldest_event_ms = 0;
  int64_t newest_event_ms = 0;
  // Raw 32-byte RFC 6962 leaf hashes of its records, in file order (integrity/merkle.h);
  // kept only for trails with log file validation, until the digest's tree is written.
  std::string leaf_hashes;
};

struct StreamState {
  uint64_t cursor = 0;                  // next journal sequence to consider (0: not started)
  std::vector<PendingFile> pending;     // in order
  trails::DeliveryStatus status;
};

class DeliveryState {
 public:
  explicit DeliveryState(storage::KvStore* kv) : kv_(kv) {}

  Result<StreamState> Load(const StreamId& stream) const;
  // Durably announces files (appended to what is pending) and moves the cursor past what
  // they cover, in one batch.
  Status Announce(const StreamId& stream, const std::vector<PendingFile>& files, uint64_t cursor);
  // The first pending file was written: drop it, remember the delivery, save the status.
  Status Complete(const StreamId& stream, const DeliveredFile& delivered, const trails::DeliveryStatus& status);
  Status SaveStatus(const StreamId& stream, const trails::DeliveryStatus& status);
  Status SetCursor(const StreamId& stream, uint64_t cursor);
  // Files delivered by a stream with delivered_ms in [from_ms, to_ms), with their leaf
  // hashes when asked (empty when none were kept).
  Result<std::vector<DeliveredFile>> Delivered(const StreamId& stream, int64_t from_ms, int64_t to_ms,
                                               bool with_leaves = false) const;
  // Drops the entries (and leaf hashes) of files delivered before `before_ms`: no digest
  // will list them any more.
  Status ForgetDeliveredBefore(const StreamId& stream, int64_t before_ms);
  // Forgets a stream entirely (its trail was deleted).
  Status Forget(const StreamId& stream);

 private:
  storage::KvStore* kv_;
};

std::string EncodePending(const std::vector<PendingFile>& files);
bool DecodePending(std::string_view data, std::vector<PendingFile>* files);

}  // namespace ot::delivery
