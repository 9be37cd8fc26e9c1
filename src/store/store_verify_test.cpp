// Store::verify on real files damaged on purpose, what reads of a damaged
// file, and the space functions (docs/storage-faults.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/chunk.hpp"
#include "store/store.hpp"

namespace kirchhoff::store {
namespace {

using common::ErrorKind;
using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Runs SQL on a file with plain SQLite (not through the store).
void sql(const std::string& path, const char* text) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, text, nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

class StoreVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kirchhoff_store_verify_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "history.db").string(); }

  // A history of two series: an hour of 1 Hz power (one sealed chunk of 3600
  // points of 5 W, small enough for one page) and a counter rising 1 Wh a second from
  // 100 Wh, with 10 more seconds in the open chunk (the journal). Checkpointed, so
  // the whole history is in the file and there is no log.
  void write_history() {
    auto store = Store::open(path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    const int power = *(*store)->series("load/Grid/p_w", SeriesKind::kGauge, 0.1);
    const int energy = *(*store)->series("load/Grid/energy_import_wh", SeriesKind::kCounter, 0.001);
    for (int i = 0; i < 3610; ++i) {
      ASSERT_TRUE((*store)->append(power, kT0 + 1000LL * i, 5.0).ok());
      ASSERT_TRUE((*store)->append(energy, kT0 + 1000LL * i, 100.0 + i).ok());
      if (i % 600 == 599 || i == 3609) {
        ASSERT_TRUE((*store)->flush().ok());
      }
    }
    ASSERT_TRUE((*store)->checkpoint().ok());
  }

  std::filesystem::path dir_;
};

TEST_F(StoreVerifyTest, AHealthyFileAFreshOneAndNoneAtAllPass) {
  EXPECT_TRUE(Store::verify(path()).ok());  // no file: a fresh history
  write_file(path(), "");
  EXPECT_TRUE(Store::verify(path()).ok());  // 0 bytes and no log: fresh too
  std::filesystem::remove(path());
  write_history();
  const auto status = Store::verify(path());
  EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST_F(StoreVerifyTest, AnEmptyFileBesideALogIsDamaged) {
  write_file(path(), "");
  write_file(path() + "-wal", std::string(4096, 'x'));
  const auto status = Store::verify(path());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kCorruption);
  EXPECT_THAT(status.error().message, HasSubstr(path() + " is damaged"));
  EXPECT_THAT(status.error().message, HasSubstr("4096 bytes"));
}

TEST_F(StoreVerifyTest, AnotherProgramsDatabaseIsNotAHistory) {
  sql(path(), "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');");
  const auto status = Store::verify(path());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kCorruption);
  EXPECT_THAT(status.error().message, HasSubstr("not a Kirchhoff history"));
}

TEST_F(StoreVerifyTest, TextIsNotADatabase) {
  write_file(path(), std::string(8192, 'k'));
  const auto status = Store::verify(path());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kCorruption);
  EXPECT_THAT(status.error().message, HasSubstr(path()));
}

TEST_F(StoreVerifyTest, ANewerFormatIsUnsupportedNotDamaged) {
  write_history();
  sql(path(), "PRAGMA user_version = 4");
  const auto status = Store::verify(path());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kUnsupported);
}

TEST_F(StoreVerifyTest, FlippedBytesInABtreePageFailQuickCheck) {
  write_history();
  std::string bytes = read_file(path());
  // The page size: 2 big-endian bytes at offset 16 of the database header
  // (SQLite file format; the store makes 1 KiB pages).
  const std::size_t page = (static_cast<std::size_t>(static_cast<unsigned char>(bytes[16])) << 8) |
                           static_cast<unsigned char>(bytes[17]);
  ASSERT_EQ(page, 1024u);
  ASSERT_GE(bytes.size(), 4 * page);
  // Flip every byte of the b-tree page header of page 2 (a table's root):
  // its page type and cell counts become nonsense.
  for (std::size_t i = page; i < page + 8; ++i) {
    bytes[i] = static_cast<char>(bytes[i] ^ 0xFF);
  }
  write_file(path(), bytes);
  const auto status = Store::verify(path());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kCorruption);
  EXPECT_THAT(status.error().message, HasSubstr(path() + " is damaged"));
}

