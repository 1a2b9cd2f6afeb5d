#include "services/scheduling/adapters/grpc_service.h"

#include <string>
#include <string_view>
#include <utility>

#include "services/common/core/errors.h"
#include "services/scheduling/adapters/event_codec.h"

namespace fieldline::scheduling {
namespace {

using common::v1::CommandAck;

absl::StatusOr<CommandMeta> MetaOf(const std::string& request_id, const Actor& actor,
                                   const Clock& clock) {
  if (request_id.empty()) {
    return InvalidArgument("request_id",
                           "Every change needs a request id, so that a retry does not repeat it.");
  }
  CommandMeta meta;
  meta.request_id = request_id;
  meta.actor = actor;
  meta.now = clock.Now();
  return meta;
}

// A phone's update: request id, the device's time when given.
absl::StatusOr<CommandMeta> DeviceMetaOf(const std::string& request_id, bool has_device_time,
                                         const google::protobuf::Timestamp& device_time,
                                         const Actor& actor, const Clock& clock) {
  absl::StatusOr<CommandMeta> meta = MetaOf(request_id, actor, clock);
  if (meta.ok() && has_device_time) meta->device_time = FromProto(device_time);
  return meta;
}

// Who dispatches, and who may send the technician's day updates (a technician only on their own
// jobs: the domain checks it).
const std::initializer_list<std::string_view> kDispatchers = {"dispatcher", "manager", "admin"};
const std::initializer_list<std::string_view> kDayRoles = {"technician", "dispatcher", "manager",
                                                           "admin"};

constexpr size_t kBoardBatch = 200;
const absl::Duration kBoardPoll = absl::Milliseconds(200);

template <typename Message>
absl::Status Respond(absl::StatusOr<Message> result, Message* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

// Roles: dispatchers, managers and admins register technicians and assign jobs; technicians start
// and complete jobs (only their own: the domain checks it); every role may read.

grpc::Status SchedulingGrpcService::RegisterTechnician(grpc::ServerContext* context,
                                                       const v1::RegisterTechnicianRequest* request,
                                                       CommandAck* response) {
  return Guarded(
      context, verifier_, {"dispatcher", "manager", "admin"},
      [&](const Actor& actor) -> absl::Status {
        absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
        if (!meta.ok()) return meta.status();
        scheduling::RegisterTechnician command{
            .technician_id = request->technician_id(),
            .name = request->name(),
            .phone = request->phone(),
            .skills = {request->skills().begin(), request->skills().end()},
            .home_base = FromProto(request->home_base()),
            .van_location_id = request->van_location_id(),
            .skill_levels = {request->skill_levels().begin(), request->skill_levels().end()},
            .territory = FromProto(request->territory()),
        };
        return Respond(app_.RegisterTechnician(*meta, std::move(command)), response);
      });
}

grpc::Status SchedulingGrpcService::AssignJob(grpc::ServerContext* context,
                                              const v1::AssignJobRequest* request,
                                              CommandAck* response) {
  return Guarded(
      context, verifier_, {"dispatcher", "manager", "admin"},
      [&](const Actor& actor) -> absl::Status {
        absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
        if (!meta.ok()) return meta.status();
        const scheduling::AssignJob command{
            .job_id = request->job_id(),
            .technician_id = request->technician_id(),
            .window_start =
                OptionalTimeFromProto(request->has_window_start(), request->window_start()),
            .window_end = OptionalTimeFromProto(request->has_window_end(), request->window_end()),
            .expected_version = request->expected_version(),
            .override_reason = request->override_reason(),
        };
        return Respond(app_.AssignJob(*meta, command), response);
      });
}

grpc::Status SchedulingGrpcService::StartJob(grpc::ServerContext* context,
                                             const v1::StartJobRequest* request,
                                             CommandAck* response) {
  return Guarded(context, verifier_, {"technician", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
                   if (!meta.ok()) return meta.status();
                   if (request->has_device_time())
                     meta->device_time = FromProto(request->device_time());
                   const scheduling::StartJob command{
                       .job_id = request->job_id(),
                       .expected_version = request->expected_version()};
                   return Respond(app_.StartJob(*meta, command), response);
                 });
}

grpc::Status SchedulingGrpcService::CompleteJob(grpc::ServerContext* context,
                                                const v1::CompleteJobRequest* request,
                                                CommandAck* response) {
  return Guarded(context, verifier_, {"technician", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
                   if (!meta.ok()) return meta.status();
                   if (request->has_device_time())
                     meta->device_time = FromProto(request->device_time());
                   const scheduling::CompleteJob command{
                       .job_id = request->job_id(),
                       .expected_version = request->expected_version(),
                       .parts_used = FromProto(request->parts_used()),
                       .resolution = request->resolution()};
                   return Respond(app_.CompleteJob(*meta, command), response);
                 });
}

grpc::Status SchedulingGrpcService::GetJob(grpc::ServerContext* context,
                                           const v1::GetJobRequest* request, v1::Job* response) {
  return Guarded(context, verifier_,
                 {"intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   return Respond(app_.GetJob(actor, request->job_id()), response);
                 });
}

grpc::Status SchedulingGrpcService::ListJobs(grpc::ServerContext* context,
                                             const v1::ListJobsRequest* request,
                                             v1::ListJobsResponse* response) {
  return Guarded(context, verifier_,
                 {"intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   ListJobsQuery query{.state = FromProto(request->state()),
                                       .technician_id = request->technician_id(),
                                       .page_size = request->page_size(),
                                       .page_token = request->page_token()};
                   return Respond(app_.ListJobs(actor, std::move(query)), response);
                 });
}

grpc::Status SchedulingGrpcService::GetTechnician(grpc::ServerContext* context,
                                                  const v1::GetTechnicianRequest* request,
                                                  v1::Technician* response) {
  return Guarded(context, verifier_,
                 {"intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   return Respond(app_.GetTechnician(request->technician_id()), response);
                 });
}

grpc::Status SchedulingGrpcService::ListTechnicians(grpc::ServerContext* context,
                                                    const v1::ListTechniciansRequest* request,
                                                    v1::ListTechniciansResponse* response) {
  return Guarded(context, verifier_,
                 {"intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   const ListTechniciansQuery query{.page_size = request->page_size(),
                                                    .page_token = request->page_token()};
                   return Respond(app_.ListTechnicians(query), response);
                 });
}

grpc::Status SchedulingGrpcService::SetTechnicianShifts(
    grpc::ServerContext* context, const v1::SetTechnicianShiftsRequest* request,
    CommandAck* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    scheduling::SetTechnicianShifts command{.technician_id = request->technician_id(),
                                            .shifts = {}};
    for (const v1::WeeklyShift& shift : request->shifts())
      command.shifts.push_back(FromProto(shift));
    return Respond(app_.SetTechnicianShifts(*meta, command), response);
  });
}

