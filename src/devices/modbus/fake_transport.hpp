// A scripted Modbus transport for drivers' tests: registers in memory per unit,
// every write recorded, failures injected on demand. Header-only so tests link
// nothing but the driver under test.
#pragma once

#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "devices/modbus/transport.hpp"

namespace kirchhoff::devices::modbus {

class FakeTransport : public Transport {
 public:
  struct Write {
    int unit;
    std::uint16_t address;
    std::vector<std::uint16_t> values;
  };

  // Sets registers from `address` on (holding and input share one space
  // unless `kind` says otherwise).
  void set(int unit, std::uint16_t address, std::vector<std::uint16_t> values,
           RegisterKind kind = RegisterKind::kHolding) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      registers_[{unit, kind, static_cast<std::uint16_t>(address + i)}] = values[i];
    }
  }
  // Every read and write fails with `error` until cleared (std::nullopt).
  void fail_with(std::optional<common::Error> error) { failure_ = std::move(error); }
  const std::vector<Write>& writes() const { return writes_; }
  int reads() const { return reads_; }

  common::Result<std::vector<std::uint16_t>> read_registers(int unit, RegisterKind kind,
                                                            std::uint16_t address,
                                                            std::uint16_t count) override {
    ++reads_;
    if (failure_) {
      return *failure_;
    }
    std::vector<std::uint16_t> out;
    for (std::uint16_t i = 0; i < count; ++i) {
      const auto it = registers_.find({unit, kind, static_cast<std::uint16_t>(address + i)});
      if (it == registers_.end()) {
        // Modbus exception 2: illegal data address, as a real device answers.
        return common::make_error(common::ErrorKind::kNotFound,
                                  "unit " + std::to_string(unit) + " register " +
                                      std::to_string(address + i) +
                                      ": exception 2 (illegal data address)");
      }
      out.push_back(it->second);
    }
    return out;
  }

  common::Status write_registers(int unit, std::uint16_t address,
                                 std::span<const std::uint16_t> values) override {
    if (failure_) {
      return *failure_;
    }
    writes_.push_back({unit, address, {values.begin(), values.end()}});
    set(unit, address, {values.begin(), values.end()});
    return common::Status::success();
  }

 private:
  std::map<std::tuple<int, RegisterKind, std::uint16_t>, std::uint16_t> registers_;
  std::optional<common::Error> failure_;
  std::vector<Write> writes_;
  int reads_ = 0;
};

}  // namespace kirchhoff::devices::modbus
