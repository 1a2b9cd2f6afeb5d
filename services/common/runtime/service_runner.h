#pragma once

// The composition root shared by every service's main.cc: typed config (file, environment,
// flags), logging, the RocksDB store, the outbox relay to the service's own topic, the consumer
// of the other services' topics, the gRPC server, and an orderly stop on SIGINT/SIGTERM.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/grpc/auth.h"
#include "services/common/kafka/consumer.h"
#include "services/common/runtime/service_config.h"
#include "services/common/store/event_store.h"

namespace grpc {
class Service;
}

namespace fieldline {

// What RunService hands to a service's wiring function.
struct ServiceContext {
  EventStore* store;
  const Clock* clock;
  IdGenerator* ids;
  const TokenVerifier* verifier;
  const ServiceConfig* config = nullptr;  // policy_file etc.; outlives the service
};

// Work a service does because time passes (SLA warnings, reminders falling due, the monthly
// report on the 1st): `tick(now)` runs every `every` on a thread of its own, first right after
// start. It must be idempotent (derive request ids from what it acts on), because a restart
// runs it again. An error is logged and retried at the next tick.
struct Ticker {
  std::string name;
  absl::Duration every;
  std::function<absl::Status(absl::Time now)> tick;
};

// What a service's wiring function gives back.
struct ServiceParts {
  std::vector<std::unique_ptr<grpc::Service>> grpc_services;
  std::vector<std::string> consumed_topics;  // e.g. {"fieldline.scheduling.v1"}
  EventHandler handler;                       // applies one consumed event (may be empty)
  std::shared_ptr<void> keep_alive;           // owns the app objects the services point to
  std::vector<Ticker> tickers;                // periodic work, stopped before the consumer
};

// Runs a service until SIGINT/SIGTERM. `name` is "intake", "scheduling", "inventory" or
// "callbacks"; its events go to topic "fieldline.<name>.v1"; the consumer group is
// "fieldline-<name>". Returns the process exit code.
int RunService(const std::string& name, int default_port, int argc, char** argv,
               const std::function<absl::StatusOr<ServiceParts>(const ServiceContext&)>& wire);

inline std::string TopicOf(const std::string& service) { return "fieldline." + service + ".v1"; }

}  // namespace fieldline
