// The bulk path (Store::append_block), the rollup blocks of format 3 and the
// upgrade of a version 2 file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "store/chunk.hpp"
#include "store/fault_vfs.hpp"
#include "store/store.hpp"

namespace kirchhoff::store {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

class StoreBlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kirchhoff_store_block_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name = "history.db") const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

struct SeriesSpec {
  const char* key;
  SeriesKind kind;
  double resolution;
};
constexpr SeriesSpec kSpecs[] = {{"p_w", SeriesKind::kGauge, 0.1},
                                 {"energy_wh", SeriesKind::kCounter, 0.001},
                                 {"sparse", SeriesKind::kGauge, 1.0}};

// Second k's value of each series: a varying power, a growing register and
// a series with a point only every seventh second (NaN otherwise).
double value_at(std::size_t series, std::int64_t k) {
  const double x = static_cast<double>(k);
  switch (series) {
    case 0:
      return 1000.0 + 700.0 * std::sin(x / 300.0) + static_cast<double>((k * 7919) % 97) / 10.0;
    case 1:
      return 100.0 + x * 0.27;
    default:
      return k % 7 == 0 ? static_cast<double>(k % 10) : kNaN;
  }
}

void expect_same_buckets(Store& a, Store& b, const std::string& key, std::int64_t from,
                         std::int64_t to) {
  for (const std::int64_t level : kLevels) {
    auto x = a.read_rollup(key, level, from, to);
    auto y = b.read_rollup(key, level, from, to);
    ASSERT_TRUE(x.ok() && y.ok());
    ASSERT_EQ(x->size(), y->size()) << key << " level " << level;
    for (std::size_t i = 0; i < x->size(); ++i) {
      const Bucket& p = (*x)[i];
      const Bucket& q = (*y)[i];
      EXPECT_EQ(p.start_ms, q.start_ms);
      EXPECT_EQ(p.count, q.count);
      EXPECT_EQ(p.min, q.min);
      EXPECT_EQ(p.max, q.max);
      EXPECT_EQ(p.mean, q.mean);
      EXPECT_EQ(p.first, q.first);
      EXPECT_EQ(p.last, q.last);
    }
  }
}

TEST_F(StoreBlockTest, BulkBlocksReadBackExactlyLikePointByPoint) {
  constexpr std::int64_t kSeconds = 9000;  // 2.5 hours: two sealings and a journaled half hour
  auto by_point = Store::open(path("points.db"));
  auto by_block = Store::open(path("blocks.db"));
  ASSERT_TRUE(by_point.ok() && by_block.ok());
  std::vector<int> point_ids;
  std::vector<int> block_ids;
  for (const SeriesSpec& spec : kSpecs) {
    point_ids.push_back(*(*by_point)->series(spec.key, spec.kind, spec.resolution));
    block_ids.push_back(*(*by_block)->series(spec.key, spec.kind, spec.resolution));
  }
  for (std::int64_t k = 0; k < kSeconds; ++k) {
    for (std::size_t s = 0; s < 3; ++s) {
      const double v = value_at(s, k);
      if (!std::isnan(v)) {
        ASSERT_TRUE((*by_point)->append(point_ids[s], kT0 + 1000 * k, v).ok());
      }
    }
    if (k % 60 == 59) {
      ASSERT_TRUE((*by_point)->flush().ok());
    }
  }
  ASSERT_TRUE((*by_point)->flush().ok());
  // Blocks of 1000 s: neither minutes nor hours line up with them.
  for (std::int64_t start = 0; start < kSeconds; start += 1000) {
    const std::int64_t n = std::min<std::int64_t>(1000, kSeconds - start);
    std::vector<double> values;
    for (std::size_t s = 0; s < 3; ++s) {
      for (std::int64_t k = start; k < start + n; ++k) {
        values.push_back(value_at(s, k));
      }
    }
    auto status = (*by_block)->append_block(kT0 + 1000 * start, 1000, n, block_ids, values);
    ASSERT_TRUE(status.ok()) << status.error().message;
  }
  EXPECT_EQ((*by_block)->pending_points(), 0);
  auto check = [&](Store& a, Store& b) {
    for (const SeriesSpec& spec : kSpecs) {
      auto x = a.read_raw(spec.key, kT0, kT0 + 1000 * kSeconds);
      auto y = b.read_raw(spec.key, kT0, kT0 + 1000 * kSeconds);
      ASSERT_TRUE(x.ok() && y.ok());
      ASSERT_EQ(x->size(), y->size()) << spec.key;
      for (std::size_t i = 0; i < x->size(); ++i) {
        EXPECT_EQ((*x)[i].t_ms, (*y)[i].t_ms);
        EXPECT_EQ((*x)[i].value, (*y)[i].value);
      }
      expect_same_buckets(a, b, spec.key, kT0, kT0 + 1000 * kSeconds);
      EXPECT_EQ(*a.counter_delta(spec.key, kT0, kT0 + 1000 * kSeconds),
                *b.counter_delta(spec.key, kT0, kT0 + 1000 * kSeconds));
    }
  };
  check(**by_point, **by_block);
  // The sparse series by hand: a point every 7 s, value k mod 10. Its first
  // minute holds k = 0, 7, ..., 56 (9 points: 0 7 4 1 8 5 2 9 6, sum 42).
  auto minute = (*by_block)->read_rollup("sparse", kLevel1m, kT0, kT0);
  ASSERT_EQ(minute->size(), 1u);
  EXPECT_EQ((*minute)[0].count, 9);
  EXPECT_DOUBLE_EQ((*minute)[0].mean, 42.0 / 9.0);
  EXPECT_EQ((*minute)[0].min, 0.0);
  EXPECT_EQ((*minute)[0].max, 9.0);
  EXPECT_EQ((*minute)[0].first, 0.0);
  EXPECT_EQ((*minute)[0].last, 6.0);
  // The register grows 0.27 Wh a second: 8999 s after the first point.
  EXPECT_NEAR(*(*by_block)->counter_delta("energy_wh", kT0, kT0 + 1000 * kSeconds), 8999 * 0.27,
              1e-6);
  // And the same after both reopen (rollups rebuilt from blocks and journal).
  by_point->reset();
  by_block->reset();
  auto a = Store::open(path("points.db"));
  auto b = Store::open(path("blocks.db"));
  ASSERT_TRUE(a.ok() && b.ok());
  check(**a, **b);
}

