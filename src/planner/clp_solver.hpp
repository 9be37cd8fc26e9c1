// Solves a LinearProgram with COIN-OR CLP's dual simplex (Debian's
// coinor-libclp). CLP was chosen over GLPK on measured solve time
// (bench/bench_planner.cpp, docs/planner.md).
#pragma once

#include <cstdint>
#include <unordered_map>

#include "planner/linear_program.hpp"

namespace kirchhoff::planner {

struct SolveOptions {
  double max_seconds = 10.0;  // a longer solve stops and reports "time limit"
};

// The basis of the last solve, by column and row key: the next horizon's
// solve starts from it (warm start), which takes a fraction of the pivots of
// a cold start when only a slot was added and one dropped.
struct Basis {
  std::unordered_map<std::int64_t, unsigned char> columns, rows;
  bool empty() const { return columns.empty(); }
};

// Solves `lp`; with `basis`, starts from it and leaves the new one there.
LpSolution solve_with_clp(const LinearProgram& lp, const SolveOptions& options = {},
                          Basis* basis = nullptr);

}  // namespace kirchhoff::planner
