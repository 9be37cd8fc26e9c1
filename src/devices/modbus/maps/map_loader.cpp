#include "devices/modbus/maps/map_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "common/text.hpp"
#include "model/yaml_reader.hpp"

namespace kirchhoff::devices::maps {

namespace {

using model::Diagnostic;
using model::SourcePos;
using model::detail::YamlReader;

// Maps are a few kilobytes; anything far larger is not one.
constexpr std::size_t kMaxFileBytes = 1 << 20;
constexpr int kMaxGapLimit = 16;
constexpr int kMaxHeartbeatS = 3600;

constexpr std::array<std::string_view, 9> kTopKeys = {
    "id", "manufacturer", "model", "kind", "defaults", "parts", "points", "setpoints", "heartbeat"};
constexpr std::array<std::string_view, 3> kDefaultsKeys = {"function", "word_order", "max_gap"};
constexpr std::array<std::string_view, 10> kPointKeys = {
    "quantity", "address",      "type", "function", "word_order",
    "scale",    "scale_factor", "sign", "part",     "states"};
constexpr std::array<std::string_view, 3> kScaleFactorKeys = {"address", "type", "function"};
constexpr std::array<std::string_view, 11> kSetpointKeys = {
    "name", "address", "type",     "word_order", "scale", "sign",
    "min",  "max",     "on_value", "off_value",  "enable"};
constexpr std::array<std::string_view, 2> kEnableKeys = {"address", "value"};
constexpr std::array<std::string_view, 4> kHeartbeatKeys = {"setpoint", "address", "value",
                                                            "interval_s"};
constexpr std::array<std::string_view, 4> kKinds = {"meter", "inverter", "battery", "charger"};
constexpr std::array<std::string_view, 8> kTypes = {"int16", "uint16", "int32",   "uint32",
                                                    "int64", "uint64", "float32", "float64"};
constexpr std::array<std::string_view, 2> kFunctions = {"holding", "input"};
constexpr std::array<std::string_view, 2> kWordOrders = {"big", "little"};
constexpr std::array<std::string_view, 5> kStates = {"unknown", "available", "plugged", "charging",
                                                     "error"};

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

int index_of(std::span<const std::string_view> names, std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Decimal or 0x-prefixed hexadecimal, with an optional sign: data sheets give
// addresses and state codes in either.
std::optional<std::int64_t> parse_integer_text(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t magnitude = 0;
  const auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (ec != std::errc() || stop != text.data() + text.size()) {
    return std::nullopt;
  }
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 62;  // far beyond any register value
  if (magnitude > kLimit) {
    return std::nullopt;
  }
  const auto value = static_cast<std::int64_t>(magnitude);
  return negative ? -value : value;
}

std::string line_of(SourcePos pos) { return "line " + std::to_string(pos.line); }

class MapParser {
 public:
  explicit MapParser(std::vector<Diagnostic>& out) : r_(out) {}

  std::optional<RegisterMap> parse(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull()) {
      r_.error({1, 1},
               "the map is empty; it needs 'id', 'manufacturer', 'model', 'kind' and "
               "'points'");
      return std::nullopt;
    }
    if (!r_.expect_map(root, "the map")) {
      return std::nullopt;
    }
    r_.check_keys(root, kTopKeys, "the map");
    RegisterMap map;
    map.parts.push_back({"", DeviceKind::kMeter});
    if (auto node = r_.child(root, "id", "the map", true)) {
      if (auto id = r_.scalar(*node, "id")) {
        const bool valid = !id->empty() && std::all_of(id->begin(), id->end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        });
        if (valid) {
          map.id = *id;
        } else {
          r_.error(YamlReader::pos_of(*node),
                   "id must be lower-case letters, digits and '-', not " + quoted(*id));
        }
      }
    }
    if (auto node = r_.child(root, "manufacturer", "the map", true)) {
      map.manufacturer = r_.scalar(*node, "manufacturer").value_or("");
    }
    if (auto node = r_.child(root, "model", "the map", true)) {
      map.model = r_.scalar(*node, "model").value_or("");
    }
    if (auto node = r_.child(root, "kind", "the map", true)) {
      if (auto kind = r_.one_of(*node, "kind", kKinds)) {
        map.parts[0].kind = static_cast<DeviceKind>(index_of(kKinds, *kind));
      }
    }
    if (auto node = r_.child(root, "defaults", "the map", false)) {
      parse_defaults(*node, map);
    }
    if (auto node = r_.child(root, "parts", "the map", false)) {
      parse_parts(*node, map);
    }
    if (auto node = r_.child(root, "points", "the map", true)) {
      parse_points(*node, map);
    }
    if (auto node = r_.child(root, "setpoints", "the map", false)) {
      parse_setpoints(*node, map);
    }
    if (auto node = r_.child(root, "heartbeat", "the map", false)) {
      parse_heartbeat(*node, map);
    }
    check_points(map);
    for (std::size_t part = 0; part < map.parts.size(); ++part) {
      map.blocks.push_back(plan_blocks(map.points, static_cast<int>(part), map.max_gap));
    }
    return map;
  }

