// A device driver as the poller runs it: blocking I/O on the poller's own
// thread (one per device), never on the control cycle's. A driver reads its
// device into a Reading and applies setpoints; what a device cannot do is
// kUnsupported. After an error the poller calls reset() and tries again
// later (the back-off is the poller's, not the driver's).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "devices/reading.hpp"
#include "model/device_config.hpp"

namespace kirchhoff::devices {

class Driver {
 public:
  virtual ~Driver() = default;
  // Reads the device now (connecting first if needed).
  virtual common::Result<Reading> poll(std::int64_t now_unix_ms) = 0;
  // Drops the connection after a failure so the next poll starts afresh.
  virtual void reset() {}

  // Setpoints: an inverter's limit (% of rated), a battery's power (+
  // discharge; empty hands control back to the battery), a charger's current
  // limit (A per phase, 0 pauses) and phases, a relay.
  virtual common::Status set_limit_pct(double limit_pct);
  virtual common::Status set_battery_power_w(std::optional<double> power_w);
  virtual common::Status set_current_limit_a(double current_a);
  virtual common::Status set_phases(int phases);
  virtual common::Status set_relay(bool on);
};

// The broker `kirchhoff run` itself talks to (its --mqtt URL and account),
// which MQTT devices use when their block names no broker of their own.
struct DefaultMqttBroker {
  std::string url;  // "mqtt://host[:port]" or "mqtts://..."; empty: none
  std::string username;
  std::string password;  // the secret itself, already read from its file
  std::string ca_file;
};

// What a driver factory may need besides its device's configuration.
struct DriverContext {
  std::string base_dir;  // the installation file's folder, for relative paths
  DefaultMqttBroker default_mqtt_broker{};
};

// Drivers by their `driver:` name. Each driver's folder brings a
// registration function; adding a driver adds one, never a central switch.
class DriverRegistry {
 public:
  using Factory = std::function<common::Result<std::unique_ptr<Driver>>(const model::DeviceConfig&,
                                                                        const DriverContext&)>;

  void add(std::string name, Factory factory);
  common::Result<std::unique_ptr<Driver>> create(const model::DeviceConfig& config,
                                                 const DriverContext& context) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Factory> factories_;
};

}  // namespace kirchhoff::devices
