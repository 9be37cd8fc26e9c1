#include "model/control_parser.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "common/text.hpp"

namespace kirchhoff::model {

std::string_view ev_mode_name(EvMode mode) {
  switch (mode) {
    case EvMode::kOff:
      return "off";
    case EvMode::kNow:
      return "now";
    case EvMode::kMinPv:
      return "min+pv";
    case EvMode::kPv:
      return "pv";
  }
  return "?";
}

bool TariffWindow::contains(int minute_of_day) const {
  if (from_min <= to_min) {
    return minute_of_day >= from_min && minute_of_day < to_min;
  }
  return minute_of_day >= from_min || minute_of_day < to_min;  // wraps past midnight
}

const TariffWindow* TariffConfig::window_at(int minute_of_day) const {
  for (const auto& window : windows) {
    if (window.contains(minute_of_day)) {
      return &window;
    }
  }
  return nullptr;
}

double TariffConfig::import_price(int minute_of_day) const {
  const TariffWindow* w = window_at(minute_of_day);
  return w != nullptr && w->import_per_kwh ? *w->import_per_kwh : import_per_kwh;
}

double TariffConfig::export_price(int minute_of_day) const {
  const TariffWindow* w = window_at(minute_of_day);
  return w != nullptr && w->export_per_kwh ? *w->export_per_kwh : export_per_kwh;
}

double TariffConfig::import_price_at(std::int64_t unix_s, int minute_of_day) const {
  if (prices) {
    if (auto p = prices->price_at(unix_s)) {
      return p->import_per_kwh;
    }
  }
  return import_price(minute_of_day);
}

double TariffConfig::export_price_at(std::int64_t unix_s, int minute_of_day) const {
  if (prices) {
    if (auto p = prices->price_at(unix_s)) {
      return p->export_per_kwh;
    }
  }
  return export_price(minute_of_day);
}

std::vector<std::string> ControlConfig::loads_behind(const CircuitConfig& circuit) const {
  std::vector<std::string> loads;
  std::vector<const CircuitConfig*> todo{&circuit};
  std::set<std::string> seen;  // a cycle (which check refuses) cannot loop here
  while (!todo.empty()) {
    const CircuitConfig* at = todo.back();
    todo.pop_back();
    if (!seen.insert(at->name).second) {
      continue;
    }
    loads.insert(loads.end(), at->loads.begin(), at->loads.end());
    for (const auto& child : circuits) {
      if (child.parent == at->name) {
        todo.push_back(&child);
      }
    }
  }
  return loads;
}

namespace detail {

namespace {

constexpr std::array<std::string_view, 9> kControlKeys = {"cycle_ms", "breaker_curve", "circuits",
                                                          "ev",       "battery",       "heat_pump",
                                                          "relays",   "grid",          "tariff"};
constexpr std::array<std::string_view, 4> kCircuitKeys = {"name", "breaker_a", "parent", "loads"};
constexpr std::array<std::string_view, 10> kEvKeys = {
    "mode",     "min_a",     "max_a",           "phase_switching", "enable_delay_s",
    "enable_w", "disable_w", "disable_delay_s", "sharing",         "battery_kwh"};
constexpr std::array<std::string_view, 2> kSharing = {"fair", "priority"};
constexpr std::array<std::string_view, 4> kBatteryKeys = {"reserve_pct", "charge_to_pct",
                                                          "deadband_w", "direction_hold_s"};
constexpr std::array<std::string_view, 2> kHeatPumpKeys = {"surplus_w", "delay_s"};
constexpr std::array<std::string_view, 10> kRelayKeys = {
    "output",     "use",      "power_w",   "phases",
    "priority",   "min_on_s", "min_off_s", "max_switches_per_hour",
    "safe_state", "circuit"};
constexpr std::array<std::string_view, 6> kGridKeys = {"export_limit_w", "export_limit_pct",
                                                       "peak_limit_kw",  "ripple_control",
                                                       "dimming",        "inverter_safe_pct"};
constexpr std::array<std::string_view, 3> kSignalKeys = {"input", "limit_pct", "active"};
constexpr std::array<std::string_view, 3> kDimmingKeys = {"input", "cap_w", "active"};
constexpr std::array<std::string_view, 9> kTariffKeys = {
    "import_per_kwh", "export_per_kwh", "currency",           "windows",     "prices",
    "capacity",       "prices_url",     "prices_refresh_min", "prices_topic"};
constexpr std::array<std::string_view, 2> kCapacityKeys = {"eur_per_kw_month", "min_kw"};
constexpr std::array<std::string_view, 5> kWindowKeys = {"from", "to", "import_per_kwh",
                                                         "export_per_kwh", "action"};
constexpr std::array<std::string_view, 4> kEvModes = {"off", "now", "min+pv", "pv"};
constexpr std::array<std::string_view, 2> kCurves = {"B", "C"};
constexpr std::array<std::string_view, 2> kRelayUses = {"surplus", "shed"};
constexpr std::array<std::string_view, 2> kOnOff = {"on", "off"};
constexpr std::array<std::string_view, 2> kActive = {"closed", "open"};
constexpr std::array<std::string_view, 3> kActions = {"none", "charge", "hold"};
constexpr std::array<std::string_view, 3> kPhaseNames = {"L1", "L2", "L3"};

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Why a prices_url cannot be fetched, or "": http:// or https://, a host, no
// white space or control characters.
std::string price_url_problem(std::string_view url) {
  std::string_view rest;
  if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
  } else if (url.substr(0, 8) == "https://") {
    rest = url.substr(8);
  } else {
    return "must start with http:// or https://";
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':' || rest.front() == '?') {
    return "must name a host after the scheme";
  }
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return "must not hold spaces or control characters";
    }
  }
  if (url.size() > 2000) {
    return "is longer than 2000 characters";
  }
  return {};
}

