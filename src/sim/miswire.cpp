#include "sim/miswire.hpp"

#include <array>

#include "common/text.hpp"

namespace kirchhoff::sim {

namespace {

constexpr std::string_view kReversed = "reversed";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

common::Error entry_error(std::string_view entry, const std::string& reason) {
  return common::make_error(common::ErrorKind::kInvalidArgument,
                            "entry '" + std::string(entry) + "': " + reason);
}

// The phase names the topology has, as the installation file writes them.
// 3P-230 names three voltages (L3 = v12) on its two measured conductors.
int phase_names(const model::Installation& installation) {
  const auto& topo = model::topology_info(installation.site.topology);
  return topo.has_neutral ? topo.phase_count : model::kMaxPhases;
}

bool used_by_a_load(const model::Installation& installation, const model::InputRef& input) {
  for (const auto& load : installation.loads) {
    for (const auto& ch : load.channels) {
      if (ch.input == input) {
        return true;
      }
    }
  }
  return false;
}

// One entry, checked against the installation; `seen` holds the inputs of
// the entries before it.
common::Result<CtTruth> parse_entry(std::string_view entry, const model::Installation& installation,
                                    const std::vector<CtTruth>& seen) {
  const std::string_view text = trim(entry);
  if (text.empty()) {
    return entry_error(entry, "empty; write INPUT=PHASE, INPUT=PHASE:reversed or INPUT=reversed");
  }
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    return entry_error(text, "no '='; write INPUT=PHASE, INPUT=PHASE:reversed or INPUT=reversed");
  }
  const std::string_view input_text = trim(text.substr(0, eq));
  const std::string_view truth_text = trim(text.substr(eq + 1));
  const auto input = model::parse_input_ref(input_text);
  if (!input) {
    return entry_error(text, "'" + std::string(input_text) +
                                 "' is not a CT input; write it as on the bus, e.g. hub1/3");
  }
  if (installation.find_input(*input) == nullptr) {
    std::vector<std::string> names;
    for (const auto& device : installation.bus) {
      for (const auto& in : device.inputs) {
        names.push_back(model::InputRef{device.id, in.number}.to_string());
      }
    }
    const std::vector<std::string_view> views(names.begin(), names.end());
    return entry_error(text, "no CT input " + input->to_string() + " on the bus" +
                                 common::did_you_mean(input->to_string(), views));
  }
  if (!used_by_a_load(installation, *input)) {
    return entry_error(text, "no load uses input " + input->to_string());
  }
  for (const auto& before : seen) {
    if (before.input == *input) {
      return entry_error(text, "input " + input->to_string() + " is named twice");
    }
  }
  CtTruth truth{*input, std::nullopt, false};
  std::string_view phase_text = truth_text;
  if (const auto colon = truth_text.find(':'); colon != std::string_view::npos) {
    phase_text = trim(truth_text.substr(0, colon));
    const std::string_view flag = trim(truth_text.substr(colon + 1));
    if (flag != kReversed) {
      const std::array<std::string_view, 1> known = {kReversed};
      return entry_error(text, "'" + std::string(flag) + "' after ':' is not 'reversed'" +
                                   common::did_you_mean(flag, known));
    }
    truth.reversed = true;
  } else if (truth_text == kReversed) {
    truth.reversed = true;
    return truth;
  }
  const int count = phase_names(installation);
  std::vector<std::string_view> allowed;
  for (int p = 0; p < count; ++p) {
    allowed.push_back(model::phase_name(static_cast<model::Phase>(p)));
  }
  const auto phase = model::parse_phase(phase_text);
  if (!phase) {
    std::vector<std::string_view> words = allowed;
    if (!truth.reversed) {
      words.push_back(kReversed);
    }
    return entry_error(text, "'" + std::string(phase_text) + "' is not a phase (" +
                                 common::join_alternatives(allowed) + ")" +
                                 common::did_you_mean(phase_text, words));
  }
  if (static_cast<int>(*phase) >= count) {
    return entry_error(text,
                       "the " + std::string(model::topology_info(installation.site.topology).name) +
                           " topology has no " + std::string(model::phase_name(*phase)) + " (" +
                           common::join_alternatives(allowed) + ")");
  }
  truth.phase = *phase;
  return truth;
}

// Calls `on_entry(entry_text)` for each comma-separated entry.
template <typename F>
void for_each_entry(std::string_view spec, F on_entry) {
  std::size_t start = 0;
  while (true) {
    const auto comma = spec.find(',', start);
    on_entry(
        spec.substr(start, comma == std::string_view::npos ? spec.size() - start : comma - start));
    if (comma == std::string_view::npos) {
      return;
    }
    start = comma + 1;
  }
}

}  // namespace

const CtTruth* Miswiring::find(const model::InputRef& input) const {
  for (const auto& entry : entries) {
    if (entry.input == input) {
      return &entry;
    }
  }
  return nullptr;
}

std::string Miswiring::to_string() const {
  std::string text;
  for (const auto& entry : entries) {
    if (!text.empty()) {
      text += ",";
    }
    text += entry.input.to_string() + "=";
    if (entry.phase) {
      text += model::phase_name(*entry.phase);
      if (entry.reversed) {
        text += ":";
      }
    }
    if (entry.reversed) {
      text += kReversed;
    }
  }
  return text;
}

common::Result<Miswiring> parse_miswire(std::string_view spec,
                                        const model::Installation& installation) {
  if (trim(spec).empty()) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "empty; write INPUT=PHASE, INPUT=PHASE:reversed or INPUT=reversed, "
                              "comma-separated");
  }
  Miswiring miswiring;
  std::optional<common::Error> first_error;
  for_each_entry(spec, [&](std::string_view entry) {
    if (first_error) {
      return;
    }
    auto truth = parse_entry(entry, installation, miswiring.entries);
    if (!truth) {
      first_error = truth.error();
      return;
    }
    miswiring.entries.push_back(*truth);
  });
  if (first_error) {
    return *first_error;
  }
  return miswiring;
}

Miswiring parse_miswire_lenient(std::string_view spec, const model::Installation& installation,
                                std::vector<std::string>& dropped) {
  Miswiring miswiring;
  if (trim(spec).empty()) {
    return miswiring;
  }
  for_each_entry(spec, [&](std::string_view entry) {
    auto truth = parse_entry(entry, installation, miswiring.entries);
    if (!truth) {
      dropped.push_back(truth.error().message);
      return;
    }
    miswiring.entries.push_back(*truth);
  });
  return miswiring;
}

}  // namespace kirchhoff::sim
