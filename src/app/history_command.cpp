// `kirchhoff history --data DIR ...`: the history store on the command line.
//   list                         series with their points, bytes and time span
//   read --series KEY [--from T] [--to T] [--step raw|1m|15m|1h|1d]   CSV on stdout
//   energy --series KEY --from T --to T    a counter's growth (e.g. Wh imported)
//   peak --series KEY --month YYYY-MM      the month's largest 15-minute mean
//   stats                        disk use and bytes per point
//   events [--from T] [--to T]   start, stop, relay switches, newest first (CSV)
// The store is opened read-only: a running daemon keeps writing meanwhile.
#include <array>
#include <cstdio>
#include <ostream>

#include "api/history_api.hpp"
#include "app/cli.hpp"
#include "app/history_csv.hpp"
#include "app/options.hpp"
#include "daemon/history_guard.hpp"
#include "model/loader.hpp"
#include "store/store.hpp"

namespace kirchhoff::app {

namespace {

const char* kUsage =
    "usage: kirchhoff history list --data DIR\n"
    "       kirchhoff history read --data DIR --series KEY [--from T] [--to T] "
    "[--step raw|1m|15m|1h|1d]\n"
    "       kirchhoff history energy --data DIR --series KEY --from T --to T\n"
    "       kirchhoff history peak --data DIR --series KEY --month YYYY-MM\n"
    "       kirchhoff history stats --data DIR\n"
    "       kirchhoff history events --data DIR [--from T] [--to T]\n"
    "T: 2026-06-21, 2026-06-21T12:00:00Z or unix seconds\n";

std::string number(double v) {
  std::string text;
  append_number(text, v);
  return text;
}

// CSV lines gathered in a buffer and written in blocks: one ostream call
// per 64 KiB instead of six per line.
class CsvWriter {
 public:
  explicit CsvWriter(std::ostream& out) : out_(out) { line_.reserve(kBlock + 256); }
  ~CsvWriter() { flush(); }
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  CsvWriter& time(std::int64_t unix_ms) {
    times_.append(line_, unix_ms);
    return *this;
  }
  CsvWriter& value(double v) {
    line_ += ',';
    append_number(line_, v);
    return *this;
  }
  CsvWriter& count(std::int64_t n) {
    line_ += ',';
    line_ += std::to_string(n);
    return *this;
  }
  void end_line() {
    line_ += '\n';
    if (line_.size() >= kBlock) {
      flush();
    }
  }
  void flush() {
    out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
    line_.clear();
  }

 private:
  static constexpr std::size_t kBlock = 64 * 1024;
  std::ostream& out_;
  std::string line_;
  UtcTimeFormatter times_;
};

std::string megabytes(double bytes) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.2f MB", bytes / 1e6);
  return buffer;
}

// Per level, with the retention of the data directory's saved installation
// (else the defaults) and the file system's free space
// (docs/storage-faults.md).
common::Status print_usage(std::ostream& out, store::Store& store, const std::string& data_dir) {
  auto usage = store.usage();
  if (!usage) {
    return usage.error();
  }
  model::ServerConfig::History settings;
  std::string source = "the defaults";
  if (auto saved = model::load_installation_file(data_dir + "/installation.yaml")) {
    settings = saved->server.history;
    source = data_dir + "/installation.yaml";
  }
  const auto report = api::usage_report(
      *usage, daemon::usage_context(settings, data_dir, settings.min_free_mb * 1'000'000));
  out << "retention from " << source << "\n"
      << "level,retention,rows,points,bytes,bytes_per_point,oldest,newest,bytes_per_year,"
         "bytes_at_retention\n";
  for (const auto& level : report["levels"]) {
    const auto oldest = level["oldest_ms"].get<std::int64_t>();
    const auto newest = level["newest_ms"].get<std::int64_t>();
    out << level["level"].get<std::string>() << "," << level["retention"].get<std::string>() << ","
        << level["rows"].get<std::int64_t>() << "," << level["points"].get<std::int64_t>() << ","
        << level["bytes"].get<std::int64_t>() << ","
        << number(level["bytes_per_point"].get<double>()) << ","
        << (oldest > 0 ? format_utc_time(oldest) : "") << ","
        << (newest > 0 ? format_utc_time(newest) : "") << ","
        << level["bytes_per_year"].get<std::int64_t>() << ","
        << level["bytes_at_retention"].get<std::int64_t>() << "\n";
  }
  out << "settled size of the levels kept for a while: "
      << megabytes(report["settled_bytes"].get<double>()) << "\n"
      << "growth of the levels kept forever: "
      << megabytes(report["growth_bytes_per_year"].get<double>()) << " a year\n";
  if (report.contains("free_bytes")) {
    out << "free space: " << megabytes(report["free_bytes"].get<double>()) << " of "
        << megabytes(report["total_bytes"].get<double>())
        << " (the oldest raw data makes room under "
        << megabytes(report["min_free_bytes"].get<double>()) << ")\n";
  }
  return common::Status::success();
}

}  // namespace

