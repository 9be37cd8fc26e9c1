// The what-if engine: its options, the car sessions it finds in a charger's
// power, the heat pump's COP, and the baseline's reproduction of a recorded
// history: two days of the demo house run by the simulator and the energy
// manager and written through the daemon's history writer (as `simulate
// --data` does), then replayed; the replay must give back the recorded grid
// import and export within 0.5 %.
#include "whatif/whatif.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "common/text.hpp"
#include "control/controllers.hpp"
#include "daemon/history_writer.hpp"
#include "daemon/source.hpp"
#include "model/loader.hpp"
#include "sim/control_adapter.hpp"
#include "sim/kpi.hpp"
#include "store/store.hpp"
#include "whatif/recording.hpp"
#include "whatif/variant.hpp"

namespace kirchhoff::whatif {
namespace {

TEST(WhatIfOptions, ParsesVaryAndCapex) {
  auto vary = parse_vary("battery.capacity_kwh=5, 10,15,10");
  ASSERT_TRUE(vary);
  EXPECT_EQ(vary->key, "battery.capacity_kwh");
  EXPECT_EQ(vary->values, (std::vector<std::string>{"5", "10", "15"}));  // the repeat dropped
  EXPECT_FALSE(parse_vary("battery.capacity_kwh"));
  EXPECT_FALSE(parse_vary("=5"));
  EXPECT_FALSE(parse_vary("solar.kwp=4,,6"));
  auto capex = parse_capex("battery.capacity_kwh=450");
  ASSERT_TRUE(capex);
  EXPECT_EQ(capex->price_per_unit, 450.0);
  EXPECT_FALSE(parse_capex("battery.capacity_kwh=cheap"));
  EXPECT_FALSE(parse_capex("battery.capacity_kwh=-1"));
}

TEST(WhatIfOptions, ChecksKeysAndValuesBeforeRunning) {
  Request r;
  r.vary = {{"battery.capacity_kwh", {"5", "2000"}}};
  auto bad = check_request(r);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("battery.capacity_kwh=2000"), std::string::npos);
  EXPECT_NE(bad.error().message.find("0 to 1000"), std::string::npos);
  r.vary = {{"battery.capacity", {"5"}}};
  bad = check_request(r);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("did you mean"), std::string::npos) << bad.error().message;
  r.vary = {{"strategy", {"clever"}}};
  EXPECT_FALSE(check_request(r));
  r.vary = {{"heatpump", {"maybe"}}};
  EXPECT_FALSE(check_request(r));
  r.vary = {{"tariff", {"/nonexistent/prices.csv"}}};
  EXPECT_FALSE(check_request(r));
  r.vary = {{"control.ev.mode", {"pv"}}, {"solar.kwp", {"4", "8"}}};
  EXPECT_TRUE(check_request(r));
  r.capex = {{"ev.sessions", 100.0}};
  EXPECT_FALSE(check_request(r));  // a car is not bought per session
  r.capex = {{"solar.kwp", 1100.0}};
  EXPECT_TRUE(check_request(r));
  // 17 x 17 combinations are more than anyone reads.
  std::vector<std::string> many;
  for (int i = 0; i < 17; ++i) {
    many.push_back(std::to_string(i));
  }
  r.vary = {{"battery.capacity_kwh", many},
            {"ev.sessions",
             {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "1.5",
              "2.5"}}};
  EXPECT_FALSE(check_request(r));
}

TEST(WhatIfModels, HeatPumpCopFollowsItsLine) {
  EXPECT_DOUBLE_EQ(heat_pump_cop(-7.0), 2.0);
  EXPECT_DOUBLE_EQ(heat_pump_cop(-20.0), 2.0);  // clamped
  EXPECT_DOUBLE_EQ(heat_pump_cop(15.0), 4.5);
  EXPECT_DOUBLE_EQ(heat_pump_cop(4.0), 2.0 + 11.0 * 2.5 / 22.0);  // 3.25
}

TEST(WhatIfModels, TypicalTemperatureIsBrusselsClimate) {
  // 2026-01-20T03:00:00Z is day 20473 since 1970; the simulator's years
  // are 365.2425 days from 1970, so its day of the year is 20473 - 56 x
  // 365.2425 = 19.42. At 03:00 the daily term is at its coldest (-4 C):
  // 10.5 - 7.5 cos(2 pi (19.42 - 20) / 365.2425) - 4 = -0.99963 C.
  const std::int64_t jan20_3h = 1768878000;
  EXPECT_NEAR(typical_outdoor_c(jan20_3h), -0.99963, 1e-5);
}

