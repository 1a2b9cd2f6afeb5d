#pragma once

// The Job aggregate: the on-site work for one ticket. Created when intake opens the ticket,
// assigned by a dispatcher to a technician who has the ticket's skill, started and completed by
// that technician.
//
//   UNASSIGNED --AssignJob--> ASSIGNED --StartJob--> IN_PROGRESS --CompleteJob--> COMPLETED
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
#include "services/scheduling/domain/technician.h"

namespace fieldline::scheduling {

inline constexpr std::string_view kJobAggregate = "Job";
inline constexpr size_t kMaxResolutionChars = 2000;

// The job of a ticket, found again deterministically from the ticket id.
std::string JobIdForTicket(std::string_view ticket_id);

enum class JobStatus { kUnassigned = 1, kAssigned = 2, kInProgress = 3, kCompleted = 4 };

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
  int64_t version = 0;  // events applied; 0: no such job

  bool exists() const { return version > 0; }
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
};

struct AssignJob {
  std::string job_id;
  std::string technician_id;
  std::optional<absl::Time> window_start;
  std::optional<absl::Time> window_end;
  int64_t expected_version = 0;  // 0: do not check
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
  friend bool operator==(const JobCreated&, const JobCreated&) = default;
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
  friend bool operator==(const JobAssigned&, const JobAssigned&) = default;
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

using JobEvent = std::variant<JobCreated, JobAssigned, JobStarted, JobCompleted>;

// Returns no events when the job already exists.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const CreateJob& command,
                                                           absl::Time now);

// `technician` is the state of command.technician_id (not existing if there is none).
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const AssignJob& command,
                                                           const TechnicianState& technician,
                                                           absl::Time now);

// `by` is who asks: a technician may start only a job assigned to them.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const StartJob& command, const Actor& by,
                                                           absl::Time now);

// `by` is who asks: a technician may complete only a job assigned to them.
[[nodiscard]] absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                                           const CompleteJob& command,
                                                           const Actor& by, absl::Time now);

JobState Evolve(JobState state, const JobEvent& event);

}  // namespace fieldline::scheduling
