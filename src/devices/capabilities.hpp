// What the energy manager can ask of a controllable device. Real drivers
// (Modbus, OCPP, relays on an Output module) and the simulator implement the
// same interfaces, so control code cannot tell them apart.
//
// Setpoints are requests: a device clamps them to what it can do and reports
// what it actually does through state(): the read-back of the device, which
// the energy manager decides on (never the driver's internals). `responding`
// is false when the device has not answered for three of its polls; the
// other values are then the last ones read. Not thread-safe: one owner (the
// control loop) calls them.
#pragma once

#include <string>
#include <vector>

namespace kirchhoff::devices {

struct EvChargerState {
  bool responding = true;
  bool plugged = false;
  double current_a = 0.0;  // drawn per phase now
  double power_w = 0.0;
  int phases = 3;       // phases it charges on now
  double max_a = 32.0;  // the charger's rating per phase
  bool can_switch_phases = false;
};

struct BatteryState {
  bool responding = true;
  double power_w = 0.0;  // + discharge
  double soc_pct = 0.0;
  double soc_min_pct = 10.0;
  double soc_max_pct = 95.0;
  double max_charge_w = 0.0;
  double max_discharge_w = 0.0;
  double capacity_wh = 0.0;  // usable capacity; 0 when the device does not say
};

struct InverterState {
  bool responding = true;
  double power_w = 0.0;       // AC production
  double limit_pct = 100.0;   // the active power limit in force
  double rated_w = 0.0;       // rated AC power: the base of the limit in %
  double panel_peak_w = 0.0;  // the panels' peak (kWp); 0 when unknown
};

struct HeatPumpState {
  bool responding = true;
  bool running = false;
  double power_w = 0.0;
  int sg_state = 2;  // 1 blocked, 2 normal, 3 recommended, 4 forced
};

// An EV charger: a current limit per phase, 6-32 A by IEC 61851, or paused.
class EvCharger {
 public:
  virtual ~EvCharger() = default;
  // 0 pauses charging; values between 0 and 6 A are treated as a pause.
  virtual void set_current_limit_a(double current_a) = 0;
  // 1 or 3 phases, on chargers that can switch.
  virtual void set_phases(int phases) = 0;
  virtual EvChargerState state() const = 0;
};

// A home battery: + discharge, - charge, in watts at its AC terminals.
class Battery {
 public:
  virtual ~Battery() = default;
  virtual void set_power_w(double power_w) = 0;
  // Hands control back to the battery's own logic (its built-in self-consumption mode).
  virtual void release() = 0;
  virtual BatteryState state() const = 0;
};

// A PV inverter's active power limit in percent of its rated power.
class Inverter {
 public:
  virtual ~Inverter() = default;
  virtual void set_limit_pct(double limit_pct) = 0;
  virtual InverterState state() const = 0;
};

// A relay of an Output module: energised or not (the contact follows NO/NC).
class Relay {
 public:
  virtual ~Relay() = default;
  virtual void set_energised(bool energised) = 0;
  virtual bool energised() const = 0;
};

// SG Ready heat pump interface (two relays): 1 blocked, 2 normal,
// 3 recommended on, 4 forced on.
enum class SgReadyState { kBlocked = 1, kNormal = 2, kRecommended = 3, kForced = 4 };

class SgReadyHeatPump {
 public:
  virtual ~SgReadyHeatPump() = default;
  virtual void set_sg_ready(SgReadyState state) = 0;
  virtual HeatPumpState state() const = 0;
};

// Output-module relays by their place on the B-bus, for people's switches.
struct NamedRelay {
  std::string module;
  int output = 0;
  Relay* relay = nullptr;
};

// The controllable devices of a site, whatever drives them (the simulator,
// Modbus, relays). Pointers are borrowed: the owner keeps the devices alive
// while the set is used; null (or empty) where the site has none.
struct SiteDevices {
  std::vector<EvCharger*> evs;  // one per EV load, in the installation's order
  Battery* battery = nullptr;
  Inverter* inverter = nullptr;
  SgReadyHeatPump* heat_pump = nullptr;
  std::vector<NamedRelay> outputs;  // every relay of the Output modules

  Relay* relay(const std::string& module, int output) const {
    for (const NamedRelay& r : outputs) {
      if (r.module == module && r.output == output) {
        return r.relay;
      }
    }
    return nullptr;
  }
};

}  // namespace kirchhoff::devices
