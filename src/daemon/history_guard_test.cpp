#include "daemon/history_guard.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "daemon/history_writer.hpp"
#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

class HistoryGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kirchhoff_history_guard_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string history() const { return (dir_ / "history.db").string(); }
  std::string registers() const { return (dir_ / "registers.json").string(); }

  // A history whose Grid import register last read `import_wh`.
  void write_history(double import_wh) {
    auto store = store::Store::open(history());
    ASSERT_TRUE(store.ok());
    const int id =
        *(*store)->series("load/Grid/energy_import_wh", store::SeriesKind::kCounter, 0.001);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE((*store)->append(id, kT0 + 1000 * i, import_wh - 9 + i).ok());
    }
    ASSERT_TRUE((*store)->flush().ok());
    ASSERT_TRUE((*store)->checkpoint().ok());
  }

  // The register the daemon would continue from: restore() over `opened`.
  double restored_import(OpenedHistory& opened) {
    auto inst = model::load_installation_text(
        "site: {name: S, topology: 1P-230, main_breaker_a: 40}\ngateway: connect\n"
        "bus:\n  - {ct_hub: hub1, inputs: {1: {ct: split-100A}}}\n"
        "loads:\n  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}\n",
        "test");
    EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().message);
    auto writer = HistoryWriter::create(*opened.store, *inst);
    EXPECT_TRUE(writer.ok()) << writer.error().message;
    if (!writer.ok()) {
      return -1.0;
    }
    EnergyRegisters registers;
    EXPECT_TRUE(writer->restore(registers, opened.floor).ok());
    snapshot::SiteSnapshot snap;
    snap.loads.resize(1);
    snap.has_energy = true;
    registers.update(snap, 0.0);
    return snap.loads[0].energy_import_wh;
  }

  std::filesystem::path dir_;
};

TEST_F(HistoryGuardTest, ASoundHistoryOpensAsItIs) {
  write_history(50.0);
  auto opened = open_history(history(), registers(), {}, kT0);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_TRUE(opened->damage.empty());
  EXPECT_TRUE(opened->moved_to.empty());
  EXPECT_DOUBLE_EQ(restored_import(*opened), 50.0);
}

TEST_F(HistoryGuardTest, ADamagedHistoryIsMovedAsideAndTheRegistersContinue) {
  write_history(1234.5);
  // Damage: the b-tree page header of the events table flipped, a page the
  // registers do not need.
  std::int64_t page = 0;
  std::int64_t page_bytes = 0;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(history().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE name = 'events'", -1, &stmt,
                       nullptr);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    page = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &stmt, nullptr);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    page_bytes = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  std::fstream file(history(), std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>((page - 1) * page_bytes));
  file.write("\xff\xff\xff\xff\xff\xff\xff\xff", 8);
  file.close();
  std::ofstream(history() + "-wal") << "";  // a log beside it moves along
  // 2026-01-01T00:00:00Z, as the name says.
  auto opened = open_history(history(), registers(), {}, kT0);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  const std::string moved = history() + ".damaged-20260101T000000Z";
  EXPECT_EQ(opened->moved_to, moved);
  EXPECT_THAT(opened->damage, HasSubstr(history() + " is damaged"));
  EXPECT_TRUE(std::filesystem::exists(moved));
  EXPECT_TRUE(std::filesystem::exists(moved + "-wal"));
  // A new, sound history in its place.
  EXPECT_TRUE(store::Store::verify(history()).ok());
  // The flipped page was not the counter's: what reads of it gives the last
  // value, 1234.5 Wh, and the new history continues from it.
  EXPECT_DOUBLE_EQ(restored_import(*opened), 1234.5);
  // The alarm names the file, and stays while the file is there.
  common::Logger log(std::cerr);
  HistoryGuard guard({dir_.string(), "history.db", registers()}, log);
  guard.set_damaged(opened->damage, opened->moved_to);
  EXPECT_EQ(guard.state(), "damaged-moved");
  auto alarms = guard.alarms();
  ASSERT_EQ(alarms[0].id, "history-damaged");
  EXPECT_TRUE(alarms[0].active);
  EXPECT_THAT(alarms[0].message, HasSubstr("moved aside to " + moved));
  // A second damaged start in the same second does not overwrite the first.
  opened->store.reset();
  std::ofstream(history(), std::ios::trunc) << std::string(8192, 'k');
  auto again = open_history(history(), registers(), {}, kT0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->moved_to, moved + "-2");
  // Taken off the box: the alarm clears at the next minute's look.
  again->store.reset();
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (entry.path().filename().string().find(".damaged-") != std::string::npos) {
      std::filesystem::remove(entry.path());
    }
  }
  auto store = store::Store::open(history());
  ASSERT_TRUE(store.ok());
  guard.maintain(**store, nullptr, kT0);
  EXPECT_FALSE(guard.alarms()[0].active);
  EXPECT_EQ(guard.state(), "ok");
}

