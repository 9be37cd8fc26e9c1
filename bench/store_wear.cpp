// Budget (issue: flash wear): the history of the demo site, 38 series at
// 1 Hz flushed once a second, writes under 1 GB a day, while a power cut
// loses at most the durable interval. Writes N hours of data time (default
// 2, so that the hourly sealing and journal trimming are in the figure) and
// prints the bytes written per second of data and per day:
//   - through the store's file layer (the fault VFS counting xWrite bytes:
//     every byte SQLite hands to the OS, WAL and database file);
//   - as /proc/self/io write_bytes (pages the kernel accounts as dirtied for
//     the disk: rewriting a page still dirty counts once, so with few fsyncs
//     it is lower; file-system journal writes are not in it);
// and the time of a flush. Configurations in the same run: the store with
// the default durable interval (5 s), the store with every commit FULL
// (interval 0, what format 1 did for durability), format 1's writing pattern
// replayed in SQL, and the baseline of plain SQLite, one row per point,
// every commit FULL.
//
// Usage: bench_store_wear [HOURS] [DIR]   (DIR: a directory on the disk to
// measure; tmpfs accounts no write_bytes).
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "store/fault_vfs.hpp"
#include "store/store.hpp"

namespace {

using namespace kirchhoff;

constexpr std::int64_t kT0 = 1780272000000;  // 2026-06-01
constexpr int kSeries = 38;

std::int64_t proc_write_bytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  std::int64_t value = 0;
  while (io >> key >> value) {
    if (key == "write_bytes:") {
      return value;
    }
  }
  return -1;
}

// The demo's series: 8 loads × (P, Q, import and export registers), 3
// voltages, the frequency and 2 pulse totals.
struct Series {
  std::string key;
  store::SeriesKind kind;
  double resolution;
};

std::vector<Series> demo_series() {
  std::vector<Series> out;
  for (int l = 0; l < 8; ++l) {
    const std::string base = "load/L" + std::to_string(l) + "/";
    out.push_back({base + "p_w", store::SeriesKind::kGauge, 0.1});
    out.push_back({base + "q_var", store::SeriesKind::kGauge, 0.1});
    out.push_back({base + "energy_import_wh", store::SeriesKind::kCounter, 0.001});
    out.push_back({base + "energy_export_wh", store::SeriesKind::kCounter, 0.001});
  }
  for (int p = 1; p <= 3; ++p) {
    out.push_back({"voltage/L" + std::to_string(p) + "/v_ln", store::SeriesKind::kGauge, 0.01});
  }
  out.push_back({"site/frequency_hz", store::SeriesKind::kGauge, 0.001});
  out.push_back({"input/m1/1/total", store::SeriesKind::kCounter, 0.001});
  out.push_back({"input/m1/2/total", store::SeriesKind::kCounter, 0.001});
  return out;
}

// One second of values: noisy powers (each changes every second, as
// measured values do), registers integrating them, mains voltage and
// frequency with noise. Noisier than a real house: an upper bound on size.
class Source {
 public:
  explicit Source(const std::vector<Series>& series) : values_(series.size()) {
    for (int l = 0; l < 8; ++l) {
      base_w_[l] = 200.0 + 400.0 * l;
    }
  }
  const std::vector<double>& next() {
    std::normal_distribution<double> noise(0.0, 1.0);
    for (int l = 0; l < 8; ++l) {
      const double p = base_w_[l] + 25.0 * noise(rng_);
      const double q = 0.2 * base_w_[l] + 5.0 * noise(rng_);
      registers_[l][p >= 0 ? 0 : 1] += std::abs(p) / 3600.0;
      values_[static_cast<std::size_t>(4 * l)] = p;
      values_[static_cast<std::size_t>(4 * l + 1)] = q;
      values_[static_cast<std::size_t>(4 * l + 2)] = registers_[l][0];
      values_[static_cast<std::size_t>(4 * l + 3)] = registers_[l][1];
    }
    for (int p = 0; p < 3; ++p) {
      values_[static_cast<std::size_t>(32 + p)] = 230.0 + 0.4 * noise(rng_);
    }
    values_[35] = 50.0 + 0.01 * noise(rng_);
    pulses_ += 0.01;
    values_[36] = pulses_;
    values_[37] = pulses_ / 2;
    return values_;
  }

