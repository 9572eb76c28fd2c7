// recorder/record_builder.h — builds the CloudTrail record of one API call.
#pragma once

#include <cstdint>
#include <string>

#include <boost/json.hpp>

#include "auth/principal.h"
#include "recorder/operation_table.h"

namespace ot::recorder {

inline constexpr const char* kEventVersion = "1.11";

struct CallFacts {
  const OperationInfo* operation = nullptr;  // required
  const auth::Principal* principal = nullptr;  // required
  std::string aws_region;
  std::string source_ip;
  std::string user_agent;
  int64_t event_time_ms = 0;
  std::string error_code;     // empty on success
  std::string error_message;
  std::string request_id;
  std::string event_id;       // fresh UUID when empty
  const boost::json::value* request_parameters = nullptr;
  const boost::json::value* response_elements = nullptr;
  const boost::json::value* additional_event_data = nullptr;
  const boost::json::array* resources = nullptr;
  std::string recipient_account_id;  // defaults to the principal's account
  // TLS (only when the call arrived over TLS).
  std::string tls_version, cipher_suite, host_header;
};

boost::json::object UserIdentity(const auth::Principal& principal);

// The record as compact JSON, fields in AWS's usual order, caps of records.md §1 applied.
std::string BuildRecord(const CallFacts& facts);

}  // namespace ot::recorder
