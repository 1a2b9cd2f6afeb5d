#include "services/scheduling/app/scheduling_app.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/scheduling/adapters/event_codec.h"
#include "spdlog/spdlog.h"

namespace fieldline::scheduling {
namespace {

constexpr std::string_view kJobPrefix = "p/job/";
constexpr std::string_view kTechnicianPrefix = "p/technician/";
// x/job-by-technician/<technician id>/<job id> → "": the jobs assigned to a technician. A job is
// assigned once, so entries are never removed.
constexpr std::string_view kJobByTechnicianPrefix = "x/job-by-technician/";
constexpr std::string_view kTechnicianRole = "technician";
const Actor kSystemActor{"system:scheduling", "system"};

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger =
      spdlog::default_logger()->clone("scheduling.app");
  return *logger;
}

AggregateKey JobKey(std::string_view job_id) {
  return AggregateKey{std::string(kJobAggregate), std::string(job_id)};
}

AggregateKey TechnicianKey(std::string_view technician_id) {
  return AggregateKey{std::string(kTechnicianAggregate), std::string(technician_id)};
}

std::string JobByTechnicianPrefix(std::string_view technician_id) {
  return absl::StrCat(AsAbsl(kJobByTechnicianPrefix), AsAbsl(technician_id), "/");
}

common::v1::CommandAck Ack(std::string_view aggregate_id, int64_t version) {
  common::v1::CommandAck ack;
  ack.set_aggregate_id(std::string(aggregate_id));
  ack.set_version(version);
  return ack;
}

absl::StatusOr<int32_t> EffectivePageSize(int32_t requested) {
  if (requested < 0) {
    return InvalidArgument("page_size", absl::StrCat("The page size ", requested,
                                                     " is negative; ask for 1 to 500 items."));
  }
  if (requested == 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

absl::Status CorruptProjection(std::string_view key) {
  return absl::DataLossError(absl::StrCat("The stored record ", AsAbsl(key), " cannot be read."));
}

// A technician sees only their own jobs (DOMAIN.md §7).
bool MaySee(const Actor& viewer, const v1::Job& job) {
  return viewer.role != kTechnicianRole || job.technician_id() == viewer.user_id;
}

}  // namespace

std::string JobProjectionKey(std::string_view job_id) {
  return absl::StrCat(AsAbsl(kJobPrefix), AsAbsl(job_id));
}

std::string TechnicianProjectionKey(std::string_view technician_id) {
  return absl::StrCat(AsAbsl(kTechnicianPrefix), AsAbsl(technician_id));
}

SchedulingApp::SchedulingApp(EventStore& store, const Clock& clock, IdGenerator& ids)
    : store_(store), clock_(clock), ids_(ids) {}

std::string SchedulingApp::JobIdForTicket(std::string_view ticket_id) {
  return scheduling::JobIdForTicket(ticket_id);
}

// ------------------------------------------------------------------ loading

absl::StatusOr<SchedulingApp::LoadedJob> SchedulingApp::LoadJob(std::string_view job_id) const {
  LoadedJob loaded;
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(JobKey(job_id));
  if (!stream.ok()) return stream.status();
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<JobEvent> event = JobEventFromProto(envelope.scheduling());
    if (!event.ok()) return event.status();
    if (loaded.state.version == 0) loaded.created_at = FromProto(envelope.server_time());
    loaded.state = Evolve(std::move(loaded.state), *event);
  }
  return loaded;
}

absl::StatusOr<TechnicianState> SchedulingApp::LoadTechnician(
    std::string_view technician_id) const {
  TechnicianState state;
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      store_.ReadStream(TechnicianKey(technician_id));
  if (!stream.ok()) return stream.status();
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<TechnicianEvent> event = TechnicianEventFromProto(envelope.scheduling());
    if (!event.ok()) return event.status();
    state = Evolve(std::move(state), *event);
  }
  return state;
}

