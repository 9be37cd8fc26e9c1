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

// Results over everything fed so far (whole cycles only).
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
  MeterResults results(bool reset_window = false);

  std::int64_t cycles() const { return total_cycles_; }

 private:
  struct Accum;  // per-channel sums over the averaging window
  void process_cycle(double t0, double t1);

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
  std::vector<double> gain_;
  std::vector<std::complex<double>> phase_rot_;

  // Window sums (duration-weighted) and registers.
  struct ChannelSums {
    double p = 0.0, q = 0.0, i2 = 0.0, i1_2 = 0.0;
  };
  struct VoltageSums {
    double ref2 = 0.0, ll2 = 0.0, ln2 = 0.0;
  };
  std::vector<ChannelSums> channel_sums_;  // per current channel
  std::vector<VoltageSums> voltage_sums_;  // per phase
  double window_seconds_ = 0.0;
  std::int64_t window_cycles_ = 0;
  std::int64_t total_cycles_ = 0;
  struct Registers {
    common::CompensatedSum import_wh, export_wh, import_varh, export_varh;
  };
  std::vector<Registers> registers_;  // per load
  std::vector<int> channel_load_;     // current channel -> load index
  std::vector<int> channel_phase_;    // current channel -> reference phase
};

}  // namespace kirchhoff::metering
