#include "planner/plan_lp.hpp"

#include <algorithm>
#include <map>

namespace kirchhoff::planner {

namespace {

// Keys of columns and rows (LinearProgram::col_key): the absolute slot (slot
// index since 1970) times 256 plus what the variable is.
enum Kind : int {
  kImport = 0,
  kExport = 1,
  kPv = 2,
  kCharge = 3,
  kDischarge = 4,
  kSoc = 5,
  kBalanceRow = 0,
  kSocRow = 1,
  kCapacityRow = 2,
  kCar = 16,
  kLoad = 64,
  kCarUnmet = 128,
  kLoadUnmet = 192,
};
constexpr std::int64_t kMonthKeyBase = std::int64_t{1} << 50;

std::int64_t key(std::int64_t absolute_slot, int kind) { return absolute_slot * 256 + kind; }

// The columns of one flexible device (a car or a load) in one slot: its power
// is bounded by its rating times the share of the slot one of its needs covers.
void add_device_columns(const FlexibleDevice& device, std::size_t slot_count,
                        std::int64_t first_absolute, int kind, LinearProgram& lp,
                        std::vector<std::vector<int>>& columns_per_slot, std::vector<int>& unmet,
                        double unmet_cost, std::vector<int>& need_rows) {
  std::vector<int> columns(slot_count, -1);
  for (const EnergyNeed& need : device.needs) {
    const int first = std::max(0, need.first_slot);
    const int last = std::min(static_cast<int>(slot_count) - 1, need.last_slot);
    if (last < first || need.need_wh <= 0.0) {
      unmet.push_back(-1);
      continue;
    }
    const double max_kw = device.max_w / 1000.0;
    for (int t = first; t <= last; ++t) {
      double share = 1.0;
      if (t == need.first_slot) {
        share = std::min(share, need.first_fraction);
      }
      if (t == need.last_slot) {
        share = std::min(share, need.last_fraction);
      }
      if (columns[t] < 0) {
        columns[t] = lp.add_column(0.0, max_kw * std::clamp(share, 0.0, 1.0), 0.0,
                                   key(first_absolute + t, kind));
      }
    }
    const double need_kwh = need.need_wh / 1000.0;
    const std::int64_t need_key = key(first_absolute + need.first_slot, kind);
    const int row = lp.add_row(need_kwh, kInfinity, need_key);
    const int slack = lp.add_column(0.0, need_kwh, unmet_cost, need_key + (kCarUnmet - kCar));
    lp.set(row, slack, 1.0);
    unmet.push_back(slack);
    need_rows.push_back(row);
  }
  for (std::size_t t = 0; t < slot_count; ++t) {
    columns_per_slot[t].push_back(columns[t]);
  }
}

}  // namespace

PlanLp build_plan_lp(const PlanProblem& problem) {
  PlanLp out;
  LinearProgram& lp = out.lp;
  const std::size_t n = problem.slots.size();
  const double dt = problem.slot_s / 3600.0;
  out.slots.resize(n);
  const BatteryModel& b = problem.battery;
  const std::int64_t a0 = problem.start_unix_s / problem.slot_s;  // absolute index of slot 0

  // Grid, PV and battery columns, slot by slot.
  for (std::size_t t = 0; t < n; ++t) {
    const SlotInput& in = problem.slots[t];
    auto& c = out.slots[t];
    const double load_kw = std::max(0.0, in.load_w) / 1000.0;
    // The load the planner cannot move may need more than the breaker's
    // limit: the limit then binds only what the planner adds.
    const double import_max = std::max(problem.import_max_w / 1000.0, load_kw);
    // Exporting at a higher price than importing would let the program buy
    // and sell the same kWh in one slot, which a meter netting each second
    // does not allow: such a slot's export is valued at the import price.
    const double export_price = std::min(in.export_price, in.import_price);
    const std::int64_t a = a0 + static_cast<std::int64_t>(t);
    c.import = lp.add_column(0.0, import_max, dt * in.import_price, key(a, kImport));
    c.export_ = lp.add_column(0.0, std::max(0.0, problem.export_max_w / 1000.0), -dt * export_price,
                              key(a, kExport));
    c.pv = lp.add_column(0.0, std::max(0.0, in.pv_w) / 1000.0, 0.0, key(a, kPv));
    if (b.present) {
      c.charge = lp.add_column(0.0, b.max_charge_w / 1000.0, dt * b.wear_per_kwh, key(a, kCharge));
      c.discharge =
          lp.add_column(0.0, b.max_discharge_w / 1000.0, dt * b.wear_per_kwh, key(a, kDischarge));
      // A battery below its minimum (or above its maximum) now may stay there.
      const double lo = std::min(b.min_wh, b.soc_wh) / 1000.0;
      const double hi = std::max(b.max_wh, b.soc_wh) / 1000.0;
      const double terminal = t + 1 == n ? -b.terminal_value_per_kwh : 0.0;
      c.soc = lp.add_column(lo, hi, terminal, key(a, kSoc));
    }
  }
  // Cars and flexible loads: power per slot inside their needs' windows.
  std::vector<std::vector<int>> car_slots(n), load_slots(n);
  std::vector<int> car_need_rows, load_need_rows;
  out.car_unmet.resize(problem.cars.size());
  for (std::size_t k = 0; k < problem.cars.size(); ++k) {
    add_device_columns(problem.cars[k], n, a0, kCar + static_cast<int>(k), lp, car_slots,
                       out.car_unmet[k], problem.unmet_per_kwh, car_need_rows);
  }
  std::vector<int> load_unmet;
  for (std::size_t j = 0; j < problem.loads.size(); ++j) {
    add_device_columns(problem.loads[j], n, a0, kLoad + static_cast<int>(j), lp, load_slots,
                       load_unmet, problem.unmet_per_kwh, load_need_rows);
  }
  for (std::size_t t = 0; t < n; ++t) {
    out.slots[t].car = car_slots[t];
    out.slots[t].load = load_slots[t];
  }
  // Each need's row: the energy of its slots plus the unmet slack.
  auto fill_need_rows = [&](const std::vector<FlexibleDevice>& devices,
                            const std::vector<int>& rows, bool cars) {
    std::size_t r = 0;
    for (std::size_t k = 0; k < devices.size(); ++k) {
      for (const EnergyNeed& need : devices[k].needs) {
        const int first = std::max(0, need.first_slot);
        const int last = std::min(static_cast<int>(n) - 1, need.last_slot);
        if (last < first || need.need_wh <= 0.0) {
          continue;
        }
        const int row = rows[r++];
        for (int t = first; t <= last; ++t) {
          const int col = cars ? out.slots[t].car[k] : out.slots[t].load[k];
          lp.set(row, col, dt);
        }
      }
    }
  };
  fill_need_rows(problem.cars, car_need_rows, true);
  fill_need_rows(problem.loads, load_need_rows, false);

  // Energy balance per slot: import - export + PV + discharge - charge - the
  // planned devices = the load that cannot move.
  for (std::size_t t = 0; t < n; ++t) {
    const auto& c = out.slots[t];
    const double load_kw = std::max(0.0, problem.slots[t].load_w) / 1000.0;
    const int row =
        lp.add_row(load_kw, load_kw, key(a0 + static_cast<std::int64_t>(t), kBalanceRow));
    lp.set(row, c.import, 1.0);
    lp.set(row, c.export_, -1.0);
    lp.set(row, c.pv, 1.0);
    if (b.present) {
      lp.set(row, c.discharge, 1.0);
      lp.set(row, c.charge, -1.0);
    }
    for (int col : c.car) {
      if (col >= 0) {
        lp.set(row, col, -1.0);
      }
    }
    for (int col : c.load) {
      if (col >= 0) {
        lp.set(row, col, -1.0);
      }
    }
  }
  // Stored energy: soc[t] = soc[t-1] + dt * (eta_c * charge - discharge / eta_d).
  if (b.present) {
    for (std::size_t t = 0; t < n; ++t) {
      const auto& c = out.slots[t];
      const double initial = t == 0 ? b.soc_wh / 1000.0 : 0.0;
      const int row = lp.add_row(initial, initial, key(a0 + static_cast<std::int64_t>(t), kSocRow));
      out.slots[t].soc_row = row;
      lp.set(row, c.soc, 1.0);
      if (t > 0) {
        lp.set(row, out.slots[t - 1].soc, -1.0);
      }
      lp.set(row, c.charge, -dt * b.charge_efficiency);
      lp.set(row, c.discharge, dt / b.discharge_efficiency);
    }
  }
  // Capacity tariff: one peak column per month, above what that month is
  // billed anyway; every slot's import mean stays under base + peak.
  if (problem.capacity_per_kw_month > 0.0 && n > 0) {
    std::map<int, int> peak_of_month;
    const int first_month = problem.slots.front().month;
    for (std::size_t t = 0; t < n; ++t) {
      const int month = problem.slots[t].month;
      auto [it, added] = peak_of_month.try_emplace(month, -1);
      if (added) {
        it->second =
            lp.add_column(0.0, kInfinity, problem.capacity_per_kw_month, kMonthKeyBase + month);
      }
      const double base_w =
          std::max(problem.capacity_min_w, month == first_month ? problem.capacity_billed_w : 0.0);
      const int row = lp.add_row(-kInfinity, base_w / 1000.0,
                                 key(a0 + static_cast<std::int64_t>(t), kCapacityRow));
      lp.set(row, out.slots[t].import, 1.0);
      lp.set(row, it->second, -1.0);
    }
  }
  return out;
}

Plan read_plan(const PlanProblem& problem, const PlanLp& lp, const LpSolution& solution) {
  Plan plan;
  plan.start_unix_s = problem.start_unix_s;
  plan.slot_s = problem.slot_s;
  plan.objective = solution.objective;
  plan.battery = problem.battery;
  plan.iterations = solution.iterations;
  if (!solution.optimal) {
    plan.error = "the planning problem could not be solved: " + solution.status;
    return plan;
  }
  auto value = [&](int col) { return col >= 0 ? solution.x[col] * 1000.0 : 0.0; };
  plan.slots.resize(lp.slots.size());
  for (std::size_t t = 0; t < lp.slots.size(); ++t) {
    const auto& c = lp.slots[t];
    PlanSlot& s = plan.slots[t];
    s.grid_w = value(c.import) - value(c.export_);
    s.battery_w = value(c.discharge) - value(c.charge);
    s.soc_wh = c.soc >= 0 ? value(c.soc) : 0.0;
    s.pv_w = value(c.pv);
    s.import_price = problem.slots[t].import_price;
    s.export_price = problem.slots[t].export_price;
    // Adding 1 kWh to the row's bound is storing 1 kWh more in the slot:
    // the objective falls by what that kWh is worth.
    if (c.soc_row >= 0 && static_cast<std::size_t>(c.soc_row) < solution.row_duals.size()) {
      s.stored_value_per_kwh = -solution.row_duals[c.soc_row];
    }
    for (int col : c.car) {
      s.car_w.push_back(value(col));
    }
    for (int col : c.load) {
      s.load_w.push_back(value(col));
    }
  }
  plan.car_unmet_wh.assign(problem.cars.size(), 0.0);
  for (const FlexibleDevice& car : problem.cars) {
    plan.car_planned.push_back(!car.needs.empty());
  }
  for (std::size_t k = 0; k < lp.car_unmet.size(); ++k) {
    for (int col : lp.car_unmet[k]) {
      plan.car_unmet_wh[k] += value(col);
    }
  }
  plan.ok = true;
  return plan;
}

}  // namespace kirchhoff::planner
