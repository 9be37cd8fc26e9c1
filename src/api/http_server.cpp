#include "api/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <charconv>
#include <future>
#include <nlohmann/json.hpp>

#include "common/json_text.hpp"
#include "common/utf8.hpp"

namespace kirchhoff::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint64_t kBodyLimit = 64 * 1024;
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
// The parser needs a whole header block, chunk-size line (with extensions)
// or trailer block in the buffer at once; capping the buffer caps them all.
constexpr std::size_t kReadBufferLimit = 16 * 1024;
// Bytes on the wire per request, framing included: a chunked body of many
// tiny chunks with extensions, or a long trailer, ends here.
constexpr std::size_t kRequestByteLimit = 256 * 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(30);

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// The open HTTP connections, oldest first, for the connection caps. Used on
// the event loop's thread only; shared with the sessions so it outlives the
// server while their last handlers run.
class ConnectionRegistry {
 public:
  class Connection {
   public:
    virtual ~Connection() = default;
    // Closes the socket now (its handlers then finish with an error).
    virtual void shut() = 0;
    std::string address;
    bool idle = true;  // waiting for a request, nothing of it received yet
    std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();
  };

  void add(Connection* c) { connections_.push_back(c); }
  void remove(Connection* c) { std::erase(connections_, c); }
  std::size_t size() const { return connections_.size(); }
  std::size_t count(const std::string& address) const {
    return static_cast<std::size_t>(std::count_if(connections_.begin(), connections_.end(),
                                                  [&](auto* c) { return c->address == address; }));
  }

  // Closes the connection idle longest (of `address` when given); false
  // when none is idle.
  bool close_oldest_idle(const std::string* address) {
    Connection* victim = nullptr;
    for (Connection* c : connections_) {
      if (c->idle && (address == nullptr || c->address == *address) &&
          (victim == nullptr || c->idle_since < victim->idle_since)) {
        victim = c;
      }
    }
    if (victim == nullptr) {
      return false;
    }
    close(victim);
    return true;
  }

  // Closes the oldest connection of the address holding the most, when it
  // holds more than one: many busy connections from one place give way first.
  bool close_oldest_of_busiest() {
    std::map<std::string, std::size_t> per_address;
    for (Connection* c : connections_) {
      ++per_address[c->address];
    }
    const auto busiest = std::max_element(per_address.begin(), per_address.end(),
                                          [](auto& a, auto& b) { return a.second < b.second; });
    if (busiest == per_address.end() || busiest->second < 2) {
      return false;
    }
    for (Connection* c : connections_) {
      if (c->address == busiest->first) {
        close(c);
        return true;
      }
    }
    return false;
  }

 private:
  void close(Connection* c) {
    remove(c);  // its descriptor is free now, not when its handlers finish
    c->shut();
  }
  std::vector<Connection*> connections_;
};

