#include "services/inventory/domain/part.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/cord.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/inventory/domain/validation.h"

namespace fieldline::inventory {
namespace {

constexpr char kDefaultUnit[] = "pcs";

bool IsBlank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

// FAILED_PRECONDITION that names the field it is about (the shared vocabulary has no field for
// it; the payload is the one FieldOf reads and the gRPC adapter puts in "fieldline-field").
absl::Status FailedPreconditionOn(std::string_view field, std::string_view message) {
  absl::Status status = FailedPrecondition(message);
  status.SetPayload(AsAbsl(kFieldPayloadUrl), absl::Cord(AsAbsl(field)));
  return status;
}

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
                                    int64_t quantity,
                                    const std::map<std::string, double>& distance_km = {},
                                    const VanScope& vans = {}) {
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
    // Another technician's van is never a source.
    if (location_id != van_location_id && level.available() > 0 &&
        !vans.vans.contains(location_id)) {
      others.emplace_back(location_id, level.available());
    }
  }
  // Nearest first (locations with a known distance before the others), then most available;
  // std::map order already sorts the remaining ties by id.
  auto rank = [&distance_km](const std::pair<std::string, int64_t>& l) {
    auto d = distance_km.find(l.first);
    return std::make_tuple(d == distance_km.end() ? 1 : 0, d == distance_km.end() ? 0.0 : d->second,
                           -l.second);
  };
  std::stable_sort(others.begin(), others.end(),
                   [&rank](const auto& a, const auto& b) { return rank(a) < rank(b); });
  for (const auto& [location_id, available] : others) {
    if (quantity == 0) break;
    const int64_t q = std::min(quantity, available);
    takes.push_back({location_id, q});
    quantity -= q;
  }
  return takes;
}

// The vans that are not `own_van`: never a source for a job whose van is `own_van`.
VanScope OtherVans(const VanScope& vans, const std::string& own_van) {
  VanScope other = vans;
  other.vans.erase(own_van);
  return other;
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

bool IsInStock(const SerialPlace& place) {
  return place.find(':') == std::string::npos && place != "issued" && place != "lost";
}

std::string Plural(int64_t n, const char* one, const char* many) { return n == 1 ? one : many; }

absl::Status NoSuchLocation(std::string_view field, const std::string& location_id) {
  return NotFound(field, absl::StrCat("There is no location ", location_id, "."));
}

absl::Status RequireKnown(const KnownLocations& locations, std::string_view field,
                          const std::string& location_id) {
  if (!locations.contains(location_id)) return NoSuchLocation(field, location_id);
  return absl::OkStatus();
}

absl::Status RequireText(std::string_view field, const std::string& value,
                         const std::string& sentence) {
  if (IsBlank(value)) return InvalidArgument(field, sentence);
  return absl::OkStatus();
}

// "Only 3 pcs of FLT-1 are available at WH-1, not 5. Available: SC-1: 4, WH-1: 3."
absl::Status Insufficient(const PartState& state, const std::string& location_id, int64_t wanted) {
  const int64_t available = state.LevelAt(location_id).available();
  std::vector<std::string> where;
  for (const auto& [id, level] : state.stock) {
    if (level.available() > 0) where.push_back(absl::StrCat(id, ": ", level.available()));
  }
  return FailedPrecondition(
      absl::StrCat("Only ", available, " ", state.info.unit, " of ", state.info.sku, " ",
                   Plural(available, "is", "are"), " available at ", location_id, ", not ", wanted,
                   "; stock cannot go negative. Available: ",
                   where.empty() ? "none anywhere" : absl::StrJoin(where, ", "), "."));
}

absl::Status RequireAvailable(const PartState& state, const std::string& location_id,
                              int64_t quantity) {
  if (state.LevelAt(location_id).available() < quantity) {
    return Insufficient(state, location_id, quantity);
  }
  return absl::OkStatus();
}

// Serials given with a move: none for a part that is not serialised; one per unit, each at `place`,
// for a serialised one.
absl::Status ValidateSerialsAt(const PartState& state, const std::vector<std::string>& serials,
                               int64_t quantity, const SerialPlace& place) {
  if (!state.info.serialised) {
    if (!serials.empty()) {
      return InvalidArgument("serials", absl::StrCat("Part ", state.info.sku,
                                                     " is not serialised; leave the serials out."));
    }
    return absl::OkStatus();
  }
  if (static_cast<int64_t>(serials.size()) != quantity) {
    return InvalidArgument("serials", absl::StrCat("Part ", state.info.sku,
                                                   " is serialised: give one serial per unit (",
                                                   serials.size(), " given for ", quantity, ")."));
  }
  std::set<std::string> seen;
  for (const std::string& serial : serials) {
    if (!seen.insert(serial).second) {
      return InvalidArgument("serials", absl::StrCat("Serial ", serial, " is listed twice."));
    }
    auto it = state.serials.find(serial);
    if (it == state.serials.end()) {
      return NotFound("serials", absl::StrCat("There is no unit of ", state.info.sku,
                                              " with serial ", serial, "."));
    }
    if (it->second != place) {
      return FailedPreconditionOn("serials", absl::StrCat("Serial ", serial, " of ", state.info.sku,
                                             " is not at ", place, " (it is at ", it->second,
                                             ")."));
    }
  }
  return absl::OkStatus();
}

// New units coming into stock: serials required one per unit for a serialised part, and none of
// them may already be in stock or on its way.
absl::Status ValidateNewSerials(const PartState& state, const std::vector<std::string>& serials,
                                int64_t quantity) {
  if (!state.info.serialised) return ValidateSerialsAt(state, serials, quantity, "");
  if (static_cast<int64_t>(serials.size()) != quantity) {
    return InvalidArgument("serials", absl::StrCat("Part ", state.info.sku,
                                                   " is serialised: give one serial per unit (",
                                                   serials.size(), " given for ", quantity, ")."));
  }
  std::set<std::string> seen;
  for (const std::string& serial : serials) {
    if (absl::Status s = ValidateId("serials", "serial", serial); !s.ok()) return s;
    if (!seen.insert(serial).second) {
      return InvalidArgument("serials", absl::StrCat("Serial ", serial, " is listed twice."));
    }
    auto it = state.serials.find(serial);
    if (it != state.serials.end() &&
        (IsInStock(it->second) || it->second.starts_with("transfer:"))) {
      return AlreadyExists("serials", absl::StrCat("Serial ", serial, " of ", state.info.sku,
                                                   " is already in stock at ", it->second, "."));
    }
  }
  return absl::OkStatus();
}

// The first `quantity` units at a location that no job holds, in serial order (serialised parts
// only).
std::vector<std::string> FreeSerialsAt(const PartState& state, const std::string& location_id,
                                       int64_t quantity) {
  std::vector<std::string> out;
  if (!state.info.serialised) return out;
  for (const auto& [serial, place] : state.serials) {
    if (static_cast<int64_t>(out.size()) >= quantity) break;
    if (place == location_id && !state.serial_holds.contains(serial)) out.push_back(serial);
  }
  return out;
}

// The first `quantity` units held for a job at a location, in serial order.
std::vector<std::string> HeldSerialsAt(const PartState& state, const std::string& job_id,
                                       const std::string& location_id,
                                       int64_t quantity = std::numeric_limits<int64_t>::max()) {
  std::vector<std::string> out;
  if (!state.info.serialised) return out;
  for (const auto& [serial, job] : state.serial_holds) {
    if (static_cast<int64_t>(out.size()) >= quantity) break;
    auto place = state.serials.find(serial);
    if (job == job_id && place != state.serials.end() && place->second == location_id) {
      out.push_back(serial);
    }
  }
  return out;
}

// A hold of `quantity` at a location for a job, naming the first free units there.
PartsReserved Hold(const PartState& state, const std::string& location_id,
                   const std::string& job_id, int64_t quantity, bool fills_backorder = false) {
  return PartsReserved{state.info.sku, location_id, job_id, quantity, fills_backorder,
                       FreeSerialsAt(state, location_id, quantity)};
}

// Gives back `quantity` of what a job holds at a location, naming the held units.
ReservationReleased Unhold(const PartState& state, const std::string& location_id,
                           const std::string& job_id, int64_t quantity,
                           bool keeps_backorder = false) {
  return ReservationReleased{state.info.sku, location_id, job_id, quantity, keeps_backorder,
                             HeldSerialsAt(state, job_id, location_id, quantity)};
}

int64_t TotalInTransit(const PartState& state) {
  int64_t total = 0;
  for (const auto& [location_id, level] : state.stock) total += level.in_transit;
  return total;
}

PartState EvolveAll(PartState state, const std::vector<PartEvent>& events) {
  for (const PartEvent& e : events) state = Evolve(std::move(state), e);
  return state;
}

// Stock that became free at `location_id` (received, returned, released, counted up) goes to the
// jobs waiting for parts, first come first served, as far as it is available there. The job that
// gave the stock back (`except_job_id`) is not served from it.
// Stock freed in a van goes only to the jobs whose parts go to that van.
void AppendBackorderFills(const PartState& before, const std::string& location_id,
                          std::vector<PartEvent>& events, const std::string& except_job_id,
                          const VanScope& vans) {
  PartState after = EvolveAll(before, events);
  const bool at_van = vans.vans.contains(location_id);
  const std::vector<std::string> queue = after.backorder_queue;
  for (const std::string& job_id : queue) {
    const int64_t available = after.LevelAt(location_id).available();
    if (available <= 0) break;
    if (job_id == except_job_id) continue;
    if (at_van) {
      auto van = vans.job_vans.find(job_id);
      if (van == vans.job_vans.end() || van->second != location_id) continue;
    }
    auto owed = after.backorders.find(job_id);
    if (owed == after.backorders.end()) continue;
    PartsReserved fill = Hold(after, location_id, job_id, std::min(available, owed->second), true);
    after = Evolve(std::move(after), fill);
    events.push_back(std::move(fill));
  }
}

// Fills backorders at every location one of `events` released a hold at, in location order.
void AppendFillsAfterReleases(const PartState& before, std::vector<PartEvent>& events,
                              const std::string& except_job_id, const VanScope& vans) {
  std::set<std::string> released;
  for (const PartEvent& e : events) {
    if (const auto* r = std::get_if<ReservationReleased>(&e)) released.insert(r->location_id);
  }
  for (const std::string& location_id : released) {
    AppendBackorderFills(before, location_id, events, except_job_id, vans);
  }
}

// Units requested or approved for transfer to `location_id` and not shipped yet.
int64_t PendingInbound(const PartState& state, const std::string& location_id) {
  int64_t total = 0;
  for (const auto& [id, t] : state.transfers) {
    if (t.to_location_id == location_id &&
        (t.status == TransferStatus::kRequested || t.status == TransferStatus::kApproved)) {
      total += t.quantity;
    }
  }
  return total;
}

// After `events`, every location whose available stock fell below its reorder point without an open
// request gets one.
void AppendReplenishment(const PartState& before, std::vector<PartEvent>& events) {
  const bool sets_a_point = std::any_of(events.begin(), events.end(), [](const PartEvent& e) {
    return std::holds_alternative<ReorderPointSet>(e);
  });
  if (before.reorder_points.empty() && !sets_a_point) return;  // nothing to watch
  PartState after = EvolveAll(before, events);
  for (const auto& [location_id, point] : after.reorder_points) {
    if (point.min_available <= 0) continue;
    const StockLevel level = after.LevelAt(location_id);
    auto open = after.replenishment_open.find(location_id);
    if (level.available() >= point.min_available) continue;
    if (open != after.replenishment_open.end() && open->second) continue;
    // Up to the target, counting what is on its way and what transfers will bring.
    const int64_t suggested = std::max<int64_t>(
        1, point.target_quantity - level.available() - level.in_transit -
               PendingInbound(after, location_id));
    events.push_back(ReplenishmentRequested{after.info.sku, location_id, level.available(),
                                            level.in_transit, suggested});
  }
}

absl::Status ValidateCommon(const std::string& sku, int64_t quantity) {
  if (absl::Status s = ValidateId("sku", "SKU", sku); !s.ok()) return s;
  return ValidateQuantity(quantity);
}

}  // namespace

