#include "devices/driver.hpp"

namespace kirchhoff::devices {

namespace {

common::Status unsupported(std::string_view what) {
  return common::make_error(common::ErrorKind::kUnsupported,
                            "this device cannot " + std::string(what));
}

}  // namespace

common::Status Driver::set_limit_pct(double) { return unsupported("limit its power"); }
common::Status Driver::set_battery_power_w(std::optional<double>) {
  return unsupported("take a battery power setpoint");
}
common::Status Driver::set_current_limit_a(double) {
  return unsupported("take a charging current limit");
}
common::Status Driver::set_phases(int) { return unsupported("switch phases"); }
common::Status Driver::set_relay(bool) { return unsupported("switch a relay"); }

void DriverRegistry::add(std::string name, Factory factory) {
  factories_[std::move(name)] = std::move(factory);
}

common::Result<std::unique_ptr<Driver>> DriverRegistry::create(const model::DeviceConfig& config,
                                                               const DriverContext& context) const {
  const auto it = factories_.find(config.driver);
  if (it == factories_.end()) {
    return common::make_error(
        common::ErrorKind::kUnsupported,
        "device '" + config.name + "': no driver '" + config.driver + "' in this build");
  }
  return it->second(config, context);
}

std::vector<std::string> DriverRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, factory] : factories_) {
    out.push_back(name);
  }
  return out;
}

}  // namespace kirchhoff::devices
