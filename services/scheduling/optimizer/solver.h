#pragma once

// Solves a Problem with ruin-and-recreate under simulated annealing (after Christiaens & Vanden
// Berghe's SISR, 2020): each iteration removes a few strings of jobs that are close to each other
// from a few routes, reinserts every removed job at its cheapest feasible position (with
// "blinks" that skip a position now and then), and accepts the result by the annealing rule.
// Insertion is time-window aware in O(1) per position through each route's earliest start
// and latest start times. Skills and capacity are hard constraints at insertion; jobs that fit
// nowhere stay unassigned at their penalty, so priorities compete with travel in one objective.
//
// Deterministic for a given seed when max_iterations bounds the run (the annealing schedule then
// depends on the iteration count only); with only a time limit the schedule follows the clock.
// Thread-safe: Solve keeps no state between calls.

#include <cstdint>

#include "services/scheduling/optimizer/problem.h"
#include "services/scheduling/optimizer/solution.h"

namespace fieldline::optimizer {

struct SolverOptions {
  std::uint64_t seed = 1;
  double time_limit_seconds = 2.0;  // wall-clock cap, always honoured
  long max_iterations = 0;          // 0: run until the time limit
  int threads = 1;                  // independent annealing chains (seed, seed+1, ...); best wins
  // Annealing temperatures as fractions of the mean arc length of the first solution.
  double initial_temperature = 1.0;
  double final_temperature = 0.01;
  double mean_removed = 10;    // SISR's c-bar: jobs removed per iteration on average
  int max_string_length = 10;  // SISR's L_max
  double blink_rate = 0.01;
  // Before the distance search, try to empty routes (helps the hierarchical objective).
  bool minimise_vehicles_first = false;
};

Solution Solve(const Problem& problem, const SolverOptions& options);

}  // namespace fieldline::optimizer
