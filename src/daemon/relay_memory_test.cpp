// People's relay choices: the file (written, read back, damaged), what an
// installation change keeps, the restore onto the relays and the energy
// manager's manual holds, and the events' texts.
#include "daemon/relay_memory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/text.hpp"
#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

class FakeRelay : public devices::Relay {
 public:
  explicit FakeRelay(bool on) : on_(on) {}
  void set_energised(bool energised) override { on_ = energised; }
  bool energised() const override { return on_; }

 private:
  bool on_;
};

// The demo house: out1/1 "Boiler" managed (control.relays, use: shed),
// out1/2 "Garden lights" not.
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

class RelayMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("relay_memory_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "relays.json").string(); }
  std::filesystem::path dir_;
};

TEST(RelayChoices, JsonReadsBackAsWritten) {
  const std::vector<RelayChoice> choices = {
      {"out1", 2, "Garden lights", false, "owner", 1780272000000},
      {"out1", 1, "Boiler", true, "mqtt", 1780272001000}};
  const std::string text = relay_choices_json(choices);
  EXPECT_EQ(text,
            R"({"relays":[{"module":"out1","name":"Garden lights","on":false,"output":2,)"
            R"("time_ms":1780272000000,"user":"owner"},{"module":"out1","name":"Boiler","on":true,)"
            R"("output":1,"time_ms":1780272001000,"user":"mqtt"}],"version":1})"
            "\n");
  auto back = parse_relay_choices(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].module, "out1");
  EXPECT_EQ((*back)[0].output, 2);
  EXPECT_EQ((*back)[0].name, "Garden lights");
  EXPECT_FALSE((*back)[0].on);
  EXPECT_EQ((*back)[0].user, "owner");
  EXPECT_EQ((*back)[0].time_ms, 1780272000000);
  EXPECT_TRUE((*back)[1].on);
}

TEST(RelayChoices, BadTextIsAnErrorNamingTheEntry) {
  EXPECT_FALSE(parse_relay_choices("").ok());
  EXPECT_FALSE(parse_relay_choices("[]").ok());
  EXPECT_FALSE(parse_relay_choices(R"({"version":2,"relays":[]})").ok());
  const auto no_on = parse_relay_choices(
      R"({"version":1,"relays":[{"module":"out1","output":2,"on":true},{"module":"out1","output":1}]})");
  ASSERT_FALSE(no_on.ok());
  EXPECT_NE(no_on.error().message.find("entry 2"), std::string::npos) << no_on.error().message;
  EXPECT_FALSE(
      parse_relay_choices(R"({"version":1,"relays":[{"module":"out1","output":0,"on":true}]})")
          .ok());
  // A later entry of the same relay wins, as a later switch would.
  const auto twice = parse_relay_choices(
      R"({"version":1,"relays":[{"module":"out1","output":2,"on":true},{"module":"out1","output":2,"on":false}]})");
  ASSERT_TRUE(twice.ok());
  ASSERT_EQ(twice->size(), 1u);
  EXPECT_FALSE((*twice)[0].on);
}

TEST_F(RelayMemoryTest, ARecordedChoiceIsThereAfterARestart) {
  {
    RelayMemory memory(path());
    ASSERT_TRUE(memory.load().ok());  // no file yet: no choices
    EXPECT_TRUE(memory.choices().empty());
    ASSERT_TRUE(memory.record({"out1", 2, "Garden lights", true, "owner", 1}).ok());
    ASSERT_TRUE(memory.record({"out1", 2, "Garden lights", false, "owner", 2}).ok());
  }
  RelayMemory again(path());
  ASSERT_TRUE(again.load().ok());
  ASSERT_EQ(again.choices().size(), 1u);
  EXPECT_FALSE(again.choices()[0].on);
  EXPECT_EQ(again.choices()[0].time_ms, 2);
  EXPECT_FALSE(std::filesystem::exists(path() + ".tmp"));
}

TEST_F(RelayMemoryTest, ADamagedFileIsMovedAsideAndNothingIsRestored) {
  std::ofstream(path()) << "{\"version\":1,\"relays\":[{\"mod";
  RelayMemory memory(path());
  const auto loaded = memory.load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("moved aside to " + path() + ".damaged"), std::string::npos)
      << loaded.error().message;
  EXPECT_TRUE(memory.choices().empty());
  EXPECT_TRUE(std::filesystem::exists(path() + ".damaged"));
  EXPECT_FALSE(std::filesystem::exists(path()));
}

