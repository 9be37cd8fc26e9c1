#include "daemon/site_config.hpp"

#include <nlohmann/json.hpp>

#include "common/file.hpp"

namespace kirchhoff::daemon {

SiteConfig::SiteConfig(model::Installation installation, std::string yaml, std::string saved_path)
    : installation_(std::make_shared<const model::Installation>(std::move(installation))),
      yaml_(std::move(yaml)),
      saved_path_(std::move(saved_path)) {}

std::shared_ptr<const model::Installation> SiteConfig::installation() const {
  std::lock_guard lock(mutex_);
  return installation_;
}

std::string SiteConfig::yaml() const {
  std::lock_guard lock(mutex_);
  return yaml_;
}

common::Result<SiteConfig::Proposal> SiteConfig::propose(const std::string& yaml,
                                                         const std::string& user) {
  model::CheckResult checked = model::check_installation(yaml);
  Proposal proposal;
  proposal.diagnostics = checked.diagnostics;
  if (checked.has_errors() || !checked.installation) {
    return proposal;
  }
  std::lock_guard lock(mutex_);
  // Saved first: a change the next start would not see is not applied.
  if (auto saved = common::write_file_atomically(saved_path_, yaml, 0644); !saved) {
    return saved.error();
  }
  installation_ = std::make_shared<const model::Installation>(std::move(*checked.installation));
  yaml_ = yaml;
  pending_ = Change{installation_, user};
  proposal.accepted = true;
  return proposal;
}

std::optional<SiteConfig::Change> SiteConfig::take_change() {
  std::lock_guard lock(mutex_);
  std::optional<Change> change;
  change.swap(pending_);
  return change;
}

nlohmann::json diagnostics_json(const std::vector<model::Diagnostic>& diagnostics) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : diagnostics) {
    out.push_back({{"line", d.pos.line},
                   {"column", d.pos.column},
                   {"severity", d.severity == model::Severity::kError ? "error" : "warning"},
                   {"message", d.message}});
  }
  return out;
}

}  // namespace kirchhoff::daemon
