#include "devices/mqtt/payload.hpp"

#include <charconv>
#include <cmath>
#include <variant>

namespace kirchhoff::devices::mqtt {

namespace {

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

common::Error bad(const std::string& why) {
  return common::make_error(common::ErrorKind::kInvalidArgument, why);
}

// A short, printable excerpt of untrusted text for an error message.
std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return "'" + out + (s.size() > 40 ? "...'" : "'");
}

// A decimal number written as text: "12.5", "-3", " 1e3 ". Finite only.
std::optional<double> decimal(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || stop != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

const char* type_of(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

}  // namespace

Payload::Payload(std::string_view bytes) {
  if (bytes.size() > kMaxPayloadBytes) {
    too_large_ = true;
    return;
  }
  raw_ = std::string(trim(bytes));
  // No exceptions: a payload that is not JSON gives a discarded value.
  json_ = nlohmann::json::parse(raw_, nullptr, /*allow_exceptions=*/false);
  is_json_ = !json_.is_discarded();
}

common::Result<const nlohmann::json*> Payload::at(const model::JsonPath& path) const {
  if (too_large_) {
    return bad("the payload is larger than " + std::to_string(kMaxPayloadBytes / 1024) + " KiB");
  }
  if (!is_json_) {
    return bad("the payload is not JSON: " + excerpt(raw_));
  }
  const nlohmann::json* node = &json_;
  std::string where = "the payload";
  for (const auto& step : path.steps) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      if (!node->is_object()) {
        return bad(where + " is " + type_of(*node) + ", not an object with '" + *key + "'");
      }
      const auto it = node->find(*key);
      if (it == node->end()) {
        return bad("no key '" + *key + "' in " + where);
      }
      node = &*it;
      where = "'" + *key + "'";
    } else {
      const std::size_t index = std::get<std::size_t>(step);
      if (!node->is_array()) {
        return bad(where + " is " + type_of(*node) + ", not an array to take [" +
                   std::to_string(index) + "] of");
      }
      if (index >= node->size()) {
        return bad("index " + std::to_string(index) + " is beyond " + where + " of " +
                   std::to_string(node->size()) + " elements");
      }
      node = &(*node)[index];
      where += "[" + std::to_string(index) + "]";
    }
  }
  return node;
}

common::Result<double> Payload::number(const model::JsonPath& path) const {
  if (path.empty() && !is_json_ && !too_large_) {
    if (auto value = decimal(raw_)) {
      return *value;
    }
    return bad("the payload is not a number: " + excerpt(raw_));
  }
  auto node = at(path);
  if (!node) {
    return node.error();
  }
  const nlohmann::json& value = **node;
  if (value.is_number()) {
    const double number = value.get<double>();
    if (!std::isfinite(number)) {
      return bad("the value is not a finite number");
    }
    return number;
  }
  if (value.is_string()) {
    if (auto parsed = decimal(value.get_ref<const std::string&>())) {
      return *parsed;
    }
    return bad("the value is a string that is not a number: " +
               excerpt(value.get_ref<const std::string&>()));
  }
  return bad(std::string("the value is ") + type_of(value) + ", not a number");
}

common::Result<std::string> Payload::text(const model::JsonPath& path) const {
  if (path.empty() && !is_json_ && !too_large_) {
    return raw_;
  }
  auto node = at(path);
  if (!node) {
    return node.error();
  }
  const nlohmann::json& value = **node;
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_boolean() || value.is_number()) {
    return value.dump();
  }
  return bad(std::string("the value is ") + type_of(value) + ", not a single value");
}

}  // namespace kirchhoff::devices::mqtt
