// bench/history_bench.cc — the measuring side of the Event history benchmark
// (scripts/bench_history.sh drives it). Subcommands:
//
//   parse    --logs DIR
//       The ceiling: every log file is read and gunzipped *outside* the timing, then parsed
//       with simdjson DOM (one thread) while iterating every record of "Records" and reading
//       its eventID and eventTime. Prints records/s and MB/s (uncompressed JSON).
//   prepare  --logs DIR --account ID [--region us-east-1] --queries OUT [--pg-events F
//            --pg-resources F] [--seed S]
//       Untimed. Reads every record once with the server's own summary code
//       (history::Summarize, so attribute values are derived exactly as history derives
//       them) and writes: the query plan (realistic values: drawn from random management
//       events of the scope, i.e. weighted by frequency; with the ground-truth count of
//       matching events), the oldest/newest eventIDs of the scope, and — for PostgreSQL —
//       COPY text files of the events and of their resources.
//   settle   --endpoint URL --root-credentials FILE --account-credentials FILE
//            --account ID [--check-ids a,b]
//       Run right after `opentrail import` returns: ingests one sentinel record (a new
//       eventID) and polls LookupEvents by EventId until it is visible. History indexes the
//       journal in order, so the sentinel being visible means every record imported before
//       it is too; --check-ids are then looked up as well (must all be found).
//   lookup   --endpoint URL --account-credentials FILE --queries FILE
//       LookupEvents over one keep-alive connection, each request SigV4-signed when sent,
//       closed loop (the next request leaves when the previous response is read in full).
//       Walks every query of the plan (first page, then NextToken pages) and reports
//       p50/p99 latency per query kind for first pages, follow-up pages and both; checks
//       every walk against the plan's ground truth.
//   pg-lookup --conninfo STR --queries FILE --account ID
//       The same walks against PostgreSQL (libpq, loaded at run time with dlopen so that
//       building this file needs no libpq headers): prepared statements, newest first,
//       keyset pagination on (event_time, seq), LIMIT 51 (50 rows + "is there more").
//
// Every subcommand ends with machine-readable lines "RESULT key=value ...".
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <libdeflate.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <dlfcn.h>

#include "auth/sigv4.h"
#include "cli/api_client.h"
#include "common/header.h"
#include "history/record_summary.h"

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "history_bench: %s\n", msg.c_str());
  std::exit(1);
}

double Since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> LogFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string p = e.path().string();
    if (p.ends_with(".json.gz") || p.ends_with(".json")) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) Die("no .json/.json.gz files under " + dir);
  return out;
}

// A decompressed (or plain) log file in a buffer with simdjson's padding.
struct JsonBuffer {
  std::unique_ptr<char[]> data;
  size_t size = 0, capacity = 0;
  void Reserve(size_t n) {
    if (n + simdjson::SIMDJSON_PADDING > capacity) {
      capacity = (n + simdjson::SIMDJSON_PADDING) * 5 / 4;
      data.reset(new char[capacity]);
    }
  }
};

void Gunzip(libdeflate_decompressor* d, const std::string& raw, JsonBuffer* out) {
  if (raw.size() < 18 || static_cast<unsigned char>(raw[0]) != 0x1f || static_cast<unsigned char>(raw[1]) != 0x8b) {
    out->Reserve(raw.size());
    std::memcpy(out->data.get(), raw.data(), raw.size());
    out->size = raw.size();
    return;
  }
  uint32_t isize;
  std::memcpy(&isize, raw.data() + raw.size() - 4, 4);
  size_t guess = std::max<size_t>(isize, raw.size() * 4);
  for (;;) {
    out->Reserve(guess);
    size_t n = 0;
    auto rc = libdeflate_gzip_decompress(d, raw.data(), raw.size(), out->data.get(), out->capacity - simdjson::SIMDJSON_PADDING, &n);
    if (rc == LIBDEFLATE_SUCCESS) {
      out->size = n;
      return;
    }
    if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) Die("corrupt gzip file");
    guess *= 2;
  }
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * v.size()));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

void JsonEscape(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
}

// ---------------------------------------------------------------------------------------
// parse

int RunParse(const std::string& logs) {
  auto files = LogFiles(logs);
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  simdjson::dom::parser parser;
  JsonBuffer buf;
  uint64_t records = 0, json_bytes = 0, gz_bytes = 0, checksum = 0;
  double parse_s = 0, gunzip_s = 0;
  bool warmed = false;
  for (const auto& f : files) {
    std::string raw = ReadFile(f);
    gz_bytes += raw.size();
    auto t0 = SteadyClock::now();
    Gunzip(d, raw, &buf);
    gunzip_s += Since(t0);
    if (!warmed) {  // let the parser size its buffers once, untimed
      simdjson::dom::element doc;
      if (parser.parse(buf.data.get(), buf.size, false).get(doc)) Die("parse error in " + f);
      warmed = true;
    }
    auto t1 = SteadyClock::now();
    simdjson::dom::element doc;
    if (parser.parse(buf.data.get(), buf.size, false).get(doc)) Die("parse error in " + f);
    simdjson::dom::array list;
    if (doc["Records"].get(list)) Die("no Records in " + f);
    for (simdjson::dom::element rec : list) {
      std::string_view id, time;
      if (rec["eventID"].get(id) || rec["eventTime"].get(time)) Die("record without eventID/eventTime in " + f);
      checksum += id.size() + static_cast<unsigned char>(time.back());
      ++records;
    }
    parse_s += Since(t1);
    json_bytes += buf.size;
  }
  libdeflate_free_decompressor(d);
  std::printf("simdjson DOM parse (1 thread), %zu files, %llu records, %.0f MB JSON (%.0f MB gzip): "
              "%.0f records/s, %.0f MB/s; gunzip (libdeflate, untimed above): %.0f MB/s of output\n",
              files.size(), (unsigned long long)records, json_bytes / 1e6, gz_bytes / 1e6, records / parse_s,
              json_bytes / 1e6 / parse_s, json_bytes / 1e6 / gunzip_s);
  std::printf("RESULT parse_records=%llu parse_seconds=%.4f parse_records_per_s=%.0f parse_mb_per_s=%.1f "
              "json_bytes=%llu gz_bytes=%llu gunzip_mb_per_s=%.1f gunzip_parse_records_per_s=%.0f checksum=%llu\n",
              (unsigned long long)records, parse_s, records / parse_s, json_bytes / 1e6 / parse_s,
              (unsigned long long)json_bytes, (unsigned long long)gz_bytes, json_bytes / 1e6 / gunzip_s,
              records / (parse_s + gunzip_s), (unsigned long long)checksum);
  return 0;
}

