#include "devices/sg_ready_relays.hpp"

#include <gtest/gtest.h>

namespace kirchhoff::devices {
namespace {

class RecordingRelay : public Relay {
 public:
  void set_energised(bool energised) override {
    energised_ = energised;
    ++writes_;
  }
  bool energised() const override { return energised_; }
  bool energised_ = false;
  int writes_ = 0;
};

// The contact pairs of the SG Ready definition (blocked = (1,0), normal =
// (0,0), recommended = (0,1), forced = (1,1)).
TEST(SgReadyRelays, StatesToContacts) {
  RecordingRelay one, two;
  SgReadyRelays pump(one, two);
  const struct {
    SgReadyState state;
    bool one, two;
  } table[] = {{SgReadyState::kBlocked, true, false},
               {SgReadyState::kNormal, false, false},
               {SgReadyState::kRecommended, false, true},
               {SgReadyState::kForced, true, true}};
  for (const auto& row : table) {
    pump.set_sg_ready(row.state);
    EXPECT_EQ(one.energised_, row.one) << static_cast<int>(row.state);
    EXPECT_EQ(two.energised_, row.two) << static_cast<int>(row.state);
    // Read back from the contacts.
    EXPECT_EQ(pump.state().sg_state, static_cast<int>(row.state));
  }
  EXPECT_EQ(one.writes_, 4);
  EXPECT_EQ(two.writes_, 4);
}

}  // namespace
}  // namespace kirchhoff::devices
