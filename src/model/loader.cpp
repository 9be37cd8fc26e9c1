#include "model/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

#include "common/text.hpp"
#include "common/utf8.hpp"
#include "model/control_parser.hpp"
#include "model/devices_parser.hpp"
#include "model/yaml_reader.hpp"

namespace kirchhoff::model {

namespace {

using detail::YamlReader;

// Installation files are a few kilobytes; anything far larger is not one and
// would only cost memory to parse.
constexpr std::size_t kMaxFileBytes = 1 << 20;

constexpr std::array<std::string_view, 8> kTopKeys = {"site",    "gateway", "bus",    "loads",
                                                      "modules", "control", "server", "devices"};
constexpr std::array<std::string_view, 6> kServerKeys = {"tls_certificate", "tls_key", "local_only",
                                                         "modbus_meter",    "mqtt",    "history"};
constexpr std::array<std::string_view, 2> kHistoryKeys = {"retention", "min_free_mb"};
constexpr std::array<std::string_view, 5> kRetentionKeys = {"raw", "1m", "15m", "1h", "1d"};
constexpr std::array<std::string_view, 13> kMqttKeys = {"url",
                                                        "username",
                                                        "password_file",
                                                        "ca_file",
                                                        "topic_prefix",
                                                        "discovery_prefix",
                                                        "discovery",
                                                        "read_only",
                                                        "uplink",
                                                        "uplink_days",
                                                        "uplink_batches_per_s",
                                                        "protocol",
                                                        "keepalive_s"};
constexpr std::array<std::string_view, 6> kSiteKeys = {"name",           "topology", "frequency",
                                                       "main_breaker_a", "latitude", "longitude"};
constexpr std::array<std::string_view, 14> kLoadKeys = {
    "name",      "kind",        "phases",          "inputs",       "reversed",
    "breaker_a", "tilt_deg",    "azimuth_deg",     "capacity_kwh", "power_kw",
    "kwp",       "inverter_kw", "car_battery_kwh", "car_charge_kw"};

// The equipment behind a load (docs/installation-file.md): each key belongs to
// one kind of load and is a positive number up to a bound that no home or
// small business installation reaches, so a unit slip (W for kW) is caught.
struct EquipmentKey {
  std::string_view key;
  LoadKind kind;
  double max;
  std::string_view unit;
  std::optional<double> Load::*value;
  SourcePos Load::*pos;
};
constexpr std::array<EquipmentKey, 6> kEquipmentKeys = {{
    {"capacity_kwh", LoadKind::kBattery, 1000, "kWh", &Load::capacity_kwh, &Load::capacity_pos},
    {"power_kw", LoadKind::kBattery, 1000, "kW", &Load::power_kw, &Load::power_pos},
    {"kwp", LoadKind::kSolar, 10000, "kWp", &Load::kwp, &Load::kwp_pos},
    {"inverter_kw", LoadKind::kSolar, 10000, "kW", &Load::inverter_kw, &Load::inverter_pos},
    {"car_battery_kwh", LoadKind::kEv, 300, "kWh", &Load::car_battery_kwh, &Load::car_battery_pos},
    {"car_charge_kw", LoadKind::kEv, 350, "kW", &Load::car_charge_kw, &Load::car_charge_pos},
}};
constexpr std::array<std::string_view, 3> kCtInputKeys = {"ct", "gain", "phase_deg"};
constexpr std::array<std::string_view, 4> kModuleInputKeys = {"kind", "name", "unit",
                                                              "pulses_per_unit"};
constexpr std::array<std::string_view, 2> kModuleOutputKeys = {"name", "contact"};
constexpr std::array<std::string_view, 6> kLoadKinds = {"grid", "solar",    "battery",
                                                        "ev",   "heatpump", "consumer"};
constexpr std::array<std::string_view, 3> kPhases = {"L1", "L2", "L3"};
constexpr std::array<std::string_view, 2> kModuleInputKinds = {"pulse", "status"};
constexpr std::array<std::string_view, 2> kContacts = {"NO", "NC"};

template <typename Span>
std::vector<std::string_view> names_of(Span table) {
  std::vector<std::string_view> names;
  for (const auto& entry : table) {
    names.push_back(entry.name);
  }
  return names;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

class InstallationParser {
 public:
  explicit InstallationParser(std::vector<Diagnostic>& out) : r_(out) {}

  std::optional<Installation> parse(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull()) {
      r_.error({1, 1}, "the installation file is empty; it needs at least 'site' and 'gateway'");
      return std::nullopt;
    }
    if (!r_.expect_map(root, "the installation file")) {
      return std::nullopt;
    }
    r_.check_keys(root, kTopKeys, "the installation file");
    Installation inst;
    if (auto site = r_.child(root, "site", "the installation file", true)) {
      parse_site(*site, inst.site);
    }
    if (auto gateway = r_.child(root, "gateway", "the installation file", true)) {
      inst.gateway_pos = YamlReader::pos_of(*gateway);
      const auto names = names_of(all_gateways());
      if (auto name = r_.one_of(*gateway, "gateway", names)) {
        inst.gateway = *parse_gateway(*name);
      }
    }
    if (auto bus = r_.child(root, "bus", "the installation file", false)) {
      parse_bus(*bus, inst.bus);
    }
    if (auto loads = r_.child(root, "loads", "the installation file", false)) {
      parse_loads(*loads, inst.loads);
    }
    if (auto modules = r_.child(root, "modules", "the installation file", false)) {
      parse_modules(*modules, inst.modules);
    }
    if (auto control = r_.child(root, "control", "the installation file", false)) {
      detail::parse_control(*control, r_, inst.control);
    }
    if (auto server = r_.child(root, "server", "the installation file", false)) {
      parse_server(*server, inst.server);
    }
    if (auto devices = r_.child(root, "devices", "the installation file", false)) {
      detail::parse_devices(*devices, r_, inst.devices);
    }
    return inst;
  }

 private:
  void parse_site(const YAML::Node& node, Site& site) {
    site.pos = YamlReader::pos_of(node);
    if (!r_.expect_map(node, "'site'")) {
      return;
    }
    r_.check_keys(node, kSiteKeys, "'site'");
    if (auto name = r_.child(node, "name", "'site'", true)) {
      if (auto text = r_.scalar(*name, "the site name")) {
        site.name = *text;
      }
    }
    bool topology_known = false;
    if (auto topology = r_.child(node, "topology", "'site'", true)) {
      site.topology_pos = YamlReader::pos_of(*topology);
      const auto names = names_of(all_topologies());
      if (auto name = r_.one_of(*topology, "topology", names)) {
        site.topology = *parse_topology(*name);
        topology_known = true;
      }
    }
    site.frequency_hz = topology_info(site.topology).frequency_hz_nominal;
    if (auto frequency = r_.child(node, "frequency", "'site'", false)) {
      if (auto hz = r_.number(*frequency, "the frequency")) {
        if (*hz != 50.0 && *hz != 60.0) {
          r_.error(YamlReader::pos_of(*frequency), "the frequency must be 50 or 60 (Hz)");
        } else {
          site.frequency_hz = *hz;
          const double usual = topology_info(site.topology).frequency_hz_nominal;
          if (topology_known && *hz != usual) {
            r_.warning(YamlReader::pos_of(*frequency),
                       "a " + std::string(topology_info(site.topology).name) +
                           " network is normally " + std::to_string(static_cast<int>(usual)) +
                           " Hz; check the frequency");
          }
        }
      }
    }
    site.latitude_deg = bounded(node, "latitude", "'site'", -90, 90);
    site.longitude_deg = bounded(node, "longitude", "'site'", -180, 180);
    if (auto breaker = r_.child(node, "main_breaker_a", "'site'", true)) {
      site.main_breaker_pos = YamlReader::pos_of(*breaker);
      if (auto amps = r_.number(*breaker, "main_breaker_a")) {
        if (*amps <= 0.0) {
          r_.error(site.main_breaker_pos, "main_breaker_a must be above 0 A");
        } else {
          site.main_breaker_a = *amps;
        }
      }
    }
  }

  void parse_server(const YAML::Node& node, ServerConfig& server) {
    server.pos = YamlReader::pos_of(node);
    if (node.IsNull() || !r_.expect_map(node, "'server'")) {
      return;
    }
    r_.check_keys(node, kServerKeys, "'server'");
    if (auto cert = r_.child(node, "tls_certificate", "'server'", false)) {
      server.tls_certificate = r_.scalar(*cert, "tls_certificate").value_or("");
    }
    if (auto key = r_.child(node, "tls_key", "'server'", false)) {
      server.tls_key = r_.scalar(*key, "tls_key").value_or("");
    }
    if (server.tls_certificate.empty() != server.tls_key.empty()) {
      r_.error(server.pos,
               "'server' needs both tls_certificate and tls_key (PEM files) for HTTPS, or neither");
    }
    if (auto local = r_.child(node, "local_only", "'server'", false)) {
      server.local_only = r_.boolean(*local, "local_only").value_or(false);
    }
    if (auto meter = r_.child(node, "modbus_meter", "'server'", false)) {
      server.modbus_meter = r_.scalar(*meter, "modbus_meter").value_or("");
      const auto colon = server.modbus_meter.rfind(':');
      if (!server.modbus_meter.empty() &&
          (colon == std::string::npos || colon == 0 || colon + 1 == server.modbus_meter.size())) {
        r_.error(YamlReader::pos_of(*meter),
                 "modbus_meter of 'server' must be HOST:PORT, e.g. 0.0.0.0:1502, not " +
                     quoted(server.modbus_meter));
      }
    }
    if (auto mqtt = r_.child(node, "mqtt", "'server'", false)) {
      parse_mqtt(*mqtt, server.mqtt.emplace());
    }
    if (auto history = r_.child(node, "history", "'server'", false)) {
      parse_history(*history, server.history);
    }
  }

  // server.history: {retention: {raw: 35d, 1m: forever, ...}, min_free_mb: 200}.
  void parse_history(const YAML::Node& node, ServerConfig::History& history) {
    const std::string where = "'history' of 'server'";
    if (node.IsNull() || !r_.expect_map(node, where)) {
      return;
    }
    r_.check_keys(node, kHistoryKeys, where);
    history.min_free_mb =
        static_cast<std::int64_t>(bounded(node, "min_free_mb", where, 1, 1'000'000).value_or(200));
    auto retention = r_.child(node, "retention", where, false);
    if (!retention || retention->IsNull() ||
        !r_.expect_map(*retention, "'retention' of 'history'")) {
      return;
    }
    r_.check_keys(*retention, kRetentionKeys, "'retention' of 'history'");
    for (std::size_t k = 0; k < kRetentionKeys.size(); ++k) {
      const std::string_view key = kRetentionKeys[k];
      auto child = r_.child(*retention, key, "'retention'", false);
      if (!child) {
        continue;
      }
      const std::string text = r_.scalar(*child, key).value_or("");
      const auto ms = parse_retention(text);
      const SourcePos pos = YamlReader::pos_of(*child);
      if (!ms) {
        r_.error(pos, std::string(key) +
                          " of 'retention' must be a duration in days, weeks or years (35d, 12w, "
                          "2y) or forever, not " +
                          quoted(text));
        continue;
      }
      if (k == 0) {
        if (*ms != 0 && *ms < 2 * 86'400'000LL) {
          r_.error(pos,
                   "raw of 'retention' must be at least 2d (the rollups are built from "
                   "it), not " +
                       quoted(text));
          continue;
        }
        history.raw_ms = *ms;
      } else {
        history.rollup_ms[k - 1] = *ms;
      }
    }
  }

  // "35d", "12w", "2y" (365 days) as ms; "forever" as 0; nullopt otherwise.
  static std::optional<std::int64_t> parse_retention(const std::string& text) {
    if (text == "forever") {
      return std::int64_t{0};
    }
    if (text.size() < 2 || text.size() > 6) {
      return std::nullopt;
    }
    std::int64_t n = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') {
        return std::nullopt;
      }
      n = n * 10 + (text[i] - '0');
    }
    const char unit = text.back();
    const std::int64_t days = unit == 'd' ? n : unit == 'w' ? 7 * n : unit == 'y' ? 365 * n : -1;
    if (days <= 0) {
      return std::nullopt;
    }
    return days * 86'400'000LL;
  }

