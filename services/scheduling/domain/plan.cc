#include "services/scheduling/domain/plan.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "services/common/core/errors.h"
#include "services/scheduling/domain/text.h"
#include "services/scheduling/optimizer/problem.h"
#include "services/scheduling/optimizer/solution.h"
#include "services/scheduling/optimizer/solver.h"

namespace fieldline::scheduling {
namespace {

constexpr double kPinnedPenalty = 1e12;

struct Segment {
  absl::Time start;
  absl::Time end;
};

// What a job of the problem stands for.
enum class Kind { kWindowed, kFree, kPinned };

struct ProblemJob {
  Kind kind = Kind::kFree;
  int input = -1;                 // index into PlanInput::jobs (-1: a booking as a helper)
  std::string job_id;
  std::string technician_id;      // kPinned: whose time it blocks
  Booking booking;                // kPinned / kWindowed: the booking
};

std::string NormalSkill(std::string_view skill) {
  return absl::AsciiStrToLower(AsAbsl(Trim(skill)));
}

double PriorityPenalty(Priority priority) {
  switch (priority) {
    case Priority::kUrgent:
      return 1e9;
    case Priority::kHigh:
      return 1e8;
    case Priority::kLow:
      return 1e6;
    case Priority::kNormal:
    case Priority::kUnspecified:
      return 1e7;
  }
  return 1e7;
}

std::string HourMinute(absl::Time t, const DispatchPolicy& policy) {
  return absl::FormatTime("%H:%M", t, policy.time_zone);
}

std::string Span(absl::Time start, absl::Time end, const DispatchPolicy& policy) {
  return absl::StrCat(HourMinute(start, policy), "–", HourMinute(end, policy));
}

// The day's working time of a technician from `from` on: shifts (none recorded: the whole day)
// minus absences.
std::vector<Segment> WorkingTime(const TechnicianState& t, absl::Time day_start, absl::Time day_end,
                                 absl::Time from, const DispatchPolicy& policy) {
  std::vector<Segment> segments;
  if (t.shifts.empty()) {
    segments.push_back({day_start, day_end});
  } else {
    const absl::CivilDay civil = absl::ToCivilDay(day_start, policy.time_zone);
    const absl::Weekday weekday = absl::GetWeekday(civil);
    const int number = weekday == absl::Weekday::sunday ? 7 : static_cast<int>(weekday) + 1;
    for (const WeeklyShift& shift : t.shifts) {
      if (shift.weekday != number) continue;
      const auto at = [&](int minute) {
        return absl::FromCivil(
            absl::CivilMinute(civil.year(), civil.month(), civil.day(), 0, minute),
            policy.time_zone);
      };
      segments.push_back({at(shift.start_minute), at(shift.end_minute)});
    }
    std::sort(segments.begin(), segments.end(),
              [](const Segment& a, const Segment& b) { return a.start < b.start; });
  }
  for (const Absence& absence : t.absences) {
    std::vector<Segment> next;
    for (const Segment& s : segments) {
      if (absence.end <= s.start || s.end <= absence.start) {
        next.push_back(s);
        continue;
      }
      if (s.start < absence.start) next.push_back({s.start, absence.start});
      if (absence.end < s.end) next.push_back({absence.end, s.end});
    }
    segments = std::move(next);
  }
  std::vector<Segment> clipped;
  for (Segment s : segments) {
    s.start = std::max(s.start, from);
    if (s.end - s.start >= absl::Minutes(1)) clipped.push_back(s);
  }
  return clipped;
}

}  // namespace

std::string_view PlanChangeName(PlanChange change) {
  switch (change) {
    case PlanChange::kUnchanged:
      return "unchanged";
    case PlanChange::kNew:
      return "new";
    case PlanChange::kMoved:
      return "moved";
    case PlanChange::kReassigned:
      return "another technician";
    case PlanChange::kUnassigned:
      return "taken off";
    case PlanChange::kLeftUnassigned:
      return "left unassigned";
  }
  return "unknown";
}

std::pair<absl::Time, absl::Time> LocalDay(absl::Time time, const DispatchPolicy& policy) {
  const absl::CivilDay day = absl::ToCivilDay(time, policy.time_zone);
  return {absl::FromCivil(day, policy.time_zone), absl::FromCivil(day + 1, policy.time_zone)};
}

absl::StatusOr<DayPlan> PlanDay(const PlanInput& input, const DispatchPolicy& policy) {
  const std::string territory(Trim(input.territory));
  if (territory.empty()) {
    return InvalidArgument("territory", "Choose the territory to plan: its name is empty.");
  }
  if (!(input.time_limit_seconds > 0) || input.time_limit_seconds > kMaxPlanSeconds) {
    return InvalidArgument("time_limit_seconds",
                           "Give the optimiser between 0 and 60 seconds to plan.");
  }
  const auto [day_start, day_end] = LocalDay(input.day, policy);
  absl::Time from = day_start;
  if (input.replan_from) {
    if (*input.replan_from >= day_end) {
      return InvalidArgument("replan_from", "Re-plan from a time within the planned day.");
    }
    from = std::max(day_start, *input.replan_from);
  }

  // --- the territory's technicians and their working time ---
  std::vector<const TechnicianState*> technicians;
  std::map<std::string, int> technician_index;
  for (const TechnicianState& t : input.technicians) {
    if (!t.exists() || t.departed) continue;
    if (!absl::EqualsIgnoreCase(AsAbsl(Trim(t.territory.name)), territory)) continue;
    technician_index.emplace(t.technician_id, static_cast<int>(technicians.size()));
    technicians.push_back(&t);
  }
  if (technicians.empty()) {
    return NotFound("territory",
                    absl::StrCat("No active technician works in territory ", territory, "."));
  }
  std::sort(technicians.begin(), technicians.end(),
            [](const TechnicianState* a, const TechnicianState* b) {
              return a->technician_id < b->technician_id;
            });
  for (size_t i = 0; i < technicians.size(); ++i) {
    technician_index[technicians[i]->technician_id] = static_cast<int>(i);
  }
  const auto in_territory = [&](const GeoPoint& site) {
    return std::any_of(technicians.begin(), technicians.end(),
                       [&](const TechnicianState* t) { return t->InTerritory(site); });
  };
  const auto name_of = [&](const std::string& id) -> std::string {
    const auto it = technician_index.find(id);
    return it == technician_index.end() ? id : technicians[it->second]->name;
  };

  std::map<std::string, uint64_t> skill_bits;
  const auto bit_of = [&](std::string_view skill) -> absl::StatusOr<uint64_t> {
    const std::string key = NormalSkill(skill);
    const auto it = skill_bits.find(key);
    if (it != skill_bits.end()) return it->second;
    if (skill_bits.size() >= 64) {
      return FailedPrecondition("The territory uses more than 64 skills; the optimiser "
                                "cannot plan it.");
    }
    const uint64_t bit = uint64_t{1} << skill_bits.size();
    skill_bits.emplace(key, bit);
    return bit;
  };

  // Vehicles: one per piece of working time.
  struct VehicleOf {
    int technician = 0;
    Segment segment;
  };
  std::vector<VehicleOf> vehicles;
  std::vector<std::vector<int>> vehicles_of(technicians.size());
  for (size_t i = 0; i < technicians.size(); ++i) {
    for (const Segment& s : WorkingTime(*technicians[i], day_start, day_end, from, policy)) {
      vehicles_of[i].push_back(static_cast<int>(vehicles.size()));
      vehicles.push_back({static_cast<int>(i), s});
    }
  }
  // The vehicle of technician `t` whose time holds [start, end), else -1.
  const auto vehicle_holding = [&](int t, absl::Time start, absl::Time end) {
    for (int v : vehicles_of[t]) {
      if (vehicles[v].segment.start <= start && end <= vehicles[v].segment.end) return v;
    }
    return -1;
  };
  const auto vehicle_touching = [&](int t, absl::Time start, absl::Time end) {
    for (int v : vehicles_of[t]) {
      if (vehicles[v].segment.start < end && start < vehicles[v].segment.end) return v;
    }
    return -1;
  };

  // --- the jobs: movable, fixed, or outside this plan ---
  DayPlan plan;
  std::vector<ProblemJob> pjobs;
  std::set<std::string> movable_ids;
  std::map<std::string, std::string> fixed_reason;  // job id → why it is kept as it is
  std::map<std::string, std::string> override_of;   // job id → override reason for the plan
  std::map<std::string, std::string> unplannable;   // job id → why, decided before solving
  for (size_t i = 0; i < input.jobs.size(); ++i) {
    const JobState& job = input.jobs[i].job;
    if (!job.exists() || job.closed()) continue;
    const bool ours = technician_index.count(job.technician_id) > 0;
    const bool on_day = job.window_start && *job.window_start >= day_start &&
                        *job.window_start < day_end;
    ProblemJob pj;
    pj.input = static_cast<int>(i);
    pj.job_id = job.job_id;
    if (job.status == JobStatus::kUnassigned) {
      if (!in_territory(job.customer.location)) continue;
      if (job.waiting_for_parts) {
        plan.unassigned.push_back({.job_id = job.job_id,
                                   .ticket_id = job.ticket_id,
                                   .change = PlanChange::kLeftUnassigned,
                                   .reason = "It is waiting for parts.",
                                   .job_version = job.version});
        continue;
      }
    } else if (job.status == JobStatus::kInProgress) {
      if (!ours) continue;
      if (on_day) {
        fixed_reason[job.job_id] = "It is in progress.";
        continue;  // its booking blocks the time below
      }
      if (job.window_start) continue;
      // In progress without a window: the technician is there from `from` for the usual time.
      fixed_reason[job.job_id] = "It is in progress.";
      pj.kind = Kind::kPinned;
      pj.technician_id = job.technician_id;
      const absl::Time start = std::max(from, day_start);
      pj.booking = Booking{job.job_id, start,
                           std::min(day_end, start + job.EstimatedDuration(policy)),
                           job.customer.location};
      pjobs.push_back(pj);
      continue;
    } else {  // assigned
      if (!ours) continue;
      if (job.window_start) {
        if (!on_day) continue;
        if (*job.window_start < from) {
          fixed_reason[job.job_id] = "Its appointment starts before the re-plan time.";
          continue;
        }
        if (!job.helper_ids.empty()) {
          fixed_reason[job.job_id] = "A crew works on it; change it by hand.";
          continue;
        }
        if (!in_territory(job.customer.location)) {
          fixed_reason[job.job_id] = "The site is outside the territory (assigned by override).";
          continue;
        }
      } else if (job.waiting_for_parts) {
        continue;
      }
    }
    movable_ids.insert(job.job_id);
    if (job.window_start && job.window_end) {
      pj.kind = Kind::kWindowed;
      pj.booking = Booking{job.job_id, *job.window_start, *job.window_end, job.customer.location};
    }
    pjobs.push_back(pj);
  }

  // Bookings of the territory's technicians that the plan does not move block their time.
  for (size_t t = 0; t < technicians.size(); ++t) {
    const auto it = input.bookings.find(technicians[t]->technician_id);
    if (it == input.bookings.end()) continue;
    for (const Booking& b : it->second) {
      if (movable_ids.count(b.job_id) || b.end <= day_start || b.start >= day_end) continue;
      ProblemJob pj{.kind = Kind::kPinned, .input = -1, .job_id = b.job_id,
                    .technician_id = technicians[t]->technician_id, .booking = b};
      if (!fixed_reason.count(b.job_id)) fixed_reason[b.job_id] = "It is booked as it is.";
      pjobs.push_back(pj);
    }
  }
  for (ProblemJob& pj : pjobs) {
    if (pj.kind == Kind::kPinned && pj.input < 0) {
      for (size_t i = 0; i < input.jobs.size(); ++i) {
        if (input.jobs[i].job.job_id == pj.job_id) pj.input = static_cast<int>(i);
      }
    }
  }

  // --- the optimiser's problem ---
  optimizer::Problem problem;
  problem.name = absl::StrCat(territory, " ", absl::FormatTime("%Y-%m-%d", day_start,
                                                               policy.time_zone));
  std::vector<GeoPoint> points;
  std::vector<bool> is_home;
  for (const TechnicianState* t : technicians) {
    points.push_back(t->home_base);
    is_home.push_back(true);
  }
  const auto minutes = [&, day_start = day_start](absl::Time t) {
    return absl::ToDoubleMinutes(t - day_start);
  };
  for (const VehicleOf& v : vehicles) {
    optimizer::Vehicle vehicle;
    vehicle.external_id = static_cast<int>(problem.vehicles.size());
    vehicle.capacity = INT_MAX / 2;
    vehicle.shift_start = minutes(v.segment.start);
    vehicle.shift_end = minutes(v.segment.end);
    vehicle.start_location = v.technician;
    vehicle.end_location = v.technician;
    vehicle.skills = 0;
    for (const std::string& skill : technicians[v.technician]->skills) {
      absl::StatusOr<uint64_t> bit = bit_of(skill);
      if (!bit.ok()) return bit.status();
      vehicle.skills |= *bit;
    }
    problem.vehicles.push_back(vehicle);
  }
  std::vector<int> problem_job_of;  // problem job index → pjobs index
  for (size_t k = 0; k < pjobs.size(); ++k) {
    const ProblemJob& pj = pjobs[k];
    optimizer::Job oj;
    oj.external_id = static_cast<int>(k);
    oj.location = static_cast<int>(points.size());
    if (pj.kind == Kind::kPinned) {
      const int t = technician_index.at(pj.technician_id);
      const int v = vehicle_touching(t, pj.booking.start, pj.booking.end);
      if (v < 0) continue;  // outside the working time: nothing to block
      const absl::Time start = std::max(pj.booking.start, vehicles[v].segment.start);
      const absl::Time end = std::min(pj.booking.end, vehicles[v].segment.end);
      oj.ready = oj.due = minutes(start);
      oj.service = std::max(0.0, minutes(end) - minutes(start));
      oj.required_skills = 0;
      oj.only_vehicle = v;
      oj.unassigned_penalty = kPinnedPenalty;
      points.push_back(pj.booking.site);
    } else {
      const PlanJobInput& in = input.jobs[pj.input];
      const JobState& job = in.job;
      absl::StatusOr<uint64_t> bit = bit_of(job.required_skill);
      if (!bit.ok()) return bit.status();
      oj.required_skills = *bit;
      double penalty = PriorityPenalty(job.priority);
      if (job.SlaDeadline(in.created_at, policy) < day_end) penalty *= 3;
      if (!job.technician_id.empty()) penalty *= 2;
      oj.unassigned_penalty = penalty;
      int only_technician = -1;
      if (!in.fixed_technician_id.empty()) {
        const auto it = technician_index.find(in.fixed_technician_id);
        if (it != technician_index.end()) {
          only_technician = it->second;
        } else {
          override_of[job.job_id] = absl::StrCat("the fixed technician ", in.fixed_technician_id,
                                                 " is not in territory ", territory);
        }
      }
      if (pj.kind == Kind::kWindowed) {
        oj.ready = oj.due = minutes(pj.booking.start);
        oj.service = minutes(pj.booking.end) - minutes(pj.booking.start);
        if (only_technician >= 0) {
          oj.only_vehicle = vehicle_holding(only_technician, pj.booking.start, pj.booking.end);
          if (oj.only_vehicle < 0) {
            unplannable[job.job_id] = absl::StrCat(
                "The customer's fixed technician ", technicians[only_technician]->name,
                " does not work ", Span(pj.booking.start, pj.booking.end, policy), " that day.");
            continue;
          }
        }
      } else {
        const absl::Duration duration = job.EstimatedDuration(policy);
        oj.service = absl::ToDoubleMinutes(duration);
        oj.ready = minutes(from);
        oj.due = minutes(day_end) - oj.service;
        if (oj.due < oj.ready) {
          unplannable[job.job_id] = "Too little of the day is left for the visit.";
          continue;
        }
        // A further visit of a multi-visit job stays with its technician.
        if (!job.technician_id.empty()) only_technician = technician_index.at(job.technician_id);
        if (only_technician >= 0) {
          int best = -1;
          for (int v : vehicles_of[only_technician]) {
            if (best < 0 || vehicles[v].segment.end - vehicles[v].segment.start >
                                vehicles[best].segment.end - vehicles[best].segment.start) {
              best = v;
            }
          }
          if (best < 0) {
            unplannable[job.job_id] = absl::StrCat(technicians[only_technician]->name,
                                                   " does not work that day.");
            continue;
          }
          oj.only_vehicle = best;
        }
      }
      points.push_back(job.customer.location);
    }
    problem.jobs.push_back(oj);
    problem_job_of.push_back(static_cast<int>(k));
    is_home.push_back(false);
  }
  const int n = static_cast<int>(points.size());
  std::vector<double> distance(static_cast<size_t>(n) * n);
  std::vector<double> time(static_cast<size_t>(n) * n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      distance[i * n + j] = i == j ? 0 : GreatCircleKm(points[i], points[j]);
      time[i * n + j] = (i == j || is_home[i] || is_home[j])
                            ? 0
                            : absl::ToDoubleMinutes(TravelTime(points[i], points[j], policy));
    }
  }
  problem.SetMatrices(n, std::move(distance), std::move(time));