TEST_F(StoreBlockTest, ABadBlockAppendsNothing) {
  auto store = Store::open(path());
  ASSERT_TRUE(store.ok());
  const int a = *(*store)->series("a", SeriesKind::kGauge, 1.0);
  const int b = *(*store)->series("b", SeriesKind::kGauge, 1.0);
  ASSERT_TRUE((*store)->append(b, kT0 + 5000, 1.0).ok());
  const std::vector<int> ids = {a, b};
  // b's second sample (t0 + 1 s) is not after its point at t0 + 5 s.
  std::vector<double> values = {1, 2, 3, kNaN, 4, 5};
  auto status = (*store)->append_block(kT0, 1000, 3, ids, values);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("not after the last one"));
  EXPECT_EQ((*store)->pending_points(), 1);
  values = {1, std::numeric_limits<double>::infinity(), 3, kNaN, kNaN, kNaN};
  EXPECT_FALSE((*store)->append_block(kT0 + 10'000, 1000, 3, ids, values).ok());
  EXPECT_FALSE((*store)->append_block(kT0 + 10'000, 1000, 2, ids, values).ok());  // size
  EXPECT_FALSE((*store)->append_block(kT0 + 10'000, 0, 3, ids, values).ok());     // step
  const std::vector<int> twice = {a, a};
  values = {1, 2, 3, 4, 5, 6};
  EXPECT_FALSE((*store)->append_block(kT0 + 10'000, 1000, 3, twice, values).ok());
  const std::vector<int> unknown = {a, 999};
  EXPECT_FALSE((*store)->append_block(kT0 + 10'000, 1000, 3, unknown, values).ok());
  EXPECT_EQ((*store)->pending_points(), 1);
  // A good one commits what waited and the block.
  values = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE((*store)->append_block(kT0 + 10'000, 1000, 3, ids, values).ok());
  EXPECT_EQ((*store)->pending_points(), 0);
  EXPECT_EQ((*store)->read_raw("b", kT0, kT0 + 60'000)->size(), 4u);
}

TEST_F(StoreBlockTest, RollupBlocksRoundTripAndRejectDamage) {
  // Two contiguous minute buckets and one after a gap of two minutes.
  const std::vector<RollupRecord> buckets = {{kT0, 60, -5, 12, 240, 3, 7},
                                             {kT0 + 60'000, 59, 7, 7, 413, 7, 7},
                                             {kT0 + 240'000, 1, -900, -900, -900, -900, -900}};
  const std::string data = encode_rollup_block(kLevel1m, buckets);
  auto decoded = decode_rollup_block(data);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->level_ms, kLevel1m);
  EXPECT_EQ(decoded->buckets, buckets);
  for (std::size_t cut = 0; cut < data.size(); ++cut) {
    EXPECT_FALSE(decode_rollup_block(data.substr(0, cut)).ok()) << cut;
  }
}

TEST_F(StoreBlockTest, AVersion2FileIsUpgradedAndRefusedReadOnlyBefore) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    // Version 2 (docs/store-format.md before format 3): series 's' (1 W)
    // sealed at second 89 with the rollup rows of 0..89 (value = second);
    // minute 0: 0..59 (sum 1770), minute 1: 60..89 (sum 2235).
    const char* schema = R"(
      PRAGMA journal_mode=WAL;
      CREATE TABLE series (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
                           resolution REAL NOT NULL, sealed_ms INTEGER);
      CREATE TABLE chunks (series_id INTEGER NOT NULL, start_ms INTEGER NOT NULL,
                           end_ms INTEGER NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL,
                           PRIMARY KEY (series_id, start_ms)) WITHOUT ROWID;
      CREATE INDEX chunks_end ON chunks (end_ms);
      CREATE TABLE journal (seq INTEGER PRIMARY KEY, end_ms INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE rollups (series_id INTEGER NOT NULL, level INTEGER NOT NULL,
                            start_ms INTEGER NOT NULL, count INTEGER NOT NULL, min REAL, max REAL,
                            sum REAL, first REAL, last REAL,
                            PRIMARY KEY (series_id, level, start_ms)) WITHOUT ROWID;
      CREATE TABLE events (id INTEGER PRIMARY KEY, t_ms INTEGER NOT NULL, kind TEXT NOT NULL,
                           user TEXT NOT NULL, message TEXT NOT NULL);
      CREATE INDEX events_t ON events (t_ms);
      PRAGMA application_id = 1263096387;
      PRAGMA user_version = 2;
      INSERT INTO series VALUES (1, 's', 'gauge', 1.0, 1767225689000);
      INSERT INTO rollups VALUES (1, 60000, 1767225600000, 60, 0, 59, 1770, 0, 59);
      INSERT INTO rollups VALUES (1, 60000, 1767225660000, 30, 60, 89, 2235, 60, 89);
      INSERT INTO rollups VALUES (1, 900000, 1767225600000, 90, 0, 89, 4005, 0, 89);
      INSERT INTO rollups VALUES (1, 3600000, 1767225600000, 90, 0, 89, 4005, 0, 89);
      INSERT INTO rollups VALUES (1, 86400000, 1767225600000, 90, 0, 89, 4005, 0, 89);
    )";
    ASSERT_EQ(sqlite3_exec(db, schema, nullptr, nullptr, nullptr), SQLITE_OK);
    std::vector<RawPoint> points;
    for (int i = 0; i < 90; ++i) {
      points.push_back({kT0 + 1000 * i, i});
    }
    const std::string chunk = encode_chunk(points);
    sqlite3_stmt* insert = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(db, "INSERT INTO chunks VALUES (1, ?, ?, 90, ?)", -1, &insert, nullptr),
        SQLITE_OK);
    sqlite3_bind_int64(insert, 1, kT0);
    sqlite3_bind_int64(insert, 2, kT0 + 89'000);
    sqlite3_bind_blob(insert, 3, chunk.data(), static_cast<int>(chunk.size()), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
    sqlite3_finalize(insert);
    sqlite3_close(db);
  }
  StoreOptions reading;
  reading.read_only = true;
  auto refused = Store::open(path(), reading);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, common::ErrorKind::kUnsupported);
  EXPECT_THAT(refused.error().message, HasSubstr("version 2"));
  {
    auto writer = Store::open(path());
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    // The writer continues minute 1 with 90..119 (sum 3135): 60..119 sums
    // to 5370, mean 89.5.
    const int id = *(*writer)->series("s", SeriesKind::kGauge, 1.0);
    for (int i = 90; i < 120; ++i) {
      ASSERT_TRUE((*writer)->append(id, kT0 + 1000 * i, i).ok());
    }
    ASSERT_TRUE((*writer)->flush().ok());
  }
  ASSERT_TRUE(Store::verify(path()).ok());
  auto store = Store::open(path(), reading);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto minutes = (*store)->read_rollup("s", kLevel1m, kT0, kT0 + kLevel1h);
  ASSERT_TRUE(minutes.ok());
  ASSERT_EQ(minutes->size(), 2u);
  EXPECT_EQ((*minutes)[0].count, 60);
  EXPECT_DOUBLE_EQ((*minutes)[0].mean, 29.5);
  EXPECT_EQ((*minutes)[1].count, 60);
  EXPECT_DOUBLE_EQ((*minutes)[1].mean, 89.5);
  EXPECT_EQ((*minutes)[1].last, 119.0);
  auto hour = (*store)->read_rollup("s", kLevel1h, kT0, kT0);
  ASSERT_EQ(hour->size(), 1u);
  EXPECT_EQ((*hour)[0].count, 120);
  EXPECT_DOUBLE_EQ((*hour)[0].mean, 59.5);  // 0..119
  EXPECT_EQ((*store)->read_raw("s", kT0, kT0 + 119'000)->size(), 120u);
}

// A power cut in the middle of a block's commit loses that block at most:
// every earlier block reads back whole, the cut one whole or not at all.
TEST_F(StoreBlockTest, APowerCutInsideABlockLosesAtMostThatBlock) {
  FaultVfs vfs("kirchhoff-block-cut", false);
  StoreOptions options;
  options.vfs = vfs.name();
  options.durable_interval_ms = 0;  // every commit durable: only the cut one may go
  constexpr std::int64_t kBlock = 600;
  for (const std::int64_t writes : {1, 3, 7}) {
    SCOPED_TRACE("cut after " + std::to_string(writes) + " writes");
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::int64_t blocks_done = 0;
    {
      auto store = Store::open(path(), options);
      ASSERT_TRUE(store.ok());
      const std::vector<int> ids = {*(*store)->series("a", SeriesKind::kGauge, 0.1),
                                    *(*store)->series("b", SeriesKind::kCounter, 0.001)};
      for (std::int64_t block = 0; block < 10; ++block) {
        std::vector<double> values;
        for (std::size_t s = 0; s < 2; ++s) {
          for (std::int64_t k = block * kBlock; k < (block + 1) * kBlock; ++k) {
            values.push_back(value_at(s, k));
          }
        }
        if (block == 7) {
          vfs.cut_after_writes(writes);
        }
        if (!(*store)->append_block(kT0 + 1000 * block * kBlock, 1000, kBlock, ids, values)) {
          break;
        }
        if (vfs.is_cut()) {
          break;
        }
        blocks_done = block + 1;
      }
      vfs.power_cut();
    }
    vfs.power_on();
    ASSERT_TRUE(Store::verify(path()).ok());
    auto store = Store::open(path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    for (const char* key : {"a", "b"}) {
      auto points = (*store)->read_raw(key, kT0, kT0 + 1000 * 10 * kBlock);
      ASSERT_TRUE(points.ok());
      ASSERT_EQ(points->size() % kBlock, 0u) << key;  // whole blocks only
      // Every block acknowledged before the cut, and perhaps the one cut.
      const auto blocks = static_cast<std::int64_t>(points->size()) / kBlock;
      EXPECT_GE(blocks, blocks_done) << key;
      EXPECT_LE(blocks, blocks_done + 1) << key;
      EXPECT_GE(blocks_done, 7);
      auto buckets = (*store)->read_rollup(key, kLevel1m, kT0, kT0 + 1000 * 10 * kBlock);
      ASSERT_TRUE(buckets.ok());
      std::int64_t minutes = 0;
      for (const Bucket& b : *buckets) {
        minutes += b.count;
      }
      EXPECT_EQ(minutes, static_cast<std::int64_t>(points->size())) << key;
    }
  }
}

TEST_F(StoreBlockTest, LongBlocksSealHourlyChunksAndABackfillSkipsExpiredRaw) {
  // Two six-hour blocks of a 1 Hz series, written twice: once keeping all
  // raw, once as a backfill whose raw starts at 09:00 (raw_from_ms).
  constexpr std::int64_t kBlock = 6 * 3600;
  constexpr std::int64_t kRawFrom = kT0 + 9 * 3'600'000;
  StoreOptions backfill;
  backfill.raw_from_ms = kRawFrom;
  auto all = Store::open(path("all.db"));
  auto recent = Store::open(path("recent.db"), backfill);
  ASSERT_TRUE(all.ok() && recent.ok());
  const std::vector<int> a = {*(*all)->series("p_w", SeriesKind::kGauge, 0.1)};
  const std::vector<int> r = {*(*recent)->series("p_w", SeriesKind::kGauge, 0.1)};
  for (std::int64_t block = 0; block < 2; ++block) {
    std::vector<double> values;
    for (std::int64_t k = block * kBlock; k < (block + 1) * kBlock; ++k) {
      values.push_back(value_at(0, k));
    }
    ASSERT_TRUE((*all)->append_block(kT0 + 1000 * block * kBlock, 1000, kBlock, a, values).ok());
    ASSERT_TRUE((*recent)->append_block(kT0 + 1000 * block * kBlock, 1000, kBlock, r, values).ok());
  }
  // Sealed as the daemon seals: twelve chunks of an hour (3600 points).
  auto stats = (*all)->stats();
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].raw_points, 2 * kBlock);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path("all.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(count), MIN(count) FROM chunks", -1, &q,
                               nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(q, 0), 12);
  EXPECT_EQ(sqlite3_column_int64(q, 1), 3600);
  EXPECT_EQ(sqlite3_column_int64(q, 2), 3600);
  sqlite3_finalize(q);
  sqlite3_close(db);
  // The backfill kept the chunks of hours 9, 10 and 11 only: hour 8's last
  // point (08:59:59) is before 09:00.
  auto raw = (*recent)->read_raw("p_w", kT0, kT0 + 1000 * 2 * kBlock);
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->size(), 3u * 3600u);
  EXPECT_EQ(raw->front().t_ms, kRawFrom);
  EXPECT_EQ(raw->back().t_ms, kT0 + 1000 * (2 * kBlock - 1));
  // Rollups of the whole period either way.
  expect_same_buckets(**all, **recent, "p_w", kT0, kT0 + 1000 * 2 * kBlock);
  auto hours = (*recent)->read_rollup("p_w", kLevel1h, kT0, kT0 + 1000 * 2 * kBlock);
  ASSERT_TRUE(hours.ok());
  ASSERT_EQ(hours->size(), 12u);
  for (const Bucket& b : *hours) {
    EXPECT_EQ(b.count, 3600);
  }
}

TEST_F(StoreBlockTest, ValuesRoundToTheResolutionHalfAwayFromZero) {
  // Resolution 0.5: k * 0.25 is exactly half a step for odd k, which rounds
  // away from zero (as std::llround): 0.25 -> 0.5, 0.75 -> 1.0, -0.25 -> -0.5,
  // -0.75 -> -1.0; whole steps stay. Both paths quantise alike.
  auto store = Store::open(path());
  ASSERT_TRUE(store.ok());
  const int by_point = *(*store)->series("a", SeriesKind::kGauge, 0.5);
  const int by_block = *(*store)->series("b", SeriesKind::kGauge, 0.5);
  const std::vector<double> values = {0.25, 0.75, -0.25, -0.75, 1.0, -1.5, 0.2, -0.2, 1e15 + 0.25};
  const std::vector<double> expected = {0.5, 1.0, -0.5, -1.0, 1.0, -1.5, 0.0, 0.0, 1e15 + 0.5};
  for (std::size_t k = 0; k < values.size(); ++k) {
    ASSERT_TRUE(
        (*store)->append(by_point, kT0 + 1000 * static_cast<std::int64_t>(k), values[k]).ok());
  }
  const std::vector<int> ids = {by_block};
  ASSERT_TRUE((*store)
                  ->append_block(kT0, 1000, static_cast<std::int64_t>(values.size()), ids, values)
                  .ok());
  for (const char* key : {"a", "b"}) {
    auto points = (*store)->read_raw(key, kT0, kT0 + 60'000);
    ASSERT_TRUE(points.ok());
    ASSERT_EQ(points->size(), expected.size()) << key;
    for (std::size_t k = 0; k < expected.size(); ++k) {
      EXPECT_EQ((*points)[k].value, expected[k]) << key << " " << values[k];
    }
  }
}

}  // namespace
}  // namespace kirchhoff::store
