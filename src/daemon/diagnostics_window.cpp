#include "daemon/diagnostics_window.hpp"

#include <algorithm>
#include <sstream>

namespace kirchhoff::daemon {

namespace {

bool same_channels(const metering::WindowPhasors& a, const metering::WindowPhasors& b) {
  return std::equal(a.currents.begin(), a.currents.end(), b.currents.begin(), b.currents.end(),
                    [](const auto& x, const auto& y) { return x.input == y.input; });
}

}  // namespace

std::string phasor_layout_key(const model::Installation& installation) {
  std::ostringstream key;
  key << model::topology_info(installation.site.topology).name;
  for (const auto& ref : metering::channel_layout(installation).currents) {
    key << ' ' << ref.to_string();
    if (const model::CtInput* ct = installation.find_input(ref)) {
      key << ':' << model::ct_type_info(ct->ct).name;
      // Exact digits: any change of calibration changes the phasors.
      key.precision(17);
      key << ':' << ct->gain.value_or(-1.0) << ':' << ct->phase_deg.value_or(-1000.0);
    }
  }
  return key.str();
}

DiagnosticsWindow::DiagnosticsWindow(double capacity_s) : capacity_s_(capacity_s) {}

bool DiagnosticsWindow::set_source(bool has_samples, std::string layout_key) {
  std::lock_guard lock(mutex_);
  has_samples_ = has_samples;
  const bool kept = has_samples && layout_key == layout_key_;
  if (!kept) {
    seconds_.clear();
    window_s_ = 0.0;
  }
  layout_key_ = std::move(layout_key);
  return kept;
}

void DiagnosticsWindow::add(const metering::WindowPhasors& phasors) {
  if (!(phasors.seconds > 0.0)) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (!seconds_.empty() && !same_channels(seconds_.back(), phasors)) {
    seconds_.clear();
    window_s_ = 0.0;
  }
  seconds_.push_back(phasors);
  window_s_ += phasors.seconds;
  measured_s_ += phasors.seconds;
  while (seconds_.size() > 1 && window_s_ > capacity_s_) {
    window_s_ -= seconds_.front().seconds;
    seconds_.pop_front();
  }
  if (seconds_.size() == 1) {
    window_s_ = seconds_.front().seconds;  // no drift from adding and taking away
  }
}

void DiagnosticsWindow::clear() {
  std::lock_guard lock(mutex_);
  seconds_.clear();
  window_s_ = 0.0;
}

DiagnosticsWindow::Mean DiagnosticsWindow::mean() const {
  std::lock_guard lock(mutex_);
  Mean out;
  out.has_samples = has_samples_;
  out.layout_key = layout_key_;
  if (seconds_.empty()) {
    return out;
  }
  metering::WindowPhasors& m = out.phasors;
  m.currents = seconds_.front().currents;
  for (auto& c : m.currents) {
    c.i1 = {};
    c.i_rms = 0.0;
  }
  double total_s = 0.0;
  for (const auto& s : seconds_) {
    total_s += s.seconds;
    for (std::size_t p = 0; p < m.v_ref.size(); ++p) {
      m.v_ref[p] += s.v_ref[p] * s.seconds;
      m.v_star[p] += s.v_star[p] * s.seconds;
    }
    for (std::size_t c = 0; c < m.currents.size(); ++c) {
      m.currents[c].i1 += s.currents[c].i1 * s.seconds;
      m.currents[c].i_rms += s.currents[c].i_rms * s.seconds;
    }
  }
  for (std::size_t p = 0; p < m.v_ref.size(); ++p) {
    m.v_ref[p] /= total_s;
    m.v_star[p] /= total_s;
  }
  for (auto& c : m.currents) {
    c.i1 /= total_s;
    c.i_rms /= total_s;
  }
  m.seconds = total_s;
  return out;
}

double DiagnosticsWindow::seconds() const {
  std::lock_guard lock(mutex_);
  return window_s_;
}

double DiagnosticsWindow::measured_s() const {
  std::lock_guard lock(mutex_);
  return measured_s_;
}

}  // namespace kirchhoff::daemon
