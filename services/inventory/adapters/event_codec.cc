#include "services/inventory/adapters/event_codec.h"

#include <type_traits>

#include "absl/status/status.h"
#include "services/common/store/event_store.h"

namespace fieldline::inventory {
namespace {

template <typename Repeated>
std::vector<std::string> ToVector(const Repeated& values) {
  return std::vector<std::string>(values.begin(), values.end());
}

template <typename Message>
void SetSerials(Message* m, const std::vector<std::string>& serials) {
  for (const std::string& s : serials) m->add_serials(s);
}

pb::MoveKind ToProto(MoveKind kind) {
  return kind == MoveKind::kReturnUnused ? pb::MOVE_KIND_RETURN_UNUSED : pb::MOVE_KIND_PICK_TO_VAN;
}

}  // namespace

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
          SetSerials(r, e.serials);
        } else if constexpr (std::is_same_v<T, PartsReserved>) {
          pb::PartsReserved* r = out.mutable_parts_reserved();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_job_id(e.job_id);
          r->set_quantity(e.quantity);
          r->set_fills_backorder(e.fills_backorder);
          SetSerials(r, e.serials);
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
          r->set_keeps_backorder(e.keeps_backorder);
          SetSerials(r, e.serials);
        } else if constexpr (std::is_same_v<T, PartsConsumed>) {
          pb::PartsConsumed* r = out.mutable_parts_consumed();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_job_id(e.job_id);
          r->set_quantity(e.quantity);
          SetSerials(r, e.serials);
        } else if constexpr (std::is_same_v<T, StockMoved>) {
          pb::StockMoved* r = out.mutable_stock_moved();
          r->set_sku(e.sku);
          r->set_kind(ToProto(e.kind));
          r->set_from_location_id(e.from_location_id);
          r->set_to_location_id(e.to_location_id);
          r->set_job_id(e.job_id);
          r->set_quantity(e.quantity);
          SetSerials(r, e.serials);
        } else if constexpr (std::is_same_v<T, DefectiveReturned>) {
          pb::DefectiveReturned* r = out.mutable_defective_returned();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_rma_id(e.rma_id);
          r->set_quantity(e.quantity);
          r->set_reason(e.reason);
          SetSerials(r, e.serials);
        } else if constexpr (std::is_same_v<T, RmaSent>) {
          pb::RmaSent* r = out.mutable_rma_sent();
          r->set_sku(e.sku);
          r->set_rma_id(e.rma_id);
          r->set_reference(e.reference);
        } else if constexpr (std::is_same_v<T, RmaReceived>) {
          pb::RmaReceived* r = out.mutable_rma_received();
          r->set_sku(e.sku);
          r->set_rma_id(e.rma_id);
        } else if constexpr (std::is_same_v<T, RmaCredited>) {
          pb::RmaCredited* r = out.mutable_rma_credited();
          r->set_sku(e.sku);
          r->set_rma_id(e.rma_id);
          r->set_credit_minor(e.credit_minor);
        } else if constexpr (std::is_same_v<T, TransferRequested>) {
          pb::TransferRequested* r = out.mutable_transfer_requested();
          r->set_sku(e.sku);
          r->set_transfer_id(e.transfer_id);
          r->set_from_location_id(e.from_location_id);
          r->set_to_location_id(e.to_location_id);
          r->set_quantity(e.quantity);
        } else if constexpr (std::is_same_v<T, TransferApproved>) {
          pb::TransferApproved* r = out.mutable_transfer_approved();
          r->set_sku(e.sku);
          r->set_transfer_id(e.transfer_id);
        } else if constexpr (std::is_same_v<T, TransferShipped>) {
          pb::TransferShipped* r = out.mutable_transfer_shipped();
          r->set_sku(e.sku);
          r->set_transfer_id(e.transfer_id);
          r->set_from_location_id(e.from_location_id);
          r->set_to_location_id(e.to_location_id);
          r->set_quantity(e.quantity);
          SetSerials(r, e.serials);
        } else if constexpr (std::is_same_v<T, TransferReceived>) {
          pb::TransferReceived* r = out.mutable_transfer_received();
          r->set_sku(e.sku);
          r->set_transfer_id(e.transfer_id);
          r->set_to_location_id(e.to_location_id);
          r->set_quantity(e.quantity);
          r->set_short_quantity(e.short_quantity);
          r->set_signer(e.signer);
          fieldline::ToProto(e.signed_at, r->mutable_signed_at());
          SetSerials(r, e.serials);
        } else if constexpr (std::is_same_v<T, StockAdjusted>) {
          pb::StockAdjusted* r = out.mutable_stock_adjusted();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_delta(e.delta);
          r->set_on_hand_after(e.on_hand_after);
          r->set_reason(e.reason);
          SetSerials(r, e.serials);
        } else if constexpr (std::is_same_v<T, CareGiftIssued>) {
          pb::CareGiftIssued* r = out.mutable_care_gift_issued();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_quantity(e.quantity);
          r->set_customer_id(e.customer_id);
          r->set_reason(e.reason);
          SetSerials(r, e.serials);
        } else if constexpr (std::is_same_v<T, ReorderPointSet>) {
          pb::ReorderPointSet* r = out.mutable_reorder_point_set();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_min_available(e.min_available);
          r->set_target_quantity(e.target_quantity);
        } else if constexpr (std::is_same_v<T, ReplenishmentRequested>) {
          pb::ReplenishmentRequested* r = out.mutable_replenishment_requested();
          r->set_sku(e.sku);
          r->set_location_id(e.location_id);
          r->set_available(e.available);
          r->set_in_transit(e.in_transit);
          r->set_suggested_quantity(e.suggested_quantity);
        } else if constexpr (std::is_same_v<T, BackorderCancelled>) {
          pb::BackorderCancelled* r = out.mutable_backorder_cancelled();
          r->set_sku(e.sku);
          r->set_job_id(e.job_id);
          r->set_quantity(e.quantity);
          r->set_reason(e.reason);
        } else if constexpr (std::is_same_v<T, UsedSerialUnaccounted>) {
          pb::UsedSerialUnaccounted* r = out.mutable_used_serial_unaccounted();
          r->set_sku(e.sku);
          r->set_job_id(e.job_id);
          r->set_serial(e.serial);
          r->set_location_id(e.location_id);
          r->set_recorded_place(e.recorded_place);
          r->set_reason(e.reason);
        } else if constexpr (std::is_same_v<T, UsedPartsUnaccounted>) {
          pb::UsedPartsUnaccounted* r = out.mutable_used_parts_unaccounted();
          r->set_sku(e.sku);
          r->set_job_id(e.job_id);
          r->set_location_id(e.location_id);
          r->set_quantity(e.quantity);
          r->set_reason(e.reason);
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
      return StockReceived{r.sku(),
                           r.location_id(),
                           r.quantity(),
                           r.unit_cost_minor(),
                           r.average_cost_minor(),
                           ToVector(r.serials())};
    }
    case pb::InventoryEvent::kPartsReserved: {
      const pb::PartsReserved& r = event.parts_reserved();
      return PartsReserved{r.sku(),      r.location_id(),     r.job_id(),
                           r.quantity(), r.fills_backorder(), ToVector(r.serials())};
    }
    case pb::InventoryEvent::kPartsBackordered: {
      const pb::PartsBackordered& r = event.parts_backordered();
      return PartsBackordered{r.sku(), r.job_id(), r.quantity()};
    }
    case pb::InventoryEvent::kReservationReleased: {
      const pb::ReservationReleased& r = event.reservation_released();
      return ReservationReleased{r.sku(),      r.location_id(),     r.job_id(),
                                 r.quantity(), r.keeps_backorder(), ToVector(r.serials())};
    }
    case pb::InventoryEvent::kPartsConsumed: {
      const pb::PartsConsumed& r = event.parts_consumed();
      return PartsConsumed{r.sku(), r.location_id(), r.job_id(), r.quantity(),
                           ToVector(r.serials())};
    }
    case pb::InventoryEvent::kStockMoved: {
      const pb::StockMoved& r = event.stock_moved();
      return StockMoved{
          r.kind() == pb::MOVE_KIND_RETURN_UNUSED ? MoveKind::kReturnUnused : MoveKind::kPickToVan,
          r.sku(),
          r.from_location_id(),
          r.to_location_id(),
          r.job_id(),
          r.quantity(),
          ToVector(r.serials())};
    }
    case pb::InventoryEvent::kDefectiveReturned: {
      const pb::DefectiveReturned& r = event.defective_returned();
      return DefectiveReturned{r.sku(),      r.location_id(), r.rma_id(),
                               r.quantity(), r.reason(),      ToVector(r.serials())};
    }
    case pb::InventoryEvent::kRmaSent:
      return RmaSent{event.rma_sent().sku(), event.rma_sent().rma_id(),
                     event.rma_sent().reference()};
    case pb::InventoryEvent::kRmaReceived:
      return RmaReceived{event.rma_received().sku(), event.rma_received().rma_id()};
    case pb::InventoryEvent::kRmaCredited:
      return RmaCredited{event.rma_credited().sku(), event.rma_credited().rma_id(),
                         event.rma_credited().credit_minor()};
    case pb::InventoryEvent::kTransferRequested: {
      const pb::TransferRequested& r = event.transfer_requested();
      return TransferRequested{r.sku(), r.transfer_id(), r.from_location_id(), r.to_location_id(),
                               r.quantity()};
    }
    case pb::InventoryEvent::kTransferApproved:
      return TransferApproved{event.transfer_approved().sku(),
                              event.transfer_approved().transfer_id()};
    case pb::InventoryEvent::kTransferShipped: {
      const pb::TransferShipped& r = event.transfer_shipped();
      return TransferShipped{
          r.sku(),      r.transfer_id(),      r.from_location_id(), r.to_location_id(),
          r.quantity(), ToVector(r.serials())};
    }
    case pb::InventoryEvent::kTransferReceived: {
      const pb::TransferReceived& r = event.transfer_received();
      return TransferReceived{r.sku(),
                              r.transfer_id(),
                              r.to_location_id(),
                              r.quantity(),
                              r.short_quantity(),
                              r.signer(),
                              fieldline::FromProto(r.signed_at()),
                              ToVector(r.serials())};
    }
    case pb::InventoryEvent::kStockAdjusted: {
      const pb::StockAdjusted& r = event.stock_adjusted();
      return StockAdjusted{r.sku(),           r.location_id(), r.delta(),
                           r.on_hand_after(), r.reason(),      ToVector(r.serials())};
    }
    case pb::InventoryEvent::kCareGiftIssued: {
      const pb::CareGiftIssued& r = event.care_gift_issued();
      return CareGiftIssued{r.sku(),         r.location_id(), r.quantity(),
                            r.customer_id(), r.reason(),      ToVector(r.serials())};
    }
    case pb::InventoryEvent::kReorderPointSet: {
      const pb::ReorderPointSet& r = event.reorder_point_set();
      return ReorderPointSet{r.sku(), r.location_id(), r.min_available(), r.target_quantity()};
    }
    case pb::InventoryEvent::kReplenishmentRequested: {
      const pb::ReplenishmentRequested& r = event.replenishment_requested();
      return ReplenishmentRequested{r.sku(), r.location_id(), r.available(), r.in_transit(),
                                    r.suggested_quantity()};
    }
    case pb::InventoryEvent::kBackorderCancelled: {
      const pb::BackorderCancelled& r = event.backorder_cancelled();
      return BackorderCancelled{r.sku(), r.job_id(), r.quantity(), r.reason()};
    }
    case pb::InventoryEvent::kUsedSerialUnaccounted: {
      const pb::UsedSerialUnaccounted& r = event.used_serial_unaccounted();
      return UsedSerialUnaccounted{r.sku(),         r.job_id(),         r.serial(),
                                   r.location_id(), r.recorded_place(), r.reason()};
    }
    case pb::InventoryEvent::kUsedPartsUnaccounted: {
      const pb::UsedPartsUnaccounted& r = event.used_parts_unaccounted();
      return UsedPartsUnaccounted{r.sku(), r.job_id(), r.location_id(), r.quantity(), r.reason()};
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
    l->set_in_transit(level.in_transit);
    if (auto point = state.reorder_points.find(location_id); point != state.reorder_points.end()) {
      l->set_min_available(point->second.min_available);
      l->set_target_quantity(point->second.target_quantity);
    }
    if (auto open = state.replenishment_open.find(location_id);
        open != state.replenishment_open.end()) {
      l->set_replenishment_open(open->second);
    }
  }
  out.set_backordered(state.TotalBackordered());
  out.set_version(state.version);
  out.set_serialised(state.info.serialised);
  for (const auto& [id, t] : state.transfers) {
    if (t.status == TransferStatus::kReceived) continue;
    pb::OpenTransfer* o = out.add_transfers();
    o->set_transfer_id(id);
    o->set_from_location_id(t.from_location_id);
    o->set_to_location_id(t.to_location_id);
    o->set_quantity(t.quantity);
    o->set_status(t.status == TransferStatus::kRequested  ? "requested"
                  : t.status == TransferStatus::kApproved ? "approved"
                                                          : "shipped");
  }
  for (const auto& [id, rma] : state.rmas) {
    if (rma.status == RmaStatus::kCredited) continue;
    pb::OpenRma* o = out.add_rmas();
    o->set_rma_id(id);
    o->set_location_id(rma.location_id);
    o->set_quantity(rma.quantity);
    o->set_status(rma.status == RmaStatus::kOpen   ? "open"
                  : rma.status == RmaStatus::kSent ? "sent"
                                                   : "received");
  }
  for (const std::string& job_id : state.backorder_queue) {
    pb::JobBackorder* b = out.add_backorders();
    b->set_job_id(job_id);
    b->set_quantity(state.backorders.at(job_id));
  }
  return out;
}

