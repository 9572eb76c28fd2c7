// http/server.cc — Beast sessions: read headers (bounded, timed), decide the body limit,
// read the body, hand the request to the Handler, write its response, repeat (keep-alive).
#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace ot::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

struct Server::Impl {
  Handler* handler;
  Limits limits;
  int threads;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> workers;
  std::atomic<size_t> connections{0};
  std::atomic<int64_t> in_flight{0};
  std::atomic<bool> stopping{false};

  Impl(Handler* h, Limits l, int t) : handler(h), limits(l), threads(t), ioc(t), acceptor(ioc) {}
  void Accept();
};

namespace {

constexpr size_t kBodyReadChunk = 256 * 1024;

// A request that is not valid HTTP (as opposed to EOF, timeouts and resets).
bool IsParseError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl* server)
      : stream_(std::move(socket)), server_(server) {
    boost::system::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ip_ = ep.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
    server_->connections++;
  }
  ~Session() { server_->connections--; }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

 private:
  void ReadHeader() {
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.header_bytes));
    parser_->body_limit(boost::none);  // the real limit is set once the headers are in
    stream_.expires_after(std::chrono::milliseconds(server_->limits.header_timeout_ms));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      if (ec == bhttp::error::header_limit) return Fail(server_->handler->Malformed("headers too large"));
      if (IsParseError(ec))
        return Fail(server_->handler->Malformed(ec.message()));
      return Close();  // EOF, timeout, reset
    }
    auto& msg = parser_->get();
    head_ = Request{};
    head_.method = std::string(msg.method_string());
    head_.target = std::string(msg.target());
    head_.remote_ip = remote_ip_;
    head_.headers.reserve(16);
    for (auto& field : msg) head_.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    keep_alive_ = msg.keep_alive();

    size_t limit = server_->handler->BodyLimit(head_);
    auto declared = parser_->content_length();
    if (declared && *declared > limit) return Fail(server_->handler->TooLarge(head_, limit));
    parser_->body_limit(limit);

    if (parser_->is_done()) return Dispatch();
    if (EqualsIgnoreCase(head_.Header("expect"), "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *cont, [self = shared_from_this(), cont, limit](beast::error_code ec, size_t) {
        if (ec) return self->Close();
        self->ReadBody(limit);
      });
      return;
    }
    ReadBody(limit);
  }

  void ReadBody(size_t limit) {
    // Beast reads at most the buffer's spare room per syscall; without room it reads 512
    // bytes at a time, which dominates large uploads.
    auto declared = parser_->content_length();
    size_t want = declared ? std::min<uint64_t>(*declared, kBodyReadChunk) : kBodyReadChunk;
    if (buffer_.capacity() - buffer_.size() < want) buffer_.reserve(buffer_.size() + want);
    stream_.expires_after(std::chrono::milliseconds(server_->limits.body_timeout_ms));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this(), limit](beast::error_code ec, size_t) {
                        if (ec == bhttp::error::body_limit)
                          return self->Fail(self->server_->handler->TooLarge(self->head_, limit));
                        if (ec) {
                          if (IsParseError(ec))
                            return self->Fail(self->server_->handler->Malformed(ec.message()));
                          return self->Close();
                        }
                        self->Dispatch();
                      });
  }

  void Dispatch() {
    head_.body = std::move(parser_->get().body());
    if (buffer_.size() == 0 && buffer_.capacity() > 64 * 1024) buffer_.shrink_to_fit();  // idle connections stay small
    stream_.expires_never();
    server_->in_flight++;
    auto self = shared_from_this();
    server_->handler->Handle(std::move(head_), [self](Response r) {
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
        self->server_->in_flight--;
        self->Write(std::move(r), /*then_close=*/false);
      });
    });
  }

  // Answers and closes: the request cannot be read further (too large, malformed).
  void Fail(Response r) {
    keep_alive_ = false;
    Write(std::move(r), /*then_close=*/true);
  }

  void Write(Response r, bool then_close) {
    if (r.stream) return WriteStreamed(std::move(r), then_close);
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    for (auto& h : r.headers) res->insert(h.name, h.value);
    res->body() = std::move(r.body);
    bool keep = keep_alive_ && !r.close && !then_close && !server_->stopping;
    res->keep_alive(keep);
    if (!res->has_content_length()) res->prepare_payload();
    stream_.expires_after(std::chrono::milliseconds(server_->limits.body_timeout_ms));
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res, keep, then_close](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      if (then_close) return self->LingeringClose();
      if (!keep) return self->Close();
      self->ReadHeader();
    });
  }

  // A streamed body: the header, then one piece at a time (read while nothing is in flight,
  // so a connection holds at most one piece in memory).
  struct Streamed {
    bhttp::response<bhttp::buffer_body> res;
    std::optional<bhttp::response_serializer<bhttp::buffer_body>> serializer;
    std::shared_ptr<BodyStream> source;
    std::string piece;
    uint64_t remaining = 0;
    bool keep = false;
  };
  static constexpr size_t kStreamPieceBytes = 4u << 20;

  void WriteStreamed(Response r, bool then_close) {
    auto st = std::make_shared<Streamed>();
    st->res.version(11);
    st->res.result(static_cast<unsigned>(r.status));
    for (auto& h : r.headers) st->res.insert(h.name, h.value);
    st->source = std::move(r.stream);
    st->remaining = st->source->Size();
    st->res.content_length(st->remaining);
    st->keep = keep_alive_ && !r.close && !then_close && !server_->stopping;
    st->res.keep_alive(st->keep);
    st->res.body().data = nullptr;
    st->res.body().more = true;
    st->serializer.emplace(st->res);
    stream_.expires_after(std::chrono::milliseconds(server_->limits.body_timeout_ms));
    bhttp::async_write_header(stream_, *st->serializer, [self = shared_from_this(), st](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->WriteNextPiece(st);
    });
  }

  void WriteNextPiece(const std::shared_ptr<Streamed>& st) {
    if (st->remaining > 0) {
      if (!st->source->Next(static_cast<size_t>(std::min<uint64_t>(st->remaining, kStreamPieceBytes)), &st->piece) ||
          st->piece.empty() || st->piece.size() > st->remaining) {
        return Close();  // the body cannot be completed: the client sees a short body
      }
      st->remaining -= st->piece.size();
      st->res.body().data = st->piece.data();
      st->res.body().size = st->piece.size();
    } else {
      st->res.body().data = nullptr;
      st->res.body().size = 0;
    }
    st->res.body().more = st->remaining > 0;
    stream_.expires_after(std::chrono::milliseconds(server_->limits.body_timeout_ms));
    bhttp::async_write(stream_, *st->serializer, [self = shared_from_this(), st](beast::error_code ec, size_t) {
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) return self->Close();
      if (!st->serializer->is_done()) return self->WriteNextPiece(st);
      st->piece = std::string();
      if (!st->keep) return self->Close();
      self->ReadHeader();
    });
  }

  // After an early answer the client may still be sending its body; read and discard it
  // for a while so the client gets to read our answer instead of a connection reset.
  void LingeringClose() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    drain_buffer_ = std::make_shared<std::array<char, 65536>>();
    stream_.expires_after(std::chrono::seconds(5));
    Drain(0);
  }

  void Drain(size_t drained) {
    if (drained > (256u << 20)) return Close();
    stream_.async_read_some(net::buffer(*drain_buffer_),
                            [self = shared_from_this(), drained](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->Drain(drained + n);
                            });
  }

  void Close() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  Server::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request head_;
  bool keep_alive_ = true;
  std::string remote_ip_;
  std::shared_ptr<std::array<char, 65536>> drain_buffer_;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (stopping || !acceptor.is_open()) return;
    } else if (connections.load() >= limits.max_connections) {
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<Session>(std::move(socket), this)->Start();
    }
    Accept();
  });
}

Server::Server(Handler* handler, Limits limits, int threads)
    : impl_(std::make_unique<Impl>(handler, limits, threads < 1 ? 1 : threads)) {}

Server::~Server() { Stop(0); }

Status Server::Listen(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) return Status::Internal("cannot resolve " + host + ": " + ec.message());
  tcp::endpoint ep = results.begin()->endpoint();
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Internal("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  impl_->Accept();
  return Status::Ok();
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void Server::Start() {
  for (int i = 0; i < impl_->threads; ++i) impl_->workers.emplace_back([this] { impl_->ioc.run(); });
}

void Server::Stop(int64_t grace_ms) {
  if (impl_->workers.empty() && impl_->stopping) return;
  impl_->stopping = true;
  net::post(impl_->ioc, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->ioc.stop();
  for (auto& t : impl_->workers)
    if (t.joinable()) t.join();
  impl_->workers.clear();
}

}  // namespace ot::http
