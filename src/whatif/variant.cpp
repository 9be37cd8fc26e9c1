#include "whatif/variant.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>

#include "common/text.hpp"
#include "common/time.hpp"
#include "model/loader.hpp"
#include "model/price_series.hpp"
#include "sim/random.hpp"
#include "sim/site.hpp"
#include "sim/weather.hpp"
#include "whatif/whatif.hpp"

namespace kirchhoff::whatif {

namespace {

using model::LoadKind;

common::Error invalid(std::string message) {
  return common::make_error(common::ErrorKind::kInvalidArgument, std::move(message));
}

std::optional<double> number(const std::string& text) {
  double v = 0.0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// Ranges of the numeric keys (the installation file's, docs/installation-file.md).
struct Range {
  const char* key;
  double min;
  double max;
  const char* unit;
};
constexpr Range kRanges[] = {{"battery.capacity_kwh", 0.0, 1000.0, "kWh"},
                             {"battery.power_kw", 0.1, 1000.0, "kW"},
                             {"solar.kwp", 0.0, 10000.0, "kWp"},
                             {"ev.sessions", 0.0, 14.0, "sessions per week"}};

std::string shortest(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) {
    return path;
  }
  return base_dir + "/" + path;
}

// A control.<path> setting written into the installation file's text.
common::Result<std::string> with_control_setting(const std::string& text, const std::string& key,
                                                 const std::string& value) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
    YAML::Node node = root;
    std::string_view path(key);
    while (true) {
      const auto dot = path.find('.');
      const std::string part(path.substr(0, dot));
      if (part.empty()) {
        return invalid("--vary " + key + ": an empty part in the key");
      }
      if (dot == std::string_view::npos) {
        node[part] = YAML::Load(value);
        break;
      }
      YAML::Node child = node[part];
      if (!child.IsDefined() || child.IsNull()) {
        node[part] = YAML::Node(YAML::NodeType::Map);
        child = node[part];
      }
      if (!child.IsMap()) {
        return invalid("--vary " + key + ": '" + part + "' is not a section");
      }
      node.reset(child);
      path.remove_prefix(dot + 1);
    }
  } catch (const YAML::Exception& e) {
    return invalid("--vary " + key + "=" + value + ": " + e.what());
  }
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str());
}

model::Load added_load(const model::Installation& inst, std::string name, LoadKind kind,
                       double breaker_a) {
  model::Load load;
  load.name = std::move(name);
  load.kind = kind;
  load.breaker_a = breaker_a;
  const int phases = model::topology_info(inst.site.topology).phase_count;
  for (int p = 0; p < std::max(1, phases); ++p) {
    model::LoadChannel channel;
    channel.phase = static_cast<model::Phase>(p);
    load.channels.push_back(channel);
  }
  return load;
}

}  // namespace

double heat_pump_cop(double outdoor_c) {
  const double t = std::clamp(outdoor_c, -7.0, 15.0);
  return 2.0 + (t + 7.0) * (4.5 - 2.0) / 22.0;
}

double typical_outdoor_c(std::int64_t unix_s) {
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  const sim::Climate climate;
  const double day_of_year = std::fmod(static_cast<double>(unix_s / 86400), 365.2425);
  const double hour = static_cast<double>(unix_s % 86400) / 3600.0;
  return climate.mean_c -
         climate.seasonal_amplitude_c * std::cos(kTwoPi * (day_of_year - 20.0) / 365.2425) -
         climate.daily_amplitude_c * std::cos(kTwoPi * (hour - 3.0) / 24.0);
}

