#include <ostream>

#include <algorithm>
#include <filesystem>

#include "app/cli.hpp"
#include "common/text.hpp"
#include "devices/modbus/maps/builtin_maps.hpp"
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
  // The files the installation names (a price file) are read relative to it.
  const std::string base = std::filesystem::path(path).parent_path().string();
  model::CheckResult result = model::check_installation(*text, base);
  // Register maps live with the drivers, not in the model: a modbus device's
  // map must be one shipped with Kirchhoff or a readable, valid map file.
  if (result.installation) {
    // MQTT secrets and CAs are files beside the installation: a file the
    // daemon could not read is an error here rather than at its start.
    const auto readable = [&](const std::string& file, model::SourcePos pos,
                              const std::string& what) {
      if (file.empty()) {
        return;
      }
      const std::string full = file.front() == '/' || base.empty() ? file : base + "/" + file;
      if (!common::read_file(full)) {
        result.diagnostics.push_back(
            {pos, model::Severity::kError, what + ": cannot read " + full});
      }
    };
    if (const auto& mqtt = result.installation->server.mqtt) {
      readable(mqtt->password_file, mqtt->pos, "password_file of 'mqtt' of 'server'");
      readable(mqtt->ca_file, mqtt->pos, "ca_file of 'mqtt' of 'server'");
    }
    for (const auto& device : result.installation->devices) {
      if (device.mqtt) {
        readable(device.mqtt->password_file, device.mqtt->password_file_pos,
                 "password_file of device '" + device.name + "'");
        readable(device.mqtt->ca_file, device.mqtt->ca_file_pos,
                 "ca_file of device '" + device.name + "'");
      }
      if (device.driver != "modbus" || device.map.empty()) {
        continue;
      }
      if (auto map = devices::maps::resolve_map(device.map, base); !map) {
        result.diagnostics.push_back(
            {device.map_pos, model::Severity::kError,
             "map of device '" + device.name + "': " + map.error().message});
      }
    }
    std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                     [](const model::Diagnostic& a, const model::Diagnostic& b) {
                       return a.pos.line != b.pos.line ? a.pos.line < b.pos.line
                                                       : a.pos.column < b.pos.column;
                     });
  }
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
