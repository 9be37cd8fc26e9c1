#include "devices/modbus/maps/map_device.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>

namespace kirchhoff::devices::maps {

namespace {

// SunSpec-style scale factors are small powers of ten; anything outside is a
// register that does not hold one (e.g. "not implemented" 0x8000).
constexpr int kMaxScaleFactor = 10;
// devices::EvCharger: below this a current limit is a pause.
constexpr double kMinChargeCurrentA = 6.0;

std::string_view function_name(modbus::RegisterKind kind) {
  return kind == modbus::RegisterKind::kHolding ? "holding" : "input";
}

// The registers of one part read in this poll, by (function, address).
class RegisterCache {
 public:
  void add(const ReadBlock& block, const std::vector<std::uint16_t>& values) {
    for (std::size_t i = 0; i < values.size() && i < block.count; ++i) {
      values_[{block.function, static_cast<int>(block.address + i)}] = values[i];
    }
  }
  // The `count` registers from `address`, or nothing if any was not read.
  std::optional<std::array<std::uint16_t, 4>> get(modbus::RegisterKind function, int address,
                                                  int count) const {
    std::array<std::uint16_t, 4> out{};
    for (int i = 0; i < count; ++i) {
      const auto it = values_.find({function, address + i});
      if (it == values_.end()) {
        return std::nullopt;
      }
      out[static_cast<std::size_t>(i)] = it->second;
    }
    return out;
  }

