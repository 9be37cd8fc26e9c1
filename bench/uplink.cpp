// The MQTT uplink (docs/uplink-format.md): what the outbox costs per cycle
// and per point, and how fast the sender empties it through a local
// mosquitto. Data: a simulated day of 40 series (10 loads × p_w, q_var and
// the two energy registers) at one cycle per second, synthetic random walks.
// Baseline in the same run: plain SQLite with one row per point (series id,
// time, value), one transaction per cycle, the same WAL / NORMAL setting.
// Prints figures; no thresholds.
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mqtt/client.hpp"
#include "mqtt/uplink/outbox.hpp"
#include "mqtt/uplink/uplink.hpp"
#include "tests/peers/mosquitto_broker.hpp"

namespace {

using namespace kirchhoff;
using Clock = std::chrono::steady_clock;

constexpr int kLoads = 10;
constexpr int kSeries = 4 * kLoads;
constexpr int kDay = 86400;
constexpr std::int64_t kT0 = 1780272000000;  // 2026-06-01

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One cycle of the synthetic site: power wanders, energy grows with it.
class Site {
 public:
  explicit Site(bool round) : round_(round), rng_(42), p_(kLoads, 500.0), e_(kLoads, 1.0e6) {}
  std::vector<std::pair<std::string, double>> cycle() {
    std::normal_distribution<double> step(0.0, 25.0);
    std::vector<std::pair<std::string, double>> points;
    points.reserve(kSeries);
    for (int l = 0; l < kLoads; ++l) {
      const std::string load = "load" + std::to_string(l);
      auto& p = p_[static_cast<std::size_t>(l)];
      auto& e = e_[static_cast<std::size_t>(l)];
      p = std::max(0.0, p + step(rng_));
      e += p / 3600.0;
      const double q = p * 0.2;
      points.emplace_back(load + "/p_w", value(p, 1));
      points.emplace_back(load + "/q_var", value(q, 1));
      points.emplace_back(load + "/energy_import_wh", value(e, 3));
      points.emplace_back(load + "/energy_export_wh", value(0.0, 3));
    }
    return points;
  }

 private:
  double value(double v, int decimals) const {
    return round_ ? mqtt::uplink::round_to_decimals(v, decimals) : v;
  }
  bool round_;
  std::mt19937 rng_;
  std::vector<double> p_;
  std::vector<double> e_;
};

std::int64_t file_bytes(const std::string& path) {
  std::int64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path + suffix, ec);
    total += ec ? 0 : static_cast<std::int64_t>(size);
  }
  return total;
}

struct StorageFigures {
  double us_per_cycle = 0;
  double bytes_per_point = 0;     // the database and its WAL
  double db_bytes_per_point = 0;  // the database after a checkpoint
};

double db_bytes_per_point(const std::string& path, double points) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  std::error_code ec;
  return static_cast<double>(std::filesystem::file_size(path, ec)) / points;
}

StorageFigures outbox_day(const std::string& path, bool round) {
  auto outbox = mqtt::uplink::Outbox::open(path);
  if (!outbox) {
    std::fprintf(stderr, "%s\n", outbox.error().message.c_str());
    std::exit(1);
  }
  Site site(round);
  std::vector<std::vector<std::pair<std::string, double>>> cycles;
  cycles.reserve(kDay);
  for (int s = 0; s < kDay; ++s) {
    cycles.push_back(site.cycle());
  }
  const auto t0 = Clock::now();
  for (int s = 0; s < kDay; ++s) {
    if (!(*outbox)->append(kT0 + 1000LL * s, cycles[static_cast<std::size_t>(s)]).ok()) {
      std::fprintf(stderr, "append failed\n");
      std::exit(1);
    }
  }
  StorageFigures f;
  f.us_per_cycle = seconds_since(t0) * 1e6 / kDay;
  const auto stats = (*outbox)->stats();
  f.bytes_per_point = static_cast<double>(stats.file_bytes) / static_cast<double>(stats.points);
  outbox->reset();
  f.db_bytes_per_point = db_bytes_per_point(path, static_cast<double>(stats.points));
  return f;
}

