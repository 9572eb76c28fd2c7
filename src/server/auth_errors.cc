#include "server/auth_errors.h"

#include <string_view>

#include "auth/sigv4.h"

namespace ot::server {

namespace {
struct Mapping {
  std::string_view neutral;
  const char* json_code; int json_status;
  const char* query_code; int query_status;
  const char* s3_code; int s3_status;
};

constexpr Mapping kMappings[] = {
    {auth::kErrMissingAuth, "MissingAuthenticationTokenException", 403,
     "MissingAuthenticationToken", 403, "AccessDenied", 403},
    {auth::kErrIncompleteSignature, "IncompleteSignatureException", 400, "IncompleteSignature", 400,
     "AuthorizationHeaderMalformed", 400},
    {auth::kErrSignatureMismatch, "InvalidSignatureException", 400, "SignatureDoesNotMatch", 403,
     "SignatureDoesNotMatch", 403},
    {auth::kErrRequestTimeTooSkewed, "InvalidSignatureException", 400, "RequestExpired", 400,
     "RequestTimeTooSkewed", 403},
    {auth::kErrRequestExpired, "InvalidSignatureException", 400, "RequestExpired", 400,
     "AccessDenied", 403},
    {auth::kErrContentSha256Mismatch, "InvalidSignatureException", 400, "SignatureDoesNotMatch", 403,
     "XAmzContentSHA256Mismatch", 400},
    {auth::kErrInvalidChunk, "SerializationException", 400, "MalformedInput", 400,
     "InvalidChunkSizeError", 400},
    {auth::kErrBadDigest, "SerializationException", 400, "MalformedInput", 400, "BadDigest", 400},
    {kErrUnknownAccessKey, "UnrecognizedClientException", 400, "InvalidClientTokenId", 403,
     "InvalidAccessKeyId", 403},
    {kErrInvalidToken, "UnrecognizedClientException", 400, "InvalidClientTokenId", 403,
     "InvalidToken", 400},
    {kErrExpiredToken, "ExpiredTokenException", 400, "ExpiredToken", 403, "ExpiredToken", 400},
};
}  // namespace

Status ProtocolAuthError(http::Protocol protocol, const Status& neutral) {
  for (const auto& m : kMappings) {
    if (m.neutral != neutral.code()) continue;
    std::string message = neutral.message();
    switch (protocol) {
      case http::Protocol::kJson11:
        return Status::Error(m.json_code, message, m.json_status);
      case http::Protocol::kQuery:
        return Status::Error(m.query_code, message, m.query_status);
      case http::Protocol::kRestXml:
        if (neutral.code() == auth::kErrRequestExpired) message = "Request has expired";
        if (neutral.code() == auth::kErrMissingAuth) message = "Access Denied";
        return Status::Error(m.s3_code, message, m.s3_status);
    }
  }
  return neutral;  // already a protocol error
}

}  // namespace ot::server
