// The JSON of `kirchhoff sunspec` (docs/modbus.md): one object per model with
// id, address, length and its scaled points; not-implemented points null.
#pragma once

#include <nlohmann/json.hpp>

#include "devices/sunspec/sunspec.hpp"

namespace kirchhoff::devices::sunspec {

// {"id": 103, "address": 40070, "length": 50, "points": {"W": 4200.0, ...}};
// a repeating group is a list of blocks under its name ("module": [{...}]).
nlohmann::ordered_json to_json(const DecodedModel& model);

}  // namespace kirchhoff::devices::sunspec
