// Values at JSON paths in payloads as the device families publish them. Each
// payload is written as the family documents it; the expected values are
// read off the payload by eye.
#include "devices/mqtt/payload.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace kirchhoff::devices::mqtt {
namespace {

using ::testing::HasSubstr;

model::JsonPath path(const std::string& text) {
  auto parsed = model::parse_json_path(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed ? *parsed : model::JsonPath{};
}

double number(const std::string& payload, const std::string& at) {
  auto value = Payload(payload).number(path(at));
  EXPECT_TRUE(value.ok()) << payload << " @ " << at << ": " << (value ? "" : value.error().message);
  return value ? *value : -1.0;
}

std::string text(const std::string& payload, const std::string& at) {
  auto value = Payload(payload).text(path(at));
  EXPECT_TRUE(value.ok()) << payload << " @ " << at << ": " << (value ? "" : value.error().message);
  return value ? *value : "";
}

std::string number_error(const std::string& payload, const std::string& at) {
  auto value = Payload(payload).number(path(at));
  EXPECT_FALSE(value.ok()) << payload << " @ " << at;
  return value ? "" : value.error().message;
}

// Shelly Gen 1 (e.g. Shelly Plug S): one bare value per topic.
// shellies/<id>/relay/0/power "12.34" (W), relay/0/energy "8431" (watt-
// minutes), relay/0 "on" / "off".
TEST(Payload, ShellyGen1BareValues) {
  EXPECT_DOUBLE_EQ(number("12.34", ""), 12.34);
  EXPECT_DOUBLE_EQ(number("8431", ""), 8431.0);
  EXPECT_DOUBLE_EQ(number("0", ""), 0.0);
  EXPECT_EQ(text("on", ""), "on");
  EXPECT_EQ(text("off\n", ""), "off");
}

// Shelly Gen 2 (Plus / Pro), <prefix>/status/switch:0: apower in W,
// aenergy.total in Wh, output the relay.
TEST(Payload, ShellyGen2SwitchStatus) {
  const std::string status =
      R"({"id":0, "source":"init", "output":true, "apower":12.3, "voltage":231.9,
          "current":0.094, "aenergy":{"total":1234.5,"by_minute":[196.6,203.2,198.1],
          "minute_ts":1700000040}, "temperature":{"tC":41.2, "tF":106.2}})";
  EXPECT_DOUBLE_EQ(number(status, "apower"), 12.3);
  EXPECT_DOUBLE_EQ(number(status, "aenergy.total"), 1234.5);
  EXPECT_DOUBLE_EQ(number(status, "aenergy.by_minute[1]"), 203.2);
  EXPECT_EQ(text(status, "output"), "true");
  EXPECT_DOUBLE_EQ(number(status, "temperature.tC"), 41.2);
}

// Tasmota, tele/<topic>/SENSOR every TelePeriod: ENERGY.Power in W,
// ENERGY.Total in kWh; stat/<topic>/POWER "ON" / "OFF".
TEST(Payload, TasmotaSensor) {
  const std::string sensor =
      R"({"Time":"2018-01-17T18:59:50","ENERGY":{"TotalStartTime":"2017-12-01T10:00:00",
          "Total":1.956,"Yesterday":0.054,"Today":0.049,"Period":0,"Power":9,
          "ApparentPower":21,"ReactivePower":19,"Factor":0.43,"Voltage":231,"Current":0.089}})";
  EXPECT_DOUBLE_EQ(number(sensor, "ENERGY.Power"), 9.0);
  EXPECT_DOUBLE_EQ(number(sensor, "ENERGY.Total"), 1.956);
  EXPECT_EQ(text(sensor, "Time"), "2018-01-17T18:59:50");
  EXPECT_EQ(text("ON", ""), "ON");
  // tele/<topic>/STATE carries the relay too.
  EXPECT_EQ(text(R"({"Time":"2018-01-17T18:59:50","Uptime":"0T01:02:03","POWER":"OFF"})", "POWER"),
            "OFF");
}

