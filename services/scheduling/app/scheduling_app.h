#pragma once

// The scheduling service's application layer: runs the commands on technicians and jobs through
// the event store (idempotent by request id, one durable batch each), reacts to intake's events
// (a job for every opened ticket) and answers queries from the projections.
//
// Ownership: borrows the store, clock and id generator, which must outlive it.
// Threading: all methods are thread-safe; commands on one aggregate are serialised by the
// store's per-aggregate locks.

#include <cstdint>
#include <optional>
#include <string>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/scheduling/v1/scheduling_service.pb.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/core/types.h"
#include "services/common/store/event_store.h"
#include "services/common/core/paging.h"
#include "services/scheduling/domain/calendar.h"
#include "services/scheduling/domain/job.h"
#include "services/scheduling/domain/plan.h"
#include "services/scheduling/domain/recommend.h"
#include "services/scheduling/domain/technician.h"

namespace fieldline::scheduling {

// Projection and index keys in the service's store.
std::string JobProjectionKey(std::string_view job_id);                // p/job/<id>
std::string TechnicianProjectionKey(std::string_view technician_id);  // p/technician/<id>

using ::fieldline::kDefaultPageSize;
using ::fieldline::kMaxPageSize;

struct ListJobsQuery {
  std::optional<JobStatus> state;  // nullopt: every state
  std::string technician_id;       // empty: every technician
  int32_t page_size = 0;           // 0: kDefaultPageSize; capped at kMaxPageSize
  std::string page_token;          // the last job id of the previous page
};

std::string BookingKey(std::string_view technician_id,
                       std::string_view job_id);  // x/booking/<technician>/<job>

struct PageQuery {
  int32_t page_size = 0;
  std::string page_token;
};

struct RecommendQuery {
  std::string job_id;
  std::optional<absl::Time> window_start;  // nullopt: the job's window
  std::optional<absl::Time> window_end;
  int32_t limit = 0;  // 0: 10
};

// One change on the live board: the position (outbox log sequence) and the event.
struct BoardEntry {
  uint64_t position = 0;
  EventEnvelope event;
};

struct PreviewPlanQuery {
  std::string territory;
  std::optional<absl::Time> day;          // nullopt: today (service time zone)
  std::optional<absl::Time> replan_from;  // nullopt: the whole day
  double time_limit_seconds = 0;          // 0: kDefaultPlanSeconds
  long max_iterations = 0;                // tests only: bound the optimiser (deterministic)
};

std::string PlanKey(std::string_view plan_id);  // p/plan/<id>

struct ListTechniciansQuery {
  int32_t page_size = 0;
  std::string page_token;  // the last technician id of the previous page
};

class SchedulingApp {
 public:
  SchedulingApp(EventStore& store, const Clock& clock, IdGenerator& ids,
                DispatchPolicy policy = DispatchPolicy{});

  SchedulingApp(const SchedulingApp&) = delete;
  SchedulingApp& operator=(const SchedulingApp&) = delete;

  // The job of a ticket (also how fieldlinectl finds it): DeriveId(ticket_id, "job").
  static std::string JobIdForTicket(std::string_view ticket_id);

  // --- commands: durable before they return; a retried request id returns the first ack ---

  // An empty technician_id gets a new UUIDv7.
  absl::StatusOr<common::v1::CommandAck> RegisterTechnician(const CommandMeta& meta,
                                                            scheduling::RegisterTechnician command);
  absl::StatusOr<common::v1::CommandAck> AssignJob(const CommandMeta& meta,
                                                   const scheduling::AssignJob& command);
  absl::StatusOr<common::v1::CommandAck> StartJob(const CommandMeta& meta,
                                                  const scheduling::StartJob& command);
  absl::StatusOr<common::v1::CommandAck> CompleteJob(const CommandMeta& meta,
                                                     const scheduling::CompleteJob& command);

  // Technicians' calendars. RecordAbsence gives the absence a fresh id.
  absl::StatusOr<common::v1::CommandAck> SetTechnicianShifts(
      const CommandMeta& meta, const scheduling::SetTechnicianShifts& command);
  absl::StatusOr<common::v1::CommandAck> RecordAbsence(const CommandMeta& meta,
                                                       scheduling::RecordAbsence command);
  absl::StatusOr<common::v1::CommandAck> DepartTechnician(
      const CommandMeta& meta, const scheduling::DepartTechnician& command);
  // The key account `customer_id`'s fixed technician (empty: none). The ack names the customer.
  absl::StatusOr<common::v1::CommandAck> SetFixedTechnician(const CommandMeta& meta,
                                                            std::string_view customer_id,
                                                            std::string_view technician_id);

