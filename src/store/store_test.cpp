#include "store/store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>

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

TEST_F(StoreTest, DurableUntilFollowsFullCommitsAndCheckpoints) {
  // A backfill (sync_full = false) never fsyncs a commit: nothing is known
  // to survive a power cut until a checkpoint.
  StoreOptions backfill;
  backfill.sync_full = false;
  auto store = Store::open(path(), backfill);
  ASSERT_TRUE(store.ok());
  auto id = *(*store)->series("s", SeriesKind::kGauge, 1.0);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE((*store)->append(id, kT0 + 1000 * i, i).ok());
    ASSERT_TRUE((*store)->flush().ok());
  }
  EXPECT_EQ((*store)->durable_until_ms(), std::numeric_limits<std::int64_t>::min());
  ASSERT_TRUE((*store)->checkpoint().ok());
  EXPECT_EQ((*store)->durable_until_ms(), kT0 + 19'000);
  store->reset();
  // The default: the first flush after opening is FULL, then one whenever the
  // newest point is 5 s past the last durable one: seconds 20, 25, 30.
  auto daemon = Store::open(path());
  ASSERT_TRUE(daemon.ok());
  id = *(*daemon)->series("s", SeriesKind::kGauge, 1.0);
  const std::int64_t expected[] = {20, 20, 20, 20, 20, 25, 25, 25, 25, 25, 30};
  for (int i = 20; i <= 30; ++i) {
    ASSERT_TRUE((*daemon)->append(id, kT0 + 1000 * i, i).ok());
    ASSERT_TRUE((*daemon)->flush().ok());
    EXPECT_EQ((*daemon)->durable_until_ms(), kT0 + 1000 * expected[i - 20]) << i;
  }
  EXPECT_EQ((*daemon)->pending_points(), 0);
  EXPECT_EQ((*daemon)->dropped_points(), 0);
}

