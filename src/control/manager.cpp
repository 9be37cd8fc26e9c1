#include <algorithm>
#include <cmath>

#include "control/control.hpp"
#include "control/controllers.hpp"

namespace kirchhoff::control {

namespace {
constexpr std::int64_t kHourMs = 3'600'000;
}

RelayGuard::RelayGuard(std::vector<model::RelayControlConfig> relays)
    : config_(std::move(relays)), relays_(config_.size()) {}

std::optional<bool> RelayGuard::filter(std::size_t index, std::optional<bool> wanted, bool is_on,
                                       bool by_safety, std::int64_t now_ms) {
  if (!wanted || *wanted == is_on) {
    return wanted;
  }
  State& s = relays_[index];
  const auto& c = config_[index];
  while (!s.recent.empty() && s.recent.front() <= now_ms - kHourMs) {
    s.recent.pop_front();
  }
  if (!by_safety) {
    const double since_s =
        s.last_switch_ms < 0 ? 1e18 : static_cast<double>(now_ms - s.last_switch_ms) / 1000.0;
    const double minimum = is_on ? c.min_on_s : c.min_off_s;
    if (since_s < minimum || static_cast<int>(s.recent.size()) >= c.max_switches_per_hour) {
      return is_on;  // hold the present state
    }
  }
  s.last_switch_ms = now_ms;
  s.recent.push_back(now_ms);
  ++s.total;
  return wanted;
}

EnergyManager::EnergyManager(const model::Installation& installation)
    : config_(installation.control),
      manual_(installation.control.relays.size()),
      guard_(installation.control.relays) {}

void EnergyManager::set_manual(std::size_t relay, std::optional<bool> on) {
  if (relay < manual_.size()) {
    manual_[relay] = on;
  }
}

std::optional<std::size_t> EnergyManager::relay_index(const std::string& module, int output) const {
  for (std::size_t i = 0; i < config_.relays.size(); ++i) {
    if (config_.relays[i].module == module && config_.relays[i].number == output) {
      return i;
    }
  }
  return std::nullopt;
}

const ControlResult& EnergyManager::cycle(const ControlInput& input) {
  const std::size_t relay_count = config_.relays.size();
  const std::size_t ev_count = input.evs.size();
  auto& ev = ev_arbiters_;
  auto& ev_phases = phase_arbiters_;
  auto& relays = relay_arbiters_;
  auto& relay_by_safety = relay_by_safety_;
  ev.clear();
  for (const auto& charger : input.evs) {
    ev.emplace_back(0.0, charger.max_a);
  }
  ev_phases.assign(ev_count, Arbiter<int>(1, 3));
  relays.assign(relay_count, Arbiter<int>(0, 1));
  relay_by_safety.assign(relay_count, false);
  Arbiter<double> battery(-input.battery.max_charge_w, input.battery.max_discharge_w);
  Arbiter<double> inverter(0.0, 100.0);
  Arbiter<int> sg(1, 4);
  ControlResult& result = result_;
  result.decisions.clear();
  result.engaged.clear();
  result.released.clear();
  active_now_.clear();
  bool manual_applied = false;
  auto apply_manual = [&] {
    for (std::size_t i = 0; i < relay_count; ++i) {
      if (manual_[i]) {
        relays[i].apply(Claim<int>{{}, {}, *manual_[i] ? 1 : 0, false});
      }
    }
    if (sg_manual_) {
      sg.apply(Claim<int>{{}, {}, *sg_manual_, false});
    }
    manual_applied = true;
  };
  for (const auto& controller : controllers_) {
    if (!manual_applied && !controller->safety()) {
      apply_manual();
    }
    Request r = controller->decide(input);
    for (std::size_t k = 0; k < std::min(ev_count, r.ev_a.size()); ++k) {
      ev[k].apply(r.ev_a[k]);
    }
    for (std::size_t k = 0; k < std::min(ev_count, r.ev_phases.size()); ++k) {
      ev_phases[k].apply(r.ev_phases[k]);
    }
    battery.apply(r.battery_w);
    inverter.apply(r.inverter_pct);
    sg.apply(r.sg_ready);
    for (std::size_t i = 0; i < std::min(relay_count, r.relays.size()); ++i) {
      if (controller->safety() && !r.relays[i].empty()) {
        relay_by_safety[i] = true;
      }
      relays[i].apply(r.relays[i]);
    }
    if (!r.reason.empty()) {
      const std::string_view name = controller->name();
      active_now_.push_back(name);
      const bool started = std::find(active_.begin(), active_.end(), name) == active_.end();
      if (started || input.explain) {
        Decision d{std::string(name), std::move(r.reason), r.alarm};
        if (started) {
          result.engaged.push_back(d);
        }
        if (input.explain) {
          result.decisions.push_back(std::move(d));
        }
      }
    }
  }
  if (!manual_applied) {
    apply_manual();
  }
  Setpoints& s = result.setpoints;
  // A charger bound without a wish charges as fast as the bound allows;
  // between 0 and 6 A a car cannot charge (IEC 61851): that is a pause.
  s.ev_current_a.clear();
  s.ev_phases.clear();
  for (std::size_t k = 0; k < ev_count; ++k) {
    std::optional<double> a = ev[k].result(input.evs[k].max_a);
    if (a && *a < 6.0) {
      a = 0.0;
    }
    s.ev_current_a.push_back(a);
    s.ev_phases.push_back(ev_phases[k].result(input.evs[k].phases));
  }
  s.battery_w = battery.result(0.0);
  s.inverter_limit_pct = inverter.result(100.0);
  s.sg_ready = sg.result(2);
  s.relays.resize(relay_count);
  for (std::size_t i = 0; i < relay_count; ++i) {
    const bool is_on = i < input.relay_on.size() && input.relay_on[i];
    // Without a claim a shed relay's device runs (it is only switched off to
    // save the breaker); a surplus relay's waits for surplus.
    const int fallback = config_.relays[i].use == model::RelayUse::kShed ? 1 : 0;
    std::optional<int> chosen = relays[i].result(fallback);
    if (!chosen) {
      chosen = fallback;
    }
    s.relays[i] = guard_.filter(i, *chosen == 1, is_on, relay_by_safety[i], input.now_ms);
  }
  for (const auto name : active_) {
    if (std::find(active_now_.begin(), active_now_.end(), name) == active_now_.end()) {
      result.released.emplace_back(name);
    }
  }
  active_.swap(active_now_);
  return result;
}

EnergyManager make_default_manager(const model::Installation& installation) {
  const model::ControlConfig& c = installation.control;
  EnergyManager manager(installation);
  manager.add(std::make_unique<FailSafe>(c));
  manager.add(std::make_unique<OverloadProtection>(installation));
  manager.add(std::make_unique<GridOperatorSignals>(c));
  manager.add(std::make_unique<ExportLimitation>(c));
  manager.add(std::make_unique<PeakShaving>(c));
  manager.add(std::make_unique<PlanFollower>(c));
  manager.add(std::make_unique<SelfConsumption>(c));
  manager.add(std::make_unique<TimeOfUse>(c));
  return manager;
}

}  // namespace kirchhoff::control