  void parse_mqtt(const YAML::Node& node, MqttConfig& mqtt) {
    mqtt.pos = YamlReader::pos_of(node);
    const std::string where = "'mqtt' of 'server'";
    if (node.IsNull() || !r_.expect_map(node, where)) {
      return;
    }
    r_.check_keys(node, kMqttKeys, where);
    auto text = [&](std::string_view key, std::string& out) {
      if (auto child = r_.child(node, key, where, false)) {
        out = r_.scalar(*child, key).value_or("");
      }
    };
    text("url", mqtt.url);
    text("username", mqtt.username);
    text("password_file", mqtt.password_file);
    text("ca_file", mqtt.ca_file);
    text("topic_prefix", mqtt.topic_prefix);
    text("discovery_prefix", mqtt.discovery_prefix);
    if (auto url = r_.child(node, "url", where, false)) {
      if (mqtt.url.rfind("mqtt://", 0) != 0 && mqtt.url.rfind("mqtts://", 0) != 0) {
        r_.error(YamlReader::pos_of(*url),
                 "url of 'mqtt' must be mqtt://HOST[:PORT] or mqtts://HOST[:PORT], not " +
                     quoted(mqtt.url));
      }
    } else {
      r_.error(mqtt.pos, "'mqtt' of 'server' needs a url, e.g. mqtt://192.168.1.5:1883");
    }
    for (auto [key, value] :
         {std::pair<std::string_view, const std::string*>{"topic_prefix", &mqtt.topic_prefix},
          {"discovery_prefix", &mqtt.discovery_prefix}}) {
      if (value->find_first_of("+#") != std::string::npos || value->ends_with("/") ||
          value->starts_with("/") || (key == "discovery_prefix" && value->empty())) {
        r_.error(mqtt.pos, std::string(key) + " of 'mqtt' must be a topic without + or # and " +
                               "without a leading or trailing /, not " + quoted(*value));
      }
    }
    auto flag = [&](std::string_view key, bool& out) {
      if (auto child = r_.child(node, key, where, false)) {
        out = r_.boolean(*child, key).value_or(out);
      }
    };
    flag("discovery", mqtt.discovery);
    flag("read_only", mqtt.read_only);
    flag("uplink", mqtt.uplink);
    mqtt.uplink_days = bounded(node, "uplink_days", where, 0.01, 3650).value_or(30.0);
    mqtt.uplink_batches_per_s =
        static_cast<int>(bounded(node, "uplink_batches_per_s", where, 1, 1000).value_or(1.0));
    mqtt.keepalive_s =
        static_cast<int>(bounded(node, "keepalive_s", where, 5, 3600).value_or(30.0));
    if (auto protocol = r_.child(node, "protocol", where, false)) {
      const std::string version = r_.scalar(*protocol, "protocol").value_or("");
      if (version == "5" || version == "5.0") {
        mqtt.protocol = 5;
      } else if (version == "3.1.1" || version == "4") {
        mqtt.protocol = 4;
      } else {
        r_.error(YamlReader::pos_of(*protocol),
                 "protocol of 'mqtt' must be 5 or 3.1.1, not " + quoted(version));
      }
    }
  }

