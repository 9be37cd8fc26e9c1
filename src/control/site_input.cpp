#include "control/site_input.hpp"

#include <algorithm>
#include <cmath>

namespace kirchhoff::control {

std::array<bool, 3> load_phases(const model::Load& load) {
  std::array<bool, 3> on{};
  for (const auto& channel : load.channels) {
    on[static_cast<int>(channel.phase)] = true;
  }
  for (const model::Phase phase : load.device_phases) {
    on[static_cast<int>(phase)] = true;
  }
  return on;
}

namespace {

const model::Load* first_load(const model::Installation& inst, model::LoadKind kind) {
  for (const auto& load : inst.loads) {
    if (load.kind == kind) {
      return &load;
    }
  }
  return nullptr;
}

}  // namespace

void measurements_from_snapshot(const snapshot::SiteSnapshot& snap,
                                const model::Installation& installation, SiteMeasurements& out) {
  out.measured_ms = snap.unix_ms;
  out.v_ln = {};
  for (const auto& v : snap.voltages) {
    out.v_ln[static_cast<int>(v.phase)] = v.v_ln;
  }
  out.grid_a = {};
  out.grid_w = 0.0;
  out.load_phase_w.assign(installation.loads.size(), {});
  for (const auto& load : snap.loads) {
    std::size_t index = installation.loads.size();
    for (std::size_t i = 0; i < installation.loads.size(); ++i) {
      if (installation.loads[i].name == load.name) {
        index = i;
      }
    }
    for (const auto& phase : load.phases) {
      const int p = static_cast<int>(phase.phase);
      if (index < out.load_phase_w.size()) {
        out.load_phase_w[index][p] += phase.p_w;
      }
      if (load.kind == model::LoadKind::kGrid) {
        // An RMS current has no sign; its power's direction gives one.
        out.grid_a[p] += phase.p_w < 0.0 ? -phase.i_a : phase.i_a;
      }
    }
    if (load.kind == model::LoadKind::kGrid) {
      out.grid_w += load.p_w;
    }
  }
  out.status_closed.clear();
  for (const auto& input : snap.inputs) {
    if (!input.pulse) {
      out.status_closed.emplace_back(input.module + "/" + std::to_string(input.input),
                                     input.closed);
    }
  }
}

void fill_input(const model::Installation& inst, const SiteMeasurements& measured,
                const devices::SiteDevices& devices, std::int64_t now_ms, double cycle_s,
                common::LocalClock& clock, ControlInput& input) {
  const model::ControlConfig& config = inst.control;
  input.circuit_a.clear();
  input.evs.clear();
  input.relay_on.clear();
  input.battery = BatteryInput{};
  input.heat_pump = HeatPumpInput{};
  input.inverter = InverterInput{};
  input.now_ms = now_ms;
  input.measured_ms = measured.measured_ms;
  input.cycle_s = cycle_s;
  const auto& topo = model::topology_info(inst.site.topology);
  input.phase_count = topo.phase_count;
  input.v_ln = measured.v_ln[0] > 0.0 ? measured.v_ln[0] : topo.v_ln_nominal;
  input.main_breaker_a = inst.site.main_breaker_a;
  input.grid_a = measured.grid_a;
  input.grid_w = measured.grid_w;
  const auto local = clock.at(now_ms / 1000);
  input.minute_of_day = local.minute_of_day;
  input.month_key = local.month_key;
  // Sub-circuits: the currents of their loads (and of their child circuits').
  for (const auto& circuit : config.circuits) {
    std::array<double, 3> amps{};
    for (const auto& name : config.loads_behind(circuit)) {
      for (std::size_t i = 0; i < inst.loads.size() && i < measured.load_phase_w.size(); ++i) {
        if (inst.loads[i].name == name) {
          for (int p = 0; p < 3; ++p) {
            amps[p] +=
                measured.v_ln[p] > 0.0 ? measured.load_phase_w[i][p] / measured.v_ln[p] : 0.0;
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
    if (k >= devices.evs.size() || devices.evs[k] == nullptr) {
      break;
    }
    const devices::EvChargerState state = devices.evs[k++]->state();
    EvInput charger;
    charger.name = load.name;
    charger.present = true;
    charger.responding = state.responding;
    charger.plugged = state.plugged;
    charger.max_a = state.max_a;
    charger.phases = state.phases;
    charger.can_switch_phases = state.can_switch_phases;
    charger.current_a = state.current_a;
    charger.power_w = state.power_w;
    charger.wired = load_phases(load);
    input.evs.push_back(charger);
  }
  if (devices.battery != nullptr) {
    const devices::BatteryState state = devices.battery->state();
    input.battery.present = true;
    input.battery.responding = state.responding;
    input.battery.power_w = state.power_w;
    input.battery.soc_pct = state.soc_pct;
    input.battery.soc_min_pct = state.soc_min_pct;
    input.battery.soc_max_pct = state.soc_max_pct;
    input.battery.max_charge_w = state.max_charge_w;
    input.battery.max_discharge_w = state.max_discharge_w;
    input.battery.capacity_wh = state.capacity_wh;
    if (const model::Load* load = first_load(inst, model::LoadKind::kBattery)) {
      input.battery.phases = load_phases(*load);
      // The installation file's equipment (docs/installation-file.md): its
      // capacity wins over the read-back (0 when the device does not say);
      // its power rating caps the limits the device reports, which may be
      // lower for a while (cold cells, a full or empty battery), and stands
      // in for limits the device does not report.
      if (load->capacity_kwh) {
        input.battery.capacity_wh = model::kilo_to_unit(*load->capacity_kwh);
      }
      if (load->power_kw) {
        const double rated_w = model::kilo_to_unit(*load->power_kw);
        auto held = [rated_w](double device_w) {
          return device_w > 0.0 ? std::min(device_w, rated_w) : rated_w;
        };
        input.battery.max_charge_w = held(state.max_charge_w);
        input.battery.max_discharge_w = held(state.max_discharge_w);
      }
    }
  }
  if (devices.heat_pump != nullptr) {
    const devices::HeatPumpState state = devices.heat_pump->state();
    input.heat_pump.present = true;
    input.heat_pump.running = state.running;
    input.heat_pump.power_w = state.power_w;
    input.heat_pump.sg_state = state.sg_state;
    if (const model::Load* load = first_load(inst, model::LoadKind::kHeatpump)) {
      input.heat_pump.phases = load_phases(*load);
    }
  }
  if (devices.inverter != nullptr) {
    const devices::InverterState state = devices.inverter->state();
    input.inverter.present = true;
    input.inverter.responding = state.responding;
    input.inverter.pv_w = state.power_w;
    input.inverter.peak_w = state.rated_w;
    input.inverter.panel_peak_w = state.panel_peak_w;
    // The file's kwp and inverter_kw win over the read-back when every solar
    // load states them (an inverter cannot know its panels: real ones
    // report 0, which would make an export limit in % of the peak 0 W).
    double kwp_w = 0.0;
    double inverter_w = 0.0;
    bool all_kwp = true;
    bool all_inverter = true;
    for (const auto& load : inst.loads) {
      if (load.kind == model::LoadKind::kSolar) {
        all_kwp = all_kwp && load.kwp.has_value();
        all_inverter = all_inverter && load.inverter_kw.has_value();
        kwp_w += load.kwp ? model::kilo_to_unit(*load.kwp) : 0.0;
        inverter_w += load.inverter_kw ? model::kilo_to_unit(*load.inverter_kw) : 0.0;
      }
    }
    if (all_kwp && kwp_w > 0.0) {
      input.inverter.panel_peak_w = kwp_w;
    }
    if (all_inverter && inverter_w > 0.0) {
      input.inverter.peak_w = inverter_w;
    }
    input.inverter.limit_pct = state.limit_pct;
  }
  for (const auto& relay : config.relays) {
    const devices::Relay* r = devices.relay(relay.module, relay.number);
    input.relay_on.push_back(r != nullptr && r->energised());
  }
  input.status_closed = measured.status_closed;
}

void apply(const model::Installation& inst, const devices::SiteDevices& devices,
           const Setpoints& setpoints) {
  const model::ControlConfig& config = inst.control;
  for (std::size_t k = 0; k < devices.evs.size(); ++k) {
    devices::EvCharger* ev = devices.evs[k];
    if (ev == nullptr) {
      continue;
    }
    const auto a = k < setpoints.ev_current_a.size() ? setpoints.ev_current_a[k] : std::nullopt;
    ev->set_current_limit_a(a.value_or(ev->state().max_a));
    if (k < setpoints.ev_phases.size() && setpoints.ev_phases[k]) {
      ev->set_phases(*setpoints.ev_phases[k]);
    }
  }
  if (devices.battery != nullptr) {
    if (setpoints.battery_w) {
      devices.battery->set_power_w(*setpoints.battery_w);
    } else {
      devices.battery->release();
    }
  }
  if (devices.inverter != nullptr) {
    devices.inverter->set_limit_pct(setpoints.inverter_limit_pct.value_or(100.0));
  }
  if (devices.heat_pump != nullptr) {
    devices.heat_pump->set_sg_ready(
        static_cast<devices::SgReadyState>(std::clamp(setpoints.sg_ready.value_or(2), 1, 4)));
  }
  for (std::size_t i = 0; i < setpoints.relays.size() && i < config.relays.size(); ++i) {
    if (setpoints.relays[i]) {
      if (devices::Relay* r = devices.relay(config.relays[i].module, config.relays[i].number)) {
        r->set_energised(*setpoints.relays[i]);
      }
    }
  }
}

}  // namespace kirchhoff::control
