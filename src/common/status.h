// common/status.h — errors as values at component boundaries (LevelDB-style).
//
// A Status carries an AWS-style error: a machine code ("AccessDenied",
// "ValidationException"), a human message and the HTTP status a service would answer
// with. Components return Status / Result<T>; only the HTTP edge turns them into bytes.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ot {

class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(std::string code, std::string message, int http_status = 400) {
    Status s;
    s.code_ = std::move(code);
    s.message_ = std::move(message);
    s.http_status_ = http_status;
    return s;
  }
  // Internal failures (I/O, corruption). Never caused by the client.
  static Status Internal(std::string message) {
    return Error("InternalFailure", std::move(message), 500);
  }

  bool ok() const { return code_.empty(); }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  int http_status() const { return ok() ? 200 : http_status_; }
  std::string ToString() const { return ok() ? "OK" : code_ + ": " + message_; }

 private:
  std::string code_;
  std::string message_;
  int http_status_ = 200;
};

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}    // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ot

#define OT_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::ot::Status ot_status__ = (expr);      \
    if (!ot_status__.ok()) return ot_status__; \
  } while (0)
