// The metering engine: synchronised voltage and current samples in, the
// electrical quantities of every input, phase and load out (docs/metering.md).
//
// Feed it samples in order (one at a time or in blocks, structure of arrays);
// it detects cycles on L1's reference voltage and processes each whole cycle
// at once. Memory is bounded by one cycle of samples. Not thread-safe: one
// producer feeds it; copy results out to share them.
#pragma once

#include <array>
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

#include "common/compensated_sum.hpp"
#include "common/result.hpp"
#include "model/installation.hpp"

namespace kirchhoff::metering {

struct EngineOptions {
  // Inputs on Rogowski coils deliver di/dt (A/s) and are integrated.
  bool rogowski_raw = false;
};

// The columns a source must deliver, in the order feed() expects them.
struct ChannelLayout {
  std::vector<std::string> voltages;       // "v1".."v3", or "v13","v23" on 3P-230
  std::vector<model::InputRef> currents;   // every CT input a load uses, in load order
  std::vector<std::string> current_users;  // for messages: "load 'Grid' (L3)"
};

ChannelLayout channel_layout(const model::Installation& installation);

// Averaged values over the window (whole cycles only); the energy registers
// count every sample (docs/metering.md).
struct PhaseResult {
  model::Phase phase = model::Phase::kL1;
  std::string input;
  double p_w = 0.0;
  double q_var = 0.0;
  double s_va = 0.0;
  double pf = 0.0;
  double i_a = 0.0;
  double thd_i = 0.0;  // total harmonic distortion of the current, 0.05 = 5 %
};

struct LoadResult {
  std::string name;
  model::LoadKind kind = model::LoadKind::kConsumer;
  double p_w = 0.0;
  double q_var = 0.0;
  double s_va = 0.0;
  double pf = 0.0;
  double energy_import_wh = 0.0;
  double energy_export_wh = 0.0;
  double energy_import_varh = 0.0;
  double energy_export_varh = 0.0;
  std::vector<PhaseResult> phases;
};

struct VoltageResult {
  model::Phase phase = model::Phase::kL1;
  double v_ln = 0.0;
  double v_ll = 0.0;
};

// The fundamentals over the window, for the installation diagnostics
// (docs/diagnostics.md). Phasors are RMS phasors (|X| = RMS of the
// fundamental), cycle-duration-weighted means of each cycle's one-bin DFT,
// all relative to the rising zero crossing of L1's reference voltage that
// starts each cycle, so they keep their angles to each other over a window.
struct ChannelPhasor {
  model::InputRef input;
  // The CT's fundamental current with its calibration (gain, phase_deg)
  // applied but NOT the installation's `reversed`: what the CT delivers.
  std::complex<double> i1;
  double i_rms = 0.0;  // with harmonics, gain applied
};

struct WindowPhasors {
  double seconds = 0.0;  // duration of the whole cycles in the window; 0: nothing measured
  // The reference voltage of each phase name as the installation file means
  // it: star L1..L3 = v1..v3; 3P-230 L1 = v13, L2 = v23, L3 = v12.
  // Phases the topology lacks are 0.
  std::array<std::complex<double>, 3> v_ref{};
  // Line-to-neutral voltages; on 3P-230 those of the virtual star point.
  std::array<std::complex<double>, 3> v_star{};
  std::vector<ChannelPhasor> currents;  // in layout order (ChannelLayout::currents)
};

struct MeterResults {
  std::int64_t cycles = 0;
  double seconds = 0.0;  // duration of the whole cycles measured
  // Time the Wh registers cover since the engine started (whole cycles and
  // partial parts); never resets. N samples at rate fs, then finish(): N/fs.
  double energy_seconds = 0.0;
  double frequency_hz = 0.0;
  std::vector<VoltageResult> voltages;
  std::vector<LoadResult> loads;
  WindowPhasors phasors;
};

class MeterEngine {
 public:
  MeterEngine(const model::Installation& installation, EngineOptions options = {});

