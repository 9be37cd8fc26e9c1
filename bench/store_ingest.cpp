// History ingest (budget: over 1 M points/s per core), three ways in one run
// on the same data: the demo's 38 series at 1 Hz (power, reactive power,
// two energy registers per load of eight, three voltages, the frequency, two
// pulse totals), a day of data time.
//   per-point: Store::append for every point, flush() once a minute (what
//              `simulate --data` did);
//   bulk:      Store::append_block, one block of an hour of every series;
//   SQLite:    plain rows (series, t, value), one INSERT per point through one
//              prepared statement, one transaction per minute (the baseline).
// All three commit with synchronous=NORMAL and never fsync (a backfill).
// Also prints the bytes per point of each file.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace {

using kirchhoff::store::SeriesKind;
using kirchhoff::store::Store;
using kirchhoff::store::StoreOptions;

constexpr int kSeries = 38;
constexpr std::int64_t kSeconds = 24 * 3600;
constexpr std::int64_t kT0 = 1780272000000;  // 2026-06-01T00:00:00Z

struct SeriesData {
  std::string key;
  SeriesKind kind = SeriesKind::kGauge;
  double resolution = 0.1;
  std::vector<double> values;  // one per second
};

// Deterministic values shaped like the demo's: loads that switch between
// levels with noise, registers that integrate them, voltages around 230 V.
std::vector<SeriesData> make_data() {
  std::vector<SeriesData> out;
  std::uint64_t rng = 0x9E3779B97F4A7C15u;
  auto uniform = [&]() {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return static_cast<double>(rng >> 11) / 9007199254740992.0;
  };
  for (int load = 0; load < 8; ++load) {
    SeriesData p{"load/" + std::to_string(load) + "/p_w", SeriesKind::kGauge, 0.1, {}};
    SeriesData q{"load/" + std::to_string(load) + "/q_var", SeriesKind::kGauge, 0.1, {}};
    SeriesData imp{
        "load/" + std::to_string(load) + "/energy_import_wh", SeriesKind::kCounter, 0.001, {}};
    SeriesData exp{
        "load/" + std::to_string(load) + "/energy_export_wh", SeriesKind::kCounter, 0.001, {}};
    double level = 0.0;
    double e_imp = 1000.0;
    double e_exp = 0.0;
    for (std::int64_t s = 0; s < kSeconds; ++s) {
      if (uniform() < 0.002) {
        level = uniform() * 3000.0 - (load == 1 ? 3000.0 : 0.0);
      }
      const double w = level + uniform() * 20.0 - 10.0;
      p.values.push_back(w);
      q.values.push_back(w * 0.1 + uniform() * 4.0);
      e_imp += std::max(w, 0.0) / 3600.0;
      e_exp += std::max(-w, 0.0) / 3600.0;
      imp.values.push_back(e_imp);
      exp.values.push_back(e_exp);
    }
    out.push_back(std::move(p));
    out.push_back(std::move(q));
    out.push_back(std::move(imp));
    out.push_back(std::move(exp));
  }
  for (int phase = 1; phase <= 3; ++phase) {
    SeriesData v{"voltage/L" + std::to_string(phase) + "/v_ln", SeriesKind::kGauge, 0.01, {}};
    for (std::int64_t s = 0; s < kSeconds; ++s) {
      v.values.push_back(230.0 + 3.0 * std::sin(static_cast<double>(s) / 900.0) + uniform());
    }
    out.push_back(std::move(v));
  }
  SeriesData f{"site/frequency_hz", SeriesKind::kGauge, 0.001, {}};
  for (std::int64_t s = 0; s < kSeconds; ++s) {
    f.values.push_back(50.0 + uniform() * 0.04 - 0.02);
  }
  out.push_back(std::move(f));
  for (int input = 1; input <= 2; ++input) {
    SeriesData t{"input/in1/" + std::to_string(input) + "/total", SeriesKind::kCounter, 0.001, {}};
    double total = 0.0;
    for (std::int64_t s = 0; s < kSeconds; ++s) {
      total += uniform() < 0.01 ? 1.0 : 0.0;
      t.values.push_back(total);
    }
    out.push_back(std::move(t));
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::int64_t size_of(const std::filesystem::path& p) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(p, ec);
  return ec ? 0 : static_cast<std::int64_t>(size);
}

StoreOptions backfill_options() {
  StoreOptions options;
  options.sync_full = false;
  return options;
}

std::vector<int> make_series(Store& store, const std::vector<SeriesData>& data) {
  std::vector<int> ids;
  for (const SeriesData& s : data) {
    ids.push_back(*store.series(s.key, s.kind, s.resolution));
  }
  return ids;
}

bool per_point(const std::filesystem::path& path, const std::vector<SeriesData>& data) {
  auto store = Store::open(path.string(), backfill_options());
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return false;
  }
  const std::vector<int> ids = make_series(**store, data);
  for (std::int64_t s = 0; s < kSeconds; ++s) {
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (!(*store)->append(ids[i], kT0 + s * 1000, data[i].values[static_cast<std::size_t>(s)])) {
        return false;
      }
    }
    if (s % 60 == 59 && !(*store)->flush()) {
      return false;
    }
  }
  return (*store)->flush().ok() && (*store)->checkpoint().ok();
}

