// server/gateway.h — the request pipeline: SigV4 → route → service → record → journal → reply.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth/identity_store.h"
#include "auth/signing_key_cache.h"
#include "http/server.h"
#include "journal/journal.h"
#include "services/service.h"

namespace ot::server {

struct GatewayOptions {
  // Bench-only: answer without recording (measures what durability costs).
  bool record = true;
  // Accepted clock skew for X-Amz-Date (AWS: 15 minutes).
  int64_t max_skew_seconds = 15 * 60;
};

class Gateway final : public http::Handler {
 public:
  Gateway(GatewayOptions options, auth::IdentityStore* identities, journal::Journal* journal);

  void AddService(std::unique_ptr<services::Service> service);
  const std::map<std::string, std::unique_ptr<services::Service>, std::less<>>& services() const {
    return services_;
  }

  size_t BodyLimit(const http::Request& head) override;
  http::Response TooLarge(const http::Request& head, size_t limit) override;
  http::Response Malformed(std::string_view why) override;
  void Handle(http::Request request, http::Responder respond) override;

 private:
  struct Pending;
  services::Service* FindService(std::string_view name) const;
  http::ProtocolInfo ProtocolFor(std::string_view service_name, const http::Request& request) const;
  void Finish(std::shared_ptr<Pending> p, const Status& status);

  GatewayOptions options_;
  auth::IdentityStore* identities_;
  journal::Journal* journal_;
  auth::SigningKeyCache signing_keys_;
  std::map<std::string, std::unique_ptr<services::Service>, std::less<>> services_;
};

// The service named in a request's SigV4 credential scope, read without full parsing
// (header or presigned query); empty when there is none.
std::string ScopeServiceOf(const http::Request& request);

}  // namespace ot::server