  // Dispatch changes, each with a reason.
  absl::StatusOr<common::v1::CommandAck> ReassignJob(const CommandMeta& meta,
                                                     const scheduling::ReassignJob& command);
  // Crews: the helper's calendar is booked with the job's window.
  absl::StatusOr<common::v1::CommandAck> AddHelper(const CommandMeta& meta,
                                                   const scheduling::AddHelper& command);
  absl::StatusOr<common::v1::CommandAck> RemoveHelper(const CommandMeta& meta,
                                                      const scheduling::RemoveHelper& command);
  absl::StatusOr<common::v1::CommandAck> UnassignJob(const CommandMeta& meta,
                                                     const scheduling::UnassignJob& command);
  absl::StatusOr<common::v1::CommandAck> RescheduleJob(const CommandMeta& meta,
                                                       const scheduling::RescheduleJob& command);
  // The estimated duration (with a reason); a booked job's end moves and must still fit the
  // lead's and the helpers' calendars.
  absl::StatusOr<common::v1::CommandAck> ChangeJobDuration(
      const CommandMeta& meta, const scheduling::ChangeJobDuration& command);
  // A call to the customer (called_at = meta.device_time, else now); "agreed" reschedules with
  // the same checks as RescheduleJob. A technician's refused call is a sync conflict.
  absl::StatusOr<common::v1::CommandAck> RecordCustomerCall(const CommandMeta& meta,
                                                            scheduling::RecordCustomerCall command);

  // The technician's day. The time of en route / arrival is meta.device_time when given. An
  // update from a technician that no longer fits (FAILED_PRECONDITION or PERMISSION_DENIED) is
  // refused and recorded as a sync conflict (ListSyncConflicts); so are StartJob/CompleteJob.
  absl::StatusOr<common::v1::CommandAck> AcceptJob(const CommandMeta& meta,
                                                   const scheduling::AcceptJob& command);
  absl::StatusOr<common::v1::CommandAck> DeclineJob(const CommandMeta& meta,
                                                    const scheduling::DeclineJob& command);
  absl::StatusOr<common::v1::CommandAck> MarkEnRoute(const CommandMeta& meta,
                                                     std::string_view job_id);
  absl::StatusOr<common::v1::CommandAck> MarkArrived(const CommandMeta& meta,
                                                     std::string_view job_id);
  absl::StatusOr<common::v1::CommandAck> ReportWork(const CommandMeta& meta,
                                                    const scheduling::ReportWork& command);
  absl::StatusOr<common::v1::CommandAck> EndVisit(const CommandMeta& meta,
                                                  const scheduling::EndVisit& command);

  // --- the optimiser ---

  // Plans the territory's day (PlanDay) from the current jobs, technicians and bookings and
  // stores the plan (p/plan/<id>) with what it was built from; assigns nothing. A retried
  // request id returns the stored plan.
  absl::StatusOr<v1::Plan> PreviewPlan(const CommandMeta& meta, const PreviewPlanQuery& query);
  // Applies the plan in one batch under the locks of every job it changes and every technician
  // of the territory: JobAssigned / JobRescheduled / JobReassigned / JobUnassigned with reason
  // "plan <id>". ABORTED naming the job or technician when anything changed since the preview
  // (nothing applied); a committed plan is not applied again (the first answer is returned).
  absl::StatusOr<v1::CommitPlanResponse> CommitPlan(const CommandMeta& meta,
                                                    std::string_view plan_id);
  absl::StatusOr<v1::Plan> GetPlan(std::string_view plan_id) const;

  // --- queries (projections). A technician sees only their own jobs. ---

  absl::StatusOr<v1::Job> GetJob(const Actor& viewer, std::string_view job_id) const;
  // Ordered by job id; next_page_token is empty on the last page.
  absl::StatusOr<v1::ListJobsResponse> ListJobs(const Actor& viewer, ListJobsQuery query) const;
  absl::StatusOr<v1::Technician> GetTechnician(std::string_view technician_id) const;
  // Ordered by technician id; next_page_token is empty on the last page.
  absl::StatusOr<v1::ListTechniciansResponse> ListTechnicians(
      const ListTechniciansQuery& query) const;

  // A technician's jobs whose window starts on the local day of `day` (service time zone),
  // plus their open jobs without a window, ordered by window start. A technician may ask only
  // for themselves (empty technician_id: the viewer).
  absl::StatusOr<v1::MyDayResponse> MyDay(const Actor& viewer, std::string technician_id,
                                          absl::Time day) const;
  // The technician's bookings (assigned or in-progress jobs with a window), by start.
  absl::StatusOr<std::vector<Booking>> Bookings(std::string_view technician_id) const;
  // Ordered by request id.
  absl::StatusOr<v1::ListSyncConflictsResponse> ListSyncConflicts(const PageQuery& query) const;
  absl::StatusOr<v1::RecommendTechniciansResponse> RecommendTechnicians(
      const RecommendQuery& query) const;

  // --- the live board: every event of this service, in commit order, by position ---

