// The installation rules, from the Smappee Infinity installation manual:
// bus limits (28 measurement points, 10 B-bus modules, modules only with a
// Genius), phase mapping per topology (3P-230: three-phase loads on L1 and
// L2, two-wattmeter) and CT sizing against the breakers.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "model/control_parser.hpp"
#include "model/devices_parser.hpp"
#include "model/loader.hpp"

namespace kirchhoff::model {

namespace {

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

class Validator {
 public:
  explicit Validator(const Installation& inst) : inst_(inst) {}

  std::vector<Diagnostic> run() {
    check_bus();
    check_loads();
    check_unused_inputs();
    check_modules();
    auto control = detail::validate_control(inst_);
    out_.insert(out_.end(), control.begin(), control.end());
    auto devices = detail::validate_devices(inst_);
    out_.insert(out_.end(), devices.begin(), devices.end());
    return std::move(out_);
  }

 private:
  void error(SourcePos pos, std::string message) {
    out_.push_back({pos, Severity::kError, std::move(message)});
  }
  void warning(SourcePos pos, std::string message) {
    out_.push_back({pos, Severity::kWarning, std::move(message)});
  }

  void check_bus() {
    std::map<std::string, SourcePos> ids;
    int points = 0;
    bool reported_limit = false;
    for (const BusDevice& device : inst_.bus) {
      const BusDeviceInfo& info = bus_device_info(device.kind);
      if (!device.id.empty()) {
        auto [it, inserted] = ids.emplace(device.id, device.pos);
        if (!inserted) {
          error(device.pos, "device id " + quoted(device.id) + " is already used on line " +
                                std::to_string(it->second.line) +
                                "; every bus device needs its own id");
        }
      }
      points += info.input_count;
      if (points > kMaxMeasurementPoints && !reported_limit) {
        reported_limit = true;
        error(device.pos, "the A-bus carries at most " + std::to_string(kMaxMeasurementPoints) +
                              " measurement points (a CT Hub uses 4, a Solid Core 3-Phase CT 3); "
                              "with " +
                              quoted(device.id) + " this bus has " +
                              std::to_string(inst_.measurement_points()) +
                              "; split the site over a second Power Box");
      }
    }
  }

  void check_loads() {
    const TopologyInfo& topo = topology_info(inst_.site.topology);
    std::map<std::string, SourcePos> names;
    std::map<InputRef, std::string> used_by;
    bool has_grid = false;
    for (const Load& load : inst_.loads) {
      const std::string where = "load " + quoted(load.name);
      if (!load.name.empty()) {
        auto [it, inserted] = names.emplace(load.name, load.name_pos);
        if (!inserted) {
          error(load.name_pos, "load name " + quoted(load.name) + " is already used on line " +
                                   std::to_string(it->second.line) + "; load names must be unique");
        }
      }
      has_grid = has_grid || load.kind == LoadKind::kGrid;
      std::set<Phase> phases_seen;
      for (const LoadChannel& channel : load.channels) {
        check_phase_allowed(topo, channel, where);
        if (!phases_seen.insert(channel.phase).second) {
          error(channel.phase_pos, where + " lists phase " +
                                       std::string(phase_name(channel.phase)) +
                                       " twice; measure each phase conductor with one CT");
        }
        check_input_exists(channel, where);
        auto [it, inserted] = used_by.emplace(channel.input, load.name);
        if (!inserted) {
          error(channel.input_pos, "input " + quoted(channel.input.to_string()) +
                                       " is already used by load " + quoted(it->second) +
                                       "; a CT measures one load only");
        }
      }
      if (!topo.has_neutral) {
        check_delta_load(load, where);
      }
      check_ct_sizing(load, where);
      check_equipment(topo, load, where);
    }
    if (!has_grid) {
      warning(inst_.site.pos,
              "no load of kind 'grid': import, export and self-consumption cannot be computed");
    }
  }

