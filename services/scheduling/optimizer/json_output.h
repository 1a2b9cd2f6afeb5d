#pragma once

// The one-line JSON the CLI prints for a solution: {"vehicles": N, "distance": D, "routes":
// [[external job ids in visit order], ...]} plus "unassigned" when some job is left out.

#include <string>

#include "services/scheduling/optimizer/problem.h"
#include "services/scheduling/optimizer/solution.h"

namespace fieldline::optimizer {

std::string SolutionJson(const Problem& problem, const Solution& solution);

}  // namespace fieldline::optimizer
