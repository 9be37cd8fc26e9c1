#include "model/describe.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace kirchhoff::model {

namespace {

// Which load (and which of its channels) uses each CT input.
std::map<InputRef, std::string> input_users(const Installation& inst) {
  std::map<InputRef, std::string> users;
  for (const Load& load : inst.loads) {
    for (const LoadChannel& channel : load.channels) {
      users.emplace(channel.input, load.name + " " + std::string(phase_name(channel.phase)) +
                                       (channel.reversed ? " (reversed)" : ""));
    }
  }
  return users;
}

// Tree drawing: "├─ " for all but the last child, "└─ " for the last.
std::string branch(bool last) { return last ? "└─ " : "├─ "; }
std::string stem(bool last) { return last ? "   " : "│  "; }

}  // namespace

std::vector<BomLine> bill_of_materials(const Installation& inst) {
  std::vector<BomLine> bom;
  const TopologyInfo& topo = topology_info(inst.site.topology);
  const GatewayInfo& gateway = gateway_info(inst.gateway);
  if (gateway.has_power_box) {
    bom.push_back({topo.us_power_box ? "I1-VAC-1-US" : "I1-VAC-1",
                   topo.us_power_box ? "Smappee Power Box (Americas)" : "Smappee Power Box", 1});
  }
  bom.push_back({std::string(gateway.article), std::string(gateway.product), 1});
  if (!gateway.has_power_box) {
    // The Genius Flex takes its phase voltages through a 6-pole cable.
    const bool three_phase = topo.phase_count == 3;
    bom.push_back({three_phase ? "GF-CBL-3F-200" : "GF-CBL-1F-200",
                   three_phase ? "6P - 3-phase cable 200 cm" : "6P - 1-phase cable 200 cm", 1});
  }
  for (BusDeviceKind kind : {BusDeviceKind::kCtHub, BusDeviceKind::kSolidCoreCt}) {
    const auto count = std::count_if(inst.bus.begin(), inst.bus.end(),
                                     [&](const BusDevice& d) { return d.kind == kind; });
    const BusDeviceInfo& info = bus_device_info(kind);
    bom.push_back({std::string(info.article), std::string(info.product), static_cast<int>(count)});
  }
  // CTs plugged into CT Hubs; a Solid Core 3-Phase CT has its sensors built in.
  for (const CtTypeInfo& type : all_ct_types()) {
    int count = 0;
    for (const BusDevice& device : inst.bus) {
      if (device.kind != BusDeviceKind::kCtHub) {
        continue;
      }
      count += static_cast<int>(std::count_if(device.inputs.begin(), device.inputs.end(),
                                              [&](const CtInput& in) { return in.ct == type.id; }));
    }
    bom.push_back({std::string(type.article), std::string(type.product), count});
  }
  const auto inputs = std::count_if(inst.modules.begin(), inst.modules.end(),
                                    [](const Module& m) { return m.kind == ModuleKind::kInput; });
  const auto outputs = static_cast<long>(inst.modules.size()) - inputs;
  bom.push_back({"I1-INP-1", "Smappee Input module", static_cast<int>(inputs)});
  bom.push_back({"I1-OUT-1", "Smappee Output module", static_cast<int>(outputs)});
  // A-bus: one short cable from the Power Box (or Genius Flex) to the first
  // device and one between each pair of neighbours. B-bus: the Power Box
  // chains through every module to the gateway (the Genius Flex is both ends).
  const int a_cables = static_cast<int>(inst.bus.size());
  const int b_cables = static_cast<int>(inst.modules.size()) + (gateway.has_power_box ? 1 : 0);
  bom.push_back({"AC-IBC40", "Smappee Bus cable 40 cm (A-bus)", a_cables});
  bom.push_back({"AC-IBC150", "Smappee Bus cable 150 cm (B-bus)", b_cables});
  bom.push_back(
      {"-", "Bus termination plug, in the last A-bus device (supplied)", inst.bus.empty() ? 0 : 1});
  std::erase_if(bom, [](const BomLine& line) { return line.quantity == 0; });
  return bom;
}

namespace {

// The equipment the file states, in the order a data sheet gives it.
void describe_equipment(std::ostream& out, const Load& load) {
  auto item = [&](const std::optional<double>& value, std::string_view before,
                  std::string_view unit) {
    if (value) {
      out << ", " << before << common::shortest_number(*value) << unit;
    }
  };
  item(load.capacity_kwh, "", " kWh");
  item(load.power_kw, "", " kW");
  item(load.kwp, "", " kWp");
  item(load.inverter_kw, "inverter ", " kW");
  item(load.tilt_deg, "tilt ", " deg");
  item(load.azimuth_deg, "azimuth ", " deg");
  item(load.car_battery_kwh, "car battery ", " kWh");
  item(load.car_charge_kw, "car charges at ", " kW");
}

}  // namespace

