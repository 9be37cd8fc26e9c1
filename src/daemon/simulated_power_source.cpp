#include <cmath>

#include "daemon/source.hpp"
#include "sim/control_adapter.hpp"
#include "sim/site.hpp"
#include "sim/waveform.hpp"

namespace kirchhoff::daemon {

// Power mode knows P per phase; Q, S and I follow from the power factor the
// simulator gives each kind of load, at the phase's voltage.
void fill_power_snapshot(sim::SiteSimulator& site, const sim::SiteState& state,
                         std::int64_t unix_ms, snapshot::SiteSnapshot& snap) {
  const model::Installation& inst = site.installation();
  const auto& topo = model::topology_info(inst.site.topology);
  snap.unix_ms = unix_ms;
  snap.frequency_hz = state.frequency_hz;
  snap.has_energy = false;
  snap.control.clear();
  snap.alarms.clear();
  snap.devices.clear();
  snap.chargers.clear();
  snap.heat_pumps.clear();
  snap.batteries.clear();
  // Line-to-line from line-to-neutral: x sqrt(3) in a star, x 2 on split phase.
  const double ll_factor =
      topo.phase_count == 3 ? std::sqrt(3.0) : (topo.phase_count == 2 ? 2.0 : 0.0);
  snap.voltages.resize(static_cast<std::size_t>(topo.phase_count));
  for (int p = 0; p < topo.phase_count; ++p) {
    snap.voltages[static_cast<std::size_t>(p)] = {static_cast<model::Phase>(p), state.v_ln[p],
                                                  state.v_ln[p] * ll_factor};
  }
  // Elements are assigned in place: their strings and phase lists keep their
  // memory from the previous second.
  snap.loads.resize(inst.loads.size());
  for (std::size_t l = 0; l < inst.loads.size(); ++l) {
    const model::Load& load = inst.loads[l];
    const double pf = sim::waveform_power_factor(load.kind);
    // Q per W at this power factor, tan(acos(pf)): the same for every second.
    const double q_per_w = sim::reactive_per_active(load.kind);
    snapshot::LoadValues& values = snap.loads[l];
    values.name = load.name;
    values.kind = load.kind;
    values.p_w = values.q_var = values.s_va = values.pf = 0.0;
    values.energy_import_wh = values.energy_export_wh = 0.0;
    values.metered_energy = false;
    values.phases.resize(load.channels.size());
    for (std::size_t c = 0; c < load.channels.size(); ++c) {
      const model::LoadChannel& channel = load.channels[c];
      const int p = static_cast<int>(channel.phase);
      snapshot::PhaseValues& phase = values.phases[c];
      phase.phase = channel.phase;
      channel.input.write_to(phase.input);
      phase.p_w = state.loads[l].p_w[p];
      phase.s_va = std::abs(phase.p_w) / pf;
      phase.q_var = phase.p_w * q_per_w;
      phase.pf = phase.s_va > 0 ? phase.p_w / phase.s_va : 0.0;
      const double v = p < topo.phase_count ? state.v_ln[p] : state.v_ln[0] * ll_factor;
      phase.i_a = v > 0 ? phase.s_va / v : 0.0;
      values.p_w += phase.p_w;
      values.q_var += phase.q_var;
      values.s_va += phase.s_va;
    }
    values.pf = values.s_va > 0 ? values.p_w / values.s_va : 0.0;
  }
  add_module_values(site, snap);
}

snapshot::SiteSnapshot power_snapshot(sim::SiteSimulator& site, const sim::SiteState& state,
                                      std::int64_t unix_ms) {
  snapshot::SiteSnapshot snap;
  fill_power_snapshot(site, state, unix_ms, snap);
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
  // Assigned in place (fill_power_snapshot reuses a snapshot every second).
  const std::size_t pulses = site.pulse_meters().size();
  snap.inputs.resize(pulses + site.status_inputs().size());
  for (std::size_t i = 0; i < pulses; ++i) {
    const auto& meter = site.pulse_meters()[i];
    snapshot::InputValues& in = snap.inputs[i];
    in.module = meter.module_id;
    in.input = meter.input;
    in.name = meter.name;
    in.unit = meter.unit;
    in.pulse = true;
    in.pulses = meter.pulses;
    in.total = meter.value;
    in.closed = false;
  }
  for (std::size_t i = 0; i < site.status_inputs().size(); ++i) {
    const auto& status = site.status_inputs()[i];
    snapshot::InputValues& in = snap.inputs[pulses + i];
    in.module = status.module_id;
    in.input = status.input;
    in.name = status.name;
    in.unit.clear();
    in.pulse = false;
    in.pulses = 0;
    in.total = 0.0;
    in.closed = status.closed;
  }
  std::size_t n = 0;
  for (const auto& module : site.installation().modules) {
    n += module.outputs.size();
  }
  snap.outputs.resize(n);
  std::size_t k = 0;
  for (const auto& module : site.installation().modules) {
    for (const auto& output : module.outputs) {
      const sim::SimRelay* relay = site.relay(module.id, output.number);
      snapshot::OutputValues& out = snap.outputs[k++];
      out.module = module.id;
      out.output = output.number;
      out.name = output.name;
      out.energised = relay && relay->energised();
    }
  }
}

}  // namespace kirchhoff::daemon