StockLevel PartState::LevelAt(const std::string& location_id) const {
  auto it = stock.find(location_id);
  return it == stock.end() ? StockLevel{} : it->second;
}

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
  if (absl::Status s = ValidateNewSerials(state, command.serials, command.quantity); !s.ok()) {
    return s;
  }
  const int64_t cost =
      command.unit_cost_minor == 0 ? state.info.unit_cost_minor : command.unit_cost_minor;
  std::vector<PartEvent> events{StockReceived{
      .sku = state.info.sku,
      .location_id = command.location_id,
      .quantity = command.quantity,
      .unit_cost_minor = cost,
      // Units on their way between locations are still the company's stock at the average.
      .average_cost_minor = MovingAverageCost(state.TotalOnHand() + TotalInTransit(state),
                                              state.average_cost_minor, command.quantity, cost),
      .serials = command.serials,
  }};
  AppendBackorderFills(state, command.location_id, events, "", command.vans);
  AppendReplenishment(state, events);
  return events;
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
  const std::vector<Take> takes = TakeFromFreeStock(state, command.van_location_id,
                                                    command.quantity, command.distance_km,
                                                    OtherVans(command.vans, command.van_location_id));
  for (const Take& t : takes) {
    events.push_back(Hold(state, t.location_id, command.job_id, t.quantity));
  }
  if (const int64_t missing = command.quantity - Sum(takes); missing > 0) {
    events.push_back(PartsBackordered{state.info.sku, command.job_id, missing});
  }
  AppendReplenishment(state, events);
  return events;
}

