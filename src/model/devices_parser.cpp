#include "model/devices_parser.hpp"

#include <array>
#include <charconv>
#include <map>
#include <string>

namespace kirchhoff::model::detail {

namespace {

constexpr std::array<std::string_view, 8> kDeviceKeys = {"name",    "driver", "load", "map",
                                                         "poll_ms", "modbus", "p1",   "mqtt"};
constexpr std::array<std::string_view, 4> kDrivers = {"p1", "sunspec", "modbus", "mqtt"};
constexpr std::array<std::string_view, 8> kModbusKeys = {
    "tcp", "rtu", "unit", "baud", "parity", "data_bits", "stop_bits", "timeout_ms"};
constexpr std::array<std::string_view, 3> kP1Keys = {"tcp", "serial", "baud"};
constexpr std::array<std::string_view, 16> kMqttKeys = {"broker",
                                                        "username",
                                                        "password_file",
                                                        "ca_file",
                                                        "power_topic",
                                                        "power_path",
                                                        "energy_topic",
                                                        "energy_path",
                                                        "energy_unit",
                                                        "stale_s",
                                                        "relay_command_topic",
                                                        "relay_on_payload",
                                                        "relay_off_payload",
                                                        "relay_state_topic",
                                                        "relay_state_path",
                                                        "relay_state_on"};
constexpr std::array<std::string_view, 3> kEnergyUnits = {"Wh", "kWh", "Wmin"};
constexpr int kMaxStaleS = 86400;
constexpr std::array<std::string_view, 3> kParities = {"N", "E", "O"};
constexpr std::array<int, 8> kBauds = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// "host:port" with a port of 1 to 65535 and a non-empty host.
bool is_host_port(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return false;
  }
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  return ec == std::errc() && end == last && port >= 1 && port <= 65535;
}

class DevicesParser {
 public:
  explicit DevicesParser(YamlReader& r) : r_(r) {}

  void parse(const YAML::Node& node, std::vector<DeviceConfig>& devices) {
    if (node.IsNull() || !r_.expect_sequence(node, "'devices'")) {
      return;
    }
    for (const YAML::Node& entry : node) {
      if (!r_.expect_map(entry, "a device")) {
        continue;
      }
      devices.push_back(parse_device(entry));
    }
  }

 private:
  DeviceConfig parse_device(const YAML::Node& entry) {
    DeviceConfig device;
    device.pos = YamlReader::pos_of(entry);
    r_.check_keys(entry, kDeviceKeys, "a device");
    if (auto name = r_.child(entry, "name", "a device", true)) {
      device.name_pos = YamlReader::pos_of(*name);
      device.name = r_.scalar(*name, "the device name").value_or("");
    }
    const std::string where = device.name.empty() ? "a device" : "device " + quoted(device.name);
    if (auto driver = r_.child(entry, "driver", where, true)) {
      device.driver_pos = YamlReader::pos_of(*driver);
      device.driver = r_.one_of(*driver, "driver", kDrivers).value_or("");
    }
    if (auto load = r_.child(entry, "load", where, false)) {
      device.load_pos = YamlReader::pos_of(*load);
      device.load = r_.scalar(*load, "load").value_or("");
    }
    if (auto map = r_.child(entry, "map", where, false)) {
      device.map_pos = YamlReader::pos_of(*map);
      device.map = r_.scalar(*map, "map").value_or("");
    }
    if (auto poll = r_.child(entry, "poll_ms", where, false)) {
      if (auto ms = r_.integer(*poll, "poll_ms")) {
        if (*ms < 100 || *ms > 60000) {
          r_.error(YamlReader::pos_of(*poll),
                   "poll_ms of " + where + " must be between 100 and 60000 (1 minute)");
        } else {
          device.poll_ms = *ms;
        }
      }
    }
    if (auto modbus = r_.child(entry, "modbus", where, false)) {
      device.modbus = parse_modbus(*modbus, where);
    }
    if (auto p1 = r_.child(entry, "p1", where, false)) {
      device.p1 = parse_p1(*p1, where);
    }
    if (auto mqtt = r_.child(entry, "mqtt", where, false)) {
      device.mqtt = parse_mqtt(*mqtt, where);
    }
    check_driver_needs(device, where);
    return device;
  }

