#include "app/data_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/file.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "common/utf8.hpp"
#include "daemon/data_dir.hpp"

namespace kirchhoff::app {

namespace fs = std::filesystem;
using common::ErrorKind;
using common::make_error;

namespace {

constexpr char kManifest[] = "manifest.json";
constexpr char kLockFile[] = "kirchhoff.lock";
constexpr char kReplacedPrefix[] = "replaced-";

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         std::string_view(text).substr(text.size() - suffix.size()) == suffix;
}

// The 16-byte header every SQLite 3 database starts with (fileformat2.html).
bool is_sqlite_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 16> header{};
  in.read(header.data(), header.size());
  return in.gcount() == 16 && std::memcmp(header.data(), "SQLite format 3", 16) == 0;
}

// SQLite's side files: their content belongs to the database beside them and
// is inside its backup copy; restoring one next to another database would
// corrupt it.
bool is_sqlite_side_file(const std::string& name, const fs::path& dir) {
  for (std::string_view suffix : {"-wal", "-shm", "-journal"}) {
    if (ends_with(name, suffix) && fs::exists(dir / name.substr(0, name.size() - suffix.size()))) {
      return true;
    }
  }
  return false;
}

// Flushes a file (or a directory's entries) to the disk.
common::Status sync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) {
      ::close(fd);
    }
    return make_error(ErrorKind::kIoError, path.string() + ": cannot sync: " + reason);
  }
  ::close(fd);
  return {};
}

class Database {
 public:
  static common::Result<Database> open(const fs::path& path, int flags) {
    Database db;
    if (sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr) != SQLITE_OK) {
      return make_error(ErrorKind::kIoError,
                        path.string() + ": cannot open: " + sqlite3_errmsg(db.db_));
    }
    sqlite3_busy_timeout(db.db_, 10000);
    return db;
  }
  Database(Database&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Database& operator=(Database&&) = delete;
  Database(const Database&) = delete;
  ~Database() { sqlite3_close(db_); }
  sqlite3* get() const { return db_; }

 private:
  Database() = default;
  sqlite3* db_ = nullptr;
};

// PRAGMA quick_check: "ok", or the first problem it names.
common::Status quick_check(const fs::path& path) {
  auto db = Database::open(path, SQLITE_OPEN_READONLY);
  if (!db) {
    return db.error();
  }
  sqlite3_stmt* stmt = nullptr;
  std::string verdict = "no answer";
  if (sqlite3_prepare_v2(db->get(), "PRAGMA quick_check(1)", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    verdict = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  } else {
    verdict = sqlite3_errmsg(db->get());
  }
  sqlite3_finalize(stmt);
  if (verdict != "ok") {
    return make_error(ErrorKind::kCorruption,
                      path.string() + ": quick_check failed: " + common::log_safe(verdict, 200));
  }
  return {};
}

// One consistent copy: the backup API copies every page in one step, inside
// one read transaction of the source, so concurrent commits are either all
// in or all out. The copy is switched to a rollback journal, so it is one
// self-contained file (the daemon turns WAL on again when it opens it).
common::Status copy_database(const fs::path& from, const fs::path& to) {
  auto source = Database::open(from, SQLITE_OPEN_READWRITE);
  if (!source) {
    return source.error();
  }
  auto target = Database::open(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!target) {
    return target.error();
  }
  sqlite3_backup* backup = sqlite3_backup_init(target->get(), "main", source->get(), "main");
  if (backup == nullptr) {
    return make_error(ErrorKind::kIoError,
                      from.string() + ": cannot back up: " + sqlite3_errmsg(target->get()));
  }
  int rc = SQLITE_OK;
  // Busy or locked: the daemon is committing; try again (the busy timeout
  // does not apply to the backup's own steps).
  for (int attempt = 0; attempt < 200; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
      break;
    }
    sqlite3_sleep(50);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return make_error(ErrorKind::kIoError,
                      from.string() + ": backup failed: " + sqlite3_errstr(rc));
  }
  char* message = nullptr;
  if (sqlite3_exec(target->get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, &message) !=
      SQLITE_OK) {
    const std::string reason = message != nullptr ? message : "unknown";
    sqlite3_free(message);
    return make_error(ErrorKind::kIoError, to.string() + ": " + reason);
  }
  return {};
}

