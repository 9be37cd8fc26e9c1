#include "daemon/daemon.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "api/openapi_json.hpp"
#include "model/loader.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace kirchhoff::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(EnergyRegisters, IntegrateAndNeverGoBack) {
  snapshot::SiteSnapshot snap;
  snap.loads.resize(1);
  EnergyRegisters registers;
  registers.restore(0, 100.0, 50.0);
  // +3600 W for 1 s = +1 Wh import; -7200 W for 0.5 s = 1 Wh export.
  snap.loads[0].p_w = 3600.0;
  registers.update(snap, 1.0);
  EXPECT_DOUBLE_EQ(snap.loads[0].energy_import_wh, 101.0);
  EXPECT_DOUBLE_EQ(snap.loads[0].energy_export_wh, 50.0);
  snap.loads[0].p_w = -7200.0;
  registers.update(snap, 0.5);
  EXPECT_DOUBLE_EQ(snap.loads[0].energy_import_wh, 101.0);
  EXPECT_DOUBLE_EQ(snap.loads[0].energy_export_wh, 51.0);
  // A source with its own counters: the registers grow by what they grew.
  snap.has_energy = true;
  snap.loads[0].energy_import_wh = 2.0;  // the source counted 2 Wh since it started
  snap.loads[0].energy_export_wh = 0.5;
  registers.update(snap, 1.0);
  EXPECT_DOUBLE_EQ(snap.loads[0].energy_import_wh, 103.0);
  EXPECT_DOUBLE_EQ(snap.loads[0].energy_export_wh, 51.5);
  snap.loads[0].energy_import_wh = 2.25;
  snap.loads[0].energy_export_wh = 0.5;
  registers.update(snap, 1.0);
  EXPECT_DOUBLE_EQ(snap.loads[0].energy_import_wh, 103.25);
}

TEST(Daemon, RunsCyclesPublishesSnapshotsAndStops) {
  auto inst =
      model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  ASSERT_TRUE(inst.ok());
  DaemonOptions options;
  options.data_dir = (std::filesystem::temp_directory_path() /
                      ("kirchhoff_daemon_test_" + std::to_string(::getpid())))
                         .string();
  options.listen = "127.0.0.1:0";
  options.cycle_ms = 100;
  options.stop_after_cycles = 5;
  std::ostringstream terminal;
  options.terminal = &terminal;
  std::ostringstream sink;
  common::Logger log(sink);
  Daemon daemon(*inst, options, log);
  std::atomic<bool> stop{false};
  EXPECT_EQ(daemon.run(stop), 0);
  const auto snap = daemon.latest();
  ASSERT_NE(snap, nullptr);
  ASSERT_EQ(snap->loads.size(), inst->loads.size());
  EXPECT_EQ(snap->voltages.size(), 3u);
  EXPECT_THAT(sink.str(), HasSubstr("msg=started"));
  EXPECT_THAT(sink.str(), HasSubstr("msg=\"first snapshot\""));
  EXPECT_THAT(sink.str(), HasSubstr("msg=stopped"));
  // Every route the daemon serves is in its OpenAPI description ({module}
  // and {output} stand for the path segments of the outputs).
  const auto spec = nlohmann::json::parse(api::kOpenApiJson);
  for (const std::string& route : daemon.routes()) {
    const auto space = route.find(' ');
    std::string method = route.substr(0, space);
    std::string path = route.substr(space + 1);
    if (path.rfind("/api/v1/outputs/", 0) == 0) {
      path = "/api/v1/outputs/{module}/{output}";
    }
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    EXPECT_TRUE(spec["paths"].contains(path) && spec["paths"][path].contains(method))
        << route << " is not described in src/api/openapi.json";
  }
  EXPECT_GE(daemon.routes().size(), 12u);
  // No accounts and not the demo: a one-time setup code on the terminal only.
  EXPECT_THAT(terminal.str(), HasSubstr("one-time setup code"));
  EXPECT_THAT(sink.str(), Not(HasSubstr("setup code")));
}

TEST(Daemon, UnwritableDataDirIsAClearStartError) {
  auto inst =
      model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/1p-230.yaml");
  ASSERT_TRUE(inst.ok());
  DaemonOptions options;
  options.data_dir = "/proc/kirchhoff-cannot-be-here";
  options.listen = "127.0.0.1:0";
  std::ostringstream sink;
  common::Logger log(sink);
  std::atomic<bool> stop{false};
  EXPECT_EQ(Daemon(*inst, options, log).run(stop), 1);
  EXPECT_THAT(sink.str(), HasSubstr("level=error msg=\"cannot start\""));
  EXPECT_THAT(sink.str(), HasSubstr("/proc/kirchhoff-cannot-be-here"));
}

}  // namespace
}  // namespace kirchhoff::daemon
