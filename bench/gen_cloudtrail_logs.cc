// bench/gen_cloudtrail_logs.cc — writes realistic synthetic CloudTrail log files, gzip, in
// AWS's delivery shape and layout:
//
//   OUT/AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
//       ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_XXXXXXXXXXXXXXXX.json.gz
//   each holding {"Records":[ ... ]} (compact JSON, as AWS writes it).
//
//   gen_cloudtrail_logs --out DIR [--records 1000000] [--per-file 1000] [--account ID]
//                       [--days 30] [--end EPOCH] [--seed 1] [--threads N] [--level 6]
//
// What the records look like (records.md):
//   * identities: AssumedRole (~58 %, a few thousand sessions of ~40 roles, each with its
//     own ASIA key), IAMUser (~26 %, ~150 users with AKIA keys), AWSService (~13 %,
//     invokedBy a service, sourceIPAddress = the service), Root (~1.5 %, mostly console);
//   * ~90 event names over ec2, s3, iam, kms, sts, cloudtrail, lambda, logs, sns, dynamodb,
//     signin, with AWS-like weights (Describe*/Decrypt/AssumeRole dominate), realistic
//     requestParameters / responseElements / additionalEventData / resources / tlsDetails;
//   * ~5 % failed calls (errorCode + errorMessage, responseElements null);
//   * ~3-4 % data events (S3 object calls, Lambda Invoke, SNS Publish: managementEvent
//     false, eventCategory Data) — never in Event history;
//   * regions: one per file as AWS does, ~85 % of files us-east-1, the rest eu-west-1
//     (global services — IAM, STS global, sign-in — only in us-east-1 files);
//   * event times: file f of F covers the f-th slice of the last --days days before --end
//     (default: today 00:00 UTC); records inside a file are in no particular order;
//   * unique eventIDs (UUIDv4 from the seeded generator), principal-specific source IPs and
//     user agents, ~1.0-1.5 KB per record.
// The output is a pure function of (--seed, --records, --per-file, --account, --days,
// --end): every file has its own generator seeded from (seed, file index), so the thread
// count changes nothing.
//
// Last line (machine-readable):
//   RESULT records=N data_events=N errors=N files=F json_bytes=B gz_bytes=B
//          avg_record_bytes=X seconds=S first_time=EPOCH last_time=EPOCH
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------
// Deterministic randomness

uint64_t SplitMix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Rng {  // xoshiro256**
  uint64_t s[4];
  explicit Rng(uint64_t seed) {
    for (auto& v : s) v = SplitMix(seed);
  }
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t Next() {
    uint64_t r = Rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return r;
  }
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64); }
  double Real() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Real() < p; }
  template <class T>
  const T& Pick(const std::vector<T>& v) { return v[Below(v.size())]; }
  template <class T, size_t N>
  const T& Pick(const std::array<T, N>& v) { return v[Below(N)]; }
  // A pick skewed towards the front of a list (a few hot values, a long tail).
  size_t Zipfish(size_t n) {
    double r = Real();
    return std::min(n - 1, static_cast<size_t>(n * r * r * r));
  }
  std::string Chars(size_t n, std::string_view alphabet) {
    std::string out(n, ' ');
    for (auto& c : out) c = alphabet[Below(alphabet.size())];
    return out;
  }
  std::string Uuid() {
    uint64_t a = Next(), b = Next();
    a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff,
                       b >> 48, b & 0xffffffffffffULL);
  }
};

constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// ---------------------------------------------------------------------------------------
// JSON text helpers

void Escape(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<int>(c));
        else
          out += c;
    }
  }
}

// Appends "key":"value" (with a leading comma unless first).
struct Obj {
  std::string& out;
  bool first = true;
  explicit Obj(std::string& o) : out(o) { out += '{'; }
  Obj& Key(std::string_view k) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += k;
    out += "\":";
    return *this;
  }
  Obj& Str(std::string_view k, std::string_view v) {
    Key(k);
    out += '"';
    Escape(out, v);
    out += '"';
    return *this;
  }
  Obj& Raw(std::string_view k, std::string_view v) {
    Key(k);
    out += v;
    return *this;
  }
  Obj& Int(std::string_view k, int64_t v) {
    Key(k);
    fmt::format_to(std::back_inserter(out), "{}", v);
    return *this;
  }
  Obj& Bool(std::string_view k, bool v) { return Raw(k, v ? "true" : "false"); }
  void End() { out += '}'; }
};

