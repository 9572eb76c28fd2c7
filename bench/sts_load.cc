// bench/sts_load.cc — closed-loop load generator for `opentrail serve`: N keep-alive HTTP/1.1
// connections, each sending SigV4-signed STS GetCallerIdentity Query requests back to back
// (the next request leaves as soon as the previous response has been read in full).
//
// Reports calls/s (HTTP 200 responses completed inside the measurement window, divided by
// the window's length), latency percentiles (send -> full response read, every response in
// the window) and errors (non-200 responses and transport failures; the first few are
// printed). The last line is machine-readable:
//
//   RESULT calls_per_s=23456.7 p50_ms=2.104 p99_ms=6.310 errors=0 ok=234567 ok_total=281234 ...
//
// ok_total counts every 200 over the whole run (warm-up and drain included): the number of
// records a recording server must have made durable for this run.
//
// The generator shares the machine's cores with the server, so it is kept cheap: all
// connections run asynchronously on one io_context thread by default (--threads N to
// spread them), and the signed request bytes are cached and re-signed once per second
// (X-Amz-Date must stay current; SigV4 allows 15 minutes of skew anyway).
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "auth/sigv4.h"
#include "common/header.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kBody = "Action=GetCallerIdentity&Version=2011-06-15";
constexpr std::string_view kContentType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr int kMaxPrintedErrors = 10;

struct Options {
  std::string endpoint = "127.0.0.1:4580";
  std::string access_key;
  std::string secret;
  std::string credentials_file;
  std::string profile = "default";
  std::string region = "us-east-1";
  int connections = 64;
  int threads = 1;
  double duration_s = 10;
  double warmup_s = 2;
  int server_pid = 0;
};

// CPU accounting over the measurement window, to tell the server's cost per call apart
// from the noise of whatever else runs on the machine.
struct CpuSample {
  double server_s = -1;   // utime+stime of --server-pid (all its threads), seconds
  double client_s = 0;    // this process, seconds
  double machine_busy_s = 0, machine_total_s = 0;  // all cores, from /proc/stat
};

double ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return -1;
  auto paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  // Fields after the name start at field 3 (state); utime is field 14, stime 15.
  for (int i = 3; i <= 15 && (fields >> f); ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

CpuSample SampleCpu(int server_pid) {
  CpuSample s;
  if (server_pid > 0) s.server_s = ProcessCpuSeconds(server_pid);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  s.client_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::ifstream in("/proc/stat");
  std::string cpu;
  if (in >> cpu && cpu == "cpu") {
    // user nice system idle iowait irq softirq steal (guest fields are inside user/nice)
    unsigned long long v[8] = {};
    for (auto& x : v) in >> x;
    double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    unsigned long long total = 0;
    for (auto x : v) total += x;
    s.machine_total_s = static_cast<double>(total) / tick;
    s.machine_busy_s = static_cast<double>(total - v[3] - v[4]) / tick;
  }
  return s;
}

// Reads aws_access_key_id / aws_secret_access_key of one profile of a shared-credentials
// file ("[default]\naws_access_key_id = ...").
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

// The timeline every connection follows: warm-up, measurement window, then no new requests.
struct Timeline {
  SteadyClock::time_point start, measure_begin, measure_end;
};

// One io_context thread and the connections it drives. Only its own thread touches it
// until the run is over.
struct Worker {
  const Options* opt = nullptr;
  const Timeline* timeline = nullptr;
  std::string host_header;
  net::io_context ioc{1};
  tcp::resolver::results_type endpoints;

  // Signed request bytes, re-signed when the wall-clock second changes.
  int64_t signed_second = -1;
  std::shared_ptr<const std::string> request;

  // Results.
  std::vector<uint32_t> latencies_us;  // responses completed inside the window
  uint64_t ok_window = 0, ok_total = 0;
  uint64_t errors_window = 0, errors_total = 0;
  uint64_t reconnects = 0;
  int printed_errors = 0;

  // Connections still running; when the last one is done the deadline is cancelled.
  int active = 0;
  std::unique_ptr<net::steady_timer> deadline;

  void ConnectionDone() {
    if (--active == 0 && deadline) deadline->cancel();
  }

  std::shared_ptr<const std::string> CurrentRequest() {
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    if (now != signed_second || !request) {
      std::vector<ot::Header> headers{{"Host", host_header}, {"Content-Type", std::string(kContentType)}};
      ot::auth::SignRequest("POST", "/", &headers, kBody, opt->access_key, opt->secret, opt->region,
                            "sts", now);
      std::string r = "POST / HTTP/1.1\r\n";
      for (auto& h : headers) r += h.name + ": " + h.value + "\r\n";
      r += "User-Agent: opentrail-sts-load/1\r\nContent-Length: " + std::to_string(kBody.size()) +
           "\r\n\r\n";
      r += kBody;
      request = std::make_shared<const std::string>(std::move(r));
      signed_second = now;
    }
    return request;
  }

  void Error(const std::string& what, bool in_window) {
    ++errors_total;
    if (in_window) ++errors_window;
    // One generator thread prints at a time; the count is per worker, which is close enough.
    static std::mutex print_mu;
    if (printed_errors < kMaxPrintedErrors) {
      ++printed_errors;
      std::lock_guard lock(print_mu);
      std::fprintf(stderr, "sts_load: error: %s\n", what.c_str());
    }
  }
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(Worker* w) : w_(w), socket_(w->ioc) {}

  void Start() {
    ++w_->active;
    Connect();
  }

 private:
  void Connect() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
    if (SteadyClock::now() >= w_->timeline->measure_end) return Close();
    net::async_connect(socket_, w_->endpoints,
                       [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                         if (ec) return self->TransportError("connect: " + ec.message());
                         boost::system::error_code ignored2;
                         self->socket_.set_option(tcp::no_delay(true), ignored2);
                         self->Send();
                       });
  }

  void Send() {
    if (SteadyClock::now() >= w_->timeline->measure_end) return Close();
    request_ = w_->CurrentRequest();
    sent_at_ = SteadyClock::now();
    net::async_write(socket_, net::buffer(*request_),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->TransportError("write: " + ec.message());
                       self->Receive();
                     });
  }

  void Receive() {
    parser_.emplace();
    parser_->body_limit(1 << 20);
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->TransportError("read: " + ec.message());
                        self->OnResponse();
                      });
  }

  void OnResponse() {
    auto done = SteadyClock::now();
    const auto& tl = *w_->timeline;
    bool in_window = done >= tl.measure_begin && done < tl.measure_end;
    auto& res = parser_->get();
    unsigned status = res.result_int();
    if (in_window) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(done - sent_at_).count();
      w_->latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
    }
    if (status == 200) {
      ++w_->ok_total;
      if (in_window) ++w_->ok_window;
    } else {
      std::string body = res.body().substr(0, 400);
      for (auto& c : body)
        if (c == '\n' || c == '\r') c = ' ';
      w_->Error("HTTP " + std::to_string(status) + ": " + body, in_window);
    }
    if (!res.keep_alive()) {
      ++w_->reconnects;
      return Connect();
    }
    Send();
  }

  void TransportError(const std::string& what) {
    auto now = SteadyClock::now();
    const auto& tl = *w_->timeline;
    if (now >= tl.measure_end) return Close();  // shutting down
    w_->Error(what, now >= tl.measure_begin);
    ++w_->reconnects;
    // Back off a little so a dead server does not turn into a busy loop.
    auto timer = std::make_shared<net::steady_timer>(w_->ioc, std::chrono::milliseconds(50));
    timer->async_wait([self = shared_from_this(), timer](beast::error_code) { self->Connect(); });
  }

  // The end of this connection's run (called once, after the window).
  void Close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    w_->ConnectionDone();
  }

  Worker* w_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  std::shared_ptr<const std::string> request_;
  SteadyClock::time_point sent_at_;
};

double Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1] / 1000.0;  // ms
}

