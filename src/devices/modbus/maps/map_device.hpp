// A Modbus device read and steered through its register map: the one driver
// for every device that has a map (docs/modbus-maps.md).
//
// read() polls the registers of one part of the map in the map's planned
// blocks and fills a devices::Reading; the setpoint methods clamp, scale,
// encode and write. Setpoints the map does not have fail with kUnsupported.
// keep_alive() does the heartbeat write when one is due.
//
// Ownership: the MapDevice keeps its own copy of the map and borrows the
// transport, which must outlive it. Not thread-safe: one poller owns it (and
// its transport), like the transport itself.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "common/result.hpp"
#include "devices/modbus/maps/register_map.hpp"
#include "devices/modbus/transport.hpp"
#include "devices/reading.hpp"

namespace kirchhoff::devices::maps {

class MapDevice {
 public:
  // Unix time in milliseconds: stamps readings and paces the heartbeat.
  using Clock = std::function<std::int64_t()>;

  MapDevice(RegisterMap map, modbus::Transport& transport, int unit, Clock clock);

  const RegisterMap& map() const { return map_; }
  int unit() const { return unit_; }

  // The reading of `part` ("" is the main reading; see RegisterMap::parts).
  // Fails when the part is unknown or any of its block reads fails; a failed
  // poll reports nothing rather than part of a reading.
  common::Result<Reading> read(std::string_view part = {});

  bool has_setpoint(SetpointKind kind) const { return map_.find_setpoint(kind) != nullptr; }

  // EV charger: amps per phase. Values between 0 and 6 A are a pause (0), as
  // devices::EvCharger says; then clamped to the map's range.
  common::Status set_current_limit_a(double current_a);
  // Battery: + discharge, - charge, watts at its AC terminals.
  common::Status set_power_w(double power_w);
  // PV inverter: active power limit in % of rated power.
  common::Status set_limit_pct(double limit_pct);
  // EV charger: 1 or 3 phases; anything else is an error.
  common::Status set_phases(int phases);
  common::Status set_relay(bool on);

  // Writes the map's heartbeat when its interval has passed since the last
  // write of it (a setpoint heartbeat counts every write of its setpoint and
  // waits for a first one). Success when nothing is due or the map has none.
  common::Status keep_alive();

 private:
  common::Status write_setpoint(SetpointKind kind, double value);
  common::Status write(std::uint16_t address, const std::vector<std::uint16_t>& values,
                       std::string_view what);
  std::string name() const;

  RegisterMap map_;
  modbus::Transport& transport_;
  int unit_;
  Clock clock_;
  std::array<std::optional<double>, kSetpointKinds> last_value_{};  // setpoint's unit, clamped
  std::array<std::int64_t, kSetpointKinds> last_write_ms_{};
  std::optional<std::int64_t> last_heartbeat_ms_;
};

}  // namespace kirchhoff::devices::maps
