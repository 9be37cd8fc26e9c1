#include "sim/control_adapter.hpp"

namespace kirchhoff::sim {

devices::SiteDevices site_devices(SiteSimulator& site) {
  devices::SiteDevices out;
  for (std::size_t k = 0; k < site.ev_charger_count(); ++k) {
    out.evs.push_back(site.ev_charger(k));
  }
  out.battery = site.battery();
  out.inverter = site.inverter();
  out.heat_pump = site.heat_pump();
  for (const auto& module : site.installation().modules) {
    for (const auto& output : module.outputs) {
      if (SimRelay* relay = site.relay(module.id, output.number)) {
        out.outputs.push_back({module.id, output.number, relay});
      }
    }
  }
  return out;
}

void fill_sessions(SiteSimulator& site, control::ControlInput& input) {
  for (std::size_t k = 0; k < input.evs.size() && k < site.ev_charger_count(); ++k) {
    const auto session = site.ev_charger(k)->session();
    if (session) {
      input.evs[k].session =
          control::EvSession{session->departure_unix_s, session->need_wh, session->arrival_unix_s,
                             session->delivered_wh, site.ev_charger(k)->max_power_w()};
    } else {
      input.evs[k].session.reset();
    }
  }
}

void fill_measurements(SiteSimulator& site, const SiteState& state, std::int64_t measured_ms,
                       control::SiteMeasurements& out) {
  out.measured_ms = measured_ms;
  out.v_ln = state.v_ln;
  out.grid_a = state.grid_phase_a;
  out.grid_w = state.grid_w;
  out.load_phase_w.resize(state.loads.size());
  for (std::size_t i = 0; i < state.loads.size(); ++i) {
    out.load_phase_w[i] = state.loads[i].p_w;
  }
  out.status_closed.clear();
  for (const auto& s : site.status_inputs()) {
    out.status_closed.emplace_back(s.module_id + "/" + std::to_string(s.input), s.closed);
  }
}

}  // namespace kirchhoff::sim
