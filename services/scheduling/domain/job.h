#pragma once

// The Job aggregate: the on-site work for one ticket. Created when intake opens the ticket,
// assigned by a dispatcher to a technician who has the ticket's skill, started and completed by
// that technician.
//
//   UNASSIGNED --AssignJob--> ASSIGNED --StartJob / MarkArrived--> IN_PROGRESS --CompleteJob-->
//   COMPLETED; ASSIGNED --UnassignJob / DeclineJob--> UNASSIGNED; ReassignJob and RescheduleJob
//   keep the state; AcceptJob, MarkEnRoute and ReportWork record the technician's day.
//
// Assignment checks the technician's calendar (calendar.h): skill, active, territory (override
// with a reason), the key account's fixed technician (override with a reason), shift, absence,
// and no overlap with their other bookings including travel time.
//
// Pure: no I/O, no clock; time, the acting user and the technician come in as arguments.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/core/types.h"
#include "services/scheduling/domain/calendar.h"
#include "services/scheduling/domain/technician.h"

namespace fieldline::scheduling {

inline constexpr std::string_view kJobAggregate = "Job";
inline constexpr size_t kMaxResolutionChars = 2000;
inline constexpr size_t kMaxReasonChars = 500;

// The job of a ticket, found again deterministically from the ticket id.
std::string JobIdForTicket(std::string_view ticket_id);

enum class JobStatus {
  kUnassigned = 1,
  kAssigned = 2,
  kInProgress = 3,
  kCompleted = 4,
  kCancelled = 5  // the ticket was cancelled or resolved remotely: no visit will happen
};

// "unassigned", "assigned", "in progress", "completed": for messages.
std::string_view JobStatusName(JobStatus status);

// The customer as intake recorded them on the ticket.
struct Customer {
  std::string customer_id;
  std::string name;
  std::string phone;
  std::string address;
  GeoPoint location;
  friend bool operator==(const Customer&, const Customer&) = default;
};

// When and how the technician arrived.
struct Arrival {
  absl::Time at;
  bool on_time = true;
  int64_t late_minutes = 0;   // after the window's end
  int64_t early_minutes = 0;  // before the window's start minus the tolerance
  friend bool operator==(const Arrival&, const Arrival&) = default;
};

// A call to the customer about the appointment (by the technician or a dispatcher).
struct CustomerCall {
  std::string outcome;  // one of kCallOutcomes
  std::optional<absl::Time> agreed_window_start;  // with "agreed"
  std::optional<absl::Time> agreed_window_end;
  std::string note;
  absl::Time called_at;  // the device's time, else the server's
  std::string called_by;  // user id
  friend bool operator==(const CustomerCall&, const CustomerCall&) = default;
};

// The outcomes a call may have; "agreed" carries the new appointment window.
inline constexpr std::string_view kCallAgreed = "agreed";
inline constexpr std::string_view kCallOutcomes[] = {
    "agreed", "no_answer", "busy", "customer_asked_other_time", "wrong_number"};
inline constexpr int64_t kMaxDurationMinutes = 24 * 60;

// The on-site report; each ReportWork adds to it (texts replace, lists append).
struct WorkReport {
  std::vector<std::string> checklist_done;
  std::string fault_type;
  std::string fault_location;
  std::string cause;
  std::string solution;
  std::vector<std::string> photo_refs;
  std::string fee_item;
  int64_t fee_minor = 0;
  std::string signature_ref;
  std::string signer_name;
  friend bool operator==(const WorkReport&, const WorkReport&) = default;
};

struct JobState {
  std::string job_id;
  std::string ticket_id;
  Customer customer;
  std::string required_skill;
  Priority priority = Priority::kUnspecified;
  std::vector<PartLine> parts_needed;
  JobStatus status = JobStatus::kUnassigned;
  std::string technician_id;
  std::optional<absl::Time> window_start;
  std::optional<absl::Time> window_end;
  std::vector<PartLine> parts_used;
  std::string resolution;
  bool accepted = false;
  std::optional<absl::Time> en_route_at;
  std::optional<Arrival> arrival;
  WorkReport report;
  std::string last_reason;  // of the latest reassign / unassign / reschedule / decline
  int visits_ended = 0;     // visits that ended without completing the job
  bool waiting_for_parts = false;
  std::vector<PartLine> parts_missing;
  std::vector<std::string> helper_ids;  // the crew beside the lead (technician_id)
  // SLA deadlines from the ticket (intake computed them); nullopt: the ticket carried none.
  std::optional<absl::Time> onsite_due;
  std::optional<absl::Time> resolution_due;
  absl::Duration duration = absl::ZeroDuration();  // estimated on-site time; 0: policy default
  std::vector<CustomerCall> calls;                 // oldest first
  int64_t version = 0;                             // events applied; 0: no such job