 private:
  std::optional<std::int64_t> integer(const YAML::Node& node, std::string_view what,
                                      std::int64_t min, std::int64_t max) {
    const auto text = r_.scalar(node, what);
    if (!text) {
      return std::nullopt;
    }
    const auto value = parse_integer_text(*text);
    if (!value) {
      r_.error(YamlReader::pos_of(node),
               std::string(what) + " must be a whole number, not " + quoted(*text));
      return std::nullopt;
    }
    if (*value < min || *value > max) {
      r_.error(YamlReader::pos_of(node), std::string(what) + " must be between " +
                                             std::to_string(min) + " and " + std::to_string(max) +
                                             ", not " + *text);
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::uint16_t> address(const YAML::Node& node, std::string_view what) {
    const auto value = integer(node, what, 0, 65535);
    if (!value) {
      return std::nullopt;
    }
    return static_cast<std::uint16_t>(*value);
  }

  std::optional<int> sign(const YAML::Node& node) {
    const auto text = r_.scalar(node, "sign");
    if (!text) {
      return std::nullopt;
    }
    const auto value = parse_integer_text(*text);
    if (!value || (*value != 1 && *value != -1)) {
      r_.error(YamlReader::pos_of(node), "sign must be 1 or -1, not " + quoted(*text));
      return std::nullopt;
    }
    return static_cast<int>(*value);
  }

  std::optional<double> scale(const YAML::Node& node) {
    const auto value = r_.number(node, "scale");
    if (value && *value == 0.0) {
      r_.error(YamlReader::pos_of(node), "scale must not be 0");
      return std::nullopt;
    }
    return value;
  }

  template <typename Enum>
  std::optional<Enum> choice(const YAML::Node& node, std::string_view what,
                             std::span<const std::string_view> names) {
    const auto name = r_.one_of(node, what, names);
    if (!name) {
      return std::nullopt;
    }
    return static_cast<Enum>(index_of(names, *name));
  }

  void parse_defaults(const YAML::Node& node, RegisterMap& map) {
    if (!r_.expect_map(node, "defaults")) {
      return;
    }
    r_.check_keys(node, kDefaultsKeys, "defaults");
    if (auto child = r_.child(node, "function", "defaults", false)) {
      if (auto f = choice<modbus::RegisterKind>(*child, "function", kFunctions)) {
        default_function_ = *f;
      }
    }
    if (auto child = r_.child(node, "word_order", "defaults", false)) {
      if (auto order = choice<WordOrder>(*child, "word order", kWordOrders)) {
        default_order_ = *order;
      }
    }
    if (auto child = r_.child(node, "max_gap", "defaults", false)) {
      if (auto gap = integer(*child, "max_gap", 0, kMaxGapLimit)) {
        map.max_gap = static_cast<int>(*gap);
      }
    }
  }

  void parse_parts(const YAML::Node& node, RegisterMap& map) {
    if (!r_.expect_map(node, "parts")) {
      return;
    }
    for (const auto& kv : node) {
      const SourcePos pos = YamlReader::pos_of(kv.first);
      if (!kv.first.IsScalar() || kv.first.Scalar().empty()) {
        r_.error(pos, "a part's name must be a plain name");
        continue;
      }
      const std::string& name = kv.first.Scalar();
      if (map.part_index(name) >= 0) {
        r_.error(pos, "duplicate part " + quoted(name));
        continue;
      }
      if (auto kind = choice<DeviceKind>(kv.second, "kind", kKinds)) {
        map.parts.push_back({name, *kind});
        part_pos_.push_back(pos);
      }
    }
  }

  void parse_points(const YAML::Node& node, RegisterMap& map) {
    if (!r_.expect_sequence(node, "points")) {
      return;
    }
    if (node.size() == 0) {
      r_.error(YamlReader::pos_of(node), "'points' needs at least one point");
      return;
    }
    for (const auto& entry : node) {
      if (auto point = parse_point(entry, map)) {
        map.points.push_back(std::move(*point));
        point_pos_.push_back(YamlReader::pos_of(entry));
      }
    }
  }

  std::optional<Point> parse_point(const YAML::Node& node, const RegisterMap& map) {
    if (!r_.expect_map(node, "a point")) {
      return std::nullopt;
    }
    r_.check_keys(node, kPointKeys, "a point");
    const SourcePos pos = YamlReader::pos_of(node);
    Point point;
    point.function = default_function_;
    point.word_order = default_order_;
    bool ok = true;
    std::optional<Quantity> quantity;
    if (auto child = r_.child(node, "quantity", "a point", true)) {
      quantity = choice<Quantity>(*child, "quantity", quantity_names());
    }
    ok = ok && quantity.has_value();
    if (quantity) {
      point.quantity = *quantity;
    }
    const std::string what = quantity ? quoted(quantity_name(*quantity)) : "the point";
    std::optional<YAML::Node> address_node = r_.child(node, "address", "a point", true);
    std::optional<std::uint16_t> addr;
    if (address_node) {
      addr = address(*address_node, "address");
    }
    ok = ok && addr.has_value();
    std::optional<YAML::Node> type_node = r_.child(node, "type", "a point", true);
    std::optional<ValueType> type;
    if (type_node) {
      type = choice<ValueType>(*type_node, "type", kTypes);
    }
    ok = ok && type.has_value();
    if (auto child = r_.child(node, "function", "a point", false)) {
      const auto f = choice<modbus::RegisterKind>(*child, "function", kFunctions);
      ok = ok && f.has_value();
      point.function = f.value_or(point.function);
    }
    if (auto child = r_.child(node, "word_order", "a point", false)) {
      const auto order = choice<WordOrder>(*child, "word order", kWordOrders);
      ok = ok && order.has_value();
      point.word_order = order.value_or(point.word_order);
    }
    if (auto child = r_.child(node, "scale", "a point", false)) {
      const auto value = scale(*child);
      ok = ok && value.has_value();
      point.scale = value.value_or(1.0);
    }
    if (auto child = r_.child(node, "sign", "a point", false)) {
      const auto value = sign(*child);
      ok = ok && value.has_value();
      point.sign = value.value_or(1);
      if (value == -1 && quantity && is_energy_counter(*quantity)) {
        r_.error(YamlReader::pos_of(*child),
                 "an energy counter cannot have sign -1; map the register to the other counter "
                 "(energy_import_wh or energy_export_wh) instead");
        ok = false;
      }
    }
    if (auto child = r_.child(node, "part", "a point", false)) {
      if (auto name = r_.scalar(*child, "part")) {
        const int index = map.part_index(*name);
        if (index <= 0) {
          std::vector<std::string_view> names;
          for (std::size_t i = 1; i < map.parts.size(); ++i) {
            names.push_back(map.parts[i].name);
          }
          r_.error(YamlReader::pos_of(*child), "unknown part " + quoted(*name) +
                                                   common::did_you_mean(*name, names) +
                                                   "; declare it under 'parts'");
          ok = false;
        } else {
          point.part = index;
        }
      } else {
        ok = false;
      }
    }
    if (auto child = r_.child(node, "scale_factor", "a point", false)) {
      auto sf = parse_scale_factor(*child, point.function);
      ok = ok && sf.has_value();
      point.scale_factor = sf;
    }
    std::optional<YAML::Node> states_node = r_.child(node, "states", "a point", false);
    if (states_node) {
      if (quantity && *quantity != Quantity::kChargerState) {
        r_.error(YamlReader::pos_of(*states_node), "'states' only applies to charger_state");
        ok = false;
      } else if (!parse_states(*states_node, point)) {
        ok = false;
      }
    } else if (quantity == Quantity::kChargerState) {
      r_.error(pos, "'charger_state' needs 'states': raw value to " +
                        common::join_alternatives(kStates));
      ok = false;
    }
    if (type && quantity && needs_integer(*quantity) && !is_integer(*type)) {
      r_.error(YamlReader::pos_of(*type_node), what + " needs an integer register type, not " +
                                                   std::string(value_type_name(*type)));
      ok = false;
    }
    if (addr && type && *addr + register_count(*type) - 1 > 65535) {
      r_.error(YamlReader::pos_of(*address_node),
               what + " at address " + std::to_string(*addr) + " runs past the last address 65535");
      ok = false;
    }
    if (!ok) {
      return std::nullopt;
    }
    point.address = *addr;
    point.type = *type;
    return point;
  }

  std::optional<ScaleFactorRegister> parse_scale_factor(const YAML::Node& node,
                                                        modbus::RegisterKind function) {
    if (!r_.expect_map(node, "scale_factor")) {
      return std::nullopt;
    }
    r_.check_keys(node, kScaleFactorKeys, "scale_factor");
    ScaleFactorRegister sf;
    sf.function = function;
    bool ok = true;
    std::optional<std::uint16_t> addr;
    if (auto child = r_.child(node, "address", "scale_factor", true)) {
      addr = address(*child, "address");
    }
    ok = ok && addr.has_value();
    if (auto child = r_.child(node, "type", "scale_factor", true)) {
      const auto type = choice<ValueType>(*child, "type", kTypes);
      if (type && (!is_integer(*type) || register_count(*type) != 1)) {
        r_.error(YamlReader::pos_of(*child), "a scale factor register is int16 or uint16, not " +
                                                 std::string(value_type_name(*type)));
        ok = false;
      }
      ok = ok && type.has_value();
      sf.type = type.value_or(ValueType::kInt16);
    } else {
      ok = false;
    }
    if (auto child = r_.child(node, "function", "scale_factor", false)) {
      const auto f = choice<modbus::RegisterKind>(*child, "function", kFunctions);
      ok = ok && f.has_value();
      sf.function = f.value_or(sf.function);
    }
    if (!ok) {
      return std::nullopt;
    }
    sf.address = *addr;
    return sf;
  }

  bool parse_states(const YAML::Node& node, Point& point) {
    if (!r_.expect_map(node, "states")) {
      return false;
    }
    bool ok = true;
    for (const auto& kv : node) {
      const auto raw =
          integer(kv.first, "a state's raw value", -(std::int64_t{1} << 62), std::int64_t{1} << 62);
      const auto state = choice<ChargerState>(kv.second, "charger state", kStates);
      if (!raw || !state) {
        ok = false;
        continue;
      }
      const bool duplicate = std::any_of(point.states.begin(), point.states.end(),
                                         [&](const auto& entry) { return entry.first == *raw; });
      if (duplicate) {
        r_.error(YamlReader::pos_of(kv.first), "duplicate state value " + kv.first.Scalar());
        ok = false;
        continue;
      }
      point.states.emplace_back(*raw, *state);
    }
    if (ok && point.states.empty()) {
      r_.error(YamlReader::pos_of(node), "'states' needs at least one value");
      ok = false;
    }
    return ok;
  }

  void parse_setpoints(const YAML::Node& node, RegisterMap& map) {
    if (!r_.expect_sequence(node, "setpoints")) {
      return;
    }
    for (const auto& entry : node) {
      if (auto setpoint = parse_setpoint(entry)) {
        if (map.find_setpoint(setpoint->kind) != nullptr) {
          r_.error(YamlReader::pos_of(entry),
                   "setpoint " + quoted(setpoint_name(setpoint->kind)) + " appears twice");
          continue;
        }
        map.setpoints.push_back(*setpoint);
      }
    }
  }

  // The raw register value of `value` must fit the setpoint's type.
  bool check_fits(const YAML::Node& node, std::string_view key, double raw, ValueType type) {
    const auto [low, high] = value_range(type);
    if (raw < low || raw > high) {
      r_.error(YamlReader::pos_of(node),
               "'" + std::string(key) + "' gives the raw value " + common::shortest_number(raw) +
                   ", which does not fit " + std::string(value_type_name(type)));
      return false;
    }
    return true;
  }

  std::optional<Setpoint> parse_setpoint(const YAML::Node& node) {
    if (!r_.expect_map(node, "a setpoint")) {
      return std::nullopt;
    }
    r_.check_keys(node, kSetpointKeys, "a setpoint");
    const SourcePos pos = YamlReader::pos_of(node);
    Setpoint setpoint;
    setpoint.word_order = default_order_;
    bool ok = true;
    std::optional<SetpointKind> kind;
    if (auto child = r_.child(node, "name", "a setpoint", true)) {
      kind = choice<SetpointKind>(*child, "setpoint", setpoint_names());
    }
    ok = ok && kind.has_value();
    const std::string what = kind ? quoted(setpoint_name(*kind)) : "the setpoint";
    std::optional<YAML::Node> address_node = r_.child(node, "address", "a setpoint", true);
    std::optional<std::uint16_t> addr;
    if (address_node) {
      addr = address(*address_node, "address");
    }
    ok = ok && addr.has_value();
    std::optional<YAML::Node> type_node = r_.child(node, "type", "a setpoint", true);
    std::optional<ValueType> type;
    if (type_node) {
      type = choice<ValueType>(*type_node, "type", kTypes);
    }
    ok = ok && type.has_value();
    if (auto child = r_.child(node, "word_order", "a setpoint", false)) {
      const auto order = choice<WordOrder>(*child, "word order", kWordOrders);
      ok = ok && order.has_value();
      setpoint.word_order = order.value_or(setpoint.word_order);
    }
    if (auto child = r_.child(node, "scale", "a setpoint", false)) {
      const auto value = scale(*child);
      ok = ok && value.has_value();
      setpoint.scale = value.value_or(1.0);
    }
    if (auto child = r_.child(node, "sign", "a setpoint", false)) {
      const auto value = sign(*child);
      ok = ok && value.has_value();
      setpoint.sign = value.value_or(1);
    }
    if (auto child = r_.child(node, "enable", "a setpoint", false)) {
      if (r_.expect_map(*child, "enable")) {
        r_.check_keys(*child, kEnableKeys, "enable");
        std::optional<std::uint16_t> enable_address;
        std::optional<std::int64_t> enable_value;
        if (auto a = r_.child(*child, "address", "enable", true)) {
          enable_address = address(*a, "address");
        }
        if (auto v = r_.child(*child, "value", "enable", true)) {
          enable_value = integer(*v, "value", 0, 65535);
        }
        if (enable_address && enable_value) {
          setpoint.enable =
              Setpoint::Enable{*enable_address, static_cast<std::uint16_t>(*enable_value)};
        } else {
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (!ok) {
      return std::nullopt;
    }
    setpoint.kind = *kind;
    setpoint.address = *addr;
    setpoint.type = *type;
    if (*addr + register_count(*type) - 1 > 65535) {
      r_.error(YamlReader::pos_of(*address_node),
               what + " at address " + std::to_string(*addr) + " runs past the last address 65535");
      return std::nullopt;
    }
    const bool integral = *kind == SetpointKind::kPhases || *kind == SetpointKind::kRelay;
    if (integral && !is_integer(*type)) {
      r_.error(YamlReader::pos_of(*type_node), what + " needs an integer register type, not " +
                                                   std::string(value_type_name(*type)));
      return std::nullopt;
    }
    const double factor = setpoint.scale * setpoint.sign;
    if (*kind == SetpointKind::kRelay) {
      for (const std::string_view key : {"on_value", "off_value"}) {
        if (auto child = r_.child(node, key, "a setpoint", false)) {
          const auto value = integer(*child, key, -(std::int64_t{1} << 62), std::int64_t{1} << 62);
          if (!value || !check_fits(*child, key, static_cast<double>(*value), *type)) {
            ok = false;
            continue;
          }
          (key == "on_value" ? setpoint.on_value : setpoint.off_value) =
              static_cast<double>(*value);
        }
      }
      return ok ? std::optional<Setpoint>(setpoint) : std::nullopt;
    }
    for (const std::string_view key : {"on_value", "off_value"}) {
      if (auto child = r_.child(node, key, "a setpoint", false)) {
        r_.error(YamlReader::pos_of(*child),
                 "'" + std::string(key) + "' only applies to set_relay");
        ok = false;
      }
    }
    const auto min_node = r_.child(node, "min", "a setpoint", false);
    const auto max_node = r_.child(node, "max", "a setpoint", false);
    if (!min_node || !max_node) {
      r_.error(pos, what + " needs 'min' and 'max' (the range its values are clamped to)");
      return std::nullopt;
    }
    const auto min = r_.number(*min_node, "min");
    const auto max = r_.number(*max_node, "max");
    if (!min || !max) {
      return std::nullopt;
    }
    if (*min > *max) {
      r_.error(YamlReader::pos_of(*min_node), what + ": 'min' " + common::shortest_number(*min) +
                                                  " is above 'max' " +
                                                  common::shortest_number(*max));
      return std::nullopt;
    }
    ok = check_fits(*min_node, "min", *min * factor, *type) && ok;
    ok = check_fits(*max_node, "max", *max * factor, *type) && ok;
    setpoint.min = *min;
    setpoint.max = *max;
    return ok ? std::optional<Setpoint>(setpoint) : std::nullopt;
  }

  void parse_heartbeat(const YAML::Node& node, RegisterMap& map) {
    if (!r_.expect_map(node, "heartbeat")) {
      return;
    }
    r_.check_keys(node, kHeartbeatKeys, "heartbeat");
    Heartbeat heartbeat;
    bool ok = true;
    if (auto child = r_.child(node, "interval_s", "heartbeat", true)) {
      const auto value = integer(*child, "interval_s", 1, kMaxHeartbeatS);
      ok = ok && value.has_value();
      heartbeat.interval_s = static_cast<int>(value.value_or(30));
    } else {
      ok = false;
    }
    const auto setpoint_node = r_.child(node, "setpoint", "heartbeat", false);
    const auto address_node = r_.child(node, "address", "heartbeat", false);
    const auto value_node = r_.child(node, "value", "heartbeat", false);
    if (setpoint_node && (address_node || value_node)) {
      r_.error(YamlReader::pos_of(node),
               "heartbeat has either 'setpoint' or 'address' and 'value', not both");
      return;
    }
    if (setpoint_node) {
      const auto kind = choice<SetpointKind>(*setpoint_node, "setpoint", setpoint_names());
      if (kind && map.find_setpoint(*kind) == nullptr) {
        r_.error(YamlReader::pos_of(*setpoint_node),
                 "heartbeat names " + quoted(setpoint_name(*kind)) +
                     ", which is not among the map's setpoints");
        ok = false;
      }
      ok = ok && kind.has_value();
      heartbeat.setpoint = kind;
    } else if (address_node && value_node) {
      const auto addr = address(*address_node, "address");
      const auto value = integer(*value_node, "value", 0, 65535);
      ok = ok && addr && value;
      heartbeat.address = addr.value_or(0);
      heartbeat.value = static_cast<std::uint16_t>(value.value_or(0));
    } else {
      r_.error(YamlReader::pos_of(node),
               "heartbeat needs 'setpoint', or 'address' and 'value', to know what to write");
      ok = false;
    }
    if (ok) {
      map.heartbeat = heartbeat;
    }
  }

  // Checks across points: one quantity once per part, no two points on the
  // same registers, every declared part used.
  void check_points(const RegisterMap& map) {
    const std::size_t n = map.points.size();
    std::map<std::pair<int, Quantity>, std::size_t> first;
    for (std::size_t i = 0; i < n; ++i) {
      const Point& point = map.points[i];
      const auto [it, inserted] = first.try_emplace({point.part, point.quantity}, i);
      if (!inserted) {
        r_.error(point_pos_[i],
                 "quantity " + quoted(quantity_name(point.quantity)) + " appears twice in " +
                     (point.part == 0 ? std::string("the main reading")
                                      : "part " + quoted(map.parts[point.part].name)) +
                     " (first at " + line_of(point_pos_[it->second]) + ")");
      }
    }
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) {
      order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const Point& pa = map.points[a];
      const Point& pb = map.points[b];
      if (pa.function != pb.function) {
        return pa.function < pb.function;
      }
      return pa.address != pb.address ? pa.address < pb.address : a < b;
    });
    // The point reaching furthest so far among those of the same function.
    std::optional<std::size_t> furthest;
    for (const std::size_t index : order) {
      const Point& point = map.points[index];
      const int end = point.address + register_count(point.type);
      if (furthest) {
        const Point& other = map.points[*furthest];
        const int other_end = other.address + register_count(other.type);
        if (other.function == point.function && point.address < other_end) {
          r_.error(point_pos_[index],
                   "registers " + std::to_string(point.address) + ".." + std::to_string(end - 1) +
                       " of " + quoted(quantity_name(point.quantity)) + " overlap " +
                       std::to_string(other.address) + ".." + std::to_string(other_end - 1) +
                       " of " + quoted(quantity_name(other.quantity)) + " (" +
                       line_of(point_pos_[*furthest]) + ")");
        }
        if (other.function != point.function || end > other_end) {
          furthest = index;
        }
      } else {
        furthest = index;
      }
    }
    for (std::size_t part = 1; part < map.parts.size(); ++part) {
      const bool used = std::any_of(map.points.begin(), map.points.end(), [&](const Point& p) {
        return p.part == static_cast<int>(part);
      });
      if (!used) {
        r_.error(part_pos_[part - 1], "part " + quoted(map.parts[part].name) + " has no points");
      }
    }
  }

  YamlReader r_;
  modbus::RegisterKind default_function_ = modbus::RegisterKind::kHolding;
  WordOrder default_order_ = WordOrder::kBig;
  std::vector<SourcePos> point_pos_;
  std::vector<SourcePos> part_pos_;
};

bool before(const Diagnostic& a, const Diagnostic& b) {
  if (a.pos.line != b.pos.line) {
    return a.pos.line < b.pos.line;
  }
  return a.pos.column < b.pos.column;
}

}  // namespace

MapCheck check_map(std::string_view yaml_text) {
  MapCheck result;
  if (yaml_text.size() > kMaxFileBytes) {
    result.diagnostics.push_back(
        {{1, 1}, model::Severity::kError, "the file is larger than 1 MiB; it is not a map"});
    return result;
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; a null mark means "unknown".
    const SourcePos pos{e.mark.is_null() ? 1 : e.mark.line + 1,
                        e.mark.is_null() ? 1 : e.mark.column + 1};
    result.diagnostics.push_back({pos, model::Severity::kError, "YAML syntax: " + e.msg});
    return result;
  }
  MapParser parser(result.diagnostics);
  auto map = parser.parse(root);
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(), before);
  const bool clean =
      std::none_of(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& d) { return d.severity == model::Severity::kError; });
  if (clean) {
    result.map = std::move(map);
  }
  return result;
}

common::Result<RegisterMap> load_map(std::string_view yaml_text, std::string_view source_name) {
  MapCheck result = check_map(yaml_text);
  if (!result.map) {
    std::string message;
    for (const Diagnostic& diagnostic : result.diagnostics) {
      if (diagnostic.severity == model::Severity::kError) {
        message +=
            (message.empty() ? "" : "\n") + model::format_diagnostic(source_name, diagnostic);
      }
    }
    return common::make_error(common::ErrorKind::kInvalidArgument, message);
  }
  return std::move(*result.map);
}

}  // namespace kirchhoff::devices::maps
