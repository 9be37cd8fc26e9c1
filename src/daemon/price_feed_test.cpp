// Day-ahead prices in the daemon: the feed's merge, alarm and JSON, and the
// fetcher against a loopback HTTP server this test runs (it answers with a
// price list, with bad JSON, with 404, or not at all).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/asio.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "api/http_server.hpp"
#include "common/time.hpp"
#include "daemon/price_feed.hpp"
#include "daemon/price_fetcher.hpp"

namespace kirchhoff::daemon {
namespace {

using ::testing::HasSubstr;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// 2026-03-01T00:00:00Z = 1767225600 (2026-01-01) + 59 days * 86400.
constexpr std::int64_t kMarch1 = 1767225600 + 59 * 86400;

// Twelve hours of hourly prices from `start` (2026-03-01T00:00Z unless
// given): 0.10, 0.11, ...
std::string twelve_hours(std::int64_t start = kMarch1) {
  std::ostringstream out;
  out << "{\"prices\": [";
  for (int h = 0; h < 12; ++h) {
    out << (h > 0 ? "," : "") << "{\"start\": \""
        << common::format_utc_time((start + h * 3600) * 1000)
        << "\", \"import_eur_per_kwh\": " << 0.10 + 0.01 * h << ", \"export_eur_per_kwh\": -0.02}";
  }
  out << "]}";
  return out.str();
}

// A loopback HTTP server on a free port: every connection gets `answer` (a
// whole HTTP response), or nothing at all when `answer` is empty (the
// connection is held open until the server stops).
class LoopbackServer {
 public:
  explicit LoopbackServer(std::string answer)
      : answer_(std::move(answer)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LoopbackServer() {
    io_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        return;
      }
      auto s = std::make_shared<tcp::socket>(std::move(socket));
      held_.push_back(s);
      if (!answer_.empty()) {
        auto request = std::make_shared<std::string>();
        auto chunk = std::make_shared<std::array<char, 4096>>();
        read_request(s, request, chunk);
      }
      accept();
    });
  }
  void read_request(std::shared_ptr<tcp::socket> s, std::shared_ptr<std::string> request,
                    std::shared_ptr<std::array<char, 4096>> chunk) {
    s->async_read_some(asio::buffer(*chunk), [this, s, request, chunk](boost::system::error_code ec,
                                                                       std::size_t n) {
      if (ec) {
        return;
      }
      request->append(chunk->data(), n);
      if (request->find("\r\n\r\n") == std::string::npos) {
        read_request(s, request, chunk);
        return;
      }
      asio::async_write(*s, asio::buffer(answer_), [s](boost::system::error_code, std::size_t) {
        s->shutdown(tcp::socket::shutdown_both);
      });
    });
  }

  std::string answer_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<tcp::socket>> held_;
  std::thread thread_;
};

std::string ok_response(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

TEST(PriceFetch, GetsTheBody) {
  LoopbackServer server(ok_response("[1, 2]"));
  const auto body = http_get(server.url("/p.json?token=secret"), {});
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(*body, "[1, 2]");
}

TEST(PriceFetch, NotFoundAndRefusedAreErrors) {
  LoopbackServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  const auto missing = http_get(server.url("/none"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "HTTP 404");
  // Port 1 on loopback: nobody listens there in a test environment.
  const auto refused = http_get("http://127.0.0.1:1/p.json", {});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("cannot connect"));
}

TEST(PriceFetch, ServerThatNeverAnswersTimesOut) {
  LoopbackServer server("");  // accepts, then says nothing
  HttpGetOptions options;
  options.total_timeout = std::chrono::milliseconds(300);
  const auto body = http_get(server.url("/p.json"), options);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().message, "timed out after 0.3 s");
}

TEST(PriceFetch, UrlsAndWhatLogsShow) {
  const auto url = parse_http_url("https://[::1]:8443/a/b?x=1#f");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "8443");
  EXPECT_EQ(url->target, "/a/b?x=1");
  EXPECT_EQ(parse_http_url("http://host")->target, "/");
  EXPECT_EQ(parse_http_url("http://host")->port, "80");
  EXPECT_FALSE(parse_http_url("http://user:pw@host/").ok());
  EXPECT_FALSE(parse_http_url("http://host:99999/").ok());
  EXPECT_EQ(loggable_url("https://user:pw@host/p.json?token=abc"), "https://host/p.json");
}

