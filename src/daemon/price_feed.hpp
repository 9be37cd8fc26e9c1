// The dynamic prices the daemon steers and shows with (docs/control.md,
// "Day-ahead prices from the network"): the installation's price file, laid
// under whatever a URL or an MQTT topic delivered since, newer over older.
// The control loop takes current() at the start of a cycle; the fetcher's
// thread and the MQTT network thread add; the API reads.
//
// Thread-safe. current() hands out an immutable series (a new one after each
// change, never one changed in place), so readers need no lock after it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "daemon/alarms.hpp"
#include "model/control_config.hpp"
#include "model/price_series.hpp"

namespace kirchhoff::daemon {

enum class PriceSource { kTariff, kFile, kUrl, kMqtt };
std::string_view price_source_name(PriceSource source);  // "tariff", "file", "url", "mqtt"

class PriceFeed {
 public:
  // Received prices that ended this long ago are dropped (the file's stay).
  static constexpr std::int64_t kKeepS = 2 * 86400;
  // prices-missing looks this far ahead.
  static constexpr std::int64_t kAheadS = 12 * 3600;

  // The installation's price file (null: none); merged under what was received.
  void set_file(std::shared_ptr<const model::PriceSeries> file, std::int64_t now_unix_s);
  // Parses a day-ahead JSON body (model::PriceSeries::parse_json, `label`
  // names it in errors) and merges it over what is there. A bad body changes
  // nothing; its error is returned and kept for the alarm's message.
  common::Status add_json(PriceSource source, std::string_view body, const std::string& label,
                          std::int64_t now_unix_s);
  void add(PriceSource source, const model::PriceSeries& series, std::int64_t now_unix_s);
  // A fetch that failed: its reason goes into the alarm's message.
  void note_failure(std::string reason);

  // The merged series; null when there is none.
  std::shared_ptr<const model::PriceSeries> current() const;
  // Where the newest data came from (kTariff: nothing dynamic at all).
  PriceSource source() const;

  // prices-missing: raised while `configured` (a URL or topic) and some
  // instant of [now, now + 12 h) has no price.
  AlarmCheck alarm(bool configured, std::int64_t now_unix_s) const;

  // GET /api/v1/prices: {"currency", "source", "prices": [{"start",
  // "import_eur_per_kwh", "export_eur_per_kwh"}]} from 24 h ago to the end
  // of the known prices; without any, the tariff's window or flat prices per
  // 15 minutes for the next 24 h (local minute of the day from
  // `utc_offset_s`, the box's offset now).
  nlohmann::json to_json(const model::TariffConfig& tariff, std::int64_t now_unix_s,
                         std::int64_t utc_offset_s) const;

 private:
  void remerge(std::int64_t now_unix_s);  // mutex_ held

  mutable std::mutex mutex_;
  std::shared_ptr<const model::PriceSeries> file_;
  model::PriceSeries received_;  // from the network, merged in arrival order
  std::shared_ptr<const model::PriceSeries> merged_;
  PriceSource source_ = PriceSource::kTariff;
  std::string last_error_;
};

}  // namespace kirchhoff::daemon
