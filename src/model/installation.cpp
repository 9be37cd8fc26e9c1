#include "model/installation.hpp"

#include <charconv>
#include <cmath>

namespace kirchhoff::model {

const CtInput* BusDevice::input(int number) const {
  for (const auto& in : inputs) {
    if (in.number == number) {
      return &in;
    }
  }
  return nullptr;
}

double kilo_to_unit(double kilo) { return std::round(kilo * 1e9) / 1e6; }

std::string InputRef::to_string() const { return device + "/" + std::to_string(number); }

void InputRef::write_to(std::string& out) const {
  char digits[12];
  const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out.assign(device);
  out += '/';
  out.append(digits, end);
}

std::optional<InputRef> parse_input_ref(std::string_view text) {
  const auto slash = text.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) {
    return std::nullopt;
  }
  const std::string_view digits = text.substr(slash + 1);
  int number = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return InputRef{std::string(text.substr(0, slash)), number};
}

std::string_view load_kind_name(LoadKind kind) {
  switch (kind) {
    case LoadKind::kGrid:
      return "grid";
    case LoadKind::kSolar:
      return "solar";
    case LoadKind::kBattery:
      return "battery";
    case LoadKind::kEv:
      return "ev";
    case LoadKind::kHeatpump:
      return "heatpump";
    case LoadKind::kConsumer:
      return "consumer";
  }
  return "?";
}

std::optional<LoadKind> parse_load_kind(std::string_view text) {
  for (LoadKind kind : {LoadKind::kGrid, LoadKind::kSolar, LoadKind::kBattery, LoadKind::kEv,
                        LoadKind::kHeatpump, LoadKind::kConsumer}) {
    if (load_kind_name(kind) == text) {
      return kind;
    }
  }
  return std::nullopt;
}

const BusDevice* Installation::find_device(std::string_view id) const {
  for (const auto& device : bus) {
    if (device.id == id) {
      return &device;
    }
  }
  return nullptr;
}

const CtInput* Installation::find_input(const InputRef& ref) const {
  const BusDevice* device = find_device(ref.device);
  return device ? device->input(ref.number) : nullptr;
}

const Load* Installation::find_load(std::string_view name) const {
  for (const auto& load : loads) {
    if (load.name == name) {
      return &load;
    }
  }
  return nullptr;
}

int Installation::measurement_points() const {
  int points = 0;
  for (const auto& device : bus) {
    points += bus_device_info(device.kind).input_count;
  }
  return points;
}

const DeviceConfig* Installation::device_for_load(std::string_view load) const {
  for (const DeviceConfig& device : devices) {
    if (!device.load.empty() && device.load == load) {
      return &device;
    }
  }
  return nullptr;
}

}  // namespace kirchhoff::model
