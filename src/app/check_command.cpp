#include <ostream>

#include "app/cli.hpp"
#include "common/text.hpp"
#include "model/loader.hpp"

namespace kirchhoff::app {

// Exit 0 when the file is valid (warnings allowed), 1 when it has errors, 2
// when it cannot be read.
int check_command(const CommandContext& ctx) {
  if (ctx.args.size() != 1) {
    ctx.err << "usage: kirchhoff check FILE\n";
    return kExitUnreadable;
  }
  const std::string& path = ctx.args[0];
  const auto text = common::read_file(path);
  if (!text) {
    ctx.err << path << ": cannot read the file (missing, a directory, or not permitted)\n";
    return kExitUnreadable;
  }
  const model::CheckResult result = model::check_installation(*text);
  for (const auto& diagnostic : result.diagnostics) {
    ctx.out << model::format_diagnostic(path, diagnostic) << "\n";
  }
  const int errors = result.error_count();
  const int warnings = result.warning_count();
  if (errors > 0) {
    ctx.err << path << ": invalid: " << errors << " error(s), " << warnings << " warning(s)\n";
    return kExitInvalid;
  }
  ctx.err << path << ": ok" << (warnings > 0 ? ", " + std::to_string(warnings) + " warning(s)" : "")
          << "\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
