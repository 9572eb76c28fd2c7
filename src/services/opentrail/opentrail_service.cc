#include "services/opentrail/opentrail_service.h"

#include "common/json_writer.h"

namespace ot::services {

namespace json = boost::json;

namespace {
constexpr size_t kMaxReportedErrors = 1000;

std::string DedupId(std::string_view account, std::string_view event_id) {
  std::string k(account);
  k.push_back('\0');
  k.append(event_id);
  return k;
}
}  // namespace

OpenTrailService::OpenTrailService(auth::IdentityStore* identities, journal::Journal* journal,
                                   history::HistoryIndex* history)
    : identities_(identities), journal_(journal), history_(history) {
  protocol_.protocol = http::Protocol::kJson11;
}

std::vector<std::string> OpenTrailService::Operations() const {
  return {"CreateAccount", "IngestRecords"};
}

bool OpenTrailService::Serves(std::string_view op) const {
  return op == "CreateAccount" || op == "IngestRecords";
}

Status OpenTrailService::Handle(Call& call) {
  if (call.operation == "IngestRecords") return IngestRecords(call);
  if (call.operation == "CreateAccount") return CreateAccount(call);
  return Status::Error("UnknownOperationException", "Unknown operation " + call.operation, 400);
}

bool OpenTrailService::IsManagementRoot(const auth::Principal& p) const {
  auto management = identities_->ManagementAccountId();
  return p.is_root() && management && p.account_id == *management;
}

Status OpenTrailService::IngestRecords(Call& call) {
  const auth::Principal& principal = *call.principal;
  const std::string& body = call.http->body;
  call.request_parameters = json::object{{"contentLength", body.size()}};
  // The management root imports for any account; another account's root only its own
  // records. (IAM principals arrive with the IAM policy engine.)
  bool any_account = IsManagementRoot(principal);
  if (!principal.is_root())
    return Status::Error("AccessDeniedException",
                         "User: " + principal.arn + " is not authorized to perform: opentrail:IngestRecords", 403);

  ingest::ParsedFile parsed;
  ingest::Limits limits;
  OT_RETURN_IF_ERROR(ingest::ParseLogFile(body, limits, &parsed));

  std::vector<std::string> accepted;
  std::vector<std::string> accepted_keys;
  size_t duplicates = 0;
  accepted.reserve(parsed.records.size());
  {
    std::lock_guard lock(ingest_mu_);
    // Forget pending ids that history has indexed since.
    uint64_t indexed = history_->IndexedThrough();
    size_t keep = 0;
    for (auto& b : pending_batches_) {
      if (b.last_sequence <= indexed) {
        for (auto& k : b.keys) pending_.erase(k);
      } else {
        pending_batches_[keep++] = std::move(b);
      }
    }
    pending_batches_.resize(keep);

    std::unordered_set<std::string> in_this_file;
    for (auto& r : parsed.records) {
      if (!any_account && r.account_id != principal.account_id) {
        parsed.errors.push_back({r.index, r.event_id,
                                 "recipientAccountId " + r.account_id + " is not the caller's account"});
        continue;
      }
      std::string key = DedupId(r.account_id, r.event_id);
      if (in_this_file.count(key) || pending_.count(key)) {
        ++duplicates;
        continue;
      }
      auto known = history_->HasEventId(r.account_id, r.event_id);
      if (!known.ok()) return known.status();
      if (*known) {
        ++duplicates;
        continue;
      }
      in_this_file.insert(key);
      accepted_keys.push_back(std::move(key));
      accepted.push_back(std::move(r.json));
    }
    if (!accepted.empty()) {
      uint64_t first = 0;
      OT_RETURN_IF_ERROR(journal_->AppendBatch(accepted, &first));
      for (auto& k : accepted_keys) pending_.insert(k);
      pending_batches_.push_back({first + accepted.size() - 1, std::move(accepted_keys)});
    }
  }

  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("Accepted").Int(static_cast<int64_t>(accepted.size()));
  w.Key("Duplicates").Int(static_cast<int64_t>(duplicates));
  w.Key("Rejected").Int(static_cast<int64_t>(parsed.errors.size()));
  w.Key("Errors").BeginArray();
  for (size_t i = 0; i < parsed.errors.size() && i < kMaxReportedErrors; ++i) {
    const auto& e = parsed.errors[i];
    w.BeginObject();
    w.Key("Index").Int(static_cast<int64_t>(e.index));
    if (!e.event_id.empty()) w.Key("EventId").String(e.event_id);
    w.Key("Message").String(e.message);
    w.EndObject();
  }
  w.EndArray();
  w.Key("ErrorsTruncated").Bool(parsed.errors.size() > kMaxReportedErrors);
  w.EndObject();
  call.json_output_text = std::move(out);
  call.response_elements = json::object{{"accepted", accepted.size()},
                                        {"duplicates", duplicates},
                                        {"rejected", parsed.errors.size()}};
  return Status::Ok();
}

Status OpenTrailService::CreateAccount(Call& call) {
  const json::object& in = call.json_input;
  std::string id, name;
  bool org_member = false;
  json::object logged;
  if (auto* v = in.if_contains("AccountId"); v && !v->is_null()) {
    if (!v->is_string()) return Status::Error("SerializationException", "AccountId must be a string.", 400);
    id = std::string(v->get_string());
    logged["accountId"] = id;
  }
  if (auto* v = in.if_contains("Name"); v && !v->is_null()) {
    if (!v->is_string()) return Status::Error("SerializationException", "Name must be a string.", 400);
    name = std::string(v->get_string());
    logged["name"] = name;
  }
  if (auto* v = in.if_contains("OrgMember"); v && !v->is_null()) {
    if (!v->is_bool()) return Status::Error("SerializationException", "OrgMember must be a boolean.", 400);
    org_member = v->get_bool();
    logged["orgMember"] = org_member;
  }
  call.request_parameters = logged.empty() ? json::value(nullptr) : json::value(logged);
  if (!IsManagementRoot(*call.principal) || call.principal->temporary)
    return Status::Error("AccessDeniedException",
                         "Only the management account's root user can create accounts.", 403);
  if (!id.empty()) {
    bool digits = id.size() == 12;
    for (char c : id) digits &= c >= '0' && c <= '9';
    if (!digits) return Status::Error("InvalidParameterException", "AccountId must be 12 digits.", 400);
  }
  if (name.size() > 50)
    return Status::Error("InvalidParameterException", "Name must be at most 50 characters.", 400);
  auto account = identities_->CreateAccount(id, name, /*management=*/false, org_member);
  if (!account.ok()) {
    if (account.status().code() == "AccountAlreadyExists")
      return Status::Error("AccountAlreadyExistsException", account.status().message(), 409);
    return account.status();
  }
  auto key = identities_->CreateRootAccessKey(account->id);
  if (!key.ok()) return key.status();
  call.json_output = json::object{{"AccountId", account->id},
                                  {"AccessKeyId", key->access_key_id},
                                  {"SecretAccessKey", key->secret_access_key}};
  call.response_elements = json::object{{"accountId", account->id}, {"accessKeyId", key->access_key_id}};
  return Status::Ok();
}

}  // namespace ot::services