absl::StatusOr<JobState> SchedulingApp::RecordJobEvents(Batch& batch, const LoadedJob& job,
                                                        const std::vector<JobEvent>& events,
                                                        std::vector<EventEnvelope> envelopes,
                                                        absl::Time now) {
  JobState state = job.state;
  const int64_t expected_version = state.version;
  for (size_t i = 0; i < events.size(); ++i) {
    *envelopes[i].mutable_scheduling() = ToProto(events[i]);
    ToProto(now, envelopes[i].mutable_server_time());
    state = Evolve(std::move(state), events[i]);
    if (const auto* assigned = std::get_if<JobAssigned>(&events[i])) {
      batch.Put(
          absl::StrCat(JobByTechnicianPrefix(assigned->technician_id), AsAbsl(assigned->job_id)),
          "");
    }
  }
  if (absl::Status s = batch.Append(JobKey(state.job_id), expected_version, std::move(envelopes));
      !s.ok()) {
    return s;
  }
  const absl::Time created_at = job.state.exists() ? job.created_at : now;
  batch.Put(JobProjectionKey(state.job_id),
            ToProjection(state, created_at, now).SerializeAsString());
  return state;
}

// ------------------------------------------------------------------ commands

absl::StatusOr<common::v1::CommandAck> SchedulingApp::RegisterTechnician(
    const CommandMeta& meta, scheduling::RegisterTechnician command) {
  if (command.technician_id.empty()) command.technician_id = ids_.NewId(meta.now);
  return store_.Execute(
      meta.request_id, {TechnicianKey(command.technician_id)},
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<TechnicianState> technician = LoadTechnician(command.technician_id);
        if (!technician.ok()) return technician.status();
        absl::StatusOr<std::vector<TechnicianEvent>> events =
            Decide(*technician, command, meta.now);
        if (!events.ok()) return events.status();

        TechnicianState state = *technician;
        std::vector<EventEnvelope> envelopes;
        for (const TechnicianEvent& event : *events) {
          EventEnvelope envelope = NewEnvelope(meta);
          *envelope.mutable_scheduling() = ToProto(event);
          envelopes.push_back(std::move(envelope));
          state = Evolve(std::move(state), event);
        }
        if (absl::Status s = batch.Append(TechnicianKey(command.technician_id), technician->version,
                                          std::move(envelopes));
            !s.ok()) {
          return s;
        }
        batch.Put(TechnicianProjectionKey(state.technician_id),
                  ToProjection(state).SerializeAsString());
        Log().info("technician registered technician={} request={}", state.technician_id,
                   meta.request_id);
        return Ack(state.technician_id, state.version);
      });
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::AssignJob(
    const CommandMeta& meta, const scheduling::AssignJob& command) {
  return store_.Execute(
      meta.request_id, {JobKey(command.job_id), TechnicianKey(command.technician_id)},
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<LoadedJob> job = LoadJob(command.job_id);
        if (!job.ok()) return job.status();
        absl::StatusOr<TechnicianState> technician = LoadTechnician(command.technician_id);
        if (!technician.ok()) return technician.status();
        absl::StatusOr<std::vector<JobEvent>> events =
            Decide(job->state, command, *technician, meta.now);
        if (!events.ok()) return events.status();
        std::vector<EventEnvelope> envelopes(events->size(), NewEnvelope(meta));
        absl::StatusOr<JobState> state =
            RecordJobEvents(batch, *job, *events, std::move(envelopes), meta.now);
        if (!state.ok()) return state.status();
        Log().info("job assigned job={} ticket={} technician={} request={}", state->job_id,
                   state->ticket_id, state->technician_id, meta.request_id);
        return Ack(state->job_id, state->version);
      });
}

