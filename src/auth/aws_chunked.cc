#include "auth/aws_chunked.h"

#include <algorithm>

#include "auth/checksums.h"
#include "common/crypto.h"

namespace ot::auth {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kChunkSigExt = ";chunk-signature=";
constexpr std::string_view kTrailerSigName = "x-amz-trailer-signature";

// Bounds on the framing itself (the data is bounded by max_decoded_size).
constexpr size_t kMaxLine = 4096;
constexpr size_t kMaxTrailers = 32;

enum class Mode { kSigned, kSignedTrailer, kUnsignedTrailer };

Status InvalidChunk(std::string message) {
  return Status::Error(kErrInvalidChunk, std::move(message), 403);
}
Status Incomplete(std::string message) {
  return Status::Error(kErrIncompleteSignature, std::move(message), 403);
}
Status Mismatch(std::string message) {
  return Status::Error(kErrSignatureMismatch, std::move(message), 403);
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 1..16 hex digits, nothing else.
bool ParseHexSize(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d = HexValue(c);
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

bool IsTokenChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != ':';
}

std::string_view KeyView(const Sha256Digest& key) {
  return std::string_view(reinterpret_cast<const char*>(key.data()), key.size());
}

// Reads one CRLF-terminated line starting at *pos (at most kMaxLine bytes before the CRLF).
// Returns false when no CRLF is found in range.
bool ReadLine(std::string_view body, size_t* pos, std::string_view* line) {
  std::string_view rest = body.substr(*pos);
  size_t end = rest.substr(0, kMaxLine + kCrlf.size()).find(kCrlf);
  if (end == std::string_view::npos) return false;
  *line = rest.substr(0, end);
  *pos += end + kCrlf.size();
  return true;
}

std::string CanonicalTrailers(const std::vector<Header>& trailers) {
  std::string out;
  for (const auto& t : trailers) {
    for (char c : t.name) out.push_back(AsciiLower(c));
    out.push_back(':');
    out.append(Trim(t.value));
    out.push_back('\n');
  }
  return out;
}

std::vector<std::string> DeclaredTrailers(std::string_view declared) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= declared.size()) {
    size_t comma = declared.find(',', pos);
    if (comma == std::string_view::npos) comma = declared.size();
    std::string_view name = Trim(declared.substr(pos, comma - pos));
    if (!name.empty()) {
      std::string lname;
      for (char c : name) lname.push_back(AsciiLower(c));
      out.push_back(std::move(lname));
    }
    pos = comma + 1;
  }
  return out;
}

// Parses trailer lines ("name:value") until an empty line, the end of the body, or (when
// stop_at_signature) an x-amz-trailer-signature line, which is returned in *signature.
Status ReadTrailers(std::string_view body, size_t* pos, bool stop_at_signature,
                    std::vector<Header>* trailers, std::string* signature, bool* saw_empty) {
  *saw_empty = false;
  while (*pos < body.size()) {
    std::string_view line;
    if (!ReadLine(body, pos, &line)) return InvalidChunk("Malformed trailer: missing CRLF");
    if (line.empty()) {
      *saw_empty = true;
      return Status::Ok();
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return InvalidChunk("Malformed trailer line");
    std::string_view raw_name = Trim(line.substr(0, colon));
    if (raw_name.empty() || !std::all_of(raw_name.begin(), raw_name.end(), IsTokenChar))
      return InvalidChunk("Malformed trailer name");
    std::string name;
    for (char c : raw_name) name.push_back(AsciiLower(c));
    std::string_view value = Trim(line.substr(colon + 1));
    if (name == kTrailerSigName) {
      if (!stop_at_signature) return InvalidChunk("Unexpected x-amz-trailer-signature");
      *signature = std::string(value);
      return Status::Ok();
    }
    for (const auto& t : *trailers)
      if (t.name == name) return InvalidChunk("Duplicate trailer " + name);
    if (trailers->size() >= kMaxTrailers) return InvalidChunk("Too many trailers");
    trailers->push_back({std::move(name), std::string(value)});
  }
  return Status::Ok();
}

Status CheckTrailers(const std::vector<Header>& trailers, std::string_view declared_list,
                     std::string_view data) {
  std::vector<std::string> declared = DeclaredTrailers(declared_list);
  for (const auto& d : declared) {
    bool found = std::any_of(trailers.begin(), trailers.end(),
                             [&d](const Header& t) { return t.name == d; });
    if (!found) return InvalidChunk("Trailer " + d + " declared in x-amz-trailer is missing");
  }
  for (const auto& t : trailers) {
    if (std::find(declared.begin(), declared.end(), t.name) == declared.end())
      return InvalidChunk("Trailer " + t.name + " was not declared in x-amz-trailer");
    if (t.name.rfind("x-amz-checksum-", 0) == 0) {
      auto algorithm = ChecksumAlgorithmFromName(t.name);
      if (!algorithm) return InvalidChunk("Unsupported checksum trailer " + t.name);
      std::string computed = ChecksumBase64(*algorithm, data);
      if (!ConstantTimeEquals(computed, t.value))
        return Status::Error(kErrBadDigest,
                             "The " + std::string(ChecksumAlgorithmName(*algorithm)) +
                                 " you specified did not match the calculated checksum.",
                             400);
    }
  }
  return Status::Ok();
}

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string ChunkSignature(const ChunkedContext& ctx, std::string_view previous_signature,
                           std::string_view chunk_data) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts += ctx.amz_date;
  sts += '\n';
  sts += ctx.scope;
  sts += '\n';
  sts += previous_signature;
  sts += '\n';
  sts += kEmptySha256;
  sts += '\n';
  sts += Sha256Hex(chunk_data);
  return HexEncode(HmacSha256(KeyView(ctx.signing_key), sts));
}

