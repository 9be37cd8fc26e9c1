#include "devices/modbus/maps/map_driver.hpp"

#include <chrono>

#include "devices/modbus/endpoint_config.hpp"
#include "devices/modbus/libmodbus_transport.hpp"
#include "devices/modbus/maps/builtin_maps.hpp"
#include "devices/modbus/maps/map_device.hpp"

namespace kirchhoff::devices::maps {

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class MapDriver : public Driver {
 public:
  MapDriver(RegisterMap map, modbus::LibmodbusTransport::Options options, int unit)
      : transport_(std::move(options)), device_(std::move(map), transport_, unit, unix_ms_now) {}

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
  registry.add(
      "modbus",
      [](const model::DeviceConfig& config,
         const DriverContext& context) -> common::Result<std::unique_ptr<Driver>> {
        if (!config.modbus) {
          return common::make_error(common::ErrorKind::kInvalidArgument,
                                    "device '" + config.name + "' has no modbus endpoint");
        }
        auto map = resolve_map(config.map, context.base_dir);
        if (!map) {
          return common::make_error(map.error().kind,
                                    "device '" + config.name + "': " + map.error().message);
        }
        auto endpoint = modbus::endpoint_from_config(*config.modbus);
        if (!endpoint) {
          return common::make_error(endpoint.error().kind,
                                    "device '" + config.name + "': " + endpoint.error().message);
        }
        modbus::LibmodbusTransport::Options options;
        options.name = config.name;
        options.endpoint = *endpoint;
        options.response_timeout = std::chrono::milliseconds(config.modbus->timeout_ms);
        return std::unique_ptr<Driver>(
            std::make_unique<MapDriver>(std::move(*map), std::move(options), config.modbus->unit));
      });
}

}  // namespace kirchhoff::devices::maps