// One WebSocket client: writes queued messages one at a time, reads only to
// notice the close.
// Stream: beast::tcp_stream, or TlsStream when the server has a certificate.
template <class Stream>
class WebSocketSession : public Broadcaster::Client,
                         public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  explicit WebSocketSession(Stream stream) : ws_(std::move(stream)) {}

  void start(http::request<http::string_body> request, Broadcaster& stream) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(beast::websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(4096);
    ws_.async_accept(request, [self = this->shared_from_this(), &stream](beast::error_code ec) {
      if (!ec) {
        stream.subscribe(self);
        self->read();
      }
    });
  }

  void send(std::shared_ptr<const std::string> message) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), message] {
      if (self->queue_.size() >= 8) {
        self->queue_.erase(self->queue_.begin() + (self->writing_ ? 1 : 0));
      }
      self->queue_.push_back(message);
      if (!self->writing_) {
        self->write();
      }
    });
  }

 private:
  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) {
        self->in_.consume(self->in_.size());
        self->read();
      }
    });
  }

  void write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->queue_.erase(self->queue_.begin());
                      self->writing_ = false;
                      if (!ec && !self->queue_.empty()) {
                        self->write();
                      }
                    });
  }

  beast::websocket::stream<Stream> ws_;
  beast::flat_buffer in_{4096 + 512};  // one message at most, with its framing
  std::vector<std::shared_ptr<const std::string>> queue_;
  bool writing_ = false;
};

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>>,
                public ConnectionRegistry::Connection {
 public:
  Session(Stream stream, const Router& router, common::Logger& log,
          std::shared_ptr<ConnectionRegistry> registry, const ServerLimits& limits,
          std::string remote)
      : stream_(std::move(stream)),
        router_(router),
        log_(log),
        registry_(std::move(registry)),
        limits_(limits) {
    address = std::move(remote);
    registry_->add(this);
  }
  ~Session() override { registry_->remove(this); }

  void shut() override {
    beast::get_lowest_layer(stream_).close();
    closed_ = true;
  }

  void start() {
    if constexpr (kIsTls<Stream>) {
      // The TLS handshake first, within the same time limit as a request.
      beast::get_lowest_layer(stream_).expires_after(kRequestTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) {
                                  self->read();
                                }
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    if (closed_) {
      return;
    }
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(kHeaderLimit);
    request_bytes_ = 0;
    idle = true;
    idle_since = std::chrono::steady_clock::now();
    beast::get_lowest_layer(stream_).expires_after(kRequestTimeout);
    read_some();
  }

  // Reads piece by piece so the bytes of one request can be counted.
  void read_some() {
    http::async_read_some(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
          self->request_bytes_ += bytes;
          if (bytes > 0) {
            self->idle = false;
          }
          if (!ec && self->request_bytes_ > kRequestByteLimit) {
            ec = http::error::body_limit;
          }
          if (!ec && !self->parser_->is_done()) {
            return self->read_some();
          }
          self->on_read(ec);
        });
  }

  void on_read(beast::error_code ec) {
    idle = false;
    if (closed_ || ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == asio::error::eof) {
      return close();
    }
    if (ec) {
      const bool too_large = ec == http::error::body_limit || ec == http::error::header_limit ||
                             ec == http::error::buffer_overflow;
      HttpResponse response =
          json_error(too_large ? 413 : 400, too_large ? "request too large" : "malformed request");
      return write(response, 11, false);
    }
    // From here on text from the client meets the handlers: nothing they or
    // it throw may leave this function (it would end the event loop).
    unsigned version = 11;
    try {
      auto request = parser_->release();
      version = request.version();
      if (beast::websocket::is_upgrade(request)) {
        return upgrade(std::move(request));
      }
      const bool keep_alive = request.keep_alive();
      HttpRequest req = to_request(request);
      router_.dispatch(
          req, [self = this->shared_from_this(), version, keep_alive](HttpResponse response) {
            // Back on the session's own executor whichever thread answered.
            asio::post(self->stream_.get_executor(),
                       [self, version, keep_alive, response = std::move(response)] {
                         self->write(response, version, keep_alive);
                       });
          });
    } catch (const std::exception& e) {
      log_.error("request failed", {{"error", common::log_safe(e.what(), 200)}});
      write(json_error(500, "internal error"), version, false);
    }
  }

  void upgrade(http::request<http::string_body> request) {
    const HttpRequest req = to_request(request);
    if (auto refused = router_.gate(req)) {
      return write(*refused, request.version(), false);
    }
    const Router::WebSocketRoute* route = router_.websocket(req.path);
    if (route == nullptr) {
      return write(json_error(404, "no WebSocket at " + req.path), request.version(), false);
    }
    if (auto refused = route->check(req)) {
      return write(*refused, request.version(), false);
    }
    if (route->stream->clients() >= limits_.max_websockets) {
      return write(json_error(503, "too many live streams open; try again later"),
                   request.version(), false);
    }
    // The WebSocket counts against its own cap from now on.
    registry_->remove(this);
    std::make_shared<WebSocketSession<Stream>>(std::move(stream_))
        ->start(std::move(request), *route->stream);
  }

  HttpRequest to_request(http::request<http::string_body>& request) {
    HttpRequest req;
    req.method = std::string(request.method_string());
    const std::string target(request.target());
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.body = std::move(request.body());
    for (const auto& field : request) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      req.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    req.remote = address;
    return req;
  }

  void write(const HttpResponse& r, unsigned version, bool keep_alive) {
    if (closed_) {
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::server, "kirchhoff");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    res->set("X-Frame-Options", "DENY");
    res->set("Referrer-Policy", "no-referrer");
    res->set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    for (const auto& [name, value] : r.headers) {
      res->set(name, value);  // a handler's header replaces the default
    }
    res->keep_alive(keep_alive);
    res->body() = r.body;
    res->prepare_payload();
    if (r.status == 204) {
      // No content: no Content-Length (RFC 9110, 8.6) and nothing to type.
      res->erase(http::field::content_length);
      res->erase(http::field::content_type);
    }
    http::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) {
            return self->close();
          }
          self->read();
        });
  }

  void close() {
    if (closed_) {
      return;
    }
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_)
            .socket()
            .shutdown(tcp::socket::shutdown_send, ignored);
      });
    } else {
      // A lingering close: stop sending, then read and drop what the client
      // is still sending (the rest of a refused body) for up to 2 s, so its
      // last writes do not turn into a reset that throws our answer away.
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream_.expires_after(std::chrono::seconds(2));
      drain();
    }
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) {
                                self->drain();
                              }
                            });
  }

  std::array<char, 4096> drain_buffer_{};

  Stream stream_;
  beast::flat_buffer buffer_{kReadBufferLimit};
  std::optional<http::request_parser<http::string_body>> parser_;
  std::size_t request_bytes_ = 0;
  bool closed_ = false;
  const Router& router_;
  common::Logger& log_;
  std::shared_ptr<ConnectionRegistry> registry_;
  ServerLimits limits_;
};