// ---------------------------------------------------------------------------------------
// The query plan

const char* const kKinds[] = {"EventId", "EventName", "ReadOnly", "Username", "ResourceType",
                              "ResourceName", "EventSource", "AccessKeyId", "TimeRange"};

struct QuerySpec {
  std::string kind;   // one of kKinds
  std::string value;  // attribute value (empty for TimeRange)
  int64_t start = 0, end = 0;  // epoch seconds, TimeRange only (inclusive)
  int pages = 1;      // pages to walk at most
  uint64_t expected = 0;  // matching events in the scope (ground truth)
};

void WritePlan(const std::string& path, const std::vector<QuerySpec>& plan) {
  std::ofstream out(path);
  for (const auto& q : plan)
    out << q.kind << '\t' << q.value << '\t' << q.start << '\t' << q.end << '\t' << q.pages << '\t' << q.expected << '\n';
  if (!out) Die("cannot write " + path);
}

std::vector<QuerySpec> ReadPlan(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::vector<QuerySpec> plan;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    size_t pos = 0;
    for (;;) {
      size_t tab = line.find('\t', pos);
      f.push_back(line.substr(pos, tab - pos));
      if (tab == std::string::npos) break;
      pos = tab + 1;
    }
    if (f.size() != 6) Die("bad plan line: " + line);
    plan.push_back({f[0], f[1], std::stoll(f[2]), std::stoll(f[3]), std::stoi(f[4]), std::stoull(f[5])});
  }
  return plan;
}

