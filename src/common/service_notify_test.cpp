#include "common/service_notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>

namespace kirchhoff::common {
namespace {

using namespace std::chrono_literals;

// A datagram socket bound where a service manager would listen: a path, or
// an abstract name given as '@name' (sd_notify(3)).
class Listener {
 public:
  explicit Listener(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    const bool abstract = name.front() == '@';
    if (abstract) {
      address.sun_path[0] = '\0';
    }
    const auto length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 0 : 1));
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
  }
  ~Listener() {
    ::close(fd_);
    if (name_.front() == '/') {
      ::unlink(name_.c_str());
    }
  }
  bool bound() const { return bound_; }
  // The next datagram, or "" when none is waiting (never blocks).
  std::string next() {
    char buffer[256];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  std::string name_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string abstract_name() { return "@kirchhoff-notify-test-" + std::to_string(::getpid()); }

TEST(ServiceNotifier, SendsReadyAndStoppingToAnAbstractSocket) {
  Listener listener(abstract_name());
  ASSERT_TRUE(listener.bound());
  const ServiceNotifier notifier(abstract_name(), 0us);
  ASSERT_TRUE(notifier.enabled());
  ASSERT_TRUE(notifier.ready().ok());
  EXPECT_EQ(listener.next(), "READY=1");
  ASSERT_TRUE(notifier.notify("STATUS=serving\nREADY=1").ok());
  EXPECT_EQ(listener.next(), "STATUS=serving\nREADY=1");
  ASSERT_TRUE(notifier.stopping().ok());
  EXPECT_EQ(listener.next(), "STOPPING=1");
  EXPECT_EQ(listener.next(), "");
}

TEST(ServiceNotifier, SendsToASocketFile) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("kirchhoff-notify-" + std::to_string(::getpid()) + ".sock"))
                               .string();
  Listener listener(path);
  ASSERT_TRUE(listener.bound());
  const auto notifier = ServiceNotifier::from_values(path.c_str(), nullptr, nullptr, 1);
  ASSERT_TRUE(notifier.ready().ok());
  EXPECT_EQ(listener.next(), "READY=1");
}

// systemd gives WatchdogSec=30s as WATCHDOG_USEC=30000000; pings go out at
// half of it: at 0 s, not at 14.999 s, again at 15 s, then at 30 s.
TEST(ServiceNotifier, PingsTheWatchdogAtHalfItsInterval) {
  Listener listener(abstract_name());
  ASSERT_TRUE(listener.bound());
  auto notifier = ServiceNotifier::from_values(abstract_name().c_str(), "30000000", "42", 42);
  ASSERT_EQ(notifier.watchdog_interval(), 30s);
  const ServiceNotifier::Clock::time_point t0{};
  ASSERT_TRUE(notifier.keep_alive(t0).ok());
  EXPECT_EQ(listener.next(), "WATCHDOG=1");
  ASSERT_TRUE(notifier.keep_alive(t0 + 14999ms).ok());
  EXPECT_EQ(listener.next(), "");
  ASSERT_TRUE(notifier.keep_alive(t0 + 15s).ok());
  EXPECT_EQ(listener.next(), "WATCHDOG=1");
  ASSERT_TRUE(notifier.keep_alive(t0 + 29s).ok());
  EXPECT_EQ(listener.next(), "");
  ASSERT_TRUE(notifier.keep_alive(t0 + 30s).ok());
  EXPECT_EQ(listener.next(), "WATCHDOG=1");
}

TEST(ServiceNotifier, WatchdogOnlyForItsOwnProcess) {
  // WATCHDOG_PID names another process (a child inherited the environment).
  EXPECT_EQ(ServiceNotifier::from_values("@x", "30000000", "41", 42).watchdog_interval(), 0us);
  EXPECT_EQ(ServiceNotifier::from_values("@x", "0", nullptr, 42).watchdog_interval(), 0us);
  EXPECT_EQ(ServiceNotifier::from_values("@x", "30s", nullptr, 42).watchdog_interval(), 0us);
  EXPECT_EQ(ServiceNotifier::from_values(nullptr, "30000000", nullptr, 42).watchdog_interval(),
            0us);
  EXPECT_EQ(ServiceNotifier::from_values("@x", "2000000", nullptr, 42).watchdog_interval(), 2s);
}

TEST(ServiceNotifier, OffOutsideAServiceManager) {
  auto off = ServiceNotifier::from_values(nullptr, nullptr, nullptr, 42);
  EXPECT_FALSE(off.enabled());
  EXPECT_TRUE(off.ready().ok());
  EXPECT_TRUE(off.keep_alive(ServiceNotifier::Clock::now()).ok());
  // Not a path nor an abstract name: not a socket we can address.
  EXPECT_FALSE(ServiceNotifier::from_values("vsock:2:1234", nullptr, nullptr, 42).enabled());
}

TEST(ServiceNotifier, ErrorNamesTheSocket) {
  const ServiceNotifier notifier("@kirchhoff-nobody-listens-" + std::to_string(::getpid()), 0us);
  const auto status = notifier.ready();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("kirchhoff-nobody-listens"), std::string::npos);
}

}  // namespace
}  // namespace kirchhoff::common