std::string Iso(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm;
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string StsExpiration(int64_t t) {  // "Jul 10, 2023, 12:55:24 PM"
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm;
  gmtime_r(&tt, &tm);
  int h12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
  return fmt::format("{} {}, {}, {}:{:02}:{:02} {}", kMonths[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900, h12,
                     tm.tm_min, tm.tm_sec, tm.tm_hour < 12 ? "AM" : "PM");
}

// ---------------------------------------------------------------------------------------
// The world: principals, resources, clients (same for every file)

struct User {
  std::string name, principal_id;
  std::vector<std::string> keys;
  uint32_t ip, agent;
  bool console;
};
struct Role {
  std::string name, role_id;
  bool service_linked;
};
struct Session {
  uint32_t role;
  std::string name, key;
  uint32_t ip, agent;
};

struct World {
  std::string account;
  std::vector<User> users;
  std::vector<Role> roles;
  std::vector<Session> sessions;
  std::vector<std::string> buckets, functions, instances, tables, topics, trails, log_groups, ips,
      kms_keys, key_aliases, security_groups, policies;
  std::vector<std::string> cli_agents, sdk_agents, console_agents;
  std::string root_key;

  World(uint64_t seed, std::string acct) : account(std::move(acct)) {
    Rng r(seed * 0x2545f4914f6cdd1dULL + 17);
    static const std::vector<std::string> kFirst = {
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
        "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin", "zoe", "omar", "li",
        "priya", "mateo", "sofia", "lukas", "emma", "noah", "mia", "arjun", "chen", "fatima", "kenji", "ana"};
    static const std::vector<std::string> kLast = {"smith", "jones", "garcia", "muller", "rossi", "tanaka",
                                                   "kim", "nguyen", "silva", "kowalski", "dubois", "obrien"};
    static const std::vector<std::string> kSvc = {
        "svc-backup", "svc-deploy", "svc-monitoring", "ci-bot", "terraform", "jenkins", "datadog-integration",
        "github-actions", "splunk-reader", "billing-export", "etl-runner", "grafana", "vault-aws-engine"};
    // ~150 IAM users: people (first, first.last) and service users.
    std::vector<std::string> names;
    for (auto& f : kFirst) names.push_back(f);
    for (size_t i = 0; names.size() < 125; ++i) names.push_back(r.Pick(kFirst) + "." + r.Pick(kLast) + (i > 60 ? std::to_string(i) : ""));
    for (auto& s : kSvc) names.push_back(s);
    for (int i = 1; i <= 12; ++i) names.push_back(fmt::format("ci-runner-{}", i));
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    ips.reserve(400);
    for (int i = 0; i < 360; ++i) {
      static const int kFirstOctet[] = {3, 13, 18, 34, 35, 52, 54, 63, 81, 85, 91, 104, 145, 176, 185, 198, 203, 212};
      ips.push_back(fmt::format("{}.{}.{}.{}", kFirstOctet[r.Below(std::size(kFirstOctet))], r.Below(256), r.Below(256),
                                1 + r.Below(254)));
    }
    for (int i = 0; i < 40; ++i)
      ips.push_back(fmt::format("2001:db8:{:x}:{:x}::{:x}", r.Below(65536), r.Below(65536), 1 + r.Below(65535)));
    cli_agents = {
        "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-18-amd64 exe/x86_64.debian.12 prompt/off command/ec2.describe-instances",
        "aws-cli/2.13.25 Python/3.11.5 Darwin/23.1.0 exe/x86_64 prompt/off command/s3api.list-buckets",
        "aws-cli/2.17.4 Python/3.11.9 Windows/10 exe/AMD64 prompt/off command/iam.list-users",
        "aws-cli/1.32.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0-1055-aws md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy botocore/1.34.69",
        "aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.7"};
    sdk_agents = {
        "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
        "Boto3/1.28.57 Python/3.9.18 Linux/4.14.336-253.554.amzn2.x86_64 exec-env/AWS_Lambda_python3.9 Botocore/1.31.57",
        "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.0",
        "aws-sdk-go/1.50.38 (go1.21.8; linux; amd64)",
        "aws-sdk-java/2.25.11 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
        "aws-sdk-js/3.535.0 ua/2.0 os/linux#5.10.213 lang/js md/nodejs#20.11.1 api/s3#3.535.0",
        "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.3 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64 api/iam#1.31.3",
        "Datadog/12345 aws-sdk-go/1.44.327 (go1.20.7; linux; amd64)",
        "aws-internal/3 aws-sdk-java/1.12.676 Linux/5.10.213-179.855.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/standard"};
    console_agents = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
        "AWS Internal"};
    size_t n_agents = cli_agents.size() + sdk_agents.size();
    for (auto& n : names) {
      User u;
      u.name = n;
      u.principal_id = "AIDA" + r.Chars(17, kUpperDigits);
      size_t nkeys = 1 + r.Below(2);
      for (size_t k = 0; k < nkeys; ++k) u.keys.push_back("AKIA" + r.Chars(16, kUpperDigits));
      u.ip = static_cast<uint32_t>(r.Below(ips.size()));
      u.agent = static_cast<uint32_t>(r.Below(n_agents));
      u.console = n.find('-') == std::string::npos && r.Chance(0.6);
      users.push_back(std::move(u));
    }
    static const std::vector<std::string> kRoles = {
        "OrganizationAccountAccessRole", "AWSReservedSSO_AdministratorAccess_2f1e3c4b5a6d7e8f",
        "AWSReservedSSO_ReadOnlyAccess_9a8b7c6d5e4f3a2b", "AWSReservedSSO_PowerUserAccess_1a2b3c4d5e6f7a8b",
        "ci-deployer", "github-actions-oidc", "terraform-apply", "eks-node-group-prod", "eks-node-group-staging",
        "ecs-task-api", "ecs-task-worker", "lambda-exec-ingest", "lambda-exec-thumbnailer", "lambda-exec-reports",
        "ec2-instance-web", "ec2-instance-batch", "datadog-integration-role", "security-audit",
        "backup-operator", "glue-etl-role", "sagemaker-exec", "karpenter-controller", "external-dns",
        "cert-manager", "cluster-autoscaler", "aws-load-balancer-controller", "ReadOnlyAuditor",
        "BreakGlassAdmin", "cost-explorer-reader", "config-recorder"};
    static const std::vector<std::string> kLinked = {
        "AWSServiceRoleForAutoScaling", "AWSServiceRoleForECS", "AWSServiceRoleForElasticLoadBalancing",
        "AWSServiceRoleForRDS", "AWSServiceRoleForSupport", "AWSServiceRoleForTrustedAdvisor",
        "AWSServiceRoleForConfig", "AWSServiceRoleForAmazonEKS", "AWSServiceRoleForOrganizations",
        "AWSServiceRoleForSSO"};
    for (auto& n : kRoles) roles.push_back({n, "AROA" + r.Chars(17, kUpperDigits), false});
    for (auto& n : kLinked) roles.push_back({n, "AROA" + r.Chars(17, kUpperDigits), true});
    // ~3,000 sessions: people through SSO, instances, CI runs, SDK sessions, services.
    for (int i = 0; i < 3000; ++i) {
      Session s;
      s.role = static_cast<uint32_t>(r.Zipfish(roles.size()));
      const Role& role = roles[s.role];
      if (role.name.starts_with("AWSReservedSSO") || role.name == "BreakGlassAdmin" || role.name == "ReadOnlyAuditor")
        s.name = r.Pick(kFirst) + "." + r.Pick(kLast) + "@example.com";
      else if (role.name.starts_with("ec2-") || role.name.starts_with("eks-") || role.name == "karpenter-controller")
        s.name = "i-0" + r.Chars(16, kHex);
      else if (role.name.starts_with("lambda-exec"))
        s.name = role.name.substr(12) + "-function";
      else if (role.name == "ci-deployer" || role.name == "github-actions-oidc")
        s.name = fmt::format("GitHubActions-{}", 100000 + r.Below(900000));
      else if (role.service_linked)
        s.name = role.name.substr(17);
      else if (r.Chance(0.5))
        s.name = fmt::format("botocore-session-{}", 1700000000 + r.Below(30000000));
      else
        s.name = fmt::format("aws-go-sdk-{}", 1700000000000ULL + r.Below(30000000000ULL));
      s.key = "ASIA" + r.Chars(16, kUpperDigits);
      s.ip = static_cast<uint32_t>(r.Below(ips.size()));
      s.agent = static_cast<uint32_t>(r.Below(n_agents));
      sessions.push_back(std::move(s));
    }
    static const std::vector<std::string> kBucketStem = {
        "logs", "artifacts", "backups", "data-lake", "static-assets", "terraform-state", "athena-results",
        "cloudtrail-audit", "media-uploads", "reports", "ml-datasets", "config-snapshots", "invoices", "exports"};
    static const std::vector<std::string> kEnv = {"prod", "staging", "dev", "shared", "sandbox"};
    for (int i = 0; i < 120; ++i)
      buckets.push_back(fmt::format("acme-{}-{}{}", r.Pick(kBucketStem), r.Pick(kEnv),
                                    i < 40 ? "" : fmt::format("-{}", r.Chars(6, "abcdefghijklmnopqrstuvwxyz0123456789"))));
    std::sort(buckets.begin(), buckets.end());
    buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
    static const std::vector<std::string> kFn = {"ingest", "thumbnailer", "reports", "auth", "webhook", "cron",
                                                 "resize", "notify", "etl", "billing", "search-indexer"};
    for (int i = 0; i < 60; ++i) functions.push_back(fmt::format("{}-{}-{}", r.Pick(kFn), r.Pick(kEnv), i));
    for (int i = 0; i < 1500; ++i) instances.push_back("i-0" + r.Chars(16, kHex));
    for (int i = 0; i < 40; ++i) tables.push_back(fmt::format("{}-{}", r.Pick(kFn), r.Pick(kEnv)));
    for (int i = 0; i < 30; ++i) topics.push_back(fmt::format("{}-alerts-{}", r.Pick(kFn), r.Pick(kEnv)));
    trails = {"management-events", "org-audit", "s3-data-events"};
    for (auto& f : functions) log_groups.push_back("/aws/lambda/" + f);
    for (int i = 0; i < 20; ++i) log_groups.push_back(fmt::format("/ecs/{}-{}", r.Pick(kFn), r.Pick(kEnv)));
    for (int i = 0; i < 25; ++i) kms_keys.push_back(r.Uuid());
    key_aliases = {"alias/aws/s3", "alias/aws/ebs", "alias/aws/secretsmanager", "alias/app-data", "alias/backups",
                   "alias/cloudtrail", "alias/terraform-state"};
    for (int i = 0; i < 80; ++i) security_groups.push_back("sg-0" + r.Chars(16, kHex));
    policies = {"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess",
                "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole",
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", "arn:aws:iam::aws:policy/SecurityAudit"};
    for (int i = 0; i < 10; ++i)
      policies.push_back(fmt::format("arn:aws:iam::{}:policy/{}-{}", account, r.Pick(kFn), r.Pick(kEnv)));
    root_key = "ASIA" + r.Chars(16, kUpperDigits);
  }

  const std::string& Agent(uint32_t i) const {
    return i < cli_agents.size() ? cli_agents[i] : sdk_agents[i - cli_agents.size()];
  }
};

// ---------------------------------------------------------------------------------------
// The event catalog

enum class Kind {
  kEc2Describe, kEc2InstanceOp, kEc2RunInstances, kEc2CreateTags, kEc2SgIngress,
  kS3ListBuckets, kS3Bucket, kS3PutBucketPolicy, kS3Object,
  kIamList, kIamUser, kIamRole, kIamAttachRolePolicy, kIamCreateAccessKey, kIamPolicy,
  kKmsCrypto, kKmsDescribeKey, kKmsCreateKey,
  kStsAssumeRole, kStsCallerIdentity, kStsSessionToken,
  kCtDescribeTrails, kCtTrail, kCtLookupEvents, kCtCreateTrail,
  kLambdaList, kLambdaFunction, kLambdaInvoke,
  kLogsGroup, kLogsDescribe,
  kSnsPublish, kSnsList,
  kDdbTable, kDdbList,
  kConsoleLogin,
};

struct EventDef {
  const char* source;  // "ec2" -> ec2.amazonaws.com
  const char* name;
  bool read_only;
  double weight;
  Kind kind;
  bool data = false;
  bool global = false;     // recorded in us-east-1 only
  const char* version = "1.09";
  const char* api_version = nullptr;
};

// Weights roughly follow what real accounts show: Describe*/List*/Get*, KMS Decrypt and
// STS AssumeRole dominate; writes are rare.
const std::vector<EventDef>& Catalog() {
  static const std::vector<EventDef> k = {
      {"ec2", "DescribeInstances", true, 90, Kind::kEc2Describe, false, false, "1.09", "2016-11-15"},
      {"ec2", "DescribeSecurityGroups", true, 30, Kind::kEc2Describe, false, false, "1.09", "2016-11-15"},
      {"ec2", "DescribeVolumes", true, 22, Kind::kEc2Describe, false, false, "1.09", "2016-11-15"},
      {"ec2", "DescribeSubnets", true, 18, Kind::kEc2Describe, false, false, "1.09", "2016-11-15"},
      {"ec2", "DescribeVpcs", true, 14, Kind::kEc2Describe, false, false, "1.09", "2016-11-15"},
      {"ec2", "DescribeNetworkInterfaces", true, 16, Kind::kEc2Describe, false, false, "1.09", "2016-11-15"},
      {"ec2", "DescribeImages", true, 8, Kind::kEc2Describe, false, false, "1.09", "2016-11-15"},
      {"ec2", "DescribeInstanceStatus", true, 10, Kind::kEc2Describe, false, false, "1.09", "2016-11-15"},
      {"ec2", "StartInstances", false, 1.2, Kind::kEc2InstanceOp, false, false, "1.09", "2016-11-15"},
      {"ec2", "StopInstances", false, 1.2, Kind::kEc2InstanceOp, false, false, "1.09", "2016-11-15"},
      {"ec2", "TerminateInstances", false, 0.8, Kind::kEc2InstanceOp, false, false, "1.09", "2016-11-15"},
      {"ec2", "RebootInstances", false, 0.3, Kind::kEc2InstanceOp, false, false, "1.09", "2016-11-15"},
      {"ec2", "RunInstances", false, 1.0, Kind::kEc2RunInstances, false, false, "1.09", "2016-11-15"},
      {"ec2", "CreateTags", false, 2.5, Kind::kEc2CreateTags, false, false, "1.09", "2016-11-15"},
      {"ec2", "AuthorizeSecurityGroupIngress", false, 0.4, Kind::kEc2SgIngress, false, false, "1.09", "2016-11-15"},
      {"ec2", "RevokeSecurityGroupIngress", false, 0.2, Kind::kEc2SgIngress, false, false, "1.09", "2016-11-15"},
      {"s3", "ListBuckets", true, 12, Kind::kS3ListBuckets, false, false, "1.10"},
      {"s3", "GetBucketLocation", true, 14, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "GetBucketAcl", true, 10, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "GetBucketPolicy", true, 6, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "GetBucketVersioning", true, 5, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "GetBucketEncryption", true, 5, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "GetBucketTagging", true, 4, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "GetBucketPublicAccessBlock", true, 3, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "PutBucketPolicy", false, 0.3, Kind::kS3PutBucketPolicy, false, false, "1.10"},
      {"s3", "PutBucketTagging", false, 0.3, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "PutBucketVersioning", false, 0.2, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "CreateBucket", false, 0.15, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "DeleteBucket", false, 0.05, Kind::kS3Bucket, false, false, "1.10"},
      {"s3", "GetObject", true, 11, Kind::kS3Object, true, false, "1.10"},
      {"s3", "PutObject", false, 5, Kind::kS3Object, true, false, "1.10"},
      {"s3", "HeadObject", true, 4, Kind::kS3Object, true, false, "1.10"},
      {"s3", "DeleteObject", false, 1, Kind::kS3Object, true, false, "1.10"},
      {"iam", "ListUsers", true, 4, Kind::kIamList, false, true, "1.08"},
      {"iam", "ListRoles", true, 6, Kind::kIamList, false, true, "1.08"},
      {"iam", "ListPolicies", true, 3, Kind::kIamList, false, true, "1.08"},
      {"iam", "GetAccountSummary", true, 1.5, Kind::kIamList, false, true, "1.08"},
      {"iam", "GetUser", true, 6, Kind::kIamUser, false, true, "1.08"},
      {"iam", "ListAccessKeys", true, 4, Kind::kIamUser, false, true, "1.08"},
      {"iam", "ListAttachedUserPolicies", true, 3, Kind::kIamUser, false, true, "1.08"},
      {"iam", "ListGroupsForUser", true, 2, Kind::kIamUser, false, true, "1.08"},
      {"iam", "GetRole", true, 10, Kind::kIamRole, false, true, "1.08"},
      {"iam", "ListAttachedRolePolicies", true, 6, Kind::kIamRole, false, true, "1.08"},
      {"iam", "ListRolePolicies", true, 4, Kind::kIamRole, false, true, "1.08"},
      {"iam", "GetPolicy", true, 3, Kind::kIamPolicy, false, true, "1.08"},
      {"iam", "GetPolicyVersion", true, 3, Kind::kIamPolicy, false, true, "1.08"},
      {"iam", "CreateUser", false, 0.08, Kind::kIamUser, false, true, "1.08"},
      {"iam", "DeleteUser", false, 0.03, Kind::kIamUser, false, true, "1.08"},
      {"iam", "CreateAccessKey", false, 0.1, Kind::kIamCreateAccessKey, false, true, "1.08"},
      {"iam", "DeleteAccessKey", false, 0.06, Kind::kIamUser, false, true, "1.08"},
      {"iam", "AttachRolePolicy", false, 0.15, Kind::kIamAttachRolePolicy, false, true, "1.08"},
      {"iam", "DetachRolePolicy", false, 0.06, Kind::kIamAttachRolePolicy, false, true, "1.08"},
      {"iam", "UpdateAssumeRolePolicy", false, 0.04, Kind::kIamRole, false, true, "1.08"},
      {"kms", "Decrypt", true, 70, Kind::kKmsCrypto, false, false, "1.08"},
      {"kms", "GenerateDataKey", true, 30, Kind::kKmsCrypto, false, false, "1.08"},
      {"kms", "Encrypt", true, 8, Kind::kKmsCrypto, false, false, "1.08"},
      {"kms", "DescribeKey", true, 10, Kind::kKmsDescribeKey, false, false, "1.08"},
      {"kms", "ListAliases", true, 2, Kind::kKmsDescribeKey, false, false, "1.08"},
      {"kms", "CreateKey", false, 0.05, Kind::kKmsCreateKey, false, false, "1.08"},
      {"kms", "ScheduleKeyDeletion", false, 0.02, Kind::kKmsDescribeKey, false, false, "1.08"},
      {"kms", "EnableKeyRotation", false, 0.03, Kind::kKmsDescribeKey, false, false, "1.08"},
      {"sts", "AssumeRole", true, 60, Kind::kStsAssumeRole, false, false, "1.08"},
      {"sts", "GetCallerIdentity", true, 25, Kind::kStsCallerIdentity, false, false, "1.08"},
      {"sts", "GetSessionToken", false, 1, Kind::kStsSessionToken, false, true, "1.08"},
      {"cloudtrail", "DescribeTrails", true, 3, Kind::kCtDescribeTrails, false, false, "1.09"},
      {"cloudtrail", "GetTrailStatus", true, 3, Kind::kCtTrail, false, false, "1.09"},
      {"cloudtrail", "GetEventSelectors", true, 1.5, Kind::kCtTrail, false, false, "1.09"},
      {"cloudtrail", "ListTrails", true, 1, Kind::kCtDescribeTrails, false, false, "1.09"},
      {"cloudtrail", "LookupEvents", true, 2.5, Kind::kCtLookupEvents, false, false, "1.09"},
      {"cloudtrail", "CreateTrail", false, 0.02, Kind::kCtCreateTrail, false, false, "1.09"},
      {"cloudtrail", "StartLogging", false, 0.03, Kind::kCtTrail, false, false, "1.09"},
      {"cloudtrail", "StopLogging", false, 0.01, Kind::kCtTrail, false, false, "1.09"},
      {"cloudtrail", "PutEventSelectors", false, 0.02, Kind::kCtTrail, false, false, "1.09"},
      {"lambda", "ListFunctions20150331", true, 5, Kind::kLambdaList, false, false, "1.08", "2015-03-31"},
      {"lambda", "GetFunction20150331v2", true, 6, Kind::kLambdaFunction, false, false, "1.08", "2015-03-31"},
      {"lambda", "GetFunctionConfiguration20150331v2", true, 4, Kind::kLambdaFunction, false, false, "1.08", "2015-03-31"},
      {"lambda", "ListVersionsByFunction20150331", true, 1.5, Kind::kLambdaFunction, false, false, "1.08", "2015-03-31"},
      {"lambda", "UpdateFunctionCode20150331v2", false, 0.6, Kind::kLambdaFunction, false, false, "1.08", "2015-03-31"},
      {"lambda", "UpdateFunctionConfiguration20150331v2", false, 0.3, Kind::kLambdaFunction, false, false, "1.08", "2015-03-31"},
      {"lambda", "CreateFunction20150331", false, 0.05, Kind::kLambdaFunction, false, false, "1.08", "2015-03-31"},
      {"lambda", "AddPermission20150331v2", false, 0.1, Kind::kLambdaFunction, false, false, "1.08", "2015-03-31"},
      {"lambda", "Invoke", false, 6, Kind::kLambdaInvoke, true, false, "1.08"},
      {"logs", "DescribeLogGroups", true, 7, Kind::kLogsDescribe, false, false, "1.08"},
      {"logs", "DescribeLogStreams", true, 5, Kind::kLogsGroup, false, false, "1.08"},
      {"logs", "CreateLogGroup", false, 0.3, Kind::kLogsGroup, false, false, "1.08"},
      {"logs", "CreateLogStream", false, 3, Kind::kLogsGroup, false, false, "1.08"},
      {"logs", "PutRetentionPolicy", false, 0.1, Kind::kLogsGroup, false, false, "1.08"},
      {"sns", "Publish", false, 3, Kind::kSnsPublish, true, false, "1.09"},
      {"sns", "ListTopics", true, 2, Kind::kSnsList, false, false, "1.09"},
      {"sns", "GetTopicAttributes", true, 2, Kind::kSnsList, false, false, "1.09"},
      {"dynamodb", "DescribeTable", true, 9, Kind::kDdbTable, false, false, "1.08"},
      {"dynamodb", "ListTables", true, 3, Kind::kDdbList, false, false, "1.08"},
      {"dynamodb", "DescribeContinuousBackups", true, 1, Kind::kDdbTable, false, false, "1.08"},
      {"dynamodb", "UpdateTable", false, 0.1, Kind::kDdbTable, false, false, "1.08"},
      {"signin", "ConsoleLogin", false, 1.2, Kind::kConsoleLogin, false, true, "1.08"},
  };
  return k;
}

// What an AWS service principal does on its own behalf.
struct ServiceDef {
  const char* invoked_by;
  const char* event;
  double weight;
};
const std::vector<ServiceDef>& ServiceCatalog() {
  static const std::vector<ServiceDef> k = {
      {"ec2.amazonaws.com", "AssumeRole", 20},          {"lambda.amazonaws.com", "AssumeRole", 14},
      {"ecs-tasks.amazonaws.com", "AssumeRole", 8},     {"s3.amazonaws.com", "Decrypt", 12},
      {"s3.amazonaws.com", "GenerateDataKey", 10},      {"secretsmanager.amazonaws.com", "Decrypt", 6},
      {"cloudtrail.amazonaws.com", "GetBucketAcl", 6},  {"cloudtrail.amazonaws.com", "GenerateDataKey", 4},
      {"cloudtrail.amazonaws.com", "PutObject", 4},     {"config.amazonaws.com", "DescribeInstances", 3},
      {"autoscaling.amazonaws.com", "DescribeInstanceStatus", 3},
      {"elasticloadbalancing.amazonaws.com", "DescribeNetworkInterfaces", 3},
      {"logs.amazonaws.com", "Decrypt", 2}};
  return k;
}

struct WeightedIndex {
  std::vector<double> cumulative;
  template <class F>
  WeightedIndex(size_t n, F weight) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) cumulative.push_back(total += weight(i));
  }
  size_t Pick(Rng& r) const {
    double x = r.Real() * cumulative.back();
    return std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin();
  }
};

