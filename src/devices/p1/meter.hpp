// A P1 smart meter as the daemon's device poller sees it: one call per poll
// step that connects when needed, reads what arrived, and returns the newest
// complete telegram with its Reading. No thread, no sleep: the poller calls
// poll() as often as it likes and decides the back-off after an error
// (../../shared CONVENTIONS 11). One owner; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "devices/p1/connection.hpp"
#include "devices/p1/reader.hpp"
#include "devices/p1/reading.hpp"
#include "devices/p1/telegram.hpp"

namespace kirchhoff::devices::p1 {

struct MeterOptions {
  std::string address;  // "host:port" (TCP) or "/dev/ttyUSB0" (serial)
  SerialSettings serial = SerialSettings::dsmr4();
  int connect_timeout_ms = 2000;
};

struct MeterUpdate {
  Telegram telegram;
  Reading reading;
};

class Meter {
 public:
  // Opens `options.address` with open_source() on the first poll.
  explicit Meter(MeterOptions options);
  // Opens with `opener` instead (tests: a scripted ByteSource).
  using Opener = std::function<common::Result<std::unique_ptr<ByteSource>>()>;
  Meter(std::string endpoint, Opener opener);

  // Connects if not connected, reads for at most `timeout_ms`, and returns
  // the newest telegram completed in this call that parsed with a good CRC
  // (older ones in the same call are superseded), or nullopt when none did.
  // Errors: the connection could not be opened or failed (it is closed; the
  // next poll opens it again), or the only telegrams that completed were bad
  // (kCorruption / kInvalidArgument; the connection stays). `now_unix_ms`
  // stamps telegrams without a time of their own (DSMR 2.2/3).
  common::Result<std::optional<MeterUpdate>> poll(int timeout_ms, std::int64_t now_unix_ms);

  bool connected() const { return source_ != nullptr; }
  const std::string& endpoint() const { return endpoint_; }
  std::size_t dropped_bytes() const { return reader_.dropped_bytes(); }
  std::size_t bad_telegrams() const { return bad_telegrams_; }

 private:
  std::string endpoint_;
  Opener opener_;
  std::unique_ptr<ByteSource> source_;
  TelegramReader reader_;
  std::size_t bad_telegrams_ = 0;
};

}  // namespace kirchhoff::devices::p1
