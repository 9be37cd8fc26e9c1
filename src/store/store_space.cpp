// Where the history's bytes go, freeing space by dropping the oldest raw data,
// and rollup retention (docs/storage-faults.md).
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <map>
#include <tuple>
#include <vector>

#include "store/statement_cache.hpp"
#include "store/store.hpp"

namespace kirchhoff::store {

using common::ErrorKind;
using common::make_error;
using Query = CachedStatement;

namespace {

// Bytes a row costs beyond its blob, for splitting the file's pages between
// the levels without reading every page (dbstat would, seconds for a large
// file on an SD card). A chunk row: its record header and five integers
// (~20 bytes), its rowid, cell pointer and lengths (~8) and its entries in
// the chunks_key and chunks_end indexes (~24). A rollup block row: six
// integers beside its blob (~32), rowid and cell (~8) and its key index
// entry (~16). An event: four columns around its text (~30).
constexpr std::int64_t kChunkRowBytes = 52;
constexpr std::int64_t kJournalRowBytes = 16;
constexpr std::int64_t kRollupBlockRowBytes = 56;
constexpr std::int64_t kEventRowBytes = 30;

constexpr std::array<const char*, 4> kLevelNames = {"1m", "15m", "1h", "1d"};

}  // namespace

common::Result<std::int64_t> Store::reusable_bytes() {
  Query pages(*stmts_, db_, "PRAGMA freelist_count");
  Query size(*stmts_, db_, "PRAGMA page_size");
  if (pages.step() != SQLITE_ROW || size.step() != SQLITE_ROW) {
    return sql_error("reading the free pages");
  }
  return pages.i64(0) * size.i64(0);
}

common::Result<std::int64_t> Store::drop_oldest_raw(std::int64_t bytes) {
  if (options_.read_only) {
    return make_error(ErrorKind::kInvalidArgument, path_ + ": opened read-only");
  }
  if (bytes <= 0) {
    return std::int64_t{0};
  }
  if (auto s = exec("BEGIN IMMEDIATE"); !s) {
    return s.error();
  }
  // Oldest first across all series (by end, as the chunks_end index orders
  // them), until enough chunk data is chosen.
  std::vector<std::pair<std::int64_t, std::int64_t>> victims;
  std::int64_t freed = 0;
  {
    Query oldest(*stmts_, db_,
                 "SELECT series_id, start_ms, length(data) FROM chunks ORDER BY end_ms");
    int rc = SQLITE_ROW;
    while (freed < bytes && (rc = oldest.step()) == SQLITE_ROW) {
      victims.emplace_back(oldest.i64(0), oldest.i64(1));
      freed += oldest.i64(2) + kChunkRowBytes;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      const auto error = sql_error("choosing the oldest raw chunks");
      (void)exec("ROLLBACK");
      return error;
    }
  }
  for (const auto& [id, start_ms] : victims) {
    Query drop(*stmts_, db_, "DELETE FROM chunks WHERE series_id = ? AND start_ms = ?");
    drop.bind(1, id).bind(2, start_ms);
    if (drop.step() != SQLITE_DONE) {
      const auto error = sql_error("dropping the oldest raw chunks");
      (void)exec("ROLLBACK");
      return error;
    }
  }
  if (auto s = exec("COMMIT"); !s) {
    (void)exec("ROLLBACK");
    return s.error();
  }
  return freed;
}

common::Status Store::apply_rollup_retention(std::int64_t now_ms) {
  if (options_.read_only) {
    return make_error(ErrorKind::kInvalidArgument, path_ + ": opened read-only");
  }
  for (std::size_t l = 0; l < 4; ++l) {
    const std::int64_t keep_ms = options_.rollup_retention_ms[l];
    if (keep_ms <= 0) {
      continue;  // forever
    }
    // A bucket goes once its end is older than the retention: whole blocks
    // whose newest bucket does, and the older buckets of a block that
    // straddles the limit (rewritten without them).
    const std::int64_t keep_from = now_ms - keep_ms - kLevels[l];
    auto failed = [&]() {
      return sql_error(std::string("applying the retention of the ") + kLevelNames[l] + " rollups");
    };
    Query drop(*stmts_, db_, "DELETE FROM rollup_blocks WHERE level = ? AND last_ms < ?");
    drop.bind(1, kLevels[l]).bind(2, keep_from);
    if (drop.step() != SQLITE_DONE) {
      return failed();
    }
    std::vector<std::tuple<std::int64_t, std::int64_t, std::vector<RollupRecord>>> trimmed;
    {
      Query straddling(*stmts_, db_,
                       "SELECT series_id, start_ms, data FROM rollup_blocks "
                       "WHERE level = ? AND first_ms < ?");
      straddling.bind(1, kLevels[l]).bind(2, keep_from);
      int rc = SQLITE_ROW;
      while ((rc = straddling.step()) == SQLITE_ROW) {
        auto block = decode_rollup_block(straddling.data(2));
        if (!block) {
          return make_error(ErrorKind::kCorruption, path_ + ": " + block.error().message);
        }
        std::erase_if(block->buckets,
                      [&](const RollupRecord& b) { return b.start_ms < keep_from; });
        trimmed.emplace_back(straddling.i64(0), straddling.i64(1), std::move(block->buckets));
      }
      if (rc != SQLITE_DONE) {
        return failed();
      }
    }
    for (const auto& [id, start_ms, buckets] : trimmed) {
      Query rewrite(*stmts_, db_,
                    "UPDATE rollup_blocks SET first_ms = ?, buckets = ?, data = ? "
                    "WHERE series_id = ? AND level = ? AND start_ms = ?");
      rewrite.bind(1, buckets.front().start_ms)
          .bind(2, static_cast<std::int64_t>(buckets.size()))
          .blob(3, encode_rollup_block(kLevels[l], buckets))
          .bind(4, id)
          .bind(5, kLevels[l])
          .bind(6, start_ms);
      if (rewrite.step() != SQLITE_DONE) {
        return failed();
      }
    }
    forget_blocks();
  }
  return common::Status::success();
}

common::Result<StorageUsage> Store::usage() {
  StorageUsage usage;
  LevelUsage raw;
  raw.level = "raw";
  std::int64_t raw_estimate = 0;
  {
    Query chunks(*stmts_, db_,
                 "SELECT COUNT(*), COALESCE(SUM(count), 0), COALESCE(SUM(length(data)), 0), "
                 "MIN(start_ms), MAX(end_ms) FROM chunks");
    if (chunks.step() != SQLITE_ROW) {
      return sql_error("reading the raw chunks");
    }
    raw.rows = chunks.i64(0);
    raw.points = chunks.i64(1);
    raw_estimate = chunks.i64(2) + raw.rows * kChunkRowBytes;
    if (!chunks.null(3)) {
      raw.oldest_ms = chunks.i64(3);
      raw.newest_ms = chunks.i64(4);
    }
  }
  {
    // The journal (the open chunks): small, decoded for its counts and
    // times. A row may still hold points its series has sealed since (the
    // row goes once every point in it is sealed): those count in the chunks.
    std::map<std::int64_t, std::int64_t> sealed_ms;
    Query series(*stmts_, db_,
                 "SELECT id, COALESCE(sealed_ms, -9223372036854775807 - 1) FROM series");
    while (series.step() == SQLITE_ROW) {
      sealed_ms[series.i64(0)] = series.i64(1);
    }
    Query journal(*stmts_, db_, "SELECT data FROM journal");
    while (journal.step() == SQLITE_ROW) {
      ++raw.rows;
      raw_estimate += static_cast<std::int64_t>(journal.data(0).size()) + kJournalRowBytes;
      auto segments = journal_segments(journal.data(0));
      if (!segments) {
        continue;
      }
      for (const auto& [id, chunk] : *segments) {
        auto points = decode_chunk(chunk);
        const auto sealed = sealed_ms.find(id);
        if (!points || sealed == sealed_ms.end()) {
          continue;
        }
        for (const RawPoint& p : *points) {
          if (p.t_ms <= sealed->second) {
            continue;
          }
          ++raw.points;
          raw.oldest_ms = raw.oldest_ms == 0 ? p.t_ms : std::min(raw.oldest_ms, p.t_ms);
          raw.newest_ms = std::max(raw.newest_ms, p.t_ms);
        }
      }
    }
  }
  usage.levels.push_back(raw);
  std::vector<std::int64_t> estimates = {raw_estimate};
  for (std::size_t l = 0; l < 4; ++l) {
    LevelUsage level;
    level.level = kLevelNames[l];
    level.level_ms = kLevels[l];
    Query rows(*stmts_, db_,
               "SELECT COUNT(*), COALESCE(SUM(buckets), 0), COALESCE(SUM(length(data)), 0), "
               "MIN(first_ms), MAX(last_ms) FROM rollup_blocks WHERE level = ?");
    rows.bind(1, kLevels[l]);
    if (rows.step() != SQLITE_ROW) {
      return sql_error("reading the rollups");
    }
    // Rows and points of a rollup level are its buckets (the blocks are
    // how they are stored).
    level.rows = rows.i64(1);
    level.points = level.rows;
    if (!rows.null(3)) {
      level.oldest_ms = rows.i64(3);
      level.newest_ms = rows.i64(4);
    }
    usage.levels.push_back(level);
    estimates.push_back(rows.i64(2) + rows.i64(0) * kRollupBlockRowBytes);
  }
  std::int64_t other_estimate = 0;
  {
    Query events(*stmts_, db_,
                 "SELECT COUNT(*), COALESCE(SUM(length(message) + length(kind)), 0) FROM events");
    if (events.step() == SQLITE_ROW) {
      other_estimate = events.i64(0) * kEventRowBytes + events.i64(1);
    }
  }
  // The file's pages in use, shared out in proportion to the estimates.
  Query pages(*stmts_, db_, "PRAGMA page_count");
  Query size(*stmts_, db_, "PRAGMA page_size");
  auto reusable = reusable_bytes();
  if (pages.step() != SQLITE_ROW || size.step() != SQLITE_ROW || !reusable) {
    return sql_error("reading the page counts");
  }
  usage.reusable_bytes = *reusable;
  usage.file_bytes = file_bytes();
  const std::int64_t used = std::max<std::int64_t>(0, pages.i64(0) * size.i64(0) - *reusable);
  std::int64_t total_estimate = other_estimate;
  for (const std::int64_t e : estimates) {
    total_estimate += e;
  }
  for (std::size_t i = 0; i < usage.levels.size(); ++i) {
    LevelUsage& level = usage.levels[i];
    level.bytes = total_estimate > 0
                      ? static_cast<std::int64_t>(static_cast<double>(used) *
                                                  static_cast<double>(estimates[i]) /
                                                  static_cast<double>(total_estimate))
                      : 0;
    level.bytes_per_point =
        level.points > 0 ? static_cast<double>(level.bytes) / static_cast<double>(level.points)
                         : 0.0;
  }
  return usage;
}

}  // namespace kirchhoff::store
