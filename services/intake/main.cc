// fieldline-intake: tickets from the first call to completion. Composition root only; see
// services/common/runtime/service_runner.h for configuration (`--help`).

#include <memory>

#include "services/common/runtime/service_runner.h"
#include "services/intake/adapters/grpc_service.h"
#include "services/intake/app/intake_app.h"
#include "services/intake/app/policy_loader.h"

namespace {

absl::StatusOr<fieldline::ServiceParts> Wire(const fieldline::ServiceContext& context) {
  using fieldline::intake::IntakeApp;
  using fieldline::intake::IntakeGrpcService;
  // Business rules from --policy-file (YAML); built-in defaults when none is given.
  absl::StatusOr<fieldline::intake::IntakePolicy> policy = fieldline::intake::LoadIntakePolicy(
      context.config != nullptr ? context.config->policy_file : std::string());
  if (!policy.ok()) return policy.status();
  auto app = std::make_shared<IntakeApp>(*context.store, *context.clock, *context.ids,
                                         *std::move(policy));
  // Data written by earlier builds gets the indexes this build reads (once; a marker key
  // makes later starts skip it).
  if (absl::StatusOr<int> filled = app->BackfillIndexes(); !filled.ok()) return filled.status();
  fieldline::ServiceParts parts;
  parts.grpc_services.push_back(
      std::make_unique<IntakeGrpcService>(*app, *context.verifier, *context.clock));
  parts.consumed_topics = {fieldline::TopicOf("scheduling"), fieldline::TopicOf("callbacks"),
                           fieldline::TopicOf("inventory")};
  // SLA warnings and breaches fall due as time passes: sweep the due index every 30 s.
  parts.tickers.push_back(fieldline::Ticker{
      "intake.sla", absl::Seconds(30), [app](absl::Time now) -> absl::Status {
        absl::StatusOr<int> changed = app->SweepSla(now);
        return changed.ok() ? absl::OkStatus() : changed.status();
      }});
  parts.handler = [app](const fieldline::EventEnvelope& event, fieldline::Batch& batch) {
    return app->Apply(event, batch);
  };
  parts.keep_alive = app;
  return parts;
}

}  // namespace

int main(int argc, char** argv) { return fieldline::RunService("intake", 7101, argc, argv, Wire); }
