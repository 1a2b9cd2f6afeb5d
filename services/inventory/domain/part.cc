#include "services/inventory/domain/part.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/core/errors.h"
#include "services/inventory/domain/validation.h"

namespace fieldline::inventory {
namespace {

constexpr char kDefaultUnit[] = "pcs";

bool IsBlank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

absl::Status NoSuchPart(const std::string& sku) {
  return NotFound("sku", absl::StrCat("There is no part ", sku, " in the catalogue."));
}

absl::Status ValidateQuantity(int64_t quantity) {
  if (quantity < 1) return InvalidArgument("quantity", "The quantity must be at least 1.");
  return absl::OkStatus();
}

absl::Status ValidateJobId(const std::string& job_id) {
  if (IsBlank(job_id)) return InvalidArgument("job_id", "Say which job the parts are for.");
  return absl::OkStatus();
}

// A quantity taken from one location.
struct Take {
  std::string location_id;
  int64_t quantity = 0;
};

// Free stock (available, not held for anyone) to cover `quantity`, as far as it goes: the van
// first, then the other locations with most available (ties by location id).
std::vector<Take> TakeFromFreeStock(const PartState& state, const std::string& van_location_id,
                                    int64_t quantity) {
  std::vector<Take> takes;
  if (quantity <= 0) return takes;
  if (!van_location_id.empty()) {
    auto van = state.stock.find(van_location_id);
    if (van != state.stock.end() && van->second.available() > 0) {
      const int64_t q = std::min(quantity, van->second.available());
      takes.push_back({van_location_id, q});
      quantity -= q;
    }
  }
  std::vector<std::pair<std::string, int64_t>> others;  // (location, available)
  for (const auto& [location_id, level] : state.stock) {
    if (location_id != van_location_id && level.available() > 0) {
      others.emplace_back(location_id, level.available());
    }
  }
  std::stable_sort(others.begin(), others.end(), [](const auto& a, const auto& b) {
    return a.second > b.second;  // std::map order already sorts ties by id
  });
  for (const auto& [location_id, available] : others) {
    if (quantity == 0) break;
    const int64_t q = std::min(quantity, available);
    takes.push_back({location_id, q});
    quantity -= q;
  }
  return takes;
}

int64_t Sum(const std::vector<Take>& takes) {
  int64_t total = 0;
  for (const Take& t : takes) total += t.quantity;
  return total;
}

// The job's reservations of this part, the van's first, then by location id.
std::vector<Take> HeldFor(const PartState& state, const std::string& job_id,
                          const std::string& van_location_id) {
  std::vector<Take> held;
  auto job = state.reservations.find(job_id);
  if (job == state.reservations.end()) return held;
  if (auto van = job->second.find(van_location_id); van != job->second.end()) {
    held.push_back({van->first, van->second});
  }
  for (const auto& [location_id, quantity] : job->second) {
    if (location_id != van_location_id) held.push_back({location_id, quantity});
  }
  return held;
}

std::string AvailableWhere(const PartState& state) {
  std::vector<std::string> where;
  for (const auto& [location_id, level] : state.stock) {
    if (level.available() > 0) where.push_back(absl::StrCat(location_id, ": ", level.available()));
  }
  if (where.empty()) return "";
  return absl::StrCat(" (", absl::StrJoin(where, ", "), ")");
}

}  // namespace

int64_t PartState::TotalOnHand() const {
  int64_t total = 0;
  for (const auto& [location_id, level] : stock) total += level.on_hand;
  return total;
}

int64_t PartState::TotalBackordered() const {
  int64_t total = 0;
  for (const auto& [job_id, quantity] : backorders) total += quantity;
  return total;
}

int64_t PartState::ReservedFor(const std::string& job_id) const {
  int64_t total = 0;
  if (auto job = reservations.find(job_id); job != reservations.end()) {
    for (const auto& [location_id, quantity] : job->second) total += quantity;
  }
  return total;
}

int64_t MovingAverageCost(int64_t on_hand, int64_t average_cost_minor, int64_t quantity,
                          int64_t unit_cost_minor) {
  const __int128 count = static_cast<__int128>(on_hand) + quantity;
  if (count <= 0) return unit_cost_minor;
  const __int128 value = static_cast<__int128>(on_hand) * average_cost_minor +
                         static_cast<__int128>(quantity) * unit_cost_minor;
  // All terms are non-negative: (2·value + count) / (2·count) rounds halves up.
  return static_cast<int64_t>((2 * value + count) / (2 * count));
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const RegisterPart& command,
                                              absl::Time /*now*/) {
  const PartInfo& part = command.part;
  if (absl::Status s = ValidateId("sku", "SKU", part.sku); !s.ok()) return s;
  if (IsBlank(part.name)) return InvalidArgument("name", "The part needs a name.");
  if (part.unit_cost_minor < 0) {
    return InvalidArgument("unit_cost_minor", "The unit cost cannot be negative.");
  }
  if (part.price_minor < 0) return InvalidArgument("price_minor", "The price cannot be negative.");
  if (state.registered()) {
    return AlreadyExists("sku",
                         absl::StrCat("There is already a part ", part.sku, " in the catalogue."));
  }
  PartInfo registered = part;
  registered.name = std::string(absl::StripAsciiWhitespace(registered.name));
  registered.unit = std::string(absl::StripAsciiWhitespace(registered.unit));
  if (registered.unit.empty()) registered.unit = kDefaultUnit;
  return std::vector<PartEvent>{PartRegistered{std::move(registered)}};
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const ReceiveStock& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateId("sku", "SKU", command.sku); !s.ok()) return s;
  if (absl::Status s = ValidateId("location_id", "location id", command.location_id); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateQuantity(command.quantity); !s.ok()) return s;
  if (command.unit_cost_minor < 0) {
    return InvalidArgument("unit_cost_minor", "The unit cost cannot be negative.");
  }
  if (!state.registered()) return NoSuchPart(command.sku);
  if (!command.location) {
    return NotFound("location_id", absl::StrCat("There is no location ", command.location_id, "."));
  }
  const int64_t cost =
      command.unit_cost_minor == 0 ? state.info.unit_cost_minor : command.unit_cost_minor;
  return std::vector<PartEvent>{StockReceived{
      .sku = state.info.sku,
      .location_id = command.location_id,
      .quantity = command.quantity,
      .unit_cost_minor = cost,
      .average_cost_minor =
          MovingAverageCost(state.TotalOnHand(), state.average_cost_minor, command.quantity, cost),
  }};
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const ReserveForJob& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateJobId(command.job_id); !s.ok()) return s;
  if (absl::Status s = ValidateQuantity(command.quantity); !s.ok()) return s;
  if (!state.registered()) return NoSuchPart(command.sku);
  std::vector<PartEvent> events;
  // Already served (a re-delivered or repeated assignment): reserving again would hold the
  // parts twice.
  if (state.reservations.contains(command.job_id) || state.backorders.contains(command.job_id)) {
    return events;
  }
  const std::vector<Take> takes =
      TakeFromFreeStock(state, command.van_location_id, command.quantity);
  for (const Take& t : takes) {
    events.push_back(PartsReserved{state.info.sku, t.location_id, command.job_id, t.quantity});
  }
  if (const int64_t missing = command.quantity - Sum(takes); missing > 0) {
    events.push_back(PartsBackordered{state.info.sku, command.job_id, missing});
  }
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const ConsumeForJob& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateJobId(command.job_id); !s.ok()) return s;
  if (absl::Status s = ValidateQuantity(command.quantity); !s.ok()) return s;
  if (!state.registered()) return NoSuchPart(command.sku);

  // Per location, in the order taken: the job's own reservations, then free stock.
  std::vector<Take> takes;
  int64_t remaining = command.quantity;
  for (const Take& held : HeldFor(state, command.job_id, command.van_location_id)) {
    if (remaining == 0) break;
    const int64_t q = std::min(remaining, held.quantity);
    takes.push_back({held.location_id, q});
    remaining -= q;
  }
  const int64_t from_reservations = command.quantity - remaining;
  const std::vector<Take> free = TakeFromFreeStock(state, command.van_location_id, remaining);
  if (Sum(free) < remaining) {
    int64_t available = 0;
    for (const auto& [location_id, level] : state.stock) available += level.available();
    return FailedPrecondition(
        absl::StrCat("Job ", command.job_id, " used ", command.quantity, " ", state.info.unit,
                     " of ", state.info.sku, ", but only ", from_reservations, " ",
                     from_reservations == 1 ? "was" : "were", " reserved for it and ", available,
                     " more ", available == 1 ? "is" : "are", " available", AvailableWhere(state),
                     "; stock cannot go negative."));
  }
  for (const Take& t : free) {
    auto same = std::find_if(takes.begin(), takes.end(),
                             [&t](const Take& x) { return x.location_id == t.location_id; });
    if (same != takes.end()) {
      same->quantity += t.quantity;  // one event per location
    } else {
      takes.push_back(t);
    }
  }
  std::vector<PartEvent> events;
  for (const Take& t : takes) {
    events.push_back(PartsConsumed{state.info.sku, t.location_id, command.job_id, t.quantity});
  }
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const ReleaseForJob& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateJobId(command.job_id); !s.ok()) return s;
  if (!state.registered()) return NoSuchPart(command.sku);
  std::vector<PartEvent> events;
  for (const Take& held : HeldFor(state, command.job_id, /*van_location_id=*/"")) {
    events.push_back(
        ReservationReleased{state.info.sku, held.location_id, command.job_id, held.quantity});
  }
  return events;
}

