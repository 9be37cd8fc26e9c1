// The corrected installation file: the diagnosis's fixes written into the
// file's own text at the positions the loader recorded, so comments, order
// and layout stay (docs/diagnostics.md). yaml-cpp cannot re-emit comments.
#include <algorithm>
#include <string>
#include <vector>

#include "diagnostics/diagnose.hpp"
#include "model/loader.hpp"

namespace kirchhoff::diagnostics {

namespace {

struct Edit {
  std::size_t offset = 0;
  std::size_t length = 0;  // 0: an insertion
  std::string text;
};

class Text {
 public:
  explicit Text(const std::string& text) : text_(text) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') {
        line_starts_.push_back(i + 1);
      }
    }
  }

  // The offset of a 1-based line and column; npos when outside the text.
  std::size_t offset(model::SourcePos pos) const {
    if (pos.line < 1 || static_cast<std::size_t>(pos.line) > line_starts_.size() ||
        pos.column < 1) {
      return std::string::npos;
    }
    const std::size_t at = line_starts_[static_cast<std::size_t>(pos.line - 1)] +
                           static_cast<std::size_t>(pos.column - 1);
    return at < text_.size() ? at : std::string::npos;
  }

  // The offset of `token` at `at` (after an opening quote), or searched for
  // on the same line from there: columns may count characters, not bytes.
  std::size_t find_token(std::size_t at, std::string_view token) const {
    if (at == std::string::npos) {
      return at;
    }
    if (text_[at] == '"' || text_[at] == '\'') {
      ++at;
    }
    if (text_.compare(at, token.size(), token) == 0) {
      return at;
    }
    const std::size_t line_end = std::min(text_.find('\n', at), text_.size());
    const std::size_t found = text_.find(token, at);
    return found < line_end ? found : std::string::npos;
  }

  // The first offset after `at` that is not blank or a comment.
  std::size_t skip_blank(std::size_t at) const {
    while (at < text_.size()) {
      const char ch = text_[at];
      if (ch == '#') {
        at = text_.find('\n', at);
        if (at == std::string::npos) {
          return text_.size();
        }
      } else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
        ++at;
      } else {
        return at;
      }
    }
    return at;
  }

  std::size_t end_of_line(std::size_t at) const {
    const std::size_t end = text_.find('\n', at);
    return end == std::string::npos ? text_.size() : end + 1;
  }

  const std::string& str() const { return text_; }

 private:
  const std::string& text_;
  std::vector<std::size_t> line_starts_;
};

std::string flags_text(const std::vector<model::LoadChannel>& channels) {
  std::string out = "[";
  for (std::size_t i = 0; i < channels.size(); ++i) {
    out += (i == 0 ? "" : ", ") + std::string(channels[i].reversed ? "true" : "false");
  }
  return out + "]";
}

std::string word(bool value) { return value ? "true" : "false"; }

common::Error cannot(const std::string& why) {
  return common::make_error(common::ErrorKind::kInvalidArgument,
                            "the corrected installation could not be written: " + why);
}

}  // namespace