std::string TrailerSignature(const ChunkedContext& ctx, std::string_view previous_signature,
                             const std::vector<Header>& trailers) {
  std::string sts = "AWS4-HMAC-SHA256-TRAILER\n";
  sts += ctx.amz_date;
  sts += '\n';
  sts += ctx.scope;
  sts += '\n';
  sts += previous_signature;
  sts += '\n';
  sts += Sha256Hex(CanonicalTrailers(trailers));
  return HexEncode(HmacSha256(KeyView(ctx.signing_key), sts));
}

Result<DecodedBody> DecodeAwsChunked(std::string_view body, const ChunkedContext& ctx,
                                     size_t max_decoded_size) {
  Mode mode;
  if (ctx.mode == kStreamingSigned)
    mode = Mode::kSigned;
  else if (ctx.mode == kStreamingSignedTrailer)
    mode = Mode::kSignedTrailer;
  else if (ctx.mode == kStreamingUnsignedTrailer)
    mode = Mode::kUnsignedTrailer;
  else
    return InvalidChunk("Unsupported aws-chunked mode");
  const bool is_signed = mode != Mode::kUnsignedTrailer;

  if (is_signed && (!IsLowerHex64(ctx.seed_signature) || ctx.amz_date.empty() || ctx.scope.empty()))
    return Incomplete("Chunk signatures need the request's seed signature, date and scope");
  if (ctx.decoded_length >= 0 && static_cast<uint64_t>(ctx.decoded_length) > max_decoded_size)
    return InvalidChunk("x-amz-decoded-content-length exceeds the maximum allowed size");

  const uint64_t limit = ctx.decoded_length >= 0 ? static_cast<uint64_t>(ctx.decoded_length)
                                                 : static_cast<uint64_t>(max_decoded_size);
  DecodedBody out;
  out.data.reserve(static_cast<size_t>(std::min<uint64_t>(limit, body.size())));
  std::string previous = ctx.seed_signature;
  size_t pos = 0;

  while (true) {
    if (pos >= body.size()) return InvalidChunk("Body ended before the final zero-length chunk");
    std::string_view line;
    if (!ReadLine(body, &pos, &line)) return InvalidChunk("Malformed chunk header");
    size_t semi = line.find(';');
    std::string_view size_text = line.substr(0, semi);
    uint64_t size = 0;
    if (!ParseHexSize(size_text, &size)) return InvalidChunk("Invalid chunk size");

    std::string_view claimed_sig;
    if (is_signed) {
      std::string_view ext =
          semi == std::string_view::npos ? std::string_view() : line.substr(semi);
      if (ext.substr(0, kChunkSigExt.size()) != kChunkSigExt)
        return Incomplete("Chunk is missing its chunk-signature");
      claimed_sig = ext.substr(kChunkSigExt.size());
      if (claimed_sig.size() != 64) return Incomplete("Malformed chunk-signature");
    }

    if (size > body.size() - pos) return InvalidChunk("Chunk is truncated");
    if (size > limit - out.data.size()) {
      if (ctx.decoded_length >= 0)
        return InvalidChunk("Decoded body is longer than x-amz-decoded-content-length");
      return InvalidChunk("Decoded body exceeds the maximum allowed size");
    }
    std::string_view chunk = body.substr(pos, static_cast<size_t>(size));
    pos += static_cast<size_t>(size);

    if (is_signed) {
      std::string expected = ChunkSignature(ctx, previous, chunk);
      if (!ConstantTimeEquals(expected, claimed_sig))
        return Mismatch("The chunk signature we calculated does not match the one provided");
      previous = std::move(expected);
    }
    if (size == 0) break;

    if (body.substr(pos, kCrlf.size()) != kCrlf)
      return InvalidChunk("Chunk data is not followed by CRLF");
    pos += kCrlf.size();
    out.data.append(chunk);
  }

  // After the zero-length chunk.
  std::string_view rest = body.substr(pos);
  if (mode == Mode::kSigned) {
    if (!rest.empty() && rest != kCrlf) return InvalidChunk("Unexpected data after final chunk");
  } else {
    std::string trailer_sig;
    bool saw_empty = false;
    OT_RETURN_IF_ERROR(ReadTrailers(body, &pos, mode == Mode::kSignedTrailer, &out.trailers,
                                    &trailer_sig, &saw_empty));
    if (mode == Mode::kSignedTrailer) {
      if (saw_empty || trailer_sig.empty()) return Incomplete("Missing x-amz-trailer-signature");
      std::string expected = TrailerSignature(ctx, previous, out.trailers);
      if (!ConstantTimeEquals(expected, trailer_sig))
        return Mismatch("The trailer signature we calculated does not match the one provided");
      rest = body.substr(pos);
      if (!rest.empty() && rest != kCrlf) return InvalidChunk("Unexpected data after trailers");
    } else if (pos != body.size()) {
      return InvalidChunk("Unexpected data after trailers");
    }
  }

  if (ctx.decoded_length >= 0 && out.data.size() != static_cast<uint64_t>(ctx.decoded_length))
    return InvalidChunk("Decoded body length does not match x-amz-decoded-content-length");
  if (mode != Mode::kSigned)
    OT_RETURN_IF_ERROR(CheckTrailers(out.trailers, ctx.declared_trailer, out.data));
  return out;
}

