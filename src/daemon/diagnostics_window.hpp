// The evidence of the installation diagnostics in a running daemon
// (docs/daemon.md, docs/diagnostics.md): the per-second phasors of the last
// minutes and their mean.
#pragma once

#include <array>
#include <complex>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "metering/engine.hpp"
#include "model/installation.hpp"

namespace kirchhoff::daemon {

// What the phasors of an installation depend on: the topology (which voltage
// each phase name means), the CT inputs in the metering engine's channel
// order, and each CT's type and calibration. The configured `phases` and
// `reversed` are not part of it: phasors are measured without them.
std::string phasor_layout_key(const model::Installation& installation);

// The per-second phasors of the last `capacity_s` seconds of measurement, and
// their duration-weighted mean. Filled by the control loop, read by the HTTP
// thread: thread-safe.
class DiagnosticsWindow {
 public:
  static constexpr double kDefaultCapacityS = 300.0;

  explicit DiagnosticsWindow(double capacity_s = kDefaultCapacityS);

  // The source now in force: whether it delivers samples (phasors) at all,
  // and the layout it measures with. A layout other than the one held, or no
  // samples, clears the window; returns whether the window was kept.
  bool set_source(bool has_samples, std::string layout_key);

  // One cycle's phasors (MeterResults::phasors). Seconds of 0 (nothing
  // measured) are ignored; a different set of channels than held clears the
  // window first. The oldest seconds fall out beyond the capacity (the
  // newest entry is always kept).
  void add(const metering::WindowPhasors& phasors);

  void clear();

  struct Mean {
    bool has_samples = false;
    std::string layout_key;
    // seconds = the window's duration; 0 (and no currents) when empty.
    metering::WindowPhasors phasors;
  };
  // The mean of every phasor over the window, each second weighted by its
  // duration: Σ X_i·s_i / Σ s_i. i_rms is averaged the same way (a mean of
  // RMS values, as the engine's own window mean is).
  Mean mean() const;

  double seconds() const;
  // Seconds ever added (clearing does not reset it): a clock of measurement
  // for "every 10 s".
  double measured_s() const;

 private:
  // One cycle's phasors; the channels' inputs are kept once (inputs_).
  struct Second {
    double seconds = 0.0;
    std::array<std::complex<double>, 3> v_ref{};
    std::array<std::complex<double>, 3> v_star{};
    std::vector<std::complex<double>> i1;
    std::vector<double> i_rms;
  };
  void clear_locked();

  double capacity_s_;
  mutable std::mutex mutex_;
  bool has_samples_ = false;
  std::string layout_key_;
  std::vector<model::InputRef> inputs_;
  std::deque<Second> seconds_;
  double window_s_ = 0.0;
  double measured_s_ = 0.0;
};

}  // namespace kirchhoff::daemon
