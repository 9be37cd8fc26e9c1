#include "app/data_backup.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "common/text.hpp"
#include "daemon/data_dir.hpp"

namespace kirchhoff::app {
namespace {

namespace fs = std::filesystem;

class DataBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("kirchhoff-backup-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  static void write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  // Rows in the table `t` of a database, or -1.
  static int rows(const fs::path& db_path) {
    sqlite3* db = nullptr;
    int count = -1;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &stmt, nullptr) == SQLITE_OK &&
          sqlite3_step(stmt) == SQLITE_ROW) {
        count = sqlite3_column_int(stmt, 0);
      }
      sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return count;
  }

  fs::path root_;
};

// A data directory as a running daemon leaves it: the lock held, a database
// in WAL mode whose last commits are only in the -wal file (no checkpoint
// yet), and small files beside it.
TEST_F(DataBackupTest, CopiesARunningDirectoryAndRestoresIt) {
  const fs::path data = root_ / "data";
  std::optional<common::Result<daemon::DataDir>> daemon_lock = daemon::DataDir::open(data.string());
  ASSERT_TRUE(daemon_lock->ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((data / "history.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                         "CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                         "SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO t SELECT i FROM n;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_TRUE(fs::exists(data / "history.db-wal"));
  write(data / "users.json", "{\"users\": []}\n");

  const fs::path backup = root_ / "backup";
  const auto manifest = backup_data_dir(data.string(), backup.string());
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  ASSERT_EQ(manifest->files.size(), 2u);  // not the lock, not -wal/-shm
  EXPECT_EQ(manifest->files[0].name, "history.db");
  EXPECT_EQ(manifest->files[0].kind, "sqlite");
  EXPECT_EQ(manifest->files[1].name, "users.json");
  EXPECT_EQ(manifest->files[1].kind, "file");
  EXPECT_EQ(manifest->files[1].bytes, 14u);      // {"users": []} and a newline
  EXPECT_EQ(rows(backup / "history.db"), 1000);  // the commits still in the WAL are in
  EXPECT_FALSE(fs::exists(backup / "history.db-wal"));
  EXPECT_TRUE(fs::exists(backup / "manifest.json"));

  // The daemon still holds the directory: restore refuses and changes nothing.
  const auto refused = restore_data_dir(backup.string(), data.string());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, common::ErrorKind::kIoError);
  EXPECT_NE(refused.error().message.find("in use by another kirchhoff"), std::string::npos);
  EXPECT_TRUE(fs::exists(data / "history.db-wal"));
  sqlite3_close(db);
  daemon_lock.reset();  // the daemon stops

  const fs::path fresh = root_ / "fresh";
  const auto restored = restore_data_dir(backup.string(), fresh.string());
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_TRUE(restored->replaced_dir.empty());
  EXPECT_EQ(rows(fresh / "history.db"), 1000);
  EXPECT_EQ(common::read_file((fresh / "users.json").string()), "{\"users\": []}\n");

  // Into a directory that has files: they are moved aside, never deleted.
  write(fresh / "users.json", "changed\n");
  write(fresh / "history.db-wal", "stale");
  const auto again = restore_data_dir(backup.string(), fresh.string());
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_FALSE(again->replaced_dir.empty());
  EXPECT_EQ(common::read_file(again->replaced_dir + "/users.json"), "changed\n");
  EXPECT_TRUE(fs::exists(again->replaced_dir + "/history.db-wal"));
  EXPECT_FALSE(fs::exists(fresh / "history.db-wal"));
  EXPECT_EQ(common::read_file((fresh / "users.json").string()), "{\"users\": []}\n");
  EXPECT_EQ(rows(fresh / "history.db"), 1000);
}

TEST_F(DataBackupTest, RefusesADamagedBackupBeforeTouchingAnything) {
  const fs::path data = root_ / "data";
  fs::create_directories(data);
  write(data / "users.json", "{}\n");
  const fs::path backup = root_ / "backup";
  ASSERT_TRUE(backup_data_dir(data.string(), backup.string()).ok());
  write(backup / "users.json", "{} and more\n");  // no longer the size the manifest says

  const fs::path target = root_ / "target";
  fs::create_directories(target);
  write(target / "users.json", "mine\n");
  const auto result = restore_data_dir(backup.string(), target.string());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, common::ErrorKind::kCorruption);
  EXPECT_EQ(common::read_file((target / "users.json").string()), "mine\n");
}

TEST_F(DataBackupTest, RefusesAManifestNamingAPathOutside) {
  const fs::path backup = root_ / "backup";
  fs::create_directories(backup);
  write(
      backup / "manifest.json",
      R"({"format": "kirchhoff-backup 1", "files": [{"name": "../x", "kind": "file", "bytes": 0}]})");
  const auto result = restore_data_dir(backup.string(), (root_ / "target").string());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, common::ErrorKind::kInvalidArgument);
  EXPECT_FALSE(fs::exists(root_ / "target"));
}

TEST_F(DataBackupTest, RefusesANonEmptyOutputDirectory) {
  const fs::path data = root_ / "data";
  fs::create_directories(data);
  fs::create_directories(root_ / "out");
  write(root_ / "out" / "something", "x");
  const auto result = backup_data_dir(data.string(), (root_ / "out").string());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, common::ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace kirchhoff::app