// zigbee2mqtt, zigbee2mqtt/<friendly name>: the device's whole state, power
// in W and energy in kWh for metering plugs.
TEST(Payload, Zigbee2MqttState) {
  const std::string state =
      R"({"current":0.05,"energy":3.21,"linkquality":116,"power":12.5,
          "state":"ON","voltage":230,"update":{"state":"idle"}})";
  EXPECT_DOUBLE_EQ(number(state, "power"), 12.5);
  EXPECT_DOUBLE_EQ(number(state, "energy"), 3.21);
  EXPECT_EQ(text(state, "state"), "ON");
  EXPECT_EQ(text(state, "update.state"), "idle");
}

TEST(Payload, NumbersAsStringsAreNumbers) {
  EXPECT_DOUBLE_EQ(number(R"({"power":"12.5"})", "power"), 12.5);
  EXPECT_DOUBLE_EQ(number(R"({"power":" -3 "})", "power"), -3.0);
  EXPECT_DOUBLE_EQ(number(R"("7.25")", ""), 7.25);
  EXPECT_DOUBLE_EQ(number(R"([{"p":1},{"p":"2e3"}])", "[1].p"), 2000.0);
  EXPECT_DOUBLE_EQ(number(" 42 \r\n", ""), 42.0);
}

TEST(Payload, MistakesNameWhatIsWrong) {
  EXPECT_THAT(number_error(R"({"ENERGY":{"Power":9}})", "ENERGY.Powr"),
              HasSubstr("no key 'Powr' in 'ENERGY'"));
  EXPECT_THAT(number_error(R"({"power":12})", "ENERGY.Power"),
              HasSubstr("no key 'ENERGY' in the payload"));
  EXPECT_THAT(number_error(R"({"power":12})", "power.value"),
              HasSubstr("'power' is a number, not an object with 'value'"));
  EXPECT_THAT(number_error(R"({"a":[1,2]})", "a[2]"),
              HasSubstr("index 2 is beyond 'a' of 2 elements"));
  EXPECT_THAT(number_error(R"({"a":{"b":1}})", "a[0]"),
              HasSubstr("'a' is an object, not an array to take [0] of"));
  EXPECT_THAT(number_error(R"({"a":[[1]]})", "a[0].x"),
              HasSubstr("'a'[0] is an array, not an object with 'x'"));
  EXPECT_THAT(number_error(R"({"ENERGY":{"Power":9}})", "ENERGY"),
              HasSubstr("the value is an object, not a number"));
  EXPECT_THAT(number_error(R"({"state":"ON"})", "state"),
              HasSubstr("a string that is not a number: 'ON'"));
  EXPECT_THAT(number_error(R"({"power":null})", "power"), HasSubstr("null, not a number"));
  EXPECT_THAT(number_error(R"({"power":true})", "power"), HasSubstr("a boolean, not a number"));
  EXPECT_THAT(number_error(R"({"power":"nan"})", "power"), HasSubstr("not a number"));
  EXPECT_THAT(number_error("on", ""), HasSubstr("the payload is not a number: 'on'"));
  EXPECT_THAT(number_error("", ""), HasSubstr("the payload is not a number"));
  EXPECT_THAT(number_error("{\"power\":1", "power"), HasSubstr("the payload is not JSON"));
  EXPECT_THAT(number_error("offline", "power"), HasSubstr("the payload is not JSON: 'offline'"));
  // Beyond a double: neither JSON (nlohmann refuses it) nor a finite decimal.
  EXPECT_THAT(number_error("1e999", ""), HasSubstr("the payload is not a number: '1e999'"));
}

TEST(Payload, TextOfNonScalarsIsAnError) {
  auto value = Payload(R"({"update":{"state":"idle"}})").text(path("update"));
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.error().message, HasSubstr("an object, not a single value"));
}

TEST(Payload, HugePayloadsAreRefusedUnparsed) {
  const std::string huge = "[" + std::string(kMaxPayloadBytes, ' ') + "1]";
  auto value = Payload(huge).number(path("[0]"));
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.error().message, HasSubstr("larger than 256 KiB"));
  EXPECT_FALSE(Payload(huge).number(path("")).ok());
}

TEST(Payload, ControlCharactersInExcerptsArePrintable) {
  EXPECT_THAT(number_error(std::string("a\x01"
                                       "b"),
                           ""),
              HasSubstr("not a number: 'a?b'"));
}

}  // namespace
}  // namespace kirchhoff::devices::mqtt
