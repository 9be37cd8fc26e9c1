#include "model/yaml_reader.hpp"

#include <charconv>
#include <cmath>
#include <set>

#include "common/text.hpp"

namespace kirchhoff::model::detail {

namespace {

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string_view type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a single value";
    case YAML::NodeType::Null:
      return "empty";
    case YAML::NodeType::Undefined:
      return "missing";
  }
  return "unknown";
}

}  // namespace

SourcePos YamlReader::pos_of(const YAML::Node& node) {
  if (!node.IsDefined()) {
    return {};
  }
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) {
    return {};
  }
  return {mark.line + 1, mark.column + 1};
}

void YamlReader::error(SourcePos pos, std::string message) {
  out_.push_back({pos, Severity::kError, std::move(message)});
}

void YamlReader::warning(SourcePos pos, std::string message) {
  out_.push_back({pos, Severity::kWarning, std::move(message)});
}

bool YamlReader::expect_map(const YAML::Node& node, std::string_view what) {
  if (node.IsMap()) {
    return true;
  }
  error(pos_of(node), std::string(what) + " must be a mapping of keys to values, not " +
                          std::string(type_name(node)));
  return false;
}

bool YamlReader::expect_sequence(const YAML::Node& node, std::string_view what) {
  if (node.IsSequence()) {
    return true;
  }
  error(pos_of(node), std::string(what) + " must be a list, not " + std::string(type_name(node)));
  return false;
}

bool YamlReader::check_keys(const YAML::Node& map, std::span<const std::string_view> allowed,
                            std::string_view where) {
  bool clean = true;
  std::set<std::string> seen;
  for (const auto& kv : map) {
    const YAML::Node key = kv.first;
    if (!key.IsScalar()) {
      error(pos_of(key), "a key in " + std::string(where) + " must be a plain name");
      clean = false;
      continue;
    }
    const std::string& name = key.Scalar();
    if (!seen.insert(name).second) {
      error(pos_of(key), "duplicate key " + quoted(name) + " in " + std::string(where));
      clean = false;
      continue;
    }
    bool known = false;
    for (std::string_view candidate : allowed) {
      known = known || candidate == name;
    }
    if (!known) {
      error(pos_of(key), "unknown key " + quoted(name) + " in " + std::string(where) +
                             common::did_you_mean(name, allowed) +
                             "; allowed keys: " + common::join_alternatives(allowed));
      clean = false;
    }
  }
  return clean;
}

std::optional<YAML::Node> YamlReader::child(const YAML::Node& map, std::string_view key,
                                            std::string_view where, bool required) {
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) {
      return kv.second;
    }
  }
  if (required) {
    error(pos_of(map), std::string(where) + " needs " + quoted(key));
  }
  return std::nullopt;
}

std::optional<std::string> YamlReader::scalar(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(pos_of(node),
          std::string(what) + " must be a single value, not " + std::string(type_name(node)));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<double> YamlReader::number(const YAML::Node& node, std::string_view what) {
  const auto text = scalar(node, what);
  if (!text) {
    return std::nullopt;
  }
  double value = 0.0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  if (begin != end && *begin == '+') {
    ++begin;
  }
  const auto [stop, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || stop != end || !std::isfinite(value)) {
    error(pos_of(node), std::string(what) + " must be a number, not " + quoted(*text));
    return std::nullopt;
  }
  return value;
}

std::optional<int> YamlReader::integer(const YAML::Node& node, std::string_view what) {
  const auto text = scalar(node, what);
  if (!text) {
    return std::nullopt;
  }
  int value = 0;
  const char* end = text->data() + text->size();
  const auto [stop, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || stop != end) {
    error(pos_of(node), std::string(what) + " must be a whole number, not " + quoted(*text));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, std::string_view what) {
  const auto text = scalar(node, what);
  if (!text) {
    return std::nullopt;
  }
  if (*text == "true") {
    return true;
  }
  if (*text == "false") {
    return false;
  }
  error(pos_of(node), std::string(what) + " must be true or false, not " + quoted(*text));
  return std::nullopt;
}

std::optional<std::string> YamlReader::one_of(const YAML::Node& node, std::string_view what,
                                              std::span<const std::string_view> names) {
  const auto text = scalar(node, what);
  if (!text) {
    return std::nullopt;
  }
  for (std::string_view name : names) {
    if (name == *text) {
      return text;
    }
  }
  error(pos_of(node), "unknown " + std::string(what) + " " + quoted(*text) +
                          common::did_you_mean(*text, names) +
                          "; use one of: " + common::join_alternatives(names));
  return std::nullopt;
}

}  // namespace kirchhoff::model::detail