TEST_F(StoreTest, ReadersSeeTheOpenBucketsOfAWriterElsewhere) {
  auto writer = Store::open(path());
  ASSERT_TRUE(writer.ok());
  auto id = *(*writer)->series("s", SeriesKind::kGauge, 1.0);
  // 90 s at 1 Hz, value = second index, flushed each second: nothing sealed
  // yet, so every bucket a reader sees comes from the journal. Minute 0:
  // 0..59, mean 29.5; minute 1 (open): 60..89, mean 74.5.
  for (int i = 0; i < 90; ++i) {
    ASSERT_TRUE((*writer)->append(id, kT0 + 1000 * i, i).ok());
    ASSERT_TRUE((*writer)->flush().ok());
  }
  StoreOptions reading;
  reading.read_only = true;
  auto reader = Store::open(path(), reading);
  ASSERT_TRUE(reader.ok());
  auto minutes = (*reader)->read_rollup("s", kLevel1m, kT0, kT0 + kLevel1h);
  ASSERT_TRUE(minutes.ok()) << minutes.error().message;
  ASSERT_EQ(minutes->size(), 2u);
  EXPECT_EQ((*minutes)[1].count, 30);
  EXPECT_DOUBLE_EQ((*minutes)[1].mean, 74.5);
  EXPECT_DOUBLE_EQ((*minutes)[1].last, 89);
  auto peak = (*reader)->max_mean("s", kLevel1m, kT0, kT0 + kLevel1h);
  ASSERT_TRUE(peak.ok() && peak->has_value());
  EXPECT_EQ((*peak)->start_ms, kT0 + 60'000);
  // As a counter: from the last value before minute 1 (59) to the last
  // value before minute 2 (89).
  EXPECT_DOUBLE_EQ(*(*reader)->counter_delta("s", kT0 + 60'000, kT0 + 120'000), 30.0);
  EXPECT_EQ((**(*reader)->latest("s")).t_ms, kT0 + 89'000);
}

// A version 1 file written by SQL as version 1 wrote it: series "s" (gauge,
// resolution 1) with value i at second i for i = 0..89: seconds 0..59 in a
// sealed chunk, 60..74 and 75..89 in two tails rows, and the rollups of
// every level upserted up to second 89.
TEST_F(StoreTest, AVersion1FileIsUpgradedWithNothingLost) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    const char* schema = R"(
      PRAGMA journal_mode=WAL;
      CREATE TABLE series (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
                           resolution REAL NOT NULL);
      CREATE TABLE chunks (series_id INTEGER NOT NULL, start_ms INTEGER NOT NULL,
                           end_ms INTEGER NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL,
                           PRIMARY KEY (series_id, start_ms)) WITHOUT ROWID;
      CREATE INDEX chunks_end ON chunks (end_ms);
      CREATE TABLE tails (series_id INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
                          PRIMARY KEY (series_id, seq)) WITHOUT ROWID;
      CREATE TABLE rollups (series_id INTEGER NOT NULL, level INTEGER NOT NULL,
                            start_ms INTEGER NOT NULL, count INTEGER NOT NULL, min REAL, max REAL,
                            sum REAL, first REAL, last REAL,
                            PRIMARY KEY (series_id, level, start_ms)) WITHOUT ROWID;
      CREATE TABLE events (id INTEGER PRIMARY KEY, t_ms INTEGER NOT NULL, kind TEXT NOT NULL,
                           user TEXT NOT NULL, message TEXT NOT NULL);
      CREATE INDEX events_t ON events (t_ms);
      PRAGMA application_id = 1263096387;
      PRAGMA user_version = 1;
      INSERT INTO series VALUES (1, 's', 'gauge', 1.0);
      -- minute 0: 0..59 (sum 1770), minute 1 so far: 60..89 (sum 2235); the
      -- quarter, hour and day: 0..89 (sum 4005).
      INSERT INTO rollups VALUES (1, 60000, 1767225600000, 60, 0, 59, 1770, 0, 59);
      INSERT INTO rollups VALUES (1, 60000, 1767225660000, 30, 60, 89, 2235, 60, 89);
      INSERT INTO rollups VALUES (1, 900000, 1767225600000, 90, 0, 89, 4005, 0, 89);
      INSERT INTO rollups VALUES (1, 3600000, 1767225600000, 90, 0, 89, 4005, 0, 89);
      INSERT INTO rollups VALUES (1, 86400000, 1767225600000, 90, 0, 89, 4005, 0, 89);
    )";
    ASSERT_EQ(sqlite3_exec(db, schema, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    auto points = [](int from, int to) {
      std::vector<RawPoint> out;
      for (int i = from; i < to; ++i) {
        out.push_back({kT0 + 1000LL * i, i});
      }
      return encode_chunk(out);
    };
    auto insert = [&](const char* sql, const std::string& blob) {
      sqlite3_stmt* stmt = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
      sqlite3_bind_blob(stmt, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
      sqlite3_finalize(stmt);
    };
    insert("INSERT INTO chunks VALUES (1, 1767225600000, 1767225659000, 60, ?)", points(0, 60));
    insert("INSERT INTO tails VALUES (1, 0, ?)", points(60, 75));
    insert("INSERT INTO tails VALUES (1, 1, ?)", points(75, 90));
    sqlite3_close(db);
  }
  StoreOptions reading;
  reading.read_only = true;
  auto refused = Store::open(path(), reading);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("version 1"));

  auto check = [&](Store& store, int seconds) {
    auto raw = store.read_raw("s", 0, INT64_MAX);
    ASSERT_TRUE(raw.ok()) << raw.error().message;
    ASSERT_EQ(raw->size(), static_cast<std::size_t>(seconds));
    for (int i = 0; i < seconds; ++i) {
      ASSERT_EQ((*raw)[static_cast<std::size_t>(i)].t_ms, kT0 + 1000LL * i);
      ASSERT_EQ((*raw)[static_cast<std::size_t>(i)].value, i);
    }
    auto hour = store.read_rollup("s", kLevel1h, kT0, kT0);
    ASSERT_EQ(hour->size(), 1u);
    EXPECT_EQ((*hour)[0].count, seconds);
    EXPECT_DOUBLE_EQ((*hour)[0].mean, (seconds - 1) / 2.0);  // mean of 0..seconds-1
  };
  {
    auto store = Store::open(path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    check(**store, 90);
    auto id = *(*store)->series("s", SeriesKind::kGauge, 1.0);
    EXPECT_FALSE((*store)->append(id, kT0 + 89'000, 0).ok());  // the old points are known
    for (int i = 90; i < 120; ++i) {
      ASSERT_TRUE((*store)->append(id, kT0 + 1000 * i, i).ok());
    }
    ASSERT_TRUE((*store)->flush().ok());
    check(**store, 120);
    // Minute 1: 60..119, mean 89.5, partly from the upgraded file.
    auto minutes = (*store)->read_rollup("s", kLevel1m, kT0, kT0 + kLevel1h);
    ASSERT_EQ(minutes->size(), 2u);
    EXPECT_EQ((*minutes)[1].count, 60);
    EXPECT_DOUBLE_EQ((*minutes)[1].mean, 89.5);
  }
  auto reopened = Store::open(path(), reading);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  check(**reopened, 120);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT (SELECT user_version FROM pragma_user_version), "
                               "(SELECT COUNT(*) FROM sqlite_master WHERE name = 'tails')",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 3);  // through version 2 to 3
  EXPECT_EQ(sqlite3_column_int(stmt, 1), 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(StoreTest, ADamagedJournalRowIsAnErrorNotACrash) {
  {
    auto store = Store::open(path());
    auto id = *(*store)->series("s", SeriesKind::kGauge, 1.0);
    ASSERT_TRUE((*store)->append(id, kT0, 1).ok());
    ASSERT_TRUE((*store)->flush().ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  // A segment whose length runs past the end of the row.
  ASSERT_EQ(sqlite3_exec(db, "UPDATE journal SET data = x'0102ff'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  StoreOptions reading;
  reading.read_only = true;
  auto store = Store::open(path(), reading);
  ASSERT_TRUE(store.ok());
  auto stats = (*store)->stats();
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.error().message, HasSubstr("damaged journal row"));
  EXPECT_FALSE((*store)->read_raw("s", 0, INT64_MAX).ok());
  EXPECT_FALSE((*store)->latest("s").ok());
  auto writer = Store::open(path());
  ASSERT_TRUE(writer.ok());
  EXPECT_FALSE((*writer)->series("s", SeriesKind::kGauge, 1.0).ok());
}

}  // namespace
}  // namespace kirchhoff::store
