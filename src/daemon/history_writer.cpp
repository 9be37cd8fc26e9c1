#include "daemon/history_writer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kirchhoff::daemon {

using store::SeriesKind;

common::Result<HistoryWriter> HistoryWriter::create(store::Store& store,
                                                    const model::Installation& inst) {
  HistoryWriter writer(store);
  // The uplink names a load's series "<load>/<quantity>" and keeps the
  // history's key for the others (docs/uplink-format.md).
  auto make = [&](const std::string& key, SeriesKind kind, double resolution) {
    auto id = store.series(key, kind, resolution);
    if (id) {
      const int decimals = resolution >= 0.1 ? 1 : resolution >= 0.01 ? 2 : 3;
      if (static_cast<std::size_t>(*id) >= writer.uplink_series_.size()) {
        writer.uplink_series_.resize(static_cast<std::size_t>(*id) + 1);
      }
      writer.uplink_series_[static_cast<std::size_t>(*id)] = {
          key.rfind("load/", 0) == 0 ? key.substr(5) : key, decimals, key};
    }
    return id;
  };
  for (const auto& load : inst.loads) {
    const std::string base = "load/" + load.name + "/";
    auto p = make(base + "p_w", SeriesKind::kGauge, 0.1);
    auto q = make(base + "q_var", SeriesKind::kGauge, 0.1);
    auto imp = make(base + "energy_import_wh", SeriesKind::kCounter, 0.001);
    auto exp = make(base + "energy_export_wh", SeriesKind::kCounter, 0.001);
    for (const auto* r : {&p, &q, &imp, &exp}) {
      if (!*r) {
        return r->error();
      }
    }
    LoadSeries series{*p, *q, *imp, *exp, load.name, {}};
    // Per phase, for the overloads and imbalances of a month ago: current
    // to 10 mA and the power factor to 0.001; P and Q only where they add
    // to the load's own (a load on one phase is its phase).
    const bool several = load.channels.size() > 1;
    for (const auto& channel : load.channels) {
      const std::string at = base + std::string(model::phase_name(channel.phase)) + "/";
      PhaseSeries ph;
      ph.phase = channel.phase;
      auto i = make(at + "i_a", SeriesKind::kGauge, 0.01);
      auto pf = make(at + "pf", SeriesKind::kGauge, 0.001);
      if (!i || !pf) {
        return !i ? i.error() : pf.error();
      }
      ph.i = *i;
      ph.pf = *pf;
      if (several) {
        auto pp = make(at + "p_w", SeriesKind::kGauge, 0.1);
        auto pq = make(at + "q_var", SeriesKind::kGauge, 0.1);
        if (!pp || !pq) {
          return !pp ? pp.error() : pq.error();
        }
        ph.p = *pp;
        ph.q = *pq;
      }
      series.phases.push_back(ph);
    }
    writer.loads_.push_back(std::move(series));
    if (load.kind == model::LoadKind::kBattery) {
      auto soc = make("battery/" + load.name + "/soc_pct", SeriesKind::kGauge, 0.1);
      if (!soc) {
        return soc.error();
      }
      writer.socs_.emplace_back(load.name, *soc);
    }
    if (load.kind == model::LoadKind::kEv) {
      // When a car was plugged in: what replays its sessions (docs/whatif.md).
      auto plugged = make("charger/" + load.name + "/plugged", SeriesKind::kGauge, 1.0);
      if (!plugged) {
        return plugged.error();
      }
      writer.plugged_.emplace_back(load.name, *plugged);
    }
  }
  const int phases = model::topology_info(inst.site.topology).has_neutral
                         ? model::topology_info(inst.site.topology).phase_count
                         : 3;
  for (int p = 0; p < phases; ++p) {
    auto v = make("voltage/L" + std::to_string(p + 1) + "/v_ln", SeriesKind::kGauge, 0.01);
    if (!v) {
      return v.error();
    }
    writer.voltages_.push_back(*v);
  }
  if (model::topology_info(inst.site.topology).phase_count > 1) {
    for (int p = 0; p < phases; ++p) {
      auto v = make("voltage/L" + std::to_string(p + 1) + "/v_ll", SeriesKind::kGauge, 0.01);
      if (!v) {
        return v.error();
      }
      writer.line_voltages_.push_back(*v);
    }
  }
  auto f = make("site/frequency_hz", SeriesKind::kGauge, 0.001);
  if (!f) {
    return f.error();
  }
  writer.frequency_ = *f;
  for (const auto& module : inst.modules) {
    for (const auto& input : module.inputs) {
      if (input.kind == model::ModuleInputKind::kPulse) {
        auto s = make("input/" + module.id + "/" + std::to_string(input.number) + "/total",
                      SeriesKind::kCounter, 0.001);
        if (!s) {
          return s.error();
        }
        writer.inputs_.push_back(*s);
        writer.input_keys_.emplace_back(module.id, input.number);
      }
    }
  }
  // A smart meter's gas (1) and water (2) registers, kept like pulse totals.
  for (const auto& device : inst.devices) {
    if (device.driver != "p1") {
      continue;
    }
    for (int number : {1, 2}) {
      auto s = make("input/" + device.name + "/" + std::to_string(number) + "/total",
                    SeriesKind::kCounter, 0.001);
      if (!s) {
        return s.error();
      }
      writer.inputs_.push_back(*s);
      writer.input_keys_.emplace_back(device.name, number);
    }
  }
  return writer;
}

