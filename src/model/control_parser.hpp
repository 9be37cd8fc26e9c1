// Reading the `control:` section of an installation file (internal to the
// model library; docs/control.md has the format).
#pragma once

#include <yaml-cpp/yaml.h>

#include <vector>

#include "model/installation.hpp"
#include "model/loader.hpp"
#include "model/yaml_reader.hpp"

namespace kirchhoff::model::detail {

// Fills `config` from the section, reporting shape and range problems.
void parse_control(const YAML::Node& node, YamlReader& reader, ControlConfig& config);

// The rules that need the rest of the installation: circuits name existing
// loads and parents without cycles, relays name Output module outputs,
// signals name status inputs, an export limit in % needs PV.
std::vector<Diagnostic> validate_control(const Installation& installation);

}  // namespace kirchhoff::model::detail
