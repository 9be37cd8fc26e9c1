// Dynamic tariff prices from a CSV file (docs/control.md has the format):
// `start,import_eur_per_kwh,export_eur_per_kwh`, one row per 15 or 60 minutes,
// starts in ISO 8601 with a UTC offset. A row holds from its start for one
// step; instants before the first row, after the last one or in a gap have no
// price, and the tariff falls back to its windows or flat prices.
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

  // The prices in force at a unix second; empty outside the file's rows.
  // O(log rows).
  std::optional<PricePoint> price_at(std::int64_t unix_s) const;

  std::int64_t step_s() const { return step_s_; }
  std::size_t size() const { return starts_.size(); }
  std::int64_t first_unix_s() const { return starts_.front(); }
  std::int64_t end_unix_s() const { return starts_.back() + step_s_; }  // exclusive

 private:
  std::int64_t step_s_ = 3600;
  std::vector<std::int64_t> starts_;  // strictly increasing, never empty once parsed
  std::vector<PricePoint> prices_;
};

// "2026-03-01T00:00:00+01:00", "2026-03-01T00:00Z": ISO 8601 date and time
// with seconds optional and a required offset (Z or ±HH:MM), as unix seconds.
std::optional<std::int64_t> parse_iso8601_with_offset(std::string_view text);

}  // namespace kirchhoff::model
