#include "model/json_path.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace kirchhoff::model {
namespace {

using ::testing::HasSubstr;

std::string key(const JsonPathStep& step) { return std::get<std::string>(step); }
std::size_t index(const JsonPathStep& step) { return std::get<std::size_t>(step); }

TEST(JsonPath, EmptyPathIsTheWholePayload) {
  auto path = parse_json_path("");
  ASSERT_TRUE(path.ok());
  EXPECT_TRUE(path->empty());
}

TEST(JsonPath, KeysOfTheThreeFamilies) {
  // Tasmota tele/<topic>/SENSOR: {"ENERGY":{"Power":...}}
  auto tasmota = parse_json_path("ENERGY.Power");
  ASSERT_TRUE(tasmota.ok());
  ASSERT_EQ(tasmota->steps.size(), 2u);
  EXPECT_EQ(key(tasmota->steps[0]), "ENERGY");
  EXPECT_EQ(key(tasmota->steps[1]), "Power");
  EXPECT_EQ(tasmota->text, "ENERGY.Power");
  // Shelly Gen 2 status/switch:0: {"aenergy":{"total":...}}
  auto shelly = parse_json_path("aenergy.total");
  ASSERT_TRUE(shelly.ok());
  ASSERT_EQ(shelly->steps.size(), 2u);
  EXPECT_EQ(key(shelly->steps[1]), "total");
  // zigbee2mqtt: {"power":...}
  auto z2m = parse_json_path("power");
  ASSERT_TRUE(z2m.ok());
  ASSERT_EQ(z2m->steps.size(), 1u);
  EXPECT_EQ(key(z2m->steps[0]), "power");
}

TEST(JsonPath, IndicesAfterKeysAndAtTheStart) {
  auto path = parse_json_path("emeters[1].power");
  ASSERT_TRUE(path.ok());
  ASSERT_EQ(path->steps.size(), 3u);
  EXPECT_EQ(key(path->steps[0]), "emeters");
  EXPECT_EQ(index(path->steps[1]), 1u);
  EXPECT_EQ(key(path->steps[2]), "power");

  auto leading = parse_json_path("[0][12]");
  ASSERT_TRUE(leading.ok());
  ASSERT_EQ(leading->steps.size(), 2u);
  EXPECT_EQ(index(leading->steps[0]), 0u);
  EXPECT_EQ(index(leading->steps[1]), 12u);

  auto nine = parse_json_path("a[999999999]");
  ASSERT_TRUE(nine.ok());
  EXPECT_EQ(index(nine->steps[1]), 999999999u);
}

TEST(JsonPath, KeysMayHoldColonsSpacesAndUnicode) {
  // Shelly Gen 2 names components "switch:0"; keys are any text but . [ ].
  auto path = parse_json_path("switch:0.apower");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(key(path->steps[0]), "switch:0");
  auto spaced = parse_json_path("Leistung aktuell.Wert \xC2\xB0");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(key(spaced->steps[0]), "Leistung aktuell");
}

TEST(JsonPath, MistakesNameTheCharacter) {
  struct Case {
    const char* path;
    const char* message;
  };
  const Case cases[] = {
      {".power", "at character 1: an empty key"},
      {"a..b", "at character 3: an empty key"},
      {"a.", "at character 2: the path ends with '.'"},
      {"a[", "at character 3: '[' must be followed by an index"},
      {"a[x]", "at character 3: '[' must be followed by an index"},
      {"a[-1]", "at character 3: '[' must be followed by an index"},
      {"a[1", "at character 4: an index must end with ']'"},
      {"a[1]b", "at character 5: expected '.' or '[' after an index"},
      {"a]", "at character 2: ']' without '['"},
      {"]", "at character 1: ']' without '['"},
      {"a.[0]", "at character 3: a key must follow '.'"},
      {"a[1234567890]", "at character 12: an index has at most 9 digits"},
      {"a\tb", "at character 2: a control character in a key"},
  };
  for (const auto& c : cases) {
    auto path = parse_json_path(c.path);
    ASSERT_FALSE(path.ok()) << c.path;
    EXPECT_THAT(path.error().message, HasSubstr(c.message)) << c.path;
  }
}

TEST(JsonPath, LongPathsAreRefused) {
  EXPECT_TRUE(parse_json_path(std::string(kMaxJsonPathChars, 'a')).ok());
  auto path = parse_json_path(std::string(kMaxJsonPathChars + 1, 'a'));
  ASSERT_FALSE(path.ok());
  EXPECT_THAT(path.error().message, HasSubstr("longer than 256 characters"));
}

}  // namespace
}  // namespace kirchhoff::model
