#include "control/commands.hpp"

#include <gtest/gtest.h>

namespace kirchhoff::control {
namespace {

model::Load load(std::string name, model::LoadKind kind) {
  model::Load l;
  l.name = std::move(name);
  l.kind = kind;
  return l;
}

// An Input module in1, an Output module out1 with relays 1 and 2, an EV load
// "Car" and a heat pump "Heat pump".
model::Installation site() {
  model::Installation inst;
  inst.site.name = "Home";
  inst.loads.push_back(load("Grid", model::LoadKind::kGrid));
  inst.loads.push_back(load("Car", model::LoadKind::kEv));
  inst.loads.push_back(load("Heat pump", model::LoadKind::kHeatpump));
  model::Module in;
  in.kind = model::ModuleKind::kInput;
  in.id = "in1";
  model::ModuleInput gas;
  gas.number = 1;
  gas.name = "Gas";
  in.inputs.push_back(gas);
  inst.modules.push_back(in);
  model::Module out;
  out.kind = model::ModuleKind::kOutput;
  out.id = "out1";
  for (int n = 1; n <= 2; ++n) {
    model::ModuleOutput relay;
    relay.number = n;
    out.outputs.push_back(relay);
  }
  inst.modules.push_back(out);
  return inst;
}

TEST(ControlCommands, RelayOfAnOutputModuleIsValid) {
  EXPECT_TRUE(validate(RelayCommand{"out1", 1, true}, site()).ok());
  EXPECT_TRUE(validate(RelayCommand{"out1", 2, false}, site()).ok());
}

TEST(ControlCommands, RelayThatDoesNotExistIsRefused) {
  const auto missing_module = validate(RelayCommand{"out9", 1, true}, site());
  ASSERT_FALSE(missing_module.ok());
  EXPECT_EQ(missing_module.error().message, "unknown relay out9/1");
  EXPECT_EQ(missing_module.error().kind, common::ErrorKind::kNotFound);

  const auto missing_output = validate(RelayCommand{"out1", 3, true}, site());
  ASSERT_FALSE(missing_output.ok());
  EXPECT_EQ(missing_output.error().message, "unknown relay out1/3");

  const auto input_module = validate(RelayCommand{"in1", 1, true}, site());
  ASSERT_FALSE(input_module.ok());
  EXPECT_EQ(input_module.error().message,
            "unknown relay in1/1: in1 is an Input module, not an Output module");
}

TEST(ControlCommands, EvModeNeedsAnEvLoad) {
  EXPECT_TRUE(validate(EvModeCommand{"Car", model::EvMode::kPv}, site()).ok());

  const auto not_ev = validate(EvModeCommand{"Heat pump", model::EvMode::kPv}, site());
  ASSERT_FALSE(not_ev.ok());
  EXPECT_EQ(not_ev.error().message, "load 'Heat pump' is not an EV load (it is heatpump)");

  const auto unknown = validate(EvModeCommand{"Bike", model::EvMode::kNow}, site());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "unknown load 'Bike'");
}

TEST(ControlCommands, SgReadyNeedsAHeatPumpAndAStateOneToFour) {
  for (int state = 1; state <= 4; ++state) {
    EXPECT_TRUE(validate(SgReadyCommand{state}, site()).ok()) << state;
  }
  EXPECT_TRUE(validate(SgReadyCommand{std::nullopt}, site()).ok());

  const auto zero = validate(SgReadyCommand{0}, site());
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().message, "SG Ready state 0 is not 1, 2, 3 or 4");
  EXPECT_FALSE(validate(SgReadyCommand{5}, site()).ok());

  auto no_heat_pump = site();
  no_heat_pump.loads.pop_back();
  const auto refused = validate(SgReadyCommand{3}, no_heat_pump);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "the site has no heat pump");
}

TEST(ControlCommands, BatteryReserveNeedsABatteryAndZeroToHundred) {
  auto with_battery = site();
  with_battery.loads.push_back(load("Battery", model::LoadKind::kBattery));
  for (double pct : {0.0, 37.5, 100.0}) {
    EXPECT_TRUE(validate(BatteryReserveCommand{pct}, with_battery).ok()) << pct;
  }
  const auto above = validate(BatteryReserveCommand{100.5}, with_battery);
  ASSERT_FALSE(above.ok());
  EXPECT_EQ(above.error().kind, common::ErrorKind::kInvalidArgument);
  EXPECT_EQ(above.error().message, "a battery reserve is 0 to 100 %");
  EXPECT_FALSE(validate(BatteryReserveCommand{-1.0}, with_battery).ok());

  const auto none = validate(BatteryReserveCommand{30.0}, site());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, common::ErrorKind::kNotFound);
  EXPECT_EQ(none.error().message, "the site has no battery");
}

