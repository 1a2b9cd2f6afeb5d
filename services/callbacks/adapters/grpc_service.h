#pragma once

// fieldline.callbacks.v1.CallbacksService: translates requests into CallbacksApp queries and
// results into protos. No business rule lives here.
//
// Threading: gRPC calls it from many threads; it holds no state of its own. Ownership: borrows
// the app and the token verifier, which must outlive it.

#include "fieldline/callbacks/v1/callbacks_service.grpc.pb.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/grpc/auth.h"

namespace fieldline::callbacks {

class CallbacksGrpcService final : public v1::CallbacksService::Service {
 public:
  CallbacksGrpcService(CallbacksApp& app, const TokenVerifier& verifier);

  grpc::Status GetCallback(grpc::ServerContext* context, const v1::GetCallbackRequest* request,
                           v1::Callback* response) override;
  grpc::Status ListCallbacks(grpc::ServerContext* context,
                             const v1::ListCallbacksRequest* request,
                             v1::ListCallbacksResponse* response) override;
  grpc::Status AssignCallback(grpc::ServerContext* context,
                              const v1::AssignCallbackRequest* request,
                              common::v1::CommandAck* response) override;
  grpc::Status RecordCallbackAttempt(grpc::ServerContext* context,
                                     const v1::RecordCallbackAttemptRequest* request,
                                     common::v1::CommandAck* response) override;
  grpc::Status ListDueCallbacks(grpc::ServerContext* context,
                                const v1::ListDueCallbacksRequest* request,
                                v1::ListDueCallbacksResponse* response) override;
  grpc::Status GetKpis(grpc::ServerContext* context, const v1::GetKpisRequest* request,
                       v1::Kpis* response) override;
  grpc::Status GetMonthlyReport(grpc::ServerContext* context,
                                const v1::GetMonthlyReportRequest* request,
                                v1::MonthlyReport* response) override;
  grpc::Status GetReminder(grpc::ServerContext* context, const v1::GetReminderRequest* request,
                           v1::Reminder* response) override;
  grpc::Status ListReminders(grpc::ServerContext* context,
                             const v1::ListRemindersRequest* request,
                             v1::ListRemindersResponse* response) override;
  grpc::Status ListDueReminders(grpc::ServerContext* context,
                                const v1::ListDueRemindersRequest* request,
                                v1::ListRemindersResponse* response) override;
  grpc::Status RecordReminderOutcome(grpc::ServerContext* context,
                                     const v1::RecordReminderOutcomeRequest* request,
                                     common::v1::CommandAck* response) override;
  // ---- KPIs
  grpc::Status ListEarlyWarnings(grpc::ServerContext* context,
                                 const v1::ListEarlyWarningsRequest* request,
                                 v1::ListEarlyWarningsResponse* response) override;

  // ---- Care
  grpc::Status ScheduleCareMessage(grpc::ServerContext* context,
                                   const v1::ScheduleCareMessageRequest* request,
                                   common::v1::CommandAck* response) override;
  grpc::Status RecordCareMessageSent(grpc::ServerContext* context,
                                     const v1::RecordCareMessageSentRequest* request,
                                     common::v1::CommandAck* response) override;
  grpc::Status RecordCareMessageDelivery(grpc::ServerContext* context,
                                         const v1::RecordCareMessageDeliveryRequest* request,
                                         common::v1::CommandAck* response) override;
  grpc::Status ListCareMessages(grpc::ServerContext* context,
                                const v1::ListCareMessagesRequest* request,
                                v1::ListCareMessagesResponse* response) override;
  grpc::Status LaunchCampaign(grpc::ServerContext* context,
                              const v1::LaunchCampaignRequest* request,
                              common::v1::CommandAck* response) override;
  grpc::Status ListCampaigns(grpc::ServerContext* context, const v1::ListCampaignsRequest* request,
                             v1::ListCampaignsResponse* response) override;
  grpc::Status RecordClubEvent(grpc::ServerContext* context,
                               const v1::RecordClubEventRequest* request,
                               common::v1::CommandAck* response) override;
  grpc::Status RecordWebsiteUpdate(grpc::ServerContext* context,
                                   const v1::RecordWebsiteUpdateRequest* request,
                                   common::v1::CommandAck* response) override;
  grpc::Status RecordLoungeScore(grpc::ServerContext* context,
                                 const v1::RecordLoungeScoreRequest* request,
                                 common::v1::CommandAck* response) override;
  grpc::Status RecordHomeVisit(grpc::ServerContext* context,
                               const v1::RecordHomeVisitRequest* request,
                               common::v1::CommandAck* response) override;
  grpc::Status GetCustomerCareHistory(grpc::ServerContext* context,
                                      const v1::GetCustomerCareHistoryRequest* request,
                                      v1::CustomerCareHistory* response) override;

 private:
  CallbacksApp& app_;
  const TokenVerifier& verifier_;
};

}  // namespace fieldline::callbacks