// Says at most once per interval what happened how often since, so a flood
// of refusals writes a few lines, not one per connection.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::seconds interval) : interval_(interval) {}
  // The number of events to report now (this one included), or 0 to stay quiet.
  std::size_t count() {
    ++pending_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < interval_) {
      return 0;
    }
    last_ = now;
    return std::exchange(pending_, 0);
  }

 private:
  std::chrono::seconds interval_;
  std::chrono::steady_clock::time_point last_{};
  std::size_t pending_ = 0;
};

}  // namespace

struct HttpServer::Impl {
  Impl(asio::io_context& io, const Router& r, common::Logger& l, ServerLimits lim)
      : acceptor(io), retry(io), router(r), log(l), limits(lim) {}

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) {
        return;
      }
      if (ec) {
        return accept_failed(ec);
      }
      backoff = std::chrono::milliseconds(0);
      beast::error_code remote_ec;
      const auto endpoint = socket.remote_endpoint(remote_ec);
      std::string remote = remote_ec ? "" : endpoint.address().to_string();
      if (!make_room(remote)) {
        beast::error_code ignored;
        socket.close(ignored);
      } else if (tls) {
        std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *tls), router, log,
                                             registry, limits, std::move(remote))
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), router,
                                                     log, registry, limits, std::move(remote))
            ->start();
      }
      accept();
    });
  }

  // Frees a place for a connection from `address` within the caps: the
  // connection idle longest goes; false refuses the new one.
  bool make_room(const std::string& address) {
    bool room = true;
    bool capped = false;
    if (registry->count(address) >= limits.max_connections_per_address) {
      capped = true;
      room = registry->close_oldest_idle(&address);
    }
    if (room && registry->size() >= limits.max_connections) {
      capped = true;
      room = registry->close_oldest_idle(nullptr) || registry->close_oldest_of_busiest();
    }
    if (capped) {
      if (const std::size_t n = capped_log.count(); n > 0) {
        log.warning("connection limit reached: closing idle connections",
                    {{"limit", std::to_string(limits.max_connections)},
                     {"per_address", std::to_string(limits.max_connections_per_address)},
                     {"remote", address},
                     {"events", std::to_string(n)}});
      }
    }
    return room;
  }

  // accept() failed, e.g. out of descriptors (EMFILE): log it (rarely), make
  // room if we can, and try again after a back-off instead of at once.
  void accept_failed(const beast::error_code& ec) {
    if (ec == asio::error::no_descriptors) {
      registry->close_oldest_idle(nullptr);
    }
    backoff = backoff.count() == 0 ? std::chrono::milliseconds(50)
                                   : std::min(backoff * 2, std::chrono::milliseconds(1000));
    if (const std::size_t n = accept_log.count(); n > 0) {
      log.warning("cannot accept connections", {{"reason", ec.message()},
                                                {"connections", std::to_string(registry->size())},
                                                {"retry_ms", std::to_string(backoff.count())},
                                                {"events", std::to_string(n)}});
    }
    retry.expires_after(backoff);
    retry.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) {
        accept();
      }
    });
  }

  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor;
  asio::steady_timer retry;
  std::chrono::milliseconds backoff{0};
  const Router& router;
  common::Logger& log;
  ServerLimits limits;
  std::shared_ptr<ConnectionRegistry> registry = std::make_shared<ConnectionRegistry>();
  RateLimitedLog accept_log{std::chrono::seconds(10)};
  RateLimitedLog capped_log{std::chrono::seconds(10)};
};

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

