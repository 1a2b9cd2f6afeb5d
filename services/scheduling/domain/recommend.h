#pragma once

// Recommendation: for one job, the technicians who could take it (CheckTechnicianFits, territory
// included, the fixed technician not required) ranked by a score, each with the reasons.
// Pure: the app hands in every technician with their bookings.
//
// Score (higher is better) = 100 − travel km − 5 × other jobs that day + 4 × skill level
// + 25 if the customer's fixed technician − 40 if the visit would miss the SLA deadline
// + min(SLA slack hours, 8).

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/scheduling/domain/job.h"
#include "services/scheduling/domain/technician.h"

namespace fieldline::scheduling {

struct Candidate {
  TechnicianState technician;
  std::vector<Booking> bookings;  // every booking of the technician
};

struct Recommendation {
  std::string technician_id;
  std::string name;
  double score = 0;
  double travel_km = 0;
  int skill_level = 0;
  int jobs_that_day = 0;
  int64_t sla_slack_minutes = 0;
  bool preferred = false;
  std::vector<std::string> reasons;
};

struct RecommendationRequest {
  std::optional<absl::Time> window_start;  // nullopt: no time checks; the day of `now`
  std::optional<absl::Time> window_end;
  absl::Time sla_deadline;  // when the technician must be on site at the latest
  std::string fixed_technician_id;
  size_t limit = 10;
};

struct RankedTechnicians {
  std::vector<Recommendation> recommendations;  // best first, at most `limit`
  int considered = 0;
  int infeasible = 0;
};

RankedTechnicians RankTechnicians(const JobState& job, const std::vector<Candidate>& candidates,
                                  const RecommendationRequest& request,
                                  const DispatchPolicy& policy, absl::Time now);

}  // namespace fieldline::scheduling
