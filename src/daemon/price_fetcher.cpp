#include "daemon/price_fetcher.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <optional>

#include "api/http_server.hpp"
#include "common/time.hpp"
#include "common/utf8.hpp"

namespace kirchhoff::daemon {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string seconds_text(std::chrono::milliseconds ms) {
  const auto tenths = ms.count() / 100;
  return std::to_string(tenths / 10) + (tenths % 10 != 0 ? "." + std::to_string(tenths % 10) : "") +
         " s";
}

// One exchange on a connected stream (plain or TLS): write the request, read
// the answer into `parser`; `done` gets the first error (or success).
template <typename Stream>
void exchange(Stream& stream, http::request<http::empty_body>& request, beast::flat_buffer& buffer,
              http::response_parser<http::string_body>& parser, beast::error_code& result,
              bool& finished) {
  http::async_write(
      stream, request,
      [&stream, &buffer, &parser, &result, &finished](beast::error_code ec, std::size_t) {
        if (ec) {
          result = ec;
          finished = true;
          return;
        }
        http::async_read(stream, buffer, parser,
                         [&result, &finished](beast::error_code read_ec, std::size_t) {
                           result = read_ec;
                           finished = true;
                         });
      });
}

}  // namespace

common::Result<ParsedUrl> parse_http_url(const std::string& url) {
  ParsedUrl out;
  std::string_view rest(url);
  if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "https://") {
    rest.remove_prefix(8);
    out.tls = true;
  } else {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "the URL must start with http:// or https://");
  }
  const std::size_t path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos) {
    std::string_view target = rest.substr(path_at);
    target = target.substr(0, target.find('#'));
    out.target = target.front() == '/' ? std::string(target) : "/" + std::string(target);
  }
  if (authority.find('@') != std::string_view::npos) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "the URL must not hold a user name or password");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return common::make_error(common::ErrorKind::kInvalidArgument, "unclosed [ in the URL");
    }
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        return common::make_error(common::ErrorKind::kInvalidArgument, "bad host in the URL");
      }
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
    }
  }
  if (out.host.empty()) {
    return common::make_error(common::ErrorKind::kInvalidArgument, "the URL names no host");
  }
  if (port.empty()) {
    out.port = out.tls ? "443" : "80";
  } else {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535) {
      return common::make_error(common::ErrorKind::kInvalidArgument, "bad port in the URL");
    }
    out.port = std::string(port);
  }
  return out;
}

std::string loggable_url(const std::string& url) {
  std::string out = url.substr(0, url.find_first_of("?#"));
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    const auto at = out.find('@', scheme + 3);
    const auto slash = out.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      out.erase(scheme + 3, at + 1 - (scheme + 3));
    }
  }
  return common::log_safe(out, 200);
}