  void check_phase_allowed(const TopologyInfo& topo, const LoadChannel& channel,
                           const std::string& where) {
    const int index = static_cast<int>(channel.phase);
    // On 3P-230 the phases name line-to-line voltages (L3 = L1-L2), all allowed.
    if (index < topo.phase_count) {
      return;
    }
    const std::string allowed = topo.phase_count == 1 ? "only L1" : "only L1 and L2";
    error(channel.phase_pos, where + " is on " + std::string(phase_name(channel.phase)) +
                                 ", but a " + std::string(topo.name) + " site (" +
                                 std::string(topo.description) + ") has " + allowed);
  }

  void check_input_exists(const LoadChannel& channel, const std::string& where) {
    const InputRef& ref = channel.input;
    const BusDevice* device = inst_.find_device(ref.device);
    if (device == nullptr) {
      error(channel.input_pos, where + " uses input " + quoted(ref.to_string()) +
                                   ", but there is no device " + quoted(ref.device) +
                                   " on the bus");
      return;
    }
    const BusDeviceInfo& info = bus_device_info(device->kind);
    if (ref.number < 1 || ref.number > info.input_count) {
      error(channel.input_pos, where + " uses input " + quoted(ref.to_string()) + ", but " +
                                   std::string(info.product) + " " + quoted(device->id) +
                                   " has inputs 1 to " + std::to_string(info.input_count));
      return;
    }
    if (device->input(ref.number) == nullptr) {
      error(channel.input_pos, where + " uses input " + quoted(ref.to_string()) +
                                   ", but no CT is configured on that input; add it under "
                                   "'inputs' of " +
                                   quoted(device->id));
    }
  }

  // Manual, 3P (3x230 V) connection diagram: "All 3-phase loads must be
  // measured with L1 and L2" - two CTs, the two-wattmeter (Aron) method with L3
  // as the voltage reference. A two-CT load on other phases is a single-phase
  // mapping error, a three-CT load has one CT too many.
  void check_delta_load(const Load& load, const std::string& where) {
    if (load.channels.size() == 3) {
      error(load.channels[2].input_pos,
            where +
                ": on a 3P-230 site (no neutral) a three-phase load is measured with two "
                "CTs, on L1 and L2 (two-wattmeter method, L3 is the reference); remove the "
                "CT on " +
                std::string(phase_name(load.channels[2].phase)));
    } else if (load.channels.size() == 2) {
      std::set<Phase> phases = {load.channels[0].phase, load.channels[1].phase};
      if (phases != std::set<Phase>{Phase::kL1, Phase::kL2}) {
        error(load.channels[0].phase_pos,
              where +
                  ": on a 3P-230 site a three-phase load is measured on L1 and L2 "
                  "(two-wattmeter method, L3 is the reference)");
      }
    }
  }

  void check_ct_sizing(const Load& load, const std::string& where) {
    const bool is_grid = load.kind == LoadKind::kGrid;
    const double breaker =
        load.breaker_a ? *load.breaker_a : (is_grid ? inst_.site.main_breaker_a : 0.0);
    if (breaker <= 0.0) {
      return;
    }
    for (const LoadChannel& channel : load.channels) {
      const CtInput* input = inst_.find_input(channel.input);
      if (input == nullptr) {
        continue;
      }
      const CtTypeInfo& ct = ct_type_info(input->ct);
      if (ct.rating_a < breaker) {
        const std::string breaker_name = load.breaker_a ? "its breaker" : "the main breaker";
        warning(channel.input_pos,
                where + " is measured on " + quoted(channel.input.to_string()) + " by a " +
                    std::string(ct.name) + " CT rated " + fmt(ct.rating_a) + " A, below " +
                    breaker_name + " (" + fmt(breaker) +
                    " A): currents above the CT rating are clipped; use a larger CT");
      } else if (ct.kind == CtKind::kRogowski && breaker < ct.rating_a / 40.0) {
        // A Rogowski coil integrates di/dt; at a few percent of its range the
        // signal is too small to measure accurately.
        warning(channel.input_pos,
                where + " is measured on " + quoted(channel.input.to_string()) + " by a " +
                    std::string(ct.name) + " coil, but its breaker allows only " + fmt(breaker) +
                    " A, under 2.5 % of the coil's range: the current cannot be measured "
                    "accurately; use a split-core CT");
      }
    }
  }

