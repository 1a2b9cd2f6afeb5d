#include "services/scheduling/optimizer/json_output.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace fieldline::optimizer {

std::string SolutionJson(const Problem& problem, const Solution& solution) {
  char distance[64];
  std::snprintf(distance, sizeof distance, "%.6f", solution.distance);
  std::string out = absl::StrCat("{\"vehicles\": ", solution.vehicles(),
                                 ", \"distance\": ", distance, ", \"routes\": [");
  for (std::size_t r = 0; r < solution.routes.size(); ++r) {
    if (r) out += ", ";
    out += "[";
    const auto& jobs = solution.routes[r].jobs;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (i) out += ", ";
      absl::StrAppend(&out, problem.jobs[jobs[i]].external_id);
    }
    out += "]";
  }
  out += "]";
  if (!solution.unassigned.empty()) {
    out += ", \"unassigned\": [";
    for (std::size_t i = 0; i < solution.unassigned.size(); ++i) {
      if (i) out += ", ";
      absl::StrAppend(&out, problem.jobs[solution.unassigned[i]].external_id);
    }
    out += "]";
  }
  out += "}";
  return out;
}

}  // namespace fieldline::optimizer