TEST_F(RelayMemoryTest, AnInstallationChangeDropsGoneOutputsAndKeepsRenamedOnes) {
  RelayMemory memory(path());
  ASSERT_TRUE(memory.record({"out1", 2, "Garden lights", false, "owner", 1}).ok());
  ASSERT_TRUE(memory.record({"out2", 1, "Sauna", false, "owner", 2}).ok());
  // The demo has no out2; its out1/2 is now called "Patio lights".
  const auto inst =
      installation(replaced(demo_yaml(), "2: {name: Garden lights", "2: {name: Patio lights"));
  const auto r = memory.keep_only(inst);
  ASSERT_TRUE(r.saved.ok());
  ASSERT_EQ(r.dropped.size(), 1u);
  EXPECT_EQ(r.dropped[0].module, "out2");
  ASSERT_EQ(r.renamed.size(), 1u);
  EXPECT_EQ(r.renamed[0].name, "Patio lights");
  RelayMemory again(path());
  ASSERT_TRUE(again.load().ok());
  ASSERT_EQ(again.choices().size(), 1u);
  EXPECT_EQ(again.choices()[0].name, "Patio lights");
  EXPECT_FALSE(again.choices()[0].on);
}

TEST_F(RelayMemoryTest, RestoreSetsTheRelaysAndTheManagedRelaysHold) {
  const auto inst = installation(demo_yaml());
  RelayMemory memory(path());
  ASSERT_TRUE(memory.record({"out1", 2, "Garden lights", false, "owner", 1}).ok());
  ASSERT_TRUE(memory.record({"out1", 1, "Boiler", false, "mqtt", 2}).ok());
  // A new source's relays: energised (the simulator's default).
  FakeRelay boiler(true);
  FakeRelay garden(true);
  devices::SiteDevices devices;
  devices.outputs = {{"out1", 1, &boiler}, {"out1", 2, &garden}};
  control::EnergyManager manager(inst);
  const auto events = memory.restore(&devices, manager, "at start");
  EXPECT_FALSE(boiler.energised());
  EXPECT_FALSE(garden.energised());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].user, "");
  EXPECT_EQ(events[0].message,
            "out1/2 'Garden lights' switched off: owner's choice restored at start");
  EXPECT_EQ(events[1].message, "out1/1 'Boiler' switched off: mqtt's choice restored at start");
  // The boiler is a shed relay: without a claim it would run (fallback on);
  // the restored hold keeps it off.
  control::ControlInput input;
  input.now_ms = 1780272000000;
  input.relay_on = {false};
  const auto& result = manager.cycle(input);
  ASSERT_EQ(result.setpoints.relays.size(), 1u);
  EXPECT_EQ(result.setpoints.relays[0], std::optional<bool>(false));
  // Restoring again changes nothing, so records nothing.
  EXPECT_TRUE(memory.restore(&devices, manager, "after the installation changed").empty());
}

TEST(ManagerRelayEvents, NameTheDecisionThatSwitchedTheRelay) {
  const auto inst = installation(demo_yaml());  // control.relays: out1/1 Boiler, use shed
  control::ControlResult result;
  result.setpoints.relays = {false};
  result.decisions = {{"self-consumption", "battery charging at 2000 W", false},
                      {"overload protection", "L1 at 27.0 A of 25.0 A: shed out1/1", false}};
  auto events = manager_relay_events(inst, {true}, result, {});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].user, "");
  EXPECT_EQ(
      events[0].message,
      "out1/1 'Boiler' switched off: overload protection: L1 at 27.0 A of 25.0 A: shed out1/1");
  // No change, no event; no such relay on the site, no event.
  EXPECT_TRUE(manager_relay_events(inst, {false}, result, {}).empty());
  EXPECT_TRUE(manager_relay_events(inst, {std::nullopt}, result, {}).empty());
  // Back on when the overload is over and nothing claims it: the default.
  control::ControlResult calm;
  calm.setpoints.relays = {true};
  events = manager_relay_events(inst, {false}, calm, {});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message,
            "out1/1 'Boiler' switched on: no controller needs it off: a shed relay runs");
  // A person's hold that the relay returns to.
  events = manager_relay_events(inst, {false}, calm, {{"out1", 1, "Boiler", true, "owner", 1}});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "out1/1 'Boiler' switched on: owner's choice, held");
}

}  // namespace
}  // namespace kirchhoff::daemon
