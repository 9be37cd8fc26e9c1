// The planning problem as a linear program (docs/planner.md gives the model):
// per slot the grid's import and export, the battery's charge and discharge
// and its stored energy, the PV used, each car's and flexible load's power;
// per month the capacity peak above what is already billed; per need the
// energy left unmet. Units inside the program are kW and kWh so that the
// coefficients stay near 1 (a solver's tolerances are absolute).
#pragma once

#include "planner/linear_program.hpp"
#include "planner/plan_problem.hpp"

namespace kirchhoff::planner {

struct PlanLp {
  LinearProgram lp;
  // Column indices; -1 where the variable does not exist.
  struct SlotColumns {
    int import = -1, export_ = -1, charge = -1, discharge = -1, soc = -1, pv = -1;
    int soc_row = -1;
    std::vector<int> car, load;
  };
  std::vector<SlotColumns> slots;
  std::vector<std::vector<int>> car_unmet;  // per car, per need
};

PlanLp build_plan_lp(const PlanProblem& problem);

// The plan from a solution of build_plan_lp(problem).
Plan read_plan(const PlanProblem& problem, const PlanLp& lp, const LpSolution& solution);

}  // namespace kirchhoff::planner
