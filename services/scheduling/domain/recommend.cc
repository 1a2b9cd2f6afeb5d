#include "services/scheduling/domain/recommend.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace fieldline::scheduling {
namespace {

constexpr double kBaseScore = 100;
constexpr double kPerJobThatDay = 5;
constexpr double kPerSkillLevel = 4;
constexpr double kPreferredBonus = 25;
constexpr double kMissedSlaPenalty = 40;
constexpr double kMaxSlackBonusHours = 8;

}  // namespace

RankedTechnicians RankTechnicians(const JobState& job, const std::vector<Candidate>& candidates,
                                  const RecommendationRequest& request,
                                  const DispatchPolicy& policy, absl::Time now) {
  RankedTechnicians out;
  const GeoPoint site = job.customer.location;
  const absl::Time arrival_target = request.window_start.value_or(now);
  const absl::CivilDay day = absl::ToCivilDay(arrival_target, policy.time_zone);
  AssignmentContext context;
  context.policy = policy;
  for (const Candidate& candidate : candidates) {
    ++out.considered;
    context.technician_bookings = candidate.bookings;
    if (!CheckTechnicianFits(job, candidate.technician, request.window_start, request.window_end,
                             "", context, /*check_placement=*/true)
             .ok()) {
      ++out.infeasible;
      continue;
    }
    // Travel from the last booking that day that ends before the visit, else from home.
    GeoPoint from = candidate.technician.home_base;
    std::string from_what = "home base";
    absl::Time latest_end = absl::InfinitePast();
    int jobs_that_day = 0;
    for (const Booking& booking : candidate.bookings) {
      if (booking.job_id == job.job_id) continue;
      if (absl::ToCivilDay(booking.start, policy.time_zone) != day) continue;
      ++jobs_that_day;
      if (booking.end <= arrival_target && booking.end > latest_end) {
        latest_end = booking.end;
        from = booking.site;
        from_what = absl::StrCat("job ", booking.job_id);
      }
    }
    Recommendation r;
    r.technician_id = candidate.technician.technician_id;
    r.name = candidate.technician.name;
    r.travel_km = GreatCircleKm(from, site);
    r.skill_level =
        job.required_skill.empty() ? 0 : candidate.technician.SkillLevel(job.required_skill);
    r.jobs_that_day = jobs_that_day;
    r.preferred = !request.fixed_technician_id.empty() &&
                  request.fixed_technician_id == candidate.technician.technician_id;
    const absl::Time on_site =
        request.window_start ? *request.window_start : now + TravelTime(from, site, policy);
    r.sla_slack_minutes = absl::ToInt64Minutes(request.sla_deadline - on_site);

    r.score =
        kBaseScore - r.travel_km - kPerJobThatDay * jobs_that_day + kPerSkillLevel * r.skill_level;
    r.reasons.push_back(absl::StrFormat("%.1f km from %s", r.travel_km, from_what));
    if (!job.required_skill.empty()) {
      r.reasons.push_back(absl::StrCat("skill level ", r.skill_level, " in ", job.required_skill));
    }
    r.reasons.push_back(
        absl::StrCat(jobs_that_day, " other job", jobs_that_day == 1 ? "" : "s", " that day"));
    if (r.sla_slack_minutes < 0) {
      r.score -= kMissedSlaPenalty;
      r.reasons.push_back(
          absl::StrCat("misses the SLA deadline by ", -r.sla_slack_minutes, " minutes"));
    } else {
      r.score += std::min(kMaxSlackBonusHours, r.sla_slack_minutes / 60.0);
      r.reasons.push_back(absl::StrCat(r.sla_slack_minutes / 60, " h ", r.sla_slack_minutes % 60,
                                       " min before the SLA deadline"));
    }
    if (r.preferred) {
      r.score += kPreferredBonus;
      r.reasons.push_back("the customer's fixed technician");
    }
    out.recommendations.push_back(std::move(r));
  }
  std::sort(out.recommendations.begin(), out.recommendations.end(),
            [](const Recommendation& a, const Recommendation& b) {
              if (a.score != b.score) return a.score > b.score;
              return a.technician_id < b.technician_id;
            });
  if (out.recommendations.size() > request.limit) out.recommendations.resize(request.limit);
  return out;
}

}  // namespace fieldline::scheduling