// A name from a manifest must be a plain file of the data directory: no
// path, no lock file, nothing hidden.
bool plain_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name.front() != '.' &&
         name != kLockFile && name != kManifest && name.rfind(kReplacedPrefix, 0) != 0;
}

common::Result<std::vector<BackupFile>> read_manifest(const fs::path& backup_dir) {
  const auto text = common::read_file((backup_dir / kManifest).string());
  if (!text) {
    return make_error(ErrorKind::kIoError,
                      (backup_dir / kManifest).string() + ": cannot read it (not a backup?)");
  }
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  const std::string where = (backup_dir / kManifest).string();
  if (json.is_discarded() || !json.is_object() || json.value("format", "") != kBackupFormat ||
      !json.contains("files") || !json["files"].is_array()) {
    return make_error(ErrorKind::kInvalidArgument,
                      where + ": not a Kirchhoff backup manifest (" + kBackupFormat + ")");
  }
  std::vector<BackupFile> files;
  for (const auto& entry : json["files"]) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
        !entry.contains("bytes") || !entry["bytes"].is_number_unsigned() ||
        !entry.contains("kind") || !entry["kind"].is_string()) {
      return make_error(ErrorKind::kInvalidArgument, where + ": a file entry is malformed");
    }
    BackupFile file{entry["name"].get<std::string>(), entry["kind"].get<std::string>(),
                    entry["bytes"].get<std::uintmax_t>()};
    if (!plain_name(file.name) || (file.kind != "sqlite" && file.kind != "file")) {
      return make_error(ErrorKind::kInvalidArgument,
                        where + ": file entry '" + common::log_safe(file.name, 100) +
                            "' is not a plain file of a data directory");
    }
    files.push_back(std::move(file));
  }
  return files;
}

// The files of `dir` are what the manifest says: sizes, and every database
// passes quick_check.
common::Status verify(const fs::path& dir, const std::vector<BackupFile>& files) {
  for (const BackupFile& file : files) {
    const fs::path path = dir / file.name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      return make_error(ErrorKind::kCorruption, path.string() + ": missing");
    }
    const auto bytes = fs::file_size(path, ec);
    if (ec || bytes != file.bytes) {
      return make_error(ErrorKind::kCorruption, path.string() + ": " + std::to_string(bytes) +
                                                    " bytes, the manifest says " +
                                                    std::to_string(file.bytes));
    }
    if (file.kind == "sqlite") {
      if (auto checked = quick_check(path); !checked) {
        return checked;
      }
    }
  }
  return {};
}

// "20261205T101500Z": a directory name that sorts by time.
std::string compact_utc_now() {
  std::string text = common::format_utc_time(common::unix_ms_now());  // 2026-12-05T10:15:00Z
  text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return c == '-' || c == ':'; }),
             text.end());
  return text;
}

}  // namespace