// COPY text format escaping.
void CopyField(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

std::string PgTime(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm;
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}+00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

struct PrepareOptions {
  std::string logs, account, region = "us-east-1", queries, pg_events, pg_resources;
  uint64_t seed = 7;
  int requests = 300;        // pages per attribute kind (walks of first page + follow-ups)
  int walk_pages = 3;        // pages per attribute walk
  int eventid_lookups = 300;  // one page each
  int range_walks = 15;
  int range_pages = 20;
  int64_t range_seconds = 86400;
};

int RunPrepare(const PrepareOptions& o) {
  auto files = LogFiles(o.logs);
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  simdjson::dom::parser parser;
  JsonBuffer buf;
  std::mt19937_64 rng(o.seed);

  std::FILE* ev_out = nullptr;
  std::FILE* res_out = nullptr;
  if (!o.pg_events.empty()) {
    ev_out = std::fopen(o.pg_events.c_str(), "w");
    res_out = std::fopen(o.pg_resources.c_str(), "w");
    if (!ev_out || !res_out) Die("cannot write the PostgreSQL COPY files");
  }

  // Ground truth over the scope's management events (what history serves).
  using Counts = std::unordered_map<std::string, uint64_t>;
  std::map<std::string, Counts> counts;  // kind -> value -> events
  std::vector<int64_t> times;            // event times (ms) in the scope
  std::vector<ot::history::RecordSummary> sample;  // reservoir of scope events
  constexpr size_t kSample = 20000;
  uint64_t in_scope = 0, total = 0, management = 0, seq = 0;
  std::string oldest_id, newest_id;
  int64_t oldest = INT64_MAX, newest = INT64_MIN;
  std::string line, record;
  line.reserve(1 << 16);
  ot::history::RecordSummary s;

  for (const auto& f : files) {
    Gunzip(d, ReadFile(f), &buf);
    simdjson::dom::element doc;
    if (parser.parse(buf.data.get(), buf.size, false).get(doc)) Die("parse error in " + f);
    simdjson::dom::array list;
    if (doc["Records"].get(list)) Die("no Records in " + f);
    for (simdjson::dom::element rec : list) {
      record = simdjson::minify(rec);
      if (!ot::history::Summarize(record, &s)) Die("unreadable record in " + f);
      ++total;
      ++seq;
      const bool mgmt = s.category == ot::history::Category::kManagement;
      management += mgmt;
      if (ev_out) {
        // seq event_id event_time account region management event_name event_source
        // read_only username access_key_id resources record
        line.clear();
        std::string resources = "[";
        for (size_t i = 0; i < s.resources.size(); ++i) {
          if (i) resources += ',';
          resources += "{\"ResourceType\":";
          if (s.resources[i].type.empty()) {
            resources += "null";
          } else {
            resources += '"';
            JsonEscape(resources, s.resources[i].type);
            resources += '"';
          }
          resources += ",\"ResourceName\":\"";
          JsonEscape(resources, s.resources[i].name);
          resources += "\"}";
        }
        resources += ']';
        line += fmt::format("{}\t", seq);
        CopyField(line, s.event_id);
        line += '\t';
        line += PgTime(s.event_time_ms);
        line += '\t';
        CopyField(line, s.account_id);
        line += '\t';
        CopyField(line, s.region);
        line += mgmt ? "\tt\t" : "\tf\t";
        CopyField(line, s.event_name);
        line += '\t';
        CopyField(line, s.event_source);
        line += '\t';
        line += s.read_only ? (*s.read_only ? "true" : "false") : "\\N";
        line += '\t';
        if (s.username) CopyField(line, *s.username); else line += "\\N";
        line += '\t';
        if (!s.access_key_id.empty()) CopyField(line, s.access_key_id); else line += "\\N";
        line += '\t';
        CopyField(line, resources);
        line += '\t';
        CopyField(line, record);
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), ev_out);
        if (mgmt) {  // the resource lookup table: one row per distinct (kind, value)
          line.clear();
          std::string prefix = fmt::format("{}\t{}\t{}\t{}\t", seq, s.account_id, s.region, PgTime(s.event_time_ms));
          for (size_t i = 0; i < s.resources.size(); ++i) {
            const auto& r = s.resources[i];
            bool type_seen = r.type.empty(), name_seen = false;
            for (size_t j = 0; j < i; ++j) {
              type_seen |= s.resources[j].type == r.type;
              name_seen |= s.resources[j].name == r.name;
            }
            if (!type_seen) {
              line += prefix + "T\t";
              CopyField(line, r.type);
              line += '\n';
            }
            if (!name_seen) {
              line += prefix + "N\t";
              CopyField(line, r.name);
              line += '\n';
            }
          }
          std::fwrite(line.data(), 1, line.size(), res_out);
        }
      }
      if (!mgmt || s.account_id != o.account || s.region != o.region) continue;
      ++in_scope;
      times.push_back(s.event_time_ms);
      if (s.event_time_ms < oldest) oldest = s.event_time_ms, oldest_id = s.event_id;
      if (s.event_time_ms >= newest) newest = s.event_time_ms, newest_id = s.event_id;
      ++counts["EventName"][s.event_name];
      ++counts["EventSource"][s.event_source];
      if (s.read_only) ++counts["ReadOnly"][*s.read_only ? "true" : "false"];
      if (s.username) ++counts["Username"][*s.username];
      if (!s.access_key_id.empty()) ++counts["AccessKeyId"][s.access_key_id];
      for (size_t i = 0; i < s.resources.size(); ++i) {
        const auto& r = s.resources[i];
        bool type_seen = r.type.empty(), name_seen = false;
        for (size_t j = 0; j < i; ++j) {
          type_seen |= s.resources[j].type == r.type;
          name_seen |= s.resources[j].name == r.name;
        }
        if (!type_seen) ++counts["ResourceType"][r.type];
        if (!name_seen) ++counts["ResourceName"][r.name];
      }
      if (sample.size() < kSample) {
        sample.push_back(s);
      } else {
        uint64_t j = rng() % in_scope;
        if (j < kSample) sample[j] = s;
      }
    }
  }
  libdeflate_free_decompressor(d);
  if (ev_out && (std::fclose(ev_out) != 0 || std::fclose(res_out) != 0)) Die("cannot write the COPY files");
  if (sample.empty()) Die("no management events of account " + o.account + " in " + o.region);
  std::sort(times.begin(), times.end());

  std::vector<QuerySpec> plan;
  auto pick = [&]() -> const ot::history::RecordSummary& { return sample[rng() % sample.size()]; };
  for (int i = 0; i < o.eventid_lookups; ++i) plan.push_back({"EventId", pick().event_id, 0, 0, 1, 1});
  for (const char* kind : {"EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"}) {
    std::string k = kind;
    // Walks until the kind has about o.requests pages to fetch (rare values end early).
    int planned = 0;
    for (int i = 0, tries = 0; planned < o.requests && i < 10 * o.requests && tries < 1000 * o.requests; ++tries) {
      const auto& e = pick();
      std::string v;
      if (k == "EventName") v = e.event_name;
      else if (k == "EventSource") v = e.event_source;
      else if (k == "ReadOnly") v = e.read_only ? (*e.read_only ? "true" : "false") : "";
      else if (k == "Username") v = e.username.value_or("");
      else if (k == "AccessKeyId") v = e.access_key_id;
      else if (!e.resources.empty()) {
        const auto& r = e.resources[rng() % e.resources.size()];
        v = k == "ResourceType" ? r.type : r.name;
      }
      if (v.empty()) continue;
      uint64_t n = counts[k][v];
      plan.push_back({k, v, 0, 0, o.walk_pages, n});
      planned += static_cast<int>(std::clamp<uint64_t>((n + 49) / 50, 1, o.walk_pages));
      ++i;
    }
  }
  int64_t lo = times.front() / 1000, hi = times.back() / 1000 - o.range_seconds;
  for (int i = 0; i < o.range_walks && hi > lo; ++i) {
    int64_t start = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo));
    int64_t end = start + o.range_seconds - 1;
    uint64_t n = std::upper_bound(times.begin(), times.end(), end * 1000 + 999) -
                 std::lower_bound(times.begin(), times.end(), start * 1000);
    plan.push_back({"TimeRange", "", start, end, o.range_pages, n});
  }
  WritePlan(o.queries, plan);
  std::printf("prepared %zu queries from %llu records (%llu management, %llu in %s/%s)%s\n", plan.size(),
              (unsigned long long)total, (unsigned long long)management, (unsigned long long)in_scope,
              o.account.c_str(), o.region.c_str(), ev_out ? "; wrote the PostgreSQL COPY files" : "");
  std::printf("RESULT records=%llu management=%llu in_scope=%llu queries=%zu oldest_id=%s newest_id=%s\n",
              (unsigned long long)total, (unsigned long long)management, (unsigned long long)in_scope, plan.size(),
              oldest_id.c_str(), newest_id.c_str());
  return 0;
}

