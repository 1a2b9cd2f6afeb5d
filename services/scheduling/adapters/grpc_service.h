#pragma once

// fieldline.scheduling.v1.SchedulingService: translates requests into commands and queries of
// SchedulingApp and its results back into replies. No business rule lives here.
//
// Ownership: borrows the app, the token verifier and the clock, which must outlive it.
// Threading: gRPC calls its methods concurrently; it keeps no state of its own.

#include "fieldline/scheduling/v1/scheduling_service.grpc.pb.h"
#include "services/common/core/clock.h"
#include "services/common/grpc/auth.h"
#include "services/scheduling/app/scheduling_app.h"

namespace fieldline::scheduling {

class SchedulingGrpcService final : public v1::SchedulingService::Service {
 public:
  SchedulingGrpcService(SchedulingApp& app, const TokenVerifier& verifier, const Clock& clock)
      : app_(app), verifier_(verifier), clock_(clock) {}

  grpc::Status RegisterTechnician(grpc::ServerContext* context,
                                  const v1::RegisterTechnicianRequest* request,
                                  common::v1::CommandAck* response) override;
  grpc::Status AssignJob(grpc::ServerContext* context, const v1::AssignJobRequest* request,
                         common::v1::CommandAck* response) override;
  grpc::Status StartJob(grpc::ServerContext* context, const v1::StartJobRequest* request,
                        common::v1::CommandAck* response) override;
  grpc::Status CompleteJob(grpc::ServerContext* context, const v1::CompleteJobRequest* request,
                           common::v1::CommandAck* response) override;

  grpc::Status GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context, const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status GetTechnician(grpc::ServerContext* context, const v1::GetTechnicianRequest* request,
                             v1::Technician* response) override;
  grpc::Status ListTechnicians(grpc::ServerContext* context,
                               const v1::ListTechniciansRequest* request,
                               v1::ListTechniciansResponse* response) override;

  grpc::Status SetTechnicianShifts(grpc::ServerContext* context,
                                   const v1::SetTechnicianShiftsRequest* request,
                                   common::v1::CommandAck* response) override;
  grpc::Status RecordAbsence(grpc::ServerContext* context, const v1::RecordAbsenceRequest* request,
                             common::v1::CommandAck* response) override;
  grpc::Status DepartTechnician(grpc::ServerContext* context,
                                const v1::DepartTechnicianRequest* request,
                                common::v1::CommandAck* response) override;
  grpc::Status SetFixedTechnician(grpc::ServerContext* context,
                                  const v1::SetFixedTechnicianRequest* request,
                                  common::v1::CommandAck* response) override;
  grpc::Status ReassignJob(grpc::ServerContext* context, const v1::ReassignJobRequest* request,
                           common::v1::CommandAck* response) override;
  grpc::Status AddHelper(grpc::ServerContext* context, const v1::HelperRequest* request,
                         common::v1::CommandAck* response) override;
  grpc::Status RemoveHelper(grpc::ServerContext* context, const v1::HelperRequest* request,
                            common::v1::CommandAck* response) override;
  grpc::Status UnassignJob(grpc::ServerContext* context, const v1::UnassignJobRequest* request,
                           common::v1::CommandAck* response) override;
  grpc::Status RescheduleJob(grpc::ServerContext* context, const v1::RescheduleJobRequest* request,
                             common::v1::CommandAck* response) override;
  grpc::Status ChangeJobDuration(grpc::ServerContext* context,
                                 const v1::ChangeJobDurationRequest* request,
                                 common::v1::CommandAck* response) override;
  grpc::Status RecordCustomerCall(grpc::ServerContext* context,
                                  const v1::RecordCustomerCallRequest* request,
                                  common::v1::CommandAck* response) override;
  grpc::Status ListSyncConflicts(grpc::ServerContext* context,
                                 const v1::ListSyncConflictsRequest* request,
                                 v1::ListSyncConflictsResponse* response) override;
  grpc::Status RecommendTechnicians(grpc::ServerContext* context,
                                    const v1::RecommendTechniciansRequest* request,
                                    v1::RecommendTechniciansResponse* response) override;
  grpc::Status MyDay(grpc::ServerContext* context, const v1::MyDayRequest* request,
                     v1::MyDayResponse* response) override;
  grpc::Status AcceptJob(grpc::ServerContext* context, const v1::JobUpdateRequest* request,
                         common::v1::CommandAck* response) override;
  grpc::Status DeclineJob(grpc::ServerContext* context, const v1::JobUpdateRequest* request,
                          common::v1::CommandAck* response) override;
  grpc::Status MarkEnRoute(grpc::ServerContext* context, const v1::JobUpdateRequest* request,
                           common::v1::CommandAck* response) override;
  grpc::Status MarkArrived(grpc::ServerContext* context, const v1::JobUpdateRequest* request,
                           common::v1::CommandAck* response) override;
  grpc::Status ReportWork(grpc::ServerContext* context, const v1::ReportWorkRequest* request,
                          common::v1::CommandAck* response) override;
  grpc::Status EndVisit(grpc::ServerContext* context, const v1::EndVisitRequest* request,
                        common::v1::CommandAck* response) override;
  grpc::Status WatchBoard(grpc::ServerContext* context, const v1::WatchBoardRequest* request,
                          grpc::ServerWriter<v1::BoardUpdate>* writer) override;
  grpc::Status PreviewPlan(grpc::ServerContext* context, const v1::PreviewPlanRequest* request,
                           v1::Plan* response) override;
  grpc::Status CommitPlan(grpc::ServerContext* context, const v1::CommitPlanRequest* request,
                          v1::CommitPlanResponse* response) override;
  grpc::Status GetPlan(grpc::ServerContext* context, const v1::GetPlanRequest* request,
                       v1::Plan* response) override;

 private:
  SchedulingApp& app_;
  const TokenVerifier& verifier_;
  const Clock& clock_;
};

}  // namespace fieldline::scheduling
