// People's other choices (charger modes, the SG Ready hold, the battery
// reserve): the file (written, read back, damaged), what an installation
// change drops, the restore onto the energy manager's input and holds, and
// the events' texts.
#include "daemon/choice_memory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/text.hpp"
#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

// The demo house: loads "Battery" (battery), "EV charger" (ev) and "Heat
// pump" (heatpump); control.ev.mode min+pv, control.battery.reserve_pct 20.
std::string demo_yaml() {
  return *common::read_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
}

model::Installation installation(const std::string& yaml) {
  auto inst = model::load_installation_text(yaml, "test.yaml");
  EXPECT_TRUE(inst.ok()) << (inst ? "" : inst.error().message);
  return *inst;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

class ChoiceMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("choice_memory_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "choices.json").string(); }
  std::filesystem::path dir_;
};

// The example of docs/daemon.md, "Other choices that last".
TEST(LoadChoices, TheDocumentedFileReads) {
  const auto parsed = parse_load_choices(R"({"version": 1,
   "loads": {"EV charger": {"ev_mode": "pv", "user": "owner", "time_ms": 1780272000000},
             "Heat pump": {"sg_ready": 3, "user": "owner", "time_ms": 1780272000000},
             "Battery": {"reserve_pct": 40, "user": "owner", "time_ms": 1780272000000}}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 3u);
  std::map<std::string, LoadChoice> by_load;
  for (const auto& c : *parsed) {
    by_load[c.load] = c;
  }
  EXPECT_EQ(by_load["EV charger"].ev_mode, model::EvMode::kPv);
  EXPECT_EQ(by_load["Heat pump"].sg_ready, 3);
  EXPECT_EQ(by_load["Battery"].reserve_pct, 40.0);
  EXPECT_EQ(by_load["Battery"].user, "owner");
  EXPECT_EQ(by_load["Battery"].time_ms, 1780272000000);
  // Written back, it reads the same.
  const auto again = parse_load_choices(load_choices_json(*parsed));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*again)[i].load, (*parsed)[i].load);
    EXPECT_EQ((*again)[i].ev_mode, (*parsed)[i].ev_mode);
    EXPECT_EQ((*again)[i].sg_ready, (*parsed)[i].sg_ready);
    EXPECT_EQ((*again)[i].reserve_pct, (*parsed)[i].reserve_pct);
  }
}

TEST(LoadChoices, BadTextIsAnErrorNamingTheLoad) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not an object with \"version\" and \"loads\""},
      {R"({"version": 2, "loads": {}})", "version 2 is not 1"},
      {R"({"version": 1, "loads": []})", "not an object with \"version\" and \"loads\""},
      {R"({"version": 1, "loads": {"Car": 3}})", "load 'Car': not an object"},
      {R"({"version": 1, "loads": {"Car": {"ev_mode": "fast"}}})",
       "load 'Car': \"ev_mode\" is not off, now, min+pv or pv"},
      {R"({"version": 1, "loads": {"Heat pump": {"sg_ready": 5}}})",
       "load 'Heat pump': \"sg_ready\" is not 1, 2, 3 or 4"},
      {R"({"version": 1, "loads": {"Battery": {"reserve_pct": 100.5}}})",
       "load 'Battery': \"reserve_pct\" is not a number from 0 to 100"},
      {R"({"version": 1, "loads": {"Battery": {"reserve_pct": true}}})",
       "load 'Battery': \"reserve_pct\" is not a number from 0 to 100"},
      {R"({"version": 1, "loads": {"Car": {"ev_mode": "pv", "sg_ready": 2}}})",
       "load 'Car': needs exactly one of \"ev_mode\", \"sg_ready\" and \"reserve_pct\""},
      {R"({"version": 1, "loads": {"Car": {"user": "owner"}}})",
       "load 'Car': needs exactly one of \"ev_mode\", \"sg_ready\" and \"reserve_pct\""},
      {R"({"version": 1, "loads": {"": {"ev_mode": "pv"}}})", "a load without a name"},
  };
  for (const auto& [text, why] : cases) {
    const auto parsed = parse_load_choices(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().kind, common::ErrorKind::kCorruption);
    EXPECT_EQ(parsed.error().message, "choices: " + why) << text;
  }
}

