// Storage faults through the fault-injecting VFS (fault_vfs.hpp):
// - power cuts at random moments of hours of 1 Hz data (between flushes and
//   in the middle of one): after each, the file opens, passes quick_check,
//   holds every point up to the last durable_until_ms() with its value, the
//   counter never goes back and the rollups equal those recomputed from the
//   raw points; for the default durable interval and for interval 0 (every
//   commit FULL: nothing acknowledged is lost);
// - a full disk: flushes fail with a clear error, nothing stored changes,
//   points wait and a later flush writes them; the memory bound drops the
//   oldest and counts them.
// Fixed seeds; the VFS skips the real fsync, so a run takes seconds.
#include <sqlite3.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <random>

#include "store/fault_vfs.hpp"
#include "store/store.hpp"

namespace kirchhoff::store {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();

struct SeriesDef {
  const char* key;
  SeriesKind kind;
  double resolution;
};
constexpr std::array<SeriesDef, 3> kSeries = {{{"grid/p_w", SeriesKind::kGauge, 0.1},
                                               {"solar/p_w", SeriesKind::kGauge, 0.1},
                                               {"grid/import_wh", SeriesKind::kCounter, 0.001}}};

// What the store does to a value: an integer number of resolution steps.
double quantised(double value, double resolution) {
  return static_cast<double>(std::llround(value / resolution)) * resolution;
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kirchhoff_fault_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string quick_check(const std::string& path, const char* vfs) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, vfs) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    } else {
      result = sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

// Buckets of a level recomputed from raw points, the independent source the
// stored rollups must equal.
std::vector<Bucket> recompute(const std::vector<Point>& points, std::int64_t level) {
  std::vector<Bucket> out;
  std::vector<double> sums;
  for (const Point& p : points) {
    const std::int64_t start = p.t_ms / level * level;
    if (out.empty() || out.back().start_ms != start) {
      out.push_back({start, 0, p.value, p.value, 0.0, p.value, p.value});
      sums.push_back(0.0);
    }
    Bucket& b = out.back();
    ++b.count;
    b.min = std::min(b.min, p.value);
    b.max = std::max(b.max, p.value);
    b.last = p.value;
    sums.back() += p.value;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].mean = sums[i] / static_cast<double>(out[i].count);
  }
  return out;
}

