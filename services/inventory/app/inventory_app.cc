#include "services/inventory/app/inventory_app.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "google/protobuf/descriptor.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/core/strings.h"
#include "services/inventory/domain/validation.h"
#include "spdlog/spdlog.h"

namespace fieldline::inventory {
namespace {

namespace spb = ::fieldline::scheduling::v1;

constexpr char kLocationType[] = "Location";
constexpr char kPartType[] = "Part";
constexpr char kLocationPrefix[] = "p/location/";
constexpr char kPartPrefix[] = "p/part/";
// p/partstate/<sku>: the Part's whole state (PartSnapshot), written with every append of the part,
// so commands fold only the events after it.
constexpr char kPartStatePrefix[] = "p/partstate/";
// Each part's stock per location, keyed by location first: "p/locstock/<location>/<sku>".
constexpr char kLocationStockPrefix[] = "p/locstock/";
// p/jobparts/<job>/<sku>: the job's lines of one part, written under that part's lock. (Before
// issue 5 one record p/jobparts/<job> held every part; it is still read for parts not yet
// rewritten.)
constexpr char kJobPartsPrefix[] = "p/jobparts/";
// p/ledger/location/<location>/<server time, unix ns, 20 digits>/<sku>/<version, 20 digits>: a copy
// of every part event that changed the location's stock.
constexpr char kLocationLedgerPrefix[] = "p/ledger/location/";
// technician id → the inventory location of their van, as scheduling last told us.
constexpr char kTechnicianVanPrefix[] = "x/technician-van/";
// job id → the van the job's parts are held in (its technician's when it was last assigned);
// absent while the job is unassigned.
constexpr char kJobVanPrefix[] = "x/job-van/";
// job id → the job site "lat,lng" from JobAssigned (nearest stock when the job changes hands).
constexpr char kJobSitePrefix[] = "x/job-site/";
// job id → the id of the JobCompleted event whose parts were settled (a completion is booked once,
// even if it arrives again outside the consumer's inbox).
constexpr char kJobCompletedPrefix[] = "x/job-completed/";
constexpr char kSystemActor[] = "system:inventory";

AggregateKey LocationKey(const std::string& id) { return {kLocationType, id}; }
AggregateKey PartKey(const std::string& sku) { return {kPartType, sku}; }

absl::Status CheckExpectedVersion(std::optional<int64_t> expected, int64_t actual,
                                  const std::string& what) {
  if (expected && *expected != actual) {
    return VersionConflict(absl::StrCat(what, " has changed since you loaded it (it is at version ",
                                        actual, ", you had ", *expected,
                                        "); reload it and try again."));
  }
  return absl::OkStatus();
}

absl::StatusOr<int32_t> PageSize(const PageRequest& page) { return EffectivePageSize(page.page_size); }

// One page of `response.parts` (PartStock or PartAtLocation rows, keyed by SKU under `prefix`),
// after the SKU in `page.page_token`; sets next_page_token when more follow.
template <typename Response>
absl::Status FillPage(const EventStore& store, const std::string& prefix, const PageRequest& page,
                      Response& response) {
  absl::StatusOr<int32_t> size = PageSize(page);
  if (!size.ok()) return size.status();
  bool more = false;
  absl::Status status = store.Scan(
      prefix, page.page_token.empty() ? "" : prefix + page.page_token,
      [&](std::string_view /*key*/, std::string_view value) {
        if (response.parts_size() == *size) {
          more = true;
          return false;
        }
        response.add_parts()->ParseFromArray(value.data(), static_cast<int>(value.size()));
        return true;
      });
  if (!status.ok()) return status;
  if (more) response.set_next_page_token(response.parts().rbegin()->sku());
  return absl::OkStatus();
}

// Keeps JobParts lines sorted by (sku, location) and finds or adds one.
pb::JobPartLine& LineOf(pb::JobParts& view, const std::string& sku,
                        const std::string& location_id) {
  auto* lines = view.mutable_lines();
  auto it = std::lower_bound(lines->begin(), lines->end(), std::tie(sku, location_id),
                             [](const pb::JobPartLine& line, const auto& key) {
                               return std::tie(line.sku(), line.location_id()) < key;
                             });
  if (it != lines->end() && it->sku() == sku && it->location_id() == location_id) return *it;
  const int index = static_cast<int>(it - lines->begin());
  pb::JobPartLine* added = lines->Add();
  added->set_sku(sku);
  added->set_location_id(location_id);
  for (int i = lines->size() - 1; i > index; --i) lines->SwapElements(i, i - 1);
  return *lines->Mutable(index);
}

std::string Padded(int64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%020lld", static_cast<long long>(std::max<int64_t>(n, 0)));
  return buf;
}

// The job an event is about, if any.
std::string JobOf(const PartEvent& event) {
  return std::visit(
      [](const auto& e) -> std::string {
        if constexpr (requires { e.job_id; }) {
          return e.job_id;
        } else {
          return "";
        }
      },
      event);
}

// The job's view of one of its part events (`before`: the part before the event).
void AddToJobParts(pb::JobParts& view, const PartState& before, const PartEvent& event) {
  std::visit(
      [&view, &before](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, PartsReserved>) {
          pb::JobPartLine& line = LineOf(view, e.sku, e.location_id);
          line.set_reserved(line.reserved() + e.quantity);
          if (e.fills_backorder) {
            pb::JobPartLine& owed = LineOf(view, e.sku, "");
            owed.set_backordered(owed.backordered() - std::min(owed.backordered(), e.quantity));
          }
        } else if constexpr (std::is_same_v<T, BackorderCancelled>) {
          pb::JobPartLine& owed = LineOf(view, e.sku, "");
          owed.set_backordered(0);
        } else if constexpr (std::is_same_v<T, StockMoved>) {
          // A pick for the job carries what the job held at the source to the van.
          int64_t carried = 0;
          if (auto job = before.reservations.find(e.job_id); job != before.reservations.end()) {
            if (auto at = job->second.find(e.from_location_id); at != job->second.end()) {
              carried = std::min(at->second, e.quantity);
            }
          }
          if (carried > 0) {
            pb::JobPartLine& from = LineOf(view, e.sku, e.from_location_id);
            from.set_reserved(from.reserved() - std::min(from.reserved(), carried));
            pb::JobPartLine& to = LineOf(view, e.sku, e.to_location_id);
            to.set_reserved(to.reserved() + carried);
          }
        } else if constexpr (std::is_same_v<T, PartsBackordered>) {
          pb::JobPartLine& line = LineOf(view, e.sku, "");
          line.set_backordered(line.backordered() + e.quantity);
        } else if constexpr (std::is_same_v<T, ReservationReleased>) {
          pb::JobPartLine& line = LineOf(view, e.sku, e.location_id);
          line.set_reserved(std::max<int64_t>(0, line.reserved() - e.quantity));
          line.set_released(line.released() + e.quantity);
        } else if constexpr (std::is_same_v<T, PartsConsumed>) {
          pb::JobPartLine& line = LineOf(view, e.sku, e.location_id);
          line.set_reserved(line.reserved() - std::min(line.reserved(), e.quantity));
          line.set_consumed(line.consumed() + e.quantity);
        }
      },
      event);
}

template <typename Message>
absl::StatusOr<std::optional<Message>> GetMessage(const EventStore& store, const std::string& key) {
  absl::StatusOr<std::optional<std::string>> value = store.Get(key);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<Message>();
  Message message;
  if (!message.ParseFromString(**value)) {
    return absl::DataLossError(absl::StrCat("The stored record ", key, " cannot be read."));
  }
  return std::optional<Message>(std::move(message));
}

// The correlation id reactions carry on: the source's, or the source itself if it has none.
std::string CorrelationOf(const EventEnvelope& source) {
  return source.correlation_id().empty() ? source.event_id() : source.correlation_id();
}

// Part lines of a scheduling event, summed per SKU; malformed lines are logged and left out.
std::map<std::string, int64_t> LinesBySku(
    const google::protobuf::RepeatedPtrField<common::v1::PartLine>& lines, const char* field,
    const std::string& job_id, const std::string& correlation_id, spdlog::logger& log) {
  std::map<std::string, int64_t> by_sku;
  for (int i = 0; i < lines.size(); ++i) {
    const common::v1::PartLine& line = lines[i];
    if (!ValidateId("sku", "SKU", line.sku()).ok() || line.quantity() <= 0) {
      log.warn(
          "skipping malformed part line job={} line={}[{}] sku={} "
          "quantity={} correlation={}",
          job_id, field, i, line.sku(), line.quantity(), correlation_id);
      continue;
    }
    by_sku[line.sku()] += line.quantity();
  }
  return by_sku;
}

// The serials reported on well-formed part lines, per SKU, in the order reported.
std::map<std::string, std::vector<std::string>> SerialsBySku(
    const google::protobuf::RepeatedPtrField<common::v1::PartLine>& lines) {
  std::map<std::string, std::vector<std::string>> by_sku;
  for (const common::v1::PartLine& line : lines) {
    if (!ValidateId("sku", "SKU", line.sku()).ok() || line.quantity() <= 0) continue;
    for (const std::string& serial : line.serials()) {
      if (!serial.empty()) by_sku[line.sku()].push_back(serial);
    }
  }
  return by_sku;
}

}  // namespace

