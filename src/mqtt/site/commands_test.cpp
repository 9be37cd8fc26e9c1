#include "mqtt/site/commands.hpp"

#include <gtest/gtest.h>

#include "mqtt/site/test_site.hpp"

namespace kirchhoff::mqtt::site {
namespace {

TopicConfig home() { return {"kirchhoff/home", "homeassistant", "kirchhoff_home", false}; }

struct Case {
  std::string topic;
  std::string payload;
  std::string expected;  // control::describe() of the command, or the error message
};

std::string outcome(const common::Result<control::Command>& result) {
  return result.ok() ? control::describe(*result) : "error: " + result.error().message;
}

TEST(MqttSiteCommands, Table) {
  const std::vector<Case> cases = {
      // Relays: ON/OFF and their spellings.
      {"kirchhoff/home/relay/out1/1/set", "ON", "out1/1 switched on"},
      {"kirchhoff/home/relay/out1/2/set", "OFF", "out1/2 switched off"},
      {"kirchhoff/home/relay/out1/1/set", "on", "out1/1 switched on"},
      {"kirchhoff/home/relay/out1/1/set", "true", "out1/1 switched on"},
      {"kirchhoff/home/relay/out1/1/set", "1", "out1/1 switched on"},
      {"kirchhoff/home/relay/out1/1/set", "False", "out1/1 switched off"},
      {"kirchhoff/home/relay/out1/1/set", "0", "out1/1 switched off"},
      {"kirchhoff/home/relay/out1/1/set", " OFF\n", "out1/1 switched off"},
      {"kirchhoff/home/relay/out1/1/set", "maybe",
       "error: kirchhoff/home/relay/out1/1/set: payload 'maybe' is not ON or OFF"},
      {"kirchhoff/home/relay/out1/1/set", "",
       "error: kirchhoff/home/relay/out1/1/set: payload '' is not ON or OFF"},
      {"kirchhoff/home/relay/out9/1/set", "ON",
       "error: kirchhoff/home/relay/out9/1/set: unknown relay out9/1"},
      {"kirchhoff/home/relay/out1/3/set", "ON",
       "error: kirchhoff/home/relay/out1/3/set: unknown relay out1/3"},
      {"kirchhoff/home/relay/out1/x/set", "ON",
       "error: kirchhoff/home/relay/out1/x/set: unknown relay out1/x"},
      {"kirchhoff/home/relay/in1/1/set", "ON",
       "error: kirchhoff/home/relay/in1/1/set: unknown relay in1/1: in1 is an Input module, not "
       "an Output module"},
      // EV mode: the select's options and min_pv.
      {"kirchhoff/home/ev/car/mode/set", "pv", "charger 'Car' mode pv"},
      {"kirchhoff/home/ev/car/mode/set", "min+pv", "charger 'Car' mode min+pv"},
      {"kirchhoff/home/ev/car/mode/set", "min_pv", "charger 'Car' mode min+pv"},
      {"kirchhoff/home/ev/car/mode/set", "NOW", "charger 'Car' mode now"},
      {"kirchhoff/home/ev/car/mode/set", "off", "charger 'Car' mode off"},
      {"kirchhoff/home/ev/car/mode/set", "fast",
       "error: kirchhoff/home/ev/car/mode/set: payload 'fast' is not an EV mode (off, now, min+pv "
       "or pv)"},
      {"kirchhoff/home/ev/bike/mode/set", "pv",
       "error: kirchhoff/home/ev/bike/mode/set: unknown EV load bike"},
      {"kirchhoff/home/ev/kitchen/mode/set", "pv",
       "error: kirchhoff/home/ev/kitchen/mode/set: load 'Kitchen' is not an EV load (it is "
       "consumer)"},
      // SG Ready: names, numbers, auto.
      {"kirchhoff/home/heat_pump/sg_ready/set", "recommended", "heat pump SG Ready 3"},
      {"kirchhoff/home/heat_pump/sg_ready/set", "4", "heat pump SG Ready 4"},
      {"kirchhoff/home/heat_pump/sg_ready/set", "Blocked", "heat pump SG Ready 1"},
      {"kirchhoff/home/heat_pump/sg_ready/set", "auto", "heat pump SG Ready auto"},
      {"kirchhoff/home/heat_pump/sg_ready/set", "5",
       "error: kirchhoff/home/heat_pump/sg_ready/set: payload '5' is not an SG Ready state (auto, "
       "blocked, normal, recommended, forced or 1 to 4)"},
      // Not command topics.
      {"kirchhoff/home/relay/out1/1", "ON",
       "error: kirchhoff/home/relay/out1/1: not a command topic of this site"},
      {"kirchhoff/other/relay/out1/1/set", "ON",
       "error: kirchhoff/other/relay/out1/1/set: not a command topic of this site"},
      {"kirchhoff/home/", "ON", "error: kirchhoff/home/: not a command topic of this site"},
      {"kirchhoff/home", "ON", "error: kirchhoff/home: not a command topic of this site"},
      {"kirchhoff/home/heat_pump/sg_ready/set/x", "1",
       "error: kirchhoff/home/heat_pump/sg_ready/set/x: not a command topic of this site"},
  };
  const auto inst = testing::test_site();
  for (const auto& c : cases) {
    EXPECT_EQ(outcome(parse_command(c.topic, c.payload, inst, home())), c.expected)
        << c.topic << " " << c.payload;
  }
}

TEST(MqttSiteCommands, ObjectIdsMapBackToNames) {
  const auto result =
      parse_command("kirchhoff/home/relay/out1/2/set", "ON", testing::test_site(), home());
  ASSERT_TRUE(result.ok());
  const auto& relay = std::get<control::RelayCommand>(*result);
  EXPECT_EQ(relay.module, "out1");
  EXPECT_EQ(relay.output, 2);
  EXPECT_TRUE(relay.on);

  const auto sg =
      parse_command("kirchhoff/home/heat_pump/sg_ready/set", "auto", testing::test_site(), home());
  ASSERT_TRUE(sg.ok());
  EXPECT_FALSE(std::get<control::SgReadyCommand>(*sg).state.has_value());
}

TEST(MqttSiteCommands, ReadOnlyRefusesEverythingAndSubscribesToNothing) {
  TopicConfig config = home();
  config.read_only = true;
  const auto result =
      parse_command("kirchhoff/home/relay/out1/1/set", "ON", testing::test_site(), config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, common::ErrorKind::kUnsupported);
  EXPECT_EQ(result.error().message,
            "kirchhoff/home/relay/out1/1/set: refused: MQTT is read-only on this site");
  EXPECT_TRUE(command_filters(config).empty());
}

TEST(MqttSiteCommands, FiltersCoverTheCommandTopics) {
  EXPECT_EQ(command_filters(home()),
            (std::vector<std::string>{
                "kirchhoff/home/relay/+/+/set", "kirchhoff/home/ev/+/mode/set",
                "kirchhoff/home/ev/+/session/set", "kirchhoff/home/heat_pump/sg_ready/set"}));
}

// Sessions: the API's JSON, judged at the time of arrival; empty clears.
// 2026-03-01T00:00:00Z = 1772323200; with a +01:00 offset it is 01:00 local,
// so "07:00" is 2026-03-01T06:00:00Z.
TEST(MqttSiteCommands, SessionsSetAndClear) {
  const control::CommandTime at{1772323200, 3600};
  const auto inst = testing::test_site();
  EXPECT_EQ(outcome(parse_command("kirchhoff/home/ev/car/session/set",
                                  R"({"departure": "07:00", "need_kwh": 20})", inst, home(), at)),
            "charger 'Car' session 20 kWh by 2026-03-01T06:00:00Z");
  // 80 % of the default 60 kWh battery (control.ev.battery_kwh) = 48 kWh.
  EXPECT_EQ(outcome(parse_command("kirchhoff/home/ev/car/session/set",
                                  R"({"departure": "2026-03-02T07:00:00+01:00", "need_pct": 80})",
                                  inst, home(), at)),
            "charger 'Car' session 48 kWh by 2026-03-02T06:00:00Z");
  EXPECT_EQ(outcome(parse_command("kirchhoff/home/ev/car/session/set", "", inst, home(), at)),
            "charger 'Car' session cleared");
  EXPECT_EQ(outcome(parse_command("kirchhoff/home/ev/car/session/set",
                                  R"({"departure": "07:00", "need_kwh": 0})", inst, home(), at)),
            "error: kirchhoff/home/ev/car/session/set: the need must be above 0 and at most 200 "
            "kWh, not 0 kWh");
  EXPECT_EQ(outcome(parse_command("kirchhoff/home/ev/bike/session/set", "", inst, home(), at)),
            "error: kirchhoff/home/ev/bike/session/set: unknown EV load bike");
}

TEST(MqttSiteCommands, HostilePayloadsAreCutInMessages) {
  const std::string long_payload(1000, 'x');
  const auto result =
      parse_command("kirchhoff/home/relay/out1/1/set", long_payload, testing::test_site(), home());
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.error().message.size(), 200U);
  const auto bad_utf8 =
      parse_command("kirchhoff/home/ev/\xFF/mode/set", "\xFE", testing::test_site(), home());
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_EQ(bad_utf8.error().message.find('\xFF'), std::string::npos);
}

}  // namespace
}  // namespace kirchhoff::mqtt::site
