// Fuzz target: SunSpec discovery and decoding of an arbitrary register image.
// Byte 0 picks the base the image starts at (40000, 50000 or 0), byte 1 a
// value to write; the rest are registers, big-endian, served by the
// FakeTransport. Discovery, the decoding of every model found, its JSON and a
// write to every writable point must never crash, read out of bounds or loop.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "devices/modbus/fake_transport.hpp"
#include "devices/sunspec/sunspec.hpp"
#include "devices/sunspec/sunspec_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sunspec = kirchhoff::devices::sunspec;
  if (size < 2) {
    return 0;
  }
  const std::uint16_t base = sunspec::kBaseAddresses[data[0] % sunspec::kBaseAddresses.size()];
  const double value = static_cast<double>(static_cast<std::int8_t>(data[1]));
  std::vector<std::uint16_t> registers;
  for (std::size_t i = 2; i + 1 < size && base + registers.size() < 65536; i += 2) {
    registers.push_back(static_cast<std::uint16_t>((data[i] << 8) | data[i + 1]));
  }
  kirchhoff::devices::modbus::FakeTransport fake;
  fake.set(1, base, registers);
  auto discovery = sunspec::discover(fake, 1);
  if (!discovery) {
    return 0;
  }
  for (const sunspec::ModelInstance& model : discovery->models) {
    auto decoded = sunspec::read_model(fake, 1, model);
    if (decoded) {
      (void)sunspec::to_json(*decoded).dump();  // throws on bytes that are not UTF-8
    }
    // Decoding whatever part is there must be safe too.
    std::vector<std::uint16_t> part(registers.begin() + (model.address - base), registers.end());
    (void)sunspec::decode_model(model, part);
    if (model.definition != nullptr) {
      for (const sunspec::PointDef& point : model.definition->points) {
        if (point.writable) {
          (void)sunspec::write_point(fake, 1, model, point.name, value);
        }
      }
    }
  }
  return 0;
}
