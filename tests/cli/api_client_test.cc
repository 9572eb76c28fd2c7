// Unit tests of the CLI's API client: endpoint and credential resolution, error bodies,
// and the HTTP client itself against an in-process fake server (signature checked with
// auth/sigv4.h), including `opentrail import` and `admin create-account` end to end
// against that fake.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "auth/sigv4.h"
#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/crypto.h"
#include "common/header.h"
#include "test_util.h"

namespace ot::cli {
namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

constexpr const char* kKey = "AKIAOPENTRAILTEST001";
constexpr const char* kSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNl";

// --- Endpoint ----------------------------------------------------------------------------

TEST(CliEndpoint, Parses) {
  auto e = ParseEndpoint("http://127.0.0.1:4580");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 4580);
  EXPECT_EQ(e->host_header, "127.0.0.1:4580");

  e = ParseEndpoint("HTTP://localhost:9000/");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "localhost");
  EXPECT_EQ(e->port, 9000);

  e = ParseEndpoint("example.com");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, 80);
  EXPECT_EQ(e->host_header, "example.com");

  e = ParseEndpoint("127.0.0.1:4599");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, 4599);

  e = ParseEndpoint("http://[::1]:4580");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->host_header, "[::1]:4580");
}

TEST(CliEndpoint, Rejects) {
  for (const char* bad : {"https://127.0.0.1:4580", "ftp://x", "http://", "http://:80",
                          "http://h:", "http://h:0", "http://h:70000", "http://h:80x",
                          "http://h:80/path", "http://u@h:80", "http://[::1", "::1"}) {
    auto e = ParseEndpoint(bad);
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), kErrInvalidEndpoint) << bad;
    }
  }
}

// --- Credentials -------------------------------------------------------------------------

TEST(CliCredentials, ParsesSharedCredentialsFormat) {
  auto c = ParseSharedCredentials(
      "# written by opentrail\n"
      "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other\n\n"
      "[default]\r\n"
      "aws_access_key_id=AKIADEFAULT\r\n"
      "  aws_secret_access_key =  s3cr3t/with+chars= \r\n"
      "; comment\n"
      "region = us-east-1\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(c->secret_access_key, "s3cr3t/with+chars=");
  EXPECT_EQ(c->session_token, "");

  auto other = ParseSharedCredentials(
      "[default]\naws_access_key_id=A\naws_secret_access_key=B\n[other]\n"
      "aws_access_key_id = C\naws_secret_access_key = D\naws_session_token = T\n",
      "other");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->access_key_id, "C");
  EXPECT_EQ(other->session_token, "T");
}

TEST(CliCredentials, MissingPiecesAreErrors) {
  auto none = ParseSharedCredentials("");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), kErrInvalidCredentials);
  auto no_profile = ParseSharedCredentials("[other]\naws_access_key_id=A\naws_secret_access_key=B\n");
  ASSERT_FALSE(no_profile.ok());
  EXPECT_NE(no_profile.status().message().find("[default]"), std::string::npos);
  auto no_secret = ParseSharedCredentials("[default]\naws_access_key_id = A\n");
  ASSERT_FALSE(no_secret.ok());
  EXPECT_NE(no_secret.status().message().find("aws_secret_access_key"), std::string::npos);
  auto no_key = ParseSharedCredentials("[default]\naws_secret_access_key = B\n");
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.status().message().find("aws_access_key_id"), std::string::npos);
  // Keys of another profile do not leak into [default].
  auto split = ParseSharedCredentials(
      "[default]\naws_access_key_id = A\n[x]\naws_secret_access_key = B\n");
  EXPECT_FALSE(split.ok());
}

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(CliCredentials, DataDirFileComesFirst) {
  testing::TempDir dir;
  std::ofstream(fs::path(dir.path()) / "credentials")
      << "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = filesecret\n";
  auto env = FakeEnv({{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}});
  for (bool explicit_dir : {true, false}) {
    auto c = ResolveCredentials(dir.path(), explicit_dir, env);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->access_key_id, "AKIAFILE");
    EXPECT_EQ(c->secret_access_key, "filesecret");
    EXPECT_EQ(c->source, (fs::path(dir.path()) / "credentials").string());
  }
}

