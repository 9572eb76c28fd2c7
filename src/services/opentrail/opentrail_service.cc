#include "services/opentrail/opentrail_service.h"

#include "common/json_writer.h"

namespace ot::services {

namespace json = boost::json;

namespace {
constexpr size_t kMaxReportedErrors = 1000;

// (account, eventID) as a set key.
struct IdHash {
  size_t operator()(const std::pair<std::string_view, std::string_view>& id) const {
    return std::hash<std::string_view>()(id.second) * 31 + std::hash<std::string_view>()(id.first);
  }
};
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
  size_t duplicates = 0;
  accepted.reserve(parsed.records.size());
  {
    std::lock_guard lock(ingest_mu_);
    // Which of the caller's records history (or an import not yet indexed) already holds,
    // asked in one batched read; then within the file, the first of an eventID wins.
    // (History keeps the ids appended but not yet indexed: AddPending below; the lock makes
    // the check, the append and AddPending one step against other imports.)
    std::vector<size_t> candidates;
    std::vector<std::pair<std::string_view, std::string_view>> ids;
    candidates.reserve(parsed.records.size());
    ids.reserve(parsed.records.size());
    for (size_t i = 0; i < parsed.records.size(); ++i) {
      auto& r = parsed.records[i];
      if (!any_account && r.account_id != principal.account_id) {
        parsed.errors.push_back({r.index, r.event_id,
                                 "recipientAccountId " + r.account_id + " is not the caller's account"});
        continue;
      }
      candidates.push_back(i);
      ids.emplace_back(r.account_id, r.event_id);
    }
    std::vector<bool> known;
    OT_RETURN_IF_ERROR(history_->HasEventIds(ids, &known));
    std::unordered_set<std::pair<std::string_view, std::string_view>, IdHash> in_this_file;
    in_this_file.reserve(candidates.size());
    std::vector<std::pair<std::string_view, std::string_view>> accepted_ids;
    accepted_ids.reserve(candidates.size());
    for (size_t c = 0; c < candidates.size(); ++c) {
      auto& r = parsed.records[candidates[c]];
      if (known[c] || !in_this_file.insert(ids[c]).second) {
        ++duplicates;
        continue;
      }
      accepted_ids.push_back(ids[c]);
      accepted.push_back(std::move(r.json));
    }
    if (!accepted.empty()) {
      uint64_t first = 0;
      OT_RETURN_IF_ERROR(journal_->AppendBatch(accepted, &first));
      history_->AddPending(accepted_ids, first + accepted.size() - 1);
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
