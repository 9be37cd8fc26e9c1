#include "auth/sessions.hpp"

#include <chrono>

#include "auth/password.hpp"

namespace kirchhoff::auth {

ClockMs system_clock_ms() {
  return [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

common::Result<Session> SessionManager::create(const std::string& user, Role role) {
  auto token = random_hex(32);
  auto csrf = random_hex(32);
  if (!token || !csrf) {
    return (!token ? token : csrf).error();
  }
  Session session{*token, *csrf, user, role, clock_(), clock_()};
  std::lock_guard lock(mutex_);
  // Drop expired sessions now and then so the map cannot grow without bound.
  const std::int64_t now = clock_();
  std::erase_if(sessions_, [&](const auto& entry) {
    return now - entry.second.last_used_ms > kIdleMs || now - entry.second.created_ms > kMaxAgeMs;
  });
  sessions_.emplace(session.token, session);
  return session;
}

std::optional<Session> SessionManager::find(const std::string& token) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(token);
  if (it == sessions_.end()) {
    return std::nullopt;
  }
  const std::int64_t now = clock_();
  if (now - it->second.last_used_ms > kIdleMs || now - it->second.created_ms > kMaxAgeMs) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used_ms = now;
  return it->second;
}

void SessionManager::revoke(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token);
}

void SessionManager::revoke_user(const std::string& user) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.user == user; });
}

std::int64_t LoginThrottle::retry_after_ms(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) {
    return 0;
  }
  const std::int64_t elapsed = clock_() - it->second.window_start_ms;
  if (elapsed >= kWindowMs) {
    entries_.erase(it);
    return 0;
  }
  return it->second.failures >= kMaxFailures ? kWindowMs - elapsed : 0;
}

void LoginThrottle::failure(const std::string& key) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[key];
  const std::int64_t now = clock_();
  if (entry.failures == 0 || now - entry.window_start_ms >= kWindowMs) {
    entry = {0, now};
  }
  ++entry.failures;
}

void LoginThrottle::success(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

}  // namespace kirchhoff::auth