grpc::Status SchedulingGrpcService::RecordAbsence(grpc::ServerContext* context,
                                                  const v1::RecordAbsenceRequest* request,
                                                  CommandAck* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    if (!request->has_start()) return InvalidArgument("start", "Say when the absence starts.");
    if (!request->has_end()) return InvalidArgument("end", "Say when the absence ends.");
    scheduling::RecordAbsence command{.technician_id = request->technician_id(),
                                      .absence_id = "",
                                      .start = FromProto(request->start()),
                                      .end = FromProto(request->end()),
                                      .reason = request->reason()};
    return Respond(app_.RecordAbsence(*meta, std::move(command)), response);
  });
}

grpc::Status SchedulingGrpcService::DepartTechnician(grpc::ServerContext* context,
                                                     const v1::DepartTechnicianRequest* request,
                                                     CommandAck* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    const scheduling::DepartTechnician command{.technician_id = request->technician_id(),
                                               .reason = request->reason()};
    return Respond(app_.DepartTechnician(*meta, command), response);
  });
}

grpc::Status SchedulingGrpcService::SetFixedTechnician(grpc::ServerContext* context,
                                                       const v1::SetFixedTechnicianRequest* request,
                                                       CommandAck* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    return Respond(app_.SetFixedTechnician(*meta, request->customer_id(), request->technician_id()),
                   response);
  });
}

