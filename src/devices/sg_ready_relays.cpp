#include "devices/sg_ready_relays.hpp"

namespace kirchhoff::devices {

std::pair<bool, bool> sg_ready_contacts(SgReadyState state) {
  switch (state) {
    case SgReadyState::kBlocked:
      return {true, false};
    case SgReadyState::kNormal:
      return {false, false};
    case SgReadyState::kRecommended:
      return {false, true};
    case SgReadyState::kForced:
      return {true, true};
  }
  return {false, false};  // unreachable: normal operation is the safe default
}

void SgReadyRelays::set_sg_ready(SgReadyState state) {
  const auto [one, two] = sg_ready_contacts(state);
  // Both contacts change within the same cycle; the heat pump reads them as
  // a pair after its own debounce (SG Ready asks it to).
  contact1_.set_energised(one);
  contact2_.set_energised(two);
}

HeatPumpState SgReadyRelays::state() const {
  const bool c1 = contact1_.energised();
  const bool c2 = contact2_.energised();
  HeatPumpState state;
  state.sg_state = c1 ? (c2 ? 4 : 1) : (c2 ? 3 : 2);
  return state;
}

}  // namespace kirchhoff::devices
