// What if: the site's recorded history replayed through the site model and
// the energy manager, as recorded (the baseline) and with changes (variants),
// with the key figures, savings and payback of each (docs/whatif.md).
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace kirchhoff::whatif {

// One --vary: a key and the values it takes ("battery.capacity_kwh",
// {"5", "10", "15"}). Every combination of all keys' values is a variant.
struct Vary {
  std::string key;
  std::vector<std::string> values;
};

// One --capex: the price of one unit of a key (EUR per kWh of
// battery.capacity_kwh, per kWp of solar.kwp, ...).
struct Capex {
  std::string key;
  double price_per_unit = 0.0;
};

struct Request {
  // The installation file's text, which variants edit, and the directory
  // relative paths in it (the price file) are read from.
  std::string installation_text;
  std::string installation_dir = ".";
  // The history to replay (a data directory's history.db); empty: no
  // history, the simulator's run of `sim_days` is the recording.
  std::string history_path;
  // The period, ms since the epoch, [from, to); 0: the history's first or
  // last second.
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  // Without history: the simulated period.
  int sim_days = 365;
  std::uint64_t seed = 1;
  std::optional<std::int64_t> start_unix_s;
  std::vector<Vary> vary;
  std::vector<Capex> capex;
  // A prices CSV for every run (baseline included), replacing the file's.
  std::string prices_file;
  // The baseline's strategy: "none" or "managed"; empty: the one recorded.
  std::string strategy;
  // Replay the 1-minute means even where raw seconds are kept (faster,
  // coarser: what older periods get anyway).
  bool minute_means_only = false;
  // Threads for the runs; 0: all cores.
  int jobs = 0;
};

// Progress of a run, updated by run() from its threads and read by anyone
// (the CLI's progress bar, the daemon's status endpoint). `cancel` set by a
// reader stops the runs at their next day; run() then fails with an error saying so.
struct Progress {
  std::atomic<std::int64_t> done_s{0};   // replayed seconds over all runs
  std::atomic<std::int64_t> total_s{0};  // set once the runs are known
  std::atomic<bool> cancel{false};
  std::atomic<int> phase{0};  // 0 reading the history, 1 replaying, 2 done
};

// Checks the keys and values of --vary and --capex before anything runs
// (unknown key with a hint, a value that is not a number, ...).
common::Status check_request(const Request& request);

// Runs the baseline and every variant; the JSON of docs/whatif.md. Errors
// name what is wrong (no history in the period, an invalid variant with its
// key and value, a prices file that cannot be read).
common::Result<nlohmann::json> run(const Request& request, Progress* progress = nullptr);

// Parses "KEY=V1,V2,..." (--vary) and "KEY=PRICE" (--capex).
common::Result<Vary> parse_vary(std::string_view text);
common::Result<Capex> parse_capex(std::string_view text);

}  // namespace kirchhoff::whatif
