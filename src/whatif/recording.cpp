#include "whatif/recording.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/time.hpp"
#include "sim/site.hpp"
#include "store/store.hpp"
#include "whatif/whatif.hpp"

namespace kirchhoff::whatif {

namespace {

using model::LoadKind;

constexpr std::int64_t kDayS = 86400;
// A day is replayed second by second when raw points cover this share of it
// (a daemon restart loses a few); otherwise from its 1-minute means.
constexpr double kRawCoverage = 0.98;
constexpr double kSessionThresholdW = 100.0;
constexpr std::int64_t kSessionMergeS = 3600;

common::Error error(std::string message) {
  return common::make_error(common::ErrorKind::kInvalidArgument, std::move(message));
}

std::string power_key(const model::Load& load) { return "load/" + load.name + "/p_w"; }

// The oldest and newest second of any load's power: the history's extent.
// Rollups outlive raw chunks, so the daily rollups find the first and last
// day cheaply and that day's minutes the first and last minute.
common::Result<std::pair<std::int64_t, std::int64_t>> extent(store::Store& store,
                                                             const model::Installation& inst) {
  std::optional<std::int64_t> first;
  std::optional<std::int64_t> last;
  for (const auto& load : inst.loads) {
    const std::string key = power_key(load);
    auto days =
        store.read_rollup(key, store::kLevel1d, 0, std::numeric_limits<std::int64_t>::max());
    if (!days) {
      return days.error();
    }
    if (days->empty()) {
      continue;
    }
    const std::int64_t day0 = days->front().start_ms;
    auto minutes = store.read_rollup(key, store::kLevel1m, day0, day0 + store::kLevel1d);
    if (minutes && !minutes->empty()) {
      first = std::min(first.value_or(minutes->front().start_ms), minutes->front().start_ms);
    }
    const std::int64_t dayn = days->back().start_ms;
    minutes = store.read_rollup(key, store::kLevel1m, dayn, dayn + store::kLevel1d);
    if (minutes && !minutes->empty()) {
      const std::int64_t end = minutes->back().start_ms + store::kLevel1m - 1000;
      last = std::max(last.value_or(end), end);
    }
  }
  if (!first || !last) {
    return error("the history holds no power of this installation's loads");
  }
  return std::make_pair(*first, *last);
}

// One load's power over a block: raw seconds (holding the last value over a
// missing second) or minute means (0 where a minute has none).
bool fill_raw(const std::vector<store::Point>& points, std::int64_t start_s, std::int64_t seconds,
              std::vector<float>& out) {
  if (static_cast<double>(points.size()) < kRawCoverage * static_cast<double>(seconds)) {
    return false;
  }
  out.assign(static_cast<std::size_t>(seconds), 0.0F);
  std::vector<bool> set(static_cast<std::size_t>(seconds), false);
  for (const auto& p : points) {
    const std::int64_t i = p.t_ms / 1000 - start_s;
    if (i >= 0 && i < seconds) {
      out[static_cast<std::size_t>(i)] = static_cast<float>(p.value);
      set[static_cast<std::size_t>(i)] = true;
    }
  }
  float last = 0.0F;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (set[i]) {
      last = out[i];
    } else {
      out[i] = last;
    }
  }
  return true;
}

void fill_minutes(const std::vector<store::Bucket>& buckets, std::int64_t start_s,
                  std::int64_t seconds, std::vector<float>& out) {
  out.assign(static_cast<std::size_t>((seconds + 59) / 60), 0.0F);
  for (const auto& b : buckets) {
    const std::int64_t i = (b.start_ms / 1000 - start_s) / 60;
    if (i >= 0 && i < static_cast<std::int64_t>(out.size()) && b.count > 0) {
      out[static_cast<std::size_t>(i)] = static_cast<float>(b.mean);
    }
  }
}

common::Result<double> delta_of(store::Store& store, const std::string& key, std::int64_t from_ms,
                                std::int64_t to_ms) {
  auto d = store.counter_delta(key, from_ms, to_ms);
  if (!d) {
    return d.error();
  }
  return *d;
}

}  // namespace