common::Status HistoryWriter::restore(EnergyRegisters& registers,
                                      const std::map<std::string, double>& at_least) {
  auto floor_of = [&](const std::string& key) {
    const auto it = at_least.find(key);
    return it != at_least.end() ? it->second : 0.0;
  };
  for (std::size_t l = 0; l < loads_.size(); ++l) {
    const std::string base = "load/" + loads_[l].name + "/";
    auto imp = store_->latest(base + "energy_import_wh");
    auto exp = store_->latest(base + "energy_export_wh");
    if (!imp || !exp) {
      return (!imp ? imp.error() : exp.error());
    }
    registers.restore(
        l, std::max(imp->has_value() ? (*imp)->value : 0.0, floor_of(base + "energy_import_wh")),
        std::max(exp->has_value() ? (*exp)->value : 0.0, floor_of(base + "energy_export_wh")));
  }
  return common::Status::success();
}

void HistoryWriter::buffer_blocks(std::int64_t samples, std::int64_t step_ms,
                                  store::BackgroundAppender* background) {
  block_samples_ = std::max<std::int64_t>(samples, 1);
  block_step_ms_ = std::max<std::int64_t>(step_ms, 1);
  background_ = background;
  block_n_ = 0;
  block_ids_.clear();
  block_row_.clear();
  block_row_.assign(uplink_series_.size(), 0);
  for (std::size_t id = 0; id < uplink_series_.size(); ++id) {
    if (!uplink_series_[id].name.empty()) {
      block_row_[id] = block_ids_.size();
      block_ids_.push_back(static_cast<int>(id));
    }
  }
  block_values_.assign(block_ids_.size() * static_cast<std::size_t>(block_samples_),
                       std::numeric_limits<double>::quiet_NaN());
}

common::Status HistoryWriter::flush_block() {
  if (block_n_ == 0) {
    return common::Status::success();
  }
  // Sample-major, so a partial block is the first n samples as they stand.
  const std::size_t used = block_ids_.size() * static_cast<std::size_t>(block_n_);
  store::SampleBlock block{block_t0_ms_, block_step_ms_, block_n_, block_ids_, {}};
  block_n_ = 0;
  common::Status status = common::Status::success();
  if (background_ != nullptr) {
    block.values = std::move(block_values_);
    block.values.resize(used);
    status = background_->submit(std::move(block));
    block_values_ = background_->spare();
  } else {
    // Transposed straight from the buffer, which is refilled below.
    store::to_series_major(std::span<const double>(block_values_).first(used), block_ids_.size(),
                           static_cast<std::size_t>(block.n), columns_);
    status = store_->append_block(block.t0_ms, block.step_ms, block.n, block.series_ids, columns_);
  }
  block_values_.assign(block_ids_.size() * static_cast<std::size_t>(block_samples_),
                       std::numeric_limits<double>::quiet_NaN());
  return status;
}