grpc::Status SchedulingGrpcService::ReassignJob(grpc::ServerContext* context,
                                                const v1::ReassignJobRequest* request,
                                                CommandAck* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    const scheduling::ReassignJob command{
        .job_id = request->job_id(),
        .technician_id = request->technician_id(),
        .reason = request->reason(),
        .window_start = OptionalTimeFromProto(request->has_window_start(), request->window_start()),
        .window_end = OptionalTimeFromProto(request->has_window_end(), request->window_end()),
        .override_reason = request->override_reason(),
        .expected_version = request->expected_version()};
    return Respond(app_.ReassignJob(*meta, command), response);
  });
}

grpc::Status SchedulingGrpcService::AddHelper(grpc::ServerContext* context,
                                              const v1::HelperRequest* request,
                                              CommandAck* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    return Respond(
        app_.AddHelper(*meta, {.job_id = request->job_id(), .helper_id = request->helper_id()}),
        response);
  });
}

grpc::Status SchedulingGrpcService::RemoveHelper(grpc::ServerContext* context,
                                                 const v1::HelperRequest* request,
                                                 CommandAck* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    return Respond(app_.RemoveHelper(*meta, {.job_id = request->job_id(),
                                             .helper_id = request->helper_id(),
                                             .reason = request->reason()}),
                   response);
  });
}

grpc::Status SchedulingGrpcService::UnassignJob(grpc::ServerContext* context,
                                                const v1::UnassignJobRequest* request,
                                                CommandAck* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    const scheduling::UnassignJob command{.job_id = request->job_id(),
                                          .reason = request->reason(),
                                          .expected_version = request->expected_version()};
    return Respond(app_.UnassignJob(*meta, command), response);
  });
}

grpc::Status SchedulingGrpcService::RescheduleJob(grpc::ServerContext* context,
                                                  const v1::RescheduleJobRequest* request,
                                                  CommandAck* response) {
  return Guarded(context, verifier_, kDayRoles, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = DeviceMetaOf(
        request->request_id(), request->has_device_time(), request->device_time(), actor, clock_);
    if (!meta.ok()) return meta.status();
    if (!request->has_window_start()) {
      return InvalidArgument("window_start", "Give the new appointment window's start.");
    }
    if (!request->has_window_end()) {
      return InvalidArgument("window_end", "Give the new appointment window's end.");
    }
    const scheduling::RescheduleJob command{.job_id = request->job_id(),
                                            .window_start = FromProto(request->window_start()),
                                            .window_end = FromProto(request->window_end()),
                                            .reason = request->reason(),
                                            .expected_version = request->expected_version()};
    return Respond(app_.RescheduleJob(*meta, command), response);
  });
}

grpc::Status SchedulingGrpcService::ChangeJobDuration(grpc::ServerContext* context,
                                                      const v1::ChangeJobDurationRequest* request,
                                                      CommandAck* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    const scheduling::ChangeJobDuration command{.job_id = request->job_id(),
                                                .duration_minutes = request->duration_minutes(),
                                                .reason = request->reason(),
                                                .expected_version = request->expected_version()};
    return Respond(app_.ChangeJobDuration(*meta, command), response);
  });
}

