// auth/signing_key_cache.h — SigV4 signing keys, derived once per (key, day, region, service).
//
// Deriving a signing key is four HMACs; a client signs thousands of requests a day with the
// same one. The cache is bounded and keyed by the secret too, so a rotated secret never
// matches a stale key.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/crypto.h"

namespace ot::auth {

class SigningKeyCache {
 public:
  explicit SigningKeyCache(size_t capacity = 4096) : capacity_(capacity) {}
  Sha256Digest Get(std::string_view secret, std::string_view date, std::string_view region,
                   std::string_view service);

 private:
  size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Sha256Digest> keys_;
};

}  // namespace ot::auth
