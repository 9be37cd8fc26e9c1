// The virtual installation in power mode: every second, what each load of the
// installation draws or delivers on each phase, from physical models of the
// weather, PV, battery, EV, heat pump, boiler and household appliances.
//
// Which model feeds which load follows the load's kind: each `solar` load is
// one PV array (its own kwp, inverter, tilt and azimuth), `battery` the battery, `ev` the charger,
// `heatpump` the heat pump; `consumer` loads get appliance groups by name (kitchen: cooking and
// fridge, light: lighting, wash: washing, boiler: the boiler) and the rest go
// to the first consumer load, or to an unmeasured remainder when the site has
// none. The grid load is what is left: consumption - production - discharge,
// per phase, so energy balances by construction of the physics.
//
// Equipment sizes come from the installation file's load keys (capacity_kwh,
// power_kw, kwp, inverter_kw, car_battery_kwh, car_charge_kw); without them
// the defaults of docs/simulator.md apply, derived from the breakers.
//
// The controllable devices are reachable through the devices:: interfaces,
// exactly as the energy manager will reach real ones. Deterministic for a
// seed. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/installation.hpp"
#include "sim/battery.hpp"
#include "sim/ev.hpp"
#include "sim/heat_pump.hpp"
#include "sim/household.hpp"
#include "sim/solar.hpp"
#include "sim/weather.hpp"

namespace kirchhoff::sim {

struct SiteOptions {
  std::uint64_t seed = 1;
  std::int64_t start_unix_s = 1767225600;  // 2026-01-01T00:00:00Z
  // Used when the installation file gives no site latitude/longitude or
  // solar tilt_deg/azimuth_deg.
  double latitude_deg = 50.85;  // Brussels
  double longitude_deg = 4.35;
  PanelOrientation panel;
};

// The physics of one second, in the sign conventions of the brief.
struct LoadFlow {
  std::array<double, 3> p_w{};  // per phase L1..L3, + in the load's positive direction
  double total_w() const { return p_w[0] + p_w[1] + p_w[2]; }
};

struct SiteState {
  std::int64_t unix_s = 0;
  double frequency_hz = 50.0;
  std::array<double, 3> v_ln{};          // phase voltages (V)
  std::vector<LoadFlow> loads;           // one per installation load, same order
  double unmeasured_w = 0.0;             // consumption no load measures
  std::array<double, 3> grid_phase_a{};  // grid current per phase (A, + import)
  double pv_w = 0.0;                     // all PV production
  double battery_w = 0.0;                // + discharge
  double ev_w = 0.0;
  double heat_pump_w = 0.0;
  double boiler_w = 0.0;
  double consumption_w = 0.0;  // every consumer, EV, heat pump, boiler and unmeasured
  double grid_w = 0.0;         // + import
  double outdoor_c = 0.0;
  double indoor_c = 0.0;
  double battery_soc = 0.0;
  std::uint32_t relays_energised = 0;  // bit i: the i-th relay of the Output modules
};

class SimRelay : public devices::Relay {
 public:
  explicit SimRelay(bool energised) : energised_(energised) {}
  void set_energised(bool energised) override { energised_ = energised; }
  bool energised() const override { return energised_; }

 private:
  bool energised_;
};

class SimInverter : public devices::Inverter {
 public:
  void set_limit_pct(double limit_pct) override { limit_pct_ = limit_pct; }
  double limit_pct() const { return limit_pct_; }
  devices::InverterState state() const override {
    return {true, power_w_, limit_pct_, rated_w_, panel_peak_w_};
  }
  // What the inverter produced in the site's last step, and its ratings.
  void observe(double power_w, double rated_w, double panel_peak_w) {
    power_w_ = power_w;
    rated_w_ = rated_w;
    panel_peak_w_ = panel_peak_w;
  }

