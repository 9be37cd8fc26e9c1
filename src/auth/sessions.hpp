// Login sessions and login throttling, in memory (a restart logs everyone out).
//
// A session is a 256-bit random token (cookie `kirchhoff_session`, HttpOnly,
// SameSite=Strict, or `Authorization: Bearer` for scripts) with its own CSRF
// token, which cookie-authenticated requests that change state must echo in
// `X-CSRF-Token`. Sessions expire after 12 h without use and 7 days at most.
//
// Throttling: 5 failed logins for a key (a user name, or a client address)
// within 15 minutes lock that key until the window has passed.
//
// The clock is passed in (milliseconds) so tests run faster than real time.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "auth/users.hpp"
#include "common/result.hpp"

namespace kirchhoff::auth {

using ClockMs = std::function<std::int64_t()>;
ClockMs system_clock_ms();

struct Session {
  std::string token;
  std::string csrf_token;
  std::string user;
  Role role = Role::kViewer;
  std::int64_t created_ms = 0;
  std::int64_t last_used_ms = 0;
};

class SessionManager {
 public:
  static constexpr std::int64_t kIdleMs = 12LL * 3600 * 1000;
  static constexpr std::int64_t kMaxAgeMs = 7LL * 24 * 3600 * 1000;

  explicit SessionManager(ClockMs clock = system_clock_ms()) : clock_(std::move(clock)) {}

  common::Result<Session> create(const std::string& user, Role role);
  // The live session of a token (and marks it used); empty when unknown or expired.
  std::optional<Session> find(const std::string& token);
  void revoke(const std::string& token);
  void revoke_user(const std::string& user);

 private:
  ClockMs clock_;
  std::mutex mutex_;
  std::map<std::string, Session, std::less<>> sessions_;
};

class LoginThrottle {
 public:
  static constexpr int kMaxFailures = 5;
  static constexpr std::int64_t kWindowMs = 15LL * 60 * 1000;

  explicit LoginThrottle(ClockMs clock = system_clock_ms()) : clock_(std::move(clock)) {}

  // Milliseconds until `key` may try again; 0 when it may now.
  std::int64_t retry_after_ms(const std::string& key);
  void failure(const std::string& key);
  void success(const std::string& key);

 private:
  struct Entry {
    int failures = 0;
    std::int64_t window_start_ms = 0;
  };
  ClockMs clock_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace kirchhoff::auth
