#include "app/cli.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kirchhoff::app {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun run(std::vector<std::string> args) {
  args.insert(args.begin(), "kirchhoff");
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("kirchhoff_cli_test_" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string example(const std::string& name) {
  return std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/" + name;
}

TEST(Cli, CheckAcceptsEveryExample) {
  for (const char* name : {"demo.yaml", "1p-230.yaml", "3pn-400.yaml", "3p-230.yaml",
                           "2pn-240.yaml", "3pn-208.yaml", "3pn-480.yaml", "3pn-600.yaml"}) {
    const CliRun r = run({"check", example(name)});
    EXPECT_EQ(r.code, kExitOk) << name << "\n" << r.out;
    EXPECT_EQ(r.out, "") << name;  // no warnings either
  }
}

TEST(Cli, CheckReportsEveryProblemWithPosition) {
  const std::string path =
      write_temp("broken.yaml",
                 "site:\n"
                 "  name: Broken\n"
                 "  topology: 1P-230\n"
                 "  main_breaker_a: 25\n"
                 "gateway: connect\n"
                 "bus:\n"
                 "  - ct_hub: hub1\n"
                 "    inputs: {1: {ct: split-100A}}\n"
                 "loads:\n"
                 "  - {name: Grid, kind: grid, phases: [L2], inputs: [hub1/1]}\n"
                 "modules:\n"
                 "  - output_module: out1\n");
  const CliRun r = run({"check", path});
  EXPECT_EQ(r.code, kExitInvalid);
  // L2 on a single-phase site: line 10; "  - {name: Grid, kind: grid, phases: [" is 38 columns.
  EXPECT_THAT(r.out, HasSubstr(path + ":10:39: error: load 'Grid' is on L2"));
  EXPECT_THAT(r.out, HasSubstr(path + ":12:5: error: Input and Output modules work only"));
  EXPECT_THAT(r.err, HasSubstr("invalid: 2 error(s)"));
}

TEST(Cli, CheckWarningsStillExitZero) {
  const std::string path =
      write_temp("warn.yaml",
                 "site: {name: W, topology: 1P-230, main_breaker_a: 25}\ngateway: genius\n"
                 "bus:\n  - ct_hub: hub1\n    inputs: {1: {ct: split-50A}}\n"
                 "loads:\n  - {name: Lamp, kind: consumer, phases: [L1], inputs: [hub1/1]}\n");
  const CliRun r = run({"check", path});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr(path + ":1:7: warning: no load of kind 'grid'"));
}

TEST(Cli, CheckUnreadableFileExitsTwo) {
  const CliRun r = run({"check", "/nonexistent/site.yaml"});
  EXPECT_EQ(r.code, kExitUnreadable);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/site.yaml: cannot read"));
  EXPECT_EQ(run({"check"}).code, kExitUnreadable);
}

TEST(Cli, DescribePrintsTreeAndBillOfMaterials) {
  const CliRun r = run({"describe", example("demo.yaml")});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("Site 'Demo house'"));
  EXPECT_THAT(r.out, HasSubstr("I1-IAC-1"));
}

TEST(Cli, DescribeRefusesAnInvalidFile) {
  const std::string path = write_temp("bad.yaml", "site: {name: x}\n");
  const CliRun r = run({"describe", path});
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_THAT(r.err, HasSubstr(path + ":1:7: error: 'site' needs 'topology'"));
}

TEST(Cli, UnknownCommandGetsAHint) {
  const CliRun r = run({"chek", "x"});
  EXPECT_EQ(r.code, kExitUnreadable);
  EXPECT_THAT(r.err, HasSubstr("did you mean 'check'?"));
}

}  // namespace
}  // namespace kirchhoff::app