std::string EncodeAwsChunked(std::string_view data, const ChunkedContext& ctx, size_t chunk_size,
                             const std::vector<Header>& trailers) {
  if (chunk_size == 0) chunk_size = 64 * 1024;
  const bool is_signed = ctx.mode != kStreamingUnsignedTrailer;
  const bool with_trailers = ctx.mode != kStreamingSigned;
  static const char kHex[] = "0123456789abcdef";
  auto hex = [](uint64_t v) {
    std::string s;
    do {
      s.insert(s.begin(), kHex[v & 15]);
      v >>= 4;
    } while (v);
    return s;
  };
  std::string out;
  std::string previous = ctx.seed_signature;
  size_t pos = 0;
  while (true) {
    std::string_view chunk = data.substr(pos, std::min(chunk_size, data.size() - pos));
    pos += chunk.size();
    out += hex(chunk.size());
    if (is_signed) {
      previous = ChunkSignature(ctx, previous, chunk);
      out += kChunkSigExt;
      out += previous;
    }
    out += kCrlf;
    if (chunk.empty()) break;
    out.append(chunk);
    out += kCrlf;
  }
  if (with_trailers) {
    for (const auto& t : trailers) {
      for (char c : t.name) out.push_back(AsciiLower(c));
      out.push_back(':');
      out += t.value;
      out += kCrlf;
    }
    if (is_signed) {
      out += kTrailerSigName;
      out.push_back(':');
      out += TrailerSignature(ctx, previous, trailers);
      out += kCrlf;
    }
  }
  out += kCrlf;
  return out;
}

}  // namespace ot::auth
