// The planner's budget: one re-plan of 192 quarter hours (48 h) in under
// 100 ms (issue: the planner). Solves the same synthetic day-ahead problem
// with CLP (what Kirchhoff uses) and GLPK (the baseline it was chosen
// against), then a year of quarter hours at once as `simulate --strategy
// optimal` does. Prints median and worst of each.
#include <glpk.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "planner/clp_solver.hpp"
#include "planner/plan_lp.hpp"

using namespace kirchhoff::planner;

namespace {

constexpr double kPi = 3.14159265358979323846;

// A house with 10 kWh of battery and a car that wants 20 kWh by 07:30 each
// day, under a day-ahead price curve (cheap at night and at noon, dear in
// the evening) and a capacity tariff.
PlanProblem problem_of(int slots, int offset) {
  PlanProblem p;
  p.slot_s = 900;
  p.start_unix_s = std::int64_t{offset} * 900;
  p.slots.resize(static_cast<std::size_t>(slots));
  for (int t = 0; t < slots; ++t) {
    const double hour = std::fmod((t + offset) / 4.0, 24.0);
    const int day = (t + offset) / 96;
    SlotInput& s = p.slots[static_cast<std::size_t>(t)];
    s.load_w = 350.0 + 900.0 * std::exp(-std::pow(hour - 19.0, 2) / 4.0) +
               400.0 * std::exp(-std::pow(hour - 7.5, 2) / 1.0);
    const double sun = std::max(0.0, std::sin((hour - 6.0) / 14.0 * kPi));
    s.pv_w = 5500.0 * sun * (0.6 + 0.4 * std::cos(day * 1.3));
    s.import_price = 0.22 + 0.10 * std::exp(-std::pow(hour - 19.0, 2) / 6.0) - 0.08 * sun +
                     0.02 * std::sin(day * 0.7);
    s.export_price = s.import_price - 0.15;
    s.month = day / 30;
  }
  p.battery = {true, 10000.0, 5000.0, 1000.0, 9500.0, 5000.0, 5000.0, 0.95, 0.95, 0.01, 0.15};
  FlexibleDevice car{"car", 11000.0, {}};
  // Arrives at 17:30 each day, leaves at 07:30 (absolute slots).
  for (int day = offset / 96 - 1; day * 96 < offset + slots; ++day) {
    const int arrive = day * 96 + 70 - offset, leave = day * 96 + 96 + 30 - offset;
    if (leave >= 0 && arrive < slots) {
      car.needs.push_back({std::max(0, arrive), std::min(leave, slots - 1), 1.0, 1.0, 20000.0});
    }
  }
  p.cars.push_back(car);
  p.import_max_w = 17000.0;
  p.export_max_w = 10000.0;
  p.capacity_per_kw_month = 4.0;
  p.capacity_billed_w = 2500.0;
  p.capacity_min_w = 2500.0;
  return p;
}

LpSolution solve_with_glpk(const LinearProgram& lp) {
  glp_prob* prob = glp_create_prob();
  glp_set_obj_dir(prob, GLP_MIN);
  glp_add_rows(prob, lp.row_count());
  glp_add_cols(prob, lp.column_count());
  auto kind = [](double lo, double hi) {
    if (lo == hi) return GLP_FX;
    if (lo == -kInfinity && hi == kInfinity) return GLP_FR;
    if (lo == -kInfinity) return GLP_UP;
    if (hi == kInfinity) return GLP_LO;
    return GLP_DB;
  };
  for (int r = 0; r < lp.row_count(); ++r) {
    glp_set_row_bnds(prob, r + 1, kind(lp.row_lo[r], lp.row_hi[r]), lp.row_lo[r], lp.row_hi[r]);
  }
  for (int c = 0; c < lp.column_count(); ++c) {
    glp_set_col_bnds(prob, c + 1, kind(lp.col_lo[c], lp.col_hi[c]), lp.col_lo[c], lp.col_hi[c]);
    glp_set_obj_coef(prob, c + 1, lp.cost[c]);
  }
  std::vector<int> ia(1, 0), ja(1, 0);
  std::vector<double> ar(1, 0.0);
  for (std::size_t k = 0; k < lp.values.size(); ++k) {
    ia.push_back(lp.rows[k] + 1);
    ja.push_back(lp.cols[k] + 1);
    ar.push_back(lp.values[k]);
  }
  glp_load_matrix(prob, static_cast<int>(lp.values.size()), ia.data(), ja.data(), ar.data());
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = GLP_ON;
  parm.tm_lim = 600000;
  LpSolution out;
  out.optimal = glp_simplex(prob, &parm) == 0 && glp_get_status(prob) == GLP_OPT;
  out.objective = glp_get_obj_val(prob);
  glp_delete_prob(prob);
  return out;
}

struct Figures {
  double median_ms = 0.0, worst_ms = 0.0, objective = 0.0;
  bool ok = true;
};

template <typename Solve>
Figures time_solves(int slots, int repeats, Solve solve, int first_offset = 0) {
  std::vector<double> ms;
  Figures f;
  for (int i = 0; i < repeats; ++i) {
    const PlanProblem p = problem_of(slots, first_offset + i);  // a slot later each time
    const PlanLp lp = build_plan_lp(p);
    const auto t0 = std::chrono::steady_clock::now();
    const LpSolution s = solve(lp.lp);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    f.ok = f.ok && s.optimal;
    if (i == 0) {
      f.objective = s.objective;
    }
  }
  std::sort(ms.begin(), ms.end());
  f.median_ms = ms[ms.size() / 2];
  f.worst_ms = ms.back();
  return f;
}

}  // namespace

