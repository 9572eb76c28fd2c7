// bench/delivery_bench.cc — the measuring side of the trail delivery benchmark (issue 5;
// scripts/bench_delivery.sh drives it). Subcommands:
//
//   expect  --logs DIR --selectors FILE --regions a,b --out FILE
//       Untimed. Reads every generated log file and writes the eventIDs a trail with the
//       advanced selectors of FILE (the same JSON the script gives PutEventSelectors),
//       multi-region over --regions, including global service events, must deliver: one
//       per line. The decision is made twice — by an independent rule written here
//       (category Management, or Data with a resource of a selected type) and by the
//       server's own evaluator (trails::ExtractFacts + SelectorSet::Matches) — and every
//       disagreement is counted (must be 0).
//   watch   --endpoint URL --account-json FILE|--credentials FILE --bucket B --expected FILE
//           [--poll-ms 100] [--timeout 900] [--save-dir DIR --save-mb 256] [--quiet-s 2]
//           [--progress FILE]
//       Polls the bucket (ListObjectsV2 over AWSLogs/, every page) and reads every new log
//       file as soon as it is listed: gunzip, parse, every record's eventID checked against
//       the expected set (found once / duplicate / not expected). Stops when every expected
//       eventID was found, then waits --quiet-s more and reads any later file (a duplicate
//       would show there). Prints the wall-clock (epoch) times of the first file and of the
//       listing that completed the set, so the script can subtract its own timestamps.
//       With --save-dir, the uncompressed JSON of delivered files (up to --save-mb) is
//       written there for the gzip comparison. --progress FILE gets "epoch found files"
//       after every listing (how far delivery was at a given moment).
//   latency --endpoint URL --credentials FILE --log-bucket B --data-bucket D
//           [--rate 20] [--duration 30] [--poll-ms 25] [--drain-s 15]
//       A caller thread makes calls at a steady rate (open loop), alternating STS
//       GetCallerIdentity and S3 PutObject (a 64-byte object into D), and keeps each
//       response's request id and the moment the response was read. A poller thread lists
//       B every --poll-ms and reads each new log file; a record's requestID is "visible" at
//       the moment of the listing that first showed its file (that object is then read
//       and parsed). Latency = visible - response; p50/p90/p99/max per call kind and all.
//       Every call must be found (missing ones are counted and fail the run).
//   gzip    --dir DIR [--reps 3]
//       Every *.json file of DIR (the delivered files' JSON) in memory; compresses each with
//       ot::delivery::Gzip (libdeflate level 6: the delivery path's own function, which
//       allocates its compressor per file as delivery does), --reps times, median rep; then
//       `gzip -6 -c FILES > out` over the same files (one process; wall time and its CPU
//       time from wait4). MB/s are of uncompressed input; sizes and the ratio are printed.
//
// Every subcommand ends with a machine-readable line "RESULT key=value ...".
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <libdeflate.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/sigv4.h"
#include "cli/api_client.h"
#include "common/crypto.h"
#include "common/header.h"
#include "delivery/log_file.h"
#include "trails/selectors.h"

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "delivery_bench: %s\n", msg.c_str());
  std::exit(1);
}

double Since(SteadyClock::time_point t) { return std::chrono::duration<double>(SteadyClock::now() - t).count(); }

double EpochNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double CpuSelf() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) Die("cannot write " + path);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep))
    if (!cur.empty()) out.push_back(cur);
  return out;
}

// gunzip (or plain) into a string with simdjson padding available past size().
bool Gunzip(libdeflate_decompressor* d, std::string_view raw, std::string* out) {
  if (raw.size() < 18 || static_cast<unsigned char>(raw[0]) != 0x1f || static_cast<unsigned char>(raw[1]) != 0x8b) {
    out->assign(raw);
    return true;
  }
  uint32_t isize;
  std::memcpy(&isize, raw.data() + raw.size() - 4, 4);
  size_t guess = std::max<size_t>(isize, raw.size() * 4);
  for (;;) {
    out->resize(guess + simdjson::SIMDJSON_PADDING);
    size_t n = 0;
    auto rc = libdeflate_gzip_decompress(d, raw.data(), raw.size(), out->data(), guess, &n);
    if (rc == LIBDEFLATE_SUCCESS) {
      out->resize(n);
      return true;
    }
    if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) return false;
    guess *= 2;
  }
}

