// SunSpec over the Modbus Transport seam: discovery of the "SunS" marker and
// the model chain, reading and decoding whole models, writing one point with
// its scale factor (docs/modbus.md).
//
// Free functions over a borrowed Transport; nothing here keeps state between
// calls or touches a socket itself. Not thread-safe beyond the transport's own
// guarantee (one caller at a time).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "devices/modbus/transport.hpp"
#include "devices/sunspec/models.hpp"

namespace kirchhoff::devices::sunspec {

// "SunS" in two registers, and the ID that ends the model chain.
inline constexpr std::uint16_t kMarkerHigh = 0x5375;
inline constexpr std::uint16_t kMarkerLow = 0x6E53;
inline constexpr std::uint16_t kEndId = 0xFFFF;
// Where discovery looks for the marker, in this order (SunSpec Information
// Model Specification: 40000, 50000, 0).
inline constexpr std::array<std::uint16_t, 3> kBaseAddresses = {40000, 50000, 0};
// The most registers one read asks for (Modbus function 3 limit).
inline constexpr std::uint16_t kMaxReadRegisters = 125;

struct ModelInstance {
  std::uint16_t id = 0;
  std::uint16_t address = 0;             // protocol address of the model's ID register
  std::uint16_t length = 0;              // L: registers after ID and L
  const ModelDef* definition = nullptr;  // nullptr: a model Kirchhoff does not decode
};

struct Discovery {
  std::uint16_t base = 0;  // where the marker is
  std::vector<ModelInstance> models;
  bool end_marker = true;  // false: the chain ended without ID 0xFFFF
};

// One decoded point. `number` and `text` are both empty when the device
// reports the point as not implemented (or its scale factor is).
struct Point {
  const PointDef* definition = nullptr;
  std::optional<double> number;     // scaled; every type but string
  std::optional<std::string> text;  // strings only, printable ASCII ('?' for other bytes)
  bool integral = false;            // an unscaled integer (enum, bitfield, count, sunssf, ...)
};

struct DecodedModel {
  ModelInstance instance;
  std::vector<Point> points;               // fixed part in definition order, pads left out
  std::vector<std::vector<Point>> blocks;  // the repeating group, one entry per block

  // The fixed point `name`, or nullptr when the model has none or it lies
  // past the model's length.
  const Point* find(std::string_view name) const;
  // Its number; empty when absent or not implemented.
  std::optional<double> number(std::string_view name) const;
};

// Finds the marker at 40000, 50000 or 0 (holding registers) and walks the
// model chain. A Modbus exception at a base moves on to the next; a link
// error (timeout, connection refused or lost) is returned as is. No marker
// anywhere is kNotFound.
common::Result<Discovery> discover(modbus::Transport& transport, int unit);

// The first instance of model `id`, or nullptr.
const ModelInstance* find_instance(std::span<const ModelInstance> models, std::uint16_t id);

// The model's 2 + L registers (ID first), read in blocks of at most 125.
common::Result<std::vector<std::uint16_t>> read_model_registers(modbus::Transport& transport,
                                                                int unit,
                                                                const ModelInstance& model);

// Decodes `registers` (ID first, as read_model_registers returns them) with
// the model's definition. Pure; never fails: points that do not fit in the
// registers given or in the model's length are left out; an unknown model
// decodes to no points. Safe on any input (fuzzed).
DecodedModel decode_model(const ModelInstance& model, std::span<const std::uint16_t> registers);

// read_model_registers + decode_model.
common::Result<DecodedModel> read_model(modbus::Transport& transport, int unit,
                                        const ModelInstance& model);

// Writes `value` (in the point's units, e.g. % for WMaxLimPct) to a writable
// point of `model`: divided by 10^sf of its scale factor (read from the device
// first), rounded, range-checked for the point's type. Enums and bitfields
// take their raw number.
common::Status write_point(modbus::Transport& transport, int unit, const ModelInstance& model,
                           std::string_view point, double value);

}  // namespace kirchhoff::devices::sunspec
