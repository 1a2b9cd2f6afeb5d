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
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/scheduling/v1/scheduling_service.pb.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/core/types.h"
#include "services/common/store/event_store.h"
#include "services/scheduling/domain/job.h"
#include "services/scheduling/domain/technician.h"

namespace fieldline::scheduling {

// Projection and index keys in the service's store.
std::string JobProjectionKey(std::string_view job_id);                // p/job/<id>
std::string TechnicianProjectionKey(std::string_view technician_id);  // p/technician/<id>

inline constexpr int32_t kDefaultPageSize = 50;
inline constexpr int32_t kMaxPageSize = 500;

struct ListJobsQuery {
  std::optional<JobStatus> state;  // nullopt: every state
  std::string technician_id;       // empty: every technician
  int32_t page_size = 0;           // 0: kDefaultPageSize; capped at kMaxPageSize
  std::string page_token;          // the last job id of the previous page
};

struct ListTechniciansQuery {
  int32_t page_size = 0;
  std::string page_token;  // the last technician id of the previous page
};

class SchedulingApp {
 public:
  SchedulingApp(EventStore& store, const Clock& clock, IdGenerator& ids);

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

  // --- queries (projections). A technician sees only their own jobs. ---

  absl::StatusOr<v1::Job> GetJob(const Actor& viewer, std::string_view job_id) const;
  // Ordered by job id; next_page_token is empty on the last page.
  absl::StatusOr<v1::ListJobsResponse> ListJobs(const Actor& viewer, ListJobsQuery query) const;
  absl::StatusOr<v1::Technician> GetTechnician(std::string_view technician_id) const;
  // Ordered by technician id; next_page_token is empty on the last page.
  absl::StatusOr<v1::ListTechniciansResponse> ListTechnicians(
      const ListTechniciansQuery& query) const;

  // --- reactions: the consumer's handler (see services/common/kafka/consumer.h) ---

  // intake TicketOpened → JobCreated (unless the ticket's job exists). Everything else: OK, no-op.
  absl::Status Apply(const EventEnvelope& event, Batch& batch);

 private:
  struct LoadedJob {
    JobState state;
    absl::Time created_at;  // server time of the first event (if the job exists)
  };

  absl::StatusOr<LoadedJob> LoadJob(std::string_view job_id) const;
  absl::StatusOr<TechnicianState> LoadTechnician(std::string_view technician_id) const;

  // Appends the job's new events (envelopes[i] carries events[i]) and updates the job projection
  // and the technician index in the same batch. Returns the job's new state.
  absl::StatusOr<JobState> RecordJobEvents(Batch& batch, const LoadedJob& job,
                                           const std::vector<JobEvent>& events,
                                           std::vector<EventEnvelope> envelopes, absl::Time now);

  // The common path of StartJob and CompleteJob: load, decide as `meta.actor`, record.
  template <typename Command>
  absl::StatusOr<common::v1::CommandAck> RunJobCommand(const CommandMeta& meta,
                                                       const Command& command);

  EventStore& store_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace fieldline::scheduling