// Why a prices_topic cannot be subscribed to as one topic, or "".
std::string price_topic_problem(std::string_view topic) {
  if (topic.empty()) {
    return "must name an MQTT topic";
  }
  if (topic.find_first_of("+#") != std::string_view::npos) {
    return "must be one topic, without the wildcards + or #";
  }
  if (topic.find('\0') != std::string_view::npos || topic.size() > 1000) {
    return "must be a topic name of at most 1000 characters without NUL";
  }
  return {};
}

class ControlParser {
 public:
  explicit ControlParser(YamlReader& r) : r_(r) {}

  void parse(const YAML::Node& node, ControlConfig& c) {
    c.present = true;
    if (node.IsNull()) {
      return;
    }
    if (!r_.expect_map(node, "'control'")) {
      return;
    }
    r_.check_keys(node, kControlKeys, "'control'");
    if (auto v = bounded(node, "cycle_ms", "'control'", 100, 1000)) {
      c.cycle_ms = static_cast<int>(*v);
    }
    if (auto curve = r_.child(node, "breaker_curve", "'control'", false)) {
      if (auto name = r_.one_of(*curve, "breaker curve", kCurves)) {
        c.breaker_curve = *name == "B" ? BreakerCurve::kB : BreakerCurve::kC;
      }
    }
    if (auto list = r_.child(node, "circuits", "'control'", false)) {
      each(*list, "'circuits'", [&](const YAML::Node& e) { parse_circuit(e, c.circuits); });
    }
    if (auto ev = r_.child(node, "ev", "'control'", false); ev && map(*ev, "'ev'", kEvKeys)) {
      parse_ev(*ev, c.ev);
    }
    if (auto b = r_.child(node, "battery", "'control'", false);
        b && map(*b, "'battery'", kBatteryKeys)) {
      set(*b, "reserve_pct", "'battery'", 0, 100, c.battery.reserve_pct);
      set(*b, "charge_to_pct", "'battery'", 0, 100, c.battery.charge_to_pct);
      set(*b, "deadband_w", "'battery'", 0, 10000, c.battery.deadband_w);
      set(*b, "direction_hold_s", "'battery'", 0, 3600, c.battery.direction_hold_s);
    }
    if (auto h = r_.child(node, "heat_pump", "'control'", false);
        h && map(*h, "'heat_pump'", kHeatPumpKeys)) {
      set(*h, "surplus_w", "'heat_pump'", 0, 100000, c.heat_pump.surplus_w);
      set(*h, "delay_s", "'heat_pump'", 0, 3600, c.heat_pump.delay_s);
    }
    if (auto list = r_.child(node, "relays", "'control'", false)) {
      each(*list, "'relays'", [&](const YAML::Node& e) { parse_relay(e, c.relays); });
    }
    if (auto g = r_.child(node, "grid", "'control'", false); g && map(*g, "'grid'", kGridKeys)) {
      parse_grid(*g, c.grid);
    }
    if (auto t = r_.child(node, "tariff", "'control'", false);
        t && map(*t, "'tariff'", kTariffKeys)) {
      parse_tariff(*t, c.tariff);
    }
  }

