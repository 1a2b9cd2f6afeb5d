#pragma once

// Small value types shared by every domain. No protobuf, gRPC, RocksDB or Kafka in here.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace fieldline {

struct GeoPoint {
  double lat = 0;
  double lng = 0;
  friend bool operator==(const GeoPoint&, const GeoPoint&) = default;
};

// A count of one catalogue part. Validated where it enters (quantity > 0).
struct PartLine {
  std::string sku;
  int64_t quantity = 0;
  friend bool operator==(const PartLine&, const PartLine&) = default;
};

enum class Priority { kUnspecified = 0, kLow = 1, kNormal = 2, kHigh = 3, kUrgent = 4 };

struct Actor {
  std::string user_id;
  std::string role;  // "intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"
  // Rights granted to this user beyond the role, e.g. "export" (download reports and lists).
  std::vector<std::string> permissions;
};

// Who asked for a command, when and under which request id. Built by the gRPC adapter from the
// verified token and the request; built by consumers from the causing event.
struct CommandMeta {
  std::string request_id;
  Actor actor;
  absl::Time now;
  absl::Time device_time = absl::InfinitePast();  // InfinitePast: not given
  std::string correlation_id;
  std::string causation_id;  // event id that caused this command (reactions)
};

}  // namespace fieldline
