// Prepared statements kept for the life of a Store: each distinct SQL text is
// compiled once, and every later use resets and rebinds the same
// sqlite3_stmt (docs/store-format.md, "Performance"). Private to the store.
// Not thread-safe (neither is a Store).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace kirchhoff::store {

class StatementCache {
 public:
  StatementCache() = default;
  ~StatementCache() { clear(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // Finalises every statement: before the connection closes.
  void clear() {
    for (auto& [sql, entry] : entries_) {
      sqlite3_finalize(entry.stmt);
    }
    entries_.clear();
  }

 private:
  friend class CachedStatement;
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

// One use of a cached statement: the interface of common::SqliteStatement.
// Reset (and its bindings cleared) at scope exit, so it holds no read
// transaction open. A statement already in use further up the stack (a
// nested use of the same SQL) gets a private copy, finalised at scope exit.
class CachedStatement {
 public:
  CachedStatement(StatementCache& cache, sqlite3* db, const char* sql) {
    const auto it = cache.entries_.find(std::string_view(sql));
    if (it != cache.entries_.end() && !it->second.busy) {
      entry_ = &it->second;
    } else if (it == cache.entries_.end()) {
      sqlite3_stmt* stmt = nullptr;
      rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
      if (rc_ == SQLITE_OK) {
        entry_ = &cache.entries_.emplace(sql, StatementCache::Entry{stmt, false}).first->second;
      }
    }
    if (entry_ != nullptr) {
      entry_->busy = true;
      stmt_ = entry_->stmt;
    } else if (rc_ == SQLITE_OK) {
      rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    }
  }
  ~CachedStatement() {
    if (entry_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
      entry_->busy = false;
    } else {
      sqlite3_finalize(stmt_);
    }
  }
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK && stmt_ != nullptr; }
  CachedStatement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  CachedStatement& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  CachedStatement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  CachedStatement& blob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return stmt_ != nullptr ? sqlite3_step(stmt_) : SQLITE_MISUSE; }
  std::int64_t i64(int c) const { return sqlite3_column_int64(stmt_, c); }
  double f64(int c) const { return sqlite3_column_double(stmt_, c); }
  bool null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::string text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c))) : "";
  }
  std::string_view data(int c) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, c));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
             : std::string_view();
  }

 private:
  StatementCache::Entry* entry_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

}  // namespace kirchhoff::store
