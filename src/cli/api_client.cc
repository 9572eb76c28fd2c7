// cli/api_client.cc — see api_client.h.
#include "cli/api_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "auth/sigv4.h"
#include "common/header.h"

namespace ot::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Endpoint

Result<Endpoint> ParseEndpoint(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return Status::Error(kErrInvalidEndpoint,
                         "invalid endpoint \"" + std::string(url) + "\": " + why);
  };
  std::string_view rest = Trim(url);
  if (StartsWithIgnoreCase(rest, "https://")) {
    return bad("https is not supported; the opentrail server speaks plain http");
  }
  if (StartsWithIgnoreCase(rest, "http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return bad("expected http://HOST:PORT");
  }
  std::string_view authority = rest, path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash);
  }
  if (!path.empty() && path != "/") return bad("a path is not supported");
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");

  Endpoint ep;
  std::string_view port_text;
  bool v6 = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [");
    ep.host = std::string(authority.substr(1, close - 1));
    v6 = true;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected :PORT after ]");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      ep.host = std::string(authority.substr(0, colon));
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    } else {
      ep.host = std::string(authority);
    }
  }
  if (ep.host.empty()) return bad("no host");
  if (!v6 && ep.host.find(':') != std::string::npos) return bad("IPv6 addresses go in [brackets]");
  if (!port_text.empty()) {
    if (port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad("port must be a number");
    }
    int port = std::stoi(std::string(port_text));
    if (port < 1 || port > 65535) return bad("port out of range");
    ep.port = static_cast<uint16_t>(port);
  }
  ep.host_header = v6 ? "[" + ep.host + "]" : ep.host;
  if (ep.port != 80) ep.host_header += ":" + std::to_string(ep.port);
  return ep;
}

// ---------------------------------------------------------------------------------------
// Credentials

Result<Credentials> ParseSharedCredentials(std::string_view text, std::string_view profile) {
  Credentials c;
  bool profile_seen = false;
  std::string section;
  bool in_profile = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        in_profile = false;
        continue;
      }
      in_profile = Trim(line.substr(1, line.size() - 2)) == profile;
      profile_seen = profile_seen || in_profile;
      continue;
    }
    if (!in_profile) continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name = ToLower(Trim(line.substr(0, eq)));
    std::string value(Trim(line.substr(eq + 1)));
    if (name == "aws_access_key_id") c.access_key_id = value;
    else if (name == "aws_secret_access_key") c.secret_access_key = value;
    else if (name == "aws_session_token") c.session_token = value;
  }
  std::string p(profile);
  if (!profile_seen) {
    return Status::Error(kErrInvalidCredentials, "no [" + p + "] profile in the credentials");
  }
  if (c.access_key_id.empty()) {
    return Status::Error(kErrInvalidCredentials, "profile [" + p + "] has no aws_access_key_id");
  }
  if (c.secret_access_key.empty()) {
    return Status::Error(kErrInvalidCredentials,
                         "profile [" + p + "] has no aws_secret_access_key");
  }
  return c;
}

std::optional<std::string> GetEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Result<Credentials> ResolveCredentials(const std::string& data_dir, bool data_dir_explicit,
                                       const EnvLookup& env) {
  namespace fs = std::filesystem;
  fs::path file = fs::path(data_dir.empty() ? std::string(kDefaultDataDir) : data_dir) / "credentials";
  std::error_code ec;
  bool exists = fs::exists(file, ec);
  if (exists) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return Status::Error(kErrCredentialsNotFound, "cannot read " + file.string() + ": " +
                                                        std::generic_category().message(errno));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = ParseSharedCredentials(ss.str());
    if (!parsed.ok()) {
      return Status::Error(parsed.status().code(), file.string() + ": " + parsed.status().message());
    }
    parsed->source = file.string();
    return parsed;
  }
  if (data_dir_explicit) {
    return Status::Error(kErrCredentialsNotFound,
                         "no credentials file at " + file.string() +
                             " (it is written by `opentrail serve` on its first start in that "
                             "data dir)");
  }
  auto key = env ? env("AWS_ACCESS_KEY_ID") : std::nullopt;
  auto secret = env ? env("AWS_SECRET_ACCESS_KEY") : std::nullopt;
  if (key && !key->empty() && secret && !secret->empty()) {
    Credentials c;
    c.access_key_id = *key;
    c.secret_access_key = *secret;
    if (auto token = env("AWS_SESSION_TOKEN")) c.session_token = *token;
    c.source = "environment (AWS_ACCESS_KEY_ID)";
    return c;
  }
  if ((key && !key->empty()) != (secret && !secret->empty())) {
    return Status::Error(kErrInvalidCredentials,
                         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set");
  }
  return Status::Error(kErrCredentialsNotFound,
                       "no credentials: " + file.string() +
                           " does not exist and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are "
                           "not set (use --data-dir DIR of the server)");
}

