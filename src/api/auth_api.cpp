#include "api/auth_api.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

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
  router.add_async("POST", "/api/v1/me/password", [this](const HttpRequest& r, Responder respond) {
    change_password(r, std::move(respond));
  });
  router.add("GET", "/api/v1/users", [this](const HttpRequest& r) { return list_users(r); });
  router.add_async("POST", "/api/v1/users", [this](const HttpRequest& r, Responder respond) {
    add_user(r, std::move(respond));
  });
  router.add("DELETE", "/api/v1/users/{name}",
             [this](const HttpRequest& r) { return remove_user(r); });
}

std::vector<AuthApi::AccountEvent> AuthApi::take_events() {
  std::vector<AccountEvent> taken;
  std::lock_guard lock(events_mutex_);
  taken.swap(events_);
  return taken;
}

void AuthApi::add_event(const std::string& user, std::string message) {
  std::lock_guard lock(events_mutex_);
  if (events_.size() >= kMaxEvents) {
    events_.erase(events_.begin());
  }
  events_.push_back({clock_(), user, std::move(message)});
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
  log_.info("login", {{"user", user->name},
                      {"role", std::string(auth::role_name(user->role))},
                      {"remote", request.remote}});
  return session_response(200, *user);
}

HttpResponse AuthApi::session_response(int status, const auth::User& user) {
  auto session = sessions_.create(user);
  if (!session) {
    return json_error(500, session.error().message);
  }
  HttpResponse r = json_response(status, {{"user", user.name},
                                          {"role", auth::role_name(user.role)},
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

HttpResponse AuthApi::list_users(const HttpRequest& request) {
  auto check = require(request, auth::Role::kInstaller, false);
  if (!check.session) {
    return check.denied;
  }
  nlohmann::json list = nlohmann::json::array();
  std::lock_guard lock(users_mutex_);
  for (const auth::User& user : users_.users()) {
    list.push_back({{"user", user.name}, {"role", auth::role_name(user.role)}});
  }
  return json_response(200, list);
}

void AuthApi::add_user(const HttpRequest& request, Responder respond) {
  auto check = require(request, auth::Role::kInstaller, true);
  if (!check.session) {
    return respond(check.denied);
  }
  auto parsed = parse_string_fields(request.body, {"username", "password", "role"});
  if (parsed.error) {
    return respond(*parsed.error);
  }
  // The rules of `kirchhoff user add`.
  const std::string name = parsed.fields["username"];
  if (auto status = auth::check_user_name(name); !status) {
    return respond(json_error(400, status.error().message));
  }
  const auto role = auth::parse_role(parsed.fields["role"]);
  if (!role) {
    return respond(json_error(400, "the role must be viewer, owner or installer"));
  }
  if (auto status = auth::check_password_rules(parsed.fields["password"]); !status) {
    return respond(json_error(400, status.error().message));
  }
  const auto exists = [name] { return json_error(409, "user '" + name + "' exists already"); };
  {
    std::lock_guard lock(users_mutex_);
    if (users_.find(name) != nullptr) {
      return respond(exists());
    }
  }
  const bool queued = hashing_.try_submit([this, name, role = *role,
                                           password = std::move(parsed.fields["password"]),
                                           by = check.session->user, respond, exists] {
    auto hash = auth::hash_password(password, hash_cost_);
    if (!hash) {
      return respond(json_error(500, hash.error().message));
    }
    std::optional<HttpResponse> refused;
    {
      std::lock_guard lock(users_mutex_);
      // Another request may have taken the name while this one hashed.
      if (users_.find(name) != nullptr) {
        refused = exists();
      } else if (auto added = users_.add({name, role, *hash, clock_()}); !added) {
        refused = json_error(400, added.error().message);
      } else if (auto saved = users_.save(); !saved) {
        (void)users_.remove(name);
        refused = json_error(500, saved.error().message);
      }
    }
    if (refused) {
      return respond(*refused);
    }
    const std::string role_text(auth::role_name(role));
    add_event(by, "account '" + name + "' added as " + role_text);
    log_.info("account added", {{"user", name}, {"role", role_text}, {"by", by}});
    respond(json_response(201, {{"user", name}, {"role", role_text}}));
  });
  if (!queued) {
    HttpResponse r = json_error(503, "too many password hashes at once; try again in a moment");
    r.headers.emplace_back("Retry-After", "1");
    respond(r);
  }
}

HttpResponse AuthApi::remove_user(const HttpRequest& request) {
  auto check = require(request, auth::Role::kInstaller, true);
  if (!check.session) {
    return check.denied;
  }
  const std::string& name = request.path_params.at(0);
  {
    std::lock_guard lock(users_mutex_);
    const auth::User* user = users_.find(name);
    if (user == nullptr) {
      return json_error(404, "no user '" + common::log_safe(name, kNameBytes) + "'");
    }
    const auto installers =
        std::count_if(users_.users().begin(), users_.users().end(),
                      [](const auth::User& u) { return u.role == auth::Role::kInstaller; });
    // Without an installer nobody could change the installation or the
    // accounts from the API any more.
    if (user->role == auth::Role::kInstaller && installers == 1) {
      return json_error(409, "'" + name + "' is the last installer; add another one first");
    }
    const auth::User removed = *user;
    (void)users_.remove(name);
    if (auto saved = users_.save(); !saved) {
      (void)users_.add(removed);
      return json_error(500, saved.error().message);
    }
  }
  sessions_.revoke_user(name);
  add_event(check.session->user, "account '" + name + "' removed");
  log_.info("account removed", {{"user", name}, {"by", check.session->user}});
  HttpResponse r;
  r.status = 204;
  return r;
}

void AuthApi::change_password(const HttpRequest& request, Responder respond) {
  auto check = require(request, auth::Role::kViewer, true);
  if (!check.session) {
    return respond(check.denied);
  }
  auto parsed = parse_string_fields(request.body, {"old_password", "new_password"});
  if (parsed.error) {
    return respond(*parsed.error);
  }
  if (auto status = auth::check_password_rules(parsed.fields["new_password"]); !status) {
    return respond(json_error(400, status.error().message));
  }
  // Wrong old passwords count like failed logins of this account from this
  // address, so a session left open is no way around the back-off.
  const std::string pair_key = request.remote + "|" + check.session->user.substr(0, kNameBytes);
  const std::int64_t wait_ms = std::max(pair_throttle_.retry_after_ms(pair_key),
                                        address_throttle_.retry_after_ms(request.remote));
  if (wait_ms > 0) {
    HttpResponse r = json_error(429, "too many wrong passwords; try again later");
    r.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
    return respond(r);
  }
  const bool queued = hashing_.try_submit(
      [this, request, session = *check.session, old_password = parsed.fields["old_password"],
       new_password = parsed.fields["new_password"],
       respond] { respond(finish_password_change(request, session, old_password, new_password)); });
  if (!queued) {
    HttpResponse r = json_error(503, "too many password checks at once; try again in a moment");
    r.headers.emplace_back("Retry-After", "1");
    respond(r);
  }
}

HttpResponse AuthApi::finish_password_change(const HttpRequest& request,
                                             const auth::Session& session,
                                             const std::string& old_password,
                                             const std::string& new_password) {
  std::optional<auth::User> user;
  {
    std::lock_guard lock(users_mutex_);
    if (const auth::User* found = users_.find(session.user);
        found != nullptr && found->id == session.user_id) {
      user = *found;
    }
  }
  if (!user) {
    return json_error(401, "the account changed since this login; log in again");
  }
  const std::string pair_key = request.remote + "|" + session.user.substr(0, kNameBytes);
  if (!auth::verify_password(old_password, user->password_hash)) {
    pair_throttle_.failure(pair_key);
    address_throttle_.failure(request.remote);
    log_.warning(
        "password change refused",
        {{"user", user->name}, {"reason", "wrong old password"}, {"remote", request.remote}});
    return json_error(403, "the old password is wrong");
  }
  pair_throttle_.success(pair_key);
  auto hash = auth::hash_password(new_password, hash_cost_);
  if (!hash) {
    return json_error(500, hash.error().message);
  }
  {
    std::lock_guard lock(users_mutex_);
    const auth::User* current = users_.find(user->name);
    // Changed meanwhile (another session, `kirchhoff user`): the old
    // password checked above may not be the one in force.
    if (current == nullptr || current->id != user->id ||
        current->password_hash != user->password_hash) {
      return json_error(409, "the account changed meanwhile; try again");
    }
    (void)users_.set_password_hash(user->name, *hash);
    if (auto saved = users_.save(); !saved) {
      (void)users_.set_password_hash(user->name, user->password_hash);
      return json_error(500, saved.error().message);
    }
    user = *users_.find(user->name);
  }
  // Every session of the account ends (docs/api.md); this one gets a new one.
  sessions_.revoke_user(user->name);
  add_event(user->name, "account '" + user->name + "' changed its password");
  log_.info("password changed", {{"user", user->name}, {"remote", request.remote}});
  return session_response(200, *user);
}

}  // namespace kirchhoff::api
