// Checking a history file before it is used, and reading what still reads of
// a damaged one (docs/storage-faults.md).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "common/sqlite_statement.hpp"
#include "common/time.hpp"
#include "store/store.hpp"

namespace kirchhoff::store {

using common::ErrorKind;
using common::make_error;
using Stmt = common::SqliteStatement;

namespace {

// The identity store.cpp writes (docs/store-format.md, "Identity").
constexpr std::int64_t kApplicationId = 0x4B495243;  // "KIRC"
// The version this build writes; files of version 1 are read too (the store
// upgrades them when it opens them for writing).
constexpr std::int64_t kSchemaVersion = 3;
constexpr std::int64_t kPlausibleVersion = 1000;
// At most this many problems are named in one error: enough to judge, short
// enough for an alarm message.
constexpr int kMaxProblems = 3;
// An energy register above a terawatt-hour is not a house's: a flipped bit.
constexpr double kMaxCounter = 1e12;

std::int64_t size_of(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? -1 : static_cast<std::int64_t>(size);
}

// A read-only connection: nothing in the file or its log is changed (a
// read-only connection never checkpoints the log into the file).
class ReadOnlyDb {
 public:
  explicit ReadOnlyDb(const std::string& path) {
    rc_ = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  }
  ~ReadOnlyDb() { sqlite3_close(db_); }
  ReadOnlyDb(const ReadOnlyDb&) = delete;
  ReadOnlyDb& operator=(const ReadOnlyDb&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3* get() const { return db_; }
  std::string message() const { return db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"; }

 private:
  sqlite3* db_ = nullptr;
  int rc_ = SQLITE_OK;
};

class Problems {
 public:
  void add(std::string what) {
    if (count_++ < kMaxProblems) {
      text_ += (text_.empty() ? "" : "; ") + what;
    }
  }
  bool any() const { return count_ > 0; }
  std::string text() const {
    return count_ > kMaxProblems
               ? text_ + "; and " + std::to_string(count_ - kMaxProblems) + " more"
               : text_;
  }

 private:
  std::string text_;
  int count_ = 0;
};

common::Error damaged(const std::string& path, const std::string& what) {
  return make_error(ErrorKind::kCorruption, path + " is damaged: " + what);
}

}  // namespace

common::Status Store::verify(const std::string& path) {
  const std::int64_t db_bytes = size_of(path);
  const std::int64_t wal_bytes = size_of(path + "-wal");
  if (db_bytes < 0) {
    if (wal_bytes > 0) {
      return damaged(path, "the file is missing while its write-ahead log " + path + "-wal holds " +
                               std::to_string(wal_bytes) + " bytes");
    }
    return common::Status::success();  // no history yet
  }
  if (db_bytes == 0) {
    if (wal_bytes > 0) {
      return damaged(path, "the file is empty (0 bytes) while its write-ahead log holds " +
                               std::to_string(wal_bytes) + " bytes of history");
    }
    return common::Status::success();  // a fresh history
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return make_error(ErrorKind::kIoError, path + ": cannot read it: " + std::strerror(errno));
  }
  ReadOnlyDb db(path);
  if (!db.ok()) {
    return damaged(path, "SQLite cannot open it (" + db.message() + ")");
  }
  sqlite3_busy_timeout(db.get(), 5000);
  // The header first: a file of another program or of a newer Kirchhoff is
  // told apart from damage before the pages are checked.
  Stmt app(db.get(), "PRAGMA application_id");
  if (!app.ok() || app.step() != SQLITE_ROW) {
    return damaged(path, "not an SQLite database (" + db.message() + ")");
  }
  const std::int64_t app_id = app.i64(0);
  Stmt version(db.get(), "PRAGMA user_version");
  const std::int64_t user_version =
      version.ok() && version.step() == SQLITE_ROW ? version.i64(0) : -1;
  {
    Stmt check(db.get(), "PRAGMA quick_check(4)");
    if (!check.ok()) {
      return damaged(path, "SQLite cannot check it (" + db.message() + ")");
    }
    Problems problems;
    int rc = SQLITE_ROW;
    while ((rc = check.step()) == SQLITE_ROW) {
      const std::string line = check.text(0);
      if (line != "ok") {
        problems.add(line);
      }
    }
    if (rc != SQLITE_DONE) {
      problems.add(db.message());
    }
    if (problems.any()) {
      return damaged(path, "SQLite's quick_check: " + problems.text());
    }
  }
  if (app_id != kApplicationId) {
    return damaged(path, "not a Kirchhoff history (SQLite application id " +
                             std::to_string(app_id) + ", not " + std::to_string(kApplicationId) +
                             ")");
  }
  // A newer Kirchhoff's file is not damage: it must not be moved aside. A
  // version far beyond any release (a flipped bit in the header) is.
  if (user_version > kSchemaVersion && user_version <= kPlausibleVersion) {
    return make_error(ErrorKind::kUnsupported,
                      path + ": history format version " + std::to_string(user_version) +
                          " is newer than this build reads (" + std::to_string(kSchemaVersion) +
                          "); use the newer Kirchhoff that wrote it");
  }
  if (user_version != kSchemaVersion && user_version != 1 && user_version != 2) {
    return damaged(path, "its format version is " + std::to_string(user_version) + ", not " +
                             std::to_string(kSchemaVersion));
  }
  {
    // Every table with its columns by name: a flipped byte in the schema's
    // text (a column renamed) passes quick_check but breaks every write.
    const std::vector<std::pair<const char*, std::vector<std::string>>> tables = {
        {"series", user_version == 1
                       ? std::vector<std::string>{"id", "key", "kind", "resolution"}
                       : std::vector<std::string>{"id", "key", "kind", "resolution", "sealed_ms"}},
        {"chunks", {"series_id", "start_ms", "end_ms", "count", "data"}},
        user_version == 1
            ? std::pair<const char*, std::vector<std::string>>{"tails",
                                                               {"series_id", "seq", "data"}}
            : std::pair<const char*, std::vector<std::string>>{"journal",
                                                               {"seq", "end_ms", "data"}},
        user_version < 3
            ? std::pair<const char*, std::vector<std::string>>{"rollups",
                                                               {"series_id", "level", "start_ms",
                                                                "count", "min", "max", "sum",
                                                                "first", "last"}}
            : std::pair<const char*, std::vector<std::string>>{"rollup_blocks",
                                                               {"series_id", "level", "start_ms",
                                                                "first_ms", "last_ms", "buckets",
                                                                "data"}},
        {"events", {"id", "t_ms", "kind", "user", "message"}}};
    for (const auto& [table, expected] : tables) {
      Stmt columns(db.get(), "SELECT name FROM pragma_table_info(?)");
      columns.bind(1, std::string(table));
      std::vector<std::string> found;
      while (columns.ok() && columns.step() == SQLITE_ROW) {
        found.push_back(columns.text(0));
      }
      if (found.empty()) {
        return damaged(path, std::string("the table '") + table + "' is missing");
      }
      if (found != expected) {
        return damaged(path, std::string("the table '") + table + "' has other columns than " +
                                 "the format's (its schema text was changed)");
      }
    }
  }
  Problems problems;
  std::map<std::int64_t, std::string> series;
  {
    Stmt rows(db.get(), "SELECT id, key, kind, resolution FROM series");
    int rc = SQLITE_ROW;
    while ((rc = rows.step()) == SQLITE_ROW) {
      const std::string key = rows.text(1);
      const std::string kind = rows.text(2);
      const double resolution = rows.f64(3);
      const std::string name = "series " + std::to_string(rows.i64(0)) + " '" + key + "'";
      if (key.empty()) {
        problems.add("series " + std::to_string(rows.i64(0)) + " has no key");
      } else if (kind != "gauge" && kind != "counter") {
        problems.add(name + " has the kind '" + kind + "'");
      } else if (!(std::isfinite(resolution) && resolution > 0.0)) {
        problems.add(name + " has the resolution " + std::to_string(resolution));
      }
      series.emplace(rows.i64(0), key);
    }
    if (rc != SQLITE_DONE) {
      problems.add("the series table does not read (" + db.message() + ")");
    }
  }
  auto name_of = [&](std::int64_t id) {
    const auto it = series.find(id);
    return it != series.end() ? "series '" + it->second + "'"
                              : "an unknown series " + std::to_string(id);
  };
  {
    Stmt chunks(db.get(), "SELECT series_id, start_ms, end_ms, count, data FROM chunks");
    int rc = SQLITE_ROW;
    while ((rc = chunks.step()) == SQLITE_ROW) {
      const std::int64_t id = chunks.i64(0);
      const std::int64_t start_ms = chunks.i64(1);
      const std::int64_t end_ms = chunks.i64(2);
      const std::int64_t count = chunks.i64(3);
      const std::string where =
          "the chunk of " + name_of(id) + " from " + common::format_utc_time(start_ms);
      if (!series.contains(id)) {
        problems.add(where + " belongs to no series");
        continue;
      }
      auto points = decode_chunk(chunks.data(4));
      if (!points) {
        problems.add(where + " does not decode (" + points.error().message + ")");
      } else if (static_cast<std::int64_t>(points->size()) != count) {
        problems.add(where + " claims " + std::to_string(count) + " points and holds " +
                     std::to_string(points->size()));
      } else if (points->empty() || points->front().t_ms != start_ms ||
                 points->back().t_ms != end_ms) {
        problems.add(where + " does not span the times its row claims");
      }
    }
    if (rc != SQLITE_DONE) {
      problems.add("the chunks do not read (" + db.message() + ")");
    }
  }
  if (user_version >= 3) {
    // Every rollup block decodes to the buckets its row claims.
    Stmt blocks(db.get(),
                "SELECT series_id, level, start_ms, first_ms, last_ms, buckets, data "
                "FROM rollup_blocks");
    int rc = SQLITE_ROW;
    while ((rc = blocks.step()) == SQLITE_ROW) {
      const std::int64_t id = blocks.i64(0);
      const std::string where = "the rollup block of " + name_of(id) + " at level " +
                                std::to_string(blocks.i64(1)) + " ms from " +
                                common::format_utc_time(blocks.i64(2));
      if (!series.contains(id)) {
        problems.add(where + " belongs to no series");
        continue;
      }
      auto block = decode_rollup_block(blocks.data(6));
      if (!block) {
        problems.add(where + " does not decode (" + block.error().message + ")");
      } else if (block->level_ms != blocks.i64(1) ||
                 static_cast<std::int64_t>(block->buckets.size()) != blocks.i64(5) ||
                 block->buckets.empty() || block->buckets.front().start_ms != blocks.i64(3) ||
                 block->buckets.back().start_ms != blocks.i64(4)) {
        problems.add(where + " does not hold the buckets its row claims");
      }
    }
    if (rc != SQLITE_DONE) {
      problems.add("the rollup blocks do not read (" + db.message() + ")");
    }
  }
  if (user_version == 1) {
    Stmt tails(db.get(), "SELECT series_id, seq, data FROM tails");
    int rc = SQLITE_ROW;
    while ((rc = tails.step()) == SQLITE_ROW) {
      const std::string where =
          "the tail " + std::to_string(tails.i64(1)) + " of " + name_of(tails.i64(0));
      if (!series.contains(tails.i64(0))) {
        problems.add(where + " belongs to no series");
      } else if (auto points = decode_chunk(tails.data(2)); !points) {
        problems.add(where + " does not decode (" + points.error().message + ")");
      }
    }
    if (rc != SQLITE_DONE) {
      problems.add("the tails do not read (" + db.message() + ")");
    }
  } else {
    Stmt journal(db.get(), "SELECT seq, data FROM journal");
    int rc = SQLITE_ROW;
    while ((rc = journal.step()) == SQLITE_ROW) {
      const std::string where = "the journal row " + std::to_string(journal.i64(0));
      auto segments = journal_segments(journal.data(1));
      if (!segments) {
        problems.add(where + " does not decode (" + segments.error().message + ")");
        continue;
      }
      for (const auto& [id, chunk] : *segments) {
        if (!series.contains(id)) {
          problems.add(where + " holds points of " + name_of(id));
        } else if (auto points = decode_chunk(chunk); !points) {
          problems.add(where + ": the points of " + name_of(id) + " do not decode (" +
                       points.error().message + ")");
        }
      }
    }
    if (rc != SQLITE_DONE) {
      problems.add("the journal does not read (" + db.message() + ")");
    }
  }
  if (problems.any()) {
    return damaged(path, problems.text());
  }
  return common::Status::success();
}

common::Result<std::map<std::string, double>> Store::salvage_counters(const std::string& path) {
  ReadOnlyDb db(path);
  if (!db.ok()) {
    return make_error(ErrorKind::kCorruption, path + ": cannot open it (" + db.message() + ")");
  }
  sqlite3_busy_timeout(db.get(), 5000);
  std::map<std::string, double> out;
  auto keep = [&](const std::string& key, double value) {
    if (!std::isfinite(value) || std::abs(value) > kMaxCounter) {
      return;
    }
    const auto [it, added] = out.emplace(key, value);
    if (!added) {
      it->second = std::max(it->second, value);
    }
  };
  bool has_journal = false;
  {
    Stmt table(db.get(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'");
    has_journal = table.ok() && table.step() == SQLITE_ROW;
  }
  bool has_blocks = false;
  {
    Stmt table(db.get(),
               "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollup_blocks'");
    has_blocks = table.ok() && table.step() == SQLITE_ROW;
  }
  Stmt rows(db.get(), "SELECT id, key, resolution FROM series WHERE kind = 'counter'");
  if (!rows.ok()) {
    return make_error(ErrorKind::kCorruption,
                      path + ": its series do not read (" + db.message() + ")");
  }
  while (rows.step() == SQLITE_ROW) {
    const std::int64_t id = rows.i64(0);
    const std::string key = rows.text(1);
    const double resolution = rows.f64(2);
    if (!(std::isfinite(resolution) && resolution > 0.0)) {
      continue;
    }
    // The newest raw value that decodes: the open chunk first (format 1's
    // tails, format 2's journal rows, newest first), then the sealed chunks
    // from the newest back.
    bool found = false;
    if (has_journal) {
      Stmt journal(db.get(), "SELECT data FROM journal ORDER BY seq DESC");
      while (!found && journal.step() == SQLITE_ROW) {
        if (auto points = decode_journal(journal.data(0), id); points && !points->empty()) {
          keep(key, static_cast<double>(points->back().q) * resolution);
          found = true;
        }
      }
    }
    std::vector<const char*> newest_first;
    if (!has_journal) {
      newest_first.push_back("SELECT data FROM tails WHERE series_id = ? ORDER BY seq DESC");
    }
    newest_first.push_back("SELECT data FROM chunks WHERE series_id = ? ORDER BY start_ms DESC");
    for (const char* sql : newest_first) {
      if (found) {
        break;
      }
      Stmt data(db.get(), sql);
      data.bind(1, id);
      while (!found && data.step() == SQLITE_ROW) {
        if (auto points = decode_chunk(data.data(0)); points && !points->empty()) {
          keep(key, static_cast<double>(points->back().q) * resolution);
          found = true;
        }
      }
    }
    if (has_blocks) {
      // The newest minute block that decodes.
      Stmt minute(db.get(),
                  "SELECT data FROM rollup_blocks WHERE series_id = ? AND level = ? "
                  "ORDER BY start_ms DESC");
      minute.bind(1, id).bind(2, kLevel1m);
      while (minute.step() == SQLITE_ROW) {
        if (auto block = decode_rollup_block(minute.data(0)); block && !block->buckets.empty()) {
          keep(key, static_cast<double>(block->buckets.back().last_q) * resolution);
          break;
        }
      }
    } else {
      Stmt minute(db.get(),
                  "SELECT last FROM rollups WHERE series_id = ? AND level = ? "
                  "ORDER BY start_ms DESC LIMIT 1");
      minute.bind(1, id).bind(2, kLevel1m);
      if (minute.step() == SQLITE_ROW && !minute.null(0)) {
        keep(key, minute.f64(0));
      }
    }
  }
  return out;
}

}  // namespace kirchhoff::store