 private:
  template <typename Keys>
  bool map(const YAML::Node& node, std::string_view where, const Keys& keys) {
    if (!r_.expect_map(node, where)) {
      return false;
    }
    r_.check_keys(node, keys, where);
    return true;
  }

  template <typename Fn>
  void each(const YAML::Node& node, std::string_view what, Fn&& fn) {
    if (node.IsNull() || !r_.expect_sequence(node, what)) {
      return;
    }
    for (const YAML::Node& entry : node) {
      fn(entry);
    }
  }

  std::optional<double> bounded(const YAML::Node& node, std::string_view key,
                                std::string_view where, double lo, double hi) {
    auto child = r_.child(node, key, where, false);
    if (!child) {
      return std::nullopt;
    }
    auto value = r_.number(*child, std::string(key));
    if (value && (*value < lo || *value > hi)) {
      r_.error(YamlReader::pos_of(*child), std::string(key) + " in " + std::string(where) +
                                               " must be between " + common::shortest_number(lo) +
                                               " and " + common::shortest_number(hi) + ", not " +
                                               common::shortest_number(*value));
      return std::nullopt;
    }
    return value;
  }

  void set(const YAML::Node& node, std::string_view key, std::string_view where, double lo,
           double hi, double& target) {
    if (auto v = bounded(node, key, where, lo, hi)) {
      target = *v;
    }
  }

  std::string text(const YAML::Node& node, std::string_view key, std::string_view where,
                   bool required) {
    auto child = r_.child(node, key, where, required);
    if (!child) {
      return {};
    }
    return r_.scalar(*child, std::string(key)).value_or("");
  }

  // "in1/3": a module id and a number; reports a malformed reference.
  bool module_ref(const YAML::Node& node, std::string_view key, std::string_view where,
                  std::string& full, std::string& module, int& number) {
    auto child = r_.child(node, key, where, true);
    if (!child) {
      return false;
    }
    auto value = r_.scalar(*child, std::string(key));
    if (!value) {
      return false;
    }
    auto ref = parse_input_ref(*value);
    if (!ref) {
      r_.error(YamlReader::pos_of(*child), std::string(key) + " must name a module's " +
                                               (key == "output" ? "output" : "input") +
                                               " as ID/N (e.g. 'out1/1'), not " + quoted(*value));
      return false;
    }
    full = *value;
    module = ref->device;
    number = ref->number;
    return true;
  }

  void parse_circuit(const YAML::Node& e, std::vector<CircuitConfig>& out) {
    if (!map(e, "a circuit", kCircuitKeys)) {
      return;
    }
    CircuitConfig c;
    const SourcePos pos = YamlReader::pos_of(e);
    c.line = pos.line;
    c.column = pos.column;
    c.name = text(e, "name", "a circuit", true);
    const std::string where = "circuit " + quoted(c.name);
    if (auto a = r_.child(e, "breaker_a", where, true)) {
      if (auto v = r_.number(*a, "breaker_a")) {
        if (*v <= 0) {
          r_.error(YamlReader::pos_of(*a), "breaker_a of " + where + " must be above 0 A");
        } else {
          c.breaker_a = *v;
        }
      }
    }
    c.parent = text(e, "parent", where, false);
    if (auto loads = r_.child(e, "loads", where, true)) {
      each(*loads, "the loads of " + where, [&](const YAML::Node& l) {
        if (auto name = r_.scalar(l, "a load name")) {
          c.loads.push_back(*name);
        }
      });
    }
    out.push_back(std::move(c));
  }

