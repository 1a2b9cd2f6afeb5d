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
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/inventory/v1/inventory_service.pb.h"
#include "services/common/core/clock.h"
#include "services/common/core/types.h"
#include "services/common/store/event_store.h"
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

inline constexpr int32_t kDefaultPageSize = 50;
inline constexpr int32_t kMaxPageSize = 500;

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

  // --- queries (projections) ---
  absl::StatusOr<pb::PartStock> GetPartStock(const std::string& sku) const;
  absl::StatusOr<pb::ListPartsResponse> ListParts(const PageRequest& page) const;
  // kind kUnspecified: every kind.
  absl::StatusOr<pb::ListLocationsResponse> ListLocations(LocationKind kind,
                                                          const PageRequest& page) const;
  // A job inventory has not seen has no lines; that is not an error.
  absl::StatusOr<pb::JobParts> GetJobParts(const std::string& job_id) const;

  // --- reactions: the consumer's EventHandler. Events other than the scheduling events below
  // are ignored (OK, nothing written). ---
  //   TechnicianRegistered, JobAssigned → remember the technician's van
  //   JobAssigned  → reserve parts_needed (van first), backorder what is missing
  //   JobCompleted → consume parts_used (reservations first), release what is left
  absl::Status Apply(const EventEnvelope& event, Batch& batch);

 private:
  struct Reaction;

  absl::StatusOr<LocationState> LoadLocation(const std::string& location_id) const;
  absl::StatusOr<PartState> LoadPart(const std::string& sku) const;
  absl::StatusOr<pb::JobParts> LoadJobParts(const std::string& job_id) const;
  absl::StatusOr<std::string> VanOf(const std::string& technician_id) const;

  // Appends `events` to the part's stream in `batch` (envelopes from `base`, event ids from
  // `reaction` if given) and puts the part's projection; returns the new state.
  absl::StatusOr<PartState> AppendPartEvents(Batch& batch, const EventEnvelope& base,
                                             PartState state, const std::vector<PartEvent>& events,
                                             Reaction* reaction);

  absl::Status ReserveForAssignedJob(const EventEnvelope& source, Batch& batch);
  absl::Status SettleCompletedJob(const EventEnvelope& source, Batch& batch);

  EventStore& store_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace fieldline::inventory