  optimizer::Solution solution;
  if (!problem.vehicles.empty() && !problem.jobs.empty()) {
    if (absl::Status s = problem.Validate(); !s.ok()) {
      return absl::InternalError(absl::StrCat("The plan's model is inconsistent: ", s.message()));
    }
    optimizer::SolverOptions options;
    options.seed = input.seed;
    options.time_limit_seconds = input.time_limit_seconds;
    options.max_iterations = input.max_iterations;
    options.threads = 1;
    solution = optimizer::Solve(problem, options);
  } else {
    for (size_t j = 0; j < problem.jobs.size(); ++j) solution.unassigned.push_back(static_cast<int>(j));
  }
  plan.solve_seconds = solution.seconds;
  plan.iterations = solution.iterations;

  // --- the solution as visits ---
  for (const TechnicianState* t : technicians) {
    plan.technicians.push_back(TechnicianPlan{.technician_id = t->technician_id, .name = t->name});
  }
  std::map<std::string, PlannedVisit> planned;  // movable job id → its visit
  for (const optimizer::Route& route : solution.routes) {
    const optimizer::Vehicle& vehicle = problem.vehicles[route.vehicle];
    const int t = vehicles[route.vehicle].technician;
    TechnicianPlan& tp = plan.technicians[t];
    double at = vehicle.shift_start;
    int location = vehicle.start_location;
    for (int j : route.jobs) {
      const optimizer::Job& oj = problem.jobs[j];
      const ProblemJob& pj = pjobs[problem_job_of[j]];
      const double km = problem.Distance(location, oj.location);
      const double drive = problem.Time(location, oj.location);
      const double start = std::max(at + drive, oj.ready);
      at = start + oj.service;
      location = oj.location;
      tp.travel_km += km;
      tp.travel_minutes += static_cast<int64_t>(std::llround(drive));
      PlannedVisit visit;
      visit.job_id = pj.job_id;
      visit.technician_id = technicians[t]->technician_id;
      visit.travel_km = km;
      visit.travel_minutes = static_cast<int64_t>(std::llround(drive));
      if (pj.kind == Kind::kPinned) {
        visit.start = pj.booking.start;
        visit.end = pj.booking.end;
        visit.fixed = true;
        visit.reason = fixed_reason.count(pj.job_id) ? fixed_reason[pj.job_id] : "";
        if (pj.input >= 0) {
          const JobState& job = input.jobs[pj.input].job;
          visit.ticket_id = job.ticket_id;
          visit.job_version = job.version;
          visit.previous_technician_id = job.technician_id;
          visit.previous_start = job.window_start;
          visit.previous_end = job.window_end;
          if (job.technician_id != visit.technician_id) visit.reason = "It is booked as a helper.";
        }
        tp.visits.push_back(visit);
      } else {
        visit.start = day_start + absl::Seconds(std::llround(start * 60));
        visit.end = visit.start + absl::Seconds(std::llround(oj.service * 60));
        if (pj.kind == Kind::kWindowed) {
          visit.start = pj.booking.start;
          visit.end = pj.booking.end;
        }
        planned.emplace(pj.job_id, visit);
      }
    }
    tp.travel_km += problem.Distance(location, vehicle.end_location);
  }

