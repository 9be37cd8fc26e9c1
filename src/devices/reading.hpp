// What a device driver reports of its device at one poll: measurements and
// the state it is in now (read back from the device, not what was asked).
// Every driver (P1, SunSpec, Modbus register maps, MQTT, the simulator) fills
// the fields its device has and leaves the rest empty.
//
// Signs follow the convention of the load the device serves (../shared
// BRIEF: grid + import, solar + production, battery + discharge, consumers +
// consumption): a meter reports its import direction as +, an inverter its AC
// production as +, a battery its discharge as +, a charger its draw as +.
// Energy registers are the device's own and never go backwards.
// Plain values; copied between the poller's thread and the cycle.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace kirchhoff::devices {

// IEC 61851 states of a charging point, as far as a charger tells them.
enum class ChargerState {
  kUnknown,
  kAvailable,  // A: no car
  kPlugged,    // B: car connected, not charging
  kCharging,   // C/D
  kError,      // E/F
};

using PhaseArray = std::array<std::optional<double>, 3>;

struct Reading {
  std::int64_t unix_ms = 0;  // when the device was read

  // Electrical measurements.
  std::optional<double> power_w;  // total active power, sign as above
  PhaseArray phase_power_w;
  PhaseArray phase_current_a;  // + in the direction of power_w
  PhaseArray phase_voltage_v;  // line to neutral
  std::optional<double> reactive_power_var;
  std::optional<double> frequency_hz;
  std::optional<double> energy_import_wh;  // in the + direction
  std::optional<double> energy_export_wh;  // in the - direction

  // Battery.
  std::optional<double> soc_pct;
  std::optional<double> max_charge_w;
  std::optional<double> max_discharge_w;

  // PV inverter: the active power limit in force, % of rated, and the rating.
  std::optional<double> limit_pct;
  std::optional<double> rated_power_w;

  // EV charger.
  ChargerState charger_state = ChargerState::kUnknown;
  std::optional<double> current_limit_a;  // the limit in force
  std::optional<int> charging_phases;
  std::optional<double> session_energy_wh;

  // Relay or switch.
  std::optional<bool> relay_on;

  // Smart meter extras (P1): gas and water registers, the capacity tariff.
  std::optional<double> gas_m3;
  std::optional<double> water_m3;
  std::optional<double> quarter_hour_average_w;  // running 15-minute average import
  std::optional<double> month_peak_w;            // this month's highest 15-minute average
};

}  // namespace kirchhoff::devices
