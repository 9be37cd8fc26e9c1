// Dynamic tariff prices from a CSV file (docs/control.md has the format):
// `start,import_eur_per_kwh,export_eur_per_kwh`, one row per 15 or 60 minutes,
// starts in ISO 8601 with a UTC offset. A row holds from its start for one
// step; instants before the first row, after the last one or in a gap have no
// price, and the tariff falls back to its windows or flat prices.
//
// The same rows also come as JSON from a day-ahead source (an HTTP URL or an
// MQTT topic the daemon reads): an array, or {"prices": [...]}, of
// {"start", "import_eur_per_kwh", "export_eur_per_kwh"}, with the same rules.
//
// Immutable after parsing; safe to share between threads for reading.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace kirchhoff::model {

struct PricePoint {
  double import_per_kwh = 0.0;  // EUR per kWh taken from the grid (may be negative)
  double export_per_kwh = 0.0;  // EUR per kWh fed in (negative: feeding in costs)
};

class PriceSeries {
 public:
  // Files larger than this are refused (ten years of quarter hours fit).
  static constexpr std::size_t kMaxBytes = 16u << 20;

  // Parses CSV text; `label` names the text in errors ("FILE:LINE:COL: reason").
  // Never throws; any bytes give a series or an error.
  static common::Result<PriceSeries> parse(std::string_view text, const std::string& label);

  // Reads and parses a file; the error names the path.
  static common::Result<PriceSeries> load(const std::string& path);

  // Parses the JSON of a day-ahead source; an error names the place as
  // "LABEL: prices[3].start: reason". Unknown keys of an entry are ignored.
  // Never throws; any bytes give a series or an error.
  static common::Result<PriceSeries> parse_json(std::string_view text, const std::string& label);

  // `newer` laid over `older`: for the same instant the newer price wins.
  // Hourly and quarter-hourly series merge into quarter hours (an hour holds
  // for its four quarters). When the two grids do not line up (starts that
  // differ by no whole number of the finer step) the newer series replaces
  // the older one. Rows that end at or before `keep_from_unix_s` are
  // dropped. Either may be empty.
  static PriceSeries merge(const PriceSeries& older, const PriceSeries& newer,
                           std::int64_t keep_from_unix_s);

  struct Row {
    std::int64_t start_unix_s = 0;
    PricePoint price;
  };
  // The rows whose step overlaps [from, to), in order (gaps are not rows).
  std::vector<Row> rows(std::int64_t from_unix_s, std::int64_t to_unix_s) const;

  // The prices in force at a unix second; empty outside the file's rows.
  // O(log rows).
  std::optional<PricePoint> price_at(std::int64_t unix_s) const;

  std::int64_t step_s() const { return step_s_; }
  std::size_t size() const { return starts_.size(); }
  bool empty() const { return starts_.empty(); }
  // Only for a series that is not empty().
  std::int64_t first_unix_s() const { return starts_.front(); }
  std::int64_t end_unix_s() const { return starts_.back() + step_s_; }  // exclusive

 private:
  // Appends a row after the others with the rules of both formats (order,
  // uniqueness, step); the reason it cannot, or "".
  std::string append(std::int64_t unix_s, const PricePoint& point);

  std::int64_t step_s_ = 3600;
  std::vector<std::int64_t> starts_;  // strictly increasing, never empty once parsed
  std::vector<PricePoint> prices_;
};

// "2026-03-01T00:00:00+01:00", "2026-03-01T00:00Z": ISO 8601 date and time
// with seconds optional and a required offset (Z or ±HH:MM), as unix seconds.
std::optional<std::int64_t> parse_iso8601_with_offset(std::string_view text);

}  // namespace kirchhoff::model
