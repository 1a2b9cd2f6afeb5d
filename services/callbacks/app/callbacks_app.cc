#include "services/callbacks/app/callbacks_app.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/common/core/strings.h"
#include "absl/time/time.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/inventory/v1/events.pb.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "services/callbacks/adapters/event_codec.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "spdlog/spdlog.h"

namespace fieldline::callbacks {
namespace {

constexpr char kProjectionPrefix[] = "p/callback/";
constexpr char kTicketPrefix[] = "x/ticket/";
constexpr char kByTicketPrefix[] = "x/callback_by_ticket/";
constexpr char kByJobPrefix[] = "x/callback_by_job/";
constexpr char kDueByAgentPrefix[] = "x/due_by_agent/";
constexpr char kTicketFactPrefix[] = "x/ticket_fact/";
constexpr char kCustomerTierPrefix[] = "x/customer_tier/";
constexpr char kSystemUser[] = "system:callbacks";
constexpr char kSystemRole[] = "system";

std::string ProjectionKey(std::string_view callback_id) {
  return absl::StrCat(kProjectionPrefix, std::string(callback_id));
}
std::string TicketKey(std::string_view ticket_id) {
  return absl::StrCat(kTicketPrefix, std::string(ticket_id));
}
std::string ByTicketPrefix(std::string_view ticket_id) {
  return absl::StrCat(kByTicketPrefix, std::string(ticket_id), "/");
}
std::string ByJobPrefix(std::string_view job_id) {
  return absl::StrCat(kByJobPrefix, std::string(job_id), "/");
}

std::string DueByAgentPrefix(std::string_view agent_id) {
  return absl::StrCat(kDueByAgentPrefix, std::string(agent_id), "/");
}
std::string TicketFactKey(std::string_view ticket_id) {
  return absl::StrCat(kTicketFactPrefix, std::string(ticket_id));
}

common::v1::CommandAck Ack(const std::string& id, int64_t version) {
  common::v1::CommandAck ack;
  ack.set_aggregate_id(id);
  ack.set_version(version);
  return ack;
}

int PriorityRank(Priority p) { return static_cast<int>(p); }

CallbackResult ResultOf(const CallbackState& state) {
  switch (state.status) {
    case CallbackStatus::kReached:
      return CallbackResult::kValid;
    case CallbackStatus::kFailed:
      return CallbackResult::kNotValid;
    case CallbackStatus::kExcluded:
      return CallbackResult::kExcluded;
    default:
      return CallbackResult::kOpen;
  }
}

AggregateKey CallbackKey(std::string_view callback_id) {
  return AggregateKey{kCallbackAggregateType, std::string(callback_id)};
}
// Not an aggregate of this service: the name of the lock that guards the local ticket model and
// the ticket's callback index.
AggregateKey TicketLock(std::string_view ticket_id) {
  return AggregateKey{"Ticket", std::string(ticket_id)};
}

std::shared_ptr<spdlog::logger> Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("callbacks.app")) return existing;
    auto created = spdlog::default_logger()->clone("callbacks.app");
    spdlog::register_logger(created);
    return created;
  }();
  return logger;
}

// The metadata of a reaction to `source`: the system actor, correlated with the source.
CommandMeta ReactionMeta(const EventEnvelope& source, absl::Time now) {
  CommandMeta meta;
  meta.actor = Actor{kSystemUser, kSystemRole};
  meta.now = now;
  meta.correlation_id =
      source.correlation_id().empty() ? source.event_id() : source.correlation_id();
  meta.causation_id = source.event_id();
  return meta;
}

// The projection of `state`, with the customer filled from the local ticket model where the
// events did not know it (TicketOpened arrived after JobCompleted).
v1::Callback ProjectionOf(const CallbackState& state, const common::v1::CustomerInfo* customer) {
  v1::Callback projection = EncodeCallback(state);
  if (customer != nullptr) {
    if (projection.customer_name().empty()) projection.set_customer_name(customer->name());
    if (projection.customer_phone().empty()) projection.set_customer_phone(customer->phone());
  }
  return projection;
}

}  // namespace

CallbacksApp::CallbacksApp(EventStore& store, const Clock& clock, CallbackPolicy policy,
                           KpiPolicy kpi_policy, ReminderPolicy reminder_policy)
    : store_(store),
      clock_(clock),
      policy_(std::move(policy)),
      kpi_policy_(kpi_policy),
      reminder_policy_(std::move(reminder_policy)) {}

// ---------------------------------------------------------------------------------------------
// queries

absl::StatusOr<std::optional<CallbackState>> CallbacksApp::ReadProjection(
    std::string_view callback_id) const {
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(ProjectionKey(callback_id));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<CallbackState>();
  v1::Callback projection;
  if (!projection.ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("The stored callback ", std::string(callback_id), " cannot be read."));
  }
  return std::optional<CallbackState>(DecodeCallback(projection));
}

