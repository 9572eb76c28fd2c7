// http/message.h — a received request and the response to send, as plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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

// A response body produced piece by piece while it is sent (large S3 objects), so that it
// never has to fit in memory.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual uint64_t Size() const = 0;  // exact; sent as Content-Length
  // Replaces *out with the next piece (at most max_bytes). False on an error; an error or
  // a short body ends the connection (the status line has gone out already).
  virtual bool Next(size_t max_bytes, std::string* out) = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::shared_ptr<BodyStream> stream;  // when set, the body instead of `body`
  bool close = false;  // close the connection after sending

  void Set(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
  }
};

// Sends the response. Callable from any thread, exactly once.
using Responder = std::function<void(Response)>;

}  // namespace ot::http
