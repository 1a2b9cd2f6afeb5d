#include "services/scheduling/app/scheduling_app.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fieldline/inventory/v1/events.pb.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/scheduling/adapters/event_codec.h"
#include "services/scheduling/domain/text.h"
#include "spdlog/spdlog.h"

namespace fieldline::scheduling {
namespace {

constexpr std::string_view kJobPrefix = "p/job/";
constexpr std::string_view kTechnicianPrefix = "p/technician/";
// x/job-by-technician/<technician id>/<job id> → "": the jobs of a technician (current holder
// only: a reassigned, unassigned or declined job leaves its old technician's index).
constexpr std::string_view kJobByTechnicianPrefix = "x/job-by-technician/";
// x/booking/<technician id>/<job id> → v1.Booking: the technician's calendar, written in the same
// batch as the job's events and read under the technician's lock by every assignment.
constexpr std::string_view kBookingPrefix = "x/booking/";
// x/fixed-technician/<customer id> → technician id: key accounts' fixed technicians.
constexpr std::string_view kFixedTechnicianPrefix = "x/fixed-technician/";
// p/sync-conflict/<request id> → v1.SyncConflict: refused updates from phones.
constexpr std::string_view kSyncConflictPrefix = "p/sync-conflict/";
constexpr size_t kDefaultRecommendations = 10;
constexpr int kJobLockAttempts = 5;
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

std::string BookingKey(std::string_view technician_id, std::string_view job_id) {
  return absl::StrCat(AsAbsl(kBookingPrefix), AsAbsl(technician_id), "/", AsAbsl(job_id));
}

SchedulingApp::SchedulingApp(EventStore& store, const Clock& clock, IdGenerator& ids,
                             DispatchPolicy policy)
    : store_(store), clock_(clock), ids_(ids), policy_(std::move(policy)) {}

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
  }
  // The crew's index entries and calendars: every member of the crew before and after.
  const std::vector<std::string> crew_before = job.state.Crew();
  const std::vector<std::string> crew_after = state.Crew();
  const auto in = [](const std::vector<std::string>& crew, const std::string& id) {
    return std::find(crew.begin(), crew.end(), id) != crew.end();
  };
  for (const std::string& member : crew_before) {
    if (!in(crew_after, member)) {
      batch.Delete(absl::StrCat(JobByTechnicianPrefix(member), state.job_id));
    }
  }
  for (const std::string& member : crew_after) {
    if (!in(crew_before, member)) {
      batch.Put(absl::StrCat(JobByTechnicianPrefix(member), state.job_id), "");
    }
  }
  // Delete before Put: in one WriteBatch the later write wins.
  if (job.state.BookingOf()) {
    for (const std::string& member : crew_before) batch.Delete(BookingKey(member, state.job_id));
  }
  if (const std::optional<Booking> booked = state.BookingOf()) {
    const std::string value = ToProto(*booked).SerializeAsString();
    for (const std::string& member : crew_after) batch.Put(BookingKey(member, state.job_id), value);
  }
  if (absl::Status s = batch.Append(JobKey(state.job_id), expected_version, std::move(envelopes));
      !s.ok()) {
    return s;
  }
  const absl::Time created_at = job.state.exists() ? job.created_at : now;
  batch.Put(JobProjectionKey(state.job_id),
            ToProjection(state, created_at, now, policy_).SerializeAsString());
  return state;
}

// ------------------------------------------------------------------ commands

