// The narrow seam every Modbus driver sees: read and write 16-bit registers of
// one unit. TCP and RTU (libmodbus backends) implement it, and so does the
// scripted fake the drivers' tests use; a driver cannot tell them apart.
//
// Addresses are protocol addresses (0-based, as on the wire), not the
// "4xxxx" register numbers of data sheets. Errors name the device, the
// address and the reason (timeout, exception code, connection lost).
// Not thread-safe: one poller owns a transport.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace kirchhoff::devices::modbus {

enum class RegisterKind { kHolding, kInput };  // function codes 3 and 4

class Transport {
 public:
  virtual ~Transport() = default;
  // Reads `count` registers (1 to 125) from `address` of `unit`.
  virtual common::Result<std::vector<std::uint16_t>> read_registers(int unit, RegisterKind kind,
                                                                    std::uint16_t address,
                                                                    std::uint16_t count) = 0;
  // Writes `values` (1 to 123 registers) from `address` of `unit` (function 16).
  virtual common::Status write_registers(int unit, std::uint16_t address,
                                         std::span<const std::uint16_t> values) = 0;
};

}  // namespace kirchhoff::devices::modbus