  // A battery or inverter rated above what its breaker carries would trip
  // it (or be held back by whoever manages it): worth a look, not wrong.
  void check_equipment(const TopologyInfo& topo, const Load& load, const std::string& where) {
    if (!load.breaker_a) {
      return;
    }
    const std::size_t phases = std::max<std::size_t>(
        1, load.channels.empty() ? load.device_phases.size() : load.channels.size());
    const double allowed_kw =
        *load.breaker_a * topo.v_ln_nominal * static_cast<double>(phases) / 1000.0;
    auto check = [&](const std::optional<double>& kw, SourcePos pos, std::string_view key) {
      if (kw && *kw > allowed_kw) {
        warning(pos, std::string(key) + " of " + where + " is " + fmt(*kw) +
                         " kW, more than its breaker carries (" + fmt(*load.breaker_a) + " A on " +
                         std::to_string(phases) +
                         " phase(s): " + fmt(std::round(allowed_kw * 100.0) / 100.0) +
                         " kW); the breaker limits it");
      }
    };
    check(load.power_kw, load.power_pos, "power_kw");
    check(load.inverter_kw, load.inverter_pos, "inverter_kw");
  }

  static std::string fmt(double value) {
    std::string s = std::to_string(value);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') {
      s.pop_back();
    }
    return s;
  }

  void check_unused_inputs() {
    std::set<InputRef> used;
    for (const Load& load : inst_.loads) {
      for (const LoadChannel& channel : load.channels) {
        used.insert(channel.input);
      }
    }
    for (const BusDevice& device : inst_.bus) {
      for (const CtInput& input : device.inputs) {
        InputRef ref{device.id, input.number};
        if (!used.contains(ref)) {
          warning(input.pos, "the CT on " + quoted(ref.to_string()) +
                                 " is not used by any load; its readings are not shown");
        }
      }
    }
  }

  void check_modules() {
    if (inst_.modules.empty()) {
      return;
    }
    const GatewayInfo& gateway = gateway_info(inst_.gateway);
    if (!gateway.supports_modules) {
      error(inst_.modules.front().pos,
            "Input and Output modules work only with a Genius or Genius Flex gateway; this site "
            "has a " +
                std::string(gateway.product) + " (" + std::string(gateway.name) + ")");
    }
    if (static_cast<int>(inst_.modules.size()) > kMaxModules) {
      error(inst_.modules[kMaxModules].pos,
            "at most " + std::to_string(kMaxModules) +
                " Input and Output modules can be connected to one gateway; this site has " +
                std::to_string(inst_.modules.size()));
    }
    std::map<std::string, SourcePos> ids;
    for (const Module& module : inst_.modules) {
      if (!module.id.empty()) {
        auto [it, inserted] = ids.emplace(module.id, module.pos);
        if (!inserted) {
          error(module.pos, "module id " + quoted(module.id) + " is already used on line " +
                                std::to_string(it->second.line) +
                                "; every module needs its own id");
        }
      }
      for (const ModuleInput& input : module.inputs) {
        const std::string where =
            "input " + std::to_string(input.number) + " of Input module " + quoted(module.id);
        if (input.kind == ModuleInputKind::kPulse) {
          if (input.pulses_pos.line == 0) {
            error(input.pos, where + " counts pulses and needs 'pulses_per_unit'");
          } else if (input.pulses_per_unit <= 0.0) {
            error(input.pulses_pos, where + ": pulses_per_unit must be above 0");
          }
          if (input.unit.empty()) {
            warning(input.pos, where + " counts pulses but has no 'unit' (e.g. m3, l or kWh)");
          }
        } else if (input.pulses_pos.line != 0) {
          warning(input.pulses_pos, where + " is a status input; pulses_per_unit is ignored");
        }
      }
    }
  }

  const Installation& inst_;
  std::vector<Diagnostic> out_;
};

}  // namespace

std::vector<Diagnostic> validate_installation(const Installation& installation) {
  return Validator(installation).run();
}

}  // namespace kirchhoff::model