// Calls fn(record element) for every element of "Records". False when unreadable.
template <typename Fn>
bool ForEachRecord(simdjson::dom::parser& parser, const std::string& json, Fn&& fn) {
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size(), json.capacity() - json.size() < simdjson::SIMDJSON_PADDING).get(doc) !=
      simdjson::SUCCESS)
    return false;
  simdjson::dom::array records;
  if (doc["Records"].get(records) != simdjson::SUCCESS) return false;
  for (simdjson::dom::element r : records) fn(r);
  return true;
}

// ---------------------------------------------------------------------------------------
// Credentials

struct Creds {
  std::string key, secret;
};

Creds LoadCreds(const std::string& credentials_file, const std::string& account_json) {
  if (!account_json.empty()) {
    auto v = boost::json::parse(ReadFile(account_json));
    auto& o = v.as_object();
    return {std::string(o.at("AccessKeyId").as_string()), std::string(o.at("SecretAccessKey").as_string())};
  }
  if (credentials_file.empty()) Die("give --credentials FILE or --account-json FILE");
  auto c = ot::cli::ParseSharedCredentials(ReadFile(credentials_file));
  if (!c.ok()) Die("credentials: " + c.status().ToString());
  return {c->access_key_id, c->secret_access_key};
}

// ---------------------------------------------------------------------------------------
// A small synchronous SigV4 client over one keep-alive connection.

struct Response {
  int status = 0;
  std::string body;
  std::string request_id;
  std::string error;  // transport error, empty when a response was read
};

