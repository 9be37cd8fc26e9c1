// UTF-8 checks for text that comes from outside (HTTP requests, installation
// files, device payloads) before it goes into JSON, logs or files. JSON
// serialisation of invalid UTF-8 throws in nlohmann::json, so everything a
// client can influence passes through here or through json_text.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kirchhoff::common {

// The offset of the first byte that is not part of a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF), or
// empty when the whole text is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);
inline bool is_valid_utf8(std::string_view text) { return !first_invalid_utf8(text); }

// The text with every ill-formed sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

// A client-supplied value for a log line: valid UTF-8, at most `max_bytes`
// (cut at a character boundary, with "...(N bytes)" appended), so a hostile
// value cannot inflate the log.
std::string log_safe(std::string_view text, std::size_t max_bytes = 64);

}  // namespace kirchhoff::common
