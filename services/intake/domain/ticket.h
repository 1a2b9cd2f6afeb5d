#pragma once

// The Ticket aggregate: one service request from the moment an intake agent registers it until
// the job that fixes it is completed. Pure: no protobuf, gRPC, RocksDB, Kafka or clock; time and
// ids come in as arguments.
//
//   OpenTicket (intake agent)              → TicketOpened       (new)        → OPEN
//   RecordJobAssigned (scheduling's event) → TicketScheduled    OPEN         → SCHEDULED
//   RecordJobStarted (scheduling's event)  → TicketWorkStarted  SCHEDULED    → IN_PROGRESS
//   RecordJobCompleted (scheduling's event)→ TicketCompleted    IN_PROGRESS  → COMPLETED
//   ResolveRemotely                        → TicketResolvedRemotely  OPEN → RESOLVED_REMOTELY
//   CloseTicket (after the callback)       → TicketClosed  COMPLETED / RESOLVED_REMOTELY /
//                                                          RETURNED_TO_CUSTOMER → CLOSED
//   CancelTicket (reason)                  → TicketCancelled  OPEN / SCHEDULED / IN_PROGRESS /
//                                        WAITING_FOR_PARTS / AT_SERVICE_CENTRE → CANCELLED
//   ReopenTicket (reason)                  → TicketReopened   COMPLETED / RESOLVED_REMOTELY /
//                                                             RETURNED_TO_CUSTOMER / CLOSED → OPEN
//   Depot path: ReceiveAtServiceCentre OPEN → AT_SERVICE_CENTRE; SendToFactory
//   AT_SERVICE_CENTRE → AT_FACTORY; ReceiveFromFactory AT_FACTORY → BACK_FROM_FACTORY;
//   ReturnToCustomer AT_SERVICE_CENTRE / BACK_FROM_FACTORY → RETURNED_TO_CUSTOMER.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/core/types.h"
#include "services/intake/domain/customer.h"
#include "services/intake/domain/entitlement.h"
#include "services/intake/domain/rules.h"

