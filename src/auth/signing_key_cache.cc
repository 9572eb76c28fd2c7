#include "auth/signing_key_cache.h"

#include "auth/sigv4.h"

namespace ot::auth {

Sha256Digest SigningKeyCache::Get(std::string_view secret, std::string_view date,
                                  std::string_view region, std::string_view service) {
  std::string id;
  id.reserve(secret.size() + date.size() + region.size() + service.size() + 3);
  id.append(secret).append(1, '\n').append(date).append(1, '\n').append(region).append(1, '\n').append(service);
  {
    std::lock_guard lock(mu_);
    auto it = keys_.find(id);
    if (it != keys_.end()) return it->second;
  }
  Sha256Digest key = SigningKey(secret, date, region, service);
  std::lock_guard lock(mu_);
  if (keys_.size() >= capacity_) keys_.clear();
  keys_.emplace(std::move(id), key);
  return key;
}

}  // namespace ot::auth
