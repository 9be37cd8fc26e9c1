// Reading and checking a register map file (docs/modbus-maps.md).
//
// check_map() parses YAML text into a RegisterMap and reports every problem
// with its line and column; load_map() does the same and folds the problems
// into one error, one "SOURCE:LINE:COL: error: message" line each (the
// `kirchhoff check` format). Neither throws on bad input; both are safe on
// arbitrary bytes (fuzzed by fuzz/fuzz_modbus_map.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "devices/modbus/maps/register_map.hpp"
#include "model/loader.hpp"

namespace kirchhoff::devices::maps {

struct MapCheck {
  std::optional<RegisterMap> map;              // present only when there is no error
  std::vector<model::Diagnostic> diagnostics;  // sorted by position
};

MapCheck check_map(std::string_view yaml_text);

common::Result<RegisterMap> load_map(std::string_view yaml_text, std::string_view source_name);

}  // namespace kirchhoff::devices::maps
