// Budgets (history): over 1 M points/s ingest per core, under 2 bytes per
// point for 1 Hz power data, a year of hourly values for one series read in
// under 5 ms. Data: a day of 1 Hz power of 100 series from the simulator (the
// loads of 12 simulated houses). Baseline in the same run: plain SQLite, one
// row per point, same batches and sync setting.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "model/loader.hpp"
#include "sim/site.hpp"
#include "store/store.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  using namespace kirchhoff;
  const auto dir = std::filesystem::temp_directory_path() / "kirchhoff_bench_store";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto installation =
      model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  if (!installation) {
    std::fprintf(stderr, "%s\n", installation.error().message.c_str());
    return 1;
  }
  constexpr int kSeries = 100;
  constexpr int kSeconds = 86400;
  constexpr std::int64_t kT0 = 1780272000000;  // 2026-06-01
  // 1 Hz power of every load of 12 houses (8 loads each) and 4 phase currents.
  std::vector<std::vector<double>> data;
  for (int house = 0; data.size() < kSeries; ++house) {
    sim::SiteOptions options;
    options.seed = static_cast<std::uint64_t>(house + 1);
    options.start_unix_s = kT0 / 1000;
    sim::SiteSimulator site(*installation, options);
    const std::size_t first = data.size();
    const std::size_t take = std::min<std::size_t>(installation->loads.size(), kSeries - first);
    data.resize(first + take, std::vector<double>(kSeconds));
    for (int s = 0; s < kSeconds; ++s) {
      const auto& state = site.step();
      for (std::size_t l = 0; l < take; ++l) {
        data[first + l][static_cast<std::size_t>(s)] = state.loads[l].total_w();
      }
    }
  }
  const double points = static_cast<double>(kSeries) * kSeconds;

  // Kirchhoff's store: flush every minute of data (a backfill's batch).
  store::StoreOptions options;
  options.sync_full = false;
  auto store = store::Store::open((dir / "history.db").string(), options);
  std::vector<int> ids;
  for (int s = 0; s < kSeries; ++s) {
    ids.push_back(
        *(*store)->series("series/" + std::to_string(s) + "/p_w", store::SeriesKind::kGauge, 0.1));
  }
  auto t0 = std::chrono::steady_clock::now();
  for (int sec = 0; sec < kSeconds; ++sec) {
    for (int s = 0; s < kSeries; ++s) {
      (void)(*store)->append(ids[s], kT0 + 1000LL * sec, data[s][static_cast<std::size_t>(sec)]);
    }
    if (sec % 60 == 59) {
      (void)(*store)->flush();
    }
  }
  const double ingest_s = seconds_since(t0);
  (void)(*store)->checkpoint();
  const double file_bytes = static_cast<double>((*store)->file_bytes());
  auto stats = (*store)->stats();
  std::int64_t chunk_bytes = 0;
  for (const auto& s : *stats) {
    chunk_bytes += s.raw_bytes;
  }

  // Baseline: one row per point, same batches, same sync.
  sqlite3* db = nullptr;
  sqlite3_open((dir / "baseline.db").string().c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
               "CREATE TABLE points (series INTEGER, t INTEGER, value REAL, PRIMARY KEY (series, "
               "t)) WITHOUT ROWID;",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO points VALUES (?, ?, ?)", -1, &insert, nullptr);
  const int baseline_seconds = kSeconds / 8;  // an eighth of the day keeps the run short
  t0 = std::chrono::steady_clock::now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (int sec = 0; sec < baseline_seconds; ++sec) {
    for (int s = 0; s < kSeries; ++s) {
      sqlite3_bind_int(insert, 1, s);
      sqlite3_bind_int64(insert, 2, kT0 + 1000LL * sec);
      sqlite3_bind_double(insert, 3, data[s][static_cast<std::size_t>(sec)]);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    if (sec % 60 == 59) {
      sqlite3_exec(db, "COMMIT; BEGIN", nullptr, nullptr, nullptr);
    }
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  const double baseline_s = seconds_since(t0);
  sqlite3_finalize(insert);
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  const double baseline_points = static_cast<double>(kSeries) * baseline_seconds;
  const auto baseline_bytes = std::filesystem::file_size(dir / "baseline.db");

  // Reads: a day of raw values of one series; a year of hourly values.
  std::vector<double> raw_ms;
  for (int i = 0; i < 9; ++i) {
    t0 = std::chrono::steady_clock::now();
    auto day = (*store)->read_raw("series/0/p_w", kT0, kT0 + 86'400'000);
    raw_ms.push_back(seconds_since(t0) * 1000);
    if (!day || day->size() != kSeconds) {
      std::fprintf(stderr, "raw read returned %zu points\n", day ? day->size() : 0);
      return 1;
    }
  }
  // A year of one-minute values for one series gives its hourly rollups.
  auto year = *(*store)->series("year/p_w", store::SeriesKind::kGauge, 0.1);
  for (std::int64_t m = 0; m < 365 * 1440; ++m) {
    (void)(*store)->append(year, kT0 + m * 60'000,
                           data[m % kSeries][static_cast<std::size_t>(m % kSeconds)]);
    if (m % 1440 == 1439) {
      (void)(*store)->flush();
    }
  }
  (void)(*store)->flush();
  std::vector<double> hourly_ms;
  std::size_t buckets = 0;
  for (int i = 0; i < 21; ++i) {
    t0 = std::chrono::steady_clock::now();
    auto hours = (*store)->read_rollup("year/p_w", store::kLevel1h, kT0, kT0 + 365LL * 86'400'000);
    hourly_ms.push_back(seconds_since(t0) * 1000);
    buckets = hours ? hours->size() : 0;
  }

  std::printf(
      "history store, %d series of 1 Hz power from the simulator, one day (%.2f M points)\n",
      kSeries, points / 1e6);
  std::printf("  ingest:    %8.2f M points/s (flush every minute of data)   budget > 1 M/s\n",
              points / ingest_s / 1e6);
  std::printf("  baseline:  %8.2f M points/s (SQLite, one row per point, same batches)\n",
              baseline_points / baseline_s / 1e6);
  std::printf(
      "  size:      %8.3f bytes/point in chunks; the whole file with every rollup level %.3f"
      "   budget < 2\n",
      static_cast<double>(chunk_bytes) / points, file_bytes / points);
  std::printf("  baseline:  %8.3f bytes/point (one row per point)\n",
              static_cast<double>(baseline_bytes) / baseline_points);
  std::printf("  read a day of raw values (86400 points): %.2f ms (median of 9)\n", median(raw_ms));
  std::printf(
      "  read a year of hourly values (%zu buckets): %.2f ms (median of 21)   budget < 5 ms\n",
      buckets, median(hourly_ms));
  std::filesystem::remove_all(dir);
  return 0;
}
