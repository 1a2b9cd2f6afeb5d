#include "services/inventory/adapters/grpc_service.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "services/common/core/errors.h"

namespace fieldline::inventory {
namespace {

// Who may change the catalogue and the stock.
const std::initializer_list<std::string_view> kStockRoles = {"warehouse", "manager", "admin"};
// Who may hold and release stock for a job by hand.
const std::initializer_list<std::string_view> kReserveRoles = {"dispatcher", "warehouse", "manager",
                                                               "admin"};
// Every role may read it.
const std::initializer_list<std::string_view> kAllRoles = {
    "intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"};

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

std::vector<std::string> Serials(const google::protobuf::RepeatedPtrField<std::string>& serials) {
  return std::vector<std::string>(serials.begin(), serials.end());
}

absl::Status Respond(const absl::StatusOr<CommandAck>& ack, CommandAck* response) {
  if (!ack.ok()) return ack.status();
  *response = *ack;
  return absl::OkStatus();
}

template <typename Message>
absl::Status Respond(absl::StatusOr<Message> result, Message* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

// An unset timestamp is "open-ended" (from: the beginning, to: the end of time).
absl::Time FromOr(const pb::GetLedgerRequest& request, bool is_from) {
  if (is_from)
    return request.has_from() ? fieldline::FromProto(request.from()) : absl::InfinitePast();
  return request.has_to() ? fieldline::FromProto(request.to()) : absl::InfiniteFuture();
}

}  // namespace

template <typename Run>
grpc::Status InventoryGrpcService::Command(grpc::ServerContext* context,
                                           std::initializer_list<std::string_view> roles,
                                           const std::string& request_id, CommandAck* response,
                                           Run&& run) {
  return Guarded(context, verifier_, roles, [&](const Actor& actor) {
    absl::StatusOr<CommandMeta> meta = MetaOf(request_id, actor, app_.clock());
    if (!meta.ok()) return meta.status();
    return Respond(run(*meta), response);
  });
}

grpc::Status InventoryGrpcService::RegisterLocation(grpc::ServerContext* context,
                                                    const pb::RegisterLocationRequest* request,
                                                    CommandAck* response) {
  return Guarded(context, verifier_, kStockRoles, [&](const Actor& actor) {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    LocationInfo location{
        .location_id = request->location_id(),
        .kind = FromProto(request->kind()),
        .name = request->name(),
        .owner_technician_id = request->owner_technician_id(),
        .position = std::nullopt,
        .address = request->address(),
    };
    if (request->has_position()) {
      location.position = GeoPoint{request->position().lat(), request->position().lng()};
    }
    return Respond(app_.RegisterLocation(*meta, {std::move(location)}), response);
  });
}

grpc::Status InventoryGrpcService::RegisterPart(grpc::ServerContext* context,
                                                const pb::RegisterPartRequest* request,
                                                CommandAck* response) {
  return Guarded(context, verifier_, kStockRoles, [&](const Actor& actor) {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    PartInfo part{
        .sku = request->sku(),
        .name = request->name(),
        .unit = request->unit(),
        .unit_cost_minor = request->unit_cost_minor(),
        .price_minor = request->price_minor(),
        .serialised = request->serialised(),
    };
    return Respond(app_.RegisterPart(*meta, {std::move(part)}), response);
  });
}

grpc::Status InventoryGrpcService::ReceiveStock(grpc::ServerContext* context,
                                                const pb::ReceiveStockRequest* request,
                                                CommandAck* response) {
  return Guarded(context, verifier_, kStockRoles, [&](const Actor& actor) {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    inventory::ReceiveStock command{
        .sku = request->sku(),
        .location_id = request->location_id(),
        .quantity = request->quantity(),
        .unit_cost_minor = request->unit_cost_minor(),
        .location = std::nullopt,  // the app looks it up
        .serials = Serials(request->serials()),
    };
    return Respond(app_.ReceiveStock(*meta, command), response);
  });
}

grpc::Status InventoryGrpcService::GetPartStock(grpc::ServerContext* context,
                                                const pb::GetPartStockRequest* request,
                                                pb::PartStock* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) {
    return Respond(app_.GetPartStock(request->sku()), response);
  });
}

grpc::Status InventoryGrpcService::ListParts(grpc::ServerContext* context,
                                             const pb::ListPartsRequest* request,
                                             pb::ListPartsResponse* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) {
    return Respond(
        app_.ListParts({.page_size = request->page_size(), .page_token = request->page_token()}),
        response);
  });
}

grpc::Status InventoryGrpcService::ListLocations(grpc::ServerContext* context,
                                                 const pb::ListLocationsRequest* request,
                                                 pb::ListLocationsResponse* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) {
    return Respond(
        app_.ListLocations(FromProto(request->kind()), {.page_size = request->page_size(),
                                                        .page_token = request->page_token()}),
        response);
  });
}

