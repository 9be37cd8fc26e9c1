#include "devices/sunspec/sunspec.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace kirchhoff::devices::sunspec {

namespace {

using modbus::RegisterKind;

std::string where(int unit, const ModelInstance& model) {
  return "SunSpec unit " + std::to_string(unit) + " model " + std::to_string(model.id) + " at " +
         std::to_string(model.address);
}

std::uint32_t u32(std::span<const std::uint16_t> r) {
  return (static_cast<std::uint32_t>(r[0]) << 16) | r[1];
}

std::uint64_t u64(std::span<const std::uint16_t> r) {
  return (static_cast<std::uint64_t>(u32(r.subspan(0, 2))) << 32) | u32(r.subspan(2, 2));
}

// SunSpec scale factors are -10 to 10; anything else is treated like "not
// implemented" rather than producing infinities.
std::optional<int> scale_factor(std::uint16_t raw) {
  const auto sf = static_cast<std::int16_t>(raw);
  if (raw == 0x8000 || sf < -10 || sf > 10) {
    return std::nullopt;
  }
  return sf;
}

double apply_scale(double value, int sf) {
  // Dividing by a power of ten keeps 5001 * 10^-2 at the double nearest 50.01.
  return sf < 0 ? value / std::pow(10.0, -sf) : value * std::pow(10.0, sf);
}

// The raw value of a point (no scale factor applied); empty when the device
// says "not implemented" (SunSpec Information Model Specification, table of
// unimplemented values).
Point decode_raw(const PointDef& def, std::span<const std::uint16_t> r) {
  Point point;
  point.definition = &def;
  point.integral = true;
  auto set = [&](bool implemented, double value) {
    if (implemented) {
      point.number = value;
    }
  };
  switch (def.type) {
    case PointType::kInt16:
      set(r[0] != 0x8000, static_cast<std::int16_t>(r[0]));
      break;
    case PointType::kSunssf:
      if (const auto sf = scale_factor(r[0])) {
        point.number = *sf;
      }
      break;
    case PointType::kUint16:
    case PointType::kEnum16:
    case PointType::kBitfield16:
    case PointType::kCount:
      set(r[0] != 0xFFFF, r[0]);
      break;
    case PointType::kAcc16:
      set(r[0] != 0, r[0]);
      break;
    case PointType::kInt32:
      set(u32(r) != 0x80000000U, static_cast<std::int32_t>(u32(r)));
      break;
    case PointType::kUint32:
    case PointType::kEnum32:
    case PointType::kBitfield32:
      set(u32(r) != 0xFFFFFFFFU, u32(r));
      break;
    case PointType::kAcc32:
      set(u32(r) != 0, u32(r));
      break;
    case PointType::kUint64:
      set(u64(r) != std::numeric_limits<std::uint64_t>::max(), static_cast<double>(u64(r)));
      break;
    case PointType::kAcc64:
      set(u64(r) != 0, static_cast<double>(u64(r)));
      break;
    case PointType::kFloat32: {
      point.integral = false;
      const float value = std::bit_cast<float>(u32(r));
      set(!std::isnan(value), value);
      break;
    }
    case PointType::kString: {
      point.integral = false;
      std::string text;
      bool any = false;
      for (std::uint16_t word : r) {
        for (const auto byte :
             {static_cast<unsigned char>(word >> 8), static_cast<unsigned char>(word & 0xFF)}) {
          any = any || byte != 0;
          text.push_back(byte >= 0x20 && byte < 0x7F ? static_cast<char>(byte)
                         : byte == 0                 ? '\0'
                                                     : '?');
        }
      }
      if (any) {
        // NUL-terminated when shorter than the field; SunSpec pads with NULs,
        // some devices with spaces.
        text.resize(std::min(text.find('\0'), text.size()));
        while (!text.empty() && text.back() == ' ') {
          text.pop_back();
        }
        point.text = std::move(text);
      }
      break;
    }
    case PointType::kPad:
      break;
  }
  return point;
}

// Fills `out` with the points of `defs` found at `start` of `regs` (fitting
// within `limit` registers of it), scaling with the fixed part's factors.
void decode_points(std::span<const PointDef> defs, std::span<const std::uint16_t> regs,
                   std::size_t start, std::size_t limit, const DecodedModel& fixed,
                   std::vector<Point>& out) {
  for (const PointDef& def : defs) {
    if (def.type == PointType::kPad) {
      continue;
    }
    if (def.offset + def.size > limit || start + def.offset + def.size > regs.size()) {
      continue;
    }
    Point point = decode_raw(def, regs.subspan(start + def.offset, def.size));
    if (!def.sf.empty() && point.number) {
      const Point* sf = fixed.find(def.sf);
      if (sf == nullptr || !sf->number) {
        point.number.reset();
      } else {
        point.number = apply_scale(*point.number, static_cast<int>(*sf->number));
        point.integral = false;
      }
    }
    out.push_back(std::move(point));
  }
}

}  // namespace