pb::PartSnapshot ToSnapshot(const PartState& state) {
  pb::PartSnapshot out;
  out.set_version(state.version);
  pb::PartRegistered* part = out.mutable_part();
  part->set_sku(state.info.sku);
  part->set_name(state.info.name);
  part->set_unit(state.info.unit);
  part->set_unit_cost_minor(state.info.unit_cost_minor);
  part->set_price_minor(state.info.price_minor);
  part->set_serialised(state.info.serialised);
  out.set_average_cost_minor(state.average_cost_minor);
  for (const auto& [location_id, level] : state.stock) {
    pb::SnapshotStock* s = out.add_stock();
    s->set_location_id(location_id);
    s->set_on_hand(level.on_hand);
    s->set_reserved(level.reserved);
    s->set_in_transit(level.in_transit);
  }
  for (const auto& [job_id, held] : state.reservations) {
    for (const auto& [location_id, quantity] : held) {
      pb::SnapshotHold* h = out.add_holds();
      h->set_job_id(job_id);
      h->set_location_id(location_id);
      h->set_quantity(quantity);
    }
  }
  for (const std::string& job_id : state.backorder_queue) {
    pb::SnapshotOwed* o = out.add_backorders();
    o->set_job_id(job_id);
    auto owed = state.backorders.find(job_id);
    o->set_quantity(owed == state.backorders.end() ? 0 : owed->second);
  }
  for (const auto& [id, t] : state.transfers) {
    pb::SnapshotTransfer* o = out.add_transfers();
    o->set_transfer_id(id);
    o->set_from_location_id(t.from_location_id);
    o->set_to_location_id(t.to_location_id);
    o->set_quantity(t.quantity);
    o->set_status(static_cast<int32_t>(t.status));
    for (const std::string& serial : t.serials) o->add_serials(serial);
  }
  for (const auto& [id, rma] : state.rmas) {
    pb::SnapshotRma* o = out.add_rmas();
    o->set_rma_id(id);
    o->set_location_id(rma.location_id);
    o->set_quantity(rma.quantity);
    o->set_status(static_cast<int32_t>(rma.status));
    for (const std::string& serial : rma.serials) o->add_serials(serial);
  }
  for (const auto& [location_id, point] : state.reorder_points) {
    pb::SnapshotReorderPoint* o = out.add_reorder_points();
    o->set_location_id(location_id);
    o->set_min_available(point.min_available);
    o->set_target_quantity(point.target_quantity);
    if (auto open = state.replenishment_open.find(location_id);
        open != state.replenishment_open.end()) {
      o->set_replenishment_tracked(true);
      o->set_replenishment_open(open->second);
    }
  }
  for (const auto& [serial, place] : state.serials) {
    pb::SnapshotSerial* o = out.add_serials();
    o->set_serial(serial);
    o->set_place(place);
    if (auto held = state.serial_holds.find(serial); held != state.serial_holds.end()) {
      o->set_held_for_job_id(held->second);
    }
  }
  return out;
}

