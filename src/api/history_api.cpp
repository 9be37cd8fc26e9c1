#include "api/history_api.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/json_text.hpp"
#include "common/time.hpp"

namespace kirchhoff::api {

namespace {

constexpr std::size_t kMaxRawPoints = 200'000;

// A query's text: '+' is a space there.
std::string decode(std::string_view s) { return percent_decode(s, true); }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string number(double v) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

}  // namespace

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (!pair.empty()) {
      out[decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return out;
}

void HistoryApi::add_routes(Router& router) {
  router.add(
      "GET", "/api/v1/history",
      auth_.guarded(auth::Role::kViewer, false,
                    [this](const HttpRequest& r, const auth::Session&) { return history(r); }));
  router.add(
      "GET", "/api/v1/history/series",
      auth_.guarded(auth::Role::kViewer, false,
                    [this](const HttpRequest& r, const auth::Session&) { return series(r); }));
  router.add(
      "GET", "/api/v1/history/usage",
      auth_.guarded(auth::Role::kViewer, false,
                    [this](const HttpRequest& r, const auth::Session&) { return usage(r); }));
  router.add(
      "GET", "/api/v1/events",
      auth_.guarded(auth::Role::kViewer, false,
                    [this](const HttpRequest& r, const auth::Session&) { return events(r); }));
}

nlohmann::json usage_report(const store::StorageUsage& usage, const UsageContext& context) {
  constexpr double kYearMs = 365.0 * 86'400'000;
  auto retention_text = [](std::int64_t ms) -> std::string {
    if (ms <= 0) {
      return "forever";
    }
    const std::int64_t days = ms / 86'400'000;
    return days % 365 == 0 ? std::to_string(days / 365) + "y" : std::to_string(days) + "d";
  };
  nlohmann::json levels = nlohmann::json::array();
  double per_year_total = 0.0;
  double settled_total = 0.0;
  for (std::size_t i = 0; i < usage.levels.size(); ++i) {
    const store::LevelUsage& level = usage.levels[i];
    const std::int64_t retention_ms =
        i == 0 ? context.raw_retention_ms : context.rollup_retention_ms[i - 1];
    // The growth rate seen so far: bytes over the span the level covers
    // (plus one bucket, so a single bucket counts as its own length).
    const double span_ms =
        level.rows > 0 ? static_cast<double>(level.newest_ms - level.oldest_ms + level.level_ms)
                       : 0.0;
    const double per_year =
        span_ms > 0.0 ? static_cast<double>(level.bytes) * kYearMs / span_ms : 0.0;
    const double at_retention =
        retention_ms > 0 ? per_year * static_cast<double>(retention_ms) / kYearMs : per_year;
    // Kept for a while, a level settles at its retention's worth; kept
    // forever, it grows by its year's worth every year.
    if (retention_ms > 0) {
      settled_total += at_retention;
    } else {
      per_year_total += per_year;
    }
    levels.push_back({{"level", level.level},
                      {"rows", level.rows},
                      {"points", level.points},
                      {"bytes", level.bytes},
                      {"oldest_ms", level.oldest_ms},
                      {"newest_ms", level.newest_ms},
                      {"bytes_per_point", std::round(level.bytes_per_point * 1000) / 1000},
                      {"retention", retention_text(retention_ms)},
                      {"bytes_per_year", std::llround(per_year)},
                      {"bytes_at_retention", std::llround(at_retention)}});
  }
  nlohmann::json report = {{"levels", levels},
                           {"file_bytes", usage.file_bytes},
                           {"reusable_bytes", usage.reusable_bytes},
                           {"settled_bytes", std::llround(settled_total)},
                           {"growth_bytes_per_year", std::llround(per_year_total)}};
  if (context.free_bytes >= 0) {
    report["free_bytes"] = context.free_bytes;
    report["total_bytes"] = context.total_bytes;
  }
  if (context.min_free_bytes >= 0) {
    report["min_free_bytes"] = context.min_free_bytes;
  }
  return report;
}

HttpResponse HistoryApi::usage(const HttpRequest&) {
  auto store = open();
  if (!store) {
    return json_error(503, store.error().message);
  }
  auto usage = (*store)->usage();
  if (!usage) {
    return json_error(500, usage.error().message);
  }
  const UsageContext context = usage_context_ ? usage_context_() : UsageContext{};
  return json_body(200, usage_report(*usage, context).dump());
}

common::Result<store::Store*> HistoryApi::open() {
  if (!store_) {
    store::StoreOptions options;
    options.read_only = true;
    auto opened = store::Store::open(db_path_, options);
    if (!opened) {
      return opened.error();
    }
    store_ = std::move(*opened);
  }
  return store_.get();
}

HttpResponse HistoryApi::history(const HttpRequest& request) {
  auto q = parse_query(request.query);
  if (q["series"].empty()) {
    return json_error(400, "the query needs series=KEY (see /api/v1/history/series)");
  }
  auto time_param = [&](const char* name, std::int64_t fallback) -> std::optional<std::int64_t> {
    if (!q.contains(name)) {
      return fallback;
    }
    const auto seconds = common::parse_utc_time(q[name]);
    return seconds ? std::optional<std::int64_t>(*seconds * 1000) : std::nullopt;
  };
  const auto to = time_param("to", now_ms());
  const auto from = to ? time_param("from", *to - 86'400'000) : std::nullopt;
  if (!from || !to || *from > *to) {
    return json_error(400,
                      "from and to must be times (unix seconds or 2026-06-21T12:00:00Z), "
                      "from before to");
  }
  std::string step = q.contains("step") ? q["step"] : "";
  if (step.empty()) {
    const std::int64_t span = *to - *from;
    step = span <= 2 * 3'600'000       ? "raw"
           : span <= 2 * 86'400'000LL  ? "1m"
           : span <= 14 * 86'400'000LL ? "15m"
           : span <= 90 * 86'400'000LL ? "1h"
                                       : "1d";
  }
  const bool csv = q["format"] == "csv";
  auto store = open();
  if (!store) {
    return json_error(503, store.error().message);
  }
  auto not_found = [&](const common::Error& e) {
    return json_error(e.kind == common::ErrorKind::kNotFound ? 404 : 500, e.message);
  };
  HttpResponse response;
  if (step == "raw") {
    auto points = (*store)->read_raw(q["series"], *from, *to);
    if (!points) {
      return not_found(points.error());
    }
    if (points->size() > kMaxRawPoints) {
      return json_error(400, "more than 200000 raw points in that range; ask for a step");
    }
    if (csv) {
      response.body = "time,value\n";
      for (const auto& p : *points) {
        response.body += common::format_utc_time(p.t_ms) + "," + number(p.value) + "\n";
      }
    } else {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& p : *points) {
        rows.push_back({p.t_ms, p.value});
      }
      response.body = common::json_text(nlohmann::json{{"series", q["series"]},
                                                       {"step", "raw"},
                                                       {"from_ms", *from},
                                                       {"to_ms", *to},
                                                       {"columns", {"t_ms", "value"}},
                                                       {"rows", rows}});
    }
  } else {
    const auto level = store::parse_rollup_step(step);
    if (!level) {
      return json_error(400, "step must be raw, 1m, 15m, 1h or 1d");
    }
    auto buckets = (*store)->read_rollup(q["series"], *level, *from, *to);
    if (!buckets) {
      return not_found(buckets.error());
    }
    if (csv) {
      response.body = "time,count,min,max,mean,first,last\n";
      for (const auto& b : *buckets) {
        response.body += common::format_utc_time(b.start_ms) + "," + std::to_string(b.count) + "," +
                         number(b.min) + "," + number(b.max) + "," + number(b.mean) + "," +
                         number(b.first) + "," + number(b.last) + "\n";
      }
    } else {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& b : *buckets) {
        rows.push_back({b.start_ms, b.mean, b.min, b.max, b.first, b.last, b.count});
      }
      response.body = common::json_text(
          nlohmann::json{{"series", q["series"]},
                         {"step", step},
                         {"from_ms", *from},
                         {"to_ms", *to},
                         {"columns", {"t_ms", "mean", "min", "max", "first", "last", "count"}},
                         {"rows", rows}});
    }
  }
  if (csv) {
    response.content_type = "text/csv; charset=utf-8";
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"history.csv\"");
  }
  return response;
}

