// http/server.h — the HTTP/1.1 listener: a pool of worker threads running Beast sessions.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "http/message.h"

namespace ot::http {

struct Limits {
  size_t header_bytes = 16 * 1024;        // request line + headers
  size_t default_body_bytes = 1 << 20;    // used when the handler does not say otherwise
  int64_t header_timeout_ms = 20'000;     // a client must finish its headers within this
  int64_t body_timeout_ms = 300'000;      // and its body within this
  int64_t idle_timeout_ms = 60'000;       // keep-alive connection with no request
  size_t max_connections = 10'000;
};

// What the server needs from the application.
class Handler {
 public:
  virtual ~Handler() = default;
  // Called once the headers are in (body not read yet). Returns the largest body accepted
  // for this request; when the declared or actual body is larger, TooLarge() is answered.
  virtual size_t BodyLimit(const Request& head) = 0;
  virtual Response TooLarge(const Request& head, size_t limit) = 0;
  // A request that is not valid HTTP, or whose headers exceed the limit.
  virtual Response Malformed(std::string_view why) = 0;
  // The complete request. Must call `respond` exactly once, from any thread.
  virtual void Handle(Request request, Responder respond) = 0;
};

class Server {
 public:
  Server(Handler* handler, Limits limits, int threads);
  ~Server();

  // Binds and starts accepting. `host` may be a name or address; port 0 picks one.
  Status Listen(const std::string& host, uint16_t port);
  uint16_t port() const;
  // Starts the worker threads; returns at once.
  void Start();
  // Stops accepting, lets in-flight requests finish (up to grace_ms), joins the workers.
  void Stop(int64_t grace_ms = 5000);

  struct Impl;  // public so the session code in server.cc can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ot::http
