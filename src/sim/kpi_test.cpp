#include "sim/kpi.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>

#include "model/loader.hpp"
#include "model/price_series.hpp"

namespace kirchhoff::sim {
namespace {

// 2026-03-01T00:00:00Z: 2026-01-01 is 1767225600, plus 31 + 28 days.
constexpr std::int64_t kMarch1 = 1767225600 + 59 * 86400;

// Months and minutes of day follow the box's zone; these tests fix it to UTC.
class Kpi : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
    auto inst =
        model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
    ASSERT_TRUE(inst.ok());
    inst_ = std::make_unique<model::Installation>(std::move(*inst));
    // A flat 0.30 / 0.05 tariff without windows, so every fallback is plain.
    auto& tariff = inst_->control.tariff;
    tariff.windows.clear();
    tariff.import_per_kwh = 0.30;
    tariff.export_per_kwh = 0.05;
    state_.loads.resize(inst_->loads.size());
  }

  // Feeds `seconds` one-second states of constant grid power from `start`.
  void feed(KpiAccumulator& kpis, std::int64_t start, int seconds, double grid_w) {
    for (int i = 0; i < seconds; ++i) {
      state_.unix_s = start + i;
      state_.grid_w = grid_w;
      kpis.add(state_, 1.0);
    }
  }

  nlohmann::json report(const KpiAccumulator& kpis) {
    SiteSimulator site(*inst_, SiteOptions{});
    return kpis.report(site);
  }

  std::unique_ptr<model::Installation> inst_;
  SiteState state_;
};

TEST_F(Kpi, CostAtDynamicPricesWithANegativeHourAndTheFallback) {
  auto series = model::PriceSeries::parse(
      "start,import_eur_per_kwh,export_eur_per_kwh\n"
      "2026-03-01T00:00:00Z,0.25,0.05\n"
      "2026-03-01T01:00:00Z,-0.10,-0.20\n",
      "t.csv");
  ASSERT_TRUE(series.ok());
  inst_->control.tariff.prices = std::make_shared<const model::PriceSeries>(std::move(*series));
  KpiAccumulator kpis(*inst_);
  // 1 kW for the two hours: 1 kWh * 0.25 + 1 kWh * -0.10 = 0.15 EUR.
  feed(kpis, kMarch1, 7200, 1000.0);
  EXPECT_EQ(report(kpis)["cost_energy"], 0.15);
  // One more hour after the file: the flat 0.30 -> 0.45 EUR.
  feed(kpis, kMarch1 + 7200, 3600, 1000.0);
  auto out = report(kpis);
  EXPECT_EQ(out["cost_energy"], 0.45);
  EXPECT_EQ(out["cost"], 0.45);  // no capacity tariff
  EXPECT_EQ(out["cost_capacity"], 0.0);
}

TEST_F(Kpi, ExportAtANegativePriceCosts) {
  auto series = model::PriceSeries::parse(
      "start,import_eur_per_kwh,export_eur_per_kwh\n"
      "2026-03-01T00:00:00Z,0.25,0.05\n"
      "2026-03-01T01:00:00Z,-0.10,-0.20\n",
      "t.csv");
  ASSERT_TRUE(series.ok());
  inst_->control.tariff.prices = std::make_shared<const model::PriceSeries>(std::move(*series));
  KpiAccumulator kpis(*inst_);
  // 2 kW export: first hour earns 2 kWh * 0.05 = 0.10, second pays 2 kWh * 0.20 = 0.40.
  feed(kpis, kMarch1, 7200, -2000.0);
  EXPECT_EQ(report(kpis)["cost"], 0.30);
}

TEST_F(Kpi, CapacityTermForAKnownPeak) {
  inst_->control.tariff.capacity = model::CapacityTariff{4.0, 2.5};
  KpiAccumulator kpis(*inst_);
  // One day of March at 1 kW, except 10:00-10:15 at 5 kW: peak 5 kW.
  feed(kpis, kMarch1, 36000, 1000.0);
  feed(kpis, kMarch1 + 36000, 900, 5000.0);
  feed(kpis, kMarch1 + 36900, 86400 - 36900, 1000.0);
  auto out = report(kpis);
  // Energy: 24 kWh + 4 kW * 0.25 h = 25 kWh at 0.30 = 7.50 EUR.
  EXPECT_EQ(out["cost_energy"], 7.5);
  // Capacity: 5 kW * 4 EUR/kW/month * 1 day / 31 days = 0.6452 EUR.
  EXPECT_EQ(out["cost_capacity"], 0.65);
  EXPECT_EQ(out["cost"], 8.15);  // 8.1452
  EXPECT_EQ(out["capacity_peak_kw"], 5.0);
  EXPECT_EQ(out["peak_import_kw_15min"], 5.0);
}

TEST_F(Kpi, CapacityTermMinimumAndTwoMonths) {
  inst_->control.tariff.capacity = model::CapacityTariff{4.0, 2.5};
  KpiAccumulator kpis(*inst_);
  // 31 March 12:00 to 1 April 12:00 at 1 kW: half a day in each month, both
  // billed at the 2.5 kW minimum: 2.5 * 4 * (0.5 / 31 + 0.5 / 30) = 0.3280 EUR.
  const std::int64_t march31_noon = kMarch1 + 30 * 86400 + 43200;
  feed(kpis, march31_noon, 86400, 1000.0);
  auto out = report(kpis);
  EXPECT_EQ(out["cost_capacity"], 0.33);
  EXPECT_EQ(out["capacity_peak_kw"], 2.5);
}

TEST_F(Kpi, LongestOverloadRun) {
  KpiAccumulator kpis(*inst_);
  const double over = inst_->site.main_breaker_a + 1.0;
  // Seconds over the breaker: 3, then 5, then 2, separated by one second under.
  const int pattern[] = {1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1};
  std::int64_t t = kMarch1;
  for (int is_over : pattern) {
    state_.unix_s = t++;
    state_.grid_phase_a = {0.0, is_over != 0 ? over : 1.0, 0.0};
    kpis.add(state_, 1.0);
  }
  auto out = report(kpis);
  EXPECT_EQ(out["fuse_overload_s"], 10.0);
  EXPECT_EQ(out["overload_longest_s"], 5.0);
}

}  // namespace
}  // namespace kirchhoff::sim
