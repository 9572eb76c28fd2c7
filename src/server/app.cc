#include "server/app.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "services/cloudtrail/cloudtrail_service.h"
#include "services/opentrail/opentrail_service.h"
#include "services/s3/s3_service.h"
#include "services/sts/sts_service.h"

namespace ot::server {

namespace fs = std::filesystem;

std::vector<storage::FamilyOptions> AllFamilies(int64_t history_retention_ms) {
  history::HistoryOptions h;
  h.retention_ms = history_retention_ms;
  return {{journal::kCursorFamily, nullptr},
          {auth::kIdentityFamily, nullptr},
          {kMetaFamily, nullptr},
          {objectstore::kObjectsFamily, nullptr},
          {trails::kTrailsFamily, nullptr},
          {delivery::kDeliveryFamily, nullptr},
          history::HistoryIndex::Family(h)};
}

std::vector<std::unique_ptr<services::Service>> AllServices(const ServiceDeps& d) {
  std::vector<std::unique_ptr<services::Service>> all;
  all.push_back(std::make_unique<services::StsService>(d.identities));
  services::CloudTrailDeps ct;
  ct.history = d.history;
  ct.journal = d.journal;
  ct.token_secret = d.token_secret;
  ct.trails = d.trails;
  ct.checks = d.trail_checks;
  ct.status = d.delivery_status;
  ct.listener = d.trail_listener;
  ct.regions = d.regions;
  ct.signing_keys = d.signing_keys;
  all.push_back(std::make_unique<services::CloudTrailService>(std::move(ct)));
  all.push_back(std::make_unique<services::OpenTrailService>(d.identities, d.journal, d.history));
  all.push_back(std::make_unique<services::S3Service>(d.objects));
  return all;
}

Status WriteFileAtomic(const std::string& path, const std::string& content, int mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Internal("cannot create " + tmp);
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n <= 0) {
      ::close(fd);
      return Status::Internal("cannot write " + tmp);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return Status::Internal("cannot fsync " + tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::Internal("cannot rename " + tmp);
  int dir = ::open(fs::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

App::App(ServeOptions options) : options_(std::move(options)) {}

App::~App() { Stop(); }

Status App::Start() {
  std::error_code ec;
  fs::create_directories(options_.data_dir, ec);
  if (ec) return Status::Internal("cannot create data dir " + options_.data_dir + ": " + ec.message());
  ::chmod(options_.data_dir.c_str(), 0700);

  auto store = storage::OpenRocksDb(options_.data_dir + "/db", AllFamilies(options_.history_retention_ms));
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  auto ids = auth::IdentityStore::Open(store_.get());
  if (!ids.ok()) return ids.status();
  identities_ = std::move(*ids);
  OT_RETURN_IF_ERROR(EnsureManagementAccount());
  auto j = journal::Journal::Open(options_.data_dir + "/journal", store_.get());
  if (!j.ok()) return j.status();
  journal_ = std::move(*j);

  history::HistoryOptions hopts;
  hopts.retention_ms = options_.history_retention_ms;
  history_ = std::make_unique<history::HistoryIndex>(store_.get(), journal_.get(), hopts);
  OT_RETURN_IF_ERROR(history_->CatchUp());
  history_->Start();

  auto keys = objectstore::OpenMasterKeyProvider(options_.data_dir + "/master.key");
  if (!keys.ok()) return keys.status();
  master_keys_ = std::move(*keys);
  auto objects = objectstore::OpenLocalStore(store_.get(), {options_.data_dir + "/objects"}, master_keys_.get(), nullptr);
  if (!objects.ok()) return objects.status();
  objects_ = std::move(*objects);
  lifecycle_ = std::make_unique<services::s3::LifecycleSweeper>(objects_.get(), options_.lifecycle_day_ms);
  lifecycle_->Start();

  trails_ = std::make_unique<trails::TrailStore>(store_.get());
  delivery_access_ = std::make_unique<services::s3::S3Access>(objects_.get());
  destination_ = std::make_unique<delivery::S3Destination>(objects_.get(), delivery_access_.get());
  auto signing = integrity::SigningKeys::Open(store_.get(), kMetaFamily, master_keys_.get(),
                                             options_.signing_key_rotation_ms);
  if (!signing.ok()) return signing.status();
  signing_keys_ = std::move(*signing);
  delivery::DeliveryOptions dopts;
  dopts.interval_ms = options_.delivery_interval_ms;
  dopts.digest_interval_ms = options_.digest_interval_ms;
  dopts.regions = options_.regions;
  if (dopts.regions.empty()) dopts.regions = {options_.region};
  delivery_ = std::make_unique<delivery::DeliveryService>(store_.get(), journal_.get(), trails_.get(),
                                                          destination_.get(), signing_keys_.get(), dopts);
  OT_RETURN_IF_ERROR(delivery_->Start());

  auto token_secret = ServerSecret("lookup-token-secret");
  if (!token_secret.ok()) return token_secret.status();
  GatewayOptions gopts;
  gopts.record = options_.record;
  gateway_ = std::make_unique<Gateway>(gopts, identities_.get(), journal_.get());
  ServiceDeps deps;
  deps.identities = identities_.get();
  deps.journal = journal_.get();
  deps.history = history_.get();
  deps.objects = objects_.get();
  deps.token_secret = *token_secret;
  deps.signing_keys = signing_keys_.get();
  deps.trails = trails_.get();
  deps.trail_checks = destination_.get();
  deps.delivery_status = delivery_.get();
  deps.trail_listener = delivery_.get();
  deps.regions = dopts.regions;
  for (auto& service : AllServices(deps)) gateway_->AddService(std::move(service));

  http::Limits limits;
  limits.header_timeout_ms = options_.request_timeout_ms;
  int threads = options_.threads > 0 ? options_.threads
                                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http_ = std::make_unique<http::Server>(gateway_.get(), limits, threads);
  OT_RETURN_IF_ERROR(http_->Listen(options_.host, options_.port));
  http_->Start();
  housekeeping_ = std::thread([this] { Housekeeping(); });
  started_ = true;
  return Status::Ok();
}

uint16_t App::port() const { return http_ ? http_->port() : 0; }

Status App::EnsureManagementAccount() {
  auto account = identities_->ManagementAccountId();
  if (!account) {
    auto created = identities_->CreateAccount("", "management", /*management=*/true, false);
    if (!created.ok()) return created.status();
    account = created->id;
    spdlog::info("created management account {}", *account);
  }
  auto key = identities_->RootAccessKey(*account);
  if (!key) {
    auto created = identities_->CreateRootAccessKey(*account);
    if (!created.ok()) return created.status();
    key = std::move(*created);
  }
  std::string path = options_.data_dir + "/credentials";
  if (!fs::exists(path)) {
    std::string content = "[default]\naws_access_key_id = " + key->access_key_id +
                          "\naws_secret_access_key = " + key->secret_access_key + "\n";
    OT_RETURN_IF_ERROR(WriteFileAtomic(path, content, 0600));
  }
  return Status::Ok();
}

Result<std::string> App::ServerSecret(const std::string& name) {
  auto existing = store_->Get(kMetaFamily, name);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return **existing;
  std::string secret(32, '\0');
  RandomBytes(reinterpret_cast<uint8_t*>(secret.data()), secret.size());
  OT_RETURN_IF_ERROR(store_->Put(kMetaFamily, name, secret, /*sync=*/true));
  return secret;
}

void App::Housekeeping() {
  while (!stopping_) {
    for (int i = 0; i < 100 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (stopping_) break;
    auto trimmed = journal_->Trim();
    if (!trimmed.ok()) spdlog::warn("journal trim failed: {}", trimmed.status().ToString());
  }
}

void App::Stop() {
  if (!started_) return;
  started_ = false;
  stopping_ = true;
  http_->Stop(5000);       // no new requests; in-flight ones finish
  journal_->Stop();        // drains queued appends (their replies are already moot)
  history_->Stop();
  delivery_->Stop();
  lifecycle_->Stop();
  if (housekeeping_.joinable()) housekeeping_.join();
  store_->Flush();
}

}  // namespace ot::server
