#include "devices/p1/meter.hpp"

#include <utility>

namespace kirchhoff::devices::p1 {

Meter::Meter(MeterOptions options)
    : endpoint_(options.address), opener_([options = std::move(options)]() {
        return open_source(options.address, options.serial, options.connect_timeout_ms);
      }) {}

Meter::Meter(std::string endpoint, Opener opener)
    : endpoint_(std::move(endpoint)), opener_(std::move(opener)) {}

common::Result<std::optional<MeterUpdate>> Meter::poll(int timeout_ms, std::int64_t now_unix_ms) {
  if (!source_) {
    auto opened = opener_();
    if (!opened) {
      return opened.error();
    }
    source_ = std::move(*opened);
    // Whatever was buffered belongs to the previous connection.
    reader_.reset();
  }
  auto bytes = source_->read_some(timeout_ms);
  if (!bytes) {
    source_.reset();
    reader_.reset();
    return bytes.error();
  }
  reader_.feed(*bytes);
  std::optional<MeterUpdate> newest;
  std::optional<common::Error> last_error;
  while (auto text = reader_.next()) {
    auto telegram = parse_telegram(*text);
    if (!telegram) {
      ++bad_telegrams_;
      last_error = common::make_error(telegram.error().kind,
                                      "P1 " + endpoint_ + ": " + telegram.error().message);
      continue;
    }
    Reading reading = to_reading(*telegram, now_unix_ms);
    newest = MeterUpdate{std::move(*telegram), reading};
  }
  if (!newest && last_error) {
    return *last_error;
  }
  return newest;
}

}  // namespace kirchhoff::devices::p1
