#include "control/commands.hpp"

#include <algorithm>
#include <string>

#include "common/utf8.hpp"

namespace kirchhoff::control {

namespace {

struct Checker {
  const model::Installation& installation;

  common::Status operator()(const RelayCommand& relay) const {
    const std::string where = common::log_safe(relay.module) + "/" + std::to_string(relay.output);
    const auto module = std::find_if(installation.modules.begin(), installation.modules.end(),
                                     [&](const model::Module& m) { return m.id == relay.module; });
    if (module == installation.modules.end()) {
      return common::make_error(common::ErrorKind::kNotFound, "unknown relay " + where);
    }
    if (module->kind != model::ModuleKind::kOutput) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                "unknown relay " + where + ": " + common::log_safe(module->id) +
                                    " is an Input module, not an Output module");
    }
    const bool has_output =
        std::any_of(module->outputs.begin(), module->outputs.end(),
                    [&](const model::ModuleOutput& o) { return o.number == relay.output; });
    if (!has_output) {
      return common::make_error(common::ErrorKind::kNotFound, "unknown relay " + where);
    }
    return common::Status::success();
  }

  common::Status operator()(const EvModeCommand& ev) const {
    const model::Load* load = installation.find_load(ev.load);
    if (load == nullptr) {
      return common::make_error(common::ErrorKind::kNotFound,
                                "unknown load '" + common::log_safe(ev.load) + "'");
    }
    if (load->kind != model::LoadKind::kEv) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                "load '" + common::log_safe(ev.load) +
                                    "' is not an EV load (it is " +
                                    std::string(model::load_kind_name(load->kind)) + ")");
    }
    return common::Status::success();
  }

  common::Status operator()(const SgReadyCommand& sg) const {
    const bool has_heat_pump =
        std::any_of(installation.loads.begin(), installation.loads.end(),
                    [](const model::Load& l) { return l.kind == model::LoadKind::kHeatpump; });
    if (!has_heat_pump) {
      return common::make_error(common::ErrorKind::kNotFound, "the site has no heat pump");
    }
    if (sg.state && (*sg.state < 1 || *sg.state > 4)) {
      return common::make_error(
          common::ErrorKind::kInvalidArgument,
          "SG Ready state " + std::to_string(*sg.state) + " is not 1, 2, 3 or 4");
    }
    return common::Status::success();
  }
};

struct Describer {
  std::string operator()(const RelayCommand& relay) const {
    return relay.module + "/" + std::to_string(relay.output) + " switched " +
           (relay.on ? "on" : "off");
  }
  std::string operator()(const EvModeCommand& ev) const {
    return "charger '" + ev.load + "' mode " + std::string(model::ev_mode_name(ev.mode));
  }
  std::string operator()(const SgReadyCommand& sg) const {
    return "heat pump SG Ready " + (sg.state ? std::to_string(*sg.state) : std::string("auto"));
  }
};

}  // namespace

common::Status validate(const Command& command, const model::Installation& installation) {
  return std::visit(Checker{installation}, command);
}

std::optional<model::EvMode> parse_ev_mode(std::string_view text) {
  for (const auto mode :
       {model::EvMode::kOff, model::EvMode::kNow, model::EvMode::kMinPv, model::EvMode::kPv}) {
    if (text == model::ev_mode_name(mode)) {
      return mode;
    }
  }
  if (text == "min_pv") {
    return model::EvMode::kMinPv;
  }
  return std::nullopt;
}

std::string describe(const Command& command) { return std::visit(Describer{}, command); }

}  // namespace kirchhoff::control