std::string Grouped(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"sts_load: SigV4-signed STS GetCallerIdentity load against an opentrail server"};
  app.add_option("--endpoint", opt.endpoint, "HOST:PORT of the server")->capture_default_str();
  app.add_option("--access-key", opt.access_key, "Access key id");
  app.add_option("--secret", opt.secret, "Secret access key");
  app.add_option("--credentials", opt.credentials_file, "AWS shared-credentials file (instead of --access-key/--secret)");
  app.add_option("--profile", opt.profile, "Profile in --credentials")->capture_default_str();
  app.add_option("--region", opt.region, "SigV4 region")->capture_default_str();
  app.add_option("--connections", opt.connections, "Keep-alive connections")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--threads", opt.threads, "Generator io_context threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--duration", opt.duration_s, "Measured seconds")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--warmup", opt.warmup_s, "Warm-up seconds (not measured)")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--server-pid", opt.server_pid, "Server process id: report its CPU time per call (Linux /proc)");
  CLI11_PARSE(app, argc, argv);

  if (!opt.credentials_file.empty()) {
    std::string key, secret;
    if (!ReadCredentials(opt.credentials_file, opt.profile, &key, &secret)) {
      std::cerr << "sts_load: no aws_access_key_id/aws_secret_access_key for profile [" << opt.profile
                << "] in " << opt.credentials_file << "\n";
      return 2;
    }
    if (opt.access_key.empty()) opt.access_key = key;
    if (opt.secret.empty()) opt.secret = secret;
  }
  if (opt.access_key.empty() || opt.secret.empty()) {
    std::cerr << "sts_load: need --access-key and --secret, or --credentials FILE\n";
    return 2;
  }
  auto colon = opt.endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    std::cerr << "sts_load: --endpoint must be HOST:PORT\n";
    return 2;
  }
  std::string host = opt.endpoint.substr(0, colon), port = opt.endpoint.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);

  int threads = std::min(opt.threads, opt.connections);
  std::vector<std::unique_ptr<Worker>> workers;
  Timeline timeline;
  for (int t = 0; t < threads; ++t) {
    auto w = std::make_unique<Worker>();
    w->opt = &opt;
    w->timeline = &timeline;
    w->host_header = opt.endpoint;
    boost::system::error_code ec;
    tcp::resolver resolver(w->ioc);
    w->endpoints = resolver.resolve(host, port, ec);
    if (ec || w->endpoints.empty()) {
      std::cerr << "sts_load: cannot resolve " << opt.endpoint << ": " << ec.message() << "\n";
      return 2;
    }
    w->latencies_us.reserve(1 << 20);
    workers.push_back(std::move(w));
  }

  // Fail fast (and clearly) when nothing listens there.
  {
    net::io_context probe_ioc;
    tcp::socket probe(probe_ioc);
    boost::system::error_code ec;
    net::connect(probe, workers[0]->endpoints, ec);
    if (ec) {
      std::cerr << "sts_load: cannot connect to " << opt.endpoint << ": " << ec.message() << "\n";
      return 2;
    }
  }

  auto to_dur = [](double s) {
    return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(s));
  };
  timeline.start = SteadyClock::now();
  timeline.measure_begin = timeline.start + to_dur(opt.warmup_s);
  timeline.measure_end = timeline.measure_begin + to_dur(opt.duration_s);

  for (int c = 0; c < opt.connections; ++c) {
    Worker* w = workers[static_cast<size_t>(c % threads)].get();
    net::post(w->ioc, [w] { std::make_shared<Connection>(w)->Start(); });
  }
  std::vector<std::thread> runners;
  for (auto& w : workers) {
    Worker* wp = w.get();
    runners.emplace_back([wp, &timeline] {
      // Requests still in flight at the end of the window get 10 s to finish; then the
      // io_context is stopped and their connections are dropped. When every connection has
      // finished earlier, the deadline is cancelled and run() returns.
      wp->deadline = std::make_unique<net::steady_timer>(wp->ioc, timeline.measure_end + std::chrono::seconds(10));
      wp->deadline->async_wait([wp](boost::system::error_code ec) {
        if (!ec) wp->ioc.stop();
      });
      wp->ioc.run();
    });
  }
  // CPU accounting at the window's edges, from this (otherwise idle) thread.
  std::this_thread::sleep_until(timeline.measure_begin);
  CpuSample cpu_begin = SampleCpu(opt.server_pid);
  std::this_thread::sleep_until(timeline.measure_end);
  CpuSample cpu_end = SampleCpu(opt.server_pid);
  for (auto& t : runners) t.join();

  std::vector<uint32_t> lat;
  uint64_t ok = 0, ok_total = 0, errors = 0, errors_total = 0, reconnects = 0;
  for (auto& w : workers) {
    lat.insert(lat.end(), w->latencies_us.begin(), w->latencies_us.end());
    ok += w->ok_window;
    ok_total += w->ok_total;
    errors += w->errors_window;
    errors_total += w->errors_total;
    reconnects += w->reconnects;
  }
  std::sort(lat.begin(), lat.end());
  double window_s = std::chrono::duration<double>(timeline.measure_end - timeline.measure_begin).count();
  double calls_per_s = static_cast<double>(ok) / window_s;
  double mean_ms = 0;
  for (auto v : lat) mean_ms += v;
  mean_ms = lat.empty() ? 0 : mean_ms / static_cast<double>(lat.size()) / 1000.0;
  double p50 = Percentile(lat, 0.50), p90 = Percentile(lat, 0.90), p99 = Percentile(lat, 0.99),
         p999 = Percentile(lat, 0.999), max_ms = lat.empty() ? 0 : lat.back() / 1000.0;

  std::printf("sts GetCallerIdentity against %s: %d keep-alive connections on %d thread(s), "
              "%.1f s measured after %.1f s warm-up\n",
              opt.endpoint.c_str(), opt.connections, threads, window_s, opt.warmup_s);
  std::printf("  throughput: %s calls/s (%s HTTP 200 in the window)\n",
              Grouped(static_cast<uint64_t>(std::llround(calls_per_s))).c_str(), Grouped(ok).c_str());
  std::printf("  latency:    p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms  mean %.3f ms\n",
              p50, p90, p99, p999, max_ms, mean_ms);
  std::printf("  errors:     %s in the window, %s in the whole run (non-200 or transport); reconnects %s\n",
              Grouped(errors).c_str(), Grouped(errors_total).c_str(), Grouped(reconnects).c_str());
  // Cores used on average during the window (CPU seconds / wall seconds).
  double server_cores = cpu_begin.server_s >= 0 && cpu_end.server_s >= 0
                            ? (cpu_end.server_s - cpu_begin.server_s) / window_s : -1;
  double client_cores = (cpu_end.client_s - cpu_begin.client_s) / window_s;
  double machine_cores = static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  double busy_cores = cpu_end.machine_total_s > cpu_begin.machine_total_s
                          ? (cpu_end.machine_busy_s - cpu_begin.machine_busy_s) /
                                (cpu_end.machine_total_s - cpu_begin.machine_total_s) * machine_cores
                          : -1;
  double server_us_per_call = server_cores >= 0 && ok > 0 ? server_cores * window_s * 1e6 / static_cast<double>(ok) : -1;
  double client_us_per_call = ok > 0 ? client_cores * window_s * 1e6 / static_cast<double>(ok) : -1;
  double other_cores = busy_cores >= 0 && server_cores >= 0
                           ? std::max(0.0, busy_cores - client_cores - server_cores) : -1;
  if (server_cores >= 0)
    std::printf("  cpu:        server %.2f cores (%.1f us per call), generator %.2f cores (%.1f us per call), "
                "other processes %.2f cores; machine %.0f%% busy of %.0f cores\n",
                server_cores, server_us_per_call, client_cores, client_us_per_call, other_cores,
                busy_cores / machine_cores * 100, machine_cores);
  else
    std::printf("  cpu:        generator %.2f cores (%.1f us per call); machine %.0f%% busy of %.0f cores "
                "(--server-pid to see the server's share)\n",
                client_cores, client_us_per_call, busy_cores / machine_cores * 100, machine_cores);
  std::printf("  total 200s over the whole run (warm-up and drain included): %s\n", Grouped(ok_total).c_str());
  std::printf("RESULT calls_per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f "
              "errors=%llu errors_total=%llu ok=%llu ok_total=%llu connections=%d duration_s=%.3f "
              "server_cores=%.3f server_us_per_call=%.1f client_cores=%.3f client_us_per_call=%.1f "
              "other_cores=%.3f machine_busy_pct=%.1f\n",
              calls_per_s, p50, p90, p99, p999, max_ms, static_cast<unsigned long long>(errors),
              static_cast<unsigned long long>(errors_total), static_cast<unsigned long long>(ok),
              static_cast<unsigned long long>(ok_total), opt.connections, window_s, server_cores,
              server_us_per_call, client_cores, client_us_per_call, other_cores,
              busy_cores / machine_cores * 100);
  std::fflush(stdout);
  return ok == 0 ? 1 : 0;
}
