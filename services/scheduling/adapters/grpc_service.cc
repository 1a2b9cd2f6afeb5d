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
  return Guarded(context, verifier_, {"dispatcher", "manager", "admin"},
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

}  // namespace fieldline::scheduling
