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

}  // namespace

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

grpc::Status InventoryGrpcService::GetJobParts(grpc::ServerContext* context,
                                               const pb::GetJobPartsRequest* request,
                                               pb::JobParts* response) {
  return Guarded(context, verifier_, kAllRoles, [&](const Actor&) {
    return Respond(app_.GetJobParts(request->job_id()), response);
  });
}

}  // namespace fieldline::inventory
