#pragma once

// The KPIs managers are judged by (DOMAIN.md §5), as pure functions of recorded facts. Nothing
// here reads a clock or a store: the app gathers the facts from the event log (or projections
// of it) and the period, so any past period can be recomputed. Percentages are plain doubles in
// percent (96.0 = 96 %); nothing is capped or rounded (round only for display).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fieldline::callbacks {

// --- periods ---

// [start, end) in absolute time, from calendar boundaries in `zone`.
struct Period {
  absl::Time start = absl::InfinitePast();
  absl::Time end = absl::InfinitePast();
  int months = 0;  // calendar months covered, for per-month tasks
  bool Contains(absl::Time t) const { return t >= start && t < end; }
  friend bool operator==(const Period&, const Period&) = default;
};

enum class PeriodKind { kMonth = 1, kQuarter = 2, kYear = 3 };

// INVALID_ARGUMENT "number" when a month is not 1–12 or a quarter not 1–4; "year" when the
// year is not 1–9999.
absl::StatusOr<Period> MakePeriod(PeriodKind kind, int year, int number, absl::TimeZone zone);
// Six calendar months ending with (year, month), the current month included: June = Jan–Jun,
// July = Feb–Jul, February = Sep (previous year)–Feb.
absl::StatusOr<Period> RollingSixMonths(int year, int month, absl::TimeZone zone);

// --- ratios and completion ---

struct Ratio {
  int64_t numerator = 0;
  int64_t denominator = 0;
  // numerator ÷ denominator in percent; nullopt when the denominator is 0.
  std::optional<double> Percent() const;
  friend bool operator==(const Ratio&, const Ratio&) = default;
};

// Completion = actual ÷ target, in percent (both in percent).
double Completion(double actual_percent, double target_percent);

// --- callback success rate 回访成功率 ---

enum class CallbackResult {
  kOpen = 0,      // not closed yet: due, not valid
  kValid = 1,     // reached with feedback
  kNotValid = 2,  // refused, powered off, suspended, no answer, attempts exhausted
  kExcluded = 3,  // wrong number, empty number, asset transferred: out of the denominator
};

struct CallbackFact {
  std::string callback_id;
  std::string agent_id;     // empty: not assigned
  absl::Time owed_from;     // the completion/delivery that made it due
  CallbackResult result = CallbackResult::kOpen;
};

struct CallbackSuccess {
  Ratio rate;  // valid ÷ (owed in the period − excluded)
  int64_t excluded = 0;
  int64_t open = 0;
};

// Callbacks owed in `period`, of the agents in `agents` (empty: the whole company).
CallbackSuccess ComputeCallbackSuccess(const std::vector<CallbackFact>& facts,
                                       const Period& period, const std::set<std::string>& agents);

// --- complaint handling rate 客户意见处理率 ---

struct ComplaintFact {
  absl::Time registered_at;
  // When it was closed by the customer's confirmation or a manager's sign-off; InfinitePast if
  // not closed (a staff "resolved" mark does not close it; a reopen clears it).
  absl::Time closed_at = absl::InfinitePast();
};

// Complaints, grievances and opinions registered in the period; closed = closed before its end.
Ratio ComplaintHandling(const std::vector<ComplaintFact>& facts, const Period& period);

// --- maintenance-reminder arrival rate 保养提醒到店率 ---

struct MaintenanceFact {
  std::string customer_id;
  absl::Time due_at;
  absl::Time came_in_at = absl::InfinitePast();  // a maintenance visit completed
};

// Distinct customers due in `window` (use RollingSixMonths) who came in within it ÷ those due.
Ratio MaintenanceArrival(const std::vector<MaintenanceFact>& facts, const Period& window);

// --- customer care rate 客户关怀率 ---

struct ClubEvent {
  int units = 0;   // cars or units shown
  int people = 0;  // attendees
  bool attendee_list_filed = false;
  bool summary_filed = false;
  bool display_board_filed = false;
};

struct ClubEventRule {
  int min_units = 8;
  int min_people = 16;
};
bool IsValidClubEvent(const ClubEvent& event, const ClubEventRule& rule = {});

enum class MessageKind {
  kInspection = 0,
  kLicence = 1,
  kBirthday = 2,
  kCare = 3,
  kEvent = 4,    // does not count as a greeting
  kHoliday = 5,  // does not count
  kWeather = 6,  // does not count
};

struct MessageFact {
  MessageKind kind = MessageKind::kCare;
  absl::Time sent_at;
  bool delivered = false;
};

struct CareTasks {
  int64_t greetings_per_period = 1000;
  int home_visit_weight = 10;
  double club_events_per_quarter = 1;
  int website_updates_per_month = 15;
};

struct CareWeights {
  double club_events = 30;
  double greetings = 30;
  double website = 20;
  double lounge = 20;
};

struct CareInputs {
  std::vector<ClubEvent> club_events;  // held in the period
  std::vector<MessageFact> messages;   // all; filtered by the period
  int64_t home_visits = 0;             // in the period
  int64_t website_updates = 0;         // in the period
  double lounge_satisfaction_percent = 0;
};

struct CareRate {
  double club_completion = 0;      // valid events ÷ task, percent
  double greetings_completion = 0; // (delivered greetings + home visits × 10) ÷ task, percent
  double website_completion = 0;
  double lounge = 0;
  double value = 0;  // weighted sum, percent
};

CareRate ComputeCareRate(const CareInputs& inputs, const Period& period,
                         const CareTasks& tasks = {}, const CareWeights& weights = {},
                         const ClubEventRule& rule = {});

// --- composite ---

