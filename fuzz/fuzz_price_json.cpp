// Fuzz target: the day-ahead price JSON a URL or an MQTT topic delivers
// (control.tariff.prices_url, prices_topic), bytes from the network. Any
// bytes give a series or an error, never a crash or an exception; a series
// answers lookups around its range, and merging it over itself and over an
// hourly series keeps the contract (one step, 15 or 60 minutes).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/price_series.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto series = kirchhoff::model::PriceSeries::parse_json(input, "fuzz.json");
  if (!series) {
    return 0;
  }
  const std::int64_t step = series->step_s();
  if ((step != 900 && step != 3600) || series->empty()) {
    std::abort();
  }
  const std::int64_t first = series->first_unix_s();
  const std::int64_t end = series->end_unix_s();
  if (series->price_at(first - 1) || !series->price_at(first) || !series->price_at(end - 1) ||
      series->price_at(end)) {
    std::abort();
  }
  // Bounded: a huge span of a merge would be the fuzzer's timeout, not a bug.
  if (end - first <= 400LL * 86400) {
    const auto merged = kirchhoff::model::PriceSeries::merge(*series, *series, first);
    if (merged.empty() || merged.step_s() != step || !merged.price_at(first)) {
      std::abort();
    }
  }
  return 0;
}