common::Result<BackupManifest> backup_data_dir(const std::string& data_dir,
                                               const std::string& out_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) {
    return make_error(ErrorKind::kIoError, "data directory " + data_dir + ": not a directory");
  }
  if (fs::exists(out_dir, ec) && (!fs::is_directory(out_dir, ec) || !fs::is_empty(out_dir, ec))) {
    return make_error(ErrorKind::kInvalidArgument,
                      "backup directory " + out_dir + ": exists and is not empty");
  }
  fs::create_directories(out_dir, ec);
  if (ec) {
    return make_error(ErrorKind::kIoError,
                      "backup directory " + out_dir + ": cannot create it: " + ec.message());
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && !entry.is_symlink(ec) && name != kLockFile &&
        !is_sqlite_side_file(name, data_dir)) {
      names.push_back(name);
    }
  }
  if (ec) {
    return make_error(ErrorKind::kIoError,
                      "data directory " + data_dir + ": cannot list it: " + ec.message());
  }
  std::sort(names.begin(), names.end());
  BackupManifest manifest;
  manifest.created = common::format_utc_time(common::unix_ms_now());
  manifest.source = fs::absolute(data_dir, ec).lexically_normal().string();
  for (const std::string& name : names) {
    const fs::path from = fs::path(data_dir) / name;
    const fs::path to = fs::path(out_dir) / name;
    BackupFile file{name, is_sqlite_file(from) ? "sqlite" : "file", 0};
    if (file.kind == "sqlite") {
      if (auto copied = copy_database(from, to); !copied) {
        return copied.error();
      }
      if (auto checked = quick_check(to); !checked) {
        return checked.error();
      }
    } else if (!fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec)) {
      return make_error(ErrorKind::kIoError,
                        from.string() + ": cannot copy to " + to.string() + ": " + ec.message());
    }
    if (auto synced = sync_path(to); !synced) {
      return synced.error();
    }
    file.bytes = fs::file_size(to, ec);
    manifest.files.push_back(std::move(file));
  }
  // The manifest last: a backup without one was interrupted.
  nlohmann::json json = {{"format", kBackupFormat},
                         {"created", manifest.created},
                         {"source", manifest.source},
                         {"files", nlohmann::json::array()}};
  for (const BackupFile& file : manifest.files) {
    json["files"].push_back({{"name", file.name}, {"kind", file.kind}, {"bytes", file.bytes}});
  }
  if (auto written = common::write_file_atomically((fs::path(out_dir) / kManifest).string(),
                                                   json.dump(2) + "\n", 0644);
      !written) {
    return written.error();
  }
  return manifest;
}

common::Result<RestoreReport> restore_data_dir(const std::string& backup_dir,
                                               const std::string& data_dir) {
  auto files = read_manifest(backup_dir);
  if (!files) {
    return files.error();
  }
  // Nothing is touched before the backup is known to be whole.
  if (auto checked = verify(backup_dir, *files); !checked) {
    return make_error(checked.error().kind, "the backup is not valid: " + checked.error().message);
  }
  // The lock keeps a daemon from running on the directory while it changes.
  auto lock = daemon::DataDir::open(data_dir);
  if (!lock) {
    return lock.error();
  }
  RestoreReport report;
  report.files = *files;
  std::error_code ec;
  std::vector<fs::path> previous;
  for (const auto& entry : fs::directory_iterator(data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name != kLockFile && name.rfind(kReplacedPrefix, 0) != 0) {
      previous.push_back(entry.path());
    }
  }
  if (ec) {
    return make_error(ErrorKind::kIoError,
                      "data directory " + data_dir + ": cannot list it: " + ec.message());
  }
  if (!previous.empty()) {
    fs::path aside = fs::path(data_dir) / (kReplacedPrefix + compact_utc_now());
    for (int n = 2; fs::exists(aside, ec); ++n) {
      aside = fs::path(data_dir) / (kReplacedPrefix + compact_utc_now() + "-" + std::to_string(n));
    }
    fs::create_directory(aside, ec);
    for (const fs::path& path : previous) {
      if (!ec) {
        fs::rename(path, aside / path.filename(), ec);
      }
    }
    if (ec) {
      return make_error(ErrorKind::kIoError, "data directory " + data_dir +
                                                 ": cannot move its files aside into " +
                                                 aside.string() + ": " + ec.message());
    }
    report.replaced_dir = aside.string();
  }
  for (const BackupFile& file : *files) {
    const fs::path from = fs::path(backup_dir) / file.name;
    const fs::path to = fs::path(data_dir) / file.name;
    const fs::path partial = fs::path(data_dir) / ("." + file.name + ".restoring");
    fs::copy_file(from, partial, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      return make_error(ErrorKind::kIoError, from.string() + ": cannot copy to " +
                                                 partial.string() + ": " + ec.message());
    }
    if (auto synced = sync_path(partial); !synced) {
      return synced.error();
    }
    fs::rename(partial, to, ec);
    if (ec) {
      return make_error(ErrorKind::kIoError,
                        to.string() + ": cannot put in place: " + ec.message());
    }
  }
  if (auto synced = sync_path(data_dir); !synced) {
    return synced.error();
  }
  if (auto checked = verify(data_dir, *files); !checked) {
    return make_error(checked.error().kind,
                      "the restored files are not valid: " + checked.error().message);
  }
  return report;
}

}  // namespace kirchhoff::app
