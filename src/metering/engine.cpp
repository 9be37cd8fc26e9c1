#include "metering/engine.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kirchhoff::metering {

namespace {

constexpr double kMinPeriodS = 1.0 / 70.0;  // crossings closer than this are noise
constexpr double kMaxPeriodS = 1.0 / 40.0;  // longer: the signal was lost, start again
constexpr std::size_t kMaxCycleSamples = 1 << 16;
constexpr std::size_t kMinCycleSamples = 8;  // fewer say nothing about a cycle's shape
// The integrator's leak: a time constant of 1e6 samples (about 2 min at 8 kHz)
// keeps drift bounded while the integration constant stays flat within a
// cycle, where the per-cycle mean removes it.
constexpr double kRogowskiLeak = 1.0 - 1e-6;

// Sums over one cycle of a channel: mean, mean square and the fundamental's
// phasor. The reductions are written for the vectoriser (omp simd: no
// reassociation of floating point outside these loops).
struct CycleStats {
  double mean = 0.0;
  double mean_sq = 0.0;
  std::complex<double> fundamental;
};

CycleStats stats(const float* x, const float* c, const float* s, std::size_t n) {
  float sum = 0.0f, sum_sq = 0.0f, re = 0.0f, im = 0.0f;
#pragma omp simd reduction(+ : sum, sum_sq, re, im)
  for (std::size_t k = 0; k < n; ++k) {
    sum += x[k];
    sum_sq += x[k] * x[k];
    re += x[k] * c[k];
    im += x[k] * s[k];
  }
  const double inv = 1.0 / static_cast<double>(n);
  return {sum * inv, sum_sq * inv, std::complex<double>(2.0 * re * inv, -2.0 * im * inv)};
}

double mean_product(const float* a, const float* b, std::size_t n) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (std::size_t k = 0; k < n; ++k) {
    sum += a[k] * b[k];
  }
  return sum / static_cast<double>(n);
}

}  // namespace

ChannelLayout channel_layout(const model::Installation& installation) {
  ChannelLayout layout;
  const auto& topo = model::topology_info(installation.site.topology);
  if (!topo.has_neutral) {
    layout.voltages = {"v13", "v23"};
  } else {
    for (int p = 0; p < topo.phase_count; ++p) {
      layout.voltages.push_back("v" + std::to_string(p + 1));
    }
  }
  for (const auto& load : installation.loads) {
    for (const auto& channel : load.channels) {
      layout.currents.push_back(channel.input);
      layout.current_users.push_back("load '" + load.name + "' (" +
                                     std::string(model::phase_name(channel.phase)) + ")");
    }
  }
  return layout;
}

MeterEngine::MeterEngine(const model::Installation& installation, EngineOptions options)
    : installation_(installation), options_(options), layout_(channel_layout(installation)) {
  const auto& topo = model::topology_info(installation.site.topology);
  phase_count_ = topo.phase_count;
  delta_ = !topo.has_neutral;
  cycle_v_.resize(layout_.voltages.size());
  cycle_i_.resize(layout_.currents.size());
  const std::size_t channels = layout_.currents.size();
  integ_state_.assign(channels, 0.0);
  integ_last_x_.assign(channels, 0.0);
  channel_sums_.resize(channels);
  voltage_sums_.resize(3);
  registers_.resize(installation.loads.size());
  for (std::size_t l = 0; l < installation.loads.size(); ++l) {
    for (const auto& channel : installation.loads[l].channels) {
      const model::CtInput* input = installation.find_input(channel.input);
      const bool rogowski =
          input != nullptr && model::ct_type_info(input->ct).kind == model::CtKind::kRogowski;
      is_rogowski_.push_back(rogowski && options_.rogowski_raw);
      const double gain = input != nullptr && input->gain ? *input->gain : 1.0;
      gain_.push_back(channel.reversed ? -gain : gain);
      direction_.push_back(channel.reversed ? -1.0 : 1.0);
      const double phase_rad =
          (input != nullptr && input->phase_deg ? *input->phase_deg : 0.0) * std::numbers::pi / 180;
      phase_rot_.push_back(std::polar(1.0, phase_rad));
      channel_load_.push_back(static_cast<int>(l));
      channel_phase_.push_back(static_cast<int>(channel.phase));
    }
  }
}

