// From a parsed P1 telegram to the devices::Reading every driver reports
// (docs/p1.md, "Mapping to devices::Reading"). The smart meter is the grid
// meter: + is import. Pure functions of the telegram.
#pragma once

#include <cstdint>
#include <optional>

#include "devices/p1/telegram.hpp"
#include "devices/reading.hpp"

namespace kirchhoff::devices::p1 {

// Fills the fields the telegram has. unix_ms is the telegram's own time
// (0-0:1.0.0) or, when it carries none (DSMR 2.2/3) or an invalid one,
// `received_unix_ms`. Values in a unit other than the expected one are left
// out rather than misreported.
Reading to_reading(const Telegram& telegram, std::int64_t received_unix_ms);

// The tariff indicator 0-0:96.14.0 as a number (DSMR: 1 low, 2 normal;
// Fluvius: 1 day, 2 night), when the telegram has one.
std::optional<int> tariff_indicator(const Telegram& telegram);

}  // namespace kirchhoff::devices::p1
