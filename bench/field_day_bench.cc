// field_day_bench: a generated field-service day for the optimiser (issue 4 item 5) — 1,000 jobs
// and 100 technicians around Qingdao with skills, shifts, appointment windows and priorities;
// great-circle travel at a fixed speed. Prints travel, lateness, unassigned jobs by priority and
// the solve time.
//   field_day_bench [--jobs N] [--technicians N] [--time-limit SECONDS] [--threads N] [--seed N]

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "services/scheduling/optimizer/solver.h"

namespace {

using fieldline::optimizer::Job;
using fieldline::optimizer::Problem;
using fieldline::optimizer::Vehicle;

constexpr double kSpeedKmPerMinute = 30.0 / 60.0;         // 30 km/h in town
constexpr double kPenaltyByPriority[] = {1e3, 1e4, 1e6};  // normal, high, urgent (km-equivalent)

double GreatCircleKm(double lat1, double lng1, double lat2, double lng2) {
  constexpr double kRad = M_PI / 180.0, kEarthKm = 6371.0;
  const double dlat = (lat2 - lat1) * kRad, dlng = (lng2 - lng1) * kRad;
  const double a =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlng / 2) * std::sin(dlng / 2);
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(a)));
}

Problem GenerateDay(int jobs, int technicians, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * ((rng() >> 11) * 0x1.0p-53); };
  auto pick = [&](int n) { return static_cast<int>(uniform(0, n)); };
  std::vector<double> lat, lng;
  auto place = [&] {  // a 40 km x 40 km area around Qingdao
    lat.push_back(36.07 + uniform(-0.18, 0.18));
    lng.push_back(120.38 + uniform(-0.22, 0.22));
    return static_cast<int>(lat.size()) - 1;
  };
  Problem p;
  p.name = "field-day";
  constexpr int kSkills = 8;
  for (int t = 0; t < technicians; ++t) {
    Vehicle v;
    v.external_id = t + 1;
    v.capacity = 1000;          // vans are not the constraint here
    const int shift = pick(3);  // 07:00-15:00, 08:00-17:00, 10:00-19:00 in minutes
    v.shift_start = shift == 0 ? 420 : shift == 1 ? 480 : 600;
    v.shift_end = shift == 0 ? 900 : shift == 1 ? 1020 : 1140;
    v.start_location = v.end_location = place();
    v.skills = 0;
    const int count = 2 + pick(3);
    for (int s = 0; s < count; ++s) v.skills |= 1ULL << pick(kSkills);
    p.vehicles.push_back(v);
  }
  for (int j = 0; j < jobs; ++j) {
    Job job;
    job.external_id = j + 1;
    job.location = place();
    job.demand = 1;
    job.service = 20 + 10 * pick(5);  // 20..60 minutes
    const int window = pick(4);       // morning, afternoon, all day, two-hour slot
    if (window == 0) {
      job.ready = 480, job.due = 720;
    } else if (window == 1) {
      job.ready = 720, job.due = 1020;
    } else if (window == 2) {
      job.ready = 420, job.due = 1080;
    } else {
      job.ready = 480 + 60 * pick(8), job.due = job.ready + 120;
    }
    job.required_skills = 1ULL << pick(kSkills);
    const double r = uniform(0, 1);
    const int priority = r < 0.1 ? 2 : r < 0.35 ? 1 : 0;
    job.unassigned_penalty = kPenaltyByPriority[priority];
    p.jobs.push_back(job);
  }
  const int n = static_cast<int>(lat.size());
  std::vector<double> km(n * n), minutes(n * n);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      km[a * n + b] = GreatCircleKm(lat[a], lng[a], lat[b], lng[b]);
      minutes[a * n + b] = km[a * n + b] / kSpeedKmPerMinute;
    }
  }
  p.SetMatrices(n, std::move(km), std::move(minutes));
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  int jobs = 1000, technicians = 100;
  std::uint64_t instance_seed = 2026;
  fieldline::optimizer::SolverOptions options;
  options.time_limit_seconds = 25;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--jobs")
      jobs = std::atoi(value.c_str());
    else if (arg == "--technicians")
      technicians = std::atoi(value.c_str());
    else if (arg == "--time-limit")
      options.time_limit_seconds = std::atof(value.c_str());
    else if (arg == "--threads")
      options.threads = std::atoi(value.c_str());
    else if (arg == "--seed")
      options.seed = std::strtoull(value.c_str(), nullptr, 10);
    else if (arg == "--instance-seed")
      instance_seed = std::strtoull(value.c_str(), nullptr, 10);
    else {
      std::fprintf(stderr, "unknown option %s\n", arg.c_str());
      return 2;
    }
  }
  const Problem problem = GenerateDay(jobs, technicians, instance_seed);
  if (auto status = problem.Validate(); !status.ok()) {
    std::fprintf(stderr, "generated problem invalid: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  const auto solution = fieldline::optimizer::Solve(problem, options);
  const auto check = fieldline::optimizer::Evaluate(problem, solution);
  // Lateness: windows are hard constraints, so every served job starts inside its window;
  // recomputed here rather than assumed.
  double lateness = 0, drive_minutes = 0;
  int late_jobs = 0, served = 0;
  for (const auto& route : solution.routes) {
    const Vehicle& v = problem.vehicles[route.vehicle];
    double t = v.shift_start;
    int loc = v.start_location;
    for (int j : route.jobs) {
      const Job& job = problem.jobs[j];
      drive_minutes += problem.Time(loc, job.location);
      t = std::max(t + problem.Time(loc, job.location), job.ready);
      if (t > job.due) lateness += t - job.due, ++late_jobs;
      t += job.service;
      loc = job.location;
      ++served;
    }
    drive_minutes += problem.Time(loc, v.end_location);
  }
  int unassigned_by_priority[3] = {0, 0, 0}, jobs_by_priority[3] = {0, 0, 0};
  for (std::size_t j = 0; j < problem.jobs.size(); ++j) {
    for (int pr = 0; pr < 3; ++pr) {
      if (problem.jobs[j].unassigned_penalty == kPenaltyByPriority[pr]) ++jobs_by_priority[pr];
    }
  }
  for (int j : solution.unassigned) {
    for (int pr = 0; pr < 3; ++pr) {
      if (problem.jobs[j].unassigned_penalty == kPenaltyByPriority[pr])
        ++unassigned_by_priority[pr];
    }
  }
  std::printf("jobs %d technicians %d used %d served %d\n", jobs, technicians, solution.vehicles(),
              served);
  std::printf("unassigned urgent %d/%d high %d/%d normal %d/%d\n", unassigned_by_priority[2],
              jobs_by_priority[2], unassigned_by_priority[1], jobs_by_priority[1],
              unassigned_by_priority[0], jobs_by_priority[0]);
  std::printf("travel_km %.1f drive_minutes %.0f late_jobs %d lateness_minutes %.1f\n",
              solution.distance, drive_minutes, late_jobs, lateness);
  std::printf("feasible %s iterations %ld seconds %.2f\n",
              check.feasible ? "yes" : ("NO " + check.violation).c_str(), solution.iterations,
              solution.seconds);
  return check.feasible ? 0 : 1;
}
