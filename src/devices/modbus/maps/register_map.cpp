#include "devices/modbus/maps/register_map.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>

namespace kirchhoff::devices::maps {

namespace {

constexpr std::array<std::string_view, 24> kQuantityNames = {
    "power_w",          "power_l1_w",         "power_l2_w",
    "power_l3_w",       "current_l1_a",       "current_l2_a",
    "current_l3_a",     "voltage_l1_v",       "voltage_l2_v",
    "voltage_l3_v",     "reactive_power_var", "frequency_hz",
    "energy_import_wh", "energy_export_wh",   "soc_pct",
    "max_charge_w",     "max_discharge_w",    "limit_pct",
    "rated_power_w",    "charger_state",      "current_limit_a",
    "charging_phases",  "session_energy_wh",  "relay_on",
};

constexpr std::array<std::string_view, kSetpointKinds> kSetpointNames = {
    "set_current_limit_a", "set_power_w", "set_limit_pct", "set_phases", "set_relay"};

// Saturating conversion of a rounded double to an integer type: casts of
// out-of-range doubles are undefined behaviour, so clamp first.
template <typename T>
T saturate(double value) {
  if (std::isnan(value)) {
    return T{0};
  }
  const double rounded = std::nearbyint(value);
  // 2^63 and 2^64 are exact doubles; the largest values below them are not
  // representable in the integer type, so compare with >=.
  constexpr double kUpper = static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
  if (rounded >= kUpper) {
    return std::numeric_limits<T>::max();
  }
  if (rounded <= static_cast<double>(std::numeric_limits<T>::min())) {
    return std::numeric_limits<T>::min();
  }
  return static_cast<T>(rounded);
}

}  // namespace

std::string_view device_kind_name(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kMeter:
      return "meter";
    case DeviceKind::kInverter:
      return "inverter";
    case DeviceKind::kBattery:
      return "battery";
    case DeviceKind::kCharger:
      return "charger";
  }
  return "meter";
}

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::kInt16:
      return "int16";
    case ValueType::kUint16:
      return "uint16";
    case ValueType::kInt32:
      return "int32";
    case ValueType::kUint32:
      return "uint32";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kUint64:
      return "uint64";
    case ValueType::kFloat32:
      return "float32";
    case ValueType::kFloat64:
      return "float64";
  }
  return "uint16";
}

std::string_view quantity_name(Quantity quantity) {
  return kQuantityNames[static_cast<std::size_t>(quantity)];
}

std::string_view setpoint_name(SetpointKind kind) {
  return kSetpointNames[static_cast<std::size_t>(kind)];
}

std::span<const std::string_view> quantity_names() { return kQuantityNames; }
std::span<const std::string_view> setpoint_names() { return kSetpointNames; }

int register_count(ValueType type) {
  switch (type) {
    case ValueType::kInt16:
    case ValueType::kUint16:
      return 1;
    case ValueType::kInt32:
    case ValueType::kUint32:
    case ValueType::kFloat32:
      return 2;
    case ValueType::kInt64:
    case ValueType::kUint64:
    case ValueType::kFloat64:
      return 4;
  }
  return 1;
}

bool is_integer(ValueType type) {
  return type != ValueType::kFloat32 && type != ValueType::kFloat64;
}

bool needs_integer(Quantity quantity) {
  return quantity == Quantity::kChargerState || quantity == Quantity::kChargingPhases ||
         quantity == Quantity::kRelayOn;
}

bool is_energy_counter(Quantity quantity) {
  return quantity == Quantity::kEnergyImportWh || quantity == Quantity::kEnergyExportWh ||
         quantity == Quantity::kSessionEnergyWh;
}

double decode_value(std::span<const std::uint16_t> registers, ValueType type, WordOrder order) {
  const std::size_t n = static_cast<std::size_t>(register_count(type));
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < n && i < registers.size(); ++i) {
    const std::size_t index = order == WordOrder::kBig ? i : n - 1 - i;
    bits = (bits << 16) | registers[index];
  }
  switch (type) {
    case ValueType::kInt16:
      return static_cast<double>(static_cast<std::int16_t>(static_cast<std::uint16_t>(bits)));
    case ValueType::kUint16:
      return static_cast<double>(static_cast<std::uint16_t>(bits));
    case ValueType::kInt32:
      return static_cast<double>(static_cast<std::int32_t>(static_cast<std::uint32_t>(bits)));
    case ValueType::kUint32:
      return static_cast<double>(static_cast<std::uint32_t>(bits));
    case ValueType::kInt64:
      return static_cast<double>(static_cast<std::int64_t>(bits));
    case ValueType::kUint64:
      return static_cast<double>(bits);
    case ValueType::kFloat32:
      return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(bits)));
    case ValueType::kFloat64:
      return std::bit_cast<double>(bits);
  }
  return 0.0;
}

