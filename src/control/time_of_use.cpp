#include <algorithm>

#include "control/controllers.hpp"

namespace kirchhoff::control {

Request TimeOfUse::decide(const ControlInput& input) {
  Request request;
  const model::TariffConfig& tariff = config_.tariff;
  const model::TariffWindow* window = tariff.window_at(input.minute_of_day);
  const std::size_t relay_count = config_.relays.size();
  const BatteryInput& b = input.battery;
  // Every plugged car may charge at full power, unless its mode is off.
  auto charge_cars = [&](Request& r) {
    bool any = false;
    for (std::size_t k = 0; k < input.evs.size(); ++k) {
      const EvInput& ev = input.evs[k];
      if (ev.present && ev.plugged && ev.mode.value_or(config_.ev.mode) != model::EvMode::kOff &&
          !plan_steers_car(input, config_, k)) {
        r.ev(k).want = std::min(ev.max_a, config_.ev.max_a);
        r.phases(k).want = 3;  // full power: every phase the charger has
        any = true;
      }
    }
    return any;
  };
  std::vector<std::string> parts;
  const double export_price = tariff.export_price(input.minute_of_day);
  const double import_price = tariff.import_price(input.minute_of_day);
  if (export_price < 0.0 || import_price < 0.0) {
    // Negative prices: no export (the inverter follows the house), and every
    // flexible load runs.
    if (input.inverter.present && input.inverter.peak_w > 0.0) {
      const double cap_w = cap_pct_ / 100.0 * input.inverter.peak_w;
      const double export_w = -input.grid_w;
      if (export_w > 0.0) {
        const double produced = std::min(input.inverter.pv_w, cap_w);
        cap_pct_ = std::max(0.0, (produced - export_w) / input.inverter.peak_w * 100.0);
      } else {
        cap_pct_ = std::min(100.0, (cap_w - export_w) / input.inverter.peak_w * 100.0);
      }
      if (export_price < 0.0) {
        request.inverter_pct.max = cap_pct_;
      }
    }
    if (b.present && b.soc_pct < b.soc_max_pct && !plan_steers_battery(input)) {
      request.battery_w.want = -b.max_charge_w;
    }
    charge_cars(request);
    request.sg_ready.want = 3;
    for (std::size_t r = 0; r < relay_count; ++r) {
      if (config_.relays[r].use == model::RelayUse::kSurplus) {
        request.relay(r, relay_count).want = 1;
      }
    }
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "negative price (%.3f %s/kWh): no export, loads on",
                  std::min(export_price, import_price), tariff.currency.c_str());
    request.reason = buffer;
    return request;
  }
  cap_pct_ = 100.0;
  const bool charge_window = window != nullptr && window->action == model::WindowAction::kCharge;
  // Charging stops at charge_to_pct and starts again 5 points below it, so
  // the house's use does not toggle it every few seconds.
  // A plan in force decides the battery's charging from the grid.
  const bool battery_free = b.present && !plan_steers_battery(input);
  if (!charge_window || !battery_free || b.soc_pct >= config_.battery.charge_to_pct) {
    grid_charging_ = false;
  } else if (b.soc_pct < config_.battery.charge_to_pct - 5.0 || window != last_window_) {
    grid_charging_ = true;
  }
  last_window_ = window;
  if (charge_window) {
    if (grid_charging_) {
      request.battery_w.want = -b.max_charge_w;
      parts.push_back("battery charging from the grid");
    } else if (battery_free) {
      // Cheap hours: the house runs on the grid and the battery keeps its charge.
      request.battery_w.max = 0.0;
    }
    if (config_.ev.cheap_charging && charge_cars(request)) {
      parts.push_back("car charging");
    }
    if (!parts.empty()) {
      parts.front() = "cheap window: " + parts.front();
    }
  } else if (window == nullptr || window->action != model::WindowAction::kHold) {
    const bool has_hold =
        std::any_of(tariff.windows.begin(), tariff.windows.end(),
                    [](const auto& w) { return w.action == model::WindowAction::kHold; });
    if (has_hold && battery_free &&
        b.soc_pct <= b.reserve_pct.value_or(config_.battery.reserve_pct)) {
      request.battery_w.max = 0.0;
      parts.push_back("battery reserve kept for the expensive hours");
    }
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    request.reason += (i == 0 ? "" : ", ") + parts[i];
  }
  if (!parts.empty() && !input.explain) {
    request.reason = "active";
  }
  return request;
}

}  // namespace kirchhoff::control
