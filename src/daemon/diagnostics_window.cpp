#include "daemon/diagnostics_window.hpp"

#include <algorithm>
#include <sstream>

namespace kirchhoff::daemon {

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
    clear_locked();
  }
  layout_key_ = std::move(layout_key);
  return kept;
}

void DiagnosticsWindow::add(const metering::WindowPhasors& phasors) {
  if (!(phasors.seconds > 0.0)) {
    return;
  }
  std::lock_guard lock(mutex_);
  const bool same_channels =
      std::equal(inputs_.begin(), inputs_.end(), phasors.currents.begin(), phasors.currents.end(),
                 [](const auto& ref, const auto& c) { return ref == c.input; });
  if (!same_channels) {
    clear_locked();
    for (const auto& c : phasors.currents) {
      inputs_.push_back(c.input);
    }
  }
  Second second{phasors.seconds, phasors.v_ref, phasors.v_star, {}, {}};
  second.i1.reserve(phasors.currents.size());
  second.i_rms.reserve(phasors.currents.size());
  for (const auto& c : phasors.currents) {
    second.i1.push_back(c.i1);
    second.i_rms.push_back(c.i_rms);
  }
  seconds_.push_back(std::move(second));
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
  clear_locked();
}

void DiagnosticsWindow::clear_locked() {
  seconds_.clear();
  inputs_.clear();
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
  for (const auto& ref : inputs_) {
    m.currents.push_back({ref, {}, 0.0});
  }
  double total_s = 0.0;
  for (const auto& s : seconds_) {
    total_s += s.seconds;
    for (std::size_t p = 0; p < m.v_ref.size(); ++p) {
      m.v_ref[p] += s.v_ref[p] * s.seconds;
      m.v_star[p] += s.v_star[p] * s.seconds;
    }
    for (std::size_t c = 0; c < m.currents.size(); ++c) {
      m.currents[c].i1 += s.i1[c] * s.seconds;
      m.currents[c].i_rms += s.i_rms[c] * s.seconds;
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
