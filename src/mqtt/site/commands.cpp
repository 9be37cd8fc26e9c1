#include "mqtt/site/commands.hpp"

#include <algorithm>

#include "common/utf8.hpp"

namespace kirchhoff::mqtt::site {

namespace {

constexpr std::size_t kMaxLoggedTopic = 128;
constexpr std::size_t kMaxLoggedPayload = 32;

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::vector<std::string_view> levels(std::string_view topic) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto slash = topic.find('/', start);
    out.push_back(topic.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) {
      return out;
    }
    start = slash + 1;
  }
}

// An Output module's relay number: 1 to 99 in digits, nothing else.
std::optional<int> relay_number(std::string_view text) {
  if (text.empty() || text.size() > 2 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int n = 0;
  for (const char c : text) {
    n = n * 10 + (c - '0');
  }
  return n;
}

std::optional<bool> parse_on_off(std::string_view payload) {
  const std::string p = lower(payload);
  if (p == "on" || p == "true" || p == "1") {
    return true;
  }
  if (p == "off" || p == "false" || p == "0") {
    return false;
  }
  return std::nullopt;
}

// 1 to 4, 0 for "auto" (the energy manager chooses again), -1 for neither.
int parse_sg_ready(std::string_view payload) {
  const std::string p = lower(payload);
  if (p == "auto") {
    return 0;
  }
  static constexpr std::string_view kNames[] = {"blocked", "normal", "recommended", "forced"};
  for (int s = 1; s <= 4; ++s) {
    if (p == kNames[s - 1] || p == std::to_string(s)) {
      return s;
    }
  }
  return -1;
}

}  // namespace

common::Result<control::Command> parse_command(std::string_view topic, std::string_view payload,
                                               const model::Installation& installation,
                                               const TopicConfig& config,
                                               const control::CommandTime& at) {
  const std::string where = common::log_safe(topic, kMaxLoggedTopic) + ": ";
  const std::string quoted = "payload '" + common::log_safe(payload, kMaxLoggedPayload) + "'";
  auto fail = [&](common::ErrorKind kind, const std::string& why) -> common::Error {
    return common::make_error(kind, where + why);
  };
  if (config.read_only) {
    return fail(common::ErrorKind::kUnsupported, "refused: MQTT is read-only on this site");
  }
  const std::string prefix = config.prefix + "/";
  if (topic.size() <= prefix.size() || topic.substr(0, prefix.size()) != prefix) {
    return fail(common::ErrorKind::kNotFound, "not a command topic of this site");
  }
  const auto parts = levels(topic.substr(prefix.size()));
  const std::string_view value = trim(payload);
  const ObjectIds ids(installation);

  control::Command command;
  if (parts.size() == 4 && parts[0] == "relay" && parts[3] == "set") {
    const std::string module = ids.module_named(parts[1]);
    const auto number = relay_number(parts[2]);
    if (module.empty() || !number) {
      return fail(common::ErrorKind::kNotFound, "unknown relay " + common::log_safe(parts[1]) +
                                                    "/" + common::log_safe(parts[2], 8));
    }
    const auto on = parse_on_off(value);
    if (!on) {
      return fail(common::ErrorKind::kInvalidArgument, quoted + " is not ON or OFF");
    }
    command = control::RelayCommand{module, *number, *on};
  } else if (parts.size() == 4 && parts[0] == "ev" && parts[2] == "mode" && parts[3] == "set") {
    const std::string load = ids.load_named(parts[1]);
    if (load.empty()) {
      return fail(common::ErrorKind::kNotFound, "unknown EV load " + common::log_safe(parts[1]));
    }
    const auto mode = control::parse_ev_mode(lower(value));
    if (!mode) {
      return fail(common::ErrorKind::kInvalidArgument,
                  quoted + " is not an EV mode (off, now, min+pv or pv)");
    }
    command = control::EvModeCommand{load, *mode};
  } else if (parts.size() == 4 && parts[0] == "ev" && parts[2] == "session" && parts[3] == "set") {
    const std::string load = ids.load_named(parts[1]);
    if (load.empty()) {
      return fail(common::ErrorKind::kNotFound, "unknown EV load " + common::log_safe(parts[1]));
    }
    if (value.empty()) {
      command = control::EvSessionCommand{load, std::nullopt};
    } else {
      auto session = control::parse_ev_session(value, at, installation.control.ev.battery_kwh);
      if (!session) {
        return fail(common::ErrorKind::kInvalidArgument, session.error().message);
      }
      command = control::EvSessionCommand{load, *session};
    }
  } else if (parts.size() == 3 && parts[0] == "heat_pump" && parts[1] == "sg_ready" &&
             parts[2] == "set") {
    const int state = parse_sg_ready(value);
    if (state < 0) {
      return fail(common::ErrorKind::kInvalidArgument,
                  quoted +
                      " is not an SG Ready state (auto, blocked, normal, recommended, forced or "
                      "1 to 4)");
    }
    command = control::SgReadyCommand{state == 0 ? std::nullopt : std::optional<int>(state)};
  } else {
    return fail(common::ErrorKind::kNotFound, "not a command topic of this site");
  }
  if (auto status = control::validate(command, installation); !status) {
    return fail(status.error().kind, status.error().message);
  }
  return command;
}

std::vector<std::string> command_filters(const TopicConfig& config) {
  if (config.read_only) {
    return {};
  }
  return {config.prefix + "/relay/+/+/set", config.prefix + "/ev/+/mode/set",
          config.prefix + "/ev/+/session/set", config.prefix + "/heat_pump/sg_ready/set"};
}

}  // namespace kirchhoff::mqtt::site
