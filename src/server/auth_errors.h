// server/auth_errors.h — the AWS error each protocol answers for each authentication failure.
//
// auth/ reports neutral codes (auth/sigv4.h); JSON 1.1, Query and S3 each name and number
// the same failure differently (MissingAuthenticationTokenException vs
// MissingAuthenticationToken vs AccessDenied, ...).
#pragma once

#include "common/status.h"
#include "http/protocols/protocol.h"

namespace ot::server {

// Neutral codes used in addition to those of auth/sigv4.h.
inline constexpr const char* kErrUnknownAccessKey = "UnknownAccessKey";
inline constexpr const char* kErrInvalidToken = "InvalidSecurityToken";
inline constexpr const char* kErrExpiredToken = "ExpiredToken";

Status ProtocolAuthError(http::Protocol protocol, const Status& neutral);

}  // namespace ot::server
