// cli/prove_event_command.cc — `opentrail prove-event` and `opentrail verify-proof`:
// per-event inclusion proofs (integrity.md §12, integrity/merkle.h).
//
//   opentrail prove-event EVENT_ID --trail-arn ARN [--event-time T] [--region R]
//       [--s3-bucket B] [--s3-prefix P] [--account-id A] [--search-days N] [--output FILE]
//       [--endpoint URL] [--s3-endpoint URL] [--data-dir DIR]
//   opentrail verify-proof PROOF_FILE [--public-key VALUE | --public-key-file FILE]
//
// prove-event works through the APIs only, like validate-logs: the event's time from
// LookupEvents (or --event-time, for events outside event history), the signed tree roots
// of the trail's bucket from the delivery day on, the one log file that holds the event and
// the interval's leaf hashes; never the interval's other log files. verify-proof needs no
// server: the proof carries the record, the audit path and the signed root.
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
#include "common/crypto.h"
#include "common/time.h"
#include "integrity/merkle.h"

namespace ot::cli {

namespace {

namespace vl = validate_logs;
namespace json = boost::json;

constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kMaxProofBytes = 16u << 20;

struct ProveFlags {
  std::string event_id;
  std::string trail_arn;
  std::string event_time;
  std::string region;
  std::string s3_bucket, s3_prefix, account_id;
  bool has_bucket = false, has_prefix = false;
  int search_days = 7;
  std::string output;
  std::string endpoint, s3_endpoint;
  std::string data_dir = std::string(kDefaultDataDir);
  bool data_dir_explicit = false;
};

struct VerifyFlags {
  std::string proof_file;
  std::string public_key;
  std::string public_key_file;
};

// Thrown inside the run only, caught at its top: a message and the exit code.
struct Stop {
  std::string message;
  int code;
};

std::string YmdPath(int64_t ms) {
  std::string iso = FormatIso8601(ms / 1000);  // YYYY-MM-DDTHH:MM:SSZ
  return iso.substr(0, 4) + "/" + iso.substr(5, 2) + "/" + iso.substr(8, 2);
}

// The event's time (ms) from LookupEvents in `region`, nullopt when event history has no
// such event.
std::optional<int64_t> LookupEventTime(const vl::HttpBackendConfig& config, const std::string& event_id) {
  ApiClientOptions options;
  options.region = config.region;
  options.service = "cloudtrail";
  ApiClient client(config.cloudtrail_endpoint, config.credentials, options);
  std::string body = json::serialize(json::object{
      {"LookupAttributes", json::array{json::object{{"AttributeKey", "EventId"}, {"AttributeValue", event_id}}}}});
  RawHttpRequest req;
  req.method = "POST";
  req.target = "/";
  req.headers = {{"Content-Type", std::string(kJsonContentType)},
                 {"X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"}};
  req.body = body;
  auto r = client.SendRequest(req);
  if (!r.ok()) throw Stop{"LookupEvents: " + DescribeStatus(r.status()), 255};
  if (r->status / 100 != 2) throw Stop{"LookupEvents: " + DescribeStatus(ParseErrorBody(r->status, r->body)), 255};
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) throw Stop{"LookupEvents: unreadable answer", 255};
  auto* events = v.get_object().if_contains("Events");
  if (!events || !events->is_array() || events->get_array().empty()) return std::nullopt;
  const auto& e = events->get_array().front();
  auto* t = e.is_object() ? e.get_object().if_contains("EventTime") : nullptr;
  if (!t || !t->is_number()) throw Stop{"LookupEvents: event without EventTime", 255};
  return static_cast<int64_t>(t->to_number<double>() * 1000);
}

class Prover {
 public:
  Prover(const ProveFlags& flags, vl::Backend* backend, vl::HttpBackendConfig config)
      : flags_(flags), backend_(backend), config_(std::move(config)) {}

