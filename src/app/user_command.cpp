// `kirchhoff user add|passwd|remove|list --data DIR`: accounts of the local
// API. Passwords are read from the terminal without echo, or as the first
// line of standard input when it is not a terminal (for scripts); they are
// never taken from the command line, where other users could see them.
#include <termios.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <iostream>
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "auth/password.hpp"
#include "auth/users.hpp"

namespace kirchhoff::app {

namespace {

std::string read_password(std::ostream& err, const char* prompt) {
  std::string line;
  if (::isatty(STDIN_FILENO) == 1) {
    err << prompt << std::flush;
    termios old_mode{};
    ::tcgetattr(STDIN_FILENO, &old_mode);
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(std::cin, line);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
    err << "\n";
  } else {
    std::getline(std::cin, line);
  }
  return line;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int user_command(const CommandContext& ctx) {
  const char* usage =
      "usage: kirchhoff user add NAME --role installer|owner|viewer --data DIR\n"
      "       kirchhoff user passwd NAME --data DIR\n"
      "       kirchhoff user remove NAME --data DIR\n"
      "       kirchhoff user list --data DIR\n";
  if (ctx.args.empty()) {
    ctx.err << usage;
    return kExitUnreadable;
  }
  const std::string action = ctx.args[0];
  const bool needs_name = action != "list";
  if (needs_name && ctx.args.size() < 2) {
    ctx.err << usage;
    return kExitUnreadable;
  }
  const std::string name = needs_name ? ctx.args[1] : "";
  constexpr std::array<std::string_view, 2> kKnown = {"data", "role"};
  const auto options = Options::parse(ctx.args.subspan(needs_name ? 2 : 1), kKnown);
  const auto data = options ? options->get("data") : std::nullopt;
  if (!options || !data) {
    ctx.err << "kirchhoff user: " << (options ? "--data DIR is required" : options.error().message)
            << "\n"
            << usage;
    return kExitUnreadable;
  }
  auto store = auth::UserStore::open(*data + "/users.json");
  if (!store) {
    ctx.err << store.error().message << "\n";
    return kExitInvalid;
  }
  auto fail = [&](const common::Error& error) {
    ctx.err << "kirchhoff user " << action << ": " << error.message << "\n";
    return kExitInvalid;
  };
  if (action == "list") {
    for (const auto& user : store->users()) {
      ctx.out << user.name << "\t" << auth::role_name(user.role) << "\n";
    }
    return kExitOk;
  }
  if (action == "remove") {
    if (auto s = store->remove(name); !s) {
      return fail(s.error());
    }
  } else if (action == "add" || action == "passwd") {
    std::optional<auth::Role> role;
    if (action == "add") {
      role = auth::parse_role(options->get("role").value_or(""));
      if (!role) {
        ctx.err << "kirchhoff user add: --role must be installer, owner or viewer\n";
        return kExitUnreadable;
      }
      if (auto s = auth::check_user_name(name); !s) {
        return fail(s.error());
      }
      if (store->find(name) != nullptr) {
        return fail(common::make_error(common::ErrorKind::kInvalidArgument,
                                       "user '" + name + "' exists already"));
      }
    } else if (store->find(name) == nullptr) {
      return fail(common::make_error(common::ErrorKind::kNotFound, "no user '" + name + "'"));
    }
    const std::string password = read_password(ctx.err, "password: ");
    if (auto s = auth::check_password_rules(password); !s) {
      return fail(s.error());
    }
    auto hash = auth::hash_password(password);
    if (!hash) {
      return fail(hash.error());
    }
    const auto status = action == "add" ? store->add({name, *role, *hash, now_ms()})
                                        : store->set_password_hash(name, *hash);
    if (!status) {
      return fail(status.error());
    }
  } else {
    ctx.err << "kirchhoff user: unknown action '" << action << "'\n" << usage;
    return kExitUnreadable;
  }
  if (auto saved = store->save(); !saved) {
    return fail(saved.error());
  }
  ctx.err << "user " << name << ": " << (action == "remove" ? "removed" : "saved") << "\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