int history_command(const CommandContext& ctx) {
  if (ctx.args.empty()) {
    ctx.err << kUsage;
    return kExitUnreadable;
  }
  const std::string action = ctx.args[0];
  constexpr std::array<std::string_view, 6> kKnown = {"data", "series", "from",
                                                      "to",   "step",   "month"};
  const auto options = Options::parse(ctx.args.subspan(1), kKnown);
  if (!options || !options->get("data")) {
    ctx.err << "kirchhoff history: "
            << (options ? "--data DIR is required" : options.error().message) << "\n"
            << kUsage;
    return kExitUnreadable;
  }
  store::StoreOptions store_options;
  store_options.read_only = true;
  auto store = store::Store::open(*options->get("data") + "/history.db", store_options);
  if (!store) {
    ctx.err << store.error().message << "\n";
    return store.error().kind == common::ErrorKind::kNotFound ? kExitUnreadable : kExitInvalid;
  }
  auto time_option = [&](const char* name,
                         std::int64_t fallback_ms) -> std::optional<std::int64_t> {
    const auto text = options->get(name);
    if (!text) {
      return fallback_ms;
    }
    const auto seconds = parse_utc_time(*text);
    if (!seconds) {
      ctx.err << "kirchhoff history: --" << name << " '" << *text
              << "' is not a time (2026-06-21, 2026-06-21T12:00:00Z or unix seconds)\n";
      return std::nullopt;
    }
    return *seconds * 1000;
  };
  auto fail = [&](const common::Error& error) {
    ctx.err << "kirchhoff history " << action << ": " << error.message << "\n";
    return kExitInvalid;
  };
  if (action == "list" || action == "stats") {
    auto stats = (*store)->stats();
    if (!stats) {
      return fail(stats.error());
    }
    std::int64_t points = 0;
    std::int64_t bytes = 0;
    if (action == "list") {
      ctx.out << "series,kind,resolution,raw_points,raw_bytes,first,last\n";
    }
    for (const auto& s : *stats) {
      points += s.raw_points;
      bytes += s.raw_bytes;
      if (action == "list") {
        ctx.out << s.key << "," << (s.kind == store::SeriesKind::kCounter ? "counter" : "gauge")
                << "," << number(s.resolution) << "," << s.raw_points << "," << s.raw_bytes << ","
                << format_utc_time(s.first_ms) << "," << format_utc_time(s.last_ms) << "\n";
      }
    }
    if (action == "stats") {
      char line[200];
      std::snprintf(line, sizeof line,
                    "series: %zu\nraw points: %lld\nraw chunk bytes: %lld (%.3f bytes/point)\n"
                    "database on disk: %.2f MB\n",
                    stats->size(), static_cast<long long>(points), static_cast<long long>(bytes),
                    points > 0 ? static_cast<double>(bytes) / static_cast<double>(points) : 0.0,
                    static_cast<double>((*store)->file_bytes()) / 1e6);
      ctx.out << line;
      if (auto shown = print_usage(ctx.out, **store, *options->get("data")); !shown) {
        return fail(shown.error());
      }
    }
    return kExitOk;
  }
  if (action == "events") {
    const auto from = time_option("from", 0);
    const auto to = time_option("to", INT64_MAX / 2);
    if (!from || !to) {
      return kExitUnreadable;
    }
    auto events = (*store)->events(*from, *to, 10000);
    if (!events) {
      return fail(events.error());
    }
    ctx.out << "time,kind,user,message\n";
    for (const auto& e : *events) {
      ctx.out << format_utc_time(e.t_ms) << "," << e.kind << "," << e.user << ",\"" << e.message
              << "\"\n";
    }
    return kExitOk;
  }
  const auto key = options->get("series");
  if (!key) {
    ctx.err << "kirchhoff history " << action << ": --series KEY is required (see 'list')\n";
    return kExitUnreadable;
  }
  if (action == "read") {
    const auto from = time_option("from", 0);
    const auto to = time_option("to", INT64_MAX / 2);
    if (!from || !to) {
      return kExitUnreadable;
    }
    const std::string step = options->get("step").value_or("raw");
    if (step == "raw") {
      auto points = (*store)->read_raw(*key, *from, *to);
      if (!points) {
        return fail(points.error());
      }
      ctx.out << "time,value\n";
      CsvWriter csv(ctx.out);
      for (const auto& p : *points) {
        csv.time(p.t_ms).value(p.value).end_line();
      }
      return kExitOk;
    }
    const auto level = store::parse_rollup_step(step);
    if (!level) {
      ctx.err << "kirchhoff history read: --step must be raw, 1m, 15m, 1h or 1d\n";
      return kExitUnreadable;
    }
    auto buckets = (*store)->read_rollup(*key, *level, *from, *to);
    if (!buckets) {
      return fail(buckets.error());
    }
    ctx.out << "time,count,min,max,mean,first,last\n";
    CsvWriter csv(ctx.out);
    for (const auto& b : *buckets) {
      csv.time(b.start_ms).count(b.count).value(b.min).value(b.max).value(b.mean);
      csv.value(b.first).value(b.last).end_line();
    }
    return kExitOk;
  }
  if (action == "energy") {
    const auto from = time_option("from", 0);
    const auto to = time_option("to", INT64_MAX / 2);
    if (!from || !to) {
      return kExitUnreadable;
    }
    auto delta = (*store)->counter_delta(*key, *from, *to);
    if (!delta) {
      return fail(delta.error());
    }
    ctx.out << number(*delta) << "\n";
    return kExitOk;
  }
  if (action == "peak") {
    const auto month = options->get("month");
    const auto start = month ? parse_utc_time(*month + "-01") : std::nullopt;
    if (!start) {
      ctx.err << "kirchhoff history peak: --month YYYY-MM is required\n";
      return kExitUnreadable;
    }
    int y = 0, m = 0;
    if (std::sscanf(month->c_str(), "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12) {
      ctx.err << "kirchhoff history peak: --month '" << *month << "' is not a month (YYYY-MM)\n";
      return kExitUnreadable;
    }
    char next[40];
    std::snprintf(next, sizeof next, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    const auto end = parse_utc_time(next);
    if (!end) {
      ctx.err << "kirchhoff history peak: --month '" << *month << "' is not a month (YYYY-MM)\n";
      return kExitUnreadable;
    }
    auto peak = (*store)->max_mean(*key, store::kLevel15m, *start * 1000, *end * 1000);
    if (!peak) {
      return fail(peak.error());
    }
    if (!peak->has_value()) {
      ctx.out << "no data in " << *month << "\n";
      return kExitOk;
    }
    ctx.out << format_utc_time((*peak)->start_ms) << "," << number((*peak)->mean) << "\n";
    return kExitOk;
  }
  ctx.err << "kirchhoff history: unknown action '" << action << "'\n" << kUsage;
  return kExitUnreadable;
}

}  // namespace kirchhoff::app