  void parse_ev(const YAML::Node& e, EvConfig& ev) {
    if (auto mode = r_.child(e, "mode", "'ev'", false)) {
      if (auto name = r_.one_of(*mode, "EV mode", kEvModes)) {
        ev.mode = *name == "off"   ? EvMode::kOff
                  : *name == "now" ? EvMode::kNow
                  : *name == "pv"  ? EvMode::kPv
                                   : EvMode::kMinPv;
      }
    }
    if (auto sharing = r_.child(e, "sharing", "'ev'", false)) {
      if (auto name = r_.one_of(*sharing, "charger sharing", kSharing)) {
        ev.sharing = *name == "priority" ? EvSharing::kPriority : EvSharing::kFair;
      }
    }
    set(e, "min_a", "'ev'", 6, 32, ev.min_a);
    set(e, "max_a", "'ev'", 6, 80, ev.max_a);
    if (ev.max_a < ev.min_a) {
      r_.error(YamlReader::pos_of(e), "max_a of 'ev' must not be below its min_a");
    }
    if (auto sw = r_.child(e, "phase_switching", "'ev'", false)) {
      ev.phase_switching = r_.boolean(*sw, "phase_switching").value_or(ev.phase_switching);
    }
    set(e, "enable_delay_s", "'ev'", 0, 3600, ev.enable_delay_s);
    set(e, "disable_delay_s", "'ev'", 0, 3600, ev.disable_delay_s);
    set(e, "enable_w", "'ev'", -100000, 100000, ev.enable_w);
    set(e, "disable_w", "'ev'", -100000, 100000, ev.disable_w);
    set(e, "battery_kwh", "'ev'", 1, 250, ev.battery_kwh);
  }

  void parse_relay(const YAML::Node& e, std::vector<RelayControlConfig>& out) {
    if (!map(e, "a relay", kRelayKeys)) {
      return;
    }
    RelayControlConfig relay;
    const SourcePos pos = YamlReader::pos_of(e);
    relay.line = pos.line;
    relay.column = pos.column;
    if (!module_ref(e, "output", "a relay", relay.output, relay.module, relay.number)) {
      return;
    }
    const std::string where = "relay " + quoted(relay.output);
    if (auto use = r_.child(e, "use", where, false)) {
      if (auto name = r_.one_of(*use, "relay use", kRelayUses)) {
        relay.use = *name == "shed" ? RelayUse::kShed : RelayUse::kSurplus;
      }
    }
    set(e, "power_w", where, 0, 100000, relay.power_w);
    if (auto phases = r_.child(e, "phases", where, false)) {
      relay.phases = {false, false, false};
      each(*phases, "the phases of " + where, [&](const YAML::Node& p) {
        if (auto name = r_.one_of(p, "phase", kPhaseNames)) {
          relay.phases[static_cast<std::size_t>((*name)[1] - '1')] = true;
        }
      });
    }
    if (auto v = bounded(e, "priority", where, 1, 100)) {
      relay.priority = static_cast<int>(*v);
    }
    set(e, "min_on_s", where, 0, 86400, relay.min_on_s);
    set(e, "min_off_s", where, 0, 86400, relay.min_off_s);
    if (auto v = bounded(e, "max_switches_per_hour", where, 1, 3600)) {
      relay.max_switches_per_hour = static_cast<int>(*v);
    }
    if (auto safe = r_.child(e, "safe_state", where, false)) {
      if (auto name = r_.one_of(*safe, "safe state", kOnOff)) {
        relay.safe_on = *name == "on";
      }
    }
    relay.circuit = text(e, "circuit", where, false);
    if (relay.power_w <= 0.0) {
      r_.warning(pos, where +
                          " has no power_w: the energy manager cannot tell what switching it "
                          "frees or uses");
    }
    out.push_back(std::move(relay));
  }

  bool active_closed(const YAML::Node& e, std::string_view where) {
    if (auto active = r_.child(e, "active", where, false)) {
      if (auto name = r_.one_of(*active, "signal polarity", kActive)) {
        return *name == "closed";
      }
    }
    return true;
  }

