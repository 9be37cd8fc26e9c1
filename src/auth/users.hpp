// Accounts: name, role and Argon2id password hash, kept in `users.json` in the
// data directory (mode 0600). Saves are atomic (temporary file, fsync, rename),
// so a crash leaves either the old or the new file, never a torn one. A file
// that cannot be parsed is reported and never overwritten.
// Not thread-safe: the daemon guards it with its own mutex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace kirchhoff::auth {

// Ordered: each role may do everything the roles below it may.
enum class Role { kViewer = 0, kOwner = 1, kInstaller = 2 };
std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view text);

struct User {
  std::string name;
  Role role = Role::kViewer;
  std::string password_hash;  // PHC string
  std::int64_t created_ms = 0;
  // Stable and never reused: a session belongs to this id, so removing an
  // account and adding the same name again does not revive old sessions.
  // UserStore::add() gives an account without one a random id.
  std::string id = {};
};

class UserStore {
 public:
  // Reads `path`; a missing file is an empty store.
  static common::Result<UserStore> open(const std::string& path);

  const std::vector<User>& users() const { return users_; }
  const User* find(std::string_view name) const;
  bool empty() const { return users_.empty(); }

  common::Status add(User user);
  common::Status set_password_hash(std::string_view name, std::string hash);
  common::Status remove(std::string_view name);
  common::Status save() const;

  const std::string& path() const { return path_; }
  // The file's modification stamp when last read or written (0 when absent),
  // so a daemon can notice accounts changed by `kirchhoff user`.
  std::int64_t stamp() const { return stamp_; }
  static std::int64_t file_stamp(const std::string& path);

 private:
  explicit UserStore(std::string path) : path_(std::move(path)) {}
  std::string path_;
  mutable std::int64_t stamp_ = 0;
  std::vector<User> users_;
};

// Names: 1 to 64 letters, digits, '.', '_', '-' or '@'.
common::Status check_user_name(std::string_view name);

}  // namespace kirchhoff::auth
