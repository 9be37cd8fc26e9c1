#include "auth/users.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "auth/password.hpp"
#include "common/file.hpp"
#include "common/json_text.hpp"
#include "common/text.hpp"

namespace kirchhoff::auth {

using common::ErrorKind;
using common::make_error;

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOwner:
      return "owner";
    case Role::kInstaller:
      return "installer";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role role : {Role::kViewer, Role::kOwner, Role::kInstaller}) {
    if (role_name(role) == text) {
      return role;
    }
  }
  return std::nullopt;
}

common::Status check_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return make_error(ErrorKind::kInvalidArgument, "a user name has 1 to 64 characters");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '@';
    if (!ok) {
      return make_error(ErrorKind::kInvalidArgument,
                        "a user name may hold letters, digits, '.', '_', '-' and '@' only");
    }
  }
  return common::Status::success();
}

std::int64_t UserStore::file_stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return 0;
  }
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec +
         static_cast<std::int64_t>(st.st_size);
}

common::Result<UserStore> UserStore::open(const std::string& path) {
  UserStore store(path);
  store.stamp_ = file_stamp(path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return store;
  }
  const auto text = common::read_file(path);
  if (!text) {
    return make_error(ErrorKind::kIoError, path + ": cannot read the accounts file");
  }
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  auto corrupt = [&](const std::string& why) {
    return make_error(ErrorKind::kCorruption,
                      path + ": the accounts file is damaged (" + why +
                          "); it was left untouched: restore it from a backup or move it away");
  };
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("users") ||
      !doc["users"].is_array()) {
    return corrupt("not a Kirchhoff accounts file");
  }
  for (const auto& entry : doc["users"]) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
        !entry.contains("role") || !entry["role"].is_string() || !entry.contains("password") ||
        !entry["password"].is_string()) {
      return corrupt("an account lacks its name, role or password");
    }
    const auto role = parse_role(entry["role"].get<std::string>());
    if (!role) {
      return corrupt("unknown role '" + entry["role"].get<std::string>() + "'");
    }
    User user{entry["name"].get<std::string>(), *role, entry["password"].get<std::string>(),
              entry.value("created_ms", std::int64_t{0})};
    // Files written before accounts had ids: the name and creation time
    // identify the account just as well (a re-added name has a new time).
    user.id = entry.contains("id") && entry["id"].is_string()
                  ? entry["id"].get<std::string>()
                  : "legacy-" + user.name + "-" + std::to_string(user.created_ms);
    store.users_.push_back(std::move(user));
  }
  return store;
}

const User* UserStore::find(std::string_view name) const {
  for (const User& user : users_) {
    if (user.name == name) {
      return &user;
    }
  }
  return nullptr;
}

common::Status UserStore::add(User user) {
  if (auto status = check_user_name(user.name); !status) {
    return status;
  }
  if (find(user.name) != nullptr) {
    return make_error(ErrorKind::kInvalidArgument, "user '" + user.name + "' exists already");
  }
  if (user.id.empty()) {
    auto id = random_hex(16);
    if (!id) {
      return id.error();
    }
    user.id = *id;
  }
  users_.push_back(std::move(user));
  return common::Status::success();
}

common::Status UserStore::set_password_hash(std::string_view name, std::string hash) {
  for (User& user : users_) {
    if (user.name == name) {
      user.password_hash = std::move(hash);
      return common::Status::success();
    }
  }
  return make_error(ErrorKind::kNotFound, "no user '" + std::string(name) + "'");
}

common::Status UserStore::remove(std::string_view name) {
  const auto before = users_.size();
  std::erase_if(users_, [&](const User& u) { return u.name == name; });
  if (users_.size() == before) {
    return make_error(ErrorKind::kNotFound, "no user '" + std::string(name) + "'");
  }
  return common::Status::success();
}

common::Status UserStore::save() const {
  nlohmann::json doc;
  doc["version"] = 1;
  doc["users"] = nlohmann::json::array();
  for (const User& user : users_) {
    doc["users"].push_back({{"id", user.id},
                            {"name", user.name},
                            {"role", role_name(user.role)},
                            {"password", user.password_hash},
                            {"created_ms", user.created_ms}});
  }
  const std::string text = common::json_text(doc, 2) + "\n";
  if (auto written = common::write_file_atomically(path_, text, 0600); !written) {
    return written;
  }
  stamp_ = file_stamp(path_);
  return common::Status::success();
}

}  // namespace kirchhoff::auth
