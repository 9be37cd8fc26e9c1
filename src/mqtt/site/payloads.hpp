// Payload text shared by the live topics and the discovery configs
// (docs/mqtt.md): the number format and the rounding of each quantity.
// The rounding is what keeps "publish on change" from publishing noise.
#pragma once

#include <optional>
#include <string>

namespace kirchhoff::mqtt::site {

inline constexpr int kPowerDecimals = 0;      // W
inline constexpr int kCurrentDecimals = 1;    // A
inline constexpr int kVoltageDecimals = 1;    // V
inline constexpr int kFrequencyDecimals = 2;  // Hz
inline constexpr int kEnergyDecimals = 3;     // kWh: 1 Wh
inline constexpr int kTotalDecimals = 3;      // pulse totals, in their unit
inline constexpr int kSocDecimals = 1;        // %

// `value` with exactly `decimals` decimals, C locale, no exponent, "-0"
// written "0"; empty for NaN and infinities.
std::optional<std::string> fixed_payload(double value, int decimals);

}  // namespace kirchhoff::mqtt::site
