#pragma once

// What a service reports about itself at /healthz and through gRPC health: whether its disk
// takes writes, whether its events reach Kafka, whether it receives the other services' events.
// A pure function of readings, so every rule is tested without a disk or a broker.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace fieldline {

struct HealthReadings {
  bool store_write_failed = false;   // a write to the disk failed: no change can be saved
  int64_t disk_free_bytes = -1;      // -1: unknown
  int64_t disk_low_bytes = 256ll << 20;
  bool relay_enabled = true;
  uint64_t outbox_depth = 0;                          // events saved but not yet in Kafka
  absl::Duration outbox_stalled = absl::ZeroDuration();  // how long the depth has not shrunk
  bool consumer_enabled = true;
  bool consumer_assigned = false;
  int64_t consumer_lag = 0;
  absl::Duration uptime = absl::ZeroDuration();
};

struct HealthCheck {
  std::string name;    // "disk", "kafka-publish", "kafka-consume"
  std::string status;  // "ok", "degraded", "unavailable"
  std::string detail;  // a sentence for the operator
};

struct HealthReport {
  std::string status;  // the worst of the checks
  bool serving = true;  // false only when no change can be saved (gRPC health NOT_SERVING)
  std::vector<HealthCheck> checks;
};

// Publishing stalled this long with events waiting: Kafka is probably unreachable.
inline constexpr absl::Duration kPublishStallWarning = absl::Seconds(30);
// Not receiving anything this long after start: the consumer group has not formed.
inline constexpr absl::Duration kConsumerJoinWarning = absl::Seconds(60);

HealthReport EvaluateHealth(const HealthReadings& readings);

// {"status": ..., "checks": {"disk": {"status": ..., "detail": ...}, ...}}
std::string HealthJson(const HealthReport& report);

}  // namespace fieldline