  // What each driver needs: an endpoint of its kind, a register map.
  void check_driver_needs(const DeviceConfig& device, const std::string& where) {
    const bool wants_modbus = device.driver == "sunspec" || device.driver == "modbus";
    if (device.driver == "p1" && !device.p1) {
      r_.error(device.pos, where +
                               " (driver p1) needs 'p1: {tcp: HOST:PORT}' or "
                               "'p1: {serial: /dev/ttyUSB0}'");
    }
    if (wants_modbus && !device.modbus) {
      r_.error(device.pos, where + " (driver " + device.driver +
                               ") needs 'modbus: {tcp: HOST:PORT, unit: N}' or "
                               "'modbus: {rtu: /dev/ttyUSB0, baud: 9600, unit: N}'");
    }
    if (device.modbus && !wants_modbus && !device.driver.empty()) {
      r_.error(device.modbus->pos,
               "'modbus' belongs to the sunspec and modbus drivers, not to " + device.driver);
    }
    if (device.p1 && device.driver != "p1" && !device.driver.empty()) {
      r_.error(device.p1->pos, "'p1' belongs to the p1 driver, not to " + device.driver);
    }
    if (device.driver == "modbus" && device.map.empty()) {
      r_.error(device.pos, where +
                               " (driver modbus) needs 'map': a register map shipped with "
                               "Kirchhoff (e.g. eastron-sdm630) or the path of your own map file");
    }
    if (!device.map.empty() && device.driver != "modbus" && !device.driver.empty()) {
      r_.error(device.map_pos,
               "'map' is for the modbus driver; " + device.driver + " devices describe themselves");
    }
    if (device.driver == "mqtt" && !device.mqtt) {
      r_.error(device.pos, where +
                               " (driver mqtt) needs 'mqtt: {power_topic: TOPIC}' and, for JSON "
                               "payloads, 'power_path'");
    }
    if (device.mqtt && device.driver != "mqtt" && !device.driver.empty()) {
      r_.error(device.mqtt->pos, "'mqtt' belongs to the mqtt driver, not to " + device.driver);
    }
  }

  // Exactly one of two keys, each a non-empty text.
  void one_endpoint(const YAML::Node& node, std::string_view a, std::string_view b,
                    const std::string& where, std::string& out_a, std::string& out_b) {
    if (auto x = r_.child(node, a, where, false)) {
      out_a = r_.scalar(*x, std::string(a)).value_or("");
    }
    if (auto y = r_.child(node, b, where, false)) {
      out_b = r_.scalar(*y, std::string(b)).value_or("");
    }
    if (out_a.empty() == out_b.empty()) {
      r_.error(YamlReader::pos_of(node), where + " needs exactly one of '" + std::string(a) +
                                             "' and '" + std::string(b) + "'");
    }
  }

  void check_tcp(const YAML::Node& node, const std::string& text, const std::string& where) {
    if (!text.empty() && !is_host_port(text)) {
      r_.error(
          YamlReader::pos_of(node["tcp"]),
          "tcp of " + where + " must be HOST:PORT, e.g. 192.168.1.20:502, not " + quoted(text));
    }
  }

  void check_serial(const YAML::Node& node, std::string_view key, const std::string& text,
                    const std::string& where) {
    if (!text.empty() && text.front() != '/') {
      r_.error(YamlReader::pos_of(node[std::string(key)]),
               std::string(key) + " of " + where + " must be a device path such as /dev/ttyUSB0");
    }
  }

  std::optional<int> baud(const YAML::Node& node, const std::string& where) {
    auto child = r_.child(node, "baud", where, false);
    if (!child) {
      return std::nullopt;
    }
    auto value = r_.integer(*child, "baud");
    if (value && std::find(kBauds.begin(), kBauds.end(), *value) == kBauds.end()) {
      r_.error(YamlReader::pos_of(*child),
               "baud of " + where + " must be a standard rate (1200 to 115200)");
      return std::nullopt;
    }
    return value;
  }

