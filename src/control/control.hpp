// The energy manager's core: controllers as pure decisions over one cycle's
// input, arbitrated in priority order into setpoints (docs/control.md).
//
// A controller keeps only its own small state (timers for hysteresis) and
// never touches a device: it returns requests with a reason. Units in names:
// amps per phase, watts, percent. Not thread-safe: the control loop owns it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kirchhoff::control {

// What the controllers see of the site in one cycle.
struct ControlInput {
  std::int64_t now_ms = 0;
  std::int64_t measured_ms = 0;  // when the measurements below were taken
  double cycle_s = 1.0;
  int phase_count = 3;
  double main_breaker_a = 25.0;    // per-phase rating
  std::array<double, 3> grid_a{};  // grid conductor currents, + import
  // The EV charger, when the site has one.
  bool ev_present = false;
  bool ev_plugged = false;
  std::array<bool, 3> ev_on_phase{};  // conductors the charger draws on now
  double ev_current_a = 0.0;          // what it draws per phase now
  double ev_max_a = 32.0;             // the charger's rating
};

// Bounds and wishes of one controller for one cycle.
struct Request {
  std::optional<double> ev_max_a;   // upper bound on the EV current; 0 = pause
  std::optional<double> battery_w;  // a setpoint (+ discharge)
  std::string reason;               // for people: "car limited to 10 A: L2 at 24.6 of 25 A"
};

struct Decision {
  std::string controller;
  std::string reason;
};

struct Setpoints {
  std::optional<double> ev_current_a;  // empty: leave the charger as it is
  std::optional<double> battery_w;
};

struct ControlResult {
  Setpoints setpoints;
  std::vector<Decision> decisions;  // the controllers that asked for something, in priority order
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string name() const = 0;
  virtual Request decide(const ControlInput& input) = 0;
};

// Runs the controllers in priority order (first = highest) and arbitrates:
// the smallest EV bound wins; the first battery setpoint wins.
class EnergyManager {
 public:
  void add(std::unique_ptr<Controller> controller) {
    controllers_.push_back(std::move(controller));
  }
  ControlResult cycle(const ControlInput& input);

 private:
  std::vector<std::unique_ptr<Controller>> controllers_;
};

// Priority 1: measurements older than three cycles (or none) put the devices
// in their safe state: the charger paused, the battery idle.
class FailSafe : public Controller {
 public:
  std::string name() const override { return "fail-safe"; }
  Request decide(const ControlInput& input) override;
};

// Priority 2: the main breaker's per-phase rating is never exceeded by the
// charger: its current is the headroom on its most loaded phase, less a
// 0.5 A margin for what the other loads drift within one cycle. Below 6 A it
// pauses; it resumes when the headroom has been at least 7 A for 60 s.
class OverloadProtection : public Controller {
 public:
  static constexpr double kMarginA = 0.5;
  static constexpr double kMinCurrentA = 6.0;
  static constexpr double kResumeHysteresisA = 1.0;
  static constexpr double kResumeDelayS = 60.0;

  std::string name() const override { return "overload protection"; }
  Request decide(const ControlInput& input) override;

 private:
  bool paused_ = false;
  double resume_ok_s_ = 0.0;
};

// The standard stack in priority order.
EnergyManager make_default_manager();

}  // namespace kirchhoff::control
