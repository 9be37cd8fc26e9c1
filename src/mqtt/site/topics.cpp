#include "mqtt/site/topics.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "common/utf8.hpp"

namespace kirchhoff::mqtt::site {

namespace {

constexpr std::size_t kMaxSlug = 48;

// U+00C0..U+00FF in ASCII (lower case); null for × and ÷, which separate.
constexpr std::array<const char*, 64> kLatin1 = {
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};

bool is_continuation(unsigned char c) { return (c & 0xC0U) == 0x80U; }

std::string slug_or(std::string_view name, std::string_view fallback) {
  std::string out;
  bool pending_separator = false;
  auto add = [&](std::string_view text) {
    if (pending_separator && !out.empty()) {
      out += '_';
    }
    pending_separator = false;
    out += text;
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c >= 'a' && c <= 'z') {
      add(std::string_view(&name[i], 1));
    } else if (c >= 'A' && c <= 'Z') {
      const char lower = static_cast<char>(c - 'A' + 'a');
      add(std::string_view(&lower, 1));
    } else if (c >= '0' && c <= '9') {
      add(std::string_view(&name[i], 1));
    } else if (c == 0xC3 && i + 1 < name.size() &&
               is_continuation(static_cast<unsigned char>(name[i + 1]))) {
      // U+00C0..U+00FF: C3 80..C3 BF.
      const auto index = static_cast<unsigned char>(name[i + 1]) - 0x80U;
      ++i;
      if (const char* ascii = kLatin1[index]) {
        add(ascii);
      } else {
        pending_separator = true;
      }
    } else {
      pending_separator = true;  // other scripts, symbols, invalid bytes
    }
  }
  if (out.size() > kMaxSlug) {
    out.resize(kMaxSlug);
    while (!out.empty() && out.back() == '_') {
      out.pop_back();
    }
  }
  return out.empty() ? std::string(fallback) : out;
}

// Hands out `base`, or base_2, base_3, ... when taken.
std::string unique_in(std::set<std::string>& taken, const std::string& base) {
  std::string candidate = base;
  for (int n = 2; taken.count(candidate) != 0; ++n) {
    candidate = base + "_" + std::to_string(n);
  }
  taken.insert(candidate);
  return candidate;
}

std::string find_object(const std::vector<std::pair<std::string, std::string>>& pairs,
                        std::string_view name) {
  for (const auto& [n, object] : pairs) {
    if (n == name) {
      return object;
    }
  }
  return {};
}

std::string find_name(const std::vector<std::pair<std::string, std::string>>& pairs,
                      std::string_view object) {
  for (const auto& [name, o] : pairs) {
    if (o == object) {
      return name;
    }
  }
  return {};
}

common::Status check_topic_path(std::string_view what, std::string_view topic) {
  auto fail = [&](const std::string& why) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              std::string(what) + " '" + common::log_safe(topic) + "' " + why);
  };
  if (topic.empty()) {
    return common::make_error(common::ErrorKind::kInvalidArgument, std::string(what) + " is empty");
  }
  if (!common::is_valid_utf8(topic)) {
    return fail("is not UTF-8");
  }
  if (topic.find_first_of(std::string_view("+#\0", 3)) != std::string_view::npos) {
    return fail("contains a wildcard (+ or #) or NUL");
  }
  if (topic.front() == '/' || topic.back() == '/' || topic.find("//") != std::string_view::npos) {
    return fail("has an empty level");
  }
  if (topic.front() == '$') {
    return fail("starts with $ (reserved for the broker)");
  }
  return common::Status::success();
}

}  // namespace

std::string slug(std::string_view name) { return slug_or(name, "site"); }

TopicConfig default_topics(const model::Installation& installation) {
  const std::string s = slug(installation.site.name);
  TopicConfig config;
  config.prefix = "kirchhoff/" + s;
  config.node_id = "kirchhoff_" + s;
  return config;
}

common::Status check_topics(const TopicConfig& config) {
  if (auto status = check_topic_path("topic_prefix", config.prefix); !status) {
    return status;
  }
  if (auto status = check_topic_path("discovery_prefix", config.discovery_prefix); !status) {
    return status;
  }
  const bool node_ok = !config.node_id.empty() &&
                       std::all_of(config.node_id.begin(), config.node_id.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '_' || c == '-';
                       });
  if (!node_ok) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "node_id '" + common::log_safe(config.node_id) +
                                  "' must be letters, digits, _ or - (Home Assistant's node id)");
  }
  return common::Status::success();
}

ObjectIds::ObjectIds(const model::Installation& installation) {
  std::set<std::string> taken{"site"};
  for (const auto& load : installation.loads) {
    loads_.emplace_back(load.name, unique_in(taken, slug_or(load.name, "load")));
  }
  for (const auto& module : installation.modules) {
    modules_.emplace_back(module.id, unique_in(taken, slug_or(module.id, "module")));
  }
  for (const auto& device : installation.devices) {
    devices_.emplace_back(device.name, unique_in(taken, slug_or(device.name, "device")));
  }

  std::set<std::string> alarms_taken{"any"};
  auto add_alarm = [&](std::string id, std::string name) {
    std::string object = unique_in(alarms_taken, slug_or(id, "alarm"));
    alarms_.push_back({std::move(id), std::move(object), std::move(name)});
  };
  add_alarm("no-measurements", "No measurements");
  add_alarm("installation-invalid", "Installation invalid");
  add_alarm("fail-safe", "Fail-safe");
  const int phases = model::topology_info(installation.site.topology).phase_count;
  for (int p = 1; p <= phases; ++p) {
    add_alarm("overcurrent-L" + std::to_string(p), "Overcurrent L" + std::to_string(p));
  }
  for (int p = 1; p <= phases; ++p) {
    add_alarm("voltage-L" + std::to_string(p), "Voltage L" + std::to_string(p));
  }
  for (const auto& device : installation.devices) {
    add_alarm("device-" + device.name, "Device " + device.name);
  }
}

std::string ObjectIds::load(std::string_view name) const { return find_object(loads_, name); }
std::string ObjectIds::module(std::string_view id) const { return find_object(modules_, id); }
std::string ObjectIds::device(std::string_view name) const { return find_object(devices_, name); }

std::string ObjectIds::input_source(std::string_view module_or_device) const {
  std::string object = module(module_or_device);
  return object.empty() ? device(module_or_device) : object;
}

std::string ObjectIds::load_named(std::string_view object) const {
  return find_name(loads_, object);
}
std::string ObjectIds::module_named(std::string_view object) const {
  return find_name(modules_, object);
}

std::string ObjectIds::alarm(std::string_view id) const {
  for (const auto& a : alarms_) {
    if (a.id == id) {
      return a.object;
    }
  }
  return {};
}

}  // namespace kirchhoff::mqtt::site