common::Result<std::string> http_get(const std::string& url, const HttpGetOptions& options) {
  auto parsed = parse_http_url(url);
  if (!parsed) {
    return parsed.error();
  }
  auto fail = [](const std::string& why) {
    return common::make_error(common::ErrorKind::kIoError, why);
  };
  try {
    asio::io_context io;
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + options.total_timeout;
    std::optional<asio::ssl::context> tls;
    if (parsed->tls) {
      tls.emplace(asio::ssl::context::tls_client);
      if (options.ca_file.empty()) {
        tls->set_default_verify_paths();
      } else {
        tls->load_verify_file(options.ca_file);
      }
      tls->set_verify_mode(asio::ssl::verify_peer);
    }
    beast::tcp_stream tcp_stream(io);
    std::optional<beast::ssl_stream<beast::tcp_stream&>> tls_stream;
    tcp::resolver resolver(io);
    std::string why;  // the first reason the fetch failed
    bool finished = false;
    beast::error_code result;
    http::request<http::empty_body> request{http::verb::get, parsed->target, 11};
    request.set(http::field::host, parsed->host);
    request.set(http::field::user_agent, "kirchhoff/0.1");
    request.set(http::field::accept, "application/json");
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);

    // A watchdog: the total deadline and cancellation end every operation.
    asio::steady_timer watchdog(io);
    std::function<void(beast::error_code)> watch = [&](beast::error_code ec) {
      if (ec || finished) {
        return;
      }
      const bool cancelled = options.cancel != nullptr && options.cancel->load();
      if (cancelled || std::chrono::steady_clock::now() >= deadline) {
        if (why.empty()) {
          why = cancelled ? "cancelled" : "timed out after " + seconds_text(options.total_timeout);
        }
        resolver.cancel();
        beast::error_code ignored;
        tcp_stream.socket().close(ignored);
        finished = true;
        return;
      }
      watchdog.expires_after(std::chrono::milliseconds(100));
      watchdog.async_wait(watch);
    };
    watch({});

    resolver.async_resolve(
        parsed->host, parsed->port,
        [&](beast::error_code ec, const tcp::resolver::results_type& endpoints) {
          if (finished) {
            return;
          }
          if (ec) {
            why = "cannot resolve " + parsed->host + ": " + ec.message();
            finished = true;
            return;
          }
          if (options.local_only) {
            for (const auto& e : endpoints) {
              if (!api::is_local_address(e.endpoint().address().to_string())) {
                why = "local-only mode: " + parsed->host + " is at " +
                      e.endpoint().address().to_string() + ", off the local network";
                finished = true;
                return;
              }
            }
          }
          tcp_stream.expires_after(options.connect_timeout);
          tcp_stream.async_connect(
              endpoints, [&](beast::error_code connect_ec, const tcp::endpoint&) {
                if (finished) {
                  return;
                }
                if (connect_ec) {
                  why = connect_ec == beast::error::timeout
                            ? "no connection within " + seconds_text(options.connect_timeout)
                            : "cannot connect: " + connect_ec.message();
                  finished = true;
                  return;
                }
                tcp_stream.expires_never();  // the watchdog keeps the total deadline
                if (!tls) {
                  exchange(tcp_stream, request, buffer, parser, result, finished);
                  return;
                }
                tls_stream.emplace(tcp_stream, *tls);
                if (!SSL_set_tlsext_host_name(tls_stream->native_handle(), parsed->host.c_str())) {
                  why = "TLS: cannot set the server name";
                  finished = true;
                  return;
                }
                tls_stream->set_verify_callback(asio::ssl::host_name_verification(parsed->host));
                tls_stream->async_handshake(
                    asio::ssl::stream_base::client, [&](beast::error_code handshake_ec) {
                      if (finished) {
                        return;
                      }
                      if (handshake_ec) {
                        why = "TLS handshake: " + handshake_ec.message();
                        finished = true;
                        return;
                      }
                      exchange(*tls_stream, request, buffer, parser, result, finished);
                    });
              });
        });
    io.run();
    if (!why.empty()) {
      return fail(why);
    }
    if (result) {
      return fail(result == http::error::body_limit
                      ? "the answer is larger than " +
                            std::to_string(options.max_body_bytes >> 20) + " MiB"
                      : "reading the answer: " + result.message());
    }
    const auto& response = parser.get();
    if (response.result_int() != 200) {
      return fail("HTTP " + std::to_string(response.result_int()));
    }
    return response.body();
  } catch (const std::exception& e) {
    // Asio reports a failed TLS setup (no CA paths) by exception.
    return fail(common::log_safe(e.what(), 200));
  }
}

PriceFetcher::PriceFetcher(PriceFetcherOptions options, PriceFeed& feed, common::Logger& log)
    : options_(std::move(options)), feed_(feed), log_(log) {
  options_.http.cancel = &cancel_;
  thread_ = std::thread([this] { run(); });
}

PriceFetcher::~PriceFetcher() { stop(); }

void PriceFetcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cancel_ = true;
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::size_t PriceFetcher::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

void PriceFetcher::run() {
  const std::string shown = loggable_url(options_.url);
  int failures = 0;  // in a row: the retry waits twice as long each time
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        return;
      }
    }
    auto body = http_get(options_.url, options_.http);
    common::Status added = body ? common::Status::success() : common::Status(body.error());
    if (body) {
      added = feed_.add_json(PriceSource::kUrl, *body, shown, common::unix_ms_now() / 1000);
    } else {
      feed_.note_failure(shown + ": " + body.error().message);
    }
    if (!added) {
      if (!cancel_) {
        log_.warning("day-ahead prices not fetched",
                     {{"url", shown}, {"reason", common::log_safe(added.error().message, 300)}});
      }
    } else {
      log_.info("day-ahead prices fetched", {{"url", shown}});
    }
    failures = added ? 0 : std::min(failures + 1, 20);
    auto wait = options_.refresh;
    if (failures > 0) {
      wait = std::min<std::chrono::milliseconds>(options_.refresh,
                                                 options_.retry * (1LL << (failures - 1)));
    }
    std::unique_lock lock(mutex_);
    ++attempts_;
    wake_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

}  // namespace kirchhoff::daemon
