// An SG Ready heat pump wired to two relays of an Output module, as SG Ready
// defines it (contact 1, contact 2):
//   1 blocked = (on, off), 2 normal = (off, off),
//   3 recommended on = (off, on), 4 forced on = (on, on).
// The energy manager speaks SG Ready states; this turns them into the two
// contacts. Not thread-safe: one owner (the control loop).
#pragma once

#include <utility>

#include "devices/capabilities.hpp"

namespace kirchhoff::devices {

// The two contacts for a state.
std::pair<bool, bool> sg_ready_contacts(SgReadyState state);

class SgReadyRelays : public SgReadyHeatPump {
 public:
  // The relays must outlive this object.
  SgReadyRelays(Relay& contact1, Relay& contact2) : contact1_(contact1), contact2_(contact2) {}
  void set_sg_ready(SgReadyState state) override;
  // The state the two contacts are in now; power and running are not known
  // from relays alone.
  HeatPumpState state() const override;

 private:
  Relay& contact1_;
  Relay& contact2_;
};

}  // namespace kirchhoff::devices