  // An optional number within [lo, hi]; reports where and why when not.
  std::optional<double> bounded(const YAML::Node& map, std::string_view key, std::string_view where,
                                double lo, double hi) {
    auto node = r_.child(map, key, where, false);
    if (!node) {
      return std::nullopt;
    }
    auto value = r_.number(*node, std::string(key));
    if (value && (*value < lo || *value > hi)) {
      r_.error(YamlReader::pos_of(*node), std::string(key) + " of " + std::string(where) +
                                              " must be between " +
                                              std::to_string(static_cast<int>(lo)) + " and " +
                                              std::to_string(static_cast<int>(hi)));
      return std::nullopt;
    }
    return value;
  }

  void parse_bus(const YAML::Node& node, std::vector<BusDevice>& bus) {
    if (node.IsNull()) {
      return;
    }
    if (!r_.expect_sequence(node, "'bus'")) {
      return;
    }
    for (const YAML::Node& entry : node) {
      if (!r_.expect_map(entry, "a bus entry")) {
        continue;
      }
      BusDevice device;
      device.pos = YamlReader::pos_of(entry);
      const bool is_hub = r_.child(entry, "ct_hub", "", false).has_value();
      const bool is_solid = r_.child(entry, "solid_core_ct", "", false).has_value();
      if (is_hub == is_solid) {
        r_.error(device.pos, is_hub ? "a bus entry is either 'ct_hub' or 'solid_core_ct', not both"
                                    : "a bus entry needs 'ct_hub: ID' or 'solid_core_ct: ID'" +
                                          hint_for_device_key(entry));
        continue;
      }
      device.kind = is_hub ? BusDeviceKind::kCtHub : BusDeviceKind::kSolidCoreCt;
      const BusDeviceInfo& info = bus_device_info(device.kind);
      const std::array<std::string_view, 2> keys = {info.key, "inputs"};
      r_.check_keys(entry, keys, "a " + std::string(info.key) + " entry");
      if (auto id = r_.scalar(*r_.child(entry, info.key, "", true), "the device id")) {
        device.id = *id;
        if (device.id.empty()) {
          r_.error(device.pos, "the device id must not be empty");
        }
      }
      const std::string where = std::string(info.product) + " " + quoted(device.id);
      if (auto inputs = r_.child(entry, "inputs", where, false)) {
        parse_ct_inputs(*inputs, info, where, device.inputs);
      }
      bus.push_back(std::move(device));
    }
  }