TEST(CliCredentials, BadFileIsAnErrorNamingIt) {
  testing::TempDir dir;
  std::ofstream(fs::path(dir.path()) / "credentials") << "[default]\naws_access_key_id = A\n";
  auto env = FakeEnv({{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}});
  auto c = ResolveCredentials(dir.path(), false, env);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), kErrInvalidCredentials);
  EXPECT_NE(c.status().message().find("credentials"), std::string::npos);
}

TEST(CliCredentials, EnvironmentFallbackWhenNoDataDirWasGiven) {
  testing::TempDir dir;  // no credentials file in it
  auto env = FakeEnv({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                      {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                      {"AWS_SESSION_TOKEN", "tok"}});
  auto c = ResolveCredentials(dir.path(), /*data_dir_explicit=*/false, env);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIAENV");
  EXPECT_EQ(c->secret_access_key, "envsecret");
  EXPECT_EQ(c->session_token, "tok");

  // An explicit data dir without credentials never falls back.
  auto strict = ResolveCredentials(dir.path(), /*data_dir_explicit=*/true, env);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), kErrCredentialsNotFound);

  auto half = ResolveCredentials(dir.path(), false, FakeEnv({{"AWS_ACCESS_KEY_ID", "AKIAENV"}}));
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().code(), kErrInvalidCredentials);

  auto nothing = ResolveCredentials(dir.path(), false, FakeEnv({}));
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.status().code(), kErrCredentialsNotFound);
}

// --- Error bodies ------------------------------------------------------------------------

