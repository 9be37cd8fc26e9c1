#include "mqtt/site/topics.hpp"

#include <gtest/gtest.h>

#include "mqtt/site/test_site.hpp"

namespace kirchhoff::mqtt::site {
namespace {

TEST(MqttSiteSlug, LowerCaseLettersDigitsAndSingleUnderscores) {
  EXPECT_EQ(slug("Home"), "home");
  EXPECT_EQ(slug("Heat pump"), "heat_pump");
  EXPECT_EQ(slug("  Heat -- pump!! "), "heat_pump");
  EXPECT_EQ(slug("a+b#c/d"), "a_b_c_d");  // MQTT wildcards and levels never pass
  EXPECT_EQ(slug("PV_East 2"), "pv_east_2");
}

TEST(MqttSiteSlug, Latin1AccentsAreTransliterated) {
  EXPECT_EQ(slug("Maison \xC3\x89t\xC3\xA9"), "maison_ete");  // "Maison Été"
  EXPECT_EQ(slug("Stra\xC3\x9F"
                 "e 1"),
            "strasse_1");  // "Straße 1"
  EXPECT_EQ(slug("K\xC3\xBC"
                 "che / Bad"),
            "kuche_bad");                        // "Küche / Bad"
  EXPECT_EQ(slug("\xC3\x86r\xC3\xB8"), "aero");  // "Ærø"
  EXPECT_EQ(slug("\xC3\x89"
                 "COLE"),
            "ecole");  // "ÉCOLE"
  EXPECT_EQ(slug("2\xC3\x97"
                 "3"),
            "2_3");  // "2×3": × separates
}

TEST(MqttSiteSlug, OtherScriptsAndBadBytesSeparateAndNeverLeaveItEmpty) {
  EXPECT_EQ(slug(""), "site");
  EXPECT_EQ(slug("!!!"), "site");
  EXPECT_EQ(slug("\xE2\x98\x80"), "site");                         // "☀"
  EXPECT_EQ(slug("\xE5\x8E\xA8\xE6\x88\xBF Kitchen"), "kitchen");  // "厨房 Kitchen"
  EXPECT_EQ(slug("a\xFF\xFE"
                 "b"),
            "a_b");
  EXPECT_EQ(slug("x\xC3"), "x");  // a lead byte cut off at the end
  EXPECT_EQ(slug(std::string_view("a\0b", 3)), "a_b");
}

TEST(MqttSiteSlug, CutAt48Characters) {
  EXPECT_EQ(slug(std::string(60, 'a')), std::string(48, 'a'));
  // 47 letters, then a separator at the cut: trimmed to the 47.
  EXPECT_EQ(slug(std::string(47, 'b') + " cd"), std::string(47, 'b'));
}

TEST(MqttSiteTopics, DefaultsFollowTheSiteName) {
  model::Installation inst;
  inst.site.name = "Maison \xC3\x89t\xC3\xA9";
  const TopicConfig config = default_topics(inst);
  EXPECT_EQ(config.prefix, "kirchhoff/maison_ete");
  EXPECT_EQ(config.node_id, "kirchhoff_maison_ete");
  EXPECT_EQ(config.discovery_prefix, "homeassistant");
  EXPECT_FALSE(config.read_only);
  EXPECT_TRUE(check_topics(config).ok());
}

TEST(MqttSiteTopics, CheckRefusesWildcardsEmptyLevelsAndBadNodeIds) {
  TopicConfig good{"kirchhoff/home", "homeassistant", "kirchhoff_home", false};
  EXPECT_TRUE(check_topics(good).ok());

  auto with_prefix = [&](std::string prefix) {
    TopicConfig c = good;
    c.prefix = std::move(prefix);
    return check_topics(c);
  };
  const auto plus = with_prefix("kirchhoff/+");
  ASSERT_FALSE(plus.ok());
  EXPECT_EQ(plus.error().message, "topic_prefix 'kirchhoff/+' contains a wildcard (+ or #) or NUL");
  EXPECT_FALSE(with_prefix("home/#").ok());
  EXPECT_FALSE(with_prefix("").ok());
  EXPECT_FALSE(with_prefix("/home").ok());
  EXPECT_FALSE(with_prefix("home/").ok());
  EXPECT_FALSE(with_prefix("a//b").ok());
  EXPECT_FALSE(with_prefix("$SYS/x").ok());
  EXPECT_FALSE(with_prefix(std::string("a\0b", 3)).ok());

  TopicConfig bad_node = good;
  bad_node.node_id = "kirchhoff home";
  const auto node = check_topics(bad_node);
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error().message,
            "node_id 'kirchhoff home' must be letters, digits, _ or - (Home Assistant's node id)");
  TopicConfig bad_discovery = good;
  bad_discovery.discovery_prefix = "ha/+";
  EXPECT_FALSE(check_topics(bad_discovery).ok());
}

TEST(MqttSiteObjectIds, CollisionsGetSuffixesInFileOrder) {
  const ObjectIds ids(testing::test_site());
  EXPECT_EQ(ids.load("Grid"), "grid");
  EXPECT_EQ(ids.load("Heat pump"), "heat_pump");
  EXPECT_EQ(ids.load("Heat-pump"), "heat_pump_2");  // the second to slug to heat_pump
  EXPECT_EQ(ids.load("Kitchen"), "kitchen");
  EXPECT_EQ(ids.load("Garage"), "");
  EXPECT_EQ(ids.module("in1"), "in1");
  EXPECT_EQ(ids.module("out1"), "out1");
  EXPECT_EQ(ids.device("P1 meter"), "p1_meter");
  EXPECT_EQ(ids.input_source("in1"), "in1");
  EXPECT_EQ(ids.input_source("P1 meter"), "p1_meter");
  EXPECT_EQ(ids.load_named("heat_pump_2"), "Heat-pump");
  EXPECT_EQ(ids.module_named("out1"), "out1");
  EXPECT_EQ(ids.module_named("out9"), "");
}

TEST(MqttSiteObjectIds, SiteIsReservedAndSuffixesSkipTakenIds) {
  model::Installation inst;
  inst.loads.push_back(testing::test_load("Site", model::LoadKind::kConsumer, {}));
  inst.loads.push_back(testing::test_load("a", model::LoadKind::kConsumer, {}));
  inst.loads.push_back(testing::test_load("a 2", model::LoadKind::kConsumer, {}));
  inst.loads.push_back(testing::test_load("A", model::LoadKind::kConsumer, {}));
  inst.loads.push_back(testing::test_load("\xE2\x98\x80", model::LoadKind::kConsumer, {}));
  const ObjectIds ids(inst);
  EXPECT_EQ(ids.load("Site"), "site_2");
  EXPECT_EQ(ids.load("a"), "a");
  EXPECT_EQ(ids.load("a 2"), "a_2");
  EXPECT_EQ(ids.load("A"), "a_3");  // a and a_2 are taken
  EXPECT_EQ(ids.load("\xE2\x98\x80"), "load");
}

TEST(MqttSiteObjectIds, AlarmsKnownFromTheInstallation) {
  const ObjectIds ids(testing::test_site());
  // The ids src/daemon/alarms.cpp and daemon.cpp raise, for three phases and
  // one device.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"no-measurements", "no_measurements"},
      {"installation-invalid", "installation_invalid"},
      {"fail-safe", "fail_safe"},
      {"overcurrent-L1", "overcurrent_l1"},
      {"overcurrent-L2", "overcurrent_l2"},
      {"overcurrent-L3", "overcurrent_l3"},
      {"voltage-L1", "voltage_l1"},
      {"voltage-L2", "voltage_l2"},
      {"voltage-L3", "voltage_l3"},
      {"device-P1 meter", "device_p1_meter"}};
  ASSERT_EQ(ids.alarms().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(ids.alarms()[i].id, expected[i].first);
    EXPECT_EQ(ids.alarms()[i].object, expected[i].second);
  }
  EXPECT_EQ(ids.alarms()[3].name, "Overcurrent L1");
  EXPECT_EQ(ids.alarm("fail-safe"), "fail_safe");
  EXPECT_EQ(ids.alarm("something-new"), "");
}

}  // namespace
}  // namespace kirchhoff::mqtt::site
