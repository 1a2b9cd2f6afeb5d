#pragma once

// The vehicle-routing model the optimiser solves: jobs with a demand, a time window, a service
// duration, required skills and a penalty for leaving them unassigned; vehicles (technicians)
// with a capacity, a shift, start and end locations, skills and a fixed cost; and a travel
// matrix between locations. Solomon VRPTW instances map onto it one to one (every job required,
// one vehicle type, Euclidean travel); the scheduling service maps a territory's day onto it
// (great-circle travel time, skills as hard constraints, priorities as unassigned penalties).
//
// Plain data, no I/O. Times are in the instance's unit (minutes for the service, Solomon's
// abstract unit for Solomon); distances in the instance's unit.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace fieldline::optimizer {

// A set of up to 64 skills as a bit mask; a vehicle can serve a job when it has every bit.
using SkillMask = std::uint64_t;

struct Job {
  int external_id = 0;  // what the caller calls it (Solomon customer number)
  int location = 0;     // index into the travel matrix
  int demand = 0;       // against Vehicle::capacity
  double ready = 0;     // earliest service start
  double due = 0;       // latest service start
  double service = 0;   // time spent on site
  SkillMask required_skills = 0;
  // Cost of leaving the job unassigned. Higher priorities get lexicographically larger
  // penalties, so the search first serves high-priority jobs, then minimises travel.
  double unassigned_penalty = 1e6;
  // When >= 0, only this vehicle (index into Problem::vehicles) may serve the job: a booking
  // already promised to a technician that a re-plan must keep with them.
  int only_vehicle = -1;
};

struct Vehicle {
  int external_id = 0;
  int capacity = 0;
  double shift_start = 0;  // earliest departure from start_location
  double shift_end = 0;    // latest arrival at end_location
  int start_location = 0;
  int end_location = 0;
  SkillMask skills = ~SkillMask{0};
  double fixed_cost = 0;  // added once when the vehicle is used
};

class Problem {
 public:
  std::string name;
  std::vector<Job> jobs;
  std::vector<Vehicle> vehicles;

  // Square matrices over num_locations() locations, row-major. Travel time and distance are
  // separate so that the service can drive by time and pay by kilometre; for Solomon they are
  // the same Euclidean matrix.
  void SetMatrices(int num_locations, std::vector<double> distance, std::vector<double> time);
  int num_locations() const { return num_locations_; }
  double Distance(int from, int to) const { return distance_[from * num_locations_ + to]; }
  double Time(int from, int to) const { return time_[from * num_locations_ + to]; }

  // Checks sizes, location indices, windows and shifts; names the offending job or vehicle.
  absl::Status Validate() const;

 private:
  int num_locations_ = 0;
  std::vector<double> distance_;
  std::vector<double> time_;
};

// Euclidean matrix (unrounded, as in the Solomon literature's distance objective).
std::vector<double> EuclideanMatrix(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace fieldline::optimizer
