#pragma once

// fieldline.inventory.v1.InventoryService over gRPC. Translates only: request → command or
// query (with the caller from the verified token and the time from the app's clock), result →
// response, absl::Status → grpc::Status.
//
// Ownership: does not own the app or the verifier; both must outlive it. Thread-safe.

#include "fieldline/inventory/v1/inventory_service.grpc.pb.h"
#include "services/common/grpc/auth.h"
#include "services/inventory/app/inventory_app.h"

namespace fieldline::inventory {

class InventoryGrpcService final : public pb::InventoryService::Service {
 public:
  InventoryGrpcService(InventoryApp& app, const TokenVerifier& verifier)
      : app_(app), verifier_(verifier) {}

  grpc::Status RegisterLocation(grpc::ServerContext* context,
                                const pb::RegisterLocationRequest* request,
                                common::v1::CommandAck* response) override;
  grpc::Status RegisterPart(grpc::ServerContext* context, const pb::RegisterPartRequest* request,
                            common::v1::CommandAck* response) override;
  grpc::Status ReceiveStock(grpc::ServerContext* context, const pb::ReceiveStockRequest* request,
                            common::v1::CommandAck* response) override;

  grpc::Status GetPartStock(grpc::ServerContext* context, const pb::GetPartStockRequest* request,
                            pb::PartStock* response) override;
  grpc::Status ListParts(grpc::ServerContext* context, const pb::ListPartsRequest* request,
                         pb::ListPartsResponse* response) override;
  grpc::Status ListLocations(grpc::ServerContext* context, const pb::ListLocationsRequest* request,
                             pb::ListLocationsResponse* response) override;
  grpc::Status GetJobParts(grpc::ServerContext* context, const pb::GetJobPartsRequest* request,
                           pb::JobParts* response) override;

 private:
  InventoryApp& app_;
  const TokenVerifier& verifier_;
};

}  // namespace fieldline::inventory
