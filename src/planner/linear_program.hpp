// A linear program in the form every solver takes: columns with bounds and a
// cost, rows with bounds, and the non-zero coefficients as triplets. The
// planner builds one (plan_lp.hpp); a solver backend (clp_solver.hpp) solves
// it. Minimisation; infinite bounds are +-kInfinity.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace kirchhoff::planner {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

struct LinearProgram {
  std::vector<double> col_lo, col_hi, cost;
  std::vector<double> row_lo, row_hi;
  std::vector<int> rows, cols;  // coefficient k is at (rows[k], cols[k])
  std::vector<double> values;
  // What each column and row stands for, the same from one horizon to the
  // next (a slot's import keeps its key as the horizon moves on): a solver
  // starts the next solve from the last one's basis by these keys.
  std::vector<std::int64_t> col_key, row_key;

  int add_column(double lo, double hi, double c, std::int64_t key = -1) {
    col_lo.push_back(lo);
    col_hi.push_back(hi);
    cost.push_back(c);
    col_key.push_back(key);
    return static_cast<int>(cost.size()) - 1;
  }
  int add_row(double lo, double hi, std::int64_t key = -1) {
    row_lo.push_back(lo);
    row_hi.push_back(hi);
    row_key.push_back(key);
    return static_cast<int>(row_lo.size()) - 1;
  }
  void set(int row, int col, double value) {
    rows.push_back(row);
    cols.push_back(col);
    values.push_back(value);
  }
  int column_count() const { return static_cast<int>(cost.size()); }
  int row_count() const { return static_cast<int>(row_lo.size()); }
};

struct LpSolution {
  bool optimal = false;
  std::string status;  // "optimal", "infeasible", "time limit", ...
  std::vector<double> x;
  std::vector<double> row_duals;  // d objective / d row bound
  double objective = 0.0;
  int iterations = 0;
};

}  // namespace kirchhoff::planner