namespace {

// Where a serial is, in words a clerk reads ("consumed on job J-1", "in transit on transfer T-1").
std::string DescribePlace(const SerialPlace& place) {
  if (place.starts_with("consumed:")) return absl::StrCat("already used on job ", place.substr(9));
  if (place.starts_with("transfer:")) return absl::StrCat("in transit on transfer ", place.substr(9));
  if (place.starts_with("rma:")) return absl::StrCat("returned as defective under RMA ", place.substr(4));
  if (place == "issued") return "issued as a care gift";
  if (place == "lost") return "written off as lost";
  return absl::StrCat("at ", place);
}

// Merges consumption of single units into one event per location, in the order first taken.
void AddConsumed(std::vector<PartsConsumed>& consumed, const PartsConsumed& unit) {
  for (PartsConsumed& c : consumed) {
    if (c.location_id == unit.location_id) {
      c.quantity += unit.quantity;
      c.serials.insert(c.serials.end(), unit.serials.begin(), unit.serials.end());
      return;
    }
  }
  consumed.push_back(unit);
}

}  // namespace

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const ConsumeForJob& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateJobId(command.job_id); !s.ok()) return s;
  if (absl::Status s = ValidateQuantity(command.quantity); !s.ok()) return s;
  if (!state.registered()) return NoSuchPart(command.sku);
  const std::string& sku = state.info.sku;
  const std::vector<std::string> reported =
      state.info.serialised ? command.serials : std::vector<std::string>{};

  PartState plan = state;  // the part as the units taken so far leave it
  std::vector<PartsConsumed> consumed;
  std::vector<PartEvent> unaccounted;
  std::set<std::string> seen;
  for (const std::string& serial : reported) {
    auto unaccounted_because = [&](const std::string& recorded, std::string reason) {
      unaccounted.push_back(UsedSerialUnaccounted{sku, command.job_id, serial,
                                                  command.van_location_id, recorded,
                                                  std::move(reason)});
    };
    if (!seen.insert(serial).second) {
      unaccounted_because("", absl::StrCat("Serial ", serial, " of ", sku,
                                           " was reported twice for job ", command.job_id, "."));
      continue;
    }
    auto place = plan.serials.find(serial);
    if (place == plan.serials.end()) {
      unaccounted_because("", absl::StrCat("Serial ", serial, " of ", sku,
                                           " was never received into stock; job ",
                                           command.job_id, " reported using it."));
      continue;
    }
    const SerialPlace where = place->second;
    if (!IsInStock(where)) {
      unaccounted_because(where, absl::StrCat("Serial ", serial, " of ", sku, " is ",
                                              DescribePlace(where), "; job ", command.job_id,
                                              " reported using it."));
      continue;
    }
    int64_t held_here = 0;
    if (auto job = plan.reservations.find(command.job_id); job != plan.reservations.end()) {
      if (auto at = job->second.find(where); at != job->second.end()) held_here = at->second;
    }
    if (held_here == 0 && plan.LevelAt(where).available() <= 0) {
      unaccounted_because(where, absl::StrCat("Serial ", serial, " of ", sku, " is at ", where,
                                              ", where every unit is held for other jobs; job ",
                                              command.job_id, " reported using it."));
      continue;
    }
    PartsConsumed unit{sku, where, command.job_id, 1, {serial}};
    plan = Evolve(std::move(plan), unit);
    AddConsumed(consumed, unit);
  }

  // Units used without a reported serial: the job's reservations (its van's first), then free
  // stock (its own van first; another technician's van never).
  const int64_t unreported =
      std::max<int64_t>(0, command.quantity - static_cast<int64_t>(reported.size()));
  if (unreported > 0) {
    std::vector<Take> takes;
    int64_t remaining = unreported;
    for (const Take& held : HeldFor(plan, command.job_id, command.van_location_id)) {
      if (remaining == 0) break;
      const int64_t q = std::min(remaining, held.quantity);
      takes.push_back({held.location_id, q});
      remaining -= q;
    }
    const int64_t from_reservations = unreported - remaining;
    const std::vector<Take> free =
        TakeFromFreeStock(plan, command.van_location_id, remaining, {},
                          OtherVans(command.vans, command.van_location_id));
    if (const int64_t short_by = remaining - Sum(free); short_by > 0) {
      // Stock never goes negative: what exists is booked below, the rest is recorded for a clerk
      // (a count adjustment or a corrected report) instead of being dropped.
      // What the job could use: other technicians' vans are neither counted nor listed.
      int64_t available = 0;
      PartState usable;
      for (const auto& [location_id, level] : plan.stock) {
        if (!OtherVans(command.vans, command.van_location_id).vans.contains(location_id)) {
          available += level.available();
          usable.stock[location_id] = level;
        }
      }
      std::string where = command.van_location_id;
      if (where.empty() && !takes.empty()) where = takes.front().location_id;
      if (where.empty() && !free.empty()) where = free.front().location_id;
      unaccounted.push_back(UsedPartsUnaccounted{
          .sku = sku,
          .job_id = command.job_id,
          .location_id = std::move(where),
          .quantity = short_by,
          .reason = absl::StrCat(
              "Job ", command.job_id, " used ", unreported, " ", state.info.unit, " of ", sku,
              reported.empty() ? "" : " without a reported serial", ", but only ",
              from_reservations, " ", from_reservations == 1 ? "was" : "were",
              " reserved for it and ", available, " more ", available == 1 ? "is" : "are",
              " available", AvailableWhere(usable), "; ", short_by, " ", state.info.unit,
              " could not be booked out of stock and need a count adjustment."),
      });
    }
    takes.insert(takes.end(), free.begin(), free.end());
    for (const Take& t : takes) {
      // The job's own held units first, then the first free units there.
      std::vector<std::string> units = HeldSerialsAt(plan, command.job_id, t.location_id, t.quantity);
      if (state.info.serialised && static_cast<int64_t>(units.size()) < t.quantity) {
        for (const std::string& serial :
             FreeSerialsAt(plan, t.location_id, t.quantity + static_cast<int64_t>(units.size()))) {
          if (static_cast<int64_t>(units.size()) >= t.quantity) break;
          if (std::find(units.begin(), units.end(), serial) == units.end()) units.push_back(serial);
        }
      }
      PartsConsumed part{sku, t.location_id, command.job_id, t.quantity, std::move(units)};
      plan = Evolve(std::move(plan), part);
      AddConsumed(consumed, part);
    }
  }
  std::vector<PartEvent> events(consumed.begin(), consumed.end());
  events.insert(events.end(), unaccounted.begin(), unaccounted.end());
  AppendReplenishment(state, events);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const ReleaseForJob& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateJobId(command.job_id); !s.ok()) return s;
  if (!state.registered()) return NoSuchPart(command.sku);
  std::vector<PartEvent> events;
  for (const Take& held : HeldFor(state, command.job_id, /*van_location_id=*/"")) {
    events.push_back(Unhold(state, held.location_id, command.job_id, held.quantity));
  }
  AppendFillsAfterReleases(state, events, command.job_id, command.vans);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const RetargetJob& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateJobId(command.job_id); !s.ok()) return s;
  if (command.needed < 0) return InvalidArgument("quantity", "The quantity cannot be negative.");
  if (!state.registered()) return NoSuchPart(command.sku);
  const std::string& sku = state.info.sku;
  const std::string& from = command.from_van_location_id;
  const std::string to = command.unassigned ? std::string() : command.to_van_location_id;

  int64_t moved = 0;  // held in the previous van, which is no longer the job's
  if (!from.empty() && (command.unassigned || from != to)) {
    if (auto job = state.reservations.find(command.job_id); job != state.reservations.end()) {
      if (auto at = job->second.find(from); at != job->second.end()) moved = at->second;
    }
  }
  std::vector<PartEvent> events;
  if (command.unassigned) {
    if (moved > 0) {
      events.push_back(Unhold(state, from, command.job_id, moved, true));
      AppendBackorderFills(state, from, events, command.job_id, command.vans);
      AppendReplenishment(state, events);
    }
    return events;
  }

  auto owed_it = state.backorders.find(command.job_id);
  const int64_t owed = owed_it == state.backorders.end() ? 0 : owed_it->second;
  const int64_t have = state.ReservedFor(command.job_id) + owed;
  const int64_t shortfall = command.needed > 0 ? std::max<int64_t>(0, command.needed - have) : 0;
  const int64_t wanted = owed + moved + shortfall;
  if (wanted == 0) return events;

  // Plan on the stock as it would be without the previous van's hold.
  PartState released = state;
  if (moved > 0) {
    released = Evolve(std::move(released),
                      ReservationReleased{sku, from, command.job_id, moved, true});
  }
  std::vector<Take> takes = TakeFromFreeStock(released, to, wanted, command.distance_km,
                                              OtherVans(command.vans, to));
  // What would be held again in the previous van simply stays held there.
  int64_t kept = 0;
  for (Take& t : takes) {
    if (t.location_id != from || moved == 0) continue;
    kept = std::min(moved, t.quantity);
    t.quantity -= kept;
  }
  std::erase_if(takes, [](const Take& t) { return t.quantity == 0; });
  if (moved - kept > 0) {
    events.push_back(Unhold(state, from, command.job_id, moved - kept, true));
  }
  // Units are named against the part as the events so far leave it.
  PartState plan = EvolveAll(state, events);
  auto hold = [&](const Take& t, int64_t quantity, bool fills) {
    PartsReserved reserved = Hold(plan, t.location_id, command.job_id, quantity, fills);
    plan = Evolve(std::move(plan), reserved);
    events.push_back(std::move(reserved));
  };
  // What the job was owed is served first (it has waited longest), then the rest.
  int64_t owed_left = owed;
  int64_t taken = 0;
  for (const Take& t : takes) {
    const int64_t fills = std::min(owed_left, t.quantity);
    if (fills > 0) hold(t, fills, true);
    if (t.quantity - fills > 0) hold(t, t.quantity - fills, false);
    owed_left -= fills;
    taken += t.quantity;
  }
  // Units of the moved hold and of the shortfall that nothing could cover are owed too.
  const int64_t covered_new = taken - (owed - owed_left);
  if (const int64_t missing = (moved - kept) + shortfall - covered_new; missing > 0) {
    events.push_back(PartsBackordered{sku, command.job_id, missing});
  }
  if (moved - kept > 0) AppendBackorderFills(state, from, events, command.job_id, command.vans);
  AppendReplenishment(state, events);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                              const CancelBackorder& command, absl::Time /*now*/) {
  if (absl::Status s = ValidateJobId(command.job_id); !s.ok()) return s;
  if (!state.registered()) return NoSuchPart(command.sku);
  std::vector<PartEvent> events;
  if (auto owed = state.backorders.find(command.job_id); owed != state.backorders.end()) {
    events.push_back(
        BackorderCancelled{state.info.sku, command.job_id, owed->second, command.reason});
  }
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const ReserveStock& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateCommon(command.sku, command.quantity); !s.ok()) return s;
  if (absl::Status s = ValidateId("location_id", "location id", command.location_id); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateJobId(command.job_id); !s.ok()) return s;
  if (!state.registered()) return NoSuchPart(command.sku);
  if (absl::Status s = RequireKnown(command.locations, "location_id", command.location_id);
      !s.ok()) {
    return s;
  }
  if (!command.serials.empty() || !state.info.serialised) {
    if (absl::Status s =
            ValidateSerialsAt(state, command.serials, command.quantity, command.location_id);
        !s.ok()) {
      return s;
    }
  }
  for (const std::string& serial : command.serials) {
    if (auto holder = state.serial_holds.find(serial); holder != state.serial_holds.end()) {
      return FailedPreconditionOn(
          "serials", absl::StrCat("Serial ", serial, " of ", state.info.sku, " at ",
                                  command.location_id, " is already held for job ",
                                  holder->second, "; choose another unit."));
    }
  }
  if (absl::Status s = RequireAvailable(state, command.location_id, command.quantity); !s.ok()) {
    return s;
  }
  PartsReserved reserved = Hold(state, command.location_id, command.job_id, command.quantity,
                                state.backorders.contains(command.job_id));
  if (!command.serials.empty()) reserved.serials = command.serials;
  std::vector<PartEvent> events{std::move(reserved)};
  AppendReplenishment(state, events);
  return events;
}

