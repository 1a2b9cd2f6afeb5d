#pragma once

// Planning a territory's day with the VRPTW optimiser (services/scheduling/optimizer/): the
// territory's jobs and technicians become an optimizer::Problem, the solution becomes a plan per
// technician, compared with the current bookings (what is new, moved, given to another
// technician, taken off, left unassigned — each with the reason), and checked again with the
// same rules as a dispatcher's assignment (CheckTechnicianFits), so a plan that is committed
// unchanged always passes them.
//
// The model (decisions, see the README):
// - time windows: a job with an appointment window keeps it — the plan may give it to another
//   technician, never to another time (the customer agreed to it); a job without a window gets
//   one of the policy's duration for its category (JobDuration), anywhere in the technician's
//   working time of that day from `replan_from` on;
// - a technician's working time = that day's shifts (no shifts recorded: the whole day, as the
//   calendar checks) minus absences, from `replan_from` on; each piece is one vehicle;
// - fixed (kept as they are, blocking their technician's time): jobs in progress, jobs whose
//   window starts before `replan_from`, jobs with helpers (a crew), jobs outside the territory
//   assigned to its technicians (a dispatcher's override), and bookings as a helper;
// - travel time between sites is the calendar's (great-circle distance at the policy's speed);
//   the way from home to the first site and back is counted in kilometres but not in time (the
//   calendar checks only the time between bookings);
// - skills are hard; a key account's fixed technician, when in the territory, is the only one
//   the plan gives their job to; priorities weigh lexicographically (urgent > high > normal >
//   low), a job due under its SLA that day weighs triple, a job already booked double (keep
//   promises) — then least kilometres.
//
// Pure: no I/O, no clock.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/scheduling/domain/calendar.h"
#include "services/scheduling/domain/job.h"
#include "services/scheduling/domain/technician.h"

namespace fieldline::scheduling {

inline constexpr double kDefaultPlanSeconds = 3.0;
inline constexpr double kMaxPlanSeconds = 60.0;

struct PlanJobInput {
  JobState job;
  absl::Time created_at;
  std::string fixed_technician_id;  // the key account's, if any
};

struct PlanInput {
  std::string territory;                  // technicians' Territory::name
  absl::Time day;                         // any time in the local day (policy's zone)
  std::optional<absl::Time> replan_from;  // plan only what starts from then on
  // The territory's technicians (departed ones are left out) and every booking of each.
  std::vector<TechnicianState> technicians;
  std::map<std::string, std::vector<Booking>> bookings;
  // Candidate jobs: the unassigned ones and those of the territory's technicians (others are
  // ignored).
  std::vector<PlanJobInput> jobs;
  double time_limit_seconds = kDefaultPlanSeconds;
  long max_iterations = 0;  // 0: until the time limit (tests bound it to be deterministic)
  uint64_t seed = 1;
};

enum class PlanChange {
  kUnchanged = 1,       // same technician, same window
  kNew = 2,             // was unassigned, now booked
  kMoved = 3,           // same technician, another window (a job that had none gets one)
  kReassigned = 4,      // another technician
  kUnassigned = 5,      // was booked, the plan takes it off
  kLeftUnassigned = 6,  // was unassigned and stays so
};

std::string_view PlanChangeName(PlanChange change);

struct PlannedVisit {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  absl::Time start;
  absl::Time end;
  double travel_km = 0;              // from the previous stop (home for the first)
  int64_t travel_minutes = 0;        // from the previous site (0 for the first)
  PlanChange change = PlanChange::kUnchanged;
  bool fixed = false;                // kept as it is (see the header comment)
  std::string reason;                // why it changed (or why it is fixed)
  std::string override_reason;       // recorded on the assignment (fixed technician elsewhere)
  std::string previous_technician_id;
  std::optional<absl::Time> previous_start;
  std::optional<absl::Time> previous_end;
  absl::Time sla_deadline;
  int64_t sla_late_minutes = 0;      // planned start after the SLA deadline
  int64_t job_version = 0;
};

struct TechnicianPlan {
  std::string technician_id;
  std::string name;
  std::vector<PlannedVisit> visits;  // by start
  double travel_km = 0;              // home → sites → home
  int64_t travel_minutes = 0;        // between sites
};

struct UnplannedJob {
  std::string job_id;
  std::string ticket_id;
  PlanChange change = PlanChange::kLeftUnassigned;  // or kUnassigned
  std::string previous_technician_id;
  std::optional<absl::Time> previous_start;
  std::optional<absl::Time> previous_end;
  std::string reason;
  int64_t job_version = 0;
};

struct DayPlan {
  std::vector<TechnicianPlan> technicians;  // by technician id, every technician of the territory
  std::vector<UnplannedJob> unassigned;     // by job id
  double travel_km = 0;
  int64_t travel_minutes = 0;
  int64_t sla_late_minutes = 0;
  int changes = 0;  // new + moved + reassigned + unassigned
  double solve_seconds = 0;
  long iterations = 0;
};

// INVALID_ARGUMENT (field named) for a missing territory or a time limit out of (0, 60] s.
absl::StatusOr<DayPlan> PlanDay(const PlanInput& input, const DispatchPolicy& policy);

// The local day [start, end) of `time` in the policy's zone.
std::pair<absl::Time, absl::Time> LocalDay(absl::Time time, const DispatchPolicy& policy);

}  // namespace fieldline::scheduling