TEST(ControlCommands, ParseEvModeAcceptsTheModeNamesAndMinPv) {
  EXPECT_EQ(parse_ev_mode("off"), model::EvMode::kOff);
  EXPECT_EQ(parse_ev_mode("now"), model::EvMode::kNow);
  EXPECT_EQ(parse_ev_mode("min+pv"), model::EvMode::kMinPv);
  EXPECT_EQ(parse_ev_mode("min_pv"), model::EvMode::kMinPv);
  EXPECT_EQ(parse_ev_mode("pv"), model::EvMode::kPv);
  EXPECT_EQ(parse_ev_mode(""), std::nullopt);
  EXPECT_EQ(parse_ev_mode("PV"), std::nullopt);
  EXPECT_EQ(parse_ev_mode("min pv"), std::nullopt);
}

TEST(ControlCommands, DescribeWordsTheCommandForEventsAndLogs) {
  // The spellings of the header's comment.
  EXPECT_EQ(describe(RelayCommand{"out1", 2, true}), "out1/2 switched on");
  EXPECT_EQ(describe(RelayCommand{"out1", 2, false}), "out1/2 switched off");
  EXPECT_EQ(describe(EvModeCommand{"Car", model::EvMode::kPv}), "charger 'Car' mode pv");
  EXPECT_EQ(describe(EvModeCommand{"Car", model::EvMode::kMinPv}), "charger 'Car' mode min+pv");
  EXPECT_EQ(describe(SgReadyCommand{3}), "heat pump SG Ready 3");
  EXPECT_EQ(describe(SgReadyCommand{std::nullopt}), "heat pump SG Ready auto");
  EXPECT_EQ(describe(BatteryReserveCommand{30.0}), "battery reserve 30 %");
  EXPECT_EQ(describe(BatteryReserveCommand{12.5}), "battery reserve 12.5 %");
}

}  // namespace
}  // namespace kirchhoff::control

namespace kirchhoff::control {
namespace {

// parse_ev_session's rules. 2026-03-01T00:00:00Z = 1772323200 (2026-01-01
// is 1767225600, plus 59 days of 86400 s); local time UTC+1.
TEST(EvSessionBody, DeparturesAndNeeds) {
  const CommandTime at{1772323200, 3600};
  auto error_of = [&](const std::string& body) {
    const auto s = parse_ev_session(body, at, 60.0);
    return s.ok() ? std::string("ok") : s.error().message;
  };
  // 01:00 local now: "00:30" has passed today, so it is tomorrow 00:30
  // local = 2026-03-01T23:30Z.
  const auto tomorrow = parse_ev_session(R"({"departure": "00:30", "need_kwh": 12.5})", at, 60.0);
  ASSERT_TRUE(tomorrow.ok());
  EXPECT_EQ(tomorrow->departure_unix_s, 1772323200 + 23 * 3600 + 1800);
  EXPECT_EQ(tomorrow->need_wh, 12500.0);
  EXPECT_EQ(tomorrow->declared_unix_s, 1772323200);
  EXPECT_EQ(tomorrow->delivered_wh, 0.0);
  // 50 % of a 77 kWh battery = 38.5 kWh.
  const auto pct =
      parse_ev_session(R"({"departure": "07:00", "need_pct": 50, "battery_kwh": 77})", at, 60.0);
  ASSERT_TRUE(pct.ok());
  EXPECT_EQ(pct->need_wh, 38500.0);
  EXPECT_EQ(error_of(R"({"departure": "2026-02-28T23:00:00Z", "need_kwh": 5})"),
            "departure 2026-02-28T23:00:00Z is in the past");
  EXPECT_EQ(error_of(R"({"departure": "2026-03-08T00:00:01Z", "need_kwh": 5})"),
            "departure 2026-03-08T00:00:01Z is more than 7 days ahead");
  EXPECT_EQ(error_of(R"({"departure": "07:00", "need_kwh": 200.5})"),
            "the need must be above 0 and at most 200 kWh, not 200.5 kWh");
  EXPECT_EQ(error_of(R"({"departure": "07:00", "need_kwh": -1})"),
            "the need must be above 0 and at most 200 kWh, not -1 kWh");
  EXPECT_EQ(error_of(R"({"departure": "25:00", "need_kwh": 5})"),
            "departure '25:00' is not a time of day");
  EXPECT_EQ(error_of(R"({"departure": "soon", "need_kwh": 5})"),
            "departure 'soon' is neither HH:MM nor ISO 8601 with an offset "
            "(2026-03-02T07:00:00+01:00)");
  EXPECT_EQ(error_of(R"({"departure": "07:00", "need_kwh": "5"})"), "need_kwh must be a number");
  EXPECT_EQ(error_of(R"({"departure": "07:00", "need_kwh": 5, "need_pct": 5})"),
            "give either need_kwh, or need_pct (with battery_kwh optionally): the body must be "
            "{\"departure\": \"07:00\" or ISO 8601 with an offset, \"need_kwh\": 20} or "
            "{\"departure\", \"need_pct\": 80, \"battery_kwh\": 60}");
  EXPECT_EQ(error_of(R"({"departure": "07:00", "need_pct": 120})"),
            "need_pct must be above 0 and at most 100");
  EXPECT_EQ(error_of("[]").substr(0, 16), "the body must be");
}

}  // namespace
}  // namespace kirchhoff::control