// ---------------------------------------------------------------------------------------
// One record

struct Identity {
  enum Type { kUser, kRole, kService, kRoot } type;
  const User* user = nullptr;
  const Session* session = nullptr;
  const char* invoked_by = nullptr;
  std::string key;
};

class Generator {
 public:
  Generator(const World& w) : w_(w) {
    const auto& cat = Catalog();
    for (size_t i = 0; i < cat.size(); ++i) by_name_.emplace_back(cat[i].name, i);
    all_ = std::make_unique<WeightedIndex>(cat.size(), [&](size_t i) { return cat[i].weight; });
    regional_ = std::make_unique<WeightedIndex>(cat.size(), [&](size_t i) {
      return cat[i].global ? 0.0 : cat[i].weight;
    });
    service_ = std::make_unique<WeightedIndex>(ServiceCatalog().size(),
                                               [&](size_t i) { return ServiceCatalog()[i].weight; });
    root_events_ = {Find("ConsoleLogin"), Find("ListBuckets"), Find("GetAccountSummary"), Find("DescribeInstances"),
                    Find("ListUsers"), Find("CreateAccessKey"), Find("DescribeTrails"), Find("GetBucketPolicy")};
  }

  // Appends one record; returns whether it was a data event / an error.
  void Record(Rng& r, std::string& out, const std::string& region, int64_t t, bool* data, bool* error) {
    const auto& cat = Catalog();
    const bool east = region == "us-east-1";
    Identity id;
    const EventDef* ev;
    double who = r.Real();
    if (who < 0.13) {
      const ServiceDef& s = ServiceCatalog()[service_->Pick(r)];
      id.type = Identity::kService;
      id.invoked_by = s.invoked_by;
      ev = &cat[Find(s.event)];
    } else if (who < 0.145) {
      id.type = Identity::kRoot;
      ev = &cat[root_events_[r.Below(root_events_.size())]];
      if (!east && ev->global) ev = &cat[Find("DescribeInstances")];
      id.key = ev->kind == Kind::kConsoleLogin ? "" : w_.root_key;
    } else if (who < 0.405) {
      id.type = Identity::kUser;
      id.user = &w_.users[r.Zipfish(w_.users.size())];
      ev = &cat[(east ? all_ : regional_)->Pick(r)];
      if (ev->kind == Kind::kConsoleLogin && !id.user->console) ev = &cat[Find("GetCallerIdentity")];
      id.key = ev->kind == Kind::kConsoleLogin ? "" : id.user->keys[r.Below(id.user->keys.size())];
    } else {
      id.type = Identity::kRole;
      id.session = &w_.sessions[r.Zipfish(w_.sessions.size())];
      ev = &cat[(east ? all_ : regional_)->Pick(r)];
      if (ev->kind == Kind::kConsoleLogin) ev = &cat[Find("AssumeRole")];
      id.key = id.session->key;
    }
    *data = ev->data;
    const bool failed = id.type != Identity::kService && r.Chance(0.057);  // ~5 % of all records
    *error = failed;

    ctx_ = Ctx{};
    ctx_.region = &region;
    ctx_.t = t;
    // Client: IP and agent (a principal mostly uses its own).
    std::string source_host = fmt::format("{}.amazonaws.com", ev->source);
    std::string_view ip, agent;
    bool console = false;
    if (id.type == Identity::kService) {
      ip = id.invoked_by;
      agent = id.invoked_by;
    } else {
      uint32_t own_ip = id.user ? id.user->ip : id.session ? id.session->ip : 7;
      uint32_t own_agent = id.user ? id.user->agent : id.session ? id.session->agent : 0;
      ip = w_.ips[r.Chance(0.85) ? own_ip : r.Below(w_.ips.size())];
      console = ev->kind == Kind::kConsoleLogin || id.type == Identity::kRoot ||
                (id.session && w_.roles[id.session->role].name.starts_with("AWSReservedSSO") && r.Chance(0.5));
      if (console)
        agent = w_.console_agents[r.Below(w_.console_agents.size() - 1)];
      else
        agent = w_.Agent(r.Chance(0.8) ? own_agent : static_cast<uint32_t>(r.Below(w_.cli_agents.size() + w_.sdk_agents.size())));
    }

    Obj rec(out);
    rec.Str("eventVersion", ev->version);
    rec.Key("userIdentity");
    WriteIdentity(r, out, id, t, console);
    rec.Str("eventTime", Iso(t));
    rec.Str("eventSource", std::string_view(ev->source) == "signin" ? "signin.amazonaws.com" : source_host);
    rec.Str("eventName", ev->name);
    rec.Str("awsRegion", ev->global ? "us-east-1" : region);
    rec.Str("sourceIPAddress", ip);
    if (ev->kind == Kind::kS3Object || ev->kind == Kind::kS3Bucket || ev->kind == Kind::kS3ListBuckets ||
        ev->kind == Kind::kS3PutBucketPolicy) {
      if (id.type == Identity::kService)
        rec.Str("userAgent", agent);
      else
        rec.Str("userAgent", console ? fmt::format("[S3Console/0.4, aws-internal/3 {}]", agent.substr(0, 40))
                                     : fmt::format("[{}]", agent));
    } else {
      rec.Str("userAgent", agent);
    }
    if (failed) {
      std::string code, message;
      ErrorFor(r, *ev, id, &code, &message);
      if (!code.empty()) rec.Str("errorCode", code);  // failed console sign-ins carry only a message
      rec.Str("errorMessage", message);
    }
    // requestParameters / responseElements / additionalEventData / resources
    std::string params, response = "null", extra, resources;
    Parameters(r, *ev, id, failed, &params, &response, &extra, &resources);
    rec.Raw("requestParameters", params);
    rec.Raw("responseElements", !failed ? response
                                : ev->kind == Kind::kConsoleLogin ? "{\"ConsoleLogin\":\"Failure\"}" : "null");
    if (!extra.empty()) rec.Raw("additionalEventData", extra);
    if (std::string_view(ev->source) == "s3")
      rec.Str("requestID", r.Chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
    else
      rec.Str("requestID", r.Uuid());
    rec.Str("eventID", r.Uuid());
    rec.Bool("readOnly", ev->read_only);
    if (!resources.empty()) rec.Raw("resources", resources);
    rec.Str("eventType", ev->kind == Kind::kConsoleLogin ? "AwsConsoleSignIn" : "AwsApiCall");
    if (ev->api_version) rec.Str("apiVersion", ev->api_version);
    rec.Bool("managementEvent", !ev->data);
    rec.Str("recipientAccountId", w_.account);
    if (id.type == Identity::kService && r.Chance(0.4)) rec.Str("sharedEventID", r.Uuid());
    if (id.type != Identity::kService && r.Chance(0.03))
      rec.Str("vpcEndpointId", "vpce-0" + r.Chars(16, kHex));
    rec.Str("eventCategory", ev->data ? "Data" : "Management");
    if (id.type != Identity::kService && ev->kind != Kind::kConsoleLogin) {
      rec.Key("tlsDetails");
      Obj tls(out);
      bool v13 = r.Chance(0.7);
      tls.Str("tlsVersion", v13 ? "TLSv1.3" : "TLSv1.2")
          .Str("cipherSuite", v13 ? "TLS_AES_128_GCM_SHA256" : "ECDHE-RSA-AES128-GCM-SHA256")
          .Str("clientProvidedHostHeader", ctx_.host.empty() ? HostFor(*ev, region) : ctx_.host);
      tls.End();
    }
    if (console && id.type != Identity::kRoot && ev->kind != Kind::kConsoleLogin)
      rec.Str("sessionCredentialFromConsole", "true");
    rec.End();
  }

 private:
  struct Ctx {
    const std::string* region = nullptr;
    int64_t t = 0;
    std::string host;
  };

  size_t Find(std::string_view name) const {
    for (auto& [n, i] : by_name_)
      if (n == name) return i;
    std::fprintf(stderr, "gen: no event %.*s\n", static_cast<int>(name.size()), name.data());
    std::abort();
  }

  static std::string HostFor(const EventDef& ev, const std::string& region) {
    std::string_view s = ev.source;
    if (ev.global) return fmt::format("{}.amazonaws.com", s);
    return fmt::format("{}.{}.amazonaws.com", s, region);
  }

  std::string Arn(std::string_view service, std::string_view rest, bool regional = true) const {
    return fmt::format("arn:aws:{}:{}:{}:{}", service, regional ? *ctx_.region : "", w_.account, rest);
  }

  void WriteIdentity(Rng& r, std::string& out, const Identity& id, int64_t t, bool console) {
    Obj o(out);
    switch (id.type) {
      case Identity::kService:
        o.Str("type", "AWSService").Str("invokedBy", id.invoked_by);
        break;
      case Identity::kRoot:
        o.Str("type", "Root").Str("principalId", w_.account).Str("arn", fmt::format("arn:aws:iam::{}:root", w_.account));
        o.Str("accountId", w_.account);
        if (!id.key.empty()) {
          o.Str("accessKeyId", id.key);
          o.Key("sessionContext");
          Obj sc(out);
          sc.Raw("attributes", fmt::format("{{\"creationDate\":\"{}\",\"mfaAuthenticated\":\"true\"}}", Iso(t - 600 - r.Below(3000))));
          sc.End();
        }
        break;
      case Identity::kUser: {
        const User& u = *id.user;
        o.Str("type", "IAMUser").Str("principalId", u.principal_id);
        o.Str("arn", fmt::format("arn:aws:iam::{}:user/{}", w_.account, u.name)).Str("accountId", w_.account);
        if (!id.key.empty()) o.Str("accessKeyId", id.key);
        o.Str("userName", u.name);
        if (console && !id.key.empty()) {
          o.Key("sessionContext");
          Obj sc(out);
          sc.Raw("sessionIssuer", "{}").Raw("webIdFederationData", "{}");
          sc.Raw("attributes", fmt::format("{{\"creationDate\":\"{}\",\"mfaAuthenticated\":\"true\"}}", Iso(t - 60 - r.Below(7200))));
          sc.End();
        }
        break;
      }
      case Identity::kRole: {
        const Session& s = *id.session;
        const Role& role = w_.roles[s.role];
        std::string path = role.service_linked ? "aws-service-role/" : role.name.starts_with("AWSReservedSSO") ? "aws-reserved/sso.amazonaws.com/" : "";
        o.Str("type", "AssumedRole").Str("principalId", role.role_id + ":" + s.name);
        o.Str("arn", fmt::format("arn:aws:sts::{}:assumed-role/{}/{}", w_.account, role.name, s.name));
        o.Str("accountId", w_.account).Str("accessKeyId", s.key);
        o.Key("sessionContext");
        Obj sc(out);
        sc.Key("sessionIssuer");
        Obj is(out);
        is.Str("type", "Role").Str("principalId", role.role_id)
            .Str("arn", fmt::format("arn:aws:iam::{}:role/{}{}", w_.account, path, role.name))
            .Str("accountId", w_.account).Str("userName", role.name);
        is.End();
        sc.Raw("webIdFederationData", "{}");
        sc.Raw("attributes", fmt::format("{{\"creationDate\":\"{}\",\"mfaAuthenticated\":\"false\"}}", Iso(t - 30 - r.Below(3500))));
        if (role.name.starts_with("ec2-") || role.name.starts_with("eks-")) sc.Str("ec2RoleDelivery", "2.0");
        sc.End();
        break;
      }
    }
    o.End();
  }

  void ErrorFor(Rng& r, const EventDef& ev, const Identity& id, std::string* code, std::string* message) {
    std::string_view src = ev.source;
    std::string who = id.type == Identity::kUser ? fmt::format("arn:aws:iam::{}:user/{}", w_.account, id.user->name)
                      : id.type == Identity::kRole
                          ? fmt::format("arn:aws:sts::{}:assumed-role/{}/{}", w_.account, w_.roles[id.session->role].name, id.session->name)
                          : fmt::format("arn:aws:iam::{}:root", w_.account);
    double x = r.Real();
    if (x < 0.12) {
      *code = "ThrottlingException";
      *message = "Rate exceeded";
      if (src == "ec2") *code = "Client.RequestLimitExceeded", *message = "Request limit exceeded.";
      return;
    }
    if (src == "ec2") {
      *code = "Client.UnauthorizedOperation";
      *message = "You are not authorized to perform this operation. User: " + who + " is not authorized to perform: ec2:" +
                 ev.name + " because no identity-based policy allows the ec2:" + ev.name + " action";
    } else if (src == "s3") {
      if (std::string_view(ev.name) == "GetBucketPolicy" && x < 0.7) {
        *code = "NoSuchBucketPolicy";
        *message = "The bucket policy does not exist";
      } else if (std::string_view(ev.name) == "GetBucketEncryption" && x < 0.7) {
        *code = "ServerSideEncryptionConfigurationNotFoundError";
        *message = "The server side encryption configuration was not found";
      } else {
        *code = "AccessDenied";
        *message = "Access Denied";
      }
    } else if (src == "iam" && x < 0.5 && ev.kind == Kind::kIamUser) {
      *code = "NoSuchEntityException";
      *message = "The user with name " + w_.users[r.Below(w_.users.size())].name + " cannot be found.";
    } else if (src == "cloudtrail" && x < 0.5 && ev.kind == Kind::kCtTrail) {
      *code = "TrailNotFoundException";
      *message = fmt::format("Unknown trail: {} for the user: {}", Arn("cloudtrail", "trail/old-audit"), w_.account);
    } else if (src == "kms" && x < 0.5) {
      *code = "InvalidCiphertextException";
      *message = "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.";
    } else if (src == "dynamodb" && x < 0.5) {
      *code = "ResourceNotFoundException";
      *message = "Requested resource not found: Table: " + w_.tables[r.Below(w_.tables.size())] + " not found";
    } else if (src == "signin") {
      *code = "";
      *message = "Failed authentication";
    } else {
      *code = "AccessDenied";
      std::string action = fmt::format("{}:{}", src, ev.name);
      *message = "User: " + who + " is not authorized to perform: " + action + " on resource: " +
                 Arn(src, "*") + " because no identity-based policy allows the " + action + " action";
      if (src != "iam" && src != "sts") *code = "AccessDeniedException";
    }
  }

  std::string BucketResource(std::string_view bucket) const {
    return fmt::format("{{\"accountId\":\"{}\",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::{}\"}}", w_.account, bucket);
  }
  std::string S3Extra(Rng& r, int64_t in, int64_t outb) const {
    return fmt::format(
        "{{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":{},"
        "\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"{}=\",\"bytesTransferredOut\":{}}}",
        in, r.Chars(56, kAlnum), outb);
  }

  void Parameters(Rng& r, const EventDef& ev, const Identity& id, bool failed, std::string* params,
                  std::string* response, std::string* extra, std::string* resources) {
    const std::string& region = *ctx_.region;
    std::string_view name = ev.name;
    auto pick = [&](const std::vector<std::string>& v) -> const std::string& { return v[r.Zipfish(v.size())]; };
    switch (ev.kind) {
      case Kind::kEc2Describe: {
        if (name == "DescribeInstances" && r.Chance(0.4))
          *params = fmt::format("{{\"instancesSet\":{{\"items\":[{{\"instanceId\":\"{}\"}}]}},\"filterSet\":{{}}}}", pick(w_.instances));
        else if (name == "DescribeSecurityGroups")
          *params = fmt::format("{{\"securityGroupSet\":{{}},\"securityGroupIdSet\":{{\"items\":[{{\"groupId\":\"{}\"}}]}},\"filterSet\":{{}}}}", pick(w_.security_groups));
        else if (r.Chance(0.5))
          *params = fmt::format("{{\"filterSet\":{{\"items\":[{{\"name\":\"tag:Environment\",\"valueSet\":{{\"items\":[{{\"value\":\"{}\"}}]}}}}]}},\"maxResults\":1000}}",
                                r.Chance(0.5) ? "prod" : "staging");
        else
          *params = "{\"maxResults\":1000,\"filterSet\":{}}";
        break;
      }
      case Kind::kEc2InstanceOp: {
        const std::string& i = pick(w_.instances);
        *params = fmt::format("{{\"instancesSet\":{{\"items\":[{{\"instanceId\":\"{}\"}}]}}}}", i);
        bool start = name == "StartInstances";
        *response = fmt::format(
            "{{\"requestId\":\"{}\",\"instancesSet\":{{\"items\":[{{\"instanceId\":\"{}\",\"currentState\":{{\"code\":{},\"name\":\"{}\"}},"
            "\"previousState\":{{\"code\":{},\"name\":\"{}\"}}}}]}}}}",
            r.Uuid(), i, start ? 0 : 64, start ? "pending" : "stopping", start ? 80 : 16, start ? "stopped" : "running");
        break;
      }
      case Kind::kEc2RunInstances: {
        const std::string& i = w_.instances[r.Below(w_.instances.size())];
        *params = fmt::format(
            "{{\"instancesSet\":{{\"items\":[{{\"imageId\":\"ami-0{}\",\"minCount\":1,\"maxCount\":1}}]}},\"instanceType\":\"{}\","
            "\"blockDeviceMapping\":{{}},\"monitoring\":{{\"enabled\":false}},\"disableApiTermination\":false,"
            "\"disableApiStop\":false,\"clientToken\":\"{}\",\"tagSpecificationSet\":{{\"items\":[{{\"resourceType\":\"instance\","
            "\"tags\":[{{\"key\":\"Name\",\"value\":\"{}\"}}]}}]}}}}",
            r.Chars(16, kHex), r.Chance(0.5) ? "t3.medium" : "m6i.large", r.Uuid(), w_.functions[r.Below(w_.functions.size())]);
        *response = fmt::format(
            "{{\"requestId\":\"{}\",\"reservationId\":\"r-0{}\",\"ownerId\":\"{}\",\"groupSet\":{{}},\"instancesSet\":{{\"items\":[{{"
            "\"instanceId\":\"{}\",\"instanceState\":{{\"code\":0,\"name\":\"pending\"}},\"privateIpAddress\":\"10.0.{}.{}\"}}]}}}}",
            r.Uuid(), r.Chars(16, kHex), w_.account, i, r.Below(256), r.Below(256));
        break;
      }
      case Kind::kEc2CreateTags:
        *params = fmt::format(
            "{{\"resourcesSet\":{{\"items\":[{{\"resourceId\":\"{}\"}}]}},\"tagSet\":{{\"items\":[{{\"key\":\"owner\",\"value\":\"{}\"}}]}}}}",
            pick(w_.instances), w_.users[r.Below(w_.users.size())].name);
        *response = fmt::format("{{\"requestId\":\"{}\",\"_return\":true}}", r.Uuid());
        break;
      case Kind::kEc2SgIngress:
        *params = fmt::format(
            "{{\"groupId\":\"{}\",\"ipPermissions\":{{\"items\":[{{\"ipProtocol\":\"tcp\",\"fromPort\":443,\"toPort\":443,"
            "\"groups\":{{}},\"ipRanges\":{{\"items\":[{{\"cidrIp\":\"10.{}.0.0/16\"}}]}}}}]}}}}",
            pick(w_.security_groups), r.Below(256));
        *response = fmt::format("{{\"requestId\":\"{}\",\"_return\":true}}", r.Uuid());
        break;
      case Kind::kS3ListBuckets:
        ctx_.host = "s3.amazonaws.com";
        *params = "{\"Host\":\"s3.amazonaws.com\"}";
        *extra = S3Extra(r, 0, 6000 + r.Below(4000));
        break;
      case Kind::kS3Bucket:
      case Kind::kS3PutBucketPolicy: {
        const std::string& b = pick(w_.buckets);
        ctx_.host = fmt::format("{}.s3.{}.amazonaws.com", b, region);
        std::string sub = name == "GetBucketLocation" ? "location" : name.ends_with("Acl") ? "acl"
                          : name.ends_with("Policy") ? "policy" : name.ends_with("Versioning") ? "versioning"
                          : name.ends_with("Encryption") ? "encryption" : name.ends_with("Tagging") ? "tagging"
                          : name.ends_with("PublicAccessBlock") ? "publicAccessBlock" : "";
        if (ev.kind == Kind::kS3PutBucketPolicy)
          *params = fmt::format(
              "{{\"bucketPolicy\":{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Sid\":\"DenyInsecureTransport\",\"Effect\":\"Deny\","
              "\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::{0}\",\"arn:aws:s3:::{0}/*\"],"
              "\"Condition\":{{\"Bool\":{{\"aws:SecureTransport\":\"false\"}}}}}}]}},\"bucketName\":\"{0}\",\"Host\":\"{1}\",\"policy\":\"\"}}",
              b, ctx_.host);
        else if (sub.empty())
          *params = fmt::format("{{\"bucketName\":\"{}\",\"Host\":\"{}\"}}", b, ctx_.host);
        else
          *params = fmt::format("{{\"bucketName\":\"{}\",\"Host\":\"{}\",\"{}\":\"\"}}", b, ctx_.host, sub);
        *extra = S3Extra(r, 0, name.starts_with("Get") ? 200 + r.Below(1200) : 0);
        *resources = "[" + BucketResource(b) + "]";
        break;
      }
      case Kind::kS3Object: {
        const std::string& b = pick(w_.buckets);
        ctx_.host = fmt::format("{}.s3.{}.amazonaws.com", b, region);
        std::string key = fmt::format("{}/{:04}/{:02}/{}.{}", r.Chance(0.5) ? "uploads" : "exports", 2020 + r.Below(6),
                                      1 + r.Below(12), r.Uuid(), r.Chance(0.5) ? "json.gz" : "parquet");
        *params = fmt::format("{{\"bucketName\":\"{}\",\"Host\":\"{}\",\"key\":\"{}\"}}", b, ctx_.host, key);
        bool put = name == "PutObject";
        *extra = S3Extra(r, put ? 1000 + r.Below(5000000) : 0, put ? 0 : 1000 + r.Below(5000000));
        if (put) *response = fmt::format("{{\"x-amz-server-side-encryption\":\"AES256\",\"x-amz-version-id\":\"{}\"}}", r.Chars(32, kAlnum));
        *resources = fmt::format("[{{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::{}/{}\"}},{}]", b, key, BucketResource(b));
        break;
      }
      case Kind::kIamList:
        *params = name == "GetAccountSummary" ? "null" : r.Chance(0.5) ? "{\"maxItems\":1000}" : "{\"pathPrefix\":\"/\"}";
        break;
      case Kind::kIamUser: {
        const std::string& u = w_.users[r.Zipfish(w_.users.size())].name;
        if (name == "CreateUser") {
          std::string nu = fmt::format("contractor-{}", r.Below(10000));
          *params = fmt::format("{{\"userName\":\"{}\",\"tags\":[{{\"key\":\"team\",\"value\":\"platform\"}}]}}", nu);
          *response = fmt::format(
              "{{\"user\":{{\"path\":\"/\",\"userName\":\"{0}\",\"userId\":\"AIDA{1}\",\"arn\":\"arn:aws:iam::{2}:user/{0}\",\"createDate\":\"{3}\"}}}}",
              nu, r.Chars(17, kUpperDigits), w_.account, StsExpiration(ctx_.t));
        } else if (name == "DeleteAccessKey") {
          *params = fmt::format("{{\"userName\":\"{}\",\"accessKeyId\":\"AKIA{}\"}}", u, r.Chars(16, kUpperDigits));
        } else {
          *params = fmt::format("{{\"userName\":\"{}\"}}", u);
        }
        break;
      }
      case Kind::kIamCreateAccessKey: {
        const User& u = w_.users[r.Zipfish(w_.users.size())];
        *params = fmt::format("{{\"userName\":\"{}\"}}", u.name);
        *response = fmt::format(
            "{{\"accessKey\":{{\"userName\":\"{}\",\"accessKeyId\":\"AKIA{}\",\"status\":\"Active\",\"createDate\":\"{}\"}}}}",
            u.name, r.Chars(16, kUpperDigits), StsExpiration(ctx_.t));
        break;
      }
      case Kind::kIamRole: {
        const Role& role = w_.roles[r.Zipfish(w_.roles.size())];
        if (name == "UpdateAssumeRolePolicy")
          *params = fmt::format(
              "{{\"roleName\":\"{}\",\"policyDocument\":\"{{\\n  \\\"Version\\\": \\\"2012-10-17\\\",\\n  \\\"Statement\\\": [{{\\\"Effect\\\": "
              "\\\"Allow\\\", \\\"Principal\\\": {{\\\"Service\\\": \\\"ec2.amazonaws.com\\\"}}, \\\"Action\\\": \\\"sts:AssumeRole\\\"}}]\\n}}\"}}",
              role.name);
        else
          *params = fmt::format("{{\"roleName\":\"{}\"}}", role.name);
        break;
      }
      case Kind::kIamAttachRolePolicy:
        *params = fmt::format("{{\"roleName\":\"{}\",\"policyArn\":\"{}\"}}", w_.roles[r.Zipfish(w_.roles.size())].name,
                              w_.policies[r.Below(w_.policies.size())]);
        break;
      case Kind::kIamPolicy:
        *params = name == "GetPolicyVersion"
                      ? fmt::format("{{\"policyArn\":\"{}\",\"versionId\":\"v{}\"}}", w_.policies[r.Below(w_.policies.size())], 1 + r.Below(5))
                      : fmt::format("{{\"policyArn\":\"{}\"}}", w_.policies[r.Below(w_.policies.size())]);
        break;
      case Kind::kKmsCrypto: {
        std::string key = Arn("kms", "key/" + pick(w_.kms_keys));
        std::string b = pick(w_.buckets);
        std::string ctx = id.invoked_by && std::string_view(id.invoked_by) == "cloudtrail.amazonaws.com"
                              ? fmt::format("{{\"aws:cloudtrail:arn\":\"{}\",\"aws:s3:arn\":\"arn:aws:s3:::{}/AWSLogs/{}/CloudTrail/{}/{}.json.gz\"}}",
                                            Arn("cloudtrail", "trail/management-events"), b, w_.account, region, r.Chars(16, kAlnum))
                          : id.invoked_by && std::string_view(id.invoked_by) == "secretsmanager.amazonaws.com"
                              ? fmt::format("{{\"SecretARN\":\"{}\",\"SecretVersionId\":\"{}\"}}", Arn("secretsmanager", "secret:app/db-" + r.Chars(6, kAlnum)), r.Uuid())
                              : fmt::format("{{\"aws:s3:arn\":\"arn:aws:s3:::{}\"}}", b);
        if (name == "Decrypt")
          *params = fmt::format("{{\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"encryptionContext\":{}}}", ctx);
        else if (name == "GenerateDataKey")
          *params = fmt::format("{{\"keyId\":\"{}\",\"encryptionContext\":{},\"keySpec\":\"AES_256\"}}", r.Chance(0.5) ? key : pick(w_.key_aliases), ctx);
        else
          *params = fmt::format("{{\"keyId\":\"{}\",\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"}}", key);
        *resources = fmt::format("[{{\"accountId\":\"{}\",\"type\":\"AWS::KMS::Key\",\"ARN\":\"{}\"}}]", w_.account, key);
        break;
      }
      case Kind::kKmsDescribeKey: {
        if (name == "ListAliases") {
          *params = "{\"limit\":100}";
          break;
        }
        std::string key = Arn("kms", "key/" + pick(w_.kms_keys));
        *params = fmt::format("{{\"keyId\":\"{}\"}}", r.Chance(0.3) ? pick(w_.key_aliases) : key);
        if (name == "ScheduleKeyDeletion")
          *response = fmt::format("{{\"keyId\":\"{}\",\"deletionDate\":\"{}\",\"keyState\":\"PendingDeletion\",\"pendingWindowInDays\":30}}",
                                  key, StsExpiration(ctx_.t + 30 * 86400));
        *resources = fmt::format("[{{\"accountId\":\"{}\",\"type\":\"AWS::KMS::Key\",\"ARN\":\"{}\"}}]", w_.account, key);
        break;
      }
      case Kind::kKmsCreateKey: {
        std::string uuid = r.Uuid();
        *params = "{\"keyUsage\":\"ENCRYPT_DECRYPT\",\"keySpec\":\"SYMMETRIC_DEFAULT\",\"description\":\"application data\",\"origin\":\"AWS_KMS\",\"bypassPolicyLockoutSafetyCheck\":false}";
        *response = fmt::format(
            "{{\"keyMetadata\":{{\"aWSAccountId\":\"{}\",\"keyId\":\"{}\",\"arn\":\"{}\",\"creationDate\":\"{}\",\"enabled\":true,"
            "\"keyUsage\":\"ENCRYPT_DECRYPT\",\"keyState\":\"Enabled\",\"origin\":\"AWS_KMS\",\"keyManager\":\"CUSTOMER\","
            "\"customerMasterKeySpec\":\"SYMMETRIC_DEFAULT\",\"keySpec\":\"SYMMETRIC_DEFAULT\",\"encryptionAlgorithms\":[\"SYMMETRIC_DEFAULT\"],\"multiRegion\":false}}}}",
            w_.account, uuid, Arn("kms", "key/" + uuid), StsExpiration(ctx_.t));
        *resources = fmt::format("[{{\"accountId\":\"{}\",\"type\":\"AWS::KMS::Key\",\"ARN\":\"{}\"}}]", w_.account, Arn("kms", "key/" + uuid));
        break;
      }
      case Kind::kStsAssumeRole: {
        const Session& s = w_.sessions[r.Zipfish(w_.sessions.size())];
        const Role& role = w_.roles[s.role];
        std::string role_arn = fmt::format("arn:aws:iam::{}:role/{}", w_.account, role.name);
        *params = fmt::format("{{\"roleArn\":\"{}\",\"roleSessionName\":\"{}\",\"durationSeconds\":3600}}", role_arn, s.name);
        *response = fmt::format(
            "{{\"credentials\":{{\"accessKeyId\":\"{}\",\"sessionToken\":\"IQoJb3JpZ2luX2VjE{}\",\"expiration\":\"{}\"}},"
            "\"assumedRoleUser\":{{\"assumedRoleId\":\"{}:{}\",\"arn\":\"arn:aws:sts::{}:assumed-role/{}/{}\"}}}}",
            s.key, r.Chars(40, kAlnum), StsExpiration(ctx_.t + 3600), role.role_id, s.name, w_.account, role.name, s.name);
        *resources = fmt::format("[{{\"accountId\":\"{}\",\"type\":\"AWS::IAM::Role\",\"ARN\":\"{}\"}}]", w_.account, role_arn);
        if (!id.invoked_by) ctx_.host = region == "us-east-1" && r.Chance(0.5) ? "sts.amazonaws.com" : fmt::format("sts.{}.amazonaws.com", region);
        break;
      }
      case Kind::kStsCallerIdentity:
        *params = "null";
        break;
      case Kind::kStsSessionToken:
        *params = "{\"durationSeconds\":43200}";
        *response = fmt::format("{{\"credentials\":{{\"accessKeyId\":\"ASIA{}\",\"sessionToken\":\"IQoJb3JpZ2luX2VjE{}\",\"expiration\":\"{}\"}}}}",
                                r.Chars(16, kUpperDigits), r.Chars(40, kAlnum), StsExpiration(ctx_.t + 43200));
        break;
      case Kind::kCtDescribeTrails:
        *params = name == "ListTrails" ? "null" : "{\"trailNameList\":[],\"includeShadowTrails\":true}";
        break;
      case Kind::kCtTrail: {
        std::string trail = Arn("cloudtrail", "trail/" + w_.trails[r.Below(w_.trails.size())]);
        *params = name == "GetEventSelectors" ? fmt::format("{{\"trailName\":\"{}\"}}", trail) : fmt::format("{{\"name\":\"{}\"}}", trail);
        if (name == "PutEventSelectors") {
          *params = fmt::format("{{\"trailName\":\"{}\",\"eventSelectors\":[{{\"readWriteType\":\"All\",\"includeManagementEvents\":true,\"dataResources\":[],\"excludeManagementEventSources\":[]}}]}}", trail);
          *response = fmt::format("{{\"trailARN\":\"{}\",\"eventSelectors\":[{{\"readWriteType\":\"All\",\"includeManagementEvents\":true,\"dataResources\":[],\"excludeManagementEventSources\":[]}}]}}", trail);
        }
        *resources = fmt::format("[{{\"accountId\":\"{}\",\"type\":\"AWS::CloudTrail::Trail\",\"ARN\":\"{}\"}}]", w_.account, trail);
        break;
      }
      case Kind::kCtLookupEvents: {
        static const char* kAttr[] = {"EventName", "Username", "ResourceName", "EventSource", "ReadOnly"};
        static const char* kVal[] = {"ConsoleLogin", "alice", "acme-logs-prod", "iam.amazonaws.com", "false"};
        size_t a = r.Below(5);
        *params = fmt::format("{{\"startTime\":\"{}\",\"endTime\":\"{}\",\"lookupAttributes\":[{{\"attributeKey\":\"{}\",\"attributeValue\":\"{}\"}}],\"maxResults\":50}}",
                              Iso(ctx_.t - 86400), Iso(ctx_.t), kAttr[a], kVal[a]);
        break;
      }
      case Kind::kCtCreateTrail: {
        std::string t = fmt::format("audit-{}", r.Below(1000));
        std::string b = pick(w_.buckets);
        *params = fmt::format("{{\"name\":\"{}\",\"s3BucketName\":\"{}\",\"isMultiRegionTrail\":true,\"enableLogFileValidation\":true}}", t, b);
        *response = fmt::format(
            "{{\"name\":\"{0}\",\"s3BucketName\":\"{1}\",\"includeGlobalServiceEvents\":true,\"isMultiRegionTrail\":true,"
            "\"trailARN\":\"{2}\",\"logFileValidationEnabled\":true,\"isOrganizationTrail\":false}}",
            t, b, Arn("cloudtrail", "trail/" + t));
        break;
      }
      case Kind::kLambdaList:
        *params = "{\"maxItems\":50}";
        break;
      case Kind::kLambdaFunction: {
        const std::string& f = pick(w_.functions);
        *params = fmt::format("{{\"functionName\":\"{}\"}}", f);
        if (name.starts_with("Update") || name.starts_with("Create")) {
          *params = fmt::format("{{\"functionName\":\"{}\",\"publish\":false,\"dryRun\":false,\"architectures\":[\"arm64\"]}}", f);
          *response = fmt::format(
              "{{\"functionName\":\"{0}\",\"functionArn\":\"{1}\",\"runtime\":\"python3.12\",\"role\":\"arn:aws:iam::{2}:role/lambda-exec-ingest\","
              "\"handler\":\"app.handler\",\"codeSize\":{3},\"timeout\":30,\"memorySize\":512,\"lastModified\":\"{4}\",\"codeSha256\":\"{5}=\","
              "\"version\":\"$LATEST\",\"state\":\"Active\",\"lastUpdateStatus\":\"InProgress\",\"packageType\":\"Zip\",\"architectures\":[\"arm64\"]}}",
              f, Arn("lambda", "function:" + f), w_.account, 10000 + r.Below(5000000), Iso(ctx_.t), r.Chars(43, kAlnum));
        }
        if (name.starts_with("AddPermission"))
          *params = fmt::format("{{\"functionName\":\"{}\",\"statementId\":\"s3-invoke\",\"action\":\"lambda:InvokeFunction\",\"principal\":\"s3.amazonaws.com\",\"sourceArn\":\"arn:aws:s3:::{}\"}}",
                                f, pick(w_.buckets));
        break;
      }
      case Kind::kLambdaInvoke: {
        const std::string& f = pick(w_.functions);
        std::string arn = Arn("lambda", "function:" + f);
        *params = fmt::format("{{\"functionName\":\"{}\",\"invocationType\":\"{}\"}}", arn, r.Chance(0.6) ? "RequestResponse" : "Event");
        *extra = fmt::format("{{\"functionVersion\":\"{}:$LATEST\"}}", arn);
        *resources = fmt::format("[{{\"accountId\":\"{}\",\"type\":\"AWS::Lambda::Function\",\"ARN\":\"{}\"}}]", w_.account, arn);
        break;
      }
      case Kind::kLogsGroup: {
        const std::string& g = pick(w_.log_groups);
        if (name == "CreateLogStream")
          *params = fmt::format("{{\"logGroupName\":\"{}\",\"logStreamName\":\"{}/[$LATEST]{}\"}}", g, Iso(ctx_.t).substr(0, 10), r.Chars(32, kHex));
        else if (name == "PutRetentionPolicy")
          *params = fmt::format("{{\"logGroupName\":\"{}\",\"retentionInDays\":30}}", g);
        else if (name == "DescribeLogStreams")
          *params = fmt::format("{{\"logGroupName\":\"{}\",\"orderBy\":\"LastEventTime\",\"descending\":true,\"limit\":50}}", g);
        else
          *params = fmt::format("{{\"logGroupName\":\"{}\"}}", g);
        break;
      }
      case Kind::kLogsDescribe:
        *params = r.Chance(0.5) ? "{\"logGroupNamePrefix\":\"/aws/lambda/\",\"limit\":50}" : "{\"limit\":50}";
        break;
      case Kind::kSnsPublish: {
        std::string topic = Arn("sns", pick(w_.topics));
        *params = fmt::format("{{\"topicArn\":\"{}\",\"message\":\"HIDDEN_DUE_TO_SECURITY_REASONS\",\"subject\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"}}", topic);
        *response = fmt::format("{{\"messageId\":\"{}\"}}", r.Uuid());
        *resources = fmt::format("[{{\"accountId\":\"{}\",\"type\":\"AWS::SNS::Topic\",\"ARN\":\"{}\"}}]", w_.account, topic);
        break;
      }
      case Kind::kSnsList:
        *params = name == "ListTopics" ? "null" : fmt::format("{{\"topicArn\":\"{}\"}}", Arn("sns", pick(w_.topics)));
        break;
      case Kind::kDdbTable: {
        const std::string& t = pick(w_.tables);
        *params = name == "UpdateTable" ? fmt::format("{{\"tableName\":\"{}\",\"billingMode\":\"PAY_PER_REQUEST\"}}", t)
                                        : fmt::format("{{\"tableName\":\"{}\"}}", t);
        *resources = fmt::format("[{{\"accountId\":\"{}\",\"type\":\"AWS::DynamoDB::Table\",\"ARN\":\"{}\"}}]", w_.account, Arn("dynamodb", "table/" + t));
        break;
      }
      case Kind::kDdbList:
        *params = "{\"limit\":100}";
        break;
      case Kind::kConsoleLogin:
        *params = "null";
        *response = failed ? "null" : "{\"ConsoleLogin\":\"Success\"}";
        *extra = fmt::format(
            "{{\"LoginTo\":\"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_{}\","
            "\"MobileVersion\":\"No\",\"MFAIdentifier\":\"arn:aws:iam::{}:mfa/{}\",\"MFAUsed\":\"Yes\"}}",
            r.Chars(16, kHex), w_.account, id.user ? id.user->name : "root-account-mfa-device");
        break;
    }
    if (params->empty()) *params = "null";
  }

  const World& w_;
  std::vector<std::pair<std::string_view, size_t>> by_name_;
  std::unique_ptr<WeightedIndex> all_, regional_, service_;
  std::vector<size_t> root_events_;
  Ctx ctx_;
};