absl::StatusOr<CallbackView> CallbacksApp::GetCallback(std::string_view callback_id) const {
  if (callback_id.empty()) {
    return InvalidArgument("callback_id", "Say which callback you mean.");
  }
  absl::StatusOr<std::optional<CallbackState>> state = ReadProjection(callback_id);
  if (!state.ok()) return state.status();
  if (!state->has_value()) {
    return NotFound("callback_id",
                    absl::StrCat("There is no callback ", std::string(callback_id), "."));
  }
  const absl::Time now = clock_.Now();
  return CallbackView{.callback = **state, .overdue = IsOverdue(**state, now)};
}

absl::StatusOr<CallbackPage> CallbacksApp::ListCallbacks(const ListCallbacksQuery& query) const {
  absl::StatusOr<int32_t> effective = EffectivePageSize(query.page_size);
  if (!effective.ok()) return effective.status();
  const size_t page_size = static_cast<size_t>(*effective);

  // One more than a page, to know whether another page follows.
  std::vector<std::string> ids;
  const std::string prefix =
      query.job_id.empty() ? std::string(kProjectionPrefix) : ByJobPrefix(query.job_id);
  absl::Status scanned =
      store_.Scan(prefix, query.page_token, [&](std::string_view key, std::string_view) {
        ids.emplace_back(key.substr(prefix.size()));
        return ids.size() <= page_size;
      });
  if (!scanned.ok()) return scanned;

  CallbackPage page;
  const bool more = ids.size() > page_size;
  if (more) ids.resize(page_size);
  const absl::Time now = clock_.Now();
  for (const std::string& id : ids) {
    absl::StatusOr<std::optional<CallbackState>> state = ReadProjection(id);
    if (!state.ok()) return state.status();
    // An index entry is written in the same batch as its projection, so it always has one.
    if (!state->has_value()) continue;
    page.callbacks.push_back(CallbackView{.callback = **state, .overdue = IsOverdue(**state, now)});
  }
  if (more) page.next_page_token = ids.back();
  return page;
}

// ---------------------------------------------------------------------------------------------
// reactions

