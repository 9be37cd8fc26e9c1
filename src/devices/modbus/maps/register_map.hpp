// A register map: which registers of a non-SunSpec Modbus device hold which
// quantity of devices::Reading, how they are decoded, and which registers take
// setpoints. Maps are data (docs/modbus-maps.md): load_map() in map_loader.hpp
// turns YAML into a RegisterMap that has passed every check, with its reads
// already planned into blocks. A RegisterMap is a plain value: copy it freely,
// share it read-only between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "devices/modbus/transport.hpp"
#include "devices/reading.hpp"

namespace kirchhoff::devices::maps {

enum class DeviceKind { kMeter, kInverter, kBattery, kCharger };

enum class ValueType { kInt16, kUint16, kInt32, kUint32, kInt64, kUint64, kFloat32, kFloat64 };

// Order of the 16-bit words of a 32/64-bit value; bytes within a word are
// always big-endian (Modbus). kLittle is the "word swap" of many data sheets.
enum class WordOrder { kBig, kLittle };

// The vocabulary of points: each fills one field of devices::Reading.
enum class Quantity {
  kPowerW,
  kPowerL1W,
  kPowerL2W,
  kPowerL3W,
  kCurrentL1A,
  kCurrentL2A,
  kCurrentL3A,
  kVoltageL1V,
  kVoltageL2V,
  kVoltageL3V,
  kReactivePowerVar,
  kFrequencyHz,
  kEnergyImportWh,
  kEnergyExportWh,
  kSocPct,
  kMaxChargeW,
  kMaxDischargeW,
  kLimitPct,
  kRatedPowerW,
  kChargerState,
  kCurrentLimitA,
  kChargingPhases,
  kSessionEnergyWh,
  kRelayOn,
};

enum class SetpointKind { kCurrentLimitA, kPowerW, kLimitPct, kPhases, kRelay };

inline constexpr int kSetpointKinds = 5;

// Names as written in map files ("power_w", "set_current_limit_a", "int32", ...).
std::string_view device_kind_name(DeviceKind kind);
std::string_view value_type_name(ValueType type);
std::string_view quantity_name(Quantity quantity);
std::string_view setpoint_name(SetpointKind kind);
std::span<const std::string_view> quantity_names();  // in enum order
std::span<const std::string_view> setpoint_names();  // in enum order

// Registers a value of `type` occupies: 1, 2 or 4.
int register_count(ValueType type);
bool is_integer(ValueType type);
// True for quantities that only make sense on integer registers (states,
// phase counts, on/off).
bool needs_integer(Quantity quantity);
bool is_energy_counter(Quantity quantity);

// Decodes `registers` (register_count(type) of them) as one value. NaN for a
// float register holding NaN; integers beyond 2^53 lose precision.
double decode_value(std::span<const std::uint16_t> registers, ValueType type, WordOrder order);
// Encodes `value` in `type`: integers are rounded to nearest and saturated at
// the type's limits, so no value is undefined behaviour.
std::vector<std::uint16_t> encode_value(double value, ValueType type, WordOrder order);
// The range of raw values `type` can hold (float32: +-FLT_MAX).
std::pair<double, double> value_range(ValueType type);

struct ScaleFactorRegister {
  modbus::RegisterKind function = modbus::RegisterKind::kHolding;
  std::uint16_t address = 0;
  ValueType type = ValueType::kInt16;
};

struct Point {
  Quantity quantity = Quantity::kPowerW;
  int part = 0;  // index into RegisterMap::parts; 0 is the main reading
  modbus::RegisterKind function = modbus::RegisterKind::kHolding;
  std::uint16_t address = 0;
  ValueType type = ValueType::kUint16;
  WordOrder word_order = WordOrder::kBig;
  double scale = 1.0;  // register value -> quantity's unit
  int sign = 1;        // -1 turns the device's direction into reading.hpp's
  std::optional<ScaleFactorRegister> scale_factor;            // value = raw * scale * 10^sf
  std::vector<std::pair<std::int64_t, ChargerState>> states;  // charger_state only
};

struct Setpoint {
  SetpointKind kind = SetpointKind::kPowerW;
  std::uint16_t address = 0;
  ValueType type = ValueType::kUint16;
  WordOrder word_order = WordOrder::kBig;
  double scale = 1.0;  // register units per setpoint unit
  int sign = 1;
  double min = 0.0;  // clamp range, setpoint's unit
  double max = 0.0;
  double on_value = 1.0;  // set_relay's raw values
  double off_value = 0.0;
  struct Enable {
    std::uint16_t address = 0;
    std::uint16_t value = 0;
  };
  std::optional<Enable> enable;  // written just before the value
};

struct Heartbeat {
  std::optional<SetpointKind> setpoint;  // rewrite its last value, or else
  std::uint16_t address = 0;             // write `value` to `address`
  std::uint16_t value = 0;
  int interval_s = 30;
};

struct Part {
  std::string name;  // "" for the main reading
  DeviceKind kind = DeviceKind::kMeter;
};

// One read request: at most 125 registers of one function.
struct ReadBlock {
  modbus::RegisterKind function = modbus::RegisterKind::kHolding;
  std::uint16_t address = 0;
  std::uint16_t count = 0;

  bool operator==(const ReadBlock&) const = default;
};

inline constexpr int kMaxBlockRegisters = 125;
inline constexpr int kDefaultMaxGap = 4;

struct RegisterMap {
  std::string id;
  std::string manufacturer;
  std::string model;
  std::vector<Part> parts;  // parts[0] is the main reading (name "", the map's kind)
  std::vector<Point> points;
  std::vector<Setpoint> setpoints;
  std::optional<Heartbeat> heartbeat;
  int max_gap = kDefaultMaxGap;
  std::vector<std::vector<ReadBlock>> blocks;  // per part, from plan_blocks

  DeviceKind kind() const { return parts.empty() ? DeviceKind::kMeter : parts[0].kind; }
  const Setpoint* find_setpoint(SetpointKind kind) const;
  // Index into `parts` of the part named `name` ("" is the main one); -1 if none.
  int part_index(std::string_view name) const;
};

// The read requests that cover every point of `part` (and its scale-factor
// registers): sorted by function and address, merged across gaps of at most
// `max_gap` unused registers, at most kMaxBlockRegisters each.
std::vector<ReadBlock> plan_blocks(std::span<const Point> points, int part, int max_gap);

}  // namespace kirchhoff::devices::maps
