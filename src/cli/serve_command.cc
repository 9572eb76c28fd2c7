// cli/serve_command.cc — `opentrail serve`.
#include <signal.h>

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "common/time.h"
#include "server/app.h"

namespace ot::cli {

namespace {
int g_exit_code = 0;

CLI::Validator DurationCheck() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        return ParseDurationMillis(v) ? std::string() : "expected a duration like 500ms, 2s, 5m, 1h, 90d";
      },
      "DURATION");
}

struct ServeFlags {
  std::string data_dir = "./opentrail-data";
  std::string listen = "127.0.0.1:4580";
  std::string region = "us-east-1";
  std::string regions =
      "us-east-1,us-east-2,us-west-1,us-west-2,af-south-1,ap-east-1,ap-south-1,ap-south-2,"
      "ap-southeast-1,ap-southeast-2,ap-southeast-3,ap-southeast-4,ap-northeast-1,"
      "ap-northeast-2,ap-northeast-3,ca-central-1,ca-west-1,eu-central-1,eu-central-2,"
      "eu-west-1,eu-west-2,eu-west-3,eu-south-1,eu-south-2,eu-north-1,il-central-1,"
      "me-south-1,me-central-1,sa-east-1";
  std::string delivery_interval = "5m";
  std::string digest_interval = "1h";
  std::string history_retention = "90d";
  std::string request_timeout = "20s";
  std::string lifecycle_day = "1d";
  std::string signing_key_rotation = "30d";
  int threads = 0;
  bool bench_no_record = false;
};

int RunServe(const ServeFlags& f) {
  server::ServeOptions o;
  o.data_dir = f.data_dir;
  auto colon = f.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "--listen must be HOST:PORT\n";
    return 2;
  }
  o.host = f.listen.substr(0, colon);
  o.port = static_cast<uint16_t>(std::stoi(f.listen.substr(colon + 1)));
  o.region = f.region;
  for (size_t start = 0; start <= f.regions.size();) {
    size_t comma = f.regions.find(',', start);
    std::string r = f.regions.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!r.empty()) o.regions.push_back(r);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  o.delivery_interval_ms = *ParseDurationMillis(f.delivery_interval);
  o.digest_interval_ms = *ParseDurationMillis(f.digest_interval);
  o.history_retention_ms = *ParseDurationMillis(f.history_retention);
  o.request_timeout_ms = *ParseDurationMillis(f.request_timeout);
  o.lifecycle_day_ms = *ParseDurationMillis(f.lifecycle_day);
  o.signing_key_rotation_ms = *ParseDurationMillis(f.signing_key_rotation);
  o.threads = f.threads;
  o.record = !f.bench_no_record;

  // Block the stop signals in every thread; this one waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  server::App app(o);
  auto status = app.Start();
  if (!status.ok()) {
    std::cerr << "opentrail: " << status.message() << "\n";
    return 1;
  }
  std::printf("opentrail listening on http://%s:%u\n", o.host.c_str(), app.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "opentrail: stopping (signal %d)\n", sig);
  app.Stop();
  return 0;
}
}  // namespace

int ExitCode() { return g_exit_code; }
void SetExitCode(int code) { g_exit_code = code; }

void AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand("serve", "Run the opentrail server");
  cmd->add_option("--data-dir", flags->data_dir, "Data directory")->envname("OPENTRAIL_DATA_DIR")->capture_default_str();
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on")->envname("OPENTRAIL_LISTEN")->capture_default_str();
  cmd->add_option("--region", flags->region, "Default region")->envname("OPENTRAIL_REGION")->capture_default_str();
  cmd->add_option("--regions", flags->regions, "Enabled regions, comma-separated")->envname("OPENTRAIL_REGIONS");
  cmd->add_option("--delivery-interval", flags->delivery_interval, "How often trails deliver log files")
      ->envname("OPENTRAIL_DELIVERY_INTERVAL")->check(DurationCheck())->capture_default_str();
  cmd->add_option("--digest-interval", flags->digest_interval, "How often digest files are written")
      ->envname("OPENTRAIL_DIGEST_INTERVAL")->check(DurationCheck())->capture_default_str();
  cmd->add_option("--history-retention", flags->history_retention, "Event history retention (0 = forever)")
      ->envname("OPENTRAIL_HISTORY_RETENTION")->check(DurationCheck())->capture_default_str();
  cmd->add_option("--request-timeout", flags->request_timeout, "Time a client has to send its request headers")
      ->envname("OPENTRAIL_REQUEST_TIMEOUT")->check(DurationCheck())->capture_default_str();
  cmd->add_option("--lifecycle-day", flags->lifecycle_day, "Tests only: the length of a lifecycle day")
      ->envname("OPENTRAIL_LIFECYCLE_DAY")->check(DurationCheck())->group("");
  cmd->add_option("--signing-key-rotation", flags->signing_key_rotation,
                  "How long a digest signing key is used before a new one is made")
      ->envname("OPENTRAIL_SIGNING_KEY_ROTATION")->check(DurationCheck())->capture_default_str();
  cmd->add_option("--threads", flags->threads, "HTTP worker threads (0 = one per core)")
      ->envname("OPENTRAIL_THREADS");
  cmd->add_flag("--bench-no-record", flags->bench_no_record,
                "Benchmarks only: answer calls without recording them")
      ->envname("OPENTRAIL_BENCH_NO_RECORD")->group("");
  cmd->callback([flags] { SetExitCode(RunServe(*flags)); });
}

}  // namespace ot::cli