  std::string hint_for_device_key(const YAML::Node& entry) {
    constexpr std::array<std::string_view, 2> kDeviceKeys = {"ct_hub", "solid_core_ct"};
    for (const auto& kv : entry) {
      if (kv.first.IsScalar()) {
        std::string hint = common::did_you_mean(kv.first.Scalar(), kDeviceKeys);
        if (!hint.empty()) {
          return hint;
        }
      }
    }
    return {};
  }

  void parse_ct_inputs(const YAML::Node& node, const BusDeviceInfo& info, const std::string& where,
                       std::vector<CtInput>& inputs) {
    if (node.IsNull()) {
      return;
    }
    if (!r_.expect_map(node, "the inputs of " + where)) {
      return;
    }
    const auto ct_names = names_of(all_ct_types());
    for (const auto& kv : node) {
      const auto number = r_.integer(kv.first, "an input number");
      if (!number) {
        continue;
      }
      const SourcePos pos = YamlReader::pos_of(kv.first);
      if (*number < 1 || *number > info.input_count) {
        r_.error(pos, where + " has inputs 1 to " + std::to_string(info.input_count) +
                          "; there is no input " + std::to_string(*number));
        continue;
      }
      if (std::any_of(inputs.begin(), inputs.end(),
                      [&](const CtInput& in) { return in.number == *number; })) {
        r_.error(pos, "input " + std::to_string(*number) + " of " + where + " is configured twice");
        continue;
      }
      const std::string input_where = "input " + std::to_string(*number) + " of " + where;
      if (!r_.expect_map(kv.second, input_where)) {
        continue;
      }
      r_.check_keys(kv.second, kCtInputKeys, input_where);
      CtInput input;
      input.number = *number;
      input.pos = pos;
      bool ok = false;
      if (auto ct = r_.child(kv.second, "ct", input_where, true)) {
        if (auto name = r_.one_of(*ct, "CT type", ct_names)) {
          input.ct = *parse_ct_type(*name);
          ok = true;
        }
      }
      if (auto gain = r_.child(kv.second, "gain", input_where, false)) {
        if (auto value = r_.number(*gain, "the gain")) {
          if (*value < 0.5 || *value > 2.0) {
            r_.error(YamlReader::pos_of(*gain),
                     "the gain of " + input_where + " must be between 0.5 and 2.0");
          } else {
            input.gain = *value;
          }
        }
      }
      if (auto phase = r_.child(kv.second, "phase_deg", input_where, false)) {
        if (auto value = r_.number(*phase, "phase_deg")) {
          if (*value < -20.0 || *value > 20.0) {
            r_.error(YamlReader::pos_of(*phase),
                     "phase_deg of " + input_where + " must be between -20 and 20 degrees");
          } else {
            input.phase_deg = *value;
          }
        }
      }
      if (ok) {
        inputs.push_back(input);
      }
    }
    std::sort(inputs.begin(), inputs.end(),
              [](const CtInput& a, const CtInput& b) { return a.number < b.number; });
  }

