// The energy summary against counter series written into a real history
// store (flushed every ten minutes of data, so both sealed rollups and the
// journal's unsealed points are read), in a fixed time zone UTC+1. Every
// expected figure is worked out by hand in the comments.
//
// Counters are written like a register read once a minute, 1 ms before the
// minute ends, holding the energy up to the end of that minute: the last
// sample before a quarter boundary then holds the energy up to the boundary,
// so each quarter's growth is exactly its own energy.
#include "daemon/energy_summary.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <vector>

#include "common/time.hpp"
#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 3'600'000;

// One phase, a grid connection, PV, a battery and a consumer; a two-price
// tariff (0.20 EUR/kWh from 22:00 to 07:00 local, 0.30 otherwise, export
// 0.05) with a capacity term of 4 EUR per kW and month, at least 2.5 kW.
constexpr const char* kHouse =
    R"(site: {name: House, topology: 1P-230, frequency: 50, main_breaker_a: 40}
gateway: genius
bus:
  - ct_hub: hub1
    inputs:
      1: {ct: split-100A}
      2: {ct: split-50A}
      3: {ct: split-50A}
      4: {ct: split-50A}
loads:
  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}
  - {name: Solar, kind: solar, phases: [L1], inputs: [hub1/2]}
  - {name: Battery, kind: battery, phases: [L1], inputs: [hub1/3]}
  - {name: Kitchen, kind: consumer, phases: [L1], inputs: [hub1/4]}
control:
  grid: {peak_limit_kw: 5}
  tariff:
    import_per_kwh: 0.30
    export_per_kwh: 0.05
    windows:
      - {from: "22:00", to: "07:00", import_per_kwh: 0.20}
    capacity: {eur_per_kw_month: 4, min_kw: 2.5}
)";

// A flat with a grid connection only, a flat 0.30 / 0.05 tariff, no
// capacity term and no peak limit.
constexpr const char* kFlat =
    R"(site: {name: Flat, topology: 1P-230, frequency: 50, main_breaker_a: 25}
gateway: genius
bus:
  - ct_hub: hub1
    inputs:
      1: {ct: split-100A}
      2: {ct: split-50A}
loads:
  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}
  - {name: Kitchen, kind: consumer, phases: [L1], inputs: [hub1/2]}
control:
  tariff:
    import_per_kwh: 0.30
    export_per_kwh: 0.05
    windows:
      - {from: "22:00", to: "07:00", import_per_kwh: 0.20}
)";

