#include "server/gateway.h"

#include "auth/aws_chunked.h"
#include "auth/sigv4.h"
#include "common/crypto.h"
#include "common/time.h"
#include "recorder/operation_table.h"
#include "recorder/record_builder.h"
#include "server/auth_errors.h"
#include "services/s3/s3_request.h"

namespace ot::server {

namespace json = boost::json;

// Everything one request carries through the pipeline, kept alive until the reply is sent
// (the journal's completion runs on another thread).
struct Gateway::Pending {
  http::Request request;
  http::Responder respond;
  http::ProtocolInfo protocol;
  std::string request_id;
  services::Service* service = nullptr;
  const recorder::OperationInfo* operation = nullptr;
  std::optional<auth::Principal> principal;
  std::string region;
  services::Call call;
};

namespace {

// Protocols of the AWS services the endpoint knows, served or not yet.
http::Protocol KnownProtocol(std::string_view service, bool* known) {
  *known = true;
  if (service == "s3") return http::Protocol::kRestXml;
  if (service == "sts" || service == "iam" || service == "sns") return http::Protocol::kQuery;
  if (service == "cloudtrail" || service == "cloudtrail-data" || service == "kms" ||
      service == "logs" || service == "organizations" || service == "opentrail")
    return http::Protocol::kJson11;
  *known = false;
  return http::Protocol::kJson11;
}

// Global services record their events in us-east-1 (records.md §2.3).
std::string RecordRegion(std::string_view service, const std::string& region) {
  if (service == "iam" || service == "organizations") return "us-east-1";
  return region;
}

std::string_view Between(std::string_view s, std::string_view after, char end) {
  auto pos = s.find(after);
  if (pos == std::string_view::npos) return {};
  s.remove_prefix(pos + after.size());
  auto stop = s.find(end);
  return stop == std::string_view::npos ? s : s.substr(0, stop);
}

http::Response Health() {
  http::Response r;
  r.Set("Content-Type", "application/json");
  r.body = "{\"status\":\"ok\"}";
  return r;
}

}  // namespace

std::string ScopeServiceOf(const http::Request& request) {
  // Credential=AKID/20261130/us-east-1/sts/aws4_request (header), or the same in
  // X-Amz-Credential with '/' percent-encoded (presigned).
  std::string_view scope = Between(request.Header("authorization"), "Credential=", ',');
  std::string decoded;
  if (scope.empty()) {
    std::string_view q = request.Query();
    std::string_view raw = Between(q, "X-Amz-Credential=", '&');
    if (raw.empty() || !auth::UriDecode(raw, &decoded)) return {};
    scope = decoded;
  }
  // AKID / date / region / service / aws4_request
  size_t slash = 0;
  for (int i = 0; i < 3; ++i) {
    slash = scope.find('/', slash);
    if (slash == std::string_view::npos) return {};
    ++slash;
  }
  auto end = scope.find('/', slash);
  return std::string(scope.substr(slash, end == std::string_view::npos ? std::string_view::npos : end - slash));
}

Gateway::Gateway(GatewayOptions options, auth::IdentityStore* identities, journal::Journal* journal)
    : options_(options), identities_(identities), journal_(journal) {}

void Gateway::AddService(std::unique_ptr<services::Service> service) {
  std::string name(service->name());
  services_[name] = std::move(service);
}

services::Service* Gateway::FindService(std::string_view name) const {
  auto it = services_.find(name);
  return it == services_.end() ? nullptr : it->second.get();
}

http::ProtocolInfo Gateway::ProtocolFor(std::string_view service_name,
                                        const http::Request& request) const {
  if (auto* s = FindService(service_name)) return s->protocol();
  http::ProtocolInfo info;
  bool known = false;
  info.protocol = KnownProtocol(service_name, &known);
  if (!known) {
    // Unsigned or unknown service: answer in the shape the request itself suggests.
    if (!request.Header("x-amz-target").empty())
      info.protocol = http::Protocol::kJson11;
    else if (request.Header("content-type").find("x-www-form-urlencoded") != std::string_view::npos ||
             request.Query().find("Action=") != std::string_view::npos)
      info.protocol = http::Protocol::kQuery;
    else
      info.protocol = http::Protocol::kRestXml;
  }
  if (info.protocol == http::Protocol::kQuery && info.xml_namespace.empty()) {
    std::string svc = service_name.empty() ? "sts" : std::string(service_name);
    info.xml_namespace = "https://" + svc + ".amazonaws.com/doc/";
  }
  return info;
}

size_t Gateway::BodyLimit(const http::Request& head) {
  if (auto* s = FindService(ScopeServiceOf(head))) return s->BodyLimit();
  return 1 << 20;
}

http::Response Gateway::TooLarge(const http::Request& head, size_t limit) {
  auto info = ProtocolFor(ScopeServiceOf(head), head);
  auto id = http::NewRequestId(info.protocol);
  std::string msg = "The request body exceeds the maximum of " + std::to_string(limit) + " bytes.";
  if (info.protocol == http::Protocol::kRestXml)
    return http::ErrorResponse(info, Status::Error("EntityTooLarge", msg, 400), id);
  return http::ErrorResponse(info, Status::Error("RequestEntityTooLarge", msg, 413), id);
}

http::Response Gateway::Malformed(std::string_view why) {
  http::ProtocolInfo info;
  info.protocol = http::Protocol::kRestXml;
  auto id = http::NewRequestId(info.protocol);
  auto r = http::ErrorResponse(info, Status::Error("BadRequest", "Malformed HTTP request: " + std::string(why), 400), id);
  r.close = true;
  return r;
}

void Gateway::Handle(http::Request request, http::Responder respond) {
  if (request.method == "GET" && request.Path() == "/health") return respond(Health());

  auto p = std::make_shared<Pending>();
  p->request = std::move(request);
  p->respond = std::move(respond);
  const http::Request& req = p->request;

  // 1. The signature's claims (no secret needed yet).
  auth::RequestView view{req.method, req.target, &req.headers};
  auto sig = auth::ExtractSigV4(view);
  std::string scope_service = sig.ok() ? sig->service : ScopeServiceOf(req);
  p->protocol = ProtocolFor(scope_service, req);
  p->request_id = http::NewRequestId(p->protocol.protocol);
  if (!sig.ok()) return Finish(p, ProtocolAuthError(p->protocol.protocol, sig.status()));

  // 2. Who claims to sign. Unknown keys are not recorded: there is no identity to record.
  auto cred = identities_->FindAccessKey(sig->access_key_id);
  if (!cred || !cred->active)
    return Finish(p, ProtocolAuthError(p->protocol.protocol,
                                       Status::Error(kErrUnknownAccessKey,
                                                     "The security token included in the request is invalid.", 403)));

  // The operation, when it can be told from the request, so that failures are recorded.
  p->service = FindService(sig->service);
  p->region = sig->region;
  if (p->service) {
    std::string op;
    switch (p->protocol.protocol) {
      case http::Protocol::kJson11: op = http::JsonOperation(req); break;
      case http::Protocol::kQuery: {
        auto params = http::ParseQueryInput(req);
        if (params.ok()) {
          if (auto it = params->find("Action"); it != params->end()) op = it->second;
          p->call.query_input = std::move(*params);
        }
        break;
      }
      case http::Protocol::kRestXml: op = p->service->ResolveOperation(req); break;
    }
    if (!op.empty() && p->service->Serves(op)) {
      p->call.operation = op;
      p->operation = recorder::FindOperation(p->service->name(), op);
    }
  }

  // 3. Temporary credentials carry their token; then time and signature.
  int64_t now_ms = NowMillis();
  Status auth_status;
  if (cred->principal.temporary || !sig->security_token.empty()) {
    if (!ConstantTimeEquals(sig->security_token, cred->session_token) || cred->session_token.empty())
      auth_status = Status::Error(kErrInvalidToken, "The security token included in the request is invalid.", 403);
    else if (cred->expires_ms != 0 && cred->expires_ms <= now_ms)
      auth_status = Status::Error(kErrExpiredToken, "The security token included in the request is expired", 403);
  }
  if (auth_status.ok()) auth_status = auth::CheckRequestTime(*sig, now_ms / 1000);
  std::string payload_hash;
  if (auth_status.ok()) {
    auto hash = auth::PayloadHashFor(*sig, req.body);
    if (hash.ok()) payload_hash = std::move(*hash);
    else auth_status = hash.status();
  }
  Sha256Digest signing_key{};
  if (auth_status.ok()) {
    signing_key = signing_keys_.Get(cred->secret_access_key, sig->scope_date, sig->region, sig->service);
    auth_status = auth::VerifySignatureWithKey(view, *sig, signing_key, sig->service == "s3", payload_hash);
  }
  p->principal = cred->principal;
  if (!auth_status.ok()) return Finish(p, ProtocolAuthError(p->protocol.protocol, auth_status));

  // 4. Route.
  if (!p->service) {
    p->operation = nullptr;
    std::string msg = "The service '" + sig->service + "' is not available on this endpoint.";
    switch (p->protocol.protocol) {
      case http::Protocol::kJson11: return Finish(p, Status::Error("UnknownOperationException", msg, 400));
      case http::Protocol::kQuery: return Finish(p, Status::Error("InvalidAction", msg, 400));
      case http::Protocol::kRestXml: return Finish(p, Status::Error("InvalidRequest", msg, 400));
    }
  }
  if (!p->operation) {
    switch (p->protocol.protocol) {
      case http::Protocol::kJson11:
        return Finish(p, Status::Error("UnknownOperationException",
                                       "Unknown operation " + std::string(req.Header("x-amz-target")), 400));
      case http::Protocol::kQuery: {
        auto params = http::ParseQueryInput(req);
        if (!params.ok()) return Finish(p, params.status());
        auto it = params->find("Action");
        if (it == params->end() || it->second.empty())
          return Finish(p, Status::Error("MissingAction", "Missing Action", 400));
        return Finish(p, Status::Error("InvalidAction",
                                       "Could not find operation " + it->second + " for version " +
                                           p->protocol.api_version, 400));
      }
      case http::Protocol::kRestXml:
        return Finish(p, services::s3::UnsupportedRequest());  // REST-XML is S3's protocol
    }
  }

  // 5. Input.
  std::string_view content_sha = sig->content_sha256;
  if (content_sha.starts_with("STREAMING-")) {
    auth::ChunkedContext ctx;
    ctx.mode = content_sha;
    ctx.signing_key = signing_key;
    ctx.amz_date = sig->amz_date;
    ctx.scope = sig->scope_date + "/" + sig->region + "/" + sig->service + "/aws4_request";
    ctx.seed_signature = sig->signature;
    ctx.declared_trailer = ToLower(req.Header("x-amz-trailer"));
    if (auto len = req.Header("x-amz-decoded-content-length"); !len.empty()) {
      ctx.decoded_length = 0;
      for (char c : len) ctx.decoded_length = c >= '0' && c <= '9' && ctx.decoded_length < (int64_t{1} << 50) ? ctx.decoded_length * 10 + (c - '0') : -2;
      if (ctx.decoded_length < 0)
        return Finish(p, ProtocolAuthError(p->protocol.protocol, Status::Error(auth::kErrInvalidChunk, "Invalid x-amz-decoded-content-length", 400)));
    }
    auto decoded = auth::DecodeAwsChunked(req.body, ctx, p->service->BodyLimit());
    if (!decoded.ok()) return Finish(p, ProtocolAuthError(p->protocol.protocol, decoded.status()));
    p->request.body = std::move(decoded->data);
    // Verified checksum trailers read like the headers a non-chunked upload carries.
    for (auto& t : decoded->trailers) p->request.headers.push_back(t);
  }
  if (p->protocol.protocol == http::Protocol::kJson11 && !p->service->TakesRawBody(p->call.operation)) {
    auto body = http::ParseJsonBody(req.body);
    if (!body.ok()) return Finish(p, body.status());
    p->call.json_input = std::move(*body);
  }

  // 6. The call itself.
  p->call.region = p->region;
  p->call.request_id = p->request_id;
  p->call.principal = &*p->principal;
  p->call.http = &p->request;
  p->call.presigned = sig->method == auth::AuthMethod::kQueryString;
  Status result = p->service->Handle(p->call);
  Finish(p, result);
}

void Gateway::Finish(std::shared_ptr<Pending> p, const Status& status) {
  http::Response response;
  if (!status.ok()) {
    response = http::ErrorResponse(p->protocol, status, p->request_id);
  } else {
    switch (p->protocol.protocol) {
      case http::Protocol::kJson11:
        if (!p->call.json_output_text.empty()) {
          response.Set("Content-Type", "application/x-amz-json-1.1");
          response.Set("x-amzn-RequestId", p->request_id);
          response.body = std::move(p->call.json_output_text);
        } else {
          response = http::JsonOutput(p->call.json_output, p->request_id);
        }
        break;
      case http::Protocol::kQuery:
        response = http::QueryOutput(p->protocol, p->call.operation, p->call.xml_result, p->request_id);
        break;
      case http::Protocol::kRestXml:
        response = std::move(p->call.rest_response);
        response.Set("x-amz-request-id", p->request_id);
        response.Set("x-amz-id-2", p->request_id);
        break;
    }
  }

  if (p->request.method == "HEAD") response.body.clear();  // headers only, errors too

  // Only calls that reached a known operation with a known identity become records.
  if (!options_.record || !p->operation || !p->principal) return p->respond(std::move(response));

  recorder::CallFacts facts;
  facts.operation = p->operation;
  facts.principal = &*p->principal;
  facts.aws_region = RecordRegion(p->operation->service, p->region);
  facts.source_ip = p->request.remote_ip;
  facts.user_agent = std::string(p->request.Header("user-agent"));
  facts.event_time_ms = NowMillis();
  if (!status.ok()) {
    facts.error_code = status.code();
    facts.error_message = status.message();
  }
  facts.request_id = p->request_id;
  facts.request_parameters = &p->call.request_parameters;
  facts.response_elements = &p->call.response_elements;
  facts.additional_event_data = &p->call.additional_event_data;
  facts.resources = &p->call.resources;
  std::string record = recorder::BuildRecord(facts);

  auto shared_response = std::make_shared<http::Response>(std::move(response));
  journal_->Append(std::move(record), [p, shared_response](const Status& s, uint64_t) {
    if (s.ok()) return p->respond(std::move(*shared_response));
    // Not durable: the client must not see success for a call that left no record.
    p->respond(http::ErrorResponse(p->protocol, Status::Error("InternalFailure",
                                   "The request could not be recorded.", 500), p->request_id));
  });
}

}  // namespace ot::server
