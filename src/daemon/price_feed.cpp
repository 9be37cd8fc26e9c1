#include "daemon/price_feed.hpp"

#include "common/time.hpp"

namespace kirchhoff::daemon {

std::string_view price_source_name(PriceSource source) {
  switch (source) {
    case PriceSource::kFile:
      return "file";
    case PriceSource::kUrl:
      return "url";
    case PriceSource::kMqtt:
      return "mqtt";
    case PriceSource::kTariff:
      break;
  }
  return "tariff";
}

void PriceFeed::set_file(std::shared_ptr<const model::PriceSeries> file, std::int64_t now_unix_s) {
  std::lock_guard lock(mutex_);
  file_ = std::move(file);
  if (source_ == PriceSource::kTariff || source_ == PriceSource::kFile) {
    source_ = file_ ? PriceSource::kFile : PriceSource::kTariff;
  }
  remerge(now_unix_s);
}

common::Status PriceFeed::add_json(PriceSource source, std::string_view body,
                                   const std::string& label, std::int64_t now_unix_s) {
  auto series = model::PriceSeries::parse_json(body, label);
  if (!series) {
    note_failure(series.error().message);
    return series.error();
  }
  add(source, *series, now_unix_s);
  return common::Status::success();
}

void PriceFeed::add(PriceSource source, const model::PriceSeries& series, std::int64_t now_unix_s) {
  std::lock_guard lock(mutex_);
  received_ = model::PriceSeries::merge(received_, series, now_unix_s - kKeepS);
  source_ = source;
  last_error_.clear();
  remerge(now_unix_s);
}

void PriceFeed::note_failure(std::string reason) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(reason);
}

void PriceFeed::remerge(std::int64_t now_unix_s) {
  if (received_.empty()) {
    merged_ = file_;
    return;
  }
  if (!file_) {
    merged_ = std::make_shared<const model::PriceSeries>(received_);
    return;
  }
  // The file's old rows are kept: it is the record a person gave.
  (void)now_unix_s;
  merged_ = std::make_shared<const model::PriceSeries>(
      model::PriceSeries::merge(*file_, received_, INT64_MIN));
}

std::shared_ptr<const model::PriceSeries> PriceFeed::current() const {
  std::lock_guard lock(mutex_);
  return merged_;
}

PriceSource PriceFeed::source() const {
  std::lock_guard lock(mutex_);
  return source_;
}

AlarmCheck PriceFeed::alarm(bool configured, std::int64_t now_unix_s) const {
  std::shared_ptr<const model::PriceSeries> series;
  std::string error;
  {
    std::lock_guard lock(mutex_);
    series = merged_;
    error = last_error_;
  }
  AlarmCheck check{"prices-missing", false, ""};
  if (!configured) {
    return check;
  }
  // Quarter hours are the finest step, so a gap is at least one of them.
  std::int64_t uncovered = -1;
  for (std::int64_t t = now_unix_s; t < now_unix_s + kAheadS; t += 900) {
    if (!series || !series->price_at(t)) {
      uncovered = t;
      break;
    }
  }
  if (uncovered < 0 && series && !series->price_at(now_unix_s + kAheadS - 1)) {
    uncovered = now_unix_s + kAheadS - 1;
  }
  check.active = uncovered >= 0;
  if (check.active) {
    check.message = "no day-ahead price from " + common::format_utc_time(uncovered * 1000) +
                    " within the next 12 hours; the tariff's windows and flat prices apply" +
                    (error.empty() ? "" : " (last error: " + error + ")");
  }
  return check;
}

nlohmann::json PriceFeed::to_json(const model::TariffConfig& tariff, std::int64_t now_unix_s,
                                  std::int64_t utc_offset_s) const {
  std::shared_ptr<const model::PriceSeries> series;
  PriceSource source = PriceSource::kTariff;
  {
    std::lock_guard lock(mutex_);
    series = merged_;
    source = source_;
  }
  nlohmann::json prices = nlohmann::json::array();
  const std::int64_t from = now_unix_s - 86400;
  std::vector<model::PriceSeries::Row> rows;
  if (series && !series->empty() && series->end_unix_s() > from) {
    rows = series->rows(from, series->end_unix_s());
  }
  if (rows.empty()) {
    source = PriceSource::kTariff;
    const std::int64_t start = now_unix_s - ((now_unix_s % 900) + 900) % 900;
    for (std::int64_t t = start; t < start + 86400; t += 900) {
      const std::int64_t local = t + utc_offset_s;
      const int minute = static_cast<int>((((local % 86400) + 86400) % 86400) / 60);
      rows.push_back({t, {tariff.import_price(minute), tariff.export_price(minute)}});
    }
  }
  for (const auto& row : rows) {
    prices.push_back({{"start", common::format_utc_time(row.start_unix_s * 1000)},
                      {"import_eur_per_kwh", row.price.import_per_kwh},
                      {"export_eur_per_kwh", row.price.export_per_kwh}});
  }
  return {{"currency", tariff.currency},
          {"source", std::string(price_source_name(source))},
          {"prices", std::move(prices)}};
}

}  // namespace kirchhoff::daemon
