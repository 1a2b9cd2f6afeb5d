#include "services/inventory/app/inventory_app.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fieldline/scheduling/v1/events.pb.h"
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
constexpr char kJobPartsPrefix[] = "p/jobparts/";
// technician id → the inventory location of their van, as scheduling last told us.
constexpr char kTechnicianVanPrefix[] = "x/technician-van/";
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

absl::StatusOr<int32_t> PageSize(const PageRequest& page) {
  if (page.page_size < 0) return InvalidArgument("page_size", "The page size cannot be negative.");
  if (page.page_size == 0) return kDefaultPageSize;
  return std::min(page.page_size, kMaxPageSize);
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

// The job's view of one of its part events.
void AddToJobParts(pb::JobParts& view, const PartEvent& event) {
  std::visit(
      [&view](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, PartsReserved>) {
          pb::JobPartLine& line = LineOf(view, e.sku, e.location_id);
          line.set_reserved(line.reserved() + e.quantity);
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
      log.warn("skipping malformed part line job={} line={}[{}] sku={} quantity={} correlation={}",
               job_id, field, i, line.sku(), line.quantity(), correlation_id);
      continue;
    }
    by_sku[line.sku()] += line.quantity();
  }
  return by_sku;
}

}  // namespace

// The context of one reaction: where its events' envelopes and ids come from.
struct InventoryApp::Reaction {
  const EventEnvelope& source;
  int next_ordinal = 1;
  pb::JobParts job_parts = {};
  bool job_parts_changed = false;

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
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(PartKey(sku));
  if (!stream.ok()) return stream.status();
  PartState state;
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<PartEvent> event = PartEventFromProto(envelope.inventory());
    if (!event.ok()) return event.status();
    state = Evolve(std::move(state), *event);
  }
  return state;
}