absl::Status CallbacksApp::Apply(const EventEnvelope& event, Batch& batch) {
  switch (event.payload_case()) {
    case common::v1::EventEnvelope::kIntake:
      if (event.intake().has_ticket_opened()) return OnTicketOpened(event, batch);
      if (event.intake().has_ticket_resolved_remotely()) {
        absl::Status scheduled = OnTicketResolvedRemotely(event, batch);
        // ---- KPIs: the SLA clocks it stops (the ticket's lock is held).
        return scheduled.ok() ? RecordSlaStops(event, batch) : scheduled;
      }
      if (event.intake().has_customer_registered()) {
        absl::Status tier = OnCustomerRegistered(event, batch);
        return tier.ok() ? OnCareCustomer(event, batch) : tier;  // ---- Care: birthday, consent
      }
      if (event.intake().has_customer_updated()) return OnCareCustomer(event, batch);  // ---- Care
      if (event.intake().has_asset_registered()) {
        absl::Status reminded = OnAssetRegistered(event, batch);
        // ---- Care: the delivered / installed product's callback (under the asset's locks).
        return reminded.ok() ? OnCareAsset(event, batch) : reminded;
      }
      if (event.intake().has_asset_ownership_transferred()) {
        return OnAssetOwnershipTransferred(event, batch);
      }
      return OnKpiIntakeEvent(event, batch);  // ---- KPIs: SLA, complaints; others: nothing
    case common::v1::EventEnvelope::kInventory:
      if (event.inventory().has_parts_reserved() || event.inventory().has_parts_backordered()) {
        absl::Status answered = OnPartsAnswer(event, batch);
        return answered.ok() ? RecordPartsWait(event, batch) : answered;  // ---- KPIs
      }
      return absl::OkStatus();
    case common::v1::EventEnvelope::kScheduling:
      if (event.scheduling().has_job_completed()) {
        absl::Status completed = OnJobCompleted(event, batch);
        return completed.ok() ? OnCareVisit(event, batch) : completed;  // ---- Care: last visit
      }
      if (event.scheduling().has_job_arrived()) return OnJobArrived(event, batch);
      if (event.scheduling().has_job_waiting_for_parts()) return RecordPartsWait(event, batch);
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::StatusOr<CallbackState> CallbacksApp::LoadCallback(const AggregateKey& key) const {
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(key);
  if (!stream.ok()) return stream.status();
  CallbackState state;
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<CallbackEvent> event = DecodeEnvelope(envelope);
    if (!event.ok()) {
      return absl::DataLossError(absl::StrCat("The history of callback ", key.id,
                                              " cannot be read: ", event.status().message()));
    }
    state = Evolve(std::move(state), *event);
  }
  return state;
}

absl::StatusOr<std::vector<std::string>> CallbacksApp::CallbacksOfTicket(
    std::string_view ticket_id) const {
  std::vector<std::string> ids;
  absl::Status scanned = store_.Scan(ByTicketPrefix(ticket_id), "",
                                     [&ids](std::string_view, std::string_view value) {
                                       ids.emplace_back(value);
                                       return true;
                                     });
  if (!scanned.ok()) return scanned;
  return ids;
}

absl::Status CallbacksApp::OnTicketOpened(const EventEnvelope& source, Batch& batch) {
  const intake::v1::TicketOpened& opened = source.intake().ticket_opened();
  const std::string& ticket_id = opened.ticket_id();
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", absl::StrCat("Event ", source.event_id(),
                                                     " opens a ticket without a ticket id."));
  }
  // The callbacks to fill are those indexed under the ticket. The index only grows under the
  // ticket lock, so a second look under the lock tells whether this first look is still true.
  absl::StatusOr<std::vector<std::string>> seen = CallbacksOfTicket(ticket_id);
  if (!seen.ok()) return seen.status();
  std::vector<AggregateKey> locks{TicketLock(ticket_id)};
  for (const std::string& id : *seen) locks.push_back(CallbackKey(id));
  // ---- KPIs: the fault counted per product model (early warning) under the same batch.
  absl::StatusOr<FaultPlan> fault = PlanFault(source);
  if (!fault.ok()) return fault.status();
  for (AggregateKey& key : fault->Locks()) locks.push_back(std::move(key));
  batch.Lock(std::move(locks));
  absl::StatusOr<std::vector<std::string>> callbacks = CallbacksOfTicket(ticket_id);
  if (!callbacks.ok()) return callbacks.status();
  if (*callbacks != *seen) {
    // A JobCompleted of this ticket committed in between; the consumer retries this event.
    return absl::AbortedError(absl::StrCat("The callbacks of ticket ", ticket_id,
                                           " changed while its customer was being recorded."));
  }

  common::v1::CustomerInfo customer;
  customer.set_customer_id(opened.customer().customer_id());
  customer.set_name(opened.customer().name());
  customer.set_phone(opened.customer().phone());
  batch.Put(TicketKey(ticket_id), customer.SerializeAsString());
  v1::TicketFact fact;
  fact.set_customer_id(opened.customer().customer_id());
  fact.set_category(opened.category());
  fact.set_asset_id(opened.asset_id());
  if (source.has_server_time()) *fact.mutable_opened_at() = source.server_time();
  batch.Put(TicketFactKey(ticket_id), fact.SerializeAsString());

  for (const std::string& id : *callbacks) {
    absl::StatusOr<std::optional<std::string>> bytes = store_.Get(ProjectionKey(id));
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) continue;
    v1::Callback projection;
    if (!projection.ParseFromString(**bytes)) {
      return absl::DataLossError(absl::StrCat("The stored callback ", id, " cannot be read."));
    }
    bool filled = false;
    if (projection.customer_name().empty() && !customer.name().empty()) {
      projection.set_customer_name(customer.name());
      filled = true;
    }
    if (projection.customer_phone().empty() && !customer.phone().empty()) {
      projection.set_customer_phone(customer.phone());
      filled = true;
    }
    if (!filled) continue;
    batch.Put(ProjectionKey(id), projection.SerializeAsString());
    Log()->info("customer filled into callback callback={} ticket={} correlation={}", id,
                ticket_id, source.correlation_id());
  }
  return RecordFault(source, *fault, batch);  // ---- KPIs
}

absl::Status CallbacksApp::OnJobCompleted(const EventEnvelope& source, Batch& batch) {
  const scheduling::v1::JobCompleted& completed = source.scheduling().job_completed();
  // A maintenance visit also answers the asset's maintenance reminders; one batch, one lock set.
  absl::StatusOr<MaintenancePlan> plan = PlanMaintenanceVisit(source);
  if (!plan.ok()) return plan.status();
  absl::Status scheduled = ScheduleFrom(
      source,
      ScheduleCallbackForCompletedJob{
          .job_id = completed.job_id(),
          .ticket_id = completed.ticket_id(),
          .technician_id = completed.technician_id(),
          // The job was completed when scheduling recorded it, not when this service hears of it.
          .completed_at =
              source.has_server_time() ? FromProto(source.server_time()) : absl::InfinitePast(),
          .reason = CallbackReason::kJobCompleted,
      },
      batch, plan->Locks());
  if (!scheduled.ok()) return scheduled;
  if (absl::Status done = RecordJobDone(source, batch); !done.ok()) return done;  // ---- KPIs
  if (plan->asset_id.empty()) return absl::OkStatus();
  return OnMaintenanceVisit(source, *plan, batch);
}

