// Authentication for the HTTP API: login and logout, the first-account setup,
// and the check every other route makes.
//
// A request is authenticated by `Authorization: Bearer TOKEN` (scripts) or by
// the `kirchhoff_session` cookie (the browser). Cookie requests that change
// state must also send the session's CSRF token in `X-CSRF-Token`; bearer
// requests need not, a browser never adds that header on its own.
// Failed logins are throttled with exponential back-off per (client address,
// user name) and, more leniently, per client address; a stranger's guesses
// never lock the owner out of their own device. Password hashes are verified
// on a worker thread with a bounded queue (never on the HTTP thread): when
// guesses arrive faster than it hashes, the surplus gets 503 at once and the
// rest of the API stays responsive.
//
// Accounts are also managed here (docs/api.md): installers list, add and
// remove them, anyone changes their own password. New hashes are made and old
// passwords verified on the same worker as logins. Each change is an event
// the daemon takes with take_events() (the history is not this thread's to
// write).
//
// Thread-safety: everything here may be called from the HTTP thread while the
// daemon reads users (the store is guarded by an internal mutex).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/http_server.hpp"
#include "auth/password.hpp"
#include "auth/sessions.hpp"
#include "auth/users.hpp"
#include "common/log.hpp"
#include "common/work_queue.hpp"

namespace kirchhoff::api {

class AuthApi {
 public:
  AuthApi(auth::UserStore users, common::Logger& log,
          auth::ClockMs clock = auth::system_clock_ms());
  ~AuthApi();

  // Stops the hashing worker (logins waiting for it are dropped). Call before
  // the event loop that receives the answers stops.
  void shutdown();

  // Adds POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me,
  // POST /api/v1/setup (only while `setup_code` is set and no account exists),
  // POST /api/v1/me/password (any role), GET and POST /api/v1/users and
  // DELETE /api/v1/users/{name} (installer).
  void add_routes(Router& router);

  // The cost of the hashes made for new passwords (tests make them cheap).
  // Call before serving.
  void set_hash_cost(auth::HashCost cost) { hash_cost_ = cost; }

  // A change of an account, for the history: who made it and what, never a
  // password ("account 'alice' added as owner").
  struct AccountEvent {
    std::int64_t t_ms = 0;
    std::string user;
    std::string message;
  };
  // The changes since the last call, oldest first (at most kMaxEvents wait;
  // the oldest go first).
  std::vector<AccountEvent> take_events();
  static constexpr std::size_t kMaxEvents = 1000;

  // Arms the one-time setup code that creates the first installer account.
  void arm_setup_code(std::string code);

  // The session allowed to do this, or the 401/403 response to send.
  struct Check {
    std::optional<auth::Session> session;
    HttpResponse denied;
  };
  Check require(const HttpRequest& request, auth::Role minimum, bool changes_state);

  // For WebSocket upgrades: a viewer's session, and an Origin (when the
  // browser sends one) equal to this server's, so another site cannot open
  // the stream with the user's cookie.
  std::optional<HttpResponse> check_websocket(const HttpRequest& request);

  // Wraps a handler with require().
  Handler guarded(auth::Role minimum, bool changes_state,
                  std::function<HttpResponse(const HttpRequest&, const auth::Session&)> handler);

 private:
  // Re-reads the accounts file when `kirchhoff user` changed it; a damaged
  // file keeps the accounts last read (and is logged).
  void refresh_users();
  void login(const HttpRequest& request, Responder respond);
  // The worker's part of a login: verify, throttle, open the session.
  HttpResponse finish_login(const HttpRequest& request, const std::string& name,
                            const std::string& password, std::optional<auth::User> user);
  HttpResponse logout(const HttpRequest& request);
  HttpResponse setup(const HttpRequest& request);
  // The accounts (installer): list, add (hashed on the worker), remove.
  HttpResponse list_users(const HttpRequest& request);
  void add_user(const HttpRequest& request, Responder respond);
  HttpResponse remove_user(const HttpRequest& request);
  // One's own password: the old one verified and the new one hashed on the
  // worker; a wrong old one counts as a failed login.
  void change_password(const HttpRequest& request, Responder respond);
  HttpResponse finish_password_change(const HttpRequest& request, const auth::Session& session,
                                      const std::string& old_password,
                                      const std::string& new_password);
  // A new session for `user` as login answers it (JSON and cookie).
  HttpResponse session_response(int status, const auth::User& user);
  void add_event(const std::string& user, std::string message);

  std::mutex users_mutex_;
  auth::UserStore users_;
  common::Logger& log_;
  auth::ClockMs clock_;
  auth::SessionManager sessions_;
  auth::LoginThrottle pair_throttle_;     // per (address, user name)
  auth::LoginThrottle address_throttle_;  // per address, whichever names it tries
  auth::LoginThrottle setup_throttle_;    // wrong setup codes per address
  std::optional<std::string> setup_code_;
  auth::HashCost hash_cost_;
  std::mutex events_mutex_;
  std::vector<AccountEvent> events_;
  // Last: stopped (joined) first, while everything its tasks use still exists.
  common::WorkQueue hashing_;
};

// Parses a JSON request body that must be an object with exactly the allowed
// string fields; the error response names the problem.
struct FieldsOrError {
  std::map<std::string, std::string> fields;
  std::optional<HttpResponse> error;
};
FieldsOrError parse_string_fields(const std::string& body,
                                  std::initializer_list<std::string_view> required);

}  // namespace kirchhoff::api