 private:
  std::mt19937 rng_{42};
  double base_w_[8]{};
  double registers_[8][2]{};
  double pulses_ = 0.0;
  std::vector<double> values_;
};

struct Figures {
  std::int64_t vfs_bytes = 0;
  std::int64_t io_bytes = 0;
  std::int64_t syncs = 0;
  std::int64_t writes = 0;
  std::vector<double> flush_ms;
};

void report(const char* name, Figures f, int seconds) {
  std::sort(f.flush_ms.begin(), f.flush_ms.end());
  const double per_s = static_cast<double>(f.vfs_bytes) / seconds;
  const double io_per_s = static_cast<double>(f.io_bytes) / seconds;
  std::printf(
      "%-44s %8.0f B/s %7.2f GB/day (write_bytes %8.0f B/s %6.2f GB/day) "
      "%5.2f writes/s %5.2f fsync/s flush median %.3f ms p99 %.3f ms\n",
      name, per_s, per_s * 86400 / 1e9, io_per_s, io_per_s * 86400 / 1e9,
      static_cast<double>(f.writes) / seconds, static_cast<double>(f.syncs) / seconds,
      f.flush_ms[f.flush_ms.size() / 2], f.flush_ms[f.flush_ms.size() * 99 / 100]);
}

Figures run_store(const std::filesystem::path& dir, std::int64_t durable_interval_ms, int seconds) {
  const std::vector<Series> series = demo_series();
  store::FaultVfs vfs("kirchhoff-wear-" + std::to_string(durable_interval_ms));
  store::StoreOptions options;
  options.vfs = vfs.name();
  options.durable_interval_ms = durable_interval_ms;
  const std::string path =
      (dir / ("store-" + std::to_string(durable_interval_ms) + ".db")).string();
  auto store = store::Store::open(path, options);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    std::exit(1);
  }
  std::vector<int> ids;
  for (const auto& s : series) {
    auto id = (*store)->series(s.key, s.kind, s.resolution);
    if (!id) {
      std::fprintf(stderr, "%s\n", id.error().message.c_str());
      std::exit(1);
    }
    ids.push_back(*id);
  }
  Source source(series);
  Figures f;
  const std::int64_t vfs0 = vfs.bytes_written();
  const std::int64_t syncs0 = vfs.syncs();
  const std::int64_t writes0 = vfs.writes();
  const std::int64_t io0 = proc_write_bytes();
  for (int sec = 0; sec < seconds; ++sec) {
    const auto& values = source.next();
    for (std::size_t s = 0; s < ids.size(); ++s) {
      (void)(*store)->append(ids[s], kT0 + 1000LL * sec, values[s]);
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (auto flushed = (*store)->flush(); !flushed) {
      std::fprintf(stderr, "%s\n", flushed.error().message.c_str());
      std::exit(1);
    }
    f.flush_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  f.vfs_bytes = vfs.bytes_written() - vfs0;
  f.io_bytes = proc_write_bytes() - io0;
  f.syncs = vfs.syncs() - syncs0;
  f.writes = vfs.writes() - writes0;
  store->reset();
  return f;
}

Figures run_baseline(const std::filesystem::path& dir, int seconds) {
  const std::vector<Series> series = demo_series();
  store::FaultVfs vfs("kirchhoff-wear-baseline");
  sqlite3* db = nullptr;
  sqlite3_open_v2((dir / "baseline.db").string().c_str(), &db,
                  SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs.name());
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE points (series INTEGER, t INTEGER, value REAL, PRIMARY KEY (series, "
               "t)) WITHOUT ROWID;",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO points VALUES (?, ?, ?)", -1, &insert, nullptr);
  Source source(series);
  Figures f;
  const std::int64_t vfs0 = vfs.bytes_written();
  const std::int64_t syncs0 = vfs.syncs();
  const std::int64_t writes0 = vfs.writes();
  const std::int64_t io0 = proc_write_bytes();
  for (int sec = 0; sec < seconds; ++sec) {
    const auto& values = source.next();
    const auto t0 = std::chrono::steady_clock::now();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (std::size_t s = 0; s < series.size(); ++s) {
      sqlite3_bind_int(insert, 1, static_cast<int>(s));
      sqlite3_bind_int64(insert, 2, kT0 + 1000LL * sec);
      sqlite3_bind_double(insert, 3, values[s]);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    f.flush_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  f.vfs_bytes = vfs.bytes_written() - vfs0;
  f.io_bytes = proc_write_bytes() - io0;
  f.syncs = vfs.syncs() - syncs0;
  f.writes = vfs.writes() - writes0;
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return f;
}

// Format 1's writing, replayed in plain SQL: per flush and series one
// `tails` row and an upsert of the current bucket of each of the 4 rollup
// levels; hourly the tails become a chunk. synchronous=FULL, as it ran.
Figures run_format1(const std::filesystem::path& dir, int seconds) {
  const std::vector<Series> series = demo_series();
  store::FaultVfs vfs("kirchhoff-wear-format1");
  sqlite3* db = nullptr;
  sqlite3_open_v2((dir / "format1.db").string().c_str(), &db,
                  SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs.name());
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE chunks (series_id INTEGER NOT NULL, start_ms INTEGER NOT NULL, "
               "end_ms INTEGER NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL, "
               "PRIMARY KEY (series_id, start_ms)) WITHOUT ROWID;"
               "CREATE INDEX chunks_end ON chunks (end_ms);"
               "CREATE TABLE tails (series_id INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB "
               "NOT NULL, PRIMARY KEY (series_id, seq)) WITHOUT ROWID;"
               "CREATE TABLE rollups (series_id INTEGER NOT NULL, level INTEGER NOT NULL, "
               "start_ms INTEGER NOT NULL, count INTEGER NOT NULL, min REAL, max REAL, sum REAL, "
               "first REAL, last REAL, PRIMARY KEY (series_id, level, start_ms)) WITHOUT ROWID;",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* tail = nullptr;
  sqlite3_stmt* rollup = nullptr;
  sqlite3_stmt* chunk = nullptr;
  sqlite3_stmt* drop = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO tails VALUES (?, ?, ?)", -1, &tail, nullptr);
  sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO rollups VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
                     &rollup, nullptr);
  sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?)", -1, &chunk,
                     nullptr);
  sqlite3_prepare_v2(db, "DELETE FROM tails WHERE series_id = ?", -1, &drop, nullptr);
  struct Open {
    std::vector<store::RawPoint> points;
    double count[4]{}, sum[4]{}, min[4]{}, max[4]{}, first[4]{};
  };
  std::vector<Open> open(series.size());
  Source source(series);
  Figures f;
  const std::int64_t vfs0 = vfs.bytes_written();
  const std::int64_t syncs0 = vfs.syncs();
  const std::int64_t writes0 = vfs.writes();
  const std::int64_t io0 = proc_write_bytes();
  for (int sec = 0; sec < seconds; ++sec) {
    const auto& values = source.next();
    const std::int64_t t = kT0 + 1000LL * sec;
    const auto t0 = std::chrono::steady_clock::now();
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (std::size_t s = 0; s < series.size(); ++s) {
      Open& o = open[s];
      const auto q = static_cast<std::int64_t>(std::llround(values[s] / series[s].resolution));
      const double v = static_cast<double>(q) * series[s].resolution;
      const store::RawPoint point{t, q};
      o.points.push_back(point);
      const std::string blob = store::encode_chunk(std::span<const store::RawPoint>(&point, 1));
      sqlite3_bind_int64(tail, 1, static_cast<std::int64_t>(s));
      sqlite3_bind_int64(tail, 2, static_cast<std::int64_t>(o.points.size()));
      sqlite3_bind_blob(tail, 3, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
      sqlite3_step(tail);
      sqlite3_reset(tail);
      for (int l = 0; l < 4; ++l) {
        const std::int64_t start = t / store::kLevels[l] * store::kLevels[l];
        if (t == start || o.count[l] == 0) {
          o.count[l] = 0;
          o.sum[l] = 0;
          o.min[l] = o.max[l] = o.first[l] = v;
        }
        ++o.count[l];
        o.sum[l] += v;
        o.min[l] = std::min(o.min[l], v);
        o.max[l] = std::max(o.max[l], v);
        sqlite3_bind_int64(rollup, 1, static_cast<std::int64_t>(s));
        sqlite3_bind_int64(rollup, 2, store::kLevels[l]);
        sqlite3_bind_int64(rollup, 3, start);
        sqlite3_bind_double(rollup, 4, o.count[l]);
        sqlite3_bind_double(rollup, 5, o.min[l]);
        sqlite3_bind_double(rollup, 6, o.max[l]);
        sqlite3_bind_double(rollup, 7, o.sum[l]);
        sqlite3_bind_double(rollup, 8, o.first[l]);
        sqlite3_bind_double(rollup, 9, v);
        sqlite3_step(rollup);
        sqlite3_reset(rollup);
      }
      if (o.points.size() >= 3600) {
        const std::string data = store::encode_chunk(o.points);
        sqlite3_bind_int64(chunk, 1, static_cast<std::int64_t>(s));
        sqlite3_bind_int64(chunk, 2, o.points.front().t_ms);
        sqlite3_bind_int64(chunk, 3, o.points.back().t_ms);
        sqlite3_bind_int64(chunk, 4, static_cast<std::int64_t>(o.points.size()));
        sqlite3_bind_blob(chunk, 5, data.data(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
        sqlite3_step(chunk);
        sqlite3_reset(chunk);
        sqlite3_bind_int64(drop, 1, static_cast<std::int64_t>(s));
        sqlite3_step(drop);
        sqlite3_reset(drop);
        o.points.clear();
      }
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    f.flush_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  f.vfs_bytes = vfs.bytes_written() - vfs0;
  f.io_bytes = proc_write_bytes() - io0;
  f.syncs = vfs.syncs() - syncs0;
  f.writes = vfs.writes() - writes0;
  for (sqlite3_stmt* stmt : {tail, rollup, chunk, drop}) {
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return f;
}

// Opening the store with an hour of journal (the worst moment: just before
// the hourly sealing) costs the daemon's start this much.
double reopen_ms(const std::filesystem::path& dir) {
  const std::vector<Series> series = demo_series();
  const std::string path = (dir / "reopen.db").string();
  store::StoreOptions options;
  options.sync_full = false;
  {
    auto store = store::Store::open(path, options);
    std::vector<int> ids;
    for (const auto& s : series) {
      ids.push_back(*(*store)->series(s.key, s.kind, s.resolution));
    }
    Source source(series);
    for (int sec = 0; sec < 3599; ++sec) {
      const auto& values = source.next();
      for (std::size_t s = 0; s < ids.size(); ++s) {
        (void)(*store)->append(ids[s], kT0 + 1000LL * sec, values[s]);
      }
      (void)(*store)->flush();
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto store = store::Store::open(path, options);
  for (const auto& s : series) {
    (void)(*store)->series(s.key, s.kind, s.resolution);
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const double hours = argc > 1 ? std::atof(argv[1]) : 2.0;
  const int seconds = std::max(60, static_cast<int>(hours * 3600));
  const auto dir =
      (argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path()) /
      "kirchhoff_bench_store_wear";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::printf("%d series at 1 Hz, one flush per second, %d s of data, in %s\n", kSeries, seconds,
              dir.c_str());
  report("store, durable interval 5 s (default)", run_store(dir, 5000, seconds), seconds);
  report("store, every commit FULL (interval 0)", run_store(dir, 0, seconds), seconds);
  report("format 1 (tails + rollup upserts), FULL", run_format1(dir, seconds), seconds);
  report("baseline: plain SQLite, row per point, FULL", run_baseline(dir, seconds), seconds);
  std::printf("open + 38 series with 3599 s of journal: %.1f ms\n", reopen_ms(dir));
  std::filesystem::remove_all(dir);
  return 0;
}
