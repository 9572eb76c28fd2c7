// bench/s3_bench.cc — S3 PutObject / GetObject throughput client, for `opentrail serve` and
// any other S3-compatible server (moto_server, MinIO, ...): path-style requests over
// keep-alive HTTP/1.1 connections, each request signed with SigV4 as the AWS CLI signs it
// (Authorization header; service "s3"; region us-east-1 by default).
//
// Payload hash: by default x-amz-content-sha256 is UNSIGNED-PAYLOAD (what the AWS CLI and
// SDKs send over HTTPS); --payload sha256 sends the hex SHA-256 of the body instead (what
// botocore sends over plain HTTP), computed by the client for every request, as the CLI does.
//
// Workload: --count objects of --size bytes, keys "<prefix>obj-<size>-<i>", --concurrency
// connections (one thread each) taking the next object index until all are done; closed
// loop. Content is random and incompressible: object i is a 16-byte tag naming i followed
// by a slice of a pseudo-random pool (xoshiro256**, --seed) that starts at a per-object
// offset, so every object differs and a separate `--op get` run (same --seed/--size) knows
// what each object must contain.
//
// Reported: MB/s = payload bytes / wall time of the phase (MB = 2^20 bytes), per-op latency
// (request write -> full response read) p50/p99/max, errors. Checks: every response must be
// 200 and every GET body must have the object's length; the first --verify-first GET bodies
// are compared byte for byte with what was put; after the timed phases (untimed) the ETags
// of the first and last PUTs are checked against the MD5 of their content, and
// --verify-end objects are fetched again and checked byte for byte and against the MD5 in
// their ETag. Each phase prints one machine-readable line:
//
//   RESULT op=put size=1048576 count=200 concurrency=4 mb_s=123.4 p50_ms=... p99_ms=... ...
//
// Exit status: 0 when every request succeeded and every check passed.
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "auth/sigv4.h"
#include "common/crypto.h"
#include "common/header.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kTagBytes = 16;        // per-object prefix naming the object
constexpr size_t kOffsetStride = 4096;  // pool offset step between consecutive objects
constexpr size_t kOffsetSlots = 1024;   // distinct pool offsets (the tag keeps objects apart anyway)
constexpr int kMaxPrintedErrors = 10;
constexpr double kMiB = 1024.0 * 1024.0;

struct Options {
  std::string endpoint = "127.0.0.1:4580";
  std::string access_key, secret, credentials_file, profile = "default";
  std::string region = "us-east-1";
  std::string bucket = "s3bench";
  std::string prefix;
  uint64_t size = 1 << 20;
  int count = 100;
  int concurrency = 4;
  std::string op = "both";
  std::string payload = "unsigned";
  uint64_t seed = 1;
  int verify_first = 3;
  int verify_end = 4;
  int server_pid = 0;
  bool create_bucket = true;
};

// ----- credentials ----------------------------------------------------------------------

bool ReadCredentials(const std::string& path, const std::string& profile, std::string* key,
                     std::string* secret) {
  std::ifstream in(path);
  if (!in) return false;
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t\r");
    size_t e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  std::string line, section;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (section != profile) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string name = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (name == "aws_access_key_id") *key = value;
    if (name == "aws_secret_access_key") *secret = value;
  }
  return !key->empty() && !secret->empty();
}

// ----- content ------------------------------------------------------------------------------

