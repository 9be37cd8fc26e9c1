// The JSON of `kirchhoff p1` (docs/p1.md): its contract keys on published
// telegrams (tests/data/p1/README.md); values read off the telegram text.
#include "devices/p1/telegram_json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/text.hpp"

namespace kirchhoff::devices::p1 {
namespace {

nlohmann::ordered_json json_of(const std::string& name) {
  const auto text = common::read_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/tests/data/p1/" + name);
  EXPECT_TRUE(text.has_value()) << name;
  auto telegram = parse_telegram(text.value_or(""), {.require_crc_match = false});
  EXPECT_TRUE(telegram.ok()) << (telegram.ok() ? "" : telegram.error().message);
  return telegram.ok() ? to_json(*telegram) : nlohmann::ordered_json();
}

TEST(P1Json, Dsmr50) {
  const auto j = json_of("dsmr50.txt");
  EXPECT_EQ(j["crc_ok"], true);
  EXPECT_EQ(j["crc_sent"], "6EEE");
  EXPECT_EQ(j["header"], "ISk5\\2MT382-1000");
  const auto& o = j["objects"];
  EXPECT_EQ(o["1-0:1.8.1"], nlohmann::ordered_json::parse(R"({"value": 4.426, "unit": "kWh"})"));
  EXPECT_EQ(o["1-0:32.7.0"]["value"], 230.0);
  EXPECT_EQ(o["1-0:32.7.0"]["unit"], "V");
  EXPECT_EQ(o["0-0:96.7.21"], nlohmann::ordered_json::parse(R"({"value": 13})"));
  EXPECT_TRUE(o["0-0:96.7.21"]["value"].is_number_integer());
  EXPECT_EQ(o["0-0:96.14.0"]["value"], "0002");
  EXPECT_EQ(o["0-0:96.1.1"]["value"], "4B384547303034303436333935353037");
  EXPECT_EQ(o["0-0:1.0.0"]["timestamp"], "2017-01-02T19:20:02+01:00");
  EXPECT_EQ(o["0-1:24.2.1"]["value"], 0.107);
  EXPECT_EQ(o["0-1:24.2.1"]["unit"], "m3");
  EXPECT_EQ(o["0-1:24.2.1"]["timestamp"], "2017-01-02T16:10:05+01:00");
  EXPECT_EQ(o["0-1:24.1.0"]["value"], 3);
  EXPECT_EQ(o["1-0:99.97.0"]["value"], 0);
  EXPECT_TRUE(o["1-0:99.97.0"]["entries"].empty());
  // Objects in telegram order: the version line comes first.
  EXPECT_EQ(o.begin().key(), "1-3:0.2.8");
}

TEST(P1Json, NoCrcIsNullAndGasOnTheNextLine) {
  const auto j = json_of("dsmr22.txt");
  EXPECT_TRUE(j["crc_ok"].is_null());
  EXPECT_FALSE(j.contains("crc_sent"));
  EXPECT_EQ(j["objects"]["0-1:24.3.0"]["value"], 1.001);
  EXPECT_EQ(j["objects"]["0-1:24.3.0"]["unit"], "m3");
  EXPECT_EQ(j["objects"]["0-0:96.13.1"]["value"], "");
}

TEST(P1Json, CapacityTariffAndLogs) {
  const auto j = json_of("emucs_fluvius.txt");
  const auto& o = j["objects"];
  EXPECT_EQ(o["1-0:1.4.0"], nlohmann::ordered_json::parse(R"({"value": 2.351, "unit": "kW"})"));
  EXPECT_EQ(o["1-0:1.6.0"]["value"], 2.589);
  EXPECT_EQ(o["1-0:1.6.0"]["timestamp"], "2020-05-09T13:45:58+02:00");
  const auto& months = o["0-0:98.1.0"]["entries"];
  ASSERT_EQ(months.size(), 3u);
  EXPECT_EQ(o["0-0:98.1.0"]["value"], 3);
  EXPECT_EQ(months[1]["timestamp"], "2020-04-01T00:00:00+02:00");
  // The meter flags 200305122139 as S (summer) in early March; the flag, not
  // the calendar, gives the offset.
  EXPECT_EQ(months[1]["peak_timestamp"], "2020-03-05T12:21:39+02:00");
  EXPECT_EQ(months[1]["value"], 5.980);
  EXPECT_EQ(months[1]["unit"], "kW");

  const auto failures = json_of("dsmr42.txt")["objects"]["1-0:99.97.0"];
  EXPECT_EQ(failures["value"], 3);
  EXPECT_EQ(failures["entries"][0]["timestamp"], "2000-01-04T18:03:20+01:00");
  EXPECT_EQ(failures["entries"][0]["value"], 237126.0);
  EXPECT_EQ(failures["entries"][0]["unit"], "s");

  const auto no_time = json_of("emucs_fluvius_no_history.txt")["objects"]["0-0:98.1.0"];
  EXPECT_EQ(no_time["entries"][0]["peak_timestamp_text"], "632525252525W");
  EXPECT_FALSE(no_time["entries"][0].contains("peak_timestamp"));
}

TEST(P1Json, CrcMismatchIsFalse) {
  const auto j = json_of("dsmr502_spec_example.txt");
  EXPECT_EQ(j["crc_ok"], false);
  EXPECT_EQ(j["crc_sent"], "EF2F");
  EXPECT_EQ(j["crc_computed"], "E47C");
}

TEST(P1Json, UnexplainedMultiFieldObjectsKeepTheirFields) {
  auto telegram = parse_telegram("/ABC5 test\r\n\r\n0-0:99.1.0(1)(2)(x)\r\n!\r\n");
  ASSERT_TRUE(telegram.ok()) << telegram.error().message;
  const auto j = to_json(*telegram);
  EXPECT_EQ(j["objects"]["0-0:99.1.0"]["fields"],
            nlohmann::ordered_json::parse(R"(["1", "2", "x"])"));
}

}  // namespace
}  // namespace kirchhoff::devices::p1
