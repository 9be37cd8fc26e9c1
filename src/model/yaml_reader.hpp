// Helpers for reading YAML nodes into typed values while collecting
// diagnostics with positions. Internal to the model library.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/loader.hpp"

namespace kirchhoff::model::detail {

class YamlReader {
 public:
  explicit YamlReader(std::vector<Diagnostic>& out) : out_(out) {}

  static SourcePos pos_of(const YAML::Node& node);

  void error(SourcePos pos, std::string message);
  void warning(SourcePos pos, std::string message);

  // True when `node` is a map; otherwise reports "`what` must be a mapping".
  bool expect_map(const YAML::Node& node, std::string_view what);
  bool expect_sequence(const YAML::Node& node, std::string_view what);

  // Reports keys not in `allowed` (with a did-you-mean hint), duplicate keys
  // and non-scalar keys. Returns false when any was found.
  bool check_keys(const YAML::Node& map, std::span<const std::string_view> allowed,
                  std::string_view where);

  // A child of a map: reports a missing required key at the map's position.
  std::optional<YAML::Node> child(const YAML::Node& map, std::string_view key,
                                  std::string_view where, bool required);

  std::optional<std::string> scalar(const YAML::Node& node, std::string_view what);
  std::optional<double> number(const YAML::Node& node, std::string_view what);
  std::optional<int> integer(const YAML::Node& node, std::string_view what);
  std::optional<bool> boolean(const YAML::Node& node, std::string_view what);

  // A scalar that must be one of `names`; reports the allowed values and a hint.
  std::optional<std::string> one_of(const YAML::Node& node, std::string_view what,
                                    std::span<const std::string_view> names);

 private:
  std::vector<Diagnostic>& out_;
};

}  // namespace kirchhoff::model::detail
