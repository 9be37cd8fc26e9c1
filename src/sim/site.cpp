#include "sim/site.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace kirchhoff::sim {

namespace {

using model::kilo_to_unit;
using model::LoadKind;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool has_word(const std::string& name, std::initializer_list<const char*> words) {
  const std::string l = lower(name);
  return std::any_of(words.begin(), words.end(),
                     [&](const char* w) { return l.find(w) != std::string::npos; });
}

// Rated AC power a breaker allows a load: V_LN * I * phases.
double breaker_w(const model::Load& load, double v_ln, double fallback_w) {
  if (!load.breaker_a) {
    return fallback_w;
  }
  return *load.breaker_a * v_ln *
         static_cast<double>(std::max<std::size_t>(1, load.channels.size()));
}

// The continuous power a breaker lets through: 80 % of its rating, as a
// charger or inverter is sized; no limit for a load without a breaker.
double breaker_cap_w(const model::Load& load, double v_ln) {
  return load.breaker_a ? 0.8 * breaker_w(load, v_ln, 0.0)
                        : std::numeric_limits<double>::infinity();
}

}  // namespace

SiteSimulator::SiteSimulator(const model::Installation& installation, const SiteOptions& options)
    : installation_(installation),
      options_(options),
      weather_(options.seed * 7919 + 1),
      household_(options.seed * 7919 + 2),
      grid_rng_(options.seed * 7919 + 3) {
  const auto& topo = model::topology_info(installation_.site.topology);
  const double v_ln = topo.v_ln_nominal;
  for (std::size_t i = 0; i < installation_.loads.size(); ++i) {
    of_kind_[static_cast<int>(installation_.loads[i].kind)].push_back(i);
  }
  auto loads_of = [&](LoadKind kind) -> const std::vector<std::size_t>& {
    return of_kind_[static_cast<int>(kind)];
  };
  // PV: one array per solar load. Its inverter is inverter_kw; else kwp / 1.1
  // (panels 10 % larger than the inverter, a common DC/AC ratio) held to 80 %
  // of what the load's breaker allows; without kwp either, 80 % of the breaker
  // (5 kW without a breaker). Panels are kwp, else 1.1 x the inverter.
  // Orientation: the load's own tilt/azimuth, else the first solar load's,
  // else the site options'.
  if (!loads_of(LoadKind::kSolar).empty()) {
    PanelOrientation first_panel = options.panel;
    const model::Load& first_solar = installation_.loads[loads_of(LoadKind::kSolar)[0]];
    first_panel.tilt_deg = first_solar.tilt_deg.value_or(first_panel.tilt_deg);
    first_panel.azimuth_deg = first_solar.azimuth_deg.value_or(first_panel.azimuth_deg);
    for (std::size_t i : loads_of(LoadKind::kSolar)) {
      const model::Load& load = installation_.loads[i];
      double inverter_w = 0.8 * breaker_w(load, v_ln, 5000.0 / 0.8);
      if (load.inverter_kw) {
        inverter_w = kilo_to_unit(*load.inverter_kw);
      } else if (load.kwp) {
        inverter_w = std::min(kilo_to_unit(*load.kwp) / 1.1, breaker_cap_w(load, v_ln));
      }
      const double peak_w = load.kwp ? kilo_to_unit(*load.kwp) : inverter_w * 1.1;
      PanelOrientation panel = first_panel;
      panel.tilt_deg = load.tilt_deg.value_or(panel.tilt_deg);
      panel.azimuth_deg = load.azimuth_deg.value_or(panel.azimuth_deg);
      pvs_.push_back(PvSystem{peak_w, inverter_w, panel});
    }
    pv_w_.assign(pvs_.size(), 0.0);
  }
  // Battery (the first battery load): capacity_kwh, else 10 kWh; power_kw,
  // else 5 kW. Either way the power is held to 80 % of what the load's
  // breaker allows, as an installer would set the inverter's limit so the
  // breaker never trips (without a breaker: no such limit).
  if (!loads_of(LoadKind::kBattery).empty()) {
    const model::Load& load = installation_.loads[loads_of(LoadKind::kBattery)[0]];
    BatteryParams params;
    if (load.capacity_kwh) {
      params.capacity_wh = kilo_to_unit(*load.capacity_kwh);
    }
    const double rated_w = load.power_kw ? kilo_to_unit(*load.power_kw) : 5000.0;
    params.max_charge_w = params.max_discharge_w = std::min(rated_w, breaker_cap_w(load, v_ln));
    battery_ = std::make_unique<SimBattery>(params);
  }
  // One charger per EV load, each with its own car (the first keeps the
  // seed a single-charger site always had).
  for (std::size_t k = 0; k < loads_of(LoadKind::kEv).size(); ++k) {
    const model::Load& ev = installation_.loads[loads_of(LoadKind::kEv)[k]];
    EvParams params;
    params.charger_phases = ev.channels.size() >= 3 ? 3 : 1;
    params.charger_max_a = std::min(32.0, ev.breaker_a.value_or(16.0));
    // The car's on-board charger: car_charge_kw over the charger's phases at
    // 230 V, else 16 A on three phases (11 kW) or 32 A on one (7.4 kW).
    params.car_max_a = params.charger_phases == 3 ? 16.0 : 32.0;
    if (ev.car_charge_kw) {
      params.car_max_a = kilo_to_unit(*ev.car_charge_kw) / (230.0 * params.charger_phases);
    }
    if (ev.car_battery_kwh) {
      params.car_battery_wh = kilo_to_unit(*ev.car_battery_kwh);
    }
    evs_.push_back(std::make_unique<SimEvCharger>(params, options.seed * 7919 + 4 + 1000 * k));
  }
  if (!loads_of(LoadKind::kHeatpump).empty()) {
    heat_pump_ = std::make_unique<SimHeatPump>(HeatPumpParams{});
  }
  // Relays of the Output modules, all energised at start (unmanaged devices on).
  for (const auto& module : installation_.modules) {
    for (const auto& output : module.outputs) {
      relays_.push_back(
          std::make_unique<SimRelay>(output.contact == model::Contact::kNormallyOpen));
      relay_keys_.emplace_back(module.id, output.number);
      if (has_word(output.name, {"boiler", "water heater"})) {
        boiler_relay_ = relays_.back().get();
      }
    }
    for (const auto& input : module.inputs) {
      if (input.kind == model::ModuleInputKind::kPulse) {
        meters_.push_back(
            {module.id, input.number, input.name, input.unit, input.pulses_per_unit, 0.0, 0});
      } else {
        status_.push_back({module.id, input.number, input.name, false});
      }
    }
  }
  // Consumer loads get appliance groups by name; the rest go to the first one.
  assignments_.resize(installation_.loads.size());
  std::vector<bool> taken(static_cast<int>(ApplianceGroup::kCount), false);
  bool boiler_measured = false;
  for (std::size_t i : loads_of(LoadKind::kConsumer)) {
    const std::string& name = installation_.loads[i].name;
    auto give = [&](ApplianceGroup g) {
      assignments_[i].groups.push_back(g);
      taken[static_cast<int>(g)] = true;
    };
    if (has_word(name, {"kitchen", "cook"})) {
      give(ApplianceGroup::kCooking);
      give(ApplianceGroup::kFridge);
    }
    if (has_word(name, {"light"})) {
      give(ApplianceGroup::kLighting);
    }
    if (has_word(name, {"wash", "laundry", "dish"})) {
      give(ApplianceGroup::kWashing);
    }
    if (has_word(name, {"boiler", "water heater"})) {
      assignments_[i].boiler = true;
      boiler_measured = true;
    }
  }
  // The rest (standby, and whatever no name claimed) goes to a consumer no
  // name matched, such as "Sockets", else to the first consumer.
  const auto& consumers = loads_of(LoadKind::kConsumer);
  std::optional<std::size_t> rest_load;
  for (std::size_t i : consumers) {
    if (!rest_load && assignments_[i].groups.empty() && !assignments_[i].boiler) {
      rest_load = i;
    }
  }
  if (!rest_load && !consumers.empty()) {
    rest_load = consumers.front();
  }
  for (int g = 0; g < static_cast<int>(ApplianceGroup::kCount); ++g) {
    if (taken[g]) {
      continue;
    }
    if (rest_load) {
      assignments_[*rest_load].groups.push_back(static_cast<ApplianceGroup>(g));
    } else {
      unmeasured_groups_.push_back(static_cast<ApplianceGroup>(g));
    }
  }
  if (boiler_relay_ != nullptr || boiler_measured) {
    boiler_ = std::make_unique<SimBoiler>();
  }
  state_.loads.resize(installation_.loads.size());
  state_.unix_s = options.start_unix_s - 1;
}

