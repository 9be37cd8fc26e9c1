// `kirchhoff restore [--data DIR] BACKUP_DIR`: puts a backup made by
// `kirchhoff backup` into a data directory no daemon is using; what the
// directory held is moved aside, never deleted (docs/install.md).
#include <ostream>

#include "app/cli.hpp"
#include "app/data_backup.hpp"

namespace kirchhoff::app {

int restore_command(const CommandContext& ctx) {
  const auto args = parse_directory_args(ctx.args);
  if (!args) {
    ctx.err << "kirchhoff restore: " << args.error().message
            << "\nusage: kirchhoff restore [--data DIR] BACKUP_DIR\n";
    return kExitUnreadable;
  }
  const auto report = restore_data_dir(args->directory, args->data_dir);
  if (!report) {
    ctx.err << "kirchhoff restore: " << report.error().message << "\n";
    return report.error().kind == common::ErrorKind::kIoError ? kExitUnreadable : kExitInvalid;
  }
  for (const BackupFile& file : report->files) {
    ctx.out << "  " << file.name << " (" << file.kind << ", " << file.bytes << " bytes, checked)\n";
  }
  ctx.out << "restored " << args->directory << " into " << args->data_dir << ": "
          << report->files.size() << " files";
  if (!report->replaced_dir.empty()) {
    ctx.out << "; the previous files are in " << report->replaced_dir;
  }
  ctx.out << "\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