const Point* DecodedModel::find(std::string_view name) const {
  for (const Point& point : points) {
    if (point.definition->name == name) {
      return &point;
    }
  }
  return nullptr;
}

std::optional<double> DecodedModel::number(std::string_view name) const {
  const Point* point = find(name);
  return point != nullptr ? point->number : std::nullopt;
}

const ModelInstance* find_instance(std::span<const ModelInstance> models, std::uint16_t id) {
  for (const ModelInstance& model : models) {
    if (model.id == id) {
      return &model;
    }
  }
  return nullptr;
}

common::Result<Discovery> discover(modbus::Transport& transport, int unit) {
  Discovery discovery;
  bool found = false;
  std::string tried;
  for (const std::uint16_t base : kBaseAddresses) {
    auto marker = transport.read_registers(unit, RegisterKind::kHolding, base, 2);
    if (!marker) {
      if (marker.error().kind == common::ErrorKind::kIoError) {
        return marker.error();
      }
      if (tried.empty()) {
        tried = "; first answer: " + marker.error().message;
      }
      continue;
    }
    if ((*marker)[0] == kMarkerHigh && (*marker)[1] == kMarkerLow) {
      discovery.base = base;
      found = true;
      break;
    }
  }
  if (!found) {
    return common::make_error(common::ErrorKind::kNotFound,
                              "unit " + std::to_string(unit) +
                                  ": no SunSpec device (no \"SunS\" marker at 40000, 50000 or 0)" +
                                  tried);
  }
  // Addresses only grow along the chain, so the walk ends within 64 Ki
  // registers whatever the device says.
  std::uint32_t address = discovery.base + 2U;
  while (true) {
    if (address + 2 > 65536) {
      discovery.end_marker = false;
      break;
    }
    const auto at = static_cast<std::uint16_t>(address);
    auto header = transport.read_registers(unit, RegisterKind::kHolding, at, 2);
    if (!header) {
      if (header.error().kind == common::ErrorKind::kIoError) {
        return header.error();
      }
      // No end marker: keep what was found (some devices stop the map there).
      discovery.end_marker = false;
      break;
    }
    const std::uint16_t id = (*header)[0];
    const std::uint16_t length = (*header)[1];
    if (id == kEndId) {
      break;
    }
    if (address + 2U + length > 65536) {
      discovery.end_marker = false;
      break;
    }
    discovery.models.push_back(ModelInstance{id, at, length, find_model(id)});
    address += 2U + length;
  }
  return discovery;
}

common::Result<std::vector<std::uint16_t>> read_model_registers(modbus::Transport& transport,
                                                                int unit,
                                                                const ModelInstance& model) {
  const std::uint32_t total = 2U + model.length;
  if (model.address + total > 65536) {
    return common::make_error(common::ErrorKind::kCorruption, where(unit, model) + ": length " +
                                                                  std::to_string(model.length) +
                                                                  " runs past register 65535");
  }
  std::vector<std::uint16_t> registers;
  registers.reserve(total);
  for (std::uint32_t done = 0; done < total;) {
    const auto count =
        static_cast<std::uint16_t>(std::min<std::uint32_t>(kMaxReadRegisters, total - done));
    auto block = transport.read_registers(unit, RegisterKind::kHolding,
                                          static_cast<std::uint16_t>(model.address + done), count);
    if (!block) {
      return common::make_error(block.error().kind,
                                where(unit, model) + ": " + block.error().message);
    }
    if (block->size() != count) {
      return common::make_error(common::ErrorKind::kCorruption,
                                where(unit, model) + ": the device answered " +
                                    std::to_string(block->size()) + " registers for " +
                                    std::to_string(count));
    }
    registers.insert(registers.end(), block->begin(), block->end());
    done += count;
  }
  return registers;
}

DecodedModel decode_model(const ModelInstance& model, std::span<const std::uint16_t> registers) {
  DecodedModel decoded;
  decoded.instance = model;
  const ModelDef* def = model.definition;
  if (def == nullptr) {
    return decoded;
  }
  const std::size_t limit = std::min<std::size_t>(2U + model.length, registers.size());
  // Scale-factor points first: the fixed part's other points refer to them
  // wherever they sit (before or after the point they scale).
  DecodedModel factors;
  for (const PointDef& point : def->points) {
    if (point.type == PointType::kSunssf && point.offset + point.size <= limit) {
      factors.points.push_back(decode_raw(point, registers.subspan(point.offset, point.size)));
    }
  }
  decode_points(def->points, registers, 0, limit, factors, decoded.points);
  if (def->block_length > 0 && limit > def->fixed_length) {
    const std::size_t count = (limit - def->fixed_length) / def->block_length;
    decoded.blocks.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      decode_points(def->block, registers, def->fixed_length + i * def->block_length,
                    def->block_length, factors, decoded.blocks[i]);
    }
  }
  return decoded;
}

