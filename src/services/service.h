// services/service.h — the boundary between the request pipeline and one AWS service.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "auth/principal.h"
#include "common/status.h"
#include "http/message.h"
#include "http/protocols/protocol.h"

namespace ot::services {

// One API call, as the service sees it. The pipeline fills the inputs; the service fills
// the outputs (on success) and the record fields (always, as far as it knows them).
struct Call {
  // Inputs.
  std::string operation;             // "GetCallerIdentity"
  std::string region;                // credential scope region
  std::string request_id;
  const auth::Principal* principal = nullptr;
  const http::Request* http = nullptr;
  bool presigned = false;            // authenticated by query string rather than header
  boost::json::object json_input;    // JSON 1.1 services
  http::QueryParams query_input;     // Query services

  // Outputs on success.
  boost::json::object json_output;   // JSON 1.1
  std::string json_output_text;      // JSON 1.1, already serialized (wins when non-empty)
  std::string xml_result;            // Query: inner XML of <OpResult>
  http::Response rest_response;      // REST-XML: status, headers, body

  // What CloudTrail logs of this call (records.md §2.7–2.9). requestParameters is logged
  // even when the call fails; responseElements only on success.
  boost::json::value request_parameters;   // null unless set
  boost::json::value response_elements;    // null unless set
  boost::json::value additional_event_data;
  boost::json::array resources;
};

class Service {
 public:
  virtual ~Service() = default;
  // The credential-scope service name ("sts").
  virtual std::string_view name() const = 0;
  virtual const http::ProtocolInfo& protocol() const = 0;
  // Every operation this service answers (each must be in the recorder's table).
  virtual std::vector<std::string> Operations() const = 0;
  virtual bool Serves(std::string_view operation) const = 0;
  // REST services: the operation a request addresses (method, path, query); empty if none.
  virtual std::string ResolveOperation(const http::Request& request) const { return {}; }
  // Largest request body accepted.
  virtual size_t BodyLimit() const { return 1 << 20; }
  // JSON 1.1 operations whose body is not a JSON document (e.g. an uploaded log file): the
  // pipeline leaves it unparsed in call.http->body.
  virtual bool TakesRawBody(std::string_view operation) const { return false; }
  // Performs the call. A non-OK Status is the AWS error the client gets.
  virtual Status Handle(Call& call) = 0;
};

}  // namespace ot::services
