// The maps shipped with Kirchhoff (data/*.yaml), built into the binary by
// CMake so that a kirchhoff run outside the source tree has them. Lookups are
// pure functions over constant data; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "devices/modbus/maps/register_map.hpp"

namespace kirchhoff::devices::maps {

struct BuiltinMap {
  std::string_view id;    // the file name without ".yaml"
  std::string_view text;  // the file's YAML, byte for byte
};

// Every shipped map, sorted by id.
std::span<const BuiltinMap> builtin_maps();
std::vector<std::string_view> builtin_map_ids();
std::optional<std::string_view> builtin_map_text(std::string_view id);

// The shipped map `id`, loaded. kNotFound names the shipped ids (with a
// did-you-mean hint) when there is none.
common::Result<RegisterMap> find_builtin_map(std::string_view id);

// What an installation's `map:` says: a path when it contains '/' or ends in
// ".yaml" (relative paths are taken from `base_dir`, the installation file's
// folder), else a shipped id. Errors name the file and line.
common::Result<RegisterMap> resolve_map(std::string_view spec, const std::string& base_dir);

}  // namespace kirchhoff::devices::maps