void MeterEngine::feed(double t_s, const float* voltages, const float* currents) {
  const double dt = have_last_ ? t_s - last_t_ : 0.0;
  if (have_last_) {
    interval_s_ = dt;
  }
  // Sensor processing: Rogowski coils give di/dt; integrate (trapezoid, leaky).
  for (std::size_t c = 0; c < cycle_i_.size(); ++c) {
    if (is_rogowski_[c]) {
      integ_state_[c] =
          kRogowskiLeak * integ_state_[c] + 0.5 * (currents[c] + integ_last_x_[c]) * dt;
      integ_last_x_[c] = currents[c];
    }
  }
  // Rising zero crossings of L1's reference voltage (v1, or v13 on 3P-230).
  const double x = voltages[0] - dc_estimate_;
  if (!armed_ && x < -0.1 * peak_estimate_ && x < 0.0) {
    armed_ = true;
  }
  if (armed_ && have_last_ && last_ref_ < 0.0 && x >= 0.0) {
    const double tc = last_t_ + (t_s - last_t_) * (-last_ref_) / (x - last_ref_);
    armed_ = false;
    if (last_crossing_t_ < 0.0) {
      // The first crossing (or the first after sync was lost): the samples
      // before it are the head, counted for energy only.
      count_partial(partial_start(), tc);
      first_crossing_t_ = tc;
      last_crossing_t_ = tc;
      clear_cycle();
    } else if (tc - last_crossing_t_ < kMinPeriodS) {
      // Noise near the crossing: keep collecting the current cycle.
    } else {
      if (tc - last_crossing_t_ <= kMaxPeriodS && cycle_t_.size() >= kMinCycleSamples) {
        process_cycle(last_crossing_t_, tc);
      } else {
        // Not a cycle we measure (too long, too few samples), but its energy
        // was delivered all the same.
        count_partial(last_crossing_t_, tc);
      }
      last_crossing_t_ = tc;
      clear_cycle();
    }
  }
  have_last_ = true;
  last_t_ = t_s;
  last_ref_ = x;
  if (last_crossing_t_ < 0.0) {
    peak_estimate_ = std::max(peak_estimate_ * 0.999, std::abs(x));
  }
  if (cycle_t_.size() >= kMaxCycleSamples) {
    // No crossing for far too long (no voltage): count what was buffered,
    // lose sync and start again; this sample starts a new head.
    count_partial(partial_start(), t_s);
    last_crossing_t_ = -1.0;
    clear_cycle();
  }
  // Buffered in the head too (before any crossing): its energy counts.
  cycle_t_.push_back(t_s);
  for (std::size_t v = 0; v < cycle_v_.size(); ++v) {
    cycle_v_[v].push_back(voltages[v]);
  }
  for (std::size_t c = 0; c < cycle_i_.size(); ++c) {
    cycle_i_[c].push_back(is_rogowski_[c] ? static_cast<float>(integ_state_[c]) : currents[c]);
  }
}

void MeterEngine::clear_cycle() {
  cycle_t_.clear();
  for (auto& v : cycle_v_) v.clear();
  for (auto& i : cycle_i_) i.clear();
}

double MeterEngine::partial_start() const {
  if (last_crossing_t_ >= 0.0) {
    return last_crossing_t_;
  }
  return cycle_t_.empty() ? last_t_ : cycle_t_.front();
}

void MeterEngine::count_partial(double start_t, double end_t) {
  const std::size_t n = cycle_t_.size();
  const double seconds = end_t - start_t;
  if (n == 0 || !(seconds > 0.0)) {
    return;
  }
  // Plain mean of v·i over the samples (no DC removal, no phase correction:
  // both need a whole cycle); rare, so double sums and no vectoriser concerns.
  std::vector<double> load_p(registers_.size(), 0.0);
  for (std::size_t c = 0; c < cycle_i_.size(); ++c) {
    const int p = channel_phase_[c];
    const std::vector<float>& i = cycle_i_[c];
    double sum = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      // 3P-230's L3 reference is v12 = v13 - v23.
      const double v = delta_ && p == 2 ? static_cast<double>(cycle_v_[0][k]) - cycle_v_[1][k]
                                        : static_cast<double>(cycle_v_[p][k]);
      sum += v * i[k];
    }
    load_p[channel_load_[c]] += gain_[c] * sum / static_cast<double>(n);
  }
  for (std::size_t l = 0; l < registers_.size(); ++l) {
    const double wh = load_p[l] * seconds / 3600.0;
    (wh >= 0.0 ? registers_[l].import_wh : registers_[l].export_wh).add(std::abs(wh));
  }
  energy_seconds_.add(seconds);
}

void MeterEngine::finish() {
  if (!have_last_) {
    return;
  }
  count_partial(partial_start(), last_t_ + interval_s_);
  last_crossing_t_ = -1.0;
  clear_cycle();
  // No crossing may be found between the last sample counted and the next
  // one fed: it would start a cycle inside the time just counted.
  last_ref_ = 0.0;
}