absl::StatusOr<pb::JobParts> InventoryApp::LoadJobParts(const std::string& job_id) const {
  absl::StatusOr<std::optional<pb::JobParts>> stored =
      GetMessage<pb::JobParts>(store_, kJobPartsPrefix + job_id);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) return std::move(**stored);
  pb::JobParts empty;
  empty.set_job_id(job_id);
  return empty;
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
  std::vector<EventEnvelope> envelopes;
  envelopes.reserve(events.size());
  for (const PartEvent& event : events) {
    EventEnvelope envelope = base;
    *envelope.mutable_inventory() = ToProto(event);
    if (reaction != nullptr) {
      envelope.set_event_id(reaction->NextEventId());
      AddToJobParts(reaction->job_parts, event);
      reaction->job_parts_changed = true;
    }
    envelopes.push_back(std::move(envelope));
    state = Evolve(std::move(state), event);
  }
  if (absl::Status s =
          batch.Append(PartKey(state.info.sku), expected_version, std::move(envelopes));
      !s.ok()) {
    return s;
  }
  batch.Put(kPartPrefix + state.info.sku, ToPartStock(state).SerializeAsString());
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
  const std::string& sku = command.part.sku;
  return store_.Execute(
      meta.request_id, {PartKey(sku)}, [&](Batch& batch) -> absl::StatusOr<CommandAck> {
        absl::StatusOr<PartState> state = LoadPart(sku);
        if (!state.ok()) return state.status();
        if (absl::Status s =
                CheckExpectedVersion(expected_version, state->version, absl::StrCat("Part ", sku));
            !s.ok()) {
          return s;
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

absl::StatusOr<CommandAck> InventoryApp::ReceiveStock(const CommandMeta& meta,
                                                      const inventory::ReceiveStock& command,
                                                      std::optional<int64_t> expected_version) {
  const std::string& sku = command.sku;
  return store_.Execute(
      meta.request_id, {PartKey(sku)}, [&](Batch& batch) -> absl::StatusOr<CommandAck> {
        absl::StatusOr<PartState> state = LoadPart(sku);
        if (!state.ok()) return state.status();
        if (absl::Status s =
                CheckExpectedVersion(expected_version, state->version, absl::StrCat("Part ", sku));
            !s.ok()) {
          return s;
        }
        // Locations are never removed, so reading the projection under the part's lock is
        // enough: a location seen here stays registered.
        inventory::ReceiveStock checked = command;
        absl::StatusOr<std::optional<pb::Location>> location =
            GetMessage<pb::Location>(store_, kLocationPrefix + command.location_id);
        if (!location.ok()) return location.status();
        checked.location.reset();
        if (location->has_value()) checked.location = FromProto(**location);
        absl::StatusOr<std::vector<PartEvent>> events = Decide(*state, checked, meta.now);
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

absl::StatusOr<pb::ListPartsResponse> InventoryApp::ListParts(const PageRequest& page) const {
  absl::StatusOr<int32_t> size = PageSize(page);
  if (!size.ok()) return size.status();
  pb::ListPartsResponse response;
  bool more = false;
  absl::Status status = store_.Scan(
      kPartPrefix, page.page_token.empty() ? "" : kPartPrefix + page.page_token,
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

// ---------------------------------------------------------------------------------------------
// Reactions

absl::Status InventoryApp::Apply(const EventEnvelope& event, Batch& batch) {
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
    case spb::SchedulingEvent::kJobCompleted:
      return SettleCompletedJob(event, batch);
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
  const std::map<std::string, int64_t> needed =
      LinesBySku(assigned.parts_needed(), "parts_needed", job_id, CorrelationOf(source), *log_);
  if (needed.empty()) return absl::OkStatus();
  std::string van = assigned.van_location_id();
  if (van.empty()) {
    absl::StatusOr<std::string> known = VanOf(assigned.technician_id());
    if (!known.ok()) return known.status();
    van = *std::move(known);
  }

  std::vector<AggregateKey> keys;
  for (const auto& [sku, quantity] : needed) keys.push_back(PartKey(sku));
  batch.Lock(std::move(keys));

  Reaction reaction{source};
  absl::StatusOr<pb::JobParts> job_parts = LoadJobParts(job_id);
  if (!job_parts.ok()) return job_parts.status();
  reaction.job_parts = *std::move(job_parts);
  const EventEnvelope base = ReactionEnvelope(source, clock_.Now());

  for (const auto& [sku, quantity] : needed) {
    absl::StatusOr<PartState> state = LoadPart(sku);
    if (!state.ok()) return state.status();
    if (!state->registered()) {
      log_->warn("cannot reserve unknown part job={} sku={} quantity={} correlation={}", job_id,
                 sku, quantity, base.correlation_id());
      continue;
    }
    absl::StatusOr<std::vector<PartEvent>> events =
        Decide(*state, ReserveForJob{sku, job_id, quantity, van}, clock_.Now());
    if (!events.ok()) {
      log_->warn("cannot reserve parts job={} sku={} reason=\"{}\" correlation={}", job_id, sku,
                 AsStd(events.status().message()), base.correlation_id());
      continue;
    }
    absl::StatusOr<PartState> next =
        AppendPartEvents(batch, base, *std::move(state), *events, &reaction);
    if (!next.ok()) return next.status();
  }
  if (reaction.job_parts_changed) {
    batch.Put(kJobPartsPrefix + job_id, reaction.job_parts.SerializeAsString());
  }
  return absl::OkStatus();
}

absl::Status InventoryApp::SettleCompletedJob(const EventEnvelope& source, Batch& batch) {
  const spb::JobCompleted& completed = source.scheduling().job_completed();
  const std::string& job_id = completed.job_id();
  if (job_id.empty()) return InvalidArgument("job_id", "A job completion without a job id.");
  const std::map<std::string, int64_t> used =
      LinesBySku(completed.parts_used(), "parts_used", job_id, CorrelationOf(source), *log_);

  // The job parts view is written only by reactions, which run one at a time on the consumer
  // thread, so reading it before taking the part locks is safe.
  Reaction reaction{source};
  absl::StatusOr<pb::JobParts> job_parts = LoadJobParts(job_id);
  if (!job_parts.ok()) return job_parts.status();
  reaction.job_parts = *std::move(job_parts);
  std::set<std::string> skus;
  for (const auto& [sku, quantity] : used) skus.insert(sku);
  for (const pb::JobPartLine& line : reaction.job_parts.lines()) {
    if (line.reserved() > 0) skus.insert(line.sku());
  }
  if (skus.empty()) return absl::OkStatus();

  absl::StatusOr<std::string> van = VanOf(completed.technician_id());
  if (!van.ok()) return van.status();

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
    std::vector<PartEvent> events;
    PartState settled = *state;
    if (auto u = used.find(sku); u != used.end()) {
      absl::StatusOr<std::vector<PartEvent>> consumed =
          Decide(settled, ConsumeForJob{sku, job_id, u->second, *van}, clock_.Now());
      if (consumed.ok()) {
        for (const PartEvent& e : *consumed) settled = Evolve(std::move(settled), e);
        events = *std::move(consumed);
      } else {
        // Stock never goes negative: the use is not booked and needs a count adjustment; the
        // job's reservations are still released below.
        log_->warn("cannot consume parts job={} sku={} quantity={} reason=\"{}\" correlation={}",
                   job_id, sku, u->second, AsStd(consumed.status().message()),
                   base.correlation_id());
      }
    }
    absl::StatusOr<std::vector<PartEvent>> released =
        Decide(settled, ReleaseForJob{sku, job_id}, clock_.Now());
    if (!released.ok()) return released.status();
    events.insert(events.end(), released->begin(), released->end());
    absl::StatusOr<PartState> next =
        AppendPartEvents(batch, base, *std::move(state), events, &reaction);
    if (!next.ok()) return next.status();
  }
  if (reaction.job_parts_changed) {
    batch.Put(kJobPartsPrefix + job_id, reaction.job_parts.SerializeAsString());
  }
  return absl::OkStatus();
}

}  // namespace fieldline::inventory