std::vector<std::uint16_t> encode_value(double value, ValueType type, WordOrder order) {
  std::uint64_t bits = 0;
  switch (type) {
    case ValueType::kInt16:
      bits = static_cast<std::uint16_t>(saturate<std::int16_t>(value));
      break;
    case ValueType::kUint16:
      bits = saturate<std::uint16_t>(value);
      break;
    case ValueType::kInt32:
      bits = static_cast<std::uint32_t>(saturate<std::int32_t>(value));
      break;
    case ValueType::kUint32:
      bits = saturate<std::uint32_t>(value);
      break;
    case ValueType::kInt64:
      bits = static_cast<std::uint64_t>(saturate<std::int64_t>(value));
      break;
    case ValueType::kUint64:
      bits = saturate<std::uint64_t>(value);
      break;
    case ValueType::kFloat32: {
      const double limit = std::numeric_limits<float>::max();
      bits = std::bit_cast<std::uint32_t>(static_cast<float>(std::clamp(value, -limit, limit)));
      break;
    }
    case ValueType::kFloat64:
      bits = std::bit_cast<std::uint64_t>(value);
      break;
  }
  const std::size_t n = static_cast<std::size_t>(register_count(type));
  std::vector<std::uint16_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Word i counted from the most significant one.
    const auto word = static_cast<std::uint16_t>(bits >> (16 * (n - 1 - i)));
    out[order == WordOrder::kBig ? i : n - 1 - i] = word;
  }
  return out;
}

std::pair<double, double> value_range(ValueType type) {
  switch (type) {
    case ValueType::kInt16:
      return {-32768.0, 32767.0};
    case ValueType::kUint16:
      return {0.0, 65535.0};
    case ValueType::kInt32:
      return {-2147483648.0, 2147483647.0};
    case ValueType::kUint32:
      return {0.0, 4294967295.0};
    case ValueType::kInt64:
      return {-9223372036854775808.0, 9223372036854775807.0};
    case ValueType::kUint64:
      return {0.0, 18446744073709551615.0};
    case ValueType::kFloat32:
      return {-static_cast<double>(std::numeric_limits<float>::max()),
              static_cast<double>(std::numeric_limits<float>::max())};
    case ValueType::kFloat64:
      return {std::numeric_limits<double>::lowest(), std::numeric_limits<double>::max()};
  }
  return {0.0, 0.0};
}

const Setpoint* RegisterMap::find_setpoint(SetpointKind kind) const {
  for (const Setpoint& setpoint : setpoints) {
    if (setpoint.kind == kind) {
      return &setpoint;
    }
  }
  return nullptr;
}

int RegisterMap::part_index(std::string_view name) const {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].name == name) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::vector<ReadBlock> plan_blocks(std::span<const Point> points, int part, int max_gap) {
  struct Range {
    modbus::RegisterKind function;
    int begin;
    int end;  // one past the last register
  };
  std::vector<Range> ranges;
  for (const Point& point : points) {
    if (point.part != part) {
      continue;
    }
    ranges.push_back({point.function, point.address, point.address + register_count(point.type)});
    if (point.scale_factor) {
      const ScaleFactorRegister& sf = *point.scale_factor;
      ranges.push_back({sf.function, sf.address, sf.address + register_count(sf.type)});
    }
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    if (a.function != b.function) {
      return a.function < b.function;
    }
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::vector<ReadBlock> blocks;
  int begin = 0;
  int end = 0;
  modbus::RegisterKind function = modbus::RegisterKind::kHolding;
  bool open = false;
  const auto close = [&] {
    if (open) {
      blocks.push_back(
          {function, static_cast<std::uint16_t>(begin), static_cast<std::uint16_t>(end - begin)});
    }
  };
  for (const Range& range : ranges) {
    const bool joins = open && range.function == function && range.begin <= end + max_gap &&
                       std::max(end, range.end) - begin <= kMaxBlockRegisters;
    if (joins) {
      end = std::max(end, range.end);
      continue;
    }
    close();
    open = true;
    function = range.function;
    begin = range.begin;
    end = range.end;
  }
  close();
  return blocks;
}

}  // namespace kirchhoff::devices::maps
