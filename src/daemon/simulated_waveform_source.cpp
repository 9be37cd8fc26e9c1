// The simulator in waveform mode: each second of site physics becomes voltage
// and current samples (sim::WaveformGenerator), and the metering engine turns
// them back into the snapshot, exactly as samples from a Power Box would be.
// With a mis-wiring, the samples follow where the CTs physically are.
#include <cmath>

#include "daemon/source.hpp"
#include "metering/engine.hpp"
#include "sim/control_adapter.hpp"
#include "sim/site.hpp"
#include "sim/waveform.hpp"

namespace kirchhoff::daemon {

namespace {

class SimulatedWaveformSource : public SnapshotSource {
 public:
  SimulatedWaveformSource(const model::Installation& installation, std::uint64_t seed,
                          std::int64_t start_unix_s, const sim::Miswiring& miswiring,
                          double rate_hz)
      : site_(installation,
              [&] {
                sim::SiteOptions options;
                options.seed = seed;
                options.start_unix_s = start_unix_s;
                return options;
              }()),
        generator_(site_.installation(), rate_hz, miswiring),
        engine_(site_.installation()),
        devices_(sim::site_devices(site_)) {
    voltages_.resize(engine_.layout().voltages.size());
    currents_.resize(engine_.layout().currents.size());
  }

  common::Result<snapshot::SiteSnapshot> next(std::int64_t unix_ms) override {
    const sim::SiteState& state = site_.step();
    const sim::SampleBlock& block = generator_.generate(state);
    // Both orders are the installation's load order, so channels line up.
    for (std::size_t s = 0; s < block.samples; ++s) {
      for (std::size_t v = 0; v < voltages_.size(); ++v) {
        voltages_[v] = block.voltages[v][s];
      }
      for (std::size_t c = 0; c < currents_.size(); ++c) {
        currents_[c] = block.currents[c][s];
      }
      engine_.feed(block.t0_s + static_cast<double>(s) / block.rate_hz, voltages_.data(),
                   currents_.data());
    }
    metering::MeterResults r = engine_.results(/*reset_window=*/true);
    phasors_ = std::move(r.phasors);
    if (r.cycles == 0) {
      return common::make_error(common::ErrorKind::kUnsupported,
                                "no whole voltage cycle measured this second");
    }
    snapshot::SiteSnapshot snap;
    snap.unix_ms = unix_ms;
    snap.frequency_hz = r.frequency_hz;
    snap.has_energy = true;
    for (const auto& v : r.voltages) {
      snap.voltages.push_back({v.phase, v.v_ln, v.v_ll});
    }
    for (const auto& l : r.loads) {
      snapshot::LoadValues values{
          l.name, l.kind, l.p_w, l.q_var, l.s_va, l.pf, l.energy_import_wh, l.energy_export_wh, {}};
      for (const auto& p : l.phases) {
        values.phases.push_back({p.phase, p.input, p.p_w, p.q_var, p.s_va, p.pf, p.i_a});
      }
      snap.loads.push_back(std::move(values));
    }
    add_module_values(site_, snap);
    return snap;
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
  const metering::WindowPhasors* phasors() const override { return &phasors_; }

 private:
  sim::SiteSimulator site_;
  sim::WaveformGenerator generator_;
  metering::MeterEngine engine_;
  std::vector<float> voltages_;
  std::vector<float> currents_;
  devices::SiteDevices devices_;
  metering::WindowPhasors phasors_;
};

}  // namespace

std::unique_ptr<SnapshotSource> make_simulated_waveform_source(
    const model::Installation& installation, std::uint64_t seed, std::int64_t start_unix_s,
    sim::Miswiring miswiring, double rate_hz) {
  return std::make_unique<SimulatedWaveformSource>(installation, seed, start_unix_s, miswiring,
                                                   rate_hz);
}

sim::Miswiring miswiring_for(std::string_view spec, const model::Installation& installation,
                             common::Logger& log) {
  std::vector<std::string> dropped;
  sim::Miswiring miswiring = sim::parse_miswire_lenient(spec, installation, dropped);
  for (const auto& reason : dropped) {
    log.warning("--miswire entry left out for this installation", {{"reason", reason}});
  }
  if (!miswiring.empty()) {
    log.info("simulated CTs mis-wired", {{"miswire", miswiring.to_string()}});
  }
  return miswiring;
}

}  // namespace kirchhoff::daemon
