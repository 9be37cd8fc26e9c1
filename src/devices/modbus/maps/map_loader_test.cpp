// The map loader's checks, each with its exact message and position, and the
// shipped maps: every one loads, validates and plans its reads.
#include "devices/modbus/maps/map_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/text.hpp"
#include "devices/modbus/maps/builtin_maps.hpp"

namespace kirchhoff::devices::maps {
namespace {

using ::testing::HasSubstr;

// Positions are 1-based: a column is where the offending value starts in its
// line (e.g. "  - {quantity: power_kw" puts power_kw at column 16).
// A valid head; tests append points, setpoints and the rest. Lines 1-4.
constexpr const char* kHead =
    "id: test\n"
    "manufacturer: Test\n"
    "model: M\n"
    "kind: meter\n";

std::string errors_of(const std::string& text) {
  const auto map = load_map(text, "m.yaml");
  return map.ok() ? std::string("(loaded)") : map.error().message;
}

TEST(MapLoader, ReadsAMapWithDefaultsAndOverrides) {
  const std::string text = std::string(kHead) +
                           "defaults: {function: input, word_order: little, max_gap: 0}\n"
                           "points:\n"
                           "  - {quantity: power_w, address: 0x10, type: int32, scale: 0.1}\n"
                           "  - {quantity: energy_import_wh, address: 20, type: uint32,\n"
                           "     function: holding, word_order: big, scale: 1000}\n";
  const auto map = load_map(text, "m.yaml");
  ASSERT_TRUE(map.ok()) << map.error().message;
  EXPECT_EQ(map->id, "test");
  EXPECT_EQ(map->kind(), DeviceKind::kMeter);
  ASSERT_EQ(map->points.size(), 2u);
  EXPECT_EQ(map->points[0].address, 16);
  EXPECT_EQ(map->points[0].function, modbus::RegisterKind::kInput);
  EXPECT_EQ(map->points[0].word_order, WordOrder::kLittle);
  EXPECT_DOUBLE_EQ(map->points[0].scale, 0.1);
  EXPECT_EQ(map->points[1].function, modbus::RegisterKind::kHolding);
  EXPECT_EQ(map->points[1].word_order, WordOrder::kBig);
  ASSERT_EQ(map->blocks.size(), 1u);
  EXPECT_EQ(map->blocks[0], (std::vector<ReadBlock>{{modbus::RegisterKind::kHolding, 20, 2},
                                                    {modbus::RegisterKind::kInput, 16, 2}}));
}

TEST(MapLoader, UnknownKeyGetsADidYouMean) {
  const std::string text = std::string(kHead) +
                           "points:\n"
                           "  - quantity: power_w\n"
                           "    adress: 0\n"
                           "    type: float32\n";
  EXPECT_EQ(errors_of(text),
            "m.yaml:6:5: error: a point needs 'address'\n"
            "m.yaml:7:5: error: unknown key 'adress' in a point (did you mean 'address'?); "
            "allowed keys: quantity, address, type, function, word_order, scale, scale_factor, "
            "sign, part or states");
}

TEST(MapLoader, UnknownQuantityAndTypeGetHints) {
  const std::string text = std::string(kHead) +
                           "points:\n"
                           "  - {quantity: power_kw, address: 0, type: float}\n";
  const std::string errors = errors_of(text);
  EXPECT_THAT(errors, HasSubstr("m.yaml:6:16: error: unknown quantity 'power_kw' (did you mean "
                                "'power_w'?); use one of: power_w, power_l1_w,"));
  EXPECT_THAT(errors, HasSubstr("m.yaml:6:44: error: unknown type 'float' (did you mean "
                                "'float32'?); use one of: int16, uint16, int32, uint32, int64, "
                                "uint64, float32 or float64"));
}

TEST(MapLoader, OverlappingPointsAreAnError) {
  const std::string text = std::string(kHead) +
                           "points:\n"
                           "  - {quantity: power_w, address: 52, type: float32}\n"
                           "  - {quantity: power_l1_w, address: 53, type: float32}\n"
                           "  - {quantity: power_l2_w, address: 53, type: float32, function: "
                           "input}\n";  // another function: no overlap
  EXPECT_EQ(errors_of(text),
            "m.yaml:7:5: error: registers 53..54 of 'power_l1_w' overlap 52..53 of 'power_w' "
            "(line 6)");
}

TEST(MapLoader, AddressesOutOfRange) {
  const std::string text = std::string(kHead) +
                           "points:\n"
                           "  - {quantity: power_w, address: 65535, type: float32}\n"
                           "  - {quantity: frequency_hz, address: 65536, type: uint16}\n"
                           "  - {quantity: soc_pct, address: -1, type: uint16}\n";
  EXPECT_EQ(errors_of(text),
            "m.yaml:6:34: error: 'power_w' at address 65535 runs past the last address 65535\n"
            "m.yaml:7:39: error: address must be between 0 and 65535, not 65536\n"
            "m.yaml:8:34: error: address must be between 0 and 65535, not -1");
}

TEST(MapLoader, QuantityNeedsAFittingRegisterType) {
  const std::string text = std::string(kHead) +
                           "points:\n"
                           "  - {quantity: charging_phases, address: 0, type: float32}\n"
                           "  - {quantity: charger_state, address: 2, type: uint16}\n";
  EXPECT_EQ(errors_of(text),
            "m.yaml:6:51: error: 'charging_phases' needs an integer register type, not float32\n"
            "m.yaml:7:5: error: 'charger_state' needs 'states': raw value to unknown, available, "
            "plugged, charging or error");
}

TEST(MapLoader, SignAndScaleRules) {
  const std::string text = std::string(kHead) +
                           "points:\n"
                           "  - {quantity: energy_import_wh, address: 0, type: uint32, sign: -1}\n"
                           "  - {quantity: power_w, address: 2, type: int16, sign: 2}\n"
                           "  - {quantity: frequency_hz, address: 3, type: int16, scale: 0}\n";
  EXPECT_EQ(errors_of(text),
            "m.yaml:6:66: error: an energy counter cannot have sign -1; map the register to the "
            "other counter (energy_import_wh or energy_export_wh) instead\n"
            "m.yaml:7:56: error: sign must be 1 or -1, not '2'\n"
            "m.yaml:8:62: error: scale must not be 0");
}

TEST(MapLoader, DuplicateQuantityInOnePartButNotAcrossParts) {
  const std::string text = std::string(kHead) +
                           "parts: {grid: meter}\n"
                           "points:\n"
                           "  - {quantity: power_w, address: 0, type: int16}\n"
                           "  - {quantity: power_w, address: 1, type: int16, part: grid}\n"
                           "  - {quantity: power_w, address: 2, type: int16}\n"
                           "  - {quantity: soc_pct, address: 3, type: int16, part: gird}\n";
  EXPECT_EQ(errors_of(text),
            "m.yaml:9:5: error: quantity 'power_w' appears twice in the main reading (first at "
            "line 7)\n"
            "m.yaml:10:56: error: unknown part 'gird' (did you mean 'grid'?); declare it under "
            "'parts'");
}

TEST(MapLoader, SetpointChecks) {
  const std::string text = std::string(kHead) +
                           "points:\n"
                           "  - {quantity: power_w, address: 0, type: int16}\n"
                           "setpoints:\n"
                           "  - {name: set_power_w, address: 10, type: int16}\n"
                           "  - {name: set_limit_pct, address: 11, type: uint16, scale: 1000, "
                           "min: 0, max: 100}\n"
                           "  - {name: set_phases, address: 12, type: float32, min: 1, max: 3}\n"
                           "  - {name: set_current_limit_a, address: 14, type: uint16, min: 32, "
                           "max: 6}\n"
                           "  - {name: set_relais, address: 15, type: uint16}\n";
  EXPECT_EQ(errors_of(text),
            "m.yaml:8:5: error: 'set_power_w' needs 'min' and 'max' (the range its values are "
            "clamped to)\n"
            "m.yaml:9:80: error: 'max' gives the raw value 100000, which does not fit uint16\n"
            "m.yaml:10:43: error: 'set_phases' needs an integer register type, not float32\n"
            "m.yaml:11:65: error: 'set_current_limit_a': 'min' 32 is above 'max' 6\n"
            "m.yaml:12:12: error: unknown setpoint 'set_relais' (did you mean 'set_relay'?); use "
            "one of: set_current_limit_a, set_power_w, set_limit_pct, set_phases or set_relay");
}

TEST(MapLoader, HeartbeatMustNameAnExistingSetpoint) {
  const std::string text = std::string(kHead) +
                           "points:\n"
                           "  - {quantity: power_w, address: 0, type: int16}\n"
                           "heartbeat: {setpoint: set_current_limit_a, interval_s: 30}\n";
  EXPECT_EQ(errors_of(text),
            "m.yaml:7:23: error: heartbeat names 'set_current_limit_a', which is not among the "
            "map's setpoints");
}

TEST(MapLoader, MissingTopKeysAndBadId) {
  EXPECT_EQ(errors_of("id: Big Meter\nkind: metre\npoints: []\n"),
            "m.yaml:1:1: error: the map needs 'manufacturer'\n"
            "m.yaml:1:1: error: the map needs 'model'\n"
            "m.yaml:1:5: error: id must be lower-case letters, digits and '-', not 'Big Meter'\n"
            "m.yaml:2:7: error: unknown kind 'metre' (did you mean 'meter'?); use one of: meter, "
            "inverter, battery or charger\n"
            "m.yaml:3:9: error: 'points' needs at least one point");
}

TEST(MapLoader, SyntaxErrorsAndEmptyText) {
  EXPECT_THAT(errors_of("id: x\npoints: [\n"), HasSubstr("m.yaml:3:1: error: YAML syntax"));
  EXPECT_EQ(errors_of(""),
            "m.yaml:1:1: error: the map is empty; it needs 'id', 'manufacturer', 'model', 'kind' "
            "and 'points'");
}

TEST(BuiltinMaps, EveryShippedMapLoadsValidatesAndPlansShortReads) {
  const auto ids = builtin_map_ids();
  EXPECT_EQ(ids, (std::vector<std::string_view>{"abb-b23", "alfen-eve", "carlo-gavazzi-em24",
                                                "eastron-sdm120", "eastron-sdm630", "generic-meter",
                                                "huawei-sun2000"}));
  for (const BuiltinMap& builtin : builtin_maps()) {
    SCOPED_TRACE(std::string(builtin.id));
    const auto map = find_builtin_map(builtin.id);
    ASSERT_TRUE(map.ok()) << map.error().message;
    EXPECT_EQ(map->id, builtin.id);  // the id in the file is its file name
    EXPECT_FALSE(map->manufacturer.empty());
    ASSERT_EQ(map->blocks.size(), map->parts.size());
    for (std::size_t part = 0; part < map->parts.size(); ++part) {
      EXPECT_FALSE(map->blocks[part].empty());
      for (const ReadBlock& block : map->blocks[part]) {
        EXPECT_GE(block.count, 1);
        EXPECT_LE(block.count, kMaxBlockRegisters);
      }
      // Every register of every point of the part lies in one of its blocks.
      for (const Point& point : map->points) {
        if (point.part != static_cast<int>(part)) {
          continue;
        }
        const bool covered = std::any_of(
            map->blocks[part].begin(), map->blocks[part].end(), [&](const ReadBlock& b) {
              return b.function == point.function && b.address <= point.address &&
                     point.address + register_count(point.type) <= b.address + b.count;
            });
        EXPECT_TRUE(covered) << quantity_name(point.quantity) << " at " << point.address;
      }
    }
  }
}

TEST(BuiltinMaps, EmbeddedTextIsTheDataFileAndEveryDataFileIsShipped) {
  const std::filesystem::path dir =
      std::filesystem::path(KIRCHHOFF_SOURCE_DIR) / "src/devices/modbus/maps/data";
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") {
      continue;
    }
    ++files;
    const std::string id = entry.path().stem().string();
    const auto embedded = builtin_map_text(id);
    ASSERT_TRUE(embedded.has_value()) << id << " is in data/ but not in CMakeLists.txt";
    EXPECT_EQ(*embedded, common::read_file(entry.path().string()).value_or(""));
  }
  EXPECT_EQ(files, builtin_maps().size());
}

