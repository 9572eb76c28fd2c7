#include "auth/identity_store.h"

#include <boost/json.hpp>

#include <mutex>

#include "common/ids.h"
#include "common/time.h"

namespace ot::auth {

namespace json = boost::json;

namespace {

constexpr std::string_view kAccountPrefix = "account/";
constexpr std::string_view kKeyPrefix = "key/";

std::string Str(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
int64_t Int(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_int64() ? v->get_int64() : 0;
}
bool Bool(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_bool() && v->get_bool();
}

std::string AccountToJson(const Account& a) {
  return json::serialize(json::object{{"id", a.id},
                                      {"name", a.name},
                                      {"email", a.email},
                                      {"management", a.management},
                                      {"orgMember", a.org_member},
                                      {"created", a.created_ms}});
}

Account AccountFromJson(const json::object& o) {
  return Account{Str(o, "id"), Str(o, "name"), Str(o, "email"), Bool(o, "management"),
                 Bool(o, "orgMember"), Int(o, "created")};
}

std::string CredentialToJson(const Credential& c) {
  const Principal& p = c.principal;
  json::object issuer{{"type", p.issuer.type},
                      {"principalId", p.issuer.principal_id},
                      {"arn", p.issuer.arn},
                      {"accountId", p.issuer.account_id},
                      {"userName", p.issuer.user_name}};
  json::object principal{{"type", p.type},
                         {"accountId", p.account_id},
                         {"principalId", p.principal_id},
                         {"arn", p.arn},
                         {"userName", p.user_name},
                         {"temporary", p.temporary},
                         {"sessionCreated", p.session_created_ms},
                         {"mfa", p.mfa_authenticated},
                         {"issuer", std::move(issuer)}};
  return json::serialize(json::object{{"accessKeyId", c.access_key_id},
                                      {"secret", c.secret_access_key},
                                      {"sessionToken", c.session_token},
                                      {"expires", c.expires_ms},
                                      {"active", c.active},
                                      {"principal", std::move(principal)}});
}

Credential CredentialFromJson(const json::object& o) {
  Credential c;
  c.access_key_id = Str(o, "accessKeyId");
  c.secret_access_key = Str(o, "secret");
  c.session_token = Str(o, "sessionToken");
  c.expires_ms = Int(o, "expires");
  c.active = Bool(o, "active");
  if (auto* p = o.if_contains("principal"); p && p->is_object()) {
    auto& po = p->get_object();
    Principal& pr = c.principal;
    pr.type = Str(po, "type");
    pr.account_id = Str(po, "accountId");
    pr.principal_id = Str(po, "principalId");
    pr.arn = Str(po, "arn");
    pr.user_name = Str(po, "userName");
    pr.temporary = Bool(po, "temporary");
    pr.session_created_ms = Int(po, "sessionCreated");
    pr.mfa_authenticated = Bool(po, "mfa");
    if (auto* i = po.if_contains("issuer"); i && i->is_object()) {
      auto& io = i->get_object();
      pr.issuer = {Str(io, "type"), Str(io, "principalId"), Str(io, "arn"), Str(io, "accountId"),
                   Str(io, "userName")};
    }
    pr.access_key_id = c.access_key_id;
  }
  return c;
}

bool ValidAccountId(const std::string& id) {
  if (id.size() != 12) return false;
  for (char ch : id)
    if (ch < '0' || ch > '9') return false;
  return true;
}

}  // namespace

Result<std::unique_ptr<IdentityStore>> IdentityStore::Open(storage::KvStore* store) {
  std::unique_ptr<IdentityStore> ids(new IdentityStore(store));
  auto it = store->NewIterator(kIdentityFamily);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = it->key();
    boost::system::error_code ec;
    auto v = json::parse(it->value(), ec);
    if (ec || !v.is_object()) return Status::Internal("corrupt identity entry " + std::string(key));
    if (key.starts_with(kAccountPrefix)) {
      Account a = AccountFromJson(v.get_object());
      if (a.management) ids->management_account_ = a.id;
      ids->accounts_[a.id] = std::move(a);
    } else if (key.starts_with(kKeyPrefix)) {
      Credential c = CredentialFromJson(v.get_object());
      ids->keys_[c.access_key_id] = std::move(c);
    }
  }
  OT_RETURN_IF_ERROR(it->status());
  return ids;
}

Result<Account> IdentityStore::CreateAccount(const std::string& id, const std::string& name,
                                             bool management, bool org_member) {
  std::unique_lock lock(mu_);
  if (!id.empty() && !ValidAccountId(id))
    return Status::Error("InvalidInputException", "An account id is 12 digits.", 400);
  if (management && management_account_)
    return Status::Error("AccountAlreadyExists", "The management account already exists.", 409);
  Account a;
  a.id = id;
  if (a.id.empty()) {
    do a.id = NewAccountId();
    while (accounts_.count(a.id));
  } else if (accounts_.count(a.id)) {
    return Status::Error("AccountAlreadyExists", "Account " + a.id + " already exists.", 409);
  }
  a.name = name.empty() ? "account-" + a.id : name;
  a.email = a.name + "@opentrail.local";
  a.management = management;
  a.org_member = org_member;
  a.created_ms = NowMillis();
  OT_RETURN_IF_ERROR(store_->Put(kIdentityFamily, std::string(kAccountPrefix) + a.id,
                                 AccountToJson(a), /*sync=*/true));
  accounts_[a.id] = a;
  if (management) management_account_ = a.id;
  return a;
}

std::optional<Account> IdentityStore::FindAccount(const std::string& id) const {
  std::shared_lock lock(mu_);
  auto it = accounts_.find(id);
  if (it == accounts_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> IdentityStore::ManagementAccountId() const {
  std::shared_lock lock(mu_);
  return management_account_;
}

Status IdentityStore::SaveCredential(const Credential& c) {
  OT_RETURN_IF_ERROR(store_->Put(kIdentityFamily, std::string(kKeyPrefix) + c.access_key_id,
                                 CredentialToJson(c), /*sync=*/true));
  std::unique_lock lock(mu_);
  keys_[c.access_key_id] = c;
  return Status::Ok();
}

Result<Credential> IdentityStore::CreateRootAccessKey(const std::string& account_id) {
  if (!FindAccount(account_id))
    return Status::Error("NoSuchEntity", "Account " + account_id + " does not exist.", 404);
  Credential c;
  c.access_key_id = NewAccessKeyId(false);
  c.secret_access_key = NewSecretAccessKey();
  c.principal.type = "Root";
  c.principal.account_id = account_id;
  c.principal.principal_id = account_id;
  c.principal.arn = "arn:aws:iam::" + account_id + ":root";
  c.principal.access_key_id = c.access_key_id;
  OT_RETURN_IF_ERROR(SaveCredential(c));
  return c;
}

Result<Credential> IdentityStore::CreateSessionCredential(const Principal& caller,
                                                          int64_t duration_ms) {
  Credential c;
  c.access_key_id = NewAccessKeyId(true);
  c.secret_access_key = NewSecretAccessKey();
  c.session_token = NewOpaqueToken(96);
  int64_t now = NowMillis();
  c.expires_ms = now + duration_ms;
  c.principal = caller;
  c.principal.access_key_id = c.access_key_id;
  c.principal.temporary = true;
  c.principal.session_created_ms = now;
  c.principal.issuer = SessionIssuer{};  // GetSessionToken sessions have an empty issuer
  OT_RETURN_IF_ERROR(SaveCredential(c));
  return c;
}

std::optional<Credential> IdentityStore::FindAccessKey(const std::string& access_key_id) const {
  std::shared_lock lock(mu_);
  auto it = keys_.find(access_key_id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

std::optional<Credential> IdentityStore::RootAccessKey(const std::string& account_id) const {
  std::shared_lock lock(mu_);
  for (auto& [id, c] : keys_)
    if (c.active && !c.principal.temporary && c.principal.is_root() &&
        c.principal.account_id == account_id)
      return c;
  return std::nullopt;
}

}  // namespace ot::auth
