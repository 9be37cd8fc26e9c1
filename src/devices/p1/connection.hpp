// Where P1 bytes come from: a TCP connection (P1-to-Wi-Fi dongles, ser2net)
// or a serial port (the meter's P1 cable). Both only move bytes; the
// TelegramReader finds the telegrams. Non-blocking: read_some waits at most
// its timeout in poll(2) and nothing here sleeps. A connection that failed
// stays failed; reconnecting, and its back-off, belong to the caller.
// Errors name the endpoint. One owner; not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace kirchhoff::devices::p1 {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The bytes that arrived within `timeout_ms` (0: only what is there now),
  // empty when none did. An error (kIoError) when the peer closed the
  // connection, the device went away or the read failed.
  virtual common::Result<std::string> read_some(int timeout_ms) = 0;
  // "192.168.1.20:8088", "/dev/ttyUSB0": for messages and logs.
  virtual const std::string& endpoint() const = 0;
};

class TcpConnection final : public ByteSource {
 public:
  // Connects to "host:port" ("[::1]:port" for IPv6 literals) within
  // `timeout_ms`. The host is resolved with getaddrinfo, which can block.
  static common::Result<std::unique_ptr<TcpConnection>> connect(std::string_view host_port,
                                                                int timeout_ms);
  ~TcpConnection() override;
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  common::Result<std::string> read_some(int timeout_ms) override;
  const std::string& endpoint() const override { return endpoint_; }

 private:
  TcpConnection(int fd, std::string endpoint) : fd_(fd), endpoint_(std::move(endpoint)) {}
  int fd_;
  std::string endpoint_;
};

struct SerialSettings {
  int baud = 115200;
  int data_bits = 8;  // 7 or 8
  char parity = 'N';  // 'N', 'E' or 'O'
  int stop_bits = 1;  // 1 or 2

  // DSMR 4/5 and e-MUCS: 115200 8N1. DSMR 2.2/3: 9600 7E1.
  static SerialSettings dsmr4() { return {}; }
  static SerialSettings dsmr22() { return {9600, 7, 'E', 1}; }
};

// "115200 8N1", "9600 7E1" (a space or a comma between the two parts).
common::Result<SerialSettings> parse_serial_settings(std::string_view text);

class SerialPort final : public ByteSource {
 public:
  // Opens the device raw at `settings`, and raises DTR and RTS (the P1 "data
  // request" line on cables that wire it).
  static common::Result<std::unique_ptr<SerialPort>> open(const std::string& device,
                                                          const SerialSettings& settings);
  ~SerialPort() override;
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  common::Result<std::string> read_some(int timeout_ms) override;
  const std::string& endpoint() const override { return endpoint_; }

 private:
  SerialPort(int fd, std::string endpoint, bool seven_bits)
      : fd_(fd), endpoint_(std::move(endpoint)), seven_bits_(seven_bits) {}
  int fd_;
  std::string endpoint_;
  bool seven_bits_;
};

// Opens the source an address names: a path starting with '/' is a serial
// port (settings from `serial`), anything else "host:port" over TCP.
common::Result<std::unique_ptr<ByteSource>> open_source(std::string_view address,
                                                        const SerialSettings& serial,
                                                        int timeout_ms);

}  // namespace kirchhoff::devices::p1