namespace {
constexpr char kArrivalPrefix[] = "x/arrival/";
std::string ArrivalTimeKey(absl::Time t) {
  return absl::StrFormat("%020d", std::max<int64_t>(0, absl::ToUnixSeconds(t)));
}
}  // namespace

absl::Status CallbacksApp::OnJobArrived(const EventEnvelope& source, Batch& batch) {
  scheduling::v1::JobArrived arrived = source.scheduling().job_arrived();
  if (arrived.job_id().empty()) {
    return InvalidArgument("job_id", absl::StrCat("Event ", source.event_id(),
                                                  " records an arrival without a job id."));
  }
  if (!arrived.has_arrived_at()) {
    if (!source.has_server_time()) {
      return InvalidArgument("arrived_at", absl::StrCat("Event ", source.event_id(),
                                                        " records an arrival without a time."));
    }
    *arrived.mutable_arrived_at() = source.server_time();
  }
  // Keyed by time, so a period's KPI reads only its own arrivals; the same event heard twice
  // writes the same key.
  batch.Put(absl::StrCat(kArrivalPrefix, ArrivalTimeKey(FromProto(arrived.arrived_at())), "/",
                         arrived.job_id()),
            arrived.SerializeAsString());
  return absl::OkStatus();
}

namespace {
constexpr char kPartsFillPrefix[] = "x/parts_fill/";
}  // namespace

absl::Status CallbacksApp::OnPartsAnswer(const EventEnvelope& source, Batch& batch) {
  if (!source.has_server_time() || source.event_id().empty()) {
    return InvalidArgument("server_time", absl::StrCat("Inventory event ", source.event_id(),
                                                       " has no id or time."));
  }
  std::string value;
  if (source.inventory().has_parts_reserved()) {
    const inventory::v1::PartsReserved& reserved = source.inventory().parts_reserved();
    // Stock that arrived later for a job waiting for parts is the backorder being filled, not a
    // need met from stock at once: it is not counted again.
    if (reserved.fills_backorder()) return absl::OkStatus();
    value = absl::StrCat("R:", reserved.quantity());
  } else {
    value = absl::StrCat("B:", source.inventory().parts_backordered().quantity());
  }
  batch.Put(absl::StrCat(kPartsFillPrefix, ArrivalTimeKey(FromProto(source.server_time())), "/",
                         source.event_id()),
            value);
  return absl::OkStatus();
}

absl::StatusOr<Ratio> CallbacksApp::PartsFillRate(const Period& period) const {
  Ratio ratio;
  const std::string end = ArrivalTimeKey(period.end);
  absl::Status scanned = store_.Scan(
      kPartsFillPrefix, absl::StrCat(ArrivalTimeKey(period.start - absl::Seconds(1)), "/~"),
      [&](std::string_view key, std::string_view value) {
        const std::string_view rest = key.substr(sizeof(kPartsFillPrefix) - 1);
        if (rest.substr(0, end.size()) >= end) return false;
        int64_t quantity = 0;
        if (value.size() < 3 || !absl::SimpleAtoi(AsAbsl(value.substr(2)), &quantity)) return true;
        ratio.denominator += quantity;
        if (value[0] == 'R') ratio.numerator += quantity;
        return true;
      });
  if (!scanned.ok()) return scanned;
  return ratio;
}