PartState FromSnapshot(const pb::PartSnapshot& snapshot) {
  PartState state;
  state.version = snapshot.version();
  state.info = PartInfo{snapshot.part().sku(),           snapshot.part().name(),
                        snapshot.part().unit(),          snapshot.part().unit_cost_minor(),
                        snapshot.part().price_minor(),   snapshot.part().serialised()};
  state.average_cost_minor = snapshot.average_cost_minor();
  for (const pb::SnapshotStock& s : snapshot.stock()) {
    state.stock[s.location_id()] = StockLevel{s.on_hand(), s.reserved(), s.in_transit()};
  }
  for (const pb::SnapshotHold& h : snapshot.holds()) {
    state.reservations[h.job_id()][h.location_id()] = h.quantity();
  }
  for (const pb::SnapshotOwed& o : snapshot.backorders()) {
    state.backorders[o.job_id()] = o.quantity();
    state.backorder_queue.push_back(o.job_id());
  }
  for (const pb::SnapshotTransfer& t : snapshot.transfers()) {
    state.transfers[t.transfer_id()] =
        Transfer{t.from_location_id(), t.to_location_id(), t.quantity(),
                 static_cast<TransferStatus>(t.status()),
                 std::vector<std::string>(t.serials().begin(), t.serials().end())};
  }
  for (const pb::SnapshotRma& r : snapshot.rmas()) {
    state.rmas[r.rma_id()] =
        Rma{r.location_id(), r.quantity(), static_cast<RmaStatus>(r.status()),
            std::vector<std::string>(r.serials().begin(), r.serials().end())};
  }
  for (const pb::SnapshotReorderPoint& p : snapshot.reorder_points()) {
    state.reorder_points[p.location_id()] = ReorderPoint{p.min_available(), p.target_quantity()};
    if (p.replenishment_tracked()) state.replenishment_open[p.location_id()] = p.replenishment_open();
  }
  for (const pb::SnapshotSerial& s : snapshot.serials()) {
    state.serials[s.serial()] = s.place();
    if (!s.held_for_job_id().empty()) state.serial_holds[s.serial()] = s.held_for_job_id();
  }
  return state;
}

}  // namespace fieldline::inventory