  // Entries with position > `after`, at most `limit`; waits up to `wait` when there are none.
  absl::StatusOr<std::vector<BoardEntry>> ReadBoard(uint64_t after, size_t limit,
                                                    absl::Duration wait) const;

  const DispatchPolicy& policy() const { return policy_; }

  // --- reactions: the consumer's handler (see services/common/kafka/consumer.h) ---

  // intake TicketOpened → JobCreated (unless the ticket's job exists); TicketCancelled, and
  // TicketResolvedRemotely before the visit started → JobCancelled (frees the booking); inventory
  // PartsBackordered → JobWaitingForParts, PartsReserved of a part the job waits for →
  // JobPartsReady. Everything else: OK, no-op. Event ids derive from the source event.
  absl::Status Apply(const EventEnvelope& event, Batch& batch);

 private:
  struct LoadedJob {
    JobState state;
    absl::Time created_at;  // server time of the first event (if the job exists)
  };

  absl::StatusOr<LoadedJob> LoadJob(std::string_view job_id) const;
  absl::Status ApplyInventory(const EventEnvelope& event, Batch& batch);
  // The common path of reactions on one job: lock it, skip a source already applied, decide,
  // record with event ids derived from the source.
  using JobReaction =
      std::function<absl::StatusOr<std::vector<JobEvent>>(const JobState&, absl::Time)>;
  absl::Status ReactOnJob(const EventEnvelope& source, Batch& batch, std::string_view job_id,
                          const JobReaction& decide);
  // The common path of changes to a job's booking (reschedule, duration, agreed call): the lead's
  // calendar is loaded, `decide` runs, every helper's calendar is checked for `window(job)`
  // (nullopt: none); a technician's refusal is recorded as a sync conflict named `update`.
  using BookingDecision = std::function<absl::StatusOr<std::vector<JobEvent>>(
      const JobState&, const TechnicianState&, const AssignmentContext&)>;
  using NewWindow =
      std::function<std::optional<std::pair<absl::Time, absl::Time>>(const JobState&)>;
  absl::StatusOr<common::v1::CommandAck> ChangeBooking(const CommandMeta& meta,
                                                       std::string_view job_id,
                                                       std::string_view update,
                                                       const BookingDecision& decide,
                                                       const NewWindow& window);
  // The job's lead technician and their bookings (none when unassigned), with the policy.
  absl::Status LoadLeadCalendar(const JobState& job, TechnicianState& technician,
                                AssignmentContext& context) const;
  absl::StatusOr<TechnicianState> LoadTechnician(std::string_view technician_id) const;

  // Appends the job's new events (envelopes[i] carries events[i]) and updates the job projection
  // and the technician index in the same batch. Returns the job's new state.
  absl::StatusOr<JobState> RecordJobEvents(Batch& batch, const LoadedJob& job,
                                           const std::vector<JobEvent>& events,
                                           std::vector<EventEnvelope> envelopes, absl::Time now);

  // Runs `decide(batch, job)` with the job locked together with its crew (lead and helpers) and
  // `also_technician` (the calendars the change touches). If the crew changed between the read
  // and the lock, tries again.
  using JobDecision =
      std::function<absl::StatusOr<common::v1::CommandAck>(Batch&, const LoadedJob&)>;
  absl::StatusOr<common::v1::CommandAck> ExecuteOnJob(const CommandMeta& meta,
                                                      std::string_view job_id,
                                                      std::string_view also_technician,
                                                      const JobDecision& decide);

  // Decide `events` with the job's state and record them; the common tail of job commands.
  absl::StatusOr<common::v1::CommandAck> RecordJobDecision(
      Batch& batch, const CommandMeta& meta, const LoadedJob& job,
      const absl::StatusOr<std::vector<JobEvent>>& events);

  // The common path of the commands a technician sends from the phone: decide as
  // `meta.actor`; refusals that mean "no longer fits" are recorded as sync conflicts.
  template <typename Command>
  absl::StatusOr<common::v1::CommandAck> RunJobCommand(const CommandMeta& meta,
                                                       const Command& command,
                                                       std::string_view update);

  template <typename Command>
  absl::StatusOr<common::v1::CommandAck> RunTechnicianCommand(const CommandMeta& meta,
                                                              const Command& command);

  // The job's lead and helpers as the projection holds them (read before locking).
  absl::StatusOr<std::vector<std::string>> CrewOfJob(std::string_view job_id) const;
  // Checks that every helper of `job` is free for [start, end) (under their locks).
  absl::Status CheckHelpersFit(const JobState& job, const std::optional<absl::Time>& start,
                               const std::optional<absl::Time>& end) const;
  absl::StatusOr<std::string> FixedTechnicianOf(std::string_view customer_id) const;
  void RecordSyncConflict(const CommandMeta& meta, std::string_view job_id, std::string_view update,
                          const absl::Status& refusal) const;

  EventStore& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  const DispatchPolicy policy_;
};

}  // namespace fieldline::scheduling
