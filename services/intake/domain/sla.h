#pragma once

// SLA clocks of a ticket (issue 3 item 4). Pure: the clocks are a function of the ticket's
// event history (each event with the server time it was recorded at), the SLA policy and the
// moment asked about, so the same code answers "now", "as it was at 10:00 yesterday" and "what
// if the policy had been different".
//
// Three clocks start when the ticket is opened and count BUSINESS time (the calendar's working
// hours, minus holidays, plus make-up working days) while the ticket is not paused:
//   response    stops at TicketScheduled, TicketResolvedRemotely or TicketReceivedAtServiceCentre
//   on_site     stops at TicketWorkStarted (scheduling's JobStarted), TicketResolvedRemotely or
//               TicketReceivedAtServiceCentre (no visit is needed)
//   resolution  stops at TicketCompleted, TicketResolvedRemotely or TicketReturnedToCustomer
// TicketCancelled cancels every clock still running. Pauses: TicketWaitingForCustomer →
// TicketCustomerResumed, TicketWaitingForParts → TicketPartsArrived (or TicketCompleted /
// TicketCancelled, which end the wait). TicketReopened restarts the on-site and resolution
// clocks (they count on from what they had used; the time between their stop and the reopen
// does not count); the response clock stays met.

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/core/types.h"
#include "services/intake/domain/customer.h"
#include "services/intake/domain/ticket.h"

namespace fieldline::intake {

enum class SlaClockKind { kResponse = 0, kOnSite = 1, kResolution = 2 };
inline constexpr SlaClockKind kSlaClocks[] = {SlaClockKind::kResponse, SlaClockKind::kOnSite,
                                              SlaClockKind::kResolution};
// "response", "on_site", "resolution" (stable: in events and index keys).
std::string_view SlaClockName(SlaClockKind kind);
std::optional<SlaClockKind> SlaClockFromName(std::string_view name);

// Working hours of one day in minutes after local midnight; start == end: a day off.
struct WorkingHours {
  int start_minute = 9 * 60;
  int end_minute = 18 * 60;
  bool working() const { return end_minute > start_minute; }
  friend bool operator==(const WorkingHours&, const WorkingHours&) = default;
};

// Business hours: per weekday (index 0 = Monday … 6 = Sunday), a time zone, holidays (days off
// even on a working weekday) and make-up working days (worked even on a weekend, with Monday's
// hours, or 09:00-18:00 if Monday is off).
struct BusinessCalendar {
  std::string time_zone_name = "Asia/Shanghai";
  absl::TimeZone zone;  // loaded from time_zone_name (MakeBusinessCalendar / DefaultCalendar)
  std::array<WorkingHours, 7> week = {WorkingHours{}, WorkingHours{}, WorkingHours{},
                                      WorkingHours{}, WorkingHours{}, WorkingHours{0, 0},
                                      WorkingHours{0, 0}};
  std::set<absl::CivilDay> holidays;
  std::set<absl::CivilDay> makeup_days;

  // The working window of a local day (start == end: none).
  WorkingHours HoursOn(absl::CivilDay day) const;
  // Business time in [from, to) (zero if to <= from).
  absl::Duration Between(absl::Time from, absl::Time to) const;
  // The instant at which `amount` of business time has passed since `from` (InfiniteFuture if
  // the calendar has no working time within ten years).
  absl::Time Add(absl::Time from, absl::Duration amount) const;
};

// Mon–Fri 09:00–18:00 in Asia/Shanghai (a fixed UTC+8 zone if the tz database is missing).
BusinessCalendar DefaultCalendar();
// Loads the zone; INVALID_ARGUMENT naming `field` for an unknown zone.
absl::Status LoadCalendarZone(std::string_view field, BusinessCalendar& calendar);

// "09:00" → 540 (minutes after midnight; "24:00" allowed as an end); INVALID_ARGUMENT naming
// `field` otherwise.
absl::StatusOr<int> ParseClockTime(std::string_view field, std::string_view text);
// "2026-10-01" → that day; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<absl::CivilDay> ParseDay(std::string_view field, std::string_view text);
// INVALID_ARGUMENT naming `field` unless 0 < fraction < 1.
absl::Status ValidateWarningFraction(std::string_view field, double fraction);

// Allowances of the three clocks in business minutes; 0 = no such promise (the clock is not kept).
struct SlaAllowances {
  int64_t response_minutes = 0;
  int64_t on_site_minutes = 0;
  int64_t resolution_minutes = 0;
  int64_t Of(SlaClockKind kind) const;
  friend bool operator==(const SlaAllowances&, const SlaAllowances&) = default;
};

// One row of the allowance table; kUnspecified tier/priority match any.
struct SlaAllowanceRule {
  CustomerTier tier = CustomerTier::kUnspecified;
  Priority priority = Priority::kUnspecified;
  SlaAllowances allowances;
  friend bool operator==(const SlaAllowanceRule&, const SlaAllowanceRule&) = default;
};

struct SlaPolicy {
  // The most specific matching row wins (tier and priority, then tier, then priority, then
  // any); later rows of equal specificity replace earlier ones.
  std::vector<SlaAllowanceRule> rules = DefaultSlaRules();
  BusinessCalendar calendar = DefaultCalendar();
  double warning_fraction = 0.8;
  bool contracts_override = true;  // a contract's promises replace the table's allowances

  SlaAllowances AllowancesFor(CustomerTier tier, Priority priority) const;
  static std::vector<SlaAllowanceRule> DefaultSlaRules();
};

// What the ticket's history says about its clocks, fed to EvaluateSla.
struct TimedTicketEvent {
  TicketEvent event;
  absl::Time at;  // server time it was recorded at
};

enum class SlaClockStatus { kNotStarted, kRunning, kPaused, kMet, kBreached, kCancelled };
std::string_view SlaClockStatusName(SlaClockStatus status);

struct SlaClockState {
  SlaClockKind kind = SlaClockKind::kResponse;
  SlaClockStatus status = SlaClockStatus::kNotStarted;
  int64_t allowance_minutes = 0;
  absl::Duration elapsed = absl::ZeroDuration();  // business time used, pauses excluded
  absl::Time started_at = absl::InfinitePast();
  absl::Time stopped_at = absl::InfinitePast();  // InfinitePast: not stopped
  std::string stopped_by;                        // event name that stopped it
  absl::Time due = absl::InfiniteFuture();       // breach instant (assuming no further pause)
  absl::Time warn_at = absl::InfiniteFuture();   // warning instant (same assumption)
  bool warning = false;                          // elapsed ≥ fraction × allowance
  bool breached = false;                         // elapsed > allowance, or running and ≥
  std::string allowance_source;                  // "policy" or "contract"
  int64_t elapsed_minutes() const { return absl::ToInt64Minutes(elapsed); }
};

struct TicketSlaState {
  std::string ticket_id;
  std::string customer_id;
  CustomerTier tier = CustomerTier::kC;
  Priority priority = Priority::kNormal;
  bool paused = false;
  std::vector<SlaClockState> clocks;  // only clocks with an allowance, in kSlaClocks order
  const SlaClockState* Find(SlaClockKind kind) const;
};

// The clocks as of `as_of`, from the events recorded at or before it. A ticket with no
// TicketOpened at or before `as_of` has no clocks.
TicketSlaState EvaluateSla(const std::vector<TimedTicketEvent>& history, const SlaPolicy& policy,
                           absl::Time as_of);

}  // namespace fieldline::intake
