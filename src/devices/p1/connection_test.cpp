// The TCP connection and the reader against a P1 meter as a process
// (tests/peers/p1_meter.py on a free loopback port), and the serial port
// against a pseudo-terminal. Expected values come from the peer's options:
// phases 1.5, 0.25 and -2 kW give 1.75 kW import, 2 kW export, -250 W net;
// one telegram stands for an hour, so the registers grow by 1.75 and 2 kWh.
#include "devices/p1/connection.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "devices/p1/meter.hpp"
#include "devices/p1/reader.hpp"
#include "devices/p1/reading.hpp"
#include "devices/p1/telegram.hpp"

extern char** environ;

namespace kirchhoff::devices::p1 {
namespace {

// tests/peers/p1_meter.py as a child process; killed when this goes.
class MeterPeer {
 public:
  explicit MeterPeer(std::vector<std::string> options) {
    int out[2];
    if (::pipe(out) != 0) {
      return;
    }
    std::vector<std::string> argv = {
        "python3", std::string(KIRCHHOFF_SOURCE_DIR) + "/tests/peers/p1_meter.py", "--port", "0"};
    argv.insert(argv.end(), options.begin(), options.end());
    std::vector<char*> args;
    for (auto& a : argv) {
      args.push_back(a.data());
    }
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (posix_spawnp(&pid_, "python3", &actions, nullptr, args.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    // First line: "PORT <n>".
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') {
      line += c;
    }
    ::close(out[0]);
    if (line.rfind("PORT ", 0) == 0) {
      port_ = std::stoi(line.substr(5));
    }
  }
  ~MeterPeer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  MeterPeer(const MeterPeer&) = delete;
  MeterPeer& operator=(const MeterPeer&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Reads until `count` telegrams came or the source failed; gives up after
// `max_idle_reads` reads of 200 ms that brought nothing, or 1 MiB (bounds on
// a broken test, not timing checks).
struct Collected {
  std::vector<std::string> telegrams;
  std::optional<common::Error> error;
  std::size_t dropped = 0;
};
Collected collect(ByteSource& source, std::size_t count, int max_idle_reads = 50) {
  Collected out;
  TelegramReader reader;
  std::size_t total = 0;
  int idle = 0;
  while (idle < max_idle_reads && total < (1U << 20) && out.telegrams.size() < count) {
    auto bytes = source.read_some(200);
    if (!bytes) {
      out.error = bytes.error();
      break;
    }
    idle = bytes->empty() ? idle + 1 : 0;
    total += bytes->size();
    reader.feed(*bytes);
    while (auto telegram = reader.next()) {
      out.telegrams.push_back(*telegram);
    }
  }
  out.dropped = reader.dropped_bytes();
  return out;
}

const std::vector<std::string> kMeterOptions = {
    "--interval",   "0.02",         "--power",
    "1.5,0.25,-2",  "--import-kwh", "100",
    "--export-kwh", "10",           "--seconds-per-telegram",
    "3600"};

TEST(P1Connection, TelegramsFromAMeterOverTcp) {
  MeterPeer peer(kMeterOptions);
  ASSERT_GT(peer.port(), 0);
  auto connection = TcpConnection::connect(peer.address(), 5000);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  EXPECT_EQ((*connection)->endpoint(), peer.address());
  const Collected got = collect(**connection, 3);
  ASSERT_EQ(got.telegrams.size(), 3u);
  std::vector<Reading> readings;
  for (const auto& text : got.telegrams) {
    auto telegram = parse_telegram(text);
    ASSERT_TRUE(telegram.ok()) << telegram.error().message;
    EXPECT_EQ(telegram->crc_ok, true);
    readings.push_back(to_reading(*telegram, 0));
  }
  const Reading& r = readings[0];
  EXPECT_NEAR(*r.power_w, -250.0, 1e-9);
  EXPECT_NEAR(*r.phase_power_w[0], 1500.0, 1e-9);
  EXPECT_NEAR(*r.phase_power_w[1], 250.0, 1e-9);
  EXPECT_NEAR(*r.phase_power_w[2], -2000.0, 1e-9);
  EXPECT_DOUBLE_EQ(*r.phase_current_a[2], -9.0);  // round(2000 W / 230 V), exporting
  EXPECT_DOUBLE_EQ(*r.gas_m3, 100.0);
  for (std::size_t i = 1; i < readings.size(); ++i) {
    EXPECT_NEAR(*readings[i].energy_import_wh - *readings[i - 1].energy_import_wh, 1750.0, 1e-6);
    EXPECT_NEAR(*readings[i].energy_export_wh - *readings[i - 1].energy_export_wh, 2000.0, 1e-6);
    EXPECT_EQ(readings[i].unix_ms - readings[i - 1].unix_ms, 3600000);
  }
}

TEST(P1Connection, ByteByByteWritesAndGarbage) {
  std::vector<std::string> options = kMeterOptions;
  options.insert(options.end(), {"--chunk", "1", "--garbage", "--emucs"});
  MeterPeer peer(options);
  ASSERT_GT(peer.port(), 0);
  auto connection = TcpConnection::connect(peer.address(), 5000);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  const Collected got = collect(**connection, 2);
  ASSERT_EQ(got.telegrams.size(), 2u) << (got.error ? got.error->message : "");
  EXPECT_GT(got.dropped, 0u);
  for (const auto& text : got.telegrams) {
    auto telegram = parse_telegram(text);
    ASSERT_TRUE(telegram.ok()) << telegram.error().message;
    const Reading r = to_reading(*telegram, 0);
    EXPECT_NEAR(*r.quarter_hour_average_w, 1750.0, 1e-9);
  }
}

TEST(P1Connection, DamagedTelegramsAreReportedAsCorruption) {
  std::vector<std::string> options = kMeterOptions;
  options.insert(options.end(), {"--bad-crc-every", "2"});
  MeterPeer peer(options);
  auto connection = TcpConnection::connect(peer.address(), 5000);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  const Collected got = collect(**connection, 4);
  ASSERT_EQ(got.telegrams.size(), 4u);
  int corrupt = 0;
  for (const auto& text : got.telegrams) {
    auto telegram = parse_telegram(text);
    if (!telegram.ok()) {
      EXPECT_EQ(telegram.error().kind, common::ErrorKind::kCorruption);
      ++corrupt;
    }
  }
  EXPECT_EQ(corrupt, 2);
}

TEST(P1Connection, ClosedByThePeerThenReconnect) {
  std::vector<std::string> options = kMeterOptions;
  options.insert(options.end(), {"--close-after", "2"});
  MeterPeer peer(options);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto connection = TcpConnection::connect(peer.address(), 5000);
    ASSERT_TRUE(connection.ok()) << connection.error().message;
    const Collected got = collect(**connection, 3);
    EXPECT_EQ(got.telegrams.size(), 2u);
    ASSERT_TRUE(got.error.has_value());
    EXPECT_EQ(got.error->kind, common::ErrorKind::kIoError);
    EXPECT_NE(got.error->message.find(peer.address()), std::string::npos) << got.error->message;
    EXPECT_NE(got.error->message.find("closed"), std::string::npos) << got.error->message;
  }
}

TEST(P1Connection, MeterPollsReconnectAfterTheDongleClosed) {
  std::vector<std::string> options = kMeterOptions;
  options.insert(options.end(), {"--close-after", "2"});
  MeterPeer peer(options);
  Meter meter(MeterOptions{peer.address()});
  int updates = 0;
  int errors = 0;
  // Bounded by poll count, not by time: 200 polls of up to 200 ms each.
  for (int i = 0; i < 200 && updates < 4; ++i) {
    auto result = meter.poll(200, 0);
    if (!result) {
      EXPECT_NE(result.error().message.find(peer.address()), std::string::npos);
      ++errors;
    } else if (result->has_value()) {
      EXPECT_NEAR(*(*result)->reading.power_w, -250.0, 1e-9);
      ++updates;
    }
  }
  EXPECT_EQ(updates, 4);
  EXPECT_GE(errors, 1);  // the dongle closed after two telegrams, the meter reconnected
}

TEST(P1Connection, SilentMeterGivesEmptyReads) {
  std::vector<std::string> options = kMeterOptions;
  options.push_back("--silent");
  MeterPeer peer(options);
  auto connection = TcpConnection::connect(peer.address(), 5000);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  for (int i = 0; i < 3; ++i) {
    auto bytes = (*connection)->read_some(20);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    EXPECT_TRUE(bytes->empty());
  }
}

TEST(P1Connection, RefusedAndMalformedAddresses) {
  // A port that was free a moment ago: bind to port 0, note it, close.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  const std::string endpoint = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto refused = TcpConnection::connect(endpoint, 2000);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find(endpoint), std::string::npos);

  for (const char* bad : {"nohost", "host:", ":80", "host:70000", "host:http", "[::1"}) {
    auto result = TcpConnection::connect(bad, 100);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().kind, common::ErrorKind::kInvalidArgument) << bad;
    EXPECT_NE(result.error().message.find(bad), std::string::npos) << result.error().message;
  }
}

TEST(P1Serial, SettingsText) {
  auto dsmr4 = parse_serial_settings("115200 8N1");
  ASSERT_TRUE(dsmr4.ok());
  EXPECT_EQ(dsmr4->baud, 115200);
  EXPECT_EQ(dsmr4->data_bits, 8);
  EXPECT_EQ(dsmr4->parity, 'N');
  auto dsmr22 = parse_serial_settings("9600,7E1");
  ASSERT_TRUE(dsmr22.ok());
  EXPECT_EQ(dsmr22->data_bits, 7);
  EXPECT_EQ(dsmr22->parity, 'E');
  EXPECT_EQ(SerialSettings::dsmr22().baud, 9600);
  for (const char* bad : {"115200", "115201 8N1", "9600 9N1", "9600 8X1", "9600 8N3", "fast 8N1"}) {
    EXPECT_FALSE(parse_serial_settings(bad).ok()) << bad;
  }
}

TEST(P1Serial, ReadsFromAPseudoTerminal) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const std::string slave = ::ptsname(master);
  auto port = SerialPort::open(slave, SerialSettings::dsmr4());
  ASSERT_TRUE(port.ok()) << port.error().message;
  EXPECT_EQ((*port)->endpoint(), slave);
  auto nothing = (*port)->read_some(0);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());

  const std::string text = "/ISK5\\2M550T-1012\r\n\r\n1-0:1.7.0(01.234*kW)\r\n!\r\n";
  ASSERT_EQ(::write(master, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  TelegramReader reader;
  std::optional<std::string> telegram;
  for (int i = 0; i < 50 && !telegram; ++i) {
    auto bytes = (*port)->read_some(200);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    reader.feed(*bytes);
    telegram = reader.next();
  }
  ASSERT_TRUE(telegram.has_value());
  EXPECT_EQ(*telegram, text);

  ::close(master);  // the cable is pulled
  auto gone = (*port)->read_some(1000);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find(slave), std::string::npos) << gone.error().message;

  auto missing = SerialPort::open("/dev/nonexistent-p1", SerialSettings::dsmr4());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/dev/nonexistent-p1"), std::string::npos);
}

}  // namespace
}  // namespace kirchhoff::devices::p1
