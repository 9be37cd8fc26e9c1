// The service manager's notification protocol (sd_notify(3)), without
// libsystemd: a datagram of `KEY=VALUE` lines to the AF_UNIX socket named in
// $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@').
// The daemon says READY=1 once it serves, WATCHDOG=1 while its control loop
// turns, STOPPING=1 when it begins to stop. Outside systemd (no socket) every
// call does nothing, so the daemon runs the same under a terminal.
//
// Not thread-safe: one owner (the daemon's control loop) calls it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace kirchhoff::common {

class ServiceNotifier {
 public:
  using Clock = std::chrono::steady_clock;

  // Off: no socket, no watchdog.
  ServiceNotifier() = default;
  // `socket`: a path or '@' + an abstract name; empty: off. `watchdog`: the
  // service manager's watchdog interval (0: no watchdog).
  ServiceNotifier(std::string socket, std::chrono::microseconds watchdog)
      : socket_(std::move(socket)), watchdog_(watchdog) {}

  // From the values of $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (each
  // may be null): the watchdog is on only when WATCHDOG_USEC is a positive
  // whole number and WATCHDOG_PID, if set, is `own_pid`.
  static ServiceNotifier from_values(const char* notify_socket, const char* watchdog_usec,
                                     const char* watchdog_pid, long own_pid);
  // The same from this process's environment.
  static ServiceNotifier from_environment();

  bool enabled() const { return !socket_.empty(); }
  std::chrono::microseconds watchdog_interval() const { return watchdog_; }

  // Sends `state` (e.g. "READY=1\nSTATUS=serving") as one datagram. Ok when
  // off; an error names the socket and the reason.
  Status notify(std::string_view state) const;

  Status ready() const { return notify("READY=1"); }
  Status stopping() const { return notify("STOPPING=1"); }
  // WATCHDOG=1 when the watchdog is on and half its interval has passed
  // since the last ping sent here (or none was sent yet); `now` is passed in
  // so callers and tests decide the time.
  Status keep_alive(Clock::time_point now);

 private:
  std::string socket_;
  std::chrono::microseconds watchdog_{0};
  std::optional<Clock::time_point> last_ping_;
};

}  // namespace kirchhoff::common
