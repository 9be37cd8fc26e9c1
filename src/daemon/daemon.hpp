// The daemon loop of `kirchhoff run`: every cycle the source produces a site
// snapshot, the energy registers integrate it, and the snapshot is published
// for the API. The HTTP server runs on its own event-loop thread.
//
// Cycle timing follows a steady clock with absolute deadlines, so cycles do not
// drift; a cycle that overruns is logged and the next starts at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

#include "common/log.hpp"
#include "daemon/people_commands.hpp"
#include "daemon/source.hpp"
#include "devices/driver.hpp"
#include "model/installation.hpp"
#include "snapshot/snapshot.hpp"

namespace kirchhoff::daemon {

struct DaemonOptions {
  std::string data_dir;
  std::string listen = "127.0.0.1:8080";
  std::int64_t cycle_ms = 1000;                   // 100 ms to 1 s
  std::optional<std::int64_t> stop_after_cycles;  // for tests and benchmarks
  std::uint64_t seed = 1;
  // The simulator's samples run through the metering engine (waveform mode);
  // off, it delivers powers directly (power mode, cheaper).
  bool waveform = true;
  // Waveform mode only: CTs the simulator wires differently from the
  // installation (sim/miswire.hpp); kept when the installation is replaced.
  std::string miswire;
  // The demo: on first start create installer, owner and viewer accounts with
  // random passwords and show them on `terminal`; otherwise show a one-time
  // setup code there for the first installer account.
  bool demo = false;
  // The installation file's text, as GET /api/v1/installation shows it and
  // the dashboard's editor starts from.
  std::string installation_yaml;
  // Why the saved installation could not be loaded, when it could not: the
  // daemon then runs an empty installation (nothing measured, nothing
  // switched) under a critical alarm until a valid one is saved.
  std::string installation_error;
  // HTTPS: PEM files of the certificate (with chain) and its key; both
  // empty serves plain HTTP.
  std::string tls_certificate;
  std::string tls_key;
  // Serve only this box and its local network (loopback, private, link-local
  // and unique-local addresses); Kirchhoff makes no outbound connections.
  bool local_only = false;
  // Drivers for the installation's `devices:` (p1, sunspec, modbus); null
  // when this daemon drives none. Relative paths in device settings (a
  // register map file) are taken from `config_dir`.
  const devices::DriverRegistry* drivers = nullptr;
  // The site on an MQTT broker: live values, Home Assistant discovery,
  // commands and the uplink (docs/mqtt.md); empty: no MQTT.
  std::optional<model::MqttConfig> mqtt;
  // Serve the grid meter over Modbus TCP at "HOST:PORT" (empty: off).
  std::string modbus_meter;
  std::string config_dir;
  // The dashboard's built files; empty serves no dashboard.
  std::string web_root;
  std::ostream* terminal = nullptr;
  // When the process started, for the start-to-first-snapshot figure.
  std::chrono::steady_clock::time_point process_start = std::chrono::steady_clock::now();
};

// Energy registers per load: import and export, Wh, continuing from the
// values restored at start. They only ever add non-negative amounts, so they
// never go backwards.
class EnergyRegisters {
 public:
  void restore(std::size_t load, double import_wh, double export_wh);
  // Adds this cycle's energy and writes the registers into the snapshot: the
  // source's own counters when it has them (`has_energy`), else P * dt.
  void update(snapshot::SiteSnapshot& snap, double dt_s);

 private:
  struct Pair {
    double import_wh = 0.0;
    double export_wh = 0.0;
  };
  std::vector<Pair> registers_;
  std::vector<Pair> source_last_;  // the source's counters at the previous cycle
};

class Daemon {
 public:
  Daemon(model::Installation installation, DaemonOptions options, common::Logger& log);

  // Runs until `stop` becomes true (or the cycle limit). Returns the exit
  // code: 0 after a clean stop, 1 when it cannot start (message logged).
  int run(const std::atomic<bool>& stop);

  std::shared_ptr<const snapshot::SiteSnapshot> latest() const;
  // "METHOD PATH" of every HTTP route of the last run (for the API description test).
  std::vector<std::string> routes() const { return routes_; }

  // A person's command (relay, charger mode, SG Ready), already checked
  // against the installation; applied at the start of the next cycle and
  // recorded as an event with the user. Thread-safe.
  void request(control::Command command, std::string user) {
    commands_.push({std::move(command), std::move(user)});
  }
  // The latest snapshot as JSON, serialised once when it was published.
  std::shared_ptr<const std::string> latest_json() const;

 private:
  model::Installation installation_;
  DaemonOptions options_;
  common::Logger& log_;
  mutable std::mutex latest_mutex_;
  std::shared_ptr<const snapshot::SiteSnapshot> latest_;
  std::shared_ptr<const std::string> latest_json_;
  std::vector<snapshot::DeviceValues> device_values_;  // guarded by latest_mutex_
  std::vector<std::string> routes_;
  CommandQueue commands_;
};

}  // namespace kirchhoff::daemon
