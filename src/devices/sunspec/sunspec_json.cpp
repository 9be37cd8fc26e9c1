#include "devices/sunspec/sunspec_json.hpp"

#include <cmath>

namespace kirchhoff::devices::sunspec {

namespace {

nlohmann::ordered_json point_json(const Point& point) {
  if (point.text) {
    return *point.text;
  }
  if (!point.number || !std::isfinite(*point.number)) {
    return nullptr;
  }
  // Unscaled integers (enums, bitfields, counters, scale factors) print as
  // integers; measured values as numbers with a fraction ("W": 4200.0).
  if (point.integral && std::fabs(*point.number) < 9007199254740992.0) {
    return static_cast<std::int64_t>(*point.number);
  }
  return *point.number;
}

nlohmann::ordered_json points_json(const std::vector<Point>& points) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const Point& point : points) {
    out[std::string(point.definition->name)] = point_json(point);
  }
  return out;
}

}  // namespace

nlohmann::ordered_json to_json(const DecodedModel& model) {
  nlohmann::ordered_json out;
  out["id"] = model.instance.id;
  out["address"] = model.instance.address;
  out["length"] = model.instance.length;
  if (model.instance.definition != nullptr) {
    out["name"] = std::string(model.instance.definition->name);
  }
  nlohmann::ordered_json points = points_json(model.points);
  if (model.instance.definition != nullptr && !model.instance.definition->group.empty()) {
    nlohmann::ordered_json blocks = nlohmann::ordered_json::array();
    for (const auto& block : model.blocks) {
      blocks.push_back(points_json(block));
    }
    points[std::string(model.instance.definition->group)] = std::move(blocks);
  }
  out["points"] = std::move(points);
  return out;
}

}  // namespace kirchhoff::devices::sunspec