// ---------------------------------------------------------------------------------------
// HTTP client: one keep-alive connection, every request signed when it is sent.

struct Creds {
  std::string key, secret;
};

Creds AccountCredentials(const std::string& path) {  // `opentrail admin create-account` output
  simdjson::dom::parser p;
  simdjson::padded_string text(ReadFile(path));
  simdjson::dom::element doc;
  std::string_view k, s;
  if (p.parse(text).get(doc) || doc["AccessKeyId"].get(k) || doc["SecretAccessKey"].get(s))
    Die(path + ": not the JSON printed by `opentrail admin create-account`");
  return {std::string(k), std::string(s)};
}

Creds SharedCredentials(const std::string& path) {
  auto c = ot::cli::ParseSharedCredentials(ReadFile(path));
  if (!c.ok()) Die(path + ": " + c.status().ToString());
  return {c->access_key_id, c->secret_access_key};
}

class HttpClient {
 public:
  explicit HttpClient(const std::string& endpoint) : socket_(ioc_) {
    auto ep = ot::cli::ParseEndpoint(endpoint);
    if (!ep.ok()) Die("bad endpoint " + endpoint);
    host_ = ep->host;
    port_ = ep->port;
    host_header_ = ep->host_header;
  }

  struct Reply {
    int status = 0;
    std::string body;
  };

  // POST / with X-Amz-Target; returns false on a transport failure.
  bool Post(std::string_view target, std::string_view service, std::string_view content_type,
            std::string_view body, const Creds& creds, Reply* reply) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!socket_.is_open()) {
        boost::system::error_code ec;
        socket_.connect(tcp::endpoint(net::ip::make_address(host_ == "localhost" ? "127.0.0.1" : host_), port_), ec);
        if (ec) return false;
        socket_.set_option(tcp::no_delay(true));
      }
      std::vector<ot::Header> headers{{"Host", host_header_},
                                      {"Content-Type", std::string(content_type)},
                                      {"X-Amz-Target", std::string(target)}};
      ot::auth::SignRequest("POST", "/", &headers, body, creds.key, creds.secret, "us-east-1", service,
                            std::time(nullptr));
      bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
      for (const auto& h : headers) req.set(h.name, h.value);
      req.set(bhttp::field::user_agent, "opentrail-history-bench/1");
      req.body() = std::string(body);
      req.keep_alive(true);
      req.prepare_payload();
      boost::system::error_code ec;
      bhttp::write(socket_, req, ec);
      if (!ec) {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(256u << 20);
        bhttp::read(socket_, buffer_, parser, ec);
        if (!ec) {
          auto& res = parser.get();
          reply->status = static_cast<int>(res.result_int());
          reply->body = std::move(res.body());
          if (!res.keep_alive()) Close();
          return true;
        }
      }
      Close();  // a stale keep-alive connection: retry once on a new one
    }
    return false;
  }

 private:
  void Close() {
    boost::system::error_code ec;
    socket_.close(ec);
    buffer_.clear();
  }
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::string host_, host_header_;
  uint16_t port_ = 0;
};

constexpr std::string_view kLookupTarget = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";
constexpr std::string_view kJson11 = "application/x-amz-json-1.1";

std::string LookupBody(const QuerySpec& q, const std::string& token) {
  std::string b = "{";
  if (q.kind != "TimeRange") {
    b += "\"LookupAttributes\":[{\"AttributeKey\":\"" + q.kind + "\",\"AttributeValue\":\"";
    JsonEscape(b, q.value);
    b += "\"}],";
  } else {
    b += fmt::format("\"StartTime\":{},\"EndTime\":{},", q.start, q.end);
  }
  b += "\"MaxResults\":50";
  if (!token.empty()) {
    b += ",\"NextToken\":\"";
    JsonEscape(b, token);
    b += '"';
  }
  b += '}';
  return b;
}

struct PageInfo {
  size_t events = 0;
  std::string next_token;
  std::string first_event_id;
  int64_t first_time = 0, last_time = 0;  // ms, for the order check
  bool ordered = true;
};

bool ParseLookupPage(simdjson::dom::parser& p, const std::string& body, PageInfo* out) {
  simdjson::dom::element doc;
  if (p.parse(body).get(doc)) return false;
  simdjson::dom::array events;
  if (doc["Events"].get(events)) return false;
  *out = PageInfo{};
  int64_t prev = INT64_MAX;
  for (simdjson::dom::element e : events) {
    double t = 0;
    if (e["EventTime"].get(t)) {
      int64_t it;
      if (e["EventTime"].get(it)) return false;
      t = static_cast<double>(it);
    }
    int64_t ms = static_cast<int64_t>(std::llround(t * 1000));
    if (out->events == 0) {
      std::string_view id;
      if (!e["EventId"].get(id)) out->first_event_id = std::string(id);
      out->first_time = ms;
    }
    if (ms > prev) out->ordered = false;
    prev = ms;
    out->last_time = ms;
    ++out->events;
  }
  std::string_view tok;
  if (!doc["NextToken"].get(tok)) out->next_token = std::string(tok);
  return true;
}

// ---------------------------------------------------------------------------------------
// Walk statistics shared by both clients

struct KindStats {
  std::vector<double> first_ms, next_ms;
  uint64_t walks = 0, events = 0, mismatches = 0, errors = 0;
  std::string first_mismatch;
};

