// `kirchhoff diagnose --config FILE --samples CSV|-`: which phase each CT's
// current belongs to and which way round it is mounted, from a recording in
// the CSV of `meter`; prints the verdicts and the corrected installation file
// as JSON (docs/diagnostics.md).
#include <array>
#include <fstream>
#include <iostream>
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "app/samples_input.hpp"
#include "common/json_text.hpp"
#include "common/text.hpp"
#include "diagnostics/diagnose.hpp"
#include "model/loader.hpp"

namespace kirchhoff::app {

int diagnose_command(const CommandContext& ctx) {
  constexpr std::array<std::string_view, 2> kKnown = {"config", "samples"};
  constexpr std::array<std::string_view, 1> kFlags = {"rogowski-raw"};
  const auto options = Options::parse(ctx.args, kKnown, kFlags);
  const char* usage = "usage: kirchhoff diagnose --config FILE --samples CSV|- [--rogowski-raw]\n";
  if (!options || !options->get("config") || !options->get("samples")) {
    ctx.err << "kirchhoff diagnose: "
            << (options ? "--config FILE and --samples CSV are required" : options.error().message)
            << "\n"
            << usage;
    return kExitUnreadable;
  }
  const std::string config = *options->get("config");
  const auto yaml = common::read_file(config);
  if (!yaml) {
    ctx.err << config << ": cannot read the installation file\n";
    return kExitUnreadable;
  }
  const auto installation = model::load_installation_text(*yaml, config);
  if (!installation) {
    return report_installation_error(ctx, installation.error());
  }
  metering::EngineOptions engine_options;
  engine_options.rogowski_raw = options->flag("rogowski-raw");
  metering::MeterEngine engine(*installation, engine_options);
  const int read = meter_samples(ctx, *options->get("samples"), engine);
  if (read != kExitOk) {
    return read;
  }
  const metering::MeterResults results = engine.results();
  const diagnostics::Diagnosis diagnosis = diagnostics::diagnose(*installation, results.phasors);
  nlohmann::json out = diagnostics::to_json(diagnosis);
  auto corrected = diagnostics::corrected_installation(*yaml, *installation, diagnosis);
  if (corrected) {
    out["installation"] = *corrected;
  } else {
    out["installation"] = nullptr;
    out["installation_error"] = corrected.error().message;
  }
  ctx.out << common::json_text(out, 2) << "\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
