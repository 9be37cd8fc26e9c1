// UTC times as people and URLs write them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kirchhoff::common {

// "2026-06-21", "2026-06-21T12:00", "2026-06-21T12:00:00Z" (UTC) or unix
// seconds, as unix seconds.
std::optional<std::int64_t> parse_utc_time(const std::string& text);

// "2026-06-21T12:00:00Z" for unix milliseconds.
std::string format_utc_time(std::int64_t unix_ms);

}  // namespace kirchhoff::common