TEST(BuiltinMaps, UnknownIdNamesTheShippedOnes) {
  const auto map = find_builtin_map("eastron-sdm360");
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.error().kind, common::ErrorKind::kNotFound);
  EXPECT_EQ(map.error().message,
            "no shipped Modbus map 'eastron-sdm360' (did you mean 'eastron-sdm630'?); shipped "
            "maps: abb-b23, alfen-eve, carlo-gavazzi-em24, eastron-sdm120, eastron-sdm630, "
            "generic-meter or huawei-sun2000");
}

TEST(BuiltinMaps, ResolveTakesAPathBesideTheInstallationOrAnId) {
  const auto by_id = resolve_map("abb-b23", "/nonexistent");
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->id, "abb-b23");
  const std::string dir = std::string(KIRCHHOFF_SOURCE_DIR) + "/src/devices/modbus/maps";
  const auto by_path = resolve_map("./data/eastron-sdm120.yaml", dir);
  ASSERT_TRUE(by_path.ok()) << by_path.error().message;
  EXPECT_EQ(by_path->id, "eastron-sdm120");
  const auto missing = resolve_map("my-meter.yaml", "/nonexistent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "/nonexistent/my-meter.yaml: cannot read the Modbus map file");
}

}  // namespace
}  // namespace kirchhoff::devices::maps