grpc::Status SchedulingGrpcService::RecordCustomerCall(grpc::ServerContext* context,
                                                       const v1::RecordCustomerCallRequest* request,
                                                       CommandAck* response) {
  return Guarded(context, verifier_, kDayRoles, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = DeviceMetaOf(
        request->request_id(), request->has_device_time(), request->device_time(), actor, clock_);
    if (!meta.ok()) return meta.status();
    scheduling::RecordCustomerCall command{
        .job_id = request->job_id(),
        .outcome = request->outcome(),
        .agreed_window_start =
            OptionalTimeFromProto(request->has_agreed_window_start(), request->agreed_window_start()),
        .agreed_window_end =
            OptionalTimeFromProto(request->has_agreed_window_end(), request->agreed_window_end()),
        .note = request->note(),
        .called_at = absl::InfinitePast()};
    return Respond(app_.RecordCustomerCall(*meta, std::move(command)), response);
  });
}

grpc::Status SchedulingGrpcService::ListSyncConflicts(grpc::ServerContext* context,
                                                      const v1::ListSyncConflictsRequest* request,
                                                      v1::ListSyncConflictsResponse* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor&) -> absl::Status {
    return Respond(app_.ListSyncConflicts(
                       {.page_size = request->page_size(), .page_token = request->page_token()}),
                   response);
  });
}

grpc::Status SchedulingGrpcService::RecommendTechnicians(
    grpc::ServerContext* context, const v1::RecommendTechniciansRequest* request,
    v1::RecommendTechniciansResponse* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor&) -> absl::Status {
    const RecommendQuery query{
        .job_id = request->job_id(),
        .window_start = OptionalTimeFromProto(request->has_window_start(), request->window_start()),
        .window_end = OptionalTimeFromProto(request->has_window_end(), request->window_end()),
        .limit = request->limit()};
    return Respond(app_.RecommendTechnicians(query), response);
  });
}

grpc::Status SchedulingGrpcService::MyDay(grpc::ServerContext* context,
                                          const v1::MyDayRequest* request,
                                          v1::MyDayResponse* response) {
  return Guarded(context, verifier_, kDayRoles, [&](const Actor& actor) -> absl::Status {
    const absl::Time day = request->has_day() ? FromProto(request->day()) : clock_.Now();
    return Respond(app_.MyDay(actor, request->technician_id(), day), response);
  });
}

grpc::Status SchedulingGrpcService::AcceptJob(grpc::ServerContext* context,
                                              const v1::JobUpdateRequest* request,
                                              CommandAck* response) {
  return Guarded(context, verifier_, kDayRoles, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = DeviceMetaOf(
        request->request_id(), request->has_device_time(), request->device_time(), actor, clock_);
    if (!meta.ok()) return meta.status();
    return Respond(app_.AcceptJob(*meta, {.job_id = request->job_id()}), response);
  });
}

grpc::Status SchedulingGrpcService::DeclineJob(grpc::ServerContext* context,
                                               const v1::JobUpdateRequest* request,
                                               CommandAck* response) {
  return Guarded(context, verifier_, kDayRoles, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = DeviceMetaOf(
        request->request_id(), request->has_device_time(), request->device_time(), actor, clock_);
    if (!meta.ok()) return meta.status();
    return Respond(
        app_.DeclineJob(*meta, {.job_id = request->job_id(), .reason = request->reason()}),
        response);
  });
}

grpc::Status SchedulingGrpcService::MarkEnRoute(grpc::ServerContext* context,
                                                const v1::JobUpdateRequest* request,
                                                CommandAck* response) {
  return Guarded(context, verifier_, kDayRoles, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = DeviceMetaOf(
        request->request_id(), request->has_device_time(), request->device_time(), actor, clock_);
    if (!meta.ok()) return meta.status();
    return Respond(app_.MarkEnRoute(*meta, request->job_id()), response);
  });
}

grpc::Status SchedulingGrpcService::MarkArrived(grpc::ServerContext* context,
                                                const v1::JobUpdateRequest* request,
                                                CommandAck* response) {
  return Guarded(context, verifier_, kDayRoles, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = DeviceMetaOf(
        request->request_id(), request->has_device_time(), request->device_time(), actor, clock_);
    if (!meta.ok()) return meta.status();
    return Respond(app_.MarkArrived(*meta, request->job_id()), response);
  });
}

