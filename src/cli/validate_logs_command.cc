// cli/validate_logs_command.cc — `opentrail validate-logs`: flags of the AWS CLI's
// `aws cloudtrail validate-logs`, endpoint/credential resolution, then validate_logs::Run.
//
//   opentrail validate-logs --trail-arn ARN --start-time T [--end-time T] [--s3-bucket B]
//       [--s3-prefix P] [--account-id A] [--verbose] [--region R]
//       [--endpoint URL] [--s3-endpoint URL] [--data-dir DIR] [--concurrency N]
#include <signal.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/validate_logs.h"

namespace ot::cli {

namespace {

namespace vl = validate_logs;

struct ValidateLogsFlags {
  std::string trail_arn;
  std::string start_time;
  std::string end_time;
  std::string s3_bucket;
  std::string s3_prefix;
  std::string account_id;
  std::string region;
  bool verbose = false;
  std::string endpoint;
  std::string s3_endpoint;
  std::string data_dir = std::string(kDefaultDataDir);
  bool data_dir_explicit = false;
  size_t concurrency = 16;
  std::string test_public_keys_file;  // TEST ONLY
  // Which optional flags were given (an empty value given explicitly still counts).
  bool has_end = false, has_bucket = false, has_prefix = false, has_account = false,
       has_region = false;
};

class StdOutput final : public vl::Output {
 public:
  void Out(std::string_view text) override { std::fwrite(text.data(), 1, text.size(), stdout); }
  void Err(std::string_view text) override {
    std::fflush(stdout);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  }
};

std::string FirstEnv(std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (auto v = GetEnv(n); v && !v->empty()) return *v;
  }
  return {};
}

// TEST ONLY: a ListPublicKeys response body ({"PublicKeyList":[{"Fingerprint","Value"}]})
// whose keys replace the ListPublicKeys call.
Result<std::vector<vl::PublicKeyInfo>> ReadTestKeys(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(kErrFileRead, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(ss.str(), ec);
  if (ec || !v.is_object() || !v.get_object().contains("PublicKeyList") ||
      !v.at("PublicKeyList").is_array()) {
    return Status::Error(kErrFileRead, path + ": expected {\"PublicKeyList\": [...]}");
  }
  std::vector<vl::PublicKeyInfo> keys;
  for (const auto& k : v.at("PublicKeyList").get_array()) {
    if (!k.is_object()) continue;
    vl::PublicKeyInfo info;
    if (auto* p = k.get_object().if_contains("Fingerprint"); p && p->is_string()) info.fingerprint = p->get_string();
    if (auto* p = k.get_object().if_contains("Value"); p && p->is_string()) info.value = p->get_string();
    keys.push_back(std::move(info));
  }
  return keys;
}

int RunValidateLogs(const ValidateLogsFlags& flags) {
  signal(SIGPIPE, SIG_IGN);
  StdOutput output;
  auto fail = [&output](const std::string& message) {
    output.Err("\n" + message + "\n");
    return 255;
  };

  // Times first, as the AWS CLI's handle_args.
  vl::Options options;
  options.trail_arn = flags.trail_arn;
  auto start = vl::ParseTime(flags.start_time);
  if (!start) return fail("Unable to parse date value: " + flags.start_time);
  options.start = *start;
  if (flags.has_end && !flags.end_time.empty()) {
    auto end = vl::ParseTime(flags.end_time);
    if (!end) return fail("Unable to parse date value: " + flags.end_time);
    options.end = *end;
  } else {
    options.end = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  }
  if (flags.has_bucket) options.s3_bucket = flags.s3_bucket;
  if (flags.has_prefix) options.s3_prefix = flags.s3_prefix;
  if (flags.has_account) options.account_id = flags.account_id;
  if (flags.has_region && !flags.region.empty()) options.region = flags.region;
  options.verbose = flags.verbose;
  options.concurrency = std::max<size_t>(flags.concurrency, 1);
  if (!flags.test_public_keys_file.empty()) {
    auto keys = ReadTestKeys(flags.test_public_keys_file);
    if (!keys.ok()) return fail("opentrail: " + DescribeStatus(keys.status()));
    options.test_public_keys = std::move(*keys);
  }

  auto config = ResolveHttpBackendConfig({flags.endpoint, flags.s3_endpoint, flags.data_dir, flags.data_dir_explicit,
                                          options.region.value_or(""), flags.trail_arn});
  if (!config.ok()) return fail("opentrail: " + DescribeStatus(config.status()));
  config->max_connections = options.concurrency;
  auto backend = vl::MakeHttpBackend(std::move(*config));
  int code = vl::Run(options, backend.get(), &output);
  std::fflush(stdout);
  return code;
}

}  // namespace

Result<validate_logs::HttpBackendConfig> ResolveHttpBackendConfig(const ClientFlags& flags) {
  namespace vl = validate_logs;
  // Endpoints: --endpoint, OPENTRAIL_ENDPOINT, AWS_ENDPOINT_URL_CLOUDTRAIL, AWS_ENDPOINT_URL;
  // S3: --s3-endpoint, AWS_ENDPOINT_URL_S3, else the same endpoint.
  std::string endpoint_text = !flags.endpoint.empty()
                                  ? flags.endpoint
                                  : FirstEnv({"OPENTRAIL_ENDPOINT", "AWS_ENDPOINT_URL_CLOUDTRAIL",
                                              "AWS_ENDPOINT_URL"});
  if (endpoint_text.empty()) endpoint_text = std::string(kDefaultEndpoint);
  std::string s3_text = !flags.s3_endpoint.empty() ? flags.s3_endpoint : FirstEnv({"AWS_ENDPOINT_URL_S3"});
  if (s3_text.empty()) s3_text = endpoint_text;
  auto endpoint = ParseEndpoint(endpoint_text);
  if (!endpoint.ok()) return endpoint.status();
  auto s3_endpoint = ParseEndpoint(s3_text);
  if (!s3_endpoint.ok()) return s3_endpoint.status();
  auto credentials = ResolveCredentials(flags.data_dir, flags.data_dir_explicit);
  if (!credentials.ok()) return credentials.status();

  // The client region: --region, the environment, else the trail's home region.
  std::string region = flags.region;
  if (region.empty()) region = FirstEnv({"AWS_DEFAULT_REGION", "AWS_REGION"});
  if (region.empty()) {
    if (auto arn = vl::ParseTrailArn(flags.trail_arn)) region = arn->home_region;
  }
  if (region.empty()) region = "us-east-1";

  vl::HttpBackendConfig config;
  config.cloudtrail_endpoint = std::move(*endpoint);
  config.s3_endpoint = std::move(*s3_endpoint);
  config.credentials = std::move(*credentials);
  config.region = region;
  return config;
}

void AddValidateLogsCommand(CLI::App& app) {
  auto flags = std::make_shared<ValidateLogsFlags>();
  auto* cmd = app.add_subcommand(
      "validate-logs",
      "Validate a trail's log files against its signed digest files (as `aws cloudtrail "
      "validate-logs`), reading them through the S3 API");
  cmd->footer(
      "Checks the digest chain, every digest's signature and every log file's SHA-256, and\n"
      "prints the same lines and summary as the AWS CLI (INVALID lines on stderr).\n"
      "Times: ISO 8601 (2026-11-24, 2026-11-24T10:00:00Z, ...) or epoch seconds, UTC.\n"
      "Endpoint: --endpoint, else OPENTRAIL_ENDPOINT / AWS_ENDPOINT_URL_CLOUDTRAIL /\n"
      "AWS_ENDPOINT_URL; S3 calls go to --s3-endpoint / AWS_ENDPOINT_URL_S3 when given.\n"
      "Credentials: DATA_DIR/credentials, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.\n"
      "Exit status: 0 everything valid; 1 some digest or log file INVALID; 255 could not\n"
      "validate (trail not found, no public keys, an S3 or API error).");
  cmd->add_option("--trail-arn", flags->trail_arn, "ARN of the trail to validate")
      ->required()
      ->envname("OPENTRAIL_TRAIL_ARN");
  cmd->add_option("--start-time", flags->start_time,
                  "Validate log files delivered on or after this UTC time")
      ->required()
      ->envname("OPENTRAIL_START_TIME");
  auto* end = cmd->add_option("--end-time", flags->end_time,
                              "Validate log files delivered on or before this UTC time (default: now)")
                  ->envname("OPENTRAIL_END_TIME");
  auto* bucket = cmd->add_option("--s3-bucket", flags->s3_bucket,
                                 "Bucket of the digest files (default: the trail's, from DescribeTrails)")
                     ->envname("OPENTRAIL_S3_BUCKET");
  auto* prefix = cmd->add_option("--s3-prefix", flags->s3_prefix,
                                 "Key prefix of the digest files (default: the trail's)")
                     ->envname("OPENTRAIL_S3_PREFIX");
  auto* account = cmd->add_option("--account-id", flags->account_id,
                                  "Account whose logs to validate (organization trails: a member account)")
                      ->envname("OPENTRAIL_ACCOUNT_ID");
  cmd->add_flag("--verbose", flags->verbose, "Also print every valid digest and log file")
      ->envname("OPENTRAIL_VERBOSE");
  auto* region = cmd->add_option("--region", flags->region,
                                 "Region whose digests to validate and to call (default: the trail's home region)")
                     ->envname("OPENTRAIL_REGION");
  cmd->add_option("--endpoint", flags->endpoint,
                  "URL of the opentrail server (default http://127.0.0.1:4580)");
  cmd->add_option("--s3-endpoint", flags->s3_endpoint,
                  "URL of the S3 endpoint holding the files (default: --endpoint)")
      ->envname("OPENTRAIL_S3_ENDPOINT");
  auto* data_dir = cmd->add_option("--data-dir", flags->data_dir,
                                   "Data directory of the server (for DIR/credentials)")
                       ->envname("OPENTRAIL_DATA_DIR")
                       ->capture_default_str();
  cmd->add_option("--concurrency", flags->concurrency,
                  "Log and digest files fetched in parallel (connections)")
      ->envname("OPENTRAIL_CONCURRENCY")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  // TEST ONLY: keys from a file (a ListPublicKeys response) instead of ListPublicKeys.
  cmd->add_option("--test-public-keys-file", flags->test_public_keys_file)->group("");
  cmd->callback([flags, end, bucket, prefix, account, region, data_dir] {
    flags->has_end = end->count() > 0;
    flags->has_bucket = bucket->count() > 0;
    flags->has_prefix = prefix->count() > 0;
    flags->has_account = account->count() > 0;
    flags->has_region = region->count() > 0;
    flags->data_dir_explicit = data_dir->count() > 0;
    SetExitCode(RunValidateLogs(*flags));
  });
}

}  // namespace ot::cli
