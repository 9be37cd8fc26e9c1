#include "control/site_adapter.hpp"

#include <algorithm>

namespace kirchhoff::control {

namespace {

std::array<bool, 3> phases_of(const model::Load& load) {
  std::array<bool, 3> on{};
  for (const auto& channel : load.channels) {
    on[static_cast<int>(channel.phase)] = true;
  }
  return on;
}

}  // namespace

ControlInput input_from_site(sim::SiteSimulator& site, const sim::SiteState& state,
                             std::int64_t now_ms, std::int64_t measured_ms, double cycle_s,
                             common::LocalClock& clock) {
  ControlInput input;
  fill_input_from_site(site, state, now_ms, measured_ms, cycle_s, clock, input);
  return input;
}

void fill_input_from_site(sim::SiteSimulator& site, const sim::SiteState& state,
                          std::int64_t now_ms, std::int64_t measured_ms, double cycle_s,
                          common::LocalClock& clock, ControlInput& input) {
  const model::Installation& inst = site.installation();
  const model::ControlConfig& config = inst.control;
  input.circuit_a.clear();
  input.evs.clear();
  input.relay_on.clear();
  input.status_closed.clear();
  input.battery = BatteryInput{};
  input.heat_pump = HeatPumpInput{};
  input.inverter = InverterInput{};
  input.now_ms = now_ms;
  input.measured_ms = measured_ms;
  input.cycle_s = cycle_s;
  const auto& topo = model::topology_info(inst.site.topology);
  input.phase_count = topo.phase_count;
  input.v_ln = state.v_ln[0] > 0.0 ? state.v_ln[0] : topo.v_ln_nominal;
  input.main_breaker_a = inst.site.main_breaker_a;
  input.grid_a = state.grid_phase_a;
  input.grid_w = state.grid_w;
  const auto local = clock.at(now_ms / 1000);
  input.minute_of_day = local.minute_of_day;
  input.month_key = local.month_key;
  // Sub-circuits: the currents of their loads (and of their child circuits').
  for (const auto& circuit : config.circuits) {
    std::array<double, 3> amps{};
    for (const auto& name : config.loads_behind(circuit)) {
      for (std::size_t i = 0; i < inst.loads.size(); ++i) {
        if (inst.loads[i].name == name) {
          for (int p = 0; p < 3; ++p) {
            amps[p] += state.v_ln[p] > 0.0 ? state.loads[i].p_w[p] / state.v_ln[p] : 0.0;
          }
        }
      }
    }
    input.circuit_a.push_back(amps);
  }
  // One charger per EV load, in the installation's order.
  std::size_t k = 0;
  for (const auto& load : inst.loads) {
    if (load.kind != model::LoadKind::kEv) {
      continue;
    }
    sim::SimEvCharger* ev = site.ev_charger(k++);
    if (ev == nullptr) {
      break;
    }
    EvInput charger;
    charger.name = load.name;
    charger.present = true;
    charger.plugged = ev->plugged();
    charger.max_a = ev->params().charger_max_a;
    charger.phases = ev->phases();
    charger.can_switch_phases = ev->params().charger_phases == 3;
    charger.current_a = ev->current_a();
    charger.power_w = ev->power_w();
    charger.wired = phases_of(load);
    input.evs.push_back(charger);
  }
  if (sim::SimBattery* battery = site.battery()) {
    const auto& p = battery->params();
    input.battery.present = true;
    input.battery.power_w = state.battery_w;
    input.battery.soc_pct = state.battery_soc * 100.0;
    input.battery.soc_min_pct = p.soc_min * 100.0;
    input.battery.soc_max_pct = p.soc_max * 100.0;
    input.battery.max_charge_w = p.max_charge_w;
    input.battery.max_discharge_w = p.max_discharge_w;
    for (const auto& load : inst.loads) {
      if (load.kind == model::LoadKind::kBattery) {
        input.battery.phases = phases_of(load);
        break;
      }
    }
  }
  if (sim::SimHeatPump* hp = site.heat_pump()) {
    input.heat_pump.present = true;
    input.heat_pump.running = hp->running();
    input.heat_pump.power_w = state.heat_pump_w;
    input.heat_pump.sg_state = static_cast<int>(hp->sg_ready());
    for (const auto& load : inst.loads) {
      if (load.kind == model::LoadKind::kHeatpump) {
        input.heat_pump.phases = phases_of(load);
        break;
      }
    }
  }
  if (sim::SimInverter* inverter = site.inverter()) {
    input.inverter.present = true;
    input.inverter.pv_w = state.pv_w;
    input.inverter.peak_w = site.inverter_rated_w();
    input.inverter.panel_peak_w = site.pv_peak_w();
    input.inverter.limit_pct = inverter->limit_pct();
  }
  for (const auto& relay : config.relays) {
    const sim::SimRelay* r = site.relay(relay.module, relay.number);
    input.relay_on.push_back(r != nullptr && r->energised());
  }
  for (const auto& s : site.status_inputs()) {
    input.status_closed.emplace_back(s.module_id + "/" + std::to_string(s.input), s.closed);
  }
}

void apply(sim::SiteSimulator& site, const Setpoints& setpoints) {
  const model::ControlConfig& config = site.installation().control;
  for (std::size_t k = 0; k < site.ev_charger_count(); ++k) {
    sim::SimEvCharger* ev = site.ev_charger(k);
    const auto a = k < setpoints.ev_current_a.size() ? setpoints.ev_current_a[k] : std::nullopt;
    ev->set_current_limit_a(a.value_or(ev->params().charger_max_a));
    if (k < setpoints.ev_phases.size() && setpoints.ev_phases[k]) {
      ev->set_phases(*setpoints.ev_phases[k]);
    }
  }
  if (sim::SimBattery* battery = site.battery()) {
    if (setpoints.battery_w) {
      battery->set_power_w(*setpoints.battery_w);
    } else {
      battery->release();
    }
  }
  if (sim::SimInverter* inverter = site.inverter()) {
    inverter->set_limit_pct(setpoints.inverter_limit_pct.value_or(100.0));
  }
  if (sim::SimHeatPump* hp = site.heat_pump()) {
    hp->set_sg_ready(
        static_cast<devices::SgReadyState>(std::clamp(setpoints.sg_ready.value_or(2), 1, 4)));
  }
  for (std::size_t i = 0; i < setpoints.relays.size() && i < config.relays.size(); ++i) {
    if (setpoints.relays[i]) {
      if (sim::SimRelay* r = site.relay(config.relays[i].module, config.relays[i].number)) {
        r->set_energised(*setpoints.relays[i]);
      }
    }
  }
}

}  // namespace kirchhoff::control