  integrity::InclusionProof Run() {
    auto arn = vl::ParseTrailArn(flags_.trail_arn);
    if (!arn) throw Stop{"Invalid trail ARN provided: " + flags_.trail_arn, 255};
    ResolveScope(*arn);
    int64_t event_ms = EventTime();
    bucket_region_ = BucketRegion();
    std::string base = vl::DigestListPrefix(scope_);
    base.replace(base.rfind("CloudTrail-Digest"), std::string_view("CloudTrail-Digest").size(), "CloudTrail-Merkle");
    int64_t now_ms = NowMillis();
    int64_t first_day = event_ms / kDayMs * kDayMs;
    for (int64_t day = first_day; day <= std::min(now_ms, first_day + flags_.search_days * kDayMs); day += kDayMs) {
      for (const auto& key : ListRoots(base + "/" + YmdPath(day) + "/")) {
        auto proof = TryRoot(key, event_ms);
        if (proof) return std::move(*proof);
      }
    }
    throw Stop{"event " + flags_.event_id + " was not found in the signed trees of s3://" + bucket_ + "/" + base +
                   "/ delivered within " + std::to_string(flags_.search_days) +
                   " days of its time (was it delivered by this trail with log file validation on, and is its "
                   "interval's digest written yet?)",
               1};
  }

 private:
  void ResolveScope(const vl::TrailArn& arn) {
    std::string org_id;
    if (!flags_.has_bucket) {
      auto trails = backend_->DescribeTrails();
      if (!trails.ok()) throw Stop{"DescribeTrails: " + DescribeStatus(trails.status()), 255};
      const vl::TrailInfo* found = nullptr;
      for (const auto& t : *trails)
        if (t.trail_arn == flags_.trail_arn) found = &t;
      if (!found) throw Stop{"A trail could not be found for " + flags_.trail_arn, 255};
      bucket_ = found->s3_bucket;
      scope_.prefix = found->s3_key_prefix.value_or("");
      if (found->is_organization_trail) {
        if (flags_.account_id.empty())
          throw Stop{"Missing required parameter for organization trail: '--account-id'", 255};
        auto id = backend_->DescribeOrganizationId();
        if (!id.ok()) throw Stop{"DescribeOrganization: " + DescribeStatus(id.status()), 255};
        org_id = *id;
      }
    } else {
      bucket_ = flags_.s3_bucket;
    }
    if (flags_.has_prefix) scope_.prefix = flags_.s3_prefix;
    scope_.organization_id = org_id;
    scope_.account_id = flags_.account_id.empty() ? arn.account_id : flags_.account_id;
    scope_.trail_name = arn.name;
    scope_.home_region = arn.home_region;
    scope_.source_region = config_.region;
  }

  int64_t EventTime() {
    if (!flags_.event_time.empty()) {
      auto t = vl::ParseTime(flags_.event_time);
      if (!t) throw Stop{"Unable to parse date value: " + flags_.event_time, 255};
      return *t / 1000;
    }
    auto t = LookupEventTime(config_, flags_.event_id);
    if (!t)
      throw Stop{"event " + flags_.event_id + " is not in the event history of " + config_.region +
                     " (data events never are): give its time with --event-time",
                 1};
    return *t;
  }

  std::string BucketRegion() {
    auto loc = backend_->GetBucketLocation(bucket_);
    if (!loc.ok()) throw Stop{"GetBucketLocation: " + DescribeStatus(loc.status()), 255};
    return loc->empty() ? "us-east-1" : *loc;
  }

  std::vector<std::string> ListRoots(const std::string& prefix) {
    std::vector<std::string> keys;
    std::string marker;
    for (;;) {
      auto page = backend_->ListObjects(bucket_, bucket_region_, prefix, marker);
      if (!page.ok()) throw Stop{"ListObjects: " + DescribeStatus(page.status()), 255};
      for (auto& k : page->keys)
        if (k.ends_with(".json.gz")) keys.push_back(k);
      if (!page->truncated || page->keys.empty()) break;
      marker = page->next_marker.empty() ? page->keys.back() : page->next_marker;
    }
    return keys;
  }

  std::string Fetch(const std::string& key, const char* what) {
    auto obj = backend_->GetObject(bucket_, bucket_region_, key);
    if (!obj.ok()) throw Stop{std::string("GetObject (") + what + ") s3://" + bucket_ + "/" + key + ": " +
                                  DescribeStatus(obj.status()), 255};
    std::string plain;
    if (!vl::GunzipFirstMember(obj->body, &plain))
      throw Stop{std::string(what) + " s3://" + bucket_ + "/" + key + " is not gzip", 1};
    return plain;
  }

