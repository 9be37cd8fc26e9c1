#include "control/site_adapter.hpp"

namespace kirchhoff::control {

ControlInput input_from_site(sim::SiteSimulator& site, const sim::SiteState& state,
                             std::int64_t now_ms, std::int64_t measured_ms, double cycle_s) {
  const model::Installation& inst = site.installation();
  ControlInput input;
  input.now_ms = now_ms;
  input.measured_ms = measured_ms;
  input.cycle_s = cycle_s;
  input.phase_count = model::topology_info(inst.site.topology).phase_count;
  input.main_breaker_a = inst.site.main_breaker_a;
  input.grid_a = state.grid_phase_a;
  if (sim::SimEvCharger* ev = site.ev_charger()) {
    input.ev_present = true;
    input.ev_plugged = ev->plugged();
    input.ev_max_a = 32.0;
    // The charger's conductors: the phases of the EV load's CTs, the first
    // one only while it charges on one phase.
    for (const auto& load : inst.loads) {
      if (load.kind != model::LoadKind::kEv) {
        continue;
      }
      for (std::size_t c = 0; c < load.channels.size(); ++c) {
        if (c == 0 || ev->phases() == 3) {
          input.ev_on_phase[static_cast<int>(load.channels[c].phase)] = true;
        }
      }
      break;
    }
    input.ev_current_a = ev->current_a();
  }
  return input;
}

void apply(sim::SiteSimulator& site, const Setpoints& setpoints) {
  if (sim::SimEvCharger* ev = site.ev_charger()) {
    ev->set_current_limit_a(setpoints.ev_current_a.value_or(32.0));
  }
  if (sim::SimBattery* battery = site.battery()) {
    if (setpoints.battery_w) {
      battery->set_power_w(*setpoints.battery_w);
    } else {
      battery->release();
    }
  }
}

}  // namespace kirchhoff::control
