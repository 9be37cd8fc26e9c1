#include "control/control.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "control/site_adapter.hpp"
#include "model/loader.hpp"
#include "sim/kpi.hpp"

namespace kirchhoff::control {
namespace {

// Runs a scenario file of tests/data/control: each step is one cycle's input
// and the setpoints expected (null = no setpoint), worked out by hand in the file.
void run_scenario(const std::filesystem::path& path) {
  SCOPED_TRACE(path.filename().string());
  std::ifstream in(path);
  const auto doc = nlohmann::json::parse(in);
  EnergyManager manager = make_default_manager();
  std::int64_t now_ms = 1'000'000;
  int step_number = 0;
  for (const auto& step : doc["steps"]) {
    const int repeat = step.value("repeat", 1);
    for (int r = 0; r < repeat; ++r) {
      ++step_number;
      ControlInput input;
      now_ms += 1000;
      input.now_ms = now_ms;
      input.measured_ms = now_ms - static_cast<std::int64_t>(step.value("age_s", 1.0) * 1000);
      input.main_breaker_a = doc["main_breaker_a"];
      input.phase_count = doc["phase_count"];
      for (int p = 0; p < 3; ++p) {
        input.grid_a[p] = step["grid_a"][p];
      }
      if (step.contains("ev")) {
        input.ev_present = true;
        input.ev_plugged = step["ev"]["plugged"];
        for (int p = 0; p < 3; ++p) {
          input.ev_on_phase[p] = step["ev"]["on"][p] == 1;
        }
        input.ev_current_a = step["ev"]["current_a"];
      }
      const ControlResult result = manager.cycle(input);
      const auto& expect = step["expect"];
      SCOPED_TRACE("step " + std::to_string(step_number) + ": " + step.value("note", ""));
      if (expect.contains("ev_a")) {
        if (expect["ev_a"].is_null()) {
          EXPECT_FALSE(result.setpoints.ev_current_a.has_value());
        } else {
          ASSERT_TRUE(result.setpoints.ev_current_a.has_value());
          EXPECT_NEAR(*result.setpoints.ev_current_a, expect["ev_a"].get<double>(), 1e-9);
        }
      }
      if (expect.contains("battery_w")) {
        if (expect["battery_w"].is_null()) {
          EXPECT_FALSE(result.setpoints.battery_w.has_value());
        } else {
          ASSERT_TRUE(result.setpoints.battery_w.has_value());
          EXPECT_NEAR(*result.setpoints.battery_w, expect["battery_w"].get<double>(), 1e-9);
        }
      }
      if (expect.value("no_reason", false)) {
        EXPECT_TRUE(result.decisions.empty()) << result.decisions[0].reason;
      }
      if (expect.contains("reason") && r == repeat - 1) {
        bool found = false;
        for (const auto& d : result.decisions) {
          found = found || d.reason == expect["reason"].get<std::string>();
        }
        EXPECT_TRUE(found) << "no decision says: " << expect["reason"];
      }
    }
  }
}

TEST(ControlScenarios, EveryDataFile) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(KIRCHHOFF_SOURCE_DIR) +
                                                               "/tests/data/control")) {
    run_scenario(entry.path());
    ++files;
  }
  EXPECT_GE(files, 3);
}

// Property, over seeds: with the manager, the demo house (25 A main breaker,
// 11 kW car, heat pump, hob) never stays above the breaker's rating for more
// than one cycle, the manager's one cycle of reaction time.
TEST(ControlProperty, NoPhaseOverTheBreakerForMoreThanOneCycle) {
  auto inst =
      model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  ASSERT_TRUE(inst.ok());
  for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
    sim::SiteOptions options;
    options.seed = seed;
    sim::SiteSimulator site(*inst, options);
    EnergyManager manager = make_default_manager();
    int run = 0;
    int worst_run = 0;
    for (int i = 0; i < 4 * 86400; ++i) {
      if (i > 0) {
        const auto input = input_from_site(site, site.state(), (site.state().unix_s + 1) * 1000,
                                           site.state().unix_s * 1000, 1.0);
        apply(site, manager.cycle(input).setpoints);
      }
      const sim::SiteState& s = site.step();
      bool over = false;
      for (double a : s.grid_phase_a) {
        over = over || std::abs(a) > inst->site.main_breaker_a + 1e-9;
      }
      run = over ? run + 1 : 0;
      worst_run = std::max(worst_run, run);
    }
    EXPECT_LE(worst_run, 1) << "seed " << seed;
  }
}

}  // namespace
}  // namespace kirchhoff::control
