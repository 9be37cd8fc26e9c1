// SunSpec model definitions as data: for every model Kirchhoff decodes, its
// points with offset, type, size, scale-factor point, units and whether the
// point is writable. Transcribed from the official SunSpec model definitions
// (sunspec/models, json/model_<id>.json); see docs/modbus.md.
//
// Offsets of a model's fixed points count from the model's ID register (ID is
// at 0, L at 1). A repeating group's points count from the start of each
// block. Groups that occur once are flattened with a dotted name
// ("PFWInj.PF"). Constant data; safe to share between threads.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace kirchhoff::devices::sunspec {

enum class PointType {
  kInt16,
  kUint16,
  kAcc16,
  kInt32,
  kUint32,
  kAcc32,
  kUint64,
  kAcc64,
  kFloat32,
  kString,
  kEnum16,
  kEnum32,
  kBitfield16,
  kBitfield32,
  kSunssf,
  kPad,
  kCount,
};

const char* point_type_name(PointType type);

struct PointDef {
  std::string_view name;
  std::uint16_t offset;  // registers from the model's ID register (or the block's start)
  PointType type;
  std::uint16_t size;      // registers
  std::string_view sf;     // name of the scale-factor point in the fixed part; empty: none
  std::string_view units;  // as SunSpec writes them ("W", "Wh", "% WMax"); may be empty
  bool writable;
};

struct ModelDef {
  std::uint16_t id;
  std::string_view name;
  std::span<const PointDef> points;  // the fixed part, ID and L included
  std::uint16_t fixed_length;        // registers of the fixed part, ID and L included
  std::string_view group;            // the repeating group's name; empty: none
  std::span<const PointDef> block;   // the repeating group's points
  std::uint16_t block_length;        // registers of one block
};

// The definition of model `id`, or nullptr for a model Kirchhoff does not decode.
const ModelDef* find_model(std::uint16_t id);
// Every defined model, by ascending id.
std::span<const ModelDef> all_models();
// The fixed point `name` of `model`, or nullptr.
const PointDef* find_point(const ModelDef& model, std::string_view name);

}  // namespace kirchhoff::devices::sunspec
