// fieldline-callbacks: the after-sales follow-up calls (回访). See README.md.

#include <memory>
#include <utility>

#include "services/callbacks/adapters/grpc_service.h"
#include "services/callbacks/adapters/policy_file.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/runtime/service_runner.h"
#include "spdlog/spdlog.h"

namespace {

constexpr int kDefaultPort = 7104;

absl::StatusOr<fieldline::ServiceParts> Wire(const fieldline::ServiceContext& context) {
  using fieldline::callbacks::CallbacksApp;
  using fieldline::callbacks::CallbacksGrpcService;
  fieldline::callbacks::CallbacksPolicies policies;
  if (context.config != nullptr && !context.config->policy_file.empty()) {
    absl::StatusOr<fieldline::callbacks::CallbacksPolicies> loaded =
        fieldline::callbacks::LoadPolicyFile(context.config->policy_file);
    if (!loaded.ok()) return loaded.status();  // names the key; the service does not start
    policies = *std::move(loaded);
    for (const std::string& warning : policies.warnings) {
      spdlog::warn("policy {}: {}", context.config->policy_file, warning);
    }
  }
  auto app = std::make_shared<CallbacksApp>(*context.store, *context.clock, policies.callback,
                                            policies.kpi, policies.reminder);
  app->SetCarePolicy(policies.care);  // ---- Care
  // ---- KPIs: jobs and ticket openings recorded before the KPI time indexes existed.
  if (absl::StatusOr<int> indexed = app->BackfillKpiIndexes(); !indexed.ok()) {
    return indexed.status();
  } else if (*indexed > 0) {
    spdlog::info("callbacks: {} completed jobs indexed for the KPIs", *indexed);
  }
  fieldline::ServiceParts parts;
  parts.grpc_services.push_back(std::make_unique<CallbacksGrpcService>(*app, *context.verifier));
  parts.consumed_topics = {fieldline::TopicOf("intake"), fieldline::TopicOf("scheduling"),
                           fieldline::TopicOf("inventory")};
  parts.handler = [app](const fieldline::EventEnvelope& event, fieldline::Batch& batch) {
    return app->Apply(event, batch);
  };
  // Reminders fall due on their own time: a ticker, idempotent by the reminder (a rerun after a
  // restart changes nothing).
  parts.tickers.push_back(fieldline::Ticker{
      .name = "callbacks.reminders",
      .every = absl::Minutes(1),
      .tick = [app](absl::Time now) -> absl::Status { return app->FallDueReminders(now).status(); },
  });
  // The monthly report of the month before, produced once at the first tick of each month.
  parts.tickers.push_back(fieldline::Ticker{
      .name = "callbacks.monthly_report",
      .every = absl::Minutes(10),
      .tick = [app](absl::Time now) -> absl::Status {
        return app->ProduceMonthlyReport(now).status();
      },
  });
  // ---- Care: birthday greetings of the day, created once per customer and year (a rerun or a
  // restart changes nothing); on non-working days it does nothing.
  parts.tickers.push_back(fieldline::Ticker{
      .name = "callbacks.birthdays",
      .every = absl::Minutes(5),
      .tick = [app](absl::Time now) -> absl::Status {
        return app->CreateBirthdayGreetings(now).status();
      },
  });
  parts.keep_alive = std::move(app);
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  return fieldline::RunService("callbacks", kDefaultPort, argc, argv, Wire);
}