  // Where in this log file the event is (index among its records), with the record's bytes.
  std::optional<std::pair<uint64_t, std::string>> FindRecord(const std::string& content) {
    std::vector<RecordSpan> spans;
    if (!SplitRecords(content, &spans)) return std::nullopt;
    for (size_t i = 0; i < spans.size(); ++i) {
      std::string_view record(content.data() + spans[i].offset, spans[i].size);
      if (record.find(flags_.event_id) == std::string_view::npos) continue;
      boost::system::error_code ec;
      json::value v = json::parse(record, ec);
      if (ec || !v.is_object()) continue;
      auto* id = v.get_object().if_contains("eventID");
      if (id && id->is_string() && id->get_string() == flags_.event_id) return std::make_pair(i, std::string(record));
    }
    return std::nullopt;
  }

  std::optional<integrity::InclusionProof> TryRoot(const std::string& root_key, int64_t event_ms) {
    auto root = integrity::ParseMerkleRootJson(Fetch(root_key, "tree root"));
    if (!root.ok()) throw Stop{"s3://" + bucket_ + "/" + root_key + ": " + DescribeStatus(root.status()), 1};
    if (root->end_ms + 1000 < event_ms) return std::nullopt;  // delivered before the event happened
    int64_t event_second = event_ms / 1000 * 1000;
    for (const auto& file : root->files) {
      if (event_second < file.oldest_event_ms || event_second > file.newest_event_ms) continue;
      if (file.bucket != bucket_) continue;
      auto found = FindRecord(Fetch(file.key, "log file"));
      if (!found) continue;
      return Prove(root_key, *root, file, found->first, std::move(found->second));
    }
    return std::nullopt;
  }

  integrity::InclusionProof Prove(const std::string& root_key, const integrity::MerkleRoot& root,
                                  const integrity::MerkleFileRange& file, uint64_t index_in_file, std::string record) {
    if (index_in_file >= file.leaf_count)
      throw Stop{"s3://" + bucket_ + "/" + file.key + " holds more records than its tree lists: altered", 1};
    std::string leaves = Fetch(root.leaves_key, "leaf hashes");
    if (leaves.size() != root.tree_size * integrity::kHashSize ||
        HexEncode(integrity::MerkleTreeHash(leaves)) != root.root_hex) {
      throw Stop{"s3://" + bucket_ + "/" + root.leaves_key + " does not hash to the signed root: altered", 1};
    }
    uint64_t index = file.first_leaf + index_in_file;
    if (leaves.substr(index * integrity::kHashSize, integrity::kHashSize) != integrity::MerkleLeafHash(record)) {
      throw Stop{"the record of " + flags_.event_id + " in s3://" + bucket_ + "/" + file.key +
                     " is not the one delivered (its hash is not leaf " + std::to_string(index) + "): altered",
                 1};
    }
    integrity::InclusionProof proof;
    proof.event_id = flags_.event_id;
    proof.record = std::move(record);
    proof.log_bucket = bucket_;
    proof.log_key = file.key;
    proof.leaf_index = index;
    proof.audit_path = integrity::MerkleAuditPath(leaves, index);
    proof.root = root;
    proof.root.files.clear();
    proof.merkle_key = root_key;
    auto keys = backend_->ListPublicKeys(root.end_ms / 1000 - 86'400, root.end_ms / 1000 + 86'400);
    if (!keys.ok()) throw Stop{"ListPublicKeys: " + DescribeStatus(keys.status()), 255};
    for (const auto& k : *keys)
      if (k.fingerprint == root.fingerprint) proof.public_key = k.value;
    if (proof.public_key.empty())
      throw Stop{"ListPublicKeys has no key with fingerprint " + root.fingerprint, 1};
    Status checked = integrity::VerifyInclusionProof(proof, proof.public_key);
    if (!checked.ok()) throw Stop{"the proof does not verify: " + checked.message(), 1};
    return proof;
  }