// Unix ms of a UTC date and time.
std::int64_t utc_ms(int year, int month, int day, int hour, int minute, int second = 0) {
  return ((common::days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * kMinuteMs +
         second * 1000LL;
}

// Power for a number of minutes (W).
struct Span {
  int minutes = 0;
  int power_w = 0;
};

class EnergySummaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("energy_summary_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store::StoreOptions options;
    options.sync_full = false;  // a test file: no fsync per flush
    auto store = store::Store::open(path(), options);
    ASSERT_TRUE(store.ok()) << store.error().message;
    writer_ = std::move(*store);
  }
  void TearDown() override {
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string path() const { return (dir_ / "history.db").string(); }

  // A counter from `start_ms` on, one sample per minute (see the top), the
  // first one holding base_wh + the first minute's energy. `before`: also a
  // sample of base_wh 1 ms before start_ms (the register read before).
  void counter(const std::string& key, std::int64_t start_ms, double base_wh,
               const std::vector<Span>& spans, bool before = true) {
    auto id = writer_->series(key, store::SeriesKind::kCounter, 0.001);
    ASSERT_TRUE(id.ok()) << id.error().message;
    if (before) {
      samples_.emplace_back(start_ms - 1, *id, base_wh);
    }
    std::int64_t watt_minutes = 0;  // exact: the Wh are this over 60
    std::int64_t t = start_ms;
    for (const Span& span : spans) {
      for (int m = 0; m < span.minutes; ++m) {
        watt_minutes += span.power_w;
        t += kMinuteMs;
        samples_.emplace_back(t - 1, *id, base_wh + static_cast<double>(watt_minutes) / 60.0);
      }
    }
  }
  // Appends every sample in time order, flushing every ten minutes of data.
  void write() {
    std::stable_sort(samples_.begin(), samples_.end(),
                     [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    std::int64_t flushed_block = 0;
    for (const auto& [t, id, value] : samples_) {
      if (t / (10 * kMinuteMs) != flushed_block) {
        ASSERT_TRUE(writer_->flush().ok());
        flushed_block = t / (10 * kMinuteMs);
      }
      ASSERT_TRUE(writer_->append(id, t, value).ok());
    }
    ASSERT_TRUE(writer_->flush().ok());
    samples_.clear();
  }
  // The summary at `now_ms` in UTC+1 all year, read through a read-only
  // connection like the daemon's HTTP thread.
  nlohmann::json summary(const char* yaml, std::int64_t now_ms,
                         std::shared_ptr<const model::PriceSeries> prices = nullptr) {
    auto inst = model::load_installation_text(yaml, "test.yaml");
    EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().message);
    store::StoreOptions options;
    options.read_only = true;
    auto reader = store::Store::open(path(), options);
    EXPECT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().message);
    if (!inst.ok() || !reader.ok()) {
      return {};
    }
    model::TariffConfig tariff = inst->control.tariff;
    tariff.prices = std::move(prices);
    const SummaryClock clock{now_ms, [](std::int64_t) -> std::int64_t { return 3600; }, "+01:00"};
    auto out = compute_energy_summary(**reader, *inst, tariff, clock);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    return out.ok() ? *out : nlohmann::json();
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> writer_;
  std::vector<std::tuple<std::int64_t, int, double>> samples_;
};

// 2 kW taken from the grid for 3 hours, from 22:30 local on 30 June to
// 01:30 on 1 July (21:30Z to 00:30Z), no sun, the battery idle. Local
// midnight is both today's and July's start: 2026-06-30T23:00:00Z.
TEST_F(EnergySummaryTest, ConstantImportAcrossLocalMidnightAndTheMonthsStart) {
  const std::int64_t start = utc_ms(2026, 6, 30, 21, 30);
  counter("load/Grid/energy_import_wh", start, 5000.0, {{180, 2000}});
  counter("load/Grid/energy_export_wh", start, 700.0, {{180, 0}});
  counter("load/Solar/energy_import_wh", start, 9000.0, {{180, 0}});
  counter("load/Battery/energy_import_wh", start, 100.0, {{180, 0}});
  counter("load/Battery/energy_export_wh", start, 200.0, {{180, 0}});
  write();
  const std::int64_t now = utc_ms(2026, 7, 1, 0, 30, 30);  // 01:30:30 local
  const auto j = summary(kHouse, now);
  EXPECT_EQ(j["time_ms"], now);
  EXPECT_EQ(j["currency"], "EUR");
  EXPECT_EQ(j["timezone"], "+01:00");
  EXPECT_EQ(j["utc_offset_s"], 3600);
  for (const char* period : {"today", "month"}) {
    SCOPED_TRACE(period);
    const auto& p = j[period];
    EXPECT_EQ(p["from"], "2026-06-30T23:00:00Z");
    EXPECT_EQ(p["to"], "2026-07-01T00:30:30Z");
    // 00:00 to 01:30 local: 1.5 h x 2 kW = 3 kWh; June's 1.5 h do not count.
    EXPECT_DOUBLE_EQ(p["import_kwh"].get<double>(), 3.0);
    EXPECT_DOUBLE_EQ(p["export_kwh"].get<double>(), 0.0);
    // A solar load that produced nothing: 0 kWh, and no self-consumption.
    EXPECT_DOUBLE_EQ(p["solar_kwh"].get<double>(), 0.0);
    EXPECT_TRUE(p["self_consumption_pct"].is_null());
    EXPECT_DOUBLE_EQ(p["battery_charge_kwh"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(p["battery_discharge_kwh"].get<double>(), 0.0);
    // 3 - 0 + 0 + 0 - 0 = 3 kWh, all from the grid: 0 % self-sufficient.
    EXPECT_DOUBLE_EQ(p["consumption_kwh"].get<double>(), 3.0);
    EXPECT_DOUBLE_EQ(p["self_sufficiency_pct"].get<double>(), 0.0);
    // Night window all along: 3 kWh x 0.20 = 0.60 EUR.
    EXPECT_DOUBLE_EQ(p["import_cost"].get<double>(), 0.6);
    EXPECT_DOUBLE_EQ(p["export_earnings"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(p["net_cost"].get<double>(), 0.6);
    // Each quarter 500 Wh, 2 kW. Complete: 00:00 to 01:00 local (01:15 has
    // no quarter after it yet); the first of the equal ones is the peak.
    // Billed at least 2.5 kW: 2.5 x 4 = 10 EUR.
    const auto& c = p["capacity"];
    EXPECT_DOUBLE_EQ(c["peak_kw"].get<double>(), 2.0);
    EXPECT_EQ(c["peak_at"], "2026-06-30T23:00:00Z");
    EXPECT_DOUBLE_EQ(c["limit_kw"].get<double>(), 5.0);
    EXPECT_DOUBLE_EQ(c["billed_kw"].get<double>(), 2.5);
    EXPECT_DOUBLE_EQ(c["cost"].get<double>(), 10.0);
  }
}

// Two days of a house with PV and a battery, now 12:00:30 local on 15 July.
// Per minute from 22:00 local on the 14th (21:00Z):
//   grid import  22-24 h: 1 kW (2 kWh); 00-07 h: 0.5 kW (3.5 kWh); 07-09 h: 3 kW (6 kWh)
//   grid export  09-12 h: 2 kW (6 kWh)
//   solar        07-09 h: 1 kW (2 kWh); 09-12 h: 4 kW (12 kWh)
//   discharge    22-02 h: 0.5 kW (1 kWh on the 14th, 1 kWh on the 15th)
//   charge       09-11 h: 1 kW (2 kWh)
TEST_F(EnergySummaryTest, ADayAndAMonthOfAHouseWithPvAndABattery) {
  const std::int64_t start = utc_ms(2026, 7, 14, 21, 0);
  counter("load/Grid/energy_import_wh", start, 1'000'000.0,
          {{120, 1000}, {420, 500}, {120, 3000}, {180, 0}});
  counter("load/Grid/energy_export_wh", start, 250'000.0, {{660, 0}, {180, 2000}});
  counter("load/Solar/energy_import_wh", start, 3'000'000.0, {{540, 0}, {120, 1000}, {180, 4000}});
  counter("load/Battery/energy_import_wh", start, 40'000.0, {{240, 500}, {600, 0}});
  counter("load/Battery/energy_export_wh", start, 50'000.0, {{660, 0}, {120, 1000}, {60, 0}});
  write();
  const std::int64_t now = utc_ms(2026, 7, 15, 11, 0, 30);
  const auto j = summary(kHouse, now);

  const auto& today = j["today"];
  EXPECT_EQ(today["from"], "2026-07-14T23:00:00Z");
  // import 3.5 + 6 = 9.5; export 6; solar 2 + 12 = 14; discharge 1; charge 2.
  EXPECT_DOUBLE_EQ(today["import_kwh"].get<double>(), 9.5);
  EXPECT_DOUBLE_EQ(today["export_kwh"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(today["solar_kwh"].get<double>(), 14.0);
  EXPECT_DOUBLE_EQ(today["battery_discharge_kwh"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(today["battery_charge_kwh"].get<double>(), 2.0);
  // 9.5 - 6 + 14 + 1 - 2 = 16.5 kWh (by the hour: 2 + 2.5 + 8 + 2 + 2).
  EXPECT_DOUBLE_EQ(today["consumption_kwh"].get<double>(), 16.5);
  // 100 (1 - 9.5 / 16.5) = 42.42 %; 100 (14 - 6) / 14 = 57.14 %.
  EXPECT_DOUBLE_EQ(today["self_sufficiency_pct"].get<double>(), 42.4);
  EXPECT_DOUBLE_EQ(today["self_consumption_pct"].get<double>(), 57.1);
  // 3.5 kWh at night x 0.20 + 6 kWh from 07:00 x 0.30 = 0.70 + 1.80 = 2.50;
  // 6 kWh x 0.05 = 0.30 earned; net 2.20.
  EXPECT_DOUBLE_EQ(today["import_cost"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(today["export_earnings"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(today["net_cost"].get<double>(), 2.2);
  // 3 kW from 07:00 local (06:00Z), its quarter complete (06:45 and 07:15
  // measured): billed 3 kW x 4 = 12 EUR.
  EXPECT_DOUBLE_EQ(today["capacity"]["peak_kw"].get<double>(), 3.0);
  EXPECT_EQ(today["capacity"]["peak_at"], "2026-07-15T06:00:00Z");
  EXPECT_DOUBLE_EQ(today["capacity"]["billed_kw"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(today["capacity"]["cost"].get<double>(), 12.0);

  const auto& month = j["month"];
  EXPECT_EQ(month["from"], "2026-06-30T23:00:00Z");
  // The 14th adds 2 kWh import and 1 kWh discharge: 11.5 and 2.
  EXPECT_DOUBLE_EQ(month["import_kwh"].get<double>(), 11.5);
  EXPECT_DOUBLE_EQ(month["export_kwh"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(month["solar_kwh"].get<double>(), 14.0);
  EXPECT_DOUBLE_EQ(month["battery_discharge_kwh"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(month["battery_charge_kwh"].get<double>(), 2.0);
  // 11.5 - 6 + 14 + 2 - 2 = 19.5 (16.5 + 1.5 kW x 2 h on the 14th).
  EXPECT_DOUBLE_EQ(month["consumption_kwh"].get<double>(), 19.5);
  // 100 (1 - 11.5 / 19.5) = 41.03 %.
  EXPECT_DOUBLE_EQ(month["self_sufficiency_pct"].get<double>(), 41.0);
  EXPECT_DOUBLE_EQ(month["self_consumption_pct"].get<double>(), 57.1);
  // 2.50 + 2 kWh x 0.20 on the 14th's night = 2.90; net 2.90 - 0.30 = 2.60.
  EXPECT_DOUBLE_EQ(month["import_cost"].get<double>(), 2.9);
  EXPECT_DOUBLE_EQ(month["export_earnings"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(month["net_cost"].get<double>(), 2.6);
  EXPECT_DOUBLE_EQ(month["capacity"]["peak_kw"].get<double>(), 3.0);
  EXPECT_EQ(month["capacity"]["peak_at"], "2026-07-15T06:00:00Z");
}

// A flat without PV or battery whose box was off from 07:00 to 08:00 local
// on 20 July while its meter's register went on (+1.5 kWh). 2 kW from 06:00
// to 07:00 local, 1 kW from 08:00 to 09:00; now 09:00:30 local.
TEST_F(EnergySummaryTest, ACounterWithAGapOnASiteWithoutSolar) {
  const std::int64_t six = utc_ms(2026, 7, 20, 5, 0);    // 06:00 local
  const std::int64_t eight = utc_ms(2026, 7, 20, 7, 0);  // 08:00 local
  counter("load/Grid/energy_import_wh", six, 10'000.0, {{60, 2000}});
  counter("load/Grid/energy_import_wh", eight, 10'000.0 + 2000.0 + 1500.0, {{60, 1000}}, false);
  counter("load/Grid/energy_export_wh", six, 0.0, {{60, 0}});
  counter("load/Grid/energy_export_wh", eight, 0.0, {{60, 0}}, false);
  write();
  const std::int64_t now = utc_ms(2026, 7, 20, 8, 0, 30);
  const auto j = summary(kFlat, now);
  const auto& today = j["today"];
  EXPECT_EQ(today["from"], "2026-07-19T23:00:00Z");
  // 2 kWh + the 1.5 kWh the register grew across the gap + 1 kWh = 4.5 kWh.
  EXPECT_DOUBLE_EQ(today["import_kwh"].get<double>(), 4.5);
  EXPECT_DOUBLE_EQ(today["export_kwh"].get<double>(), 0.0);
  // No solar or battery load: their figures are null, not 0.
  EXPECT_TRUE(today["solar_kwh"].is_null());
  EXPECT_TRUE(today["self_consumption_pct"].is_null());
  EXPECT_TRUE(today["battery_charge_kwh"].is_null());
  EXPECT_TRUE(today["battery_discharge_kwh"].is_null());
  // The house used what it imported: 4.5 kWh, 0 % self-sufficient.
  EXPECT_DOUBLE_EQ(today["consumption_kwh"].get<double>(), 4.5);
  EXPECT_DOUBLE_EQ(today["self_sufficiency_pct"].get<double>(), 0.0);
  // 2 kWh before 07:00 at 0.20 = 0.40; the gap's 1.5 kWh goes with the
  // first quarter after it (08:00, 0.30): (1.5 + 1) x 0.30 = 0.75; 1.15.
  EXPECT_DOUBLE_EQ(today["import_cost"].get<double>(), 1.15);
  EXPECT_DOUBLE_EQ(today["net_cost"].get<double>(), 1.15);
  // The 08:00 quarter grew 1.75 kWh (7 kW) but its start is not measured;
  // 06:45 and 08:45 have no measured end. Complete: 06:00-06:30 at 2 kW
  // and 08:15-08:30 at 1 kW: 2 kW at 06:00 local (05:00Z).
  const auto& c = today["capacity"];
  EXPECT_DOUBLE_EQ(c["peak_kw"].get<double>(), 2.0);
  EXPECT_EQ(c["peak_at"], "2026-07-20T05:00:00Z");
  // No peak limit and no capacity tariff.
  EXPECT_TRUE(c["limit_kw"].is_null());
  EXPECT_TRUE(c["billed_kw"].is_null());
  EXPECT_TRUE(c["cost"].is_null());

  // A dynamic price of 0.10 for 06:00-07:00 local replaces the night
  // window's 0.20 there: 2 x 0.10 + 2.5 x 0.30 = 0.95.
  auto prices = model::PriceSeries::parse(
      "start,import_eur_per_kwh,export_eur_per_kwh\n2026-07-20T06:00:00+01:00,0.10,0.02\n",
      "p.csv");
  ASSERT_TRUE(prices.ok()) << prices.error().message;
  const auto dynamic =
      summary(kFlat, now, std::make_shared<const model::PriceSeries>(std::move(*prices)));
  EXPECT_DOUBLE_EQ(dynamic["today"]["import_cost"].get<double>(), 0.95);
}

// Ten minutes after the box started (2 kW from 06:00 local): 2 kW x 10 min
// = 333.3 Wh imported, but no quarter is complete yet, so there is no peak
// (null, not 0); the grid's export counter was never written, so export,
// consumption, earnings and the net cost are unknown.
TEST_F(EnergySummaryTest, NoPeakBeforeTheFirstCompleteQuarter) {
  counter("load/Grid/energy_import_wh", utc_ms(2026, 7, 20, 5, 0), 0.0, {{10, 2000}});
  write();
  const auto j = summary(kHouse, utc_ms(2026, 7, 20, 5, 10, 30));
  const auto& today = j["today"];
  EXPECT_DOUBLE_EQ(today["import_kwh"].get<double>(), 0.333);
  // 06:00 local is in the night window: 0.3333 kWh x 0.20 = 0.0667 EUR.
  EXPECT_DOUBLE_EQ(today["import_cost"].get<double>(), 0.0667);
  for (const char* key :
       {"export_kwh", "consumption_kwh", "self_sufficiency_pct", "export_earnings", "net_cost"}) {
    EXPECT_TRUE(today[key].is_null()) << key;
  }
  EXPECT_TRUE(today["capacity"]["peak_kw"].is_null());
  EXPECT_TRUE(today["capacity"]["peak_at"].is_null());
  EXPECT_TRUE(today["capacity"]["billed_kw"].is_null());
  EXPECT_TRUE(today["capacity"]["cost"].is_null());
}

// A store that has none of the house's series (a new box, before its first
// flush): every figure of a missing source is null, nothing fails.
TEST_F(EnergySummaryTest, NothingRecordedGivesNullsNotZeros) {
  write();
  const auto j = summary(kHouse, utc_ms(2026, 7, 20, 8, 0, 30));
  for (const char* period : {"today", "month"}) {
    SCOPED_TRACE(period);
    const auto& p = j[period];
    for (const char* key : {"import_kwh", "export_kwh", "solar_kwh", "consumption_kwh",
                            "battery_charge_kwh", "battery_discharge_kwh", "self_sufficiency_pct",
                            "self_consumption_pct", "import_cost", "export_earnings", "net_cost"}) {
      EXPECT_TRUE(p[key].is_null()) << key;
    }
    EXPECT_TRUE(p["capacity"]["peak_kw"].is_null());
    EXPECT_TRUE(p["capacity"]["peak_at"].is_null());
    EXPECT_DOUBLE_EQ(p["capacity"]["limit_kw"].get<double>(), 5.0);
    EXPECT_TRUE(p["capacity"]["billed_kw"].is_null());
  }
}

// Local midnight on the day clocks go forward (Europe/Brussels, 29 March
// 2026, 02:00 CET -> 03:00 CEST at 01:00Z): asked at 12:00 CEST (+2), the
// day began at 00:00 CET, 2026-03-28T23:00:00Z, and the month at 1 March
// 00:00 CET, 2026-02-28T23:00:00Z.
TEST_F(EnergySummaryTest, TheDayClocksGoForwardStartsAtMidnightsOwnOffset) {
  write();
  auto inst = model::load_installation_text(kFlat, "test.yaml");
  ASSERT_TRUE(inst.ok());
  store::StoreOptions options;
  options.read_only = true;
  auto reader = store::Store::open(path(), options);
  ASSERT_TRUE(reader.ok());
  const std::int64_t change_s = utc_ms(2026, 3, 29, 1, 0) / 1000;
  const SummaryClock clock{
      utc_ms(2026, 3, 29, 10, 0),
      [change_s](std::int64_t s) -> std::int64_t { return s < change_s ? 3600 : 7200; },
      "Europe/Brussels"};
  auto out = compute_energy_summary(**reader, *inst, inst->control.tariff, clock);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ((*out)["today"]["from"], "2026-03-28T23:00:00Z");
  EXPECT_EQ((*out)["month"]["from"], "2026-02-28T23:00:00Z");
  EXPECT_EQ((*out)["utc_offset_s"], 7200);
  EXPECT_EQ((*out)["timezone"], "Europe/Brussels");
}

}  // namespace
}  // namespace kirchhoff::daemon