class Client {
 public:
  Client(const std::string& endpoint, Creds creds, std::string region = "us-east-1")
      : creds_(std::move(creds)), region_(std::move(region)), stream_(ioc_) {
    auto ep = ot::cli::ParseEndpoint(endpoint);
    if (!ep.ok()) Die("endpoint: " + ep.status().ToString());
    endpoint_ = *ep;
    tcp::resolver resolver(ioc_);
    results_ = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port));
  }

  Response Do(const std::string& method, const std::string& target, std::string_view service, std::string_view body,
              std::string_view content_type = {}) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      Response r = Once(method, target, service, body, content_type);
      if (r.error.empty()) return r;
      if (attempt == 1) return r;
      Close();  // a stale keep-alive connection: once more on a fresh one
    }
    return {};
  }

 private:
  Response Once(const std::string& method, const std::string& target, std::string_view service, std::string_view body,
                std::string_view content_type) {
    Response out;
    beast::error_code ec;
    if (!connected_) {
      stream_.expires_after(std::chrono::seconds(10));
      stream_.connect(results_, ec);
      if (ec) {
        out.error = "connect: " + ec.message();
        return out;
      }
      stream_.socket().set_option(tcp::no_delay(true), ec);
      connected_ = true;
    }
    std::vector<ot::Header> headers{{"Host", endpoint_.host_header}};
    if (!content_type.empty()) headers.push_back({"Content-Type", std::string(content_type)});
    if (service == "s3") headers.push_back({"X-Amz-Content-SHA256", ot::Sha256Hex(body)});
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    ot::auth::SignRequest(method, target, &headers, body, creds_.key, creds_.secret, region_, service, now);
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    for (auto& h : headers) req.set(h.name, h.value);
    req.set(bhttp::field::user_agent, "opentrail-delivery-bench/1");
    req.body() = std::string(body);
    req.prepare_payload();
    stream_.expires_after(std::chrono::seconds(60));
    bhttp::write(stream_, req, ec);
    if (ec) {
      out.error = "write: " + ec.message();
      return out;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(512u << 20);
    bhttp::read(stream_, buffer_, parser, ec);
    if (ec) {
      out.error = "read: " + ec.message();
      return out;
    }
    auto& res = parser.get();
    out.status = res.result_int();
    if (auto it = res.find("x-amz-request-id"); it != res.end()) out.request_id = std::string(it->value());
    if (auto it = res.find("x-amzn-RequestId"); it != res.end()) out.request_id = std::string(it->value());
    out.body = std::move(res.body());
    if (!res.keep_alive()) Close();
    return out;
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    buffer_.clear();
    connected_ = false;
  }

  Creds creds_;
  std::string region_;
  ot::cli::Endpoint endpoint_;
  net::io_context ioc_;
  tcp::resolver::results_type results_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

// Every key under `prefix` (ListObjectsV2, all pages). False (with *err) on an error.
bool ListKeys(Client& c, const std::string& bucket, const std::string& prefix, std::vector<std::string>* keys,
              std::string* err) {
  keys->clear();
  std::string token;
  for (;;) {
    std::string target = "/" + bucket + "?list-type=2&max-keys=1000&prefix=" + ot::auth::UriEncode(prefix, true);
    if (!token.empty()) target += "&continuation-token=" + ot::auth::UriEncode(token, true);
    Response r = c.Do("GET", target, "s3", {});
    if (!r.error.empty() || r.status != 200) {
      *err = r.error.empty() ? fmt::format("ListObjectsV2 HTTP {}: {}", r.status, r.body.substr(0, 300)) : r.error;
      return false;
    }
    size_t pos = 0;
    while ((pos = r.body.find("<Key>", pos)) != std::string::npos) {
      size_t end = r.body.find("</Key>", pos);
      if (end == std::string::npos) break;
      keys->push_back(r.body.substr(pos + 5, end - pos - 5));
      pos = end;
    }
    token.clear();
    if (r.body.find("<IsTruncated>true</IsTruncated>") != std::string::npos) {
      size_t a = r.body.find("<NextContinuationToken>");
      size_t b = r.body.find("</NextContinuationToken>");
      if (a == std::string::npos || b == std::string::npos) {
        *err = "truncated listing without a continuation token";
        return false;
      }
      token = r.body.substr(a + 23, b - a - 23);
    }
    if (token.empty()) return true;
  }
}

bool IsLogKey(const std::string& key) {
  return key.find("/CloudTrail/") != std::string::npos && key.ends_with(".json.gz");
}

// ---------------------------------------------------------------------------------------
// expect

int RunExpect(const std::string& logs, const std::string& selectors_file, const std::string& regions_csv,
              const std::string& out_file) {
  auto regions_v = Split(regions_csv, ',');
  std::set<std::string> regions(regions_v.begin(), regions_v.end());
  // The selectors, for both deciders.
  auto selectors_json = boost::json::parse(ReadFile(selectors_file));
  auto set = ot::trails::SelectorSet::FromRequest(nullptr, &selectors_json);
  if (!set.ok()) Die("selectors: " + set.status().ToString());
  // The independent rule: the resource types the Data selectors name, and the ARN
  // prefixes they exclude (NotStartsWith).
  std::set<std::string> data_types;
  std::vector<std::string> not_starts;
  bool management = false;
  for (auto& sel : selectors_json.as_array()) {
    std::string category;
    for (auto& fs : sel.at("FieldSelectors").as_array()) {
      auto& f = fs.as_object();
      std::string field(f.at("Field").as_string());
      if (field == "eventCategory") category = std::string(f.at("Equals").as_array()[0].as_string());
      if (field == "resources.type") data_types.insert(std::string(f.at("Equals").as_array()[0].as_string()));
      if (field == "resources.ARN" && f.contains("NotStartsWith"))
        for (auto& v : f.at("NotStartsWith").as_array()) not_starts.emplace_back(v.as_string());
    }
    if (category == "Management") management = true;
  }

  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(logs))
    if (e.is_regular_file() && e.path().string().ends_with(".json.gz")) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  if (files.empty()) Die("no .json.gz files under " + logs);

  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  simdjson::dom::parser parser;
  std::string json;
  std::ofstream out(out_file, std::ios::trunc);
  uint64_t total = 0, expected = 0, mgmt = 0, data = 0, other_region = 0, disagree = 0, unknown = 0;
  std::map<std::string, uint64_t> data_by_type;
  ot::trails::RecordFacts facts;
  for (const auto& f : files) {
    if (!Gunzip(d, ReadFile(f), &json)) Die("corrupt gzip " + f);
    bool ok = ForEachRecord(parser, json, [&](simdjson::dom::element r) {
      ++total;
      std::string_view id, region, category;
      if (r["eventID"].get(id) != simdjson::SUCCESS) Die("a record without eventID in " + f);
      if (r["awsRegion"].get(region) != simdjson::SUCCESS) region = {};
      if (r["eventCategory"].get(category) != simdjson::SUCCESS) category = {};
      bool in_region = regions.count(std::string(region)) > 0;
      if (!in_region) ++other_region;
      bool mine = false;
      if (category == "Management") {
        ++mgmt;
        mine = management;
      } else if (category == "Data") {
        ++data;
        simdjson::dom::array res;
        std::string type_seen;
        if (r["resources"].get(res) == simdjson::SUCCESS) {
          for (simdjson::dom::element x : res) {
            std::string_view type, arn;
            if (x["type"].get(type) != simdjson::SUCCESS) continue;
            if (x["ARN"].get(arn) != simdjson::SUCCESS) arn = {};
            if (type_seen.empty() || data_types.count(std::string(type))) type_seen = std::string(type);
            if (!data_types.count(std::string(type))) continue;
            bool excluded = false;
            for (auto& p : not_starts) excluded |= arn.starts_with(p);
            if (!excluded) mine = true;
          }
        }
        ++data_by_type[type_seen.empty() ? "(none)" : type_seen];
      } else {
        ++unknown;
      }
      mine = mine && in_region;
      // The server's own evaluator on the same record.
      std::string raw = simdjson::minify(r);
      bool server = in_region && ot::trails::ExtractFacts(raw, &facts) && facts.event_category != "Insight" &&
                    set->Matches(facts);
      if (server != mine) ++disagree;
      if (mine) {
        ++expected;
        out << id << '\n';
      }
    });
    if (!ok) Die("unreadable log file " + f);
  }
  libdeflate_free_decompressor(d);
  out.close();
  if (!out) Die("cannot write " + out_file);
  std::string types;
  for (auto& [t, n] : data_by_type) types += fmt::format("{}{}={}", types.empty() ? "" : ",", t, n);
  std::printf("generated records: %llu (management %llu, data %llu: %s; other categories %llu; outside the enabled regions %llu)\n",
              (unsigned long long)total, (unsigned long long)mgmt, (unsigned long long)data, types.c_str(),
              (unsigned long long)unknown, (unsigned long long)other_region);
  std::printf("the trail must deliver %llu of them; the server's selector evaluator disagrees with the independent rule on %llu\n",
              (unsigned long long)expected, (unsigned long long)disagree);
  std::printf("RESULT records=%llu expected=%llu management=%llu data=%llu disagreements=%llu\n",
              (unsigned long long)total, (unsigned long long)expected, (unsigned long long)mgmt,
              (unsigned long long)data, (unsigned long long)disagree);
  return disagree == 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------
// watch

int RunWatch(const std::string& endpoint, const Creds& creds, const std::string& bucket, const std::string& expected_file,
             int poll_ms, double timeout_s, const std::string& save_dir, double save_mb, double quiet_s,
             const std::string& progress_file) {
  // The expected set: id -> times seen.
  std::unordered_map<std::string, uint8_t> seen;
  {
    std::ifstream in(expected_file);
    if (!in) Die("cannot read " + expected_file);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) seen.emplace(line, 0);
  }
  const uint64_t expected = seen.size();
  if (!save_dir.empty()) fs::create_directories(save_dir);
  std::printf("watching s3://%s for %llu expected records (listing every %d ms)\n", bucket.c_str(),
              (unsigned long long)expected, poll_ms);
  std::fflush(stdout);

  Client c(endpoint, creds);
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  simdjson::dom::parser parser;
  std::string json;
  std::unordered_set<std::string> known;
  uint64_t found = 0, dups = 0, others = 0, files = 0, gz_bytes = 0, json_bytes = 0, records = 0, lists = 0;
  uint64_t max_file_records = 0, saved_bytes = 0, saved_files = 0, list_errors = 0;
  double first_file_epoch = 0, done_epoch = 0, read_s = 0;
  std::map<std::string, uint64_t> other_names;
  FILE* progress = progress_file.empty() ? nullptr : std::fopen(progress_file.c_str(), "w");
  const double cpu0 = CpuSelf();
  const auto start = SteadyClock::now();
  SteadyClock::time_point quiet_until{};
  std::string err;
  std::vector<std::string> keys;
  for (;;) {
    auto poll_start = SteadyClock::now();
    if (Since(start) > timeout_s) break;
    // The server may be down for a moment (the script restarts it while this runs): a
    // failed listing or read is retried at the next poll.
    if (!ListKeys(c, bucket, "AWSLogs/", &keys, &err)) {
      if (list_errors++ == 0) std::printf("(listing failed, retrying: %s)\n", err.c_str());
      std::this_thread::sleep_until(poll_start + std::chrono::milliseconds(poll_ms));
      continue;
    }
    double listed_epoch = EpochNow();
    ++lists;
    for (auto& key : keys) {
      if (!IsLogKey(key) || known.count(key)) continue;
      auto t0 = SteadyClock::now();
      Response r = c.Do("GET", "/" + bucket + "/" + key, "s3", {});
      if (!r.error.empty() || r.status != 200) {
        if (list_errors++ == 0)
          std::printf("(GetObject %s failed, retrying: %s)\n", key.c_str(), r.error.empty() ? r.body.substr(0, 200).c_str() : r.error.c_str());
        break;
      }
      known.insert(key);
      if (first_file_epoch == 0) first_file_epoch = listed_epoch;
      ++files;
      gz_bytes += r.body.size();
      if (!Gunzip(d, r.body, &json)) Die("corrupt gzip object " + key);
      json_bytes += json.size();
      uint64_t in_file = 0;
      bool ok = ForEachRecord(parser, json, [&](simdjson::dom::element rec) {
        ++in_file;
        std::string_view id;
        if (rec["eventID"].get(id) != simdjson::SUCCESS) Die("a delivered record without eventID in " + key);
        auto it = seen.find(std::string(id));
        if (it == seen.end()) {
          ++others;
          std::string_view name;
          if (rec["eventName"].get(name) != simdjson::SUCCESS) name = {};
          ++other_names[std::string(name)];
        } else if (it->second++ == 0) {
          ++found;
        } else {
          ++dups;
        }
      });
      if (!ok) Die("unreadable delivered file " + key);
      records += in_file;
      max_file_records = std::max(max_file_records, in_file);
      if (!save_dir.empty() && saved_bytes < save_mb * 1e6) {
        WriteFile(fmt::format("{}/{:05d}.json", save_dir, saved_files++), json);
        saved_bytes += json.size();
      }
      read_s += Since(t0);
    }
    if (progress) std::fprintf(progress, "%.3f %llu %llu\n", listed_epoch, (unsigned long long)found, (unsigned long long)files);
    if (done_epoch == 0 && found == expected) {
      done_epoch = listed_epoch;
      quiet_until = SteadyClock::now() + std::chrono::milliseconds(static_cast<int64_t>(quiet_s * 1000));
      std::printf("all %llu expected records found in %llu files, %.1f s after the watch started\n",
                  (unsigned long long)expected, (unsigned long long)files, Since(start));
      std::fflush(stdout);
    }
    if (done_epoch != 0 && SteadyClock::now() >= quiet_until) break;
    auto next = poll_start + std::chrono::milliseconds(poll_ms);
    if (SteadyClock::now() < next) std::this_thread::sleep_until(next);
  }
  libdeflate_free_decompressor(d);
  if (progress) std::fclose(progress);
  double cpu = CpuSelf() - cpu0;
  std::string names;
  for (auto& [n, k] : other_names) names += fmt::format("{}{}={}", names.empty() ? "" : ",", n, k);
  std::printf("delivered: %llu files, %llu records (%.1f MB gzip, %.1f MB JSON, at most %llu records a file); "
              "expected found %llu/%llu, duplicates %llu, other records %llu%s%s%s\n",
              (unsigned long long)files, (unsigned long long)records, gz_bytes / 1e6, json_bytes / 1e6,
              (unsigned long long)max_file_records, (unsigned long long)found, (unsigned long long)expected,
              (unsigned long long)dups, (unsigned long long)others, names.empty() ? "" : " (the bench's own calls: ",
              names.c_str(), names.empty() ? "" : ")");
  std::printf("watcher: %llu listings (%llu failed: server restarting), %.1f s reading files, CPU %.1f s\n",
              (unsigned long long)lists, (unsigned long long)list_errors, read_s, cpu);
  std::printf("RESULT expected=%llu found=%llu duplicates=%llu others=%llu files=%llu records=%llu gz_bytes=%llu "
              "json_bytes=%llu max_file_records=%llu first_file_epoch=%.3f done_epoch=%.3f watcher_cpu_s=%.2f saved_files=%llu\n",
              (unsigned long long)expected, (unsigned long long)found, (unsigned long long)dups,
              (unsigned long long)others, (unsigned long long)files, (unsigned long long)records,
              (unsigned long long)gz_bytes, (unsigned long long)json_bytes, (unsigned long long)max_file_records,
              first_file_epoch, done_epoch, cpu, (unsigned long long)saved_files);
  return (found == expected && dups == 0) ? 0 : 1;
}

