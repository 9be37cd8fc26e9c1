// `kirchhoff meter --config FILE --samples CSV|-`: metering of a whole
// recorded waveform, printed as JSON (docs/metering.md). The CSV is streamed:
// memory does not grow with its length.
#include <array>
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "app/samples_input.hpp"
#include "common/json_text.hpp"
#include "metering/engine.hpp"
#include "metering/meter_json.hpp"
#include "model/loader.hpp"

namespace kirchhoff::app {

int meter_command(const CommandContext& ctx) {
  constexpr std::array<std::string_view, 2> kKnown = {"config", "samples"};
  constexpr std::array<std::string_view, 1> kFlags = {"rogowski-raw"};
  const auto options = Options::parse(ctx.args, kKnown, kFlags);
  const char* usage = "usage: kirchhoff meter --config FILE --samples CSV|- [--rogowski-raw]\n";
  if (!options || !options->get("config") || !options->get("samples")) {
    ctx.err << "kirchhoff meter: "
            << (options ? "--config FILE and --samples CSV are required" : options.error().message)
            << "\n"
            << usage;
    return kExitUnreadable;
  }
  const auto installation = model::load_installation_file(*options->get("config"));
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
  ctx.out << common::json_text(metering::to_json(engine.results()), 2) << "\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
