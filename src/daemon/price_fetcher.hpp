// Fetches a day-ahead price list over HTTP or HTTPS (control.tariff.prices_url)
// at start and every refresh interval, on a thread of its own, into a
// PriceFeed (docs/control.md). A failed fetch is one warning line with the
// URL without its query string (tokens live there) and the reason; the next
// try follows after `retry`, twice as long after each further failure in a
// row, at most `refresh`.
//
// Thread-safety: the constructor starts the thread; stop() (also in the
// destructor) ends it within moments, even in the middle of a fetch.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/price_feed.hpp"

namespace kirchhoff::daemon {

struct HttpGetOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{20'000};
  std::size_t max_body_bytes = model::PriceSeries::kMaxBytes;
  // Local-only mode: the host must resolve to this box or its local network.
  bool local_only = false;
  // PEM file of the certificates to trust for https:// instead of the
  // system's (a private CA; tests).
  std::string ca_file;
  // Checked every 100 ms: true ends the fetch at once ("cancelled").
  const std::atomic<bool>* cancel = nullptr;
};

struct ParsedUrl {
  bool tls = false;
  std::string host;  // without brackets for an IPv6 literal
  std::string port;  // "80" / "443" when not given
  std::string target = "/";
};

// http://HOST[:PORT][/PATH][?QUERY] or https://...; no user info.
common::Result<ParsedUrl> parse_http_url(const std::string& url);

// The URL as logs may show it: no user info, no query, no fragment.
std::string loggable_url(const std::string& url);

// One GET; the body of a 200 answer, else an error with the reason ("HTTP
// 404", "timed out after 20 s", "connection refused"). Never throws.
common::Result<std::string> http_get(const std::string& url, const HttpGetOptions& options);

struct PriceFetcherOptions {
  std::string url;
  std::chrono::milliseconds refresh{60LL * 60 * 1000};
  std::chrono::milliseconds retry{60'000};  // after a first failed fetch, doubling
  HttpGetOptions http;
};

class PriceFetcher {
 public:
  // `feed` and `log` must outlive the fetcher.
  PriceFetcher(PriceFetcherOptions options, PriceFeed& feed, common::Logger& log);
  ~PriceFetcher();
  PriceFetcher(const PriceFetcher&) = delete;
  PriceFetcher& operator=(const PriceFetcher&) = delete;

  void stop();
  // Fetches completed so far (successful or not); for tests.
  std::size_t attempts() const;

 private:
  void run();

  PriceFetcherOptions options_;
  PriceFeed& feed_;
  common::Logger& log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};
  std::size_t attempts_ = 0;
  std::thread thread_;
};

}  // namespace kirchhoff::daemon