double SiteSimulator::pv_peak_w() const {
  double sum = 0.0;
  for (const PvSystem& pv : pvs_) {
    sum += pv.peak_w;
  }
  return sum;
}

double SiteSimulator::inverter_rated_w() const {
  double sum = 0.0;
  for (const PvSystem& pv : pvs_) {
    sum += pv.inverter_max_w;
  }
  return sum;
}

bool SiteSimulator::set_status_input(const std::string& module_id, int input, bool closed) {
  for (auto& s : status_) {
    if (s.module_id == module_id && s.input == input) {
      s.closed = closed;
      return true;
    }
  }
  return false;
}

SimRelay* SiteSimulator::relay(const std::string& module_id, int output) {
  for (std::size_t i = 0; i < relay_keys_.size(); ++i) {
    if (relay_keys_[i].first == module_id && relay_keys_[i].second == output) {
      return relays_[i].get();
    }
  }
  return nullptr;
}

void SiteSimulator::spread(std::size_t load_index, double power_w) {
  const model::Load& load = installation_.loads[load_index];
  LoadFlow& flow = state_.loads[load_index];
  std::size_t channels = load.channels.size();
  // A charger switched to one phase draws on its first conductor only.
  if (load.kind == LoadKind::kEv) {
    const auto& ev_loads = of_kind_[static_cast<int>(LoadKind::kEv)];
    const auto k = std::find(ev_loads.begin(), ev_loads.end(), load_index) - ev_loads.begin();
    if (evs_[static_cast<std::size_t>(k)]->phases() == 1) {
      channels = std::min<std::size_t>(channels, 1);
    }
  }
  if (channels == 0) {
    return;
  }
  const double share = power_w / static_cast<double>(channels);
  for (std::size_t c = 0; c < channels; ++c) {
    flow.p_w[static_cast<int>(load.channels[c].phase)] += share;
  }
}

