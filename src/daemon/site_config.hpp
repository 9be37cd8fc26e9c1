// The installation a running daemon works with, replaceable while it runs
// (PUT /api/v1/installation). The HTTP thread reads it and proposes a new
// one; the control loop takes a change at the start of a cycle, so a cycle
// never sees two installations. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "model/loader.hpp"

namespace kirchhoff::daemon {

class SiteConfig {
 public:
  // `saved_path`: where an accepted change is written (the data directory's
  // installation.yaml), so the next start runs it.
  SiteConfig(model::Installation installation, std::string yaml, std::string saved_path);

  std::shared_ptr<const model::Installation> installation() const;
  std::string yaml() const;

  // Checks `yaml`; without errors saves it and queues it for the next cycle
  // (warnings do not stop it). The result lists every problem either way; an
  // error means it could not be saved.
  struct Proposal {
    bool accepted = false;
    std::vector<model::Diagnostic> diagnostics;
  };
  common::Result<Proposal> propose(const std::string& yaml, const std::string& user);

  // For the control loop: the change queued since the last call, if any.
  struct Change {
    std::shared_ptr<const model::Installation> installation;
    std::string user;
  };
  std::optional<Change> take_change();

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const model::Installation> installation_;
  std::string yaml_;
  std::string saved_path_;
  std::optional<Change> pending_;
};

// The diagnostics as JSON: [{line, column, severity, message}].
nlohmann::json diagnostics_json(const std::vector<model::Diagnostic>& diagnostics);

}  // namespace kirchhoff::daemon