  void parse_loads(const YAML::Node& node, std::vector<Load>& loads) {
    if (node.IsNull()) {
      return;
    }
    if (!r_.expect_sequence(node, "'loads'")) {
      return;
    }
    for (const YAML::Node& entry : node) {
      if (!r_.expect_map(entry, "a load")) {
        continue;
      }
      Load load;
      load.pos = YamlReader::pos_of(entry);
      r_.check_keys(entry, kLoadKeys, "a load");
      if (auto name = r_.child(entry, "name", "a load", true)) {
        load.name_pos = YamlReader::pos_of(*name);
        if (auto text = r_.scalar(*name, "the load name")) {
          load.name = *text;
        }
      }
      const std::string where = load.name.empty() ? "a load" : "load " + quoted(load.name);
      bool kind_known = false;
      if (auto kind = r_.child(entry, "kind", where, true)) {
        if (auto text = r_.one_of(*kind, "load kind", kLoadKinds)) {
          load.kind = *parse_load_kind(*text);
          kind_known = true;
        }
      }
      if (auto breaker = r_.child(entry, "breaker_a", where, false)) {
        load.breaker_pos = YamlReader::pos_of(*breaker);
        if (auto amps = r_.number(*breaker, "breaker_a")) {
          if (*amps <= 0.0) {
            r_.error(load.breaker_pos, "breaker_a of " + where + " must be above 0 A");
          } else {
            load.breaker_a = *amps;
          }
        }
      }
      load.tilt_deg = bounded(entry, "tilt_deg", where, 0, 90);
      load.azimuth_deg = bounded(entry, "azimuth_deg", where, 0, 360);
      if ((load.tilt_deg || load.azimuth_deg) && load.kind != LoadKind::kSolar) {
        r_.warning(load.pos, where +
                                 ": tilt_deg and azimuth_deg describe solar panels; they are "
                                 "ignored on a load of kind '" +
                                 std::string(load_kind_name(load.kind)) + "'");
      }
      parse_equipment(entry, where, kind_known, load);
      parse_channels(entry, where, load);
      loads.push_back(std::move(load));
    }
  }

  // capacity_kwh, power_kw, kwp, ...: each in (0, max] and on its kind of
  // load only. With an unknown kind (already reported) the kind is not checked.
  void parse_equipment(const YAML::Node& entry, const std::string& where, bool kind_known,
                       Load& load) {
    for (const EquipmentKey& k : kEquipmentKeys) {
      auto node = r_.child(entry, k.key, where, false);
      if (!node) {
        continue;
      }
      const SourcePos pos = YamlReader::pos_of(*node);
      load.*k.pos = pos;
      const auto value = r_.number(*node, k.key);
      if (!value) {
        continue;
      }
      if (kind_known && load.kind != k.kind) {
        r_.error(pos, std::string(k.key) + " of " + where + " applies to loads of kind '" +
                          std::string(load_kind_name(k.kind)) + "' only; this load is '" +
                          std::string(load_kind_name(load.kind)) + "'");
        continue;
      }
      if (!(*value > 0.0 && *value <= k.max)) {
        r_.error(pos, std::string(k.key) + " of " + where + " must be above 0 and at most " +
                          common::shortest_number(k.max) + " " + std::string(k.unit) + ", not " +
                          common::shortest_number(*value));
        continue;
      }
      load.*k.value = *value;
    }
  }