const SiteState& SiteSimulator::step() { return advance(nullptr); }

const SiteState& SiteSimulator::step_recorded(const RecordedSecond& recorded) {
  return advance(&recorded);
}

const SiteState& SiteSimulator::advance(const RecordedSecond* recorded) {
  constexpr double kDt = 1.0;
  const auto& topo = model::topology_info(installation_.site.topology);
  SiteState& s = state_;
  s.unix_s += 1;
  SunPosition sun;
  if (recorded == nullptr) {
    weather_.advance(s.unix_s);
    sun = sun_position(s.unix_s, installation_.site.latitude_deg.value_or(options_.latitude_deg),
                       installation_.site.longitude_deg.value_or(options_.longitude_deg));
    household_.step(s.unix_s, sun.elevation_rad < 0.0, kDt);

    // Grid: slow voltage variation (sd 1 %) and frequency drift (sd 20 mHz),
    // both first-order autoregressive with a time constant of about 15 min.
    constexpr double kPhi = 0.99889;
    const double innovation = std::sqrt(1.0 - kPhi * kPhi);
    voltage_drift_ = kPhi * voltage_drift_ + 0.01 * innovation * grid_rng_.normal();
    frequency_drift_ = kPhi * frequency_drift_ + 0.02 * innovation * grid_rng_.normal();
    s.outdoor_c = weather_.outdoor_c();
  }
  s.frequency_hz = installation_.site.frequency_hz + frequency_drift_;

  for (auto& flow : s.loads) {
    flow.p_w = {0.0, 0.0, 0.0};
  }
  const double v_nominal = recorded != nullptr && recorded->source_v > 0.0
                               ? recorded->source_v
                               : topo.v_ln_nominal * (1.0 + voltage_drift_);
  s.pv_w = 0.0;
  if (!pvs_.empty()) {
    // An active power limit caps each inverter's output at a share of its
    // rated power (it does not scale what the sun gives below that).
    const double limit = std::clamp(inverter_.limit_pct(), 0.0, 100.0) / 100.0;
    const auto& solar = of_kind_[static_cast<int>(LoadKind::kSolar)];
    for (std::size_t k = 0; k < pvs_.size(); ++k) {
      double available_w = 0.0;
      if (recorded != nullptr) {
        available_w = solar[k] < recorded->load_count
                          ? recorded->pv_scale * static_cast<double>(recorded->load_w[solar[k]])
                          : 0.0;
      } else {
        const double poa =
            plane_of_array_irradiance(sun, pvs_[k].panel, weather_.clear_sky_index());
        available_w = pv_ac_power_w(pvs_[k], poa, s.outdoor_c);
      }
      pv_w_[k] = std::min(available_w, limit * pvs_[k].inverter_max_w);
      s.pv_w += pv_w_[k];
    }
    inverter_.observe(s.pv_w, inverter_rated_w(), pv_peak_w());
  }
  s.ev_w = 0.0;
  for (auto& ev : evs_) {
    ev->step(s.unix_s, v_nominal, kDt);
    s.ev_w += ev->power_w();
  }
  if (recorded != nullptr) {
    s.heat_pump_w = heat_pump_ ? recorded->heat_pump_w : 0.0;
  } else {
    s.heat_pump_w = heat_pump_ ? heat_pump_->step(s.outdoor_c, kDt) : 0.0;
    s.indoor_c = heat_pump_ ? heat_pump_->indoor_c() : 0.0;
  }
  s.boiler_w = 0.0;
  if (boiler_ && recorded == nullptr) {
    const bool powered = boiler_relay_ == nullptr || boiler_relay_->energised();
    s.boiler_w = boiler_->step(powered, household_.hot_water_l(), kDt);
  }

  // Consumers by appliance group; what no load measures is spread over the phases.
  s.consumption_w = s.ev_w + s.heat_pump_w;
  bool boiler_on_a_load = false;
  for (std::size_t i : of_kind_[static_cast<int>(LoadKind::kConsumer)]) {
    double p = 0.0;
    if (recorded != nullptr) {
      p = i < recorded->load_count ? static_cast<double>(recorded->load_w[i]) : 0.0;
      spread(i, p);
      s.consumption_w += p;
      continue;
    }
    for (ApplianceGroup g : assignments_[i].groups) {
      p += household_.power_w(g);
    }
    if (assignments_[i].boiler) {
      p += s.boiler_w;
      boiler_on_a_load = true;
    }
    spread(i, p);
    s.consumption_w += p;
  }
  s.unmeasured_w = boiler_on_a_load ? 0.0 : s.boiler_w;
  if (recorded != nullptr) {
    s.unmeasured_w = recorded->unmeasured_w;
  } else {
    for (ApplianceGroup g : unmeasured_groups_) {
      s.unmeasured_w += household_.power_w(g);
    }
  }
  s.consumption_w += s.unmeasured_w;
  auto share_among = [&](LoadKind kind, double power_w) {
    const auto& indices = of_kind_[static_cast<int>(kind)];
    for (std::size_t i : indices) {
      spread(i, power_w / static_cast<double>(indices.size()));
    }
  };
  // Each EV load carries its own charger.
  for (std::size_t k = 0; k < evs_.size(); ++k) {
    spread(of_kind_[static_cast<int>(LoadKind::kEv)][k], evs_[k]->power_w());
  }
  share_among(LoadKind::kHeatpump, s.heat_pump_w);
  for (std::size_t k = 0; k < pvs_.size(); ++k) {
    spread(of_kind_[static_cast<int>(LoadKind::kSolar)][k], pv_w_[k]);
  }
  s.battery_w = battery_ ? battery_->step(s.consumption_w - s.pv_w, kDt) : 0.0;
  s.battery_soc = battery_ ? battery_->soc() : 0.0;
  share_among(LoadKind::kBattery, s.battery_w);

  // Grid per phase: consumption - production - discharge on that phase.
  std::array<double, 3> grid{};
  const int phases = topo.phase_count;
  for (std::size_t i = 0; i < installation_.loads.size(); ++i) {
    const LoadKind kind = installation_.loads[i].kind;
    if (kind == LoadKind::kGrid) {
      continue;
    }
    const double sign = (kind == LoadKind::kSolar || kind == LoadKind::kBattery) ? -1.0 : 1.0;
    for (int p = 0; p < 3; ++p) {
      grid[p] += sign * s.loads[i].p_w[p];
    }
  }
  for (int p = 0; p < phases; ++p) {
    grid[p] += s.unmeasured_w / phases;
  }
  // Loads on a phase the site does not have (only L3 on 3P-230, where "L3"
  // means the voltage L1-L2) are carried by the site's conductors evenly.
  for (int p = phases; p < 3; ++p) {
    for (int q = 0; q < phases; ++q) {
      grid[q] += grid[p] / phases;
    }
    grid[p] = 0.0;
  }
  s.grid_w = grid[0] + grid[1] + grid[2];
  for (int p = 0; p < 3; ++p) {
    const double v = p < phases ? v_nominal : 0.0;
    s.grid_phase_a[p] = v > 0.0 ? grid[p] / v : 0.0;
    s.v_ln[p] = p < phases ? v_nominal - kGridImpedanceOhm * s.grid_phase_a[p] : 0.0;
  }
  // The grid loads measure the site's conductors; with several grid loads
  // (rare) each sees its share.
  const auto& grid_loads = of_kind_[static_cast<int>(LoadKind::kGrid)];
  for (std::size_t i : grid_loads) {
    const model::Load& load = installation_.loads[i];
    double unmetered = 0.0;
    std::array<bool, 3> measured{};
    for (const auto& ch : load.channels) {
      measured[static_cast<int>(ch.phase)] = true;
    }
    int measured_count = 0;
    for (int p = 0; p < 3; ++p) {
      measured_count += measured[p] ? 1 : 0;
      unmetered += measured[p] ? 0.0 : grid[p];
    }
    for (int p = 0; p < 3; ++p) {
      if (measured[p]) {
        s.loads[i].p_w[p] =
            (grid[p] + unmetered / measured_count) / static_cast<double>(grid_loads.size());
      }
    }
  }

  s.relays_energised = 0;
  for (std::size_t i = 0; i < relays_.size() && i < 32; ++i) {
    s.relays_energised |= relays_[i]->energised() ? (1u << i) : 0u;
  }
  // Pulse meters count what the household used (a replay has no household).
  if (recorded == nullptr) {
    for (PulseMeter& meter : meters_) {
      const std::string unit = lower(meter.unit);
      if (unit == "m3") {
        meter.value =
            has_word(meter.name, {"water"}) ? household_.water_l() / 1000.0 : household_.gas_m3();
      } else if (unit == "l") {
        meter.value = household_.water_l();
      }
      meter.pulses = static_cast<std::uint64_t>(std::floor(meter.value * meter.pulses_per_unit));
    }
  }
  return s;
}

}  // namespace kirchhoff::sim
