#include "daemon/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kirchhoff::daemon {

using common::ErrorKind;
using common::make_error;

common::Result<DataDir> DataDir::open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return make_error(ErrorKind::kIoError,
                      "data directory " + path + ": cannot create it: " + ec.message());
  }
  if (!std::filesystem::is_directory(path, ec)) {
    return make_error(ErrorKind::kIoError, "data directory " + path + ": not a directory");
  }
  const std::string lock_path = path + "/kirchhoff.lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorKind::kIoError,
                      "data directory " + path + " is not writable: " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) {
      holder.pop_back();
    }
    return make_error(ErrorKind::kIoError, "data directory " + path +
                                               " is in use by another kirchhoff" +
                                               (holder.empty() ? "" : " (pid " + holder + ")") +
                                               "; stop it or choose another --data");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    ::close(fd);
    return make_error(ErrorKind::kIoError,
                      "data directory " + path + " is not writable: " + std::strerror(errno));
  }
  return DataDir(path, fd);
}

DataDir::DataDir(DataDir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);  // releases the flock
  }
}

}  // namespace kirchhoff::daemon
