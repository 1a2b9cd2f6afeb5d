#pragma once

// The inventory application service: runs the commands of the Location and Part aggregates
// against the service's EventStore, answers queries from the projections, and reacts to the
// scheduling context's events (reserve parts when a job is assigned, consume and release them
// when it is completed).
//
// Ownership and threading: holds references to the store and clock, which must outlive it.
// Commands and queries are thread-safe (the store serialises per aggregate); Apply is called by
// the one consumer thread.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/inventory/v1/inventory_service.pb.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/core/types.h"
#include "services/common/store/event_store.h"
#include "services/common/core/paging.h"
#include "services/inventory/adapters/event_codec.h"
#include "services/inventory/domain/location.h"
#include "services/inventory/domain/part.h"

namespace spdlog {
class logger;
}

namespace fieldline::inventory {

using common::v1::CommandAck;

// A page of a list query: page_size 0 means the default (50); at most 500; page_token is the
// last id of the previous page.
struct PageRequest {
  int32_t page_size = 0;
  std::string page_token;
};

using ::fieldline::kDefaultPageSize;
using ::fieldline::kMaxPageSize;

class InventoryApp {
 public:
  InventoryApp(EventStore& store, const Clock& clock);
  ~InventoryApp();
  InventoryApp(const InventoryApp&) = delete;
  InventoryApp& operator=(const InventoryApp&) = delete;

  const Clock& clock() const { return clock_; }

