// The installation over HTTP: GET /api/v1/installation (viewer: summary,
// tree, bill of materials and the YAML text), POST /api/v1/installation/check
// (installer: the validator's messages, nothing changes) and PUT
// /api/v1/installation (installer: validated exactly like `kirchhoff check`,
// refused with the same messages, else saved and applied at the next cycle).
#pragma once

#include "api/auth_api.hpp"
#include "api/http_server.hpp"
#include "daemon/site_config.hpp"

namespace kirchhoff::daemon {

// `site` must outlive the router.
void add_installation_routes(api::Router& router, api::AuthApi& auth, SiteConfig& site);

}  // namespace kirchhoff::daemon
