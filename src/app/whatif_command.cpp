#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <ostream>
#include <thread>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "app/progress_bar.hpp"
#include "common/json_text.hpp"
#include "common/text.hpp"
#include "whatif/report/report.hpp"
#include "whatif/whatif.hpp"

namespace kirchhoff::app {

namespace {

constexpr const char* kUsage =
    "usage: kirchhoff whatif --data DIR [--config FILE] [--from DATE] [--to DATE]\n"
    "                        [--vary KEY=V1,V2,...]... [--capex KEY=PRICE]... [--prices FILE]\n"
    "                        [--strategy none|managed] [--jobs N] [--report FILE.html]\n"
    "       kirchhoff whatif --config FILE [--days N] [--seed S] [--start DATE] [--vary ...]\n"
    "keys: battery.capacity_kwh, battery.power_kw, solar.kwp, ev.sessions, heatpump, tariff,\n"
    "      strategy, control.<setting> (docs/whatif.md)\n";

}  // namespace

int whatif_command(const CommandContext& ctx) {
  constexpr std::array<std::string_view, 13> kKnown = {
      "data", "config", "from", "to",   "vary",  "capex",   "prices",
      "jobs", "report", "days", "seed", "start", "strategy"};
  constexpr std::array<std::string_view, 2> kRepeatable = {"vary", "capex"};
  const auto options = Options::parse(ctx.args, kKnown, {}, kRepeatable);
  if (!options) {
    ctx.err << "kirchhoff whatif: " << options.error().message << "\n" << kUsage;
    return kExitUnreadable;
  }
  whatif::Request request;
  const auto data = options->get("data");
  auto config = options->get("config");
  if (!data && !config) {
    ctx.err << "kirchhoff whatif: give --data DIR (a site's history) or --config FILE (the "
               "simulator's year)\n"
            << kUsage;
    return kExitUnreadable;
  }
  if (data) {
    request.history_path = *data + "/history.db";
    if (!std::filesystem::exists(request.history_path)) {
      ctx.err << "kirchhoff whatif: " << request.history_path
              << ": no history there (is --data a Kirchhoff data directory?)\n";
      return kExitUnreadable;
    }
    if (!config) {
      // The installation an installer saved over the API.
      config = *data + "/installation.yaml";
      if (!std::filesystem::exists(*config)) {
        ctx.err << "kirchhoff whatif: " << *data
                << " holds no installation.yaml; give the site's installation file with --config "
                   "FILE\n";
        return kExitUnreadable;
      }
    }
  }
  auto text = common::read_file(*config);
  if (!text) {
    ctx.err << "kirchhoff whatif: " << *config << ": cannot be read\n";
    return kExitUnreadable;
  }
  request.installation_text = std::move(*text);
  request.installation_dir = std::filesystem::path(*config).parent_path().string();
  if (request.installation_dir.empty()) {
    request.installation_dir = ".";
  }
  for (const auto* name : {"from", "to", "start"}) {
    if (auto value = options->get(name)) {
      const auto unix_s = common::parse_utc_time(*value);
      if (!unix_s) {
        ctx.err << "kirchhoff whatif: --" << name
                << " must be a date such as 2026-06-01 (UTC), not '" << *value << "'\n";
        return kExitUnreadable;
      }
      if (std::string_view(name) == "from") {
        request.from_ms = *unix_s * 1000;
      } else if (std::string_view(name) == "to") {
        request.to_ms = *unix_s * 1000;
      } else {
        request.start_unix_s = *unix_s;
      }
    }
  }
  if (request.from_ms != 0 && request.to_ms != 0 && request.to_ms <= request.from_ms) {
    ctx.err << "kirchhoff whatif: --to must be after --from\n";
    return kExitUnreadable;
  }
  const auto days = options->integer("days", 365, 1, 3660);
  const auto seed = options->integer("seed", 1, 0, 1LL << 62);
  const auto jobs = options->integer("jobs", 0, 1, 256);
  for (const auto* bad : {&days, &seed, &jobs}) {
    if (!*bad) {
      ctx.err << "kirchhoff whatif: " << bad->error().message << "\n";
      return kExitUnreadable;
    }
  }
  request.sim_days = static_cast<int>(*days);
  request.seed = static_cast<std::uint64_t>(*seed);
  request.jobs = static_cast<int>(*jobs);
  request.strategy = options->get("strategy").value_or("");
  if (auto prices = options->get("prices")) {
    // A command-line path: relative to the working directory.
    request.prices_file = std::filesystem::absolute(*prices).string();
  }
  for (const std::string& text_vary : options->all("vary")) {
    auto vary = whatif::parse_vary(text_vary);
    if (!vary) {
      ctx.err << "kirchhoff whatif: " << vary.error().message << "\n";
      return kExitUnreadable;
    }
    request.vary.push_back(std::move(*vary));
  }
  for (const std::string& text_capex : options->all("capex")) {
    auto capex = whatif::parse_capex(text_capex);
    if (!capex) {
      ctx.err << "kirchhoff whatif: " << capex.error().message << "\n";
      return kExitUnreadable;
    }
    request.capex.push_back(std::move(*capex));
  }
  if (auto ok = whatif::check_request(request); !ok) {
    ctx.err << "kirchhoff whatif: " << ok.error().message << "\n";
    return kExitUnreadable;
  }

  whatif::Progress progress;
  auto running = std::async(std::launch::async, [&] { return whatif::run(request, &progress); });
  ProgressBar bar("reading the history");
  while (running.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
    bar.relabel(progress.phase == 0 ? "reading the history" : "replaying");
    bar.update(progress.done_s, progress.total_s);
  }
  bar.finish();
  auto result = running.get();
  if (!result) {
    ctx.err << "kirchhoff whatif: " << result.error().message << "\n";
    return result.error().kind == common::ErrorKind::kIoError ? kExitUnreadable : kExitInvalid;
  }
  if (auto report = options->get("report")) {
    std::ofstream file(*report, std::ios::binary | std::ios::trunc);
    file << whatif::render_report(*result);
    file.close();
    if (!file) {
      ctx.err << "kirchhoff whatif: --report " << *report << ": cannot be written\n";
      return kExitUnreadable;
    }
  }
  ctx.out << common::json_text(*result, 2) << "\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
