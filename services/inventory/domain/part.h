#pragma once

// The Part aggregate: one catalogue part and everything about its stock — on hand and reserved
// per location, the reservations and backorders of each job, and the moving-average cost.
// Keeping all stock of a part in one aggregate makes "never negative" and "never reserved twice"
// checks local to one stream under one lock.

#include <cstdint>
#include <map>
#include <optional>
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

// Stock of one part at one location. Both counts are never negative and reserved <= on_hand.
struct StockLevel {
  int64_t on_hand = 0;
  int64_t reserved = 0;
  int64_t available() const { return on_hand - reserved; }
  friend bool operator==(const StockLevel&, const StockLevel&) = default;
};

struct PartState {
  int64_t version = 0;  // 0: not in the catalogue
  PartInfo info;
  int64_t average_cost_minor = 0;
  std::map<std::string, StockLevel> stock;  // by location id
  // job id → location id → quantity still held for the job.
  std::map<std::string, std::map<std::string, int64_t>> reservations;
  // job id → quantity owed to the job (open until the job's parts are settled).
  std::map<std::string, int64_t> backorders;

  bool registered() const { return version > 0; }
  int64_t TotalOnHand() const;
  int64_t TotalBackordered() const;
  int64_t ReservedFor(const std::string& job_id) const;
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
};

// Hold stock for a job: the technician's van first, then the locations with most available.
struct ReserveForJob {
  std::string sku;
  std::string job_id;
  int64_t quantity = 0;
  std::string van_location_id;  // may be empty: the technician has no van
};

// A job used parts: take them from the job's reservations, then from free stock.
struct ConsumeForJob {
  std::string sku;
  std::string job_id;
  int64_t quantity = 0;
  std::string van_location_id;
};

// Give back whatever is still held for a job.
struct ReleaseForJob {
  std::string sku;
  std::string job_id;
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
  friend bool operator==(const StockReceived&, const StockReceived&) = default;
};
struct PartsReserved {
  std::string sku;
  std::string location_id;
  std::string job_id;
  int64_t quantity = 0;
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
  friend bool operator==(const ReservationReleased&, const ReservationReleased&) = default;
};
// Taken out of stock for a job: first from what the job held at that location, the rest from
// the location's free stock.
struct PartsConsumed {
  std::string sku;
  std::string location_id;
  std::string job_id;
  int64_t quantity = 0;
  friend bool operator==(const PartsConsumed&, const PartsConsumed&) = default;
};

using PartEvent = std::variant<PartRegistered, StockReceived, PartsReserved, PartsBackordered,
                               ReservationReleased, PartsConsumed>;

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

PartState Evolve(PartState state, const PartEvent& event);

// round((Σ on_hand · average + quantity · cost) / (Σ on_hand + quantity)), halves up.
int64_t MovingAverageCost(int64_t on_hand, int64_t average_cost_minor, int64_t quantity,
                          int64_t unit_cost_minor);

}  // namespace fieldline::inventory
