#include "devices/sunspec/sunspec_driver.hpp"

#include <chrono>

#include "devices/modbus/endpoint_config.hpp"
#include "devices/modbus/libmodbus_transport.hpp"
#include "devices/sunspec/device.hpp"

namespace kirchhoff::devices::sunspec {

namespace {

// The inverter falls back to no limit when not refreshed within this time,
// so a stopped daemon cannot leave it curtailed; the poller refreshes every
// 30 s.
constexpr std::chrono::seconds kRevert{120};

class SunSpecDriver : public Driver {
 public:
  SunSpecDriver(modbus::LibmodbusTransport::Options options, int unit)
      : transport_(std::move(options)), unit_(unit) {}

  common::Result<Reading> poll(std::int64_t now_unix_ms) override {
    if (auto opened = open(); !opened) {
      return opened.error();
    }
    return device_->poll(now_unix_ms);
  }

  void reset() override {
    device_.reset();
    transport_.disconnect();
  }

  common::Status set_limit_pct(double limit_pct) override {
    if (auto opened = open(); !opened) {
      return opened;
    }
    if (!device_->can_limit()) {
      return common::make_error(common::ErrorKind::kUnsupported,
                                "this SunSpec device has no power limit (model 123 or 704)");
    }
    return device_->set_limit_pct(limit_pct, kRevert);
  }

  common::Status set_battery_power_w(std::optional<double> power_w) override {
    if (auto opened = open(); !opened) {
      return opened;
    }
    if (!device_->can_set_battery_power()) {
      return common::make_error(common::ErrorKind::kUnsupported,
                                "this SunSpec device has no storage control (model 124)");
    }
    return device_->set_battery_power_w(power_w);
  }

 private:
  common::Status open() {
    if (device_) {
      return common::Status::success();
    }
    auto device = SunSpecDevice::open(transport_, unit_);
    if (!device) {
      return device.error();
    }
    device_.emplace(std::move(*device));
    return common::Status::success();
  }

  modbus::LibmodbusTransport transport_;
  int unit_;
  std::optional<SunSpecDevice> device_;
};

}  // namespace

void register_sunspec_driver(DriverRegistry& registry) {
  registry.add("sunspec",
               [](const model::DeviceConfig& config,
                  const DriverContext&) -> common::Result<std::unique_ptr<Driver>> {
                 auto options = modbus::transport_options(config);
                 if (!options) {
                   return options.error();
                 }
                 return std::unique_ptr<Driver>(
                     std::make_unique<SunSpecDriver>(std::move(*options), config.modbus->unit));
               });
}

}  // namespace kirchhoff::devices::sunspec
