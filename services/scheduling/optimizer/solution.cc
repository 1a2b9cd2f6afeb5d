#include "services/scheduling/optimizer/solution.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace fieldline::optimizer {

Evaluation Evaluate(const Problem& problem, const Solution& solution) {
  Evaluation out;
  constexpr double kEps = 1e-6;
  std::vector<int> seen(problem.jobs.size(), 0);
  std::vector<int> vehicle_used(problem.vehicles.size(), 0);
  auto fail = [&out](std::string why) {
    if (out.feasible) {
      out.feasible = false;
      out.violation = std::move(why);
    }
  };
  for (const Route& route : solution.routes) {
    if (route.vehicle < 0 || route.vehicle >= static_cast<int>(problem.vehicles.size())) {
      fail(absl::StrCat("route uses unknown vehicle ", route.vehicle));
      continue;
    }
    if (vehicle_used[route.vehicle]++) fail(absl::StrCat("vehicle ", route.vehicle, " used twice"));
    const Vehicle& v = problem.vehicles[route.vehicle];
    if (!route.jobs.empty()) out.cost += v.fixed_cost;
    int load = 0;
    int loc = v.start_location;
    double t = v.shift_start;
    for (int j : route.jobs) {
      if (j < 0 || j >= static_cast<int>(problem.jobs.size())) {
        fail(absl::StrCat("unknown job index ", j));
        continue;
      }
      const Job& job = problem.jobs[j];
      if (seen[j]++) fail(absl::StrCat("job ", job.external_id, " visited twice"));
      if ((job.required_skills & v.skills) != job.required_skills) {
        fail(absl::StrCat("vehicle ", v.external_id, " lacks a skill job ", job.external_id,
                          " needs"));
      }
      if (job.only_vehicle >= 0 && job.only_vehicle != route.vehicle) {
        fail(absl::StrCat("job ", job.external_id, " is pinned to another vehicle"));
      }
      load += job.demand;
      out.distance += problem.Distance(loc, job.location);
      t = std::max(t + problem.Time(loc, job.location), job.ready);
      if (t > job.due + kEps) {
        fail(absl::StrCat("job ", job.external_id, " starts at ", t, " after its window closes at ",
                          job.due));
      }
      t += job.service;
      loc = job.location;
    }
    out.distance += problem.Distance(loc, v.end_location);
    t += problem.Time(loc, v.end_location);
    if (t > v.shift_end + kEps) {
      fail(absl::StrCat("vehicle ", v.external_id, " returns at ", t, " after its shift ends at ",
                        v.shift_end));
    }
    if (load > v.capacity) {
      fail(absl::StrCat("vehicle ", v.external_id, " carries ", load, " over its capacity ",
                        v.capacity));
    }
  }
  for (int u : solution.unassigned) {
    if (u >= 0 && u < static_cast<int>(problem.jobs.size())) {
      if (seen[u]++)
        fail(absl::StrCat("job ", problem.jobs[u].external_id, " both routed and unassigned"));
      out.cost += problem.jobs[u].unassigned_penalty;
    }
  }
  for (std::size_t j = 0; j < seen.size(); ++j) {
    if (seen[j] == 0)
      fail(absl::StrCat("job ", problem.jobs[j].external_id, " is missing from the plan"));
  }
  out.cost += out.distance;
  return out;
}

}  // namespace fieldline::optimizer
