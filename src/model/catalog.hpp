// The catalogue of what an installation can be made of: topologies, gateways,
// CT types and bus devices, with the facts the manuals give about each.
// All tables are constant; lookups by name are what the YAML loader uses.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace kirchhoff::model {

enum class Phase { kL1 = 0, kL2 = 1, kL3 = 2 };
inline constexpr int kMaxPhases = 3;
std::string_view phase_name(Phase phase);
std::optional<Phase> parse_phase(std::string_view text);

enum class Topology { k1P230, k3PN400, k3P230, k2PN240, k3PN208, k3PN480, k3PN600 };

struct TopologyInfo {
  Topology id;
  std::string_view name;         // as in the installation file, e.g. "3P+N-400"
  std::string_view description;  // for people, e.g. "three-phase star 230/400 V"
  int phase_count;               // live conductors: 1, 2 or 3
  bool has_neutral;              // false only for 3P-230 (delta, L3 is the reference)
  double v_ln_nominal;           // line-to-neutral volts; for 3P-230 the virtual star value
  double v_ll_nominal;           // line-to-line volts; 0 for single phase
  double frequency_hz_nominal;   // 50 in Europe, 60 in the Americas
  bool us_power_box;             // the Americas variant of the Power Box (I1-VAC-1-US)
};

const TopologyInfo& topology_info(Topology topology);
std::span<const TopologyInfo> all_topologies();
std::optional<Topology> parse_topology(std::string_view text);

enum class Gateway { kGenius, kGeniusFlex, kConnect, kWifiConnect, k4gConnect };

struct GatewayInfo {
  Gateway id;
  std::string_view name;     // as in the installation file
  std::string_view product;  // "Smappee Genius"
  std::string_view article;  // order number from the components overview
  bool supports_modules;     // Input/Output modules on the B-bus (Genius family only)
  bool has_power_box;        // the Genius Flex measures voltage itself; no Power Box
};

const GatewayInfo& gateway_info(Gateway gateway);
std::span<const GatewayInfo> all_gateways();
std::optional<Gateway> parse_gateway(std::string_view text);

enum class CtKind { kSplitCore, kRogowski };

enum class CtType {
  kSplit50A,
  kSplit100A,
  kSplit200A,
  kSplit400A,
  kRogowski400A,
  kRogowski1600A,
  kRogowski4000A,
  kRogowski10000A,
};

struct CtTypeInfo {
  CtType id;
  std::string_view name;  // as in the installation file, e.g. "split-100A"
  CtKind kind;
  double rating_a;           // largest primary current it measures (RMS amps)
  std::string_view article;  // order number
  std::string_view product;  // description for the bill of materials
};

const CtTypeInfo& ct_type_info(CtType type);
std::span<const CtTypeInfo> all_ct_types();
std::optional<CtType> parse_ct_type(std::string_view text);

enum class BusDeviceKind { kCtHub, kSolidCoreCt };

struct BusDeviceInfo {
  BusDeviceKind id;
  std::string_view key;      // YAML key naming the device: "ct_hub", "solid_core_ct"
  std::string_view product;  // "Smappee CT Hub"
  std::string_view article;
  int input_count;  // measurement points the device brings: 4 or 3
};

const BusDeviceInfo& bus_device_info(BusDeviceKind kind);

// The A-bus carries at most this many measurement points (manual, bus limits).
inline constexpr int kMaxMeasurementPoints = 28;
// At most this many Input and Output modules on the B-bus of one Genius.
inline constexpr int kMaxModules = 10;
inline constexpr int kInputModuleInputs = 4;
inline constexpr int kOutputModuleOutputs = 2;

}  // namespace kirchhoff::model