// ---------------------------------------------------------------------------------------
// Errors

std::string DescribeStatus(const Status& s) {
  return s.message().empty() ? s.code() : s.code() + ": " + s.message();
}

Status ParseErrorBody(int http_status, std::string_view body) {
  int status = http_status >= 400 ? http_status : 500;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    auto str = [&o](std::initializer_list<const char*> names) -> std::string {
      for (const char* n : names) {
        if (auto* p = o.if_contains(n); p && p->is_string()) return std::string(p->get_string());
      }
      return {};
    };
    std::string code = str({"__type", "code", "Code"});
    std::string message = str({"message", "Message", "errorMessage"});
    if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
    if (auto colon = code.find(':'); colon != std::string::npos) code = code.substr(0, colon);
    if (!code.empty()) return Status::Error(code, message, status);
  }
  std::string text(Trim(body.substr(0, std::min<size_t>(body.size(), 300))));
  std::string message = "HTTP " + std::to_string(http_status);
  if (!text.empty()) message += ": " + text;
  return Status::Error("HttpError" + std::to_string(http_status), message, status);
}

// ---------------------------------------------------------------------------------------
// HTTP client

struct ApiClient::Connection {
  net::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool open = false;

  void Close() {
    if (!open) return;
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.close();
    buffer.clear();
    open = false;
  }

  // Runs the io_context until the operations started are complete.
  void Run() {
    ioc.restart();
    ioc.run();
  }

  // Opens the connection unless it is open. kErrConnectionFailed when it cannot.
  Status Connect(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
    if (open) return Status::Ok();
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec) {
      return Status::Error(kErrConnectionFailed, "cannot resolve " + endpoint.host + ": " + ec.message(), 503);
    }
    stream.expires_after(timeout);
    stream.async_connect(results, [&ec](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
    Run();
    if (ec) {
      stream.close();
      std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
      return Status::Error(kErrConnectionFailed, "cannot connect to " + endpoint.ToString() + ": " + why, 503);
    }
    stream.socket().set_option(tcp::no_delay(true), ec);
    open = true;
    return Status::Ok();
  }
};

ApiClient::ApiClient(Endpoint endpoint, Credentials credentials, ApiClientOptions options)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      options_(std::move(options)),
      conn_(std::make_unique<Connection>()) {}

ApiClient::~ApiClient() {
  if (conn_) conn_->Close();
}

namespace {

// What went wrong on one attempt; `retryable` when the request may be sent again on a new
// connection (a reused keep-alive connection the server had closed).
struct Attempt {
  Status status;
  bool retryable = false;
};

}  // namespace

Result<HttpResponse> ApiClient::Send(std::string_view operation, std::string_view body,
                                     std::string_view content_type) {
  // The signed headers; built once, re-signed per attempt (the clock may move).
  const std::string target = std::string(kApiTargetPrefix) + std::string(operation);
  auto io_timeout = options_.io_timeout +
                    options_.io_timeout_per_mib * static_cast<int64_t>(body.size() >> 20);

  for (int attempt = 0; attempt < 2; ++attempt) {
    Connection& c = *conn_;
    const bool reused = c.open;
    OT_RETURN_IF_ERROR(c.Connect(endpoint_, options_.connect_timeout));

    std::vector<Header> headers{{"Host", endpoint_.host_header},
                                {"Content-Type", std::string(content_type)},
                                {"X-Amz-Target", target}};
    auth::SignRequest("POST", "/", &headers, body, credentials_.access_key_id,
                      credentials_.secret_access_key, options_.region, options_.service,
                      NowSeconds(), credentials_.session_token);

    bhttp::request<bhttp::span_body<const char>> req{bhttp::verb::post, "/", 11};
    for (const auto& h : headers) req.set(h.name, h.value);
    req.set(bhttp::field::user_agent, options_.user_agent);
    req.set(bhttp::field::accept, "application/json");
    req.body() = boost::span<const char>(body.data(), body.size());
    req.keep_alive(true);
    req.prepare_payload();

    Attempt failed;
    boost::system::error_code ec;
    c.stream.expires_after(io_timeout);
    bhttp::async_write(c.stream, req,
                       [&ec](const boost::system::error_code& e, size_t) { ec = e; });
    c.Run();
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    parser.header_limit(64 * 1024);
    bool answered_after_write_error = false;
    if (!ec) {
      bhttp::async_read(c.stream, c.buffer, parser,
                        [&ec](const boost::system::error_code& e, size_t) { ec = e; });
      c.Run();
    } else if (ec != beast::error::timeout) {
      // The server may have answered (413, or 400 on a body it stopped reading) before
      // closing; that answer says more than "broken pipe".
      boost::system::error_code read_ec;
      c.stream.expires_after(std::chrono::seconds(2));
      bhttp::async_read(c.stream, c.buffer, parser,
                        [&read_ec](const boost::system::error_code& e, size_t) { read_ec = e; });
      c.Run();
      if (!read_ec) {
        ec = {};
        answered_after_write_error = true;
      }
    }
    if (ec) {
      const bool timeout = ec == beast::error::timeout;
      const bool nothing_read = !parser.got_some();
      // The server may have read part of a large body and answered an error (413, 400)
      // before closing; that answer is lost here, so the error says what the socket saw.
      std::string what = timeout ? "timed out after " +
                                       std::to_string(io_timeout.count() / 1000) + " s"
                                 : ec.message();
      c.Close();
      if (!timeout && reused && nothing_read) continue;  // stale keep-alive: try once more
      return Status::Error(timeout ? kErrTimeout : kErrTransport,
                           "request to " + endpoint_.ToString() + " failed: " + what, 503);
    }
    HttpResponse out;
    out.status = static_cast<int>(parser.get().result_int());
    bool keep = parser.get().keep_alive();
    out.body = std::move(parser.get().body());
    if (!keep || answered_after_write_error) c.Close();
    return out;
  }
  return Status::Error(kErrTransport, "request to " + endpoint_.ToString() + " failed", 503);
}

Result<std::string> ApiClient::Call(std::string_view operation, std::string_view body,
                                    std::string_view content_type) {
  auto res = Send(operation, body, content_type);
  if (!res.ok()) return res.status();
  if (res->status < 200 || res->status >= 300) return ParseErrorBody(res->status, res->body);
  return std::move(res->body);
}

Result<RawHttpResponse> ApiClient::SendRequest(const RawHttpRequest& request) {
  const std::string& region = request.region.empty() ? options_.region : request.region;
  const std::string& service = request.service.empty() ? options_.service : request.service;
  bhttp::verb verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) {
    return Status::Error(kErrTransport, "unsupported HTTP method " + request.method, 400);
  }
  const std::string_view body = request.body;
  auto io_timeout = options_.io_timeout +
                    options_.io_timeout_per_mib * static_cast<int64_t>(body.size() >> 20);