  void parse_channels(const YAML::Node& entry, const std::string& where, Load& load) {
    struct Item {
      std::string text;
      SourcePos pos;
    };
    auto read_list = [&](std::string_view key, std::vector<Item>& items,
                         SourcePos& list_pos) -> bool {
      auto list = r_.child(entry, key, where, key == "phases");
      if (!list) {
        return false;
      }
      list_pos = YamlReader::pos_of(*list);
      if (!r_.expect_sequence(*list, quoted(key) + " of " + where)) {
        return false;
      }
      for (const YAML::Node& item : *list) {
        if (auto text = r_.scalar(item, "an entry of " + quoted(key))) {
          items.push_back({*text, YamlReader::pos_of(item)});
        } else {
          return false;
        }
      }
      return true;
    };
    std::vector<Item> phases;
    std::vector<Item> inputs;
    std::vector<Item> reversed;
    SourcePos phases_pos;
    SourcePos inputs_pos;
    SourcePos reversed_pos;
    const bool phases_ok = read_list("phases", phases, phases_pos);
    if (!r_.child(entry, "inputs", where, false)) {
      // No CT inputs: a device measures the load (checked with the devices);
      // its phases say which conductors it is wired to.
      for (const Item& phase : phases) {
        if (auto parsed = parse_phase(phase.text)) {
          load.device_phases.push_back(*parsed);
        } else {
          r_.error(phase.pos, "unknown phase " + quoted(phase.text) +
                                  common::did_you_mean(phase.text, kPhases) + "; use L1, L2 or L3");
        }
      }
      if (r_.child(entry, "reversed", where, false)) {
        r_.warning(load.pos, where + ": 'reversed' flips CT inputs; this load has none");
      }
      return;
    }
    const bool inputs_ok = read_list("inputs", inputs, inputs_pos);
    const bool has_reversed = r_.child(entry, "reversed", where, false).has_value();
    const bool reversed_ok = has_reversed && read_list("reversed", reversed, reversed_pos);
    if (!phases_ok || !inputs_ok || (has_reversed && !reversed_ok)) {
      return;
    }
    if (inputs.empty()) {
      r_.error(inputs_pos, where + " needs at least one input");
      return;
    }
    if (phases.size() != inputs.size()) {
      r_.error(phases_pos, where + " has " + std::to_string(phases.size()) + " phase(s) but " +
                               std::to_string(inputs.size()) +
                               " input(s); give one phase for each input");
      return;
    }
    if (has_reversed && reversed.size() != inputs.size()) {
      r_.error(reversed_pos, "'reversed' of " + where + " has " + std::to_string(reversed.size()) +
                                 " entries but the load has " + std::to_string(inputs.size()) +
                                 " input(s); give one true/false for each input");
      return;
    }
    bool ok = true;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      LoadChannel channel;
      channel.phase_pos = phases[i].pos;
      channel.input_pos = inputs[i].pos;
      if (auto phase = parse_phase(phases[i].text)) {
        channel.phase = *phase;
      } else {
        r_.error(phases[i].pos, "unknown phase " + quoted(phases[i].text) +
                                    common::did_you_mean(phases[i].text, kPhases) +
                                    "; use L1, L2 or L3");
        ok = false;
      }
      if (auto ref = parse_input_ref(inputs[i].text)) {
        channel.input = *ref;
      } else {
        r_.error(inputs[i].pos,
                 "input " + quoted(inputs[i].text) + " must be written DEVICE/NUMBER, e.g. hub1/3");
        ok = false;
      }
      if (has_reversed) {
        channel.reversed_pos = reversed[i].pos;
        if (reversed[i].text == "true" || reversed[i].text == "false") {
          channel.reversed = reversed[i].text == "true";
        } else {
          r_.error(reversed[i].pos,
                   "'reversed' entries must be true or false, not " + quoted(reversed[i].text));
          ok = false;
        }
      }
      load.channels.push_back(channel);
    }
    if (!ok) {
      load.channels.clear();
    }
  }

  void parse_modules(const YAML::Node& node, std::vector<Module>& modules) {
    if (node.IsNull()) {
      return;
    }
    if (!r_.expect_sequence(node, "'modules'")) {
      return;
    }
    for (const YAML::Node& entry : node) {
      if (!r_.expect_map(entry, "a module")) {
        continue;
      }
      Module module;
      module.pos = YamlReader::pos_of(entry);
      const bool is_input = r_.child(entry, "input_module", "", false).has_value();
      const bool is_output = r_.child(entry, "output_module", "", false).has_value();
      if (is_input == is_output) {
        r_.error(module.pos, is_input
                                 ? "a module is either 'input_module' or 'output_module', not both"
                                 : "a module needs 'input_module: ID' or 'output_module: ID'");
        continue;
      }
      module.kind = is_input ? ModuleKind::kInput : ModuleKind::kOutput;
      const std::string_view key = is_input ? "input_module" : "output_module";
      const std::string_view list_key = is_input ? "inputs" : "outputs";
      const std::array<std::string_view, 2> keys = {key, list_key};
      r_.check_keys(entry, keys, "an " + std::string(key) + " entry");
      if (auto id = r_.scalar(*r_.child(entry, key, "", true), "the module id")) {
        module.id = *id;
      }
      const std::string where =
          std::string(is_input ? "Input module " : "Output module ") + quoted(module.id);
      if (auto list = r_.child(entry, list_key, where, false)) {
        if (is_input) {
          parse_module_inputs(*list, where, module.inputs);
        } else {
          parse_module_outputs(*list, where, module.outputs);
        }
      }
      modules.push_back(std::move(module));
    }
  }

  // Shared shape of module inputs and outputs: a map of number -> settings.
  template <typename Fn>
  void for_each_numbered(const YAML::Node& node, const std::string& where, int count,
                         std::string_view noun, Fn&& fn) {
    if (node.IsNull()) {
      return;
    }
    if (!r_.expect_map(node, "the " + std::string(noun) + "s of " + where)) {
      return;
    }
    std::vector<int> seen;
    for (const auto& kv : node) {
      const auto number = r_.integer(kv.first, "an " + std::string(noun) + " number");
      if (!number) {
        continue;
      }
      const SourcePos pos = YamlReader::pos_of(kv.first);
      if (*number < 1 || *number > count) {
        r_.error(pos, where + " has " + std::string(noun) + "s 1 to " + std::to_string(count) +
                          "; there is no " + std::string(noun) + " " + std::to_string(*number));
        continue;
      }
      if (std::find(seen.begin(), seen.end(), *number) != seen.end()) {
        r_.error(pos, std::string(noun) + " " + std::to_string(*number) + " of " + where +
                          " is configured twice");
        continue;
      }
      seen.push_back(*number);
      const std::string item_where =
          std::string(noun) + " " + std::to_string(*number) + " of " + where;
      if (r_.expect_map(kv.second, item_where)) {
        fn(*number, pos, kv.second, item_where);
      }
    }
  }

  void parse_module_inputs(const YAML::Node& node, const std::string& where,
                           std::vector<ModuleInput>& inputs) {
    for_each_numbered(
        node, where, kInputModuleInputs, "input",
        [&](int number, SourcePos pos, const YAML::Node& item, const std::string& item_where) {
          r_.check_keys(item, kModuleInputKeys, item_where);
          ModuleInput input;
          input.number = number;
          input.pos = pos;
          if (auto kind = r_.child(item, "kind", item_where, true)) {
            if (auto text = r_.one_of(*kind, "input kind", kModuleInputKinds)) {
              input.kind = *text == "pulse" ? ModuleInputKind::kPulse : ModuleInputKind::kStatus;
            }
          }
          if (auto name = r_.child(item, "name", item_where, true)) {
            input.name = r_.scalar(*name, "the input name").value_or("");
          }
          if (auto unit = r_.child(item, "unit", item_where, false)) {
            input.unit = r_.scalar(*unit, "the unit").value_or("");
          }
          if (auto ppu = r_.child(item, "pulses_per_unit", item_where, false)) {
            input.pulses_pos = YamlReader::pos_of(*ppu);
            input.pulses_per_unit = r_.number(*ppu, "pulses_per_unit").value_or(-1);
          }
          inputs.push_back(std::move(input));
        });
  }

  void parse_module_outputs(const YAML::Node& node, const std::string& where,
                            std::vector<ModuleOutput>& outputs) {
    for_each_numbered(
        node, where, kOutputModuleOutputs, "output",
        [&](int number, SourcePos pos, const YAML::Node& item, const std::string& item_where) {
          r_.check_keys(item, kModuleOutputKeys, item_where);
          ModuleOutput output;
          output.number = number;
          output.pos = pos;
          if (auto name = r_.child(item, "name", item_where, true)) {
            output.name = r_.scalar(*name, "the output name").value_or("");
          }
          if (auto contact = r_.child(item, "contact", item_where, false)) {
            if (auto text = r_.one_of(*contact, "contact", kContacts)) {
              output.contact = *text == "NO" ? Contact::kNormallyOpen : Contact::kNormallyClosed;
            }
          }
          outputs.push_back(std::move(output));
        });
  }

  YamlReader r_;
};