grpc::Status SchedulingGrpcService::ReportWork(grpc::ServerContext* context,
                                               const v1::ReportWorkRequest* request,
                                               CommandAck* response) {
  return Guarded(context, verifier_, kDayRoles, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = DeviceMetaOf(
        request->request_id(), request->has_device_time(), request->device_time(), actor, clock_);
    if (!meta.ok()) return meta.status();
    const scheduling::ReportWork command{
        .job_id = request->job_id(),
        .report = {
            .checklist_done = {request->checklist_done().begin(), request->checklist_done().end()},
            .fault_type = request->fault_type(),
            .fault_location = request->fault_location(),
            .cause = request->cause(),
            .solution = request->solution(),
            .photo_refs = {request->photo_refs().begin(), request->photo_refs().end()},
            .fee_item = request->fee_item(),
            .fee_minor = 0,
            .signature_ref = request->signature_ref(),
            .signer_name = request->signer_name()}};
    return Respond(app_.ReportWork(*meta, command), response);
  });
}

grpc::Status SchedulingGrpcService::EndVisit(grpc::ServerContext* context,
                                             const v1::EndVisitRequest* request,
                                             CommandAck* response) {
  return Guarded(context, verifier_, kDayRoles, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = DeviceMetaOf(
        request->request_id(), request->has_device_time(), request->device_time(), actor, clock_);
    if (!meta.ok()) return meta.status();
    const scheduling::EndVisit command{.job_id = request->job_id(),
                                       .reason = request->reason(),
                                       .parts_missing = FromProto(request->parts_missing())};
    return Respond(app_.EndVisit(*meta, command), response);
  });
}

grpc::Status SchedulingGrpcService::WatchBoard(grpc::ServerContext* context,
                                               const v1::WatchBoardRequest* request,
                                               grpc::ServerWriter<v1::BoardUpdate>* writer) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor&) -> absl::Status {
    uint64_t position = request->after_position();
    while (!context->IsCancelled()) {
      absl::StatusOr<std::vector<BoardEntry>> entries =
          app_.ReadBoard(position, kBoardBatch, kBoardPoll);
      if (!entries.ok()) return entries.status();
      for (BoardEntry& entry : *entries) {
        v1::BoardUpdate update;
        update.set_position(entry.position);
        *update.mutable_event() = std::move(entry.event);
        if (!writer->Write(update)) return absl::OkStatus();  // the client went away
        position = entry.position;
      }
    }
    return absl::OkStatus();
  });
}

grpc::Status SchedulingGrpcService::PreviewPlan(grpc::ServerContext* context,
                                                const v1::PreviewPlanRequest* request,
                                                v1::Plan* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    const PreviewPlanQuery query{
        .territory = request->territory(),
        .day = OptionalTimeFromProto(request->has_day(), request->day()),
        .replan_from = OptionalTimeFromProto(request->has_replan_from(), request->replan_from()),
        .time_limit_seconds = request->time_limit_seconds(),
        .max_iterations = 0};
    return Respond(app_.PreviewPlan(*meta, query), response);
  });
}

grpc::Status SchedulingGrpcService::CommitPlan(grpc::ServerContext* context,
                                               const v1::CommitPlanRequest* request,
                                               v1::CommitPlanResponse* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, clock_);
    if (!meta.ok()) return meta.status();
    return Respond(app_.CommitPlan(*meta, request->plan_id()), response);
  });
}

grpc::Status SchedulingGrpcService::GetPlan(grpc::ServerContext* context,
                                            const v1::GetPlanRequest* request,
                                            v1::Plan* response) {
  return Guarded(context, verifier_, kDispatchers, [&](const Actor&) -> absl::Status {
    return Respond(app_.GetPlan(request->plan_id()), response);
  });
}

}  // namespace fieldline::scheduling
