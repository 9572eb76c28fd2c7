#include "http/protocols/protocol.h"

#include "common/ids.h"

namespace ot::http {

namespace json = boost::json;

std::string NewRequestId(Protocol protocol) {
  return protocol == Protocol::kRestXml ? NewS3RequestId() : NewUuid();
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      default: out += c;
    }
  }
  return out;
}

Response ErrorResponse(const ProtocolInfo& info, const Status& error,
                       const std::string& request_id) {
  Response r;
  r.status = error.http_status();
  switch (info.protocol) {
    case Protocol::kJson11: {
      r.Set("Content-Type", "application/x-amz-json-1.1");
      r.Set("x-amzn-RequestId", request_id);
      r.Set("x-amzn-ErrorType", error.code());
      r.body = json::serialize(json::object{{"__type", error.code()}, {"message", error.message()}});
      break;
    }
    case Protocol::kQuery: {
      r.Set("Content-Type", "text/xml");
      r.Set("x-amzn-RequestId", request_id);
      r.body = "<ErrorResponse xmlns=\"" + XmlEscape(info.xml_namespace) + "\">\n  <Error>\n    <Type>" +
               std::string(r.status >= 500 ? "Receiver" : "Sender") + "</Type>\n    <Code>" +
               XmlEscape(error.code()) + "</Code>\n    <Message>" + XmlEscape(error.message()) +
               "</Message>\n  </Error>\n  <RequestId>" + request_id + "</RequestId>\n</ErrorResponse>\n";
      break;
    }
    case Protocol::kRestXml: {
      r.Set("Content-Type", "application/xml");
      r.Set("x-amz-request-id", request_id);
      r.Set("x-amz-id-2", request_id);
      r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + XmlEscape(error.code()) +
               "</Code><Message>" + XmlEscape(error.message()) + "</Message><RequestId>" +
               request_id + "</RequestId><HostId>" + request_id + "</HostId></Error>";
      break;
    }
  }
  return r;
}

Response JsonOutput(const json::object& output, const std::string& request_id) {
  Response r;
  r.Set("Content-Type", "application/x-amz-json-1.1");
  r.Set("x-amzn-RequestId", request_id);
  r.body = json::serialize(output);
  return r;
}

Response QueryOutput(const ProtocolInfo& info, std::string_view operation,
                     std::string_view result_xml, const std::string& request_id) {
  Response r;
  r.Set("Content-Type", "text/xml");
  r.Set("x-amzn-RequestId", request_id);
  std::string op(operation);
  r.body.reserve(result_xml.size() + 256);
  r.body += "<" + op + "Response xmlns=\"" + XmlEscape(info.xml_namespace) + "\">\n  <" + op + "Result>";
  r.body += result_xml;
  r.body += "</" + op + "Result>\n  <ResponseMetadata>\n    <RequestId>" + request_id +
            "</RequestId>\n  </ResponseMetadata>\n</" + op + "Response>\n";
  return r;
}

std::string JsonOperation(const Request& request) {
  std::string_view target = request.Header("x-amz-target");
  auto dot = target.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= target.size()) return {};
  return std::string(target.substr(dot + 1));
}

Result<json::object> ParseJsonBody(std::string_view body) {
  if (body.empty()) return json::object{};
  boost::system::error_code ec;
  json::parse_options opt;
  opt.max_depth = 64;
  json::value v = json::parse(body, ec, {}, opt);
  if (ec) return Status::Error("SerializationException", "Malformed JSON in the request body: " + ec.message(), 400);
  if (!v.is_object()) return Status::Error("SerializationException", "The request body must be a JSON object.", 400);
  return std::move(v.get_object());
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool FormDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      *out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      *out += c;
    }
  }
  return true;
}
}  // namespace

Result<QueryParams> ParseFormEncoded(std::string_view text) {
  QueryParams params;
  size_t pos = 0;
  size_t count = 0;
  while (pos <= text.size() && !text.empty()) {
    size_t amp = text.find('&', pos);
    std::string_view pair = text.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    if (!pair.empty()) {
      if (++count > 10'000) return Status::Error("MalformedQueryString", "Too many parameters.", 400);
      size_t eq = pair.find('=');
      std::string key, value;
      if (!FormDecode(pair.substr(0, eq), &key) ||
          (eq != std::string_view::npos && !FormDecode(pair.substr(eq + 1), &value)))
        return Status::Error("MalformedQueryString", "Malformed percent-encoding in the request.", 400);
      params[key] = std::move(value);
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return params;
}

Result<QueryParams> ParseQueryInput(const Request& request) {
  auto from_query = ParseFormEncoded(request.Query());
  if (!from_query.ok()) return from_query;
  if (request.method == "POST" && !request.body.empty()) {
    auto from_body = ParseFormEncoded(request.body);
    if (!from_body.ok()) return from_body;
    for (auto& [k, v] : *from_body) (*from_query)[k] = std::move(v);
  }
  return from_query;
}

}  // namespace ot::http