// The context of one reaction: where its events' envelopes and ids come from.
struct InventoryApp::Reaction {
  const EventEnvelope& source;
  int next_ordinal = 1;

  std::string NextEventId() {
    return DeriveId(source.event_id(), absl::StrCat("inventory/", next_ordinal++));
  }
};

InventoryApp::InventoryApp(EventStore& store, const Clock& clock)
    : store_(store), clock_(clock), log_(spdlog::default_logger()->clone("inventory.app")) {}

InventoryApp::~InventoryApp() = default;

// ---------------------------------------------------------------------------------------------
// Loading state

absl::StatusOr<LocationState> InventoryApp::LoadLocation(const std::string& location_id) const {
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(LocationKey(location_id));
  if (!stream.ok()) return stream.status();
  LocationState state;
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<LocationEvent> event = LocationEventFromProto(envelope.inventory());
    if (!event.ok()) return event.status();
    state = Evolve(std::move(state), *event);
  }
  return state;
}

absl::StatusOr<PartState> InventoryApp::LoadPart(const std::string& sku) const {
  // The snapshot (written in the same batch as the events it folds), then any newer events —
  // none, unless the part was written before snapshots existed.
  PartState state;
  absl::StatusOr<std::optional<pb::PartSnapshot>> snapshot =
      GetMessage<pb::PartSnapshot>(store_, kPartStatePrefix + sku);
  if (!snapshot.ok()) return snapshot.status();
  if (snapshot->has_value()) state = FromSnapshot(**snapshot);
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      store_.ReadStream(PartKey(sku), state.version + 1);
  if (!stream.ok()) return stream.status();
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<PartEvent> event = PartEventFromProto(envelope.inventory());
    if (!event.ok()) return event.status();
    state = Evolve(std::move(state), *event);
  }
  return state;
}

absl::StatusOr<pb::JobParts> InventoryApp::LoadJobParts(const std::string& job_id) const {
  pb::JobParts view;
  view.set_job_id(job_id);
  std::set<std::string> rewritten;  // skus with their own record
  absl::Status status =
      store_.Scan(absl::StrCat(kJobPartsPrefix, job_id, "/"), "",
                  [&](std::string_view /*key*/, std::string_view value) {
                    pb::JobParts part;
                    part.ParseFromArray(value.data(), static_cast<int>(value.size()));
                    for (const pb::JobPartLine& line : part.lines()) {
                      rewritten.insert(line.sku());
                      LineOf(view, line.sku(), line.location_id()) = line;
                    }
                    return true;
                  });
  if (!status.ok()) return status;
  absl::StatusOr<std::optional<pb::JobParts>> legacy =
      GetMessage<pb::JobParts>(store_, kJobPartsPrefix + job_id);
  if (!legacy.ok()) return legacy.status();
  if (legacy->has_value()) {
    for (const pb::JobPartLine& line : (*legacy)->lines()) {
      if (!rewritten.contains(line.sku())) LineOf(view, line.sku(), line.location_id()) = line;
    }
  }
  return view;
}

absl::StatusOr<pb::JobParts> InventoryApp::LoadJobPartsOfSku(const std::string& job_id,
                                                             const std::string& sku) const {
  absl::StatusOr<std::optional<pb::JobParts>> stored =
      GetMessage<pb::JobParts>(store_, absl::StrCat(kJobPartsPrefix, job_id, "/", sku));
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) return std::move(**stored);
  pb::JobParts view;
  view.set_job_id(job_id);
  absl::StatusOr<std::optional<pb::JobParts>> legacy =
      GetMessage<pb::JobParts>(store_, kJobPartsPrefix + job_id);
  if (!legacy.ok()) return legacy.status();
  if (legacy->has_value()) {
    for (const pb::JobPartLine& line : (*legacy)->lines()) {
      if (line.sku() == sku) *view.add_lines() = line;
    }
  }
  return view;
}

absl::StatusOr<std::optional<LocationInfo>> InventoryApp::FindLocation(
    const std::string& location_id) const {
  if (location_id.empty()) return std::optional<LocationInfo>();
  absl::StatusOr<std::optional<pb::Location>> location =
      GetMessage<pb::Location>(store_, kLocationPrefix + location_id);
  if (!location.ok()) return location.status();
  if (!location->has_value()) return std::optional<LocationInfo>();
  return std::optional<LocationInfo>(FromProto(**location));
}

