// What the energy manager can ask of a controllable device. Real drivers
// (Modbus, OCPP, relays on an Output module) and the simulator implement the
// same interfaces, so control code cannot tell them apart.
//
// Setpoints are requests: a device clamps them to what it can do and reports
// what it actually does through its measurements. Not thread-safe: one owner
// (the control loop) calls them.
#pragma once

namespace kirchhoff::devices {

// An EV charger: a current limit per phase, 6-32 A by IEC 61851, or paused.
class EvCharger {
 public:
  virtual ~EvCharger() = default;
  // 0 pauses charging; values between 0 and 6 A are treated as a pause.
  virtual void set_current_limit_a(double current_a) = 0;
  // 1 or 3 phases, on chargers that can switch.
  virtual void set_phases(int phases) = 0;
};

// A home battery: + discharge, - charge, in watts at its AC terminals.
class Battery {
 public:
  virtual ~Battery() = default;
  virtual void set_power_w(double power_w) = 0;
  // Hands control back to the battery's own logic (its built-in self-consumption mode).
  virtual void release() = 0;
};

// A PV inverter's active power limit in percent of its rated power.
class Inverter {
 public:
  virtual ~Inverter() = default;
  virtual void set_limit_pct(double limit_pct) = 0;
};

// A relay of an Output module: energised or not (the contact follows NO/NC).
class Relay {
 public:
  virtual ~Relay() = default;
  virtual void set_energised(bool energised) = 0;
};

// SG Ready heat pump interface (two relays): 1 blocked, 2 normal,
// 3 recommended on, 4 forced on.
enum class SgReadyState { kBlocked = 1, kNormal = 2, kRecommended = 3, kForced = 4 };

class SgReadyHeatPump {
 public:
  virtual ~SgReadyHeatPump() = default;
  virtual void set_sg_ready(SgReadyState state) = 0;
};

}  // namespace kirchhoff::devices