namespace {

// ReleaseStock naming the held units to give back.
absl::StatusOr<std::vector<PartEvent>> ReleaseSerials(const PartState& state,
                                                      const ReleaseStock& command) {
  if (!state.info.serialised) {
    return InvalidArgument("serials", absl::StrCat("Part ", state.info.sku,
                                                   " is not serialised; leave the serials out."));
  }
  if (command.quantity != 0 && command.quantity != static_cast<int64_t>(command.serials.size())) {
    return InvalidArgument("serials", absl::StrCat("Give one serial per unit to release (",
                                                   command.serials.size(), " given for ",
                                                   command.quantity, ")."));
  }
  std::map<std::string, std::vector<std::string>> by_location;
  std::set<std::string> seen;
  for (const std::string& serial : command.serials) {
    if (!seen.insert(serial).second) {
      return InvalidArgument("serials", absl::StrCat("Serial ", serial, " is listed twice."));
    }
    auto holder = state.serial_holds.find(serial);
    auto place = state.serials.find(serial);
    if (holder == state.serial_holds.end() || holder->second != command.job_id ||
        place == state.serials.end() ||
        (!command.location_id.empty() && place->second != command.location_id)) {
      return FailedPreconditionOn(
          "serials", absl::StrCat("Serial ", serial, " of ", state.info.sku, " is not held for job ",
                                  command.job_id,
                                  command.location_id.empty() ? "" : " at ", command.location_id,
                                  "."));
    }
    by_location[place->second].push_back(serial);
  }
  std::vector<PartEvent> events;
  for (auto& [location_id, serials] : by_location) {
    const int64_t q = static_cast<int64_t>(serials.size());
    events.push_back(ReservationReleased{state.info.sku, location_id, command.job_id, q, false,
                                         std::move(serials)});
  }
  AppendFillsAfterReleases(state, events, command.job_id, command.vans);
  AppendReplenishment(state, events);
  return events;
}

}  // namespace

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const ReleaseStock& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateId("sku", "SKU", command.sku); !s.ok()) return s;
  if (absl::Status s = ValidateJobId(command.job_id); !s.ok()) return s;
  if (!command.location_id.empty()) {
    if (absl::Status s = ValidateId("location_id", "location id", command.location_id); !s.ok()) {
      return s;
    }
  }
  if (command.quantity < 0) {
    return InvalidArgument("quantity", "The quantity cannot be negative (0 releases everything).");
  }
  if (!state.registered()) return NoSuchPart(command.sku);
  if (!command.serials.empty()) return ReleaseSerials(state, command);
  std::vector<Take> held;
  for (const Take& t : HeldFor(state, command.job_id, "")) {
    if (command.location_id.empty() || t.location_id == command.location_id) held.push_back(t);
  }
  const int64_t total = Sum(held);
  const std::string where =
      command.location_id.empty() ? "" : absl::StrCat(" at ", command.location_id);
  if (total == 0) {
    return FailedPrecondition(
        absl::StrCat("Job ", command.job_id, " holds no ", state.info.sku, where, "."));
  }
  if (command.quantity > total) {
    return FailedPrecondition(absl::StrCat("Job ", command.job_id, " holds only ", total, " ",
                                           state.info.unit, " of ", state.info.sku, where, ", not ",
                                           command.quantity, "."));
  }
  int64_t remaining = command.quantity == 0 ? total : command.quantity;
  std::vector<PartEvent> events;
  for (const Take& t : held) {
    if (remaining == 0) break;
    const int64_t q = std::min(remaining, t.quantity);
    events.push_back(Unhold(state, t.location_id, command.job_id, q));
    remaining -= q;
  }
  AppendFillsAfterReleases(state, events, command.job_id, command.vans);
  AppendReplenishment(state, events);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const MoveStock& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateCommon(command.sku, command.quantity); !s.ok()) return s;
  if (absl::Status s =
          ValidateId("from_location_id", "location to move from", command.from_location_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateId("to_location_id", "location to move to", command.to_location_id);
      !s.ok()) {
    return s;
  }
  if (command.from_location_id == command.to_location_id) {
    return InvalidArgument("to_location_id",
                           absl::StrCat("Stock cannot move from ", command.from_location_id,
                                        " to itself; choose another location."));
  }
  if (!state.registered()) return NoSuchPart(command.sku);
  if (absl::Status s =
          RequireKnown(command.locations, "from_location_id", command.from_location_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireKnown(command.locations, "to_location_id", command.to_location_id);
      !s.ok()) {
    return s;
  }
  if (command.kind == MoveKind::kPickToVan &&
      command.locations.at(command.to_location_id).kind != LocationKind::kVan) {
    return InvalidArgument("to_location_id", absl::StrCat(command.to_location_id,
                                                          " is not a van; parts are picked to a "
                                                          "technician's van."));
  }
  if (command.kind == MoveKind::kReturnUnused &&
      command.locations.at(command.from_location_id).kind != LocationKind::kVan) {
    return InvalidArgument("from_location_id",
                           absl::StrCat(command.from_location_id,
                                        " is not a van; unused parts are returned from a van."));
  }
  if (absl::Status s =
          ValidateSerialsAt(state, command.serials, command.quantity, command.from_location_id);
      !s.ok()) {
    return s;
  }
  // A pick for a job may take what is held for that job at the source; the hold moves along.
  int64_t held = 0;
  if (!command.job_id.empty()) {
    if (auto job = state.reservations.find(command.job_id); job != state.reservations.end()) {
      if (auto at = job->second.find(command.from_location_id); at != job->second.end()) {
        held = at->second;
      }
    }
  }
  if (state.LevelAt(command.from_location_id).available() + held < command.quantity) {
    return Insufficient(state, command.from_location_id, command.quantity);
  }
  std::vector<PartEvent> events{StockMoved{command.kind, state.info.sku, command.from_location_id,
                                           command.to_location_id, command.job_id, command.quantity,
                                           command.serials}};
  // Parts put in a van go to the jobs of that van waiting for them (first come first served);
  // unused parts back on the shelf go to the jobs waiting for them.
  AppendBackorderFills(state, command.to_location_id, events,
                       command.kind == MoveKind::kReturnUnused ? command.job_id : "",
                       command.vans);
  AppendReplenishment(state, events);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                              const ReturnDefective& command, absl::Time /*now*/) {
  if (absl::Status s = ValidateCommon(command.sku, command.quantity); !s.ok()) return s;
  if (absl::Status s = ValidateId("location_id", "location id", command.location_id); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateId("rma_id", "RMA number", command.rma_id); !s.ok()) return s;
  if (absl::Status s = RequireText("reason", command.reason, "Say what is wrong with the parts.");
      !s.ok()) {
    return s;
  }
  if (!state.registered()) return NoSuchPart(command.sku);
  if (absl::Status s = RequireKnown(command.locations, "location_id", command.location_id);
      !s.ok()) {
    return s;
  }
  if (state.rmas.contains(command.rma_id)) {
    return AlreadyExists("rma_id", absl::StrCat("There is already an RMA ", command.rma_id, " for ",
                                                state.info.sku, "."));
  }
  if (absl::Status s =
          ValidateSerialsAt(state, command.serials, command.quantity, command.location_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireAvailable(state, command.location_id, command.quantity); !s.ok()) {
    return s;
  }
  std::vector<PartEvent> events{
      DefectiveReturned{state.info.sku, command.location_id, command.rma_id, command.quantity,
                        std::string(absl::StripAsciiWhitespace(command.reason)), command.serials}};
  AppendReplenishment(state, events);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const AdvanceRma& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateId("sku", "SKU", command.sku); !s.ok()) return s;
  if (absl::Status s = ValidateId("rma_id", "RMA number", command.rma_id); !s.ok()) return s;
  if (command.step == RmaStep::kCredit && command.credit_minor < 0) {
    return InvalidArgument("credit_minor", "The credit cannot be negative.");
  }
  if (!state.registered()) return NoSuchPart(command.sku);
  auto rma = state.rmas.find(command.rma_id);
  if (rma == state.rmas.end()) {
    return NotFound("rma_id",
                    absl::StrCat("There is no RMA ", command.rma_id, " for ", state.info.sku, "."));
  }
  const std::string& sku = state.info.sku;
  switch (command.step) {
    case RmaStep::kSend:
      if (rma->second.status != RmaStatus::kOpen) {
        return FailedPrecondition(absl::StrCat("RMA ", command.rma_id, " was already sent."));
      }
      return std::vector<PartEvent>{RmaSent{sku, command.rma_id, command.reference}};
    case RmaStep::kReceive:
      if (rma->second.status != RmaStatus::kSent) {
        return FailedPrecondition(absl::StrCat("RMA ", command.rma_id,
                                               rma->second.status == RmaStatus::kOpen
                                                   ? " has not been sent yet."
                                                   : " was already received by the factory."));
      }
      return std::vector<PartEvent>{RmaReceived{sku, command.rma_id}};
    case RmaStep::kCredit:
      if (rma->second.status != RmaStatus::kReceived) {
        return FailedPrecondition(
            absl::StrCat("RMA ", command.rma_id,
                         rma->second.status == RmaStatus::kCredited
                             ? " was already credited."
                             : " can be credited only once the factory has received it."));
      }
      return std::vector<PartEvent>{RmaCredited{sku, command.rma_id, command.credit_minor}};
  }
  return absl::InternalError("Unknown RMA step.");
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                              const RequestTransfer& command, absl::Time /*now*/) {
  if (absl::Status s = ValidateCommon(command.sku, command.quantity); !s.ok()) return s;
  if (absl::Status s = ValidateId("transfer_id", "transfer id", command.transfer_id); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ValidateId("from_location_id", "location to move from", command.from_location_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateId("to_location_id", "location to move to", command.to_location_id);
      !s.ok()) {
    return s;
  }
  if (command.from_location_id == command.to_location_id) {
    return InvalidArgument("to_location_id",
                           absl::StrCat("A transfer needs two different locations; ",
                                        command.from_location_id, " is both."));
  }
  if (!state.registered()) return NoSuchPart(command.sku);
  if (absl::Status s =
          RequireKnown(command.locations, "from_location_id", command.from_location_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireKnown(command.locations, "to_location_id", command.to_location_id);
      !s.ok()) {
    return s;
  }
  if (state.transfers.contains(command.transfer_id)) {
    return AlreadyExists("transfer_id",
                         absl::StrCat("There is already a transfer ", command.transfer_id, " of ",
                                      state.info.sku, "."));
  }
  return std::vector<PartEvent>{TransferRequested{state.info.sku, command.transfer_id,
                                                  command.from_location_id, command.to_location_id,
                                                  command.quantity}};
}

namespace {

absl::StatusOr<const Transfer*> FindTransfer(const PartState& state, const std::string& sku,
                                             const std::string& transfer_id) {
  if (absl::Status s = ValidateId("sku", "SKU", sku); !s.ok()) return s;
  if (absl::Status s = ValidateId("transfer_id", "transfer id", transfer_id); !s.ok()) return s;
  if (!state.registered()) return NoSuchPart(sku);
  auto it = state.transfers.find(transfer_id);
  if (it == state.transfers.end()) {
    return NotFound("transfer_id",
                    absl::StrCat("There is no transfer ", transfer_id, " of ", sku, "."));
  }
  return &it->second;
}

const char* TransferStatusText(TransferStatus status) {
  switch (status) {
    case TransferStatus::kRequested:
      return "waiting for approval";
    case TransferStatus::kApproved:
      return "approved and not shipped yet";
    case TransferStatus::kShipped:
      return "in transit";
    case TransferStatus::kReceived:
      return "already received";
  }
  return "";
}

}  // namespace

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                              const ApproveTransfer& command, absl::Time /*now*/) {
  absl::StatusOr<const Transfer*> transfer = FindTransfer(state, command.sku, command.transfer_id);
  if (!transfer.ok()) return transfer.status();
  if ((*transfer)->status != TransferStatus::kRequested) {
    return FailedPrecondition(absl::StrCat("Transfer ", command.transfer_id, " is ",
                                           TransferStatusText((*transfer)->status),
                                           "; only a requested transfer can be approved."));
  }
  return std::vector<PartEvent>{TransferApproved{state.info.sku, command.transfer_id}};
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const ShipTransfer& command,
                                              absl::Time /*now*/) {
  absl::StatusOr<const Transfer*> found = FindTransfer(state, command.sku, command.transfer_id);
  if (!found.ok()) return found.status();
  const Transfer& transfer = **found;
  if (transfer.status != TransferStatus::kApproved) {
    return FailedPrecondition(absl::StrCat("Transfer ", command.transfer_id, " is ",
                                           TransferStatusText(transfer.status),
                                           "; only an approved transfer can be shipped."));
  }
  if (absl::Status s =
          ValidateSerialsAt(state, command.serials, transfer.quantity, transfer.from_location_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireAvailable(state, transfer.from_location_id, transfer.quantity);
      !s.ok()) {
    return s;
  }
  std::vector<PartEvent> events{TransferShipped{state.info.sku, command.transfer_id,
                                                transfer.from_location_id, transfer.to_location_id,
                                                transfer.quantity, command.serials}};
  AppendReplenishment(state, events);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                              const ReceiveTransfer& command, absl::Time now) {
  absl::StatusOr<const Transfer*> found = FindTransfer(state, command.sku, command.transfer_id);
  if (!found.ok()) return found.status();
  if (absl::Status s = ValidateQuantity(command.quantity); !s.ok()) return s;
  if (absl::Status s = RequireText("signer", command.signer, "Say who signed for the delivery.");
      !s.ok()) {
    return s;
  }
  // A signature from a device may be a little ahead of the server's clock, not a day.
  if (command.signed_at != absl::Time() && command.signed_at > now + absl::Minutes(10)) {
    return InvalidArgument("signed_at", "The delivery cannot have been signed for in the future.");
  }
  const Transfer& transfer = **found;
  if (transfer.status != TransferStatus::kShipped) {
    return FailedPrecondition(absl::StrCat("Transfer ", command.transfer_id, " is ",
                                           TransferStatusText(transfer.status),
                                           "; only a shipped transfer can be received."));
  }
  if (command.quantity > transfer.quantity) {
    return InvalidArgument("quantity", absl::StrCat("Transfer ", command.transfer_id, " shipped ",
                                                    transfer.quantity, " ", state.info.unit, "; ",
                                                    command.quantity, " cannot be received."));
  }
  if (state.info.serialised) {
    if (static_cast<int64_t>(command.serials.size()) != command.quantity) {
      return InvalidArgument(
          "serials",
          absl::StrCat("Part ", state.info.sku, " is serialised: give one serial per unit (",
                       command.serials.size(), " given for ", command.quantity, ")."));
    }
    std::set<std::string> seen;
    for (const std::string& serial : command.serials) {
      if (!seen.insert(serial).second || std::find(transfer.serials.begin(), transfer.serials.end(),
                                                   serial) == transfer.serials.end()) {
        return InvalidArgument(
            "serials", absl::StrCat("Serial ", serial, " was not shipped with ", "transfer ",
                                    command.transfer_id, " or is listed twice."));
      }
    }
  } else if (!command.serials.empty()) {
    return InvalidArgument("serials", absl::StrCat("Part ", state.info.sku,
                                                   " is not serialised; leave the serials out."));
  }
  std::vector<PartEvent> events{TransferReceived{
      .sku = state.info.sku,
      .transfer_id = command.transfer_id,
      .to_location_id = transfer.to_location_id,
      .quantity = command.quantity,
      .short_quantity = transfer.quantity - command.quantity,
      .signer = std::string(absl::StripAsciiWhitespace(command.signer)),
      .signed_at = command.signed_at == absl::Time() ? now : command.signed_at,
      .serials = command.serials,
  }};
  AppendBackorderFills(state, transfer.to_location_id, events, "", command.vans);
  AppendReplenishment(state, events);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const AdjustCount& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateId("sku", "SKU", command.sku); !s.ok()) return s;
  if (absl::Status s = ValidateId("location_id", "location id", command.location_id); !s.ok()) {
    return s;
  }
  if (command.counted_quantity < 0) {
    return InvalidArgument("counted_quantity", "A count cannot be negative.");
  }
  if (absl::Status s = RequireText("reason", command.reason, "Say why the count is adjusted.");
      !s.ok()) {
    return s;
  }
  if (!state.registered()) return NoSuchPart(command.sku);
  if (absl::Status s = RequireKnown(command.locations, "location_id", command.location_id);
      !s.ok()) {
    return s;
  }
  const StockLevel level = state.LevelAt(command.location_id);
  if (command.counted_quantity < level.reserved) {
    return FailedPrecondition(
        absl::StrCat(level.reserved, " ", state.info.unit, " of ", state.info.sku, " at ",
                     command.location_id, " ", Plural(level.reserved, "is", "are"),
                     " reserved for jobs; release them before counting fewer than that."));
  }
  const int64_t delta = command.counted_quantity - level.on_hand;
  if (delta > 0) {
    if (absl::Status s = ValidateNewSerials(state, command.serials, delta); !s.ok()) return s;
  } else {
    if (absl::Status s = ValidateSerialsAt(state, command.serials, -delta, command.location_id);
        !s.ok()) {
      return s;
    }
  }
  std::vector<PartEvent> events{
      StockAdjusted{state.info.sku, command.location_id, delta, command.counted_quantity,
                    std::string(absl::StripAsciiWhitespace(command.reason)), command.serials}};
  if (delta > 0) AppendBackorderFills(state, command.location_id, events, "", command.vans);
  AppendReplenishment(state, events);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state, const IssueCareGift& command,
                                              absl::Time /*now*/) {
  if (absl::Status s = ValidateCommon(command.sku, command.quantity); !s.ok()) return s;
  if (absl::Status s = ValidateId("location_id", "location id", command.location_id); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          RequireText("customer_id", command.customer_id, "Say which customer receives the gift.");
      !s.ok()) {
    return s;
  }
  if (!state.registered()) return NoSuchPart(command.sku);
  if (absl::Status s = RequireKnown(command.locations, "location_id", command.location_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ValidateSerialsAt(state, command.serials, command.quantity, command.location_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireAvailable(state, command.location_id, command.quantity); !s.ok()) {
    return s;
  }
  std::vector<PartEvent> events{
      CareGiftIssued{state.info.sku, command.location_id, command.quantity, command.customer_id,
                     std::string(absl::StripAsciiWhitespace(command.reason)), command.serials}};
  AppendReplenishment(state, events);
  return events;
}

absl::StatusOr<std::vector<PartEvent>> Decide(const PartState& state,
                                              const SetReorderPoint& command, absl::Time /*now*/) {
  if (absl::Status s = ValidateId("sku", "SKU", command.sku); !s.ok()) return s;
  if (absl::Status s = ValidateId("location_id", "location id", command.location_id); !s.ok()) {
    return s;
  }
  if (command.min_available < 0) {
    return InvalidArgument("min_available", "The low-stock threshold cannot be negative.");
  }
  if (command.target_quantity < command.min_available) {
    return InvalidArgument("target_quantity",
                           "The quantity to restock up to cannot be below the "
                           "low-stock threshold.");
  }
  if (!state.registered()) return NoSuchPart(command.sku);
  if (absl::Status s = RequireKnown(command.locations, "location_id", command.location_id);
      !s.ok()) {
    return s;
  }
  std::vector<PartEvent> events{ReorderPointSet{state.info.sku, command.location_id,
                                                command.min_available, command.target_quantity}};
  AppendReplenishment(state, events);
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

void EraseBackorder(PartState& state, const std::string& job_id) {
  state.backorders.erase(job_id);
  std::erase(state.backorder_queue, job_id);
}

void PlaceSerials(PartState& state, const std::vector<std::string>& serials,
                  const SerialPlace& place) {
  for (const std::string& serial : serials) state.serials[serial] = place;
}

// Keeps the units held by serial in line with the holds by quantity: a held unit that left its
// location (or more held units than the job holds there) is no longer held; a job holding more
// units at a location than it holds by serial is given the first free units there.
void NormaliseHolds(PartState& state) {
  if (!state.info.serialised || (state.reservations.empty() && state.serial_holds.empty())) return;
  auto reserved = [&state](const std::string& job_id, const std::string& location_id) -> int64_t {
    auto job = state.reservations.find(job_id);
    if (job == state.reservations.end()) return 0;
    auto at = job->second.find(location_id);
    return at == job->second.end() ? 0 : at->second;
  };
  std::map<std::pair<std::string, std::string>, int64_t> count;  // (job, location) → held units
  for (auto it = state.serial_holds.begin(); it != state.serial_holds.end();) {
    auto place = state.serials.find(it->first);
    if (place == state.serials.end() || !IsInStock(place->second)) {
      it = state.serial_holds.erase(it);
      continue;
    }
    int64_t& n = count[{it->second, place->second}];
    if (n >= reserved(it->second, place->second)) {
      it = state.serial_holds.erase(it);
      continue;
    }
    ++n;
    ++it;
  }
  for (const auto& [job_id, at] : state.reservations) {
    for (const auto& [location_id, quantity] : at) {
      int64_t need = quantity - count[{job_id, location_id}];
      if (need <= 0) continue;
      for (const auto& [serial, place] : state.serials) {
        if (need == 0) break;
        if (place == location_id && !state.serial_holds.contains(serial)) {
          state.serial_holds[serial] = job_id;
          --need;
        }
      }
    }
  }
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
          PlaceSerials(state, e.serials, e.location_id);
        } else if constexpr (std::is_same_v<T, PartsReserved>) {
          state.stock[e.location_id].reserved += e.quantity;
          state.reservations[e.job_id][e.location_id] += e.quantity;
          for (const std::string& serial : e.serials) state.serial_holds[serial] = e.job_id;
          if (e.fills_backorder) {
            if (auto owed = state.backorders.find(e.job_id); owed != state.backorders.end()) {
              owed->second -= std::min(owed->second, e.quantity);
              if (owed->second == 0) EraseBackorder(state, e.job_id);
            }
          }
        } else if constexpr (std::is_same_v<T, PartsBackordered>) {
          if (!state.backorders.contains(e.job_id)) state.backorder_queue.push_back(e.job_id);
          state.backorders[e.job_id] += e.quantity;
        } else if constexpr (std::is_same_v<T, ReservationReleased>) {
          TakeFromReservation(state, e.job_id, e.location_id, e.quantity);
          for (const std::string& serial : e.serials) {
            if (auto held = state.serial_holds.find(serial);
                held != state.serial_holds.end() && held->second == e.job_id) {
              state.serial_holds.erase(held);
            }
          }
          // Releasing everything the job held settles its parts (a partial release by hand leaves
          // the backorder open; so does a hold that moves because the job changed hands).
          if (!e.keeps_backorder && !state.reservations.contains(e.job_id)) {
            EraseBackorder(state, e.job_id);
          }
        } else if constexpr (std::is_same_v<T, PartsConsumed>) {
          TakeFromReservation(state, e.job_id, e.location_id, e.quantity);
          state.stock[e.location_id].on_hand -= e.quantity;
          EraseBackorder(state, e.job_id);  // the job's parts are settled
          PlaceSerials(state, e.serials, "consumed:" + e.job_id);
        } else if constexpr (std::is_same_v<T, StockMoved>) {
          // Held for the job at the source, held again at the destination.
          int64_t carried = 0;
          if (!e.job_id.empty()) {
            if (auto job = state.reservations.find(e.job_id); job != state.reservations.end()) {
              if (auto at = job->second.find(e.from_location_id); at != job->second.end()) {
                carried = std::min(at->second, e.quantity);
              }
            }
            TakeFromReservation(state, e.job_id, e.from_location_id, carried);
          }
          state.stock[e.from_location_id].on_hand -= e.quantity;
          state.stock[e.to_location_id].on_hand += e.quantity;
          if (carried > 0) {
            state.stock[e.to_location_id].reserved += carried;
            state.reservations[e.job_id][e.to_location_id] += carried;
          }
          PlaceSerials(state, e.serials, e.to_location_id);
        } else if constexpr (std::is_same_v<T, DefectiveReturned>) {
          state.stock[e.location_id].on_hand -= e.quantity;
          state.rmas[e.rma_id] = Rma{e.location_id, e.quantity, RmaStatus::kOpen, e.serials};
          PlaceSerials(state, e.serials, "rma:" + e.rma_id);
        } else if constexpr (std::is_same_v<T, RmaSent>) {
          state.rmas[e.rma_id].status = RmaStatus::kSent;
        } else if constexpr (std::is_same_v<T, RmaReceived>) {
          state.rmas[e.rma_id].status = RmaStatus::kReceived;
        } else if constexpr (std::is_same_v<T, RmaCredited>) {
          state.rmas[e.rma_id].status = RmaStatus::kCredited;
        } else if constexpr (std::is_same_v<T, TransferRequested>) {
          state.transfers[e.transfer_id] = Transfer{
              e.from_location_id, e.to_location_id, e.quantity, TransferStatus::kRequested, {}};
        } else if constexpr (std::is_same_v<T, TransferApproved>) {
          state.transfers[e.transfer_id].status = TransferStatus::kApproved;
        } else if constexpr (std::is_same_v<T, TransferShipped>) {
          Transfer& t = state.transfers[e.transfer_id];
          t.status = TransferStatus::kShipped;
          t.quantity = e.quantity;
          t.serials = e.serials;
          state.stock[e.from_location_id].on_hand -= e.quantity;
          state.stock[e.to_location_id].in_transit += e.quantity;
          PlaceSerials(state, e.serials, "transfer:" + e.transfer_id);
        } else if constexpr (std::is_same_v<T, TransferReceived>) {
          Transfer& t = state.transfers[e.transfer_id];
          t.status = TransferStatus::kReceived;
          StockLevel& to = state.stock[e.to_location_id];
          to.in_transit -= e.quantity + e.short_quantity;
          to.on_hand += e.quantity;
          PlaceSerials(state, t.serials,
                       "lost");  // what is not signed for is written off
          PlaceSerials(state, e.serials, e.to_location_id);
        } else if constexpr (std::is_same_v<T, StockAdjusted>) {
          state.stock[e.location_id].on_hand += e.delta;
          PlaceSerials(state, e.serials, e.delta > 0 ? e.location_id : std::string("lost"));
        } else if constexpr (std::is_same_v<T, CareGiftIssued>) {
          state.stock[e.location_id].on_hand -= e.quantity;
          PlaceSerials(state, e.serials, "issued");
        } else if constexpr (std::is_same_v<T, ReorderPointSet>) {
          state.reorder_points[e.location_id] = ReorderPoint{e.min_available, e.target_quantity};
        } else if constexpr (std::is_same_v<T, ReplenishmentRequested>) {
          state.replenishment_open[e.location_id] = true;
        } else if constexpr (std::is_same_v<T, BackorderCancelled>) {
          EraseBackorder(state, e.job_id);
        }  // UsedSerialUnaccounted / UsedPartsUnaccounted change no stock: they wait for a clerk.
      },
      event);
  NormaliseHolds(state);
  // A replenishment request is settled once the location is back at its threshold.
  for (auto& [location_id, open] : state.replenishment_open) {
    if (!open) continue;
    auto point = state.reorder_points.find(location_id);
    if (point == state.reorder_points.end() ||
        state.LevelAt(location_id).available() >= point->second.min_available) {
      open = false;
    }
  }
  ++state.version;
  return state;
}

std::vector<std::string> LocationsOf(const PartEvent& event) {
  return std::visit(
      [](const auto& e) -> std::vector<std::string> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, StockMoved> || std::is_same_v<T, TransferShipped> ||
                      std::is_same_v<T, TransferRequested>) {
          return {e.from_location_id, e.to_location_id};
        } else if constexpr (std::is_same_v<T, TransferReceived>) {
          return {e.to_location_id};
        } else if constexpr (std::is_same_v<T, StockReceived> || std::is_same_v<T, PartsReserved> ||
                             std::is_same_v<T, ReservationReleased> ||
                             std::is_same_v<T, PartsConsumed> ||
                             std::is_same_v<T, DefectiveReturned> ||
                             std::is_same_v<T, StockAdjusted> ||
                             std::is_same_v<T, CareGiftIssued> ||
                             std::is_same_v<T, ReorderPointSet> ||
                             std::is_same_v<T, ReplenishmentRequested>) {
          return {e.location_id};
        } else if constexpr (std::is_same_v<T, UsedSerialUnaccounted> ||
                             std::is_same_v<T, UsedPartsUnaccounted>) {
          if (e.location_id.empty()) return {};
          return {e.location_id};
        } else {
          return {};
        }
      },
      event);
}