// ---------------------------------------------------------------------------------------
// latency

struct Call {
  std::string request_id;
  int kind = 0;  // 0 sts, 1 s3 PutObject
  SteadyClock::time_point response;
};

int RunLatency(const std::string& endpoint, const Creds& creds, const std::string& log_bucket,
               const std::string& data_bucket, double rate, double duration_s, int poll_ms, double drain_s) {
  std::mutex mu;
  std::vector<Call> calls;
  std::unordered_map<std::string, SteadyClock::time_point> visible;  // requestID -> listing time
  std::atomic<bool> calling_done{false};
  std::atomic<uint64_t> errors{0};
  std::string first_error;

  const auto start = SteadyClock::now();
  std::thread caller([&] {
    Client c(endpoint, creds);
    const std::string object(64, 'x');
    uint64_t n = static_cast<uint64_t>(rate * duration_s);
    for (uint64_t i = 0; i < n; ++i) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(static_cast<int64_t>(1e6 * i / rate)));
      int kind = static_cast<int>(i % 2);
      Response r = kind == 0 ? c.Do("POST", "/", "sts", "Action=GetCallerIdentity&Version=2011-06-15",
                                    "application/x-www-form-urlencoded; charset=utf-8")
                             : c.Do("PUT", fmt::format("/{}/lat/{:06d}", data_bucket, i), "s3", object);
      auto t = SteadyClock::now();
      if (!r.error.empty() || r.status != 200 || r.request_id.empty()) {
        if (errors++ == 0) first_error = r.error.empty() ? fmt::format("HTTP {}: {}", r.status, r.body.substr(0, 200)) : r.error;
        continue;
      }
      std::lock_guard lock(mu);
      calls.push_back({r.request_id, kind, t});
    }
    calling_done = true;
  });

  Client c(endpoint, creds);
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  simdjson::dom::parser parser;
  std::string json, err;
  std::unordered_set<std::string> known;
  std::vector<std::string> keys;
  uint64_t files = 0, lists = 0, records = 0;
  std::vector<double> list_ms;
  SteadyClock::time_point drain_deadline{};
  for (;;) {
    auto poll_start = SteadyClock::now();
    if (!ListKeys(c, log_bucket, "AWSLogs/", &keys, &err)) Die(err);
    auto listed = SteadyClock::now();
    list_ms.push_back(std::chrono::duration<double, std::milli>(listed - poll_start).count());
    ++lists;
    for (auto& key : keys) {
      if (!IsLogKey(key) || !known.insert(key).second) continue;
      Response r = c.Do("GET", "/" + log_bucket + "/" + key, "s3", {});
      if (!r.error.empty() || r.status != 200) Die("GetObject " + key + ": " + (r.error.empty() ? r.body.substr(0, 300) : r.error));
      ++files;
      if (!Gunzip(d, r.body, &json)) Die("corrupt gzip object " + key);
      bool ok = ForEachRecord(parser, json, [&](simdjson::dom::element rec) {
        ++records;
        std::string_view rid;
        if (rec["requestID"].get(rid) == simdjson::SUCCESS) visible.emplace(std::string(rid), listed);
      });
      if (!ok) Die("unreadable delivered file " + key);
    }
    if (calling_done) {
      if (drain_deadline == SteadyClock::time_point{})
        drain_deadline = SteadyClock::now() + std::chrono::milliseconds(static_cast<int64_t>(drain_s * 1000));
      bool all = true;
      {
        std::lock_guard lock(mu);
        for (auto& call : calls)
          if (!visible.count(call.request_id)) {
            all = false;
            break;
          }
      }
      if (all || SteadyClock::now() > drain_deadline) break;
    }
    auto next = poll_start + std::chrono::milliseconds(poll_ms);
    if (SteadyClock::now() < next) std::this_thread::sleep_until(next);
  }
  caller.join();
  libdeflate_free_decompressor(d);

  std::vector<double> lat[3];
  uint64_t missing = 0;
  double min_s = 1e9;
  for (auto& call : calls) {
    auto it = visible.find(call.request_id);
    if (it == visible.end()) {
      ++missing;
      continue;
    }
    double s = std::chrono::duration<double>(it->second - call.response).count();
    min_s = std::min(min_s, s);
    lat[call.kind].push_back(s * 1000);
    lat[2].push_back(s * 1000);
  }
  const char* names[3] = {"sts:GetCallerIdentity", "s3:PutObject", "all"};
  std::printf("%zu calls (%.0f/s for %.0f s, alternating), %llu errors%s%s; %llu log files (%llu records) read, "
              "%llu listings (listing p50 %.1f ms)\n",
              calls.size(), rate, duration_s, (unsigned long long)errors.load(), errors ? ", first: " : "",
              first_error.c_str(), (unsigned long long)files, (unsigned long long)records, (unsigned long long)lists,
              Percentile(list_ms, 50));
  for (int k = 0; k < 3; ++k) {
    std::printf("  %-22s %5zu calls  call->object p50 %7.1f ms  p90 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", names[k],
                lat[k].size(), Percentile(lat[k], 50), Percentile(lat[k], 90), Percentile(lat[k], 99),
                lat[k].empty() ? 0.0 : *std::max_element(lat[k].begin(), lat[k].end()));
  }
  std::printf("  missing (no delivered record with the call's requestID): %llu; earliest: %.1f ms\n",
              (unsigned long long)missing, lat[2].empty() ? 0.0 : min_s * 1000);
  std::printf("RESULT calls=%zu errors=%llu missing=%llu p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f "
              "sts_p50_ms=%.1f sts_p99_ms=%.1f put_p50_ms=%.1f put_p99_ms=%.1f poll_ms=%d list_p50_ms=%.1f files=%llu\n",
              calls.size(), (unsigned long long)errors.load(), (unsigned long long)missing, Percentile(lat[2], 50),
              Percentile(lat[2], 90), Percentile(lat[2], 99),
              lat[2].empty() ? 0.0 : *std::max_element(lat[2].begin(), lat[2].end()), Percentile(lat[0], 50),
              Percentile(lat[0], 99), Percentile(lat[1], 50), Percentile(lat[1], 99), poll_ms, Percentile(list_ms, 50),
              (unsigned long long)files);
  return (missing == 0 && errors == 0 && !calls.empty()) ? 0 : 1;
}