  bool exists() const { return version > 0; }
  // The job's place on its technician's calendar: assigned or in progress, with a window.
  std::optional<Booking> BookingOf() const;
  // The lead and the helpers.
  std::vector<std::string> Crew() const;
  // When the technician must be on site: the ticket's onsite_due, else created_at + the
  // policy's sla_on_site (tickets from before intake computed deadlines).
  absl::Time SlaDeadline(absl::Time created_at, const DispatchPolicy& policy) const;
  // The estimated on-site time: `duration` when set, else the policy's for the category.
  absl::Duration EstimatedDuration(const DispatchPolicy& policy) const;
  // Completed or cancelled: nothing more happens to it.
  bool closed() const {
    return status == JobStatus::kCompleted || status == JobStatus::kCancelled;
  }
};

// What an assignment is checked against, read by the app under the technician's lock.
struct AssignmentContext {
  std::vector<Booking> technician_bookings;  // the technician's other bookings
  std::string fixed_technician_id;           // the customer's fixed technician, if any
  DispatchPolicy policy;
};

// --- commands ---

// From intake's TicketOpened. Creating a job that exists is a no-op (the ticket was seen before).
struct CreateJob {
  std::string job_id;
  std::string ticket_id;
  Customer customer;
  std::string required_skill;
  Priority priority = Priority::kUnspecified;
  std::vector<PartLine> parts_needed;
  std::optional<absl::Time> onsite_due;
  std::optional<absl::Time> resolution_due;
  absl::Duration duration = absl::ZeroDuration();  // 0: the policy's for the category
};

// From intake's TicketCancelled or TicketResolvedRemotely: no visit will happen. A job that does
// not exist, is completed or already cancelled: no events.
struct CancelJob {
  std::string job_id;
  std::string reason;
};

// The dispatcher changes the estimated duration; a booked job's window end moves with it.
struct ChangeJobDuration {
  std::string job_id;
  int64_t duration_minutes = 0;  // 1 .. kMaxDurationMinutes
  std::string reason;
  int64_t expected_version = 0;
};

// The technician (own job) or a dispatcher called the customer; "agreed" moves the booking.
struct RecordCustomerCall {
  std::string job_id;
  std::string outcome;
  std::optional<absl::Time> agreed_window_start;
  std::optional<absl::Time> agreed_window_end;
  std::string note;
  absl::Time called_at;  // the device's time, else the server's
};

struct AssignJob {
  std::string job_id;
  std::string technician_id;
  std::optional<absl::Time> window_start;
  std::optional<absl::Time> window_end;
  int64_t expected_version = 0;  // 0: do not check
  std::string override_reason;   // to assign outside the territory or instead of the fixed one
  std::string reason;            // optional, recorded on JobAssigned (e.g. "plan <id>")
};

struct ReassignJob {
  std::string job_id;
  std::string technician_id;
  std::string reason;
  std::optional<absl::Time> window_start;  // nullopt: keep the current window
  std::optional<absl::Time> window_end;
  std::string override_reason;
  int64_t expected_version = 0;
};

struct UnassignJob {
  std::string job_id;
  std::string reason;
  int64_t expected_version = 0;
};

struct RescheduleJob {
  std::string job_id;
  absl::Time window_start;
  absl::Time window_end;
  std::string reason;
  int64_t expected_version = 0;
};

// --- the technician's day (by the assigned technician, or a dispatcher on their behalf) ---

struct AcceptJob {
  std::string job_id;
};

struct DeclineJob {
  std::string job_id;
  std::string reason;
};

struct MarkEnRoute {
  std::string job_id;
  absl::Time at;  // the device's time, else the server's
};

struct MarkArrived {
  std::string job_id;
  absl::Time at;  // the device's time, else the server's
};

struct ReportWork {
  std::string job_id;
  WorkReport report;  // fee_minor is ignored: it comes from the fee schedule
};

struct AddHelper {
  std::string job_id;
  std::string helper_id;
};

struct RemoveHelper {
  std::string job_id;
  std::string helper_id;
  std::string reason;
};

// The visit ends without completing the job (multi-visit jobs); parts_missing: waiting for parts.
struct EndVisit {
  std::string job_id;
  std::string reason;
  std::vector<PartLine> parts_missing;
};

// From inventory's PartsBackordered: the job waits for these parts.
struct MarkWaitingForParts {
  std::string job_id;
  std::vector<PartLine> parts;
};

// From inventory's PartsReserved: `quantity` of `sku` is now held for the job.
struct MarkPartsReady {
  std::string job_id;
  std::string sku;
  int64_t quantity = 0;
};

struct StartJob {
  std::string job_id;
  int64_t expected_version = 0;
};

struct CompleteJob {
  std::string job_id;
  int64_t expected_version = 0;
  std::vector<PartLine> parts_used;
  std::string resolution;
};

// --- events ---

struct JobCreated {
  std::string job_id;
  std::string ticket_id;
  Customer customer;
  std::string required_skill;
  Priority priority = Priority::kUnspecified;
  std::vector<PartLine> parts_needed;
  std::optional<absl::Time> onsite_due;
  std::optional<absl::Time> resolution_due;
  absl::Duration duration = absl::ZeroDuration();
  friend bool operator==(const JobCreated&, const JobCreated&) = default;
};

struct JobCancelled {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;  // who it was booked with, if anyone
  std::string reason;
  friend bool operator==(const JobCancelled&, const JobCancelled&) = default;
};

struct JobCustomerCalled {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  CustomerCall call;
  friend bool operator==(const JobCustomerCalled&, const JobCustomerCalled&) = default;
};

struct JobDurationChanged {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  int64_t duration_minutes = 0;
  int64_t previous_minutes = 0;
  std::string reason;
  std::optional<absl::Time> window_end;  // the booking's new end, when booked
  friend bool operator==(const JobDurationChanged&, const JobDurationChanged&) = default;
};

struct JobAssigned {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::string van_location_id;
  std::optional<absl::Time> window_start;
  std::optional<absl::Time> window_end;
  std::vector<PartLine> parts_needed;
  GeoPoint site;
  std::string override_reason;
  std::string reason;  // why (e.g. "plan <id>"); empty for a dispatcher's assignment
  friend bool operator==(const JobAssigned&, const JobAssigned&) = default;
};

struct JobReassigned {
  std::string job_id;
  std::string ticket_id;
  std::string from_technician_id;
  std::string to_technician_id;
  std::string van_location_id;
  std::optional<absl::Time> window_start;
  std::optional<absl::Time> window_end;
  std::string reason;
  std::string override_reason;
  friend bool operator==(const JobReassigned&, const JobReassigned&) = default;
};

struct JobUnassigned {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::string reason;
  friend bool operator==(const JobUnassigned&, const JobUnassigned&) = default;
};

struct JobRescheduled {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  absl::Time window_start;
  absl::Time window_end;
  std::string reason;
  friend bool operator==(const JobRescheduled&, const JobRescheduled&) = default;
};

struct JobAccepted {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  friend bool operator==(const JobAccepted&, const JobAccepted&) = default;
};

struct JobDeclined {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::string reason;
  friend bool operator==(const JobDeclined&, const JobDeclined&) = default;
};

struct JobEnRoute {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  absl::Time at;
  friend bool operator==(const JobEnRoute&, const JobEnRoute&) = default;
};

struct JobArrived {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  Arrival arrival;
  friend bool operator==(const JobArrived&, const JobArrived&) = default;
};

struct JobWorkReported {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  WorkReport report;  // what this update added
  friend bool operator==(const JobWorkReported&, const JobWorkReported&) = default;
};

struct JobStarted {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  friend bool operator==(const JobStarted&, const JobStarted&) = default;
};

struct JobCompleted {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::vector<PartLine> parts_used;
  std::string resolution;
  friend bool operator==(const JobCompleted&, const JobCompleted&) = default;
};

struct JobVisitEnded {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  int visit = 0;
  std::string reason;
  std::vector<PartLine> parts_missing;
  friend bool operator==(const JobVisitEnded&, const JobVisitEnded&) = default;
};

struct JobHelperAdded {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::string helper_id;
  friend bool operator==(const JobHelperAdded&, const JobHelperAdded&) = default;
};

struct JobHelperRemoved {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::string helper_id;
  std::string reason;
  friend bool operator==(const JobHelperRemoved&, const JobHelperRemoved&) = default;
};

struct JobWaitingForParts {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::vector<PartLine> parts;  // newly owed
  friend bool operator==(const JobWaitingForParts&, const JobWaitingForParts&) = default;
};

struct JobPartsReady {
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::string sku;
  int64_t quantity = 0;
  bool all_ready = false;
  friend bool operator==(const JobPartsReady&, const JobPartsReady&) = default;
};

using JobEvent =
    std::variant<JobCreated, JobAssigned, JobStarted, JobCompleted, JobReassigned, JobUnassigned,
                 JobRescheduled, JobAccepted, JobDeclined, JobEnRoute, JobArrived, JobWorkReported,
                 JobVisitEnded, JobHelperAdded, JobHelperRemoved, JobWaitingForParts,
                 JobPartsReady, JobCancelled, JobCustomerCalled, JobDurationChanged>;

// Returns no events when the job already exists.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const CreateJob& command,
                                                           absl::Time now);

