// Backup and restore of a data directory (docs/install.md, "Backup and
// restore"). A backup is a directory: a consistent copy of every SQLite
// database (SQLite's online backup API, one read transaction each, so a
// running daemon goes on writing), every other regular file byte for byte,
// and manifest.json. Restore takes the data directory's lock (refusing while
// a daemon holds it), checks the backup before touching anything, moves what
// the directory held into replaced-<UTC time>/ and checks what it restored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace kirchhoff::app {

inline constexpr char kBackupFormat[] = "kirchhoff-backup 1";

struct BackupFile {
  std::string name;  // a plain file name in the data directory
  std::string kind;  // "sqlite" or "file"
  std::uintmax_t bytes = 0;
};

struct BackupManifest {
  std::string created;  // UTC, ISO 8601
  std::string source;   // the data directory, absolute
  std::vector<BackupFile> files;
};

// Copies `data_dir` into `out_dir`, which must not exist or be empty.
// kIoError when a file cannot be read or written, kCorruption when a copied
// database fails its quick_check, kInvalidArgument for a bad out_dir.
common::Result<BackupManifest> backup_data_dir(const std::string& data_dir,
                                               const std::string& out_dir);

struct RestoreReport {
  std::vector<BackupFile> files;
  std::string replaced_dir;  // where the previous files went; empty if there were none
};

// Restores `backup_dir` into `data_dir` (created if missing). kIoError when
// the data directory is in use or cannot be written; kCorruption or
// kInvalidArgument when the backup is not valid (then nothing was changed).
common::Result<RestoreReport> restore_data_dir(const std::string& backup_dir,
                                               const std::string& data_dir);

}  // namespace kirchhoff::app
