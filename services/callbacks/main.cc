// fieldline-callbacks: the after-sales follow-up calls (回访). See README.md.

#include <memory>
#include <utility>

#include "services/callbacks/adapters/grpc_service.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/runtime/service_runner.h"

namespace {

constexpr int kDefaultPort = 7104;

absl::StatusOr<fieldline::ServiceParts> Wire(const fieldline::ServiceContext& context) {
  using fieldline::callbacks::CallbacksApp;
  using fieldline::callbacks::CallbacksGrpcService;
  auto app = std::make_shared<CallbacksApp>(*context.store, *context.clock);
  fieldline::ServiceParts parts;
  parts.grpc_services.push_back(std::make_unique<CallbacksGrpcService>(*app, *context.verifier));
  parts.consumed_topics = {fieldline::TopicOf("intake"), fieldline::TopicOf("scheduling")};
  parts.handler = [app](const fieldline::EventEnvelope& event, fieldline::Batch& batch) {
    return app->Apply(event, batch);
  };
  parts.keep_alive = std::move(app);
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  return fieldline::RunService("callbacks", kDefaultPort, argc, argv, Wire);
}
