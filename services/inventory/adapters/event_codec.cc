#include "services/inventory/adapters/event_codec.h"

#include <type_traits>

#include "absl/status/status.h"

namespace fieldline::inventory {

pb::LocationKind ToProto(LocationKind kind) {
  switch (kind) {
    case LocationKind::kWarehouse:
      return pb::LOCATION_KIND_WAREHOUSE;
    case LocationKind::kServiceCentre:
      return pb::LOCATION_KIND_SERVICE_CENTRE;
    case LocationKind::kVan:
      return pb::LOCATION_KIND_VAN;
    case LocationKind::kUnspecified:
      break;
  }
  return pb::LOCATION_KIND_UNSPECIFIED;
}

LocationKind FromProto(pb::LocationKind kind) {
  switch (kind) {
    case pb::LOCATION_KIND_WAREHOUSE:
      return LocationKind::kWarehouse;
    case pb::LOCATION_KIND_SERVICE_CENTRE:
      return LocationKind::kServiceCentre;
    case pb::LOCATION_KIND_VAN:
      return LocationKind::kVan;
    default:
      return LocationKind::kUnspecified;
  }
}

pb::Location ToProto(const LocationInfo& location) {
  pb::Location out;
  out.set_location_id(location.location_id);
  out.set_kind(ToProto(location.kind));
  out.set_name(location.name);
  out.set_owner_technician_id(location.owner_technician_id);
  if (location.position) {
    out.mutable_position()->set_lat(location.position->lat);
    out.mutable_position()->set_lng(location.position->lng);
  }
  out.set_address(location.address);
  return out;
}

LocationInfo FromProto(const pb::Location& location) {
  LocationInfo out{
      .location_id = location.location_id(),
      .kind = FromProto(location.kind()),
      .name = location.name(),
      .owner_technician_id = location.owner_technician_id(),
      .position = std::nullopt,
      .address = location.address(),
  };
  if (location.has_position()) {
    out.position = GeoPoint{location.position().lat(), location.position().lng()};
  }
  return out;
}

pb::InventoryEvent ToProto(const LocationEvent& event) {
  pb::InventoryEvent out;
  std::visit(
      [&out](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, LocationRegistered>) {
          const pb::Location l = ToProto(e.location);
          pb::LocationRegistered* r = out.mutable_location_registered();
          r->set_location_id(l.location_id());
          r->set_kind(l.kind());
          r->set_name(l.name());
          r->set_owner_technician_id(l.owner_technician_id());
          if (l.has_position()) *r->mutable_position() = l.position();
          r->set_address(l.address());
        }
      },
      event);
  return out;
}

absl::StatusOr<LocationEvent> LocationEventFromProto(const pb::InventoryEvent& event) {
  if (event.kind_case() != pb::InventoryEvent::kLocationRegistered) {
    return absl::InternalError("A Location stream holds an event that is not about a location.");
  }
  const pb::LocationRegistered& r = event.location_registered();
  pb::Location l;
  l.set_location_id(r.location_id());
  l.set_kind(r.kind());
  l.set_name(r.name());
  l.set_owner_technician_id(r.owner_technician_id());
  if (r.has_position()) *l.mutable_position() = r.position();
  l.set_address(r.address());
  return LocationRegistered{FromProto(l)};
}

pb::InventoryEvent ToProto(const PartEvent& event) {
  pb::InventoryEvent out;
  std::visit(
      [&out](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, PartRegistered>) {
          pb::PartRegistered* r = out.mutable_part_registered();
          r->set_sku(e.part.sku);
          r->set_name(e.part.name);
          r->set_unit(e.part.unit);
          r->set_unit_cost_minor(e.part.unit_cost_minor);
          r->set_price_minor(e.part.price_minor);
          r->set_serialised(e.part.serialised);
        } else if constexpr (std::is_same_v<T, StockReceived>) {
          pb::StockReceived* r = out.mutable_stock_received();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_quantity(e.quantity);
          r->set_unit_cost_minor(e.unit_cost_minor);
          r->set_average_cost_minor(e.average_cost_minor);
        } else if constexpr (std::is_same_v<T, PartsReserved>) {
          pb::PartsReserved* r = out.mutable_parts_reserved();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_job_id(e.job_id);
          r->set_quantity(e.quantity);
        } else if constexpr (std::is_same_v<T, PartsBackordered>) {
          pb::PartsBackordered* r = out.mutable_parts_backordered();
          r->set_sku(e.sku);
          r->set_job_id(e.job_id);
          r->set_quantity(e.quantity);
        } else if constexpr (std::is_same_v<T, ReservationReleased>) {
          pb::ReservationReleased* r = out.mutable_reservation_released();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_job_id(e.job_id);
          r->set_quantity(e.quantity);
        } else if constexpr (std::is_same_v<T, PartsConsumed>) {
          pb::PartsConsumed* r = out.mutable_parts_consumed();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_job_id(e.job_id);
          r->set_quantity(e.quantity);
        }
      },
      event);
  return out;
}

absl::StatusOr<PartEvent> PartEventFromProto(const pb::InventoryEvent& event) {
  switch (event.kind_case()) {
    case pb::InventoryEvent::kPartRegistered: {
      const pb::PartRegistered& r = event.part_registered();
      return PartRegistered{PartInfo{
          .sku = r.sku(),
          .name = r.name(),
          .unit = r.unit(),
          .unit_cost_minor = r.unit_cost_minor(),
          .price_minor = r.price_minor(),
          .serialised = r.serialised(),
      }};
    }
    case pb::InventoryEvent::kStockReceived: {
      const pb::StockReceived& r = event.stock_received();
      return StockReceived{r.sku(), r.location_id(), r.quantity(), r.unit_cost_minor(),
                           r.average_cost_minor()};
    }
    case pb::InventoryEvent::kPartsReserved: {
      const pb::PartsReserved& r = event.parts_reserved();
      return PartsReserved{r.sku(), r.location_id(), r.job_id(), r.quantity()};
    }
    case pb::InventoryEvent::kPartsBackordered: {
      const pb::PartsBackordered& r = event.parts_backordered();
      return PartsBackordered{r.sku(), r.job_id(), r.quantity()};
    }
    case pb::InventoryEvent::kReservationReleased: {
      const pb::ReservationReleased& r = event.reservation_released();
      return ReservationReleased{r.sku(), r.location_id(), r.job_id(), r.quantity()};
    }
    case pb::InventoryEvent::kPartsConsumed: {
      const pb::PartsConsumed& r = event.parts_consumed();
      return PartsConsumed{r.sku(), r.location_id(), r.job_id(), r.quantity()};
    }
    default:
      return absl::InternalError("A Part stream holds an event that is not about a part.");
  }
}

pb::PartStock ToPartStock(const PartState& state) {
  pb::PartStock out;
  out.set_sku(state.info.sku);
  out.set_name(state.info.name);
  out.set_unit(state.info.unit);
  out.set_average_cost_minor(state.average_cost_minor);
  out.set_price_minor(state.info.price_minor);
  for (const auto& [location_id, level] : state.stock) {  // std::map: sorted by location id
    pb::LocationStock* l = out.add_locations();
    l->set_location_id(location_id);
    l->set_on_hand(level.on_hand);
    l->set_reserved(level.reserved);
    l->set_available(level.available());
  }
  out.set_backordered(state.TotalBackordered());
  out.set_version(state.version);
  return out;
}

}  // namespace fieldline::inventory
