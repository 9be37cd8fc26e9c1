#include "api/auth_api.hpp"

#include <nlohmann/json.hpp>

#include "auth/password.hpp"
#include "common/json_text.hpp"
#include "common/utf8.hpp"

namespace kirchhoff::api {

namespace {

constexpr const char* kCookie = "kirchhoff_session";

HttpResponse json_response(int status, const nlohmann::json& body) {
  return json_body(status, common::json_text(body));
}

std::string bearer_token(const HttpRequest& request) {
  const std::string value = request.header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  return value.rfind(kPrefix, 0) == 0 ? value.substr(kPrefix.size()) : std::string();
}

// Equal strings in time that depends only on the length.
bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(diff | (a[i] ^ b[i]));
  }
  return diff == 0;
}

}  // namespace

FieldsOrError parse_string_fields(const std::string& body,
                                  std::initializer_list<std::string_view> required) {
  FieldsOrError out;
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    out.error = json_error(400, "the request body must be a JSON object");
    return out;
  }
  for (const auto& [key, value] : doc.items()) {
    bool known = false;
    for (std::string_view name : required) {
      known = known || name == key;
    }
    if (!known) {
      out.error = json_error(400, "unknown field '" + key + "'");
      return out;
    }
    if (!value.is_string()) {
      out.error = json_error(400, "field '" + key + "' must be a string");
      return out;
    }
    out.fields[key] = value.get<std::string>();
  }
  for (std::string_view name : required) {
    if (!out.fields.contains(std::string(name))) {
      out.error = json_error(400, "missing field '" + std::string(name) + "'");
      return out;
    }
  }
  return out;
}

namespace {

// One hashing thread: Argon2id takes ~40 ms and 12 MiB per guess on a small
// box, and the control loop needs the other core. Logins beyond what waits
// here are refused with 503 at once.
constexpr std::size_t kHashingThreads = 1;
constexpr std::size_t kHashingQueue = 8;
// Free failures before the back-off starts: a person mistyping a few times
// waits not at all; one address trying many names waits sooner or later.
constexpr int kPairFreeFailures = 3;
constexpr int kAddressFreeFailures = 10;
// User names in keys and logs are cut here (valid names have at most 64).
constexpr std::size_t kNameBytes = 64;

}  // namespace

AuthApi::AuthApi(auth::UserStore users, common::Logger& log, auth::ClockMs clock)
    : users_(std::move(users)),
      log_(log),
      clock_(clock),
      sessions_(clock),
      pair_throttle_(clock, kPairFreeFailures),
      address_throttle_(clock, kAddressFreeFailures),
      setup_throttle_(clock, 5),
      hashing_(kHashingThreads, kHashingQueue) {}

AuthApi::~AuthApi() { shutdown(); }

void AuthApi::shutdown() { hashing_.stop(); }

void AuthApi::arm_setup_code(std::string code) { setup_code_ = std::move(code); }

void AuthApi::add_routes(Router& router) {
  router.add_async("POST", "/api/v1/login", [this](const HttpRequest& r, Responder respond) {
    login(r, std::move(respond));
  });
  router.add("POST", "/api/v1/logout", [this](const HttpRequest& r) { return logout(r); });
  router.add("POST", "/api/v1/setup", [this](const HttpRequest& r) { return setup(r); });
  router.add("GET", "/api/v1/me",
             guarded(auth::Role::kViewer, false, [](const HttpRequest&, const auth::Session& s) {
               return json_response(200, {{"user", s.user}, {"role", auth::role_name(s.role)}});
             }));
}

void AuthApi::refresh_users() {
  std::lock_guard lock(users_mutex_);
  if (auth::UserStore::file_stamp(users_.path()) == users_.stamp()) {
    return;
  }
  auto fresh = auth::UserStore::open(users_.path());
  if (!fresh) {
    log_.error("accounts file not reloaded", {{"reason", fresh.error().message}});
    return;
  }
  users_ = std::move(*fresh);
}

AuthApi::Check AuthApi::require(const HttpRequest& request, auth::Role minimum,
                                bool changes_state) {
  Check check;
  refresh_users();
  std::string token = bearer_token(request);
  const bool by_cookie = token.empty();
  if (by_cookie) {
    token = request.cookie(kCookie);
  }
  if (token.empty()) {
    check.denied = json_error(401, "login required");
    check.denied.headers.emplace_back("WWW-Authenticate", "Bearer");
    return check;
  }
  auto session = sessions_.find(token);
  if (session) {
    // The session ends when its account was removed (even if the name came
    // back as another account), its password changed or its role changed.
    std::lock_guard lock(users_mutex_);
    const auth::User* user = users_.find(session->user);
    if (user == nullptr || user->id != session->user_id ||
        user->password_hash != session->credential || user->role != session->role) {
      sessions_.revoke_user(session->user);
      check.denied = json_error(401, "the account changed since this login; log in again");
      return check;
    }
  }
  if (!session) {
    check.denied = json_error(401, "session expired or unknown; log in again");
    return check;
  }
  if (session->role < minimum) {
    check.denied = json_error(403, "this needs the role " + std::string(auth::role_name(minimum)) +
                                       "; you are " + std::string(auth::role_name(session->role)));
    return check;
  }
  if (changes_state && by_cookie &&
      !constant_time_equal(request.header("x-csrf-token"), session->csrf_token)) {
    check.denied = json_error(403, "missing or wrong X-CSRF-Token header");
    return check;
  }
  check.session = std::move(session);
  return check;
}