  const ProveFlags& flags_;
  vl::Backend* backend_;
  vl::HttpBackendConfig config_;
  vl::DigestScope scope_;
  std::string bucket_, bucket_region_;
};

int RunProveEvent(const ProveFlags& flags) {
  signal(SIGPIPE, SIG_IGN);
  try {
    auto config = ResolveHttpBackendConfig(
        {flags.endpoint, flags.s3_endpoint, flags.data_dir, flags.data_dir_explicit, flags.region, flags.trail_arn});
    if (!config.ok()) throw Stop{DescribeStatus(config.status()), 255};
    config->max_connections = 2;
    auto copy = *config;
    auto backend = vl::MakeHttpBackend(std::move(copy));
    auto proof = Prover(flags, backend.get(), std::move(*config)).Run();
    std::string text = integrity::InclusionProofJson(proof);
    if (flags.output.empty() || flags.output == "-") {
      std::fwrite(text.data(), 1, text.size(), stdout);
    } else {
      std::string tmp = flags.output + ".tmp";
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
      out.close();
      if (!out || std::rename(tmp.c_str(), flags.output.c_str()) != 0)
        throw Stop{"cannot write " + flags.output, 255};
    }
    std::fprintf(stderr, "event %s: leaf %llu of %llu in the tree signed for s3://%s/%s\n", flags.event_id.c_str(),
                 static_cast<unsigned long long>(proof.leaf_index), static_cast<unsigned long long>(proof.root.tree_size),
                 proof.root.digest_bucket.c_str(), proof.root.digest_key.c_str());
    return 0;
  } catch (const Stop& stop) {
    std::fflush(stdout);
    std::fprintf(stderr, "opentrail prove-event: %s\n", stop.message.c_str());
    return stop.code;
  }
}

Result<std::string> ReadBounded(const std::string& path) {
  std::string data;
  if (path == "-") {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
      data.append(buf, n);
      if (data.size() > kMaxProofBytes) return Status::Error(kErrFileTooLarge, path + ": larger than 16 MiB");
    }
    return data;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(kErrFileRead, "cannot read " + path);
  std::vector<char> buf(65536);
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
    data.append(buf.data(), static_cast<size_t>(in.gcount()));
    if (data.size() > kMaxProofBytes) return Status::Error(kErrFileTooLarge, path + ": larger than 16 MiB");
  }
  return data;
}

// A --public-key-file: a ListPublicKeys answer (the key of `fingerprint` is taken) or one
// bare Value.
Result<std::string> KeyFromFile(const std::string& path, const std::string& fingerprint) {
  auto text = ReadBounded(path);
  if (!text.ok()) return text.status();
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (!ec && v.is_object()) {
    auto* list = v.get_object().if_contains("PublicKeyList");
    if (list && list->is_array()) {
      for (const auto& k : list->get_array()) {
        if (!k.is_object()) continue;
        auto* f = k.get_object().if_contains("Fingerprint");
        auto* value = k.get_object().if_contains("Value");
        if (f && f->is_string() && value && value->is_string() && f->get_string() == fingerprint)
          return std::string(value->get_string());
      }
      return Status::Error("KeyNotFound", path + " has no key with fingerprint " + fingerprint);
    }
  }
  std::string value = *text;
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  return value;
}

int RunVerifyProof(const VerifyFlags& flags) {
  auto text = ReadBounded(flags.proof_file);
  if (!text.ok()) {
    std::fprintf(stderr, "opentrail verify-proof: %s\n", DescribeStatus(text.status()).c_str());
    return 255;
  }
  auto proof = integrity::ParseInclusionProofJson(*text);
  if (!proof.ok()) {
    std::printf("Proof INVALID: %s\n", proof.status().message().c_str());
    return 1;
  }
  std::string key = proof->public_key;
  std::string key_source = "the key inside the proof: compare its fingerprint with ListPublicKeys";
  if (!flags.public_key.empty()) {
    key = flags.public_key;
    key_source = "the given public key";
  } else if (!flags.public_key_file.empty()) {
    auto k = KeyFromFile(flags.public_key_file, proof->root.fingerprint);
    if (!k.ok()) {
      std::fprintf(stderr, "opentrail verify-proof: %s\n", DescribeStatus(k.status()).c_str());
      return 255;
    }
    key = *k;
    key_source = "the key from " + flags.public_key_file;
  }
  Status s = integrity::VerifyInclusionProof(*proof, key);
  if (!s.ok()) {
    std::printf("Proof INVALID: %s\n", s.message().c_str());
    return 1;
  }
  std::printf(
      "Proof valid: event %s is leaf %llu of %llu of the tree whose root %s is signed, with %s, for the digest "
      "s3://%s/%s (interval ending %s)\nPublic key fingerprint %s (%s)\n",
      proof->event_id.c_str(), static_cast<unsigned long long>(proof->leaf_index),
      static_cast<unsigned long long>(proof->root.tree_size), proof->root.root_hex.c_str(), "SHA256withRSA",
      proof->root.digest_bucket.c_str(), proof->root.digest_key.c_str(),
      FormatIso8601(proof->root.end_ms / 1000).c_str(), proof->root.fingerprint.c_str(), key_source.c_str());
  return 0;
}

}  // namespace

