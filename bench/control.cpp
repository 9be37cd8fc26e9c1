// Budget: one control cycle for 40 devices under 1 ms.
//
// A site with the SmartAssistant's maximum of 40 controllable devices: four
// 3-phase chargers that can switch phases sharing two carport circuits, a
// battery, an SG Ready heat pump, a PV inverter and 33 managed relays on six
// sub-circuits, with every
// controller of the standard stack configured (export limit, peak limit,
// ripple control, dimming, tariff windows). The inputs move every cycle
// (PV, loads, SoC) so that the controllers engage, release and shed. Prints
// the mean and worst cycle beside two baselines from the same run: an empty
// manager (arbitration of nothing) and building the input itself.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "control/control.hpp"
#include "control/controllers.hpp"

namespace {

using namespace kirchhoff;
using Clock = std::chrono::steady_clock;

model::Installation forty_device_site() {
  model::Installation inst;
  inst.site.main_breaker_a = 63.0;
  const std::pair<const char*, model::LoadKind> loads[] = {
      {"Grid", model::LoadKind::kGrid},
      {"EV1", model::LoadKind::kEv},
      {"EV2", model::LoadKind::kEv},
      {"EV3", model::LoadKind::kEv},
      {"EV4", model::LoadKind::kEv},
      {"Battery", model::LoadKind::kBattery},
      {"Heat pump", model::LoadKind::kHeatpump},
      {"Solar", model::LoadKind::kSolar}};
  for (const auto& [name, kind] : loads) {
    model::Load load;
    load.name = name;
    load.kind = kind;
    inst.loads.push_back(load);
  }
  model::ControlConfig& c = inst.control;
  c.present = true;
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> on = i == 0   ? std::vector<std::string>{"EV1", "EV2"}
                                  : i == 1 ? std::vector<std::string>{"EV3", "EV4"}
                                  : i == 2 ? std::vector<std::string>{"Heat pump"}
                                           : std::vector<std::string>{};
    c.circuits.push_back({"circuit" + std::to_string(i), 32.0, i < 3 ? "" : "circuit0", on, 0, 0});
  }
  for (int i = 0; i < 33; ++i) {
    model::RelayControlConfig r;
    r.module = "out" + std::to_string(i / 2 + 1);
    r.number = i % 2 + 1;
    r.output = r.module + "/" + std::to_string(r.number);
    r.use = i % 3 == 0 ? model::RelayUse::kSurplus : model::RelayUse::kShed;
    r.power_w = 200.0 + 50.0 * i;
    r.phases = {i % 3 == 0, i % 3 == 1, i % 3 == 2};
    r.priority = 1 + i % 10;
    r.circuit = "circuit" + std::to_string(i % 6);
    c.relays.push_back(r);
  }
  c.grid.export_limit_w = 5000.0;
  c.grid.peak_limit_kw = 12.0;
  c.grid.ripple.push_back({"in1/3", "in1", 3, 60.0, true, 0, 0});
  c.grid.dimming = model::DimmingConfig{"in1/4", "in1", 4, 4200.0, true, 0, 0};
  c.tariff.windows.push_back({22 * 60, 7 * 60, 0.2, {}, model::WindowAction::kCharge, 0, 0});
  c.tariff.windows.push_back({17 * 60, 21 * 60, 0.4, {}, model::WindowAction::kHold, 0, 0});
  return inst;
}

control::ControlInput input_at(int cycle) {
  control::ControlInput in;
  const double t = cycle;
  in.now_ms = 1'000'000'000'000LL + cycle * 1000LL;
  in.measured_ms = in.now_ms - 1000;
  in.main_breaker_a = 63.0;
  const double pv_w = 6000.0 + 5000.0 * std::sin(t / 300.0);
  const double load_w = 4000.0 + 3000.0 * std::sin(t / 47.0);
  in.grid_w = load_w - pv_w;
  for (int p = 0; p < 3; ++p) {
    in.grid_a[p] = in.grid_w / 690.0 + 20.0 * std::sin(t / 13.0 + p);
  }
  for (int i = 0; i < 6; ++i) {
    in.circuit_a.push_back({10.0 + 8.0 * std::sin(t / 29.0 + i), 9.0, 12.0});
  }
  for (int k = 0; k < 4; ++k) {
    control::EvInput ev;
    ev.name = "EV" + std::to_string(k + 1);
    ev.present = true;
    ev.plugged = (cycle / 3600 + k) % 4 != 0;
    ev.wired = {true, true, true};
    ev.can_switch_phases = true;
    ev.current_a = ev.plugged ? 8.0 + k : 0.0;
    ev.power_w = ev.current_a * 690.0;
    in.evs.push_back(ev);
  }
  in.battery.present = true;
  in.battery.power_w = 1000.0 * std::sin(t / 91.0);
  in.battery.soc_pct = 50.0 + 40.0 * std::sin(t / 1000.0);
  in.battery.max_charge_w = in.battery.max_discharge_w = 5000.0;
  in.heat_pump = {true, cycle % 600 < 300, 2000.0, {false, true, false}, 2};
  in.inverter = {true, std::max(0.0, pv_w), 10000.0, 11000.0, 100.0};
  in.relay_on.assign(33, false);
  for (int i = 0; i < 33; ++i) {
    in.relay_on[i] = (cycle / 60 + i) % 2 == 0;
  }
  in.status_closed = {{"in1/3", cycle % 900 < 100}, {"in1/4", cycle % 1800 < 60}};
  in.minute_of_day = (cycle / 60) % 1440;
  in.month_key = 24312;
  return in;
}

}  // namespace

int main() {
  const model::Installation site = forty_device_site();
  constexpr int kCycles = 200'000;
  std::vector<control::ControlInput> inputs;
  inputs.reserve(1000);
  auto start = Clock::now();
  for (int i = 0; i < 1000; ++i) {
    inputs.push_back(input_at(i));
  }
  const double build_us =
      std::chrono::duration<double, std::micro>(Clock::now() - start).count() / 1000.0;

  auto run = [&](control::EnergyManager& manager, double& worst_us) {
    worst_us = 0.0;
    std::size_t sink = 0;
    const auto begin = Clock::now();
    for (int i = 0; i < kCycles; ++i) {
      control::ControlInput in = inputs[i % 1000];
      in.now_ms += (i / 1000) * 1'000'000LL;
      const auto t0 = Clock::now();
      const control::ControlResult& r = manager.cycle(in);
      const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
      worst_us = std::max(worst_us, us);
      sink += r.decisions.size() + r.setpoints.relays.size();
    }
    const double mean_us =
        std::chrono::duration<double, std::micro>(Clock::now() - begin).count() / kCycles;
    return std::make_pair(mean_us, sink);
  };
  control::EnergyManager empty(site);
  double empty_worst = 0.0;
  const auto [empty_us, sink0] = run(empty, empty_worst);
  control::EnergyManager full = control::make_default_manager(site);
  double full_worst = 0.0;
  const auto [full_us, sink1] = run(full, full_worst);

  std::printf(
      "control cycle, 40 devices (4 chargers, battery, heat pump, inverter, 33 relays), "
      "7 controllers, %d cycles\n",
      kCycles);
  std::printf("  baseline: building one cycle's input:   %8.2f us\n", build_us);
  std::printf("  baseline: arbitration, no controllers:  %8.2f us per cycle\n", empty_us);
  std::printf(
      "  full stack with reasons:                 %8.2f us per cycle, worst %.1f us "
      "(budget 1000 us)\n",
      full_us, full_worst);
  std::printf("  (checksum %zu)\n", sink0 + sink1);
  return full_us < 1000.0 ? 0 : 1;
}
