#include "devices/modbus/maps/builtin_maps.hpp"

#include "common/text.hpp"
#include "devices/modbus/maps/map_loader.hpp"

namespace kirchhoff::devices::maps {

namespace detail {
// Defined in the source CMake generates from data/*.yaml.
std::span<const BuiltinMap> embedded_maps();
}  // namespace detail

std::span<const BuiltinMap> builtin_maps() { return detail::embedded_maps(); }

std::vector<std::string_view> builtin_map_ids() {
  std::vector<std::string_view> ids;
  for (const BuiltinMap& map : builtin_maps()) {
    ids.push_back(map.id);
  }
  return ids;
}

std::optional<std::string_view> builtin_map_text(std::string_view id) {
  for (const BuiltinMap& map : builtin_maps()) {
    if (map.id == id) {
      return map.text;
    }
  }
  return std::nullopt;
}

common::Result<RegisterMap> find_builtin_map(std::string_view id) {
  const auto text = builtin_map_text(id);
  if (!text) {
    const auto ids = builtin_map_ids();
    return common::make_error(common::ErrorKind::kNotFound,
                              "no shipped Modbus map '" + std::string(id) + "'" +
                                  common::did_you_mean(id, ids) +
                                  "; shipped maps: " + common::join_alternatives(ids));
  }
  return load_map(*text, std::string(id) + ".yaml");
}

common::Result<RegisterMap> resolve_map(std::string_view spec, const std::string& base_dir) {
  const bool is_path = spec.find('/') != std::string_view::npos ||
                       (spec.size() > 5 && spec.substr(spec.size() - 5) == ".yaml");
  if (!is_path) {
    return find_builtin_map(spec);
  }
  std::string path(spec);
  if (!path.empty() && path.front() != '/' && !base_dir.empty()) {
    path = base_dir + "/" + path;
  }
  const auto text = common::read_file(path);
  if (!text) {
    return common::make_error(common::ErrorKind::kIoError,
                              path + ": cannot read the Modbus map file");
  }
  return load_map(*text, path);
}

}  // namespace kirchhoff::devices::maps
