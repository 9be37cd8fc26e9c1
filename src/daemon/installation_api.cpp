#include "daemon/installation_api.hpp"

#include <nlohmann/json.hpp>

#include "common/json_text.hpp"
#include "model/describe.hpp"

namespace kirchhoff::daemon {

namespace {

using nlohmann::json;

// The YAML text of a request: the body itself (application/yaml, text/*),
// or {"yaml": "..."} for clients that only speak JSON.
common::Result<std::string> yaml_of(const api::HttpRequest& r) {
  const std::string type = r.header("content-type");
  if (type.rfind("application/json", 0) == 0) {
    const json body = json::parse(r.body, nullptr, false);
    if (!body.is_object() || body.size() != 1 || !body.contains("yaml") ||
        !body["yaml"].is_string()) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                "a JSON body must be {\"yaml\": \"...the installation file...\"}");
    }
    return body["yaml"].get<std::string>();
  }
  if (r.body.empty()) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "the body must be the installation file (YAML)");
  }
  return r.body;
}

std::string count_text(const std::vector<model::Diagnostic>& diagnostics) {
  int errors = 0;
  for (const auto& d : diagnostics) {
    errors += d.severity == model::Severity::kError ? 1 : 0;
  }
  const int warnings = static_cast<int>(diagnostics.size()) - errors;
  return std::to_string(errors) + " error(s), " + std::to_string(warnings) + " warning(s)";
}

}  // namespace

void add_installation_routes(api::Router& router, api::AuthApi& auth, SiteConfig& site) {
  router.add(
      "GET", "/api/v1/installation",
      auth.guarded(
          auth::Role::kViewer, false, [&site](const api::HttpRequest&, const auth::Session&) {
            const auto inst = site.installation();
            const auto& topo = model::topology_info(inst->site.topology);
            return api::json_body(
                200, common::json_text(json{{"name", inst->site.name},
                                            {"topology", topo.name},
                                            {"gateway", model::gateway_info(inst->gateway).name},
                                            {"main_breaker_a", inst->site.main_breaker_a},
                                            {"describe", model::describe_installation(*inst)},
                                            {"yaml", site.yaml()}}));
          }));
  router.add(
      "POST", "/api/v1/installation/check",
      auth.guarded(
          auth::Role::kInstaller, false, [](const api::HttpRequest& r, const auth::Session&) {
            const auto yaml = yaml_of(r);
            if (!yaml) {
              return api::json_error(400, yaml.error().message);
            }
            const model::CheckResult checked = model::check_installation(*yaml);
            return api::json_body(
                200, common::json_text(json{{"valid", !checked.has_errors()},
                                            {"summary", count_text(checked.diagnostics)},
                                            {"problems", diagnostics_json(checked.diagnostics)}}));
          }));
  router.add(
      "PUT", "/api/v1/installation",
      auth.guarded(auth::Role::kInstaller, true,
                   [&site](const api::HttpRequest& r, const auth::Session& session) {
                     const auto yaml = yaml_of(r);
                     if (!yaml) {
                       return api::json_error(400, yaml.error().message);
                     }
                     const auto proposal = site.propose(*yaml, session.user);
                     if (!proposal) {
                       return api::json_error(
                           500, "the installation could not be saved: " + proposal.error().message);
                     }
                     const json problems = diagnostics_json(proposal->diagnostics);
                     if (!proposal->accepted) {
                       return api::json_body(
                           422,
                           common::json_text(json{{"error", "the installation has " +
                                                                count_text(proposal->diagnostics) +
                                                                "; nothing was changed"},
                                                  {"problems", problems}}));
                     }
                     return api::json_body(
                         202, common::json_text(json{{"status", "saved; applied at the next cycle"},
                                                     {"summary", count_text(proposal->diagnostics)},
                                                     {"problems", problems}}));
                   }));
}

}  // namespace kirchhoff::daemon
