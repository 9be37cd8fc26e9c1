#include "model/json_path.hpp"

namespace kirchhoff::model {

namespace {

common::Error path_error(std::size_t at, const std::string& why) {
  return common::make_error(common::ErrorKind::kInvalidArgument,
                            "at character " + std::to_string(at + 1) + ": " + why);
}

bool is_key_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c != '.' && c != '[' && c != ']' && u >= 0x20 && u != 0x7f;
}

}  // namespace

common::Result<JsonPath> parse_json_path(std::string_view text) {
  JsonPath path;
  path.text = std::string(text);
  if (text.size() > kMaxJsonPathChars) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "longer than " + std::to_string(kMaxJsonPathChars) + " characters");
  }
  std::size_t i = 0;
  // A key is expected at the start and after every dot; an index may stand
  // at the start instead of a key.
  bool want_key = true;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '[') {
      if (want_key && i != 0) {
        return path_error(i, "a key must follow '.'");
      }
      const std::size_t first = i + 1;
      std::size_t end = first;
      std::size_t index = 0;
      while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
        if (end - first == kMaxJsonPathIndexDigits) {
          return path_error(
              end, "an index has at most " + std::to_string(kMaxJsonPathIndexDigits) + " digits");
        }
        index = index * 10 + static_cast<std::size_t>(text[end] - '0');
        ++end;
      }
      if (end == first) {
        return path_error(first, "'[' must be followed by an index (digits)");
      }
      if (end == text.size() || text[end] != ']') {
        return path_error(end, "an index must end with ']'");
      }
      path.steps.emplace_back(index);
      i = end + 1;
      want_key = false;
      continue;
    }
    if (c == '.') {
      if (want_key) {
        return path_error(i, "an empty key (two dots, or a dot at the start)");
      }
      want_key = true;
      ++i;
      continue;
    }
    if (c != ']' && !is_key_char(c)) {
      return path_error(i, "a control character in a key");
    }
    if (!want_key) {
      return path_error(i, "expected '.' or '[' after " +
                               std::string(i > 0 && text[i - 1] == ']' ? "an index" : "a key"));
    }
    if (c == ']') {
      return path_error(i, "']' without '['");
    }
    std::size_t end = i;
    while (end < text.size() && is_key_char(text[end])) {
      ++end;
    }
    if (end < text.size() && text[end] == ']') {
      return path_error(end, "']' without '['");
    }
    path.steps.emplace_back(std::string(text.substr(i, end - i)));
    i = end;
    want_key = false;
  }
  if (want_key && !text.empty()) {
    return path_error(text.size() - 1, "the path ends with '.'");
  }
  return path;
}

}  // namespace kirchhoff::model
