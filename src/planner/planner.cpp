#include "planner/planner.hpp"

#include <algorithm>
#include <chrono>

#include "planner/plan_lp.hpp"

namespace kirchhoff::planner {

Plan Planner::solve(const PlanProblem& problem) {
  const auto start = std::chrono::steady_clock::now();
  const PlanLp lp = build_plan_lp(problem);
  LpSolution solution = solve_with_clp(lp.lp, options_, &basis_);
  if (!solution.optimal) {
    // A basis that led nowhere is not worth starting from again.
    basis_ = Basis{};
  }
  Plan plan = read_plan(problem, lp, solution);
  plan.solve_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  solve_ms_.push_back(plan.solve_ms);
  if (!plan.ok) {
    ++failures_;
  }
  return plan;
}

Planner::Stats Planner::stats() const {
  Stats s;
  s.solves = static_cast<int>(solve_ms_.size());
  s.failures = failures_;
  if (solve_ms_.empty()) {
    return s;
  }
  std::vector<double> sorted = solve_ms_;
  std::sort(sorted.begin(), sorted.end());
  s.median_ms = sorted[sorted.size() / 2];
  s.worst_ms = sorted.back();
  for (double ms : sorted) {
    s.total_ms += ms;
  }
  return s;
}

}  // namespace kirchhoff::planner