// `technician` is the state of command.technician_id (not existing if there is none). Without a
// context: no bookings, no fixed technician, the default policy.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const AssignJob& command,
                                                           const TechnicianState& technician,
                                                           absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const AssignJob& command,
                                                           const TechnicianState& technician,
                                                           const AssignmentContext& context,
                                                           absl::Time now);
// `technician` is the new technician; `context` holds their bookings.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const ReassignJob& command,
                                                           const TechnicianState& technician,
                                                           const AssignmentContext& context,
                                                           absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const UnassignJob& command,
                                                           absl::Time now);
// `technician` is the job's technician (not existing if unassigned); `by` who asks: a
// technician may reschedule only their own job (the appointment agreed with the customer).
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(
    const JobState& job, const RescheduleJob& command, const Actor& by,
    const TechnicianState& technician, const AssignmentContext& context, absl::Time now);

// The technician's day: only the assigned technician (or a dispatcher, manager, admin).
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const AcceptJob& command,
                                                           const Actor& by,
                                                           const DispatchPolicy& policy,
                                                           absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const DeclineJob& command,
                                                           const Actor& by,
                                                           const DispatchPolicy& policy,
                                                           absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const MarkEnRoute& command,
                                                           const Actor& by,
                                                           const DispatchPolicy& policy,
                                                           absl::Time now);
