#include "app/samples_input.hpp"

#include <fstream>
#include <iostream>
#include <vector>

#include "metering/samples_csv.hpp"

namespace kirchhoff::app {

int meter_samples(const CommandContext& ctx, const std::string& samples,
                  metering::MeterEngine& engine) {
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
  return kExitOk;
}

}  // namespace kirchhoff::app