namespace fieldline::intake {

// Where a ticket is in its life. kNone is a ticket that was never opened. New states go here
// and in TicketStatusName; every rule names the state it found in its error message.
enum class TicketStatus {
  kNone = 0,
  kOpen = 1,
  kScheduled = 2,
  kInProgress = 3,
  kCompleted = 4,
  kResolvedRemotely = 5,
  kClosed = 6,
  kCancelled = 7,
  kAtServiceCentre = 8,
  kAtFactory = 9,
  kBackFromFactory = 10,
  kReturnedToCustomer = 11,
  kWaitingForParts = 12,  // inventory back-ordered the job's parts; SLA clocks paused
};

// "open", "scheduled", "in progress", ... — as a dispatcher would say it.
std::string_view TicketStatusName(TicketStatus status);

// The customer as recorded on the ticket.
struct TicketCustomer {
  std::string customer_id;  // optional link to a customer record
  std::string name;
  std::string phone;
  std::string address;
  std::optional<GeoPoint> location;
  friend bool operator==(const TicketCustomer&, const TicketCustomer&) = default;
};

// The channels a request can come in through; the first is the default.
inline constexpr std::string_view kTicketChannels[] = {"phone", "web", "walk-in", "partner",
                                                       "app"};

// Limits of OpenTicket's input.
inline constexpr size_t kMaxCategoryChars = 64;
inline constexpr size_t kMaxSymptomChars = 2000;
inline constexpr size_t kMaxPartLines = 50;
inline constexpr size_t kMaxPromiseChars = 200;
inline constexpr size_t kMaxTicketReasonChars = 500;

struct TicketState {
  std::string ticket_id;
  TicketStatus status = TicketStatus::kNone;
  TicketCustomer customer;
  std::string category;
  std::string symptom;
  Priority priority = Priority::kUnspecified;
  std::string channel;
  std::vector<PartLine> parts_needed;
  std::string job_id;         // the job that serves the ticket, once scheduled
  std::string technician_id;  // its technician
  std::vector<PartLine> parts_used;
  std::string resolution;
  // Issue 3: asset, entitlement and promise recorded at intake; the rest of the lifecycle.
  std::string asset_id;
  std::string fault_cause;
  std::optional<Entitlement> entitlement;
  std::string service_promise;
  std::string close_outcome;
  std::string cancel_reason;
  std::string last_reopen_reason;
  int32_t reopen_count = 0;
  std::string service_centre_id;
  std::string factory;
  absl::Time promised_ready_by = absl::InfinitePast();
  absl::Time promised_back_by = absl::InfinitePast();
  // SLA (issue 3 item 4): facts recorded at intake, pauses, and what the sweep reported.
  CustomerTier customer_tier = CustomerTier::kC;
  std::optional<ServicePromises> contract_promises;
  bool waiting_for_customer = false;
  std::string waiting_reason;
  std::vector<PartLine> missing_parts;       // while waiting for parts
  TicketStatus status_before_parts = TicketStatus::kNone;
  std::vector<std::string> sla_warned;       // clock names ("response", ...)
  std::vector<std::string> sla_breached;
  // Issue 3, third round: the SLA due times recorded at opening, the current job's arrival and
  // the callback that closed the ticket.
  absl::Time onsite_due = absl::InfinitePast();
  absl::Time resolution_due = absl::InfinitePast();
  absl::Time technician_arrived_at = absl::InfinitePast();  // InfinitePast: not arrived
  std::string arrived_job_id;
  std::string closed_by_callback_id;
  // The status the job-driven rules see: the one underneath a wait for parts.
  TicketStatus work_status() const {
    return status == TicketStatus::kWaitingForParts ? status_before_parts : status;
  }
  friend bool operator==(const TicketState&, const TicketState&) = default;
};

// What the app knows of the asset named at intake (looked up from its projection).
struct AssetFacts {
  std::string asset_id;
  std::string owner_customer_id;
  absl::Time warranty_end = absl::InfinitePast();
};

// --- commands ---

// An intake agent registers a service request. `ticket_id` is chosen by the caller (a new
// UUIDv7); everything else is as the agent typed it and is normalised by Decide.
struct OpenTicket {
  std::string ticket_id;
  TicketCustomer customer;
  std::string category;
  std::string symptom;
  Priority priority = Priority::kUnspecified;
  std::string channel;
  std::vector<PartLine> parts_needed;
  // Issue 3 (all optional). `asset_id` as typed; `asset` is what the app found for it (none:
  // NOT_FOUND asset_id). With an asset the entitlement is evaluated under `entitlement_policy`.
  std::string asset_id;
  std::optional<AssetFacts> asset;
  std::string fault_cause;
  std::string service_promise;
  EntitlementPolicy entitlement_policy;
  // SLA facts the app looked up: the registered customer's tier (C when none) and the
  // asset's contract promises, if the contract is in force.
  CustomerTier customer_tier = CustomerTier::kC;
  std::optional<ServicePromises> contract_promises;
};

// Scheduling assigned a technician to the ticket's job.
struct RecordJobAssigned {
  std::string ticket_id;
  std::string job_id;
  std::string technician_id;
};

// The technician arrived at the customer's site for the ticket's job (scheduling's JobArrived).
struct RecordJobArrived {
  std::string ticket_id;
  std::string job_id;
  std::string technician_id;
  absl::Time arrived_at = absl::InfinitePast();  // as reported; InfinitePast: not given
};

// Callbacks' outcome for the ticket (reached and satisfied, failed, excluded): the ticket closes
// if it can. `outcome` is the sentence recorded as the close outcome.
struct RecordCallbackOutcome {
  std::string ticket_id;
  std::string callback_id;
  std::string outcome;
};

// The technician started work on the ticket's job.
struct RecordJobStarted {
  std::string ticket_id;
  std::string job_id;
};

// The technician completed the ticket's job.
struct RecordJobCompleted {
  std::string ticket_id;
  std::string job_id;
  std::vector<PartLine> parts_used;
  std::string resolution;
};

// The rest of the lifecycle (issue 3), commanded by people.
struct ResolveRemotely {
  std::string ticket_id;
  std::string resolution;  // required
};
struct CloseTicket {
  std::string ticket_id;
  std::string outcome;  // the callback outcome; required
};
struct CancelTicket {
  std::string ticket_id;
  std::string reason;  // required
};
struct ReopenTicket {
  std::string ticket_id;
  std::string reason;  // required
};
struct ReceiveAtServiceCentre {
  std::string ticket_id;
  std::string service_centre_id;                     // required
  absl::Duration store_repair_promise = absl::Hours(72);  // policy: ready within 1-3 days
};
struct SendToFactory {
  std::string ticket_id;
  std::string factory;                                        // required
  absl::Duration factory_return_promise = absl::Hours(24 * 30);  // policy: about 30 days
};
struct ReceiveFromFactory {
  std::string ticket_id;
  std::string note;  // optional
};
struct ReturnToCustomer {
  std::string ticket_id;
  std::string resolution;  // required
};

// SLA pauses commanded by people: the ticket waits for the customer (reason required) / the
// customer is back (reason optional).
struct WaitForCustomer {
  std::string ticket_id;
  std::string reason;
};
struct ResumeFromCustomer {
  std::string ticket_id;
  std::string reason;
};

using TicketCommand =
    std::variant<ResolveRemotely, CloseTicket, CancelTicket, ReopenTicket,
                 ReceiveAtServiceCentre, SendToFactory, ReceiveFromFactory, ReturnToCustomer,
                 WaitForCustomer, ResumeFromCustomer>;

// Inventory back-ordered a part for the ticket's job (reaction).
struct RecordPartsBackordered {
  std::string ticket_id;
  std::string job_id;
  PartLine part;
};
// Inventory reserved a part for the ticket's job (reaction); when nothing is missing any more
// the ticket's parts have arrived.
struct RecordPartsReserved {
  std::string ticket_id;
  std::string job_id;
  PartLine part;
};
// The SLA sweep's finding for one clock: report a warning and/or a breach once.
struct RecordSlaFinding {
  std::string ticket_id;
  std::string clock;  // "response", "on_site", "resolution"
  bool warning = false;
  bool breached = false;
  absl::Time due = absl::InfiniteFuture();
  int64_t allowance_minutes = 0;
  int64_t elapsed_minutes = 0;
};

// --- events ---

struct TicketOpened {
  std::string ticket_id;
  TicketCustomer customer;
  std::string category;
  std::string symptom;
  Priority priority = Priority::kNormal;
  std::string channel;
  std::vector<PartLine> parts_needed;
  std::string asset_id;
  std::string fault_cause;
  std::optional<Entitlement> entitlement;
  std::string service_promise;
  CustomerTier customer_tier = CustomerTier::kC;
  std::optional<ServicePromises> contract_promises;
  // When the on-site / resolution clocks would breach if nothing paused them, computed by the
  // app from the SLA policy at opening (InfinitePast: no such promise).
  absl::Time onsite_due = absl::InfinitePast();
  absl::Time resolution_due = absl::InfinitePast();
  friend bool operator==(const TicketOpened&, const TicketOpened&) = default;
};

struct TicketScheduled {
  std::string ticket_id;
  std::string job_id;
  std::string technician_id;
  friend bool operator==(const TicketScheduled&, const TicketScheduled&) = default;
};

struct TicketWorkStarted {
  std::string ticket_id;
  std::string job_id;
  friend bool operator==(const TicketWorkStarted&, const TicketWorkStarted&) = default;
};

struct TicketCompleted {
  std::string ticket_id;
  std::string job_id;
  std::vector<PartLine> parts_used;
  std::string resolution;
  friend bool operator==(const TicketCompleted&, const TicketCompleted&) = default;
};

struct TicketResolvedRemotely {
  std::string ticket_id;
  std::string resolution;
  friend bool operator==(const TicketResolvedRemotely&, const TicketResolvedRemotely&) = default;
};
struct TicketClosed {
  std::string ticket_id;
  std::string outcome;
  std::string callback_id;  // empty: closed by a manager
  friend bool operator==(const TicketClosed&, const TicketClosed&) = default;
};
struct TicketCancelled {
  std::string ticket_id;
  std::string reason;
  std::string job_id;         // the job scheduling must cancel (empty: none yet)
  std::string technician_id;
  friend bool operator==(const TicketCancelled&, const TicketCancelled&) = default;
};
struct TicketReopened {
  std::string ticket_id;
  std::string reason;
  friend bool operator==(const TicketReopened&, const TicketReopened&) = default;
};
struct TicketReceivedAtServiceCentre {
  std::string ticket_id;
  std::string service_centre_id;
  absl::Time promised_ready_by = absl::InfinitePast();
  friend bool operator==(const TicketReceivedAtServiceCentre&,
                         const TicketReceivedAtServiceCentre&) = default;
};
struct TicketSentToFactory {
  std::string ticket_id;
  std::string factory;
  absl::Time promised_back_by = absl::InfinitePast();
  friend bool operator==(const TicketSentToFactory&, const TicketSentToFactory&) = default;
};
struct TicketBackFromFactory {
  std::string ticket_id;
  std::string note;
  friend bool operator==(const TicketBackFromFactory&, const TicketBackFromFactory&) = default;
};
struct TicketReturnedToCustomer {
  std::string ticket_id;
  std::string resolution;
  friend bool operator==(const TicketReturnedToCustomer&,
                         const TicketReturnedToCustomer&) = default;
};

struct TicketWaitingForParts {
  std::string ticket_id;
  std::string job_id;
  std::vector<PartLine> missing_parts;
  friend bool operator==(const TicketWaitingForParts&, const TicketWaitingForParts&) = default;
};
struct TicketPartsArrived {
  std::string ticket_id;
  std::string job_id;
  std::vector<PartLine> missing_parts;
  friend bool operator==(const TicketPartsArrived&, const TicketPartsArrived&) = default;
};
struct TicketWaitingForCustomer {
  std::string ticket_id;
  std::string reason;
  friend bool operator==(const TicketWaitingForCustomer&,
                         const TicketWaitingForCustomer&) = default;
};
struct TicketCustomerResumed {
  std::string ticket_id;
  std::string reason;
  friend bool operator==(const TicketCustomerResumed&, const TicketCustomerResumed&) = default;
};
// The technician arrived for the ticket's job: the on-site clock stops at `arrived_at`.
struct TicketTechnicianArrived {
  std::string ticket_id;
  std::string job_id;
  std::string technician_id;
  absl::Time arrived_at = absl::InfinitePast();
  friend bool operator==(const TicketTechnicianArrived&,
                         const TicketTechnicianArrived&) = default;
};
// SLA warning / breach of one clock (the sweep's events).
struct TicketSlaReported {
  std::string ticket_id;
  bool breach = false;  // false: warning
  std::string customer_id;
  std::string clock;
  absl::Time due = absl::InfiniteFuture();
  int64_t allowance_minutes = 0;
  int64_t elapsed_minutes = 0;
  CustomerTier tier = CustomerTier::kC;
  Priority priority = Priority::kNormal;
  friend bool operator==(const TicketSlaReported&, const TicketSlaReported&) = default;
};

using TicketEvent =
    std::variant<TicketOpened, TicketScheduled, TicketWorkStarted, TicketCompleted,
                 TicketResolvedRemotely, TicketClosed, TicketCancelled, TicketReopened,
                 TicketReceivedAtServiceCentre, TicketSentToFactory, TicketBackFromFactory,
                 TicketReturnedToCustomer, TicketWaitingForParts, TicketPartsArrived,
                 TicketWaitingForCustomer, TicketCustomerResumed, TicketSlaReported,
                 TicketTechnicianArrived>;

// --- the decider ---

// INVALID_ARGUMENT naming the field for bad input; ALREADY_EXISTS if the ticket was opened.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const OpenTicket& command,
                                                             absl::Time now);