  void parse_grid(const YAML::Node& g, GridConfig& grid) {
    const SourcePos grid_pos = YamlReader::pos_of(g);
    grid.line = grid_pos.line;
    grid.column = grid_pos.column;
    grid.export_limit_w = bounded(g, "export_limit_w", "'grid'", 0, 1e7);
    grid.export_limit_pct = bounded(g, "export_limit_pct", "'grid'", 0, 100);
    if (grid.export_limit_w && grid.export_limit_pct) {
      r_.error(YamlReader::pos_of(g),
               "'grid' takes export_limit_w or export_limit_pct, not both: say which one holds");
    }
    if (auto v = bounded(g, "peak_limit_kw", "'grid'", 0.1, 10000)) {
      grid.peak_limit_kw = v;
    }
    set(g, "inverter_safe_pct", "'grid'", 0, 100, grid.inverter_safe_pct);
    if (auto list = r_.child(g, "ripple_control", "'grid'", false)) {
      each(*list, "'ripple_control'", [&](const YAML::Node& e) {
        if (!map(e, "a ripple-control signal", kSignalKeys)) {
          return;
        }
        RippleSignalConfig s;
        const SourcePos pos = YamlReader::pos_of(e);
        s.line = pos.line;
        s.column = pos.column;
        if (!module_ref(e, "input", "a ripple-control signal", s.input, s.module, s.number)) {
          return;
        }
        const std::string where = "ripple-control signal " + quoted(s.input);
        if (auto v = r_.child(e, "limit_pct", where, true)) {
          if (auto pct = r_.number(*v, "limit_pct")) {
            if (*pct != 0 && *pct != 30 && *pct != 60 && *pct != 100) {
              r_.error(YamlReader::pos_of(*v),
                       "limit_pct of a ripple-control signal is 0, 30, 60 or 100 (the grid "
                       "operator's steps), not " +
                           common::shortest_number(*pct));
            } else {
              s.limit_pct = *pct;
            }
          }
        }
        s.active_closed = active_closed(e, where);
        grid.ripple.push_back(std::move(s));
      });
    }
    if (auto d = r_.child(g, "dimming", "'grid'", false); d && map(*d, "'dimming'", kDimmingKeys)) {
      DimmingConfig dim;
      const SourcePos pos = YamlReader::pos_of(*d);
      dim.line = pos.line;
      dim.column = pos.column;
      if (module_ref(*d, "input", "'dimming'", dim.input, dim.module, dim.number)) {
        set(*d, "cap_w", "'dimming'", 0, 1e6, dim.cap_w);
        dim.active_closed = active_closed(*d, "'dimming'");
        grid.dimming = dim;
      }
    }
  }

  // "HH:MM" → minutes after midnight; "24:00" is the end of the day.
  std::optional<int> clock(const YAML::Node& e, std::string_view key, std::string_view where) {
    auto child = r_.child(e, key, where, true);
    if (!child) {
      return std::nullopt;
    }
    auto value = r_.scalar(*child, std::string(key));
    if (!value) {
      return std::nullopt;
    }
    int h = -1;
    int m = -1;
    char tail = 0;
    if (value->size() != 5 || std::sscanf(value->c_str(), "%2d:%2d%c", &h, &m, &tail) != 2 ||
        h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) {
      r_.error(YamlReader::pos_of(*child),
               std::string(key) + " of " + std::string(where) +
                   " must be a time of day as HH:MM (00:00 to 24:00), not " + quoted(*value));
      return std::nullopt;
    }
    return h * 60 + m;
  }