  ModbusEndpointConfig parse_modbus(const YAML::Node& node, const std::string& device_where) {
    ModbusEndpointConfig modbus;
    modbus.pos = YamlReader::pos_of(node);
    const std::string where = "'modbus' of " + device_where;
    if (!r_.expect_map(node, where)) {
      return modbus;
    }
    r_.check_keys(node, kModbusKeys, where);
    one_endpoint(node, "tcp", "rtu", where, modbus.tcp, modbus.rtu);
    check_tcp(node, modbus.tcp, where);
    check_serial(node, "rtu", modbus.rtu, where);
    if (auto unit = r_.child(node, "unit", where, false)) {
      if (auto value = r_.integer(*unit, "unit")) {
        if (*value < 0 || *value > 255 || (!modbus.rtu.empty() && (*value < 1 || *value > 247))) {
          r_.error(YamlReader::pos_of(*unit),
                   "unit of " + where + " must be 1 to 247 on RTU, 0 to 255 over TCP");
        } else {
          modbus.unit = *value;
        }
      }
    }
    modbus.baud = baud(node, where).value_or(modbus.baud);
    if (auto parity = r_.child(node, "parity", where, false)) {
      if (auto text = r_.one_of(*parity, "parity", kParities)) {
        modbus.parity = text->front();
      }
    }
    if (auto bits = r_.child(node, "data_bits", where, false)) {
      auto value = r_.integer(*bits, "data_bits");
      if (value && *value != 7 && *value != 8) {
        r_.error(YamlReader::pos_of(*bits), "data_bits of " + where + " must be 7 or 8");
      } else if (value) {
        modbus.data_bits = *value;
      }
    }
    if (auto bits = r_.child(node, "stop_bits", where, false)) {
      auto value = r_.integer(*bits, "stop_bits");
      if (value && *value != 1 && *value != 2) {
        r_.error(YamlReader::pos_of(*bits), "stop_bits of " + where + " must be 1 or 2");
      } else if (value) {
        modbus.stop_bits = *value;
      }
    }
    if (auto timeout = r_.child(node, "timeout_ms", where, false)) {
      auto value = r_.integer(*timeout, "timeout_ms");
      if (value && (*value < 10 || *value > 10000)) {
        r_.error(YamlReader::pos_of(*timeout),
                 "timeout_ms of " + where + " must be between 10 and 10000");
      } else if (value) {
        modbus.timeout_ms = *value;
      }
    }
    if (!modbus.tcp.empty()) {
      for (std::string_view serial_only : {"baud", "parity", "data_bits", "stop_bits"}) {
        if (node[std::string(serial_only)]) {
          r_.warning(YamlReader::pos_of(node[std::string(serial_only)]),
                     std::string(serial_only) + " of " + where +
                         " applies to RTU only; it is ignored over TCP");
        }
      }
    }
    return modbus;
  }

  P1EndpointConfig parse_p1(const YAML::Node& node, const std::string& device_where) {
    P1EndpointConfig p1;
    p1.pos = YamlReader::pos_of(node);
    const std::string where = "'p1' of " + device_where;
    if (!r_.expect_map(node, where)) {
      return p1;
    }
    r_.check_keys(node, kP1Keys, where);
    one_endpoint(node, "tcp", "serial", where, p1.tcp, p1.serial);
    check_tcp(node, p1.tcp, where);
    check_serial(node, "serial", p1.serial, where);
    if (auto rate = baud(node, where)) {
      if (*rate != 115200 && *rate != 9600) {
        r_.error(
            YamlReader::pos_of(node["baud"]),
            "baud of " + where + " must be 115200 (DSMR 4 and 5, e-MUCS) or 9600 (DSMR 2.2 and 3)");
      } else {
        p1.baud = *rate;
      }
    }
    return p1;
  }

  // A text that may be left empty (`power_path:` with no value).
  std::optional<std::string> text_or_empty(const YAML::Node& node, std::string_view what) {
    if (node.IsNull()) {
      return std::string();
    }
    return r_.scalar(node, what);
  }

  // An exact topic to subscribe or publish to: not empty, no wildcards, no
  // NUL (MQTT 3.1.1 section 4.7: wildcards are for filters; a name is UTF-8
  // without U+0000). Returns empty after reporting.
  std::string topic(const YAML::Node& map, std::string_view key, const std::string& where,
                    bool required) {
    auto node = r_.child(map, key, where, required);
    if (!node) {
      return {};
    }
    const std::string what = std::string(key) + " of " + where;
    auto text = text_or_empty(*node, what);
    if (!text) {
      return {};
    }
    if (text->empty()) {
      r_.error(YamlReader::pos_of(*node), what + " must not be empty");
      return {};
    }
    if (text->find_first_of("+#") != std::string::npos) {
      r_.error(YamlReader::pos_of(*node), what +
                                              " must be one exact topic, without the wildcards "
                                              "'+' and '#': " +
                                              quoted(*text));
      return {};
    }
    if (text->find('\0') != std::string::npos || text->size() > 65535) {
      r_.error(YamlReader::pos_of(*node), what + " is not a valid MQTT topic");
      return {};
    }
    return *text;
  }

