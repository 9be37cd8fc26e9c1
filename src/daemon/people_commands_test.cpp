// People's choices laid over the energy manager's input: charge sessions
// (declared, charged, cleared on unplug or departure) and how they appear
// in the snapshot's JSON.
#include "daemon/people_commands.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "auth/password.hpp"
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

// 2026-03-01T00:00:00Z in milliseconds.
constexpr std::int64_t kNowMs = kNow * 1000;

// Plugged in at the first cycle, then 3 cycles of 1 s at 7.2 kW and one at
// 50 W: 7200 W × 3 s / 3600 + 50 W × 1 s / 3600 = 6 + 0.0139 Wh = 6.0139 Wh
// (the first cycle, which found the car, counts nothing).
TEST(PersonChoices, EnergySinceTheCarWasPluggedIn) {
  PersonChoices choices;
  choices.track_plugs(input_with_car(false, 0.0), kNowMs, 1.0);
  choices.track_plugs(input_with_car(true, 7200.0), kNowMs + 1000, 1.0);
  for (int i = 2; i <= 4; ++i) {
    choices.track_plugs(input_with_car(true, 7200.0), kNowMs + i * 1000, 1.0);
  }
  // A charger that does not answer changes nothing.
  auto silent = input_with_car(false, 0.0);
  silent.evs[0].responding = false;
  choices.track_plugs(silent, kNowMs + 5000, 1.0);
  auto trickle = input_with_car(true, 50.0);
  choices.track_plugs(trickle, kNowMs + 6000, 1.0);
  model::Installation inst;
  snapshot::SiteSnapshot snap;
  choices.describe(inst, trickle, std::nullopt, false, snap);
  ASSERT_EQ(snap.chargers.size(), 2u);
  EXPECT_TRUE(snap.chargers[0].plugged);
  EXPECT_FALSE(snap.chargers[0].charging);  // 50 W: not above 100 W
  EXPECT_NEAR(snap.chargers[0].session_energy_wh, 6.0 + 50.0 / 3600.0, 1e-9);
  EXPECT_EQ(snap.chargers[0].plugged_since_ms, kNowMs + 1000);
  // "Van" was never plugged in.
  EXPECT_EQ(snap.chargers[1].session_energy_wh, 0.0);
  EXPECT_FALSE(snap.chargers[1].plugged_since_ms.has_value());
  const auto json = snapshot::to_json(snap);
  EXPECT_EQ(json["chargers"][0]["charging"], false);
  EXPECT_EQ(json["chargers"][0]["session_energy_wh"], 6.0);  // to 0.1 Wh
  EXPECT_EQ(json["chargers"][0]["plugged_since_ms"], kNowMs + 1000);
  EXPECT_TRUE(json["chargers"][1]["plugged_since_ms"].is_null());

  // Charging at 7.2 kW; then unplugged: it starts over.
  auto charging = input_with_car(true, 7200.0);
  choices.track_plugs(charging, kNowMs + 7000, 1.0);
  choices.describe(inst, charging, std::nullopt, false, snap);
  EXPECT_TRUE(snap.chargers[0].charging);
  auto gone = input_with_car(false, 0.0);
  choices.track_plugs(gone, kNowMs + 8000, 1.0);
  choices.describe(inst, gone, std::nullopt, false, snap);
  EXPECT_FALSE(snap.chargers[0].charging);
  EXPECT_EQ(snap.chargers[0].session_energy_wh, 0.0);
  EXPECT_FALSE(snap.chargers[0].plugged_since_ms.has_value());
  choices.track_plugs(input_with_car(true, 0.0), kNowMs + 9000, 1.0);
  choices.describe(inst, input_with_car(true, 0.0), std::nullopt, false, snap);
  EXPECT_EQ(snap.chargers[0].plugged_since_ms, kNowMs + 9000);
  EXPECT_EQ(snap.chargers[0].session_energy_wh, 0.0);
}

model::Load load_of(std::string name, model::LoadKind kind) {
  model::Load l;
  l.name = std::move(name);
  l.kind = kind;
  return l;
}