common::Result<DecodedModel> read_model(modbus::Transport& transport, int unit,
                                        const ModelInstance& model) {
  auto registers = read_model_registers(transport, unit, model);
  if (!registers) {
    return registers.error();
  }
  return decode_model(model, *registers);
}

common::Status write_point(modbus::Transport& transport, int unit, const ModelInstance& model,
                           std::string_view name, double value) {
  const std::string place = where(unit, model) + " point " + std::string(name);
  if (model.definition == nullptr) {
    return common::make_error(common::ErrorKind::kUnsupported,
                              place + ": the model is not one Kirchhoff decodes");
  }
  const PointDef* point = find_point(*model.definition, name);
  if (point == nullptr) {
    return common::make_error(common::ErrorKind::kNotFound, place + ": no such point");
  }
  if (!point->writable) {
    return common::make_error(common::ErrorKind::kInvalidArgument, place + ": read-only");
  }
  if (point->offset + point->size > 2U + model.length) {
    return common::make_error(common::ErrorKind::kNotFound,
                              place + ": past the model's length on this device");
  }
  if (!std::isfinite(value)) {
    return common::make_error(common::ErrorKind::kInvalidArgument, place + ": not a number");
  }
  double raw = value;
  if (!point->sf.empty()) {
    const PointDef* sf_point = find_point(*model.definition, point->sf);
    if (sf_point == nullptr || sf_point->offset >= 2U + model.length) {
      return common::make_error(
          common::ErrorKind::kCorruption,
          place + ": its scale factor " + std::string(point->sf) + " is missing");
    }
    auto sf_raw =
        transport.read_registers(unit, RegisterKind::kHolding,
                                 static_cast<std::uint16_t>(model.address + sf_point->offset), 1);
    if (!sf_raw) {
      return common::make_error(sf_raw.error().kind, place + ": " + sf_raw.error().message);
    }
    const auto sf = scale_factor((*sf_raw)[0]);
    if (!sf) {
      return common::make_error(
          common::ErrorKind::kUnsupported,
          place + ": its scale factor " + std::string(point->sf) + " is not implemented");
    }
    raw = apply_scale(value, -*sf);
  }
  raw = std::round(raw);
  auto out_of_range = [&](double min, double max) -> std::optional<common::Error> {
    if (raw < min || raw > max) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                place + ": " + std::to_string(value) + " is out of range for " +
                                    point_type_name(point->type));
    }
    return std::nullopt;
  };
  std::vector<std::uint16_t> words;
  switch (point->type) {
    case PointType::kInt16:
      // 0x8000 means "not implemented"; never write it as a value.
      if (auto error = out_of_range(-32767, 32767)) {
        return *error;
      }
      words.push_back(static_cast<std::uint16_t>(static_cast<std::int16_t>(raw)));
      break;
    case PointType::kUint16:
    case PointType::kEnum16:
    case PointType::kBitfield16:
      if (auto error = out_of_range(0, 65534)) {
        return *error;
      }
      words.push_back(static_cast<std::uint16_t>(raw));
      break;
    case PointType::kInt32: {
      if (auto error = out_of_range(-2147483647.0, 2147483647.0)) {
        return *error;
      }
      const auto bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(raw));
      words = {static_cast<std::uint16_t>(bits >> 16), static_cast<std::uint16_t>(bits & 0xFFFF)};
      break;
    }
    case PointType::kUint32:
    case PointType::kEnum32:
    case PointType::kBitfield32: {
      if (auto error = out_of_range(0, 4294967294.0)) {
        return *error;
      }
      const auto bits = static_cast<std::uint32_t>(raw);
      words = {static_cast<std::uint16_t>(bits >> 16), static_cast<std::uint16_t>(bits & 0xFFFF)};
      break;
    }
    case PointType::kFloat32: {
      const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(value));
      words = {static_cast<std::uint16_t>(bits >> 16), static_cast<std::uint16_t>(bits & 0xFFFF)};
      break;
    }
    default:
      return common::make_error(
          common::ErrorKind::kUnsupported,
          place + ": writing a " + std::string(point_type_name(point->type)) + " is not supported");
  }
  auto status = transport.write_registers(
      unit, static_cast<std::uint16_t>(model.address + point->offset), words);
  if (!status) {
    return common::make_error(status.error().kind, place + ": " + status.error().message);
  }
  return common::Status::success();
}

}  // namespace kirchhoff::devices::sunspec
