// A site's recorded history over a period, read once for the what-if replay
// (docs/whatif.md): each load's power per second where raw points are kept,
// per minute (the 1-minute rollups' means) where only rollups are left; the
// battery's first state of charge, the car sessions found in the chargers'
// power, the gas use per quarter hour and the grid's registers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "model/installation.hpp"
#include "sim/ev.hpp"

namespace kirchhoff::whatif {

struct Progress;

// A stretch of the period (at most one UTC day) at one resolution.
struct RecordedBlock {
  std::int64_t start_s = 0;
  std::int64_t seconds = 0;
  int step_s = 1;  // 1: raw seconds; 60: 1-minute means
  // Per installation load, power per step (W, + in the load's direction);
  // empty for a load without a recorded series.
  std::vector<std::vector<float>> load_w;
  // The grid's source voltage per step (V, L1 measured plus the drop the
  // site's own current caused, sim::kGridImpedanceOhm); empty: not recorded.
  std::vector<float> source_v;
};

struct Recording {
  std::int64_t from_s = 0;  // [from_s, to_s)
  std::int64_t to_s = 0;
  std::vector<RecordedBlock> blocks;
  std::size_t load_count = 0;          // loads of the installation it was read for
  std::vector<model::LoadKind> kinds;  // their kinds
  std::optional<double> initial_soc;   // 0..1, the first battery's
  // Per EV load (the installation's order): the sessions its power shows.
  std::vector<std::vector<sim::SimEvCharger::PlannedSession>> ev_sessions;
  // Gas use per quarter hour from from_s (m3); empty without a gas meter.
  std::vector<double> gas_m3;
  double import_kwh = 0.0;  // the grid loads' registers over the period
  double export_kwh = 0.0;
  std::string strategy;  // as recorded by `simulate --data`; empty: unknown
  std::int64_t raw_seconds = 0;
  std::int64_t minute_seconds = 0;
};

// Reads [from_ms, to_ms) of the history at `history_path` (0: its first or
// last point) for `installation`'s loads. Errors name the file and the
// reason (no history, nothing in the period, a load with no series).
common::Result<Recording> read_recording(const std::string& history_path,
                                         const model::Installation& installation,
                                         std::int64_t from_ms, std::int64_t to_ms,
                                         Progress* progress);

// The sessions a charger's power shows (docs/whatif.md): a session starts
// when it draws more than 100 W and ends after the last such second; runs
// less than an hour apart are one session. The car wants the AC energy it got
// times `efficiency`; it leaves at 07:30 local the next morning for sessions
// that start after noon (or at the end, if later), else 4 h after the end.
std::vector<sim::SimEvCharger::PlannedSession> find_sessions(
    const std::vector<RecordedBlock>& blocks, std::size_t load_index, double efficiency);

}  // namespace kirchhoff::whatif
