#pragma once

// The Part aggregate: one catalogue part and everything about its stock — on hand and reserved
// per location, the reservations and backorders of each job, and the moving-average cost.
// Keeping all stock of a part in one aggregate makes "never negative" and "never reserved twice"
// checks local to one stream under one lock.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/inventory/domain/location.h"

namespace fieldline::inventory {

// Catalogue data of a part. Money in minor units (fen / cents).
struct PartInfo {
  std::string sku;
  std::string name;
  std::string unit;  // "pcs", "m", "kg"
  int64_t unit_cost_minor = 0;
  int64_t price_minor = 0;
  bool serialised = false;
  friend bool operator==(const PartInfo&, const PartInfo&) = default;
};

// Stock of one part at one location. Counts are never negative and reserved <= on_hand.
struct StockLevel {
  int64_t on_hand = 0;
  int64_t reserved = 0;
  int64_t in_transit = 0;  // shipped to this location, not yet received
  int64_t available() const { return on_hand - reserved; }
  friend bool operator==(const StockLevel&, const StockLevel&) = default;
};

// Low-stock threshold of a part at a location.
struct ReorderPoint {
  int64_t min_available = 0;
  int64_t target_quantity = 0;
  friend bool operator==(const ReorderPoint&, const ReorderPoint&) = default;
};

enum class TransferStatus { kRequested, kApproved, kShipped, kReceived };
struct Transfer {
  std::string from_location_id;
  std::string to_location_id;
  int64_t quantity = 0;  // requested; once shipped, what was shipped
  TransferStatus status = TransferStatus::kRequested;
  std::vector<std::string> serials;  // shipped units
};

enum class RmaStatus { kOpen, kSent, kReceived, kCredited };
struct Rma {
  std::string location_id;
  int64_t quantity = 0;
  RmaStatus status = RmaStatus::kOpen;
  std::vector<std::string> serials;
};

// Where one serialised unit is: a location id, or "transfer:<id>", "rma:<id>", "consumed:<job>",
// "issued", "lost".
using SerialPlace = std::string;

struct PartState {
  int64_t version = 0;  // 0: not in the catalogue
  PartInfo info;
  int64_t average_cost_minor = 0;
  std::map<std::string, StockLevel> stock;  // by location id
  // job id → location id → quantity still held for the job.
  std::map<std::string, std::map<std::string, int64_t>> reservations;
  // job id → quantity owed to the job (open until filled or the job's parts are settled).
  std::map<std::string, int64_t> backorders;
  std::vector<std::string> backorder_queue;   // jobs with a backorder, first come first served
  std::map<std::string, Transfer> transfers;  // by transfer id
  std::map<std::string, Rma> rmas;            // by RMA id
  std::map<std::string, ReorderPoint> reorder_points;  // by location id
  std::map<std::string, bool> replenishment_open;      // location → a request is open
  std::map<std::string, SerialPlace> serials;          // serialised parts: serial → place
  // Serialised parts: the units held for jobs, serial → job. A job holding n units at a location
  // holds n of the units there by serial (named when reserved; when a held unit leaves by another
  // move, the job's hold passes to the first free unit there, in serial order).
  std::map<std::string, std::string> serial_holds;

