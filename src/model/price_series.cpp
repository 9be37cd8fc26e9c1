#include "model/price_series.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

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
    if (auto why = series.append(*unix_s, point); !why.empty()) {
      return fail(line_no, columns[0], why + " (start " + shown(fields[0]) + ")");
    }
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

std::string PriceSeries::append(std::int64_t unix_s, const PricePoint& point) {
  if (!starts_.empty()) {
    const std::int64_t diff = unix_s - starts_.back();
    if (diff == 0) {
      return "duplicate start";
    }
    if (diff < 0) {
      return "out of order: before the previous row's start";
    }
    if (starts_.size() == 1) {
      if (diff != 900 && diff != 3600) {
        return "step not 15 or 60 minutes: " + std::to_string(diff) + " s after the previous row";
      }
      step_s_ = diff;
    } else if (diff % step_s_ != 0) {
      return "step not " + std::to_string(step_s_ / 60) +
             " minutes as in the rest: " + std::to_string(diff) + " s after the previous row";
    }
  }
  starts_.push_back(unix_s);
  prices_.push_back(point);
  return {};
}

common::Result<PriceSeries> PriceSeries::parse_json(std::string_view text,
                                                    const std::string& label) {
  using nlohmann::json;
  auto fail = [&](const std::string& place, const std::string& reason) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              label + ": " + (place.empty() ? "" : place + ": ") + reason);
  };
  if (text.size() > kMaxBytes) {
    return fail("", "the price list is larger than 16 MiB");
  }
  const json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    return fail("", "not JSON");
  }
  const json* list = &doc;
  std::string base = "prices";
  if (doc.is_object()) {
    const auto it = doc.find("prices");
    if (it == doc.end()) {
      return fail("", "expected an array of prices or an object with \"prices\"");
    }
    list = &*it;
  }
  if (!list->is_array()) {
    return fail(doc.is_object() ? "prices" : "",
                "expected an array of {\"start\", \"import_eur_per_kwh\", "
                "\"export_eur_per_kwh\"}");
  }
  if (list->empty()) {
    return fail("prices", "no prices: the list is empty");
  }
  PriceSeries series;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    const std::string place = base + "[" + std::to_string(i) + "]";
    if (!entry.is_object()) {
      return fail(place, "expected an object with start, import_eur_per_kwh, export_eur_per_kwh");
    }
    const auto start = entry.find("start");
    if (start == entry.end() || !start->is_string()) {
      return fail(place + ".start", "missing, or not a string");
    }
    const auto& start_text = start->get_ref<const std::string&>();
    const auto unix_s = parse_iso8601_with_offset(start_text);
    if (!unix_s) {
      return fail(place + ".start",
                  "bad time " + shown(start_text) +
                      ": expected ISO 8601 with an offset, e.g. 2026-03-01T00:00:00+01:00");
    }
    PricePoint point;
    for (const char* key : {"import_eur_per_kwh", "export_eur_per_kwh"}) {
      const auto value = entry.find(key);
      if (value == entry.end() || !value->is_number()) {
        return fail(place + "." + key, "missing, or not a number");
      }
      const double v = value->get<double>();
      if (!std::isfinite(v) || std::abs(v) > kPriceLimit) {
        return fail(place + "." + key, "price out of range " + shown(value->dump()) +
                                           ": expected EUR per kWh between -10 and 10");
      }
      (key[0] == 'i' ? point.import_per_kwh : point.export_per_kwh) = v;
    }
    if (auto why = series.append(*unix_s, point); !why.empty()) {
      return fail(place + ".start", why + " (start " + shown(start_text) + ")");
    }
  }
  return series;
}

PriceSeries PriceSeries::merge(const PriceSeries& older, const PriceSeries& newer,
                               std::int64_t keep_from_unix_s) {
  const std::int64_t step = older.empty()   ? newer.step_s_
                            : newer.empty() ? older.step_s_
                                            : std::min(older.step_s_, newer.step_s_);
  auto floor_mod = [](std::int64_t a, std::int64_t m) { return ((a % m) + m) % m; };
  std::map<std::int64_t, PricePoint> rows;
  auto lay = [&](const PriceSeries& s) {
    for (std::size_t i = 0; i < s.starts_.size(); ++i) {
      for (std::int64_t at = s.starts_[i]; at < s.starts_[i] + s.step_s_; at += step) {
        if (at + step > keep_from_unix_s) {
          rows[at] = s.prices_[i];
        }
      }
    }
  };
  lay(older);
  if (!older.empty() && !newer.empty() &&
      floor_mod(older.starts_.front() - newer.starts_.front(), step) != 0) {
    rows.clear();  // two grids that cannot share rows: the newer one replaces
  }
  lay(newer);
  PriceSeries out;
  out.step_s_ = step;
  for (const auto& [at, point] : rows) {
    out.starts_.push_back(at);
    out.prices_.push_back(point);
  }
  return out;
}

std::vector<PriceSeries::Row> PriceSeries::rows(std::int64_t from_unix_s,
                                                std::int64_t to_unix_s) const {
  std::vector<Row> out;
  auto it = std::upper_bound(starts_.begin(), starts_.end(), from_unix_s - step_s_);
  for (; it != starts_.end() && *it < to_unix_s; ++it) {
    const auto i = static_cast<std::size_t>(it - starts_.begin());
    out.push_back({starts_[i], prices_[i]});
  }
  return out;
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