void sort_diagnostics(std::vector<Diagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.pos.line != b.pos.line) {
                       return a.pos.line < b.pos.line;
                     }
                     return a.pos.column < b.pos.column;
                   });
}

}  // namespace

std::string format_diagnostic(std::string_view file, const Diagnostic& diagnostic) {
  const int line = std::max(diagnostic.pos.line, 1);
  const int column = std::max(diagnostic.pos.column, 1);
  return std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
         (diagnostic.severity == Severity::kError ? "error: " : "warning: ") + diagnostic.message;
}

bool CheckResult::has_errors() const { return error_count() > 0; }

int CheckResult::error_count() const {
  return static_cast<int>(std::count_if(diagnostics.begin(), diagnostics.end(), [](const auto& d) {
    return d.severity == Severity::kError;
  }));
}

int CheckResult::warning_count() const {
  return static_cast<int>(diagnostics.size()) - error_count();
}

CheckResult parse_installation(std::string_view yaml_text) {
  CheckResult result;
  if (yaml_text.size() > kMaxFileBytes) {
    result.diagnostics.push_back({{1, 1},
                                  Severity::kError,
                                  "the file is larger than 1 MiB; it is not an installation file"});
    return result;
  }
  // Names end up in JSON, logs and the history: text that is not UTF-8 is
  // refused here, at its position, rather than failing later in the daemon.
  if (const auto bad = common::first_invalid_utf8(yaml_text)) {
    const std::string_view before = yaml_text.substr(0, *bad);
    const auto line_start = before.rfind('\n');
    const int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    const int column =
        1 + static_cast<int>(line_start == std::string_view::npos ? *bad : *bad - line_start - 1);
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(yaml_text[*bad]));
    result.diagnostics.push_back(
        {{line, column},
         Severity::kError,
         std::string("the text is not valid UTF-8 (byte ") + byte + "); save the file as UTF-8"});
    return result;
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; a mark of -1 means "unknown".
    const SourcePos pos{e.mark.is_null() ? 1 : e.mark.line + 1,
                        e.mark.is_null() ? 1 : e.mark.column + 1};
    result.diagnostics.push_back({pos, Severity::kError, "YAML syntax: " + e.msg});
    return result;
  }
  InstallationParser parser(result.diagnostics);
  result.installation = parser.parse(root);
  sort_diagnostics(result.diagnostics);
  return result;
}

