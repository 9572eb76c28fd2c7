// auth/identity_store.h — accounts and the credentials that sign requests.
//
// Durable in the "identity" column family; every access key is also cached in memory,
// because each request looks one up. Secrets never leave this component except to the
// SigV4 verifier and to the caller that just created them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/principal.h"
#include "common/status.h"
#include "storage/kv_store.h"

namespace ot::auth {

inline constexpr const char* kIdentityFamily = "identity";

struct Account {
  std::string id;
  std::string name;
  std::string email;
  bool management = false;  // the account created on first start
  bool org_member = false;
  int64_t created_ms = 0;
};

struct Credential {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;    // temporary credentials only
  int64_t expires_ms = 0;       // 0 = long-term
  bool active = true;
  Principal principal;
};

class IdentityStore {
 public:
  static Result<std::unique_ptr<IdentityStore>> Open(storage::KvStore* store);

  // Creates an account (random id when `id` is empty). AlreadyExists when taken.
  Result<Account> CreateAccount(const std::string& id, const std::string& name, bool management,
                                bool org_member);
  std::optional<Account> FindAccount(const std::string& id) const;
  std::optional<std::string> ManagementAccountId() const;

  // A new long-term access key for the account's root user.
  Result<Credential> CreateRootAccessKey(const std::string& account_id);
  // Temporary credentials for `caller` (GetSessionToken): same identity, ASIA key, token.
  Result<Credential> CreateSessionCredential(const Principal& caller, int64_t duration_ms);

  std::optional<Credential> FindAccessKey(const std::string& access_key_id) const;
  // The oldest active long-term root key of the account, if any.
  std::optional<Credential> RootAccessKey(const std::string& account_id) const;

 private:
  explicit IdentityStore(storage::KvStore* store) : store_(store) {}
  Status SaveCredential(const Credential& c);

  storage::KvStore* store_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Credential> keys_;
  std::unordered_map<std::string, Account> accounts_;
  std::optional<std::string> management_account_;
};

}  // namespace ot::auth
