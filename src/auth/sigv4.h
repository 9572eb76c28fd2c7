// auth/sigv4.h — AWS Signature Version 4: reading a request's signature, rebuilding the
// canonical request and string to sign, and verifying (or producing) the signature.
//
// Pure functions over a view of the HTTP request: no storage, no key lookup. The caller
// (server/) extracts SigV4Params, looks the access key up, then calls VerifySignature.
//
// Errors are Status values with *neutral* codes (listed below); each protocol codec maps
// them to its own AWS error code and HTTP status.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "common/header.h"
#include "common/status.h"

namespace ot::auth {

// Neutral error codes returned by this component.
inline constexpr const char* kErrMissingAuth = "MissingAuthenticationToken";  // no signature at all
inline constexpr const char* kErrIncompleteSignature = "IncompleteSignature"; // malformed auth
inline constexpr const char* kErrSignatureMismatch = "SignatureDoesNotMatch";
inline constexpr const char* kErrRequestTimeTooSkewed = "RequestTimeTooSkewed"; // header auth
inline constexpr const char* kErrRequestExpired = "RequestExpired";  // presigned URL expired
inline constexpr const char* kErrContentSha256Mismatch = "XAmzContentSHA256Mismatch";
inline constexpr const char* kErrInvalidChunk = "InvalidChunkSizeError";  // bad aws-chunked body
inline constexpr const char* kErrBadDigest = "BadDigest";  // trailer checksum mismatch

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

using Header = ot::Header;  // {name, value} as received (common/header.h)

// What SigV4 needs to see of an HTTP request.
struct RequestView {
  std::string_view method;              // "GET"
  std::string_view target;              // raw request-target as received: "/a%20b?x=1&y"
  const std::vector<Header>* headers;   // all headers, in order received
};

enum class AuthMethod { kAuthHeader, kQueryString };

// The signature fields a request carries, before any secret is known.
struct SigV4Params {
  AuthMethod method = AuthMethod::kAuthHeader;
  std::string access_key_id;
  std::string scope_date;        // "20261130"
  std::string region;            // "us-east-1"
  std::string service;           // "sts", "s3", ...
  std::vector<std::string> signed_headers;  // lowercase, in the order listed
  std::string signature;         // lowercase hex, 64 chars
  std::string amz_date;          // "20261130T101500Z"
  int64_t request_time = 0;      // amz_date as epoch seconds
  int64_t expires_seconds = 0;   // X-Amz-Expires (presigned only), 1..604800
  std::string security_token;    // X-Amz-Security-Token (header or query), may be empty
  std::string content_sha256;    // x-amz-content-sha256 header value, may be empty
};

// Reads the Authorization header ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...") or the presigned query parameters (X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature).
// Errors: kErrMissingAuth when neither is present; kErrIncompleteSignature when malformed
// (missing parts, bad credential scope, bad date, unsupported algorithm, host not signed...).
Result<SigV4Params> ExtractSigV4(const RequestView& request);

// Checks X-Amz-Date against `now_seconds`: header auth must be within 15 minutes either way
// (kErrRequestTimeTooSkewed); presigned must not be more than 15 minutes in the future and
// not past request_time + expires (kErrRequestExpired). The scope date must equal the date
// of amz_date (kErrSignatureMismatch otherwise).
Status CheckRequestTime(const SigV4Params& params, int64_t now_seconds);

// The canonical request. `s3_style_path` = true uses the path exactly as sent (S3);
// false normalizes it (removes dot segments, merges slashes) and URI-encodes it again (every
// other service), exactly as botocore does. `payload_hash` is the hex SHA-256 of the body,
// or the literal value of x-amz-content-sha256 when present, or UNSIGNED-PAYLOAD for
// presigned S3 URLs (other services' presigned URLs hash the body, as botocore does).
std::string CanonicalRequest(const RequestView& request, const SigV4Params& params,
                             bool s3_style_path, std::string_view payload_hash);

std::string StringToSign(const SigV4Params& params, std::string_view canonical_request);

// kSecret = HMAC chain over "AWS4"+secret, date, region, service, "aws4_request".
Sha256Digest SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);

// "20261130/us-east-1/sts/aws4_request" from the params' scope fields.
std::string CredentialScope(const SigV4Params& params);

// Lowercase hex HMAC-SHA256(signing_key, string_to_sign): the signature itself.
std::string SignatureHex(const Sha256Digest& signing_key, std::string_view string_to_sign);

// As VerifySignature, with a signing key the caller derived with SigningKey (and may cache
// per access key, date, region and service).
Status VerifySignatureWithKey(const RequestView& request, const SigV4Params& params,
                              const Sha256Digest& signing_key, bool s3_style_path,
                              std::string_view payload_hash);

// Full check of a request signature given the caller's secret. Constant-time comparison.
// Returns kErrSignatureMismatch on mismatch.
Status VerifySignature(const RequestView& request, const SigV4Params& params,
                       std::string_view secret, bool s3_style_path,
                       std::string_view payload_hash);

// The payload hash to put into the canonical request, chosen per the rules above.
// `body_sha256_hex` is computed lazily by the caller only when needed; pass the body.
// Errors: kErrContentSha256Mismatch when x-amz-content-sha256 is a hex hash that does not
// match the body.
Result<std::string> PayloadHashFor(const SigV4Params& params, std::string_view body);

// Client side (bench load generator, tests, the CLI's own calls): signs a request by adding
// the X-Amz-Date, (x-amz-security-token) and Authorization headers. `headers` must contain
// Host. `target` is the request-target as it will be sent.
void SignRequest(std::string_view method, std::string_view target, std::vector<Header>* headers,
                 std::string_view body, std::string_view access_key_id, std::string_view secret,
                 std::string_view region, std::string_view service, int64_t now_seconds,
                 std::string_view session_token = {});

// Lowercase names, RFC 3986 encoding (unreserved kept, everything else %XX uppercase).
std::string UriEncode(std::string_view s, bool encode_slash);
// Decodes %XX (and, when plus_as_space, '+'). Returns false on malformed escapes.
bool UriDecode(std::string_view s, std::string* out, bool plus_as_space = false);

}  // namespace ot::auth
