// One run of a what-if (docs/whatif.md): the installation with a variant's
// settings applied, and what the replay does differently for it.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "model/installation.hpp"
#include "sim/ev.hpp"

namespace kirchhoff::whatif {

struct Request;

// The keys --vary takes (besides any "control.<path>").
inline constexpr const char* kVaryKeys[] = {"battery.capacity_kwh",
                                            "battery.power_kw",
                                            "solar.kwp",
                                            "ev.sessions",
                                            "heatpump",
                                            "tariff",
                                            "strategy"};
// The keys --capex takes: numeric sizes whose difference is bought.
inline constexpr const char* kCapexKeys[] = {"battery.capacity_kwh", "battery.power_kw",
                                             "solar.kwp", "heatpump"};

struct Variant {
  nlohmann::json set = nlohmann::json::object();  // key -> value as given
  model::Installation installation;
  std::string strategy;   // "none" or "managed"
  double pv_scale = 1.0;  // recorded PV is multiplied by it
  bool heat_pump_from_gas = false;
  // Loads whose recorded power the replay ignores (a battery removed by
  // battery.capacity_kwh=0 stays in the installation as a 0 W consumer).
  std::vector<bool> silenced;
  // A car added by ev.sessions: its load index and its sessions.
  std::optional<std::size_t> added_car;
  double car_sessions_per_week = 0.0;
  // The values the capex keys have in this run (for the investment).
  std::map<std::string, double> sizes;
};

// Checks one key and value (range, known key, readable prices file).
common::Status check_setting(const std::string& key, const std::string& value,
                             const std::string& base_dir);

// The baseline (`set` empty) or a variant of `request`'s installation.
// `recorded_strategy` is the strategy the baseline runs when the request
// does not name one.
common::Result<Variant> make_variant(const Request& request,
                                     const std::map<std::string, std::string>& set,
                                     const std::string& baseline_strategy);

// The sessions of a car added by ev.sessions: on each day with probability
// sessions_per_week / 7 a car arrives at about 17:30 local and leaves at
// about 07:30 wanting 8-30 kWh (the simulator's weekday profile).
std::vector<sim::SimEvCharger::PlannedSession> typical_sessions(std::int64_t from_s,
                                                                std::int64_t to_s,
                                                                double sessions_per_week,
                                                                std::uint64_t seed);

// A heat pump's COP at an outdoor temperature: 2.0 at -7 C to 4.5 at
// +15 C, linear between, clamped outside.
double heat_pump_cop(double outdoor_c);
// The site's typical outdoor temperature at a moment: the simulator's
// climate normals without the random anomaly (sim/weather.hpp).
double typical_outdoor_c(std::int64_t unix_s);

}  // namespace kirchhoff::whatif