std::vector<sim::SimEvCharger::PlannedSession> typical_sessions(std::int64_t from_s,
                                                                std::int64_t to_s,
                                                                double sessions_per_week,
                                                                std::uint64_t seed) {
  std::vector<sim::SimEvCharger::PlannedSession> out;
  sim::Rng rng(seed * 7919 + 77);
  common::LocalClock clock;
  const double p = std::clamp(sessions_per_week / 7.0, 0.0, 1.0);
  for (std::int64_t day = from_s - from_s % 86400; day < to_s; day += 86400) {
    const auto local = clock.at(day + 43200);
    const std::int64_t midnight = day + 43200 - local.minute_of_day * 60;
    const bool comes = rng.chance(p);
    const double arrive_h = std::clamp(rng.normal(17.5, 1.0), 14.0, 23.5);
    const double leave_h = std::clamp(rng.normal(7.5, 0.5), 5.5, 9.5);
    const double wanted_wh = rng.uniform(8000.0, 30000.0);
    if (!comes) {
      continue;
    }
    sim::SimEvCharger::PlannedSession s;
    s.arrival_unix_s = midnight + static_cast<std::int64_t>(arrive_h * 3600.0);
    s.departure_unix_s = midnight + 86400 + static_cast<std::int64_t>(leave_h * 3600.0);
    s.wanted_wh = wanted_wh;
    if (s.arrival_unix_s >= from_s && s.arrival_unix_s < to_s) {
      out.push_back(s);
    }
  }
  return out;
}

common::Status check_setting(const std::string& key, const std::string& value,
                             const std::string& base_dir) {
  for (const Range& r : kRanges) {
    if (key == r.key) {
      const auto v = number(value);
      if (!v || *v < r.min || *v > r.max) {
        return invalid("--vary " + key + "=" + value + ": must be a number from " +
                       shortest(r.min) + " to " + shortest(r.max) + " (" + r.unit + ")");
      }
      return {};
    }
  }
  if (key == "heatpump") {
    if (value != "yes" && value != "no") {
      return invalid("--vary heatpump=" + value +
                     ": must be yes (a heat pump replaces the gas boiler) or no");
    }
    return {};
  }
  if (key == "strategy") {
    if (value != "none" && value != "managed") {
      return invalid("--vary strategy=" + value +
                     ": must be none (devices on their own) or managed (the energy manager)");
    }
    return {};
  }
  if (key == "tariff") {
    if (value == "installation") {
      return {};
    }
    auto prices = model::PriceSeries::load(resolve(value, base_dir));
    if (!prices) {
      return invalid("--vary tariff=" + value + ": " + prices.error().message);
    }
    return {};
  }
  if (key.rfind("control.", 0) == 0 && key.size() > 8) {
    return {};
  }
  const std::vector<std::string_view> known(std::begin(kVaryKeys), std::end(kVaryKeys));
  return invalid("--vary: unknown key '" + key + "'" + common::did_you_mean(key, known) +
                 "; keys: battery.capacity_kwh, battery.power_kw, solar.kwp, ev.sessions, "
                 "heatpump, tariff, strategy, control.<setting>");
}