uint64_t Expected(const QuerySpec& q) {
  return std::min<uint64_t>(q.expected, static_cast<uint64_t>(q.pages) * 50);
}

void Report(const std::string& system, std::map<std::string, KindStats>& stats, double seconds) {
  uint64_t requests = 0, mismatches = 0, errors = 0;
  std::printf("%s LookupEvents-equivalent pages of MaxResults 50, 1 keep-alive connection, closed loop:\n", system.c_str());
  std::printf("  %-13s %6s %6s  %9s %9s  %9s %9s  %9s %9s\n", "query", "walks", "reqs", "first p50", "first p99",
              "next p50", "next p99", "all p50", "all p99");
  for (const char* kind : kKinds) {
    auto it = stats.find(kind);
    if (it == stats.end()) continue;
    auto& s = it->second;
    std::vector<double> all = s.first_ms;
    all.insert(all.end(), s.next_ms.begin(), s.next_ms.end());
    requests += all.size();
    mismatches += s.mismatches;
    errors += s.errors;
    std::printf("  %-13s %6llu %6zu  %9.3f %9.3f  %9.3f %9.3f  %9.3f %9.3f ms\n", kind, (unsigned long long)s.walks,
                all.size(), Percentile(s.first_ms, 50), Percentile(s.first_ms, 99), Percentile(s.next_ms, 50),
                Percentile(s.next_ms, 99), Percentile(all, 50), Percentile(all, 99));
    std::printf("RESULT kind=%s walks=%llu requests=%zu events=%llu first_p50_ms=%.3f first_p99_ms=%.3f "
                "next_p50_ms=%.3f next_p99_ms=%.3f p50_ms=%.3f p99_ms=%.3f mismatches=%llu errors=%llu\n",
                kind, (unsigned long long)s.walks, all.size(), (unsigned long long)s.events, Percentile(s.first_ms, 50),
                Percentile(s.first_ms, 99), Percentile(s.next_ms, 50), Percentile(s.next_ms, 99), Percentile(all, 50),
                Percentile(all, 99), (unsigned long long)s.mismatches, (unsigned long long)s.errors);
    if (!s.first_mismatch.empty()) std::printf("  first mismatch (%s): %s\n", kind, s.first_mismatch.c_str());
  }
  std::printf("RESULT kind=total requests=%llu seconds=%.2f mismatches=%llu errors=%llu\n", (unsigned long long)requests,
              seconds, (unsigned long long)mismatches, (unsigned long long)errors);
}

// ---------------------------------------------------------------------------------------
// lookup (opentrail)

int RunLookup(const std::string& endpoint, const std::string& creds_file, const std::string& plan_file, int warmup) {
  Creds creds = AccountCredentials(creds_file);
  auto plan = ReadPlan(plan_file);
  HttpClient http(endpoint);
  simdjson::dom::parser parser;
  HttpClient::Reply reply;
  PageInfo page;

  // Warm-up: the connection, the signing-key cache; a few walks of each kind, not measured.
  std::map<std::string, int> warmed;
  for (const auto& q : plan) {
    if (warmed[q.kind]++ >= warmup) continue;
    if (!http.Post(kLookupTarget, "cloudtrail", kJson11, LookupBody(q, ""), creds, &reply)) Die("cannot reach " + endpoint);
    if (reply.status != 200) Die(fmt::format("LookupEvents answered {}: {}", reply.status, reply.body.substr(0, 300)));
  }

  std::map<std::string, KindStats> stats;
  auto t_all = SteadyClock::now();
  for (const auto& q : plan) {
    KindStats& s = stats[q.kind];
    ++s.walks;
    std::string token;
    uint64_t got = 0;
    bool ordered = true;
    int64_t prev_last = INT64_MAX;
    std::string problem;
    for (int p = 0; p < q.pages; ++p) {
      std::string body = LookupBody(q, token);
      auto t0 = SteadyClock::now();
      bool ok = http.Post(kLookupTarget, "cloudtrail", kJson11, body, creds, &reply);
      double ms = Since(t0) * 1000;
      if (!ok) Die("connection to " + endpoint + " failed");
      (p == 0 ? s.first_ms : s.next_ms).push_back(ms);
      if (reply.status != 200 || !ParseLookupPage(parser, reply.body, &page)) {
        ++s.errors;
        problem = fmt::format("HTTP {}: {}", reply.status, reply.body.substr(0, 200));
        break;
      }
      got += page.events;
      ordered &= page.ordered && (page.events == 0 || page.first_time <= prev_last);
      if (page.events) prev_last = page.last_time;
      if (q.kind == "EventId" && page.first_event_id != q.value) problem = "EventId lookup did not return the event";
      if (page.next_token.empty()) break;
      if (page.events != 50) problem = fmt::format("a page with a NextToken held {} events", page.events);
      token = page.next_token;
    }
    s.events += got;
    if (problem.empty() && got != Expected(q))
      problem = fmt::format("{} events over {} pages, expected {}", got, q.pages, Expected(q));
    if (problem.empty() && !ordered) problem = "events not newest first";
    if (!problem.empty()) {
      ++s.mismatches;
      if (s.first_mismatch.empty()) s.first_mismatch = q.kind + "=" + q.value + ": " + problem;
    }
  }
  Report("opentrail", stats, Since(t_all));
  return 0;
}

// ---------------------------------------------------------------------------------------
// settle: visible in history

