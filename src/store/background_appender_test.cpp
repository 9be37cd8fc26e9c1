// The background appender writes exactly what the same blocks appended on
// the caller's thread write, and reports a bad block's error.
#include "store/background_appender.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace kirchhoff::store {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

class BackgroundAppenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kirchhoff_background_appender_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

// Sample k of row r: a power for row 0, a register for row 1, a point every
// fifth second for row 2.
double value_at(std::size_t r, std::int64_t k) {
  switch (r) {
    case 0:
      return 500.0 + static_cast<double>((k * 37) % 1000) / 10.0;
    case 1:
      return 10.0 + static_cast<double>(k) * 0.5;
    default:
      return k % 5 == 0 ? static_cast<double>(k % 3) : kNaN;
  }
}

TEST(SampleBlock, TransposesToSeriesMajor) {
  // Two rows, three samples: sample-major (a0 b0 a1 b1 a2 b2).
  SampleBlock block{kT0, 1000, 3, {7, 9}, {1, 10, 2, 20, 3, 30}};
  std::vector<double> out;
  to_series_major(block, out);
  EXPECT_EQ(out, (std::vector<double>{1, 2, 3, 10, 20, 30}));
  // More samples than a tile (64) and a tile that is cut short.
  block.n = 150;
  block.values.clear();
  for (std::int64_t k = 0; k < 150; ++k) {
    block.values.push_back(static_cast<double>(k));
    block.values.push_back(static_cast<double>(-k));
  }
  to_series_major(block, out);
  ASSERT_EQ(out.size(), 300u);
  for (std::size_t k = 0; k < 150; ++k) {
    EXPECT_EQ(out[k], static_cast<double>(k));
    EXPECT_EQ(out[150 + k], -static_cast<double>(k));
  }
}

TEST_F(BackgroundAppenderTest, WritesWhatTheCallersThreadWould) {
  auto direct = Store::open(path("direct.db"));
  auto behind = Store::open(path("behind.db"));
  ASSERT_TRUE(direct.ok() && behind.ok());
  const char* keys[] = {"p_w", "energy_wh", "sparse"};
  const SeriesKind kinds[] = {SeriesKind::kGauge, SeriesKind::kCounter, SeriesKind::kGauge};
  const double resolutions[] = {0.1, 0.001, 1.0};
  std::vector<int> ids_direct;
  std::vector<int> ids_behind;
  for (int r = 0; r < 3; ++r) {
    ids_direct.push_back(*(*direct)->series(keys[r], kinds[r], resolutions[r]));
    ids_behind.push_back(*(*behind)->series(keys[r], kinds[r], resolutions[r]));
  }
  constexpr std::int64_t kBlock = 1800;  // half-hour blocks, five of them
  {
    BackgroundAppender appender(**behind);
    for (std::int64_t b = 0; b < 5; ++b) {
      SampleBlock block{kT0 + 1000 * b * kBlock, 1000, kBlock, ids_behind, appender.spare()};
      block.values.clear();
      std::vector<double> columns;
      for (std::int64_t k = b * kBlock; k < (b + 1) * kBlock; ++k) {
        for (std::size_t r = 0; r < 3; ++r) {
          block.values.push_back(value_at(r, k));
        }
      }
      for (std::size_t r = 0; r < 3; ++r) {
        for (std::int64_t k = b * kBlock; k < (b + 1) * kBlock; ++k) {
          columns.push_back(value_at(r, k));
        }
      }
      ASSERT_TRUE(
          (*direct)->append_block(kT0 + 1000 * b * kBlock, 1000, kBlock, ids_direct, columns).ok());
      ASSERT_TRUE(appender.submit(std::move(block)).ok());
    }
    ASSERT_TRUE(appender.finish().ok());
  }
  const std::int64_t end = kT0 + 1000 * 5 * kBlock;
  for (const char* key : keys) {
    auto x = (*direct)->read_raw(key, kT0, end);
    auto y = (*behind)->read_raw(key, kT0, end);
    ASSERT_TRUE(x.ok() && y.ok());
    ASSERT_EQ(x->size(), y->size()) << key;
    for (std::size_t i = 0; i < x->size(); ++i) {
      EXPECT_EQ((*x)[i].t_ms, (*y)[i].t_ms);
      EXPECT_EQ((*x)[i].value, (*y)[i].value);
    }
    auto p = (*direct)->read_rollup(key, kLevel15m, kT0, end);
    auto q = (*behind)->read_rollup(key, kLevel15m, kT0, end);
    ASSERT_TRUE(p.ok() && q.ok());
    ASSERT_EQ(p->size(), q->size());
    for (std::size_t i = 0; i < p->size(); ++i) {
      EXPECT_EQ((*p)[i].count, (*q)[i].count);
      EXPECT_EQ((*p)[i].mean, (*q)[i].mean);
    }
  }
  // By hand: the register gains 0.5 Wh a second over 9000 s, less the first.
  EXPECT_NEAR(*(*behind)->counter_delta("energy_wh", kT0, end), 8999 * 0.5, 1e-9);
  // The sparse series: a point every fifth second.
  EXPECT_EQ((*behind)->read_raw("sparse", kT0, end)->size(), 5u * kBlock / 5u);
}

TEST_F(BackgroundAppenderTest, ABadBlockStopsTheWritingAndSaysWhy) {
  auto store = Store::open(path("history.db"));
  ASSERT_TRUE(store.ok());
  const std::vector<int> ids = {*(*store)->series("p_w", SeriesKind::kGauge, 0.1)};
  BackgroundAppender appender(**store);
  ASSERT_TRUE(appender.submit({kT0, 1000, 3, ids, {1, 2, 3}}).ok());
  // Not after the first block's last point: refused on the appender's thread.
  ASSERT_TRUE(appender.submit({kT0 + 1000, 1000, 2, ids, {4, 5}}).ok());
  auto finished = appender.finish();
  ASSERT_FALSE(finished.ok());
  EXPECT_THAT(finished.error().message, HasSubstr("not after the last one"));
  // Nothing more is written once a block failed, and submit says so.
  auto later = appender.submit({kT0 + 10'000, 1000, 1, ids, {6}});
  ASSERT_FALSE(later.ok());
  EXPECT_THAT(later.error().message, HasSubstr("not after the last one"));
  ASSERT_TRUE(appender.finish().error().message.find("not after") != std::string::npos);
  EXPECT_EQ((*store)->read_raw("p_w", kT0, kT0 + 60'000)->size(), 3u);
}

}  // namespace
}  // namespace kirchhoff::store