grpc::Status InventoryGrpcService::GetLocationStock(grpc::ServerContext* context,
                                                    const pb::GetLocationStockRequest* request,
                                                    pb::GetLocationStockResponse* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) {
    return Respond(app_.GetLocationStock(request->location_id(),
                                         {.page_size = request->page_size(),
                                          .page_token = request->page_token()}),
                   response);
  });
}

grpc::Status InventoryGrpcService::GetJobParts(grpc::ServerContext* context,
                                               const pb::GetJobPartsRequest* request,
                                               pb::JobParts* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) {
    return Respond(app_.GetJobParts(request->job_id()), response);
  });
}

grpc::Status InventoryGrpcService::ReserveStock(grpc::ServerContext* context,
                                                const pb::ReserveStockRequest* request,
                                                CommandAck* response) {
  return Command(context, kReserveRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.ReserveStock(meta, {.sku = request->sku(),
                                                   .location_id = request->location_id(),
                                                   .job_id = request->job_id(),
                                                   .quantity = request->quantity(),
                                                   .serials = Serials(request->serials())});
                 });
}

grpc::Status InventoryGrpcService::ReleaseStock(grpc::ServerContext* context,
                                                const pb::ReleaseStockRequest* request,
                                                CommandAck* response) {
  return Command(context, kReserveRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.ReleaseStock(meta, {.sku = request->sku(),
                                                   .job_id = request->job_id(),
                                                   .location_id = request->location_id(),
                                                   .quantity = request->quantity(),
                                                   .serials = Serials(request->serials())});
                 });
}

namespace {

inventory::MoveStock MoveOf(MoveKind kind, const pb::MoveStockRequest& request) {
  return {.kind = kind,
          .sku = request.sku(),
          .from_location_id = request.from_location_id(),
          .to_location_id = request.to_location_id(),
          .quantity = request.quantity(),
          .serials = Serials(request.serials()),
          .job_id = request.job_id()};
}

}  // namespace

grpc::Status InventoryGrpcService::PickToVan(grpc::ServerContext* context,
                                             const pb::MoveStockRequest* request,
                                             CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.MoveStock(meta, MoveOf(MoveKind::kPickToVan, *request));
                 });
}

grpc::Status InventoryGrpcService::ReturnUnused(grpc::ServerContext* context,
                                                const pb::MoveStockRequest* request,
                                                CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.MoveStock(meta, MoveOf(MoveKind::kReturnUnused, *request));
                 });
}

grpc::Status InventoryGrpcService::ReturnDefective(grpc::ServerContext* context,
                                                   const pb::ReturnDefectiveRequest* request,
                                                   CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.ReturnDefective(meta, {.sku = request->sku(),
                                                      .location_id = request->location_id(),
                                                      .rma_id = request->rma_id(),
                                                      .quantity = request->quantity(),
                                                      .reason = request->reason(),
                                                      .serials = Serials(request->serials())});
                 });
}

namespace {

inventory::AdvanceRma RmaStepOf(RmaStep step, const pb::RmaStepRequest& request) {
  return {.step = step,
          .sku = request.sku(),
          .rma_id = request.rma_id(),
          .reference = request.reference(),
          .credit_minor = request.credit_minor()};
}

}  // namespace

grpc::Status InventoryGrpcService::SendRma(grpc::ServerContext* context,
                                           const pb::RmaStepRequest* request,
                                           CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.AdvanceRma(meta, RmaStepOf(RmaStep::kSend, *request));
                 });
}

grpc::Status InventoryGrpcService::ReceiveRma(grpc::ServerContext* context,
                                              const pb::RmaStepRequest* request,
                                              CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.AdvanceRma(meta, RmaStepOf(RmaStep::kReceive, *request));
                 });
}

grpc::Status InventoryGrpcService::CreditRma(grpc::ServerContext* context,
                                             const pb::RmaStepRequest* request,
                                             CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.AdvanceRma(meta, RmaStepOf(RmaStep::kCredit, *request));
                 });
}

grpc::Status InventoryGrpcService::RequestTransfer(grpc::ServerContext* context,
                                                   const pb::RequestTransferRequest* request,
                                                   CommandAck* response) {
  return Command(
      context, kStockRoles, request->request_id(), response, [&](const CommandMeta& meta) {
        return app_.RequestTransfer(meta, {.sku = request->sku(),
                                           .transfer_id = request->transfer_id(),
                                           .from_location_id = request->from_location_id(),
                                           .to_location_id = request->to_location_id(),
                                           .quantity = request->quantity()});
      });
}

grpc::Status InventoryGrpcService::ApproveTransfer(grpc::ServerContext* context,
                                                   const pb::TransferStepRequest* request,
                                                   CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.ApproveTransfer(
                       meta, {.sku = request->sku(), .transfer_id = request->transfer_id()});
                 });
}

