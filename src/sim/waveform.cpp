#include "sim/waveform.hpp"

#include <array>
#include <cmath>
#include <numbers>

namespace kirchhoff::sim {

namespace {

using model::LoadKind;
constexpr double kPi = std::numbers::pi;
constexpr double kSqrt2 = std::numbers::sqrt2;
constexpr double kVoltageH3 = 0.015;  // of the fundamental, star voltages only
constexpr double kVoltageH5 = 0.03;
constexpr double kConsumerCurrentH3 = 0.15;

// A waveform as coefficients of the basis sin/cos of the fundamental, third
// and fifth harmonic of L1's phase angle. Linear, so sums and differences of
// waveforms are sums and differences of coefficients.
struct Wave {
  std::array<double, 6> k{};  // s1, c1, s3, c3, s5, c5

  Wave& operator+=(const Wave& o) {
    for (int i = 0; i < 6; ++i) {
      k[i] += o.k[i];
    }
    return *this;
  }
  Wave operator+(const Wave& o) const {
    Wave w = *this;
    w += o;
    return w;
  }
  Wave operator-(const Wave& o) const {
    Wave w = *this;
    for (int i = 0; i < 6; ++i) {
      w.k[i] -= o.k[i];
    }
    return w;
  }
  Wave scaled(double f) const {
    Wave w = *this;
    for (double& x : w.k) {
      x *= f;
    }
    return w;
  }
};

// sqrt(2) * rms * sin(h * theta + psi) in the basis.
Wave harmonic(int h, double rms, double psi) {
  Wave w;
  const int base = h == 1 ? 0 : (h == 3 ? 2 : 4);
  w.k[base] = kSqrt2 * rms * std::cos(psi);
  w.k[base + 1] = kSqrt2 * rms * std::sin(psi);
  return w;
}

}  // namespace

double waveform_power_factor(LoadKind kind) {
  switch (kind) {
    case LoadKind::kHeatpump:
      return 0.95;
    case LoadKind::kEv:
      return 0.99;
    case LoadKind::kConsumer:
      return 0.97;
    default:
      return 1.0;
  }
}

double reactive_per_active(LoadKind kind) {
  // Computed once per power factor (a batch run asks every second for every
  // load): the same value as computing it each time.
  static const double heatpump = std::tan(std::acos(waveform_power_factor(LoadKind::kHeatpump)));
  static const double ev = std::tan(std::acos(waveform_power_factor(LoadKind::kEv)));
  static const double consumer = std::tan(std::acos(waveform_power_factor(LoadKind::kConsumer)));
  static const double other = std::tan(std::acos(waveform_power_factor(LoadKind::kGrid)));
  switch (kind) {
    case LoadKind::kHeatpump:
      return heatpump;
    case LoadKind::kEv:
      return ev;
    case LoadKind::kConsumer:
      return consumer;
    default:
      return other;
  }
}

WaveformGenerator::WaveformGenerator(const model::Installation& installation, double rate_hz,
                                     const Miswiring& miswiring)
    : installation_(installation), rate_hz_(rate_hz) {
  const auto& topo = model::topology_info(installation.site.topology);
  if (!topo.has_neutral) {
    voltage_names_ = {"v13", "v23"};
  } else {
    for (int p = 0; p < topo.phase_count; ++p) {
      voltage_names_.push_back("v" + std::to_string(p + 1));
    }
  }
  for (std::size_t l = 0; l < installation.loads.size(); ++l) {
    for (const auto& ch : installation.loads[l].channels) {
      inputs_.push_back(ch.input);
      // Without an entry the CT is where the file says; an entry is the
      // whole truth (no `reversed` in it: mounted the right way).
      const int phase = static_cast<int>(ch.phase);
      const CtTruth* truth = miswiring.find(ch.input);
      channels_.push_back(
          {l, phase, truth != nullptr && truth->phase ? static_cast<int>(*truth->phase) : phase,
           truth != nullptr ? truth->reversed : ch.reversed});
    }
  }
  block_.rate_hz = rate_hz;
  block_.voltages.resize(voltage_names_.size());
  block_.currents.resize(inputs_.size());
}

const SampleBlock& WaveformGenerator::generate(const SiteState& state) {
  const auto& topo = model::topology_info(installation_.site.topology);
  const bool delta = !topo.has_neutral;
  const double v_ln = state.v_ln[0];  // fundamental RMS; all phases share the drift

  // Reference voltages of the three "phases" as the brief defines them.
  std::array<Wave, 3> ref;
  std::array<double, 3> ref_rms{};
  if (delta) {
    // Balanced star V1 0, V2 -120, V3 +120 degrees gives V13 = sqrt3 at -30,
    // V23 = sqrt3 at -90 and V12 = V13 - V23 = sqrt3 at +30: relative to V13,
    // V23 lags 60 and V12 leads 60 degrees. Line voltages carry the fifth only
    // (balanced thirds cancel between lines).
    const double v_ll = v_ln * std::sqrt(3.0);
    Wave v13 = harmonic(1, v_ll, 0.0);
    v13 += harmonic(5, kVoltageH5 * v_ll, 0.0);
    Wave v23 = harmonic(1, v_ll, -kPi / 3);
    v23 += harmonic(5, kVoltageH5 * v_ll, -5 * kPi / 3);
    ref = {v13, v23, v13 - v23};
    ref_rms = {v_ll, v_ll, v_ll};
  } else {
    const double step = topo.phase_count == 2 ? kPi : 2 * kPi / 3;
    for (int p = 0; p < topo.phase_count; ++p) {
      const double off = -step * p;
      ref[p] = harmonic(1, state.v_ln[p], off);
      ref[p] += harmonic(3, kVoltageH3 * state.v_ln[p], 3 * off);
      ref[p] += harmonic(5, kVoltageH5 * state.v_ln[p], 5 * off);
      ref_rms[p] = state.v_ln[p];
    }
  }
  auto ref_angle = [&](int p) {
    if (delta) {
      return p == 0 ? 0.0 : (p == 1 ? -kPi / 3 : kPi / 3);
    }
    return -(topo.phase_count == 2 ? kPi : 2 * kPi / 3) * p;
  };
  // The current of power P against reference p at a power factor, lagging.
  auto current = [&](double power_w, int p, LoadKind kind) {
    if (ref_rms[p] <= 0.0 || power_w == 0.0) {
      return Wave{};
    }
    const double pf = waveform_power_factor(kind);
    const double i1 = std::abs(power_w) / (ref_rms[p] * pf);
    const double psi = ref_angle(p) - std::acos(pf) + (power_w < 0 ? kPi : 0.0);
    Wave w = harmonic(1, i1, psi);
    if (kind == LoadKind::kConsumer) {
      // In quadrature with the voltage's third: adds to Irms, not to P.
      w += harmonic(3, kConsumerCurrentH3 * i1, 3 * ref_angle(p) + kPi / 2);
    }
    return w;
  };

  // Each load channel's current, and what the grid conductors carry (in the
  // import direction). A load between L1 and L2 on 3P-230 flows in on L1 and
  // out on L2; every other one flows in on its phase's conductor (on 3P-230
  // out on L3, which is not measured).
  auto add_flow = [&](std::array<Wave, 3>& to, const Wave& w, int p) {
    if (delta && p == 2) {
      to[0] += w;
      to[1] += w.scaled(-1.0);
    } else {
      to[p] += w;
    }
  };
  std::vector<Wave> channel_waves(channels_.size());
  std::array<Wave, 3> conductor;
  // The conductor currents of each load with several CTs, in its own
  // positive direction.
  std::vector<std::array<Wave, 3>> load_conductor(installation_.loads.size());
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    const Channel& ch = channels_[c];
    const model::Load& load = installation_.loads[ch.load];
    if (load.kind == LoadKind::kGrid) {
      continue;
    }
    const bool producer = load.kind == LoadKind::kSolar || load.kind == LoadKind::kBattery;
    const auto& p_w = state.loads[ch.load].p_w;
    if (load.channels.size() == 1) {
      // One CT, one circuit: the circuit is where its CT truly is, and
      // carries the load's whole power there.
      const Wave w = current(p_w[ch.phase], ch.true_phase, load.kind);
      channel_waves[c] = w;
      add_flow(conductor, producer ? w.scaled(-1.0) : w, ch.true_phase);
    } else {
      // Several CTs: the load's conductors are where the physics puts them
      // (below, each CT picks up the conductor it truly sits on).
      const Wave w = current(p_w[ch.phase], ch.phase, load.kind);
      add_flow(load_conductor[ch.load], w, ch.phase);
      add_flow(conductor, producer ? w.scaled(-1.0) : w, ch.phase);
    }
  }
  const int live = delta ? 2 : topo.phase_count;
  for (int p = 0; p < live; ++p) {
    conductor[p] += current(state.unmeasured_w / live, p, LoadKind::kSolar /* resistive */);
  }
  if (delta) {
    // No neutral: the reference conductor L3 returns what L1 and L2 bring.
    conductor[2] = (conductor[0] + conductor[1]).scaled(-1.0);
    for (auto& wires : load_conductor) {
      wires[2] = (wires[0] + wires[1]).scaled(-1.0);
    }
  }
  int grid_loads = 0;
  for (const auto& load : installation_.loads) {
    grid_loads += load.kind == LoadKind::kGrid ? 1 : 0;
  }
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    const Channel& ch = channels_[c];
    const model::Load& load = installation_.loads[ch.load];
    if (load.kind == LoadKind::kGrid) {
      channel_waves[c] = conductor[ch.true_phase].scaled(1.0 / grid_loads);
    } else if (load.channels.size() > 1) {
      channel_waves[c] = load_conductor[ch.load][ch.true_phase];
    }
    if (ch.true_reversed) {
      channel_waves[c] = channel_waves[c].scaled(-1.0);
    }
  }

  // Samples: the phase angle advances with the second's frequency.
  const std::size_t n = static_cast<std::size_t>(rate_hz_);
  block_.t0_s = t_s_;
  block_.samples = n;
  for (auto& v : block_.voltages) {
    v.resize(n);
  }
  for (auto& i : block_.currents) {
    i.resize(n);
  }
  const double d_angle = 2 * kPi * state.frequency_hz / rate_hz_;
  for (std::size_t s = 0; s < n; ++s) {
    const double a = angle_rad_ + d_angle * static_cast<double>(s);
    const std::array<double, 6> basis = {std::sin(a),     std::cos(a),     std::sin(3 * a),
                                         std::cos(3 * a), std::sin(5 * a), std::cos(5 * a)};
    auto eval = [&](const Wave& w) {
      double x = 0.0;
      for (int k = 0; k < 6; ++k) {
        x += w.k[k] * basis[k];
      }
      return static_cast<float>(x);
    };
    for (std::size_t v = 0; v < block_.voltages.size(); ++v) {
      block_.voltages[v][s] = eval(ref[v]);
    }
    for (std::size_t c = 0; c < channel_waves.size(); ++c) {
      block_.currents[c][s] = eval(channel_waves[c]);
    }
  }
  angle_rad_ = std::fmod(angle_rad_ + d_angle * static_cast<double>(n), 2 * kPi);
  t_s_ += 1.0;
  return block_;
}

}  // namespace kirchhoff::sim
