// services/s3/lifecycle.h — bucket lifecycle rules: their XML, and the background sweeper
// that expires objects and aborts stale multipart uploads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "objectstore/object_store.h"

namespace ot::services::s3 {

struct LifecycleRule {
  std::string id;
  bool enabled = true;
  std::string prefix;
  std::map<std::string, std::string> tags;  // all must match
  std::optional<int64_t> expiration_days;
  std::optional<int64_t> expiration_date_ms;
  std::optional<int64_t> abort_incomplete_days;
};

// Validates a LifecycleConfiguration document (MalformedXML / InvalidArgument).
Result<std::vector<LifecycleRule>> ParseLifecycle(std::string_view xml);

// When an object created at `created_ms` expires under a Days rule: creation + days, rounded
// up to the next day boundary (midnight UTC with real days), as S3 does.
int64_t ExpiryTime(int64_t created_ms, int64_t days, int64_t day_ms);

class LifecycleSweeper {
 public:
  // `day_ms` is the length of a lifecycle "day" (86,400,000; tests shrink it).
  LifecycleSweeper(objectstore::ObjectStore* store, int64_t day_ms);
  ~LifecycleSweeper();
  void Start();
  void Stop();
  // One pass over every bucket with rules; returns objects expired + uploads aborted.
  size_t SweepOnce(int64_t now_ms);

 private:
  objectstore::ObjectStore* store_;
  int64_t day_ms_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread worker_;
};

}  // namespace ot::services::s3
