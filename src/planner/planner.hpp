// Solves planning problems one after another as the horizon moves on, each
// starting from the last solve's basis, and keeps the figures people and
// benchmarks ask for (solve times, failures). Not thread-safe: one owner
// (the daemon's planning thread, or `simulate`).
#pragma once

#include <vector>

#include "planner/clp_solver.hpp"
#include "planner/plan_problem.hpp"

namespace kirchhoff::planner {

class Planner {
 public:
  explicit Planner(SolveOptions options = {}) : options_(options) {}

  // A plan for `problem`; `ok` false (with `error`) when the solver found
  // none in time: the caller keeps its last plan or falls back to the rules.
  Plan solve(const PlanProblem& problem);

  struct Stats {
    int solves = 0;
    int failures = 0;
    double median_ms = 0.0;
    double worst_ms = 0.0;
    double total_ms = 0.0;
  };
  Stats stats() const;

 private:
  SolveOptions options_;
  Basis basis_;
  std::vector<double> solve_ms_;
  int failures_ = 0;
};

}  // namespace kirchhoff::planner
