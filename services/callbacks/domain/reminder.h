#pragma once

// The Reminder aggregate (DOMAIN.md §4): a call the care desk owes a customer because of an
// asset — first maintenance 2–3 months after delivery or installation, regular maintenance one
// week before it is due, warranty / contract / insurance expiry one month before the end.
// Aggregate type "Reminder", id = ReminderIdFor(asset, kind, basis). Pure: no protobuf, gRPC,
// RocksDB or clock; time and policy come in as arguments.
//
// Lifecycle: scheduled (waits for its remind_at) → due (a ticker says so; on the care desk's due
// list) → an outcome recorded by an agent (may be corrected while the reminder is open) → for a
// maintenance reminder, "came in" when a maintenance visit on the asset is completed (or an agent
// records that the customer came in). Came in is final.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/callbacks/domain/care.h"
#include "services/common/core/types.h"

namespace fieldline::callbacks {

inline constexpr char kReminderAggregateType[] = "Reminder";

enum class ReminderKind {
  kUnspecified = 0,
  kFirstMaintenance = 1,    // 2–3 months after delivery / installation
  kRegularMaintenance = 2,  // one week before the next maintenance is due
  kWarrantyExpiry = 3,      // one month before the warranty ends
  kContractExpiry = 4,      // one month before the service contract ends
  kInsuranceExpiry = 5,     // one month before the insurance ends (no event carries it yet)
};
// "first_maintenance", "regular_maintenance", "warranty_expiry", "contract_expiry",
// "insurance_expiry".
const char* ReminderKindName(ReminderKind kind);
// First and regular maintenance: the reminders a visit can answer ("came in").
bool IsMaintenance(ReminderKind kind);

enum class ReminderStatus {
  kNone = 0,       // does not exist
  kScheduled = 1,  // waiting for remind_at
  kDue = 2,        // fell due; on the due list until an outcome is recorded
  kAnswered = 3,   // an agent recorded an outcome (booked, informed, declined, unreachable)
  kCameIn = 4,     // the customer came in for the maintenance: final
};

// What the agent's call (or the visit) came to.
enum class ReminderOutcome {
  kUnspecified = 0,
  kBooked = 1,       // maintenance: the customer will come / an appointment was made
  kInformed = 2,     // the customer was told (any kind)
  kDeclined = 3,     // the customer does not want it
  kUnreachable = 4,  // could not be reached
  kCameIn = 5,       // maintenance: the customer came in (the agent saw it at the counter)
};
const char* ReminderOutcomeName(ReminderOutcome outcome);

// One reminder per asset, kind and basis day (UTC): hearing the same asset event twice, or two
// maintenance visits the same day, finds the same reminder.
std::string ReminderIdFor(std::string_view asset_id, ReminderKind kind, absl::Time basis_at);

struct ReminderState {
  std::string reminder_id;
  std::string asset_id;
  std::string customer_id;
  std::string model;
  ReminderKind kind = ReminderKind::kUnspecified;
  absl::Time basis_at = absl::InfinitePast();   // installation, maintenance due, end of cover
  absl::Time remind_at = absl::InfinitePast();  // when it falls due
  absl::Time due_by = absl::InfinitePast();     // the last useful moment (overdue after)
  ReminderStatus status = ReminderStatus::kNone;
  absl::Time fell_due_at = absl::InfinitePast();
  ReminderOutcome outcome = ReminderOutcome::kUnspecified;
  absl::Time outcome_at = absl::InfinitePast();
  std::string outcome_agent_id;
  std::string note;
  absl::Time came_in_at = absl::InfinitePast();
  std::string came_in_job_id;  // empty when an agent recorded it
  int64_t version = 0;
  friend bool operator==(const ReminderState&, const ReminderState&) = default;
};

// Open (not came in) and past its due_by.
bool IsOverdue(const ReminderState& state, absl::Time now);

// --- commands ---

// Something happened to an asset that makes a reminder owed. `basis_at`: first maintenance —
// the delivery/installation; regular maintenance — the day the maintenance is due; expiries —
// the end of the cover.
struct ScheduleReminder {
  std::string asset_id;
  std::string customer_id;
  std::string model;
  ReminderKind kind = ReminderKind::kUnspecified;
  absl::Time basis_at = absl::InfinitePast();
};

// The ticker: the reminder's remind_at has come.
struct MarkReminderDue {
  std::string reminder_id;
};

// A care agent records what the reminder call came to.
struct RecordReminderOutcome {
  std::string reminder_id;
  ReminderOutcome outcome = ReminderOutcome::kUnspecified;
  std::string note;
  int64_t expected_version = 0;  // 0: do not check
};

// A maintenance visit on the asset was completed (scheduling's JobCompleted on a maintenance
// ticket of the asset).
struct RecordMaintenanceVisit {
  std::string reminder_id;
  std::string job_id;
  absl::Time completed_at = absl::InfinitePast();
};

// --- events ---

struct ReminderScheduled {
  std::string reminder_id;
  std::string asset_id;
  std::string customer_id;
  std::string model;
  ReminderKind kind = ReminderKind::kUnspecified;
  absl::Time basis_at = absl::InfinitePast();
  absl::Time remind_at = absl::InfinitePast();
  absl::Time due_by = absl::InfinitePast();
  friend bool operator==(const ReminderScheduled&, const ReminderScheduled&) = default;
};

struct ReminderFellDue {
  std::string reminder_id;
  absl::Time fell_due_at = absl::InfinitePast();
  friend bool operator==(const ReminderFellDue&, const ReminderFellDue&) = default;
};

struct ReminderOutcomeRecorded {
  std::string reminder_id;
  ReminderOutcome outcome = ReminderOutcome::kUnspecified;
  std::string agent_id;
  absl::Time recorded_at = absl::InfinitePast();
  std::string note;
  friend bool operator==(const ReminderOutcomeRecorded&, const ReminderOutcomeRecorded&) = default;
};

struct ReminderCameIn {
  std::string reminder_id;
  std::string job_id;  // empty when recorded by an agent
  absl::Time came_in_at = absl::InfinitePast();
  friend bool operator==(const ReminderCameIn&, const ReminderCameIn&) = default;
};

using ReminderEvent =
    std::variant<ReminderScheduled, ReminderFellDue, ReminderOutcomeRecorded, ReminderCameIn>;

// The schedule of a reminder of `kind` from `basis_at` under `policy`: {remind_at, due_by}.
struct ReminderSchedule {
  absl::Time remind_at;
  absl::Time due_by;
};
ReminderSchedule ScheduleOf(ReminderKind kind, absl::Time basis_at, const ReminderPolicy& policy);

// INVALID_ARGUMENT "asset_id" / "kind" / "basis_at"; ALREADY_EXISTS "reminder_id" when it
// exists; FAILED_PRECONDITION when its due_by has already passed at `now` (nothing to remind).
[[nodiscard]] absl::StatusOr<std::vector<ReminderEvent>> Decide(const ReminderState& state,
                                                                const ScheduleReminder& command,
                                                                absl::Time now,
                                                                const ReminderPolicy& policy);
// NOT_FOUND "reminder_id"; FAILED_PRECONDITION before remind_at (saying when) or when it is no
// longer waiting.
[[nodiscard]] absl::StatusOr<std::vector<ReminderEvent>> Decide(const ReminderState& state,
                                                                const MarkReminderDue& command,
                                                                absl::Time now);
// INVALID_ARGUMENT "reminder_id" / "outcome" (unspecified; booked or came in for a reminder that
// is not about maintenance); NOT_FOUND; ABORTED on a stale version; FAILED_PRECONDITION before it
// fell due or after the customer came in.
[[nodiscard]] absl::StatusOr<std::vector<ReminderEvent>> Decide(
    const ReminderState& state, const RecordReminderOutcome& command, const Actor& by,
    absl::Time now);
// NOT_FOUND; INVALID_ARGUMENT "job_id" / "completed_at"; FAILED_PRECONDITION when the reminder is
// not about maintenance or the visit was before remind_at (it was not an answer to it);
// ALREADY_EXISTS "reminder_id" when the customer already came in.
[[nodiscard]] absl::StatusOr<std::vector<ReminderEvent>> Decide(
    const ReminderState& state, const RecordMaintenanceVisit& command);

ReminderState Evolve(ReminderState state, const ReminderEvent& event);
ReminderState Replay(const std::vector<ReminderEvent>& events);

}  // namespace fieldline::callbacks
