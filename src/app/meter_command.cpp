// `kirchhoff meter --config FILE --samples CSV|-`: metering of a whole
// recorded waveform, printed as JSON (docs/metering.md). The CSV is streamed:
// memory does not grow with its length.
#include <array>
#include <fstream>
#include <iostream>
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "common/json_text.hpp"
#include "metering/engine.hpp"
#include "metering/meter_json.hpp"
#include "metering/samples_csv.hpp"
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
  const std::string samples = *options->get("samples");
  std::ifstream file;
  std::istream* in = &std::cin;
  if (samples != "-") {
    file.open(samples);
    if (!file) {
      ctx.err << samples << ": cannot read the samples file\n";
      return kExitUnreadable;
    }
    in = &file;
  }
  metering::EngineOptions engine_options;
  engine_options.rogowski_raw = options->flag("rogowski-raw");
  metering::MeterEngine engine(*installation, engine_options);
  const std::string name = samples == "-" ? "<stdin>" : samples;
  auto reader = metering::SamplesCsvReader::open(*in, engine.layout(), name);
  if (!reader) {
    ctx.err << reader.error().message << "\n";
    return kExitInvalid;
  }
  std::vector<float> voltages(engine.layout().voltages.size());
  std::vector<float> currents(engine.layout().currents.size());
  double t = 0.0;
  while (true) {
    auto more = reader->next(t, voltages, currents);
    if (!more) {
      ctx.err << more.error().message << "\n";
      return kExitInvalid;
    }
    if (!*more) {
      break;
    }
    engine.feed(t, voltages.data(), currents.data());
  }
  // The recording has ended: its last, unfinished cycle counts for energy.
  engine.finish();
  if (engine.cycles() < 2) {
    ctx.err << name << ": the recording holds " << engine.cycles()
            << " whole cycle(s) of the L1 voltage; at least two are needed (is it long enough, "
               "and is the voltage column the right one?)\n";
    return kExitInvalid;
  }
  ctx.out << common::json_text(metering::to_json(engine.results()), 2) << "\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
