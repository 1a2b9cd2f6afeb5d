#pragma once

// A plan for a Problem and an independent check of it: every route's load, shift and time
// windows, skills, each job at most once, and the recomputed travel distance.

#include <string>
#include <vector>

#include "services/scheduling/optimizer/problem.h"

namespace fieldline::optimizer {

struct Route {
  int vehicle = 0;        // index into Problem::vehicles
  std::vector<int> jobs;  // indices into Problem::jobs, in visit order
};

struct Solution {
  std::vector<Route> routes;    // only the vehicles that are used, by vehicle index
  std::vector<int> unassigned;  // job indices, ascending
  double distance = 0;          // total travel distance
  double cost = 0;              // distance + fixed costs + unassigned penalties
  long iterations = 0;          // ruin-and-recreate iterations performed
  double seconds = 0;           // wall time spent in Solve

  int vehicles() const { return static_cast<int>(routes.size()); }
};

struct Evaluation {
  bool feasible = true;
  std::string violation;  // the first broken rule, empty when feasible
  double distance = 0;
  double cost = 0;
};

// Walks the plan from scratch (waiting allowed, service starts within [ready, due], back at the
// end location by shift_end) and reports the first violation.
Evaluation Evaluate(const Problem& problem, const Solution& solution);

}  // namespace fieldline::optimizer
