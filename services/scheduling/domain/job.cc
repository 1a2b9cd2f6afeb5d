#include "services/scheduling/domain/job.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/core/strings.h"
#include "services/scheduling/domain/text.h"

namespace fieldline::scheduling {
namespace {

constexpr std::string_view kTechnicianRole = "technician";

absl::Status RequireJobId(std::string_view job_id) {
  if (job_id.empty()) return InvalidArgument("job_id", "Choose a job: the job id is empty.");
  return absl::OkStatus();
}

absl::Status RequireExisting(const JobState& job, std::string_view job_id) {
  if (!job.exists())
    return NotFound("job_id", absl::StrCat("There is no job ", AsAbsl(job_id), "."));
  return absl::OkStatus();
}

absl::Status CheckVersion(const JobState& job, int64_t expected_version) {
  if (expected_version > 0 && expected_version != job.version) {
    return VersionConflict(absl::StrCat("Job ", job.job_id,
                                        " was changed by someone else (now version ", job.version,
                                        "); reload it and try again."));
  }
  return absl::OkStatus();
}

// A technician works only on their own jobs; dispatchers, managers and admins act for them.
absl::Status CheckOwnJob(const JobState& job, const Actor& by) {
  if (by.role == kTechnicianRole && by.user_id != job.technician_id) {
    return PermissionDenied("This job is assigned to another technician.");
  }
  return absl::OkStatus();
}

absl::Status ValidatePartLines(const std::vector<PartLine>& lines, std::string_view field) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (Trim(lines[i].sku).empty()) {
      return InvalidArgument(
          absl::StrCat(AsAbsl(field), "[", i, "].sku"),
          absl::StrCat("Part line ", i + 1, " has no SKU; say which part it is."));
    }
    if (lines[i].quantity <= 0) {
      return InvalidArgument(absl::StrCat(AsAbsl(field), "[", i, "].quantity"),
                             absl::StrCat("The quantity of ", lines[i].sku, " is ",
                                          lines[i].quantity, "; it must be at least 1."));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string JobIdForTicket(std::string_view ticket_id) { return DeriveId(ticket_id, "job"); }

std::string_view JobStatusName(JobStatus status) {
  switch (status) {
    case JobStatus::kUnassigned:
      return "unassigned";
    case JobStatus::kAssigned:
      return "assigned";
    case JobStatus::kInProgress:
      return "in progress";
    case JobStatus::kCompleted:
      return "completed";
  }
  return "unknown";
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const CreateJob& command,
                                             absl::Time /*now*/) {
  if (command.ticket_id.empty()) {
    return InvalidArgument("ticket_id",
                           "A job needs the ticket it is for; the ticket id is empty.");
  }
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (job.exists()) return std::vector<JobEvent>{};  // the ticket was seen before
  return std::vector<JobEvent>{JobCreated{
      .job_id = command.job_id,
      .ticket_id = command.ticket_id,
      .customer = command.customer,
      .required_skill = std::string(Trim(command.required_skill)),
      .priority = command.priority,
      .parts_needed = command.parts_needed,
  }};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const AssignJob& command,
                                             const TechnicianState& technician,
                                             absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (command.technician_id.empty()) {
    return InvalidArgument("technician_id", "Choose the technician to assign the job to.");
  }
  if (command.window_start && command.window_end && *command.window_end <= *command.window_start) {
    return InvalidArgument("window_end", "The appointment window must end after it starts.");
  }
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (!technician.exists()) {
    return NotFound("technician_id",
                    absl::StrCat("There is no technician ", command.technician_id, "."));
  }
  if (absl::Status s = CheckVersion(job, command.expected_version); !s.ok()) return s;
  if (job.status != JobStatus::kUnassigned) {
    return FailedPrecondition(
        absl::StrCat("Job ", job.job_id, " is already assigned to ", job.technician_id, "."));
  }
  if (!job.required_skill.empty() && !technician.HasSkill(job.required_skill)) {
    return FailedPrecondition(absl::StrCat(technician.name, " has no ", job.required_skill,
                                           " skill; choose a technician who repairs ",
                                           job.required_skill, "."));
  }
  return std::vector<JobEvent>{JobAssigned{
      .job_id = job.job_id,
      .ticket_id = job.ticket_id,
      .technician_id = technician.technician_id,
      .van_location_id = technician.van_location_id,
      .window_start = command.window_start,
      .window_end = command.window_end,
      .parts_needed = job.parts_needed,
      .site = job.customer.location,
  }};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const StartJob& command,
                                             const Actor& by, absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (absl::Status s = CheckOwnJob(job, by); !s.ok()) return s;
  if (absl::Status s = CheckVersion(job, command.expected_version); !s.ok()) return s;
  if (job.status != JobStatus::kAssigned) {
    return FailedPrecondition(absl::StrCat(
        "Job ", job.job_id, " is ", job.status == JobStatus::kUnassigned ? "" : "already ",
        AsAbsl(JobStatusName(job.status)), "; only an assigned job can be started."));
  }
  return std::vector<JobEvent>{JobStarted{
      .job_id = job.job_id, .ticket_id = job.ticket_id, .technician_id = job.technician_id}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const CompleteJob& command,
                                             const Actor& by, absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (absl::Status s = ValidatePartLines(command.parts_used, "parts_used"); !s.ok()) return s;
  if (const size_t length = Utf8Length(command.resolution); length > kMaxResolutionChars) {
    return InvalidArgument("resolution",
                           absl::StrCat("The resolution is ", length,
                                        " characters long; keep it to 2000 characters."));
  }
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (absl::Status s = CheckOwnJob(job, by); !s.ok()) return s;
  if (absl::Status s = CheckVersion(job, command.expected_version); !s.ok()) return s;
  if (job.status != JobStatus::kInProgress) {
    return FailedPrecondition(absl::StrCat(
        "Job ", job.job_id,
        job.status == JobStatus::kCompleted ? " is already completed" : " has not been started",
        "; only a job in progress can be completed."));
  }
  std::vector<PartLine> parts_used = command.parts_used;
  for (PartLine& line : parts_used) line.sku = std::string(Trim(line.sku));
  return std::vector<JobEvent>{JobCompleted{
      .job_id = job.job_id,
      .ticket_id = job.ticket_id,
      .technician_id = job.technician_id,
      .parts_used = std::move(parts_used),
      .resolution = std::string(Trim(command.resolution)),
  }};
}

JobState Evolve(JobState state, const JobEvent& event) {
  struct Apply {
    JobState& s;
    void operator()(const JobCreated& e) {
      s.job_id = e.job_id;
      s.ticket_id = e.ticket_id;
      s.customer = e.customer;
      s.required_skill = e.required_skill;
      s.priority = e.priority;
      s.parts_needed = e.parts_needed;
      s.status = JobStatus::kUnassigned;
    }
    void operator()(const JobAssigned& e) {
      s.status = JobStatus::kAssigned;
      s.technician_id = e.technician_id;
      s.window_start = e.window_start;
      s.window_end = e.window_end;
    }
    void operator()(const JobStarted&) { s.status = JobStatus::kInProgress; }
    void operator()(const JobCompleted& e) {
      s.status = JobStatus::kCompleted;
      s.parts_used = e.parts_used;
      s.resolution = e.resolution;
    }
  };
  std::visit(Apply{state}, event);
  ++state.version;
  return state;
}

}  // namespace fieldline::scheduling