StorageFigures baseline_day(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
               "PRAGMA journal_size_limit=4194304;"
               "CREATE TABLE points (series_id INTEGER NOT NULL, t_ms INTEGER NOT NULL, "
               "value REAL NOT NULL)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO points VALUES (?, ?, ?)", -1, &insert, nullptr);
  Site site(true);
  std::vector<std::vector<std::pair<std::string, double>>> cycles;
  cycles.reserve(kDay);
  for (int s = 0; s < kDay; ++s) {
    cycles.push_back(site.cycle());
  }
  const auto t0 = Clock::now();
  for (int s = 0; s < kDay; ++s) {
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    int id = 0;
    for (const auto& [name, value] : cycles[static_cast<std::size_t>(s)]) {
      sqlite3_bind_int(insert, 1, ++id);
      sqlite3_bind_int64(insert, 2, kT0 + 1000LL * s);
      sqlite3_bind_double(insert, 3, value);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  StorageFigures f;
  f.us_per_cycle = seconds_since(t0) * 1e6 / kDay;
  sqlite3_finalize(insert);
  sqlite3_close(db);
  f.bytes_per_point = static_cast<double>(file_bytes(path)) / (double{kDay} * kSeries);
  f.db_bytes_per_point = db_bytes_per_point(path, double{kDay} * kSeries);
  return f;
}

std::unique_ptr<mqtt::Client> connect(const std::string& url) {
  mqtt::ClientOptions options;
  options.broker = *mqtt::parse_broker_url(url);
  auto client = mqtt::Client::create(options);
  if (!client) {
    std::fprintf(stderr, "%s\n", client.error().message.c_str());
    std::exit(1);
  }
  return std::move(*client);
}

// Empties an outbox of `frames` cycles through the broker with the given
// rate; returns the points per second it sustained and the payload bytes
// per point on the wire.
std::pair<double, double> drain_rate(const std::string& path, const std::string& url, int frames,
                                     int batches_per_s) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  auto outbox = mqtt::uplink::Outbox::open(path);
  Site site(true);
  for (int s = 0; s < frames; ++s) {
    (void)(*outbox)->append(kT0 + 1000LL * s, site.cycle());
  }
  const double points = static_cast<double>((*outbox)->stats().points);
  // The backend: a subscriber that counts what arrives.
  auto backend = connect(url);
  std::atomic<std::int64_t> payload_bytes{0};
  backend->on_message([&](const std::string&, const std::string& payload) {
    payload_bytes += static_cast<std::int64_t>(payload.size());
  });
  (void)backend->subscribe("bench/uplink", 1);
  (void)backend->start();
  auto client = connect(url);
  mqtt::uplink::UplinkOptions options;
  options.topic = "bench/uplink";
  options.site_slug = "bench";
  options.batches_per_s = batches_per_s;
  mqtt::uplink::Uplink uplink(**outbox, *client, options);
  client->on_ack([&](int id) { uplink.handle_ack(id); });
  client->on_connect(
      [&](bool connected, const std::string&) { uplink.handle_connection(connected); });
  (void)client->start();
  while (!client->connected() || !backend->connected()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the subscription settles
  const auto t0 = Clock::now();
  (void)uplink.start();
  while ((*outbox)->stats().points > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double elapsed = seconds_since(t0);
  uplink.stop();
  client->stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  backend->stop();
  return {points / elapsed, static_cast<double>(payload_bytes.load()) / points};
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / "kirchhoff_bench_uplink";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  std::printf("outbox, a simulated day: %d cycles x %d series\n", kDay, kSeries);
  std::printf(
      "  (bytes per point: database + WAL as it runs / database alone after a checkpoint)\n");
  const auto rounded = outbox_day((dir / "rounded.db").string(), true);
  std::printf(
      "  values at the history's resolution: %.1f us per cycle (append, one commit), "
      "%.2f / %.2f bytes per point\n",
      rounded.us_per_cycle, rounded.bytes_per_point, rounded.db_bytes_per_point);
  const auto raw = outbox_day((dir / "raw.db").string(), false);
  std::printf(
      "  full-precision doubles:             %.1f us per cycle, %.2f / %.2f bytes per point\n",
      raw.us_per_cycle, raw.bytes_per_point, raw.db_bytes_per_point);
  const auto base = baseline_day((dir / "baseline.db").string());
  std::printf(
      "  baseline, SQLite row per point:     %.1f us per cycle, %.2f / %.2f bytes per point\n",
      base.us_per_cycle, base.bytes_per_point, base.db_bytes_per_point);

  tests::MosquittoBroker broker;
  if (!broker.running()) {
    std::fprintf(stderr, "mosquitto did not start\n");
    return 1;
  }
  // A one-day backlog, emptied with no rate limit: the catch-up time of a
  // one-day outage, measured (the site's own 40 points/s during the
  // catch-up are not included; at this rate they change nothing visible).
  const auto [rate, wire] = drain_rate((dir / "drain.db").string(), broker.url(), kDay, 0);
  const double day_points = double{kDay} * kSeries;
  std::printf(
      "sender through a local mosquitto (and a subscriber), batches of 1000, no rate limit:\n");
  std::printf("  %.0f points/s sustained, %.1f payload bytes per point\n", rate, wire);
  std::printf("  catch-up of a one-day backlog (%.0f points): %.1f s\n", day_points,
              day_points / rate);
  constexpr double kDefault = 1000.0;  // one batch of 1000 points per second
  std::printf(
      "catch-up of a one-day outage at the default rate (1 batch/s of 1000): %.0f s "
      "(%.2f h)\n",
      day_points / (kDefault - kSeries), day_points / (kDefault - kSeries) / 3600);
  std::printf("  at batches_per_s 10: %.0f s\n",
              day_points / (std::min(10 * kDefault, rate) - kSeries));
  std::filesystem::remove_all(dir);
  return 0;
}
