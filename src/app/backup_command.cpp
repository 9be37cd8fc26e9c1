// `kirchhoff backup [--data DIR] OUT_DIR`: a consistent copy of a data
// directory, also while the daemon runs (docs/install.md).
#include <array>
#include <ostream>
#include <vector>

#include "app/cli.hpp"
#include "app/data_backup.hpp"
#include "app/options.hpp"

namespace kirchhoff::app {

common::Result<DirectoryArgs> parse_directory_args(std::span<const std::string> args) {
  std::vector<std::string> rest(args.begin(), args.end());
  std::string positional;
  if (!rest.empty() && rest.front().rfind("--", 0) != 0) {
    positional = rest.front();
    rest.erase(rest.begin());
  } else if (rest.size() % 2 == 1) {
    positional = rest.back();
    rest.pop_back();
  }
  constexpr std::array<std::string_view, 1> kKnown = {"data"};
  const auto options = Options::parse(rest, kKnown);
  if (!options) {
    return options.error();
  }
  if (positional.empty() || positional.rfind("--", 0) == 0) {
    return common::make_error(common::ErrorKind::kInvalidArgument, "a directory is required");
  }
  return DirectoryArgs{options->get("data").value_or(default_data_dir()), positional};
}

int backup_command(const CommandContext& ctx) {
  const auto args = parse_directory_args(ctx.args);
  if (!args) {
    ctx.err << "kirchhoff backup: " << args.error().message
            << "\nusage: kirchhoff backup [--data DIR] OUT_DIR\n";
    return kExitUnreadable;
  }
  const auto manifest = backup_data_dir(args->data_dir, args->directory);
  if (!manifest) {
    ctx.err << "kirchhoff backup: " << manifest.error().message << "\n";
    return manifest.error().kind == common::ErrorKind::kCorruption ? kExitInvalid : kExitUnreadable;
  }
  std::uintmax_t bytes = 0;
  for (const BackupFile& file : manifest->files) {
    ctx.out << "  " << file.name << " (" << file.kind << ", " << file.bytes << " bytes)\n";
    bytes += file.bytes;
  }
  ctx.out << "backed up " << manifest->source << " into " << args->directory << ": "
          << manifest->files.size() << " files, " << bytes << " bytes\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
