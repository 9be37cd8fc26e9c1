// JSON text that never throws. nlohmann::json::dump() throws a type_error on
// a string that is not valid UTF-8, and strings often carry a client's text
// (a path, a name, a device's payload); every JSON the program writes goes
// through json_text() so such a string becomes U+FFFD instead of an abort.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace kirchhoff::common {

// `value` compact, or indented by `indent` spaces.
inline std::string json_text(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kirchhoff::common
