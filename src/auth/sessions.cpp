#include "auth/sessions.hpp"

#include <algorithm>
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

common::Result<Session> SessionManager::create(const User& user) {
  auto token = random_hex(32);
  auto csrf = random_hex(32);
  if (!token || !csrf) {
    return (!token ? token : csrf).error();
  }
  Session session{*token,   *csrf,    user.name, user.role,
                  clock_(), clock_(), user.id,   user.password_hash};
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

std::size_t SessionManager::size() {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::int64_t LoginThrottle::retry_after_ms(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) {
    return 0;
  }
  const std::int64_t now = clock_();
  if (now >= it->second.blocked_until_ms && now - it->second.last_failure_ms >= kForgetMs) {
    entries_.erase(it);
    return 0;
  }
  return std::max<std::int64_t>(0, it->second.blocked_until_ms - now);
}

void LoginThrottle::failure(const std::string& key) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_();
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_entries_) {
      prune(now);
    }
    it = entries_.emplace(key, Entry{}).first;
  } else if (now >= it->second.blocked_until_ms && now - it->second.last_failure_ms >= kForgetMs) {
    it->second = {};  // a quarter of an hour of quiet forgives the past
  }
  Entry& entry = it->second;
  ++entry.failures;
  entry.last_failure_ms = now;
  const int over = entry.failures - free_failures_;
  if (over > 0) {
    // 1 s, 2 s, 4 s, ... doubling up to the cap (the shift is bounded first).
    const std::int64_t delay =
        over > 20 ? kMaxDelayMs : std::min(kMaxDelayMs, kFirstDelayMs << (over - 1));
    entry.blocked_until_ms = now + delay;
  }
}

void LoginThrottle::success(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

std::size_t LoginThrottle::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void LoginThrottle::prune(std::int64_t now_ms) {
  std::erase_if(entries_, [&](const auto& e) {
    return now_ms >= e.second.blocked_until_ms && now_ms - e.second.last_failure_ms >= kForgetMs;
  });
  // Still full: the entry whose last failure is oldest makes room.
  while (entries_.size() >= max_entries_ && !entries_.empty()) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.last_failure_ms < oldest->second.last_failure_ms) {
        oldest = it;
      }
    }
    entries_.erase(oldest);
  }
}

}  // namespace kirchhoff::auth