// NOT_FOUND for a ticket never opened; FAILED_PRECONDITION unless OPEN. No events when the
// ticket is already scheduled for the same job and technician (a repeated assignment).
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const RecordJobAssigned& command,
                                                             absl::Time now);
// NOT_FOUND for a ticket never opened; FAILED_PRECONDITION unless SCHEDULED (or waiting for
// parts while scheduled) for that job. No events when that job's arrival was recorded already.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const RecordJobArrived& command,
                                                             absl::Time now);
// Callbacks' outcome: TicketClosed (outcome, callback id) from COMPLETED, RESOLVED_REMOTELY or
// RETURNED_TO_CUSTOMER; no events for a ticket already CLOSED; FAILED_PRECONDITION naming the
// state otherwise (e.g. reopened); INVALID_ARGUMENT (callback_id / outcome) when missing.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const RecordCallbackOutcome& command,
                                                             absl::Time now);
// NOT_FOUND for a ticket never opened; FAILED_PRECONDITION unless SCHEDULED for that job.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const RecordJobStarted& command,
                                                             absl::Time now);
// NOT_FOUND for a ticket never opened; FAILED_PRECONDITION unless IN_PROGRESS on that job.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const RecordJobCompleted& command,
                                                             absl::Time now);

// The people-driven lifecycle commands: NOT_FOUND for a ticket never opened; INVALID_ARGUMENT
// naming the field for a missing reason/outcome/resolution/location; FAILED_PRECONDITION naming
// the ticket's current state for every transition the lifecycle does not allow.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const TicketCommand& command,
                                                             absl::Time now);

// Parts: NOT_FOUND for a ticket never opened; FAILED_PRECONDITION for another job or a ticket
// that is not open, scheduled, in progress or already waiting for parts; no events for a
// reservation that fills nothing the ticket waits for.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(
    const TicketState& state, const RecordPartsBackordered& command, absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(
    const TicketState& state, const RecordPartsReserved& command, absl::Time now);
// The warning and/or breach not reported yet for that clock (none if both were).
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const RecordSlaFinding& command,
                                                             absl::Time now);

TicketState Evolve(TicketState state, const TicketEvent& event);

// The ticket id an event is about.
const std::string& TicketIdOf(const TicketEvent& event);

}  // namespace fieldline::intake