void AddProveEventCommand(CLI::App& app) {
  auto flags = std::make_shared<ProveFlags>();
  auto* cmd = app.add_subcommand(
      "prove-event",
      "Print a proof that one event is part of a trail's signed log files (a Merkle inclusion proof, "
      "checkable offline with `opentrail verify-proof`)");
  cmd->footer(
      "Needs a trail with log file validation: each digest interval's events form an RFC 6962\n"
      "Merkle tree whose root is signed next to the digest (CloudTrail-Merkle/). The proof holds the\n"
      "event's record, about log2(n) hashes and the signed root. The event's time comes from\n"
      "LookupEvents in --region, or from --event-time (data events are not in event history).\n"
      "Endpoint and credentials as for validate-logs. Exit status: 0 proof printed; 1 the event\n"
      "or its tree was not found, or something in the bucket was altered; 255 could not search.");
  cmd->add_option("EVENT_ID", flags->event_id, "eventID of the event")->required();
  cmd->add_option("--trail-arn", flags->trail_arn, "ARN of the trail that delivered the event")
      ->required()
      ->envname("OPENTRAIL_TRAIL_ARN");
  cmd->add_option("--event-time", flags->event_time, "The event's time (default: from LookupEvents)");
  cmd->add_option("--region", flags->region, "Region of the event (default: environment, else the trail's home)")
      ->envname("OPENTRAIL_REGION");
  auto* bucket = cmd->add_option("--s3-bucket", flags->s3_bucket, "Bucket of the trail's files (default: the trail's)");
  auto* prefix = cmd->add_option("--s3-prefix", flags->s3_prefix, "Key prefix of the trail's files (default: the trail's)");
  cmd->add_option("--account-id", flags->account_id, "Account of the event (organization trails: a member account)");
  cmd->add_option("--search-days", flags->search_days, "Days after the event's day to search for its delivery")
      ->check(CLI::Range(0, 400))
      ->capture_default_str();
  cmd->add_option("--output", flags->output, "Write the proof here (default: standard output)");
  cmd->add_option("--endpoint", flags->endpoint, "URL of the opentrail server (default http://127.0.0.1:4580)");
  cmd->add_option("--s3-endpoint", flags->s3_endpoint, "URL of the S3 endpoint holding the files (default: --endpoint)")
      ->envname("OPENTRAIL_S3_ENDPOINT");
  auto* data_dir = cmd->add_option("--data-dir", flags->data_dir, "Data directory of the server (for DIR/credentials)")
                       ->envname("OPENTRAIL_DATA_DIR")
                       ->capture_default_str();
  cmd->callback([flags, bucket, prefix, data_dir] {
    flags->has_bucket = bucket->count() > 0;
    flags->has_prefix = prefix->count() > 0;
    flags->data_dir_explicit = data_dir->count() > 0;
    SetExitCode(RunProveEvent(*flags));
  });

  auto vflags = std::make_shared<VerifyFlags>();
  auto* verify = app.add_subcommand("verify-proof",
                                    "Check an event's inclusion proof (from `opentrail prove-event`) offline");
  verify->footer(
      "Checks that the record is the event, that its audit path leads to the tree root, and that\n"
      "the root's SHA256withRSA signature verifies with the public key of the root's fingerprint.\n"
      "Give the key (--public-key VALUE, or --public-key-file with a ListPublicKeys answer) to\n"
      "trust nothing in the proof; otherwise the key inside it is used and its fingerprint shown.\n"
      "Exit status: 0 valid; 1 INVALID; 255 the file or key could not be read.");
  verify->add_option("PROOF_FILE", vflags->proof_file, "The proof (- for standard input)")->required();
  auto* key = verify->add_option("--public-key", vflags->public_key, "ListPublicKeys Value of the signing key");
  verify->add_option("--public-key-file", vflags->public_key_file,
                     "A ListPublicKeys answer (JSON) or one key Value")
      ->excludes(key);
  verify->callback([vflags] { SetExitCode(RunVerifyProof(*vflags)); });
}

}  // namespace ot::cli
