#pragma once

// The Location aggregate: a place that holds stock — a warehouse, a service centre or a
// technician's van. A location is registered once and does not change afterwards.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/core/types.h"

namespace fieldline::inventory {

enum class LocationKind { kUnspecified = 0, kWarehouse = 1, kServiceCentre = 2, kVan = 3 };

// What the catalogue of locations knows about one location.
struct LocationInfo {
  std::string location_id;
  LocationKind kind = LocationKind::kUnspecified;
  std::string name;
  std::string owner_technician_id;  // vans only
  std::optional<GeoPoint> position;
  std::string address;
  friend bool operator==(const LocationInfo&, const LocationInfo&) = default;
};

struct LocationState {
  int64_t version = 0;  // 0: never registered
  LocationInfo info;
  bool registered() const { return version > 0; }
};

// --- commands ---
struct RegisterLocation {
  LocationInfo location;
};

// --- events ---
struct LocationRegistered {
  LocationInfo location;
  friend bool operator==(const LocationRegistered&, const LocationRegistered&) = default;
};

using LocationEvent = std::variant<LocationRegistered>;

[[nodiscard]] absl::StatusOr<std::vector<LocationEvent>> Decide(const LocationState& state,
                                                                const RegisterLocation& command,
                                                                absl::Time now);

LocationState Evolve(LocationState state, const LocationEvent& event);

}  // namespace fieldline::inventory