int RunSettle(const std::string& endpoint, const std::string& root_file, const std::string& creds_file,
              const std::string& account, const std::string& check_ids, double timeout_s) {
  Creds root = SharedCredentials(root_file);
  Creds creds = AccountCredentials(creds_file);
  HttpClient http(endpoint);
  simdjson::dom::parser parser;
  HttpClient::Reply reply;
  auto t0 = SteadyClock::now();

  std::random_device rd;
  std::mt19937_64 rng((uint64_t(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(std::time(nullptr)));
  uint64_t a = rng(), b = rng();
  std::string id = fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                               0x8000 | ((b >> 48) & 0x3fff), b & 0xffffffffffffULL);
  std::time_t now = std::time(nullptr);
  std::tm tm;
  gmtime_r(&now, &tm);
  // A record no benchmark query can match except by its EventId (no readOnly, no key).
  std::string sentinel = fmt::format(
      "{{\"Records\":[{{\"eventVersion\":\"1.11\",\"userIdentity\":{{\"type\":\"AWSService\",\"invokedBy\":"
      "\"bench-sentinel.opentrail.internal\"}},\"eventTime\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z\","
      "\"eventSource\":\"bench-sentinel.opentrail.internal\",\"eventName\":\"BenchSentinel\",\"awsRegion\":\"us-east-1\","
      "\"sourceIPAddress\":\"bench-sentinel.opentrail.internal\",\"userAgent\":\"bench-sentinel.opentrail.internal\","
      "\"requestParameters\":null,\"responseElements\":null,\"eventID\":\"{}\",\"eventType\":\"AwsServiceEvent\","
      "\"managementEvent\":true,\"recipientAccountId\":\"{}\",\"eventCategory\":\"Management\"}}]}}",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, id, account);
  if (!http.Post("OpenTrail_20261130.IngestRecords", "opentrail", "application/octet-stream", sentinel, root, &reply))
    Die("cannot reach " + endpoint);
  if (reply.status != 200 || reply.body.find("\"Accepted\":1") == std::string::npos)
    Die(fmt::format("IngestRecords of the sentinel answered {}: {}", reply.status, reply.body.substr(0, 300)));
  double ingest_s = Since(t0);

  auto visible = [&](const std::string& event_id) {
    QuerySpec q{"EventId", event_id, 0, 0, 1, 1};
    if (!http.Post(kLookupTarget, "cloudtrail", kJson11, LookupBody(q, ""), creds, &reply)) Die("cannot reach " + endpoint);
    if (reply.status != 200) Die(fmt::format("LookupEvents answered {}: {}", reply.status, reply.body.substr(0, 300)));
    PageInfo page;
    return ParseLookupPage(parser, reply.body, &page) && page.first_event_id == event_id;
  };
  uint64_t polls = 0;
  while (!visible(id)) {
    ++polls;
    if (Since(t0) > timeout_s) Die(fmt::format("the sentinel was not visible after {:.0f} s", timeout_s));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  double visible_s = Since(t0);
  size_t checked = 0, missing = 0;
  for (size_t pos = 0; pos < check_ids.size();) {
    size_t comma = check_ids.find(',', pos);
    std::string one = check_ids.substr(pos, comma - pos);
    pos = comma == std::string::npos ? check_ids.size() : comma + 1;
    if (one.empty()) continue;
    ++checked;
    if (!visible(one)) {
      ++missing;
      std::fprintf(stderr, "history_bench: %s is not visible in history\n", one.c_str());
    }
  }
  std::printf("sentinel ingested in %.3f s, visible in history %.3f s after this step began (%llu polls); "
              "%zu/%zu check ids visible\n",
              ingest_s, visible_s, (unsigned long long)polls, checked - missing, checked);
  std::printf("RESULT settle_seconds=%.4f sentinel_ingest_seconds=%.4f polls=%llu checked=%zu missing=%zu\n", visible_s,
              ingest_s, (unsigned long long)polls, checked, missing);
  return missing == 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------
// pg-lookup (libpq through dlopen)

struct Libpq {
  using Conn = void;
  using Res = void;
  Conn* (*connectdb)(const char*);
  int (*status)(const Conn*);
  char* (*error_message)(const Conn*);
  void (*finish)(Conn*);
  Res* (*prepare)(Conn*, const char*, const char*, int, const unsigned int*);
  Res* (*exec_prepared)(Conn*, const char*, int, const char* const*, const int*, const int*, int);
  Res* (*exec)(Conn*, const char*);
  int (*result_status)(const Res*);
  char* (*result_error)(const Res*);
  void (*clear)(Res*);
  int (*ntuples)(const Res*);
  char* (*getvalue)(const Res*, int, int);
  static constexpr int kConnectionOk = 0, kCommandOk = 1, kTuplesOk = 2;

  Libpq() {
    void* h = dlopen("libpq.so.5", RTLD_NOW);
    if (!h) h = dlopen("libpq.so", RTLD_NOW);
    if (!h) Die(std::string("cannot load libpq (apt-get install libpq5): ") + dlerror());
    auto sym = [&](const char* n) {
      void* p = dlsym(h, n);
      if (!p) Die(std::string("libpq has no ") + n);
      return p;
    };
    connectdb = reinterpret_cast<decltype(connectdb)>(sym("PQconnectdb"));
    status = reinterpret_cast<decltype(status)>(sym("PQstatus"));
    error_message = reinterpret_cast<decltype(error_message)>(sym("PQerrorMessage"));
    finish = reinterpret_cast<decltype(finish)>(sym("PQfinish"));
    prepare = reinterpret_cast<decltype(prepare)>(sym("PQprepare"));
    exec_prepared = reinterpret_cast<decltype(exec_prepared)>(sym("PQexecPrepared"));
    exec = reinterpret_cast<decltype(exec)>(sym("PQexec"));
    result_status = reinterpret_cast<decltype(result_status)>(sym("PQresultStatus"));
    result_error = reinterpret_cast<decltype(result_error)>(sym("PQresultErrorMessage"));
    clear = reinterpret_cast<decltype(clear)>(sym("PQclear"));
    ntuples = reinterpret_cast<decltype(ntuples)>(sym("PQntuples"));
    getvalue = reinterpret_cast<decltype(getvalue)>(sym("PQgetvalue"));
  }
};

// What LookupEvents returns per event: summary fields + the record. Columns 0 and 1 are the
// keyset (event_time as text, seq).
constexpr const char* kPgColumns =
    "e.event_time::text, e.seq, e.event_id, e.event_name, e.read_only, e.access_key_id, "
    "extract(epoch from e.event_time), e.event_source, e.username, e.resources, e.record";

std::string PgAttrSql(const std::string& column) {
  return fmt::format(
      "SELECT {} FROM events e WHERE e.account = $1 AND e.region = $2 AND e.management AND e.{} = $3 "
      "AND (e.event_time, e.seq) < ($4::timestamptz, $5::bigint) ORDER BY e.event_time DESC, e.seq DESC LIMIT 51",
      kPgColumns, column);
}

int RunPgLookup(const std::string& conninfo, const std::string& plan_file, const std::string& account,
                const std::string& region, int warmup) {
  Libpq pq;
  auto plan = ReadPlan(plan_file);
  void* conn = pq.connectdb(conninfo.c_str());
  if (pq.status(conn) != Libpq::kConnectionOk) Die(std::string("PostgreSQL: ") + pq.error_message(conn));
  auto check = [&](void* res, int want, const std::string& what) {
    if (pq.result_status(res) != want) Die("PostgreSQL: " + what + ": " + pq.result_error(res));
  };
  {
    void* r = pq.exec(conn, "SET TIME ZONE 'UTC'");
    check(r, Libpq::kCommandOk, "SET TIME ZONE");
    pq.clear(r);
  }
  std::map<std::string, std::string> sql = {
      {"EventName", PgAttrSql("event_name")},
      {"ReadOnly", PgAttrSql("read_only")},
      {"Username", PgAttrSql("username")},
      {"EventSource", PgAttrSql("event_source")},
      {"AccessKeyId", PgAttrSql("access_key_id")},
      {"EventId",
       fmt::format("SELECT {} FROM events e WHERE e.account = $1 AND e.region = $2 AND e.management AND e.event_id = $3 "
                   "AND (e.event_time, e.seq) < ($4::timestamptz, $5::bigint) ORDER BY e.event_time DESC, e.seq DESC LIMIT 51",
                   kPgColumns)},
      {"ResourceType",
       fmt::format("SELECT {} FROM event_resources r JOIN events e ON e.seq = r.seq WHERE r.account = $1 AND r.region = $2 "
                   "AND r.kind = 'T' AND r.value = $3 AND (r.event_time, r.seq) < ($4::timestamptz, $5::bigint) "
                   "ORDER BY r.event_time DESC, r.seq DESC LIMIT 51",
                   kPgColumns)},
      {"ResourceName",
       fmt::format("SELECT {} FROM event_resources r JOIN events e ON e.seq = r.seq WHERE r.account = $1 AND r.region = $2 "
                   "AND r.kind = 'N' AND r.value = $3 AND (r.event_time, r.seq) < ($4::timestamptz, $5::bigint) "
                   "ORDER BY r.event_time DESC, r.seq DESC LIMIT 51",
                   kPgColumns)},
      {"TimeRange",
       fmt::format("SELECT {} FROM events e WHERE e.account = $1 AND e.region = $2 AND e.management "
                   "AND e.event_time >= to_timestamp($3::bigint) AND e.event_time < to_timestamp($6::bigint + 1) "
                   "AND (e.event_time, e.seq) < ($4::timestamptz, $5::bigint) ORDER BY e.event_time DESC, e.seq DESC LIMIT 51",
                   kPgColumns)},
  };
  // Each query twice: follow-up pages with the keyset predicate, first pages without it.
  const std::string kKeyset = " AND (e.event_time, e.seq) < ($4::timestamptz, $5::bigint)";
  const std::string kKeysetR = " AND (r.event_time, r.seq) < ($4::timestamptz, $5::bigint)";
  for (auto& [kind, text] : sql) {
    std::string first = text;
    for (const auto& k : {kKeyset, kKeysetR}) {
      auto pos = first.find(k);
      if (pos != std::string::npos) first.erase(pos, k.size());
    }
    if (first == text) Die("no keyset predicate in the " + kind + " statement");
    // $4/$5 are gone from the first-page text: renumber $6 (TimeRange's end) to $4.
    for (size_t pos; (pos = first.find("$6")) != std::string::npos;) first.replace(pos, 2, "$4");
    for (const auto& [name, body] : {std::pair{kind, text}, std::pair{kind + "/first", first}}) {
      void* r = pq.prepare(conn, name.c_str(), body.c_str(), 0, nullptr);
      check(r, Libpq::kCommandOk, "PREPARE " + name + ": " + body);
      pq.clear(r);
    }
  }
  const std::string kNoTime = "infinity", kNoSeq = "9223372036854775807";
  auto run = [&](const QuerySpec& q, const std::string& after_time, const std::string& after_seq) {
    std::string start = std::to_string(q.start), end = std::to_string(q.end);
    const bool range = q.kind == "TimeRange";
    const char* third = range ? start.c_str() : q.value.c_str();
    if (after_time == kNoTime) {  // first page
      const char* params[4] = {account.c_str(), region.c_str(), third, end.c_str()};
      return pq.exec_prepared(conn, (q.kind + "/first").c_str(), range ? 4 : 3, params, nullptr, nullptr, 0);
    }
    const char* params[6] = {account.c_str(), region.c_str(), third, after_time.c_str(), after_seq.c_str(), end.c_str()};
    return pq.exec_prepared(conn, q.kind.c_str(), range ? 6 : 5, params, nullptr, nullptr, 0);
  };

  std::map<std::string, int> warmed;
  for (const auto& q : plan) {
    if (warmed[q.kind]++ >= warmup) continue;
    void* r = run(q, kNoTime, kNoSeq);
    check(r, Libpq::kTuplesOk, q.kind);
    pq.clear(r);
  }

  std::map<std::string, KindStats> stats;
  auto t_all = SteadyClock::now();
  for (const auto& q : plan) {
    KindStats& s = stats[q.kind];
    ++s.walks;
    std::string after_time = kNoTime, after_seq = kNoSeq, problem;
    uint64_t got = 0;
    for (int p = 0; p < q.pages; ++p) {
      auto t0 = SteadyClock::now();
      void* r = run(q, after_time, after_seq);
      double ms = Since(t0) * 1000;
      (p == 0 ? s.first_ms : s.next_ms).push_back(ms);
      if (pq.result_status(r) != Libpq::kTuplesOk) {
        ++s.errors;
        problem = pq.result_error(r);
        pq.clear(r);
        break;
      }
      int n = pq.ntuples(r);
      int shown = std::min(n, 50);
      got += shown;
      if (q.kind == "EventId" && (n == 0 || q.value != pq.getvalue(r, 0, 2))) problem = "EventId lookup did not return the event";
      bool more = n > 50;
      if (more) {
        after_time = pq.getvalue(r, 49, 0);
        after_seq = pq.getvalue(r, 49, 1);
      }
      pq.clear(r);
      if (!more) break;
    }
    s.events += got;
    if (problem.empty() && got != Expected(q))
      problem = fmt::format("{} events over {} pages, expected {}", got, q.pages, Expected(q));
    if (!problem.empty()) {
      ++s.mismatches;
      if (s.first_mismatch.empty()) s.first_mismatch = q.kind + "=" + q.value + ": " + problem;
    }
  }
  Report("PostgreSQL", stats, Since(t_all));
  pq.finish(conn);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Event history benchmark: parse ceiling, query plan, visibility, LookupEvents and PostgreSQL lookups"};
  app.require_subcommand(1);

  std::string logs;
  auto* parse = app.add_subcommand("parse", "simdjson parse rate of log files (gunzip untimed)");
  parse->add_option("--logs", logs, "Folder of log files")->required();

  PrepareOptions prep;
  auto* prepare = app.add_subcommand("prepare", "Query plan, ground truth and PostgreSQL COPY files");
  prepare->add_option("--logs", prep.logs)->required();
  prepare->add_option("--account", prep.account)->required();
  prepare->add_option("--region", prep.region)->capture_default_str();
  prepare->add_option("--queries", prep.queries, "Query plan to write")->required();
  prepare->add_option("--pg-events", prep.pg_events, "COPY file of the events table");
  prepare->add_option("--pg-resources", prep.pg_resources, "COPY file of the event_resources table");
  prepare->add_option("--seed", prep.seed)->capture_default_str();
  prepare->add_option("--requests", prep.requests, "Pages to fetch per attribute kind")->capture_default_str();
  prepare->add_option("--walk-pages", prep.walk_pages, "Pages per attribute walk")->capture_default_str();
  prepare->add_option("--eventid-lookups", prep.eventid_lookups)->capture_default_str();
  prepare->add_option("--range-walks", prep.range_walks)->capture_default_str();
  prepare->add_option("--range-pages", prep.range_pages)->capture_default_str();
  prepare->add_option("--range-seconds", prep.range_seconds)->capture_default_str();

  std::string endpoint, root_file, creds_file, account, check_ids, queries, conninfo, region = "us-east-1";
  double timeout = 1800;
  int warmup = 5;
  auto* settle = app.add_subcommand("settle", "Sentinel ingest, then wait until it is visible in history");
  settle->add_option("--endpoint", endpoint)->required();
  settle->add_option("--root-credentials", root_file, "DATA_DIR/credentials")->required();
  settle->add_option("--account-credentials", creds_file, "create-account output (JSON)")->required();
  settle->add_option("--account", account)->required();
  settle->add_option("--check-ids", check_ids, "eventIDs that must be visible too (comma-separated)");
  settle->add_option("--timeout", timeout)->capture_default_str();

  auto* lookup = app.add_subcommand("lookup", "LookupEvents latency");
  lookup->add_option("--endpoint", endpoint)->required();
  lookup->add_option("--account-credentials", creds_file)->required();
  lookup->add_option("--queries", queries)->required();
  lookup->add_option("--warmup", warmup, "Unmeasured first pages per query kind")->capture_default_str();

  auto* pg = app.add_subcommand("pg-lookup", "The same queries against PostgreSQL");
  pg->add_option("--conninfo", conninfo)->required();
  pg->add_option("--queries", queries)->required();
  pg->add_option("--account", account)->required();
  pg->add_option("--region", region)->capture_default_str();
  pg->add_option("--warmup", warmup)->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (*parse) return RunParse(logs);
  if (*prepare) return RunPrepare(prep);
  if (*settle) return RunSettle(endpoint, root_file, creds_file, account, check_ids, timeout);
  if (*lookup) return RunLookup(endpoint, creds_file, queries, warmup);
  if (*pg) return RunPgLookup(conninfo, queries, account, region, warmup);
  return 2;
}