std::optional<HttpResponse> AuthApi::check_websocket(const HttpRequest& request) {
  const std::string origin = request.header("origin");
  if (!origin.empty() && origin != "http://" + request.header("host") &&
      origin != "https://" + request.header("host")) {
    return json_error(403, "WebSocket from another origin refused");
  }
  auto check = require(request, auth::Role::kViewer, false);
  if (!check.session) {
    return check.denied;
  }
  return std::nullopt;
}

Handler AuthApi::guarded(
    auth::Role minimum, bool changes_state,
    std::function<HttpResponse(const HttpRequest&, const auth::Session&)> handler) {
  return [this, minimum, changes_state, handler = std::move(handler)](const HttpRequest& r) {
    auto check = require(r, minimum, changes_state);
    return check.session ? handler(r, *check.session) : check.denied;
  };
}

void AuthApi::login(const HttpRequest& request, Responder respond) {
  auto parsed = parse_string_fields(request.body, {"username", "password"});
  if (parsed.error) {
    return respond(*parsed.error);
  }
  refresh_users();
  const std::string name = parsed.fields["username"];
  const std::string pair_key = request.remote + "|" + name.substr(0, kNameBytes);
  const std::int64_t wait_ms = std::max(pair_throttle_.retry_after_ms(pair_key),
                                        address_throttle_.retry_after_ms(request.remote));
  if (wait_ms > 0) {
    HttpResponse r = json_error(429, "too many failed logins; try again later");
    r.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
    return respond(r);
  }
  std::optional<auth::User> user;
  {
    std::lock_guard lock(users_mutex_);
    if (const auth::User* found = users_.find(name)) {
      user = *found;
    }
  }
  const bool queued = hashing_.try_submit(
      [this, request, name, password = std::move(parsed.fields["password"]), user, respond] {
        respond(finish_login(request, name, password, user));
      });
  if (!queued) {
    HttpResponse r = json_error(503, "too many logins at once; try again in a moment");
    r.headers.emplace_back("Retry-After", "1");
    respond(r);
  }
}

HttpResponse AuthApi::finish_login(const HttpRequest& request, const std::string& name,
                                   const std::string& password, std::optional<auth::User> user) {
  // An unknown name costs a hash verification too, so timing does not tell
  // which names exist.
  static const std::string kDummyHash = auth::hash_password("not a real password").value();
  const bool ok =
      auth::verify_password(password, user ? user->password_hash : kDummyHash) && user.has_value();
  const std::string pair_key = request.remote + "|" + name.substr(0, kNameBytes);
  if (!ok) {
    pair_throttle_.failure(pair_key);
    address_throttle_.failure(request.remote);
    log_.warning("login failed",
                 {{"user", common::log_safe(name, kNameBytes)}, {"remote", request.remote}});
    return json_error(401, "wrong user name or password");
  }
  pair_throttle_.success(pair_key);
  auto session = sessions_.create(*user);
  if (!session) {
    return json_error(500, session.error().message);
  }
  log_.info("login", {{"user", user->name},
                      {"role", std::string(auth::role_name(user->role))},
                      {"remote", request.remote}});
  HttpResponse r = json_response(200, {{"user", user->name},
                                       {"role", auth::role_name(user->role)},
                                       {"token", session->token},
                                       {"csrf_token", session->csrf_token},
                                       {"expires_in_s", auth::SessionManager::kIdleMs / 1000}});
  r.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=" + session->token +
                                           "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                           std::to_string(auth::SessionManager::kMaxAgeMs / 1000));
  return r;
}

HttpResponse AuthApi::logout(const HttpRequest& request) {
  auto check = require(request, auth::Role::kViewer, true);
  if (!check.session) {
    return check.denied;
  }
  sessions_.revoke(check.session->token);
  log_.info("logout", {{"user", check.session->user}});
  HttpResponse r = json_response(200, {{"status", "logged out"}});
  r.headers.emplace_back("Set-Cookie",
                         std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return r;
}

HttpResponse AuthApi::setup(const HttpRequest& request) {
  std::lock_guard lock(users_mutex_);
  if (!setup_code_ || !users_.empty()) {
    return json_error(404, "setup is done: accounts exist already");
  }
  auto parsed = parse_string_fields(request.body, {"code", "username", "password"});
  if (parsed.error) {
    return *parsed.error;
  }
  if (setup_throttle_.retry_after_ms(request.remote) > 0) {
    return json_error(429, "too many wrong setup codes; try again later");
  }
  if (!constant_time_equal(parsed.fields["code"], *setup_code_)) {
    setup_throttle_.failure(request.remote);
    return json_error(403, "wrong setup code");
  }
  if (auto status = auth::check_user_name(parsed.fields["username"]); !status) {
    return json_error(400, status.error().message);
  }
  if (auto status = auth::check_password_rules(parsed.fields["password"]); !status) {
    return json_error(400, status.error().message);
  }
  auto hash = auth::hash_password(parsed.fields["password"]);
  if (!hash) {
    return json_error(500, hash.error().message);
  }
  auto added = users_.add({parsed.fields["username"], auth::Role::kInstaller, *hash, clock_()});
  if (!added) {
    return json_error(400, added.error().message);
  }
  if (auto saved = users_.save(); !saved) {
    return json_error(500, saved.error().message);
  }
  setup_code_.reset();
  log_.info("first account created", {{"user", parsed.fields["username"]}, {"role", "installer"}});
  return json_response(201, {{"user", parsed.fields["username"]}, {"role", "installer"}});
}

}  // namespace kirchhoff::api