  // --- what changed, checked again with the assignment rules ---
  std::map<std::string, std::vector<Booking>> final_bookings;
  for (const TechnicianState* t : technicians) {
    const auto it = input.bookings.find(t->technician_id);
    if (it == input.bookings.end()) continue;
    for (const Booking& b : it->second) {
      if (!movable_ids.count(b.job_id)) final_bookings[t->technician_id].push_back(b);
    }
  }
  for (const auto& [job_id, visit] : planned) {
    final_bookings[visit.technician_id].push_back(
        Booking{job_id, visit.start, visit.end, GeoPoint{}});
  }
  std::map<std::string, const PlanJobInput*> input_of;
  for (const PlanJobInput& in : input.jobs) input_of[in.job.job_id] = &in;
  for (auto& [job_id, visit] : planned) {
    const PlanJobInput& in = *input_of.at(job_id);
    for (Booking& b : final_bookings[visit.technician_id]) {
      if (b.job_id == job_id) b.site = in.job.customer.location;
    }
  }

  // Why a movable job found no place.
  const auto why_not = [&](const PlanJobInput& in) -> std::string {
    const JobState& job = in.job;
    if (const auto it = unplannable.find(job.job_id); it != unplannable.end()) return it->second;
    std::string prefix;
    if (const auto it = technician_index.find(job.technician_id);
        it != technician_index.end() && job.window_start && job.window_end) {
      const TechnicianState& prev = *technicians[it->second];
      if (const Absence* a = prev.AbsenceDuring(*job.window_start, *job.window_end)) {
        prefix = absl::StrCat(prev.name, " is absent then (", a->reason, "); ");
      } else if (vehicle_holding(it->second, *job.window_start, *job.window_end) < 0) {
        prefix = absl::StrCat(prev.name, " does not work then; ");
      }
    }
    std::vector<int> skilled;
    for (size_t t = 0; t < technicians.size(); ++t) {
      if (technicians[t]->HasSkill(job.required_skill)) skilled.push_back(static_cast<int>(t));
    }
    if (skilled.empty()) {
      return absl::StrCat(prefix, "no technician of territory ", territory, " has the skill \"",
                          job.required_skill, "\".");
    }
    if (job.window_start && job.window_end) {
      const bool anyone_works =
          std::any_of(skilled.begin(), skilled.end(), [&](int t) {
            return vehicle_holding(t, *job.window_start, *job.window_end) >= 0;
          });
      const std::string span = Span(*job.window_start, *job.window_end, policy);
      if (!anyone_works) {
        return absl::StrCat(prefix, "no other technician with the skill \"", job.required_skill,
                            "\" works ", span, " that day.");
      }
      return absl::StrCat(prefix, "every technician with the skill \"", job.required_skill,
                          "\" who works ", span,
                          " is booked then or too far away; a job that weighs more took the time.");
    }
    return absl::StrCat(prefix, "no technician with the skill \"", job.required_skill, "\" has ",
                        absl::ToInt64Minutes(job.EstimatedDuration(policy)),
                        " minutes free that day (the day is full).");
  };
  const auto unplan = [&](const PlanJobInput& in, std::string reason) {
    const JobState& job = in.job;
    UnplannedJob u{.job_id = job.job_id,
                   .ticket_id = job.ticket_id,
                   .change = job.technician_id.empty() ? PlanChange::kLeftUnassigned
                                                       : PlanChange::kUnassigned,
                   .previous_technician_id = job.technician_id,
                   .previous_start = job.window_start,
                   .previous_end = job.window_end,
                   .reason = std::move(reason),
                   .job_version = job.version};
    if (!u.reason.empty()) u.reason[0] = absl::ascii_toupper(u.reason[0]);
    plan.unassigned.push_back(std::move(u));
  };

