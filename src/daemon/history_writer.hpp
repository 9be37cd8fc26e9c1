// Records site snapshots in the history store, and restores the energy
// registers from it at start. Series keys:
//   load/<name>/p_w, load/<name>/q_var                 (gauges, 0.1 W / var)
//   load/<name>/energy_import_wh, .../energy_export_wh (counters, 1 mWh)
//   load/<name>/<L1..L3>/i_a, .../pf                   (per phase: 0.01 A, 0.001)
//   load/<name>/<L1..L3>/p_w, .../q_var                (per phase of a load on two or
//                                                       three phases: 0.1 W / var; a
//                                                       one-phase load's are its own)
//   voltage/<L1..L3>/v_ln, site/frequency_hz           (0.01 V, 1 mHz)
//   voltage/<L1..L3>/v_ll                              (0.01 V; sites with 2 or 3 phases)
//   input/<module>/<n>/total                           (pulse totals, in their unit)
//   battery/<load>/soc_pct                             (gauge, 0.1 %: a battery load's
//                                                       state of charge, when the
//                                                       snapshot has it)
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "daemon/daemon.hpp"
#include "model/installation.hpp"
#include "snapshot/snapshot.hpp"
#include "store/background_appender.hpp"
#include "store/store.hpp"

namespace kirchhoff::daemon {

class HistoryWriter {
 public:
  static common::Result<HistoryWriter> create(store::Store& store,
                                              const model::Installation& installation);

  // The registers continue from the last values stored, or from `at_least`
  // (by series key) where that is larger: they never go back.
  common::Status restore(EnergyRegisters& registers,
                         const std::map<std::string, double>& at_least = {});
  // Appends one snapshot (in memory; the caller flushes the store).
  common::Status append(const snapshot::SiteSnapshot& snap);
  // Bulk mode for backfills (`simulate --data`): from now on append()
  // collects the values of up to `samples` snapshots, `step_ms` apart, and
  // hands them to Store::append_block (which commits them) when the block is
  // full, a snapshot is not the block's next sample or its time is a multiple
  // of the block's length (blocks align with the store's); a series without a
  // value in a snapshot gets no point. flush_block() commits a partial block.
  // With `background`, blocks go to it (written on its thread; the caller
  // calls its finish() before using the store again), else to the store.
  // The daemon does not use it: it appends and flushes every second.
  void buffer_blocks(std::int64_t samples, std::int64_t step_ms,
                     store::BackgroundAppender* background = nullptr);
  common::Status flush_block();
  // The points of the last append, named as the uplink names them
  // ("Grid/p_w", "voltage/L1/v_ln"), with the decimals their series keeps
  // (0.1 W: 1): what goes to the uplink's outbox. Empty in bulk mode.
  struct Point {
    const std::string* series = nullptr;  // valid while this writer lives
    double value = 0.0;
    int decimals = 3;
  };
  const std::vector<Point>& last_points() const { return points_; }

 private:
  // A load's phase, matched by phase in the snapshot; p and q are -1 for a
  // load on one phase (its own P and Q say it).
  struct PhaseSeries {
    model::Phase phase = model::Phase::kL1;
    int i = 0, pf = 0, p = -1, q = -1;
  };
  struct LoadSeries {
    int p = 0, q = 0, imp = 0, exp = 0;
    std::string name;
    std::vector<PhaseSeries> phases;
  };
  explicit HistoryWriter(store::Store& store) : store_(&store) {}
  store::Store* store_;
  std::vector<LoadSeries> loads_;
  std::vector<int> voltages_;
  std::vector<int> line_voltages_;  // v_ll per phase; empty on a one-phase site
  int frequency_ = 0;
  std::vector<int> inputs_;
  // The (module or device, input number) each of inputs_ records.
  std::vector<std::pair<std::string, int>> input_keys_;
  struct UplinkSeries {
    std::string name;
    int decimals = 3;
    std::string key;  // the history's
  };
  // Per battery load: (its name, the soc_pct series), matched by name with
  // the snapshot's batteries.
  std::vector<std::pair<std::string, int>> socs_;
  std::vector<std::pair<std::string, int>> plugged_;  // per EV load: a car plugged in (0/1)
  // Indexed by series id: its uplink name and decimals (a vector: looked up
  // for every point).
  std::vector<UplinkSeries> uplink_series_;
  std::vector<Point> points_;
  // Bulk mode: every series' id, and the values sample-major, a row of
  // every series per sample as append() makes them (NaN: no point).
  std::int64_t block_samples_ = 0;
  std::int64_t block_step_ms_ = 1000;
  std::int64_t block_t0_ms_ = 0;
  std::int64_t block_n_ = 0;
  std::vector<int> block_ids_;
  std::vector<std::size_t> block_row_;  // series id → its row in block_values_
  std::vector<double> block_values_;
  std::vector<double> columns_;  // a block series-major, without a background appender
  store::BackgroundAppender* background_ = nullptr;
};

}  // namespace kirchhoff::daemon