common::Result<Variant> make_variant(const Request& request,
                                     const std::map<std::string, std::string>& set,
                                     const std::string& baseline_strategy) {
  Variant v;
  std::string text = request.installation_text;
  for (const auto& [key, value] : set) {
    if (key.rfind("control.", 0) == 0) {
      auto edited = with_control_setting(text, key, value);
      if (!edited) {
        return edited.error();
      }
      text = std::move(*edited);
    }
  }
  std::string label = "the installation";
  for (const auto& [key, value] : set) {
    v.set[key] = number(value) ? nlohmann::json(*number(value)) : nlohmann::json(value);
    label += (label == "the installation" ? " with " : ", ") + key + "=" + value;
  }
  auto inst = model::load_installation_text(text, label);
  if (!inst) {
    return inst.error();
  }
  if (auto diags = model::load_tariff_prices(*inst, request.installation_dir); !diags.empty()) {
    return invalid(label + ": " + diags.front().message);
  }
  const std::string prices = set.count("tariff") != 0U && set.at("tariff") != "installation"
                                 ? set.at("tariff")
                                 : request.prices_file;
  if (!prices.empty()) {
    auto series = model::PriceSeries::load(resolve(prices, request.installation_dir));
    if (!series) {
      return invalid("prices " + prices + ": " + series.error().message);
    }
    inst->control.tariff.prices_file = prices;
    inst->control.tariff.prices = std::make_shared<const model::PriceSeries>(std::move(*series));
  }
  v.strategy = set.count("strategy") != 0U ? set.at("strategy")
               : !request.strategy.empty() ? request.strategy
                                           : baseline_strategy;
  auto& loads = inst->loads;
  auto of_kind = [&](LoadKind kind) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < loads.size(); ++i) {
      if (loads[i].kind == kind) {
        out.push_back(i);
      }
    }
    return out;
  };
  // The sizes the site has as recorded (the simulator's when the file is
  // silent), for solar.kwp's ratio and the investment.
  sim::SiteSimulator as_recorded(*inst, sim::SiteOptions{});
  const sim::SimBattery* battery = as_recorded.battery();
  v.sizes["battery.capacity_kwh"] = battery ? battery->params().capacity_wh / 1000.0 : 0.0;
  v.sizes["battery.power_kw"] = battery ? battery->params().max_discharge_w / 1000.0 : 0.0;
  v.sizes["solar.kwp"] = as_recorded.pv_peak_w() / 1000.0;
  v.sizes["heatpump"] = 0.0;
  v.silenced.assign(loads.size(), false);
  for (const auto& [key, value] : set) {
    const auto n = number(value);
    if (key == "battery.capacity_kwh" || key == "battery.power_kw") {
      auto batteries = of_kind(LoadKind::kBattery);
      if (batteries.empty() && *n > 0.0) {
        loads.push_back(added_load(*inst, "Battery (what if)", LoadKind::kBattery, 25.0));
        v.silenced.push_back(false);
        batteries.push_back(loads.size() - 1);
      }
      for (std::size_t i : batteries) {
        if (key == "battery.capacity_kwh" && *n == 0.0) {
          // No battery: the load stays, silent, as a consumer drawing nothing.
          loads[i].kind = LoadKind::kConsumer;
          v.silenced[i] = true;
        } else if (key == "battery.capacity_kwh") {
          loads[i].capacity_kwh = *n / static_cast<double>(batteries.size());
        } else {
          loads[i].power_kw = *n / static_cast<double>(batteries.size());
          // The breaker must not be what limits the chosen power.
          loads[i].breaker_a =
              std::max(loads[i].breaker_a.value_or(0.0),
                       *n * 1000.0 / 0.8 / 230.0 /
                           static_cast<double>(std::max<std::size_t>(1, loads[i].channels.size())));
        }
      }
      v.sizes[key] = *n;
    } else if (key == "solar.kwp") {
      const double recorded_kwp = v.sizes["solar.kwp"];
      if (recorded_kwp <= 0.0) {
        return invalid(
            "--vary solar.kwp: the site has no solar load whose production could be "
            "scaled");
      }
      v.pv_scale = *n / recorded_kwp;
      for (std::size_t i : of_kind(LoadKind::kSolar)) {
        const double kwp = loads[i].kwp.value_or(
            recorded_kwp / static_cast<double>(of_kind(LoadKind::kSolar).size()));
        loads[i].kwp = kwp * v.pv_scale;
        loads[i].breaker_a.reset();  // the inverter follows the panels
      }
      v.sizes[key] = *n;
    } else if (key == "ev.sessions" && *n > 0.0) {
      loads.push_back(added_load(*inst, "Car (what if)", LoadKind::kEv, 16.0));
      v.silenced.push_back(false);
      v.added_car = loads.size() - 1;
      v.car_sessions_per_week = *n;
    } else if (key == "heatpump") {
      v.heat_pump_from_gas = value == "yes";
      v.sizes[key] = v.heat_pump_from_gas ? 1.0 : 0.0;
    }
  }
  v.installation = std::move(*inst);
  return v;
}

}  // namespace kirchhoff::whatif
