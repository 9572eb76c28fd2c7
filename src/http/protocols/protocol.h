// http/protocols/protocol.h — the three AWS wire protocols opentrail speaks: how a request's
// input is read and how outputs and errors are written for each.
//
//  JSON 1.1  (cloudtrail, kms, logs, organizations, cloudtrail-data*): POST /, X-Amz-Target
//            "<Prefix>.<Operation>", JSON body; errors {"__type": code, "message": ...}.
//  Query     (sts, iam, sns): form-encoded Action=...&Version=...; XML <OpResponse>;
//            errors <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>.
//  REST-XML  (s3): method + path + query select the operation; XML bodies; errors <Error>.
// (*cloudtrail-data is REST-JSON at AWS; it is served by its own codec when it arrives.)
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/status.h"
#include "http/message.h"

namespace ot::http {

enum class Protocol { kJson11, kQuery, kRestXml };

struct ProtocolInfo {
  Protocol protocol = Protocol::kJson11;
  std::string xml_namespace;  // Query: "https://sts.amazonaws.com/doc/2011-06-15/"
  std::string api_version;    // Query: "2011-06-15"
};

// x-amzn-RequestId for JSON and Query services (UUID); S3 gets a 16-char id.
std::string NewRequestId(Protocol protocol);

// An AWS error in the protocol's shape, with the request id header(s).
Response ErrorResponse(const ProtocolInfo& info, const Status& error, const std::string& request_id);

// Successful outputs.
Response JsonOutput(const boost::json::object& output, const std::string& request_id);
Response QueryOutput(const ProtocolInfo& info, std::string_view operation,
                     std::string_view result_xml, const std::string& request_id);

// The operation named by X-Amz-Target "<Prefix>.<Operation>" (empty when absent/malformed).
std::string JsonOperation(const Request& request);
// The JSON body as an object; an empty body is {}. SerializationException otherwise.
Result<boost::json::object> ParseJsonBody(std::string_view body);

// Query input: form body (POST) merged with the query string. MalformedQueryString on bad
// escapes. Keys are unique; a repeated key keeps its last value.
using QueryParams = std::map<std::string, std::string, std::less<>>;
Result<QueryParams> ParseQueryInput(const Request& request);
Result<QueryParams> ParseFormEncoded(std::string_view text);

std::string XmlEscape(std::string_view text);

}  // namespace ot::http
