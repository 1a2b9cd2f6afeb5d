// fieldline-inventory: the parts catalogue, stock locations and reservations for jobs.
// Composition root only; see services/common/runtime/service_runner.h.

#include <memory>

#include "services/common/runtime/service_runner.h"
#include "services/inventory/adapters/grpc_service.h"
#include "services/inventory/app/inventory_app.h"

namespace {

absl::StatusOr<fieldline::ServiceParts> Wire(const fieldline::ServiceContext& context) {
  using fieldline::inventory::InventoryApp;
  using fieldline::inventory::InventoryGrpcService;
  auto app = std::make_shared<InventoryApp>(*context.store, *context.clock);
  if (absl::Status filled = app->BackfillLocationStock(); !filled.ok()) return filled;
  fieldline::ServiceParts parts;
  parts.grpc_services.push_back(std::make_unique<InventoryGrpcService>(*app, *context.verifier));
  parts.consumed_topics = {fieldline::TopicOf("scheduling"), fieldline::TopicOf("intake")};
  parts.handler = [app](const fieldline::EventEnvelope& event, fieldline::Batch& batch) {
    return app->Apply(event, batch);
  };
  parts.keep_alive = app;
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  return fieldline::RunService("inventory", 7103, argc, argv, Wire);
}