absl::StatusOr<Ratio> CallbacksApp::OnTimeArrival(const Period& period,
                                                  std::string_view technician_id) const {
  Ratio ratio;
  const std::string end = ArrivalTimeKey(period.end);
  absl::Status failed = absl::OkStatus();
  absl::Status scanned = store_.Scan(
      kArrivalPrefix, absl::StrCat(ArrivalTimeKey(period.start - absl::Seconds(1)), "/~"),
      [&](std::string_view key, std::string_view value) {
        const std::string_view rest = key.substr(sizeof(kArrivalPrefix) - 1);
        if (rest.substr(0, end.size()) >= end) return false;
        scheduling::v1::JobArrived arrived;
        if (!arrived.ParseFromString(std::string(value))) {
          failed = absl::DataLossError(
              absl::StrCat("The stored arrival ", std::string(key), " cannot be read."));
          return false;
        }
        if (!technician_id.empty() && arrived.technician_id() != technician_id) return true;
        ++ratio.denominator;
        if (arrived.on_time()) ++ratio.numerator;
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  return ratio;
}

absl::Status CallbacksApp::OnTicketResolvedRemotely(const EventEnvelope& source, Batch& batch) {
  const intake::v1::TicketResolvedRemotely& resolved = source.intake().ticket_resolved_remotely();
  return ScheduleFrom(
      source,
      ScheduleCallbackForCompletedJob{
          .ticket_id = resolved.ticket_id(),
          .completed_at =
              source.has_server_time() ? FromProto(source.server_time()) : absl::InfinitePast(),
          .reason = CallbackReason::kRemoteFix,
      },
      batch);
}

absl::Status CallbacksApp::OnCustomerRegistered(const EventEnvelope& source, Batch& batch) {
  const intake::v1::CustomerRegistered& registered = source.intake().customer_registered();
  if (registered.customer_id().empty()) {
    return InvalidArgument("customer_id", absl::StrCat("Event ", source.event_id(),
                                                       " registers a customer without an id."));
  }
  batch.Put(absl::StrCat(kCustomerTierPrefix, registered.customer_id()),
            absl::StrCat(static_cast<int>(registered.tier())));
  return absl::OkStatus();
}

absl::Status CallbacksApp::ScheduleFrom(const EventEnvelope& source,
                                        ScheduleCallbackForCompletedJob command, Batch& batch,
                                        std::vector<AggregateKey> extra_locks) {
  const std::string ticket_id = command.ticket_id;
  const AggregateKey key = CallbackKey(command.reason == CallbackReason::kRemoteFix
                                           ? CallbackIdForRemoteFix(ticket_id)
                                           : CallbackIdForJob(command.job_id));
  std::vector<AggregateKey> locks = std::move(extra_locks);
  locks.push_back(key);
  if (!ticket_id.empty()) locks.push_back(TicketLock(ticket_id));
  batch.Lock(std::move(locks));

  absl::StatusOr<CallbackState> state = LoadCallback(key);
  if (!state.ok()) return state.status();

  absl::StatusOr<std::optional<common::v1::CustomerInfo>> customer = ReadCustomer(ticket_id);
  if (!customer.ok()) return customer.status();
  if (customer->has_value()) {
    command.customer_name = (*customer)->name();
    command.customer_phone = (*customer)->phone();
    if (!(*customer)->customer_id().empty()) {
      absl::StatusOr<std::optional<std::string>> tier =
          store_.Get(absl::StrCat(kCustomerTierPrefix, (*customer)->customer_id()));
      if (!tier.ok()) return tier.status();
      command.key_account =
          tier->has_value() &&
          **tier == absl::StrCat(static_cast<int>(intake::v1::CUSTOMER_TIER_KEY_ACCOUNT));
    }
  }

  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<CallbackEvent>> events = Decide(*state, command, now, policy_);
  if (events.status().code() == absl::StatusCode::kAlreadyExists) {
    // Another JobCompleted of the same job (a re-completion or a replay): one callback per job.
    return absl::OkStatus();
  }
  if (!events.ok()) return events.status();

  const CommandMeta meta = ReactionMeta(source, now);
  std::vector<EventEnvelope> envelopes;
  CallbackState next = *state;
  for (size_t i = 0; i < events->size(); ++i) {
    EventEnvelope envelope = NewEnvelope(meta);
    envelope.set_event_id(DeriveId(source.event_id(), absl::StrCat("callbacks/", i + 1)));
    *envelope.mutable_callbacks() = EncodeEvent((*events)[i]);
    envelopes.push_back(std::move(envelope));
    next = Evolve(std::move(next), (*events)[i]);
  }
  if (absl::Status appended = batch.Append(key, state->version, std::move(envelopes));
      !appended.ok()) {
    return appended;
  }
  batch.Put(ProjectionKey(next.callback_id),
            ProjectionOf(next, customer->has_value() ? &**customer : nullptr).SerializeAsString());
  if (!next.job_id.empty()) {
    batch.Put(absl::StrCat(ByJobPrefix(next.job_id), next.callback_id), next.callback_id);
  }
  if (!next.ticket_id.empty()) {
    batch.Put(absl::StrCat(ByTicketPrefix(next.ticket_id), next.callback_id), next.callback_id);
  }
  Log()->info(
      "callback scheduled callback={} job={} ticket={} reason={} due_at={} correlation={}",
      next.callback_id, next.job_id, next.ticket_id, next.reason,
      absl::FormatTime(next.due_at, absl::UTCTimeZone()), meta.correlation_id);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// commands

absl::StatusOr<std::optional<common::v1::CustomerInfo>> CallbacksApp::ReadCustomer(
    std::string_view ticket_id) const {
  if (ticket_id.empty()) return std::optional<common::v1::CustomerInfo>();
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(TicketKey(ticket_id));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<common::v1::CustomerInfo>();
  common::v1::CustomerInfo customer;
  if (!customer.ParseFromString(**bytes)) {
    return absl::DataLossError(absl::StrCat("The stored customer of ticket ",
                                            std::string(ticket_id), " cannot be read."));
  }
  return std::optional<common::v1::CustomerInfo>(std::move(customer));
}

template <typename DecideFn>
absl::StatusOr<common::v1::CommandAck> CallbacksApp::RunCommand(const CommandMeta& meta,
                                                                std::string_view callback_id,
                                                                const DecideFn& decide) {
  if (callback_id.empty()) {
    return InvalidArgument("callback_id", "Say which callback you mean.");
  }
  const AggregateKey key = CallbackKey(callback_id);
  return store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<CallbackState> before = LoadCallback(key);
        if (!before.ok()) return before.status();
        absl::StatusOr<std::vector<CallbackEvent>> events = decide(*before);
        if (!events.ok()) return events.status();

        CallbackState next = *before;
        std::vector<EventEnvelope> envelopes;
        for (const CallbackEvent& event : *events) {
          EventEnvelope envelope = NewEnvelope(meta);
          *envelope.mutable_callbacks() = EncodeEvent(event);
          envelopes.push_back(std::move(envelope));
          next = Evolve(std::move(next), event);
        }
        if (absl::Status appended = batch.Append(key, before->version, std::move(envelopes));
            !appended.ok()) {
          return appended;
        }
        absl::StatusOr<std::optional<common::v1::CustomerInfo>> customer =
            ReadCustomer(next.ticket_id);
        if (!customer.ok()) return customer.status();
        batch.Put(ProjectionKey(next.callback_id),
                  ProjectionOf(next, customer->has_value() ? &**customer : nullptr)
                      .SerializeAsString());
        const bool was_listed = before->status == CallbackStatus::kDue && !before->agent_id.empty();
        const bool is_listed = next.status == CallbackStatus::kDue && !next.agent_id.empty();
        if (was_listed && (!is_listed || before->agent_id != next.agent_id)) {
          batch.Delete(absl::StrCat(DueByAgentPrefix(before->agent_id), next.callback_id));
        }
        if (is_listed) {
          batch.Put(absl::StrCat(DueByAgentPrefix(next.agent_id), next.callback_id),
                    next.callback_id);
        }
        Log()->info("callback changed callback={} version={} agent={} request={} correlation={}",
                    next.callback_id, next.version, next.agent_id, meta.request_id,
                    meta.correlation_id);
        return Ack(next.callback_id, next.version);
      });
}

absl::StatusOr<common::v1::CommandAck> CallbacksApp::Assign(const CommandMeta& meta,
                                                            const AssignCallback& command) {
  return RunCommand(meta, command.callback_id, [&](const CallbackState& state) {
    return Decide(state, command, meta.now);
  });
}

absl::StatusOr<common::v1::CommandAck> CallbacksApp::RecordAttempt(
    const CommandMeta& meta, const RecordCallbackAttempt& command) {
  return RunCommand(meta, command.callback_id, [&](const CallbackState& state) {
    return Decide(state, command, meta.actor, meta.now, policy_);
  });
}

// ---------------------------------------------------------------------------------------------
// due list and KPIs

absl::StatusOr<std::vector<CallbackView>> CallbacksApp::ListDueCallbacks(
    std::string_view agent_id) const {
  if (agent_id.empty()) {
    return InvalidArgument("agent_id", "Say whose due callbacks to list.");
  }
  std::vector<std::string> ids;
  absl::Status scanned = store_.Scan(DueByAgentPrefix(agent_id), "",
                                     [&ids](std::string_view, std::string_view value) {
                                       ids.emplace_back(value);
                                       return true;
                                     });
  if (!scanned.ok()) return scanned;
  const absl::Time now = clock_.Now();
  std::vector<CallbackView> views;
  for (const std::string& id : ids) {
    absl::StatusOr<std::optional<CallbackState>> state = ReadProjection(id);
    if (!state.ok()) return state.status();
    if (!state->has_value()) continue;
    views.push_back(CallbackView{.callback = **state, .overdue = IsOverdue(**state, now)});
  }
  std::sort(views.begin(), views.end(), [](const CallbackView& a, const CallbackView& b) {
    if (a.overdue != b.overdue) return a.overdue;
    if (a.callback.priority != b.callback.priority) {
      return PriorityRank(a.callback.priority) > PriorityRank(b.callback.priority);
    }
    if (a.callback.due_at != b.callback.due_at) return a.callback.due_at < b.callback.due_at;
    return a.callback.callback_id < b.callback.callback_id;
  });
  return views;
}

absl::StatusOr<KpiReport> CallbacksApp::GetKpis(const KpiQuery& query) const {
  absl::StatusOr<Period> period =
      MakePeriod(query.period, query.year, query.number, policy_.local_zone);
  if (!period.ok()) return period.status();

  std::vector<CallbackFact> callbacks;
  absl::Status failed = absl::OkStatus();
  absl::Status scanned = store_.Scan(
      kProjectionPrefix, "", [&](std::string_view key, std::string_view value) {
        v1::Callback projection;
        if (!projection.ParseFromString(std::string(value))) {
          failed = absl::DataLossError(
              absl::StrCat("The stored callback ", std::string(key), " cannot be read."));
          return false;
        }
        const CallbackState state = DecodeCallback(projection);
        // ---- Care: a campaign's call is not owed for a job or a product (DOMAIN §5).
        if (state.reason == kReasonCampaign) return true;
        // Per agent: the assigned agent, else whoever made the last call.
        const std::string agent = !state.agent_id.empty() || state.attempts.empty()
                                      ? state.agent_id
                                      : state.attempts.back().agent_id;
        callbacks.push_back(CallbackFact{.callback_id = state.callback_id,
                                         .agent_id = agent,
                                         .owed_from = state.completed_at,
                                         .result = ResultOf(state)});
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  // ---- KPIs: the jobs of the period (and their possible repeats) from the time indexes.
  absl::StatusOr<std::vector<JobFact>> job_facts = JobFactsFor(*period);
  if (!job_facts.ok()) return job_facts.status();
  const std::vector<JobFact>& jobs = *job_facts;

  std::set<std::string> agents(query.team.begin(), query.team.end());
  if (!query.agent_id.empty()) agents.insert(query.agent_id);

  KpiReport report;
  report.period = *period;
  {
    std::set<std::string> seen_agents, seen_technicians;
    for (const CallbackFact& c : callbacks) {
      if (!c.agent_id.empty() && period->Contains(c.owed_from)) seen_agents.insert(c.agent_id);
    }
    for (const JobFact& j : jobs) {
      if (!j.technician_id.empty() && period->Contains(j.completed_at)) {
        seen_technicians.insert(j.technician_id);
      }
    }
    report.agents.assign(seen_agents.begin(), seen_agents.end());
    report.technicians.assign(seen_technicians.begin(), seen_technicians.end());
  }
  if (absl::Status s = FillSessionKpis(query, *period, report); !s.ok()) return s;
  report.callback_success = ComputeCallbackSuccess(callbacks, *period, agents);
  if (std::optional<double> rate = report.callback_success.rate.Percent(); rate.has_value()) {
    report.callback_completion = Completion(*rate, kpi_policy_.targets.callback_success);
  }
  report.field_service =
      ComputeFieldServiceKpis(jobs, *period, query.technician_id, kpi_policy_.repeat_window);
  {
    absl::StatusOr<Ratio> on_time = OnTimeArrival(*period, query.technician_id);
    if (!on_time.ok()) return on_time.status();
    report.on_time_arrival = *on_time;
  }
  {
    absl::StatusOr<Ratio> fill = PartsFillRate(*period);
    if (!fill.ok()) return fill.status();
    report.parts_fill = *fill;
  }
  {
    // The rolling window ends with the period's last month (a quarter's or a year's last month).
    const absl::CivilMonth last =
        absl::CivilMonth(absl::ToCivilSecond(period->end - absl::Seconds(1), policy_.local_zone));
    absl::StatusOr<Period> window =
        RollingSixMonths(static_cast<int>(last.year()), last.month(), policy_.local_zone);
    if (!window.ok()) return window.status();
    absl::StatusOr<std::vector<MaintenanceFact>> facts = MaintenanceFactsDueIn(*window);
    if (!facts.ok()) return facts.status();
    report.maintenance_window = *window;
    report.maintenance_arrival = MaintenanceArrival(*facts, *window);
    if (std::optional<double> rate = report.maintenance_arrival.Percent(); rate.has_value()) {
      report.maintenance_completion = Completion(*rate, kpi_policy_.targets.maintenance_arrival);
    }
  }
  // ---- KPIs: the composite needs the profit completion (not a fact of this service); the
  // maintenance, complaint and care completions not given are the ones computed for the period.
  if (query.profit_completion) {
    std::vector<std::string> computed;
    const auto completion_or = [&computed](const std::optional<double>& given,
                                           const std::optional<double>& own, const char* name) {
      if (given) return *given;
      computed.push_back(absl::StrCat(name, own ? "" : " (nothing to measure: 0)"));
      return own.value_or(0);
    };
    std::optional<double> care;
    if (!query.care_completion) {
      absl::StatusOr<CareKpis> care_kpis = CareKpisFor(*period);
      if (!care_kpis.ok()) return care_kpis.status();
      care = care_kpis->completion;
    }
    report.composite = ComputeComposite(
        CompositeInputs{
            .profit = *query.profit_completion,
            .callback = report.callback_completion.value_or(0),
            .maintenance = completion_or(query.maintenance_completion,
                                         report.maintenance_completion, "maintenance arrival"),
            .complaint = completion_or(query.complaint_completion, report.complaint_completion,
                                       "complaint handling"),
            .care = completion_or(query.care_completion, care, "care rate")},
        kpi_policy_.weights);
    if (!report.callback_completion.has_value()) {
      report.composite->warnings.push_back(
          "No callbacks were owed in this period and scope; the callback completion counts as 0 "
          "in the composite.");
    }
    if (!computed.empty()) {
      report.composite->warnings.push_back(absl::StrCat(
          "Computed from the recorded facts of the period (company-wide where the KPI has no "
          "agent): ",
          absl::StrJoin(computed, ", "), "."));
    }
  }
  return report;
}

absl::StatusOr<MonthlyReport> CallbacksApp::GetMonthlyReport(int year, int month) const {
  if (year == 0 && month == 0) {
    const absl::CivilMonth previous = ReportMonthFor(clock_.Now(), policy_.local_zone);
    year = static_cast<int>(previous.year());
    month = previous.month();
  }
  absl::StatusOr<KpiReport> kpis =
      GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = year, .number = month});
  if (!kpis.ok()) return kpis.status();
  MonthlyReport report;
  report.month = absl::CivilMonth(year, month);
  report.callback_success = kpis->callback_success.rate;
  report.callback_completion = kpis->callback_completion;
  report.callbacks_excluded = kpis->callback_success.excluded;
  report.callbacks_open = kpis->callback_success.open;
  report.first_time_fix = kpis->field_service.first_time_fix;
  report.repeat_visits = kpis->field_service.repeat_visits;
  if (kpis->field_service.mean_time_to_repair) {
    report.mean_time_to_repair_hours =
        absl::ToDoubleHours(*kpis->field_service.mean_time_to_repair);
  }
  // ---- KPIs: the rest of the company's figures, per agent / team / technician, early warnings.
  absl::StatusOr<ReportDetails> details = ReportDetailsFor(*kpis, year, month);
  if (!details.ok()) return details.status();
  report.details = *std::move(details);
  return report;
}

namespace {
constexpr char kMonthlyReportPrefix[] = "p/monthly_report/";
}  // namespace

absl::StatusOr<std::optional<v1::MonthlyReport>> CallbacksApp::StoredMonthlyReport(
    int year, int month) const {
  if (year == 0 && month == 0) {
    const absl::CivilMonth previous = ReportMonthFor(clock_.Now(), policy_.local_zone);
    year = static_cast<int>(previous.year());
    month = previous.month();
  }
  if (month < 1 || month > 12) {
    return InvalidArgument("number", absl::StrCat("There is no month ", month, "; say 1 to 12."));
  }
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(
      absl::StrCat(kMonthlyReportPrefix, absl::FormatCivilTime(absl::CivilMonth(year, month))));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<v1::MonthlyReport>();
  v1::MonthlyReport report;
  if (!report.ParseFromString(**bytes)) {
    return absl::DataLossError(absl::StrCat("The stored report of ", year, "-", month,
                                            " cannot be read."));
  }
  return std::optional<v1::MonthlyReport>(std::move(report));
}

absl::StatusOr<bool> CallbacksApp::ProduceMonthlyReport(absl::Time now) {
  const absl::CivilMonth month = ReportMonthFor(now, policy_.local_zone);
  const std::string name = absl::FormatCivilTime(month);
  const std::string key = absl::StrCat(kMonthlyReportPrefix, name);
  bool stored = false;
  absl::StatusOr<common::v1::CommandAck> ack = store_.Execute(
      DeriveId(name, "monthly-report"), {AggregateKey{"MonthlyReport", name}},
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<std::optional<std::string>> existing = store_.Get(key);
        if (!existing.ok()) return existing.status();
        if (!existing->has_value()) {
          absl::StatusOr<MonthlyReport> report =
              GetMonthlyReport(static_cast<int>(month.year()), month.month());
          if (!report.ok()) return report.status();
          v1::MonthlyReport out;
          out.set_month(name);
          out.set_json(ToJson(*report));
          out.set_csv(ToCsv(*report));
          ToProto(now, out.mutable_produced_at());
          batch.Put(key, out.SerializeAsString());
          stored = true;
          Log()->info("monthly report produced month={}", name);
        }
        return Ack(name, 1);
      });
  if (!ack.ok()) return ack.status();
  return stored;
}

}  // namespace fieldline::callbacks