common::Result<std::string> corrected_installation(const std::string& yaml,
                                                   const model::Installation& installation,
                                                   const Diagnosis& diagnosis) {
  // The installation as it should be.
  model::Installation target = installation;
  for (const InputDiagnosis& d : diagnosis.inputs) {
    if (!is_wiring_fix(d.verdict) || !d.detected_phase || !d.fixable) {
      continue;
    }
    for (model::Load& load : target.loads) {
      for (model::LoadChannel& channel : load.channels) {
        if (load.name == d.load && channel.input == d.input) {
          channel.phase = *d.detected_phase;
          channel.reversed = d.reversed;
        }
      }
    }
  }
  const Text text(yaml);
  std::vector<Edit> edits;
  for (std::size_t l = 0; l < installation.loads.size(); ++l) {
    const auto& before = installation.loads[l].channels;
    const auto& after = target.loads[l].channels;
    const bool has_reversed = !before.empty() && before.front().reversed_pos.line > 0;
    bool needs_reversed_list = false;
    for (std::size_t c = 0; c < before.size(); ++c) {
      if (before[c].phase != after[c].phase) {
        const std::string old_name(model::phase_name(before[c].phase));
        const std::size_t at = text.find_token(text.offset(before[c].phase_pos), old_name);
        if (at == std::string::npos) {
          return cannot("phase " + old_name + " of load '" + installation.loads[l].name +
                        "' not found in the text at line " +
                        std::to_string(before[c].phase_pos.line));
        }
        edits.push_back({at, old_name.size(), std::string(model::phase_name(after[c].phase))});
      }
      if (before[c].reversed != after[c].reversed) {
        if (!has_reversed) {
          needs_reversed_list = true;
          continue;
        }
        const std::string old_flag = word(before[c].reversed);
        const std::size_t at = text.find_token(text.offset(before[c].reversed_pos), old_flag);
        if (at == std::string::npos) {
          return cannot("'reversed' of load '" + installation.loads[l].name +
                        "' not found in the text at line " +
                        std::to_string(before[c].reversed_pos.line));
        }
        edits.push_back({at, old_flag.size(), word(after[c].reversed)});
      }
    }
    if (!needs_reversed_list) {
      continue;
    }
    // No `reversed` list yet: add one after the load's inputs.
    const std::size_t load_at = text.offset(installation.loads[l].pos);
    const std::string& last_input = before.back().input.to_string();
    const std::size_t input_at = text.find_token(text.offset(before.back().input_pos), last_input);
    if (load_at == std::string::npos || input_at == std::string::npos) {
      return cannot("the inputs of load '" + installation.loads[l].name +
                    "' not found in the text");
    }
    std::size_t after_input = input_at + last_input.size();
    if (after_input < yaml.size() && (yaml[after_input] == '"' || yaml[after_input] == '\'')) {
      ++after_input;
    }
    const std::size_t close = text.skip_blank(after_input);
    const bool flow_inputs = close < yaml.size() && yaml[close] == ']';
    const std::string list = flags_text(after);
    if (yaml[load_at] == '{') {
      if (!flow_inputs) {
        return cannot("the inputs of load '" + installation.loads[l].name + "' have no ']'");
      }
      edits.push_back({close + 1, 0, ", reversed: " + list});
    } else {
      const std::size_t line_end = text.end_of_line(flow_inputs ? close : input_at);
      const std::string indent(static_cast<std::size_t>(installation.loads[l].pos.column - 1), ' ');
      const std::string newline = line_end > 0 && yaml[line_end - 1] == '\n' ? "" : "\n";
      edits.push_back({line_end, 0, newline + indent + "reversed: " + list + "\n"});
    }
  }
  std::sort(edits.begin(), edits.end(),
            [](const Edit& a, const Edit& b) { return a.offset > b.offset; });
  std::string out = yaml;
  for (const Edit& e : edits) {
    out.replace(e.offset, e.length, e.text);
  }
  // The edited text must load and give exactly the intended channels.
  auto reloaded = model::load_installation_text(out, "the corrected installation");
  if (!reloaded) {
    return cannot(reloaded.error().message);
  }
  if (reloaded->loads.size() != target.loads.size()) {
    return cannot("it no longer has the same loads");
  }
  for (std::size_t l = 0; l < target.loads.size(); ++l) {
    const auto& want = target.loads[l].channels;
    const auto& got = reloaded->loads[l].channels;
    const bool same =
        want.size() == got.size() &&
        std::equal(want.begin(), want.end(), got.begin(),
                   [](const model::LoadChannel& a, const model::LoadChannel& b) {
                     return a.phase == b.phase && a.reversed == b.reversed && a.input == b.input;
                   });
    if (!same) {
      return cannot("load '" + target.loads[l].name + "' did not come out as intended");
    }
  }
  return out;
}

}  // namespace kirchhoff::diagnostics
