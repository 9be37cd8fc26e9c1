#include "sim/breaker.hpp"

#include <cmath>
#include <limits>

namespace kirchhoff::sim {

double BreakerModel::thermal_trip_s(double multiple) {
  const double heat = multiple * multiple;
  if (heat <= kThetaTrip) {
    return std::numeric_limits<double>::infinity();
  }
  return -kTau_s * std::log(1.0 - kThetaTrip / heat);
}

bool BreakerModel::step(const std::array<double, 3>& current_a, double dt_s) {
  const double magnetic = curve_ == TripCurve::kB ? 5.0 : 10.0;
  // The exact solution over the step for a constant current, so a 1 s step
  // and ten 0.1 s steps agree.
  const double decay = std::exp(-dt_s / kTau_s);
  bool tripped = false;
  for (int p = 0; p < 3; ++p) {
    const double m = std::abs(current_a[p]) / rated_a_;
    theta_[p] = m * m + (theta_[p] - m * m) * decay;
    tripped = tripped || m >= magnetic || theta_[p] >= kThetaTrip;
  }
  if (tripped) {
    theta_ = {0.0, 0.0, 0.0};
  }
  return tripped;
}

}  // namespace kirchhoff::sim