std::string HttpRequest::cookie(std::string_view name) const {
  const std::string all = header("cookie");
  std::size_t pos = 0;
  while (pos < all.size()) {
    const std::size_t end = std::min(all.find(';', pos), all.size());
    std::string_view part(all.data() + pos, end - pos);
    while (!part.empty() && part.front() == ' ') {
      part.remove_prefix(1);
    }
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
    pos = end + 1;
  }
  return {};
}

void Broadcaster::publish(std::string message) {
  auto shared = std::make_shared<const std::string>(std::move(message));
  std::lock_guard lock(mutex_);
  std::erase_if(clients_, [](const auto& weak) { return weak.expired(); });
  for (const auto& weak : clients_) {
    if (auto client = weak.lock()) {
      client->send(shared);
    }
  }
}

void Broadcaster::subscribe(const std::shared_ptr<Client>& client) {
  std::lock_guard lock(mutex_);
  clients_.push_back(client);
}

std::size_t Broadcaster::clients() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(clients_.begin(), clients_.end(), [](const auto& w) { return !w.expired(); }));
}

void Router::add_websocket(std::string path, UpgradeCheck check, Broadcaster& stream) {
  websockets_.push_back({std::move(path), std::move(check), &stream});
}

std::vector<std::string> Router::routes() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) {
    out.push_back(r.method + " " + r.path);
  }
  for (const auto& w : websockets_) {
    out.push_back("GET " + w.path);
  }
  return out;
}

const Router::WebSocketRoute* Router::websocket(const std::string& path) const {
  for (const auto& route : websockets_) {
    if (route.path == path) {
      return &route;
    }
  }
  return nullptr;
}

void Router::add(std::string method, std::string path, Handler handler) {
  routes_.push_back({std::move(method), std::move(path), std::move(handler), nullptr});
}

void Router::add_async(std::string method, std::string path, AsyncHandler handler) {
  routes_.push_back({std::move(method), std::move(path), nullptr, std::move(handler)});
}

namespace {

// Matches a route's path against a request's, collecting {name} segments.
bool path_matches(const std::string& route, const std::string& path,
                  std::vector<std::string>& params) {
  params.clear();
  std::size_t r = 0;
  std::size_t p = 0;
  while (r < route.size() && p < path.size()) {
    if (route[r] == '{') {
      const std::size_t close = route.find('}', r);
      const std::size_t end = path.find('/', p);
      const std::string segment = path.substr(p, end == std::string::npos ? end : end - p);
      if (close == std::string::npos || segment.empty()) {
        return false;
      }
      params.push_back(segment);
      r = close + 1;
      p = end == std::string::npos ? path.size() : end;
    } else if (route[r++] != path[p++]) {
      return false;
    }
  }
  return r == route.size() && p == path.size();
}

}  // namespace

bool is_local_address(const std::string& text) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(text, ec);
  if (ec) {
    return false;
  }
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    return b[0] == 127 || b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
           (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254);
  }
  const auto v6 = address.to_v6();
  const auto b = v6.to_bytes();
  return v6.is_loopback() || v6.is_link_local() || (b[0] & 0xfe) == 0xfc;
}

