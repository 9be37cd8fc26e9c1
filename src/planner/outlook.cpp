#include "planner/outlook.hpp"

#include <algorithm>

namespace kirchhoff::planner {

namespace {
constexpr std::int64_t kDayS = 86400;
constexpr int kSlotS = 900;
}  // namespace

std::int64_t prices_known_until(const model::TariffConfig& tariff, std::int64_t now_unix_s,
                                common::LocalClock& clock, bool perfect) {
  if (!tariff.prices) {
    return now_unix_s;
  }
  const std::int64_t series_end = tariff.prices->end_unix_s();
  if (perfect) {
    return series_end;
  }
  const common::LocalClock::Local local = clock.at(now_unix_s);
  const std::int64_t midnight =
      now_unix_s - now_unix_s % 60 - std::int64_t{local.minute_of_day} * 60;
  const std::int64_t known =
      midnight + (local.minute_of_day >= kDayAheadPublishedMinute ? 2 : 1) * kDayS;
  return std::min(series_end, known);
}

int horizon_slots(const model::TariffConfig& tariff, std::int64_t start_unix_s,
                  std::int64_t known_until_unix_s) {
  if (!tariff.prices) {
    return kStaticHorizonSlots;
  }
  const auto known =
      static_cast<int>(std::max<std::int64_t>(0, known_until_unix_s - start_unix_s) / kSlotS);
  return std::clamp(known, kMinHorizonSlots, kMaxHorizonSlots);
}

void fill_prices(const model::TariffConfig& tariff, std::int64_t start_unix_s, int slots,
                 std::int64_t known_until_unix_s, common::LocalClock& clock, Outlook& outlook) {
  outlook.import_price.resize(static_cast<std::size_t>(slots));
  outlook.export_price.resize(static_cast<std::size_t>(slots));
  outlook.month.resize(static_cast<std::size_t>(slots));
  for (int t = 0; t < slots; ++t) {
    const std::int64_t at = start_unix_s + std::int64_t{t} * kSlotS;
    const common::LocalClock::Local local = clock.at(at);
    std::int64_t priced = at;
    if (tariff.prices && at >= known_until_unix_s) {
      // Not yet published: the same time on the last day that is.
      priced = at - ((at - known_until_unix_s) / kDayS + 1) * kDayS;
      if (priced < tariff.prices->first_unix_s()) {
        priced = at;  // nothing known: the tariff's own prices
      }
    }
    const std::size_t i = static_cast<std::size_t>(t);
    outlook.import_price[i] = tariff.import_price_at(priced, local.minute_of_day);
    outlook.export_price[i] = tariff.export_price_at(priced, local.minute_of_day);
    outlook.month[i] = local.month_key;
  }
}

Outlook forecast_outlook(const model::TariffConfig& tariff, std::int64_t start_unix_s,
                         const forecast::LoadForecast& load, const forecast::PvForecast* pv,
                         common::LocalClock& clock) {
  const std::int64_t known = prices_known_until(tariff, start_unix_s, clock);
  const int slots = horizon_slots(tariff, start_unix_s, known);
  Outlook outlook;
  fill_prices(tariff, start_unix_s, slots, known, clock, outlook);
  outlook.load_w.resize(static_cast<std::size_t>(slots));
  outlook.pv_w.resize(static_cast<std::size_t>(slots));
  for (int t = 0; t < slots; ++t) {
    const std::int64_t at = start_unix_s + std::int64_t{t} * kSlotS;
    outlook.load_w[static_cast<std::size_t>(t)] = load.forecast_w(at);
    outlook.pv_w[static_cast<std::size_t>(t)] =
        pv != nullptr ? pv->forecast_w(at, start_unix_s) : 0.0;
  }
  return outlook;
}

forecast::PvArray pv_array(const model::Installation& installation, double peak_w,
                           double inverter_max_w) {
  forecast::PvArray array;
  array.latitude_deg = installation.site.latitude_deg.value_or(array.latitude_deg);
  array.longitude_deg = installation.site.longitude_deg.value_or(array.longitude_deg);
  for (const model::Load& load : installation.loads) {
    if (load.kind == model::LoadKind::kSolar) {
      array.panel.tilt_deg = load.tilt_deg.value_or(array.panel.tilt_deg);
      array.panel.azimuth_deg = load.azimuth_deg.value_or(array.panel.azimuth_deg);
      break;
    }
  }
  array.peak_w = peak_w;
  array.inverter_max_w = inverter_max_w;
  return array;
}

}  // namespace kirchhoff::planner