template <typename Command>
absl::StatusOr<common::v1::CommandAck> SchedulingApp::RunJobCommand(const CommandMeta& meta,
                                                                    const Command& command) {
  return store_.Execute(meta.request_id, {JobKey(command.job_id)},
                        [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
                          absl::StatusOr<LoadedJob> job = LoadJob(command.job_id);
                          if (!job.ok()) return job.status();
                          absl::StatusOr<std::vector<JobEvent>> events =
                              Decide(job->state, command, meta.actor, meta.now);
                          if (!events.ok()) return events.status();
                          std::vector<EventEnvelope> envelopes(events->size(), NewEnvelope(meta));
                          absl::StatusOr<JobState> state =
                              RecordJobEvents(batch, *job, *events, std::move(envelopes), meta.now);
                          if (!state.ok()) return state.status();
                          Log().info("job {} job={} ticket={} technician={} request={}",
                                     JobStatusName(state->status), state->job_id, state->ticket_id,
                                     state->technician_id, meta.request_id);
                          return Ack(state->job_id, state->version);
                        });
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::StartJob(
    const CommandMeta& meta, const scheduling::StartJob& command) {
  return RunJobCommand(meta, command);
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::CompleteJob(
    const CommandMeta& meta, const scheduling::CompleteJob& command) {
  return RunJobCommand(meta, command);
}

// ------------------------------------------------------------------ reactions

absl::Status SchedulingApp::Apply(const EventEnvelope& event, Batch& batch) {
  if (event.payload_case() != EventEnvelope::kIntake ||
      event.intake().kind_case() != intake::v1::IntakeEvent::kTicketOpened) {
    return absl::OkStatus();  // nothing scheduling reacts to
  }
  const CreateJob command = CreateJobFromTicket(event.intake().ticket_opened());
  batch.Lock({JobKey(command.job_id)});
  absl::StatusOr<LoadedJob> job = LoadJob(command.job_id);
  if (!job.ok()) return job.status();
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<JobEvent>> events = Decide(job->state, command, now);
  if (!events.ok()) return events.status();
  if (events->empty()) return absl::OkStatus();  // the ticket's job exists already

  const std::string& correlation_id =
      event.correlation_id().empty() ? event.event_id() : event.correlation_id();
  std::vector<EventEnvelope> envelopes;
  for (size_t i = 0; i < events->size(); ++i) {
    EventEnvelope envelope;
    envelope.set_event_id(DeriveId(event.event_id(), absl::StrCat("scheduling/", i + 1)));
    envelope.set_causation_id(event.event_id());
    envelope.set_correlation_id(correlation_id);
    envelope.mutable_actor()->set_user_id(kSystemActor.user_id);
    envelope.mutable_actor()->set_role(kSystemActor.role);
    envelopes.push_back(std::move(envelope));
  }
  absl::StatusOr<JobState> state = RecordJobEvents(batch, *job, *events, std::move(envelopes), now);
  if (!state.ok()) return state.status();
  Log().info("job created job={} ticket={} skill={} correlation={}", state->job_id,
             state->ticket_id, state->required_skill, correlation_id);
  return absl::OkStatus();
}

// ------------------------------------------------------------------ queries

absl::StatusOr<v1::Job> SchedulingApp::GetJob(const Actor& viewer, std::string_view job_id) const {
  if (job_id.empty()) return InvalidArgument("job_id", "Choose a job: the job id is empty.");
  const std::string key = JobProjectionKey(job_id);
  absl::StatusOr<std::optional<std::string>> value = store_.Get(key);
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    return NotFound("job_id", absl::StrCat("There is no job ", AsAbsl(job_id), "."));
  }
  v1::Job job;
  if (!job.ParseFromString(**value)) return CorruptProjection(key);
  if (!MaySee(viewer, job)) return PermissionDenied("This job is assigned to another technician.");
  return job;
}

absl::StatusOr<v1::ListJobsResponse> SchedulingApp::ListJobs(const Actor& viewer,
                                                             ListJobsQuery query) const {
  absl::StatusOr<int32_t> page_size = EffectivePageSize(query.page_size);
  if (!page_size.ok()) return page_size.status();
  if (viewer.role == kTechnicianRole) {
    if (query.technician_id.empty()) query.technician_id = viewer.user_id;
    if (query.technician_id != viewer.user_id) {
      return PermissionDenied("A technician sees only their own jobs.");
    }
  }

  // Collect one more than a page to know whether another page follows.
  std::vector<v1::Job> jobs;
  absl::Status failure = absl::OkStatus();
  auto take = [&](std::string_view key, std::string_view value) {
    v1::Job job;
    if (!job.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      failure = CorruptProjection(key);
      return false;
    }
    if (query.state && job.state() != ToProto(*query.state)) return true;
    if (!query.technician_id.empty() && job.technician_id() != query.technician_id) return true;
    jobs.push_back(std::move(job));
    return static_cast<int32_t>(jobs.size()) <= *page_size;
  };

  absl::Status scanned;
  if (query.technician_id.empty()) {
    scanned = store_.Scan(kJobPrefix,
                          query.page_token.empty() ? "" : JobProjectionKey(query.page_token), take);
  } else {
    // Walk the technician's index; it is in job id order too.
    const std::string prefix = JobByTechnicianPrefix(query.technician_id);
    const std::string start_after =
        query.page_token.empty() ? "" : absl::StrCat(prefix, query.page_token);
    scanned = store_.Scan(prefix, start_after, [&](std::string_view key, std::string_view) {
      const std::string_view job_id = key.substr(prefix.size());
      const std::string projection_key = JobProjectionKey(job_id);
      absl::StatusOr<std::optional<std::string>> value = store_.Get(projection_key);
      if (!value.ok()) {
        failure = value.status();
        return false;
      }
      if (!value->has_value()) return true;  // indexed in the same batch; cannot happen
      return take(projection_key, **value);
    });
  }
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;

  v1::ListJobsResponse response;
  const bool more = static_cast<int32_t>(jobs.size()) > *page_size;
  if (more) jobs.pop_back();
  for (v1::Job& job : jobs) *response.add_jobs() = std::move(job);
  if (more) response.set_next_page_token(response.jobs().rbegin()->job_id());
  return response;
}

absl::StatusOr<v1::Technician> SchedulingApp::GetTechnician(std::string_view technician_id) const {
  if (technician_id.empty()) {
    return InvalidArgument("technician_id", "Choose a technician: the technician id is empty.");
  }
  const std::string key = TechnicianProjectionKey(technician_id);
  absl::StatusOr<std::optional<std::string>> value = store_.Get(key);
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    return NotFound("technician_id",
                    absl::StrCat("There is no technician ", AsAbsl(technician_id), "."));
  }
  v1::Technician technician;
  if (!technician.ParseFromString(**value)) return CorruptProjection(key);
  return technician;
}

absl::StatusOr<v1::ListTechniciansResponse> SchedulingApp::ListTechnicians(
    const ListTechniciansQuery& query) const {
  absl::StatusOr<int32_t> page_size = EffectivePageSize(query.page_size);
  if (!page_size.ok()) return page_size.status();
  std::vector<v1::Technician> technicians;
  absl::Status failure = absl::OkStatus();
  absl::Status scanned = store_.Scan(
      kTechnicianPrefix, query.page_token.empty() ? "" : TechnicianProjectionKey(query.page_token),
      [&](std::string_view key, std::string_view value) {
        v1::Technician technician;
        if (!technician.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          failure = CorruptProjection(key);
          return false;
        }
        technicians.push_back(std::move(technician));
        return static_cast<int32_t>(technicians.size()) <= *page_size;
      });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;

  v1::ListTechniciansResponse response;
  const bool more = static_cast<int32_t>(technicians.size()) > *page_size;
  if (more) technicians.pop_back();
  for (v1::Technician& technician : technicians)
    *response.add_technicians() = std::move(technician);
  if (more) response.set_next_page_token(response.technicians().rbegin()->technician_id());
  return response;
}

}  // namespace fieldline::scheduling
