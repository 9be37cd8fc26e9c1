#include <ostream>

#include "app/cli.hpp"
#include "model/describe.hpp"
#include "model/loader.hpp"

namespace kirchhoff::app {

int describe_command(const CommandContext& ctx) {
  if (ctx.args.size() != 1) {
    ctx.err << "usage: kirchhoff describe FILE\n";
    return kExitUnreadable;
  }
  const auto installation = model::load_installation_file(ctx.args[0]);
  if (!installation) {
    return report_installation_error(ctx, installation.error());
  }
  ctx.out << model::describe_installation(*installation);
  return kExitOk;
}

}  // namespace kirchhoff::app
