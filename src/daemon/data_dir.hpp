// The daemon's data directory: created when missing, checked for writing,
// and locked so that two daemons never write the same history. The lock is an
// flock() on `kirchhoff.lock`, released by the kernel when the process dies,
// so a crash never leaves a stale lock behind.
#pragma once

#include <string>

#include "common/result.hpp"

namespace kirchhoff::daemon {

class DataDir {
 public:
  // Creates `path` if needed, takes the lock, and checks it is writable.
  // Errors name the path and the reason (not writable, locked by pid N, ...).
  static common::Result<DataDir> open(const std::string& path);

  DataDir(DataDir&& other) noexcept;
  DataDir& operator=(DataDir&&) = delete;
  DataDir(const DataDir&) = delete;
  ~DataDir();

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  DataDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace kirchhoff::daemon
