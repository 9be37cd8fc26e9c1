// Reading the `devices:` section of an installation file (internal to the
// model library; docs/installation-file.md has the format).
#pragma once

#include <yaml-cpp/yaml.h>

#include <vector>

#include "model/installation.hpp"
#include "model/loader.hpp"
#include "model/yaml_reader.hpp"

namespace kirchhoff::model::detail {

// Fills `devices` from the section, reporting shape and range problems.
void parse_devices(const YAML::Node& node, YamlReader& reader, std::vector<DeviceConfig>& devices);

// The rules that need the rest of the installation: unique names, loads that
// exist, at most one device per load, loads without CT inputs measured by a
// device, a P1 meter on the grid.
std::vector<Diagnostic> validate_devices(const Installation& installation);

}  // namespace kirchhoff::model::detail