// Writes hours of 1 Hz data with power cuts at random flush counts; checks
// the store after each cut. `model` holds every point appended (by time).
void power_loss_run(std::int64_t durable_interval_ms, std::uint32_t seed, int seconds, int cuts) {
  const auto dir = fresh_dir("power_" + std::to_string(durable_interval_ms));
  const std::string path = (dir / "history.db").string();
  FaultVfs vfs("kirchhoff-power-loss-" + std::to_string(durable_interval_ms), false);
  StoreOptions options;
  options.vfs = vfs.name();
  options.durable_interval_ms = durable_interval_ms;
  std::mt19937 rng(seed);
  std::map<std::int64_t, std::array<double, 3>> model;
  std::int64_t acknowledged = kNone;  // newest point known durable before a cut
  std::int64_t t = kT0;
  double wh = 0.0;
  const int per_run = seconds / cuts;
  for (int round = 0; round < cuts; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto store = Store::open(path, options);
    ASSERT_TRUE(store.ok()) << store.error().message;
    std::array<int, 3> ids{};
    for (std::size_t i = 0; i < kSeries.size(); ++i) {
      auto id = (*store)->series(kSeries[i].key, kSeries[i].kind, kSeries[i].resolution);
      ASSERT_TRUE(id.ok()) << id.error().message;
      ids[i] = *id;
    }
    const int flushes = per_run / 2 + static_cast<int>(rng() % static_cast<unsigned>(per_run));
    const bool in_the_middle = rng() % 2 == 0;
    for (int k = 0; k < flushes + 200 && !vfs.is_cut(); ++k) {
      if (k == flushes) {
        if (!in_the_middle) {
          vfs.power_cut();
          break;
        }
        vfs.cut_after_writes(1 + static_cast<std::int64_t>(rng() % 8));
      }
      std::array<double, 3> v{};
      v[0] = quantised(static_cast<double>(rng() % 60000) / 10.0 - 1000.0, 0.1);
      v[1] = quantised(static_cast<double>(rng() % 40000) / 10.0, 0.1);
      wh += std::max(v[0], 0.0) / 3600.0;
      v[2] = quantised(wh, 0.001);
      for (std::size_t i = 0; i < 3; ++i) {
        ASSERT_TRUE((*store)->append(ids[i], t, v[i]).ok());
      }
      model[t] = v;
      t += 1000;
      const auto flushed = (*store)->flush();
      if (vfs.is_cut()) {
        break;  // the power went during this flush: it acknowledged nothing
      }
      ASSERT_TRUE(flushed.ok()) << flushed.error().message;
      acknowledged = std::max(acknowledged, (*store)->durable_until_ms());
      if (durable_interval_ms == 0) {
        ASSERT_EQ((*store)->durable_until_ms(), t - 1000) << "every FULL commit is durable";
      } else {
        // The documented bound: a power cut loses less than the interval
        // (plus the flush in progress).
        ASSERT_LT(t - 1000 - (*store)->durable_until_ms(), durable_interval_ms);
      }
    }
    if (!vfs.is_cut()) {
      vfs.power_cut();
    }
    store->reset();  // closing writes nothing while the power is off
    vfs.power_on();

    ASSERT_EQ(quick_check(path, vfs.name()), "ok");
    auto reopened = Store::open(path, options);
    ASSERT_TRUE(reopened.ok()) << reopened.error().message;
    std::int64_t survived = kNone;
    for (std::size_t i = 0; i < kSeries.size(); ++i) {
      SCOPED_TRACE(kSeries[i].key);
      auto points = (*reopened)->read_raw(kSeries[i].key, 0, INT64_MAX);
      ASSERT_TRUE(points.ok()) << points.error().message;
      std::map<std::int64_t, double> got;
      for (const Point& p : *points) {
        got[p.t_ms] = p.value;
      }
      ASSERT_EQ(got.size(), points->size());
      for (const auto& [time, values] : model) {
        if (time > acknowledged) {
          break;
        }
        const auto it = got.find(time);
        ASSERT_NE(it, got.end()) << "acknowledged point at +" << (time - kT0) / 1000
                                 << " s lost; durable until +" << (acknowledged - kT0) / 1000;
        ASSERT_NEAR(it->second, values[i], 1e-9);
      }
      for (std::size_t p = 0; p < points->size(); ++p) {
        const auto it = model.find((*points)[p].t_ms);
        ASSERT_NE(it, model.end()) << "a point nobody wrote";
        ASSERT_NEAR((*points)[p].value, it->second[i], 1e-9);
        if (kSeries[i].kind == SeriesKind::kCounter && p > 0) {
          ASSERT_GE((*points)[p].value, (*points)[p - 1].value) << "the counter went back";
        }
      }
      if (!points->empty()) {
        survived =
            survived == kNone ? points->back().t_ms : std::min(survived, points->back().t_ms);
      }
      for (const std::int64_t level : kLevels) {
        auto stored = (*reopened)->read_rollup(kSeries[i].key, level, 0, INT64_MAX);
        ASSERT_TRUE(stored.ok()) << stored.error().message;
        const auto expected = recompute(*points, level);
        ASSERT_EQ(stored->size(), expected.size()) << "level " << level;
        for (std::size_t b = 0; b < expected.size(); ++b) {
          ASSERT_EQ((*stored)[b].start_ms, expected[b].start_ms);
          ASSERT_EQ((*stored)[b].count, expected[b].count) << "level " << level;
          ASSERT_DOUBLE_EQ((*stored)[b].min, expected[b].min);
          ASSERT_DOUBLE_EQ((*stored)[b].max, expected[b].max);
          ASSERT_DOUBLE_EQ((*stored)[b].first, expected[b].first);
          ASSERT_DOUBLE_EQ((*stored)[b].last, expected[b].last);
          ASSERT_NEAR((*stored)[b].mean, expected[b].mean, 1e-6);
        }
      }
    }
    // Every series flushes the same seconds together: they survive together.
    auto last = (*reopened)->latest("grid/import_wh");
    ASSERT_TRUE(last.ok() && last->has_value());
    ASSERT_EQ((*last)->t_ms, survived);
    model.erase(model.upper_bound(survived), model.end());
    t = survived + 1000;
    wh = (*last)->value;
  }
  EXPECT_GT(acknowledged, kT0 + 3'600'000) << "the run should cover more than an hour";
  std::filesystem::remove_all(dir);
}

