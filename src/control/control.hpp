// The energy manager's loop body: controllers as pure decisions over one
// cycle's input, arbitrated in priority order into setpoints
// (docs/control.md). A controller keeps only its own small state (timers for
// hysteresis) and never touches a device: it returns claims with a reason.
// Not thread-safe: the control loop owns the manager.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/arbitration.hpp"
#include "control/input.hpp"
#include "model/installation.hpp"

namespace kirchhoff::control {

// What one controller asks for in one cycle. Relay claims are 0/1 (off/on),
// SG Ready claims 1-4; vectors are per configured relay (empty = no claim).
struct Request {
  std::vector<Claim<double>> ev_a;  // per charger: per-phase current; 0 = pause
  std::vector<Claim<int>> ev_phases;
  Claim<double> battery_w;  // + discharge
  Claim<double> inverter_pct;
  Claim<int> sg_ready;
  std::vector<Claim<int>> relays;
  std::string reason;  // for people: "car limited to 10.0 A: L2 at 24.6 A of 25.0 A"
  bool alarm = false;  // the reason is an alarm (fail-safe)

  Claim<int>& relay(std::size_t index, std::size_t count) {
    if (relays.size() < count) {
      relays.resize(count);
    }
    return relays[index];
  }
  Claim<double>& ev(std::size_t k) {
    if (ev_a.size() <= k) {
      ev_a.resize(k + 1);
    }
    return ev_a[k];
  }
  Claim<int>& phases(std::size_t k) {
    if (ev_phases.size() <= k) {
      ev_phases.resize(k + 1);
    }
    return ev_phases[k];
  }
};

struct Decision {
  std::string controller;
  std::string reason;
  bool alarm = false;
};

struct Setpoints {
  // Per charger; empty: leave the charger at its rating.
  std::vector<std::optional<double>> ev_current_a;
  std::vector<std::optional<int>> ev_phases;
  std::optional<double> battery_w;  // empty: the battery's own logic
  std::optional<double> inverter_limit_pct;
  std::optional<int> sg_ready;
  std::vector<std::optional<bool>> relays;  // per configured relay; empty: leave it
};

struct ControlResult {
  Setpoints setpoints;
  std::vector<Decision> decisions;  // controllers that asked for something, in priority order
  // Controllers whose decision started or ended this cycle, for the event history.
  std::vector<Decision> engaged;
  std::vector<std::string> released;
};

class Controller {
 public:
  virtual ~Controller() = default;
  // A name for people, fixed for the controller's life (a literal).
  virtual std::string_view name() const = 0;
  // Safety controllers may switch a relay regardless of its minimum on/off
  // times and switch budget.
  virtual bool safety() const { return false; }
  virtual Request decide(const ControlInput& input) = 0;
};

// Holds relays to their minimum on and off times and to at most N switches
// per sliding hour, except when a safety controller asks.
class RelayGuard {
 public:
  explicit RelayGuard(std::vector<model::RelayControlConfig> relays);
  // `wanted` is what arbitration chose; returns what may be done now.
  std::optional<bool> filter(std::size_t index, std::optional<bool> wanted, bool is_on,
                             bool by_safety, std::int64_t now_ms);
  int switches(std::size_t index) const { return relays_[index].total; }

 private:
  struct State {
    std::int64_t last_switch_ms = -1;
    std::deque<std::int64_t> recent;  // switch times in the last hour
    int total = 0;
  };
  std::vector<model::RelayControlConfig> config_;
  std::vector<State> relays_;
};

class EnergyManager {
 public:
  // Empty manager for an installation (relay defaults come from its control
  // section); add controllers in priority order, highest first.
  explicit EnergyManager(const model::Installation& installation);
  void add(std::unique_ptr<Controller> controller) {
    controllers_.push_back(std::move(controller));
  }
  // The result stays valid until the next cycle (its space is reused, so a
  // cycle allocates little). `decisions` is filled when the input asks for
  // explanations; `engaged` and `released` always.
  const ControlResult& cycle(const ControlInput& input);
  std::size_t size() const { return controllers_.size(); }
  // A person's switch of a managed relay (over the API): it holds below the
  // safety controllers and above every other until cleared (empty).
  void set_manual(std::size_t relay, std::optional<bool> on);
  // A person's SG Ready state (1-4) for the heat pump, held like a manual
  // relay: below the safety controllers (overload, grid operator blocks
  // still win), above the rest. Empty hands it back.
  void set_sg_ready_manual(std::optional<int> state) { sg_manual_ = state; }
  std::optional<int> sg_ready_manual() const { return sg_manual_; }
  // The index in control.relays of an Output module's output, if managed.
  std::optional<std::size_t> relay_index(const std::string& module, int output) const;
  int relay_switches(std::size_t relay) const { return guard_.switches(relay); }

 private:
  model::ControlConfig config_;
  std::vector<std::optional<bool>> manual_;
  std::optional<int> sg_manual_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  RelayGuard guard_;
  std::vector<std::string_view> active_;  // controllers with a reason last cycle
  std::vector<std::string_view> active_now_;
  // Reused from cycle to cycle.
  ControlResult result_;
  std::vector<Arbiter<double>> ev_arbiters_;
  std::vector<Arbiter<int>> phase_arbiters_;
  std::vector<Arbiter<int>> relay_arbiters_;
  std::vector<bool> relay_by_safety_;
};

// The standard stack from the installation's control section, in the
// documented priority order: fail-safe, overload protection, grid operator
// signals, export limitation, peak shaving, self-consumption, time of use.
EnergyManager make_default_manager(const model::Installation& installation);

}  // namespace kirchhoff::control
