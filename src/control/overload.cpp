#include <algorithm>
#include <cmath>

#include "control/controllers.hpp"

namespace kirchhoff::control {

namespace {

std::string phase_name(int p) { return "L" + std::to_string(p + 1); }

}  // namespace

OverloadProtection::OverloadProtection(const model::Installation& installation)
    : config_(installation.control),
      shed_(installation.control.relays.size(), false),
      restore_ok_s_(installation.control.relays.size(), 0.0) {
  const auto& c = installation.control;
  Circuit main;
  main.name = "main breaker";
  main.limit_a = installation.site.main_breaker_a;
  main.has_ev = true;
  main.has_heat_pump = true;
  main.has_battery = true;
  for (std::size_t r = 0; r < c.relays.size(); ++r) {
    main.relays.push_back(r);
  }
  circuits_.push_back(main);
  // A load behind a sub-circuit is also behind each of its ancestors.
  auto in_subtree = [&](const model::CircuitConfig& top, const std::string& load) {
    std::vector<const model::CircuitConfig*> todo{&top};
    while (!todo.empty()) {
      const auto* at = todo.back();
      todo.pop_back();
      if (std::find(at->loads.begin(), at->loads.end(), load) != at->loads.end()) {
        return true;
      }
      for (const auto& child : c.circuits) {
        if (child.parent == at->name) {
          todo.push_back(&child);
        }
      }
    }
    return false;
  };
  for (std::size_t i = 0; i < c.circuits.size(); ++i) {
    Circuit circuit;
    circuit.name = "circuit " + c.circuits[i].name;
    circuit.limit_a = c.circuits[i].breaker_a;
    circuit.input_index = static_cast<int>(i);
    for (const auto& load : installation.loads) {
      if (in_subtree(c.circuits[i], load.name)) {
        circuit.has_ev = circuit.has_ev || load.kind == model::LoadKind::kEv;
        circuit.has_heat_pump = circuit.has_heat_pump || load.kind == model::LoadKind::kHeatpump;
        circuit.has_battery = circuit.has_battery || load.kind == model::LoadKind::kBattery;
      }
    }
    for (std::size_t r = 0; r < c.relays.size(); ++r) {
      if (c.relays[r].circuit == c.circuits[i].name) {
        circuit.relays.push_back(r);
      }
    }
    circuits_.push_back(circuit);
  }
}

Request OverloadProtection::decide(const ControlInput& input) {
  Request request;
  const std::size_t relay_count = config_.relays.size();
  const EvInput& ev = input.ev;
  // Conductors the charger may draw on before the next decision.
  std::array<bool, 3> ev_on = ev.can_switch_phases ? ev.wired : ev.active();
  const double ev_now_a = ev.plugged ? ev.current_a : 0.0;
  // The current a battery charging from the grid draws per phase; it yields
  // to the car, so the car's headroom is counted without it.
  const BatteryInput& b = input.battery;
  const int battery_phases = b.phases[0] + b.phases[1] + b.phases[2];
  const double charge_a = b.present && b.power_w < 0.0 && battery_phases > 0
                              ? -b.power_w / (input.v_ln * battery_phases)
                              : 0.0;
  double allowed = ev.max_a;
  std::size_t worst_c = 0;
  int worst_p = -1;
  double worst_load = 0.0;
  double worst_limit = 0.0;
  // Per circuit and phase, the current without the charger.
  std::vector<std::array<double, 3>> others(circuits_.size());
  for (std::size_t c = 0; c < circuits_.size(); ++c) {
    const Circuit& circuit = circuits_[c];
    const bool measured = circuit.input_index < 0 ||
                          static_cast<std::size_t>(circuit.input_index) < input.circuit_a.size();
    if (!measured) {
      continue;
    }
    const auto& now_a =
        circuit.input_index < 0 ? input.grid_a : input.circuit_a[circuit.input_index];
    for (int p = 0; p < input.phase_count; ++p) {
      const bool ev_here = ev.present && circuit.has_ev && ev.active()[p];
      const bool battery_here = circuit.has_battery && b.phases[p];
      others[c][p] = now_a[p] - (ev_here ? ev_now_a : 0.0) - (battery_here ? charge_a : 0.0);
      if (!ev.present || !circuit.has_ev || !ev_on[p]) {
        continue;
      }
      const double headroom = circuit.limit_a - kMarginA - others[c][p];
      if (headroom < allowed) {
        allowed = headroom;
        worst_c = c;
        worst_p = p;
        worst_load = now_a[p];
        worst_limit = circuit.limit_a;
      }
    }
  }
  std::string reason;
  if (ev.present) {
    allowed = std::floor(allowed * 10.0) / 10.0;
    if (allowed < kMinCurrentA) {
      paused_ = true;
      resume_ok_s_ = 0.0;
    } else if (paused_) {
      resume_ok_s_ =
          allowed >= kMinCurrentA + kResumeHysteresisA ? resume_ok_s_ + input.cycle_s : 0.0;
      paused_ = resume_ok_s_ < kResumeDelayS;
    }
    auto where = [&] {
      const std::string at =
          phase_name(worst_p) + (worst_c == 0 ? std::string() : " of " + circuits_[worst_c].name);
      return at + " at " + amps_text(worst_load) + " of " + amps_text(worst_limit);
    };
    if (paused_) {
      request.ev_a.max = 0.0;
      reason = !input.explain ? "active"
                              : std::string(ev.plugged ? "car paused: " : "charger held: ") +
                                    (worst_p < 0 ? "waiting for headroom" : where());
    } else if (allowed < ev.max_a) {
      request.ev_a.max = allowed;
      // Without a car the bound still stands (a car that plugs in starts
      // within it), but there is nothing to tell anyone.
      if (ev.plugged) {
        reason =
            !input.explain ? "active" : "car limited to " + amps_text(allowed) + ": " + where();
      }
    }
  }
  // What is left over each limit once the charger obeys: shed relays by
  // priority, least important first, then block the heat pump.
  const double ev_next_a = request.ev_a.max ? std::min(*request.ev_a.max, ev_now_a) : ev_now_a;
  // The battery may charge with what the car leaves on its phases.
  double charge_room_a = b.present ? b.max_charge_w : 0.0;
  if (b.present && battery_phases > 0) {
    charge_room_a = 1e9;
    for (std::size_t c = 0; c < circuits_.size(); ++c) {
      const Circuit& circuit = circuits_[c];
      if (!circuit.has_battery ||
          (circuit.input_index >= 0 &&
           static_cast<std::size_t>(circuit.input_index) >= input.circuit_a.size())) {
        continue;
      }
      for (int p = 0; p < input.phase_count; ++p) {
        if (b.phases[p]) {
          const bool ev_here = ev.present && circuit.has_ev && ev.active()[p];
          charge_room_a = std::min(charge_room_a, circuit.limit_a - kMarginA - others[c][p] -
                                                      (ev_here ? ev_next_a : 0.0));
        }
      }
    }
    charge_room_a = std::max(0.0, charge_room_a);
    const double room_w = charge_room_a * input.v_ln * battery_phases;
    if (room_w < b.max_charge_w) {
      request.battery_w.min = -room_w;
      if (charge_a > charge_room_a + 0.05) {
        reason += std::string(reason.empty() ? "" : "; ") + "battery charging held to " +
                  watts_text(room_w);
      }
    }
  }
  const double charge_next_a = std::min(charge_a, charge_room_a);
  std::vector<bool> keep_shed(relay_count, false);
  bool keep_hp_blocked = false;
  for (std::size_t c = 0; c < circuits_.size(); ++c) {
    const Circuit& circuit = circuits_[c];
    const bool measured = circuit.input_index < 0 ||
                          static_cast<std::size_t>(circuit.input_index) < input.circuit_a.size();
    if (!measured) {
      continue;
    }
    for (int p = 0; p < input.phase_count; ++p) {
      const bool ev_here = ev.present && circuit.has_ev && ev.active()[p];
      const bool battery_here = circuit.has_battery && b.phases[p];
      double predicted =
          others[c][p] + (ev_here ? ev_next_a : 0.0) + (battery_here ? charge_next_a : 0.0);
      const double limit = circuit.limit_a - kMarginA;
      // Relays already shed on this phase stay shed while their load would
      // not fit back with 1 A to spare for 60 s.
      std::vector<std::size_t> order = circuit.relays;
      std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return config_.relays[x].priority > config_.relays[y].priority;
      });
      for (std::size_t r : order) {
        const auto& relay = config_.relays[r];
        if (!relay.phases[p] || relay.power_w <= 0.0) {
          continue;
        }
        const int relay_phases = relay.phases[0] + relay.phases[1] + relay.phases[2];
        const double relay_a = relay.power_w / (input.v_ln * relay_phases);
        const bool on = r < input.relay_on.size() && input.relay_on[r];
        if (predicted > limit && on) {
          keep_shed[r] = true;
          predicted -= relay_a;
        } else if (shed_[r] && !on) {
          const bool fits = predicted + relay_a <= limit - 1.0;
          restore_ok_s_[r] = fits ? restore_ok_s_[r] + input.cycle_s : 0.0;
          if (restore_ok_s_[r] < kResumeDelayS) {
            keep_shed[r] = true;
          } else {
            predicted += relay_a;
          }
        }
      }
      const HeatPumpInput& hp = input.heat_pump;
      if (hp.present && circuit.has_heat_pump && hp.phases[p]) {
        const int hp_phases = hp.phases[0] + hp.phases[1] + hp.phases[2];
        const double hp_a = hp.power_w / (input.v_ln * std::max(1, hp_phases));
        if (predicted > limit && hp.running) {
          keep_hp_blocked = true;
          predicted -= hp_a;
        } else if (hp_blocked_) {
          const bool fits = predicted + 2000.0 / input.v_ln <= limit - 1.0;
          hp_restore_ok_s_ = fits ? hp_restore_ok_s_ + input.cycle_s : 0.0;
          keep_hp_blocked = keep_hp_blocked || hp_restore_ok_s_ < kResumeDelayS;
        }
      }
    }
  }
  std::string shed_text;
  for (std::size_t r = 0; r < relay_count; ++r) {
    if (keep_shed[r]) {
      shed_text += (shed_text.empty() ? "" : ", ") + config_.relays[r].output;
      request.relay(r, relay_count).max = 0;
      if (!shed_[r]) {
        restore_ok_s_[r] = 0.0;
      }
    }
    shed_[r] = keep_shed[r];
  }
  if (keep_hp_blocked) {
    shed_text += std::string(shed_text.empty() ? "" : ", ") + "heat pump blocked";
    request.sg_ready.max = 1;
    if (!hp_blocked_) {
      hp_restore_ok_s_ = 0.0;
    }
  }
  hp_blocked_ = keep_hp_blocked;
  if (!shed_text.empty()) {
    reason += (reason.empty() ? "" : "; ") + std::string("shed ") + shed_text;
  }
  request.reason = reason;
  return request;
}

}  // namespace kirchhoff::control