  bool registered() const { return version > 0; }
  int64_t TotalOnHand() const;
  int64_t TotalBackordered() const;
  int64_t ReservedFor(const std::string& job_id) const;
  StockLevel LevelAt(const std::string& location_id) const;
};

// The locations a command names, as the location catalogue knows them (a missing id is not
// registered). Filled by the app; the domain decides what a missing one means.
using KnownLocations = std::map<std::string, LocationInfo>;

// The vans, and which van each waiting job's parts go to. Filled by the app. A technician's van
// is never a source for another technician's job: a job is served from its own van, warehouses
// and service centres, and stock that becomes free in a van goes only to the jobs of that van.
struct VanScope {
  std::set<std::string> vans;                   // every location that is a van
  std::map<std::string, std::string> job_vans;  // job → the van its parts go to (if known)
  friend bool operator==(const VanScope&, const VanScope&) = default;
};

// --- commands ---
struct RegisterPart {
  PartInfo part;  // an empty unit means "pcs"
};

struct ReceiveStock {
  std::string sku;
  std::string location_id;
  int64_t quantity = 0;
  int64_t unit_cost_minor = 0;  // 0: the part's catalogue unit cost
  // The location as the location catalogue knows it; nullopt if there is no such location.
  std::optional<LocationInfo> location;
  std::vector<std::string> serials;  // serialised parts: one new serial per unit
  VanScope vans = {};                // received at a van: only that van's jobs are served
};

// Hold stock for a job: the technician's van first, then the nearest locations (by `distance_km`,
// those with a known distance first), then most available.
struct ReserveForJob {
  std::string sku;
  std::string job_id;
  int64_t quantity = 0;
  std::string van_location_id;                     // may be empty: the technician has no van
  std::map<std::string, double> distance_km = {};  // location → distance from the job site
  VanScope vans = {};                              // other vans are not sources
};

// --- commands of warehouse staff ---

// Hold stock at one location for a job, by hand.
struct ReserveStock {
  std::string sku;
  std::string location_id;
  std::string job_id;
  int64_t quantity = 0;
  KnownLocations locations = {};
  std::vector<std::string> serials = {};  // serialised: the units to hold; empty: first free ones
};

// Give back stock held for a job: at one location (or all if empty); quantity 0 = all held.
// Serialised parts may name the held units to give back (quantity 0: as many as named).
struct ReleaseStock {
  std::string sku;
  std::string job_id;
  std::string location_id;
  int64_t quantity = 0;
  std::vector<std::string> serials = {};
  VanScope vans = {};
};

enum class MoveKind { kPickToVan = 1, kReturnUnused = 2 };

// Pick to a van (to must be a van) or return unused parts from a van (from must be a van).
struct MoveStock {
  MoveKind kind = MoveKind::kPickToVan;
  std::string sku;
  std::string from_location_id;
  std::string to_location_id;
  int64_t quantity = 0;
  std::vector<std::string> serials;
  std::string job_id;
  KnownLocations locations = {};
  VanScope vans = {};
};

struct ReturnDefective {
  std::string sku;
  std::string location_id;
  std::string rma_id;
  int64_t quantity = 0;
  std::string reason;
  std::vector<std::string> serials;
  KnownLocations locations = {};
};

enum class RmaStep { kSend, kReceive, kCredit };
struct AdvanceRma {
  RmaStep step = RmaStep::kSend;
  std::string sku;
  std::string rma_id;
  std::string reference;     // kSend
  int64_t credit_minor = 0;  // kCredit
};

struct RequestTransfer {
  std::string sku;
  std::string transfer_id;
  std::string from_location_id;
  std::string to_location_id;
  int64_t quantity = 0;
  KnownLocations locations = {};
};

struct ApproveTransfer {
  std::string sku;
  std::string transfer_id;
};

struct ShipTransfer {
  std::string sku;
  std::string transfer_id;
  std::vector<std::string> serials;
};

struct ReceiveTransfer {
  std::string sku;
  std::string transfer_id;
  int64_t quantity = 0;
  std::string signer;
  absl::Time signed_at;
  std::vector<std::string> serials;
  VanScope vans = {};
};

struct AdjustCount {
  std::string sku;
  std::string location_id;
  int64_t counted_quantity = 0;
  std::string reason;
  std::vector<std::string> serials;
  KnownLocations locations = {};
  VanScope vans = {};
};

struct IssueCareGift {
  std::string sku;
  std::string location_id;
  int64_t quantity = 0;
  std::string customer_id;
  std::string reason;
  std::vector<std::string> serials;
  KnownLocations locations = {};
};

struct SetReorderPoint {
  std::string sku;
  std::string location_id;
  int64_t min_available = 0;
  int64_t target_quantity = 0;
  KnownLocations locations = {};
};

// A job used parts. Serialised parts: the units the technician reported (`serials`) are taken
// where they are (the job's hold there first, else free stock there); a reported unit inventory
// cannot book (never received, not in stock, every unit there held for other jobs) is recorded as
// UsedSerialUnaccounted and nothing is taken for it. Units used without a reported serial (and
// parts that are not serialised) come from the job's reservations (its held units first), then
// free stock — its own van first, never another technician's van; what neither covers is booked
// as far as it goes and the rest recorded as UsedPartsUnaccounted (stock never goes negative).
struct ConsumeForJob {
  std::string sku;
  std::string job_id;
  int64_t quantity = 0;
  std::string van_location_id;
  std::vector<std::string> serials = {};
  VanScope vans = {};
};

// The job changed hands. `from_van_location_id` is the van its parts were held in (the previous
// technician's; may be empty). Assigned (again) or reassigned to a technician: what the job held
// in that van is held again — in the new technician's van (`to_van_location_id`) as far as it has
// free stock, else at the nearest locations (`distance_km`), else it is backordered; what the job
// is still owed is filled the same way (it keeps its place in the queue); and with `needed` > 0
// (the quantity the assignment asks for) whatever the job neither holds nor is owed is added.
// Holds at warehouses, service centres or other vans stay where they are. Unassigned (or
// declined): only the hold in the previous van is given back; holds elsewhere and what the job
// is owed stay, so the job keeps its parts and its place while it waits for a technician.
struct RetargetJob {
  std::string sku;
  std::string job_id;
  std::string from_van_location_id;
  std::string to_van_location_id;
  bool unassigned = false;
  int64_t needed = 0;
  std::map<std::string, double> distance_km = {};
  VanScope vans = {};  // other vans than to_van_location_id are not sources
};

// Give back whatever is still held for a job.
struct ReleaseForJob {
  std::string sku;
  std::string job_id;
  VanScope vans = {};
};

// The job no longer needs what it is owed (completed or cancelled).
struct CancelBackorder {
  std::string sku;
  std::string job_id;
  std::string reason;
};

// --- events ---
struct PartRegistered {
  PartInfo part;
  friend bool operator==(const PartRegistered&, const PartRegistered&) = default;
};
struct StockReceived {
  std::string sku;
  std::string location_id;
  int64_t quantity = 0;
  int64_t unit_cost_minor = 0;
  int64_t average_cost_minor = 0;  // moving average after this receipt
  std::vector<std::string> serials = {};
  friend bool operator==(const StockReceived&, const StockReceived&) = default;
};
struct PartsReserved {
  std::string sku;
  std::string location_id;
  std::string job_id;
  int64_t quantity = 0;
  bool fills_backorder = false;
  std::vector<std::string> serials = {};  // serialised: the units held
  friend bool operator==(const PartsReserved&, const PartsReserved&) = default;
};
struct PartsBackordered {
  std::string sku;
  std::string job_id;
  int64_t quantity = 0;
  friend bool operator==(const PartsBackordered&, const PartsBackordered&) = default;
};
struct ReservationReleased {
  std::string sku;
  std::string location_id;
  std::string job_id;
  int64_t quantity = 0;
  // The hold moved away because the job changed hands: the job keeps what it is still owed.
  bool keeps_backorder = false;
  std::vector<std::string> serials = {};  // serialised: the held units given back
  friend bool operator==(const ReservationReleased&, const ReservationReleased&) = default;
};
// A reported used unit inventory could not book out of stock; nothing was taken for it.
struct UsedSerialUnaccounted {
  std::string sku;
  std::string job_id;
  std::string serial;
  std::string location_id;     // the job's van, may be empty
  std::string recorded_place;  // where inventory has the unit; "" never received
  std::string reason;
  friend bool operator==(const UsedSerialUnaccounted&, const UsedSerialUnaccounted&) = default;
};
// Reported used units (without a reported serial, or of a part that is not serialised) beyond
// what the job held plus the free stock that could be booked for it; nothing was taken for them.
struct UsedPartsUnaccounted {
  std::string sku;
  std::string job_id;
  std::string location_id;  // the job's van, else where its units were booked; may be empty
  int64_t quantity = 0;
  std::string reason;
  friend bool operator==(const UsedPartsUnaccounted&, const UsedPartsUnaccounted&) = default;
};
// Taken out of stock for a job: first from what the job held at that location, the rest from
// the location's free stock.
struct PartsConsumed {
  std::string sku;
  std::string location_id;
  std::string job_id;
  int64_t quantity = 0;
  std::vector<std::string> serials = {};
  friend bool operator==(const PartsConsumed&, const PartsConsumed&) = default;
};
struct StockMoved {
  MoveKind kind = MoveKind::kPickToVan;
  std::string sku;
  std::string from_location_id;
  std::string to_location_id;
  std::string job_id;
  int64_t quantity = 0;
  std::vector<std::string> serials = {};
  friend bool operator==(const StockMoved&, const StockMoved&) = default;
};
struct DefectiveReturned {
  std::string sku;
  std::string location_id;
  std::string rma_id;
  int64_t quantity = 0;
  std::string reason;
  std::vector<std::string> serials = {};
  friend bool operator==(const DefectiveReturned&, const DefectiveReturned&) = default;
};
struct RmaSent {
  std::string sku;
  std::string rma_id;
  std::string reference;
  friend bool operator==(const RmaSent&, const RmaSent&) = default;
};
struct RmaReceived {
  std::string sku;
  std::string rma_id;
  friend bool operator==(const RmaReceived&, const RmaReceived&) = default;
};
struct RmaCredited {
  std::string sku;
  std::string rma_id;
  int64_t credit_minor = 0;
  friend bool operator==(const RmaCredited&, const RmaCredited&) = default;
};
struct TransferRequested {
  std::string sku;
  std::string transfer_id;
  std::string from_location_id;
  std::string to_location_id;
  int64_t quantity = 0;
  friend bool operator==(const TransferRequested&, const TransferRequested&) = default;
};
struct TransferApproved {
  std::string sku;
  std::string transfer_id;
  friend bool operator==(const TransferApproved&, const TransferApproved&) = default;
};
struct TransferShipped {
  std::string sku;
  std::string transfer_id;
  std::string from_location_id;
  std::string to_location_id;
  int64_t quantity = 0;
  std::vector<std::string> serials = {};
  friend bool operator==(const TransferShipped&, const TransferShipped&) = default;
};
struct TransferReceived {
  std::string sku;
  std::string transfer_id;
  std::string to_location_id;
  int64_t quantity = 0;
  int64_t short_quantity = 0;
  std::string signer;
  absl::Time signed_at;
  std::vector<std::string> serials = {};
  friend bool operator==(const TransferReceived&, const TransferReceived&) = default;
};
struct StockAdjusted {
  std::string sku;
  std::string location_id;
  int64_t delta = 0;
  int64_t on_hand_after = 0;
  std::string reason;
  std::vector<std::string> serials = {};
  friend bool operator==(const StockAdjusted&, const StockAdjusted&) = default;
};
struct CareGiftIssued {
  std::string sku;
  std::string location_id;
  int64_t quantity = 0;
  std::string customer_id;
  std::string reason;
  std::vector<std::string> serials = {};
  friend bool operator==(const CareGiftIssued&, const CareGiftIssued&) = default;
};
struct ReorderPointSet {
  std::string sku;
  std::string location_id;
  int64_t min_available = 0;
  int64_t target_quantity = 0;
  friend bool operator==(const ReorderPointSet&, const ReorderPointSet&) = default;
};
struct ReplenishmentRequested {
  std::string sku;
  std::string location_id;
  int64_t available = 0;
  int64_t in_transit = 0;
  int64_t suggested_quantity = 0;
  friend bool operator==(const ReplenishmentRequested&, const ReplenishmentRequested&) = default;
};

struct BackorderCancelled {
  std::string sku;
  std::string job_id;
  int64_t quantity = 0;
  std::string reason;
  friend bool operator==(const BackorderCancelled&, const BackorderCancelled&) = default;
};

using PartEvent =
    std::variant<PartRegistered, StockReceived, PartsReserved, PartsBackordered,
                 ReservationReleased, PartsConsumed, StockMoved, DefectiveReturned, RmaSent,
                 RmaReceived, RmaCredited, TransferRequested, TransferApproved, TransferShipped,
                 TransferReceived, StockAdjusted, CareGiftIssued, ReorderPointSet,
                 ReplenishmentRequested, BackorderCancelled, UsedSerialUnaccounted,
                 UsedPartsUnaccounted>;

[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const RegisterPart& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ReceiveStock& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ReserveForJob& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ConsumeForJob& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ReleaseForJob& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const RetargetJob& command,
                                                            absl::Time now);

[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const CancelBackorder& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ReserveStock& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ReleaseStock& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const MoveStock& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ReturnDefective& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const AdvanceRma& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const RequestTransfer& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ApproveTransfer& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ShipTransfer& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const ReceiveTransfer& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const AdjustCount& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const IssueCareGift& command,
                                                            absl::Time now);
[[nodiscard]] absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                                            const SetReorderPoint& command,
                                                            absl::Time now);

PartState Evolve(PartState state, const PartEvent& event);

// The locations an event changes the stock of (for the location ledger).
std::vector<std::string> LocationsOf(const PartEvent& event);
// The serialised units an event is about (including the units of an RMA it advances, given the
// state before the event).
std::vector<std::string> SerialsOf(const PartState& before, const PartEvent& event);

// Great-circle distance in kilometres (haversine, mean Earth radius 6371 km).
double DistanceKm(const GeoPoint& a, const GeoPoint& b);

// round((Σ on_hand · average + quantity · cost) / (Σ on_hand + quantity)), halves up.
int64_t MovingAverageCost(int64_t on_hand, int64_t average_cost_minor, int64_t quantity,
                          int64_t unit_cost_minor);

}  // namespace fieldline::inventory
