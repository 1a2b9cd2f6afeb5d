// fieldline-scheduling: technicians, jobs and their assignment. Composition root only; see
// services/common/runtime/service_runner.h for configuration (`--help`).

#include <memory>

#include "services/common/runtime/service_runner.h"
#include "services/scheduling/adapters/grpc_service.h"
#include "services/scheduling/app/policy_loader.h"
#include "services/scheduling/app/scheduling_app.h"

namespace {

absl::StatusOr<fieldline::ServiceParts> Wire(const fieldline::ServiceContext& context) {
  using fieldline::scheduling::SchedulingApp;
  using fieldline::scheduling::SchedulingGrpcService;
  // The dispatch policy from --policy-file (YAML); built-in defaults when none is given.
  absl::StatusOr<fieldline::scheduling::DispatchPolicy> policy =
      fieldline::scheduling::LoadDispatchPolicy(
          context.config != nullptr ? context.config->policy_file : std::string());
  if (!policy.ok()) return policy.status();
  auto app = std::make_shared<SchedulingApp>(*context.store, *context.clock, *context.ids,
                                             *std::move(policy));
  fieldline::ServiceParts parts;
  parts.grpc_services.push_back(
      std::make_unique<SchedulingGrpcService>(*app, *context.verifier, *context.clock));
  parts.consumed_topics = {fieldline::TopicOf("intake"), fieldline::TopicOf("inventory")};
  parts.handler = [app](const fieldline::EventEnvelope& event, fieldline::Batch& batch) {
    return app->Apply(event, batch);
  };
  parts.keep_alive = app;
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  return fieldline::RunService("scheduling", 7102, argc, argv, Wire);
}
