// The `kirchhoff` command line: a table of subcommands, each a function from
// arguments to an exit code. Output goes to the streams passed in so tests run
// commands in-process.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace kirchhoff::app {

struct CommandContext {
  std::span<const std::string> args;  // arguments after the subcommand name
  std::ostream& out;
  std::ostream& err;
};

using CommandFn = int (*)(const CommandContext&);

struct Command {
  std::string_view name;
  std::string_view usage;    // e.g. "check FILE"
  std::string_view summary;  // one line for `kirchhoff help`
  CommandFn run;
};

// Exit codes shared by the commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;     // the input was read but is not valid
inline constexpr int kExitUnreadable = 2;  // a file could not be read, or bad usage

// Called first thing in main: the daemon reports start-up time from here.
void mark_process_start();

int run_cli(std::span<const std::string> argv, std::ostream& out, std::ostream& err);

// The exit code for a failed installation load: 2 when the file could not be
// read, 1 when it is invalid. Prints the error (the `check` diagnostics).
int report_installation_error(const CommandContext& ctx, const common::Error& error);

// The data directory when --data is not given: $XDG_STATE_HOME/kirchhoff,
// else ~/.local/state/kirchhoff, else ./kirchhoff-data.
std::string default_data_dir();

// `[--data DIR] DIRECTORY` (either order), for backup and restore.
struct DirectoryArgs {
  std::string data_dir;
  std::string directory;
};
common::Result<DirectoryArgs> parse_directory_args(std::span<const std::string> args);

// Subcommands, one file each.
int run_command(const CommandContext& ctx);
int check_command(const CommandContext& ctx);
int user_command(const CommandContext& ctx);
int describe_command(const CommandContext& ctx);
int simulate_command(const CommandContext& ctx);
int whatif_command(const CommandContext& ctx);
int record_command(const CommandContext& ctx);
int meter_command(const CommandContext& ctx);
int diagnose_command(const CommandContext& ctx);
int history_command(const CommandContext& ctx);
int p1_command(const CommandContext& ctx);
int sunspec_command(const CommandContext& ctx);
int backup_command(const CommandContext& ctx);
int restore_command(const CommandContext& ctx);

}  // namespace kirchhoff::app