absl::StatusOr<std::vector<LocationInfo>> InventoryApp::AllLocations() const {
  std::vector<LocationInfo> out;
  absl::Status status =
      store_.Scan(kLocationPrefix, "", [&](std::string_view /*key*/, std::string_view value) {
        pb::Location location;
        location.ParseFromArray(value.data(), static_cast<int>(value.size()));
        out.push_back(FromProto(location));
        return true;
      });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<VanScope> InventoryApp::LoadVans(const PartState& state) const {
  VanScope scope;
  absl::StatusOr<std::vector<LocationInfo>> locations = AllLocations();
  if (!locations.ok()) return locations.status();
  for (const LocationInfo& location : *locations) {
    if (location.kind == LocationKind::kVan) scope.vans.insert(location.location_id);
  }
  if (scope.vans.empty()) return scope;
  for (const std::string& job_id : state.backorder_queue) {
    absl::StatusOr<std::optional<std::string>> van = store_.Get(kJobVanPrefix + job_id);
    if (!van.ok()) return van.status();
    if (van->has_value()) scope.job_vans[job_id] = **van;
  }
  return scope;
}

absl::StatusOr<std::string> InventoryApp::JobVan(const std::string& job_id,
                                                 const std::string& technician_id) const {
  absl::StatusOr<std::string> van = VanOf(technician_id);
  if (!van.ok() || !van->empty()) return van;
  absl::StatusOr<std::optional<std::string>> recorded = store_.Get(kJobVanPrefix + job_id);
  if (!recorded.ok()) return recorded.status();
  return recorded->value_or("");
}

absl::StatusOr<std::string> InventoryApp::VanOf(const std::string& technician_id) const {
  if (technician_id.empty()) return std::string();
  absl::StatusOr<std::optional<std::string>> van = store_.Get(kTechnicianVanPrefix + technician_id);
  if (!van.ok()) return van.status();
  return van->value_or("");
}

absl::StatusOr<PartState> InventoryApp::AppendPartEvents(Batch& batch, const EventEnvelope& base,
                                                         PartState state,
                                                         const std::vector<PartEvent>& events,
                                                         Reaction* reaction) {
  if (events.empty()) return state;
  const int64_t expected_version = state.version;
  const std::string sku = state.info.sku.empty() ? std::visit(
                                                       [](const auto& e) -> std::string {
                                                         if constexpr (requires { e.sku; }) {
                                                           return e.sku;
                                                         } else {
                                                           return e.part.sku;
                                                         }
                                                       },
                                                       events.front())
                                                 : state.info.sku;
  std::map<std::string, pb::JobParts> job_views;  // job id → this part's lines of the job
  std::vector<EventEnvelope> envelopes;
  envelopes.reserve(events.size());
  for (const PartEvent& event : events) {
    EventEnvelope envelope = base;
    *envelope.mutable_inventory() = ToProto(event);
    if (!envelope.has_server_time())
      fieldline::ToProto(clock_.Now(), envelope.mutable_server_time());
    envelope.set_event_id(reaction != nullptr
                              ? reaction->NextEventId()
                              : ids_.NewId(fieldline::FromProto(envelope.server_time())));
    envelope.set_aggregate_type(kPartType);
    envelope.set_aggregate_id(sku);
    envelope.set_aggregate_version(expected_version + static_cast<int64_t>(envelopes.size()) + 1);

    if (const std::string job_id = JobOf(event); !job_id.empty()) {
      auto view = job_views.find(job_id);
      if (view == job_views.end()) {
        absl::StatusOr<pb::JobParts> loaded = LoadJobPartsOfSku(job_id, sku);
        if (!loaded.ok()) return loaded.status();
        view = job_views.emplace(job_id, *std::move(loaded)).first;
      }
      AddToJobParts(view->second, state, event);
    }
    const std::string time =
        Padded(absl::ToUnixNanos(fieldline::FromProto(envelope.server_time())));
    for (const std::string& location_id : LocationsOf(event)) {
      batch.Put(absl::StrCat(kLocationLedgerPrefix, location_id, "/", time, "/", sku, "/",
                             Padded(envelope.aggregate_version())),
                envelope.SerializeAsString());
    }
    envelopes.push_back(std::move(envelope));
    state = Evolve(std::move(state), event);
    // Consuming for the job, or releasing all it held, settles what it was owed.
    if (const std::string job_id = JobOf(event);
        !job_id.empty() && !state.backorders.contains(job_id)) {
      if (auto view = job_views.find(job_id); view != job_views.end()) {
        for (pb::JobPartLine& line : *view->second.mutable_lines()) {
          if (line.sku() == sku && line.location_id().empty()) line.set_backordered(0);
        }
      }
    }
  }
  if (absl::Status s = batch.Append(PartKey(sku), expected_version, std::move(envelopes));
      !s.ok()) {
    return s;
  }
  const pb::PartStock view = ToPartStock(state);
  batch.Put(kPartPrefix + sku, view.SerializeAsString());
  for (const pb::LocationStock& at : view.locations()) {
    pb::PartAtLocation row;
    row.set_sku(view.sku());
    row.set_name(view.name());
    row.set_unit(view.unit());
    *row.mutable_stock() = at;
    batch.Put(absl::StrCat(kLocationStockPrefix, at.location_id(), "/", sku),
              row.SerializeAsString());
  }
  batch.Put(kPartStatePrefix + sku, ToSnapshot(state).SerializeAsString());
  for (const auto& [job_id, view] : job_views) {
    batch.Put(absl::StrCat(kJobPartsPrefix, job_id, "/", sku), view.SerializeAsString());
  }
  return state;
}

// ---------------------------------------------------------------------------------------------
// Commands

absl::StatusOr<CommandAck> InventoryApp::RegisterLocation(
    const CommandMeta& meta, const inventory::RegisterLocation& command,
    std::optional<int64_t> expected_version) {
  const std::string& id = command.location.location_id;
  return store_.Execute(
      meta.request_id, {LocationKey(id)}, [&](Batch& batch) -> absl::StatusOr<CommandAck> {
        absl::StatusOr<LocationState> state = LoadLocation(id);
        if (!state.ok()) return state.status();
        if (absl::Status s = CheckExpectedVersion(expected_version, state->version,
                                                  absl::StrCat("Location ", id));
            !s.ok()) {
          return s;
        }
        absl::StatusOr<std::vector<LocationEvent>> events = Decide(*state, command, meta.now);
        if (!events.ok()) return events.status();
        std::vector<EventEnvelope> envelopes;
        LocationState next = *state;
        for (const LocationEvent& event : *events) {
          EventEnvelope envelope = NewEnvelope(meta);
          *envelope.mutable_inventory() = ToProto(event);
          envelopes.push_back(std::move(envelope));
          next = Evolve(std::move(next), event);
        }
        if (absl::Status s = batch.Append(LocationKey(id), state->version, std::move(envelopes));
            !s.ok()) {
          return s;
        }
        batch.Put(kLocationPrefix + id, ToProto(next.info).SerializeAsString());
        CommandAck ack;
        ack.set_aggregate_id(id);
        ack.set_version(next.version);
        return ack;
      });
}

absl::StatusOr<CommandAck> InventoryApp::RegisterPart(const CommandMeta& meta,
                                                      const inventory::RegisterPart& command,
                                                      std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.part.sku, command, {}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::ReceiveStock(const CommandMeta& meta,
                                                      const inventory::ReceiveStock& command,
                                                      std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {}, expected_version);
}

template <typename Command>
absl::StatusOr<CommandAck> InventoryApp::RunPartCommand(
    const CommandMeta& meta, const std::string& sku, Command command,
    const std::vector<std::string>& location_ids, std::optional<int64_t> expected_version) {
  return store_.Execute(
      meta.request_id, {PartKey(sku)}, [&](Batch& batch) -> absl::StatusOr<CommandAck> {
        absl::StatusOr<PartState> state = LoadPart(sku);
        if (!state.ok()) return state.status();
        if (absl::Status s =
                CheckExpectedVersion(expected_version, state->version, absl::StrCat("Part ", sku));
            !s.ok()) {
          return s;
        }
        if constexpr (requires { command.locations; }) {
          // Locations are never removed, so one seen here stays registered.
          command.locations.clear();
          for (const std::string& id : location_ids) {
            absl::StatusOr<std::optional<LocationInfo>> location = FindLocation(id);
            if (!location.ok()) return location.status();
            if (location->has_value()) command.locations[id] = **location;
          }
        }
        if constexpr (requires { command.location; }) {
          // The single location a command names (a receipt), looked up the same way.
          absl::StatusOr<std::optional<LocationInfo>> location = FindLocation(command.location_id);
          if (!location.ok()) return location.status();
          command.location = *std::move(location);
        }
        if constexpr (requires { command.vans; }) {
          // Which locations are vans and whose parts go to which van (stock freed in a van goes
          // only to that van's jobs).
          absl::StatusOr<VanScope> vans = LoadVans(*state);
          if (!vans.ok()) return vans.status();
          command.vans = *std::move(vans);
        }
        absl::StatusOr<std::vector<PartEvent>> events = Decide(*state, command, meta.now);
        if (!events.ok()) return events.status();
        absl::StatusOr<PartState> next =
            AppendPartEvents(batch, NewEnvelope(meta), *std::move(state), *events, nullptr);
        if (!next.ok()) return next.status();
        CommandAck ack;
        ack.set_aggregate_id(sku);
        ack.set_version(next->version);
        return ack;
      });
}

absl::StatusOr<CommandAck> InventoryApp::ReserveStock(const CommandMeta& meta,
                                                      const inventory::ReserveStock& command,
                                                      std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {command.location_id}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::ReleaseStock(const CommandMeta& meta,
                                                      const inventory::ReleaseStock& command,
                                                      std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::MoveStock(const CommandMeta& meta,
                                                   const inventory::MoveStock& command,
                                                   std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command,
                        {command.from_location_id, command.to_location_id}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::ReturnDefective(const CommandMeta& meta,
                                                         const inventory::ReturnDefective& command,
                                                         std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {command.location_id}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::AdvanceRma(const CommandMeta& meta,
                                                    const inventory::AdvanceRma& command,
                                                    std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::RequestTransfer(const CommandMeta& meta,
                                                         const inventory::RequestTransfer& command,
                                                         std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command,
                        {command.from_location_id, command.to_location_id}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::ApproveTransfer(const CommandMeta& meta,
                                                         const inventory::ApproveTransfer& command,
                                                         std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::ShipTransfer(const CommandMeta& meta,
                                                      const inventory::ShipTransfer& command,
                                                      std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::ReceiveTransfer(const CommandMeta& meta,
                                                         const inventory::ReceiveTransfer& command,
                                                         std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::AdjustCount(const CommandMeta& meta,
                                                     const inventory::AdjustCount& command,
                                                     std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {command.location_id}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::IssueCareGift(const CommandMeta& meta,
                                                       const inventory::IssueCareGift& command,
                                                       std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {command.location_id}, expected_version);
}

absl::StatusOr<CommandAck> InventoryApp::SetReorderPoint(const CommandMeta& meta,
                                                         const inventory::SetReorderPoint& command,
                                                         std::optional<int64_t> expected_version) {
  return RunPartCommand(meta, command.sku, command, {command.location_id}, expected_version);
}

// ---------------------------------------------------------------------------------------------
// Queries

absl::StatusOr<pb::PartStock> InventoryApp::GetPartStock(const std::string& sku) const {
  absl::StatusOr<std::optional<pb::PartStock>> part =
      GetMessage<pb::PartStock>(store_, kPartPrefix + sku);
  if (!part.ok()) return part.status();
  if (!part->has_value()) {
    return NotFound("sku", absl::StrCat("There is no part ", sku, " in the catalogue."));
  }
  return std::move(**part);
}

absl::Status InventoryApp::BackfillLocationStock() {
  std::vector<pb::PartStock> parts;
  absl::Status scanned =
      store_.Scan(kPartPrefix, "", [&](std::string_view /*key*/, std::string_view value) {
        pb::PartStock part;
        part.ParseFromArray(value.data(), static_cast<int>(value.size()));
        parts.push_back(std::move(part));
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (parts.empty()) return absl::OkStatus();
  Batch batch = store_.NewBatch();
  // Lock the parts so no command writes their rows between the check and the put.
  std::vector<AggregateKey> keys;
  for (const pb::PartStock& part : parts) keys.push_back(PartKey(part.sku()));
  batch.Lock(keys);
  int missing = 0;
  for (const pb::PartStock& part : parts) {
    absl::StatusOr<std::optional<std::string>> current = store_.Get(kPartPrefix + part.sku());
    if (!current.ok()) return current.status();
    pb::PartStock latest;
    if (!current->has_value() || !latest.ParseFromString(**current)) continue;
    for (const pb::LocationStock& at : latest.locations()) {
      const std::string key = absl::StrCat(kLocationStockPrefix, at.location_id(), "/", latest.sku());
      absl::StatusOr<std::optional<std::string>> row = store_.Get(key);
      if (!row.ok()) return row.status();
      if (row->has_value()) continue;
      pb::PartAtLocation fill;
      fill.set_sku(latest.sku());
      fill.set_name(latest.name());
      fill.set_unit(latest.unit());
      *fill.mutable_stock() = at;
      batch.Put(key, fill.SerializeAsString());
      ++missing;
    }
  }
  if (missing == 0) return absl::OkStatus();
  return store_.Commit(std::move(batch));
}

absl::StatusOr<pb::GetLocationStockResponse> InventoryApp::GetLocationStock(
    const std::string& location_id, const PageRequest& page) const {
  if (location_id.empty()) {
    return InvalidArgument("location_id", "Say which location's stock to show.");
  }
  absl::StatusOr<std::optional<std::string>> location = store_.Get(kLocationPrefix + location_id);
  if (!location.ok()) return location.status();
  if (!location->has_value()) {
    return NotFound("location_id", absl::StrCat("There is no location ", location_id, "."));
  }
  pb::GetLocationStockResponse response;
  response.set_location_id(location_id);
  if (absl::Status s = FillPage(store_, absl::StrCat(kLocationStockPrefix, location_id, "/"), page,
                                response);
      !s.ok()) {
    return s;
  }
  return response;
}

absl::StatusOr<pb::ListPartsResponse> InventoryApp::ListParts(const PageRequest& page) const {
  pb::ListPartsResponse response;
  if (absl::Status s = FillPage(store_, kPartPrefix, page, response); !s.ok()) return s;
  return response;
}

absl::StatusOr<pb::ListLocationsResponse> InventoryApp::ListLocations(
    LocationKind kind, const PageRequest& page) const {
  absl::StatusOr<int32_t> size = PageSize(page);
  if (!size.ok()) return size.status();
  pb::ListLocationsResponse response;
  bool more = false;
  const pb::LocationKind wanted = ToProto(kind);
  absl::Status status =
      store_.Scan(kLocationPrefix, page.page_token.empty() ? "" : kLocationPrefix + page.page_token,
                  [&](std::string_view /*key*/, std::string_view value) {
                    pb::Location location;
                    location.ParseFromArray(value.data(), static_cast<int>(value.size()));
                    if (kind != LocationKind::kUnspecified && location.kind() != wanted)
                      return true;
                    if (response.locations_size() == *size) {
                      more = true;
                      return false;
                    }
                    *response.add_locations() = std::move(location);
                    return true;
                  });
  if (!status.ok()) return status;
  if (more) response.set_next_page_token(response.locations().rbegin()->location_id());
  return response;
}

absl::StatusOr<pb::JobParts> InventoryApp::GetJobParts(const std::string& job_id) const {
  if (job_id.empty()) return InvalidArgument("job_id", "Say which job you want the parts of.");
  return LoadJobParts(job_id);
}

namespace {

absl::Time ServerTimeOf(const EventEnvelope& e) { return fieldline::FromProto(e.server_time()); }

absl::Status ValidatePeriod(absl::Time from, absl::Time to) {
  if (to < from) return InvalidArgument("to", "The end of the period is before its start.");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pb::PartStock> InventoryApp::GetPartStockAt(const std::string& sku,
                                                           absl::Time at) const {
  if (absl::Status s = ValidateId("sku", "SKU", sku); !s.ok()) return s;
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(PartKey(sku));
  if (!stream.ok()) return stream.status();
  PartState state;
  for (const EventEnvelope& envelope : *stream) {
    if (ServerTimeOf(envelope) > at) break;
    absl::StatusOr<PartEvent> event = PartEventFromProto(envelope.inventory());
    if (!event.ok()) return event.status();
    state = Evolve(std::move(state), *event);
  }
  if (!state.registered()) {
    return NotFound("at", absl::StrCat("Part ", sku, " was not in the catalogue at ",
                                       absl::FormatTime(at, absl::UTCTimeZone()), "."));
  }
  return ToPartStock(state);
}

namespace {

// The page size of a ledger request, or nullopt for the whole period (no size, no token).
absl::StatusOr<std::optional<int32_t>> LedgerPageSize(const PageRequest& page) {
  if (page.page_size == 0 && page.page_token.empty()) return std::optional<int32_t>();
  absl::StatusOr<int32_t> size = PageSize(page);
  if (!size.ok()) return size.status();
  return std::optional<int32_t>(*size);
}

}  // namespace

absl::StatusOr<pb::Ledger> InventoryApp::GetPartLedger(const std::string& sku, absl::Time from,
                                                       absl::Time to,
                                                       const PageRequest& page) const {
  if (absl::Status s = ValidateId("sku", "SKU", sku); !s.ok()) return s;
  if (absl::Status s = ValidatePeriod(from, to); !s.ok()) return s;
  absl::StatusOr<std::optional<int32_t>> size = LedgerPageSize(page);
  if (!size.ok()) return size.status();
  // The token is the part's version of the last entry of the previous page.
  int64_t after_version = 0;
  if (!page.page_token.empty() &&
      (!absl::SimpleAtoi(page.page_token, &after_version) || after_version < 1)) {
    return InvalidArgument("page_token", "This page token does not belong to a part's ledger.");
  }
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      store_.ReadStream(PartKey(sku), after_version + 1);
  if (!stream.ok()) return stream.status();
  if (stream->empty() && after_version == 0) {
    return NotFound("sku", absl::StrCat("There is no part ", sku, " in the catalogue."));
  }
  pb::Ledger ledger;
  for (EventEnvelope& envelope : *stream) {
    const absl::Time t = ServerTimeOf(envelope);
    if (t < from) continue;
    if (t > to) break;
    if (*size && ledger.entries_size() == **size) {
      ledger.set_next_page_token(
          absl::StrCat(ledger.entries(ledger.entries_size() - 1).aggregate_version()));
      break;
    }
    *ledger.add_entries() = std::move(envelope);
  }
  return ledger;
}

absl::StatusOr<pb::Ledger> InventoryApp::GetLocationLedger(const std::string& location_id,
                                                           absl::Time from, absl::Time to,
                                                           const PageRequest& page) const {
  if (absl::Status s = ValidateId("location_id", "location id", location_id); !s.ok()) return s;
  if (absl::Status s = ValidatePeriod(from, to); !s.ok()) return s;
  absl::StatusOr<std::optional<int32_t>> size = LedgerPageSize(page);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::optional<LocationInfo>> location = FindLocation(location_id);
  if (!location.ok()) return location.status();
  if (!location->has_value()) {
    return NotFound("location_id", absl::StrCat("There is no location ", location_id, "."));
  }
  pb::Ledger ledger;
  const std::string prefix = absl::StrCat(kLocationLedgerPrefix, location_id, "/");
  // The token is the key of the last entry of the previous page, after the location's prefix
  // ("<time ns>/<sku>/<version>").
  std::string start_after;
  if (!page.page_token.empty()) {
    if (std::count(page.page_token.begin(), page.page_token.end(), '/') != 2) {
      return InvalidArgument("page_token",
                             "This page token does not belong to a location's ledger.");
    }
    start_after = prefix + page.page_token;
  } else {
    const int64_t from_ns = from == absl::InfinitePast() ? 0 : absl::ToUnixNanos(from);
    if (from_ns > 0) start_after = absl::StrCat(prefix, Padded(from_ns - 1), "/\xff");
  }
  std::string last_key;
  absl::Status status =
      store_.Scan(prefix, start_after, [&](std::string_view key, std::string_view value) {
        EventEnvelope envelope;
        envelope.ParseFromArray(value.data(), static_cast<int>(value.size()));
        const absl::Time t = ServerTimeOf(envelope);
        if (t > to) return false;
        if (t < from) return true;
        if (*size && ledger.entries_size() == **size) {
          ledger.set_next_page_token(last_key.substr(prefix.size()));
          return false;
        }
        *ledger.add_entries() = std::move(envelope);
        last_key = std::string(key);
        return true;
      });
  if (!status.ok()) return status;
  return ledger;
}

absl::StatusOr<pb::SerialHistory> InventoryApp::GetSerialHistory(const std::string& sku,
                                                                 const std::string& serial) const {
  if (absl::Status s = ValidateId("sku", "SKU", sku); !s.ok()) return s;
  if (serial.empty()) return InvalidArgument("serial", "Say which serial you want the history of.");
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(PartKey(sku));
  if (!stream.ok()) return stream.status();
  pb::SerialHistory history;
  history.set_sku(sku);
  history.set_serial(serial);
  PartState state;
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<PartEvent> event = PartEventFromProto(envelope.inventory());
    if (!event.ok()) return event.status();
    const std::vector<std::string> serials = SerialsOf(state, *event);
    if (std::find(serials.begin(), serials.end(), serial) != serials.end()) {
      *history.add_entries() = envelope;
    }
    state = Evolve(std::move(state), *event);
  }
  if (!state.registered()) {
    return NotFound("sku", absl::StrCat("There is no part ", sku, " in the catalogue."));
  }
  auto place = state.serials.find(serial);
  if (place == state.serials.end()) {
    // A serial never received but reported used on a job has its discrepancy as its history.
    if (history.entries_size() > 0) return history;
    return NotFound(
        "serial", absl::StrCat("No unit of ", sku, " with serial ", serial, " was ever received."));
  }
  history.set_current_place(place->second);
  return history;
}

absl::StatusOr<pb::FindPartNearResponse> InventoryApp::FindPartNear(const std::string& sku,
                                                                    const GeoPoint& point,
                                                                    double radius_km,
                                                                    int64_t min_available) const {
  if (absl::Status s = ValidateId("sku", "SKU", sku); !s.ok()) return s;
  if (!(point.lat >= -90 && point.lat <= 90)) {
    return InvalidArgument("point.lat", "The latitude must be between -90 and 90 degrees.");
  }
  if (!(point.lng >= -180 && point.lng <= 180)) {
    return InvalidArgument("point.lng", "The longitude must be between -180 and 180 degrees.");
  }
  if (!(radius_km >= 0)) return InvalidArgument("radius_km", "The radius cannot be negative.");
  if (min_available < 0) {
    return InvalidArgument("min_available", "The minimum available cannot be negative.");
  }
  absl::StatusOr<pb::PartStock> stock = GetPartStock(sku);
  if (!stock.ok()) return stock.status();
  const int64_t wanted = std::max<int64_t>(1, min_available);
  std::vector<pb::PartNearby> found;
  for (const pb::LocationStock& level : stock->locations()) {
    if (level.available() < wanted) continue;
    absl::StatusOr<std::optional<LocationInfo>> location = FindLocation(level.location_id());
    if (!location.ok()) return location.status();
    if (!location->has_value() || !(*location)->position) continue;
    const double d = DistanceKm(point, *(*location)->position);
    if (radius_km > 0 && d > radius_km) continue;
    pb::PartNearby nearby;
    *nearby.mutable_location() = ToProto(**location);
    nearby.set_distance_km(d);
    nearby.set_available(level.available());
    found.push_back(std::move(nearby));
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const pb::PartNearby& a, const pb::PartNearby& b) {
                     return a.distance_km() < b.distance_km();
                   });
  pb::FindPartNearResponse response;
  for (pb::PartNearby& nearby : found) *response.add_locations() = std::move(nearby);
  return response;
}

absl::StatusOr<pb::VanRestockList> InventoryApp::GetVanRestockList(
    const std::string& technician_id, const std::string& van_location_id, absl::Time from,
    absl::Time to) const {
  std::string van = van_location_id;
  if (van.empty()) {
    if (technician_id.empty()) {
      return InvalidArgument("technician_id", "Say which technician's van to restock.");
    }
    absl::StatusOr<std::string> known = VanOf(technician_id);
    if (!known.ok()) return known.status();
    van = *std::move(known);
    if (van.empty()) {
      absl::StatusOr<std::vector<LocationInfo>> locations = AllLocations();
      if (!locations.ok()) return locations.status();
      for (const LocationInfo& l : *locations) {
        if (l.kind == LocationKind::kVan && l.owner_technician_id == technician_id) {
          van = l.location_id;
          break;
        }
      }
    }
    if (van.empty()) {
      return NotFound("technician_id",
                      absl::StrCat("Technician ", technician_id, " has no van in inventory."));
    }
  }
  absl::StatusOr<std::optional<LocationInfo>> location = FindLocation(van);
  if (!location.ok()) return location.status();
  if (!location->has_value()) {
    return NotFound("van_location_id", absl::StrCat("There is no location ", van, "."));
  }
  if ((*location)->kind != LocationKind::kVan) {
    return InvalidArgument("van_location_id", absl::StrCat(van, " is not a van."));
  }
  absl::StatusOr<pb::Ledger> ledger = GetLocationLedger(van, from, to);
  if (!ledger.ok()) return ledger.status();
  std::map<std::string, int64_t> used;
  for (const EventEnvelope& e : ledger->entries()) {
    const pb::InventoryEvent& event = e.inventory();
    if (event.has_parts_consumed() && event.parts_consumed().location_id() == van) {
      used[event.parts_consumed().sku()] += event.parts_consumed().quantity();
    } else if (event.has_care_gift_issued() && event.care_gift_issued().location_id() == van) {
      used[event.care_gift_issued().sku()] += event.care_gift_issued().quantity();
    }
  }
  pb::VanRestockList list;
  list.set_van_location_id(van);
  for (const auto& [sku, quantity] : used) {
    absl::StatusOr<pb::PartStock> stock = GetPartStock(sku);
    if (!stock.ok()) return stock.status();
    pb::VanRestockLine* line = list.add_lines();
    line->set_sku(sku);
    line->set_used(quantity);
    int64_t suggested = quantity;
    for (const pb::LocationStock& level : stock->locations()) {
      if (level.location_id() != van) continue;
      line->set_on_hand(level.on_hand());
      line->set_in_transit(level.in_transit());
      suggested = std::max(quantity, level.target_quantity() - level.on_hand());
    }
    line->set_suggested_quantity(std::max<int64_t>(0, suggested - line->in_transit()));
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Reactions

absl::Status InventoryApp::Apply(const EventEnvelope& event, Batch& batch) {
  if (event.has_intake()) {
    // Intake's TicketCancelled is read by field name, so this service builds and runs whether or
    // not the intake schema in this tree has it yet; any other intake event is ignored.
    const google::protobuf::Message& intake = event.intake();
    const google::protobuf::FieldDescriptor* cancelled =
        intake.GetDescriptor()->FindFieldByName("ticket_cancelled");
    if (cancelled == nullptr ||
        cancelled->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE ||
        !intake.GetReflection()->HasField(intake, cancelled)) {
      return absl::OkStatus();
    }
    const google::protobuf::Message& payload =
        intake.GetReflection()->GetMessage(intake, cancelled);
    const google::protobuf::FieldDescriptor* ticket =
        payload.GetDescriptor()->FindFieldByName("ticket_id");
    if (ticket == nullptr || ticket->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
      return absl::OkStatus();
    }
    // Newer intake events name the ticket's job; older ones leave it to DeriveId.
    std::string job_id;
    if (const google::protobuf::FieldDescriptor* job = payload.GetDescriptor()->FindFieldByName("job_id");
        job != nullptr && job->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      job_id = payload.GetReflection()->GetString(payload, job);
    }
    return SettleCancelledTicket(event, payload.GetReflection()->GetString(payload, ticket), job_id,
                                 batch);
  }
  if (!event.has_scheduling()) return absl::OkStatus();
  const spb::SchedulingEvent& scheduling = event.scheduling();
  switch (scheduling.kind_case()) {
    case spb::SchedulingEvent::kTechnicianRegistered: {
      const spb::TechnicianRegistered& t = scheduling.technician_registered();
      if (!t.technician_id().empty() && !t.van_location_id().empty()) {
        batch.Put(kTechnicianVanPrefix + t.technician_id(), t.van_location_id());
      }
      return absl::OkStatus();
    }
    case spb::SchedulingEvent::kJobAssigned:
      return ReserveForAssignedJob(event, batch);
    case spb::SchedulingEvent::kJobReassigned: {
      const spb::JobReassigned& r = scheduling.job_reassigned();
      if (r.job_id().empty()) {
        return InvalidArgument("job_id", "A job reassignment without a job id.");
      }
      if (!r.to_technician_id().empty() && !r.van_location_id().empty()) {
        batch.Put(kTechnicianVanPrefix + r.to_technician_id(), r.van_location_id());
      }
      std::string to_van = r.van_location_id();
      if (to_van.empty()) {
        absl::StatusOr<std::string> known = VanOf(r.to_technician_id());
        if (!known.ok()) return known.status();
        to_van = *std::move(known);
      }
      return RetargetJobParts(event, batch, r.job_id(), r.from_technician_id(), to_van,
                              /*unassigned=*/false, {});
    }
    case spb::SchedulingEvent::kJobRescheduled: {
      // A new window for the same technician changes nothing; a window with another technician
      // (the job changed hands) moves the van's hold like a reassignment.
      const spb::JobRescheduled& r = scheduling.job_rescheduled();
      if (r.job_id().empty()) {
        return InvalidArgument("job_id", "A job reschedule without a job id.");
      }
      absl::StatusOr<std::string> to_van = VanOf(r.technician_id());
      if (!to_van.ok()) return to_van.status();
      absl::StatusOr<std::optional<std::string>> held_in = store_.Get(kJobVanPrefix + r.job_id());
      if (!held_in.ok()) return held_in.status();
      if (to_van->empty() || !held_in->has_value() || **held_in == *to_van) {
        return absl::OkStatus();
      }
      return RetargetJobParts(event, batch, r.job_id(), "", *to_van, /*unassigned=*/false, {});
    }
    case spb::SchedulingEvent::kJobUnassigned: {
      const spb::JobUnassigned& u = scheduling.job_unassigned();
      if (u.job_id().empty()) {
        return InvalidArgument("job_id", "A job unassignment without a job id.");
      }
      return RetargetJobParts(event, batch, u.job_id(), u.technician_id(), "",
                              /*unassigned=*/true, {});
    }
    case spb::SchedulingEvent::kJobDeclined: {
      const spb::JobDeclined& d = scheduling.job_declined();
      if (d.job_id().empty()) return InvalidArgument("job_id", "A declined job without a job id.");
      return RetargetJobParts(event, batch, d.job_id(), d.technician_id(), "",
                              /*unassigned=*/true, {});
    }
    case spb::SchedulingEvent::kJobCompleted:
      return SettleCompletedJob(event, batch);
    case spb::SchedulingEvent::kJobCancelled: {
      // The job will not be done. Intake's TicketCancelled settles the same job: whichever comes
      // first releases and cancels, the other finds nothing left to do.
      const spb::JobCancelled& c = scheduling.job_cancelled();
      if (c.job_id().empty()) return InvalidArgument("job_id", "A job cancellation without a job id.");
      batch.Delete(kJobVanPrefix + c.job_id());
      return SettleJobParts(event, batch, c.job_id(), {}, "", "job cancelled");
    }
    case spb::SchedulingEvent::kJobVisitEnded:
      return ReserveMissingParts(event, batch);
    default:
      return absl::OkStatus();
  }
}

namespace {

EventEnvelope ReactionEnvelope(const EventEnvelope& source, absl::Time now) {
  CommandMeta meta;
  meta.actor = Actor{kSystemActor, "system"};
  meta.now = now;
  meta.correlation_id = CorrelationOf(source);
  meta.causation_id = source.event_id();
  return NewEnvelope(meta);
}

}  // namespace

absl::Status InventoryApp::ReserveForAssignedJob(const EventEnvelope& source, Batch& batch) {
  const spb::JobAssigned& assigned = source.scheduling().job_assigned();
  const std::string& job_id = assigned.job_id();
  if (job_id.empty()) return InvalidArgument("job_id", "A job assignment without a job id.");
  if (!assigned.technician_id().empty() && !assigned.van_location_id().empty()) {
    batch.Put(kTechnicianVanPrefix + assigned.technician_id(), assigned.van_location_id());
  }
  if (assigned.has_site()) {
    batch.Put(kJobSitePrefix + job_id,
              absl::StrCat(assigned.site().lat(), ",", assigned.site().lng()));
  }
  const std::map<std::string, int64_t> needed =
      LinesBySku(assigned.parts_needed(), "parts_needed", job_id, CorrelationOf(source), *log_);
  std::string van = assigned.van_location_id();
  if (van.empty()) {
    absl::StatusOr<std::string> known = VanOf(assigned.technician_id());
    if (!known.ok()) return known.status();
    van = *std::move(known);
  }
  std::optional<GeoPoint> site;
  if (assigned.has_site()) site = GeoPoint{assigned.site().lat(), assigned.site().lng()};
  // A job seen for the first time is served from the van, then the nearest stock; a job that
  // already holds or is owed parts (assigned again after being unassigned or declined, a hand
  // reservation made earlier, a re-delivery) gets only what it lacks, and what it holds in
  // another technician's van follows it.
  return RetargetJobParts(source, batch, job_id, "", van, /*unassigned=*/false, needed, site);
}

absl::Status InventoryApp::RetargetJobParts(const EventEnvelope& source, Batch& batch,
                                            const std::string& job_id,
                                            const std::string& previous_technician_id,
                                            const std::string& to_van, bool unassigned,
                                            const std::map<std::string, int64_t>& needed,
                                            std::optional<GeoPoint> site) {
  // The van the job's parts were held in: the one recorded when it was last assigned, else the
  // previous technician's.
  absl::StatusOr<std::optional<std::string>> recorded = store_.Get(kJobVanPrefix + job_id);
  if (!recorded.ok()) return recorded.status();
  std::string from_van = recorded->value_or("");
  if (from_van.empty() && !previous_technician_id.empty()) {
    absl::StatusOr<std::string> known = VanOf(previous_technician_id);
    if (!known.ok()) return known.status();
    from_van = *std::move(known);
  }
  if (unassigned || to_van.empty()) {
    batch.Delete(kJobVanPrefix + job_id);  // no technician, or one without a van
  } else {
    batch.Put(kJobVanPrefix + job_id, to_van);
  }

  // The parts concerned: those asked for, and those the job holds or is owed.
  std::set<std::string> skus;
  for (const auto& [sku, quantity] : needed) skus.insert(sku);
  if (needed.empty() || !from_van.empty()) {
    absl::StatusOr<pb::JobParts> job_parts = LoadJobParts(job_id);
    if (!job_parts.ok()) return job_parts.status();
    for (const pb::JobPartLine& line : job_parts->lines()) {
      if (line.reserved() > 0 || line.backordered() > 0) skus.insert(line.sku());
    }
  }
  if (skus.empty()) return absl::OkStatus();

  std::vector<AggregateKey> keys;
  for (const std::string& sku : skus) keys.push_back(PartKey(sku));
  batch.Lock(std::move(keys));

  // Distances from the job site to every location with a position (nearest stock first).
  if (!site) {
    absl::StatusOr<std::optional<std::string>> stored = store_.Get(kJobSitePrefix + job_id);
    if (!stored.ok()) return stored.status();
    double lat = 0;
    double lng = 0;
    if (stored->has_value() && std::sscanf((*stored)->c_str(), "%lf,%lf", &lat, &lng) == 2) {
      site = GeoPoint{lat, lng};
    }
  }
  std::map<std::string, double> distance_km;
  if (site && !unassigned) {
    absl::StatusOr<std::vector<LocationInfo>> locations = AllLocations();
    if (!locations.ok()) return locations.status();
    for (const LocationInfo& location : *locations) {
      if (location.position) {
        distance_km[location.location_id] = DistanceKm(*site, *location.position);
      }
    }
  }

  Reaction reaction{source};
  const EventEnvelope base = ReactionEnvelope(source, clock_.Now());
  for (const std::string& sku : skus) {
    absl::StatusOr<PartState> state = LoadPart(sku);
    if (!state.ok()) return state.status();
    if (!state->registered()) {
      log_->warn("cannot reserve unknown part job={} sku={} correlation={}", job_id, sku,
                 base.correlation_id());
      continue;
    }
    const auto asked = needed.find(sku);
    absl::StatusOr<VanScope> vans = LoadVans(*state);
    if (!vans.ok()) return vans.status();
    RetargetJob command{.sku = sku,
                        .job_id = job_id,
                        .from_van_location_id = from_van,
                        .to_van_location_id = to_van,
                        .unassigned = unassigned,
                        .needed = asked == needed.end() ? 0 : asked->second,
                        .distance_km = distance_km,
                        .vans = *std::move(vans)};
    absl::StatusOr<std::vector<PartEvent>> events = Decide(*state, command, clock_.Now());
    if (!events.ok()) {
      log_->warn("cannot move parts job={} sku={} reason=\"{}\" correlation={}", job_id, sku,
                 AsStd(events.status().message()), base.correlation_id());
      continue;
    }
    absl::StatusOr<PartState> next =
        AppendPartEvents(batch, base, *std::move(state), *events, &reaction);
    if (!next.ok()) return next.status();
  }
  return absl::OkStatus();
}

absl::Status InventoryApp::ReserveMissingParts(const EventEnvelope& source, Batch& batch) {
  const spb::JobVisitEnded& ended = source.scheduling().job_visit_ended();
  const std::string& job_id = ended.job_id();
  if (job_id.empty()) return InvalidArgument("job_id", "A visit end without a job id.");
  const std::map<std::string, int64_t> missing =
      LinesBySku(ended.parts_missing(), "parts_missing", job_id, CorrelationOf(source), *log_);
  if (missing.empty()) return absl::OkStatus();
  absl::StatusOr<std::optional<std::string>> done = store_.Get(kJobCompletedPrefix + job_id);
  if (!done.ok()) return done.status();
  if (done->has_value()) return absl::OkStatus();  // a late event for a finished job
  // The job stays with its technician: the parts are held in (or for) their van, else at the
  // nearest stock, else owed; what the job already holds or is owed counts towards them.
  absl::StatusOr<std::string> van = JobVan(job_id, ended.technician_id());
  if (!van.ok()) return van.status();
  return RetargetJobParts(source, batch, job_id, "", *van, /*unassigned=*/false, missing);
}

absl::Status InventoryApp::SettleCompletedJob(const EventEnvelope& source, Batch& batch) {
  const spb::JobCompleted& completed = source.scheduling().job_completed();
  const std::string& job_id = completed.job_id();
  if (job_id.empty()) return InvalidArgument("job_id", "A job completion without a job id.");
  const std::map<std::string, int64_t> used =
      LinesBySku(completed.parts_used(), "parts_used", job_id, CorrelationOf(source), *log_);
  absl::StatusOr<std::optional<std::string>> done = store_.Get(kJobCompletedPrefix + job_id);
  if (!done.ok()) return done.status();
  if (done->has_value()) {
    log_->info("job already settled job={} first={} again={}", job_id, **done, source.event_id());
    return absl::OkStatus();
  }
  batch.Put(kJobCompletedPrefix + job_id, source.event_id());
  absl::StatusOr<std::string> job_van = JobVan(job_id, completed.technician_id());
  if (!job_van.ok()) return job_van.status();
  batch.Delete(kJobVanPrefix + job_id);
  return SettleJobParts(source, batch, job_id, used, *job_van, "job completed",
                        SerialsBySku(completed.parts_used()));
}

absl::Status InventoryApp::SettleCancelledTicket(const EventEnvelope& source,
                                                 const std::string& ticket_id,
                                                 const std::string& job_id, Batch& batch) {
  if (ticket_id.empty())
    return InvalidArgument("ticket_id", "A ticket cancellation without a ticket id.");
  // The job of a ticket is the one the event names, else DeriveId(ticket_id, "job")
  // (docs/architecture.md).
  const std::string job = job_id.empty() ? DeriveId(ticket_id, "job") : job_id;
  batch.Delete(kJobVanPrefix + job);
  return SettleJobParts(source, batch, job, {}, "", "ticket cancelled");
}

absl::Status InventoryApp::SettleJobParts(
    const EventEnvelope& source, Batch& batch, const std::string& job_id,
    const std::map<std::string, int64_t>& used, const std::string& van, const std::string& reason,
    const std::map<std::string, std::vector<std::string>>& serials) {
  // Which parts the job may hold or be owed: read before the part locks are taken, so a hand
  // reservation racing with this settlement is released by the next one; each part's Decide below
  // reads the held quantities under its lock.
  Reaction reaction{source};
  absl::StatusOr<pb::JobParts> job_parts = LoadJobParts(job_id);
  if (!job_parts.ok()) return job_parts.status();
  std::set<std::string> skus;
  for (const auto& [sku, quantity] : used) skus.insert(sku);
  for (const pb::JobPartLine& line : job_parts->lines()) {
    if (line.reserved() > 0 || line.backordered() > 0) skus.insert(line.sku());
  }
  if (skus.empty()) return absl::OkStatus();

  std::vector<AggregateKey> keys;
  for (const std::string& sku : skus) keys.push_back(PartKey(sku));
  batch.Lock(std::move(keys));
  const EventEnvelope base = ReactionEnvelope(source, clock_.Now());

  for (const std::string& sku : skus) {
    absl::StatusOr<PartState> state = LoadPart(sku);
    if (!state.ok()) return state.status();
    if (!state->registered()) {
      log_->warn("cannot consume unknown part job={} sku={} correlation={}", job_id, sku,
                 base.correlation_id());
      continue;
    }
    absl::StatusOr<VanScope> vans = LoadVans(*state);
    if (!vans.ok()) return vans.status();
    std::vector<PartEvent> events;
    PartState settled = *state;
    if (auto u = used.find(sku); u != used.end()) {
      auto reported = serials.find(sku);
      absl::StatusOr<std::vector<PartEvent>> consumed =
          Decide(settled,
                 ConsumeForJob{.sku = sku,
                               .job_id = job_id,
                               .quantity = u->second,
                               .van_location_id = van,
                               .serials = reported == serials.end() ? std::vector<std::string>{}
                                                                    : reported->second,
                               .vans = *vans},
                 clock_.Now());
      if (consumed.ok()) {
        for (const PartEvent& e : *consumed) settled = Evolve(std::move(settled), e);
        events = *std::move(consumed);
      } else {
        // A use beyond the stock is not an error (Decide books what exists and records the rest
        // as UsedPartsUnaccounted); only a malformed line lands here. The job's reservations are
        // still released below.
        log_->warn(
            "cannot consume parts job={} sku={} quantity={} "
            "reason=\"{}\" correlation={}",
            job_id, sku, u->second, AsStd(consumed.status().message()), base.correlation_id());
      }
    }
    // Whatever the job is still owed is no longer needed: received stock must not be held for a job
    // that is over. Cancelled before the holds are given back, so the ledger says so.
    absl::StatusOr<std::vector<PartEvent>> cancelled =
        Decide(settled, CancelBackorder{sku, job_id, reason}, clock_.Now());
    if (!cancelled.ok()) return cancelled.status();
    for (const PartEvent& e : *cancelled) settled = Evolve(std::move(settled), e);
    events.insert(events.end(), cancelled->begin(), cancelled->end());
    absl::StatusOr<std::vector<PartEvent>> released =
        Decide(settled, ReleaseForJob{sku, job_id, *vans}, clock_.Now());
    if (!released.ok()) return released.status();
    events.insert(events.end(), released->begin(), released->end());
    absl::StatusOr<PartState> next =
        AppendPartEvents(batch, base, *std::move(state), events, &reaction);
    if (!next.ok()) return next.status();
  }
  return absl::OkStatus();
}

}  // namespace fieldline::inventory
