// Fuzz target: the Modbus register map loader on arbitrary bytes. It must
// report problems as diagnostics, never crash, hang or read out of bounds;
// a map it accepts must plan its reads within the Modbus limits and drive a
// device on a fake transport without trouble.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "devices/modbus/fake_transport.hpp"
#include "devices/modbus/maps/map_device.hpp"
#include "devices/modbus/maps/map_loader.hpp"

using namespace kirchhoff::devices;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto map = maps::load_map(text, "fuzz.yaml");
  if (!map.ok()) {
    return 0;
  }
  for (const auto& blocks : map->blocks) {
    for (const maps::ReadBlock& block : blocks) {
      if (block.count < 1 || block.count > maps::kMaxBlockRegisters ||
          block.address + block.count > 65536) {
        std::abort();
      }
    }
  }
  // Every planned register answers its own address, so every point
  // decodes something; setpoints get values outside any range.
  modbus::FakeTransport fake;
  for (const auto& blocks : map->blocks) {
    for (const maps::ReadBlock& block : blocks) {
      std::vector<std::uint16_t> values(block.count);
      for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] = static_cast<std::uint16_t>(block.address + i);
      }
      fake.set(1, block.address, values, block.function);
    }
  }
  maps::MapDevice device(*map, fake, 1, [] { return std::int64_t{0}; });
  for (const maps::Part& part : map->parts) {
    (void)device.read(part.name);
  }
  (void)device.set_current_limit_a(1e300);
  (void)device.set_power_w(-1e300);
  (void)device.set_limit_pct(50.0);
  (void)device.set_phases(3);
  (void)device.set_relay(true);
  (void)device.keep_alive();
  return 0;
}
