#include "services/scheduling/domain/job.h"

#include <algorithm>
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

// A cancelled job takes no more updates; the refusal says why it was cancelled.
absl::Status RefuseIfCancelled(const JobState& job, std::string_view update) {
  if (job.status != JobStatus::kCancelled) return absl::OkStatus();
  return FailedPrecondition(absl::StrCat("Job ", job.job_id, " was cancelled (", job.last_reason,
                                         "); the update \"", AsAbsl(update),
                                         "\" was not applied."));
}

}  // namespace

absl::Time JobState::SlaDeadline(absl::Time created_at, const DispatchPolicy& policy) const {
  return onsite_due ? *onsite_due : created_at + policy.sla_on_site;
}

absl::Duration JobState::EstimatedDuration(const DispatchPolicy& policy) const {
  return duration > absl::ZeroDuration() ? duration : JobDuration(required_skill, policy);
}

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
    case JobStatus::kCancelled:
      return "cancelled";
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
      .onsite_due = command.onsite_due,
      .resolution_due = command.resolution_due,
      .duration = command.duration,
  }};
}

namespace {

// The reason a dispatcher gives for a change: required, at most kMaxReasonChars.
absl::StatusOr<std::string> RequireReason(std::string_view reason, std::string_view field,
                                          std::string_view what) {
  const std::string_view trimmed = Trim(reason);
  if (trimmed.empty()) {
    return InvalidArgument(field, absl::StrCat("Say why ", AsAbsl(what), "."));
  }
  if (const size_t length = Utf8Length(trimmed); length > kMaxReasonChars) {
    return InvalidArgument(field, absl::StrCat("The reason is ", length,
                                               " characters long; keep it to 500 characters."));
  }
  return std::string(trimmed);
}

absl::Status ValidateWindow(const std::optional<absl::Time>& start,
                            const std::optional<absl::Time>& end) {
  if (start.has_value() != end.has_value()) {
    return InvalidArgument(start ? "window_end" : "window_start",
                           "Give the appointment window's start and end, or neither.");
  }
  if (start && end && *end <= *start) {
    return InvalidArgument("window_end", "The appointment window must end after it starts.");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckHelperFits(const JobState& job, const TechnicianState& helper,
                             const std::optional<absl::Time>& start,
                             const std::optional<absl::Time>& end,
                             const AssignmentContext& context) {
  TechnicianState as_helper = helper;
  // A helper assists: the job's skill is the lead's business.
  const JobState without_skill = [&] {
    JobState j = job;
    j.required_skill.clear();
    return j;
  }();
  return CheckTechnicianFits(without_skill, as_helper, start, end, "", context,
                             /*check_placement=*/false);
}

absl::Status CheckTechnicianFits(const JobState& job, const TechnicianState& technician,
                                 const std::optional<absl::Time>& start,
                                 const std::optional<absl::Time>& end,
                                 std::string_view override_reason, const AssignmentContext& context,
                                 bool check_placement) {
  if (technician.departed) {
    return FailedPrecondition(absl::StrCat(technician.name, " (", technician.technician_id,
                                           ") has left the company; choose another technician."));
  }
  if (!job.required_skill.empty() && !technician.HasSkill(job.required_skill)) {
    return FailedPrecondition(absl::StrCat(technician.name, " has no ", job.required_skill,
                                           " skill; choose a technician who repairs ",
                                           job.required_skill, "."));
  }
  if (check_placement) {
    const bool overridden = !Trim(override_reason).empty();
    if (!overridden && !technician.InTerritory(job.customer.location)) {
      return FailedPrecondition(absl::StrCat("The customer's site is outside ", technician.name,
                                             "'s territory ", technician.territory.name,
                                             "; choose a technician of that area or give an "
                                             "override reason."));
    }
    if (!overridden && !context.fixed_technician_id.empty() &&
        context.fixed_technician_id != technician.technician_id) {
      return FailedPrecondition(absl::StrCat(
          "This key account's fixed technician is ", context.fixed_technician_id,
          "; assign them, or give an override reason for choosing ", technician.name, "."));
    }
  }
  if (!start || !end) return absl::OkStatus();  // no window: nothing booked, nothing to check
  const DispatchPolicy& policy = context.policy;
  if (!WithinShifts(technician.shifts, *start, *end, policy)) {
    return FailedPrecondition(absl::StrCat(technician.name, " is not on shift from ",
                                           LocalTime(*start, policy), " to ",
                                           LocalTime(*end, policy), "."));
  }
  if (const Absence* absence = technician.AbsenceDuring(*start, *end)) {
    return FailedPrecondition(
        absl::StrCat(technician.name, " is absent from ", LocalTime(absence->start, policy), " to ",
                     LocalTime(absence->end, policy), " (", absence->reason, ")."));
  }
  const Booking candidate{
      .job_id = job.job_id, .start = *start, .end = *end, .site = job.customer.location};
  if (std::optional<BookingCollision> collision =
          FindCollision(context.technician_bookings, candidate, policy)) {
    return FailedPrecondition(absl::StrCat(technician.name, " cannot take job ", job.job_id,
                                           " at that time: ", DescribeCollision(*collision, policy),
                                           "."));
  }
  return absl::OkStatus();
}

std::vector<std::string> JobState::Crew() const {
  std::vector<std::string> crew;
  if (!technician_id.empty()) crew.push_back(technician_id);
  crew.insert(crew.end(), helper_ids.begin(), helper_ids.end());
  return crew;
}

std::optional<Booking> JobState::BookingOf() const {
  if (status != JobStatus::kAssigned && status != JobStatus::kInProgress) return std::nullopt;
  if (technician_id.empty() || !window_start || !window_end) return std::nullopt;
  return Booking{
      .job_id = job_id, .start = *window_start, .end = *window_end, .site = customer.location};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const AssignJob& command,
                                             const TechnicianState& technician, absl::Time now) {
  return Decide(job, command, technician, AssignmentContext{}, now);
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const AssignJob& command,
                                             const TechnicianState& technician,
                                             const AssignmentContext& context, absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (command.technician_id.empty()) {
    return InvalidArgument("technician_id", "Choose the technician to assign the job to.");
  }
  if (command.window_start && command.window_end && *command.window_end <= *command.window_start) {
    return InvalidArgument("window_end", "The appointment window must end after it starts.");
  }
  // A window with only one end is accepted (as before calendars); it books no time.
  if (Utf8Length(command.override_reason) > kMaxReasonChars) {
    return InvalidArgument("override_reason", "Keep the override reason to 500 characters.");
  }
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (!technician.exists()) {
    return NotFound("technician_id",
                    absl::StrCat("There is no technician ", command.technician_id, "."));
  }
  if (absl::Status s = CheckVersion(job, command.expected_version); !s.ok()) return s;
  if (absl::Status s = RefuseIfCancelled(job, "assign"); !s.ok()) return s;
  if (job.status != JobStatus::kUnassigned) {
    return FailedPrecondition(
        absl::StrCat("Job ", job.job_id, " is already assigned to ", job.technician_id, "."));
  }
  if (absl::Status s = CheckTechnicianFits(job, technician, command.window_start,
                                           command.window_end, command.override_reason, context,
                                           /*check_placement=*/true);
      !s.ok()) {
    return s;
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
      .override_reason = std::string(Trim(command.override_reason)),
      .reason = std::string(Trim(command.reason)),
  }};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const ReassignJob& command,
                                             const TechnicianState& technician,
                                             const AssignmentContext& context, absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (command.technician_id.empty()) {
    return InvalidArgument("technician_id", "Choose the technician to give the job to.");
  }
  absl::StatusOr<std::string> reason =
      RequireReason(command.reason, "reason", "the job goes to another technician");
  if (!reason.ok()) return reason.status();
  if (absl::Status s = ValidateWindow(command.window_start, command.window_end); !s.ok()) return s;
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (!technician.exists()) {
    return NotFound("technician_id",
                    absl::StrCat("There is no technician ", command.technician_id, "."));
  }
  if (absl::Status s = CheckVersion(job, command.expected_version); !s.ok()) return s;
  if (job.status != JobStatus::kAssigned) {
    return FailedPrecondition(absl::StrCat("Job ", job.job_id, " is ",
                                           AsAbsl(JobStatusName(job.status)),
                                           "; only an assigned job that has not started can be "
                                           "reassigned."));
  }
  if (job.technician_id == technician.technician_id) {
    return FailedPrecondition(
        absl::StrCat("Job ", job.job_id, " is already assigned to ", technician.name, "."));
  }
  if (std::find(job.helper_ids.begin(), job.helper_ids.end(), technician.technician_id) !=
      job.helper_ids.end()) {
    return FailedPrecondition(absl::StrCat(technician.name, " is helping on job ", job.job_id,
                                           "; take them off the crew first."));
  }
  const std::optional<absl::Time> start =
      command.window_start ? command.window_start : job.window_start;
  const std::optional<absl::Time> end = command.window_start ? command.window_end : job.window_end;
  if (absl::Status s = CheckTechnicianFits(job, technician, start, end, command.override_reason,
                                           context, /*check_placement=*/true);
      !s.ok()) {
    return s;
  }
  return std::vector<JobEvent>{JobReassigned{
      .job_id = job.job_id,
      .ticket_id = job.ticket_id,
      .from_technician_id = job.technician_id,
      .to_technician_id = technician.technician_id,
      .van_location_id = technician.van_location_id,
      .window_start = start,
      .window_end = end,
      .reason = *std::move(reason),
      .override_reason = std::string(Trim(command.override_reason)),
  }};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const UnassignJob& command,
                                             absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  absl::StatusOr<std::string> reason =
      RequireReason(command.reason, "reason", "the job goes back to the queue");
  if (!reason.ok()) return reason.status();
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (absl::Status s = CheckVersion(job, command.expected_version); !s.ok()) return s;
  if (job.status != JobStatus::kAssigned) {
    return FailedPrecondition(absl::StrCat("Job ", job.job_id, " is ",
                                           AsAbsl(JobStatusName(job.status)),
                                           "; only an assigned job that has not started can be "
                                           "unassigned."));
  }
  return std::vector<JobEvent>{JobUnassigned{.job_id = job.job_id,
                                             .ticket_id = job.ticket_id,
                                             .technician_id = job.technician_id,
                                             .reason = *std::move(reason)}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const RescheduleJob& command,
                                             const Actor& by, const TechnicianState& technician,
                                             const AssignmentContext& context, absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (command.window_end <= command.window_start) {
    return InvalidArgument("window_end", "The appointment window must end after it starts.");
  }
  absl::StatusOr<std::string> reason =
      RequireReason(command.reason, "reason", "the appointment moves");
  if (!reason.ok()) return reason.status();
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (absl::Status s = CheckOwnJob(job, by); !s.ok()) return s;
  if (absl::Status s = CheckVersion(job, command.expected_version); !s.ok()) return s;
  if (job.status != JobStatus::kAssigned) {
    return FailedPrecondition(absl::StrCat("Job ", job.job_id, " is ",
                                           AsAbsl(JobStatusName(job.status)),
                                           "; only an assigned job that has not started can be "
                                           "rescheduled."));
  }
  if (technician.exists()) {
    if (absl::Status s = CheckTechnicianFits(job, technician, command.window_start,
                                             command.window_end, "", context,
                                             /*check_placement=*/false);
        !s.ok()) {
      return s;
    }
  }
  return std::vector<JobEvent>{JobRescheduled{.job_id = job.job_id,
                                              .ticket_id = job.ticket_id,
                                              .technician_id = job.technician_id,
                                              .window_start = command.window_start,
                                              .window_end = command.window_end,
                                              .reason = *std::move(reason)}};
}

// --- the technician's day ---

namespace {

// Common preconditions of a day update: the job exists, is the asker's, and is assigned (not
// started) or, with `in_progress`, in progress.
absl::Status CheckDayUpdate(const JobState& job, std::string_view job_id, const Actor& by,
                            JobStatus wanted, std::string_view update) {
  if (absl::Status s = RequireJobId(job_id); !s.ok()) return s;
  if (absl::Status s = RequireExisting(job, job_id); !s.ok()) return s;
  if (absl::Status s = RefuseIfCancelled(job, update); !s.ok()) return s;
  if (by.role == kTechnicianRole && job.technician_id != by.user_id) {
    if (job.technician_id.empty()) {
      return FailedPrecondition(
          absl::StrCat("Job ", job.job_id, " is no longer assigned to you (",
                       job.last_reason.empty() ? "unassigned" : job.last_reason, "); the update \"",
                       AsAbsl(update), "\" was not applied."));
    }
    return PermissionDenied(absl::StrCat("Job ", job.job_id,
                                         " is assigned to another technician now; the update \"",
                                         AsAbsl(update), "\" was not applied."));
  }
  if (job.status != wanted) {
    return FailedPrecondition(absl::StrCat(
        "Job ", job.job_id, " is ", AsAbsl(JobStatusName(job.status)), "; \"", AsAbsl(update),
        "\" needs a job that is ", AsAbsl(JobStatusName(wanted)), "."));
  }
  return absl::OkStatus();
}

absl::Status CheckText(std::string_view text, std::string_view field) {
  if (const size_t length = Utf8Length(text); length > kMaxResolutionChars) {
    return InvalidArgument(field, absl::StrCat("The text is ", length,
                                               " characters long; keep it to 2000 characters."));
  }
  return absl::OkStatus();
}

}  // namespace

Arrival ArrivalAt(absl::Time at, std::optional<absl::Time> window_start,
                  std::optional<absl::Time> window_end, absl::Duration tolerance) {
  Arrival arrival{.at = at};
  if (!window_start || !window_end) return arrival;
  if (at > *window_end) {
    arrival.on_time = false;
    arrival.late_minutes = absl::ToInt64Minutes(absl::Ceil(at - *window_end, absl::Minutes(1)));
  } else if (at < *window_start - tolerance) {
    arrival.on_time = false;
    arrival.early_minutes =
        absl::ToInt64Minutes(absl::Ceil(*window_start - tolerance - at, absl::Minutes(1)));
  }
  return arrival;
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const AcceptJob& command,
                                             const Actor& by, const DispatchPolicy& /*policy*/,
                                             absl::Time /*now*/) {
  if (absl::Status s = CheckDayUpdate(job, command.job_id, by, JobStatus::kAssigned, "accept");
      !s.ok()) {
    return s;
  }
  if (job.accepted) {
    return FailedPrecondition(absl::StrCat("Job ", job.job_id, " is already accepted."));
  }
  return std::vector<JobEvent>{JobAccepted{
      .job_id = job.job_id, .ticket_id = job.ticket_id, .technician_id = job.technician_id}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const DeclineJob& command,
                                             const Actor& by, const DispatchPolicy& /*policy*/,
                                             absl::Time /*now*/) {
  absl::StatusOr<std::string> reason =
      RequireReason(command.reason, "reason", "you decline the job");
  if (!reason.ok()) return reason.status();
  if (absl::Status s = CheckDayUpdate(job, command.job_id, by, JobStatus::kAssigned, "decline");
      !s.ok()) {
    return s;
  }
  if (job.en_route_at) {
    return FailedPrecondition(
        absl::StrCat("Job ", job.job_id, " is already on its way; call the dispatcher."));
  }
  return std::vector<JobEvent>{JobDeclined{.job_id = job.job_id,
                                           .ticket_id = job.ticket_id,
                                           .technician_id = job.technician_id,
                                           .reason = *std::move(reason)}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const MarkEnRoute& command,
                                             const Actor& by, const DispatchPolicy& /*policy*/,
                                             absl::Time /*now*/) {
  if (absl::Status s = CheckDayUpdate(job, command.job_id, by, JobStatus::kAssigned, "en route");
      !s.ok()) {
    return s;
  }
  if (job.en_route_at) {
    return FailedPrecondition(absl::StrCat("Job ", job.job_id, " is already en route."));
  }
  return std::vector<JobEvent>{JobEnRoute{.job_id = job.job_id,
                                          .ticket_id = job.ticket_id,
                                          .technician_id = job.technician_id,
                                          .at = command.at}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const MarkArrived& command,
                                             const Actor& by, const DispatchPolicy& policy,
                                             absl::Time /*now*/) {
  if (absl::Status s = CheckDayUpdate(job, command.job_id, by, JobStatus::kAssigned, "arrived");
      !s.ok()) {
    return s;
  }
  return std::vector<JobEvent>{
      JobArrived{.job_id = job.job_id,
                 .ticket_id = job.ticket_id,
                 .technician_id = job.technician_id,
                 .arrival = ArrivalAt(command.at, job.window_start, job.window_end,
                                      policy.early_arrival_tolerance)},
      JobStarted{
          .job_id = job.job_id, .ticket_id = job.ticket_id, .technician_id = job.technician_id}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const ReportWork& command,
                                             const Actor& by, const DispatchPolicy& policy,
                                             absl::Time /*now*/) {
  WorkReport report = command.report;
  for (size_t i = 0; i < report.checklist_done.size(); ++i) {
    const std::string item(Trim(report.checklist_done[i]));
    if (std::find(policy.checklist.begin(), policy.checklist.end(), item) ==
        policy.checklist.end()) {
      return InvalidArgument(absl::StrCat("checklist_done[", i, "]"),
                             absl::StrCat("\"", item, "\" is not on the on-site checklist."));
    }
    report.checklist_done[i] = item;
  }
  for (auto [text, field] :
       {std::pair{&report.fault_type, "fault_type"},
        std::pair{&report.fault_location, "fault_location"}, std::pair{&report.cause, "cause"},
        std::pair{&report.solution, "solution"}, std::pair{&report.signer_name, "signer_name"}}) {
    *text = std::string(Trim(*text));
    if (absl::Status s = CheckText(*text, field); !s.ok()) return s;
  }
  for (size_t i = 0; i < report.photo_refs.size(); ++i) {
    report.photo_refs[i] = std::string(Trim(report.photo_refs[i]));
    if (report.photo_refs[i].empty()) {
      return InvalidArgument(absl::StrCat("photo_refs[", i, "]"),
                             absl::StrCat("Photo ", i + 1, " has no reference."));
    }
  }
  report.fee_item = std::string(Trim(report.fee_item));
  report.fee_minor = 0;
  if (!report.fee_item.empty()) {
    auto fee = policy.fee_schedule.find(report.fee_item);
    if (fee == policy.fee_schedule.end()) {
      return InvalidArgument("fee_item", absl::StrCat("\"", report.fee_item,
                                                      "\" is not in the published fee schedule; "
                                                      "charge only published fees."));
    }
    report.fee_minor = fee->second;
  }
  report.signature_ref = std::string(Trim(report.signature_ref));
  if (!report.signature_ref.empty() && report.signer_name.empty()) {
    return InvalidArgument("signer_name", "Write the name of the customer who signed.");
  }
  if (report == WorkReport{}) {
    return InvalidArgument("report", "The report is empty; fill in at least one item.");
  }
  if (absl::Status s =
          CheckDayUpdate(job, command.job_id, by, JobStatus::kInProgress, "work report");
      !s.ok()) {
    return s;
  }
  return std::vector<JobEvent>{JobWorkReported{.job_id = job.job_id,
                                               .ticket_id = job.ticket_id,
                                               .technician_id = job.technician_id,
                                               .report = std::move(report)}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const StartJob& command,
                                             const Actor& by, absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (absl::Status s = CheckOwnJob(job, by); !s.ok()) return s;
  if (absl::Status s = CheckVersion(job, command.expected_version); !s.ok()) return s;
  if (absl::Status s = RefuseIfCancelled(job, "start"); !s.ok()) return s;
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
  if (absl::Status s = RefuseIfCancelled(job, "complete"); !s.ok()) return s;
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

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const EndVisit& command,
                                             const Actor& by, const DispatchPolicy& /*policy*/,
                                             absl::Time /*now*/) {
  absl::StatusOr<std::string> reason =
      RequireReason(command.reason, "reason", "another visit is needed");
  if (!reason.ok()) return reason.status();
  if (absl::Status s = ValidatePartLines(command.parts_missing, "parts_missing"); !s.ok()) return s;
  if (absl::Status s = CheckDayUpdate(job, command.job_id, by, JobStatus::kInProgress, "end visit");
      !s.ok()) {
    return s;
  }
  std::vector<PartLine> parts_missing = command.parts_missing;
  for (PartLine& line : parts_missing) line.sku = std::string(Trim(line.sku));
  return std::vector<JobEvent>{JobVisitEnded{.job_id = job.job_id,
                                             .ticket_id = job.ticket_id,
                                             .technician_id = job.technician_id,
                                             .visit = job.visits_ended + 1,
                                             .reason = *std::move(reason),
                                             .parts_missing = std::move(parts_missing)}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const AddHelper& command,
                                             const TechnicianState& helper,
                                             const AssignmentContext& context, absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (command.helper_id.empty()) {
    return InvalidArgument("helper_id", "Choose the technician who helps.");
  }
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (!helper.exists()) {
    return NotFound("helper_id", absl::StrCat("There is no technician ", command.helper_id, "."));
  }
  if (job.status != JobStatus::kAssigned && job.status != JobStatus::kInProgress) {
    return FailedPrecondition(absl::StrCat("Job ", job.job_id, " is ",
                                           AsAbsl(JobStatusName(job.status)),
                                           "; helpers join an assigned job or one in progress."));
  }
  const std::vector<std::string> crew = job.Crew();
  if (std::find(crew.begin(), crew.end(), command.helper_id) != crew.end()) {
    return FailedPrecondition(
        absl::StrCat(helper.name, " is already on the crew of job ", job.job_id, "."));
  }
  if (absl::Status s = CheckHelperFits(job, helper, job.window_start, job.window_end, context);
      !s.ok()) {
    return s;
  }
  return std::vector<JobEvent>{JobHelperAdded{.job_id = job.job_id,
                                              .ticket_id = job.ticket_id,
                                              .technician_id = job.technician_id,
                                              .helper_id = helper.technician_id}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const RemoveHelper& command,
                                             absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (command.helper_id.empty()) {
    return InvalidArgument("helper_id", "Choose the helper to take off the job.");
  }
  absl::StatusOr<std::string> reason =
      RequireReason(command.reason, "reason", "the helper leaves the job");
  if (!reason.ok()) return reason.status();
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (std::find(job.helper_ids.begin(), job.helper_ids.end(), command.helper_id) ==
      job.helper_ids.end()) {
    return FailedPrecondition(
        absl::StrCat(command.helper_id, " is not helping on job ", job.job_id, "."));
  }
  return std::vector<JobEvent>{JobHelperRemoved{.job_id = job.job_id,
                                                .ticket_id = job.ticket_id,
                                                .technician_id = job.technician_id,
                                                .helper_id = command.helper_id,
                                                .reason = *std::move(reason)}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                              const MarkWaitingForParts& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (command.parts.empty()) {
    return InvalidArgument("parts", "Name the parts the job waits for.");
  }
  for (const PartLine& line : command.parts) {
    if (Trim(line.sku).empty() || line.quantity <= 0) {
      return InvalidArgument("parts",
                             "Each part the job waits for needs a SKU and a quantity above 0.");
    }
  }
  if (!job.exists() || job.closed()) return std::vector<JobEvent>{};
  return std::vector<JobEvent>{JobWaitingForParts{.job_id = job.job_id,
                                                  .ticket_id = job.ticket_id,
                                                  .technician_id = job.technician_id,
                                                  .parts = command.parts}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const MarkPartsReady& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (command.quantity <= 0) {
    return InvalidArgument("quantity", "The reserved quantity must be above 0.");
  }
  if (!job.exists() || !job.waiting_for_parts) return std::vector<JobEvent>{};
  const auto it = std::find_if(job.parts_missing.begin(), job.parts_missing.end(),
                               [&](const PartLine& p) { return p.sku == command.sku; });
  if (it == job.parts_missing.end()) return std::vector<JobEvent>{};
  const int64_t filled = std::min(it->quantity, command.quantity);
  const bool all_ready = job.parts_missing.size() == 1 && filled == it->quantity;
  return std::vector<JobEvent>{JobPartsReady{.job_id = job.job_id,
                                             .ticket_id = job.ticket_id,
                                             .technician_id = job.technician_id,
                                             .sku = command.sku,
                                             .quantity = filled,
                                             .all_ready = all_ready}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job, const CancelJob& command,
                                             absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (!job.exists() || job.closed()) return std::vector<JobEvent>{};
  return std::vector<JobEvent>{JobCancelled{.job_id = job.job_id,
                                            .ticket_id = job.ticket_id,
                                            .technician_id = job.technician_id,
                                            .reason = std::string(Trim(command.reason))}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                             const ChangeJobDuration& command,
                                             const TechnicianState& technician,
                                             const AssignmentContext& context, absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  if (command.duration_minutes < 1 || command.duration_minutes > kMaxDurationMinutes) {
    return InvalidArgument("duration_minutes",
                           absl::StrCat("The duration is ", command.duration_minutes,
                                        " minutes; give 1 to 1440 minutes."));
  }
  absl::StatusOr<std::string> reason =
      RequireReason(command.reason, "reason", "the job's duration changes");
  if (!reason.ok()) return reason.status();
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (absl::Status s = CheckVersion(job, command.expected_version); !s.ok()) return s;
  if (job.closed()) {
    return FailedPrecondition(absl::StrCat("Job ", job.job_id, " is ",
                                           AsAbsl(JobStatusName(job.status)),
                                           "; its duration can no longer change."));
  }
  const int64_t previous = absl::ToInt64Minutes(job.EstimatedDuration(context.policy));
  std::optional<absl::Time> new_end;
  if (const std::optional<Booking> booked = job.BookingOf()) {
    new_end = booked->start + absl::Minutes(command.duration_minutes);
    if (technician.exists()) {
      if (absl::Status s = CheckTechnicianFits(job, technician, booked->start, new_end, "",
                                               context, /*check_placement=*/false);
          !s.ok()) {
        return s;
      }
    }
  }
  return std::vector<JobEvent>{JobDurationChanged{.job_id = job.job_id,
                                                  .ticket_id = job.ticket_id,
                                                  .technician_id = job.technician_id,
                                                  .duration_minutes = command.duration_minutes,
                                                  .previous_minutes = previous,
                                                  .reason = *std::move(reason),
                                                  .window_end = new_end}};
}

absl::StatusOr<std::vector<JobEvent>> Decide(const JobState& job,
                                             const RecordCustomerCall& command, const Actor& by,
                                             const TechnicianState& technician,
                                             const AssignmentContext& context, absl::Time /*now*/) {
  if (absl::Status s = RequireJobId(command.job_id); !s.ok()) return s;
  const std::string outcome(Trim(command.outcome));
  if (std::find(std::begin(kCallOutcomes), std::end(kCallOutcomes), outcome) ==
      std::end(kCallOutcomes)) {
    return InvalidArgument(
        "outcome", absl::StrCat("\"", outcome,
                                "\" is not a call outcome; use agreed, no_answer, busy, "
                                "customer_asked_other_time or wrong_number."));
  }
  const bool agreed = outcome == kCallAgreed;
  if (agreed) {
    if (!command.agreed_window_start || !command.agreed_window_end) {
      return InvalidArgument(command.agreed_window_start ? "agreed_window_end"
                                                         : "agreed_window_start",
                             "Give the start and end of the appointment agreed with the customer.");
    }
    if (*command.agreed_window_end <= *command.agreed_window_start) {
      return InvalidArgument("agreed_window_end",
                             "The agreed appointment must end after it starts.");
    }
  } else if (command.agreed_window_start || command.agreed_window_end) {
    return InvalidArgument(command.agreed_window_start ? "agreed_window_start"
                                                       : "agreed_window_end",
                           "Only a call with the outcome \"agreed\" carries a new appointment.");
  }
  const std::string note(Trim(command.note));
  if (absl::Status s = CheckText(note, "note"); !s.ok()) return s;
  if (absl::Status s = RequireExisting(job, command.job_id); !s.ok()) return s;
  if (absl::Status s = RefuseIfCancelled(job, "customer call"); !s.ok()) return s;
  if (by.role == kTechnicianRole && job.technician_id != by.user_id) {
    return PermissionDenied(absl::StrCat(
        "Job ", job.job_id,
        " is not assigned to you; the call was not recorded. Tell the dispatcher."));
  }
  if (job.closed()) {
    return FailedPrecondition(absl::StrCat("Job ", job.job_id, " is ",
                                           AsAbsl(JobStatusName(job.status)),
                                           "; calls about its appointment are no longer "
                                           "recorded."));
  }
  if (agreed) {
    if (job.status != JobStatus::kAssigned) {
      return FailedPrecondition(absl::StrCat(
          "Job ", job.job_id, " is ", AsAbsl(JobStatusName(job.status)),
          "; an appointment can be agreed only for an assigned job that has not started."));
    }
    if (technician.exists()) {
      if (absl::Status s = CheckTechnicianFits(job, technician, command.agreed_window_start,
                                               command.agreed_window_end, "", context,
                                               /*check_placement=*/false);
          !s.ok()) {
        return s;
      }
    }
  }
  std::vector<JobEvent> events{JobCustomerCalled{
      .job_id = job.job_id,
      .ticket_id = job.ticket_id,
      .technician_id = job.technician_id,
      .call = CustomerCall{.outcome = outcome,
                           .agreed_window_start = command.agreed_window_start,
                           .agreed_window_end = command.agreed_window_end,
                           .note = note,
                           .called_at = command.called_at,
                           .called_by = by.user_id}}};
  if (agreed) {
    events.push_back(JobRescheduled{.job_id = job.job_id,
                                    .ticket_id = job.ticket_id,
                                    .technician_id = job.technician_id,
                                    .window_start = *command.agreed_window_start,
                                    .window_end = *command.agreed_window_end,
                                    .reason = "agreed with the customer by phone"});
  }
  return events;
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
      s.onsite_due = e.onsite_due;
      s.resolution_due = e.resolution_due;
      s.duration = e.duration;
    }
    void operator()(const JobCancelled& e) {
      // The technician and window stay for the record; BookingOf() frees the calendars.
      s.status = JobStatus::kCancelled;
      s.waiting_for_parts = false;
      s.last_reason = e.reason;
    }
    void operator()(const JobCustomerCalled& e) { s.calls.push_back(e.call); }
    void operator()(const JobDurationChanged& e) {
      s.duration = absl::Minutes(e.duration_minutes);
      if (e.window_end) s.window_end = e.window_end;
      s.last_reason = e.reason;
    }
    void operator()(const JobAssigned& e) {
      s.status = JobStatus::kAssigned;
      s.technician_id = e.technician_id;
      s.window_start = e.window_start;
      s.window_end = e.window_end;
      s.accepted = false;
      s.en_route_at.reset();
    }
    void operator()(const JobReassigned& e) {
      s.technician_id = e.to_technician_id;
      s.window_start = e.window_start;
      s.window_end = e.window_end;
      s.accepted = false;
      s.en_route_at.reset();
      s.last_reason = e.reason;
    }
    void operator()(const JobUnassigned& e) { BackToQueue(e.reason); }
    void operator()(const JobDeclined& e) { BackToQueue(e.reason); }
    void operator()(const JobRescheduled& e) {
      s.window_start = e.window_start;
      s.window_end = e.window_end;
      s.last_reason = e.reason;
    }
    void operator()(const JobAccepted&) { s.accepted = true; }
    void operator()(const JobEnRoute& e) { s.en_route_at = e.at; }
    void operator()(const JobArrived& e) {
      s.arrival = e.arrival;
      s.waiting_for_parts = false;
    }
    void operator()(const JobHelperAdded& e) { s.helper_ids.push_back(e.helper_id); }
    void operator()(const JobHelperRemoved& e) {
      s.helper_ids.erase(std::remove(s.helper_ids.begin(), s.helper_ids.end(), e.helper_id),
                         s.helper_ids.end());
    }
    void operator()(const JobWaitingForParts& e) {
      for (const PartLine& line : e.parts) {
        auto it = std::find_if(s.parts_missing.begin(), s.parts_missing.end(),
                               [&](const PartLine& p) { return p.sku == line.sku; });
        if (it == s.parts_missing.end()) {
          s.parts_missing.push_back(line);
        } else {
          it->quantity += line.quantity;
        }
      }
      s.waiting_for_parts = !s.parts_missing.empty();
    }
    void operator()(const JobPartsReady& e) {
      auto it = std::find_if(s.parts_missing.begin(), s.parts_missing.end(),
                             [&](const PartLine& p) { return p.sku == e.sku; });
      if (it != s.parts_missing.end()) {
        it->quantity -= e.quantity;
        if (it->quantity <= 0) s.parts_missing.erase(it);
      }
      if (e.all_ready) s.parts_missing.clear();
      s.waiting_for_parts = !s.parts_missing.empty();
    }
    void operator()(const JobVisitEnded& e) {
      s.status = JobStatus::kAssigned;
      s.window_start.reset();
      s.window_end.reset();
      s.en_route_at.reset();
      s.visits_ended = e.visit;
      s.parts_missing = e.parts_missing;
      s.waiting_for_parts = !e.parts_missing.empty();
      s.last_reason = e.reason;
    }
    void operator()(const JobWorkReported& e) {
      WorkReport& r = s.report;
      r.checklist_done.insert(r.checklist_done.end(), e.report.checklist_done.begin(),
                              e.report.checklist_done.end());
      r.photo_refs.insert(r.photo_refs.end(), e.report.photo_refs.begin(),
                          e.report.photo_refs.end());
      for (auto [to, from] :
           {std::pair{&r.fault_type, &e.report.fault_type},
            std::pair{&r.fault_location, &e.report.fault_location},
            std::pair{&r.cause, &e.report.cause}, std::pair{&r.solution, &e.report.solution},
            std::pair{&r.fee_item, &e.report.fee_item},
            std::pair{&r.signature_ref, &e.report.signature_ref},
            std::pair{&r.signer_name, &e.report.signer_name}}) {
        if (!from->empty()) *to = *from;
      }
      if (!e.report.fee_item.empty()) r.fee_minor = e.report.fee_minor;
    }
    void BackToQueue(const std::string& reason) {
      s.status = JobStatus::kUnassigned;
      s.technician_id.clear();
      s.window_start.reset();
      s.window_end.reset();
      s.accepted = false;
      s.en_route_at.reset();
      s.helper_ids.clear();  // the crew goes with the assignment
      s.last_reason = reason;
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
