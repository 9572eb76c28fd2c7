// server/app.h — one opentrail server: storage, identities, journal, services, listener.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "auth/identity_store.h"
#include "common/status.h"
#include "http/server.h"
#include "history/history_index.h"
#include "integrity/integrity.h"
#include "journal/journal.h"
#include "objectstore/object_store.h"
#include "services/s3/lifecycle.h"
#include "delivery/delivery_service.h"
#include "delivery/s3_destination.h"
#include "trails/collaborators.h"
#include "trails/trail.h"
#include "server/gateway.h"
#include "services/service.h"
#include "storage/kv_store.h"

namespace ot::server {

struct ServeOptions {
  std::string data_dir = "./opentrail-data";
  std::string host = "127.0.0.1";
  uint16_t port = 4580;
  std::string region = "us-east-1";
  std::vector<std::string> regions;          // enabled regions
  int64_t delivery_interval_ms = 5 * 60'000;
  int64_t digest_interval_ms = 60 * 60'000;
  int64_t history_retention_ms = 90LL * 86'400'000;  // 0 = forever
  int threads = 0;                           // 0 = one per core
  int64_t request_timeout_ms = 20'000;       // headers must arrive within this
  int64_t lifecycle_day_ms = 86'400'000;     // test-only: length of a lifecycle "day"
  int64_t signing_key_rotation_ms = 30LL * 86'400'000;  // digest signing keys per region
  bool record = true;                        // bench-only switch
};

class App {
 public:
  explicit App(ServeOptions options);
  ~App();

  // Opens everything, creates the management account on first start, starts listening.
  Status Start();
  uint16_t port() const;
  // Graceful: stop accepting, finish in-flight calls, make the journal durable.
  void Stop();

 private:
  Status EnsureManagementAccount();
  Result<std::string> ServerSecret(const std::string& name);
  void Housekeeping();

  ServeOptions options_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<auth::IdentityStore> identities_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<history::HistoryIndex> history_;
  std::unique_ptr<objectstore::KeyProvider> master_keys_;
  std::unique_ptr<objectstore::ObjectStore> objects_;
  std::unique_ptr<services::s3::LifecycleSweeper> lifecycle_;
  std::unique_ptr<trails::TrailStore> trails_;
  std::unique_ptr<services::s3::S3Access> delivery_access_;
  std::unique_ptr<delivery::S3Destination> destination_;
  std::unique_ptr<integrity::SigningKeys> signing_keys_;
  std::unique_ptr<delivery::DeliveryService> delivery_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::Server> http_;
  std::thread housekeeping_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
};

// Writes `content` to `path` atomically with the given mode (temp file, fsync, rename).
Status WriteFileAtomic(const std::string& path, const std::string& content, int mode);

// What the services are built from.
struct ServiceDeps {
  auth::IdentityStore* identities = nullptr;
  journal::Journal* journal = nullptr;
  history::HistoryIndex* history = nullptr;
  objectstore::ObjectStore* objects = nullptr;
  std::string token_secret;  // authenticates LookupEvents paging tokens
  integrity::SigningKeys* signing_keys = nullptr;
  trails::TrailStore* trails = nullptr;
  trails::DestinationChecks* trail_checks = nullptr;
  trails::DeliveryStatusSource* delivery_status = nullptr;
  trails::TrailListener* trail_listener = nullptr;
  std::vector<std::string> regions;
};

// Every service the endpoint serves, ready to add to a Gateway. The one list of them.
std::vector<std::unique_ptr<services::Service>> AllServices(const ServiceDeps& deps);

// All storage column families the server uses (with history's retention).
std::vector<storage::FamilyOptions> AllFamilies(int64_t history_retention_ms = 0);
inline constexpr const char* kMetaFamily = "meta";

}  // namespace ot::server