template <typename Command>
absl::StatusOr<common::v1::CommandAck> SchedulingApp::RunTechnicianCommand(const CommandMeta& meta,
                                                                           const Command& command) {
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
        Log().info("technician changed technician={} version={} request={}", state.technician_id,
                   state.version, meta.request_id);
        return Ack(state.technician_id, state.version);
      });
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::RegisterTechnician(
    const CommandMeta& meta, scheduling::RegisterTechnician command) {
  if (command.technician_id.empty()) command.technician_id = ids_.NewId(meta.now);
  return RunTechnicianCommand(meta, command);
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::SetTechnicianShifts(
    const CommandMeta& meta, const scheduling::SetTechnicianShifts& command) {
  return RunTechnicianCommand(meta, command);
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::RecordAbsence(
    const CommandMeta& meta, scheduling::RecordAbsence command) {
  if (command.absence_id.empty()) command.absence_id = ids_.NewId(meta.now);
  return RunTechnicianCommand(meta, command);
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::DepartTechnician(
    const CommandMeta& meta, const scheduling::DepartTechnician& command) {
  return RunTechnicianCommand(meta, command);
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::SetFixedTechnician(
    const CommandMeta& meta, std::string_view customer_id, std::string_view technician_id) {
  const std::string customer(Trim(customer_id));
  if (customer.empty()) {
    return InvalidArgument("customer_id", "Choose the key account: the customer id is empty.");
  }
  std::vector<AggregateKey> keys{{"Customer", customer}};
  if (!technician_id.empty()) keys.push_back(TechnicianKey(technician_id));
  return store_.Execute(
      meta.request_id, std::move(keys),
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        const std::string key = absl::StrCat(AsAbsl(kFixedTechnicianPrefix), customer);
        if (technician_id.empty()) {
          batch.Delete(key);
          return Ack(customer, 0);
        }
        absl::StatusOr<TechnicianState> technician = LoadTechnician(technician_id);
        if (!technician.ok()) return technician.status();
        if (!technician->exists()) {
          return NotFound("technician_id",
                          absl::StrCat("There is no technician ", AsAbsl(technician_id), "."));
        }
        if (technician->departed) {
          return FailedPrecondition(absl::StrCat(technician->name, " has left the company."));
        }
        batch.Put(key, technician_id);
        return Ack(customer, 0);
      });
}

absl::StatusOr<std::vector<std::string>> SchedulingApp::CrewOfJob(std::string_view job_id) const {
  absl::StatusOr<std::optional<std::string>> value = store_.Get(JobProjectionKey(job_id));
  if (!value.ok()) return value.status();
  std::vector<std::string> crew;
  if (!value->has_value()) return crew;
  v1::Job job;
  if (!job.ParseFromString(**value)) return CorruptProjection(JobProjectionKey(job_id));
  if (!job.technician_id().empty()) crew.push_back(job.technician_id());
  crew.insert(crew.end(), job.helper_ids().begin(), job.helper_ids().end());
  return crew;
}

absl::Status SchedulingApp::CheckHelpersFit(const JobState& job,
                                            const std::optional<absl::Time>& start,
                                            const std::optional<absl::Time>& end) const {
  for (const std::string& helper_id : job.helper_ids) {
    absl::StatusOr<TechnicianState> helper = LoadTechnician(helper_id);
    if (!helper.ok()) return helper.status();
    AssignmentContext context;
    context.policy = policy_;
    absl::StatusOr<std::vector<Booking>> bookings = Bookings(helper_id);
    if (!bookings.ok()) return bookings.status();
    context.technician_bookings = *std::move(bookings);
    if (absl::Status s = CheckHelperFits(job, *helper, start, end, context); !s.ok()) {
      return FailedPrecondition(absl::StrCat("The helper: ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SchedulingApp::FixedTechnicianOf(std::string_view customer_id) const {
  if (customer_id.empty()) return std::string();
  absl::StatusOr<std::optional<std::string>> value =
      store_.Get(absl::StrCat(AsAbsl(kFixedTechnicianPrefix), AsAbsl(customer_id)));
  if (!value.ok()) return value.status();
  return value->value_or("");
}

absl::StatusOr<std::vector<Booking>> SchedulingApp::Bookings(std::string_view technician_id) const {
  std::vector<Booking> bookings;
  absl::Status failure = absl::OkStatus();
  const std::string prefix = absl::StrCat(AsAbsl(kBookingPrefix), AsAbsl(technician_id), "/");
  absl::Status scanned = store_.Scan(prefix, "", [&](std::string_view key, std::string_view value) {
    v1::Booking booking;
    if (!booking.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      failure = CorruptProjection(key);
      return false;
    }
    bookings.push_back(FromProto(booking));
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  std::sort(bookings.begin(), bookings.end(),
            [](const Booking& a, const Booking& b) { return a.start < b.start; });
  return bookings;
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::ExecuteOnJob(const CommandMeta& meta,
                                                                   std::string_view job_id,
                                                                   std::string_view also_technician,
                                                                   const JobDecision& decide) {
  if (job_id.empty()) return InvalidArgument("job_id", "Choose a job: the job id is empty.");
  for (int attempt = 0; attempt < kJobLockAttempts; ++attempt) {
    // Who holds the job now: read without the lock, checked again under it.
    absl::StatusOr<std::vector<std::string>> crew = CrewOfJob(job_id);
    if (!crew.ok()) return crew.status();
    std::vector<AggregateKey> keys{JobKey(job_id)};
    for (const std::string& member : *crew) keys.push_back(TechnicianKey(member));
    if (!also_technician.empty()) keys.push_back(TechnicianKey(also_technician));
    bool moved = false;
    absl::StatusOr<common::v1::CommandAck> ack =
        store_.Execute(meta.request_id, std::move(keys),
                       [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
                         absl::StatusOr<LoadedJob> job = LoadJob(job_id);
                         if (!job.ok()) return job.status();
                         if (job->state.Crew() != *crew) {
                           moved = true;
                           return VersionConflict("The job changed hands while it was being read.");
                         }
                         return decide(batch, *job);
                       });
    if (!moved) return ack;
  }
  return VersionConflict(
      absl::StrCat("Job ", AsAbsl(job_id), " is being changed by others right now; try again."));
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::RecordJobDecision(
    Batch& batch, const CommandMeta& meta, const LoadedJob& job,
    const absl::StatusOr<std::vector<JobEvent>>& events) {
  if (!events.ok()) return events.status();
  std::vector<EventEnvelope> envelopes(events->size(), NewEnvelope(meta));
  absl::StatusOr<JobState> state =
      RecordJobEvents(batch, job, *events, std::move(envelopes), meta.now);
  if (!state.ok()) return state.status();
  Log().info("job changed job={} ticket={} state={} technician={} version={} request={}",
             state->job_id, state->ticket_id, JobStatusName(state->status), state->technician_id,
             state->version, meta.request_id);
  return Ack(state->job_id, state->version);
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::AssignJob(
    const CommandMeta& meta, const scheduling::AssignJob& command) {
  return ExecuteOnJob(
      meta, command.job_id, command.technician_id,
      [&](Batch& batch, const LoadedJob& job) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<TechnicianState> technician = command.technician_id.empty()
                                                         ? TechnicianState{}
                                                         : LoadTechnician(command.technician_id);
        if (!technician.ok()) return technician.status();
        AssignmentContext context;
        context.policy = policy_;
        absl::StatusOr<std::string> fixed = FixedTechnicianOf(job.state.customer.customer_id);
        if (!fixed.ok()) return fixed.status();
        context.fixed_technician_id = *fixed;
        if (technician->exists()) {
          absl::StatusOr<std::vector<Booking>> bookings = Bookings(command.technician_id);
          if (!bookings.ok()) return bookings.status();
          context.technician_bookings = *std::move(bookings);
        }
        return RecordJobDecision(batch, meta, job,
                                 Decide(job.state, command, *technician, context, meta.now));
      });
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::ReassignJob(
    const CommandMeta& meta, const scheduling::ReassignJob& command) {
  return ExecuteOnJob(
      meta, command.job_id, command.technician_id,
      [&](Batch& batch, const LoadedJob& job) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<TechnicianState> technician = command.technician_id.empty()
                                                         ? TechnicianState{}
                                                         : LoadTechnician(command.technician_id);
        if (!technician.ok()) return technician.status();
        AssignmentContext context;
        context.policy = policy_;
        absl::StatusOr<std::string> fixed = FixedTechnicianOf(job.state.customer.customer_id);
        if (!fixed.ok()) return fixed.status();
        context.fixed_technician_id = *fixed;
        if (technician->exists()) {
          absl::StatusOr<std::vector<Booking>> bookings = Bookings(command.technician_id);
          if (!bookings.ok()) return bookings.status();
          context.technician_bookings = *std::move(bookings);
        }
        absl::StatusOr<std::vector<JobEvent>> events =
            Decide(job.state, command, *technician, context, meta.now);
        if (events.ok() && command.window_start) {
          if (absl::Status s = CheckHelpersFit(job.state, command.window_start, command.window_end);
              !s.ok()) {
            return s;
          }
        }
        return RecordJobDecision(batch, meta, job, events);
      });
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::AddHelper(
    const CommandMeta& meta, const scheduling::AddHelper& command) {
  return ExecuteOnJob(
      meta, command.job_id, command.helper_id,
      [&](Batch& batch, const LoadedJob& job) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<TechnicianState> helper =
            command.helper_id.empty() ? TechnicianState{} : LoadTechnician(command.helper_id);
        if (!helper.ok()) return helper.status();
        AssignmentContext context;
        context.policy = policy_;
        if (helper->exists()) {
          absl::StatusOr<std::vector<Booking>> bookings = Bookings(command.helper_id);
          if (!bookings.ok()) return bookings.status();
          context.technician_bookings = *std::move(bookings);
        }
        return RecordJobDecision(batch, meta, job,
                                 Decide(job.state, command, *helper, context, meta.now));
      });
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::RemoveHelper(
    const CommandMeta& meta, const scheduling::RemoveHelper& command) {
  return ExecuteOnJob(
      meta, command.job_id, "",
      [&](Batch& batch, const LoadedJob& job) -> absl::StatusOr<common::v1::CommandAck> {
        return RecordJobDecision(batch, meta, job, Decide(job.state, command, meta.now));
      });
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::UnassignJob(
    const CommandMeta& meta, const scheduling::UnassignJob& command) {
  return ExecuteOnJob(
      meta, command.job_id, "",
      [&](Batch& batch, const LoadedJob& job) -> absl::StatusOr<common::v1::CommandAck> {
        return RecordJobDecision(batch, meta, job, Decide(job.state, command, meta.now));
      });
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::ChangeBooking(
    const CommandMeta& meta, std::string_view job_id, std::string_view update,
    const BookingDecision& decide, const NewWindow& window) {
  absl::StatusOr<common::v1::CommandAck> ack = ExecuteOnJob(
      meta, job_id, "",
      [&](Batch& batch, const LoadedJob& job) -> absl::StatusOr<common::v1::CommandAck> {
        TechnicianState technician;
        AssignmentContext context;
        if (absl::Status s = LoadLeadCalendar(job.state, technician, context); !s.ok()) return s;
        absl::StatusOr<std::vector<JobEvent>> events = decide(job.state, technician, context);
        if (events.ok()) {
          if (const std::optional<std::pair<absl::Time, absl::Time>> span = window(job.state)) {
            if (absl::Status s = CheckHelpersFit(job.state, span->first, span->second); !s.ok()) {
              return s;
            }
          }
        }
        return RecordJobDecision(batch, meta, job, events);
      });
  if (!ack.ok()) RecordSyncConflict(meta, job_id, update, ack.status());
  return ack;
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::RescheduleJob(
    const CommandMeta& meta, const scheduling::RescheduleJob& command) {
  return ChangeBooking(
      meta, command.job_id, "reschedule",
      [&](const JobState& job, const TechnicianState& technician,
          const AssignmentContext& context) {
        return Decide(job, command, meta.actor, technician, context, meta.now);
      },
      [&](const JobState&) { return std::optional(std::pair{command.window_start, command.window_end}); });
}

absl::Status SchedulingApp::LoadLeadCalendar(const JobState& job, TechnicianState& technician,
                                             AssignmentContext& context) const {
  context.policy = policy_;
  if (job.technician_id.empty()) return absl::OkStatus();
  absl::StatusOr<TechnicianState> loaded = LoadTechnician(job.technician_id);
  if (!loaded.ok()) return loaded.status();
  technician = *std::move(loaded);
  absl::StatusOr<std::vector<Booking>> bookings = Bookings(job.technician_id);
  if (!bookings.ok()) return bookings.status();
  context.technician_bookings = *std::move(bookings);
  return absl::OkStatus();
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::ChangeJobDuration(
    const CommandMeta& meta, const scheduling::ChangeJobDuration& command) {
  return ChangeBooking(
      meta, command.job_id, "change duration",
      [&](const JobState& job, const TechnicianState& technician,
          const AssignmentContext& context) {
        return Decide(job, command, technician, context, meta.now);
      },
      [&](const JobState& job) -> std::optional<std::pair<absl::Time, absl::Time>> {
        const std::optional<Booking> booked = job.BookingOf();
        if (!booked) return std::nullopt;
        return std::pair{booked->start, booked->start + absl::Minutes(command.duration_minutes)};
      });
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::RecordCustomerCall(
    const CommandMeta& meta, scheduling::RecordCustomerCall command) {
  command.called_at = meta.device_time != absl::InfinitePast() ? meta.device_time : meta.now;
  return ChangeBooking(
      meta, command.job_id, "customer call",
      [&](const JobState& job, const TechnicianState& technician,
          const AssignmentContext& context) {
        return Decide(job, command, meta.actor, technician, context, meta.now);
      },
      [&](const JobState&) -> std::optional<std::pair<absl::Time, absl::Time>> {
        if (!command.agreed_window_start || !command.agreed_window_end) return std::nullopt;
        return std::pair{*command.agreed_window_start, *command.agreed_window_end};
      });
}

template <typename Command>
absl::StatusOr<common::v1::CommandAck> SchedulingApp::RunJobCommand(const CommandMeta& meta,
                                                                    const Command& command,
                                                                    std::string_view update) {
  absl::StatusOr<common::v1::CommandAck> ack = ExecuteOnJob(
      meta, command.job_id, "",
      [&](Batch& batch, const LoadedJob& job) -> absl::StatusOr<common::v1::CommandAck> {
        if constexpr (std::is_same_v<Command, scheduling::StartJob> ||
                      std::is_same_v<Command, scheduling::CompleteJob>) {
          return RecordJobDecision(batch, meta, job,
                                   Decide(job.state, command, meta.actor, meta.now));
        } else {
          return RecordJobDecision(batch, meta, job,
                                   Decide(job.state, command, meta.actor, policy_, meta.now));
        }
      });
  if (!ack.ok()) RecordSyncConflict(meta, command.job_id, update, ack.status());
  return ack;
}

void SchedulingApp::RecordSyncConflict(const CommandMeta& meta, std::string_view job_id,
                                       std::string_view update, const absl::Status& refusal) const {
  if (meta.actor.role != kTechnicianRole || meta.request_id.empty()) return;
  if (refusal.code() != absl::StatusCode::kFailedPrecondition &&
      refusal.code() != absl::StatusCode::kPermissionDenied) {
    return;
  }
  v1::SyncConflict conflict;
  conflict.set_request_id(meta.request_id);
  conflict.set_job_id(std::string(job_id));
  conflict.set_technician_id(meta.actor.user_id);
  conflict.set_update(std::string(update));
  conflict.set_reason(std::string(refusal.message()));
  if (meta.device_time != absl::InfinitePast()) {
    ToProto(meta.device_time, conflict.mutable_device_time());
  }
  ToProto(meta.now, conflict.mutable_recorded_at());
  Batch batch = store_.NewBatch();
  // Keyed by request id: a phone replaying the same refused update records it once.
  batch.Put(absl::StrCat(AsAbsl(kSyncConflictPrefix), AsAbsl(meta.request_id)),
            conflict.SerializeAsString());
  if (absl::Status s = store_.Commit(std::move(batch)); !s.ok()) {
    Log().error("sync conflict not recorded job={} request={} error={}", job_id, meta.request_id,
                s.ToString());
    return;
  }
  Log().warn("sync conflict job={} technician={} update={} request={} reason={}", job_id,
             meta.actor.user_id, update, meta.request_id, std::string(refusal.message()));
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::StartJob(
    const CommandMeta& meta, const scheduling::StartJob& command) {
  return RunJobCommand(meta, command, "start");
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::CompleteJob(
    const CommandMeta& meta, const scheduling::CompleteJob& command) {
  return RunJobCommand(meta, command, "complete");
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::AcceptJob(
    const CommandMeta& meta, const scheduling::AcceptJob& command) {
  return RunJobCommand(meta, command, "accept");
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::DeclineJob(
    const CommandMeta& meta, const scheduling::DeclineJob& command) {
  return RunJobCommand(meta, command, "decline");
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::MarkEnRoute(const CommandMeta& meta,
                                                                  std::string_view job_id) {
  const absl::Time at = meta.device_time != absl::InfinitePast() ? meta.device_time : meta.now;
  return RunJobCommand(meta, scheduling::MarkEnRoute{.job_id = std::string(job_id), .at = at},
                       "en route");
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::MarkArrived(const CommandMeta& meta,
                                                                  std::string_view job_id) {
  const absl::Time at = meta.device_time != absl::InfinitePast() ? meta.device_time : meta.now;
  return RunJobCommand(meta, scheduling::MarkArrived{.job_id = std::string(job_id), .at = at},
                       "arrived");
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::EndVisit(
    const CommandMeta& meta, const scheduling::EndVisit& command) {
  return RunJobCommand(meta, command, "end visit");
}

absl::StatusOr<common::v1::CommandAck> SchedulingApp::ReportWork(
    const CommandMeta& meta, const scheduling::ReportWork& command) {
  return RunJobCommand(meta, command, "work report");
}

// ------------------------------------------------------------------ reactions

absl::Status SchedulingApp::ReactOnJob(const EventEnvelope& source, Batch& batch,
                                       std::string_view job_id, const JobReaction& decide) {
  if (job_id.empty()) return absl::OkStatus();
  batch.Lock({JobKey(job_id)});
  // Already applied (a re-delivery the inbox did not catch): the job's events name their cause.
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(JobKey(job_id));
  if (!stream.ok()) return stream.status();
  for (const EventEnvelope& e : *stream) {
    if (e.causation_id() == source.event_id()) return absl::OkStatus();
  }
  absl::StatusOr<LoadedJob> job = LoadJob(job_id);
  if (!job.ok()) return job.status();
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<JobEvent>> events = decide(job->state, now);
  if (!events.ok()) return events.status();
  if (events->empty()) return absl::OkStatus();
  const std::string& correlation_id =
      source.correlation_id().empty() ? source.event_id() : source.correlation_id();
  std::vector<EventEnvelope> envelopes;
  for (size_t i = 0; i < events->size(); ++i) {
    EventEnvelope envelope;
    envelope.set_event_id(DeriveId(source.event_id(), absl::StrCat("scheduling/", i + 1)));
    envelope.set_causation_id(source.event_id());
    envelope.set_correlation_id(correlation_id);
    envelope.mutable_actor()->set_user_id(kSystemActor.user_id);
    envelope.mutable_actor()->set_role(kSystemActor.role);
    envelopes.push_back(std::move(envelope));
  }
  absl::StatusOr<JobState> state = RecordJobEvents(batch, *job, *events, std::move(envelopes), now);
  if (!state.ok()) return state.status();
  Log().info("job reaction job={} ticket={} state={} source={} correlation={}", state->job_id,
             state->ticket_id, JobStatusName(state->status), source.event_id(), correlation_id);
  return absl::OkStatus();
}

absl::Status SchedulingApp::ApplyInventory(const EventEnvelope& event, Batch& batch) {
  const inventory::v1::InventoryEvent& inv = event.inventory();
  if (inv.kind_case() == inventory::v1::InventoryEvent::kPartsBackordered) {
    const inventory::v1::PartsBackordered& p = inv.parts_backordered();
    const MarkWaitingForParts command{
        .job_id = p.job_id(), .parts = {PartLine{.sku = p.sku(), .quantity = p.quantity()}}};
    return ReactOnJob(event, batch, p.job_id(),
                      [&](const JobState& job, absl::Time now) { return Decide(job, command, now); });
  }
  if (inv.kind_case() == inventory::v1::InventoryEvent::kPartsReserved) {
    const inventory::v1::PartsReserved& p = inv.parts_reserved();
    const MarkPartsReady command{.job_id = p.job_id(), .sku = p.sku(), .quantity = p.quantity()};
    return ReactOnJob(event, batch, p.job_id(),
                      [&](const JobState& job, absl::Time now) { return Decide(job, command, now); });
  }
  return absl::OkStatus();  // nothing scheduling reacts to
}

absl::Status SchedulingApp::Apply(const EventEnvelope& event, Batch& batch) {
  if (event.payload_case() == EventEnvelope::kInventory) return ApplyInventory(event, batch);
  if (event.payload_case() != EventEnvelope::kIntake) return absl::OkStatus();
  const intake::v1::IntakeEvent& intake = event.intake();
  switch (intake.kind_case()) {
    case intake::v1::IntakeEvent::kTicketOpened: {
      CreateJob command = CreateJobFromTicket(intake.ticket_opened());
      // The estimate is the policy's for the category when the job is created.
      command.duration = JobDuration(command.required_skill, policy_);
      return ReactOnJob(event, batch, command.job_id, [&](const JobState& job, absl::Time now) {
        return Decide(job, command, now);
      });
    }
    case intake::v1::IntakeEvent::kTicketCancelled: {
      const intake::v1::TicketCancelled& t = intake.ticket_cancelled();
      const CancelJob command{
          .job_id = JobIdForTicket(t.ticket_id()),
          .reason = t.reason().empty() ? std::string("the ticket was cancelled")
                                       : absl::StrCat("the ticket was cancelled: ", t.reason())};
      return ReactOnJob(event, batch, command.job_id, [&](const JobState& job, absl::Time now) {
        return Decide(job, command, now);
      });
    }
    case intake::v1::IntakeEvent::kTicketResolvedRemotely: {
      const intake::v1::TicketResolvedRemotely& t = intake.ticket_resolved_remotely();
      const CancelJob command{.job_id = JobIdForTicket(t.ticket_id()),
                              .reason = "the ticket was resolved remotely, no visit is needed"};
      return ReactOnJob(event, batch, command.job_id, [&](const JobState& job, absl::Time now) {
        // Only before the visit: work under way or done stays as it is.
        if (job.status == JobStatus::kInProgress) {
          return absl::StatusOr<std::vector<JobEvent>>(std::vector<JobEvent>{});
        }
        return Decide(job, command, now);
      });
    }
    default:
      return absl::OkStatus();  // nothing scheduling reacts to
  }
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

absl::StatusOr<v1::MyDayResponse> SchedulingApp::MyDay(const Actor& viewer,
                                                       std::string technician_id,
                                                       absl::Time day) const {
  if (technician_id.empty()) technician_id = viewer.user_id;
  if (viewer.role == kTechnicianRole && technician_id != viewer.user_id) {
    return PermissionDenied("A technician sees only their own day.");
  }
  const absl::CivilDay wanted = absl::ToCivilDay(day, policy_.time_zone);
  std::vector<v1::Job> jobs;
  absl::Status failure = absl::OkStatus();
  const std::string prefix = JobByTechnicianPrefix(technician_id);
  absl::Status scanned = store_.Scan(prefix, "", [&](std::string_view key, std::string_view) {
    const std::string projection_key = JobProjectionKey(key.substr(prefix.size()));
    absl::StatusOr<std::optional<std::string>> value = store_.Get(projection_key);
    if (!value.ok()) {
      failure = value.status();
      return false;
    }
    if (!value->has_value()) return true;
    v1::Job job;
    if (!job.ParseFromString(**value)) {
      failure = CorruptProjection(projection_key);
      return false;
    }
    const bool open =
        job.state() == v1::JOB_STATE_ASSIGNED || job.state() == v1::JOB_STATE_IN_PROGRESS;
    const bool that_day = job.has_window_start() && absl::ToCivilDay(FromProto(job.window_start()),
                                                                     policy_.time_zone) == wanted;
    if (that_day || (open && !job.has_window_start())) jobs.push_back(std::move(job));
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  std::stable_sort(jobs.begin(), jobs.end(), [](const v1::Job& a, const v1::Job& b) {
    if (a.has_window_start() != b.has_window_start()) return a.has_window_start();
    return FromProto(a.window_start()) < FromProto(b.window_start());
  });
  v1::MyDayResponse response;
  for (v1::Job& job : jobs) *response.add_jobs() = std::move(job);
  for (const std::string& item : policy_.checklist) response.add_checklist(item);
  return response;
}

absl::StatusOr<v1::ListSyncConflictsResponse> SchedulingApp::ListSyncConflicts(
    const PageQuery& query) const {
  absl::StatusOr<int32_t> page_size = EffectivePageSize(query.page_size);
  if (!page_size.ok()) return page_size.status();
  v1::ListSyncConflictsResponse response;
  absl::Status failure = absl::OkStatus();
  bool more = false;
  absl::Status scanned = store_.Scan(kSyncConflictPrefix, query.page_token,
                                     [&](std::string_view key, std::string_view value) {
                                       if (response.conflicts_size() == *page_size) {
                                         more = true;
                                         return false;
                                       }
                                       if (!response.add_conflicts()->ParseFromArray(
                                               value.data(), static_cast<int>(value.size()))) {
                                         failure = CorruptProjection(key);
                                         return false;
                                       }
                                       return true;
                                     });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  if (more) response.set_next_page_token(response.conflicts().rbegin()->request_id());
  return response;
}

absl::StatusOr<v1::RecommendTechniciansResponse> SchedulingApp::RecommendTechnicians(
    const RecommendQuery& query) const {
  if (query.job_id.empty()) return InvalidArgument("job_id", "Choose a job: the job id is empty.");
  if (query.limit < 0) {
    return InvalidArgument("limit", "The limit is negative; ask for 1 or more technicians.");
  }
  if (query.window_start.has_value() != query.window_end.has_value()) {
    return InvalidArgument(query.window_start ? "window_end" : "window_start",
                           "Give the window's start and end, or neither.");
  }
  if (query.window_start && *query.window_end <= *query.window_start) {
    return InvalidArgument("window_end", "The window must end after it starts.");
  }
  absl::StatusOr<LoadedJob> job = LoadJob(query.job_id);
  if (!job.ok()) return job.status();
  if (!job->state.exists()) {
    return NotFound("job_id", absl::StrCat("There is no job ", query.job_id, "."));
  }
  RecommendationRequest request;
  request.window_start = query.window_start ? query.window_start : job->state.window_start;
  request.window_end = query.window_start ? query.window_end : job->state.window_end;
  request.sla_deadline = job->state.SlaDeadline(job->created_at, policy_);
  request.limit = query.limit > 0 ? static_cast<size_t>(query.limit) : kDefaultRecommendations;
  absl::StatusOr<std::string> fixed = FixedTechnicianOf(job->state.customer.customer_id);
  if (!fixed.ok()) return fixed.status();
  request.fixed_technician_id = *fixed;

  // Every technician, then every booking in one pass over the calendar index.
  std::vector<Candidate> candidates;
  std::map<std::string, size_t, std::less<>> index;
  absl::Status failure = absl::OkStatus();
  absl::Status scanned =
      store_.Scan(kTechnicianPrefix, "", [&](std::string_view key, std::string_view value) {
        v1::Technician technician;
        if (!technician.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          failure = CorruptProjection(key);
          return false;
        }
        if (technician.departed()) return true;
        index.emplace(technician.technician_id(), candidates.size());
        candidates.push_back(Candidate{.technician = FromProjection(technician), .bookings = {}});
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  scanned = store_.Scan(kBookingPrefix, "", [&](std::string_view key, std::string_view value) {
    const std::string_view rest = key.substr(kBookingPrefix.size());
    const auto it = index.find(rest.substr(0, rest.find('/')));
    if (it == index.end()) return true;
    v1::Booking booking;
    if (!booking.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      failure = CorruptProjection(key);
      return false;
    }
    candidates[it->second].bookings.push_back(FromProto(booking));
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;

  const RankedTechnicians ranked =
      RankTechnicians(job->state, candidates, request, policy_, clock_.Now());
  v1::RecommendTechniciansResponse response;
  response.set_considered(ranked.considered);
  response.set_infeasible(ranked.infeasible);
  for (const Recommendation& r : ranked.recommendations) {
    v1::Recommendation* out = response.add_recommendations();
    out->set_technician_id(r.technician_id);
    out->set_name(r.name);
    out->set_score(r.score);
    out->set_travel_km(r.travel_km);
    out->set_skill_level(r.skill_level);
    out->set_jobs_that_day(r.jobs_that_day);
    out->set_sla_slack_minutes(r.sla_slack_minutes);
    out->set_preferred(r.preferred);
    for (const std::string& reason : r.reasons) out->add_reasons(reason);
  }
  return response;
}

absl::StatusOr<std::vector<BoardEntry>> SchedulingApp::ReadBoard(uint64_t after, size_t limit,
                                                                 absl::Duration wait) const {
  if (store_.DurableSequence() <= after && wait > absl::ZeroDuration()) {
    store_.WaitForDurable(after, wait);
  }
  absl::StatusOr<std::vector<LogEntry>> entries = store_.ReadLog(after, limit);
  if (!entries.ok()) return entries.status();
  std::vector<BoardEntry> board;
  board.reserve(entries->size());
  for (LogEntry& entry : *entries) {
    board.push_back(BoardEntry{.position = entry.sequence, .event = std::move(entry.event)});
  }
  return board;
}

}  // namespace fieldline::scheduling