TEST_F(HistoryGuardTest, AnEmptyFileBesideALogIsDamagedToo) {
  std::ofstream(history()) << "";
  std::ofstream(history() + "-wal") << std::string(4096, 'w');
  auto opened = open_history(history(), registers(), {}, kT0);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_THAT(opened->damage, HasSubstr("empty (0 bytes)"));
  EXPECT_TRUE(std::filesystem::exists(opened->moved_to + "-wal"));
}

TEST_F(HistoryGuardTest, ANewerFormatStopsTheStartAndMovesNothing) {
  write_history(1.0);
  {
    auto store = store::Store::open(history());
    ASSERT_TRUE(store.ok());
  }
  // user_version is the 4 bytes at offset 60 of the header (SQLite file
  // format, "The database header"); 99 is a version this build does not read.
  std::fstream file(history(), std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(60);
  file.write("\0\0\0\x63", 4);
  file.close();
  auto opened = open_history(history(), registers(), {}, kT0);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().kind, common::ErrorKind::kUnsupported);
  EXPECT_TRUE(std::filesystem::exists(history()));
}

TEST_F(HistoryGuardTest, TheRegistersFileIsAFloor) {
  write_history(100.0);
  // Lost from the history: the file, a minute newer, knows 130 Wh.
  ASSERT_TRUE(save_registers(registers(), {{"load/Grid/energy_import_wh", 130.0}}, kT0).ok());
  auto opened = open_history(history(), registers(), {}, kT0);
  ASSERT_TRUE(opened.ok());
  EXPECT_DOUBLE_EQ(restored_import(*opened), 130.0);
}

TEST_F(HistoryGuardTest, TheStoreWinsOverAnOlderRegistersFile) {
  write_history(100.0);
  ASSERT_TRUE(save_registers(registers(), {{"load/Grid/energy_import_wh", 70.0}}, kT0).ok());
  auto opened = open_history(history(), registers(), {}, kT0);
  ASSERT_TRUE(opened.ok());
  EXPECT_DOUBLE_EQ(restored_import(*opened), 100.0);
}

TEST_F(HistoryGuardTest, ADamagedRegistersFileIsAWarningNotAStop) {
  write_history(100.0);
  std::ofstream(registers()) << "{\"registers\": [";
  auto opened = open_history(history(), registers(), {}, kT0);
  ASSERT_TRUE(opened.ok());
  ASSERT_EQ(opened->warnings.size(), 1u);
  EXPECT_THAT(opened->warnings[0], HasSubstr("not a registers file"));
  EXPECT_DOUBLE_EQ(restored_import(*opened), 100.0);
}

TEST_F(HistoryGuardTest, RegistersRoundTripAndTakeTheMaximum) {
  RegisterValues values = {{"load/Grid/energy_import_wh", 11.769}};
  ASSERT_TRUE(save_registers(registers(), values, kT0).ok());
  auto loaded = load_registers(registers());
  ASSERT_TRUE(loaded.ok());
  EXPECT_DOUBLE_EQ(loaded->at("load/Grid/energy_import_wh"), 11.769);
  take_max(values, {{"load/Grid/energy_import_wh", 0.087}, {"load/PV/energy_export_wh", 3.0}});
  EXPECT_DOUBLE_EQ(values.at("load/Grid/energy_import_wh"), 11.769);
  EXPECT_DOUBLE_EQ(values.at("load/PV/energy_export_wh"), 3.0);
  EXPECT_TRUE(load_registers((dir_ / "none.json").string())->empty());
}