// ---------------------------------------------------------------------------------------
// gzip

int RunGzip(const std::string& dir, int reps) {
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) Die("no .json files in " + dir);
  std::vector<std::string> data;
  uint64_t in_bytes = 0;
  for (auto& p : paths) {
    data.push_back(ReadFile(p));
    in_bytes += data.back().size();
  }
  // libdeflate level 6 through the delivery path's own function.
  std::vector<double> rep_s;
  uint64_t lib_out = 0;
  std::vector<double> rep_cpu;
  for (int rep = 0; rep < reps; ++rep) {
    uint64_t out = 0;
    double c0 = CpuSelf();
    auto t0 = SteadyClock::now();
    for (auto& d : data) {
      auto gz = ot::delivery::Gzip(d);
      if (!gz.ok()) Die("Gzip: " + gz.status().ToString());
      out += gz->size();
    }
    rep_s.push_back(Since(t0));
    rep_cpu.push_back(CpuSelf() - c0);
    lib_out = out;
  }
  double lib_s = Percentile(rep_s, 50), lib_cpu = Percentile(rep_cpu, 50);

  // gzip -6 -c FILES > DIR/out.gz, one process.
  std::string out_path = dir + "/gzip-out.gz";
  std::vector<std::string> argv_s{"gzip", "-6", "-c", "--"};
  for (auto& p : paths) argv_s.push_back(p);
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Warm the page cache for gzip's reads (the files were just read above, so they are).
  auto t0 = SteadyClock::now();
  pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || dup2(fd, 1) < 0) _exit(127);
    execvp("gzip", argv.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) < 0) Die("wait4 failed");
  double gzip_wall = Since(t0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Die("gzip -6 failed");
  double gzip_cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  uint64_t gzip_out = fs::file_size(out_path);
  fs::remove(out_path);

  double lib_mbs = in_bytes / 1e6 / lib_s, gzip_mbs = in_bytes / 1e6 / gzip_wall, gzip_cpu_mbs = in_bytes / 1e6 / gzip_cpu;
  std::printf("%zu delivered files' JSON, %.1f MB\n", data.size(), in_bytes / 1e6);
  double lib_cpu_mbs = in_bytes / 1e6 / lib_cpu;
  std::printf("  libdeflate level 6 (ot::delivery::Gzip, 1 thread, median of %d): %.1f MB/s wall (%.2f s), %.1f MB/s of its CPU time (%.2f s), -> %.1f MB (%.2f%% of input)\n",
              reps, lib_mbs, lib_s, lib_cpu_mbs, lib_cpu, lib_out / 1e6, 100.0 * lib_out / in_bytes);
  std::printf("  gzip -6 (one process, files in page cache): %.1f MB/s wall (%.2f s), %.1f MB/s of its CPU time (%.2f s), -> %.1f MB (%.2f%% of input)\n",
              gzip_mbs, gzip_wall, gzip_cpu_mbs, gzip_cpu, gzip_out / 1e6, 100.0 * gzip_out / in_bytes);
  std::printf("  libdeflate / gzip -6: %.2fx the speed (wall), %.2fx per CPU second, compressed size %.3fx\n",
              lib_mbs / gzip_mbs, lib_cpu_mbs / gzip_cpu_mbs, static_cast<double>(lib_out) / static_cast<double>(gzip_out));
  std::printf("RESULT files=%zu in_bytes=%llu libdeflate_mb_s=%.1f libdeflate_cpu_mb_s=%.1f libdeflate_out=%llu gzip_mb_s=%.1f "
              "gzip_cpu_mb_s=%.1f gzip_out=%llu speed_ratio=%.2f cpu_speed_ratio=%.2f size_ratio=%.3f\n",
              data.size(), (unsigned long long)in_bytes, lib_mbs, lib_cpu_mbs, (unsigned long long)lib_out, gzip_mbs,
              gzip_cpu_mbs, (unsigned long long)gzip_out, lib_mbs / gzip_mbs, lib_cpu_mbs / gzip_cpu_mbs,
              static_cast<double>(lib_out) / static_cast<double>(gzip_out));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"opentrail trail delivery benchmark (see the header of bench/delivery_bench.cc)"};
  app.require_subcommand(1);

  std::string logs, selectors, regions = "us-east-1,eu-west-1", out;
  auto* expect = app.add_subcommand("expect", "the eventIDs a trail must deliver, from generated log files");
  expect->add_option("--logs", logs)->required();
  expect->add_option("--selectors", selectors, "advanced event selectors JSON (a list)")->required();
  expect->add_option("--regions", regions, "regions the (multi-region) trail covers");
  expect->add_option("--out", out)->required();

  std::string endpoint, credentials, account_json, bucket, expected, save_dir;
  int poll_ms = 100;
  double timeout_s = 900, save_mb = 256, quiet_s = 2;
  auto* watch = app.add_subcommand("watch", "poll a bucket until every expected record is delivered");
  watch->add_option("--endpoint", endpoint)->required();
  watch->add_option("--credentials", credentials);
  watch->add_option("--account-json", account_json);
  watch->add_option("--bucket", bucket)->required();
  watch->add_option("--expected", expected)->required();
  watch->add_option("--poll-ms", poll_ms);
  watch->add_option("--timeout", timeout_s);
  watch->add_option("--save-dir", save_dir);
  watch->add_option("--save-mb", save_mb);
  watch->add_option("--quiet-s", quiet_s);
  std::string progress_file;
  watch->add_option("--progress", progress_file, "write 'epoch found files' after every listing");

  std::string log_bucket, data_bucket;
  double rate = 20, duration_s = 30, drain_s = 15;
  int lat_poll_ms = 25;
  auto* latency = app.add_subcommand("latency", "call -> object in the bucket latency");
  latency->add_option("--endpoint", endpoint)->required();
  latency->add_option("--credentials", credentials);
  latency->add_option("--account-json", account_json);
  latency->add_option("--log-bucket", log_bucket)->required();
  latency->add_option("--data-bucket", data_bucket)->required();
  latency->add_option("--rate", rate);
  latency->add_option("--duration", duration_s);
  latency->add_option("--poll-ms", lat_poll_ms);
  latency->add_option("--drain-s", drain_s);

  std::string gzip_dir;
  int reps = 3;
  auto* gzip = app.add_subcommand("gzip", "libdeflate level 6 (the delivery path) vs gzip -6");
  gzip->add_option("--dir", gzip_dir)->required();
  gzip->add_option("--reps", reps);

  CLI11_PARSE(app, argc, argv);
  if (*expect) return RunExpect(logs, selectors, regions, out);
  if (*watch)
    return RunWatch(endpoint, LoadCreds(credentials, account_json), bucket, expected, poll_ms, timeout_s, save_dir,
                    save_mb, quiet_s, progress_file);
  if (*latency)
    return RunLatency(endpoint, LoadCreds(credentials, account_json), log_bucket, data_bucket, rate, duration_s,
                      lat_poll_ms, drain_s);
  if (*gzip) return RunGzip(gzip_dir, reps);
  return 1;
}
