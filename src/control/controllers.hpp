// The standard controllers, highest priority first (docs/control.md gives
// each one's rule and the reason it states). Each is a pure function of the
// cycle's input, its configuration and its own small state.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "control/control.hpp"

namespace kirchhoff::control {

// Shared helpers for reasons: "12.5 A", "4.2 kW", "3100 W".
std::string amps_text(double a);
std::string kw_text(double w);
std::string watts_text(double w);

// 1. Measurements older than three cycles, missing, or frozen (every phase
// current bit-identical for kFrozenS seconds: a live meter always moves)
// put every device in its safe state; a device that does not answer goes to
// its safe state alone. An alarm.
class FailSafe : public Controller {
 public:
  static constexpr double kFrozenS = 30.0;
  explicit FailSafe(const model::ControlConfig& config) : config_(config) {}
  std::string_view name() const override { return "fail-safe"; }
  bool safety() const override { return true; }
  Request decide(const ControlInput& input) override;

 private:
  model::ControlConfig config_;
  std::array<double, 3> last_grid_a_{};
  double same_s_ = 0.0;
};

// 2. No phase of the main breaker or of a configured sub-circuit above its
// rating: the charger gets the headroom of its most loaded conductor less a
// margin (a battery charging from the grid yields to it: its charge power is
// bounded by what the car leaves on its phase), less a
// 0.5 A margin (all its wired conductors when it may switch 1p<->3p, so a
// switch cannot overload a phase), paused below 6 A and resumed after 60 s
// with 7 A; when the paused charger is not enough, relays are shed by
// priority (least important first) and the heat pump blocked, and given back
// after 60 s of room.
class OverloadProtection : public Controller {
 public:
  static constexpr double kMarginA = 0.5;
  static constexpr double kMinCurrentA = 6.0;
  static constexpr double kResumeHysteresisA = 1.0;
  static constexpr double kResumeDelayS = 60.0;

  explicit OverloadProtection(const model::Installation& installation);
  std::string_view name() const override { return "overload protection"; }
  bool safety() const override { return true; }
  Request decide(const ControlInput& input) override;

 private:
  struct Circuit {
    std::string name;
    double limit_a = 0.0;
    int input_index = -1;   // -1: the main breaker (grid currents)
    std::vector<bool> evs;  // per charger: behind this breaker
    bool has_heat_pump = false;
    bool has_battery = false;
    std::vector<std::size_t> relays;  // configured relays on it
  };
  std::size_t ev_count_ = 0;
  std::vector<Circuit> circuits_;
  model::ControlConfig config_;
  // Scratch space kept between cycles, so a cycle allocates nothing.
  struct Scratch {
    std::vector<std::array<double, 3>> others, headroom, left;
    std::vector<bool> sharing, keep_shed;
    std::vector<double> allowed, next_a;
    std::vector<std::pair<std::size_t, int>> worst;
    std::vector<std::size_t> order;
  } scratch_;
  std::vector<bool> paused_;          // per charger
  std::vector<double> resume_ok_s_;   // per charger
  std::vector<bool> shed_;            // per configured relay
  std::vector<double> restore_ok_s_;  // per configured relay
  bool hp_blocked_ = false;
  double hp_restore_ok_s_ = 0.0;
};

// 3. Ripple-control receivers on status inputs limit the inverter to 0, 30,
// 60 or 100 % (the strictest active signal wins; polarity per signal); a
// dimming signal caps the controllable devices (car and heat pump) together,
// as Germany's §14a EnWG does with 4.2 kW.
class GridOperatorSignals : public Controller {
 public:
  explicit GridOperatorSignals(const model::ControlConfig& config) : config_(config) {}
  std::string_view name() const override { return "grid operator"; }
  Request decide(const ControlInput& input) override;

 private:
  model::ControlConfig config_;
};

// 4. Grid export at most export_limit_w (or % of the PV peak): the battery
// charges and a charging car takes more first; the inverter is curtailed for
// the rest and given back as export falls below the limit.
class ExportLimitation : public Controller {
 public:
  explicit ExportLimitation(const model::ControlConfig& config) : config_(config) {}
  std::string_view name() const override { return "export limitation"; }
  Request decide(const ControlInput& input) override;
  static double limit_w(const model::ControlConfig& config, double pv_peak_w);

