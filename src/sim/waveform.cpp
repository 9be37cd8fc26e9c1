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

WaveformGenerator::WaveformGenerator(const model::Installation& installation, double rate_hz)
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
      channels_.push_back({l, static_cast<int>(ch.phase), ch.reversed});
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

  // Each load channel's current, and what the grid conductors carry.
  std::vector<Wave> channel_waves(channels_.size());
  std::array<Wave, 3> conductor;
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    const Channel& ch = channels_[c];
    const model::Load& load = installation_.loads[ch.load];
    if (load.kind == LoadKind::kGrid) {
      continue;
    }
    const Wave w = current(state.loads[ch.load].p_w[ch.phase], ch.phase, load.kind);
    channel_waves[c] = w;
    const bool producer = load.kind == LoadKind::kSolar || load.kind == LoadKind::kBattery;
    const Wave grid_share = producer ? w.scaled(-1.0) : w;
    if (delta && ch.phase == 2) {  // between L1 and L2: in on L1, out on L2
      conductor[0] += grid_share;
      conductor[1] += grid_share.scaled(-1.0);
    } else {
      conductor[ch.phase] += grid_share;
    }
  }
  const int live = delta ? 2 : topo.phase_count;
  for (int p = 0; p < live; ++p) {
    conductor[p] += current(state.unmeasured_w / live, p, LoadKind::kSolar /* resistive */);
  }
  int grid_loads = 0;
  for (const auto& load : installation_.loads) {
    grid_loads += load.kind == LoadKind::kGrid ? 1 : 0;
  }
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    const Channel& ch = channels_[c];
    if (installation_.loads[ch.load].kind == LoadKind::kGrid) {
      channel_waves[c] = conductor[ch.phase].scaled(1.0 / grid_loads);
    }
    if (ch.reversed) {
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
