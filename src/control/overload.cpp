#include <algorithm>
#include <cmath>

#include "control/controllers.hpp"

namespace kirchhoff::control {

namespace {

std::string phase_name(int p) { return "L" + std::to_string(p + 1); }

}  // namespace

OverloadProtection::OverloadProtection(const model::Installation& installation)
    : ev_count_(static_cast<std::size_t>(
          std::count_if(installation.loads.begin(), installation.loads.end(),
                        [](const auto& l) { return l.kind == model::LoadKind::kEv; }))),
      config_(installation.control),
      paused_(ev_count_, false),
      resume_ok_s_(ev_count_, 0.0),
      shed_(installation.control.relays.size(), false),
      restore_ok_s_(installation.control.relays.size(), 0.0) {
  const auto& c = installation.control;
  Circuit main;
  main.name = "main breaker";
  main.limit_a = installation.site.main_breaker_a;
  main.evs.assign(ev_count_, true);
  main.has_heat_pump = true;
  main.has_battery = true;
  for (std::size_t r = 0; r < c.relays.size(); ++r) {
    main.relays.push_back(r);
  }
  circuits_.push_back(main);
  for (std::size_t i = 0; i < c.circuits.size(); ++i) {
    Circuit circuit;
    circuit.name = "circuit " + c.circuits[i].name;
    circuit.limit_a = c.circuits[i].breaker_a;
    circuit.input_index = static_cast<int>(i);
    circuit.evs.assign(ev_count_, false);
    const std::vector<std::string> behind = c.loads_behind(c.circuits[i]);
    auto behind_it = [&](const std::string& load) {
      return std::find(behind.begin(), behind.end(), load) != behind.end();
    };
    std::size_t k = 0;
    for (const auto& load : installation.loads) {
      if (load.kind == model::LoadKind::kEv) {
        circuit.evs[k++] = behind_it(load.name);
      }
      if (behind_it(load.name)) {
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
  // Relays in shedding order, least important first.
  for (Circuit& circuit : circuits_) {
    std::stable_sort(
        circuit.relays.begin(), circuit.relays.end(),
        [&](std::size_t x, std::size_t y) { return c.relays[x].priority > c.relays[y].priority; });
  }
}

Request OverloadProtection::decide(const ControlInput& input) {
  Request request;
  const std::size_t relay_count = config_.relays.size();
  const std::size_t n = std::min(input.evs.size(), ev_count_);
  // The current a battery charging from the grid draws per phase; it yields
  // to the cars, so their headroom is counted without it.
  const BatteryInput& b = input.battery;
  const int battery_phases = b.phases[0] + b.phases[1] + b.phases[2];
  const double charge_a = b.present && b.power_w < 0.0 && battery_phases > 0
                              ? -b.power_w / (input.v_ln * battery_phases)
                              : 0.0;
  auto measured = [&](const Circuit& circuit) {
    return circuit.input_index < 0 ||
           static_cast<std::size_t>(circuit.input_index) < input.circuit_a.size();
  };
  auto current_of = [&](const Circuit& circuit) -> const std::array<double, 3>& {
    return circuit.input_index < 0 ? input.grid_a : input.circuit_a[circuit.input_index];
  };
  auto draws = [&](std::size_t k, const Circuit& circuit, int p) {
    return input.evs[k].present && circuit.evs[k] && input.evs[k].active()[p];
  };
  // The conductors a charger may draw on before the next decision: every
  // wired one when it may switch 1p<->3p, so a switch cannot overload a phase.
  auto may_draw = [&](std::size_t k, const Circuit& circuit, int p) {
    const EvInput& ev = input.evs[k];
    return ev.present && circuit.evs[k] && (ev.can_switch_phases ? ev.wired : ev.active())[p];
  };
  // Per circuit and phase: the current without the chargers and the battery's
  // charging, and the headroom left for the chargers.
  // Scratch space kept between cycles: a cycle allocates nothing here.
  auto& others = scratch_.others;
  auto& headroom = scratch_.headroom;
  others.assign(circuits_.size(), {});
  headroom.assign(circuits_.size(), {});
  for (std::size_t c = 0; c < circuits_.size(); ++c) {
    if (!measured(circuits_[c])) {
      continue;
    }
    for (int p = 0; p < input.phase_count; ++p) {
      double chargers_a = 0.0;
      for (std::size_t k = 0; k < n; ++k) {
        chargers_a +=
            draws(k, circuits_[c], p) && input.evs[k].plugged ? input.evs[k].current_a : 0.0;
      }
      const bool battery_here = circuits_[c].has_battery && b.phases[p];
      others[c][p] = current_of(circuits_[c])[p] - chargers_a - (battery_here ? charge_a : 0.0);
      headroom[c][p] = circuits_[c].limit_a - kMarginA - others[c][p];
    }
  }
  // A charger's share of a circuit's phase: equal among the plugged chargers
  // that draw on it (fair), or what the more important chargers left
  // (priority). Chargers that would get less than 6 A pause, the least
  // important first, and the others share again.
  const bool fair = config_.ev.sharing == model::EvSharing::kFair;
  auto& sharing = scratch_.sharing;
  sharing.assign(n, false);
  for (std::size_t k = 0; k < n; ++k) {
    sharing[k] = input.evs[k].present && input.evs[k].plugged;
  }
  auto& allowed = scratch_.allowed;
  auto& worst = scratch_.worst;
  allowed.assign(n, 0.0);
  worst.assign(n, {0, -1});
  auto allocate = [&] {
    auto& left = scratch_.left;
    left = headroom;
    for (std::size_t k = 0; k < n; ++k) {
      allowed[k] = input.evs[k].max_a;
      worst[k] = {0, -1};
    }
    // Plugged chargers first, in priority order, then the idle ones get what
    // is left (the bound a car plugging in would start within).
    auto& order = scratch_.order;
    order.clear();
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t k = 0; k < n; ++k) {
        if (input.evs[k].present && sharing[k] == (pass == 0)) {
          order.push_back(k);
        }
      }
    }
    for (std::size_t k : order) {
      for (std::size_t c = 0; c < circuits_.size(); ++c) {
        if (!measured(circuits_[c])) {
          continue;
        }
        for (int p = 0; p < input.phase_count; ++p) {
          if (!may_draw(k, circuits_[c], p)) {
            continue;
          }
          double share = left[c][p];
          if (fair && sharing[k]) {
            int count = 0;
            for (std::size_t j = 0; j < n; ++j) {
              count += sharing[j] && may_draw(j, circuits_[c], p) ? 1 : 0;
            }
            share = headroom[c][p] / std::max(1, count);
          }
          if (share < allowed[k]) {
            allowed[k] = share;
            worst[k] = {c, p};
          }
        }
      }
      allowed[k] = std::floor(allowed[k] * 10.0) / 10.0;
      const double take = sharing[k] && allowed[k] >= kMinCurrentA ? allowed[k] : 0.0;
      for (std::size_t c = 0; c < circuits_.size(); ++c) {
        for (int p = 0; p < input.phase_count; ++p) {
          if (measured(circuits_[c]) && may_draw(k, circuits_[c], p)) {
            left[c][p] -= take;
          }
        }
      }
    }
  };
  allocate();
  for (std::size_t k = n; k-- > 0;) {
    bool short_of = false;
    int sharing_count = 0;
    for (std::size_t j = 0; j < n; ++j) {
      short_of = short_of || (sharing[j] && allowed[j] < kMinCurrentA);
      sharing_count += sharing[j] ? 1 : 0;
    }
    // A charger alone that does not fit simply pauses below.
    if (!short_of || !fair || sharing_count < 2) {
      break;
    }
    if (sharing[k]) {
      sharing[k] = false;  // the least important plugged charger gives way
      allocate();
    }
  }
  std::string reason;
  auto& next_a = scratch_.next_a;  // what each charger may draw next cycle
  next_a.assign(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    const EvInput& ev = input.evs[k];
    if (!ev.present) {
      continue;
    }
    const bool gave_way = ev.plugged && !sharing[k];
    const double a = gave_way ? 0.0 : allowed[k];
    if (a < kMinCurrentA) {
      paused_[k] = true;
      resume_ok_s_[k] = 0.0;
    } else if (paused_[k]) {
      resume_ok_s_[k] =
          a >= kMinCurrentA + kResumeHysteresisA ? resume_ok_s_[k] + input.cycle_s : 0.0;
      paused_[k] = resume_ok_s_[k] < kResumeDelayS;
    }
    const auto [wc, wp] = worst[k];
    auto where = [&, wc = wc, wp = wp] {
      const std::string at =
          phase_name(wp) + (wc == 0 ? std::string() : " of " + circuits_[wc].name);
      return at + " at " + amps_text(current_of(circuits_[wc])[wp]) + " of " +
             amps_text(circuits_[wc].limit_a);
    };
    auto car = [&] { return n == 1 ? std::string("car") : "car at '" + ev.name + "'"; };
    std::string said;
    if (paused_[k]) {
      request.ev(k).max = 0.0;
      if (input.explain) {
        said = ev.plugged ? car() + " paused: "
                          : (n == 1 ? "charger held: " : "charger '" + ev.name + "' held: ");
        said += gave_way ? "gives way to more important chargers"
                : wp < 0 ? "waiting for headroom"
                         : where();
      }
    } else if (a < ev.max_a) {
      request.ev(k).max = a;
      // Without a car the bound still stands (a car that plugs in starts
      // within it), but there is nothing to tell anyone.
      if (ev.plugged && input.explain) {
        said = car() + " limited to " + amps_text(a) + ": " + where();
      }
    }
    if (paused_[k] || (a < ev.max_a && ev.plugged)) {
      reason += (reason.empty() ? "" : "; ") + (input.explain ? said : std::string("active"));
    }
    const double now_a = ev.plugged ? ev.current_a : 0.0;
    next_a[k] = request.ev(k).max ? std::min(*request.ev(k).max, now_a) : now_a;
  }
  auto chargers_next = [&](std::size_t c, int p) {
    double sum = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      sum += draws(k, circuits_[c], p) ? next_a[k] : 0.0;
    }
    return sum;
  };
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
          charge_room_a = std::min(charge_room_a,
                                   circuit.limit_a - kMarginA - others[c][p] - chargers_next(c, p));
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
  auto& keep_shed = scratch_.keep_shed;
  keep_shed.assign(relay_count, false);
  bool keep_hp_blocked = false;
  for (std::size_t c = 0; c < circuits_.size(); ++c) {
    const Circuit& circuit = circuits_[c];
    if (!measured(circuit)) {
      continue;
    }
    for (int p = 0; p < input.phase_count; ++p) {
      const bool battery_here = circuit.has_battery && b.phases[p];
      double predicted = others[c][p] + chargers_next(c, p) + (battery_here ? charge_next_a : 0.0);
      const double limit = circuit.limit_a - kMarginA;
      // Relays already shed on this phase stay shed while their load would
      // not fit back with 1 A to spare for 60 s.
      for (std::size_t r : circuit.relays) {
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