TEST_F(StoreVerifyTest, AChunkThatDoesNotDecodeIsNamed) {
  write_history();
  // The sealed chunk of the power series as the codec writes it: the hour of
  // 5 W at 0.1 W resolution (q = 50).
  std::vector<RawPoint> points;
  for (int i = 0; i < 3600; ++i) {
    points.push_back({kT0 + 1000LL * i, 50});
  }
  const std::string chunk = encode_chunk(points);
  std::string bytes = read_file(path());
  // Its head: a chunk longer than a page continues on overflow pages.
  const auto at = bytes.find(chunk.substr(0, std::min<std::size_t>(chunk.size(), 24)));
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes.find(chunk.substr(0, std::min<std::size_t>(chunk.size(), 24)), at + 1),
            std::string::npos);  // and only there
  bytes[at] = 9;                 // the codec's version byte: 1 is the only one
  write_file(path(), bytes);
  const auto status = Store::verify(path());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kCorruption);
  EXPECT_THAT(status.error().message,
              HasSubstr("the chunk of series 'load/Grid/p_w' from 2026-01-01T00:00:00Z does not "
                        "decode"));
}

TEST_F(StoreVerifyTest, AChunkThatClaimsOtherCountIsNamed) {
  write_history();
  sql(path(), "UPDATE chunks SET count = count + 1");
  const auto status = Store::verify(path());
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("claims 3601 points and holds 3600"));
}

TEST_F(StoreVerifyTest, ASeriesWithoutResolutionIsDamage) {
  write_history();
  sql(path(), "UPDATE series SET resolution = 0 WHERE key = 'load/Grid/p_w'");
  const auto status = Store::verify(path());
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("'load/Grid/p_w' has the resolution"));
}

TEST_F(StoreVerifyTest, AColumnRenamedInTheSchemaTextIsDamage) {
  write_history();
  // One flipped byte in sqlite_master's text: quick_check passes, yet every
  // write of the store would fail on the missing column.
  sql(path(),
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'sealed_ms', "
      "'sealedxms') WHERE name = 'series'; PRAGMA writable_schema = OFF");
  const auto status = Store::verify(path());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kCorruption);
  EXPECT_THAT(status.error().message, HasSubstr("the table 'series' has other columns"));
}

TEST_F(StoreVerifyTest, SalvageTakesWhatReads) {
  write_history();
  // The counter's last point is at second 3609: 100 + 3609 = 3709 Wh.
  auto counters = Store::salvage_counters(path());
  ASSERT_TRUE(counters.ok()) << counters.error().message;
  ASSERT_EQ(counters->size(), 1u);  // gauges are not registers
  EXPECT_DOUBLE_EQ(counters->at("load/Grid/energy_import_wh"), 3709.0);
  // With every raw row unreadable, the newest stored minute rollup still
  // knows its minute's last value. Rollups are written when a series seals:
  // the flush of second 3599 (3600 points), whose minute ends at 100 + 3599
  // = 3699 Wh; the last ten seconds were only in the journal.
  sql(path(), "UPDATE journal SET data = x'09'; UPDATE chunks SET data = x'09'");
  counters = Store::salvage_counters(path());
  ASSERT_TRUE(counters.ok());
  EXPECT_DOUBLE_EQ(counters->at("load/Grid/energy_import_wh"), 3699.0);
  // A damaged last value (1e15 Wh, past any register) is no register: the
  // minute blocks rewritten with such a bucket.
  const RollupRecord huge{kT0, 60, 0, 0, 0, 0, 1'000'000'000'000'000'000};
  std::string hex;
  for (const char c : encode_rollup_block(kLevel1m, std::span<const RollupRecord>(&huge, 1))) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[(static_cast<unsigned char>(c) >> 4) & 15];
    hex += kDigits[static_cast<unsigned char>(c) & 15];
  }
  const std::string update = "UPDATE rollup_blocks SET data = x'" + hex + "' WHERE level = 60000";
  sql(path(), update.c_str());
  counters = Store::salvage_counters(path());
  ASSERT_TRUE(counters.ok());
  EXPECT_FALSE(counters->contains("load/Grid/energy_import_wh"));
}