struct CompositeWeights {
  double profit = 15;
  double inner = 85;
  double callback = 15;
  double maintenance = 30;
  double complaint = 15;
  double care = 30;
};

struct CompositeInputs {  // completions, percent
  double profit = 0;
  double callback = 0;
  double maintenance = 0;
  double complaint = 0;
  double care = 0;
};

struct CompositeResult {
  double inner = 0;
  double value = 0;
  std::vector<std::string> warnings;  // e.g. the inner weights do not sum to 100 %
};

CompositeResult ComputeComposite(const CompositeInputs& inputs,
                                 const CompositeWeights& weights = {});

// Targets of the headline KPIs (DOMAIN §5), percent, and the composite's weights.
struct KpiTargets {
  double callback_success = 96;
  double maintenance_arrival = 80;
  double complaint_handling = 100;
  double care = 95;
};

// Early warning (issue 6 item 6): how many tickets of one fault category on one product model
// within a calendar month / quarter / year raise a warning.
struct EarlyWarningPolicy {
  int per_month = 3;
  int per_quarter = 5;
  int per_year = 12;
  int ThresholdFor(PeriodKind kind) const;
};

// Churn (DOMAIN §5): no visit in 90-360 days.
struct ChurnPolicy {
  absl::Duration min_gap = absl::Hours(24 * 90);
  absl::Duration max_gap = absl::Hours(24 * 360);
};

struct KpiPolicy {
  KpiTargets targets;
  CompositeWeights weights;
  absl::Duration repeat_window = absl::Hours(24 * 30);
  EarlyWarningPolicy early_warning;
  ChurnPolicy churn;
  // Teams of care agents for the monthly report: team name → agent ids.
  std::map<std::string, std::vector<std::string>> teams;
};

// Profit completion = Σ actual ÷ Σ target over the departments (money in minor units), percent;
// nullopt when the targets sum to 0.
struct DepartmentProfit {
  int64_t actual_minor = 0;
  int64_t target_minor = 0;
};
std::optional<double> ProfitCompletion(const std::vector<DepartmentProfit>& departments);

// --- field-service KPIs ---

struct JobFact {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::string customer_id;  // empty when the ticket is not known
  std::string category;     // fault category
  absl::Time opened_at = absl::InfinitePast();  // the ticket's; InfinitePast when not known
  absl::Time completed_at;
  // Scheduling's JobWaitingForParts or inventory's PartsBackordered was heard for the job.
  bool waited_for_parts = false;
};

struct FieldServiceKpis {
  // Jobs completed in the period (of the technician) that were the only job of their ticket
  // and were not followed by a repeat visit ÷ jobs completed in the period.
  Ratio first_time_fix;
  // Jobs completed in the period followed by a repeat visit within the window ÷ jobs completed
  // in the period; the repeat counts against the original job's technician.
  Ratio repeat_visits;
  // Mean of (completed_at − ticket opened_at) over jobs completed in the period whose ticket's
  // opening is known; nullopt when there is none.
  std::optional<absl::Duration> mean_time_to_repair;
  // Parts fill rate (DOMAIN §5): jobs completed in the period that never waited for parts ÷
  // jobs completed in the period.
  Ratio parts_fill_jobs;
};

// A later job is a repeat visit of `original` when it belongs to the same ticket and was
// completed after it, or when its ticket is of the same customer and fault category and was
// opened after the original's completion and within `window` of it (boundary included).
bool IsRepeatVisitOf(const JobFact& later, const JobFact& original, absl::Duration window);

// `technician_id` empty: every technician.
FieldServiceKpis ComputeFieldServiceKpis(const std::vector<JobFact>& jobs, const Period& period,
                                         const std::string& technician_id,
                                         absl::Duration repeat_window = absl::Hours(24 * 30));

// --- complaint history ---

struct ComplaintChange {
  absl::Time at;
  bool closed = false;  // true: closed (satisfied or signed off); false: reopened
};
// When the complaint stood closed as of `as_of` (changes before it, in time order): the time of
// the last close not followed by a reopen; InfinitePast when it was open.
absl::Time ClosedAsOf(std::vector<ComplaintChange> changes, absl::Time as_of);

// --- SLA attainment per promise ---

// How one SLA clock of a ticket ended, from intake's events. A clock settles when it is stopped
// (met, unless intake reported it breached) or, when breached, at its due time; a clock still
// running and not breached has not settled and counts nowhere.
struct SlaClockOutcome {
  std::string ticket_id;
  std::string clock;          // "response", "on_site", "resolution"
  std::string technician_id;  // the ticket's technician (the last one scheduled); may be empty
  absl::Time stopped_at = absl::InfinitePast();
  bool breached = false;
  absl::Time due_at = absl::InfinitePast();  // the breach's due time
};
// InfinitePast when not settled.
absl::Time SettledAt(const SlaClockOutcome& clock);

struct SlaAttainment {
  Ratio response;    // met ÷ settled in the period; company-wide only (0/0 for a technician)
  Ratio on_site;     // of the technician's tickets when one is given
  Ratio resolution;
};
SlaAttainment ComputeSlaAttainment(const std::vector<SlaClockOutcome>& clocks,
                                   const Period& period, const std::string& technician_id);

// --- churn ---

struct VisitFact {
  std::string customer_id;
  absl::Time at;  // a completed job
};
// As of `as_of` (exclusive): customers whose last visit lies min_gap to max_gap before it
// (boundaries included) ÷ customers with a visit within max_gap before it.
Ratio ComputeChurn(const std::vector<VisitFact>& visits, absl::Time as_of,
                   const ChurnPolicy& policy = {});

}  // namespace fieldline::callbacks