TEST(LoadChoices, TextsForEventsAndLogs) {
  LoadChoice ev{"EV charger"};
  ev.ev_mode = model::EvMode::kMinPv;
  EXPECT_EQ(choice_text(ev), "charger 'EV charger' mode min+pv");
  LoadChoice hp{"Heat pump"};
  hp.sg_ready = 4;
  EXPECT_EQ(choice_text(hp), "heat pump 'Heat pump' SG Ready 4");
  LoadChoice battery{"Battery"};
  battery.reserve_pct = 42.5;
  EXPECT_EQ(choice_text(battery), "battery 'Battery' reserve 42.5 %");
}

TEST_F(ChoiceMemoryTest, RememberedChoicesAreThereAfterARestart) {
  const auto inst = installation(demo_yaml());
  {
    ChoiceMemory memory(path());
    ASSERT_TRUE(memory.load().ok());  // no file yet: no choices
    EXPECT_TRUE(memory.choices().empty());
    ASSERT_TRUE(
        memory.remember(control::EvModeCommand{"EV charger", model::EvMode::kNow}, inst, "olga", 1)
            .ok());
    ASSERT_TRUE(
        memory.remember(control::EvModeCommand{"EV charger", model::EvMode::kPv}, inst, "olga", 2)
            .ok());
    ASSERT_TRUE(memory.remember(control::SgReadyCommand{3}, inst, "mqtt", 3).ok());
    ASSERT_TRUE(memory.remember(control::BatteryReserveCommand{35.0}, inst, "olga", 4).ok());
    // A relay is relay_memory's: nothing here.
    ASSERT_TRUE(memory.remember(control::RelayCommand{"out1", 2, false}, inst, "olga", 5).ok());
  }
  ChoiceMemory again(path());
  ASSERT_TRUE(again.load().ok());
  ASSERT_EQ(again.choices().size(), 3u);
  std::map<std::string, LoadChoice> by_load;
  for (const auto& c : again.choices()) {
    by_load[c.load] = c;
  }
  EXPECT_EQ(by_load["EV charger"].ev_mode, model::EvMode::kPv);  // the later one
  EXPECT_EQ(by_load["EV charger"].time_ms, 2);
  EXPECT_EQ(by_load["Heat pump"].sg_ready, 3);  // under the demo's heat pump
  EXPECT_EQ(by_load["Heat pump"].user, "mqtt");
  EXPECT_EQ(by_load["Battery"].reserve_pct, 35.0);  // under the demo's battery
  EXPECT_FALSE(std::filesystem::exists(path() + ".tmp"));

  // "auto" hands the heat pump back: the hold is forgotten.
  ASSERT_TRUE(again.remember(control::SgReadyCommand{std::nullopt}, inst, "olga", 6).ok());
  ChoiceMemory third(path());
  ASSERT_TRUE(third.load().ok());
  EXPECT_EQ(third.choices().size(), 2u);
  for (const auto& c : third.choices()) {
    EXPECT_NE(c.load, "Heat pump");
  }
}

TEST_F(ChoiceMemoryTest, ADamagedFileIsMovedAsideAndNothingIsRestored) {
  std::ofstream(path()) << "{\"version\":1,\"loads\":{\"Battery\":{\"reserve_pct\":4";
  ChoiceMemory memory(path());
  const auto loaded = memory.load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("moved aside to " + path() + ".damaged"), std::string::npos)
      << loaded.error().message;
  EXPECT_TRUE(memory.choices().empty());
  EXPECT_TRUE(std::filesystem::exists(path() + ".damaged"));
  EXPECT_FALSE(std::filesystem::exists(path()));
  // The next choice writes a new file.
  ASSERT_TRUE(
      memory.remember(control::BatteryReserveCommand{25.0}, installation(demo_yaml()), "olga", 1)
          .ok());
  ChoiceMemory again(path());
  ASSERT_TRUE(again.load().ok());
  EXPECT_EQ(again.choices().size(), 1u);
}