bool bulk(const std::filesystem::path& path, const std::vector<SeriesData>& data) {
  auto store = Store::open(path.string(), backfill_options());
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return false;
  }
  const std::vector<int> ids = make_series(**store, data);
  constexpr std::int64_t kBlock = 3600;
  std::vector<double> block(data.size() * kBlock);
  for (std::int64_t start = 0; start < kSeconds; start += kBlock) {
    for (std::size_t i = 0; i < data.size(); ++i) {
      const auto from = data[i].values.begin() + start;
      std::copy(from, from + kBlock, block.begin() + static_cast<std::ptrdiff_t>(i * kBlock));
    }
    if (auto s = (*store)->append_block(kT0 + start * 1000, 1000, kBlock, ids, block); !s) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
      return false;
    }
  }
  return (*store)->checkpoint().ok();
}

bool plain_sqlite(const std::filesystem::path& path, const std::vector<SeriesData>& data) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    return false;
  }
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
               "CREATE TABLE points (series INTEGER, t_ms INTEGER, value REAL, "
               "PRIMARY KEY (series, t_ms)) WITHOUT ROWID",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO points VALUES (?, ?, ?)", -1, &insert, nullptr);
  bool ok = true;
  for (std::int64_t s = 0; s < kSeconds && ok; ++s) {
    if (s % 60 == 0) {
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    }
    for (std::size_t i = 0; i < data.size(); ++i) {
      sqlite3_bind_int64(insert, 1, static_cast<std::int64_t>(i));
      sqlite3_bind_int64(insert, 2, kT0 + s * 1000);
      sqlite3_bind_double(insert, 3, data[i].values[static_cast<std::size_t>(s)]);
      ok = ok && sqlite3_step(insert) == SQLITE_DONE;
      sqlite3_reset(insert);
    }
    if (s % 60 == 59) {
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
  }
  sqlite3_finalize(insert);
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return ok;
}

}  // namespace

// Optional argument: run only the paths whose name starts with it
// ("per-point", "bulk", "plain"), e.g. under a profiler.
int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  const auto dir = std::filesystem::temp_directory_path() / "kirchhoff_bench_store_ingest";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::vector<SeriesData> data = make_data();
  const double points = static_cast<double>(kSeries) * static_cast<double>(kSeconds);
  std::printf("store_ingest: %d series at 1 Hz, %lld s of data (%.0f points)\n", kSeries,
              static_cast<long long>(kSeconds), points);
  struct Run {
    const char* name;
    bool (*run)(const std::filesystem::path&, const std::vector<SeriesData>&);
  };
  for (const Run& r : {Run{"per-point (append, flush per minute)", per_point},
                       Run{"bulk (append_block, an hour per block)", bulk},
                       Run{"plain SQLite (INSERT per point, txn per minute)", plain_sqlite}}) {
    if (!only.empty() && std::string(r.name).rfind(only, 0) != 0) {
      continue;
    }
    const auto path = dir / (std::string(r.name).substr(0, 4) + ".db");
    const auto t0 = std::chrono::steady_clock::now();
    if (!r.run(path, data)) {
      std::fprintf(stderr, "store_ingest: %s failed\n", r.name);
      return 1;
    }
    const double s = seconds_since(t0);
    const std::int64_t bytes = size_of(path) + size_of(path.string() + "-wal");
    std::printf("  %-48s %8.2f M points/s  %6.3f s  %6.2f bytes/point\n", r.name, points / s / 1e6,
                s, static_cast<double>(bytes) / points);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