  std::vector<std::pair<absl::Time, std::string>> order;
  for (const auto& [job_id, visit] : planned) order.emplace_back(visit.start, job_id);
  std::sort(order.begin(), order.end());
  for (const auto& [start, job_id] : order) {
    PlannedVisit& visit = planned.at(job_id);
    const PlanJobInput& in = *input_of.at(job_id);
    const JobState& job = in.job;
    const TechnicianState& tech = *technicians[technician_index.at(visit.technician_id)];
    visit.ticket_id = job.ticket_id;
    visit.job_version = job.version;
    visit.previous_technician_id = job.technician_id;
    visit.previous_start = job.window_start;
    visit.previous_end = job.window_end;
    visit.sla_deadline = job.SlaDeadline(in.created_at, policy);
    visit.sla_late_minutes = std::max<int64_t>(
        0, absl::ToInt64Minutes(visit.start - visit.sla_deadline));
    if (job.technician_id.empty()) {
      visit.change = PlanChange::kNew;
    } else if (job.technician_id != visit.technician_id) {
      visit.change = PlanChange::kReassigned;
    } else if (job.window_start != visit.start || job.window_end != visit.end) {
      visit.change = PlanChange::kMoved;
    } else {
      visit.change = PlanChange::kUnchanged;
    }
    if (visit.change == PlanChange::kUnchanged) continue;
    AssignmentContext context;
    context.policy = policy;
    context.fixed_technician_id = in.fixed_technician_id;
    context.technician_bookings = final_bookings[visit.technician_id];
    const auto override_it = override_of.find(job_id);
    const std::string override_reason =
        override_it == override_of.end() ? "" : override_it->second;
    const bool placement =
        visit.change == PlanChange::kNew || visit.change == PlanChange::kReassigned;
    if (absl::Status s = CheckTechnicianFits(job, tech, visit.start, visit.end, override_reason,
                                             context, placement);
        !s.ok()) {
      auto& bookings = final_bookings[visit.technician_id];
      bookings.erase(std::remove_if(bookings.begin(), bookings.end(),
                                    [&id = job_id](const Booking& b) { return b.job_id == id; }),
                     bookings.end());
      unplan(in, std::string(s.message()));
      visit.technician_id.clear();  // dropped
      continue;
    }
    const std::string slot = Span(visit.start, visit.end, policy);
    switch (visit.change) {
      case PlanChange::kNew:
        visit.reason = absl::StrFormat("Booked with %s at %s, %.1f km from the previous stop.",
                                       tech.name, slot, visit.travel_km);
        break;
      case PlanChange::kMoved:
        visit.reason = job.window_start
                           ? absl::StrCat("Moved from ",
                                          Span(*job.window_start, *job.window_end, policy),
                                          " to ", slot, ".")
                           : absl::StrCat("The next visit is booked at ", slot, ".");
        break;
      case PlanChange::kReassigned: {
        const std::string prev = name_of(job.technician_id);
        std::string why = "the day's travel is shorter this way";
        if (const auto it = technician_index.find(job.technician_id);
            it == technician_index.end()) {
          why = absl::StrCat(prev, " is not in this plan");
        } else if (const Absence* a = technicians[it->second]->AbsenceDuring(visit.start,
                                                                              visit.end)) {
          why = absl::StrCat(prev, " is absent then (", a->reason, ")");
        } else if (vehicle_holding(it->second, visit.start, visit.end) < 0) {
          why = absl::StrCat(prev, " does not work then");
        }
        visit.reason = absl::StrCat("From ", prev, " to ", tech.name, " at ", slot, ": ", why, ".");
        break;
      }
      default:
        break;
    }
    visit.override_reason = override_reason;
    if (!override_reason.empty()) visit.reason += absl::StrCat(" Override: ", override_reason, ".");
  }
  for (auto& [job_id, visit] : planned) {
    if (visit.technician_id.empty()) continue;
    if (visit.change != PlanChange::kUnchanged) ++plan.changes;
    plan.sla_late_minutes += visit.sla_late_minutes;
    plan.technicians[technician_index.at(visit.technician_id)].visits.push_back(visit);
  }
  // Jobs the optimiser left out, and those that could not be offered to it.
  std::set<std::string> placed;
  for (const auto& [job_id, visit] : planned) placed.insert(job_id);
  for (const ProblemJob& pj : pjobs) {
    if (pj.kind == Kind::kPinned || placed.count(pj.job_id)) continue;
    unplan(input.jobs[pj.input], why_not(input.jobs[pj.input]));
  }
  for (const UnplannedJob& u : plan.unassigned) {
    if (u.change == PlanChange::kUnassigned) ++plan.changes;
  }
  for (TechnicianPlan& tp : plan.technicians) {
    std::sort(tp.visits.begin(), tp.visits.end(),
              [](const PlannedVisit& a, const PlannedVisit& b) { return a.start < b.start; });
    plan.travel_km += tp.travel_km;
    plan.travel_minutes += tp.travel_minutes;
  }
  std::sort(plan.unassigned.begin(), plan.unassigned.end(),
            [](const UnplannedJob& a, const UnplannedJob& b) { return a.job_id < b.job_id; });
  return plan;
}

}  // namespace fieldline::scheduling
