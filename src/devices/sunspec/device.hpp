// A SunSpec device as the daemon's poller sees it: discovered once, then
// polled into a devices::Reading, with the controls the energy manager uses
// (an inverter's active power limit, a battery's power setpoint).
//
// Roles (docs/modbus.md): an inverter (101-103 / 111-113, with 120, 121, 123
// or 704), a meter (201-204) or a storage (124 and/or 802). An inverter that
// also has 124/802 (a hybrid) stays an inverter and its reading carries the
// battery's fields too.
//
// Borrows the transport: it must outlive the device. Not thread-safe (one
// poller owns both). Never sleeps or retries; a failed call leaves the device
// as it was, and the next call tries again.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "devices/modbus/transport.hpp"
#include "devices/reading.hpp"
#include "devices/sunspec/sunspec.hpp"

namespace kirchhoff::devices::sunspec {

enum class Role { kInverter, kMeter, kStorage };

const char* role_name(Role role);

class SunSpecDevice {
 public:
  // Discovers `unit` on `transport` and picks its role; kNotFound when the
  // device is SunSpec but has none of the models of a role.
  static common::Result<SunSpecDevice> open(modbus::Transport& transport, int unit);

  Role role() const { return role_; }
  int unit() const { return unit_; }
  const Discovery& discovery() const { return discovery_; }
  // Model 1's manufacturer, model and serial number, when the device has them.
  const std::string& manufacturer() const { return manufacturer_; }
  const std::string& model_name() const { return model_name_; }
  const std::string& serial_number() const { return serial_number_; }

  // Reads the models of its role and returns what they say now (signs per
  // devices/reading.hpp). `unix_ms` is stamped on the reading.
  common::Result<Reading> poll(std::int64_t unix_ms);

  // True when the device has model 123 or 704.
  bool can_limit() const;
  // Limits the AC output to `pct` % of the rated power (0 to 100) and enables
  // the limit; the device falls back to no limit when not refreshed within
  // `revert` (0: no time-out). 100 or more disables the limit.
  common::Status set_limit_pct(double pct, std::chrono::seconds revert);

  // True when the device has model 124.
  bool can_set_battery_power() const;
  // Battery power setpoint in W, + discharge and - charge, as a share of
  // 124's WChaMax: both limits are set so the allowed window is that one
  // point (OutWRte = p, InWRte = -p). 0 holds the battery; std::nullopt gives
  // control back to the device (StorCtl_Mod 0).
  common::Status set_battery_power_w(std::optional<double> power_w);
  // Model 124's minimum reserve (% of capacity) and whether the battery may
  // charge from the grid (ChaGriSet).
  common::Status set_min_reserve_pct(double pct);
  common::Status set_grid_charging(bool allowed);

 private:
  SunSpecDevice(modbus::Transport& transport, int unit, Discovery discovery, Role role);
  common::Result<DecodedModel> read(std::uint16_t id);
  common::Status write(std::uint16_t id, std::string_view point, double value);
  void read_battery(Reading& reading, std::string& error);

  modbus::Transport* transport_;
  int unit_;
  Discovery discovery_;
  Role role_;
  std::string manufacturer_;
  std::string model_name_;
  std::string serial_number_;
  std::optional<double> rated_power_w_;  // from 120/121, read once (static)
  bool rating_read_ = false;
};

}  // namespace kirchhoff::devices::sunspec
