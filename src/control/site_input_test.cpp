#include "control/site_input.hpp"

#include <gtest/gtest.h>

#include "model/loader.hpp"

namespace kirchhoff::control {
namespace {

// A real battery and inverter as their drivers read them back: no capacity,
// no panel peak, the limits they report.
class ReadBackBattery : public devices::Battery {
 public:
  explicit ReadBackBattery(devices::BatteryState state) : state_(state) {}
  void set_power_w(double) override {}
  void release() override {}
  devices::BatteryState state() const override { return state_; }

 private:
  devices::BatteryState state_;
};

class ReadBackInverter : public devices::Inverter {
 public:
  void set_limit_pct(double) override {}
  devices::InverterState state() const override { return {true, 1000.0, 100.0, 6000.0, 0.0}; }
};

model::Installation installation(const std::string& battery, const std::string& solar) {
  auto inst = model::load_installation_text(
      "site: {name: t, topology: 1P-230, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: h\n    inputs: {1: {ct: split-100A}, 2: {ct: split-50A}, 3: {ct: "
      "split-50A}}\n"
      "loads:\n  - {name: Grid, kind: grid, phases: [L1], inputs: [h/1]}\n"
      "  - {name: Bat, kind: battery, phases: [L1], inputs: [h/2]" +
          battery + "}\n  - {name: PV, kind: solar, phases: [L1], inputs: [h/3]" + solar + "}\n",
      "t");
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().message);
  return *inst;
}

ControlInput filled(const model::Installation& inst, double device_max_w) {
  devices::BatteryState read_back;
  read_back.max_charge_w = read_back.max_discharge_w = device_max_w;
  ReadBackBattery battery(read_back);
  ReadBackInverter inverter;
  devices::SiteDevices devices;
  devices.battery = &battery;
  devices.inverter = &inverter;
  SiteMeasurements measured;
  common::LocalClock clock;
  ControlInput input;
  fill_input(inst, measured, devices, 1767225600000, 1.0, clock, input);
  return input;
}

TEST(SiteInput, TheDevicesReadBackWhereTheFileIsSilent) {
  const ControlInput in = filled(installation("", ""), 4000.0);
  EXPECT_EQ(in.battery.capacity_wh, 0.0);  // unknown: the planner leaves the battery alone
  EXPECT_EQ(in.battery.max_charge_w, 4000.0);
  EXPECT_EQ(in.battery.max_discharge_w, 4000.0);
  EXPECT_EQ(in.inverter.peak_w, 6000.0);
  EXPECT_EQ(in.inverter.panel_peak_w, 0.0);
}

TEST(SiteInput, TheFilesEquipmentWinsOverTheReadBack) {
  const auto inst =
      installation(", capacity_kwh: 13.5, power_kw: 5", ", kwp: 9.7152, inverter_kw: 8");
  // The file's capacity; the device's 4 kW (below the 5 kW rating) stays.
  const ControlInput in = filled(inst, 4000.0);
  EXPECT_EQ(in.battery.capacity_wh, 13500.0);
  EXPECT_EQ(in.battery.max_charge_w, 4000.0);
  EXPECT_EQ(in.inverter.peak_w, 8000.0);
  // 9.7152 kWp: exactly the double nearest 9715.2 W, as the simulator has it.
  EXPECT_EQ(in.inverter.panel_peak_w, 9715.2);
  // A device reporting more than the rating, or nothing: held to 5 kW.
  EXPECT_EQ(filled(inst, 7000.0).battery.max_discharge_w, 5000.0);
  EXPECT_EQ(filled(inst, 0.0).battery.max_charge_w, 5000.0);
}

}  // namespace
}  // namespace kirchhoff::control
