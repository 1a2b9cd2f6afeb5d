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
  grpc::Status GetLocationStock(grpc::ServerContext* context,
                                const pb::GetLocationStockRequest* request,
                                pb::GetLocationStockResponse* response) override;
  grpc::Status GetJobParts(grpc::ServerContext* context, const pb::GetJobPartsRequest* request,
                           pb::JobParts* response) override;

  grpc::Status ReserveStock(grpc::ServerContext* context, const pb::ReserveStockRequest* request,
                            CommandAck* response) override;
  grpc::Status ReleaseStock(grpc::ServerContext* context, const pb::ReleaseStockRequest* request,
                            CommandAck* response) override;
  grpc::Status PickToVan(grpc::ServerContext* context, const pb::MoveStockRequest* request,
                         CommandAck* response) override;
  grpc::Status ReturnUnused(grpc::ServerContext* context, const pb::MoveStockRequest* request,
                            CommandAck* response) override;
  grpc::Status ReturnDefective(grpc::ServerContext* context,
                               const pb::ReturnDefectiveRequest* request,
                               CommandAck* response) override;
  grpc::Status SendRma(grpc::ServerContext* context, const pb::RmaStepRequest* request,
                       CommandAck* response) override;
  grpc::Status ReceiveRma(grpc::ServerContext* context, const pb::RmaStepRequest* request,
                          CommandAck* response) override;
  grpc::Status CreditRma(grpc::ServerContext* context, const pb::RmaStepRequest* request,
                         CommandAck* response) override;
  grpc::Status RequestTransfer(grpc::ServerContext* context,
                               const pb::RequestTransferRequest* request,
                               CommandAck* response) override;
  grpc::Status ApproveTransfer(grpc::ServerContext* context, const pb::TransferStepRequest* request,
                               CommandAck* response) override;
  grpc::Status ShipTransfer(grpc::ServerContext* context, const pb::TransferStepRequest* request,
                            CommandAck* response) override;
  grpc::Status ReceiveTransfer(grpc::ServerContext* context,
                               const pb::ReceiveTransferRequest* request,
                               CommandAck* response) override;
  grpc::Status AdjustCount(grpc::ServerContext* context, const pb::AdjustCountRequest* request,
                           CommandAck* response) override;
  grpc::Status IssueCareGift(grpc::ServerContext* context, const pb::IssueCareGiftRequest* request,
                             CommandAck* response) override;
  grpc::Status SetReorderPoint(grpc::ServerContext* context,
                               const pb::SetReorderPointRequest* request,
                               CommandAck* response) override;

  grpc::Status GetPartStockAt(grpc::ServerContext* context,
                              const pb::GetPartStockAtRequest* request,
                              pb::PartStock* response) override;
  grpc::Status GetLedger(grpc::ServerContext* context, const pb::GetLedgerRequest* request,
                         pb::Ledger* response) override;
  grpc::Status GetSerialHistory(grpc::ServerContext* context,
                                const pb::GetSerialHistoryRequest* request,
                                pb::SerialHistory* response) override;
  grpc::Status FindPartNear(grpc::ServerContext* context, const pb::FindPartNearRequest* request,
                            pb::FindPartNearResponse* response) override;
  grpc::Status GetVanRestockList(grpc::ServerContext* context,
                                 const pb::GetVanRestockListRequest* request,
                                 pb::VanRestockList* response) override;

 private:
  // The common shape of every stock command: guard, meta from the request id, then `run(meta)`.
  template <typename Run>
  grpc::Status Command(grpc::ServerContext* context, std::initializer_list<std::string_view> roles,
                       const std::string& request_id, CommandAck* response, Run&& run);

  InventoryApp& app_;
  const TokenVerifier& verifier_;
};

}  // namespace fieldline::inventory