HttpResponse HistoryApi::series(const HttpRequest&) {
  auto store = open();
  if (!store) {
    return json_error(503, store.error().message);
  }
  auto stats = (*store)->stats();
  if (!stats) {
    return json_error(500, stats.error().message);
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : *stats) {
    out.push_back({{"series", s.key},
                   {"kind", s.kind == store::SeriesKind::kCounter ? "counter" : "gauge"},
                   {"resolution", s.resolution},
                   {"raw_points", s.raw_points},
                   {"first_ms", s.first_ms},
                   {"last_ms", s.last_ms}});
  }
  return json_body(200, common::json_text(out));
}

HttpResponse HistoryApi::events(const HttpRequest& request) {
  auto q = parse_query(request.query);
  const auto from =
      q.contains("from") ? common::parse_utc_time(q["from"]) : std::optional<std::int64_t>(0);
  const auto to = q.contains("to") ? common::parse_utc_time(q["to"])
                                   : std::optional<std::int64_t>(now_ms() / 1000 + 1);
  long long limit = 100;
  if (q.contains("limit")) {
    limit = std::atoll(q["limit"].c_str());
  }
  const std::string kind = q.contains("kind") ? q["kind"] : "";
  const bool kind_ok = kind.size() <= 32 && std::all_of(kind.begin(), kind.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || c == '-';
                       });
  if (!from || !to || limit < 1 || limit > 10000 || !kind_ok) {
    return json_error(400,
                      "from and to must be times, limit 1 to 10000, kind a word such as alarm");
  }
  auto store = open();
  if (!store) {
    return json_error(503, store.error().message);
  }
  auto events = (*store)->events(*from * 1000, *to * 1000, limit, kind);
  if (!events) {
    return json_error(500, events.error().message);
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : *events) {
    out.push_back({{"t_ms", e.t_ms}, {"kind", e.kind}, {"user", e.user}, {"message", e.message}});
  }
  return json_body(200, common::json_text(out));
}

}  // namespace kirchhoff::api
