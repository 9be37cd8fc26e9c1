// The prices side of a plan's outlook: which prices a site knows at a moment
// (day-ahead prices are published around 13:00 local time for the next day),
// how long the horizon is, and each slot's import and export price and
// billing month. docs/planner.md.
#pragma once

#include <cstdint>

#include "common/time.hpp"
#include "forecast/forecast.hpp"
#include "model/control_config.hpp"
#include "model/installation.hpp"
#include "planner/site_problem.hpp"

namespace kirchhoff::planner {

// Day-ahead prices of tomorrow are known from this local minute on.
inline constexpr int kDayAheadPublishedMinute = 13 * 60;
inline constexpr int kMinHorizonSlots = 96;   // 24 h
inline constexpr int kMaxHorizonSlots = 192;  // 48 h
// With fixed or time-of-use prices (everything is known): 36 h, from now to
// past tomorrow's evening.
inline constexpr int kStaticHorizonSlots = 144;

// The end (exclusive) of the dynamic prices a site knows at `now_unix_s`:
// the price series up to the end of today, or of tomorrow after publication;
// `now_unix_s` when the tariff has no series. `perfect` knows the whole series.
std::int64_t prices_known_until(const model::TariffConfig& tariff, std::int64_t now_unix_s,
                                common::LocalClock& clock, bool perfect = false);

// Slots to plan from `start_unix_s`: up to the known prices' end, between 24
// and 48 h; 36 h when the tariff has no dynamic prices.
int horizon_slots(const model::TariffConfig& tariff, std::int64_t start_unix_s,
                  std::int64_t known_until_unix_s);

// Fills the outlook's prices and months for `slots` slots from
// `start_unix_s`: the dynamic price where known, else the price of the same
// time a day earlier that is known (day-ahead prices repeat their daily
// shape better than a flat fallback), else the tariff's window or flat price.
void fill_prices(const model::TariffConfig& tariff, std::int64_t start_unix_s, int slots,
                 std::int64_t known_until_unix_s, common::LocalClock& clock, Outlook& outlook);

// The whole outlook of a plan starting at `start_unix_s`: the horizon and
// prices known then, and each slot's load and PV from the forecasts (which
// hold only what was observed by then).
Outlook forecast_outlook(const model::TariffConfig& tariff, std::int64_t start_unix_s,
                         const forecast::LoadForecast& load, const forecast::PvForecast* pv,
                         common::LocalClock& clock);

// What the site knows of its panels for the PV forecast: the site's location
// and the first solar load's orientation from the installation file (the
// forecast's defaults where it gives none), the panels' peak and the
// inverter's limit from the inverter (or the simulator).
forecast::PvArray pv_array(const model::Installation& installation, double peak_w,
                           double inverter_max_w);

}  // namespace kirchhoff::planner
