#include "model/catalog.hpp"

#include <array>
#include <cmath>
#include <stdexcept>

namespace kirchhoff::model {

namespace {

// Nominal values: IEC 60038 (230/400 V), ANSI C84.1 (120/240, 120/208,
// 277/480, 347/600 V). 3P-230 is a delta without neutral: its virtual star
// voltage is 230/sqrt(3).
constexpr std::array<TopologyInfo, 7> kTopologies = {{
    {Topology::k1P230, "1P-230", "single phase 230 V", 1, true, 230.0, 0.0, 50.0, false},
    {Topology::k3PN400, "3P+N-400", "three-phase star 230/400 V", 3, true, 230.0, 400.0, 50.0,
     false},
    {Topology::k3P230, "3P-230", "three-phase delta 3x230 V without neutral", 3, false,
     132.79056191361394, 230.0, 50.0, false},
    {Topology::k2PN240, "2P+N-240", "split phase 120/240 V", 2, true, 120.0, 240.0, 60.0, true},
    {Topology::k3PN208, "3P+N-208", "three-phase star 120/208 V", 3, true, 120.0, 208.0, 60.0,
     true},
    {Topology::k3PN480, "3P+N-480", "three-phase star 277/480 V", 3, true, 277.0, 480.0, 60.0,
     true},
    {Topology::k3PN600, "3P+N-600", "three-phase star 347/600 V", 3, true, 347.0, 600.0, 60.0,
     true},
}};

// Article numbers from the components overview of the installation manual.
constexpr std::array<GatewayInfo, 5> kGateways = {{
    {Gateway::kGenius, "genius", "Smappee Genius", "I1-GW-1", true, true},
    {Gateway::kGeniusFlex, "genius-flex", "Smappee Genius Flex", "I1-GW-6", true, false},
    {Gateway::kConnect, "connect", "Smappee Connect", "I1-GW-3", false, true},
    {Gateway::kWifiConnect, "wifi-connect", "Smappee Wi-Fi Connect", "I1-GW-2", false, true},
    {Gateway::k4gConnect, "4g-connect", "Smappee 4G Connect", "I1-GW-4", false, true},
}};

constexpr std::array<CtTypeInfo, 8> kCtTypes = {{
    {CtType::kSplit50A, "split-50A", CtKind::kSplitCore, 50.0, "AC-CT-50A",
     "Split Core CT 50 A (180 cm cable)"},
    {CtType::kSplit100A, "split-100A", CtKind::kSplitCore, 100.0, "AC-CT-100A",
     "Split Core CT 100 A"},
    {CtType::kSplit200A, "split-200A", CtKind::kSplitCore, 200.0, "AC-CT-200A",
     "Split Core CT 200 A"},
    {CtType::kSplit400A, "split-400A", CtKind::kSplitCore, 400.0, "AC-CT-400A",
     "Split Core CT 400 A"},
    {CtType::kRogowski400A, "rogowski-400A", CtKind::kRogowski, 400.0, "AC-RSCT-4CM",
     "Rogowski coil 0-400 A"},
    {CtType::kRogowski1600A, "rogowski-1600A", CtKind::kRogowski, 1600.0, "AC-RSCT-12CM",
     "Rogowski coil 0-1600 A"},
    {CtType::kRogowski4000A, "rogowski-4000A", CtKind::kRogowski, 4000.0, "AC-RSCT-19CM",
     "Rogowski coil 0-4000 A"},
    {CtType::kRogowski10000A, "rogowski-10000A", CtKind::kRogowski, 10000.0, "AC-RSCT-30CM",
     "Rogowski coil 0-10000 A"},
}};

constexpr std::array<BusDeviceInfo, 2> kBusDevices = {{
    {BusDeviceKind::kCtHub, "ct_hub", "Smappee CT Hub", "I1-IAC-1", 4},
    {BusDeviceKind::kSolidCoreCt, "solid_core_ct", "Smappee Solid Core 3-Phase CT", "I1-IAC-2", 3},
}};

template <typename Table, typename Id>
const auto& lookup(const Table& table, Id id) {
  for (const auto& entry : table) {
    if (entry.id == id) {
      return entry;
    }
  }
  throw std::logic_error("catalogue entry missing");  // a programming error: tables are complete
}

template <typename Table>
auto parse_name(const Table& table, std::string_view text) -> std::optional<decltype(table[0].id)> {
  for (const auto& entry : table) {
    if (entry.name == text) {
      return entry.id;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::kL1:
      return "L1";
    case Phase::kL2:
      return "L2";
    case Phase::kL3:
      return "L3";
  }
  return "?";
}

std::optional<Phase> parse_phase(std::string_view text) {
  if (text == "L1") {
    return Phase::kL1;
  }
  if (text == "L2") {
    return Phase::kL2;
  }
  if (text == "L3") {
    return Phase::kL3;
  }
  return std::nullopt;
}

const TopologyInfo& topology_info(Topology topology) { return lookup(kTopologies, topology); }
std::span<const TopologyInfo> all_topologies() { return kTopologies; }
std::optional<Topology> parse_topology(std::string_view text) {
  return parse_name(kTopologies, text);
}

const GatewayInfo& gateway_info(Gateway gateway) { return lookup(kGateways, gateway); }
std::span<const GatewayInfo> all_gateways() { return kGateways; }
std::optional<Gateway> parse_gateway(std::string_view text) { return parse_name(kGateways, text); }

const CtTypeInfo& ct_type_info(CtType type) { return lookup(kCtTypes, type); }
std::span<const CtTypeInfo> all_ct_types() { return kCtTypes; }
std::optional<CtType> parse_ct_type(std::string_view text) { return parse_name(kCtTypes, text); }

const BusDeviceInfo& bus_device_info(BusDeviceKind kind) { return lookup(kBusDevices, kind); }

}  // namespace kirchhoff::model
