// The `control:` section of the installation file: what the energy manager
// may do and within which limits (docs/control.md has the file format).
// Plain values with their positions in the file, so `kirchhoff check` can
// point at a wrong one. Every field has a default: a file without the
// section gets the standard stack with overload protection and PV surplus to
// the car, the battery and the boiler, no grid limits and a flat tariff.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/catalog.hpp"
#include "model/price_series.hpp"
#include "model/source_pos.hpp"

namespace kirchhoff::model {

// A sub-circuit under the main breaker (or under another sub-circuit): the
// loads behind its breaker, whose per-phase current must stay under its rating.
struct CircuitConfig {
  std::string name;
  double breaker_a = 16.0;
  std::string parent;              // "" = directly under the main breaker
  std::vector<std::string> loads;  // names of installation loads
  int line = 0, column = 0;
};

enum class EvMode { kOff, kNow, kMinPv, kPv };
// How chargers behind the same breaker share its headroom: equal shares, or
// in the installation's order of EV loads (the first is the most important).
enum class EvSharing { kFair, kPriority };
std::string_view ev_mode_name(EvMode mode);

struct EvConfig {
  EvMode mode = EvMode::kMinPv;
  double min_a = 6.0;  // IEC 61851: a car cannot charge below 6 A
  double max_a = 32.0;
  bool phase_switching = true;  // 1p <-> 3p on surplus, for chargers that can
  double enable_delay_s = 60.0;
  double disable_delay_s = 180.0;
  // Grid export (W) that must be there before pv charging starts, and grid
  // import (W) tolerated before it stops (hysteresis around the car's minimum).
  double enable_w = 0.0;
  double disable_w = 200.0;
  bool cheap_charging = true;  // charge at full power in "charge" tariff windows
  EvSharing sharing = EvSharing::kFair;
  // A car's usable battery (kWh), for charge sessions declared in percent
  // when the person does not say the size.
  double battery_kwh = 60.0;
};

struct BatteryConfig {
  double reserve_pct = 20.0;    // kept for the house outside "hold" windows when holds exist
  double charge_to_pct = 95.0;  // in "charge" windows
  double deadband_w = 100.0;    // no change of direction for less than this
  double direction_hold_s = 120.0;
};

struct HeatPumpConfig {
  double surplus_w = 1500.0;  // SG Ready 3 ("recommended on") from this surplus
  double delay_s = 300.0;
};

enum class RelayUse { kSurplus, kShed };

struct RelayControlConfig {
  std::string output;  // "out1/1"
  std::string module;
  int number = 0;
  RelayUse use = RelayUse::kSurplus;
  double power_w = 0.0;  // what the device draws when on
  std::array<bool, 3> phases{true, false, false};
  int priority = 5;  // 1 = most important (shed last, fed first)
  double min_on_s = 300.0;
  double min_off_s = 300.0;
  int max_switches_per_hour = 6;
  bool safe_on = false;  // state in the fail-safe
  std::string circuit;   // the sub-circuit its device is on ("" = main only)
  int line = 0, column = 0;
};

struct RippleSignalConfig {
  std::string input;  // "in1/3", a status input
  std::string module;
  int number = 0;
  double limit_pct = 0.0;     // 0, 30, 60 or 100 % of the inverter's rated power
  bool active_closed = true;  // wired so that a closed contact means "active"
  int line = 0, column = 0;
};

struct DimmingConfig {
  std::string input;
  std::string module;
  int number = 0;
  double cap_w = 4200.0;  // §14a EnWG: controllable devices together
  bool active_closed = true;
  int line = 0, column = 0;
};

struct GridConfig {
  std::optional<double> export_limit_w;
  std::optional<double> export_limit_pct;  // of the PV peak power
  std::optional<double> peak_limit_kw;     // 15-minute average import
  std::vector<RippleSignalConfig> ripple;
  std::optional<DimmingConfig> dimming;
  double inverter_safe_pct = 100.0;  // inverter limit in the fail-safe
  int line = 0, column = 0;
};

enum class WindowAction { kNone, kCharge, kHold };

struct TariffWindow {
  int from_min = 0;  // minutes after local midnight
  int to_min = 0;    // exclusive; may wrap past midnight
  std::optional<double> import_per_kwh;
  std::optional<double> export_per_kwh;
  WindowAction action = WindowAction::kNone;
  int line = 0, column = 0;

  bool contains(int minute_of_day) const;
};

// A capacity tariff (Fluvius, Flanders): each month's highest clock-aligned
// 15-minute mean import, at least `min_kw`, billed per kW.
struct CapacityTariff {
  double eur_per_kw_month = 0.0;
  double min_kw = 0.0;
};

struct TariffConfig {
  double import_per_kwh = 0.30;
  double export_per_kwh = 0.05;
  std::string currency = "EUR";
  std::vector<TariffWindow> windows;
  // `prices:` as written (relative to the installation file) and where; the
  // series is read by load_installation_file (or `simulate --prices`) and
  // shared, read-only, between copies of the installation.
  std::string prices_file;
  SourcePos prices_pos;
  std::shared_ptr<const PriceSeries> prices;
  // Day-ahead prices the daemon fetches over HTTP(S) (`prices_url`, every
  // `prices_refresh_min` minutes) or receives on the MQTT broker
  // (`prices_topic`), as JSON (docs/control.md); empty: none. The daemon
  // merges them with the file's into `prices` of its copy.
  std::string prices_url;
  SourcePos prices_url_pos;
  int prices_refresh_min = 60;
  std::string prices_topic;
  SourcePos prices_topic_pos;
  std::optional<CapacityTariff> capacity;

  // The window in force at a minute of the day (the first that matches).
  const TariffWindow* window_at(int minute_of_day) const;
  double import_price(int minute_of_day) const;
  double export_price(int minute_of_day) const;
  // The dynamic price at a unix second when the price series covers it, else
  // the window's or flat price at the local minute of the day.
  double import_price_at(std::int64_t unix_s, int minute_of_day) const;
  double export_price_at(std::int64_t unix_s, int minute_of_day) const;
};

enum class BreakerCurve { kB, kC };

struct ControlConfig {
  bool present = false;  // the file has a `control:` section
  int cycle_ms = 1000;
  BreakerCurve breaker_curve = BreakerCurve::kC;
  std::vector<CircuitConfig> circuits;
  EvConfig ev;
  BatteryConfig battery;
  HeatPumpConfig heat_pump;
  std::vector<RelayControlConfig> relays;
  GridConfig grid;
  TariffConfig tariff;

  // The loads behind a circuit's breaker: its own and those of the circuits
  // below it (a load behind a sub-circuit is behind each of its ancestors).
  std::vector<std::string> loads_behind(const CircuitConfig& circuit) const;
};

}  // namespace kirchhoff::model