TEST(CliErrorBody, AwsJsonErrors) {
  Status s = ParseErrorBody(400, R"({"__type":"InvalidLogFile","message":"not gzip or JSON"})");
  EXPECT_EQ(s.code(), "InvalidLogFile");
  EXPECT_EQ(s.message(), "not gzip or JSON");
  EXPECT_EQ(s.http_status(), 400);

  s = ParseErrorBody(403, R"({"__type":"com.amazonaws.opentrail#AccessDeniedException","Message":"no"})");
  EXPECT_EQ(s.code(), "AccessDeniedException");
  EXPECT_EQ(s.message(), "no");
  EXPECT_EQ(s.http_status(), 403);

  s = ParseErrorBody(400, R"({"__type":"InvalidSignatureException:http://internal/","message":"m"})");
  EXPECT_EQ(s.code(), "InvalidSignatureException");
}

TEST(CliErrorBody, NonJsonBodies) {
  Status s = ParseErrorBody(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(s.code(), "HttpError502");
  EXPECT_EQ(s.message(), "HTTP 502: <html>Bad Gateway</html>");
  EXPECT_EQ(s.http_status(), 502);
  s = ParseErrorBody(413, "");
  EXPECT_EQ(s.code(), "HttpError413");
  EXPECT_EQ(s.message(), "HTTP 413");
  s = ParseErrorBody(400, R"({"message":"no code"})");
  EXPECT_EQ(s.code(), "HttpError400");
}

// --- A fake server -----------------------------------------------------------------------

struct FakeRequest {
  std::string target;  // X-Amz-Target
  std::string content_type;
  std::string body;
  std::string signature_error;  // empty when the SigV4 signature verified
  std::string service, region;
};

struct FakeResponse {
  int status = 200;
  std::string body;
  bool close_silently = false;  // close the connection after answering, without saying so
};

// Plain blocking HTTP/1.1 server on 127.0.0.1:<ephemeral>, one thread per connection.
class FakeServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeServer(Handler handler) : handler_(std::move(handler)), acceptor_(ioc_) {
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~FakeServer() {
    stop_ = true;
    {  // wake accept()
      net::io_context ioc;
      tcp::socket s(ioc);
      boost::system::error_code ec;
      s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    }
    accept_thread_.join();
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    {
      std::lock_guard lock(mu_);
      sockets = sockets_;
    }
    for (auto& s : sockets) {
      boost::system::error_code ec;
      s->shutdown(tcp::socket::shutdown_both, ec);
    }
    for (auto& t : connection_threads_) t.join();
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void AcceptLoop() {
    while (true) {
      auto socket = std::make_shared<tcp::socket>(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (stop_ || ec) return;
      ++connections_;
      std::lock_guard lock(mu_);
      sockets_.push_back(socket);
      connection_threads_.emplace_back([this, socket] { Serve(*socket); });
    }
  }

  void Serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    while (!stop_) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(300u << 20);
      boost::system::error_code ec;
      bhttp::read(socket, buffer, parser, ec);
      if (ec) return;
      ++requests_;
      auto& req = parser.get();
      FakeRequest fr;
      std::vector<Header> headers;
      for (const auto& f : req) {
        headers.push_back({std::string(f.name_string()), std::string(f.value())});
      }
      fr.target = std::string(FindHeader(headers, "X-Amz-Target"));
      fr.content_type = std::string(FindHeader(headers, "Content-Type"));
      fr.body = req.body();
      std::string target(req.target());
      std::string method(req.method_string());
      auth::RequestView view{method, target, &headers};
      auto params = auth::ExtractSigV4(view);
      if (!params.ok()) {
        fr.signature_error = params.status().ToString();
      } else {
        fr.service = params->service;
        fr.region = params->region;
        std::string expected_key = kKey;
        if (params->access_key_id != expected_key) {
          fr.signature_error = "unknown key " + params->access_key_id;
        } else {
          auto hash = auth::PayloadHashFor(*params, fr.body);
          Status v = hash.ok() ? auth::VerifySignature(view, *params, kSecret, false, *hash)
                               : hash.status();
          if (!v.ok()) fr.signature_error = v.ToString();
        }
      }
      FakeResponse out = handler_(fr);
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(out.status), 11};
      res.set(bhttp::field::content_type, "application/x-amz-json-1.1");
      res.body() = out.body;
      res.keep_alive(true);
      res.prepare_payload();
      bhttp::write(socket, res, ec);
      if (ec || out.close_silently) {
        socket.shutdown(tcp::socket::shutdown_both, ec);
        return;
      }
    }
  }

  Handler handler_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0}, requests_{0};
  std::mutex mu_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> connection_threads_;
  std::thread accept_thread_;
};

Credentials TestCredentials() {
  Credentials c;
  c.access_key_id = kKey;
  c.secret_access_key = kSecret;
  return c;
}

TEST(CliApiClient, SignsAndKeepsTheConnection) {
  std::mutex mu;
  std::vector<FakeRequest> seen;
  FakeServer server([&](const FakeRequest& r) {
    std::lock_guard lock(mu);
    seen.push_back(r);
    return FakeResponse{200, R"({"ok":true})"};
  });
  ApiClient client(*ParseEndpoint(server.url()), TestCredentials());
  for (int i = 0; i < 3; ++i) {
    auto body = client.Call("CreateAccount", R"({"Name":"n"})");
    ASSERT_TRUE(body.ok()) << body.status().ToString();
    EXPECT_EQ(*body, R"({"ok":true})");
  }
  auto raw = client.Send("IngestRecords", std::string("\x1f\x8b\x08\x00 binary", 12),
                         kOctetStreamContentType);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->status, 200);
  EXPECT_EQ(server.connections(), 1);  // keep-alive
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].target, "OpenTrail_20261130.CreateAccount");
  EXPECT_EQ(seen[0].content_type, "application/x-amz-json-1.1");
  EXPECT_EQ(seen[0].body, R"({"Name":"n"})");
  EXPECT_EQ(seen[0].signature_error, "");
  EXPECT_EQ(seen[0].service, "opentrail");
  EXPECT_EQ(seen[0].region, "us-east-1");
  EXPECT_EQ(seen[3].target, "OpenTrail_20261130.IngestRecords");
  EXPECT_EQ(seen[3].content_type, "application/octet-stream");
  EXPECT_EQ(seen[3].body.size(), 12u);
  EXPECT_EQ(seen[3].signature_error, "");
}