 private:
  model::ControlConfig config_;
  double cap_pct_ = 100.0;
};

// 5. The 15-minute average import stays under peak_limit_kw (or under the
// month's peak so far when that is already higher: it is billed anyway):
// the battery discharges (for the car only down to its reserve) and the car
// and surplus relays wait.
class PeakShaving : public Controller {
 public:
  explicit PeakShaving(const model::ControlConfig& config) : config_(config) {}
  std::string_view name() const override { return "peak shaving"; }
  Request decide(const ControlInput& input) override;
  double month_peak_w() const { return month_peak_w_; }

 private:
  model::ControlConfig config_;
  std::int64_t quarter_ = -1;
  double quarter_wh_ = 0.0;
  double quarter_s_ = 0.0;
  int month_key_ = -1;
  double month_peak_w_ = 0.0;
  bool battery_backs_car_ = false;
};

// Whether the planner charges a car: it has a declared session with energy
// still to give and a mode the plan may steer (pv or min+pv; off and now are
// a person's explicit orders).
bool planned_car(const model::ControlConfig& config, const EvInput& ev);
// Whether a plan covers this cycle and steers charger k / the battery: the
// rules then leave them to the plan follower.
bool plan_steers_car(const ControlInput& input, const model::ControlConfig& config, std::size_t k);
bool plan_steers_battery(const ControlInput& input);

// 5b. The planner's plan (docs/planner.md) as weak wishes: the battery
// covers import and stores surplus only when the plan's value of stored
// energy says it is worth it at this slot's prices (else the grid does), or
// charges from / discharges to the grid as planned; each car with a declared
// session gets the plan's energy for the slot. Controllers above still bound
// it; self-consumption and time of use leave the battery and the planned cars
// to it while a plan covers the cycle.
class PlanFollower : public Controller {
 public:
  explicit PlanFollower(const model::ControlConfig& config) : config_(config) {}
  std::string_view name() const override { return "plan"; }
  Request decide(const ControlInput& input) override;

 private:
  model::ControlConfig config_;
  std::int64_t slot_start_ms_ = -1;
  std::vector<double> slot_wh_;         // per charger: energy given in the current slot
  std::vector<double> slot_target_wh_;  // per charger: the slot's target
  std::vector<double> owed_wh_;         // per charger: carried from the last slot
  const void* last_plan_ = nullptr;
};

// 6. PV surplus to the devices in order: the car (modes off, now, min+pv,
// pv, with start/stop thresholds and delays and 1p<->3p switching), the
// battery (without flickering between charging and discharging), the heat
// pump (SG Ready 3) and the surplus relays by priority.
class SelfConsumption : public Controller {
 public:
  explicit SelfConsumption(const model::ControlConfig& config);
  std::string_view name() const override { return "self-consumption"; }
  Request decide(const ControlInput& input) override;

 private:
  double ev_surplus_current(const ControlInput& input, std::size_t k, double surplus_w,
                            std::string& why);
  model::ControlConfig config_;
  struct EvState {
    bool charging = false;
    double timer_s = 0.0;
    int phases = 3;
    double phase_timer_s = 0.0;
  };
  std::vector<EvState> evs_;   // per charger
  int battery_direction_ = 0;  // +1 discharging, -1 charging, 0 idle
  int battery_pending_ = 0;
  double battery_timer_s_ = 0.0;
  bool hp_boost_ = false;
  double hp_timer_s_ = 0.0;
  std::vector<std::size_t> surplus_relays_;  // by priority
};

// 7. Tariff windows: "charge" windows fill the battery (and the car) from the
// grid; where "hold" windows exist the battery keeps its reserve outside
// them for the expensive hours; a negative export price curtails export and
// runs the flexible loads.
class TimeOfUse : public Controller {
 public:
  explicit TimeOfUse(const model::ControlConfig& config) : config_(config) {}
  std::string_view name() const override { return "time of use"; }
  Request decide(const ControlInput& input) override;

 private:
  model::ControlConfig config_;
  double cap_pct_ = 100.0;
  bool grid_charging_ = false;
  const model::TariffWindow* last_window_ = nullptr;
};

}  // namespace kirchhoff::control
