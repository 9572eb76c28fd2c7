// auth/principal.h — the identity that signed a request, as CloudTrail's userIdentity sees it.
#pragma once

#include <cstdint>
#include <string>

namespace ot::auth {

struct SessionIssuer {
  std::string type;          // "Role", "IAMUser", "Root"; empty for GetSessionToken sessions
  std::string principal_id;
  std::string arn;
  std::string account_id;
  std::string user_name;
};

struct Principal {
  std::string type;          // "Root", "IAMUser", "AssumedRole", "FederatedUser"
  std::string account_id;
  std::string principal_id;  // account id for Root, "AIDA…" for users, "AROA…:session"
  std::string arn;
  std::string user_name;     // IAM user name (IAMUser), alias for Root when set
  std::string access_key_id;
  // Temporary credentials only:
  bool temporary = false;
  int64_t session_created_ms = 0;
  bool mfa_authenticated = false;
  SessionIssuer issuer;      // empty fields for GetSessionToken sessions

  bool is_root() const { return type == "Root"; }
};

}  // namespace ot::auth
