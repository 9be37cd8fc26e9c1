// A running sum that loses no precision over millions of small terms
// (Neumaier's variant of Kahan summation): energy registers and KPIs add a
// tiny amount every cycle for years.
#pragma once

#include <cmath>

namespace kirchhoff::common {

class CompensatedSum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    correction_ += std::abs(sum_) >= std::abs(x) ? (sum_ - t) + x : (x - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + correction_; }

 private:
  double sum_ = 0.0;
  double correction_ = 0.0;
};

}  // namespace kirchhoff::common