namespace {

void TakeFromReservation(PartState& state, const std::string& job_id,
                         const std::string& location_id, int64_t quantity) {
  auto job = state.reservations.find(job_id);
  if (job == state.reservations.end()) return;
  auto held = job->second.find(location_id);
  if (held == job->second.end()) return;
  const int64_t q = std::min(quantity, held->second);
  held->second -= q;
  state.stock[location_id].reserved -= q;
  if (held->second == 0) job->second.erase(held);
  if (job->second.empty()) state.reservations.erase(job);
}

}  // namespace

PartState Evolve(PartState state, const PartEvent& event) {
  std::visit(
      [&state](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, PartRegistered>) {
          state.info = e.part;
          state.average_cost_minor = e.part.unit_cost_minor;
        } else if constexpr (std::is_same_v<T, StockReceived>) {
          state.stock[e.location_id].on_hand += e.quantity;
          state.average_cost_minor = e.average_cost_minor;
        } else if constexpr (std::is_same_v<T, PartsReserved>) {
          state.stock[e.location_id].reserved += e.quantity;
          state.reservations[e.job_id][e.location_id] += e.quantity;
        } else if constexpr (std::is_same_v<T, PartsBackordered>) {
          state.backorders[e.job_id] += e.quantity;
        } else if constexpr (std::is_same_v<T, ReservationReleased>) {
          TakeFromReservation(state, e.job_id, e.location_id, e.quantity);
          state.backorders.erase(e.job_id);  // the job's parts are settled
        } else if constexpr (std::is_same_v<T, PartsConsumed>) {
          TakeFromReservation(state, e.job_id, e.location_id, e.quantity);
          state.stock[e.location_id].on_hand -= e.quantity;
          state.backorders.erase(e.job_id);  // the job's parts are settled
        }
      },
      event);
  ++state.version;
  return state;
}

}  // namespace fieldline::inventory