TEST(CliApiClient, ErrorsBecomeStatuses) {
  FakeServer server([](const FakeRequest&) {
    return FakeResponse{400, R"({"__type":"InvalidLogFile","message":"not a log file"})"};
  });
  ApiClient client(*ParseEndpoint(server.url()), TestCredentials());
  auto r = client.Call("IngestRecords", "junk", kOctetStreamContentType);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "InvalidLogFile");
  EXPECT_EQ(r.status().message(), "not a log file");
  EXPECT_EQ(r.status().http_status(), 400);
}

TEST(CliApiClient, ReconnectsWhenTheServerClosedAKeptConnection) {
  FakeServer server([](const FakeRequest&) {
    FakeResponse r{200, "{}"};
    r.close_silently = true;  // as a server whose idle timeout closed the connection
    return r;
  });
  ApiClient client(*ParseEndpoint(server.url()), TestCredentials());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Call("CreateAccount", "{}");
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
  }
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(server.requests(), 3);
}

TEST(CliApiClient, NothingListeningIsConnectionFailed) {
  uint16_t port;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed again: nothing listens there now
  ApiClient client(*ParseEndpoint("http://127.0.0.1:" + std::to_string(port)), TestCredentials());
  auto r = client.Call("CreateAccount", "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), kErrConnectionFailed);
}

TEST(CliApiClient, TimesOut) {
  FakeServer server([](const FakeRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    return FakeResponse{200, "{}"};
  });
  ApiClientOptions options;
  options.io_timeout = std::chrono::milliseconds(150);
  ApiClient client(*ParseEndpoint(server.url()), TestCredentials(), options);
  auto r = client.Call("CreateAccount", "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), kErrTimeout);
}

// --- The commands against the fake server ----------------------------------------------

struct CommandRun {
  int exit_code = -1;
  std::string out, err;
};

CommandRun RunCli(std::vector<std::string> args) {
  CLI::App app{"opentrail"};
  app.require_subcommand(1);
  AddImportCommand(app);
  AddAdminCommand(app);
  std::vector<const char*> argv{"opentrail"};
  for (auto& a : args) argv.push_back(a.c_str());
  SetExitCode(-1);
  CommandRun run;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    run.exit_code = ExitCode();
  } catch (const CLI::ParseError& e) {
    run.exit_code = 100 + e.get_exit_code();
  }
  run.out = ::testing::internal::GetCapturedStdout();
  run.err = ::testing::internal::GetCapturedStderr();
  return run;
}

void WriteCredentials(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream(dir / "credentials") << "[default]\naws_access_key_id = " << kKey
                                     << "\naws_secret_access_key = " << kSecret << "\n";
}

// Answers IngestRecords like the real server would, for bodies made of records
// {"eventID":"..."}: an eventID of "bad" is rejected, one seen before is a duplicate.
// A body that does not start with '{' is an InvalidLogFile.
class FakeIngest {
 public:
  FakeResponse operator()(const FakeRequest& r) {
    if (!r.signature_error.empty()) {
      return {403, R"({"__type":"InvalidSignatureException","message":")" + r.signature_error + "\"}"};
    }
    if (r.target != "OpenTrail_20261130.IngestRecords") {
      return {400, R"({"__type":"UnknownOperationException","message":"unknown"})"};
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("Records")) {
      return {400, R"({"__type":"InvalidLogFile","message":"expected {\"Records\":[...]}"})"};
    }
    std::lock_guard lock(mu_);
    ++calls_;
    boost::json::object out;
    int64_t accepted = 0, duplicates = 0, rejected = 0;
    boost::json::array errors;
    const auto& records = v.at("Records").as_array();
    for (size_t i = 0; i < records.size(); ++i) {
      std::string id(records[i].at("eventID").as_string());
      if (id == "bad") {
        ++rejected;
        errors.push_back({{"Index", i}, {"Message", "eventTime: missing"}});
      } else if (!seen_.insert(id).second) {
        ++duplicates;
      } else {
        ++accepted;
      }
    }
    out["Accepted"] = accepted;
    out["Duplicates"] = duplicates;
    out["Rejected"] = rejected;
    out["Errors"] = errors;
    out["ErrorsTruncated"] = false;
    return {200, boost::json::serialize(out)};
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::set<std::string> seen_;
  int calls_ = 0;
};

std::string LogFile(std::vector<std::string> ids) {
  std::string s = "{\"Records\":[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ",";
    s += "{\"eventID\":\"" + ids[i] + "\"}";
  }
  return s + "]}";
}