// A block of seconds with one load drawing `w` over [on, off) (seconds from
// the block's start).
RecordedBlock block_with(std::int64_t start_s, std::vector<std::tuple<int, int, float>> runs) {
  RecordedBlock b;
  b.start_s = start_s;
  b.seconds = 86400;
  b.load_w.assign(1, std::vector<float>(86400, 0.0F));
  for (auto [on, off, w] : runs) {
    for (int i = on; i < off; ++i) {
      b.load_w[0][static_cast<std::size_t>(i)] = w;
    }
  }
  return b;
}

TEST(WhatIfSessions, FoundInAChargersPower) {
  setenv("TZ", "UTC", 1);
  tzset();
  const std::int64_t day = 1767225600;  // 2026-01-01T00:00:00Z
  // 06:00-07:00 and 07:30-08:00 at 4.14 kW (one session: 30 min apart);
  // 18:00-20:00 at 11 kW (a second, in the evening); 50 W at 21:00 (a
  // charger's own draw, no session).
  auto b = block_with(day, {{6 * 3600, 7 * 3600, 4140.0F},
                            {7 * 3600 + 1800, 8 * 3600, 4140.0F},
                            {18 * 3600, 20 * 3600, 11000.0F},
                            {21 * 3600, 21 * 3600 + 600, 50.0F}});
  auto sessions = find_sessions({b}, 0, 0.9);
  ASSERT_EQ(sessions.size(), 2U);
  EXPECT_EQ(sessions[0].arrival_unix_s, day + 6 * 3600);
  // A morning session: the car leaves 4 h after the end (08:00 + 4 h).
  EXPECT_EQ(sessions[0].departure_unix_s, day + 12 * 3600);
  // 4140 W x 1.5 h = 6210 Wh from the grid, 90 % of it into the car.
  EXPECT_NEAR(sessions[0].wanted_wh, 6210.0 * 0.9, 1e-3);
  EXPECT_EQ(sessions[1].arrival_unix_s, day + 18 * 3600);
  // An evening session: the car stays until 07:30 the next morning.
  EXPECT_EQ(sessions[1].departure_unix_s, day + 86400 + 7 * 3600 + 1800);
  EXPECT_NEAR(sessions[1].wanted_wh, 22000.0 * 0.9, 1e-3);
}

// Two days of the demo house, recorded once for the suite.
class RecordedDemo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("TZ", "UTC", 1);
    tzset();
    dir_ = new std::string(
        (std::filesystem::temp_directory_path() / ("kirchhoff-whatif-" + std::to_string(getpid())))
            .string());
    std::filesystem::create_directories(*dir_);
    auto text = common::read_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
    ASSERT_TRUE(text);
    text_ = new std::string(*text);
    auto inst = model::load_installation_text(*text, "demo");
    ASSERT_TRUE(inst) << inst.error().message;
    store::StoreOptions options;
    options.sync_full = false;
    auto store = store::Store::open(*dir_ + "/history.db", options);
    ASSERT_TRUE(store);
    sim::SiteOptions site_options;
    site_options.start_unix_s = 1782864000;  // 2026-07-01: sun, export, a full battery
    sim::SiteSimulator site(*inst, site_options);
    auto writer = daemon::HistoryWriter::create(**store, site.installation());
    ASSERT_TRUE(writer);
    sim::KpiAccumulator kpis(site.installation());
    daemon::EnergyRegisters registers;
    control::EnergyManager manager = control::make_default_manager(site.installation());
    common::LocalClock clock;
    control::ControlInput input;
    input.explain = false;
    control::SiteMeasurements measured;
    const devices::SiteDevices devices = sim::site_devices(site);
    for (std::int64_t i = 0; i < 2 * 86400; ++i) {
      if (i > 0) {
        sim::fill_measurements(site, site.state(), site.state().unix_s * 1000, measured);
        control::fill_input(site.installation(), measured, devices,
                            (site.state().unix_s + 1) * 1000, 1.0, clock, input);
        sim::fill_sessions(site, input);
        control::apply(site.installation(), devices, manager.cycle(input).setpoints);
      }
      const sim::SiteState& state = site.step();
      kpis.add(state, 1.0);
      auto snap = daemon::power_snapshot(site, state, state.unix_s * 1000);
      daemon::add_device_values(site, snap);
      registers.update(snap, 1.0);
      ASSERT_TRUE(writer->append(snap));
      if (state.unix_s % 600 == 599) {
        ASSERT_TRUE((*store)->flush());
      }
    }
    ASSERT_TRUE((*store)->flush());
    auto report = kpis.report(site);
    import_kwh_ = report["import_kwh"].get<double>();
    export_kwh_ = report["export_kwh"].get<double>();
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete text_;
  }
  static Request request() {
    Request r;
    r.installation_text = *text_;
    r.installation_dir = std::string(KIRCHHOFF_SOURCE_DIR) + "/examples";
    r.history_path = *dir_ + "/history.db";
    r.jobs = 2;
    return r;
  }
  static std::string* dir_;
  static std::string* text_;
  static double import_kwh_;
  static double export_kwh_;
};
std::string* RecordedDemo::dir_ = nullptr;
std::string* RecordedDemo::text_ = nullptr;
double RecordedDemo::import_kwh_ = 0.0;
double RecordedDemo::export_kwh_ = 0.0;