std::vector<sim::SimEvCharger::PlannedSession> find_sessions(
    const std::vector<RecordedBlock>& blocks, std::size_t load_index, double efficiency) {
  std::vector<sim::SimEvCharger::PlannedSession> sessions;
  common::LocalClock clock;
  std::optional<std::int64_t> start;
  std::int64_t end = 0;  // one past the last charging second
  double energy_wh = 0.0;
  auto close = [&] {
    sim::SimEvCharger::PlannedSession s;
    s.arrival_unix_s = *start;
    s.wanted_wh = energy_wh * efficiency;
    const auto local = clock.at(*start);
    if (local.minute_of_day >= 12 * 60) {
      // An evening arrival: the car stays the night (07:30 the next day).
      const std::int64_t midnight = *start - local.minute_of_day * 60 - (*start % 60);
      s.departure_unix_s = std::max(end, midnight + kDayS + (7 * 60 + 30) * 60);
    } else {
      s.departure_unix_s = end + 4 * 3600;
    }
    sessions.push_back(s);
    start.reset();
    energy_wh = 0.0;
  };
  for (const auto& block : blocks) {
    if (load_index >= block.load_w.size() || block.load_w[load_index].empty()) {
      continue;
    }
    const auto& power = block.load_w[load_index];
    for (std::size_t i = 0; i < power.size(); ++i) {
      const std::int64_t t = block.start_s + static_cast<std::int64_t>(i) * block.step_s;
      const std::int64_t step =
          std::min<std::int64_t>(block.step_s, block.start_s + block.seconds - t);
      if (power[i] <= kSessionThresholdW) {
        continue;
      }
      if (start && t - end >= kSessionMergeS) {
        close();
      }
      if (!start) {
        start = t;
      }
      end = t + step;
      energy_wh += static_cast<double>(power[i]) * static_cast<double>(step) / 3600.0;
    }
  }
  if (start) {
    close();
  }
  return sessions;
}