CheckResult check_installation(std::string_view yaml_text) {
  CheckResult result = parse_installation(yaml_text);
  if (result.installation) {
    auto rules = validate_installation(*result.installation);
    result.diagnostics.insert(result.diagnostics.end(), rules.begin(), rules.end());
    sort_diagnostics(result.diagnostics);
  }
  return result;
}

std::vector<Diagnostic> load_tariff_prices(Installation& installation,
                                           const std::string& base_dir) {
  auto& tariff = installation.control.tariff;
  if (tariff.prices_file.empty()) {
    return {};
  }
  const std::string& file = tariff.prices_file;
  const std::string full = file.front() == '/' || base_dir.empty() ? file : base_dir + "/" + file;
  auto series = PriceSeries::load(full);
  if (!series) {
    return {{tariff.prices_pos, Severity::kError, "prices of 'tariff': " + series.error().message}};
  }
  tariff.prices = std::make_shared<const PriceSeries>(std::move(*series));
  return {};
}

CheckResult check_installation(std::string_view yaml_text, const std::string& base_dir) {
  CheckResult result = check_installation(yaml_text);
  if (result.installation) {
    auto problems = load_tariff_prices(*result.installation, base_dir);
    result.diagnostics.insert(result.diagnostics.end(), problems.begin(), problems.end());
    sort_diagnostics(result.diagnostics);
  }
  return result;
}

namespace {

common::Result<Installation> installation_or_errors(CheckResult result, const std::string& label) {
  if (result.has_errors() || !result.installation) {
    std::string message;
    for (const auto& diagnostic : result.diagnostics) {
      if (diagnostic.severity == Severity::kError) {
        message += (message.empty() ? "" : "\n") + format_diagnostic(label, diagnostic);
      }
    }
    return common::make_error(common::ErrorKind::kInvalidArgument, message);
  }
  return std::move(*result.installation);
}

}  // namespace

common::Result<Installation> load_installation_text(std::string_view text,
                                                    const std::string& label) {
  return installation_or_errors(check_installation(text), label);
}

common::Result<Installation> load_installation_file(const std::string& path) {
  const auto text = common::read_file(path);
  if (!text) {
    return common::make_error(common::ErrorKind::kIoError,
                              path + ": cannot read the installation file");
  }
  // The directory part of the path ("" for a file in the working directory).
  const auto slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? "" : path.substr(0, slash == 0 ? 1 : slash);
  return installation_or_errors(check_installation(*text, base), path);
}

}  // namespace kirchhoff::model
