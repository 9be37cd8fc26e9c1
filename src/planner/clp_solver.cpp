#include "planner/clp_solver.hpp"

#include <ClpSimplex.hpp>
#include <CoinPackedMatrix.hpp>

#include <cfloat>

namespace kirchhoff::planner {

namespace {

// CLP takes +-COIN_DBL_MAX (DBL_MAX) for "no bound".
std::vector<double> finite(const std::vector<double>& bounds) {
  std::vector<double> out(bounds);
  for (double& b : out) {
    if (b == kInfinity) {
      b = DBL_MAX;
    } else if (b == -kInfinity) {
      b = -DBL_MAX;
    }
  }
  return out;
}

}  // namespace

LpSolution solve_with_clp(const LinearProgram& lp, const SolveOptions& options, Basis* basis) {
  LpSolution solution;
  const CoinPackedMatrix matrix(true, lp.rows.data(), lp.cols.data(), lp.values.data(),
                                static_cast<CoinBigIndex>(lp.values.size()));
  ClpSimplex model;
  model.setLogLevel(0);
  const auto col_lo = finite(lp.col_lo), col_hi = finite(lp.col_hi);
  const auto row_lo = finite(lp.row_lo), row_hi = finite(lp.row_hi);
  model.loadProblem(matrix, col_lo.data(), col_hi.data(), lp.cost.data(), row_lo.data(),
                    row_hi.data());
  model.setMaximumSeconds(options.max_seconds);
  const int n = lp.column_count(), m = lp.row_count();
  if (basis != nullptr && !basis->empty()) {
    // CLP's status codes: 1 basic, 3 at lower bound. A new column starts at
    // its lower bound, a new row's slack basic; CLP repairs a basis that is
    // not quite square.
    std::vector<unsigned char> status(static_cast<std::size_t>(n + m));
    for (int j = 0; j < n; ++j) {
      const auto it = lp.col_key[j] < 0 ? basis->columns.end() : basis->columns.find(lp.col_key[j]);
      status[j] = it == basis->columns.end() ? 3 : it->second;
    }
    for (int i = 0; i < m; ++i) {
      const auto it = lp.row_key[i] < 0 ? basis->rows.end() : basis->rows.find(lp.row_key[i]);
      status[n + i] = it == basis->rows.end() ? 1 : it->second;
    }
    model.copyinStatus(status.data());
  }
  model.dual();
  solution.iterations = model.numberIterations();
  switch (model.status()) {
    case 0:
      solution.optimal = true;
      solution.status = "optimal";
      break;
    case 1:
      solution.status = "infeasible";
      break;
    case 2:
      solution.status = "unbounded";
      break;
    case 3:
      solution.status = "time limit";
      break;
    default:
      solution.status = "solver error";
      break;
  }
  if (solution.optimal) {
    const double* x = model.primalColumnSolution();
    solution.x.assign(x, x + model.getNumCols());
    const double* y = model.dualRowSolution();
    solution.row_duals.assign(y, y + model.getNumRows());
    solution.objective = model.objectiveValue();
    if (basis != nullptr) {
      basis->columns.clear();
      basis->rows.clear();
      const unsigned char* status = model.statusArray();
      for (int j = 0; j < n; ++j) {
        if (lp.col_key[j] >= 0) {
          basis->columns[lp.col_key[j]] = status[j] & 7;
        }
      }
      for (int i = 0; i < m; ++i) {
        if (lp.row_key[i] >= 0) {
          basis->rows[lp.row_key[i]] = status[n + i] & 7;
        }
      }
    }
  }
  return solution;
}

}  // namespace kirchhoff::planner
