// SchedulingApp's optimiser commands: PreviewPlan, CommitPlan, GetPlan (see scheduling_app.h).

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/scheduling/adapters/event_codec.h"
#include "services/scheduling/app/scheduling_app.h"
#include "services/scheduling/domain/text.h"
#include "spdlog/spdlog.h"

namespace fieldline::scheduling {
namespace {

constexpr std::string_view kPlanPrefix = "p/plan/";
constexpr std::string_view kPlanAggregate = "Plan";

spdlog::logger& PlanLog() {
  static const std::shared_ptr<spdlog::logger> logger =
      spdlog::default_logger()->clone("scheduling.plan");
  return *logger;
}

AggregateKey JobAggregate(std::string_view id) {
  return AggregateKey{std::string(kJobAggregate), std::string(id)};
}
AggregateKey TechnicianAggregate(std::string_view id) {
  return AggregateKey{std::string(kTechnicianAggregate), std::string(id)};
}

v1::PlanChange ToProto(PlanChange change) {
  switch (change) {
    case PlanChange::kUnchanged:
      return v1::PLAN_CHANGE_UNCHANGED;
    case PlanChange::kNew:
      return v1::PLAN_CHANGE_NEW;
    case PlanChange::kMoved:
      return v1::PLAN_CHANGE_MOVED;
    case PlanChange::kReassigned:
      return v1::PLAN_CHANGE_REASSIGNED;
    case PlanChange::kUnassigned:
      return v1::PLAN_CHANGE_UNASSIGNED;
    case PlanChange::kLeftUnassigned:
      return v1::PLAN_CHANGE_LEFT_UNASSIGNED;
  }
  return v1::PLAN_CHANGE_UNSPECIFIED;
}

// "job|start|end" for every booking, sorted: a calendar's fingerprint.
std::vector<std::string> Fingerprint(const std::vector<Booking>& bookings) {
  std::vector<std::string> out;
  for (const Booking& b : bookings) {
    out.push_back(absl::StrCat(b.job_id, "|", absl::ToUnixSeconds(b.start), "|",
                               absl::ToUnixSeconds(b.end)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The first job whose booking differs between two fingerprints.
std::string FirstDifference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> diff;
  std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(diff));
  if (diff.empty()) return "";
  return diff.front().substr(0, diff.front().find('|'));
}

}  // namespace

std::string PlanKey(std::string_view plan_id) {
  return absl::StrCat(AsAbsl(kPlanPrefix), AsAbsl(plan_id));
}

absl::StatusOr<v1::Plan> SchedulingApp::GetPlan(std::string_view plan_id) const {
  if (Trim(plan_id).empty()) {
    return InvalidArgument("plan_id", "Choose a plan: the plan id is empty.");
  }
  absl::StatusOr<std::optional<std::string>> value = store_.Get(PlanKey(plan_id));
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    return NotFound("plan_id", absl::StrCat("There is no plan ", AsAbsl(plan_id), "."));
  }
  v1::Plan plan;
  if (!plan.ParseFromString(**value)) {
    return absl::DataLossError(absl::StrCat("The stored plan ", AsAbsl(plan_id),
                                            " cannot be read."));
  }
  return plan;
}

absl::StatusOr<v1::Plan> SchedulingApp::PreviewPlan(const CommandMeta& meta,
                                                    const PreviewPlanQuery& query) {
  // A retry returns the plan of the first call.
  if (!meta.request_id.empty()) {
    absl::StatusOr<std::optional<common::v1::CommandAck>> seen = store_.FindRequest(meta.request_id);
    if (!seen.ok()) return seen.status();
    if (seen->has_value()) return GetPlan((*seen)->aggregate_id());
  }
  const std::string territory(Trim(query.territory));
  if (territory.empty()) {
    return InvalidArgument("territory", "Choose the territory to plan: its name is empty.");
  }
  if (query.time_limit_seconds < 0 || query.time_limit_seconds > kMaxPlanSeconds) {
    return InvalidArgument("time_limit_seconds",
                           "Give the optimiser between 0 and 60 seconds to plan (0: 3 seconds).");
  }
  PlanInput input;
  input.territory = territory;
  input.day = query.day.value_or(meta.now);
  input.replan_from = query.replan_from;
  input.time_limit_seconds =
      query.time_limit_seconds > 0 ? query.time_limit_seconds : kDefaultPlanSeconds;
  input.max_iterations = query.max_iterations;

  // The territory's technicians, from their streams (exact versions), and their calendars.
  std::vector<std::string> technician_ids;
  absl::Status failure = absl::OkStatus();
  absl::Status scanned =
      store_.Scan("p/technician/", "", [&](std::string_view key, std::string_view value) {
        v1::Technician t;
        if (!t.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          failure = absl::DataLossError(absl::StrCat("The stored record ", AsAbsl(key),
                                                     " cannot be read."));
          return false;
        }
        if (!t.departed() && absl::EqualsIgnoreCase(
                                 AsAbsl(Trim(t.territory().name())), territory)) {
          technician_ids.push_back(t.technician_id());
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  std::set<std::string> ours(technician_ids.begin(), technician_ids.end());
  for (const std::string& id : technician_ids) {
    absl::StatusOr<TechnicianState> t = LoadTechnician(id);
    if (!t.ok()) return t.status();
    input.technicians.push_back(*std::move(t));
    absl::StatusOr<std::vector<Booking>> bookings = Bookings(id);
    if (!bookings.ok()) return bookings.status();
    input.bookings[id] = *std::move(bookings);
  }

  // Candidate jobs: unassigned ones and those of the territory's technicians.
  std::vector<std::string> job_ids;
  scanned = store_.Scan("p/job/", "", [&](std::string_view key, std::string_view value) {
    v1::Job job;
    if (!job.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      failure = absl::DataLossError(absl::StrCat("The stored record ", AsAbsl(key),
                                                 " cannot be read."));
      return false;
    }
    if (job.state() == v1::JOB_STATE_UNASSIGNED ||
        ((job.state() == v1::JOB_STATE_ASSIGNED || job.state() == v1::JOB_STATE_IN_PROGRESS) &&
         ours.count(job.technician_id()))) {
      job_ids.push_back(job.job_id());
    }
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  for (const std::string& id : job_ids) {
    absl::StatusOr<LoadedJob> job = LoadJob(id);
    if (!job.ok()) return job.status();
    absl::StatusOr<std::string> fixed = FixedTechnicianOf(job->state.customer.customer_id);
    if (!fixed.ok()) return fixed.status();
    input.jobs.push_back(PlanJobInput{.job = std::move(job->state),
                                      .created_at = job->created_at,
                                      .fixed_technician_id = *fixed});
  }

  absl::StatusOr<DayPlan> day_plan = PlanDay(input, policy_);
  if (!day_plan.ok()) return day_plan.status();

  v1::Plan plan;
  plan.set_plan_id(ids_.NewId(meta.now));
  plan.set_territory(territory);
  plan.set_day(absl::FormatTime("%Y-%m-%d", input.day, policy_.time_zone));
  if (query.replan_from) ToProto(*query.replan_from, plan.mutable_replan_from());
  ToProto(meta.now, plan.mutable_created_at());
  plan.set_created_by(meta.actor.user_id);
  for (const TechnicianPlan& tp : day_plan->technicians) {
    v1::TechnicianPlan* out = plan.add_technicians();
    out->set_technician_id(tp.technician_id);
    out->set_name(tp.name);
    out->set_travel_km(tp.travel_km);
    out->set_travel_minutes(tp.travel_minutes);
    for (const PlannedVisit& v : tp.visits) {
      v1::PlannedVisit* pv = out->add_visits();
      pv->set_job_id(v.job_id);
      pv->set_ticket_id(v.ticket_id);
      ToProto(v.start, pv->mutable_start());
      ToProto(v.end, pv->mutable_end());
      pv->set_travel_km(v.travel_km);
      pv->set_travel_minutes(v.travel_minutes);
      pv->set_change(ToProto(v.change));
      pv->set_fixed(v.fixed);
      pv->set_reason(v.reason);
      pv->set_previous_technician_id(v.previous_technician_id);
      if (v.previous_start) ToProto(*v.previous_start, pv->mutable_previous_start());
      if (v.previous_end) ToProto(*v.previous_end, pv->mutable_previous_end());
      if (!v.fixed) ToProto(v.sla_deadline, pv->mutable_sla_deadline());
      pv->set_sla_late_minutes(v.sla_late_minutes);
      pv->set_job_version(v.job_version);
      pv->set_override_reason(v.override_reason);
    }
  }
  for (const UnplannedJob& u : day_plan->unassigned) {
    v1::UnplannedJob* out = plan.add_unassigned();
    out->set_job_id(u.job_id);
    out->set_ticket_id(u.ticket_id);
    out->set_change(ToProto(u.change));
    out->set_previous_technician_id(u.previous_technician_id);
    if (u.previous_start) ToProto(*u.previous_start, out->mutable_previous_start());
    if (u.previous_end) ToProto(*u.previous_end, out->mutable_previous_end());
    out->set_reason(u.reason);
    out->set_job_version(u.job_version);
  }
  plan.set_travel_km(day_plan->travel_km);
  plan.set_travel_minutes(day_plan->travel_minutes);
  plan.set_sla_late_minutes(day_plan->sla_late_minutes);
  plan.set_changes(day_plan->changes);
  plan.set_solve_seconds(day_plan->solve_seconds);
  plan.set_iterations(day_plan->iterations);
  for (const TechnicianState& t : input.technicians) {
    v1::PlanTechnicianSnapshot* snap = plan.add_snapshot();
    snap->set_technician_id(t.technician_id);
    snap->set_version(t.version);
    for (const Booking& b : input.bookings[t.technician_id]) *snap->add_bookings() = ToProto(b);
  }

  absl::StatusOr<common::v1::CommandAck> ack = store_.Execute(
      meta.request_id, {AggregateKey{std::string(kPlanAggregate), plan.plan_id()}},
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        batch.Put(PlanKey(plan.plan_id()), plan.SerializeAsString());
        common::v1::CommandAck a;
        a.set_aggregate_id(plan.plan_id());
        a.set_version(1);
        return a;
      });
  if (!ack.ok()) return ack.status();
  if (ack->aggregate_id() != plan.plan_id()) return GetPlan(ack->aggregate_id());  // a race
  PlanLog().info("plan previewed plan={} territory={} day={} changes={} unassigned={} km={:.1f}",
                 plan.plan_id(), territory, plan.day(), plan.changes(), plan.unassigned_size(),
                 plan.travel_km());
  return plan;
}

absl::StatusOr<v1::CommitPlanResponse> SchedulingApp::CommitPlan(const CommandMeta& meta,
                                                                 std::string_view plan_id_in) {
  const std::string plan_id(Trim(plan_id_in));
  absl::StatusOr<v1::Plan> stored = GetPlan(plan_id);
  if (!stored.ok()) return stored.status();

  // What the commit changes: every job with a change, every technician of the territory.
  struct Change {
    std::string job_id;
    int64_t version = 0;
    PlanChange change = PlanChange::kUnchanged;
    std::string technician_id;
    absl::Time start;
    absl::Time end;
    std::string override_reason;
  };
  std::vector<Change> changes;
  for (const v1::TechnicianPlan& tp : stored->technicians()) {
    for (const v1::PlannedVisit& v : tp.visits()) {
      if (v.fixed() || v.change() == v1::PLAN_CHANGE_UNCHANGED) continue;
      changes.push_back(Change{
          .job_id = v.job_id(),
          .version = v.job_version(),
          .change = v.change() == v1::PLAN_CHANGE_NEW     ? PlanChange::kNew
                    : v.change() == v1::PLAN_CHANGE_MOVED ? PlanChange::kMoved
                                                          : PlanChange::kReassigned,
          .technician_id = tp.technician_id(),
          .start = FromProto(v.start()),
          .end = FromProto(v.end()),
          .override_reason = v.override_reason()});
    }
  }
  for (const v1::UnplannedJob& u : stored->unassigned()) {
    if (u.change() != v1::PLAN_CHANGE_UNASSIGNED) continue;
    changes.push_back(Change{.job_id = u.job_id(),
                             .version = u.job_version(),
                             .change = PlanChange::kUnassigned,
                             .technician_id = u.previous_technician_id()});
  }
  const auto respond = [&](const v1::Plan& plan) {
    v1::CommitPlanResponse response;
    response.mutable_ack()->set_aggregate_id(plan.plan_id());
    response.mutable_ack()->set_version(2);
    response.set_jobs_changed(static_cast<int32_t>(changes.size()));
    return response;
  };
  if (stored->committed()) return respond(*stored);

  std::vector<AggregateKey> keys{AggregateKey{std::string(kPlanAggregate), plan_id}};
  for (const v1::PlanTechnicianSnapshot& snap : stored->snapshot()) {
    keys.push_back(TechnicianAggregate(snap.technician_id()));
  }
  for (const Change& c : changes) keys.push_back(JobAggregate(c.job_id));
  const std::string reason = absl::StrCat("plan ", plan_id);

  absl::StatusOr<common::v1::CommandAck> ack = store_.Execute(
      meta.request_id, std::move(keys),
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<v1::Plan> plan = GetPlan(plan_id);
        if (!plan.ok()) return plan.status();
        if (plan->committed()) return respond(*plan).ack();
        // Nothing it was built from may have changed.
        std::map<std::string, TechnicianState> technicians;
        std::map<std::string, std::vector<Booking>> bookings;
        for (const v1::PlanTechnicianSnapshot& snap : plan->snapshot()) {
          absl::StatusOr<TechnicianState> t = LoadTechnician(snap.technician_id());
          if (!t.ok()) return t.status();
          if (t->version != snap.version()) {
            return VersionConflict(absl::StrCat(
                "Technician ", t->name, " (", snap.technician_id(), ") changed since plan ",
                plan_id, " was previewed (shifts, absences or departure); preview the plan again. "
                "Nothing was applied."));
          }
          absl::StatusOr<std::vector<Booking>> now = Bookings(snap.technician_id());
          if (!now.ok()) return now.status();
          std::vector<Booking> then;
          for (const v1::Booking& b : snap.bookings()) then.push_back(FromProto(b));
          if (const std::string job = FirstDifference(Fingerprint(*now), Fingerprint(then));
              !job.empty()) {
            return VersionConflict(absl::StrCat(
                "Job ", job, " on ", t->name, "'s calendar changed since plan ", plan_id,
                " was previewed; preview the plan again. Nothing was applied."));
          }
          technicians.emplace(snap.technician_id(), *std::move(t));
          bookings.emplace(snap.technician_id(), *std::move(now));
        }
        std::map<std::string, LoadedJob> jobs;
        for (const Change& c : changes) {
          absl::StatusOr<LoadedJob> job = LoadJob(c.job_id);
          if (!job.ok()) return job.status();
          if (job->state.version != c.version) {
            return VersionConflict(absl::StrCat("Job ", c.job_id, " changed since plan ", plan_id,
                                                " was previewed; preview the plan again. Nothing "
                                                "was applied."));
          }
          jobs.emplace(c.job_id, *std::move(job));
        }
        // The calendars as the plan leaves them: each change is checked against those.
        std::set<std::string> changed;
        for (const Change& c : changes) changed.insert(c.job_id);
        for (auto& [id, list] : bookings) {
          list.erase(std::remove_if(list.begin(), list.end(),
                                    [&](const Booking& b) { return changed.count(b.job_id) > 0; }),
                     list.end());
        }
        for (const Change& c : changes) {
          if (c.change == PlanChange::kUnassigned) continue;
          bookings[c.technician_id].push_back(
              Booking{c.job_id, c.start, c.end, jobs.at(c.job_id).state.customer.location});
        }
        int applied = 0;
        for (const Change& c : changes) {
          const LoadedJob& job = jobs.at(c.job_id);
          AssignmentContext context;
          context.policy = policy_;
          absl::StatusOr<std::string> fixed = FixedTechnicianOf(job.state.customer.customer_id);
          if (!fixed.ok()) return fixed.status();
          context.fixed_technician_id = *fixed;
          if (c.change != PlanChange::kUnassigned) context.technician_bookings = bookings[c.technician_id];
          const auto tech = technicians.find(c.technician_id);
          if (tech == technicians.end()) {
            return VersionConflict(absl::StrCat("Technician ", c.technician_id,
                                                " is no longer in plan ", plan_id,
                                                "; preview the plan again."));
          }
          absl::StatusOr<std::vector<JobEvent>> events;
          switch (c.change) {
            case PlanChange::kNew:
              events = Decide(job.state,
                              scheduling::AssignJob{.job_id = c.job_id,
                                                    .technician_id = c.technician_id,
                                                    .window_start = c.start,
                                                    .window_end = c.end,
                                                    .expected_version = 0,
                                                    .override_reason = c.override_reason,
                                                    .reason = reason},
                              tech->second, context, meta.now);
              break;
            case PlanChange::kMoved:
              events = Decide(job.state,
                              scheduling::RescheduleJob{.job_id = c.job_id,
                                                        .window_start = c.start,
                                                        .window_end = c.end,
                                                        .reason = reason,
                                                        .expected_version = 0},
                              meta.actor, tech->second, context, meta.now);
              break;
            case PlanChange::kReassigned:
              events = Decide(job.state,
                              scheduling::ReassignJob{.job_id = c.job_id,
                                                      .technician_id = c.technician_id,
                                                      .reason = reason,
                                                      .window_start = c.start,
                                                      .window_end = c.end,
                                                      .override_reason = c.override_reason,
                                                      .expected_version = 0},
                              tech->second, context, meta.now);
              break;
            case PlanChange::kUnassigned:
              events = Decide(job.state,
                              scheduling::UnassignJob{
                                  .job_id = c.job_id, .reason = reason, .expected_version = 0},
                              meta.now);
              break;
            default:
              continue;
          }
          if (!events.ok()) {
            return absl::Status(events.status().code(),
                                absl::StrCat("Plan ", plan_id, " cannot be applied to job ",
                                             c.job_id, ": ", events.status().message(),
                                             " Nothing was applied."));
          }
          std::vector<EventEnvelope> envelopes(events->size(), NewEnvelope(meta));
          absl::StatusOr<JobState> state =
              RecordJobEvents(batch, job, *events, std::move(envelopes), meta.now);
          if (!state.ok()) return state.status();
          ++applied;
        }
        v1::Plan done = *plan;
        done.set_committed(true);
        ToProto(meta.now, done.mutable_committed_at());
        done.set_committed_by(meta.actor.user_id);
        batch.Put(PlanKey(plan_id), done.SerializeAsString());
        PlanLog().info("plan committed plan={} jobs={} request={}", plan_id, applied,
                       meta.request_id);
        return respond(done).ack();
      });
  if (!ack.ok()) return ack.status();
  return respond(*stored);
}

}  // namespace fieldline::scheduling