  void parse_tariff(const YAML::Node& t, TariffConfig& tariff) {
    set(t, "import_per_kwh", "'tariff'", -10, 10, tariff.import_per_kwh);
    set(t, "export_per_kwh", "'tariff'", -10, 10, tariff.export_per_kwh);
    if (auto c = text(t, "currency", "'tariff'", false); !c.empty()) {
      tariff.currency = c;
    }
    if (auto file = r_.child(t, "prices", "'tariff'", false)) {
      if (auto name = r_.scalar(*file, "prices")) {
        if (name->empty()) {
          r_.error(YamlReader::pos_of(*file), "prices of 'tariff' must name a CSV file");
        } else {
          tariff.prices_file = *name;
          tariff.prices_pos = YamlReader::pos_of(*file);
        }
      }
    }
    if (auto url = r_.child(t, "prices_url", "'tariff'", false)) {
      if (auto value = r_.scalar(*url, "prices_url")) {
        if (auto bad = price_url_problem(*value); !bad.empty()) {
          r_.error(YamlReader::pos_of(*url), "prices_url of 'tariff' " + bad);
        } else {
          tariff.prices_url = *value;
          tariff.prices_url_pos = YamlReader::pos_of(*url);
        }
      }
    }
    if (auto v = bounded(t, "prices_refresh_min", "'tariff'", 5, 1440)) {
      tariff.prices_refresh_min = static_cast<int>(*v);
    }
    if (auto topic = r_.child(t, "prices_topic", "'tariff'", false)) {
      if (auto value = r_.scalar(*topic, "prices_topic")) {
        if (auto bad = price_topic_problem(*value); !bad.empty()) {
          r_.error(YamlReader::pos_of(*topic), "prices_topic of 'tariff' " + bad);
        } else {
          tariff.prices_topic = *value;
          tariff.prices_topic_pos = YamlReader::pos_of(*topic);
        }
      }
    }
    if (auto cap = r_.child(t, "capacity", "'tariff'", false);
        cap && map(*cap, "'capacity'", kCapacityKeys)) {
      CapacityTariff capacity;
      if (r_.child(*cap, "eur_per_kw_month", "'capacity'", true)) {
        const auto rate = bounded(*cap, "eur_per_kw_month", "'capacity'", 0, 1000);
        const auto min_kw = bounded(*cap, "min_kw", "'capacity'", 0, 10000);
        if (rate) {
          capacity.eur_per_kw_month = *rate;
          capacity.min_kw = min_kw.value_or(0.0);
          tariff.capacity = capacity;
        }
      }
    }
    if (auto list = r_.child(t, "windows", "'tariff'", false)) {
      each(*list, "'windows'", [&](const YAML::Node& e) {
        if (!map(e, "a tariff window", kWindowKeys)) {
          return;
        }
        TariffWindow w;
        const SourcePos pos = YamlReader::pos_of(e);
        w.line = pos.line;
        w.column = pos.column;
        const auto from = clock(e, "from", "a tariff window");
        const auto to = clock(e, "to", "a tariff window");
        if (!from || !to) {
          return;
        }
        w.from_min = *from;
        w.to_min = *to;
        if (w.from_min == w.to_min) {
          r_.error(pos, "a tariff window needs from and to to differ (it would last no time)");
          return;
        }
        w.import_per_kwh = bounded(e, "import_per_kwh", "a tariff window", -10, 10);
        w.export_per_kwh = bounded(e, "export_per_kwh", "a tariff window", -10, 10);
        if (auto action = r_.child(e, "action", "a tariff window", false)) {
          if (auto name = r_.one_of(*action, "window action", kActions)) {
            w.action = *name == "charge" ? WindowAction::kCharge
                       : *name == "hold" ? WindowAction::kHold
                                         : WindowAction::kNone;
          }
        }
        for (const auto& other : tariff.windows) {
          for (int probe : {w.from_min, other.from_min}) {
            if (w.contains(probe) && other.contains(probe)) {
              r_.error(pos, "this tariff window overlaps the one on line " +
                                std::to_string(other.line) + "; windows must not overlap");
              return;
            }
          }
        }
        tariff.windows.push_back(w);
      });
    }
  }

  YamlReader& r_;
};

}  // namespace

void parse_control(const YAML::Node& node, YamlReader& reader, ControlConfig& config) {
  ControlParser(reader).parse(node, config);
}