TEST_F(ChoiceMemoryTest, AChoiceForALoadThatIsGoneIsDroppedWithAnEvent) {
  const auto demo = installation(demo_yaml());
  ChoiceMemory memory(path());
  ASSERT_TRUE(
      memory.remember(control::EvModeCommand{"EV charger", model::EvMode::kPv}, demo, "olga", 1)
          .ok());
  ASSERT_TRUE(memory.remember(control::SgReadyCommand{1}, demo, "olga", 2).ok());
  ASSERT_TRUE(memory.remember(control::BatteryReserveCommand{50.0}, demo, "olga", 3).ok());
  // The same installation keeps every choice and does not rewrite the file.
  const auto same = memory.keep_only(demo);
  EXPECT_TRUE(same.dropped.empty());
  // The charger renamed "Car" (and so its EV load "EV charger" gone), the
  // battery now a consumer.
  auto yaml = replaced(demo_yaml(), "{name: EV charger, kind: ev", "{name: Car, kind: ev");
  yaml = replaced(yaml, "{name: Battery, kind: battery", "{name: Battery, kind: consumer");
  yaml = replaced(yaml, ",\n     capacity_kwh: 10, power_kw: 3.68}", "}");  // a battery's keys
  auto changed = model::load_installation_text(yaml, "test.yaml");
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  const auto r = memory.keep_only(*changed);
  ASSERT_TRUE(r.saved.ok());
  ASSERT_EQ(r.dropped.size(), 2u);
  EXPECT_EQ(r.dropped[0].user, "");
  EXPECT_EQ(r.dropped[0].message,
            "charger 'EV charger' mode pv dropped: the installation has no such EV load any more");
  EXPECT_EQ(r.dropped[1].message,
            "battery 'Battery' reserve 50 % dropped: the installation has no such battery any "
            "more");
  ChoiceMemory again(path());
  ASSERT_TRUE(again.load().ok());
  ASSERT_EQ(again.choices().size(), 1u);
  EXPECT_EQ(again.choices()[0].load, "Heat pump");
}

TEST_F(ChoiceMemoryTest, RestoreLaysTheChoicesOverTheManagersInput) {
  const auto inst = installation(demo_yaml());
  ChoiceMemory memory(path());
  ASSERT_TRUE(
      memory.remember(control::EvModeCommand{"EV charger", model::EvMode::kOff}, inst, "olga", 1)
          .ok());
  ASSERT_TRUE(memory.remember(control::SgReadyCommand{1}, inst, "olga", 2).ok());
  ASSERT_TRUE(memory.remember(control::BatteryReserveCommand{45.0}, inst, "", 3).ok());
  PersonChoices choices;
  control::EnergyManager manager = control::make_default_manager(inst);
  const auto events = memory.restore(choices, manager, "at start");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].user, "");
  EXPECT_EQ(events[0].message, "charger 'EV charger' mode off: olga's choice restored at start");
  EXPECT_EQ(events[1].message, "heat pump 'Heat pump' SG Ready 1: olga's choice restored at start");
  EXPECT_EQ(events[2].message,
            "battery 'Battery' reserve 45 %: a person's choice restored at start");
  EXPECT_EQ(choices.ev_mode("EV charger"), model::EvMode::kOff);
  EXPECT_EQ(choices.battery_reserve(), 45.0);
  EXPECT_EQ(manager.sg_ready_manual(), 1);
  // On the energy manager's input: the charger's mode and the reserve.
  control::ControlInput input;
  control::EvInput ev;
  ev.name = "EV charger";
  ev.present = true;
  input.evs.push_back(ev);
  input.battery.present = true;
  choices.apply(input);
  EXPECT_EQ(input.evs[0].mode, model::EvMode::kOff);
  EXPECT_EQ(input.battery.reserve_pct, 45.0);
}

}  // namespace
}  // namespace kirchhoff::daemon