TEST(PriceFetch, LocalOnlyRefusesAHostOffTheNetwork) {
  HttpGetOptions options;
  options.local_only = true;
  const auto body = http_get("http://192.0.2.1:9/p.json", options);  // TEST-NET-1
  ASSERT_FALSE(body.ok());
  EXPECT_THAT(body.error().message, HasSubstr("local-only mode"));
}

// https:// against the daemon's own HTTPS server with a self-signed
// certificate for 127.0.0.1 made by the openssl tool: trusted, the body
// arrives; not trusted (the system's CAs), the handshake fails.
TEST(PriceFetch, HttpsVerifiesTheServer) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kirchhoff_prices_tls_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const api::TlsFiles files{(dir / "cert.pem").string(), (dir / "key.pem").string()};
  const std::string make_cert =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " +
      files.key + " -out " + files.certificate + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0) << "the openssl tool is needed for this test";
  api::Router router;
  router.add("GET", "/p.json", [](const api::HttpRequest&) { return api::json_body(200, "[]"); });
  std::ostringstream sink;
  common::Logger log(sink);
  asio::io_context io;
  auto server = api::HttpServer::start(io, {"127.0.0.1", 0}, router, log, &files);
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::thread thread([&io] { io.run(); });
  const std::string url = "https://127.0.0.1:" + std::to_string((*server)->port()) + "/p.json";
  HttpGetOptions trusted;
  trusted.ca_file = files.certificate;
  const auto body = http_get(url, trusted);
  const auto refused = http_get(url, {});
  io.stop();
  thread.join();
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(*body, "[]");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("TLS handshake"));
}

// The fetcher: one fetch at start into the feed, whose series then answers.
TEST(PriceFetcher, FetchesIntoTheFeed) {
  // Around now: the feed drops received prices that ended two days ago.
  const std::int64_t hour = common::unix_ms_now() / 1000 / 3600 * 3600;
  LoopbackServer server(ok_response(twelve_hours(hour)));
  PriceFeed feed;
  std::ostringstream log_text;
  common::Logger log(log_text);
  PriceFetcher fetcher(
      {server.url("/p.json?token=secret"), std::chrono::hours(1), std::chrono::hours(1), {}}, feed,
      log);
  while (fetcher.attempts() == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  fetcher.stop();
  const auto series = feed.current();
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->size(), 12u);
  EXPECT_DOUBLE_EQ(series->price_at(hour + 3600)->import_per_kwh, 0.11);
  EXPECT_EQ(feed.source(), PriceSource::kUrl);
  EXPECT_THAT(log_text.str(), HasSubstr("day-ahead prices fetched"));
  EXPECT_THAT(log_text.str(), ::testing::Not(HasSubstr("secret")));
}

