#include "services/callbacks/domain/kpis.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/core/errors.h"

namespace fieldline::callbacks {
namespace {

constexpr double kWeightTolerance = 1e-9;

Period MonthsFrom(absl::CivilMonth first, int months, absl::TimeZone zone) {
  return Period{.start = absl::FromCivil(first, zone),
                .end = absl::FromCivil(first + months, zone),
                .months = months};
}

absl::Status ValidateYear(int year) {
  if (year < 1 || year > 9999) {
    return InvalidArgument("year", absl::StrCat("The year ", year, " is not a calendar year."));
  }
  return absl::OkStatus();
}

bool CountsAsGreeting(MessageKind kind) {
  return kind == MessageKind::kInspection || kind == MessageKind::kLicence ||
         kind == MessageKind::kBirthday || kind == MessageKind::kCare;
}

std::string FormatWeight(double w) { return absl::StrCat(w); }

}  // namespace

absl::StatusOr<Period> MakePeriod(PeriodKind kind, int year, int number, absl::TimeZone zone) {
  if (absl::Status s = ValidateYear(year); !s.ok()) return s;
  switch (kind) {
    case PeriodKind::kMonth:
      if (number < 1 || number > 12) {
        return InvalidArgument("number",
                               absl::StrCat("There is no month ", number, "; say 1 to 12."));
      }
      return MonthsFrom(absl::CivilMonth(year, number), 1, zone);
    case PeriodKind::kQuarter:
      if (number < 1 || number > 4) {
        return InvalidArgument("number",
                               absl::StrCat("There is no quarter ", number, "; say 1 to 4."));
      }
      return MonthsFrom(absl::CivilMonth(year, (number - 1) * 3 + 1), 3, zone);
    case PeriodKind::kYear:
      return MonthsFrom(absl::CivilMonth(year, 1), 12, zone);
  }
  return InvalidArgument("period", "Say whether the period is a month, a quarter or a year.");
}

absl::StatusOr<Period> RollingSixMonths(int year, int month, absl::TimeZone zone) {
  if (absl::Status s = ValidateYear(year); !s.ok()) return s;
  if (month < 1 || month > 12) {
    return InvalidArgument("number", absl::StrCat("There is no month ", month, "; say 1 to 12."));
  }
  return MonthsFrom(absl::CivilMonth(year, month) - 5, 6, zone);
}

std::optional<double> Ratio::Percent() const {
  if (denominator == 0) return std::nullopt;
  return 100.0 * static_cast<double>(numerator) / static_cast<double>(denominator);
}

double Completion(double actual_percent, double target_percent) {
  return 100.0 * actual_percent / target_percent;
}

CallbackSuccess ComputeCallbackSuccess(const std::vector<CallbackFact>& facts,
                                       const Period& period,
                                       const std::set<std::string>& agents) {
  CallbackSuccess out;
  for (const CallbackFact& f : facts) {
    if (!period.Contains(f.owed_from)) continue;
    if (!agents.empty() && agents.count(f.agent_id) == 0) continue;
    switch (f.result) {
      case CallbackResult::kExcluded:
        ++out.excluded;
        continue;  // leaves the denominator
      case CallbackResult::kValid:
        ++out.rate.numerator;
        break;
      case CallbackResult::kOpen:
        ++out.open;
        break;
      case CallbackResult::kNotValid:
        break;
    }
    ++out.rate.denominator;
  }
  return out;
}

Ratio ComplaintHandling(const std::vector<ComplaintFact>& facts, const Period& period) {
  Ratio out;
  for (const ComplaintFact& f : facts) {
    if (!period.Contains(f.registered_at)) continue;
    ++out.denominator;
    if (f.closed_at != absl::InfinitePast() && f.closed_at < period.end) ++out.numerator;
  }
  return out;
}

Ratio MaintenanceArrival(const std::vector<MaintenanceFact>& facts, const Period& window) {
  std::map<std::string, bool> customers;  // customer → came in
  for (const MaintenanceFact& f : facts) {
    if (!window.Contains(f.due_at)) continue;
    bool& came = customers[f.customer_id];
    came = came || window.Contains(f.came_in_at);
  }
  Ratio out;
  for (const auto& [customer, came] : customers) {
    ++out.denominator;
    if (came) ++out.numerator;
  }
  return out;
}

bool IsValidClubEvent(const ClubEvent& event, const ClubEventRule& rule) {
  return event.units >= rule.min_units && event.people >= rule.min_people &&
         event.attendee_list_filed && event.summary_filed && event.display_board_filed;
}

CareRate ComputeCareRate(const CareInputs& inputs, const Period& period, const CareTasks& tasks,
                         const CareWeights& weights, const ClubEventRule& rule) {
  CareRate out;
  int64_t valid_events = 0;
  for (const ClubEvent& e : inputs.club_events) {
    if (IsValidClubEvent(e, rule)) ++valid_events;
  }
  const double club_task = tasks.club_events_per_quarter * period.months / 3.0;
  out.club_completion = club_task > 0 ? 100.0 * valid_events / club_task : 0;

  int64_t greetings = 0;
  for (const MessageFact& m : inputs.messages) {
    if (m.delivered && CountsAsGreeting(m.kind) && period.Contains(m.sent_at)) ++greetings;
  }
  const int64_t greeting_points = greetings + inputs.home_visits * tasks.home_visit_weight;
  out.greetings_completion =
      tasks.greetings_per_period > 0
          ? 100.0 * static_cast<double>(greeting_points) / tasks.greetings_per_period
          : 0;

  const double website_task = static_cast<double>(tasks.website_updates_per_month) * period.months;
  out.website_completion =
      website_task > 0 ? 100.0 * static_cast<double>(inputs.website_updates) / website_task : 0;
  out.lounge = inputs.lounge_satisfaction_percent;

  out.value = (out.club_completion * weights.club_events +
               out.greetings_completion * weights.greetings +
               out.website_completion * weights.website + out.lounge * weights.lounge) /
              100.0;
  return out;
}

CompositeResult ComputeComposite(const CompositeInputs& inputs, const CompositeWeights& weights) {
  CompositeResult out;
  out.inner = (inputs.callback * weights.callback + inputs.maintenance * weights.maintenance +
               inputs.complaint * weights.complaint + inputs.care * weights.care) /
              100.0;
  out.value = (inputs.profit * weights.profit + out.inner * weights.inner) / 100.0;
  const double inner_sum =
      weights.callback + weights.maintenance + weights.complaint + weights.care;
  if (std::fabs(inner_sum - 100.0) > kWeightTolerance) {
    out.warnings.push_back(absl::StrCat("The inner weights (callback ", FormatWeight(weights.callback),
                                        " + maintenance ", FormatWeight(weights.maintenance),
                                        " + complaint ", FormatWeight(weights.complaint),
                                        " + care ", FormatWeight(weights.care), ") sum to ",
                                        FormatWeight(inner_sum), " %, not 100 %."));
  }
  const double outer_sum = weights.profit + weights.inner;
  if (std::fabs(outer_sum - 100.0) > kWeightTolerance) {
    out.warnings.push_back(absl::StrCat("The outer weights (profit ", FormatWeight(weights.profit),
                                        " + inner ", FormatWeight(weights.inner), ") sum to ",
                                        FormatWeight(outer_sum), " %, not 100 %."));
  }
  return out;
}

std::optional<double> ProfitCompletion(const std::vector<DepartmentProfit>& departments) {
  int64_t actual = 0;
  int64_t target = 0;
  for (const DepartmentProfit& d : departments) {
    actual += d.actual_minor;
    target += d.target_minor;
  }
  if (target == 0) return std::nullopt;
  return 100.0 * static_cast<double>(actual) / static_cast<double>(target);
}

bool IsRepeatVisitOf(const JobFact& later, const JobFact& original, absl::Duration window) {
  if (later.job_id == original.job_id) return false;
  if (!later.ticket_id.empty() && later.ticket_id == original.ticket_id) {
    return later.completed_at > original.completed_at;
  }
  if (original.customer_id.empty() || later.customer_id != original.customer_id) return false;
  if (later.category != original.category) return false;
  if (later.opened_at == absl::InfinitePast()) return false;
  return later.opened_at > original.completed_at &&
         later.opened_at <= original.completed_at + window;
}

FieldServiceKpis ComputeFieldServiceKpis(const std::vector<JobFact>& jobs, const Period& period,
                                         const std::string& technician_id,
                                         absl::Duration repeat_window) {
  FieldServiceKpis out;
  absl::Duration repair_total = absl::ZeroDuration();
  int64_t repairs = 0;
  for (const JobFact& job : jobs) {
    if (!period.Contains(job.completed_at)) continue;
    if (!technician_id.empty() && job.technician_id != technician_id) continue;
    bool repeated = false;
    bool only_job_of_ticket = true;
    for (const JobFact& other : jobs) {
      if (other.job_id == job.job_id) continue;
      if (IsRepeatVisitOf(other, job, repeat_window)) repeated = true;
      if (!job.ticket_id.empty() && other.ticket_id == job.ticket_id) only_job_of_ticket = false;
    }
    ++out.parts_fill_jobs.denominator;
    if (!job.waited_for_parts) ++out.parts_fill_jobs.numerator;
    ++out.first_time_fix.denominator;
    ++out.repeat_visits.denominator;
    if (only_job_of_ticket && !repeated) ++out.first_time_fix.numerator;
    if (repeated) ++out.repeat_visits.numerator;
    if (job.opened_at != absl::InfinitePast() && job.completed_at >= job.opened_at) {
      repair_total += job.completed_at - job.opened_at;
      ++repairs;
    }
  }
  if (repairs > 0) out.mean_time_to_repair = repair_total / repairs;
  return out;
}

absl::Time ClosedAsOf(std::vector<ComplaintChange> changes, absl::Time as_of) {
  std::stable_sort(changes.begin(), changes.end(),
                   [](const ComplaintChange& a, const ComplaintChange& b) { return a.at < b.at; });
  absl::Time closed_at = absl::InfinitePast();
  for (const ComplaintChange& c : changes) {
    if (c.at >= as_of) break;
    closed_at = c.closed ? c.at : absl::InfinitePast();
  }
  return closed_at;
}

absl::Time SettledAt(const SlaClockOutcome& clock) {
  if (clock.breached) return clock.due_at;
  return clock.stopped_at;
}

SlaAttainment ComputeSlaAttainment(const std::vector<SlaClockOutcome>& clocks,
                                   const Period& period, const std::string& technician_id) {
  SlaAttainment out;
  for (const SlaClockOutcome& c : clocks) {
    const absl::Time settled = SettledAt(c);
    if (settled == absl::InfinitePast() || !period.Contains(settled)) continue;
    Ratio* ratio = nullptr;
    if (c.clock == "response") {
      if (!technician_id.empty()) continue;
      ratio = &out.response;
    } else if (c.clock == "on_site") {
      ratio = &out.on_site;
    } else if (c.clock == "resolution") {
      ratio = &out.resolution;
    } else {
      continue;
    }
    if (!technician_id.empty() && c.technician_id != technician_id) continue;
    ++ratio->denominator;
    if (!c.breached) ++ratio->numerator;
  }
  return out;
}

Ratio ComputeChurn(const std::vector<VisitFact>& visits, absl::Time as_of,
                   const ChurnPolicy& policy) {
  std::map<std::string, absl::Time> last;
  for (const VisitFact& v : visits) {
    if (v.customer_id.empty() || v.at >= as_of || as_of - v.at > policy.max_gap) continue;
    auto [it, inserted] = last.emplace(v.customer_id, v.at);
    if (!inserted && v.at > it->second) it->second = v.at;
  }
  Ratio out;
  for (const auto& [customer, at] : last) {
    ++out.denominator;
    if (as_of - at >= policy.min_gap) ++out.numerator;
  }
  return out;
}

}  // namespace fieldline::callbacks
