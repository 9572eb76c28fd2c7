// http/message.h — a received request and the response to send, as plain values.
#pragma once

#include <functional>
#include <string>

#include "common/header.h"

namespace ot::http {

struct Request {
  std::string method;       // "GET", "POST", ...
  std::string target;       // raw request-target: "/path?query"
  Headers headers;          // in order received
  std::string body;
  std::string remote_ip;    // peer address of the TCP connection
  bool tls = false;

  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
  std::string_view Path() const;   // target up to '?'
  std::string_view Query() const;  // after '?', or empty
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  bool close = false;  // close the connection after sending

  void Set(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
  }
};

// Sends the response. Callable from any thread, exactly once.
using Responder = std::function<void(Response)>;

}  // namespace ot::http