// ---------------------------------------------------------------------------------------

struct FilePlan {
  std::string path;
  std::string region;
  uint64_t first, count;  // record range
  int64_t t0, t1;         // [t0, t1) event times
};

bool WriteAll(const std::string& path, const void* data, size_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return ::close(fd) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes synthetic CloudTrail log files (gzip, {\"Records\":[...]}, AWS layout)"};
  std::string out_dir;
  uint64_t records = 1'000'000, per_file = 1000, seed = 1;
  std::string account = "123456789012";
  double days = 30;
  int64_t end = 0;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int level = 6;
  app.add_option("--out", out_dir, "Output folder")->required();
  app.add_option("--records", records, "Number of records")->capture_default_str();
  app.add_option("--per-file", per_file, "Records per file")->capture_default_str();
  app.add_option("--account", account, "recipientAccountId (12 digits)")->capture_default_str();
  app.add_option("--days", days, "Event times spread over this many days before --end")->capture_default_str();
  app.add_option("--end", end, "Newest event time bound, epoch seconds (default: today 00:00 UTC)");
  app.add_option("--seed", seed, "Seed")->capture_default_str();
  app.add_option("--threads", threads, "Worker threads")->capture_default_str();
  app.add_option("--level", level, "gzip level (libdeflate 1-12)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (account.size() != 12 || account.find_first_not_of("0123456789") != std::string::npos) {
    std::fprintf(stderr, "gen: --account must be 12 digits\n");
    return 2;
  }
  if (per_file == 0 || records == 0 || days <= 0) {
    std::fprintf(stderr, "gen: --records, --per-file and --days must be positive\n");
    return 2;
  }
  if (end == 0) end = std::time(nullptr) / 86400 * 86400;
  const int64_t span = static_cast<int64_t>(days * 86400);
  const int64_t start = end - span;
  const uint64_t nfiles = (records + per_file - 1) / per_file;

  auto t_begin = std::chrono::steady_clock::now();
  World world(seed, account);

  // Plan every file (single-threaded, so directories exist before the workers run).
  std::vector<FilePlan> plans(nfiles);
  {
    Rng r(seed ^ 0x5eedf11e5ULL);
    for (uint64_t f = 0; f < nfiles; ++f) {
      FilePlan& p = plans[f];
      p.first = f * per_file;
      p.count = std::min(per_file, records - p.first);
      p.t0 = start + static_cast<int64_t>(static_cast<long double>(span) * f / nfiles);
      p.t1 = start + static_cast<int64_t>(static_cast<long double>(span) * (f + 1) / nfiles);
      if (p.t1 <= p.t0) p.t1 = p.t0 + 1;
      p.region = r.Chance(0.85) ? "us-east-1" : "eu-west-1";
      std::time_t tt = static_cast<std::time_t>(p.t1);
      std::tm tm;
      gmtime_r(&tt, &tm);
      fs::path dir = fs::path(out_dir) / "AWSLogs" / account / "CloudTrail" / p.region /
                     fmt::format("{:04}", tm.tm_year + 1900) / fmt::format("{:02}", tm.tm_mon + 1) /
                     fmt::format("{:02}", tm.tm_mday);
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) {
        std::fprintf(stderr, "gen: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
        return 1;
      }
      p.path = (dir / fmt::format("{}_CloudTrail_{}_{:04}{:02}{:02}T{:02}{:02}Z_{}.json.gz", account, p.region,
                                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                  r.Chars(16, kAlnum)))
                   .string();
    }
  }

  std::atomic<uint64_t> next{0}, json_bytes{0}, gz_bytes{0}, data_events{0}, errors{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    Generator gen(world);
    libdeflate_compressor* c = libdeflate_alloc_compressor(level);
    std::string json, gz;
    uint64_t my_json = 0, my_gz = 0, my_data = 0, my_err = 0;
    for (;;) {
      uint64_t f = next.fetch_add(1);
      if (f >= nfiles || failed) break;
      const FilePlan& p = plans[f];
      uint64_t s = seed * 0x9e3779b97f4a7c15ULL + f;
      Rng r(SplitMix(s));
      json.clear();
      json.reserve(p.count * 1600 + 64);
      json += "{\"Records\":[";
      for (uint64_t i = 0; i < p.count; ++i) {
        if (i) json += ',';
        int64_t t = p.t0 + static_cast<int64_t>(r.Below(static_cast<uint64_t>(p.t1 - p.t0)));
        bool d, e;
        gen.Record(r, json, p.region, t, &d, &e);
        my_data += d;
        my_err += e;
      }
      json += "]}";
      gz.resize(libdeflate_gzip_compress_bound(c, json.size()));
      size_t n = libdeflate_gzip_compress(c, json.data(), json.size(), gz.data(), gz.size());
      if (n == 0 || !WriteAll(p.path, gz.data(), n)) {
        std::fprintf(stderr, "gen: cannot write %s\n", p.path.c_str());
        failed = true;
        break;
      }
      my_json += json.size();
      my_gz += n;
    }
    libdeflate_free_compressor(c);
    json_bytes += my_json;
    gz_bytes += my_gz;
    data_events += my_data;
    errors += my_err;
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < std::max(1, threads); ++i) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  if (failed) return 1;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_begin).count();
  std::printf("generated %llu records in %llu files under %s: %.0f MB JSON, %.0f MB gzip, %.0f bytes/record, "
              "%.1f%% data events, %.1f%% errors, %.1f s\n",
              (unsigned long long)records, (unsigned long long)nfiles, out_dir.c_str(), json_bytes / 1e6,
              gz_bytes / 1e6, double(json_bytes) / records, 100.0 * data_events / records, 100.0 * errors / records, secs);
  std::printf("RESULT records=%llu data_events=%llu errors=%llu files=%llu json_bytes=%llu gz_bytes=%llu "
              "avg_record_bytes=%.0f seconds=%.2f first_time=%lld last_time=%lld\n",
              (unsigned long long)records, (unsigned long long)data_events.load(), (unsigned long long)errors.load(),
              (unsigned long long)nfiles, (unsigned long long)json_bytes.load(), (unsigned long long)gz_bytes.load(),
              double(json_bytes) / records, secs, (long long)start, (long long)end - 1);
  return 0;
}
