// delivery/delivery_service.h — the trails' log file delivery loop.
//
// Every --delivery-interval (windows aligned to the epoch) the loop reads the journal once
// from the oldest stream cursor to what is durable now, hands each record to every stream
// (trail × region) that logs it, and writes the streams' files: announce (write-ahead: key +
// sequences, cursor moved past them, one sync batch) → write the object → complete. Failed
// writes stay announced and are retried with back-off; a restart re-writes announced files
// from the journal, byte for byte, under the same key. So a crash neither loses nor
// duplicates a file.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "delivery/delivery_state.h"
#include "delivery/digest_writer.h"
#include "delivery/s3_destination.h"
#include "journal/journal.h"
#include "trails/collaborators.h"
#include "trails/selectors.h"
#include "trails/trail.h"

namespace ot::delivery {

struct DeliveryOptions {
  int64_t interval_ms = 5 * 60'000;
  int64_t digest_interval_ms = 60 * 60'000;
  std::vector<std::string> regions;       // enabled regions (multi-region trails cover all)
  size_t max_records_per_file = 10'000;   // delivery.md §3 (opentrail)
  size_t max_bytes_per_file = 20u << 20;  // uncompressed
};

class DeliveryService final : public trails::TrailListener, public trails::DeliveryStatusSource {
 public:
  // `signing_keys` may be null (no digests).
  DeliveryService(storage::KvStore* kv, journal::Journal* journal, trails::TrailStore* trails,
                  S3Destination* destination, integrity::SigningKeys* signing_keys, DeliveryOptions options);
  ~DeliveryService() override;

  // Re-writes files announced before a crash, then starts the loop.
  ot::Status Start();
  void Stop();

  void TrailsChanged() override;
  trails::DeliveryStatus Status(const trails::Trail& trail, const std::string& region) override;

  // One delivery pass for the window ending at `window_end_ms` (the loop calls it).
  ot::Status DeliverWindow(int64_t window_end_ms);

 private:
  struct Stream;
  void Loop();
  ot::Status LoadStreams();
  ot::Status Scan(const std::vector<Stream*>& active, int64_t file_time);
  ot::Status FlushPending(Stream& s, int64_t now_ms);
  // A log file's bytes, made from its records without touching any state (so that it can
  // run on another thread while the scan goes on).
  struct PreparedFile {
    ot::Status status;              // not ok: gzip failed
    std::string gzipped;
    std::string sha256_hex;         // of the uncompressed JSON
    int64_t oldest_ms = 0, newest_ms = 0;
    std::string leaf_hashes;        // only for trails with log file validation
  };
  // `times`: the records' oldest and newest event times when already known.
  static PreparedFile Prepare(const std::vector<std::string>& records, bool leaf_hashes,
                              std::optional<std::pair<int64_t, int64_t>> times);
  // Writes a prepared file to the bucket and completes it (drops it from pending).
  ot::Status Commit(Stream& s, const PendingFile& file, PreparedFile prepared, int64_t now_ms);
  ot::Status WriteFile(Stream& s, const PendingFile& file, const std::vector<std::string>& records, int64_t now_ms);
  ot::Status RecordsOf(const PendingFile& file, std::vector<std::string>* out);
  void UpdateJournalFloor();

  storage::KvStore* kv_;
  journal::Journal* journal_;
  trails::TrailStore* trails_;
  S3Destination* destination_;
  DeliveryOptions options_;
  DeliveryState state_;
  DigestWriter digests_;

  std::mutex mu_;  // streams_ and statuses_
  std::map<std::string, std::unique_ptr<Stream>> streams_;  // by StreamId::Key()
  std::atomic<bool> trails_changed_{true};
  std::atomic<bool> stopping_{false};
  std::condition_variable cv_;
  std::mutex wait_mu_;
  std::thread worker_;
};

}  // namespace ot::delivery
