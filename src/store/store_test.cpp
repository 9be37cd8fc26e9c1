#include "store/store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kirchhoff::store {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kirchhoff_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  std::string path() const { return (dir_ / "history.db").string(); }
  std::filesystem::path dir_;
};

TEST_F(StoreTest, AppendFlushReadAtTheDeclaredResolution) {
  auto store = Store::open(path());
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto id = (*store)->series("load/Grid/p_w", SeriesKind::kGauge, 0.1);
  ASSERT_TRUE(id.ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE((*store)->append(*id, kT0 + 1000 * i, 1000.04 + i).ok());
  }
  EXPECT_FALSE((*store)->append(*id, kT0, 5.0).ok());  // not after the last point
  ASSERT_TRUE((*store)->flush().ok());
  auto points = (*store)->read_raw("load/Grid/p_w", kT0 + 10'000, kT0 + 19'000);
  ASSERT_TRUE(points.ok());
  ASSERT_EQ(points->size(), 10u);
  // 1010.04 stored at 0.1 W resolution reads 1010.0.
  EXPECT_NEAR((*points)[0].value, 1010.0, 1e-9);
  EXPECT_EQ((*points)[0].t_ms, kT0 + 10'000);
  EXPECT_FALSE((*store)->read_raw("no/such", 0, 1).ok());
}

TEST_F(StoreTest, RollupsMatchAHandComputation) {
  auto store = Store::open(path());
  ASSERT_TRUE(store.ok());
  auto id = *(*store)->series("s", SeriesKind::kGauge, 1.0);
  // Two minutes of 1 Hz: value = second index. Minute 0: 0..59 (mean 29.5,
  // min 0, max 59); minute 1: 60..119 (mean 89.5). The hour: mean 59.5.
  for (int i = 0; i < 120; ++i) {
    ASSERT_TRUE((*store)->append(id, kT0 + 1000 * i, i).ok());
  }
  ASSERT_TRUE((*store)->flush().ok());
  auto minutes = (*store)->read_rollup("s", kLevel1m, kT0, kT0 + kLevel1h);
  ASSERT_TRUE(minutes.ok());
  ASSERT_EQ(minutes->size(), 2u);
  EXPECT_DOUBLE_EQ((*minutes)[0].mean, 29.5);
  EXPECT_DOUBLE_EQ((*minutes)[0].min, 0);
  EXPECT_DOUBLE_EQ((*minutes)[0].max, 59);
  EXPECT_DOUBLE_EQ((*minutes)[1].mean, 89.5);
  EXPECT_DOUBLE_EQ((*minutes)[1].first, 60);
  EXPECT_DOUBLE_EQ((*minutes)[1].last, 119);
  auto hour = (*store)->read_rollup("s", kLevel1h, kT0, kT0);
  ASSERT_EQ(hour->size(), 1u);
  EXPECT_DOUBLE_EQ((*hour)[0].mean, 59.5);
  EXPECT_EQ((*hour)[0].count, 120);
}

TEST_F(StoreTest, CounterDeltaAndMonthlyPeak) {
  auto store = Store::open(path());
  ASSERT_TRUE(store.ok());
  auto energy = *(*store)->series("grid/import_wh", SeriesKind::kCounter, 0.001);
  auto power = *(*store)->series("grid/p_w", SeriesKind::kGauge, 0.1);
  // Two hours at 1 Hz: 1000 W, except 3000 W from 00:30 to 00:45. The
  // register starts at 500 Wh and adds P/3600 Wh each second.
  double wh = 500.0;
  for (int i = 0; i < 7200; ++i) {
    const double p = (i >= 1800 && i < 2700) ? 3000.0 : 1000.0;
    wh += p / 3600.0;
    ASSERT_TRUE((*store)->append(power, kT0 + 1000LL * i, p).ok());
    ASSERT_TRUE((*store)->append(energy, kT0 + 1000LL * i, wh).ok());
    if (i % 600 == 599) {
      ASSERT_TRUE((*store)->flush().ok());
    }
  }
  // The first hour runs from the first reading (00:00:00, after second 0) to
  // the last before 01:00 (00:59:59): seconds 1..3599 add up, i.e. 1799 s at
  // 1 kW + 900 s at 3 kW + 900 s at 1 kW = 5,399,000 J = 1499.722 Wh.
  auto first_hour = (*store)->counter_delta("grid/import_wh", kT0, kT0 + kLevel1h);
  ASSERT_TRUE(first_hour.ok());
  EXPECT_NEAR(*first_hour, 5'399'000.0 / 3600.0, 0.002);
  // The second hour, between readings on both sides: 3600 s at 1 kW = 1000 Wh.
  EXPECT_NEAR(*(*store)->counter_delta("grid/import_wh", kT0 + kLevel1h, kT0 + 2 * kLevel1h),
              1000.0, 0.002);
  // The month's 15-minute peak: the quarter from 00:30, at 3000 W.
  auto peak = (*store)->max_mean("grid/p_w", kLevel15m, kT0, kT0 + 31 * kLevel1d);
  ASSERT_TRUE(peak.ok() && peak->has_value());
  EXPECT_EQ((*peak)->start_ms, kT0 + 30 * 60'000);
  EXPECT_DOUBLE_EQ((*peak)->mean, 3000.0);
  auto last = (*store)->latest("grid/import_wh");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_NEAR((*last)->value, wh, 0.001);
  // Two hours of 1 Hz sealed into chunks of an hour: the raw read is complete.
  EXPECT_EQ((*store)->read_raw("grid/p_w", kT0, kT0 + 2 * kLevel1h)->size(), 7200u);
}

TEST_F(StoreTest, ReopenContinuesSeriesAndRollups) {
  {
    auto store = Store::open(path());
    auto id = *(*store)->series("s", SeriesKind::kGauge, 1.0);
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE((*store)->append(id, kT0 + 1000 * i, 10).ok());
    }
    ASSERT_TRUE((*store)->flush().ok());
  }
  auto store = Store::open(path());
  ASSERT_TRUE(store.ok());
  auto id = *(*store)->series("s", SeriesKind::kGauge, 1.0);
  EXPECT_FALSE((*store)->append(id, kT0 + 29'000, 1).ok());  // the old points are known
  for (int i = 30; i < 60; ++i) {
    ASSERT_TRUE((*store)->append(id, kT0 + 1000 * i, 20).ok());
  }
  ASSERT_TRUE((*store)->flush().ok());
  // One minute: 30 points at 10 and 30 at 20, mean 15, across the restart.
  auto minute = (*store)->read_rollup("s", kLevel1m, kT0, kT0);
  ASSERT_EQ(minute->size(), 1u);
  EXPECT_EQ((*minute)[0].count, 60);
  EXPECT_DOUBLE_EQ((*minute)[0].mean, 15.0);
  EXPECT_EQ((*store)->read_raw("s", kT0, kT0 + kLevel1h)->size(), 60u);
}

TEST_F(StoreTest, RetentionDropsOldRawDataButKeepsRollups) {
  StoreOptions options;
  options.raw_retention_ms = 2 * kLevel1h;
  auto store = Store::open(path(), options);
  auto id = *(*store)->series("s", SeriesKind::kGauge, 1.0);
  for (int i = 0; i < 5 * 3600; ++i) {
    ASSERT_TRUE((*store)->append(id, kT0 + 1000LL * i, 1).ok());
    if (i % 3600 == 3599) {
      ASSERT_TRUE((*store)->flush().ok());
    }
  }
  // Raw data of the first two hours is gone (older than 2 h before 05:00);
  // every hourly rollup is still there.
  EXPECT_TRUE((*store)->read_raw("s", kT0, kT0 + kLevel1h)->empty());
  EXPECT_FALSE((*store)->read_raw("s", kT0 + 4 * kLevel1h, kT0 + 5 * kLevel1h)->empty());
  EXPECT_EQ((*store)->read_rollup("s", kLevel1h, kT0, kT0 + 5 * kLevel1h)->size(), 5u);
}

TEST_F(StoreTest, ForeignOrDamagedFilesAreRefusedAndLeftUntouched) {
  const std::string garbage = path() + ".garbage";
  { std::ofstream(garbage) << std::string(8192, 'x'); }
  auto bad = Store::open(garbage);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("left untouched"));
  EXPECT_EQ(std::filesystem::file_size(garbage), 8192u);
  EXPECT_FALSE(std::filesystem::exists(garbage + "-wal"));

  // Another program's SQLite database: application id differs.
  const std::string foreign = path() + ".foreign";
  {
    auto other = Store::open(foreign);
    ASSERT_TRUE(other.ok());
  }
  std::fstream f(foreign, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(68);  // the application id in the SQLite header (big-endian, offset 68)
  f.write("\x12\x34\x56\x78", 4);
  f.close();
  const auto size = std::filesystem::file_size(foreign);
  auto refused = Store::open(foreign);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("belongs to another program"));
  EXPECT_EQ(std::filesystem::file_size(foreign), size);
}

TEST_F(StoreTest, EventsAndStats) {
  auto store = Store::open(path());
  ASSERT_TRUE((*store)->add_event({kT0, "relay", "olga", "Boiler switched off"}).ok());
  ASSERT_TRUE((*store)->add_event({kT0 + 5, "start", "", "kirchhoff started"}).ok());
  auto events = (*store)->events(kT0, kT0 + 10, 10);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, "start");  // newest first
  EXPECT_EQ((*events)[1].user, "olga");
  auto id = *(*store)->series("s", SeriesKind::kGauge, 1.0);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*store)->append(id, kT0 + 1000 * i, i).ok());
  }
  ASSERT_TRUE((*store)->flush().ok());
  auto stats = (*store)->stats();
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].raw_points, 10);
  EXPECT_GT((*store)->file_bytes(), 0);
}

}  // namespace
}  // namespace kirchhoff::store
