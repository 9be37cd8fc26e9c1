// The installation the site's MQTT tests share (tests only): site "Home",
// 3P+N-400; loads Grid (3 phases), Solar (L1), Battery (a device's, L1), Car
// (EV, 3 phases), "Heat pump" (heat pump, L2), "Heat-pump" (a consumer whose
// name slugs like the heat pump's: it gets heat_pump_2), Kitchen (L1); Input
// module in1 (1: gas pulses in m3, 2: a status input), Output module out1
// (relays Boiler and Pool pump); a P1 meter "P1 meter".
#pragma once

#include "model/installation.hpp"

namespace kirchhoff::mqtt::site::testing {

inline model::Load test_load(std::string name, model::LoadKind kind,
                             std::vector<model::Phase> phases, bool by_device = false) {
  model::Load load;
  load.name = std::move(name);
  load.kind = kind;
  int n = 1;
  for (const auto phase : phases) {
    if (by_device) {
      load.device_phases.push_back(phase);
    } else {
      model::LoadChannel ch;
      ch.phase = phase;
      ch.input = {"hub1", n++};
      load.channels.push_back(ch);
    }
  }
  return load;
}

inline model::Installation test_site() {
  using model::LoadKind;
  using model::Phase;
  model::Installation inst;
  inst.site.name = "Home";
  inst.site.topology = model::Topology::k3PN400;
  inst.loads.push_back(test_load("Grid", LoadKind::kGrid, {Phase::kL1, Phase::kL2, Phase::kL3}));
  inst.loads.push_back(test_load("Solar", LoadKind::kSolar, {Phase::kL1}));
  inst.loads.push_back(test_load("Battery", LoadKind::kBattery, {Phase::kL1}, true));
  inst.loads.push_back(test_load("Car", LoadKind::kEv, {Phase::kL1, Phase::kL2, Phase::kL3}));
  inst.loads.push_back(test_load("Heat pump", LoadKind::kHeatpump, {Phase::kL2}));
  inst.loads.push_back(test_load("Heat-pump", LoadKind::kConsumer, {Phase::kL3}));
  inst.loads.push_back(test_load("Kitchen", LoadKind::kConsumer, {Phase::kL1}));

  model::Module in;
  in.kind = model::ModuleKind::kInput;
  in.id = "in1";
  model::ModuleInput gas;
  gas.number = 1;
  gas.kind = model::ModuleInputKind::kPulse;
  gas.name = "Gas";
  gas.unit = "m3";
  gas.pulses_per_unit = 100;
  in.inputs.push_back(gas);
  model::ModuleInput signal;
  signal.number = 2;
  signal.kind = model::ModuleInputKind::kStatus;
  signal.name = "Tariff signal";
  in.inputs.push_back(signal);
  inst.modules.push_back(in);

  model::Module out;
  out.kind = model::ModuleKind::kOutput;
  out.id = "out1";
  model::ModuleOutput boiler;
  boiler.number = 1;
  boiler.name = "Boiler";
  out.outputs.push_back(boiler);
  model::ModuleOutput pump;
  pump.number = 2;
  pump.name = "Pool pump";
  pump.contact = model::Contact::kNormallyClosed;
  out.outputs.push_back(pump);
  inst.modules.push_back(out);

  model::DeviceConfig p1;
  p1.name = "P1 meter";
  p1.driver = "p1";
  p1.load = "Grid";
  inst.devices.push_back(p1);
  return inst;
}

}  // namespace kirchhoff::mqtt::site::testing