// xoshiro256** (public domain, Blackman & Vigna), seeded through splitmix64.
class Xoshiro {
 public:
  explicit Xoshiro(uint64_t seed) {
    for (auto& v : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      v = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// What object i contains: tag(i) followed by pool[offset(i), offset(i) + size - 16).
class Content {
 public:
  Content(uint64_t size, int count, uint64_t seed) : size_(size) {
    slots_ = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(count), kOffsetSlots));
    pool_.resize(static_cast<size_t>(size) + slots_ * kOffsetStride + 8);
    Xoshiro rng(seed ^ (size * 0x2545f4914f6cdd1dULL));
    for (size_t i = 0; i + 8 <= pool_.size(); i += 8) {
      uint64_t v = rng.Next();
      std::memcpy(pool_.data() + i, &v, 8);
    }
  }
  uint64_t size() const { return size_; }
  std::string Tag(int i) const {
    char t[kTagBytes + 1];
    std::snprintf(t, sizeof t, "s3b#%011d\n", i);
    return std::string(t, kTagBytes).substr(0, static_cast<size_t>(std::min<uint64_t>(kTagBytes, size_)));
  }
  // The bytes after the tag.
  std::string_view Rest(int i) const {
    if (size_ <= kTagBytes) return {};
    size_t off = (static_cast<size_t>(i) % slots_) * kOffsetStride;
    return std::string_view(pool_.data() + off, static_cast<size_t>(size_ - kTagBytes));
  }
  bool Matches(int i, const char* data, size_t n) const {
    if (n != size_) return false;
    std::string tag = Tag(i);
    auto rest = Rest(i);
    return std::memcmp(data, tag.data(), tag.size()) == 0 &&
           std::memcmp(data + tag.size(), rest.data(), rest.size()) == 0;
  }
  std::string Md5Hex(int i) const { return Digest("MD5", i); }
  std::string Sha256Hex(int i) const { return Digest("SHA256", i); }

 private:
  std::string Digest(const char* algorithm, int i) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_MD* md = EVP_MD_fetch(nullptr, algorithm, nullptr);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    std::string tag = Tag(i);
    auto rest = Rest(i);
    EVP_DigestInit_ex(ctx, md, nullptr);
    EVP_DigestUpdate(ctx, tag.data(), tag.size());
    EVP_DigestUpdate(ctx, rest.data(), rest.size());
    EVP_DigestFinal_ex(ctx, out, &len);
    EVP_MD_free(md);
    EVP_MD_CTX_free(ctx);
    return ot::HexEncode(out, len);
  }

  uint64_t size_;
  size_t slots_;
  std::string pool_;
};

// ----- HTTP -----------------------------------------------------------------------------------

struct Response {
  unsigned status = 0;
  std::string etag;
  uint64_t body_size = 0;
  std::string error_body;  // first bytes of a non-2xx body
};

std::string KeyOf(const Options& o, int i) {
  return o.prefix + "obj-" + std::to_string(o.size) + "-" + std::to_string(i);
}

// One keep-alive connection, used by one thread at a time (blocking I/O).
class Connection {
 public:
  Connection(const Options& opt, const tcp::resolver::results_type& endpoints)
      : opt_(opt), endpoints_(endpoints), socket_(ioc_) {}

  uint64_t reconnects() const { return reconnects_; }

