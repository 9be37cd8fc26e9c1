#include <cmath>

#include "daemon/source.hpp"
#include "sim/control_adapter.hpp"
#include "sim/site.hpp"
#include "sim/waveform.hpp"

namespace kirchhoff::daemon {

// Power mode knows P per phase; Q, S and I follow from the power factor the
// simulator gives each kind of load, at the phase's voltage.
snapshot::SiteSnapshot power_snapshot(sim::SiteSimulator& site, const sim::SiteState& state,
                                      std::int64_t unix_ms) {
  const model::Installation& inst = site.installation();
  const auto& topo = model::topology_info(inst.site.topology);
  snapshot::SiteSnapshot snap;
  snap.unix_ms = unix_ms;
  snap.frequency_hz = state.frequency_hz;
  // Line-to-line from line-to-neutral: x sqrt(3) in a star, x 2 on split phase.
  const double ll_factor =
      topo.phase_count == 3 ? std::sqrt(3.0) : (topo.phase_count == 2 ? 2.0 : 0.0);
  for (int p = 0; p < topo.phase_count; ++p) {
    snap.voltages.push_back(
        {static_cast<model::Phase>(p), state.v_ln[p], state.v_ln[p] * ll_factor});
  }
  for (std::size_t l = 0; l < inst.loads.size(); ++l) {
    const model::Load& load = inst.loads[l];
    const double pf = sim::waveform_power_factor(load.kind);
    snapshot::LoadValues values;
    values.name = load.name;
    values.kind = load.kind;
    for (const auto& channel : load.channels) {
      const int p = static_cast<int>(channel.phase);
      snapshot::PhaseValues phase;
      phase.phase = channel.phase;
      phase.input = channel.input.to_string();
      phase.p_w = state.loads[l].p_w[p];
      phase.s_va = std::abs(phase.p_w) / pf;
      phase.q_var = phase.p_w * std::tan(std::acos(pf));
      phase.pf = phase.s_va > 0 ? phase.p_w / phase.s_va : 0.0;
      const double v = p < topo.phase_count ? state.v_ln[p] : state.v_ln[0] * ll_factor;
      phase.i_a = v > 0 ? phase.s_va / v : 0.0;
      values.p_w += phase.p_w;
      values.q_var += phase.q_var;
      values.s_va += phase.s_va;
      values.phases.push_back(phase);
    }
    values.pf = values.s_va > 0 ? values.p_w / values.s_va : 0.0;
    snap.loads.push_back(std::move(values));
  }
  add_module_values(site, snap);
  return snap;
}

void add_device_values(sim::SiteSimulator& site, snapshot::SiteSnapshot& snap) {
  const model::Installation& inst = site.installation();
  std::size_t ev = 0;
  for (const model::Load& load : inst.loads) {
    if (load.kind == model::LoadKind::kBattery && site.battery() != nullptr &&
        snap.batteries.empty()) {
      snapshot::BatteryValues battery;
      battery.load = load.name;
      battery.soc_pct = site.battery()->soc() * 100.0;
      battery.power_w = site.battery()->state().power_w;
      battery.capacity_kwh = site.battery()->params().capacity_wh / 1000.0;
      snap.batteries.push_back(std::move(battery));
    } else if (load.kind == model::LoadKind::kEv && ev < site.ev_charger_count()) {
      const sim::SimEvCharger& charger = *site.ev_charger(ev++);
      snapshot::ChargerValues values;
      values.load = load.name;
      values.plugged = charger.plugged();
      values.current_a = charger.current_a();
      values.power_w = charger.power_w();
      values.charging = charger.plugged() && charger.power_w() > values.kChargingW;
      snap.chargers.push_back(std::move(values));
    }
  }
}

namespace {

class SimulatedPowerSource : public SnapshotSource {
 public:
  SimulatedPowerSource(const model::Installation& installation, std::uint64_t seed,
                       std::int64_t start_unix_s)
      : site_(installation,
              [&] {
                sim::SiteOptions options;
                options.seed = seed;
                options.start_unix_s = start_unix_s;
                return options;
              }()),
        devices_(sim::site_devices(site_)) {}

  common::Result<snapshot::SiteSnapshot> next(std::int64_t unix_ms) override {
    return power_snapshot(site_, site_.step(), unix_ms);
  }

  const devices::SiteDevices* devices() override { return &devices_; }

  void declared_sessions(control::ControlInput& input) override {
    control::ControlInput declared = input;
    sim::fill_sessions(site_, declared);
    for (std::size_t k = 0; k < input.evs.size() && k < declared.evs.size(); ++k) {
      if (!input.evs[k].session) {
        input.evs[k].session = declared.evs[k].session;
      }
    }
  }

 private:
  sim::SiteSimulator site_;
  devices::SiteDevices devices_;
};

}  // namespace

std::unique_ptr<SnapshotSource> make_simulated_power_source(const model::Installation& installation,
                                                            std::uint64_t seed,
                                                            std::int64_t start_unix_s) {
  return std::make_unique<SimulatedPowerSource>(installation, seed, start_unix_s);
}

void add_module_values(sim::SiteSimulator& site, snapshot::SiteSnapshot& snap) {
  for (const auto& meter : site.pulse_meters()) {
    snap.inputs.push_back({meter.module_id, meter.input, meter.name, meter.unit, true, meter.pulses,
                           meter.value, false});
  }
  for (const auto& status : site.status_inputs()) {
    snap.inputs.push_back(
        {status.module_id, status.input, status.name, "", false, 0, 0.0, status.closed});
  }
  for (const auto& module : site.installation().modules) {
    for (const auto& output : module.outputs) {
      const sim::SimRelay* relay = site.relay(module.id, output.number);
      snap.outputs.push_back({module.id, output.number, output.name, relay && relay->energised()});
    }
  }
}

}  // namespace kirchhoff::daemon