  for (int attempt = 0; attempt < 2; ++attempt) {
    Connection& c = *conn_;
    const bool reused = c.open;
    OT_RETURN_IF_ERROR(c.Connect(endpoint_, options_.connect_timeout));

    std::vector<Header> headers{{"Host", endpoint_.host_header}};
    headers.insert(headers.end(), request.headers.begin(), request.headers.end());
    auth::SignRequest(request.method, request.target, &headers, body,
                      credentials_.access_key_id, credentials_.secret_access_key, region,
                      service, NowSeconds(), credentials_.session_token);

    bhttp::request<bhttp::span_body<const char>> req{verb, request.target, 11};
    for (const auto& h : headers) req.set(h.name, h.value);
    req.set(bhttp::field::user_agent, options_.user_agent);
    req.body() = boost::span<const char>(body.data(), body.size());
    req.keep_alive(true);
    req.prepare_payload();

    boost::system::error_code ec;
    c.stream.expires_after(io_timeout);
    bhttp::async_write(c.stream, req,
                       [&ec](const boost::system::error_code& e, size_t) { ec = e; });
    c.Run();
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    parser.header_limit(64 * 1024);
    if (verb == bhttp::verb::head) parser.skip(true);
    if (!ec) {
      bhttp::async_read(c.stream, c.buffer, parser,
                        [&ec](const boost::system::error_code& e, size_t) { ec = e; });
      c.Run();
    }
    if (ec) {
      const bool timeout = ec == beast::error::timeout;
      const bool nothing_read = !parser.got_some();
      std::string what = timeout ? "timed out after " +
                                       std::to_string(io_timeout.count() / 1000) + " s"
                                 : ec.message();
      c.Close();
      if (!timeout && reused && nothing_read) continue;  // stale keep-alive: try once more
      return Status::Error(timeout ? kErrTimeout : kErrTransport,
                           "request to " + endpoint_.ToString() + " failed: " + what, 503);
    }
    RawHttpResponse out;
    auto& msg = parser.get();
    out.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    bool keep = msg.keep_alive();
    out.body = std::move(msg.body());
    if (!keep) c.Close();
    return out;
  }
  return Status::Error(kErrTransport, "request to " + endpoint_.ToString() + " failed", 503);
}

}  // namespace ot::cli
