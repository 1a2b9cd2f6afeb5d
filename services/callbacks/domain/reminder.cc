#include "services/callbacks/domain/reminder.h"

#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/core/strings.h"

namespace fieldline::callbacks {
namespace {

bool IsSet(absl::Time t) { return t != absl::InfinitePast() && t != absl::InfiniteFuture(); }

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

absl::Status RequireExisting(const ReminderState& state, std::string_view reminder_id) {
  if (reminder_id.empty()) {
    return InvalidArgument("reminder_id", "Say which reminder you mean.");
  }
  if (state.status == ReminderStatus::kNone) {
    return NotFound("reminder_id",
                    absl::StrCat("There is no reminder ", AsAbsl(reminder_id), "."));
  }
  return absl::OkStatus();
}

}  // namespace

const char* ReminderKindName(ReminderKind kind) {
  switch (kind) {
    case ReminderKind::kFirstMaintenance:
      return "first_maintenance";
    case ReminderKind::kRegularMaintenance:
      return "regular_maintenance";
    case ReminderKind::kWarrantyExpiry:
      return "warranty_expiry";
    case ReminderKind::kContractExpiry:
      return "contract_expiry";
    case ReminderKind::kInsuranceExpiry:
      return "insurance_expiry";
    case ReminderKind::kUnspecified:
      break;
  }
  return "unspecified";
}

bool IsMaintenance(ReminderKind kind) {
  return kind == ReminderKind::kFirstMaintenance || kind == ReminderKind::kRegularMaintenance;
}

const char* ReminderOutcomeName(ReminderOutcome outcome) {
  switch (outcome) {
    case ReminderOutcome::kBooked:
      return "booked";
    case ReminderOutcome::kInformed:
      return "informed";
    case ReminderOutcome::kDeclined:
      return "declined";
    case ReminderOutcome::kUnreachable:
      return "unreachable";
    case ReminderOutcome::kCameIn:
      return "came in";
    case ReminderOutcome::kUnspecified:
      break;
  }
  return "unspecified";
}

std::string ReminderIdFor(std::string_view asset_id, ReminderKind kind, absl::Time basis_at) {
  return DeriveId(asset_id,
                  absl::StrCat("reminder/", ReminderKindName(kind), "/",
                               absl::FormatTime("%Y-%m-%d", basis_at, absl::UTCTimeZone())));
}

bool IsOverdue(const ReminderState& state, absl::Time now) {
  return (state.status == ReminderStatus::kScheduled || state.status == ReminderStatus::kDue ||
          state.status == ReminderStatus::kAnswered) &&
         now > state.due_by;
}

ReminderSchedule ScheduleOf(ReminderKind kind, absl::Time basis_at, const ReminderPolicy& policy) {
  switch (kind) {
    case ReminderKind::kFirstMaintenance: {
      const TimeWindow window = FirstMaintenanceWindow(basis_at, policy);
      return {.remind_at = window.from, .due_by = window.until};
    }
    case ReminderKind::kRegularMaintenance:
      return {.remind_at = RegularMaintenanceReminderAt(basis_at, policy), .due_by = basis_at};
    case ReminderKind::kWarrantyExpiry:
      return {.remind_at = WarrantyExpiryReminderAt(basis_at, policy), .due_by = basis_at};
    case ReminderKind::kContractExpiry:
      return {.remind_at = AddCalendarMonths(basis_at, -policy.contract_lead_months,
                                             policy.local_zone),
              .due_by = basis_at};
    case ReminderKind::kInsuranceExpiry:
      return {.remind_at = InsuranceExpiryReminderAt(basis_at, policy), .due_by = basis_at};
    case ReminderKind::kUnspecified:
      break;
  }
  return {.remind_at = basis_at, .due_by = basis_at};
}

absl::StatusOr<std::vector<ReminderEvent>> Decide(const ReminderState& state,
                                                  const ScheduleReminder& command, absl::Time now,
                                                  const ReminderPolicy& policy) {
  if (command.asset_id.empty()) {
    return InvalidArgument("asset_id", "Say which asset the reminder is about.");
  }
  if (command.kind == ReminderKind::kUnspecified) {
    return InvalidArgument("kind",
                           "Say what the reminder is for: first maintenance, regular maintenance, "
                           "warranty, contract or insurance expiry.");
  }
  if (!IsSet(command.basis_at)) {
    return InvalidArgument(
        "basis_at", absl::StrCat("Asset ", command.asset_id, " has no date for its ",
                                 ReminderKindName(command.kind), " reminder to count from."));
  }
  const std::string id = ReminderIdFor(command.asset_id, command.kind, command.basis_at);
  if (state.status != ReminderStatus::kNone) {
    return AlreadyExists("reminder_id",
                         absl::StrCat("The ", ReminderKindName(command.kind), " reminder of asset ",
                                      command.asset_id, " already exists (", id, ")."));
  }
  const ReminderSchedule schedule = ScheduleOf(command.kind, command.basis_at, policy);
  if (schedule.due_by < now) {
    return FailedPrecondition(absl::StrCat("The ", ReminderKindName(command.kind),
                                           " reminder of asset ", command.asset_id,
                                           " would have been useful until ",
                                           FormatUtc(schedule.due_by), "; that has passed."));
  }
  return std::vector<ReminderEvent>{ReminderScheduled{
      .reminder_id = id,
      .asset_id = command.asset_id,
      .customer_id = command.customer_id,
      .model = command.model,
      .kind = command.kind,
      .basis_at = command.basis_at,
      .remind_at = schedule.remind_at,
      .due_by = schedule.due_by,
  }};
}

absl::StatusOr<std::vector<ReminderEvent>> Decide(const ReminderState& state,
                                                  const MarkReminderDue& command, absl::Time now) {
  if (absl::Status s = RequireExisting(state, command.reminder_id); !s.ok()) return s;
  if (state.status != ReminderStatus::kScheduled) {
    return FailedPrecondition(
        absl::StrCat("Reminder ", state.reminder_id, " is no longer waiting to fall due."));
  }
  if (now < state.remind_at) {
    return FailedPrecondition(absl::StrCat("Reminder ", state.reminder_id, " falls due at ",
                                           FormatUtc(state.remind_at), ", not before."));
  }
  return std::vector<ReminderEvent>{
      ReminderFellDue{.reminder_id = state.reminder_id, .fell_due_at = now}};
}

absl::StatusOr<std::vector<ReminderEvent>> Decide(const ReminderState& state,
                                                  const RecordReminderOutcome& command,
                                                  const Actor& by, absl::Time now) {
  if (absl::Status s = RequireExisting(state, command.reminder_id); !s.ok()) return s;
  if (command.outcome == ReminderOutcome::kUnspecified) {
    return InvalidArgument("outcome",
                           "Say what the reminder call came to: booked, informed, declined, "
                           "unreachable or came in.");
  }
  if ((command.outcome == ReminderOutcome::kBooked ||
       command.outcome == ReminderOutcome::kCameIn) &&
      !IsMaintenance(state.kind)) {
    return InvalidArgument(
        "outcome", absl::StrCat("A ", ReminderKindName(state.kind),
                                " reminder is not about a visit, so it cannot be '",
                                ReminderOutcomeName(command.outcome),
                                "'; use informed, declined or unreachable."));
  }
  if (command.expected_version > 0 && command.expected_version != state.version) {
    return VersionConflict(absl::StrCat("Reminder ", state.reminder_id,
                                        " was changed by someone else (now version ",
                                        state.version, "); reload it and try again."));
  }
  if (state.status == ReminderStatus::kScheduled) {
    return FailedPrecondition(absl::StrCat("Reminder ", state.reminder_id,
                                           " is not due yet; it falls due at ",
                                           FormatUtc(state.remind_at), "."));
  }
  if (state.status == ReminderStatus::kCameIn) {
    return FailedPrecondition(absl::StrCat("The customer already came in for reminder ",
                                           state.reminder_id, "; it is closed."));
  }
  std::vector<ReminderEvent> events{ReminderOutcomeRecorded{.reminder_id = state.reminder_id,
                                                            .outcome = command.outcome,
                                                            .agent_id = by.user_id,
                                                            .recorded_at = now,
                                                            .note = command.note}};
  if (command.outcome == ReminderOutcome::kCameIn) {
    events.push_back(ReminderCameIn{.reminder_id = state.reminder_id, .came_in_at = now});
  }
  return events;
}

absl::StatusOr<std::vector<ReminderEvent>> Decide(const ReminderState& state,
                                                  const RecordMaintenanceVisit& command) {
  if (absl::Status s = RequireExisting(state, command.reminder_id); !s.ok()) return s;
  if (command.job_id.empty()) {
    return InvalidArgument("job_id", "Say which maintenance job was completed.");
  }
  if (!IsSet(command.completed_at)) {
    return InvalidArgument("completed_at",
                           absl::StrCat("Job ", command.job_id, " has no completion time."));
  }
  if (!IsMaintenance(state.kind)) {
    return FailedPrecondition(absl::StrCat("Reminder ", state.reminder_id, " (",
                                           ReminderKindName(state.kind),
                                           ") is not about maintenance."));
  }
  if (state.status == ReminderStatus::kCameIn) {
    return AlreadyExists("reminder_id", absl::StrCat("The customer already came in for reminder ",
                                                     state.reminder_id, "."));
  }
  if (command.completed_at < state.remind_at) {
    return FailedPrecondition(absl::StrCat("Job ", command.job_id, " was completed before reminder ",
                                           state.reminder_id, " fell due (",
                                           FormatUtc(state.remind_at), ")."));
  }
  return std::vector<ReminderEvent>{ReminderCameIn{.reminder_id = state.reminder_id,
                                                   .job_id = command.job_id,
                                                   .came_in_at = command.completed_at}};
}

ReminderState Evolve(ReminderState state, const ReminderEvent& event) {
  std::visit(
      [&state](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, ReminderScheduled>) {
          state.reminder_id = e.reminder_id;
          state.asset_id = e.asset_id;
          state.customer_id = e.customer_id;
          state.model = e.model;
          state.kind = e.kind;
          state.basis_at = e.basis_at;
          state.remind_at = e.remind_at;
          state.due_by = e.due_by;
          state.status = ReminderStatus::kScheduled;
        } else if constexpr (std::is_same_v<E, ReminderFellDue>) {
          state.status = ReminderStatus::kDue;
          state.fell_due_at = e.fell_due_at;
        } else if constexpr (std::is_same_v<E, ReminderOutcomeRecorded>) {
          state.status = ReminderStatus::kAnswered;
          state.outcome = e.outcome;
          state.outcome_at = e.recorded_at;
          state.outcome_agent_id = e.agent_id;
          state.note = e.note;
        } else if constexpr (std::is_same_v<E, ReminderCameIn>) {
          state.status = ReminderStatus::kCameIn;
          state.came_in_at = e.came_in_at;
          state.came_in_job_id = e.job_id;
        }
      },
      event);
  ++state.version;
  return state;
}

ReminderState Replay(const std::vector<ReminderEvent>& events) {
  ReminderState state;
  for (const auto& e : events) state = Evolve(std::move(state), e);
  return state;
}

}  // namespace fieldline::callbacks
