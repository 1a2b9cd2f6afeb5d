#include "services/common/runtime/health.h"

#include "nlohmann/json.hpp"

namespace fieldline {
namespace {

int Rank(const std::string& status) {
  if (status == "unavailable") return 2;
  if (status == "degraded") return 1;
  return 0;
}

std::string Seconds(absl::Duration d) { return std::to_string(absl::ToInt64Seconds(d)) + " s"; }

}  // namespace

HealthReport EvaluateHealth(const HealthReadings& r) {
  HealthReport report;
  HealthCheck disk{"disk", "ok", "the store takes writes"};
  if (r.store_write_failed) {
    disk = {"disk", "unavailable",
            "a write to the disk failed (full or failing): no change can be saved; free space, "
            "then restart the service"};
  } else if (r.disk_free_bytes >= 0 && r.disk_free_bytes < r.disk_low_bytes) {
    disk = {"disk", "degraded",
            "the disk is nearly full: " + std::to_string(r.disk_free_bytes >> 20) +
                " MiB free"};
  }
  report.checks.push_back(disk);

  if (r.relay_enabled) {
    HealthCheck publish{"kafka-publish", "ok",
                        std::to_string(r.outbox_depth) + " events waiting to be published"};
    if (r.outbox_depth > 0 && r.outbox_stalled >= kPublishStallWarning) {
      publish.status = "degraded";
      publish.detail = std::to_string(r.outbox_depth) + " events have waited " +
                       Seconds(r.outbox_stalled) +
                       " to be published: is Kafka reachable? They are safe on disk and go out "
                       "when it is back";
    }
    report.checks.push_back(publish);
  }
  if (r.consumer_enabled) {
    HealthCheck consume{"kafka-consume", "ok",
                        std::to_string(r.consumer_lag) + " events behind the other services"};
    if (!r.consumer_assigned && r.uptime >= kConsumerJoinWarning) {
      consume.status = "degraded";
      consume.detail = "no events from the other services for " + Seconds(r.uptime) +
                       " since start: is Kafka reachable?";
    }
    report.checks.push_back(consume);
  }

  report.status = "ok";
  for (const HealthCheck& check : report.checks) {
    if (Rank(check.status) > Rank(report.status)) report.status = check.status;
  }
  report.serving = report.status != "unavailable";
  return report;
}

std::string HealthJson(const HealthReport& report) {
  nlohmann::json checks = nlohmann::json::object();
  for (const HealthCheck& check : report.checks) {
    checks[check.name] = {{"status", check.status}, {"detail", check.detail}};
  }
  return nlohmann::json{{"status", report.status}, {"checks", checks}}.dump();
}

}  // namespace fieldline