std::string describe_installation(const Installation& inst) {
  std::ostringstream out;
  const TopologyInfo& topo = topology_info(inst.site.topology);
  const GatewayInfo& gateway = gateway_info(inst.gateway);
  out << "Site '" << inst.site.name << "': " << topo.name << " (" << topo.description << "), "
      << common::shortest_number(inst.site.frequency_hz) << " Hz, main breaker "
      << common::shortest_number(inst.site.main_breaker_a) << " A\n";
  out << "Gateway: " << gateway.product << " (" << gateway.name << ")"
      << (gateway.has_power_box ? " with Power Box" : ", measures the voltages itself") << "\n";

  const auto users = input_users(inst);
  out << "\nA-bus, in cable order: " << inst.measurement_points() << " of " << kMaxMeasurementPoints
      << " measurement points used\n";
  for (std::size_t i = 0; i < inst.bus.size(); ++i) {
    const BusDevice& device = inst.bus[i];
    const BusDeviceInfo& info = bus_device_info(device.kind);
    const bool last = i + 1 == inst.bus.size();
    out << branch(last) << (i + 1) << ". " << info.product << " '" << device.id << "'\n";
    for (int n = 1; n <= info.input_count; ++n) {
      out << stem(last) << branch(n == info.input_count) << "input " << n << ": ";
      if (const CtInput* input = device.input(n)) {
        out << ct_type_info(input->ct).name;
        const auto user = users.find(InputRef{device.id, n});
        out << (user != users.end() ? " -> " + user->second : " (not used by a load)");
      } else {
        out << "free";
      }
      out << "\n";
    }
  }
  if (inst.bus.empty()) {
    out << "└─ (no devices)\n";
  }

  out << "\nLoads\n";
  for (std::size_t i = 0; i < inst.loads.size(); ++i) {
    const Load& load = inst.loads[i];
    const bool last = i + 1 == inst.loads.size();
    const std::size_t phases =
        load.channels.empty() ? load.device_phases.size() : load.channels.size();
    out << branch(last) << load.name << " [" << load_kind_name(load.kind) << "] " << phases
        << (phases == 1 ? " phase" : " phases");
    if (load.breaker_a) {
      out << ", breaker " << common::shortest_number(*load.breaker_a) << " A";
    }
    describe_equipment(out, load);
    if (const DeviceConfig* device = inst.device_for_load(load.name)) {
      out << ", measured by " << device->name << " (" << device->driver << ")";
    }
    out << "\n";
    for (std::size_t c = 0; c < load.channels.size(); ++c) {
      const LoadChannel& channel = load.channels[c];
      out << stem(last) << branch(c + 1 == load.channels.size()) << phase_name(channel.phase)
          << ": " << channel.input.to_string();
      if (const CtInput* input = inst.find_input(channel.input)) {
        out << " (" << ct_type_info(input->ct).name << ")";
      }
      if (channel.reversed) {
        out << ", reversed";
      }
      out << "\n";
    }
  }
  if (inst.loads.empty()) {
    out << "└─ (no loads)\n";
  }

  if (!inst.devices.empty()) {
    out << "\nDevices\n";
    for (std::size_t i = 0; i < inst.devices.size(); ++i) {
      const DeviceConfig& device = inst.devices[i];
      out << branch(i + 1 == inst.devices.size()) << device.name << " [" << device.driver;
      if (!device.map.empty()) {
        out << ", map " << device.map;
      }
      out << "] ";
      if (device.p1) {
        out << (device.p1->tcp.empty() ? device.p1->serial : device.p1->tcp);
      } else if (device.modbus) {
        out << (device.modbus->tcp.empty() ? device.modbus->rtu : device.modbus->tcp) << " unit "
            << device.modbus->unit;
      } else if (device.mqtt) {
        out << device.mqtt->power_topic << " on "
            << (device.mqtt->broker.empty() ? "the daemon's broker" : device.mqtt->broker);
      }
      out << ", every " << device.poll_ms << " ms";
      if (!device.load.empty()) {
        out << ", for " << device.load;
      }
      out << "\n";
    }
  }

  out << "\nB-bus modules: " << inst.modules.size() << " of " << kMaxModules << "\n";
  for (std::size_t i = 0; i < inst.modules.size(); ++i) {
    const Module& module = inst.modules[i];
    const bool last = i + 1 == inst.modules.size();
    if (module.kind == ModuleKind::kInput) {
      out << branch(last) << "Input module '" << module.id << "'\n";
      for (std::size_t k = 0; k < module.inputs.size(); ++k) {
        const ModuleInput& in = module.inputs[k];
        out << stem(last) << branch(k + 1 == module.inputs.size()) << "input " << in.number << ": "
            << in.name;
        if (in.kind == ModuleInputKind::kPulse) {
          out << ", pulses, " << common::shortest_number(in.pulses_per_unit) << " per " << in.unit;
        } else {
          out << ", status";
        }
        out << "\n";
      }
    } else {
      out << branch(last) << "Output module '" << module.id << "'\n";
      for (std::size_t k = 0; k < module.outputs.size(); ++k) {
        const ModuleOutput& o = module.outputs[k];
        out << stem(last) << branch(k + 1 == module.outputs.size()) << "output " << o.number << ": "
            << o.name << ", "
            << (o.contact == Contact::kNormallyOpen ? "normally open" : "normally closed") << "\n";
      }
    }
  }

  out << "\nBill of materials\n";
  char line[160];
  std::snprintf(line, sizeof line, "  %-14s %4s  %s\n", "Article", "Qty", "Description");
  out << line;
  for (const BomLine& item : bill_of_materials(inst)) {
    std::snprintf(line, sizeof line, "  %-14s %4d  %s\n", item.article.c_str(), item.quantity,
                  item.description.c_str());
    out << line;
  }
  return out.str();
}

}  // namespace kirchhoff::model