grpc::Status InventoryGrpcService::ShipTransfer(grpc::ServerContext* context,
                                                const pb::TransferStepRequest* request,
                                                CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.ShipTransfer(meta, {.sku = request->sku(),
                                                   .transfer_id = request->transfer_id(),
                                                   .serials = Serials(request->serials())});
                 });
}

grpc::Status InventoryGrpcService::ReceiveTransfer(grpc::ServerContext* context,
                                                   const pb::ReceiveTransferRequest* request,
                                                   CommandAck* response) {
  return Command(
      context, kStockRoles, request->request_id(), response, [&](const CommandMeta& meta) {
        return app_.ReceiveTransfer(
            meta,
            {.sku = request->sku(),
             .transfer_id = request->transfer_id(),
             .quantity = request->quantity(),
             .signer = request->signer(),
             .signed_at = request->has_signed_at() ? fieldline::FromProto(request->signed_at())
                                                   : absl::Time(),
             .serials = Serials(request->serials())});
      });
}

grpc::Status InventoryGrpcService::AdjustCount(grpc::ServerContext* context,
                                               const pb::AdjustCountRequest* request,
                                               CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.AdjustCount(meta, {.sku = request->sku(),
                                                  .location_id = request->location_id(),
                                                  .counted_quantity = request->counted_quantity(),
                                                  .reason = request->reason(),
                                                  .serials = Serials(request->serials())});
                 });
}

grpc::Status InventoryGrpcService::IssueCareGift(grpc::ServerContext* context,
                                                 const pb::IssueCareGiftRequest* request,
                                                 CommandAck* response) {
  return Command(context, kStockRoles, request->request_id(), response,
                 [&](const CommandMeta& meta) {
                   return app_.IssueCareGift(meta, {.sku = request->sku(),
                                                    .location_id = request->location_id(),
                                                    .quantity = request->quantity(),
                                                    .customer_id = request->customer_id(),
                                                    .reason = request->reason(),
                                                    .serials = Serials(request->serials())});
                 });
}

grpc::Status InventoryGrpcService::SetReorderPoint(grpc::ServerContext* context,
                                                   const pb::SetReorderPointRequest* request,
                                                   CommandAck* response) {
  return Command(
      context, kStockRoles, request->request_id(), response, [&](const CommandMeta& meta) {
        return app_.SetReorderPoint(meta, {.sku = request->sku(),
                                           .location_id = request->location_id(),
                                           .min_available = request->min_available(),
                                           .target_quantity = request->target_quantity()});
      });
}

grpc::Status InventoryGrpcService::GetPartStockAt(grpc::ServerContext* context,
                                                  const pb::GetPartStockAtRequest* request,
                                                  pb::PartStock* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) -> absl::Status {
    if (!request->has_at()) return InvalidArgument("at", "Say at which moment.");
    return Respond(app_.GetPartStockAt(request->sku(), fieldline::FromProto(request->at())),
                   response);
  });
}

grpc::Status InventoryGrpcService::GetLedger(grpc::ServerContext* context,
                                             const pb::GetLedgerRequest* request,
                                             pb::Ledger* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) -> absl::Status {
    const absl::Time from = FromOr(*request, true);
    const absl::Time to = FromOr(*request, false);
    if (request->sku().empty() == request->location_id().empty()) {
      return InvalidArgument("sku", "Ask for the ledger of one part or of one location.");
    }
    const PageRequest page{request->page_size(), request->page_token()};
    if (!request->sku().empty()) {
      return Respond(app_.GetPartLedger(request->sku(), from, to, page), response);
    }
    return Respond(app_.GetLocationLedger(request->location_id(), from, to, page), response);
  });
}

grpc::Status InventoryGrpcService::GetSerialHistory(grpc::ServerContext* context,
                                                    const pb::GetSerialHistoryRequest* request,
                                                    pb::SerialHistory* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) {
    return Respond(app_.GetSerialHistory(request->sku(), request->serial()), response);
  });
}

grpc::Status InventoryGrpcService::FindPartNear(grpc::ServerContext* context,
                                                const pb::FindPartNearRequest* request,
                                                pb::FindPartNearResponse* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) {
    return Respond(
        app_.FindPartNear(request->sku(), GeoPoint{request->point().lat(), request->point().lng()},
                          request->radius_km(), request->min_available()),
        response);
  });
}

grpc::Status InventoryGrpcService::GetVanRestockList(grpc::ServerContext* context,
                                                     const pb::GetVanRestockListRequest* request,
                                                     pb::VanRestockList* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) {
    return Respond(
        app_.GetVanRestockList(
            request->technician_id(), request->van_location_id(),
            request->has_from() ? fieldline::FromProto(request->from()) : absl::InfinitePast(),
            request->has_to() ? fieldline::FromProto(request->to()) : absl::InfiniteFuture()),
        response);
  });
}

}  // namespace fieldline::inventory