TEST_F(HistoryGuardTest, FlushFailuresAreAlarmsUntilWritingWorks) {
  common::Logger log(std::cerr);
  HistoryGuard guard({dir_.string(), "history.db", registers()}, log);
  guard.flushed(common::make_error(common::ErrorKind::kIoError,
                                   "history.db: writing points: database or disk is full"),
                kT0);
  EXPECT_EQ(guard.state(), "disk-full");
  auto alarms = guard.alarms();
  EXPECT_TRUE(alarms[2].active);
  EXPECT_EQ(alarms[2].id, "disk-full");
  EXPECT_THAT(alarms[2].message, HasSubstr("since 2026-01-01T00:00:00Z"));
  EXPECT_FALSE(alarms[1].active);
  guard.flushed(common::make_error(common::ErrorKind::kIoError, "history.db: disk I/O error"),
                kT0 + 1000);
  EXPECT_EQ(guard.state(), "write-failing");
  alarms = guard.alarms();
  EXPECT_EQ(alarms[1].id, "history-write-failed");
  EXPECT_TRUE(alarms[1].active);
  EXPECT_FALSE(alarms[2].active);
  // The failure began at kT0, not at the second message.
  EXPECT_THAT(alarms[1].message, HasSubstr("since 2026-01-01T00:00:00Z: history.db: disk I/O"));
  // The failure began with the store's count of points let go at 0; an hour
  // later it has let the 40 oldest go.
  guard.flushed(common::make_error(common::ErrorKind::kIoError, "history.db: disk I/O error"),
                kT0 + 3'601'000, 40);
  EXPECT_THAT(guard.alarms()[1].message, HasSubstr("(40 points older than an hour let go)"));
  guard.flushed(common::Status::success(), kT0 + 2000);
  EXPECT_EQ(guard.state(), "ok");
  for (const auto& alarm : guard.alarms()) {
    EXPECT_FALSE(alarm.active) << alarm.id;
    EXPECT_NE(find_alarm_kind(alarm.id), nullptr) << alarm.id;
  }
}

TEST_F(HistoryGuardTest, LowSpaceDropsTheOldestRawData) {
  auto store = store::Store::open(history());
  ASSERT_TRUE(store.ok());
  const int id = *(*store)->series("a", store::SeriesKind::kGauge, 1.0);
  // Three sealed hours of changing values.
  for (int i = 0; i < 3 * 3600; ++i) {
    ASSERT_TRUE((*store)->append(id, kT0 + 1000LL * i, (i * 7919) % 1000).ok());
    if (i % 3600 == 3599) {
      ASSERT_TRUE((*store)->flush().ok());
    }
  }
  // A 1 GB file system with 10 MB free: 5 % is 50 MB, the setting 20 MB, so
  // the threshold is 20 MB and 10 MB (plus the file's free pages, none) is
  // under it: the oldest raw data goes, at least 1 MiB of it, here all
  // three hours (each a few kB).
  common::Logger log(std::cerr);
  HistoryGuard::Options options{dir_.string(), "history.db", registers(), 20'000'000,
                                [](const std::string&) -> common::Result<SpaceInfo> {
                                  return SpaceInfo{10'000'000, 1'000'000'000};
                                }};
  HistoryGuard guard(options, log);
  const auto events = guard.maintain(**store, nullptr, kT0 + 3 * 3'600'000);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "history");
  EXPECT_THAT(events[0].message, HasSubstr("10.0 MB free of 1000.0 MB, under 20.0 MB"));
  EXPECT_EQ(guard.state(), "disk-low");
  EXPECT_TRUE(guard.alarms()[3].active);
  EXPECT_TRUE((*store)->read_raw("a", kT0, kT0 + 3 * 3'600'000)->empty());
  EXPECT_EQ((*store)->read_rollup("a", store::kLevel1h, kT0, kT0 + 3 * 3'600'000)->size(), 3u);
  // Within the minute nothing is checked again.
  EXPECT_TRUE(guard.maintain(**store, nullptr, kT0 + 3 * 3'600'000 + 1000).empty());
}

