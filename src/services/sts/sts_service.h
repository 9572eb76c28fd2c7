// services/sts/sts_service.h — AWS STS (Query protocol): who am I, and temporary credentials.
#pragma once

#include "auth/identity_store.h"
#include "services/service.h"

namespace ot::services {

class StsService final : public Service {
 public:
  explicit StsService(auth::IdentityStore* identities);
  std::string_view name() const override { return "sts"; }
  const http::ProtocolInfo& protocol() const override { return protocol_; }
  std::vector<std::string> Operations() const override;
  bool Serves(std::string_view operation) const override;
  Status Handle(Call& call) override;

 private:
  Status GetCallerIdentity(Call& call);
  Status GetSessionToken(Call& call);
  Status GetAccessKeyInfo(Call& call);

  auth::IdentityStore* identities_;
  http::ProtocolInfo protocol_;
};

}  // namespace ot::services