// Emits JobArrived and JobStarted (the work starts on arrival).
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const MarkArrived& command,
                                                           const Actor& by,
                                                           const DispatchPolicy& policy,
                                                           absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const ReportWork& command,
                                                           const Actor& by,
                                                           const DispatchPolicy& policy,
                                                           absl::Time now);

// Whether `technician` may take `job` in [start, end) (both or neither given): active, skilled,
// and with `check_placement` in territory and the fixed technician unless `override_reason`;
// on shift, not absent, no collision with context.technician_bookings. FAILED_PRECONDITION
// with a sentence naming what is in the way.
[[nodiscard]] absl::Status CheckTechnicianFits(
    const JobState& job, const TechnicianState& technician, const std::optional<absl::Time>& start,
    const std::optional<absl::Time>& end, std::string_view override_reason,
    const AssignmentContext& context, bool check_placement);

// Crews. `helper` is the helper's state; `context` holds the helper's bookings. A helper needs
// no skill but must be active, on shift, present and free for the job's window.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const AddHelper& command,
                                                           const TechnicianState& helper,
                                                           const AssignmentContext& context,
                                                           absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const RemoveHelper& command,
                                                           absl::Time now);

// Whether a helper may join `job` in [start, end): active, on shift, present, no collision.
[[nodiscard]] absl::Status CheckHelperFits(const JobState& job, const TechnicianState& helper,
                                           const std::optional<absl::Time>& start,
                                           const std::optional<absl::Time>& end,
                                           const AssignmentContext& context);

// The job goes back to ASSIGNED without a window, with the same technician.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const EndVisit& command, const Actor& by,
                                                           const DispatchPolicy& policy,
                                                           absl::Time now);

// On time: from `tolerance` before the window's start to its end. No window: on time.
Arrival ArrivalAt(absl::Time at, std::optional<absl::Time> window_start,
                  std::optional<absl::Time> window_end, absl::Duration tolerance);

// `by` is who asks: a technician may start only a job assigned to them.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const StartJob& command, const Actor& by,
                                                           absl::Time now);

// `by` is who asks: a technician may complete only a job assigned to them.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const CompleteJob& command,
                                                           const Actor& by, absl::Time now);

// Waiting for parts (reactions to inventory). A job that does not exist or is completed: no
// events. Quantities must be positive (INVALID_ARGUMENT "parts").
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const MarkWaitingForParts& command,
                                                           absl::Time now);
// No events unless the job waits for `sku`; then JobPartsReady for at most what is owed.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const MarkPartsReady& command,
                                                           absl::Time now);

// Cancelling (a reaction): no events when the job does not exist or is closed.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const CancelJob& command,
                                                           absl::Time now);

// `technician` is the job's technician (not existing if unassigned); `context` holds their
// other bookings. A booked job's end moves to start + duration and must still fit (shift,
// absence, no collision — the refusal names the booking in the way).
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const ChangeJobDuration& command,
                                                           const TechnicianState& technician,
                                                           const AssignmentContext& context,
                                                           absl::Time now);

// A technician only on their own job; the job must be open (not completed or cancelled); an
// agreed window needs an assigned job that has not started and passes the same checks as
// RescheduleJob: then JobCustomerCalled and JobRescheduled.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(
    const JobState& job, const RecordCustomerCall& command, const Actor& by,
    const TechnicianState& technician, const AssignmentContext& context, absl::Time now);

JobState Evolve(JobState state, const JobEvent& event);

}  // namespace fieldline::scheduling