std::vector<std::string> SerialsOf(const PartState& before, const PartEvent& event) {
  return std::visit(
      [&before](const auto& e) -> std::vector<std::string> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, RmaSent> || std::is_same_v<T, RmaReceived> ||
                      std::is_same_v<T, RmaCredited>) {
          auto rma = before.rmas.find(e.rma_id);
          return rma == before.rmas.end() ? std::vector<std::string>{} : rma->second.serials;
        } else if constexpr (std::is_same_v<T, TransferReceived>) {
          // The units shipped, received or written off.
          auto t = before.transfers.find(e.transfer_id);
          return t == before.transfers.end() ? e.serials : t->second.serials;
        } else if constexpr (std::is_same_v<T, UsedSerialUnaccounted>) {
          return {e.serial};
        } else if constexpr (requires { e.serials; }) {
          return e.serials;
        } else {
          return {};
        }
      },
      event);
}

double DistanceKm(const GeoPoint& a, const GeoPoint& b) {
  constexpr double kEarthRadiusKm = 6371.0;
  constexpr double kRadians = 3.14159265358979323846 / 180.0;
  const double dlat = (b.lat - a.lat) * kRadians;
  const double dlng = (b.lng - a.lng) * kRadians;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.lat * kRadians) * std::cos(b.lat * kRadians) * std::sin(dlng / 2) *
                       std::sin(dlng / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace fieldline::inventory
