#include "mqtt/site/payloads.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace kirchhoff::mqtt::site {

std::optional<std::string> fixed_payload(double value, int decimals) {
  if (!std::isfinite(value)) {
    return std::nullopt;
  }
  // 1e308 in fixed notation needs 309 digits plus the decimals.
  std::array<char, 400> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                       std::chars_format::fixed, decimals);
  if (ec != std::errc()) {
    return std::nullopt;
  }
  std::string text(buffer.data(), end);
  // A negative value that rounds to zero ("-0.0") is zero.
  if (!text.empty() && text.front() == '-' && text.find_first_not_of("-0.") == std::string::npos) {
    text.erase(0, 1);
  }
  return text;
}

}  // namespace kirchhoff::mqtt::site