  // Sends a signed request whose body is the concatenation of `body` pieces and reads the
  // response; a GET body goes to `*sink` (resized as needed). Retries once on a fresh
  // connection when a reused one turns out to be closed before any response byte arrives.
  bool Request(const std::string& method, const std::string& target, const std::vector<std::string_view>& body,
               const std::string& payload_hash, std::string* sink, Response* out, std::string* error) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = socket_.is_open();
      if (!reused && !Connect(error)) return false;
      std::string head = Head(method, target, body, payload_hash);
      boost::system::error_code ec;
      std::vector<net::const_buffer> buffers{net::buffer(head)};
      for (auto piece : body)
        if (!piece.empty()) buffers.push_back(net::buffer(piece.data(), piece.size()));
      net::write(socket_, buffers, ec);
      bool got_any = false;
      if (!ec && ReadResponse(sink, out, &got_any, &ec)) return true;
      Close();
      if (reused && !got_any) {  // a stale keep-alive connection: once more, fresh
        ++reconnects_;
        continue;
      }
      *error = method + " " + target + ": " + (ec ? ec.message() : "bad response");
      return false;
    }
    *error = method + " " + target + ": connection closed twice";
    return false;
  }

  bool Connect(std::string* error) {
    boost::system::error_code ec;
    socket_.close(ec);
    buffer_.clear();
    net::connect(socket_, endpoints_, ec);
    if (ec) {
      *error = "connect " + opt_.endpoint + ": " + ec.message();
      return false;
    }
    socket_.set_option(tcp::no_delay(true), ec);
    return true;
  }

  void Close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    buffer_.clear();
  }

 private:
  std::string Head(const std::string& method, const std::string& target, const std::vector<std::string_view>& body,
                   const std::string& payload_hash) {
    uint64_t length = 0;
    for (auto piece : body) length += piece.size();
    std::vector<ot::Header> headers{{"Host", opt_.endpoint}, {"X-Amz-Content-SHA256", payload_hash}};
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    // The body only matters to SignRequest when x-amz-content-sha256 is absent; it is set.
    ot::auth::SignRequest(method, target, &headers, {}, opt_.access_key, opt_.secret, opt_.region, "s3", now);
    std::string h = method + " " + target + " HTTP/1.1\r\n";
    for (auto& x : headers) h += x.name + ": " + x.value + "\r\n";
    h += "User-Agent: opentrail-s3-bench/1\r\n";
    if (method == "PUT" || length > 0) h += "Content-Length: " + std::to_string(length) + "\r\n";
    h += "\r\n";
    return h;
  }

  bool ReadResponse(std::string* sink, Response* out, bool* got_any, boost::system::error_code* ec) {
    *out = Response{};
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);
    parser.header_limit(64 * 1024);
    size_t before = buffer_.size();
    bhttp::read_header(socket_, buffer_, parser, *ec);
    *got_any = buffer_.size() != before || parser.got_some();
    if (*ec) return false;
    auto& res = parser.get();
    out->status = res.result_int();
    if (auto it = res.find(bhttp::field::etag); it != res.end()) out->etag = std::string(it->value());
    bool ok_status = out->status >= 200 && out->status < 300;
    std::string scratch;
    std::string* dst = ok_status && sink ? sink : &scratch;
    size_t got = 0;
    auto length = parser.content_length();
    if (parser.is_done()) {
      // no body (e.g. Content-Length: 0)
    } else if (length && !parser.chunked()) {
      // Fast path: copy what the header read already buffered, then read the rest straight
      // into the destination (no intermediate buffer).
      size_t n = static_cast<size_t>(*length);
      if (dst->size() < n) dst->resize(n);
      size_t have = std::min(buffer_.size(), n);
      net::buffer_copy(net::buffer(dst->data(), have), buffer_.data());
      buffer_.consume(have);
      if (have < n) net::read(socket_, net::buffer(dst->data() + have, n - have), *ec);
      if (*ec) return false;
      got = n;
    } else {
      // Chunked or close-delimited: let the parser do it, into a growing buffer.
      while (!parser.is_done()) {
        if (dst->size() < got + (1 << 20)) dst->resize(got + (4 << 20));
        res.body().data = dst->data() + got;
        res.body().size = dst->size() - got;
        bhttp::read(socket_, buffer_, parser, *ec);
        got += (dst->size() - got) - res.body().size;
        if (*ec == bhttp::error::need_buffer) *ec = {};
        if (*ec == bhttp::error::end_of_stream && parser.is_done()) *ec = {};
        if (*ec) return false;
      }
    }
    out->body_size = got;
    if (!ok_status) out->error_body = scratch.substr(0, std::min<size_t>(got, 400));
    if (!res.keep_alive()) Close();
    return true;
  }

  const Options& opt_;
  const tcp::resolver::results_type& endpoints_;
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  uint64_t reconnects_ = 0;
};

// ----- CPU accounting ------------------------------------------------------------------

double ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return -1;
  auto paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && (fields >> f); ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Busy and total seconds of all cores, from /proc/stat.