// A battery "Battery" (10 kWh) and a heat pump "Heat pump"; the
// installation's reserve 20 %.
TEST(PersonChoices, BatteryReserveAndHeatPumpInTheSnapshot) {
  model::Installation inst;
  inst.control.battery.reserve_pct = 20.0;
  inst.loads.push_back(load_of("Heat pump", model::LoadKind::kHeatpump));
  inst.loads.push_back(load_of("Battery", model::LoadKind::kBattery));
  control::ControlInput input;
  input.battery.present = true;
  input.battery.soc_pct = 55.0;
  input.battery.capacity_wh = 10'000.0;
  input.heat_pump.present = true;
  input.heat_pump.power_w = 1234.56;
  input.heat_pump.sg_state = 2;
  PersonChoices choices;
  snapshot::SiteSnapshot snap;
  choices.apply(input);
  EXPECT_FALSE(input.battery.reserve_pct.has_value());  // the installation's
  choices.describe(inst, input, 3, false, snap);
  auto json = snapshot::to_json(snap);
  EXPECT_EQ(json["batteries"][0]["reserve_pct"], 20.0);
  EXPECT_EQ(json["batteries"][0]["capacity_kwh"], 10.0);
  EXPECT_EQ(json["heat_pumps"][0]["sg_ready"], 3);
  EXPECT_EQ(json["heat_pumps"][0]["state_name"], "recommended");
  EXPECT_EQ(json["heat_pumps"][0]["p_w"], 1234.6);

  choices.set_battery_reserve(35.0);
  choices.apply(input);
  EXPECT_EQ(input.battery.reserve_pct, 35.0);
  input.battery.capacity_wh = 0.0;  // a battery that does not say
  choices.describe(inst, input, 1, true, snap);
  json = snapshot::to_json(snap);
  EXPECT_EQ(json["batteries"][0]["reserve_pct"], 35.0);
  EXPECT_TRUE(json["batteries"][0]["capacity_kwh"].is_null());
  EXPECT_EQ(json["heat_pumps"][0]["state_name"], "blocked");
  EXPECT_EQ(json["heat_pumps"][0]["manual"], true);

  // An installation without a battery forgets the reserve.
  inst.loads.pop_back();
  choices.keep_only(inst);
  EXPECT_FALSE(choices.battery_reserve().has_value());
}

TEST(SgReadyName, OneToFour) {
  EXPECT_EQ(snapshot::sg_ready_name(1), "blocked");
  EXPECT_EQ(snapshot::sg_ready_name(2), "normal");
  EXPECT_EQ(snapshot::sg_ready_name(3), "recommended");
  EXPECT_EQ(snapshot::sg_ready_name(4), "forced");
  EXPECT_EQ(snapshot::sg_ready_name(0), "unknown");
}

// POST /api/v1/battery/reserve through the router, as the daemon serves it.
class ReserveRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("kirchhoff_reserve_route_" + std::to_string(::getpid()) + ".json"))
                .string();
    std::filesystem::remove(path_);
    auto users = auth::UserStore::open(path_);
    ASSERT_TRUE(users.ok());
    const auth::HashCost cheap{256, 1, 1};
    ASSERT_TRUE(
        users->add({"olga", auth::Role::kOwner, *auth::hash_password("olga password", cheap), 0})
            .ok());
    ASSERT_TRUE(
        users->add({"vic", auth::Role::kViewer, *auth::hash_password("vic password", cheap), 0})
            .ok());
    ASSERT_TRUE(users->save().ok());
    auth_ = std::make_unique<api::AuthApi>(std::move(*users), log_);
    auth_->add_routes(router_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void serve(model::Installation inst) {
    site_ = std::make_unique<SiteConfig>(std::move(inst), "", path_ + ".yaml");
    add_command_routes(router_, *auth_, *site_, queue_);
  }

  std::string token(const std::string& user, const std::string& password) {
    const auto r =
        router_.dispatch({"POST",
                          "/api/v1/login",
                          "",
                          nlohmann::json{{"username", user}, {"password", password}}.dump(),
                          {},
                          "10.0.0.1",
                          {}});
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body)["token"];
  }

  api::HttpResponse reserve(const std::string& body, const std::string& bearer) {
    return router_.dispatch({"POST",
                             "/api/v1/battery/reserve",
                             "",
                             body,
                             {{"authorization", "Bearer " + bearer}},
                             "10.0.0.1",
                             {}});
  }

  std::string path_;
  std::ostringstream sink_;
  common::Logger log_{sink_};
  api::Router router_;
  std::unique_ptr<api::AuthApi> auth_;
  std::unique_ptr<SiteConfig> site_;
  CommandQueue queue_;
};

TEST_F(ReserveRouteTest, QueuedForTheNextCycleWithTheUser) {
  model::Installation inst;
  inst.loads.push_back(load_of("Battery", model::LoadKind::kBattery));
  serve(inst);
  const std::string olga = token("olga", "olga password");
  for (const std::string body :
       {R"({"reserve_pct": 100.5})", R"({"reserve_pct": -0.5})", R"({"reserve_pct": "30"})",
        R"({"reserve_pct": true})", R"({"reserve_pct": 30, "x": 1})", R"({})", "30", "not json"}) {
    EXPECT_EQ(reserve(body, olga).status, 400) << body;
  }
  EXPECT_EQ(reserve(R"({"reserve_pct": 30})", token("vic", "vic password")).status, 403);
  EXPECT_TRUE(queue_.take().empty());
  const auto r = reserve(R"({"reserve_pct": 37.5})", olga);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(nlohmann::json::parse(r.body)["reserve_pct"], 37.5);
  const auto queued = queue_.take();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].user, "olga");
  const auto* command = std::get_if<control::BatteryReserveCommand>(&queued[0].command);
  ASSERT_NE(command, nullptr);
  EXPECT_EQ(command->reserve_pct, 37.5);
}

TEST_F(ReserveRouteTest, NotFoundWithoutABattery) {
  model::Installation inst;
  inst.loads.push_back(load_of("Heat pump", model::LoadKind::kHeatpump));
  serve(inst);
  const auto r = reserve(R"({"reserve_pct": 30})", token("olga", "olga password"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("the site has no battery"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace kirchhoff::daemon
