// The HTTP server on loopback for the HTTP fuzz targets: started once per
// process on its own thread with a router that has every kind of route (plain,
// {name} parameters, asynchronous from another thread, throwing, WebSocket
// with a check, a fallback), and a client that sends one input's bytes and
// reads until the server closes.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

// Before Boost.Asio, whose awaitable.hpp uses std::exchange without it.
#include <utility>

#include <boost/asio.hpp>
#include <cstdint>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "api/http_server.hpp"

namespace kirchhoff::fuzz {

class FuzzServer {
 public:
  static FuzzServer& instance() {
    static FuzzServer* server = new FuzzServer();  // lives until exit, as the fuzzer does
    return *server;
  }

  // Sends `bytes`, half-closes, and reads the answer (at most 1 s of waiting).
  std::string exchange(std::string_view bytes) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      std::size_t sent = 0;
      while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
          break;
        }
        sent += static_cast<std::size_t>(n);
      }
      ::shutdown(fd, SHUT_WR);
      char buffer[4096];
      for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
          break;
        }
        reply.append(buffer, static_cast<std::size_t>(n));
      }
    }
    ::close(fd);
    return reply;
  }

 private:
  FuzzServer() : log_(sink_) {
    using api::HttpRequest;
    using api::HttpResponse;
    router_.set_log(log_);
    router_.add("GET", "/api/v1/health",
                [](const HttpRequest&) { return api::json_body(200, R"({"status":"ok"})"); });
    router_.add("POST", "/api/v1/echo", [](const HttpRequest& r) {
      return api::json_error(200, r.body + r.query + r.header("x-name") + r.cookie("c"));
    });
    router_.add("POST", "/api/v1/outputs/{module}/{output}", [](const HttpRequest& r) {
      return api::json_error(202, r.path_params.at(0) + "/" + r.path_params.at(1));
    });
    router_.add("GET", "/api/v1/boom", [](const HttpRequest& r) -> HttpResponse {
      throw std::runtime_error("handler failed on " + r.path);
    });
    router_.add_async("POST", "/api/v1/login", [](const HttpRequest& r, api::Responder respond) {
      std::thread([body = r.body, respond] {
        respond(api::json_error(401, "no user " + body));
      }).detach();
    });
    router_.add_websocket(
        "/api/v1/stream",
        [](const HttpRequest& r) -> std::optional<HttpResponse> {
          if (r.header("x-token") == "ok") {
            return std::nullopt;
          }
          return api::json_error(401, "login required for " + r.path);
        },
        stream_);
    router_.set_fallback([](const HttpRequest& r) { return api::json_error(404, r.path); });
    auto server = api::HttpServer::start(io_, {"127.0.0.1", 0}, router_, log_, nullptr,
                                         api::ServerLimits{64, 16, 8});
    if (!server) {
      throw std::runtime_error(server.error().message);
    }
    server_ = std::move(*server);
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
    thread_.detach();
  }

  std::ostringstream sink_;
  common::Logger log_;
  boost::asio::io_context io_;
  api::Router router_;
  api::Broadcaster stream_;
  std::unique_ptr<api::HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace kirchhoff::fuzz