common::Status HistoryWriter::append(const snapshot::SiteSnapshot& snap) {
  const std::int64_t t = snap.unix_ms;
  points_.clear();
  // A block ends where the snapshots stop being its next samples, and at
  // multiples of its length since 1970: six-hour blocks then fill the
  // store's six-hour minute-rollup blocks whole, each written once.
  if (block_samples_ > 0 && block_n_ > 0 &&
      (t != block_t0_ms_ + block_n_ * block_step_ms_ ||
       t % (block_samples_ * block_step_ms_) == 0)) {
    if (auto s = flush_block(); !s) {
      return s;
    }
  }
  if (block_samples_ > 0 && block_n_ == 0) {
    block_t0_ms_ = t;
  }
  auto put = [&](int id, double v) {
    const UplinkSeries& series = uplink_series_[static_cast<std::size_t>(id)];
    if (block_samples_ > 0) {
      if (!std::isfinite(v)) {
        // As the store says it (the store may belong to the background thread).
        return common::Status(
            common::make_error(common::ErrorKind::kInvalidArgument,
                               "series '" + series.key + "': value is not finite"));
      }
      block_values_[static_cast<std::size_t>(block_n_) * block_ids_.size() +
                    block_row_[static_cast<std::size_t>(id)]] = v;
      return common::Status::success();
    }
    points_.push_back({&series.name, v, series.decimals});
    return store_->append(id, t, v);
  };
  for (std::size_t l = 0; l < loads_.size() && l < snap.loads.size(); ++l) {
    const auto& values = snap.loads[l];
    for (auto [id, v] : {std::pair{loads_[l].p, values.p_w}, std::pair{loads_[l].q, values.q_var},
                         std::pair{loads_[l].imp, values.energy_import_wh},
                         std::pair{loads_[l].exp, values.energy_export_wh}}) {
      if (auto s = put(id, v); !s) {
        return s;
      }
    }
    for (const auto& ph : loads_[l].phases) {
      for (const auto& measured : values.phases) {
        if (measured.phase != ph.phase) {
          continue;
        }
        for (auto [id, v] : {std::pair{ph.i, measured.i_a}, std::pair{ph.pf, measured.pf},
                             std::pair{ph.p, measured.p_w}, std::pair{ph.q, measured.q_var}}) {
          if (id < 0) {
            continue;
          }
          if (auto s = put(id, v); !s) {
            return s;
          }
        }
        break;
      }
    }
  }
  for (std::size_t p = 0; p < voltages_.size() && p < snap.voltages.size(); ++p) {
    if (auto s = put(voltages_[p], snap.voltages[p].v_ln); !s) {
      return s;
    }
  }
  for (std::size_t p = 0; p < line_voltages_.size() && p < snap.voltages.size(); ++p) {
    if (auto s = put(line_voltages_[p], snap.voltages[p].v_ll); !s) {
      return s;
    }
  }
  if (auto s = put(frequency_, snap.frequency_hz); !s) {
    return s;
  }
  // A battery's state of charge, as the energy manager saw it this cycle
  // (absent before its first cycle).
  for (const auto& [load, id] : socs_) {
    for (const auto& battery : snap.batteries) {
      if (battery.load == load) {
        if (auto s = put(id, battery.soc_pct); !s) {
          return s;
        }
        break;
      }
    }
  }
  for (const auto& [load, id] : plugged_) {
    for (const auto& charger : snap.chargers) {
      if (charger.load == load) {
        if (auto s = put(id, charger.plugged ? 1.0 : 0.0); !s) {
          return s;
        }
        break;
      }
    }
  }
  // Matched by module and number: status inputs and inputs a meter does not
  // report this second are not recorded.
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    for (const auto& input : snap.inputs) {
      if (input.pulse && input.module == input_keys_[i].first &&
          input.input == input_keys_[i].second) {
        if (auto s = put(inputs_[i], input.total); !s) {
          return s;
        }
        break;
      }
    }
  }
  if (block_samples_ > 0 && ++block_n_ == block_samples_) {
    return flush_block();
  }
  return common::Status::success();
}

}  // namespace kirchhoff::daemon