  JsonPath path(const YAML::Node& map, std::string_view key, const std::string& where) {
    auto node = r_.child(map, key, where, false);
    if (!node) {
      return {};
    }
    const std::string what = std::string(key) + " of " + where;
    auto text = text_or_empty(*node, what);
    if (!text) {
      return {};
    }
    auto parsed = parse_json_path(*text);
    if (!parsed) {
      r_.error(YamlReader::pos_of(*node), what +
                                              " is not a JSON path (keys separated by dots, "
                                              "[N] indices, e.g. ENERGY.Power): " +
                                              parsed.error().message);
      return {};
    }
    return std::move(*parsed);
  }

  std::string text(const YAML::Node& map, std::string_view key, const std::string& where,
                   std::string fallback) {
    if (auto node = r_.child(map, key, where, false)) {
      auto value = r_.scalar(*node, std::string(key) + " of " + where);
      if (value && value->empty()) {
        r_.error(YamlReader::pos_of(*node),
                 std::string(key) + " of " + where + " must not be empty");
      } else if (value) {
        return *value;
      }
    }
    return fallback;
  }

  MqttDeviceConfig parse_mqtt(const YAML::Node& node, const std::string& device_where) {
    MqttDeviceConfig mqtt;
    mqtt.pos = YamlReader::pos_of(node);
    const std::string where = "'mqtt' of " + device_where;
    if (!r_.expect_map(node, where)) {
      return mqtt;
    }
    r_.check_keys(node, kMqttKeys, where);
    if (auto broker = r_.child(node, "broker", where, false)) {
      if (auto url = r_.scalar(*broker, "broker of " + where)) {
        const bool tls = url->starts_with("mqtts://");
        const std::size_t scheme = tls ? 8 : 7;
        if (!tls && !url->starts_with("mqtt://")) {
          r_.error(YamlReader::pos_of(*broker),
                   "broker of " + where +
                       " must be mqtt://HOST[:PORT] or mqtts://HOST[:PORT], not " + quoted(*url));
        } else if (url->size() == scheme || url->find_first_of("/ ", scheme) != std::string::npos) {
          r_.error(YamlReader::pos_of(*broker),
                   "broker of " + where + " needs a host, e.g. mqtt://192.168.1.5:1883, not " +
                       quoted(*url));
        } else {
          mqtt.broker = *url;
        }
      }
    }
    mqtt.username = text(node, "username", where, "");
    if (auto file = r_.child(node, "password_file", where, false)) {
      mqtt.password_file_pos = YamlReader::pos_of(*file);
      mqtt.password_file = text(node, "password_file", where, "");
      const bool url_user = mqtt.broker.find('@') != std::string::npos;
      if (!mqtt.password_file.empty() && mqtt.username.empty() && !url_user) {
        r_.error(mqtt.password_file_pos, "a password needs a user: give 'username' in " + where +
                                             " or one in the broker URL (mqtt://user@host)");
      }
    }
    if (auto file = r_.child(node, "ca_file", where, false)) {
      mqtt.ca_file_pos = YamlReader::pos_of(*file);
      mqtt.ca_file = text(node, "ca_file", where, "");
      if (!mqtt.broker.empty() && !mqtt.broker.starts_with("mqtts://")) {
        r_.error(mqtt.ca_file_pos, "ca_file of " + where + " is for a TLS broker (mqtts://)");
      }
    }
    mqtt.power_topic = topic(node, "power_topic", where, true);
    mqtt.power_path = path(node, "power_path", where);

    mqtt.energy_topic = topic(node, "energy_topic", where, false);
    mqtt.energy_path = path(node, "energy_path", where);
    if (auto unit = r_.child(node, "energy_unit", where, false)) {
      if (auto name = r_.one_of(*unit, "energy_unit", kEnergyUnits)) {
        mqtt.energy_unit = *name;
        mqtt.energy_wh_per_unit = *name == "kWh" ? 1000.0 : *name == "Wmin" ? 1.0 / 60.0 : 1.0;
      }
    }
    if (node["energy_topic"] && !mqtt.energy_topic.empty() && !node["energy_unit"]) {
      r_.error(YamlReader::pos_of(node["energy_topic"]),
               "energy_topic of " + where +
                   " needs 'energy_unit': Wh, kWh or Wmin (watt-minutes, "
                   "Shelly Gen 1)");
    }
    for (std::string_view key : {"energy_path", "energy_unit"}) {
      if (node[std::string(key)] && !node["energy_topic"]) {
        r_.error(YamlReader::pos_of(node[std::string(key)]),
                 std::string(key) + " of " + where + " goes with 'energy_topic', which is missing");
      }
    }
    if (auto stale = r_.child(node, "stale_s", where, false)) {
      auto value = r_.integer(*stale, "stale_s of " + where);
      if (value && (*value < 1 || *value > kMaxStaleS)) {
        r_.error(YamlReader::pos_of(*stale), "stale_s of " + where + " must be between 1 and " +
                                                 std::to_string(kMaxStaleS) + " (a day)");
      } else if (value) {
        mqtt.stale_s = *value;
      }
    }

    mqtt.relay_command_topic = topic(node, "relay_command_topic", where, false);
    mqtt.relay_on_payload = text(node, "relay_on_payload", where, mqtt.relay_on_payload);
    mqtt.relay_off_payload = text(node, "relay_off_payload", where, mqtt.relay_off_payload);
    if (mqtt.relay_on_payload == mqtt.relay_off_payload &&
        (node["relay_off_payload"] || node["relay_on_payload"])) {
      r_.error(YamlReader::pos_of(node["relay_off_payload"] ? node["relay_off_payload"]
                                                            : node["relay_on_payload"]),
               "relay_off_payload of " + where + " must differ from relay_on_payload " +
                   quoted(mqtt.relay_on_payload));
    }
    for (std::string_view key : {"relay_on_payload", "relay_off_payload"}) {
      if (node[std::string(key)] && !node["relay_command_topic"]) {
        r_.error(YamlReader::pos_of(node[std::string(key)]),
                 std::string(key) + " of " + where +
                     " goes with 'relay_command_topic', which is missing");
      }
    }
    mqtt.relay_state_topic = topic(node, "relay_state_topic", where, false);
    mqtt.relay_state_path = path(node, "relay_state_path", where);
    mqtt.relay_state_on = text(node, "relay_state_on", where, mqtt.relay_state_on);
    for (std::string_view key : {"relay_state_path", "relay_state_on"}) {
      if (node[std::string(key)] && !node["relay_state_topic"]) {
        r_.error(
            YamlReader::pos_of(node[std::string(key)]),
            std::string(key) + " of " + where + " goes with 'relay_state_topic', which is missing");
      }
    }
    return mqtt;
  }

