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

 private:
  IntakeApp& app_;
  const TokenVerifier& verifier_;
  const Clock& clock_;
};

}  // namespace fieldline::intake
