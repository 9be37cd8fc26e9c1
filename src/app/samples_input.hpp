// Feeding a samples CSV (a file or "-" for stdin) through a metering engine,
// for the commands that read recordings (`meter`, `diagnose`).
#pragma once

#include <string>

#include "app/cli.hpp"
#include "metering/engine.hpp"

namespace kirchhoff::app {

// Streams every row into `engine` and ends the recording (MeterEngine::finish:
// the last partial cycle counts for energy); errors go to ctx.err naming the file, row
// and column. Returns kExitOk, or the exit code to end with (also when the
// recording holds fewer than two whole cycles).
int meter_samples(const CommandContext& ctx, const std::string& samples,
                  metering::MeterEngine& engine);

}  // namespace kirchhoff::app