void MeterEngine::process_cycle(double t0, double t1) {
  const std::size_t n = cycle_t_.size();
  const double period = t1 - t0;
  const double omega = 2.0 * std::numbers::pi / period;
  cos_.resize(n);
  sin_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double a = omega * (cycle_t_[k] - t0);
    cos_[k] = static_cast<float>(std::cos(a));
    sin_[k] = static_cast<float>(std::sin(a));
  }
  // Reference voltage of each phase: star v_p; 3P-230 v13, v23, v13 - v23.
  std::array<std::vector<float>, 3> ref;
  std::array<CycleStats, 3> ref_stats;
  for (int p = 0; p < (delta_ ? 3 : phase_count_); ++p) {
    if (delta_ && p == 2) {
      ref[2].resize(n);
      for (std::size_t k = 0; k < n; ++k) {
        ref[2][k] = cycle_v_[0][k] - cycle_v_[1][k];
      }
    } else {
      ref[p] = cycle_v_[p];
    }
    ref_stats[p] = stats(ref[p].data(), cos_.data(), sin_.data(), n);
    voltage_sums_[p].ref1 += ref_stats[p].fundamental * period;
  }
  auto variance = [](const CycleStats& s) { return std::max(0.0, s.mean_sq - s.mean * s.mean); };
  auto combine = [&](const std::vector<float>& a, const std::vector<float>& b, float wa, float wb) {
    std::vector<float>& out = ref_scratch_;
    out.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      out[k] = wa * a[k] + wb * b[k];
    }
    return variance(stats(out.data(), cos_.data(), sin_.data(), n));
  };
  // Voltages of each phase: V_LN and V_LL mean squares.
  for (int p = 0; p < 3; ++p) {
    double ln2 = 0.0;
    double ll2 = 0.0;
    if (delta_) {
      // Virtual star point from the line voltages (docs/metering.md).
      const auto& v13 = cycle_v_[0];
      const auto& v23 = cycle_v_[1];
      if (p == 0) ln2 = combine(v13, ref[2], 1.0f / 3, 1.0f / 3);
      if (p == 1) ln2 = combine(v23, ref[2], 1.0f / 3, -1.0f / 3);
      if (p == 2) ln2 = combine(v13, v23, -1.0f / 3, -1.0f / 3);
      ll2 = variance(ref_stats[p]);
    } else if (p < phase_count_) {
      ln2 = variance(ref_stats[p]);
      if (phase_count_ == 3) {
        ll2 = combine(ref[p], ref[(p + 1) % 3], 1.0f, -1.0f);
      } else if (phase_count_ == 2) {
        ll2 = combine(ref[0], ref[1], 1.0f, -1.0f);
      }
    }
    voltage_sums_[p].ref2 += (delta_ || p < phase_count_ ? variance(ref_stats[p]) : 0.0) * period;
    voltage_sums_[p].ln2 += ln2 * period;
    voltage_sums_[p].ll2 += ll2 * period;
  }
  // Each CT channel against its reference voltage.
  std::vector<double> load_p(registers_.size(), 0.0);
  std::vector<double> load_q(registers_.size(), 0.0);
  for (std::size_t c = 0; c < cycle_i_.size(); ++c) {
    const int p = channel_phase_[c];
    const double g = gain_[c];
    const CycleStats is = stats(cycle_i_[c].data(), cos_.data(), sin_.data(), n);
    const CycleStats& vs = ref_stats[p];
    double power = g * (mean_product(ref[p].data(), cycle_i_[c].data(), n) - vs.mean * is.mean);
    const std::complex<double> i1 = g * is.fundamental;
    const std::complex<double> i1_corrected = i1 * phase_rot_[c];
    // Phase correction rotates the fundamental; P changes by the difference
    // of the fundamental's active power.
    power += 0.5 * (std::real(vs.fundamental * std::conj(i1_corrected)) -
                    std::real(vs.fundamental * std::conj(i1)));
    const double q = 0.5 * std::imag(vs.fundamental * std::conj(i1_corrected));
    ChannelSums& sums = channel_sums_[c];
    sums.p += power * period;
    sums.q += q * period;
    sums.i2 += g * g * variance(is) * period;
    sums.i1_2 += 0.5 * std::norm(i1) * period;
    // For the diagnostics: what the CT delivers, so without `reversed`.
    sums.i1 += direction_[c] * i1_corrected * period;
    load_p[channel_load_[c]] += power;
    load_q[channel_load_[c]] += q;
  }
  for (std::size_t l = 0; l < registers_.size(); ++l) {
    const double wh = load_p[l] * period / 3600.0;
    const double varh = load_q[l] * period / 3600.0;
    (wh >= 0.0 ? registers_[l].import_wh : registers_[l].export_wh).add(std::abs(wh));
    (varh >= 0.0 ? registers_[l].import_varh : registers_[l].export_varh).add(std::abs(varh));
  }
  // The detector follows the signal's DC offset and amplitude.
  dc_estimate_ = ref_stats[0].mean;
  peak_estimate_ = std::sqrt(2.0 * variance(ref_stats[0]));
  energy_seconds_.add(period);
  window_seconds_ += period;
  ++window_cycles_;
  ++total_cycles_;
}