std::vector<Diagnostic> validate_control(const Installation& inst) {
  std::vector<Diagnostic> out;
  const ControlConfig& c = inst.control;
  auto error = [&](int line, int column, std::string message) {
    out.push_back({{line, column}, Severity::kError, std::move(message)});
  };
  if (!c.tariff.prices_topic.empty() && !inst.server.mqtt) {
    error(c.tariff.prices_topic_pos.line, c.tariff.prices_topic_pos.column,
          "prices_topic of 'tariff' needs an MQTT broker: add 'mqtt' to the 'server' section");
  }
  auto find_module_io = [&](const std::string& module, int number,
                            bool output) -> std::optional<ModuleInputKind> {
    for (const auto& m : inst.modules) {
      if (m.id != module) {
        continue;
      }
      if (output && m.kind == ModuleKind::kOutput) {
        for (const auto& o : m.outputs) {
          if (o.number == number) {
            return ModuleInputKind::kStatus;
          }
        }
      }
      if (!output && m.kind == ModuleKind::kInput) {
        for (const auto& i : m.inputs) {
          if (i.number == number) {
            return i.kind;
          }
        }
      }
    }
    return std::nullopt;
  };
  std::map<std::string, const CircuitConfig*> circuits;
  std::set<std::string> loads_in_circuits;
  for (const auto& circuit : c.circuits) {
    if (circuit.name.empty() || circuit.name == "main") {
      error(circuit.line, circuit.column,
            "a circuit needs a name other than 'main' (the main breaker is 'main')");
      continue;
    }
    if (!circuits.emplace(circuit.name, &circuit).second) {
      error(circuit.line, circuit.column,
            "circuit " + quoted(circuit.name) + " is defined twice; names must be unique");
    }
    if (circuit.breaker_a > inst.site.main_breaker_a) {
      out.push_back({{circuit.line, circuit.column},
                     Severity::kWarning,
                     "circuit " + quoted(circuit.name) + " has a " +
                         common::shortest_number(circuit.breaker_a) +
                         " A breaker, larger than the main breaker's " +
                         common::shortest_number(inst.site.main_breaker_a) + " A"});
    }
    for (const auto& load : circuit.loads) {
      if (inst.find_load(load) == nullptr) {
        std::vector<std::string_view> names;
        for (const auto& l : inst.loads) {
          names.push_back(l.name);
        }
        error(circuit.line, circuit.column,
              "circuit " + quoted(circuit.name) + " names load " + quoted(load) +
                  ", which the installation does not have" + common::did_you_mean(load, names));
      } else if (!loads_in_circuits.insert(load).second) {
        error(circuit.line, circuit.column,
              "load " + quoted(load) + " is in two circuits; a load has one breaker");
      }
    }
  }
  for (const auto& circuit : c.circuits) {
    if (circuit.parent.empty() || circuit.parent == "main") {
      continue;
    }
    if (circuits.count(circuit.parent) == 0) {
      error(circuit.line, circuit.column,
            "circuit " + quoted(circuit.name) + " has parent " + quoted(circuit.parent) +
                ", which is not a circuit (use 'main' or a circuit's name)");
      continue;
    }
    // Walk up: a cycle never reaches "main".
    std::set<std::string> seen{circuit.name};
    std::string at = circuit.parent;
    while (!at.empty() && at != "main" && circuits.count(at) != 0) {
      if (!seen.insert(at).second) {
        error(circuit.line, circuit.column,
              "circuit " + quoted(circuit.name) + " is its own ancestor; circuits form a tree");
        break;
      }
      at = circuits[at]->parent;
    }
  }
  std::set<std::string> relay_outputs;
  for (const auto& relay : c.relays) {
    if (!find_module_io(relay.module, relay.number, true)) {
      error(relay.line, relay.column,
            "relay " + quoted(relay.output) +
                " is not an output of an Output module of this "
                "installation");
    } else if (!relay_outputs.insert(relay.output).second) {
      error(relay.line, relay.column,
            "relay " + quoted(relay.output) + " is configured twice in 'control'");
    }
    if (!relay.circuit.empty() && relay.circuit != "main" && circuits.count(relay.circuit) == 0) {
      error(relay.line, relay.column,
            "relay " + quoted(relay.output) + " is on circuit " + quoted(relay.circuit) +
                ", which 'circuits' does not define");
    }
  }
  auto check_signal = [&](const std::string& input, const std::string& module, int number, int line,
                          int column) {
    const auto kind = find_module_io(module, number, false);
    if (!kind) {
      error(line, column,
            "signal input " + quoted(input) +
                " is not an input of an Input module of this "
                "installation");
    } else if (*kind != ModuleInputKind::kStatus) {
      error(line, column,
            "signal input " + quoted(input) +
                " is a pulse input; a grid operator's signal needs a status input");
    }
  };
  for (const auto& s : c.grid.ripple) {
    check_signal(s.input, s.module, s.number, s.line, s.column);
  }
  if (c.grid.dimming) {
    const auto& d = *c.grid.dimming;
    check_signal(d.input, d.module, d.number, d.line, d.column);
  }
  bool has_solar = false;
  for (const auto& load : inst.loads) {
    has_solar = has_solar || load.kind == LoadKind::kSolar;
  }
  if (c.grid.export_limit_pct && !has_solar) {
    error(c.grid.line, c.grid.column,
          "export_limit_pct is a share of the PV peak power, but the site has no solar load");
  }
  return out;
}

}  // namespace detail
}  // namespace kirchhoff::model