  const ChannelLayout& layout() const { return layout_; }

  // One sample: time (s), voltages and currents in layout order.
  void feed(double t_s, const float* voltages, const float* currents);

  // Results over the whole cycles so far. With `reset_window`, the averages
  // start again (for per-second live values); energy registers never reset.
  // Does not count the unfinished cycle: a live stream calls this each second
  // and the cycle is counted whole when its closing crossing arrives.
  MeterResults results(bool reset_window = false);

  // The stream has ended (end of a recording): counts the energy of the
  // samples after the last rising crossing, up to the end of the last sample
  // (its time plus the last sample step), into the Wh registers. Averages,
  // phasors and cycle counts do not change. The engine then loses sync on
  // purpose: samples fed afterwards start a new head (counted from their own
  // first sample up to their first crossing), so nothing is counted twice.
  // Calling it again without new samples adds nothing. A live stream that
  // continues must not call it between blocks (it would split a cycle).
  void finish();

  std::int64_t cycles() const { return total_cycles_; }

 private:
  void process_cycle(double t0, double t1);
  // Adds the energy of the buffered samples, which stand for [start, end),
  // from their mean v·i (a partial part: not a measured cycle).
  void count_partial(double start_t, double end_t);
  // Where the buffered samples' time starts: the last crossing, or in the
  // head (no sync) the first buffered sample.
  double partial_start() const;
  void clear_cycle();

  model::Installation installation_;
  EngineOptions options_;
  ChannelLayout layout_;
  int phase_count_ = 3;
  bool delta_ = false;

  // One cycle of samples, structure of arrays.
  std::vector<double> cycle_t_;
  std::vector<std::vector<float>> cycle_v_;  // raw voltage channels
  std::vector<std::vector<float>> cycle_i_;  // currents after sensor processing
  std::vector<float> ref_scratch_;
  std::vector<float> cos_, sin_;

  // Zero-crossing detector on L1's reference voltage.
  double last_t_ = 0.0;
  double last_ref_ = 0.0;
  bool have_last_ = false;
  bool armed_ = false;
  double dc_estimate_ = 0.0;
  double peak_estimate_ = 0.0;
  double last_crossing_t_ = -1.0;
  double first_crossing_t_ = -1.0;

  // Rogowski integrators, per current channel.
  std::vector<double> integ_state_;
  std::vector<double> integ_last_x_;
  std::vector<bool> is_rogowski_;
  std::vector<double> gain_;       // the CT's gain with `reversed`'s sign folded in
  std::vector<double> direction_;  // -1 for a `reversed` input, else 1
  std::vector<std::complex<double>> phase_rot_;

  // Window sums (duration-weighted) and registers.
  struct ChannelSums {
    double p = 0.0, q = 0.0, i2 = 0.0, i1_2 = 0.0;
    std::complex<double> i1;  // Σ T·(calibrated, un-reversed peak phasor)
  };
  struct VoltageSums {
    double ref2 = 0.0, ll2 = 0.0, ln2 = 0.0;
    std::complex<double> ref1;  // Σ T·(peak phasor of the reference voltage)
  };
  std::vector<ChannelSums> channel_sums_;  // per current channel
  std::vector<VoltageSums> voltage_sums_;  // per phase
  double window_seconds_ = 0.0;
  std::int64_t window_cycles_ = 0;
  std::int64_t total_cycles_ = 0;
  double interval_s_ = 0.0;  // the last sample step: how long the last sample stands for
  common::CompensatedSum energy_seconds_;
  struct Registers {
    common::CompensatedSum import_wh, export_wh, import_varh, export_varh;
  };
  std::vector<Registers> registers_;  // per load
  std::vector<int> channel_load_;     // current channel -> load index
  std::vector<int> channel_phase_;    // current channel -> reference phase
};

}  // namespace kirchhoff::metering