  // --- commands. A retried request id returns the recorded ack and writes nothing. When
  // `expected_version` is given and the aggregate is at another version: ABORTED. ---
  absl::StatusOr<CommandAck> RegisterLocation(
      const CommandMeta& meta, const inventory::RegisterLocation& command,
      std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> RegisterPart(const CommandMeta& meta,
                                          const inventory::RegisterPart& command,
                                          std::optional<int64_t> expected_version = std::nullopt);
  // The location must be registered; it is read while the part's lock is held.
  absl::StatusOr<CommandAck> ReceiveStock(const CommandMeta& meta,
                                          const inventory::ReceiveStock& command,
                                          std::optional<int64_t> expected_version = std::nullopt);

  // Stock moves of warehouse staff. Each runs under the part's lock: the locations the command
  // names are read from the location catalogue (locations are never removed), then the part's
  // Decide checks everything — stock never goes negative.
  absl::StatusOr<CommandAck> ReserveStock(const CommandMeta& meta,
                                          const inventory::ReserveStock& command,
                                          std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> ReleaseStock(const CommandMeta& meta,
                                          const inventory::ReleaseStock& command,
                                          std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> MoveStock(const CommandMeta& meta, const inventory::MoveStock& command,
                                       std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> ReturnDefective(
      const CommandMeta& meta, const inventory::ReturnDefective& command,
      std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> AdvanceRma(const CommandMeta& meta,
                                        const inventory::AdvanceRma& command,
                                        std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> RequestTransfer(
      const CommandMeta& meta, const inventory::RequestTransfer& command,
      std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> ApproveTransfer(
      const CommandMeta& meta, const inventory::ApproveTransfer& command,
      std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> ShipTransfer(const CommandMeta& meta,
                                          const inventory::ShipTransfer& command,
                                          std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> ReceiveTransfer(
      const CommandMeta& meta, const inventory::ReceiveTransfer& command,
      std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> AdjustCount(const CommandMeta& meta,
                                         const inventory::AdjustCount& command,
                                         std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> IssueCareGift(const CommandMeta& meta,
                                           const inventory::IssueCareGift& command,
                                           std::optional<int64_t> expected_version = std::nullopt);
  absl::StatusOr<CommandAck> SetReorderPoint(
      const CommandMeta& meta, const inventory::SetReorderPoint& command,
      std::optional<int64_t> expected_version = std::nullopt);

  // --- queries (projections) ---
  absl::StatusOr<pb::PartStock> GetPartStock(const std::string& sku) const;
  absl::StatusOr<pb::ListPartsResponse> ListParts(const PageRequest& page) const;
  // Writes the per-location rows of every part whose rows are missing (data written before
  // GetLocationStock existed). Run at start; does nothing when they are all there.
  absl::Status BackfillLocationStock();
  // Every part at one location, in SKU order, paged.
  absl::StatusOr<pb::GetLocationStockResponse> GetLocationStock(const std::string& location_id,
                                                                const PageRequest& page) const;
  // kind kUnspecified: every kind.
  absl::StatusOr<pb::ListLocationsResponse> ListLocations(LocationKind kind,
                                                          const PageRequest& page) const;
  // A job inventory has not seen has no lines; that is not an error.
  absl::StatusOr<pb::JobParts> GetJobParts(const std::string& job_id) const;
  // The part as it was at `at` (its stream folded up to that moment).
  absl::StatusOr<pb::PartStock> GetPartStockAt(const std::string& sku, absl::Time at) const;
  // Every event of the part, or every event that changed a location's stock, in [from, to], in
  // time order. Paged when `page` has a size or a token (size 0 with a token: 50; at most 500;
  // the token is next_page_token of the previous page); without either, the whole period.
  absl::StatusOr<pb::Ledger> GetPartLedger(const std::string& sku, absl::Time from, absl::Time to,
                                           const PageRequest& page = {}) const;
  absl::StatusOr<pb::Ledger> GetLocationLedger(const std::string& location_id, absl::Time from,
                                               absl::Time to, const PageRequest& page = {}) const;
  absl::StatusOr<pb::SerialHistory> GetSerialHistory(const std::string& sku,
                                                     const std::string& serial) const;
  // Locations with a position and at least `min_available` (0: 1) of the part, nearest first;
  // radius_km 0: no limit.
  absl::StatusOr<pb::FindPartNearResponse> FindPartNear(const std::string& sku,
                                                        const GeoPoint& point, double radius_km,
                                                        int64_t min_available) const;
  // What the van used (consumed on jobs, issued as gifts) in [from, to], and what to bring it.
  absl::StatusOr<pb::VanRestockList> GetVanRestockList(const std::string& technician_id,
                                                       const std::string& van_location_id,
                                                       absl::Time from, absl::Time to) const;

  // --- reactions: the consumer's EventHandler. Events other than the events below are ignored
  // (OK, nothing written). ---
  //   TechnicianRegistered, JobAssigned → remember the technician's van
  //   JobAssigned  → reserve parts_needed (van, else nearest to the site), backorder the rest
  //   JobCompleted → consume parts_used (reservations first), release what is left, cancel
  //                  what is still owed
  //   intake TicketCancelled, scheduling JobCancelled → release what the job holds, cancel what
  //                  it is owed (whichever arrives first; the other changes nothing)
  //   JobVisitEnded{parts_missing} → hold (or backorder) those parts for the job's next visit
  absl::Status Apply(const EventEnvelope& event, Batch& batch);

 private:
  struct Reaction;

  absl::StatusOr<LocationState> LoadLocation(const std::string& location_id) const;
  absl::StatusOr<PartState> LoadPart(const std::string& sku) const;
  absl::StatusOr<pb::JobParts> LoadJobParts(const std::string& job_id) const;
  absl::StatusOr<pb::JobParts> LoadJobPartsOfSku(const std::string& job_id,
                                                 const std::string& sku) const;
  absl::StatusOr<std::string> VanOf(const std::string& technician_id) const;
  // The van a job's parts go to: its technician's (as scheduling reported it), else the van
  // recorded when the job was last assigned.
  absl::StatusOr<std::string> JobVan(const std::string& job_id,
                                     const std::string& technician_id) const;
  // Every van, and the van of each job waiting for the part (x/job-van).
  absl::StatusOr<VanScope> LoadVans(const PartState& state) const;
  absl::StatusOr<std::optional<LocationInfo>> FindLocation(const std::string& location_id) const;
  absl::StatusOr<std::vector<LocationInfo>> AllLocations() const;

  // Runs a warehouse command on one part: loads the part, the locations named in `location_ids`
  // (into command.locations, if the command has them) or the one in command.location_id (into
  // command.location, if it has that), decides and appends.
  template <typename Command>
  absl::StatusOr<CommandAck> RunPartCommand(const CommandMeta& meta, const std::string& sku,
                                            Command command,
                                            const std::vector<std::string>& location_ids,
                                            std::optional<int64_t> expected_version);

  // Appends `events` to the part's stream in `batch` (envelopes from `base`, event ids from
  // `reaction` if given) and puts the part's projection, the jobs' part views and the location
  // ledger entries; returns the new state.
  absl::StatusOr<PartState> AppendPartEvents(Batch& batch, const EventEnvelope& base,
                                             PartState state, const std::vector<PartEvent>& events,
                                             Reaction* reaction);

  absl::Status ReserveForAssignedJob(const EventEnvelope& source, Batch& batch);
  // The job changed hands (assigned, reassigned, rescheduled to another technician, unassigned,
  // declined): per part, Decide(RetargetJob) from the van the job's parts were held in to
  // `to_van`; `needed` (per SKU, from JobAssigned) tops up what the job neither holds nor is owed.
  absl::Status RetargetJobParts(const EventEnvelope& source, Batch& batch,
                                const std::string& job_id,
                                const std::string& previous_technician_id,
                                const std::string& to_van, bool unassigned,
                                const std::map<std::string, int64_t>& needed,
                                std::optional<GeoPoint> site = std::nullopt);
  absl::Status SettleCompletedJob(const EventEnvelope& source, Batch& batch);
  // JobVisitEnded{parts_missing}: the job gets at least that many of each part for its next
  // visit (held from its technician's van, else the nearest stock, else owed).
  absl::Status ReserveMissingParts(const EventEnvelope& source, Batch& batch);
  // `job_id` empty: the ticket's job is DeriveId(ticket_id, "job").
  absl::Status SettleCancelledTicket(const EventEnvelope& source, const std::string& ticket_id,
                                     const std::string& job_id, Batch& batch);
  // Consumes `used` (reservations first, then free stock, van first), releases what the job still
  // holds and cancels what it is still owed, per part, in one reaction.
  // `serials`: per SKU the units the technician reported using.
  absl::Status SettleJobParts(const EventEnvelope& source, Batch& batch, const std::string& job_id,
                              const std::map<std::string, int64_t>& used, const std::string& van,
                              const std::string& reason,
                              const std::map<std::string, std::vector<std::string>>& serials = {});

  EventStore& store_;
  const Clock& clock_;
  UuidV7Generator ids_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace fieldline::inventory