 private:
  double limit_pct_ = 100.0;
  double power_w_ = 0.0;
  double rated_w_ = 0.0;
  double panel_peak_w_ = 0.0;
};

// The grid's source impedance seen from the meter (Ohm): the voltage drops
// by it times the current drawn.
inline constexpr double kGridImpedanceOhm = 0.25;

// Replay (docs/whatif.md): what a site's history says for one second.
struct RecordedSecond {
  // Power of each load by its index in the installation (W, + in the load's
  // direction); consumer and solar loads are read. Loads from `load_count`
  // on (added after the recording) draw nothing.
  const float* load_w = nullptr;
  std::size_t load_count = 0;
  double unmeasured_w = 0.0;  // consumption no load measured
  double pv_scale = 1.0;      // each solar load's recorded power times this
  double heat_pump_w = 0.0;
  // The grid's source voltage line to neutral (V, before the site's own
  // drop); 0: nominal.
  double source_v = 0.0;
};

class SiteSimulator {
 public:
  SiteSimulator(const model::Installation& installation, const SiteOptions& options);

  // Advances by one second and returns the new state.
  const SiteState& step();
  // Advances by one second of a recording: consumers, unmeasured use, PV and
  // the heat pump as recorded; the battery, chargers and grid from the
  // models. The grid voltage stays nominal; weather, household, boiler and
  // pulse meters do not run.
  const SiteState& step_recorded(const RecordedSecond& recorded);
  const SiteState& state() const { return state_; }
  const model::Installation& installation() const { return installation_; }

  // The controllable devices the site has (null when it has none).
  // The EV chargers, one per EV load in the installation's order.
  SimEvCharger* ev_charger(std::size_t k = 0) { return k < evs_.size() ? evs_[k].get() : nullptr; }
  std::size_t ev_charger_count() const { return evs_.size(); }
  SimBattery* battery() { return battery_.get(); }
  SimInverter* inverter() { return pvs_.empty() ? nullptr : &inverter_; }
  SimHeatPump* heat_pump() { return heat_pump_.get(); }
  SimRelay* relay(const std::string& module_id, int output);

  // Pulse inputs of Input modules: total pulses counted so far.
  struct PulseMeter {
    std::string module_id;
    int input = 0;
    std::string name;
    std::string unit;
    double pulses_per_unit = 0.0;
    double value = 0.0;        // in `unit`
    std::uint64_t pulses = 0;  // whole pulses counted
  };
  const std::vector<PulseMeter>& pulse_meters() const { return meters_; }

  // Status inputs of Input modules (a ripple-control receiver's contacts):
  // open at start; set by tests, scenarios and `simulate --signal`.
  bool set_status_input(const std::string& module_id, int input, bool closed);
  struct StatusInput {
    std::string module_id;
    int input = 0;
    std::string name;
    bool closed = false;
  };
  const std::vector<StatusInput>& status_inputs() const { return status_; }

  // Rated values the models were sized with, for reports: the sums over the
  // PV arrays (one per solar load, in the installation's order).
  double pv_peak_w() const;
  double inverter_rated_w() const;
  const std::vector<PvSystem>& pv_arrays() const { return pvs_; }

 private:
  struct Assignment {
    std::vector<ApplianceGroup> groups;
    bool boiler = false;
  };
  void spread(std::size_t load_index, double power_w);
  const SiteState& advance(const RecordedSecond* recorded);

  model::Installation installation_;
  SiteOptions options_;
  Weather weather_;
  Household household_;
  Rng grid_rng_;
  std::vector<PvSystem> pvs_;  // one per solar load, in of_kind_ order
  std::vector<double> pv_w_;   // what each produced in the last step
  SimInverter inverter_;       // the arrays' inverters as one device
  std::unique_ptr<SimBattery> battery_;
  std::vector<std::unique_ptr<SimEvCharger>> evs_;
  std::unique_ptr<SimHeatPump> heat_pump_;
  std::unique_ptr<SimBoiler> boiler_;
  SimRelay* boiler_relay_ = nullptr;
  std::vector<std::unique_ptr<SimRelay>> relays_;
  std::vector<std::pair<std::string, int>> relay_keys_;
  std::vector<PulseMeter> meters_;
  std::vector<StatusInput> status_;
  std::vector<Assignment> assignments_;  // per load
  std::vector<std::size_t> of_kind_[6];  // load indices by kind
  std::vector<ApplianceGroup> unmeasured_groups_;
  double voltage_drift_ = 0.0;
  double frequency_drift_ = 0.0;
  SiteState state_;
};

}  // namespace kirchhoff::sim