TEST(CliImportCommand, ImportsFoldersAndReports) {
  auto fake = std::make_shared<FakeIngest>();
  FakeServer server([fake](const FakeRequest& r) { return (*fake)(r); });
  testing::TempDir dir;
  fs::path data = fs::path(dir.path()) / "data";
  WriteCredentials(data);
  fs::path logs = fs::path(dir.path()) / "logs";
  fs::create_directories(logs / "a/b");
  std::ofstream(logs / "a/b/1.json") << LogFile({"e1", "e2", "e3"});
  std::ofstream(logs / "a/2.json") << LogFile({"e4", "e1"});
  std::ofstream(logs / "README.md") << "not a log";

  auto run = RunCli({"import", logs.string(), "--endpoint", server.url(), "--data-dir",
                     data.string(), "--concurrency", "2", "--no-progress"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("files:       2 (2 read)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("imported:    4 records"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("duplicates:  1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("rejected:    0"), std::string::npos) << run.out;
  EXPECT_EQ(fake->calls(), 2);

  // Again: everything is a duplicate now.
  run = RunCli({"import", logs.string(), "--endpoint", server.url(), "--data-dir", data.string(),
                "--json", "--no-progress"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  boost::system::error_code ec;
  auto v = boost::json::parse(run.out, ec);
  ASSERT_FALSE(ec) << run.out;
  EXPECT_EQ(v.at("Accepted").as_int64(), 0);
  EXPECT_EQ(v.at("Duplicates").as_int64(), 5);
}

TEST(CliImportCommand, RejectedRecordsAndFailedFilesSetTheExitCode) {
  auto fake = std::make_shared<FakeIngest>();
  FakeServer server([fake](const FakeRequest& r) { return (*fake)(r); });
  testing::TempDir dir;
  fs::path data = fs::path(dir.path()) / "data";
  WriteCredentials(data);
  fs::path logs = fs::path(dir.path()) / "logs";
  fs::create_directories(logs);
  std::ofstream(logs / "1.json") << LogFile({"x1", "bad", "x2"});

  auto run = RunCli({"import", logs.string(), "--endpoint", server.url(), "--data-dir",
                     data.string(), "--no-progress"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.out.find((logs / "1.json").string() + ":1: eventTime: missing"), std::string::npos)
      << run.out;

  std::ofstream(logs / "2.json") << "garbage";
  run = RunCli({"import", logs.string(), "--endpoint", server.url(), "--data-dir",
                data.string(), "--no-progress"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find((logs / "2.json").string() + ": InvalidLogFile: expected"),
            std::string::npos)
      << run.out;
}

TEST(CliImportCommand, WrongCredentialsStopTheImport) {
  auto fake = std::make_shared<FakeIngest>();
  FakeServer server([fake](const FakeRequest& r) { return (*fake)(r); });
  testing::TempDir dir;
  fs::path data = fs::path(dir.path()) / "data";
  fs::create_directories(data);
  std::ofstream(data / "credentials")
      << "[default]\naws_access_key_id = " << kKey << "\naws_secret_access_key = wrong\n";
  fs::path logs = fs::path(dir.path()) / "logs";
  fs::create_directories(logs);
  for (int i = 0; i < 20; ++i) {
    std::ofstream(logs / (std::to_string(i) + ".json")) << LogFile({"id" + std::to_string(i)});
  }
  auto run = RunCli({"import", logs.string(), "--endpoint", server.url(), "--data-dir",
                     data.string(), "--concurrency", "1", "--no-progress"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("1 failed, 19 not sent"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("InvalidSignatureException"), std::string::npos) << run.err;
}

TEST(CliImportCommand, ServerUnreachable) {
  testing::TempDir dir;
  fs::path data = fs::path(dir.path()) / "data";
  WriteCredentials(data);
  fs::path logs = fs::path(dir.path()) / "logs";
  fs::create_directories(logs);
  std::ofstream(logs / "1.json") << LogFile({"a"});
  std::ofstream(logs / "2.json") << LogFile({"b"});
  uint16_t port;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto start = std::chrono::steady_clock::now();
  auto run = RunCli({"import", logs.string(), "--endpoint", "http://127.0.0.1:" + std::to_string(port),
                     "--data-dir", data.string(), "--concurrency", "1", "--no-progress"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_NE(run.err.find("ConnectionFailed"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("1 failed, 1 not sent"), std::string::npos) << run.out;
}

TEST(CliAdminCommand, CreateAccountPrintsTheCredentials) {
  std::mutex mu;
  std::string last_body;
  FakeServer server([&](const FakeRequest& r) {
    if (!r.signature_error.empty() || r.target != "OpenTrail_20261130.CreateAccount") {
      return FakeResponse{400, R"({"__type":"Unexpected","message":"x"})"};
    }
    std::lock_guard lock(mu);
    last_body = r.body;
    if (r.body.find("111111111111") != std::string::npos) {
      return FakeResponse{400, R"({"__type":"AccountAlreadyExistsException","message":"account 111111111111 exists"})"};
    }
    return FakeResponse{200,
                        R"({"AccountId":"222222222222","AccessKeyId":"AKIANEW","SecretAccessKey":"s"})"};
  });
  testing::TempDir dir;
  fs::path data = fs::path(dir.path()) / "data";
  WriteCredentials(data);

  auto run = RunCli({"admin", "create-account", "--account-id", "222222222222", "--name", "dev",
                     "--org-member", "--endpoint", server.url(), "--data-dir", data.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  boost::system::error_code ec;
  auto out = boost::json::parse(run.out, ec);
  ASSERT_FALSE(ec) << run.out;
  EXPECT_EQ(out.at("AccountId").as_string(), "222222222222");
  EXPECT_EQ(out.at("AccessKeyId").as_string(), "AKIANEW");
  EXPECT_EQ(out.at("SecretAccessKey").as_string(), "s");
  {
    std::lock_guard lock(mu);
    auto req = boost::json::parse(last_body).as_object();
    EXPECT_EQ(req.at("AccountId").as_string(), "222222222222");
    EXPECT_EQ(req.at("Name").as_string(), "dev");
    EXPECT_EQ(req.at("OrgMember").as_bool(), true);
  }

  // Without flags the body is an empty object.
  run = RunCli({"admin", "create-account", "--endpoint", server.url(), "--data-dir", data.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(last_body, "{}");
  }

  run = RunCli({"admin", "create-account", "--account-id", "111111111111", "--endpoint",
                server.url(), "--data-dir", data.string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("AccountAlreadyExistsException: account 111111111111 exists"),
            std::string::npos)
      << run.err;

  // Flags from the environment.
  setenv("OPENTRAIL_DATA_DIR", data.string().c_str(), 1);
  setenv("OPENTRAIL_ENDPOINT", server.url().c_str(), 1);
  setenv("OPENTRAIL_NAME", "from-env", 1);
  run = RunCli({"admin", "create-account"});
  unsetenv("OPENTRAIL_DATA_DIR");
  unsetenv("OPENTRAIL_ENDPOINT");
  unsetenv("OPENTRAIL_NAME");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::lock_guard lock(mu);
  EXPECT_EQ(last_body, R"({"Name":"from-env"})");
}

TEST(CliAdminCommand, MissingCredentialsFailBeforeAnyCall) {
  testing::TempDir dir;
  auto run = RunCli({"admin", "create-account", "--endpoint", "http://127.0.0.1:1", "--data-dir",
                     (fs::path(dir.path()) / "nowhere").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("CredentialsNotFound"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace ot::cli
