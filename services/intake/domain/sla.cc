#include "services/intake/domain/sla.h"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"

namespace fieldline::intake {
namespace {

constexpr int kMaxCalendarDays = 3660;  // ten years: no calendar walks further

int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

}  // namespace

std::string_view SlaClockName(SlaClockKind kind) {
  switch (kind) {
    case SlaClockKind::kResponse:
      return "response";
    case SlaClockKind::kOnSite:
      return "on_site";
    case SlaClockKind::kResolution:
      return "resolution";
  }
  return "unknown";
}

std::optional<SlaClockKind> SlaClockFromName(std::string_view name) {
  for (SlaClockKind kind : kSlaClocks) {
    if (SlaClockName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view SlaClockStatusName(SlaClockStatus status) {
  switch (status) {
    case SlaClockStatus::kNotStarted:
      return "not started";
    case SlaClockStatus::kRunning:
      return "running";
    case SlaClockStatus::kPaused:
      return "paused";
    case SlaClockStatus::kMet:
      return "met";
    case SlaClockStatus::kBreached:
      return "breached";
    case SlaClockStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

// ------------------------------------------------------------------------------- the calendar

WorkingHours BusinessCalendar::HoursOn(absl::CivilDay day) const {
  if (holidays.count(day) > 0) return WorkingHours{0, 0};
  if (makeup_days.count(day) > 0) {
    return week[0].working() ? week[0] : WorkingHours{};
  }
  return week[WeekdayIndex(day)];
}

absl::Duration BusinessCalendar::Between(absl::Time from, absl::Time to) const {
  if (to <= from || from == absl::InfinitePast()) return absl::ZeroDuration();
  absl::Duration total = absl::ZeroDuration();
  absl::CivilDay day = absl::ToCivilDay(from, zone);
  const absl::CivilDay last = absl::ToCivilDay(to == absl::InfiniteFuture() ? from : to, zone);
  for (int n = 0; day <= last && n < kMaxCalendarDays; ++day, ++n) {
    const WorkingHours hours = HoursOn(day);
    if (!hours.working()) continue;
    const absl::Time start = absl::FromCivil(absl::CivilMinute(day) + hours.start_minute, zone);
    const absl::Time end = absl::FromCivil(absl::CivilMinute(day) + hours.end_minute, zone);
    const absl::Time a = std::max(start, from);
    const absl::Time b = std::min(end, to);
    if (b > a) total += b - a;
  }
  return total;
}

absl::Time BusinessCalendar::Add(absl::Time from, absl::Duration amount) const {
  if (amount <= absl::ZeroDuration()) return from;
  absl::Duration left = amount;
  absl::CivilDay day = absl::ToCivilDay(from, zone);
  for (int n = 0; n < kMaxCalendarDays; ++day, ++n) {
    const WorkingHours hours = HoursOn(day);
    if (!hours.working()) continue;
    const absl::Time start = absl::FromCivil(absl::CivilMinute(day) + hours.start_minute, zone);
    const absl::Time end = absl::FromCivil(absl::CivilMinute(day) + hours.end_minute, zone);
    const absl::Time a = std::max(start, from);
    if (end <= a) continue;
    if (end - a >= left) return a + left;
    left -= end - a;
  }
  return absl::InfiniteFuture();
}

BusinessCalendar DefaultCalendar() {
  BusinessCalendar calendar;
  if (!absl::LoadTimeZone(calendar.time_zone_name, &calendar.zone)) {
    calendar.zone = absl::FixedTimeZone(8 * 3600);
  }
  return calendar;
}

absl::Status LoadCalendarZone(std::string_view field, BusinessCalendar& calendar) {
  if (!absl::LoadTimeZone(calendar.time_zone_name, &calendar.zone)) {
    return InvalidArgument(field, absl::StrCat("Time zone ", calendar.time_zone_name,
                                               " is not known; use an IANA name such as "
                                               "Asia/Shanghai."));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ParseClockTime(std::string_view field, std::string_view text) {
  const std::string t = std::string(absl::StripAsciiWhitespace(AsAbsl(text)));
  int h = -1;
  int m = -1;
  if (t.size() == 5 && t[2] == ':' && absl::ascii_isdigit(t[0]) && absl::ascii_isdigit(t[1]) &&
      absl::ascii_isdigit(t[3]) && absl::ascii_isdigit(t[4])) {
    h = (t[0] - '0') * 10 + (t[1] - '0');
    m = (t[3] - '0') * 10 + (t[4] - '0');
  }
  if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) {
    return InvalidArgument(field, absl::StrCat("Time ", t, " is not a time of day written as "
                                               "HH:MM, such as 09:00."));
  }
  return h * 60 + m;
}

absl::StatusOr<absl::CivilDay> ParseDay(std::string_view field, std::string_view text) {
  const std::string t = std::string(absl::StripAsciiWhitespace(AsAbsl(text)));
  absl::CivilDay day;
  if (t.size() != 10 || !absl::ParseCivilTime(t, &day) || absl::FormatCivilTime(day) != t) {
    return InvalidArgument(field, absl::StrCat("Day ", t, " is not a date written as "
                                               "YYYY-MM-DD, such as 2026-10-01."));
  }
  return day;
}

absl::Status ValidateWarningFraction(std::string_view field, double fraction) {
  if (!(fraction > 0.0 && fraction < 1.0)) {
    return InvalidArgument(field, absl::StrCat("Warning fraction ", fraction,
                                               " must be between 0 and 1 (0.8 = warn at 80 % "
                                               "of the allowance)."));
  }
  return absl::OkStatus();
}

// ----------------------------------------------------------------------------------- policy

int64_t SlaAllowances::Of(SlaClockKind kind) const {
  switch (kind) {
    case SlaClockKind::kResponse:
      return response_minutes;
    case SlaClockKind::kOnSite:
      return on_site_minutes;
    case SlaClockKind::kResolution:
      return resolution_minutes;
  }
  return 0;
}

std::vector<SlaAllowanceRule> SlaPolicy::DefaultSlaRules() {
  // DOMAIN.md demo defaults: response within 2 h, on site within 24 h; resolution within 72 h
  // (the store repair promise). Key accounts and urgent tickets get tighter promises.
  using T = CustomerTier;
  using P = Priority;
  return {
      {T::kUnspecified, P::kUnspecified, {120, 24 * 60, 72 * 60}},
      {T::kUnspecified, P::kLow, {240, 48 * 60, 120 * 60}},
      {T::kUnspecified, P::kHigh, {60, 12 * 60, 48 * 60}},
      {T::kUnspecified, P::kUrgent, {30, 4 * 60, 24 * 60}},
      {T::kKeyAccount, P::kUnspecified, {60, 8 * 60, 36 * 60}},
      {T::kKeyAccount, P::kUrgent, {15, 2 * 60, 12 * 60}},
      {T::kA, P::kUnspecified, {90, 16 * 60, 48 * 60}},
  };
}

SlaAllowances SlaPolicy::AllowancesFor(CustomerTier tier, Priority priority) const {
  int best = -1;
  SlaAllowances found;
  for (const SlaAllowanceRule& rule : rules) {
    if (rule.tier != CustomerTier::kUnspecified && rule.tier != tier) continue;
    if (rule.priority != Priority::kUnspecified && rule.priority != priority) continue;
    const int score = (rule.tier != CustomerTier::kUnspecified ? 2 : 0) +
                      (rule.priority != Priority::kUnspecified ? 1 : 0);
    if (score >= best) {
      best = score;
      found = rule.allowances;
    }
  }
  return found;
}

const SlaClockState* TicketSlaState::Find(SlaClockKind kind) const {
  for (const SlaClockState& c : clocks) {
    if (c.kind == kind) return &c;
  }
  return nullptr;
}

// ------------------------------------------------------------------------------- evaluation

namespace {

struct Interval {
  absl::Time from;
  absl::Time to;
};

// A clock as the history is folded: the spans in which it was not stopped (a reopen starts a
// new one).
struct ClockFold {
  SlaClockKind kind;
  int64_t allowance_minutes = 0;
  std::string source;
  bool stopped = false;
  bool cancelled = false;
  absl::Time stopped_at = absl::InfinitePast();
  std::string stopped_by;
  absl::Time active_from = absl::InfinitePast();
  std::vector<Interval> active;  // closed spans
};

// A reopen means the work was not done: the on-site and resolution clocks run again from the
// reopen, counting on from what they had used. The response clock stays met (the customer's
// request was answered; the reopen is itself the answer to the new complaint).
bool RestartsOnReopen(SlaClockKind kind) {
  return kind == SlaClockKind::kOnSite || kind == SlaClockKind::kResolution;
}

bool Stops(SlaClockKind kind, const TicketEvent& e) {
  switch (kind) {
    case SlaClockKind::kResponse:
      return std::holds_alternative<TicketScheduled>(e) ||
             std::holds_alternative<TicketResolvedRemotely>(e) ||
             std::holds_alternative<TicketReceivedAtServiceCentre>(e);
    case SlaClockKind::kOnSite:
      return std::holds_alternative<TicketTechnicianArrived>(e) ||
             std::holds_alternative<TicketWorkStarted>(e) ||
             std::holds_alternative<TicketResolvedRemotely>(e) ||
             std::holds_alternative<TicketReceivedAtServiceCentre>(e);
    case SlaClockKind::kResolution:
      return std::holds_alternative<TicketCompleted>(e) ||
             std::holds_alternative<TicketResolvedRemotely>(e) ||
             std::holds_alternative<TicketReturnedToCustomer>(e);
  }
  return false;
}

std::string NameOf(const TicketEvent& e) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, TicketScheduled>) return "TicketScheduled";
        if constexpr (std::is_same_v<T, TicketTechnicianArrived>) {
          return "TicketTechnicianArrived";
        }
        if constexpr (std::is_same_v<T, TicketWorkStarted>) return "TicketWorkStarted";
        if constexpr (std::is_same_v<T, TicketCompleted>) return "TicketCompleted";
        if constexpr (std::is_same_v<T, TicketResolvedRemotely>) return "TicketResolvedRemotely";
        if constexpr (std::is_same_v<T, TicketReceivedAtServiceCentre>) {
          return "TicketReceivedAtServiceCentre";
        }
        if constexpr (std::is_same_v<T, TicketReturnedToCustomer>) {
          return "TicketReturnedToCustomer";
        }
        if constexpr (std::is_same_v<T, TicketCancelled>) return "TicketCancelled";
        return "event";
      },
      e);
}

}  // namespace

TicketSlaState EvaluateSla(const std::vector<TimedTicketEvent>& history, const SlaPolicy& policy,
                           absl::Time as_of) {
  TicketSlaState out;
  const TicketOpened* opened = nullptr;
  absl::Time opened_at = absl::InfinitePast();
  for (const TimedTicketEvent& t : history) {
    if (t.at > as_of) break;
    if (const auto* o = std::get_if<TicketOpened>(&t.event)) {
      opened = o;
      opened_at = t.at;
      break;
    }
  }
  if (opened == nullptr) return out;
  out.ticket_id = opened->ticket_id;
  out.customer_id = opened->customer.customer_id;
  out.tier = opened->customer_tier == CustomerTier::kUnspecified ? CustomerTier::kC
                                                                 : opened->customer_tier;
  out.priority = opened->priority;

  const SlaAllowances table = policy.AllowancesFor(out.tier, out.priority);
  std::vector<ClockFold> folds;
  for (SlaClockKind kind : kSlaClocks) {
    ClockFold f{kind};
    f.allowance_minutes = table.Of(kind);
    f.source = "policy";
    if (policy.contracts_override && opened->contract_promises.has_value()) {
      const ServicePromises& p = *opened->contract_promises;
      const int32_t hours = kind == SlaClockKind::kResponse ? p.response_hours
                            : kind == SlaClockKind::kOnSite ? p.on_site_hours
                                                            : p.resolution_hours;
      if (hours > 0) {
        f.allowance_minutes = int64_t{hours} * 60;
        f.source = "contract";
      }
    }
    f.active_from = opened_at;
    if (f.allowance_minutes > 0) folds.push_back(std::move(f));
  }

  // The ticket-wide running intervals (not paused), from the opening to as_of.
  std::vector<Interval> running;
  bool waiting_customer = false;
  bool waiting_parts = false;
  std::set<std::string> missing;  // SKUs still back-ordered
  absl::Time run_from = opened_at;
  auto paused = [&] { return waiting_customer || waiting_parts; };
  auto set_pause = [&](bool& flag, bool value, absl::Time at) {
    const bool before = paused();
    flag = value;
    if (!before && paused()) running.push_back({run_from, at});
    if (before && !paused()) run_from = at;
  };
  bool seen_open = false;
  for (const TimedTicketEvent& t : history) {
    if (t.at > as_of) break;
    if (!seen_open) {
      seen_open = std::holds_alternative<TicketOpened>(t.event);
      continue;
    }
    const TicketEvent& e = t.event;
    if (std::holds_alternative<TicketWaitingForCustomer>(e)) {
      set_pause(waiting_customer, true, t.at);
    } else if (std::holds_alternative<TicketCustomerResumed>(e)) {
      set_pause(waiting_customer, false, t.at);
    } else if (const auto* w = std::get_if<TicketWaitingForParts>(&e)) {
      for (const PartLine& line : w->missing_parts) missing.insert(line.sku);
      set_pause(waiting_parts, !missing.empty(), t.at);
    } else if (const auto* a = std::get_if<TicketPartsArrived>(&e)) {
      for (const PartLine& line : a->missing_parts) missing.erase(line.sku);
      set_pause(waiting_parts, !missing.empty(), t.at);
    } else if (std::holds_alternative<TicketCompleted>(e) ||
               std::holds_alternative<TicketCancelled>(e)) {
      missing.clear();
      set_pause(waiting_parts, false, t.at);
      set_pause(waiting_customer, false, t.at);
    }
    for (ClockFold& f : folds) {
      if (f.stopped) {
        if (!f.cancelled && RestartsOnReopen(f.kind) &&
            std::holds_alternative<TicketReopened>(e)) {
          f.stopped = false;
          f.stopped_at = absl::InfinitePast();
          f.stopped_by.clear();
          f.active_from = t.at;
        }
        continue;
      }
      if (Stops(f.kind, e)) {
        f.stopped = true;
        f.stopped_at = t.at;
        // The arrival as reported (never before the clock's span began, never after now).
        if (const auto* arrived = std::get_if<TicketTechnicianArrived>(&e);
            arrived != nullptr && arrived->arrived_at != absl::InfinitePast()) {
          f.stopped_at = std::clamp(arrived->arrived_at, f.active_from, t.at);
        }
        f.stopped_by = NameOf(e);
      } else if (std::holds_alternative<TicketCancelled>(e)) {
        f.stopped = true;
        f.cancelled = true;
        f.stopped_at = t.at;
        f.stopped_by = "TicketCancelled";
      }
      if (f.stopped) f.active.push_back({f.active_from, f.stopped_at});
    }
  }
  if (!paused()) running.push_back({run_from, as_of});
  out.paused = paused();

  const BusinessCalendar& cal = policy.calendar;
  for (ClockFold& f : folds) {
    if (!f.stopped) f.active.push_back({f.active_from, as_of});
    // The clock's own running time: its active spans within the ticket's running intervals.
    std::vector<Interval> spans;
    for (const Interval& a : f.active) {
      for (const Interval& r : running) {
        const absl::Time from = std::max(a.from, r.from);
        const absl::Time to = std::min(a.to, r.to);
        if (from < to) spans.push_back({from, to});
      }
    }
    SlaClockState c;
    c.kind = f.kind;
    c.allowance_minutes = f.allowance_minutes;
    c.allowance_source = f.source;
    c.started_at = opened_at;
    c.stopped_at = f.stopped ? f.stopped_at : absl::InfinitePast();
    c.stopped_by = f.stopped_by;
    const absl::Duration allowance = absl::Minutes(f.allowance_minutes);
    const absl::Duration warn_after = allowance * policy.warning_fraction;
    // Walk the running intervals up to `end`, noting where the warning and the breach fall.
    absl::Duration used = absl::ZeroDuration();
    absl::Time last_end = opened_at;
    for (const Interval& i : spans) {
      const absl::Time b = i.to;
      const absl::Duration here = cal.Between(i.from, b);
      if (c.warn_at == absl::InfiniteFuture() && used + here >= warn_after) {
        c.warn_at = cal.Add(i.from, warn_after - used);
      }
      if (c.due == absl::InfiniteFuture() && used + here >= allowance) {
        c.due = cal.Add(i.from, allowance - used);
      }
      used += here;
      last_end = b;
    }
    c.elapsed = used;
    // Not reached yet: extrapolate from where the clock is now (a paused clock as if it were
    // resumed at as_of).
    const absl::Time from_now = f.stopped ? last_end : as_of;
    if (c.warn_at == absl::InfiniteFuture()) c.warn_at = cal.Add(from_now, warn_after - used);
    if (c.due == absl::InfiniteFuture()) c.due = cal.Add(from_now, allowance - used);
    c.warning = used >= warn_after;
    if (f.cancelled) {
      c.status = SlaClockStatus::kCancelled;
      c.breached = used > allowance;
    } else if (f.stopped) {
      c.breached = used > allowance;
      c.status = c.breached ? SlaClockStatus::kBreached : SlaClockStatus::kMet;
    } else {
      c.breached = used >= allowance;
      c.status = c.breached ? SlaClockStatus::kBreached
                 : out.paused ? SlaClockStatus::kPaused
                              : SlaClockStatus::kRunning;
    }
    out.clocks.push_back(std::move(c));
  }
  return out;
}

}  // namespace fieldline::intake
