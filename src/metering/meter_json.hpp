// The JSON of `kirchhoff meter` (the brief's contract): frequency_hz,
// voltages {L1: {v_ln, v_ll}}, loads [{name, p_w, q_var, s_va, pf,
// energy_import_wh, energy_export_wh, phases [{phase, input, p_w, q_var,
// s_va, pf, i_a}]}], plus cycles, seconds and a few extras per load.
#pragma once

#include <nlohmann/json.hpp>

#include "metering/engine.hpp"

namespace kirchhoff::metering {

nlohmann::json to_json(const MeterResults& results);

}  // namespace kirchhoff::metering
