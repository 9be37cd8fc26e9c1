// People's choices laid over the energy manager's input: charge sessions
// (declared, charged, cleared on unplug or departure) and how they appear
// in the snapshot's JSON.
#include "daemon/people_commands.hpp"

#include <gtest/gtest.h>

#include "snapshot/snapshot.hpp"

namespace kirchhoff::daemon {
namespace {

// 2026-03-01T00:00:00Z.
constexpr std::int64_t kNow = 1772323200;

control::ControlInput input_with_car(bool plugged, double power_w) {
  control::ControlInput input;
  control::EvInput ev;
  ev.name = "Car";
  ev.present = true;
  ev.plugged = plugged;
  ev.power_w = power_w;
  input.evs.push_back(ev);
  control::EvInput other;
  other.name = "Van";
  other.present = true;
  input.evs.push_back(other);
  return input;
}

control::EvSession ready_by_seven() {
  control::EvSession s;
  s.declared_unix_s = kNow;
  s.departure_unix_s = kNow + 7 * 3600;  // 07:00Z
  s.need_wh = 20'000.0;
  return s;
}

TEST(PersonChoices, SessionIsLaidOverItsChargerOnly) {
  PersonChoices choices;
  choices.set_ev_session("Car", ready_by_seven());
  auto input = input_with_car(true, 0.0);
  choices.apply(input);
  ASSERT_TRUE(input.evs[0].session.has_value());
  EXPECT_EQ(input.evs[0].session->departure_unix_s, kNow + 7 * 3600);
  EXPECT_EQ(input.evs[0].session->need_wh, 20'000.0);
  EXPECT_FALSE(input.evs[1].session.has_value());
  // Cleared by a person: the input keeps what the devices said (nothing).
  choices.set_ev_session("Car", std::nullopt);
  auto again = input_with_car(true, 0.0);
  choices.apply(again);
  EXPECT_FALSE(again.evs[0].session.has_value());
}

// 7.2 kW for 10 cycles of 1 s = 7200 W × 10 s / 3600 = 20 Wh; a car that
// does not draw adds nothing.
TEST(PersonChoices, EnergyChargedSinceTheDeclaration) {
  PersonChoices choices;
  choices.set_ev_session("Car", ready_by_seven());
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(choices.update_sessions(input_with_car(true, 7200.0), kNow + i, 1.0).empty());
  }
  EXPECT_TRUE(choices.update_sessions(input_with_car(true, 0.0), kNow + 10, 1.0).empty());
  ASSERT_TRUE(choices.ev_session("Car").has_value());
  EXPECT_DOUBLE_EQ(choices.ev_session("Car")->delivered_wh, 20.0);
  EXPECT_DOUBLE_EQ(choices.ev_session("Car")->remaining_wh(), 19'980.0);
  auto input = input_with_car(true, 0.0);
  choices.apply(input);
  EXPECT_DOUBLE_EQ(input.evs[0].session->delivered_wh, 20.0);
}

TEST(PersonChoices, ClearedWhenTheCarLeaves) {
  PersonChoices choices;
  // Declared before the car is plugged in: kept until it has been plugged.
  choices.set_ev_session("Car", ready_by_seven());
  EXPECT_TRUE(choices.update_sessions(input_with_car(false, 0.0), kNow, 1.0).empty());
  EXPECT_TRUE(choices.update_sessions(input_with_car(true, 0.0), kNow + 1, 1.0).empty());
  // A charger that does not answer says nothing about the car.
  auto silent = input_with_car(false, 0.0);
  silent.evs[0].responding = false;
  EXPECT_TRUE(choices.update_sessions(silent, kNow + 2, 1.0).empty());
  const auto cleared = choices.update_sessions(input_with_car(false, 0.0), kNow + 3, 1.0);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(cleared[0].load, "Car");
  EXPECT_EQ(cleared[0].why, "unplugged");
  EXPECT_FALSE(choices.ev_session("Car").has_value());
}

TEST(PersonChoices, ClearedWhenTheDepartureHasPassed) {
  PersonChoices choices;
  choices.set_ev_session("Car", ready_by_seven());
  EXPECT_TRUE(choices.update_sessions(input_with_car(true, 0.0), kNow + 7 * 3600 - 1, 1.0).empty());
  const auto cleared = choices.update_sessions(input_with_car(true, 0.0), kNow + 7 * 3600, 1.0);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(cleared[0].why, "departure passed");
}

TEST(PersonChoices, ForgottenWithTheirCharger) {
  PersonChoices choices;
  choices.set_ev_session("Car", ready_by_seven());
  model::Installation without_car;
  choices.keep_only(without_car);
  EXPECT_FALSE(choices.ev_session("Car").has_value());
}

// The snapshot's chargers: "session" with departure (UTC), need and the
// energy charged in kWh, or null.
TEST(PersonChoices, SnapshotJsonKeys) {
  PersonChoices choices;
  auto session = ready_by_seven();
  session.delivered_wh = 1500.0;
  choices.set_ev_session("Car", session);
  auto input = input_with_car(true, 0.0);
  choices.apply(input);
  model::Installation inst;
  snapshot::SiteSnapshot snap;
  choices.describe(inst, input, std::nullopt, false, snap);
  const auto json = snapshot::to_json(snap);
  const auto& car = json["chargers"][0];
  EXPECT_EQ(car["load"], "Car");
  EXPECT_EQ(car["session"]["departure"], "2026-03-01T07:00:00Z");
  EXPECT_EQ(car["session"]["need_kwh"], 20.0);
  EXPECT_EQ(car["session"]["delivered_kwh"], 1.5);
  EXPECT_TRUE(json["chargers"][1]["session"].is_null());
}

}  // namespace
}  // namespace kirchhoff::daemon
