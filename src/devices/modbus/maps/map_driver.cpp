#include "devices/modbus/maps/map_driver.hpp"

#include <chrono>

#include "common/time.hpp"
#include "devices/modbus/endpoint_config.hpp"
#include "devices/modbus/libmodbus_transport.hpp"
#include "devices/modbus/maps/builtin_maps.hpp"
#include "devices/modbus/maps/map_device.hpp"

namespace kirchhoff::devices::maps {

namespace {

class MapDriver : public Driver {
 public:
  MapDriver(RegisterMap map, modbus::LibmodbusTransport::Options options, int unit)
      : transport_(std::move(options)),
        device_(std::move(map), transport_, unit, common::unix_ms_now) {}

  common::Result<Reading> poll(std::int64_t) override {
    (void)device_.keep_alive();
    return device_.read();
  }
  void reset() override { transport_.disconnect(); }
  common::Status set_limit_pct(double limit_pct) override {
    return device_.set_limit_pct(limit_pct);
  }
  common::Status set_battery_power_w(std::optional<double> power_w) override {
    return device_.set_power_w(power_w.value_or(0.0));
  }
  common::Status set_current_limit_a(double current_a) override {
    return device_.set_current_limit_a(current_a);
  }
  common::Status set_phases(int phases) override { return device_.set_phases(phases); }
  common::Status set_relay(bool on) override { return device_.set_relay(on); }

 private:
  modbus::LibmodbusTransport transport_;
  MapDevice device_;
};

}  // namespace

void register_map_driver(DriverRegistry& registry) {
  registry.add("modbus",
               [](const model::DeviceConfig& config,
                  const DriverContext& context) -> common::Result<std::unique_ptr<Driver>> {
                 auto options = modbus::transport_options(config);
                 if (!options) {
                   return options.error();
                 }
                 auto map = resolve_map(config.map, context.base_dir);
                 if (!map) {
                   return common::make_error(
                       map.error().kind, "device '" + config.name + "': " + map.error().message);
                 }
                 return std::unique_ptr<Driver>(std::make_unique<MapDriver>(
                     std::move(*map), std::move(*options), config.modbus->unit));
               });
}

}  // namespace kirchhoff::devices::maps
