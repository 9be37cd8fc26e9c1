// A small HTTP/1.1 server on Boost.Beast: one io_context, asynchronous
// sessions, no thread per connection. Requests are routed by method and exact
// path to handlers that return a status and a JSON body.
//
// Limits (a hostile client must not grow memory or starve others): request
// bodies up to 64 KiB, headers 8 KiB, a read buffer of 16 KiB (so no header
// line, chunk-size line, chunk extension or trailer can be longer), 256 KiB on
// the wire per request (chunk framing and trailers included), 30 s to send a
// request; anything larger or slower is refused without touching the
// handlers. Connections are capped overall and per client address
// (ServerLimits): a new connection beyond a cap closes the connection idle
// longest, or is refused when none is idle. When the process runs out of
// descriptors, accepting backs off (50 ms doubling to 1 s) and says so in the
// log instead of spinning. No exception from a handler or from text a client
// sent reaches the event loop: it becomes a 500 (and a log line). Every
// response carries security headers (nosniff, no framing, no referrer, a
// strict content security policy) and `Cache-Control: no-store`.
//
// Thread-safety: handlers run on the io_context's thread; what they read from
// the rest of the daemon must be synchronised by the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"

namespace boost::asio {
class io_context;
}

namespace kirchhoff::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::string query;   // after '?', undecoded
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string remote;                                        // client address, for throttling
  // Segments of the path that matched a route's {name} parts, in order.
  std::vector<std::string> path_params = {};

  // The first header of that (lower-case) name, or "".
  std::string header(std::string_view name) const;
  // A cookie's value from the Cookie header, or "".
  std::string cookie(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Set-Cookie
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;
// Delivers the response of an asynchronous handler; may be called from any
// thread, once (later calls are ignored).
using Responder = std::function<void(HttpResponse)>;
// A handler that answers later, e.g. after slow work on another thread.
using AsyncHandler = std::function<void(const HttpRequest&, Responder)>;

// Fans messages out to the WebSocket clients of one stream. publish() may be
// called from any thread; delivery happens on the server's event loop. Each
// client holds at most 8 undelivered messages: a client too slow for that
// loses the oldest ones rather than growing the daemon's memory.
class Broadcaster {
 public:
  class Client {
   public:
    virtual ~Client() = default;
    virtual void send(std::shared_ptr<const std::string> message) = 0;
  };

  void publish(std::string message);
  void subscribe(const std::shared_ptr<Client>& client);
  std::size_t clients() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<Client>> clients_;
};

// Decides whether a WebSocket upgrade may proceed: empty to accept, else the
// HTTP response that refuses it (401, 403).
using UpgradeCheck = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

class Router {
 public:
  // `path` may hold {name} segments that match any one non-empty segment
  // ("/api/v1/outputs/{module}/{output}"); the handler finds them in
  // HttpRequest::path_params.
  void add(std::string method, std::string path, Handler handler);
  // A route whose handler answers through the Responder, from any thread.
  void add_async(std::string method, std::string path, AsyncHandler handler);
  // Answers requests for paths outside /api/ that no route matches (the
  // dashboard's files).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }
  // A WebSocket endpoint: upgrades at `path` that pass `check` join `stream`.
  void add_websocket(std::string path, UpgradeCheck check, Broadcaster& stream);

  struct WebSocketRoute {
    std::string path;
    UpgradeCheck check;
    Broadcaster* stream;
  };
  const WebSocketRoute* websocket(const std::string& path) const;
  // "METHOD PATH" of every route and WebSocket, for checking the description.
  std::vector<std::string> routes() const;
  // 404 for an unknown path, 405 for a known path with another method. A
  // handler that throws gives a 500 and never reaches the caller.
  void dispatch(const HttpRequest& request, Responder respond) const;
  // The same, waiting for an asynchronous handler's answer (for tests).
  HttpResponse dispatch(const HttpRequest& request) const;
  // Runs before every route, WebSocket and file: a response refuses the
  // request (the local-only setting refuses clients outside the local network).
  void set_gate(std::function<std::optional<HttpResponse>(const HttpRequest&)> gate) {
    gate_ = std::move(gate);
  }
  std::optional<HttpResponse> gate(const HttpRequest& request) const {
    return gate_ ? gate_(request) : std::nullopt;
  }
  // Where handler failures are logged (none: not logged).
  void set_log(common::Logger& log) { log_ = &log; }

 private:
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
    AsyncHandler async_handler;
  };
  // The route for the request and its {name} parameters, or the response
  // that refuses it (gate, 404, 405, WebSocket asked for without upgrade).
  const Route* match(const HttpRequest& request, std::vector<std::string>& params,
                     HttpResponse& refused) const;
  std::vector<Route> routes_;
  std::vector<WebSocketRoute> websockets_;
  Handler fallback_;
  std::function<std::optional<HttpResponse>(const HttpRequest&)> gate_;
  common::Logger* log_ = nullptr;
};

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0"
  std::uint16_t port = 0;
};

// True for addresses of this box or its local network: loopback, private
// IPv4 (10/8, 172.16/12, 192.168/16), link-local (169.254/16, fe80::/10),
// unique-local IPv6 (fc00::/7), also as IPv4-mapped IPv6. False otherwise,
// including for text that is not an address.
bool is_local_address(const std::string& address);

// "%20" → ' ' (a malformed escape is kept as it is); '+' → ' ' only where
// it means a space (queries), not in paths.
std::string percent_decode(std::string_view text, bool plus_is_space);

// "127.0.0.1:8080", "[::1]:8080", "localhost:8080" or ":8080" (loopback).
common::Result<ListenAddress> parse_listen_address(const std::string& text);

// PEM files of the server's certificate (with its chain) and private key.
struct TlsFiles {
  std::string certificate;
  std::string key;
};

// Caps on connections. Defaults suit a home box: a few browsers and
// scripts; the daemon lowers max_connections when its descriptor limit is
// low.
struct ServerLimits {
  std::size_t max_connections = 512;
  std::size_t max_connections_per_address = 32;
  std::size_t max_websockets = 64;
};

class HttpServer {
 public:
  // Binds and starts accepting, over TLS when `tls` is given; errors name the
  // address or file and the reason (e.g. "127.0.0.1:8080 is already in use").
  static common::Result<std::unique_ptr<HttpServer>> start(
      boost::asio::io_context& io, const ListenAddress& address, const Router& router,
      common::Logger& log, const TlsFiles* tls = nullptr, ServerLimits limits = {});
  ~HttpServer();
  std::uint16_t port() const;  // the bound port (useful with port 0)
  // Open HTTP connections (not WebSockets); call on the event loop's thread.
  std::size_t connections() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// {"error": message} with the status.
HttpResponse json_error(int status, const std::string& message);
// A JSON body with the status.
HttpResponse json_body(int status, std::string body);

}  // namespace kirchhoff::api
