#include "services/callbacks/app/callbacks_app.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/intake/v1/events.pb.h"
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

CallbacksApp::CallbacksApp(EventStore& store, const Clock& clock, CallbackPolicy policy)
    : store_(store), clock_(clock), policy_(policy) {}

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
  if (query.page_size < 0) {
    return InvalidArgument("page_size",
                           absl::StrCat("The page size ", query.page_size,
                                        " is negative; ask for up to ", kMaxPageSize,
                                        " callbacks, or 0 for the default."));
  }
  const size_t page_size = static_cast<size_t>(
      query.page_size == 0 ? kDefaultPageSize : std::min(query.page_size, kMaxPageSize));

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
      return absl::OkStatus();
    case common::v1::EventEnvelope::kScheduling:
      if (event.scheduling().has_job_completed()) return OnJobCompleted(event, batch);
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
  return absl::OkStatus();
}

absl::Status CallbacksApp::OnJobCompleted(const EventEnvelope& source, Batch& batch) {
  const scheduling::v1::JobCompleted& completed = source.scheduling().job_completed();
  const std::string& ticket_id = completed.ticket_id();
  const AggregateKey key = CallbackKey(CallbackIdForJob(completed.job_id()));
  std::vector<AggregateKey> locks{key};
  if (!ticket_id.empty()) locks.push_back(TicketLock(ticket_id));
  batch.Lock(std::move(locks));

  absl::StatusOr<CallbackState> state = LoadCallback(key);
  if (!state.ok()) return state.status();

  std::optional<common::v1::CustomerInfo> customer;
  if (!ticket_id.empty()) {
    absl::StatusOr<std::optional<std::string>> bytes = store_.Get(TicketKey(ticket_id));
    if (!bytes.ok()) return bytes.status();
    if (bytes->has_value()) {
      customer.emplace();
      if (!customer->ParseFromString(**bytes)) {
        return absl::DataLossError(
            absl::StrCat("The stored customer of ticket ", ticket_id, " cannot be read."));
      }
    }
  }

  const ScheduleCallbackForCompletedJob command{
      .job_id = completed.job_id(),
      .ticket_id = ticket_id,
      .customer_name = customer ? customer->name() : "",
      .customer_phone = customer ? customer->phone() : "",
      .technician_id = completed.technician_id(),
      // The job was completed when scheduling recorded it, not when this service hears of it.
      .completed_at =
          source.has_server_time() ? FromProto(source.server_time()) : absl::InfinitePast(),
  };
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
            ProjectionOf(next, customer ? &*customer : nullptr).SerializeAsString());
  batch.Put(absl::StrCat(ByJobPrefix(next.job_id), next.callback_id), next.callback_id);
  if (!next.ticket_id.empty()) {
    batch.Put(absl::StrCat(ByTicketPrefix(next.ticket_id), next.callback_id), next.callback_id);
  }
  Log()->info("callback scheduled callback={} job={} ticket={} due_at={} correlation={}",
              next.callback_id, next.job_id, next.ticket_id,
              absl::FormatTime(next.due_at, absl::UTCTimeZone()), meta.correlation_id);
  return absl::OkStatus();
}

}  // namespace fieldline::callbacks
