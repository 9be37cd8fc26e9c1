#include "common/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace kirchhoff::common {

namespace {

std::optional<long long> positive_number(const char* text) {
  if (text == nullptr || *text == '\0') {
    return std::nullopt;
  }
  const std::string_view view(text);
  long long value = 0;
  const auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (ec != std::errc() || end != view.data() + view.size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

ServiceNotifier ServiceNotifier::from_values(const char* notify_socket, const char* watchdog_usec,
                                             const char* watchdog_pid, long own_pid) {
  std::string socket = notify_socket != nullptr ? notify_socket : "";
  // Only a path or an abstract name is a socket address (sd_notify(3));
  // anything else (e.g. a vsock address) is not ours to guess at.
  if (!socket.empty() && socket.front() != '/' && socket.front() != '@') {
    socket.clear();
  }
  std::chrono::microseconds watchdog{0};
  const auto usec = positive_number(watchdog_usec);
  const bool for_us = watchdog_pid == nullptr || positive_number(watchdog_pid) == own_pid;
  if (usec && for_us && !socket.empty()) {
    watchdog = std::chrono::microseconds(*usec);
  }
  return ServiceNotifier(std::move(socket), watchdog);
}

ServiceNotifier ServiceNotifier::from_environment() {
  return from_values(std::getenv("NOTIFY_SOCKET"), std::getenv("WATCHDOG_USEC"),
                     std::getenv("WATCHDOG_PID"), static_cast<long>(::getpid()));
}

Status ServiceNotifier::notify(std::string_view state) const {
  if (socket_.empty()) {
    return {};
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof address.sun_path) {
    return make_error(ErrorKind::kInvalidArgument,
                      "notify socket " + socket_ + ": the name is too long");
  }
  std::memcpy(address.sun_path, socket_.data(), socket_.size());
  if (socket_.front() == '@') {
    address.sun_path[0] = '\0';  // an abstract name: no file, no terminating NUL
  }
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size() +
                                             (socket_.front() == '@' ? 0 : 1));
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return make_error(ErrorKind::kIoError,
                      "notify socket " + socket_ + ": " + std::strerror(errno));
  }
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
  const int error = errno;
  ::close(fd);
  if (sent < 0 || static_cast<std::size_t>(sent) != state.size()) {
    return make_error(ErrorKind::kIoError, "notify socket " + socket_ + ": " +
                                               (sent < 0 ? std::strerror(error) : "short write"));
  }
  return {};
}

Status ServiceNotifier::keep_alive(Clock::time_point now) {
  if (watchdog_.count() <= 0) {
    return {};
  }
  if (last_ping_ && now - *last_ping_ < watchdog_ / 2) {
    return {};
  }
  last_ping_ = now;
  return notify("WATCHDOG=1");
}

}  // namespace kirchhoff::common