const Router::Route* Router::match(const HttpRequest& request, std::vector<std::string>& params,
                                   HttpResponse& refused) const {
  if (auto gated = gate(request)) {
    refused = std::move(*gated);
    return nullptr;
  }
  bool path_known = false;
  for (const Route& route : routes_) {
    if (path_matches(route.path, request.path, params)) {
      path_known = true;
      if (route.method == request.method) {
        return &route;
      }
    }
  }
  // A WebSocket endpoint asked for without the upgrade: the same checks as
  // the upgrade, then 426 to say how to ask.
  if (!path_known) {
    if (const WebSocketRoute* ws = websocket(request.path)) {
      if (request.method != "GET") {
        refused = json_error(405, "method " + request.method + " not allowed on " + request.path);
      } else if (auto denied = ws->check(request)) {
        refused = std::move(*denied);
      } else {
        refused = json_error(426, "this is a WebSocket endpoint: send an upgrade");
        refused.headers.emplace_back("Upgrade", "websocket");
      }
      return nullptr;
    }
  }
  if (!path_known && fallback_ && request.path.rfind("/api/", 0) != 0) {
    refused = fallback_(request);
    return nullptr;
  }
  refused = path_known
                ? json_error(405, "method " + request.method + " not allowed on " + request.path)
                : json_error(404, "no such resource: " + request.path);
  return nullptr;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += plus_is_space && text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

void Router::dispatch(const HttpRequest& request, Responder respond) const {
  // The responder answers once: a handler that answers and then throws, or
  // answers twice, cannot send two responses.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Responder once = [answered, respond = std::move(respond)](HttpResponse response) {
    if (!answered->exchange(true)) {
      respond(std::move(response));
    }
  };
  try {
    std::vector<std::string> params;
    HttpResponse refused;
    const Route* route = match(request, params, refused);
    if (route == nullptr) {
      return once(std::move(refused));
    }
    const HttpRequest* req = &request;
    HttpRequest with_params;
    if (!params.empty()) {
      with_params = request;
      for (auto& param : params) {
        param = percent_decode(param, false);  // "EV%20charger" is "EV charger"
      }
      with_params.path_params = std::move(params);
      req = &with_params;
    }
    if (route->async_handler) {
      route->async_handler(*req, once);
    } else {
      once(route->handler(*req));
    }
  } catch (const std::exception& e) {
    // A handler bug must not take the daemon down; the client gets a 500.
    if (log_ != nullptr) {
      log_->error("request handler failed", {{"path", common::log_safe(request.path, 200)},
                                             {"error", common::log_safe(e.what(), 200)}});
    }
    once(json_error(500, "internal error"));
  }
}

HttpResponse Router::dispatch(const HttpRequest& request) const {
  auto answer = std::make_shared<std::promise<HttpResponse>>();
  auto future = answer->get_future();
  dispatch(request, [answer](HttpResponse response) { answer->set_value(std::move(response)); });
  return future.get();
}

HttpResponse json_error(int status, const std::string& message) {
  // Messages often quote the client's own text (a path, a name): never let
  // invalid UTF-8 in them throw.
  return json_body(status, common::json_text(nlohmann::json{{"error", message}}));
}

HttpResponse json_body(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

common::Result<ListenAddress> parse_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return common::make_error(
        common::ErrorKind::kInvalidArgument,
        "listen address '" + text + "' must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  if (address.host.empty() || address.host == "localhost") {
    address.host = "127.0.0.1";
  }
  const std::string port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "listen address '" + text + "': port must be 0 to 65535");
  }
  address.port = static_cast<std::uint16_t>(value);
  beast::error_code bad;
  asio::ip::make_address(address.host, bad);
  if (bad) {
    return common::make_error(
        common::ErrorKind::kInvalidArgument,
        "listen address '" + text + "': '" + address.host + "' is not an IP address");
  }
  return address;
}

common::Result<std::unique_ptr<HttpServer>> HttpServer::start(
    asio::io_context& io, const ListenAddress& address, const Router& router, common::Logger& log,
    const TlsFiles* tls, ServerLimits limits) {
  auto impl = std::make_unique<Impl>(io, router, log, limits);
  if (tls != nullptr) {
    // TLS 1.2 and newer only; the certificate file may hold the chain.
    impl->tls.emplace(asio::ssl::context::tls_server);
    impl->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    beast::error_code tls_ec;
    impl->tls->use_certificate_chain_file(tls->certificate, tls_ec);
    if (tls_ec) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                "TLS certificate " + tls->certificate + ": " + tls_ec.message());
    }
    impl->tls->use_private_key_file(tls->key, asio::ssl::context::pem, tls_ec);
    if (tls_ec) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                "TLS key " + tls->key + ": " + tls_ec.message());
    }
  }
  const tcp::endpoint endpoint(asio::ip::make_address(address.host), address.port);
  const std::string where = address.host + ":" + std::to_string(address.port);
  beast::error_code ec;
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    const std::string reason = ec == asio::error::address_in_use
                                   ? "is already in use (is another kirchhoff running?)"
                                   : "cannot be opened: " + ec.message();
    return common::make_error(common::ErrorKind::kIoError, where + " " + reason);
  }
  impl->accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->retry.cancel();
}

std::size_t HttpServer::connections() const { return impl_->registry->size(); }

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace kirchhoff::api