int main() {
  const auto clp = [](const LinearProgram& lp) { return solve_with_clp(lp); };
  Basis basis;
  const auto warm = [&](const LinearProgram& lp) { return solve_with_clp(lp, {}, &basis); };
  const Figures day_clp = time_solves(192, 96, clp, 96);
  const Figures day_warm = time_solves(192, 96, warm, 96);
  const Figures day_glpk = time_solves(192, 96, solve_with_glpk, 96);
  std::printf("re-plan of 192 slots (48 h), 96 horizons: budget 100 ms\n");
  std::printf("  CLP warm (Kirchhoff): median %.2f ms, worst %.2f ms, cost %.4f%s\n",
              day_warm.median_ms, day_warm.worst_ms, day_warm.objective,
              day_warm.ok ? "" : " (NOT OPTIMAL)");
  std::printf("  CLP cold:             median %.2f ms, worst %.2f ms, cost %.4f%s\n",
              day_clp.median_ms, day_clp.worst_ms, day_clp.objective,
              day_clp.ok ? "" : " (NOT OPTIMAL)");
  std::printf("  GLPK (baseline):      median %.2f ms, worst %.2f ms, cost %.4f%s\n",
              day_glpk.median_ms, day_glpk.worst_ms, day_glpk.objective,
              day_glpk.ok ? "" : " (NOT OPTIMAL)");
  const int year = 365 * 96;
  const auto clp_long = [](const LinearProgram& lp) { return solve_with_clp(lp, {600.0}); };
  const Figures year_clp = time_solves(year, 1, clp_long);
  std::printf("a year at once (%d slots, simulate --strategy optimal):\n", year);
  std::printf("  CLP  (Kirchhoff): %.0f ms, cost %.2f%s\n", year_clp.median_ms, year_clp.objective,
              year_clp.ok ? "" : " (NOT OPTIMAL)");
  const Figures month_glpk = time_solves(30 * 96, 1, solve_with_glpk);
  const Figures month_clp = time_solves(30 * 96, 1, clp_long);
  std::printf("a month at once (%d slots): CLP %.0f ms, GLPK (baseline) %.0f ms\n", 30 * 96,
              month_clp.median_ms, month_glpk.median_ms);
  return day_clp.ok && day_warm.ok && year_clp.ok ? 0 : 1;
}
