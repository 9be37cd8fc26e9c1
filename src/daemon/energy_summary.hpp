// The energy summary of today and this month for the dashboard's Overview
// (docs/energy-summary.md): import, export, solar, battery and consumption
// energy, self-sufficiency and self-consumption, cost and earnings at the
// tariff in force per quarter hour, and the capacity peak. Computed from the
// history store's counters only, so it survives restarts.
//
// GET /api/v1/summary (viewer) serves it, cached for a few seconds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "api/auth_api.hpp"
#include "api/http_server.hpp"
#include "common/result.hpp"
#include "model/control_config.hpp"
#include "model/installation.hpp"
#include "model/price_series.hpp"
#include "store/store.hpp"

namespace kirchhoff::daemon {

// The box's time zone as a summary needs it.
struct SummaryClock {
  std::int64_t now_ms = 0;
  // Local time minus UTC at a unix second (seconds); the daemon passes
  // local_utc_offset_s, tests a zone of their own.
  std::function<std::int64_t(std::int64_t)> utc_offset_s;
  std::string timezone;  // shown as it is ("Europe/Brussels", "+01:00")
};

// The summary's JSON: {time_ms, currency, timezone, utc_offset_s, today,
// month} with each period as docs/energy-summary.md describes it. The loads
// come from `installation`, `control.grid.peak_limit_kw` from it too; prices
// from `tariff` (the installation's tariff with the dynamic prices the daemon
// has merged in). Reads `store` only. An error only when the store fails (a
// series the store does not know is a missing source: nulls).
common::Result<nlohmann::json> compute_energy_summary(store::Store& store,
                                                      const model::Installation& installation,
                                                      const model::TariffConfig& tariff,
                                                      const SummaryClock& clock);

// The box's time zone name: TZ, else the zone /etc/localtime links to, else
// the offset given as "+01:00".
std::string local_zone_name(std::int64_t utc_offset_s);

// The summary over HTTP: its own read-only connection to the history file
// (opened at the first request), the answer kept for kCacheMs. Thread-safe
// (a mutex around the store and the cache).
class EnergySummary {
 public:
  static constexpr std::int64_t kCacheMs = 5000;

  // What a computation needs at the moment it runs: the installation in
  // force and the dynamic prices merged so far (null: none).
  struct Inputs {
    std::shared_ptr<const model::Installation> installation;
    std::shared_ptr<const model::PriceSeries> prices;
  };
  EnergySummary(std::string db_path, std::function<Inputs()> inputs);

  // The summary at `now_ms` as JSON text, or the cached one when it is
  // younger than kCacheMs.
  common::Result<std::string> json(std::int64_t now_ms);
  // GET /api/v1/summary (viewer). This object must outlive the router.
  void add_route(api::Router& router, api::AuthApi& auth);

 private:
  std::string db_path_;
  std::function<Inputs()> inputs_;
  std::string timezone_;
  std::mutex mutex_;
  std::unique_ptr<store::Store> store_;
  std::string cached_;
  std::int64_t cached_at_ms_ = 0;
};

}  // namespace kirchhoff::daemon
