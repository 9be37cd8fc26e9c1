#include "model/price_series.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/text.hpp"
#include "common/time.hpp"

namespace kirchhoff::model {

namespace {

constexpr std::string_view kHeader = "start,import_eur_per_kwh,export_eur_per_kwh";
constexpr double kPriceLimit = 10.0;  // EUR/kWh, as the tariff's flat prices

// Exactly `n` digits at `at` as a number, or -1.
int digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) {
    return -1;
  }
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return -1;
    }
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<double> price(std::string_view s) {
  double value = 0.0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (s.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string shown(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out(s.substr(0, kMax));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      c = '?';  // keeps messages printable whatever the file holds
    }
  }
  return "'" + out + (s.size() > kMax ? "...'" : "'");
}

}  // namespace

std::optional<std::int64_t> parse_iso8601_with_offset(std::string_view s) {
  // YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)
  const int y = digits(s, 0, 4);
  const int mo = digits(s, 5, 2);
  const int d = digits(s, 8, 2);
  const int h = digits(s, 11, 2);
  const int mi = digits(s, 14, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != ' ') || s[13] != ':') {
    return std::nullopt;
  }
  std::size_t at = 16;
  int sec = 0;
  if (at < s.size() && s[at] == ':') {
    sec = digits(s, at + 1, 2);
    if (sec < 0) {
      return std::nullopt;
    }
    at += 3;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > common::days_in_month(y, mo) || h > 23 || mi > 59 ||
      sec > 59) {
    return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (at + 1 == s.size() && s[at] == 'Z') {
    offset_s = 0;
  } else if (at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
    const int oh = digits(s, at + 1, 2);
    const int om = digits(s, at + 4, 2);
    if (oh < 0 || om < 0 || oh > 14 || om > 59) {
      return std::nullopt;
    }
    offset_s = (oh * 3600 + om * 60) * (s[at] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  return common::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
}

common::Result<PriceSeries> PriceSeries::parse(std::string_view text, const std::string& label) {
  auto fail = [&](std::size_t line, std::size_t column, const std::string& reason) {
    return common::make_error(
        common::ErrorKind::kInvalidArgument,
        label + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + reason);
  };
  if (text.size() > kMaxBytes) {
    return fail(1, 1, "the price file is larger than 16 MiB");
  }
  PriceSeries series;
  bool header = false;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") {
      line.remove_prefix(3);  // a byte-order mark, as spreadsheets write
    }
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (trim(line).empty() || trim(line).front() == '#') {
      continue;
    }
    if (!header) {
      if (trim(line) != kHeader) {
        return fail(line_no, 1,
                    "the header must be '" + std::string(kHeader) + "', not " + shown(line));
      }
      header = true;
      continue;
    }
    // Three fields, each with the column where it starts.
    std::string_view fields[3];
    std::size_t columns[3] = {1, 1, 1};
    std::size_t field = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == ',') {
        if (field == 3) {
          return fail(line_no, start + 1,
                      "a row has 3 fields (start, import, export), this one more");
        }
        fields[field] = trim(line.substr(start, i - start));
        columns[field] = start + 1;
        ++field;
        start = i + 1;
      }
    }
    if (field != 3) {
      return fail(line_no, line.size() + 1,
                  "a row has 3 fields (start, import, export), this one " + std::to_string(field));
    }
    const auto unix_s = parse_iso8601_with_offset(fields[0]);
    if (!unix_s) {
      return fail(line_no, columns[0],
                  "bad time " + shown(fields[0]) +
                      ": expected ISO 8601 with an offset, e.g. 2026-03-01T00:00:00+01:00 or "
                      "2026-03-01T00:00:00Z");
    }
    PricePoint point;
    for (std::size_t k = 1; k < 3; ++k) {
      const auto value = price(fields[k]);
      if (!value || std::abs(*value) > kPriceLimit) {
        return fail(line_no, columns[k],
                    std::string(value ? "price out of range " : "bad number ") + shown(fields[k]) +
                        ": expected EUR per kWh between -10 and 10");
      }
      (k == 1 ? point.import_per_kwh : point.export_per_kwh) = *value;
    }
    if (!series.starts_.empty()) {
      const std::int64_t diff = *unix_s - series.starts_.back();
      if (diff == 0) {
        return fail(line_no, columns[0], "duplicate start " + shown(fields[0]));
      }
      if (diff < 0) {
        return fail(line_no, columns[0],
                    "out of order: " + shown(fields[0]) + " is before the previous row's start");
      }
      if (series.starts_.size() == 1) {
        if (diff != 900 && diff != 3600) {
          return fail(
              line_no, columns[0],
              "step not 15 or 60 minutes: " + std::to_string(diff) + " s after the previous row");
        }
        series.step_s_ = diff;
      } else if (diff % series.step_s_ != 0) {
        return fail(line_no, columns[0],
                    "step not " + std::to_string(series.step_s_ / 60) +
                        " minutes as in the rest of the file: " + std::to_string(diff) +
                        " s after the previous row");
      }
    }
    series.starts_.push_back(*unix_s);
    series.prices_.push_back(point);
  }
  if (!header) {
    return fail(line_no == 0 ? 1 : line_no, 1,
                "no header: the file must start with '" + std::string(kHeader) + "'");
  }
  if (series.starts_.empty()) {
    return fail(line_no, 1, "no prices: the file has a header but no rows");
  }
  return series;
}

common::Result<PriceSeries> PriceSeries::load(const std::string& path) {
  const auto text = common::read_file(path);
  if (!text) {
    return common::make_error(common::ErrorKind::kIoError,
                              path + ": cannot read the price file (missing or not permitted)");
  }
  return parse(*text, path);
}

std::optional<PricePoint> PriceSeries::price_at(std::int64_t unix_s) const {
  // The last row starting at or before the instant, if it still holds then.
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), unix_s);
  if (it == starts_.begin()) {
    return std::nullopt;
  }
  const auto i = static_cast<std::size_t>(it - starts_.begin()) - 1;
  if (unix_s >= starts_[i] + step_s_) {
    return std::nullopt;
  }
  return prices_[i];
}

}  // namespace kirchhoff::model
