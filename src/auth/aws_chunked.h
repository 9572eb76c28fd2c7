// auth/aws_chunked.h — decoding aws-chunked request bodies (Content-Encoding: aws-chunked).
//
// Three framings exist, selected by x-amz-content-sha256:
//  - STREAMING-AWS4-HMAC-SHA256-PAYLOAD: "<hex-size>;chunk-signature=<sig>\r\n<data>\r\n"...
//    ending with a zero-size chunk; each chunk signature chains from the previous one (the
//    first from the request's seed signature).
//  - STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: the same, then trailer headers and an
//    "x-amz-trailer-signature:" line.
//  - STREAMING-UNSIGNED-PAYLOAD-TRAILER: "<hex-size>\r\n<data>\r\n"... "0\r\n", then trailer
//    headers ("x-amz-checksum-crc32:<base64>\r\n") and a final "\r\n". botocore sends this
//    on uploads with a CRC32 (or other) checksum trailer.
// Trailer checksums named by x-amz-trailer (crc32, crc32c, crc64nvme, sha1, sha256) are
// verified against the decoded data.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "common/status.h"

namespace ot::auth {

struct ChunkedContext {
  std::string_view mode;          // one of the three STREAMING-* constants
  // For the signed modes: what the chunk signatures chain from.
  Sha256Digest signing_key{};     // SigningKey(secret, scope_date, region, service)
  std::string amz_date;           // request's X-Amz-Date
  std::string scope;              // "20261130/us-east-1/s3/aws4_request"
  std::string seed_signature;     // the request's own signature (hex)
  // Declared by the request headers:
  std::string declared_trailer;   // x-amz-trailer value, lowercase, may be empty
  int64_t decoded_length = -1;    // x-amz-decoded-content-length, -1 if absent
};

struct DecodedBody {
  std::string data;
  std::vector<Header> trailers;   // checksum trailers as received (names lowercase)
};

// Decodes and verifies. Errors: kErrIncompleteSignature / kErrSignatureMismatch for chunk
// signature problems, kErrInvalidChunk for malformed framing or a length that disagrees
// with x-amz-decoded-content-length, kErrBadDigest for a checksum trailer mismatch.
Result<DecodedBody> DecodeAwsChunked(std::string_view body, const ChunkedContext& ctx,
                                     size_t max_decoded_size);

// Chunk signature (lowercase hex) for the signed modes: HMAC over
// "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope + "\n" + previous_signature + "\n" +
// sha256hex("") + "\n" + sha256hex(chunk_data).
std::string ChunkSignature(const ChunkedContext& ctx, std::string_view previous_signature,
                           std::string_view chunk_data);

// Trailer signature for STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: HMAC over
// "AWS4-HMAC-SHA256-TRAILER\n" + amz_date + "\n" + scope + "\n" + previous_signature + "\n" +
// sha256hex(concatenation of "name:value\n" per trailer, names lowercase).
std::string TrailerSignature(const ChunkedContext& ctx, std::string_view previous_signature,
                             const std::vector<Header>& trailers);

// Client side (tests, bench, CLI): frames `data` in ctx.mode with chunks of `chunk_size`
// bytes (the last may be shorter), signing chunks from ctx.seed_signature in the signed modes
// and appending `trailers` (e.g. {"x-amz-checksum-crc32", <base64>}) in the trailer modes.
// The unsigned framing is byte-identical to botocore's AwsChunkedWrapper.
std::string EncodeAwsChunked(std::string_view data, const ChunkedContext& ctx,
                             size_t chunk_size, const std::vector<Header>& trailers = {});

}  // namespace ot::auth
