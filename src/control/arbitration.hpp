// How the controllers' requests become one setpoint per device quantity.
//
// Each controller may put on a quantity a lower and an upper bound, and a
// wish: strong (what it decided) or weak (a default, such as the battery's
// self-consumption setpoint, that any later strong wish replaces). Walking
// the controllers from the highest priority down:
//   - a bound narrows the interval left by the controllers above; one that
//     conflicts with them is clamped into their interval (higher wins);
//   - the first strong wish is clamped into the interval and pins it: nothing
//     below can move it;
//   - a weak wish is kept if it is the first; at the end it is clamped into
//     whatever interval remains.
// So a higher controller constrains the ones below it, never the other way.
#pragma once

#include <algorithm>
#include <optional>

namespace kirchhoff::control {

template <typename T>
struct Claim {
  std::optional<T> min;
  std::optional<T> max;
  std::optional<T> want;
  bool weak = false;

  bool empty() const { return !min && !max && !want; }
};

template <typename T>
class Arbiter {
 public:
  Arbiter(T lo, T hi) : lo_(lo), hi_(hi), full_lo_(lo), full_hi_(hi) {}

  void apply(const Claim<T>& claim) {
    if (claim.empty() || pinned_) {
      return;
    }
    touched_ = true;
    if (claim.min) {
      lo_ = std::clamp(*claim.min, lo_, hi_);
    }
    if (claim.max) {
      hi_ = std::clamp(*claim.max, lo_, hi_);
    }
    if (claim.want) {
      if (!claim.weak) {
        lo_ = hi_ = std::clamp(*claim.want, lo_, hi_);
        pinned_ = true;
      } else if (!weak_) {
        weak_ = claim.want;
      }
    }
  }

  // The setpoint: empty when no controller had an opinion; else the pinned
  // value, the weak wish in the interval, or `fallback` in the interval.
  std::optional<T> result(T fallback) const {
    if (!touched_) {
      return std::nullopt;
    }
    if (pinned_) {
      return lo_;
    }
    return std::clamp(weak_ ? *weak_ : fallback, lo_, hi_);
  }
  T lo() const { return lo_; }
  T hi() const { return hi_; }
  bool narrowed() const { return lo_ > full_lo_ || hi_ < full_hi_; }

 private:
  T lo_, hi_;
  T full_lo_, full_hi_;
  bool pinned_ = false;
  bool touched_ = false;
  std::optional<T> weak_;
};

}  // namespace kirchhoff::control
