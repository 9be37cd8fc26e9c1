// Fuzz target: a dynamic tariff's price CSV (control.tariff.prices or
// `simulate --prices`), a file users download and edit by hand. Any bytes
// give a series or an error, never a crash or an exception; a series answers
// lookups around its range, and its rows hold what the contract says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/price_series.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)kirchhoff::model::parse_iso8601_with_offset(input);
  const auto series = kirchhoff::model::PriceSeries::parse(input, "fuzz.csv");
  if (!series) {
    return 0;
  }
  const std::int64_t step = series->step_s();
  if ((step != 900 && step != 3600) || series->size() == 0) {
    std::abort();
  }
  const std::int64_t first = series->first_unix_s();
  const std::int64_t end = series->end_unix_s();
  if (series->price_at(first - 1) || !series->price_at(first) || !series->price_at(end - 1) ||
      series->price_at(end)) {
    std::abort();
  }
  return 0;
}