common::Result<Recording> read_recording(const std::string& history_path,
                                         const model::Installation& installation,
                                         std::int64_t from_ms, std::int64_t to_ms,
                                         Progress* progress) {
  store::StoreOptions options;
  options.read_only = true;
  auto opened = store::Store::open(history_path, options);
  if (!opened) {
    return opened.error();
  }
  store::Store& store = **opened;
  auto range = extent(store, installation);
  if (!range) {
    return common::make_error(range.error().kind, history_path + ": " + range.error().message);
  }
  Recording rec;
  // Whole seconds: from the first recorded second, to one past the last.
  rec.from_s = (from_ms != 0 ? from_ms : range->first) / 1000;
  rec.to_s = (to_ms != 0 ? to_ms : range->second + 1000) / 1000;
  rec.from_s = std::max(rec.from_s, range->first / 1000);
  rec.to_s = std::min(rec.to_s, range->second / 1000 + 1);
  if (rec.to_s <= rec.from_s) {
    return error(history_path + ": the history holds nothing from " +
                 common::format_utc_time(from_ms) + " to " + common::format_utc_time(to_ms) +
                 " (it covers " + common::format_utc_time(range->first) + " to " +
                 common::format_utc_time(range->second) + ")");
  }
  rec.load_count = installation.loads.size();
  for (const auto& load : installation.loads) {
    rec.kinds.push_back(load.kind);
  }
  if (progress != nullptr) {
    progress->total_s = rec.to_s - rec.from_s;
    progress->done_s = 0;
  }
  // The grid's L1 power: its own series on a load of several phases.
  std::optional<std::string> grid_l1_key;
  for (const auto& load : installation.loads) {
    if (load.kind == LoadKind::kGrid && !load.channels.empty() && !grid_l1_key) {
      grid_l1_key = load.channels.size() > 1 ? "load/" + load.name + "/L1/p_w" : power_key(load);
      for (const auto& ch : load.channels) {
        if (ch.phase != model::Phase::kL1 && load.channels.size() == 1) {
          grid_l1_key.reset();  // a single-phase grid load on another phase
        }
      }
    }
  }
  // Car sessions from the chargers' plugged series, where recorded.
  struct PlugState {
    std::size_t load = 0;
    std::optional<std::int64_t> since;
    double energy_wh = 0.0;
    bool recorded = false;
    std::vector<sim::SimEvCharger::PlannedSession> sessions;
  };
  std::vector<PlugState> plugs;
  for (std::size_t l = 0; l < installation.loads.size(); ++l) {
    if (installation.loads[l].kind == LoadKind::kEv) {
      plugs.push_back({l, std::nullopt, 0.0, false, {}});
    }
  }
  const double efficiency = sim::EvParams{}.charging_efficiency;
  for (std::int64_t day = rec.from_s; day < rec.to_s;) {
    if (progress != nullptr && progress->cancel) {
      return error("cancelled");
    }
    const std::int64_t end = std::min(rec.to_s, (day / kDayS + 1) * kDayS);
    RecordedBlock block;
    block.start_s = day;
    block.seconds = end - day;
    block.load_w.resize(installation.loads.size());
    // Raw seconds when every load's raw points cover the block, else minutes.
    bool raw = true;
    for (std::size_t l = 0; l < installation.loads.size() && raw; ++l) {
      auto points = store.read_raw(power_key(installation.loads[l]), day * 1000, end * 1000);
      if (!points) {
        return points.error();
      }
      raw = fill_raw(*points, day, block.seconds, block.load_w[l]);
    }
    if (!raw) {
      block.step_s = 60;
      for (std::size_t l = 0; l < installation.loads.size(); ++l) {
        auto buckets = store.read_rollup(power_key(installation.loads[l]), store::kLevel1m,
                                         day * 1000, end * 1000);
        if (!buckets) {
          return buckets.error();
        }
        fill_minutes(*buckets, day, block.seconds, block.load_w[l]);
      }
      rec.minute_seconds += block.seconds;
    } else {
      rec.raw_seconds += block.seconds;
    }
    for (PlugState& plug : plugs) {
      const std::string key = "charger/" + installation.loads[plug.load].name + "/plugged";
      std::vector<float> plugged;
      if (block.step_s == 1) {
        auto points = store.read_raw(key, day * 1000, end * 1000);
        if (!points || !fill_raw(*points, day, block.seconds, plugged)) {
          plugged.clear();
        }
      } else if (auto buckets = store.read_rollup(key, store::kLevel1m, day * 1000, end * 1000);
                 buckets && !buckets->empty()) {
        fill_minutes(*buckets, day, block.seconds, plugged);
      }
      if (plugged.empty()) {
        continue;
      }
      plug.recorded = true;
      const auto& power = block.load_w[plug.load];
      for (std::size_t i = 0; i < plugged.size() && i < power.size(); ++i) {
        const std::int64_t t = day + static_cast<std::int64_t>(i) * block.step_s;
        const bool in = plugged[i] >= 0.5F;
        if (in && !plug.since) {
          plug.since = t;
          plug.energy_wh = 0.0;
        } else if (!in && plug.since) {
          plug.sessions.push_back({*plug.since, t, plug.energy_wh * efficiency});
          plug.since.reset();
        }
        if (plug.since) {
          const std::int64_t step = std::min<std::int64_t>(block.step_s, end - t);
          plug.energy_wh += static_cast<double>(power[i]) * static_cast<double>(step) / 3600.0;
        }
      }
    }
    // The source voltage: L1's voltage plus the drop of the grid's L1 current.
    const std::string v_key = "voltage/L1/v_ln";
    if (grid_l1_key) {
      std::vector<float> v;
      std::vector<float> p;
      if (block.step_s == 1) {
        auto vp = store.read_raw(v_key, day * 1000, end * 1000);
        auto pp = store.read_raw(*grid_l1_key, day * 1000, end * 1000);
        if (vp && pp && fill_raw(*vp, day, block.seconds, v) &&
            fill_raw(*pp, day, block.seconds, p)) {
          block.source_v.resize(v.size());
        }
      } else {
        auto vb = store.read_rollup(v_key, store::kLevel1m, day * 1000, end * 1000);
        auto pb = store.read_rollup(*grid_l1_key, store::kLevel1m, day * 1000, end * 1000);
        if (vb && pb && !vb->empty()) {
          fill_minutes(*vb, day, block.seconds, v);
          fill_minutes(*pb, day, block.seconds, p);
          block.source_v.resize(v.size());
        }
      }
      for (std::size_t i = 0; i < block.source_v.size(); ++i) {
        block.source_v[i] =
            v[i] > 100.0F ? v[i] + static_cast<float>(sim::kGridImpedanceOhm) * p[i] / v[i] : 0.0F;
      }
    }
    rec.blocks.push_back(std::move(block));
    day = end;
    if (progress != nullptr) {
      progress->done_s = day - rec.from_s;
    }
  }
  const std::int64_t from = rec.from_s * 1000;
  const std::int64_t to = rec.to_s * 1000;
  for (const auto& load : installation.loads) {
    if (load.kind == LoadKind::kGrid) {
      const std::string base = "load/" + load.name + "/";
      auto imp = delta_of(store, base + "energy_import_wh", from, to);
      auto exp = delta_of(store, base + "energy_export_wh", from, to);
      if (!imp || !exp) {
        return !imp ? imp.error() : exp.error();
      }
      rec.import_kwh += *imp / 1000.0;
      rec.export_kwh += *exp / 1000.0;
    }
  }
  for (std::size_t l = 0; l < installation.loads.size(); ++l) {
    const auto& load = installation.loads[l];
    if (load.kind == LoadKind::kBattery && !rec.initial_soc) {
      auto soc = store.read_raw("battery/" + load.name + "/soc_pct", from, from + 60'000);
      if (soc && !soc->empty()) {
        rec.initial_soc = soc->front().value / 100.0;
      } else if (auto b = store.read_rollup("battery/" + load.name + "/soc_pct", store::kLevel1m,
                                            from, from + 3'600'000);
                 b && !b->empty()) {
        rec.initial_soc = b->front().first / 100.0;
      }
    }
    if (load.kind == LoadKind::kEv) {
      auto plug =
          std::find_if(plugs.begin(), plugs.end(), [&](const PlugState& p) { return p.load == l; });
      if (plug->recorded) {
        // A car still plugged in at the end stays an hour longer.
        if (plug->since) {
          plug->sessions.push_back({*plug->since, rec.to_s + 3600, plug->energy_wh * efficiency});
        }
        rec.ev_sessions.push_back(std::move(plug->sessions));
      } else {
        rec.ev_sessions.push_back(find_sessions(rec.blocks, l, efficiency));
      }
    }
  }
  // Gas: the pulse input counting m3 whose name says gas.
  for (const auto& module : installation.modules) {
    for (const auto& input : module.inputs) {
      std::string name = input.name;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (input.kind != model::ModuleInputKind::kPulse || input.unit != "m3" ||
          name.find("gas") == std::string::npos || !rec.gas_m3.empty()) {
        continue;
      }
      const std::string key = "input/" + module.id + "/" + std::to_string(input.number) + "/total";
      auto buckets = store.read_rollup(key, store::kLevel15m, from - store::kLevel15m, to);
      if (!buckets) {
        return buckets.error();
      }
      const std::size_t quarters = static_cast<std::size_t>((rec.to_s - rec.from_s + 899) / 900);
      rec.gas_m3.assign(quarters, 0.0);
      std::optional<double> before;
      for (const auto& b : *buckets) {
        const std::int64_t q = (b.start_ms / 1000 - rec.from_s) / 900;
        if (before && q >= 0 && q < static_cast<std::int64_t>(quarters)) {
          rec.gas_m3[static_cast<std::size_t>(q)] = std::max(0.0, b.last - *before);
        }
        before = b.last;
      }
    }
  }
  if (auto events = store.events(from, to, 1, "simulate"); events && !events->empty()) {
    const std::string& m = events->front().message;
    const auto at = m.find("strategy ");
    if (at != std::string::npos) {
      rec.strategy = m.substr(at + 9, m.find_first_of(" ,;", at + 9) - (at + 9));
    }
  }
  return rec;
}

}  // namespace kirchhoff::whatif