TEST(StorePowerLoss, DefaultIntervalLosesNothingOlderThanTheLastDurableCommit) {
  power_loss_run(5000, 2026, 5 * 3600, 12);
}

TEST(StorePowerLoss, IntervalZeroLosesNothingAcknowledged) { power_loss_run(0, 1859, 2 * 3600, 8); }

TEST(StoreDiskFull, FlushesFailPointsWaitAndAreWrittenLaterWithinTheBound) {
  const auto dir = fresh_dir("full");
  const std::string path = (dir / "history.db").string();
  FaultVfs vfs("kirchhoff-disk-full", false);
  StoreOptions options;
  options.vfs = vfs.name();
  options.max_pending_ms = 60'000;
  auto store = Store::open(path, options);
  ASSERT_TRUE(store.ok());
  const int a = *(*store)->series("a", SeriesKind::kGauge, 1.0);
  const int b = *(*store)->series("b", SeriesKind::kCounter, 1.0);
  // Point i of both series is worth i (at t0 + i s).
  auto write = [&](int from, int to, bool expect_ok) {
    for (int i = from; i < to; ++i) {
      ASSERT_TRUE((*store)->append(a, kT0 + 1000LL * i, i).ok());
      ASSERT_TRUE((*store)->append(b, kT0 + 1000LL * i, i).ok());
      const auto flushed = (*store)->flush();
      ASSERT_EQ(flushed.ok(), expect_ok) << i;
      if (!expect_ok) {
        EXPECT_THAT(flushed.error().message, HasSubstr("full"));
        EXPECT_THAT(flushed.error().message, HasSubstr(path));
      }
    }
  };
  write(0, 100, true);
  vfs.fail_writes_after(0, SQLITE_FULL);
  write(100, 130, false);
  EXPECT_EQ((*store)->pending_points(), 2 * 30);
  EXPECT_EQ((*store)->dropped_points(), 0);
  // A reader sees exactly the 100 seconds written before, in a sound file.
  {
    StoreOptions reading;
    reading.read_only = true;
    auto reader = Store::open(path, reading);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    EXPECT_EQ((*reader)->read_raw("a", 0, INT64_MAX)->size(), 100u);
    auto latest = (*reader)->latest("b");
    ASSERT_TRUE(latest.ok() && latest->has_value());
    EXPECT_EQ((*latest)->t_ms, kT0 + 99'000);
  }
  vfs.stop_failing();
  EXPECT_EQ(quick_check(path, nullptr), "ok");
  write(130, 131, true);
  EXPECT_EQ((*store)->pending_points(), 0);
  auto all = (*store)->read_raw("a", 0, INT64_MAX);
  ASSERT_EQ(all->size(), 131u);
  for (int i = 0; i < 131; ++i) {
    ASSERT_EQ((*all)[static_cast<std::size_t>(i)].t_ms, kT0 + 1000LL * i);
    ASSERT_EQ((*all)[static_cast<std::size_t>(i)].value, i);
  }

  // 100 s more of failing flushes with a bound of 60 s: of seconds 131..230
  // the last 61 (170..230, the span from 230 back to 170 inclusive) wait and
  // the 39 before them are dropped, per series: 78 in all.
  vfs.fail_writes_after(0, SQLITE_FULL);
  write(131, 231, false);
  EXPECT_EQ((*store)->pending_points(), 2 * 61);
  EXPECT_EQ((*store)->dropped_points(), 2 * 39);
  vfs.stop_failing();
  ASSERT_TRUE((*store)->flush().ok());
  EXPECT_EQ((*store)->pending_points(), 0);
  auto after = (*store)->read_raw("b", 0, INT64_MAX);
  ASSERT_EQ(after->size(), 131u + 61u);
  EXPECT_EQ((*after)[130].t_ms, kT0 + 130'000);
  EXPECT_EQ((*after)[131].t_ms, kT0 + 170'000);
  EXPECT_EQ(after->back().t_ms, kT0 + 230'000);
  EXPECT_EQ(quick_check(path, nullptr), "ok");
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kirchhoff::store
