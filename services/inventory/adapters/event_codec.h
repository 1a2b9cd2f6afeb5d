#pragma once

// Domain events ⇄ inventory proto payloads, and domain state ⇄ the proto projection messages
// stored under "p/part/<sku>" and "p/location/<id>".

#include "absl/status/statusor.h"
#include "fieldline/inventory/v1/events.pb.h"
#include "fieldline/inventory/v1/inventory_service.pb.h"
#include "services/inventory/domain/location.h"
#include "services/inventory/domain/part.h"

namespace fieldline::inventory {

namespace pb = ::fieldline::inventory::v1;

pb::LocationKind ToProto(LocationKind kind);
LocationKind FromProto(pb::LocationKind kind);

pb::InventoryEvent ToProto(const LocationEvent& event);
pb::InventoryEvent ToProto(const PartEvent& event);
// INTERNAL if the payload is not an event of that aggregate (a corrupt or foreign stream).
absl::StatusOr<LocationEvent> LocationEventFromProto(const pb::InventoryEvent& event);
absl::StatusOr<PartEvent> PartEventFromProto(const pb::InventoryEvent& event);

// Projections.
pb::Location ToProto(const LocationInfo& location);
LocationInfo FromProto(const pb::Location& location);
// The part's catalogue data and stock per location (sorted by location id).
pb::PartStock ToPartStock(const PartState& state);

// The Part's whole state ⇄ its snapshot (p/partstate/<sku>). FromSnapshot(ToSnapshot(s)) folds
// to the same state as s.
pb::PartSnapshot ToSnapshot(const PartState& state);
PartState FromSnapshot(const pb::PartSnapshot& snapshot);

}  // namespace fieldline::inventory