// Bad JSON: nothing changes, one log line names the place, the alarm says why.
TEST(PriceFetcher, BadJsonIsLoggedWithThePlace) {
  LoopbackServer server(ok_response(R"({"prices": [{"start": "yesterday"}]})"));
  PriceFeed feed;
  std::ostringstream log_text;
  common::Logger log(log_text);
  PriceFetcher fetcher(
      {server.url("/p.json?token=secret"), std::chrono::hours(1), std::chrono::hours(1), {}}, feed,
      log);
  while (fetcher.attempts() == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  fetcher.stop();
  EXPECT_EQ(feed.current(), nullptr);
  EXPECT_THAT(log_text.str(), HasSubstr("day-ahead prices not fetched"));
  EXPECT_THAT(log_text.str(), HasSubstr("prices[0].start: bad time"));
  EXPECT_THAT(log_text.str(), ::testing::Not(HasSubstr("secret")));
  const AlarmCheck alarm = feed.alarm(true, kMarch1);
  EXPECT_TRUE(alarm.active);
  EXPECT_THAT(alarm.message, HasSubstr("prices[0].start: bad time"));
}

// A server that never answers: the fetch times out, the alarm is raised.
TEST(PriceFetcher, SilentServerRaisesTheAlarm) {
  LoopbackServer server("");
  PriceFeed feed;
  std::ostringstream log_text;
  common::Logger log(log_text);
  PriceFetcherOptions options{
      server.url("/p.json"), std::chrono::hours(1), std::chrono::hours(1), {}};
  options.http.total_timeout = std::chrono::milliseconds(200);
  PriceFetcher fetcher(options, feed, log);
  while (fetcher.attempts() == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  fetcher.stop();
  EXPECT_THAT(log_text.str(), HasSubstr("timed out after 0.2 s"));
  const AlarmCheck alarm = feed.alarm(true, kMarch1);
  EXPECT_EQ(alarm.id, "prices-missing");
  EXPECT_TRUE(alarm.active);
  EXPECT_THAT(alarm.message, HasSubstr("timed out"));
  EXPECT_FALSE(feed.alarm(false, kMarch1).active);  // no source configured: no alarm
}

// The alarm looks 12 hours ahead: twelve hourly prices from 00:00 cover
// [00:00, 12:00); at 00:00 it is clear, at 00:15 12:00 is uncovered.
TEST(PriceFeed, AlarmLooksTwelveHoursAhead) {
  PriceFeed feed;
  ASSERT_TRUE(feed.add_json(PriceSource::kMqtt, twelve_hours(), "topic", kMarch1).ok());
  EXPECT_FALSE(feed.alarm(true, kMarch1).active);
  const AlarmCheck later = feed.alarm(true, kMarch1 + 900);
  EXPECT_TRUE(later.active);
  EXPECT_THAT(later.message, HasSubstr("2026-03-01T12:00:00Z"));
}

// The file under the network's prices: the newer wins, the file fills in
// around it; the source is the newest data's.
TEST(PriceFeed, FileUnderReceivedPrices) {
  PriceFeed feed;
  auto file = model::PriceSeries::parse_json(
      R"([{"start": "2026-03-01T11:00Z", "import_eur_per_kwh": 0.5, "export_eur_per_kwh": 0},
          {"start": "2026-03-01T12:00Z", "import_eur_per_kwh": 0.7, "export_eur_per_kwh": 0}])",
      "file");
  ASSERT_TRUE(file.ok());
  feed.set_file(std::make_shared<const model::PriceSeries>(*file), kMarch1);
  EXPECT_EQ(feed.source(), PriceSource::kFile);
  ASSERT_TRUE(feed.add_json(PriceSource::kUrl, twelve_hours(), "url", kMarch1).ok());
  const auto series = feed.current();
  EXPECT_DOUBLE_EQ(series->price_at(kMarch1 + 11 * 3600)->import_per_kwh, 0.21);  // newer wins
  EXPECT_DOUBLE_EQ(series->price_at(kMarch1 + 12 * 3600)->import_per_kwh, 0.7);   // file's hour
  EXPECT_EQ(feed.source(), PriceSource::kUrl);
  // A bad body changes nothing.
  EXPECT_FALSE(feed.add_json(PriceSource::kMqtt, "[", "topic", kMarch1).ok());
  EXPECT_EQ(feed.current(), series);
}

// GET /api/v1/prices' body: from 24 h ago to the end of the prices; without
// any, the tariff's flat prices per quarter hour for 24 h.
TEST(PriceFeed, JsonForTheApi) {
  model::TariffConfig tariff;  // flat 0.30 / 0.05 EUR
  PriceFeed feed;
  const auto none = feed.to_json(tariff, kMarch1 + 60, 0);
  EXPECT_EQ(none["source"], "tariff");
  EXPECT_EQ(none["currency"], "EUR");
  ASSERT_EQ(none["prices"].size(), 96u);  // 24 h of quarter hours
  EXPECT_EQ(none["prices"][0]["start"], "2026-03-01T00:00:00Z");
  EXPECT_EQ(none["prices"][0]["import_eur_per_kwh"], 0.30);
  EXPECT_EQ(none["prices"][0]["export_eur_per_kwh"], 0.05);
  ASSERT_TRUE(feed.add_json(PriceSource::kMqtt, twelve_hours(), "topic", kMarch1).ok());
  // At 2026-03-02T06:00Z, 24 h back is 2026-03-01T06:00Z: hours 06..11.
  const auto some = feed.to_json(tariff, kMarch1 + 30 * 3600, 0);
  EXPECT_EQ(some["source"], "mqtt");
  ASSERT_EQ(some["prices"].size(), 6u);
  EXPECT_EQ(some["prices"][0]["start"], "2026-03-01T06:00:00Z");
  EXPECT_DOUBLE_EQ(some["prices"][0]["import_eur_per_kwh"].get<double>(), 0.16);
}

}  // namespace
}  // namespace kirchhoff::daemon