MeterResults MeterEngine::results(bool reset_window) {
  MeterResults out;
  out.cycles = window_cycles_;
  out.seconds = window_seconds_;
  out.energy_seconds = energy_seconds_.value();
  const double w = window_seconds_;
  out.frequency_hz = w > 0.0 ? static_cast<double>(window_cycles_) / w : 0.0;
  auto root = [w](double sum) { return w > 0.0 ? std::sqrt(std::max(0.0, sum / w)) : 0.0; };
  const int shown = delta_ ? 3 : phase_count_;
  for (int p = 0; p < shown; ++p) {
    VoltageResult v;
    v.phase = static_cast<model::Phase>(p);
    v.v_ln = root(voltage_sums_[p].ln2);
    v.v_ll = root(voltage_sums_[p].ll2);
    out.voltages.push_back(v);
  }
  std::size_t c = 0;
  for (std::size_t l = 0; l < installation_.loads.size(); ++l) {
    const model::Load& load = installation_.loads[l];
    LoadResult lr;
    lr.name = load.name;
    lr.kind = load.kind;
    for (const auto& channel : load.channels) {
      const ChannelSums& sums = channel_sums_[c];
      PhaseResult pr;
      pr.phase = channel.phase;
      pr.input = channel.input.to_string();
      pr.p_w = w > 0.0 ? sums.p / w : 0.0;
      pr.q_var = w > 0.0 ? sums.q / w : 0.0;
      pr.i_a = root(sums.i2);
      pr.s_va = root(voltage_sums_[channel_phase_[c]].ref2) * pr.i_a;
      pr.pf = pr.s_va > 0.0 ? pr.p_w / pr.s_va : 0.0;
      pr.thd_i = sums.i1_2 > 0.0 ? std::sqrt(std::max(0.0, sums.i2 - sums.i1_2) / sums.i1_2) : 0.0;
      lr.p_w += pr.p_w;
      lr.q_var += pr.q_var;
      lr.s_va += pr.s_va;
      lr.phases.push_back(pr);
      ++c;
    }
    lr.pf = lr.s_va > 0.0 ? lr.p_w / lr.s_va : 0.0;
    lr.energy_import_wh = registers_[l].import_wh.value();
    lr.energy_export_wh = registers_[l].export_wh.value();
    lr.energy_import_varh = registers_[l].import_varh.value();
    lr.energy_export_varh = registers_[l].export_varh.value();
    out.loads.push_back(std::move(lr));
  }
  WindowPhasors& ph = out.phasors;
  ph.seconds = w;
  // Window means of the peak phasors, as RMS phasors.
  const double to_rms = w > 0.0 ? 1.0 / (w * std::numbers::sqrt2) : 0.0;
  for (std::size_t p = 0; p < 3; ++p) {
    ph.v_ref[p] = voltage_sums_[p].ref1 * to_rms;
  }
  if (delta_) {
    // The virtual star point (docs/metering.md); linear, so exact on phasors.
    const auto v13 = ph.v_ref[0], v23 = ph.v_ref[1], v12 = ph.v_ref[2];
    ph.v_star = {(v13 + v12) / 3.0, (v23 - v12) / 3.0, -(v13 + v23) / 3.0};
  } else {
    ph.v_star = ph.v_ref;
  }
  for (std::size_t ch = 0; ch < channel_sums_.size(); ++ch) {
    ph.currents.push_back(
        {layout_.currents[ch], channel_sums_[ch].i1 * to_rms, root(channel_sums_[ch].i2)});
  }
  if (reset_window) {
    for (auto& s : channel_sums_) s = {};
    for (auto& s : voltage_sums_) s = {};
    window_seconds_ = 0.0;
    window_cycles_ = 0;
  }
  return out;
}

}  // namespace kirchhoff::metering