TEST_F(StoreVerifyTest, DropOldestRawKeepsRollupsAndTheNewest) {
  auto store = Store::open(path());
  ASSERT_TRUE(store.ok());
  const int a = *(*store)->series("a", SeriesKind::kGauge, 1.0);
  const int b = *(*store)->series("b", SeriesKind::kGauge, 1.0);
  // Series a: hours 0 and 1 (two sealed chunks); series b: hour 1 only.
  for (int i = 0; i < 7200; ++i) {
    ASSERT_TRUE((*store)->append(a, kT0 + 1000LL * i, 5.0).ok());
    if (i >= 3600) {
      ASSERT_TRUE((*store)->append(b, kT0 + 1000LL * i, 7.0).ok());
    }
    if (i % 3600 == 3599) {
      ASSERT_TRUE((*store)->flush().ok());
    }
  }
  auto before = (*store)->usage();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->levels[0].points, 3 * 3600);
  // One byte asks for the single oldest chunk: series a's first hour.
  auto freed = (*store)->drop_oldest_raw(1);
  ASSERT_TRUE(freed.ok()) << freed.error().message;
  EXPECT_GT(*freed, 0);
  EXPECT_TRUE((*store)->read_raw("a", kT0, kT0 + 3'599'000)->empty());
  EXPECT_EQ((*store)->read_raw("a", kT0 + 3'600'000, kT0 + 7'199'000)->size(), 3600u);
  EXPECT_EQ((*store)->read_raw("b", kT0, kT0 + 7'199'000)->size(), 3600u);
  // The first hour's rollups stay: 60 minutes of series a.
  EXPECT_EQ((*store)->read_rollup("a", kLevel1m, kT0, kT0 + 3'599'999)->size(), 60u);
  auto after = (*store)->usage();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->levels[0].points, 2 * 3600);
  EXPECT_EQ(after->levels[0].oldest_ms, kT0 + 3'600'000);
  // Asking for more than there is drops every sealed chunk, and no more.
  freed = (*store)->drop_oldest_raw(1LL << 40);
  ASSERT_TRUE(freed.ok());
  EXPECT_EQ((*store)->usage()->levels[0].points, 0);
  EXPECT_EQ((*store)->read_rollup("b", kLevel1h, kT0, kT0 + 7'199'999)->size(), 1u);
}

TEST_F(StoreVerifyTest, UsageCountsEveryLevel) {
  auto store = Store::open(path());
  ASSERT_TRUE(store.ok());
  const int a = *(*store)->series("a", SeriesKind::kGauge, 1.0);
  // 90 minutes at 1 Hz from midnight: one sealed hour and 30 minutes open.
  for (int i = 0; i < 5400; ++i) {
    ASSERT_TRUE((*store)->append(a, kT0 + 1000LL * i, i % 7).ok());
    if (i % 60 == 59) {
      ASSERT_TRUE((*store)->flush().ok());
    }
  }
  auto usage = (*store)->usage();
  ASSERT_TRUE(usage.ok()) << usage.error().message;
  ASSERT_EQ(usage->levels.size(), 5u);
  const auto& raw = usage->levels[0];
  EXPECT_EQ(raw.level, "raw");
  EXPECT_EQ(raw.points, 5400);
  EXPECT_EQ(raw.rows, 1 + 30);  // the sealed chunk and 30 one-minute journal rows
  EXPECT_EQ(raw.oldest_ms, kT0);
  EXPECT_EQ(raw.newest_ms, kT0 + 5'399'000);
  // Rollups are stored when the series seals (its first hour, 3600 points):
  // 60 minute buckets, 4 quarter hours, 1 hour, 1 day; the last 30 minutes
  // are only in the journal until the next sealing.
  EXPECT_EQ(usage->levels[1].level, "1m");
  EXPECT_EQ(usage->levels[1].rows, 60);
  EXPECT_EQ(usage->levels[2].rows, 4);
  EXPECT_EQ(usage->levels[3].rows, 1);
  EXPECT_EQ(usage->levels[4].rows, 1);
  EXPECT_EQ(usage->levels[1].oldest_ms, kT0);
  EXPECT_EQ(usage->levels[1].newest_ms, kT0 + 59 * 60'000);
  std::int64_t shared = 0;
  for (const auto& level : usage->levels) {
    EXPECT_GT(level.bytes, 0) << level.level;
    shared += level.bytes;
  }
  EXPECT_LE(shared, usage->file_bytes);
}

TEST_F(StoreVerifyTest, RollupRetentionPerLevel) {
  StoreOptions options;
  options.rollup_retention_ms[0] = 86'400'000;  // minutes: one day
  auto store = Store::open(path(), options);
  ASSERT_TRUE(store.ok());
  const int a = *(*store)->series("a", SeriesKind::kGauge, 1.0);
  // Three days, one point a minute: 4320 minute buckets, 288 quarter hours.
  for (int i = 0; i < 4320; ++i) {
    ASSERT_TRUE((*store)->append(a, kT0 + 60'000LL * i, 1.0).ok());
  }
  ASSERT_TRUE((*store)->flush().ok());
  const std::int64_t now = kT0 + 3 * 86'400'000LL;
  ASSERT_TRUE((*store)->apply_rollup_retention(now).ok());
  // A minute bucket goes once it ended more than a day before now: the one
  // from now - 1 day - 1 min ends exactly a day before and stays, so the
  // buckets of minutes 2879..4319 remain: 1441.
  EXPECT_EQ((*store)->read_rollup("a", kLevel1m, kT0, now)->size(), 1441u);
  EXPECT_EQ((*store)->read_rollup("a", kLevel15m, kT0, now)->size(), 288u);
}

}  // namespace
}  // namespace kirchhoff::store