 private:
  std::map<std::pair<modbus::RegisterKind, int>, std::uint16_t> values_;
};

std::optional<double> point_value(const Point& point, const RegisterCache& cache) {
  const int count = register_count(point.type);
  const auto registers = cache.get(point.function, point.address, count);
  if (!registers) {
    return std::nullopt;
  }
  double value = decode_value(std::span(registers->data(), static_cast<std::size_t>(count)),
                              point.type, point.word_order);
  if (point.scale_factor) {
    const ScaleFactorRegister& sf = *point.scale_factor;
    const auto sf_registers = cache.get(sf.function, sf.address, 1);
    if (!sf_registers) {
      return std::nullopt;
    }
    const double exponent =
        decode_value(std::span(sf_registers->data(), 1), sf.type, WordOrder::kBig);
    if (std::abs(exponent) > kMaxScaleFactor) {
      return std::nullopt;
    }
    value *= std::pow(10.0, exponent);
  }
  if (!std::isfinite(value)) {
    return std::nullopt;
  }
  if (needs_integer(point.quantity)) {
    return value;  // raw: states, phases and on/off are not scaled
  }
  return value * point.scale * point.sign;
}

void fill(Reading& reading, const Point& point, double value) {
  const auto phase = [](Quantity q, Quantity first) {
    return static_cast<std::size_t>(static_cast<int>(q) - static_cast<int>(first));
  };
  switch (point.quantity) {
    case Quantity::kPowerW:
      reading.power_w = value;
      break;
    case Quantity::kPowerL1W:
    case Quantity::kPowerL2W:
    case Quantity::kPowerL3W:
      reading.phase_power_w[phase(point.quantity, Quantity::kPowerL1W)] = value;
      break;
    case Quantity::kCurrentL1A:
    case Quantity::kCurrentL2A:
    case Quantity::kCurrentL3A:
      reading.phase_current_a[phase(point.quantity, Quantity::kCurrentL1A)] = value;
      break;
    case Quantity::kVoltageL1V:
    case Quantity::kVoltageL2V:
    case Quantity::kVoltageL3V:
      reading.phase_voltage_v[phase(point.quantity, Quantity::kVoltageL1V)] = value;
      break;
    case Quantity::kReactivePowerVar:
      reading.reactive_power_var = value;
      break;
    case Quantity::kFrequencyHz:
      reading.frequency_hz = value;
      break;
    case Quantity::kEnergyImportWh:
      reading.energy_import_wh = value;
      break;
    case Quantity::kEnergyExportWh:
      reading.energy_export_wh = value;
      break;
    case Quantity::kSocPct:
      reading.soc_pct = value;
      break;
    case Quantity::kMaxChargeW:
      reading.max_charge_w = value;
      break;
    case Quantity::kMaxDischargeW:
      reading.max_discharge_w = value;
      break;
    case Quantity::kLimitPct:
      reading.limit_pct = value;
      break;
    case Quantity::kRatedPowerW:
      reading.rated_power_w = value;
      break;
    case Quantity::kChargerState: {
      reading.charger_state = ChargerState::kUnknown;
      for (const auto& [raw, state] : point.states) {
        if (static_cast<double>(raw) == value) {
          reading.charger_state = state;
        }
      }
      break;
    }
    case Quantity::kCurrentLimitA:
      reading.current_limit_a = value;
      break;
    case Quantity::kChargingPhases:
      reading.charging_phases = static_cast<int>(std::clamp(value, -1e9, 1e9));
      break;
    case Quantity::kSessionEnergyWh:
      reading.session_energy_wh = value;
      break;
    case Quantity::kRelayOn:
      reading.relay_on = value != 0.0;
      break;
  }
}

}  // namespace

MapDevice::MapDevice(RegisterMap map, modbus::Transport& transport, int unit, Clock clock)
    : map_(std::move(map)), transport_(transport), unit_(unit), clock_(std::move(clock)) {}

std::string MapDevice::name() const { return map_.id + " unit " + std::to_string(unit_); }

common::Result<Reading> MapDevice::read(std::string_view part) {
  const int index = map_.part_index(part);
  if (index < 0 || static_cast<std::size_t>(index) >= map_.blocks.size()) {
    return common::make_error(common::ErrorKind::kNotFound,
                              name() + ": the map has no part '" + std::string(part) + "'");
  }
  RegisterCache cache;
  for (const ReadBlock& block : map_.blocks[static_cast<std::size_t>(index)]) {
    auto values = transport_.read_registers(unit_, block.function, block.address, block.count);
    if (!values) {
      return common::make_error(values.error().kind,
                                name() + ": reading " + std::string(function_name(block.function)) +
                                    " registers " + std::to_string(block.address) + ".." +
                                    std::to_string(block.address + block.count - 1) + ": " +
                                    values.error().message);
    }
    if (values->size() != block.count) {
      return common::make_error(common::ErrorKind::kCorruption,
                                name() + ": asked for " + std::to_string(block.count) +
                                    " registers from " + std::to_string(block.address) + ", got " +
                                    std::to_string(values->size()));
    }
    cache.add(block, *values);
  }
  Reading reading;
  reading.unix_ms = clock_();
  for (const Point& point : map_.points) {
    if (point.part != index) {
      continue;
    }
    if (const auto value = point_value(point, cache)) {
      fill(reading, point, *value);
    }
  }
  return reading;
}

common::Status MapDevice::write(std::uint16_t address, const std::vector<std::uint16_t>& values,
                                std::string_view what) {
  auto status = transport_.write_registers(unit_, address, values);
  if (!status) {
    return common::make_error(status.error().kind, name() + ": writing " + std::string(what) +
                                                       " to register " + std::to_string(address) +
                                                       ": " + status.error().message);
  }
  return status;
}

common::Status MapDevice::write_setpoint(SetpointKind kind, double value) {
  const Setpoint* setpoint = map_.find_setpoint(kind);
  if (setpoint == nullptr) {
    return common::make_error(
        common::ErrorKind::kUnsupported,
        name() + ": the map has no setpoint " + std::string(setpoint_name(kind)));
  }
  if (!std::isfinite(value)) {
    return common::make_error(
        common::ErrorKind::kInvalidArgument,
        name() + ": " + std::string(setpoint_name(kind)) + " needs a finite value");
  }
  double raw = 0.0;
  double clamped = value;
  if (kind == SetpointKind::kRelay) {
    raw = value != 0.0 ? setpoint->on_value : setpoint->off_value;
  } else {
    clamped = std::clamp(value, setpoint->min, setpoint->max);
    raw = clamped * setpoint->scale * setpoint->sign;
  }
  if (setpoint->enable) {
    auto status = write(setpoint->enable->address, {setpoint->enable->value},
                        std::string(setpoint_name(kind)) + "'s enable");
    if (!status) {
      return status;
    }
  }
  auto status = write(setpoint->address, encode_value(raw, setpoint->type, setpoint->word_order),
                      setpoint_name(kind));
  if (status) {
    const auto slot = static_cast<std::size_t>(kind);
    last_value_[slot] = clamped;
    last_write_ms_[slot] = clock_();
  }
  return status;
}

common::Status MapDevice::set_current_limit_a(double current_a) {
  const double value = current_a < kMinChargeCurrentA ? 0.0 : current_a;
  return write_setpoint(SetpointKind::kCurrentLimitA, value);
}

common::Status MapDevice::set_power_w(double power_w) {
  return write_setpoint(SetpointKind::kPowerW, power_w);
}

common::Status MapDevice::set_limit_pct(double limit_pct) {
  return write_setpoint(SetpointKind::kLimitPct, limit_pct);
}

common::Status MapDevice::set_phases(int phases) {
  if (phases != 1 && phases != 3) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              name() + ": phases must be 1 or 3, not " + std::to_string(phases));
  }
  return write_setpoint(SetpointKind::kPhases, phases);
}

common::Status MapDevice::set_relay(bool on) {
  return write_setpoint(SetpointKind::kRelay, on ? 1.0 : 0.0);
}

common::Status MapDevice::keep_alive() {
  if (!map_.heartbeat) {
    return common::Status::success();
  }
  const Heartbeat& heartbeat = *map_.heartbeat;
  const std::int64_t now = clock_();
  const std::int64_t interval_ms = std::int64_t{heartbeat.interval_s} * 1000;
  if (heartbeat.setpoint) {
    const auto slot = static_cast<std::size_t>(*heartbeat.setpoint);
    if (!last_value_[slot] || now - last_write_ms_[slot] < interval_ms) {
      return common::Status::success();
    }
    return write_setpoint(*heartbeat.setpoint, *last_value_[slot]);
  }
  if (last_heartbeat_ms_ && now - *last_heartbeat_ms_ < interval_ms) {
    return common::Status::success();
  }
  auto status = write(heartbeat.address, {heartbeat.value}, "the heartbeat");
  if (status) {
    last_heartbeat_ms_ = now;
  }
  return status;
}

}  // namespace kirchhoff::devices::maps