TEST_F(HistoryGuardTest, DamagedNamesAreUtcStamps) {
  // 2026-12-05T00:52:08Z.
  EXPECT_EQ(damaged_name("/d/history.db", 1796431928000), "/d/history.db.damaged-20261205T005208Z");
}

// The hostile probe of a real box: 30 history files, each with 20 random
// bytes overwritten anywhere (header, b-tree pages, chunks, journal,
// rollups). Whatever the damage, the daemon's start must go on with a
// history that takes writes (either the file was sound enough or it was
// moved aside), and the registers never go under the registers file.
TEST_F(HistoryGuardTest, RandomlyDamagedFilesNeverStopTheStartOrTheWrites) {
  const auto pristine = dir_ / "pristine.db";
  {
    auto store = store::Store::open(pristine.string());
    ASSERT_TRUE(store.ok());
    const int energy =
        *(*store)->series("load/Grid/energy_import_wh", store::SeriesKind::kCounter, 0.001);
    const int power = *(*store)->series("load/Grid/p_w", store::SeriesKind::kGauge, 0.1);
    // 90 minutes: a sealed hour (chunks, rollups) and half an hour of
    // journal, one flush a minute; the register ends at 100 + 5399 Wh.
    for (int i = 0; i < 5400; ++i) {
      ASSERT_TRUE((*store)->append(energy, kT0 + 1000LL * i, 100.0 + i).ok());
      ASSERT_TRUE((*store)->append(power, kT0 + 1000LL * i, 500.0 + (i % 13)).ok());
      if (i % 60 == 59) {
        ASSERT_TRUE((*store)->flush().ok());
      }
    }
    ASSERT_TRUE((*store)->checkpoint().ok());
  }
  const auto size = std::filesystem::file_size(pristine);
  constexpr double kLastImportWh = 5499.0;
  int moved = 0;
  for (unsigned seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::filesystem::remove_all(dir_ / "run");
    std::filesystem::create_directories(dir_ / "run");
    const std::string path = (dir_ / "run" / "history.db").string();
    const std::string regs = (dir_ / "run" / "registers.json").string();
    std::filesystem::copy_file(pristine, path);
    ASSERT_TRUE(save_registers(regs, {{"load/Grid/energy_import_wh", kLastImportWh}}, kT0).ok());
    std::mt19937 random(seed);
    std::uniform_int_distribution<std::size_t> where(0, size - 1);
    std::uniform_int_distribution<int> flip(1, 255);
    {
      std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
      for (int n = 0; n < 20; ++n) {
        const auto at = static_cast<std::streamoff>(where(random));
        char byte = 0;
        file.seekg(at);
        file.read(&byte, 1);
        byte = static_cast<char>(byte ^ flip(random));
        file.seekp(at);
        file.write(&byte, 1);
      }
    }
    auto opened = open_history(path, regs, {}, kT0 + 6'000'000);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    moved += opened->moved_to.empty() ? 0 : 1;
    EXPECT_GE(restored_import(*opened), kLastImportWh);
    // Two hours later: a point of an existing series and of a new one.
    store::Store& store = *opened->store;
    auto power = store.series("load/Grid/p_w", store::SeriesKind::kGauge, 0.1);
    auto fresh = store.series("load/PV/p_w", store::SeriesKind::kGauge, 0.1);
    ASSERT_TRUE(power.ok() && fresh.ok());
    const std::int64_t t = kT0 + 7'200'000;
    ASSERT_TRUE(store.append(*power, t, 42.0).ok());
    ASSERT_TRUE(store.append(*fresh, t, 7.0).ok());
    const auto flushed = store.flush();
    ASSERT_TRUE(flushed.ok()) << flushed.error().message;
    auto back = store.read_raw("load/PV/p_w", t, t);
    ASSERT_TRUE(back.ok()) << back.error().message;
    ASSERT_EQ(back->size(), 1u);
    EXPECT_DOUBLE_EQ(back->front().value, 7.0);
  }
  // Most of 20 flipped bytes land in pages the checks read.
  EXPECT_GT(moved, 0);
}

}  // namespace
}  // namespace kirchhoff::daemon