  YamlReader& r_;
};

}  // namespace

void parse_devices(const YAML::Node& node, YamlReader& reader, std::vector<DeviceConfig>& devices) {
  DevicesParser(reader).parse(node, devices);
}

std::vector<Diagnostic> validate_devices(const Installation& inst) {
  std::vector<Diagnostic> out;
  auto error = [&](SourcePos pos, std::string message) {
    out.push_back({pos, Severity::kError, std::move(message)});
  };
  std::map<std::string, SourcePos> names;
  std::map<std::string, const DeviceConfig*> by_load;
  for (const DeviceConfig& device : inst.devices) {
    if (!device.name.empty()) {
      auto [it, inserted] = names.emplace(device.name, device.name_pos);
      if (!inserted) {
        error(device.name_pos, "device name " + quoted(device.name) + " is already used on line " +
                                   std::to_string(it->second.line) +
                                   "; every device needs its own name");
      }
    }
    if (device.load.empty()) {
      continue;
    }
    const Load* load = inst.find_load(device.load);
    if (load == nullptr) {
      error(device.load_pos, "device " + quoted(device.name) + " names the load " +
                                 quoted(device.load) + ", which is not among the loads");
      continue;
    }
    auto [it, inserted] = by_load.emplace(device.load, &device);
    if (!inserted) {
      error(device.load_pos, "the load " + quoted(device.load) + " has a device already (" +
                                 quoted(it->second->name) + " on line " +
                                 std::to_string(it->second->pos.line) +
                                 "); a load is measured by one device");
    }
    if (device.driver == "p1" && load->kind != LoadKind::kGrid) {
      error(device.load_pos, "a P1 port is the grid connection's meter: device " +
                                 quoted(device.name) + " must measure a load of kind grid, not " +
                                 quoted(load_kind_name(load->kind)));
    }
  }
  for (const Load& load : inst.loads) {
    if (load.channels.empty() && !by_load.contains(load.name)) {
      error(load.pos, "load " + quoted(load.name) +
                          " has no CT inputs and no device measures it; give it 'inputs' or name "
                          "it as the 'load' of a device");
    }
  }
  return out;
}

}  // namespace kirchhoff::model::detail
