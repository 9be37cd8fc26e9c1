// `kirchhoff describe`: the installation as an installer reads it (a tree of
// gateway, A-bus, loads and B-bus) and the bill of materials to order, with the
// article numbers of the manual's components overview.
#pragma once

#include <string>
#include <vector>

#include "model/installation.hpp"

namespace kirchhoff::model {

struct BomLine {
  std::string article;  // order number; "-" for parts supplied with another part
  std::string description;
  int quantity = 0;
};

// Parts in a fixed order: power supply and gateway, A-bus devices, CTs by type,
// B-bus modules, cables, termination plug. Lines with quantity 0 are left out.
std::vector<BomLine> bill_of_materials(const Installation& installation);

// The tree view followed by the bill of materials, ready to print.
std::string describe_installation(const Installation& installation);

}  // namespace kirchhoff::model
