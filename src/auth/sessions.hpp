// Login sessions and login throttling, in memory (a restart logs everyone out).
//
// A session is a 256-bit random token (cookie `kirchhoff_session`, HttpOnly,
// SameSite=Strict, or `Authorization: Bearer` for scripts) with its own CSRF
// token, which cookie-authenticated requests that change state must echo in
// `X-CSRF-Token`. Sessions expire after 12 h without use and 7 days at most.
// A session belongs to an account's id and carries the password hash and role
// it was opened with: a changed password or role, or a removed account, ends
// it (see AuthApi::require).
//
// Throttling is exponential back-off per key, not a lockout: after a few free
// failures each further failure doubles the wait (1 s, 2 s, 4 s ... 15 min).
// Keys are chosen by the caller (a client address with a user name, a client
// address alone), so a stranger's guesses never lock the owner out of their
// own device. The state is bounded: entries are forgotten 15 minutes after
// their last failure and the oldest go first when the table is full.
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
  std::string user_id = {};     // the account's id at login
  std::string credential = {};  // the account's password hash at login
};

class SessionManager {
 public:
  static constexpr std::int64_t kIdleMs = 12LL * 3600 * 1000;
  static constexpr std::int64_t kMaxAgeMs = 7LL * 24 * 3600 * 1000;

  explicit SessionManager(ClockMs clock = system_clock_ms()) : clock_(std::move(clock)) {}

  // A new session for `user` as it is now (id, role, password hash).
  common::Result<Session> create(const User& user);
  // The live session of a token (and marks it used); empty when unknown or expired.
  std::optional<Session> find(const std::string& token);
  void revoke(const std::string& token);
  // Ends every session opened under that user name, whichever account it was.
  void revoke_user(const std::string& user);
  std::size_t size();

 private:
  ClockMs clock_;
  std::mutex mutex_;
  std::map<std::string, Session, std::less<>> sessions_;
};

class LoginThrottle {
 public:
  static constexpr std::int64_t kFirstDelayMs = 1000;
  static constexpr std::int64_t kMaxDelayMs = 15LL * 60 * 1000;
  static constexpr std::int64_t kForgetMs = 15LL * 60 * 1000;
  static constexpr std::size_t kDefaultMaxEntries = 4096;

  // `free_failures`: failures of a key before its first wait.
  explicit LoginThrottle(ClockMs clock = system_clock_ms(), int free_failures = 3,
                         std::size_t max_entries = kDefaultMaxEntries)
      : clock_(std::move(clock)), free_failures_(free_failures), max_entries_(max_entries) {}

  // Milliseconds until `key` may try again; 0 when it may now.
  std::int64_t retry_after_ms(const std::string& key);
  void failure(const std::string& key);
  void success(const std::string& key);
  std::size_t size();

 private:
  struct Entry {
    int failures = 0;
    std::int64_t last_failure_ms = 0;
    std::int64_t blocked_until_ms = 0;
  };
  void prune(std::int64_t now_ms);

  ClockMs clock_;
  int free_failures_;
  std::size_t max_entries_;
  std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace kirchhoff::auth
