#pragma once

// fieldline.intake.v1.IntakeService over gRPC. Translates only: request → command or query
// (with the actor from the verified token and the time from the clock), IntakeApp result →
// response, absl::Status → grpc::Status (through Guarded / ToGrpcStatus).
//
// Threading: gRPC calls the methods concurrently; the class holds no mutable state.
// Ownership: the app, verifier and clock are not owned and must outlive the service.

#include "fieldline/intake/v1/intake_service.grpc.pb.h"
#include "services/common/core/clock.h"
#include "services/common/grpc/auth.h"
#include "services/intake/app/intake_app.h"

namespace fieldline::intake {

class IntakeGrpcService final : public v1::IntakeService::Service {
 public:
  IntakeGrpcService(IntakeApp& app, const TokenVerifier& verifier, const Clock& clock);

  grpc::Status OpenTicket(grpc::ServerContext* context, const v1::OpenTicketRequest* request,
                          common::v1::CommandAck* response) override;
  grpc::Status GetTicket(grpc::ServerContext* context, const v1::GetTicketRequest* request,
                         v1::Ticket* response) override;
  grpc::Status ListTickets(grpc::ServerContext* context, const v1::ListTicketsRequest* request,
                           v1::ListTicketsResponse* response) override;

  grpc::Status RegisterCustomer(grpc::ServerContext* context,
                                const v1::RegisterCustomerRequest* request,
                                common::v1::CommandAck* response) override;
  grpc::Status GetCustomer(grpc::ServerContext* context, const v1::GetCustomerRequest* request,
                           v1::Customer* response) override;
  grpc::Status FindCustomerByPhone(grpc::ServerContext* context,
                                   const v1::FindCustomerByPhoneRequest* request,
                                   v1::Customer* response) override;
  grpc::Status GetCustomerHistory(grpc::ServerContext* context,
                                  const v1::GetCustomerRequest* request,
                                  v1::CustomerHistory* response) override;
  grpc::Status RegisterAsset(grpc::ServerContext* context, const v1::RegisterAssetRequest* request,
                             common::v1::CommandAck* response) override;
  grpc::Status GetAsset(grpc::ServerContext* context, const v1::GetAssetRequest* request,
                        v1::Asset* response) override;
  grpc::Status TransferAsset(grpc::ServerContext* context, const v1::TransferAssetRequest* request,
                             common::v1::CommandAck* response) override;

  grpc::Status ResolveTicketRemotely(grpc::ServerContext* context,
                                     const v1::ChangeTicketRequest* request,
                                     common::v1::CommandAck* response) override;
  grpc::Status CloseTicket(grpc::ServerContext* context, const v1::ChangeTicketRequest* request,
                           common::v1::CommandAck* response) override;
  grpc::Status CancelTicket(grpc::ServerContext* context, const v1::ChangeTicketRequest* request,
                            common::v1::CommandAck* response) override;
  grpc::Status ReopenTicket(grpc::ServerContext* context, const v1::ChangeTicketRequest* request,
                            common::v1::CommandAck* response) override;
  grpc::Status ReceiveAtServiceCentre(grpc::ServerContext* context,
                                      const v1::ChangeTicketRequest* request,
                                      common::v1::CommandAck* response) override;
  grpc::Status SendToFactory(grpc::ServerContext* context, const v1::ChangeTicketRequest* request,
                             common::v1::CommandAck* response) override;
  grpc::Status ReceiveFromFactory(grpc::ServerContext* context,
                                  const v1::ChangeTicketRequest* request,
                                  common::v1::CommandAck* response) override;
  grpc::Status ReturnToCustomer(grpc::ServerContext* context,
                                const v1::ChangeTicketRequest* request,
                                common::v1::CommandAck* response) override;

  grpc::Status RegisterComplaint(grpc::ServerContext* context,
                                 const v1::RegisterComplaintRequest* request,
                                 common::v1::CommandAck* response) override;
  grpc::Status AddComplaintNote(grpc::ServerContext* context,
                                const v1::ComplaintChangeRequest* request,
                                common::v1::CommandAck* response) override;
  grpc::Status CloseComplaint(grpc::ServerContext* context,
                              const v1::ComplaintChangeRequest* request,
                              common::v1::CommandAck* response) override;
  grpc::Status ReopenComplaint(grpc::ServerContext* context,
                               const v1::ComplaintChangeRequest* request,
                               common::v1::CommandAck* response) override;
  grpc::Status GetComplaint(grpc::ServerContext* context, const v1::GetComplaintRequest* request,
                            v1::Complaint* response) override;

  grpc::Status GetTimeline(grpc::ServerContext* context, const v1::GetTimelineRequest* request,
                           v1::Timeline* response) override;
  grpc::Status GetTicketAsOf(grpc::ServerContext* context,
                             const v1::GetTicketAsOfRequest* request,
                             v1::Ticket* response) override;
  grpc::Status WaitForCustomer(grpc::ServerContext* context,
                               const v1::ChangeTicketRequest* request,
                               common::v1::CommandAck* response) override;
  grpc::Status ResumeFromCustomer(grpc::ServerContext* context,
                                  const v1::ChangeTicketRequest* request,
                                  common::v1::CommandAck* response) override;
  grpc::Status GetTicketSla(grpc::ServerContext* context, const v1::GetTicketSlaRequest* request,
                            v1::TicketSla* response) override;
  grpc::Status SlaWhatIf(grpc::ServerContext* context, const v1::SlaWhatIfRequest* request,
                         v1::SlaWhatIfResponse* response) override;
  grpc::Status ListComplaints(grpc::ServerContext* context,
                              const v1::ListComplaintsRequest* request,
                              v1::ListComplaintsResponse* response) override;
  grpc::Status UpdateCustomer(grpc::ServerContext* context,
                              const v1::UpdateCustomerRequest* request,
                              common::v1::CommandAck* response) override;
  grpc::Status GetCustomerAsOf(grpc::ServerContext* context,
                               const v1::GetCustomerAsOfRequest* request,
                               v1::Customer* response) override;
  grpc::Status GetComplaintAsOf(grpc::ServerContext* context,
                                const v1::GetComplaintAsOfRequest* request,
                                v1::Complaint* response) override;

 private:
  // Runs one lifecycle command built from `request` for the roles allowed.
  template <typename MakeCommand>
  grpc::Status Change(grpc::ServerContext* context, const v1::ChangeTicketRequest* request,
                      std::initializer_list<std::string_view> roles, MakeCommand make,
                      common::v1::CommandAck* response);

  grpc::Status ChangeComplaint(grpc::ServerContext* context,
                               const v1::ComplaintChangeRequest* request,
                               ComplaintCommand command, common::v1::CommandAck* response);

  IntakeApp& app_;
  const TokenVerifier& verifier_;
  const Clock& clock_;
};

}  // namespace fieldline::intake