std::pair<double, double> MachineCpu() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long v[8] = {};
  if (!(in >> cpu) || cpu != "cpu") return {0, 0};
  for (auto& x : v) in >> x;
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  unsigned long long total = 0;
  for (auto x : v) total += x;
  return {static_cast<double>(total - v[3] - v[4]) / tick, static_cast<double>(total) / tick};
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::string Fixed(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// ----- the benchmark -------------------------------------------------------------------

struct Bench {
  Options opt;
  tcp::resolver::results_type endpoints;
  std::unique_ptr<Content> content;
  std::mutex print_mu;
  std::atomic<int> printed_errors{0};
  bool failed = false;

  void Error(const std::string& what) {
    if (printed_errors.fetch_add(1) < kMaxPrintedErrors) {
      std::lock_guard lock(print_mu);
      std::fprintf(stderr, "s3_bench: error: %s\n", what.c_str());
    }
  }

  std::string Target(int i) const {
    return "/" + opt.bucket + "/" + ot::auth::UriEncode(KeyOf(opt, i), /*encode_slash=*/false);
  }

  std::string PayloadHash(int i, bool has_body) const {
    if (opt.payload == "unsigned") return std::string(ot::auth::kUnsignedPayload);
    return has_body ? content->Sha256Hex(i) : ot::Sha256Hex("");
  }

  bool CreateBucket() {
    Connection c(opt, endpoints);
    Response r;
    std::string err;
    if (!c.Request("PUT", "/" + opt.bucket, {}, PayloadHash(0, false), nullptr, &r, &err)) {
      std::fprintf(stderr, "s3_bench: CreateBucket: %s\n", err.c_str());
      return false;
    }
    if (r.status == 200) return true;
    if (r.status == 409 && r.error_body.find("BucketAlreadyOwnedByYou") != std::string::npos) return true;
    std::fprintf(stderr, "s3_bench: CreateBucket %s: HTTP %u: %s\n", opt.bucket.c_str(), r.status,
                 r.error_body.c_str());
    return false;
  }

  struct PhaseResult {
    std::vector<double> latencies_ms;
    uint64_t ok = 0, errors = 0, bytes = 0, reconnects = 0;
    int verified = 0, verify_failures = 0;
    double wall_s = 0, server_cpu_s = -1, client_cpu_s = 0, machine_busy_cores = -1;
    std::vector<std::string> etags;
  };

  PhaseResult RunPhase(bool put) {
    PhaseResult result;
    result.etags.assign(static_cast<size_t>(opt.count), std::string());
    std::atomic<int> next{0};
    std::atomic<int> get_checks{0};
    std::mutex mu;
    int threads = std::min(opt.concurrency, opt.count);
    std::vector<std::unique_ptr<Connection>> conns;
    for (int t = 0; t < threads; ++t) {
      conns.push_back(std::make_unique<Connection>(opt, endpoints));
      std::string err;
      if (!conns.back()->Connect(&err)) {
        Error(err);
        result.errors = static_cast<uint64_t>(opt.count);
        return result;
      }
    }
    double server0 = opt.server_pid > 0 ? ProcessCpuSeconds(opt.server_pid) : -1;
    double client0 = SelfCpuSeconds();
    auto machine0 = MachineCpu();
    auto start = SteadyClock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        Connection& conn = *conns[static_cast<size_t>(t)];
        std::string sink;
        std::vector<double> lat;
        uint64_t ok = 0, errors = 0, bytes = 0;
        int verified = 0, failures = 0;
        for (int i; (i = next.fetch_add(1)) < opt.count;) {
          Response r;
          std::string err;
          auto sent = SteadyClock::now();
          bool done;
          if (put) {
            std::string tag = content->Tag(i);
            done = conn.Request("PUT", Target(i), {tag, content->Rest(i)}, PayloadHash(i, true), nullptr, &r, &err);
          } else {
            done = conn.Request("GET", Target(i), {}, PayloadHash(i, false), &sink, &r, &err);
          }
          lat.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count());
          if (!done) {
            ++errors;
            Error(err);
            continue;
          }
          if (r.status != 200) {
            ++errors;
            Error((put ? "PUT " : "GET ") + Target(i) + ": HTTP " + std::to_string(r.status) + ": " + r.error_body);
            continue;
          }
          if (!put && r.body_size != opt.size) {
            ++errors;
            ++failures;
            Error("GET " + Target(i) + ": " + std::to_string(r.body_size) + " bytes, expected " +
                  std::to_string(opt.size));
            continue;
          }
          if (!put && get_checks.fetch_add(1) < opt.verify_first) {
            ++verified;
            if (!content->Matches(i, sink.data(), static_cast<size_t>(r.body_size))) {
              ++failures;
              Error("GET " + Target(i) + ": the body differs from what was put");
            }
          }
          ++ok;
          bytes += opt.size;
          result.etags[static_cast<size_t>(i)] = r.etag;  // distinct slots: no lock needed
        }
        std::lock_guard lock(mu);
        result.latencies_ms.insert(result.latencies_ms.end(), lat.begin(), lat.end());
        result.ok += ok;
        result.errors += errors;
        result.bytes += bytes;
        result.verified += verified;
        result.verify_failures += failures;
      });
    }
    for (auto& w : workers) w.join();
    result.wall_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
    if (server0 >= 0) result.server_cpu_s = ProcessCpuSeconds(opt.server_pid) - server0;
    result.client_cpu_s = SelfCpuSeconds() - client0;
    auto machine1 = MachineCpu();
    if (machine1.second > machine0.second) {
      double cores = static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
      result.machine_busy_cores = (machine1.first - machine0.first) / (machine1.second - machine0.second) * cores;
    }
    for (auto& c : conns) result.reconnects += c->reconnects();
    std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
    return result;
  }

  // Untimed: PUT ETags of the first few and the last object are the MD5 of their content.
  void VerifyPutEtags(PhaseResult* r) {
    std::vector<int> ids;
    for (int i = 0; i < std::min(opt.verify_first, opt.count); ++i) ids.push_back(i);
    if (opt.count > 0) ids.push_back(opt.count - 1);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (int i : ids) {
      const std::string& etag = r->etags[static_cast<size_t>(i)];
      if (etag.empty()) continue;  // that PUT failed (already counted)
      ++r->verified;
      if (Unquote(etag) != content->Md5Hex(i)) {
        ++r->verify_failures;
        Error("PUT " + Target(i) + ": ETag " + etag + " is not the MD5 of the content (" + content->Md5Hex(i) + ")");
      }
    }
  }

  // Untimed: fetch --verify-end objects (the last one, then spread over the range) again
  // and check them byte for byte and against the MD5 their ETag carries.
  void VerifyEnd(int* verified, int* failures) {
    int n = std::min(opt.verify_end, opt.count);
    if (n <= 0) return;
    std::vector<int> ids{opt.count - 1};
    for (int k = 0; k < n - 1; ++k) ids.push_back(static_cast<int>(static_cast<int64_t>(k) * opt.count / std::max(1, n - 1)));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    Connection conn(opt, endpoints);
    std::string sink;
    for (int i : ids) {
      Response r;
      std::string err;
      ++*verified;
      if (!conn.Request("GET", Target(i), {}, PayloadHash(i, false), &sink, &r, &err)) {
        ++*failures;
        Error("verify: " + err);
        continue;
      }
      if (r.status != 200 || r.body_size != opt.size ||
          !content->Matches(i, sink.data(), static_cast<size_t>(r.body_size))) {
        ++*failures;
        Error("verify: GET " + Target(i) + ": HTTP " + std::to_string(r.status) + ", " +
              std::to_string(r.body_size) + " bytes: not the content that was put");
        continue;
      }
      std::string etag = Unquote(r.etag);
      if (etag.find('-') == std::string::npos && etag != content->Md5Hex(i)) {
        ++*failures;
        Error("verify: GET " + Target(i) + ": ETag " + r.etag + " is not the MD5 of the body");
      }
    }
  }

  void Report(const char* op, const PhaseResult& r, int verified, int verify_failures) {
    double mb_s = r.wall_s > 0 ? static_cast<double>(r.bytes) / kMiB / r.wall_s : 0;
    double p50 = Percentile(r.latencies_ms, 0.50), p99 = Percentile(r.latencies_ms, 0.99);
    double max_ms = r.latencies_ms.empty() ? 0 : r.latencies_ms.back();
    double mib = static_cast<double>(r.bytes) / kMiB;
    double server_cores = r.server_cpu_s >= 0 && r.wall_s > 0 ? r.server_cpu_s / r.wall_s : -1;
    double server_ms_per_mib = r.server_cpu_s >= 0 && mib > 0 ? r.server_cpu_s * 1000 / mib : -1;
    double client_cores = r.wall_s > 0 ? r.client_cpu_s / r.wall_s : 0;
    std::printf("%s %d x %llu B, concurrency %d, %s: %.1f MB/s (%.1f MB in %.3f s), "
                "latency p50 %.2f ms p99 %.2f ms max %.2f ms, %llu ok, %llu errors, %llu reconnects, "
                "%d verified (%d failed)\n",
                op, opt.count, static_cast<unsigned long long>(opt.size), opt.concurrency,
                opt.payload == "unsigned" ? "UNSIGNED-PAYLOAD" : "sha256 payload", mb_s, mib, r.wall_s, p50, p99,
                max_ms, static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.errors),
                static_cast<unsigned long long>(r.reconnects), verified, verify_failures);
    // CPU figures over the phase (from /proc; too short a phase reads as "n/a").
    std::string machine = r.machine_busy_cores >= 0 ? Fixed(r.machine_busy_cores) + " cores" : "n/a";
    if (server_cores >= 0)
      std::printf("  cpu: server %.2f cores (%.2f ms per MB), client %.2f cores, machine busy %s (of %ld)\n",
                  server_cores, server_ms_per_mib, client_cores, machine.c_str(), sysconf(_SC_NPROCESSORS_ONLN));
    else
      std::printf("  cpu: client %.2f cores, machine busy %s (of %ld)\n", client_cores, machine.c_str(),
                  sysconf(_SC_NPROCESSORS_ONLN));
    std::printf("RESULT op=%s size=%llu count=%d concurrency=%d payload=%s mb_s=%.2f p50_ms=%.3f p99_ms=%.3f "
                "max_ms=%.3f wall_s=%.3f ok=%llu errors=%llu verified=%d verify_failures=%d reconnects=%llu "
                "server_cores=%.3f server_ms_per_mb=%.3f client_cores=%.3f machine_busy_cores=%.3f\n",
                op, static_cast<unsigned long long>(opt.size), opt.count, opt.concurrency,
                opt.payload == "unsigned" ? "UNSIGNED-PAYLOAD" : "sha256", mb_s, p50, p99, max_ms, r.wall_s,
                static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.errors), verified,
                verify_failures, static_cast<unsigned long long>(r.reconnects), server_cores, server_ms_per_mib,
                client_cores, r.machine_busy_cores);
    std::fflush(stdout);
    if (r.errors > 0 || verify_failures > 0 || r.ok != static_cast<uint64_t>(opt.count)) failed = true;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Bench b;
  Options& opt = b.opt;
  CLI::App app{"s3_bench: S3 PutObject/GetObject throughput (SigV4-signed, path-style, keep-alive)"};
  app.add_option("--endpoint", opt.endpoint, "HOST:PORT of the server")->capture_default_str();
  app.add_option("--access-key", opt.access_key, "Access key id");
  app.add_option("--secret", opt.secret, "Secret access key");
  app.add_option("--credentials", opt.credentials_file, "AWS shared-credentials file (instead of --access-key/--secret)");
  app.add_option("--profile", opt.profile, "Profile in --credentials")->capture_default_str();
  app.add_option("--region", opt.region, "SigV4 region")->capture_default_str();
  app.add_option("--bucket", opt.bucket, "Bucket (created when missing)")->capture_default_str();
  app.add_option("--prefix", opt.prefix, "Key prefix");
  app.add_option("--size", opt.size, "Object size in bytes")->capture_default_str()->check(CLI::Range(uint64_t{1}, uint64_t{5} << 30));
  app.add_option("--count", opt.count, "Objects")->capture_default_str()->check(CLI::Range(1, 10000000));
  app.add_option("--concurrency", opt.concurrency, "Connections (one thread each)")->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--op", opt.op, "put, get (objects put earlier with the same --seed/--size/--count/--prefix) or both")
      ->capture_default_str()->check(CLI::IsMember({"put", "get", "both"}));
  app.add_option("--payload", opt.payload, "x-amz-content-sha256: unsigned (UNSIGNED-PAYLOAD) or sha256 (hex hash of the body)")
      ->capture_default_str()->check(CLI::IsMember({"unsigned", "sha256"}));
  app.add_option("--seed", opt.seed, "Content seed")->capture_default_str();
  app.add_option("--verify-first", opt.verify_first, "GET bodies compared byte for byte during the timed phase (and PUT ETags checked)")->capture_default_str();
  app.add_option("--verify-end", opt.verify_end, "Objects fetched again and checked after the timed phases")->capture_default_str();
  app.add_option("--server-pid", opt.server_pid, "Server process id: report its CPU time (Linux /proc)");
  app.add_flag("!--no-create-bucket", opt.create_bucket, "Do not create the bucket");
  CLI11_PARSE(app, argc, argv);

  if (!opt.credentials_file.empty()) {
    std::string key, secret;
    if (!ReadCredentials(opt.credentials_file, opt.profile, &key, &secret)) {
      std::cerr << "s3_bench: no aws_access_key_id/aws_secret_access_key for profile [" << opt.profile << "] in "
                << opt.credentials_file << "\n";
      return 2;
    }
    if (opt.access_key.empty()) opt.access_key = key;
    if (opt.secret.empty()) opt.secret = secret;
  }
  if (opt.access_key.empty() || opt.secret.empty()) {
    std::cerr << "s3_bench: need --access-key and --secret, or --credentials FILE\n";
    return 2;
  }
  auto colon = opt.endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    std::cerr << "s3_bench: --endpoint must be HOST:PORT\n";
    return 2;
  }
  std::string host = opt.endpoint.substr(0, colon), port = opt.endpoint.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  {
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    b.endpoints = resolver.resolve(host, port, ec);
    if (ec || b.endpoints.empty()) {
      std::cerr << "s3_bench: cannot resolve " << opt.endpoint << ": " << ec.message() << "\n";
      return 2;
    }
  }

  b.content = std::make_unique<Content>(opt.size, opt.count, opt.seed);
  if (opt.create_bucket && opt.op != "get" && !b.CreateBucket()) return 1;

  std::printf("s3_bench: %s, bucket %s, %d objects of %llu bytes, concurrency %d, x-amz-content-sha256 %s\n",
              opt.endpoint.c_str(), opt.bucket.c_str(), opt.count, static_cast<unsigned long long>(opt.size),
              opt.concurrency, opt.payload == "unsigned" ? "UNSIGNED-PAYLOAD" : "hex SHA-256 of the body");
  std::fflush(stdout);

  if (opt.op == "put" || opt.op == "both") {
    auto r = b.RunPhase(true);
    b.VerifyPutEtags(&r);
    b.Report("put", r, r.verified, r.verify_failures);
  }
  if (opt.op == "get" || opt.op == "both") {
    auto r = b.RunPhase(false);
    int verified = r.verified, failures = r.verify_failures;
    b.VerifyEnd(&verified, &failures);
    b.Report("get", r, verified, failures);
  }
  return b.failed ? 1 : 0;
}