TEST_F(RecordedDemo, BaselineReproducesTheRecordedGrid) {
  Progress progress;
  auto out = run(request(), &progress);
  ASSERT_TRUE(out) << out.error().message;
  const auto& j = *out;
  EXPECT_EQ(j["source"], "history");
  EXPECT_EQ(j["strategy"], "managed");
  EXPECT_EQ(j["period"]["days"].get<double>(), 2.0);
  EXPECT_EQ(j["period"]["raw_seconds"].get<std::int64_t>(), 2 * 86400);
  // The history's registers hold what the simulator counted (to their
  // 1 mWh resolution).
  EXPECT_NEAR(j["recorded"]["import_kwh"].get<double>(), import_kwh_, 1e-3);
  EXPECT_NEAR(j["recorded"]["export_kwh"].get<double>(), export_kwh_, 1e-3);
  ASSERT_GT(export_kwh_, 1.0);  // July: the battery fills and the rest is exported
  const double imp = j["baseline"]["kpis"]["import_kwh"].get<double>();
  const double exp = j["baseline"]["kpis"]["export_kwh"].get<double>();
  EXPECT_LE(std::abs(imp - import_kwh_), 0.005 * import_kwh_);
  EXPECT_LE(std::abs(exp - export_kwh_), 0.005 * export_kwh_);
  EXPECT_TRUE(j["baseline"]["reproduces_recorded"].get<bool>());
  EXPECT_EQ(progress.phase, 2);
  EXPECT_EQ(progress.done_s, progress.total_s);
  // Typical days: whole days of the recording, 96 quarter hours each.
  ASSERT_EQ(j["typical_days"].size(), 2U);
  EXPECT_EQ(j["typical_days"][0]["recorded"]["grid_w"].size(), 96U);
}

TEST_F(RecordedDemo, VariantsRunAndSaveAgainstTheBaseline) {
  Request r = request();
  r.vary = {{"strategy", {"none", "managed"}}};
  auto out = run(r);
  ASSERT_TRUE(out) << out.error().message;
  const auto& v = (*out)["variants"];
  ASSERT_EQ(v.size(), 2U);
  EXPECT_EQ(v[0]["set"]["strategy"], "none");
  // The same settings as the baseline save nothing.
  EXPECT_EQ(v[1]["kpis"]["savings"].get<double>(), 0.0);
  EXPECT_EQ(v[1]["kpis"]["import_kwh"], (*out)["baseline"]["kpis"]["import_kwh"]);
  // Savings are the baseline's cost minus the variant's, per year x 365/2.
  const double saved =
      (*out)["baseline"]["kpis"]["cost"].get<double>() - v[0]["kpis"]["cost"].get<double>();
  EXPECT_NEAR(v[0]["kpis"]["savings"].get<double>(), saved, 0.006);
  EXPECT_NEAR(v[0]["kpis"]["savings_per_year"].get<double>(), saved * 365.0 / 2.0, 1.0);
}

TEST_F(RecordedDemo, AnEmptyPeriodIsAClearError) {
  Request r = request();
  r.from_ms = 1700000000000;  // 2023
  r.to_ms = 1700086400000;
  auto out = run(r);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("holds nothing from 2023-11-14"), std::string::npos)
      << out.error().message;
}

TEST(WhatIfSimulated, WithoutHistoryTheSimulatorIsTheRecording) {
  auto text = common::read_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  ASSERT_TRUE(text);
  Request r;
  r.installation_text = *text;
  r.installation_dir = std::string(KIRCHHOFF_SOURCE_DIR) + "/examples";
  r.sim_days = 1;
  r.vary = {{"control.ev.mode", {"pv"}}};
  auto out = run(r);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ((*out)["source"], "simulation");
  EXPECT_EQ((*out)["baseline"]["import_error_pct"].get<double>(), 0.0);
  EXPECT_EQ((*out)["variants"][0]["set"]["control.ev.mode"], "pv");
}

}  // namespace
}  // namespace kirchhoff::whatif
