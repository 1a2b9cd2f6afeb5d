#include "services/intake/app/intake_app.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/intake/adapters/event_codec.h"
#include "services/intake/domain/rules.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace fieldline::intake {
namespace {

constexpr std::string_view kProjectionPrefix = "p/ticket/";
constexpr char kSystemUser[] = "system:intake";
constexpr char kSystemRole[] = "system";

// Registered with spdlog (to stderr: stdout is for the READY line), so it takes the pattern and
// level the runtime set with InitLogging.
spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (std::shared_ptr<spdlog::logger> existing = spdlog::get("intake.app")) return existing;
    return spdlog::stderr_color_mt("intake.app");
  }();
  return *logger;
}

// Stable, readable slugs for index keys (never renamed: they are on disk).
constexpr char kSlaDuePrefix[] = "x/sla_due/";
constexpr char kSlaOpenPrefix[] = "x/sla_open/";
constexpr char kOpenedIndexPrefix[] = "x/ticket_by_opened/";
constexpr char kJobIndexPrefix[] = "x/ticket_by_job/";
constexpr char kSlaRiskPrefix[] = "x/ticket_by_sla_risk/";
constexpr char kPhoneIndexPrefix[] = "x/ticket_by_phone/";
constexpr char kTechnicianIndexPrefix[] = "x/ticket_by_technician/";
constexpr char kCategoryIndexPrefix[] = "x/ticket_by_category/";
constexpr char kCallbackIndexPrefix[] = "x/ticket_by_callback/";
constexpr char kComplaintStatePrefix[] = "x/complaint_by_state/";
constexpr char kComplaintTechnicianPrefix[] = "x/complaint_by_technician/";
// Present once BackfillIndexes has indexed the data of earlier builds.
constexpr char kBackfillMarker[] = "x/backfill/issue3-indexes";

// A free-text value as one key segment: '%' and '/' escaped, so "a/b" cannot reach into the
// entries of "a".
std::string KeyPart(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (ch == '%') {
      out += "%25";
    } else if (ch == '/') {
      out += "%2F";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string ComplaintStateSlug(bool closed) { return closed ? "closed" : "open"; }

// "callback failed (attempts exhausted)" from "callback failed" and "attempts_exhausted".
std::string OutcomePhrase(std::string_view what, std::string detail) {
  std::replace(detail.begin(), detail.end(), '_', ' ');
  if (detail.empty()) return std::string(what);
  return absl::StrCat(AsAbsl(what), " (", detail, ")");
}

// Unix seconds, rounded UP, zero-padded to 20 digits so keys sort by time.
std::string TimeKey(absl::Time t) {
  int64_t seconds = absl::ToUnixSeconds(t);
  if (absl::FromUnixSeconds(seconds) < t) ++seconds;
  if (seconds < 0) seconds = 0;
  std::string digits = absl::StrCat(seconds);
  return std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits;
}

std::string_view StateSlug(TicketStatus status) {
  switch (status) {
    case TicketStatus::kNone:
      return "none";
    case TicketStatus::kOpen:
      return "open";
    case TicketStatus::kScheduled:
      return "scheduled";
    case TicketStatus::kInProgress:
      return "in_progress";
    case TicketStatus::kCompleted:
      return "completed";
    case TicketStatus::kResolvedRemotely:
      return "resolved_remotely";
    case TicketStatus::kClosed:
      return "closed";
    case TicketStatus::kCancelled:
      return "cancelled";
    case TicketStatus::kAtServiceCentre:
      return "at_service_centre";
    case TicketStatus::kAtFactory:
      return "at_factory";
    case TicketStatus::kBackFromFactory:
      return "back_from_factory";
    case TicketStatus::kReturnedToCustomer:
      return "returned_to_customer";
    case TicketStatus::kWaitingForParts:
      return "waiting_for_parts";
  }
  return "unknown";
}

std::string EventName(const TicketEvent& event) {
  return IntakeEventName(EncodeTicketEvent(event));
}

template <typename Message>
absl::StatusOr<Message> ParseStored(std::string_view key, std::string_view bytes,
                                    std::string_view what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("The stored ", AsAbsl(what), " at ", AsAbsl(key),
                                            " cannot be read."));
  }
  return message;
}

absl::Status CheckExpectedVersion(std::string_view what, std::string_view id, int64_t expected,
                                  int64_t actual) {
  if (expected < 0) {
    return InvalidArgument("expected_version",
                           absl::StrCat("Expected version ", expected,
                                        " is not a version; give the version you read, or 0."));
  }
  if (expected > 0 && actual != expected) {
    return VersionConflict(absl::StrCat(AsAbsl(what), " ", AsAbsl(id), " is at version ", actual,
                                        ", not ", expected,
                                        ": it changed since you read it; reload and try again."));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Ticket> ParseTicket(std::string_view key, std::string_view bytes) {
  v1::Ticket ticket;
  if (!ticket.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat("The stored ticket at ", AsAbsl(key), " cannot be read."));
  }
  return ticket;
}

// Reads every record an index "<prefix><id>" points at, in id order, through `get`.
template <typename T, typename Get>
absl::Status CollectIndexed(const EventStore& store, const std::string& prefix, Get&& get,
                            std::vector<T>* out) {
  absl::Status failure;
  absl::Status scanned = store.Scan(prefix, "", [&](std::string_view key, std::string_view) {
    absl::StatusOr<T> record = get(key.substr(prefix.size()));
    if (!record.ok()) {
      failure = record.status();
      return false;
    }
    out->push_back(*std::move(record));
    return true;
  });
  if (!scanned.ok()) return scanned;
  return failure;
}

}  // namespace

std::string TicketProjectionKey(std::string_view ticket_id) {
  return absl::StrCat(AsAbsl(kProjectionPrefix), AsAbsl(ticket_id));
}

std::string TicketStateIndexPrefix(TicketStatus status) {
  return absl::StrCat("x/ticket_by_state/", AsAbsl(StateSlug(status)), "/");
}

std::string CustomerProjectionKey(std::string_view customer_id) {
  return absl::StrCat("p/customer/", AsAbsl(customer_id));
}

std::string AssetProjectionKey(std::string_view asset_id) {
  return absl::StrCat("p/asset/", AsAbsl(asset_id));
}

std::string CustomerPhoneIndexKey(std::string_view phone_digits) {
  return absl::StrCat("x/customer_by_phone/", AsAbsl(phone_digits));
}

namespace {

std::string TicketCustomerIndexPrefix(std::string_view customer_id) {
  return absl::StrCat("x/ticket_by_customer/", AsAbsl(customer_id), "/");
}

std::string ComplaintCustomerIndexPrefix(std::string_view customer_id) {
  return absl::StrCat("x/complaint_by_customer/", AsAbsl(customer_id), "/");
}

std::string ComplaintProjectionKey(std::string_view complaint_id) {
  return absl::StrCat("p/complaint/", AsAbsl(complaint_id));
}

std::string AssetCustomerIndexPrefix(std::string_view customer_id) {
  return absl::StrCat("x/asset_by_customer/", AsAbsl(customer_id), "/");
}

}  // namespace

IntakeApp::IntakeApp(EventStore& store, const Clock& clock, IdGenerator& ids, IntakePolicy policy)
    : store_(store), clock_(clock), ids_(ids), policy_(std::move(policy)) {}

// ------------------------------------------------------------------------------------ commands

absl::StatusOr<common::v1::CommandAck> IntakeApp::OpenTicket(const CommandMeta& meta,
                                                             const intake::OpenTicket& command) {
  // A new ticket gets a fresh id and starts from the empty state. Appending at expected version
  // 0 turns the (practically impossible) id collision into ABORTED — nothing written, and a
  // retry draws a new id — instead of writing into another ticket.
  const std::string ticket_id = ids_.NewId(meta.now);
  const AggregateKey key{kTicketAggregate, ticket_id};
  absl::StatusOr<common::v1::CommandAck> ack = store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        intake::OpenTicket open = command;
        open.ticket_id = ticket_id;
        open.entitlement_policy = policy_.entitlement;
        // A known customer fills what the agent left out; an unknown id is kept as typed (the
        // inline customer info works as before).
        if (!open.customer.customer_id.empty()) {
          absl::StatusOr<CustomerState> known = LoadCustomer(open.customer.customer_id);
          if (!known.ok()) return known.status();
          if (known->registered()) {
            if (Trimmed(open.customer.name).empty()) open.customer.name = known->name;
            if (Trimmed(open.customer.phone).empty() && !known->phones.empty()) {
              open.customer.phone = known->phones.front();
            }
            if (Trimmed(open.customer.address).empty()) open.customer.address = known->address;
            if (!open.customer.location.has_value()) open.customer.location = known->location;
            open.customer_tier = known->tier;
          }
        }
        if (!Trimmed(open.asset_id).empty()) {
          absl::StatusOr<std::pair<AssetState, int64_t>> asset = LoadAsset(Trimmed(open.asset_id));
          if (!asset.ok()) return asset.status();
          if (asset->first.registered()) {
            open.asset = AssetFacts{asset->first.asset_id, asset->first.customer_id,
                                    asset->first.warranty_end};
            // Fill the customer from the asset's owner when the agent named only the asset.
            if (open.customer.customer_id.empty()) {
              absl::StatusOr<CustomerState> owner = LoadCustomer(asset->first.customer_id);
              if (!owner.ok()) return owner.status();
              if (Trimmed(open.customer.name).empty()) open.customer.name = owner->name;
              if (Trimmed(open.customer.phone).empty() && !owner->phones.empty()) {
                open.customer.phone = owner->phones.front();
              }
              if (Trimmed(open.customer.address).empty()) open.customer.address = owner->address;
              if (!open.customer.location.has_value()) open.customer.location = owner->location;
              if (owner->registered()) open.customer_tier = owner->tier;
            }
            // A contract in force when the ticket is opened sets the SLA promises it has.
            if (const std::optional<Contract>& contract = asset->first.contract;
                contract.has_value() &&
                (contract->ends_at == absl::InfinitePast() || contract->ends_at > meta.now)) {
              open.contract_promises = contract->promises;
            }
          }
        }
        absl::StatusOr<std::vector<TicketEvent>> events = Decide(TicketState{}, open, meta.now);
        if (!events.ok()) return events.status();
        // The promise's due times as the policy sets them now, if nothing pauses the clocks:
        // recorded on TicketOpened so scheduling can take them as the job's SLA deadline.
        for (TicketEvent& e : *events) {
          auto* opened = std::get_if<TicketOpened>(&e);
          if (opened == nullptr) continue;
          const TicketSlaState sla = EvaluateSla({{*opened, meta.now}}, policy_.sla, meta.now);
          if (const SlaClockState* c = sla.Find(SlaClockKind::kOnSite);
              c != nullptr && c->due != absl::InfiniteFuture()) {
            opened->onsite_due = c->due;
          }
          if (const SlaClockState* c = sla.Find(SlaClockKind::kResolution);
              c != nullptr && c->due != absl::InfiniteFuture()) {
            opened->resolution_due = c->due;
          }
        }
        absl::StatusOr<TicketView> view = Record(batch, key, TicketView{}, *events, meta, "");
        if (!view.ok()) return view.status();
        common::v1::CommandAck result;
        result.set_aggregate_id(ticket_id);
        result.set_version(view->version);
        return result;
      });
  if (ack.ok()) {
    Log().info("ticket opened ticket={} version={} request_id={} actor={} correlation_id={}",
               ack->aggregate_id(), ack->version(), meta.request_id, meta.actor.user_id,
               meta.correlation_id.empty() ? meta.request_id : meta.correlation_id);
  } else {
    Log().debug("open ticket refused request_id={} code={} error=\"{}\"", meta.request_id,
                absl::StatusCodeToString(ack.status().code()),
                std::string(ack.status().message()));
  }
  return ack;
}

absl::StatusOr<common::v1::CommandAck> IntakeApp::ChangeTicket(const CommandMeta& meta,
                                                               int64_t expected_version,
                                                               TicketCommand command) {
  if (auto* receive = std::get_if<ReceiveAtServiceCentre>(&command)) {
    receive->store_repair_promise = policy_.store_repair_promise;
  } else if (auto* send = std::get_if<SendToFactory>(&command)) {
    send->factory_return_promise = policy_.factory_return_promise;
  }
  const std::string ticket_id =
      std::visit([](const auto& c) { return Trimmed(c.ticket_id); }, command);
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", "Which ticket? The ticket id is empty.");
  }
  std::visit([&](auto& c) { c.ticket_id = ticket_id; }, command);
  const AggregateKey key{kTicketAggregate, ticket_id};
  absl::StatusOr<common::v1::CommandAck> ack = store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<TicketView> view = LoadTicket(key);
        if (!view.ok()) return view.status();
        if (view->state.status != TicketStatus::kNone) {
          if (absl::Status s = CheckExpectedVersion("Ticket", ticket_id, expected_version,
                                                    view->version);
              !s.ok()) {
            return s;
          }
        }
        absl::StatusOr<std::vector<TicketEvent>> events = Decide(view->state, command, meta.now);
        if (!events.ok()) return events.status();
        absl::StatusOr<TicketView> after = Record(batch, key, *std::move(view), *events, meta, "");
        if (!after.ok()) return after.status();
        common::v1::CommandAck result;
        result.set_aggregate_id(ticket_id);
        result.set_version(after->version);
        return result;
      });
  if (ack.ok()) {
    Log().info("ticket changed ticket={} version={} request_id={} actor={}", ticket_id,
               ack->version(), meta.request_id, meta.actor.user_id);
  } else {
    Log().debug("ticket change refused ticket={} request_id={} code={} error=\"{}\"", ticket_id,
                meta.request_id, absl::StatusCodeToString(ack.status().code()),
                std::string(ack.status().message()));
  }
  return ack;
}

absl::StatusOr<common::v1::CommandAck> IntakeApp::RegisterComplaint(
    const CommandMeta& meta, const intake::RegisterComplaint& command) {
  const std::string complaint_id = ids_.NewId(meta.now);
  const AggregateKey key{kComplaintAggregate, complaint_id};
  return store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        intake::RegisterComplaint c = command;
        c.complaint_id = complaint_id;
        c.first_response_within = policy_.complaint_first_response;
        absl::StatusOr<std::vector<ComplaintEvent>> events = Decide(ComplaintState{}, c, meta.now);
        if (!events.ok()) return events.status();
        ComplaintState state;
        std::vector<v1::IntakeEvent> payloads;
        for (const ComplaintEvent& e : *events) {
          payloads.push_back(EncodeComplaintEvent(e));
          state = Evolve(std::move(state), e);
        }
        if (absl::Status s = AppendIntake(batch, key, 0, payloads, meta, ""); !s.ok()) return s;
        v1::Complaint projection;
        ComplaintStateToProto(state, 1, &projection);
        ToProto(meta.now, projection.mutable_registered_at());
        PutComplaint(batch, nullptr, state, projection);
        common::v1::CommandAck ack;
        ack.set_aggregate_id(complaint_id);
        ack.set_version(1);
        return ack;
      });
}

absl::StatusOr<common::v1::CommandAck> IntakeApp::ChangeComplaint(const CommandMeta& meta,
                                                                  int64_t expected_version,
                                                                  ComplaintCommand command) {
  if (auto* close = std::get_if<intake::CloseComplaint>(&command)) {
    close->actor_role = meta.actor.role;
  }
  const std::string complaint_id =
      std::visit([](const auto& c) { return Trimmed(c.complaint_id); }, command);
  if (complaint_id.empty()) {
    return InvalidArgument("complaint_id", "Which complaint? The complaint id is empty.");
  }
  std::visit([&](auto& c) { c.complaint_id = complaint_id; }, command);
  const AggregateKey key{kComplaintAggregate, complaint_id};
  return store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<std::vector<EventEnvelope>> stream = ReadIntakeStream(key);
        if (!stream.ok()) return stream.status();
        ComplaintState state;
        for (const EventEnvelope& envelope : *stream) {
          absl::StatusOr<ComplaintEvent> event = DecodeComplaintEvent(envelope.intake());
          if (!event.ok()) return event.status();
          state = Evolve(std::move(state), *event);
        }
        int64_t version = static_cast<int64_t>(stream->size());
        if (state.registered()) {
          if (absl::Status s =
                  CheckExpectedVersion("Complaint", complaint_id, expected_version, version);
              !s.ok()) {
            return s;
          }
        }
        absl::StatusOr<std::vector<ComplaintEvent>> events = Decide(state, command, meta.now);
        if (!events.ok()) return events.status();
        absl::StatusOr<v1::Complaint> projection = GetComplaint(complaint_id);
        if (!projection.ok()) return projection.status();
        const ComplaintState before = state;
        std::vector<v1::IntakeEvent> payloads;
        for (const ComplaintEvent& e : *events) {
          payloads.push_back(EncodeComplaintEvent(e));
          state = Evolve(std::move(state), e);
          if (const auto* note = std::get_if<ComplaintNoteAdded>(&e)) {
            v1::ComplaintNote* n = projection->add_notes();
            n->set_step(note->step);
            n->set_text(note->text);
            n->set_user_id(meta.actor.user_id);
            ToProto(meta.now, n->mutable_at());
            if (note->first_response) ToProto(meta.now, projection->mutable_first_responded_at());
          }
        }
        if (absl::Status s = AppendIntake(batch, key, version, payloads, meta, ""); !s.ok()) {
          return s;
        }
        version += static_cast<int64_t>(payloads.size());
        ComplaintStateToProto(state, version, &*projection);
        PutComplaint(batch, &before, state, *projection);
        common::v1::CommandAck ack;
        ack.set_aggregate_id(complaint_id);
        ack.set_version(version);
        return ack;
      });
}

absl::StatusOr<v1::Complaint> IntakeApp::GetComplaint(std::string_view complaint_id) const {
  if (complaint_id.empty()) {
    return InvalidArgument("complaint_id", "Which complaint? The complaint id is empty.");
  }
  const std::string key = ComplaintProjectionKey(complaint_id);
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return NotFound("complaint_id",
                    absl::StrCat("There is no complaint ", AsAbsl(complaint_id), "."));
  }
  return ParseStored<v1::Complaint>(key, **bytes, "complaint");
}

absl::StatusOr<common::v1::CommandAck> IntakeApp::RegisterCustomer(
    const CommandMeta& meta, const intake::RegisterCustomer& command) {
  const std::string customer_id = ids_.NewId(meta.now);
  const AggregateKey key{kCustomerAggregate, customer_id};
  // Each phone is locked as its own key, so two agents registering the same number at once
  // are serialised and the second one sees the first's index entry.
  std::vector<AggregateKey> locks{key};
  for (const std::string& phone : command.phones) {
    const std::string digits = PhoneDigits(phone);
    if (!digits.empty()) locks.push_back({"CustomerPhone", digits});
  }
  return store_.Execute(
      meta.request_id, locks, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        PhoneOwners owners;
        for (const std::string& phone : command.phones) {
          const std::string digits = PhoneDigits(phone);
          if (digits.empty()) continue;
          absl::StatusOr<std::optional<std::string>> owner =
              store_.Get(CustomerPhoneIndexKey(digits));
          if (!owner.ok()) return owner.status();
          if (owner->has_value()) owners[digits] = **owner;
        }
        intake::RegisterCustomer register_command = command;
        register_command.customer_id = customer_id;
        absl::StatusOr<std::vector<CustomerEvent>> events =
            Decide(CustomerState{}, register_command, owners, meta.now);
        if (!events.ok()) return events.status();
        std::vector<v1::IntakeEvent> payloads;
        CustomerState state;
        for (const CustomerEvent& e : *events) {
          payloads.push_back(EncodeCustomerEvent(e));
          state = Evolve(std::move(state), e);
        }
        if (absl::Status s = AppendIntake(batch, key, 0, payloads, meta, ""); !s.ok()) return s;
        const int64_t version = static_cast<int64_t>(payloads.size());
        batch.Put(CustomerProjectionKey(customer_id),
                  CustomerStateToProto(state, version, meta.now).SerializeAsString());
        for (const std::string& phone : state.phones) {
          batch.Put(CustomerPhoneIndexKey(PhoneDigits(phone)), customer_id);
        }
        common::v1::CommandAck ack;
        ack.set_aggregate_id(customer_id);
        ack.set_version(version);
        return ack;
      });
}

absl::StatusOr<common::v1::CommandAck> IntakeApp::UpdateCustomer(
    const CommandMeta& meta, int64_t expected_version, const intake::UpdateCustomer& command) {
  const std::string customer_id = Trimmed(command.customer_id);
  if (customer_id.empty()) {
    return InvalidArgument("customer_id", "Which customer? The customer id is empty.");
  }
  const AggregateKey key{kCustomerAggregate, customer_id};
  std::vector<AggregateKey> locks{key};
  for (const std::string& phone : command.phones) {
    const std::string digits = PhoneDigits(phone);
    if (!digits.empty()) locks.push_back({"CustomerPhone", digits});
  }
  return store_.Execute(
      meta.request_id, locks, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<std::vector<EventEnvelope>> stream = ReadIntakeStream(key);
        if (!stream.ok()) return stream.status();
        CustomerState state;
        for (const EventEnvelope& envelope : *stream) {
          absl::StatusOr<CustomerEvent> event = DecodeCustomerEvent(envelope.intake());
          if (!event.ok()) return event.status();
          state = Evolve(std::move(state), *event);
        }
        int64_t version = static_cast<int64_t>(stream->size());
        if (state.registered()) {
          if (absl::Status s =
                  CheckExpectedVersion("Customer", customer_id, expected_version, version);
              !s.ok()) {
            return s;
          }
        }
        PhoneOwners owners;
        for (const std::string& phone : command.phones) {
          const std::string digits = PhoneDigits(phone);
          if (digits.empty()) continue;
          absl::StatusOr<std::optional<std::string>> owner =
              store_.Get(CustomerPhoneIndexKey(digits));
          if (!owner.ok()) return owner.status();
          if (owner->has_value()) owners[digits] = **owner;
        }
        intake::UpdateCustomer update = command;
        update.customer_id = customer_id;
        absl::StatusOr<std::vector<CustomerEvent>> events =
            Decide(state, update, owners, meta.now);
        if (!events.ok()) return events.status();
        const std::vector<std::string> old_phones = state.phones;
        std::vector<v1::IntakeEvent> payloads;
        for (const CustomerEvent& e : *events) {
          payloads.push_back(EncodeCustomerEvent(e));
          state = Evolve(std::move(state), e);
        }
        if (absl::Status s = AppendIntake(batch, key, version, payloads, meta, ""); !s.ok()) {
          return s;
        }
        version += static_cast<int64_t>(payloads.size());
        absl::StatusOr<v1::Customer> before = GetCustomer(customer_id);
        if (!before.ok()) return before.status();
        v1::Customer projection = CustomerStateToProto(
            state, version,
            before->has_registered_at() ? FromProto(before->registered_at()) : meta.now);
        ToProto(meta.now, projection.mutable_updated_at());
        batch.Put(CustomerProjectionKey(customer_id), projection.SerializeAsString());
        for (const std::string& phone : old_phones) {
          batch.Delete(CustomerPhoneIndexKey(PhoneDigits(phone)));
        }
        for (const std::string& phone : state.phones) {
          batch.Put(CustomerPhoneIndexKey(PhoneDigits(phone)), customer_id);
        }
        common::v1::CommandAck ack;
        ack.set_aggregate_id(customer_id);
        ack.set_version(version);
        return ack;
      });
}

absl::StatusOr<v1::Customer> IntakeApp::GetCustomerAsOf(std::string_view customer_id,
                                                        absl::Time as_of) const {
  if (customer_id.empty()) {
    return InvalidArgument("customer_id", "Which customer? The customer id is empty.");
  }
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      ReadIntakeStream({kCustomerAggregate, std::string(customer_id)});
  if (!stream.ok()) return stream.status();
  if (stream->empty()) {
    return NotFound("customer_id",
                    absl::StrCat("There is no customer ", AsAbsl(customer_id), "."));
  }
  CustomerState state;
  int64_t version = 0;
  absl::Time registered_at = absl::InfinitePast();
  absl::Time updated_at = absl::InfinitePast();
  for (const EventEnvelope& envelope : *stream) {
    const absl::Time at = FromProto(envelope.server_time());
    if (at > as_of) break;
    absl::StatusOr<CustomerEvent> event = DecodeCustomerEvent(envelope.intake());
    if (!event.ok()) return event.status();
    state = Evolve(std::move(state), *event);
    version = envelope.aggregate_version();
    if (registered_at == absl::InfinitePast()) registered_at = at;
    updated_at = at;
  }
  if (version == 0) {
    return NotFound("as_of", absl::StrCat("Customer ", AsAbsl(customer_id),
                                          " was not registered yet at ",
                                          absl::FormatTime(as_of, absl::UTCTimeZone()), "."));
  }
  v1::Customer customer = CustomerStateToProto(state, version, registered_at);
  ToProto(updated_at, customer.mutable_updated_at());
  return customer;
}

absl::StatusOr<v1::Complaint> IntakeApp::GetComplaintAsOf(std::string_view complaint_id,
                                                          absl::Time as_of) const {
  if (complaint_id.empty()) {
    return InvalidArgument("complaint_id", "Which complaint? The complaint id is empty.");
  }
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      ReadIntakeStream({kComplaintAggregate, std::string(complaint_id)});
  if (!stream.ok()) return stream.status();
  if (stream->empty()) {
    return NotFound("complaint_id",
                    absl::StrCat("There is no complaint ", AsAbsl(complaint_id), "."));
  }
  ComplaintState state;
  v1::Complaint complaint;
  int64_t version = 0;
  for (const EventEnvelope& envelope : *stream) {
    const absl::Time at = FromProto(envelope.server_time());
    if (at > as_of) break;
    absl::StatusOr<ComplaintEvent> event = DecodeComplaintEvent(envelope.intake());
    if (!event.ok()) return event.status();
    if (version == 0) ToProto(at, complaint.mutable_registered_at());
    if (const auto* note = std::get_if<ComplaintNoteAdded>(&*event)) {
      v1::ComplaintNote* n = complaint.add_notes();
      n->set_step(note->step);
      n->set_text(note->text);
      n->set_user_id(envelope.actor().user_id());
      *n->mutable_at() = envelope.server_time();
      if (note->first_response) *complaint.mutable_first_responded_at() = envelope.server_time();
    }
    state = Evolve(std::move(state), *event);
    version = envelope.aggregate_version();
  }
  if (version == 0) {
    return NotFound("as_of", absl::StrCat("Complaint ", AsAbsl(complaint_id),
                                          " was not registered yet at ",
                                          absl::FormatTime(as_of, absl::UTCTimeZone()), "."));
  }
  ComplaintStateToProto(state, version, &complaint);
  return complaint;
}

absl::StatusOr<common::v1::CommandAck> IntakeApp::RegisterAsset(
    const CommandMeta& meta, const intake::RegisterAsset& command) {
  const std::string asset_id = ids_.NewId(meta.now);
  const AggregateKey key{kAssetAggregate, asset_id};
  return store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<CustomerState> owner = LoadCustomer(Trimmed(command.customer_id));
        if (!owner.ok()) return owner.status();
        intake::RegisterAsset register_command = command;
        register_command.asset_id = asset_id;
        register_command.customer_id = Trimmed(command.customer_id);
        register_command.warranty_years = policy_.entitlement.warranty_years;
        absl::StatusOr<std::vector<AssetEvent>> events =
            Decide(AssetState{}, register_command, *owner, meta.now);
        if (!events.ok()) return events.status();
        std::vector<v1::IntakeEvent> payloads;
        AssetState state;
        for (const AssetEvent& e : *events) {
          payloads.push_back(EncodeAssetEvent(e));
          state = Evolve(std::move(state), e);
        }
        if (absl::Status s = AppendIntake(batch, key, 0, payloads, meta, ""); !s.ok()) return s;
        const int64_t version = static_cast<int64_t>(payloads.size());
        batch.Put(AssetProjectionKey(asset_id),
                  AssetStateToProto(state, version).SerializeAsString());
        batch.Put(absl::StrCat(AssetCustomerIndexPrefix(state.customer_id), asset_id), "");
        common::v1::CommandAck ack;
        ack.set_aggregate_id(asset_id);
        ack.set_version(version);
        return ack;
      });
}

absl::StatusOr<common::v1::CommandAck> IntakeApp::TransferAsset(
    const CommandMeta& meta, int64_t expected_version, const intake::TransferAsset& command) {
  const std::string asset_id = Trimmed(command.asset_id);
  if (asset_id.empty()) return InvalidArgument("asset_id", "Which asset? The asset id is empty.");
  const AggregateKey key{kAssetAggregate, asset_id};
  return store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<std::pair<AssetState, int64_t>> asset = LoadAsset(asset_id);
        if (!asset.ok()) return asset.status();
        auto& [state, version] = *asset;
        if (state.registered()) {
          if (absl::Status s = CheckExpectedVersion("Asset", asset_id, expected_version, version);
              !s.ok()) {
            return s;
          }
        }
        absl::StatusOr<CustomerState> new_owner = LoadCustomer(Trimmed(command.to_customer_id));
        if (!new_owner.ok()) return new_owner.status();
        intake::TransferAsset transfer = command;
        transfer.asset_id = asset_id;
        absl::StatusOr<std::vector<AssetEvent>> events =
            Decide(state, transfer, *new_owner, meta.now);
        if (!events.ok()) return events.status();
        const std::string from = state.customer_id;
        std::vector<v1::IntakeEvent> payloads;
        for (const AssetEvent& e : *events) {
          payloads.push_back(EncodeAssetEvent(e));
          state = Evolve(std::move(state), e);
        }
        if (absl::Status s = AppendIntake(batch, key, version, payloads, meta, ""); !s.ok()) {
          return s;
        }
        version += static_cast<int64_t>(payloads.size());
        batch.Put(AssetProjectionKey(asset_id),
                  AssetStateToProto(state, version).SerializeAsString());
        batch.Delete(absl::StrCat(AssetCustomerIndexPrefix(from), asset_id));
        batch.Put(absl::StrCat(AssetCustomerIndexPrefix(state.customer_id), asset_id), "");
        common::v1::CommandAck ack;
        ack.set_aggregate_id(asset_id);
        ack.set_version(version);
        return ack;
      });
}

// ------------------------------------------------------------------------------------- queries

absl::StatusOr<v1::Ticket> IntakeApp::GetTicket(std::string_view ticket_id) const {
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", "Which ticket? The ticket id is empty.");
  }
  const std::string key = TicketProjectionKey(ticket_id);
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return NotFound("ticket_id", absl::StrCat("There is no ticket ", AsAbsl(ticket_id), "."));
  }
  return ParseTicket(key, **bytes);
}

absl::StatusOr<v1::Customer> IntakeApp::GetCustomer(std::string_view customer_id) const {
  if (customer_id.empty()) {
    return InvalidArgument("customer_id", "Which customer? The customer id is empty.");
  }
  const std::string key = CustomerProjectionKey(customer_id);
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return NotFound("customer_id",
                    absl::StrCat("There is no customer ", AsAbsl(customer_id), "."));
  }
  return ParseStored<v1::Customer>(key, **bytes, "customer");
}

absl::StatusOr<v1::Customer> IntakeApp::FindCustomerByPhone(std::string_view phone) const {
  if (absl::Status s = ValidatePhone("phone", Trimmed(phone)); !s.ok()) return s;
  absl::StatusOr<std::optional<std::string>> id = store_.Get(CustomerPhoneIndexKey(PhoneDigits(phone)));
  if (!id.ok()) return id.status();
  if (!id->has_value()) {
    return NotFound("phone", absl::StrCat("No customer has the phone number ", AsAbsl(phone), "."));
  }
  return GetCustomer(**id);
}

absl::StatusOr<v1::Asset> IntakeApp::GetAsset(std::string_view asset_id) const {
  if (asset_id.empty()) return InvalidArgument("asset_id", "Which asset? The asset id is empty.");
  const std::string key = AssetProjectionKey(asset_id);
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return NotFound("asset_id", absl::StrCat("There is no asset ", AsAbsl(asset_id), "."));
  }
  return ParseStored<v1::Asset>(key, **bytes, "asset");
}

absl::StatusOr<CustomerHistory> IntakeApp::GetCustomerHistory(
    std::string_view customer_id) const {
  CustomerHistory history;
  absl::StatusOr<v1::Customer> customer = GetCustomer(customer_id);
  if (!customer.ok()) return customer.status();
  history.customer = *std::move(customer);
  if (absl::Status s = CollectIndexed(store_, AssetCustomerIndexPrefix(customer_id),
                                      [&](std::string_view id) { return GetAsset(id); },
                                      &history.assets);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CollectIndexed(store_, TicketCustomerIndexPrefix(customer_id),
                                      [&](std::string_view id) { return GetTicket(id); },
                                      &history.tickets);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CollectIndexed(store_, ComplaintCustomerIndexPrefix(customer_id),
                                      [&](std::string_view id) { return GetComplaint(id); },
                                      &history.complaints);
      !s.ok()) {
    return s;
  }
  return history;
}

absl::StatusOr<v1::Timeline> IntakeApp::GetTimeline(std::string_view aggregate_type,
                                                    std::string_view aggregate_id) const {
  if (aggregate_type != kTicketAggregate && aggregate_type != kCustomerAggregate &&
      aggregate_type != kAssetAggregate && aggregate_type != kComplaintAggregate) {
    return InvalidArgument("aggregate_type",
                           absl::StrCat("Timelines are kept for Ticket, Customer, Asset and "
                                        "Complaint, not ",
                                        AsAbsl(aggregate_type), "."));
  }
  if (aggregate_id.empty()) {
    return InvalidArgument("aggregate_id", "Whose timeline? The id is empty.");
  }
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      ReadIntakeStream({std::string(aggregate_type), std::string(aggregate_id)});
  if (!stream.ok()) return stream.status();
  if (stream->empty()) {
    return NotFound("aggregate_id", absl::StrCat("There is no ", AsAbsl(aggregate_type), " ",
                                                 AsAbsl(aggregate_id), "."));
  }
  v1::Timeline timeline;
  for (const EventEnvelope& envelope : *stream) {
    v1::TimelineEntry* entry = timeline.add_entries();
    entry->set_version(envelope.aggregate_version());
    entry->set_what(IntakeEventName(envelope.intake()));
    entry->set_user_id(envelope.actor().user_id());
    entry->set_role(envelope.actor().role());
    *entry->mutable_server_time() = envelope.server_time();
    if (envelope.has_device_time()) *entry->mutable_device_time() = envelope.device_time();
    entry->set_why(IntakeEventWhy(envelope.intake()));
    entry->set_request_id(envelope.request_id());
    entry->set_causation_id(envelope.causation_id());
    *entry->mutable_event() = envelope.intake();
  }
  return timeline;
}

absl::StatusOr<v1::Ticket> IntakeApp::GetTicketAsOf(std::string_view ticket_id,
                                                    absl::Time as_of) const {
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", "Which ticket? The ticket id is empty.");
  }
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      ReadIntakeStream({kTicketAggregate, std::string(ticket_id)});
  if (!stream.ok()) return stream.status();
  if (stream->empty()) {
    return NotFound("ticket_id", absl::StrCat("There is no ticket ", AsAbsl(ticket_id), "."));
  }
  TicketView view;
  for (const EventEnvelope& envelope : *stream) {
    const absl::Time at = FromProto(envelope.server_time());
    if (at > as_of) break;
    absl::StatusOr<TicketEvent> event = DecodeTicketEvent(envelope.intake());
    if (!event.ok()) return event.status();
    view = Project(std::move(view), *event, envelope.aggregate_version(), at);
  }
  if (view.version == 0) {
    return NotFound("as_of", absl::StrCat("Ticket ", AsAbsl(ticket_id),
                                          " was not opened yet at ",
                                          absl::FormatTime(as_of, absl::UTCTimeZone()), "."));
  }
  return TicketViewToProto(view);
}

absl::StatusOr<TicketPage> IntakeApp::ListTickets(const TicketListQuery& query) const {
  if (!query.phone.empty() && PhoneDigits(query.phone).empty()) {
    return InvalidArgument("phone", absl::StrCat("Phone ", query.phone, " has no digits."));
  }
  if (query.opened_from >= query.opened_before) {
    return InvalidArgument("opened_before",
                           "The end of the date range must be after its start.");
  }
  if (query.sla_risk < 0 || query.sla_risk > 2) {
    return InvalidArgument("sla_risk", absl::StrCat("SLA risk ", query.sla_risk,
                                                    " is not one of at risk or breached."));
  }
  absl::StatusOr<int32_t> effective = EffectivePageSize(query.page_size);
  if (!effective.ok()) return effective.status();
  const size_t limit = static_cast<size_t>(*effective);

  // One more than a page tells whether another page follows.
  TicketPage page;
  bool more = false;
  absl::Status failure;
  auto take = [&](std::string_view ticket_id) {
    absl::StatusOr<v1::Ticket> ticket = GetTicket(ticket_id);
    if (!ticket.ok()) {
      // Not there (any more): not in the page.
      if (absl::IsNotFound(ticket.status())) return true;
      failure = ticket.status();
      return false;
    }
    absl::StatusOr<bool> matches = Matches(query, *ticket);
    if (!matches.ok()) {
      failure = matches.status();
      return false;
    }
    if (!*matches) return true;  // another filter, or moved on since the index was read
    if (page.tickets.size() == limit) {
      more = true;
      return false;
    }
    page.tickets.push_back(*std::move(ticket));
    return true;
  };

  // One index answers; the other filters are checked per ticket. The narrowest index first:
  // customer, phone, technician, SLA risk, category, state; then the opening-time index for a
  // date range alone; else every ticket. Every index but the opening-time one is in id order.
  std::string prefix;
  if (!query.customer_id.empty()) {
    prefix = TicketCustomerIndexPrefix(query.customer_id);
  } else if (!query.phone.empty()) {
    prefix = absl::StrCat(kPhoneIndexPrefix, PhoneDigits(query.phone), "/");
  } else if (!query.technician_id.empty()) {
    prefix = absl::StrCat(kTechnicianIndexPrefix, KeyPart(query.technician_id), "/");
  } else if (query.sla_risk != 0) {
    prefix = absl::StrCat(kSlaRiskPrefix, query.sla_risk == 2 ? "breached/" : "at_risk/");
  } else if (!query.category.empty()) {
    prefix = absl::StrCat(kCategoryIndexPrefix, KeyPart(query.category), "/");
  } else if (query.status != TicketStatus::kNone) {
    prefix = TicketStateIndexPrefix(query.status);
  }

  absl::Status scanned;
  if (!prefix.empty()) {
    scanned = store_.Scan(prefix, query.page_token,
                          [&](std::string_view key, std::string_view /*value*/) {
                            return take(key.substr(prefix.size()));
                          });
  } else if (query.opened_from != absl::InfinitePast() ||
             query.opened_before != absl::InfiniteFuture()) {
    // Opening time, then id: "x/ticket_by_opened/<seconds>/<id>". The page token is still the
    // last id; its opening time says where to go on.
    std::string start_after;
    if (!query.page_token.empty()) {
      absl::StatusOr<v1::Ticket> last = GetTicket(query.page_token);
      if (!last.ok()) {
        return InvalidArgument("page_token", absl::StrCat("Page token ", query.page_token,
                                                          " is not from this list."));
      }
      start_after = absl::StrCat(kOpenedIndexPrefix, TimeKey(FromProto(last->opened_at())), "/",
                                 query.page_token);
    } else if (query.opened_from != absl::InfinitePast()) {
      start_after = absl::StrCat(kOpenedIndexPrefix, TimeKey(query.opened_from));
    }
    const std::string end = query.opened_before == absl::InfiniteFuture()
                                ? std::string()
                                : TimeKey(query.opened_before);
    scanned = store_.Scan(kOpenedIndexPrefix, start_after,
                          [&](std::string_view key, std::string_view /*value*/) {
                            std::vector<std::string> parts = absl::StrSplit(
                                AsAbsl(key.substr(std::string_view(kOpenedIndexPrefix).size())),
                                '/');
                            if (parts.size() != 2) return true;
                            if (!end.empty() && parts[0] > end) return false;
                            return take(parts[1]);
                          });
  } else {
    scanned = store_.Scan(kProjectionPrefix, query.page_token,
                          [&](std::string_view key, std::string_view /*value*/) {
                            return take(key.substr(std::string_view(kProjectionPrefix).size()));
                          });
  }
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  if (more) page.next_page_token = page.tickets.back().ticket_id();
  return page;
}

absl::StatusOr<ComplaintPage> IntakeApp::ListComplaints(const ComplaintListQuery& query) const {
  if (query.state < 0 || query.state > 2) {
    return InvalidArgument("state", "There is no such complaint state filter.");
  }
  absl::StatusOr<int32_t> effective = EffectivePageSize(query.page_size);
  if (!effective.ok()) return effective.status();
  const size_t limit = static_cast<size_t>(*effective);
  const absl::Time now = clock_.Now();
  // Overdue complaints are open ones.
  const int state = query.first_response_overdue ? 1 : query.state;
  if (query.first_response_overdue && query.state == 2) return ComplaintPage{};

  std::string prefix;
  if (!query.customer_id.empty()) {
    prefix = ComplaintCustomerIndexPrefix(query.customer_id);
  } else if (!query.technician_id.empty()) {
    prefix = absl::StrCat(kComplaintTechnicianPrefix, KeyPart(query.technician_id), "/");
  } else if (state != 0) {
    prefix = absl::StrCat(kComplaintStatePrefix, ComplaintStateSlug(state == 2), "/");
  } else {
    prefix = "p/complaint/";
  }
  ComplaintPage page;
  bool more = false;
  absl::Status failure;
  absl::Status scanned = store_.Scan(
      prefix, query.page_token, [&](std::string_view key, std::string_view /*value*/) {
        absl::StatusOr<v1::Complaint> complaint = GetComplaint(key.substr(prefix.size()));
        if (!complaint.ok()) {
          if (absl::IsNotFound(complaint.status())) return true;
          failure = complaint.status();
          return false;
        }
        if (!query.customer_id.empty() && complaint->customer_id() != query.customer_id) {
          return true;
        }
        if (!query.technician_id.empty() && complaint->technician_id() != query.technician_id) {
          return true;
        }
        if (state == 1 && complaint->closed()) return true;
        if (state == 2 && !complaint->closed()) return true;
        if (query.first_response_overdue &&
            (complaint->has_first_responded_at() || !complaint->has_first_response_due() ||
             FromProto(complaint->first_response_due()) > now)) {
          return true;
        }
        if (page.complaints.size() == limit) {
          more = true;
          return false;
        }
        page.complaints.push_back(*std::move(complaint));
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  if (more) page.next_page_token = page.complaints.back().complaint_id();
  return page;
}

void IntakeApp::PutTicketIndexes(Batch& batch, const TicketState* before,
                                 const TicketView& after) const {
  const TicketState& a = after.state;
  const std::string& id = a.ticket_id;
  if (id.empty()) return;
  const TicketStatus before_status = before != nullptr ? before->status : TicketStatus::kNone;
  if (before == nullptr || a.status != before_status) {
    if (before_status != TicketStatus::kNone) {
      batch.Delete(absl::StrCat(TicketStateIndexPrefix(before_status), id));
    }
    batch.Put(absl::StrCat(TicketStateIndexPrefix(a.status), id), "");
  }
  if (before_status == TicketStatus::kNone) {
    // What a ticket is opened with and keeps: customer, phone, category, opening time.
    if (!a.customer.customer_id.empty()) {
      batch.Put(absl::StrCat(TicketCustomerIndexPrefix(a.customer.customer_id), id), "");
    }
    if (const std::string digits = PhoneDigits(a.customer.phone); !digits.empty()) {
      batch.Put(absl::StrCat(kPhoneIndexPrefix, digits, "/", id), "");
    }
    if (!a.category.empty()) {
      batch.Put(absl::StrCat(kCategoryIndexPrefix, KeyPart(a.category), "/", id), "");
    }
    if (after.opened_at != absl::InfinitePast()) {
      batch.Put(absl::StrCat(kOpenedIndexPrefix, TimeKey(after.opened_at), "/", id), "");
    }
  }
  // The current technician (a reopen clears it, a new assignment sets another).
  const std::string before_technician = before != nullptr ? before->technician_id : "";
  if (before == nullptr || a.technician_id != before_technician) {
    if (!before_technician.empty()) {
      batch.Delete(absl::StrCat(kTechnicianIndexPrefix, KeyPart(before_technician), "/", id));
    }
    if (!a.technician_id.empty()) {
      batch.Put(absl::StrCat(kTechnicianIndexPrefix, KeyPart(a.technician_id), "/", id), "");
    }
  }
  if (!a.job_id.empty()) batch.Put(absl::StrCat(kJobIndexPrefix, a.job_id), id);
}

void IntakeApp::PutComplaint(Batch& batch, const ComplaintState* before,
                             const ComplaintState& after, const v1::Complaint& projection) const {
  const std::string& id = after.complaint_id;
  batch.Put(ComplaintProjectionKey(id), projection.SerializeAsString());
  if (before == nullptr || before->customer_id != after.customer_id) {
    if (before != nullptr && !before->customer_id.empty()) {
      batch.Delete(absl::StrCat(ComplaintCustomerIndexPrefix(before->customer_id), id));
    }
    if (!after.customer_id.empty()) {
      batch.Put(absl::StrCat(ComplaintCustomerIndexPrefix(after.customer_id), id), "");
    }
  }
  if (before == nullptr || before->technician_id != after.technician_id) {
    if (before != nullptr && !before->technician_id.empty()) {
      batch.Delete(
          absl::StrCat(kComplaintTechnicianPrefix, KeyPart(before->technician_id), "/", id));
    }
    if (!after.technician_id.empty()) {
      batch.Put(absl::StrCat(kComplaintTechnicianPrefix, KeyPart(after.technician_id), "/", id),
                "");
    }
  }
  if (before == nullptr || before->closed != after.closed) {
    if (before != nullptr) {
      batch.Delete(
          absl::StrCat(kComplaintStatePrefix, ComplaintStateSlug(before->closed), "/", id));
    }
    batch.Put(absl::StrCat(kComplaintStatePrefix, ComplaintStateSlug(after.closed), "/", id), "");
  }
}

absl::StatusOr<int> IntakeApp::BackfillIndexes() {
  absl::StatusOr<std::optional<std::string>> marker = store_.Get(kBackfillMarker);
  if (!marker.ok()) return marker.status();
  if (marker->has_value()) return 0;
  std::vector<std::string> ticket_ids;
  absl::Status scanned =
      store_.Scan(kProjectionPrefix, "", [&](std::string_view key, std::string_view) {
        ticket_ids.emplace_back(key.substr(std::string_view(kProjectionPrefix).size()));
        return true;
      });
  if (!scanned.ok()) return scanned;
  std::vector<std::string> complaint_ids;
  const std::string complaint_prefix = "p/complaint/";
  scanned = store_.Scan(complaint_prefix, "", [&](std::string_view key, std::string_view) {
    complaint_ids.emplace_back(key.substr(complaint_prefix.size()));
    return true;
  });
  if (!scanned.ok()) return scanned;

  const absl::Time now = clock_.Now();
  int indexed = 0;
  // In batches of 200 aggregates, each locked so no command changes it meanwhile.
  auto in_batches = [&](const std::vector<std::string>& ids, const char* aggregate,
                        auto&& index) -> absl::Status {
    constexpr size_t kPerBatch = 200;
    for (size_t from = 0; from < ids.size(); from += kPerBatch) {
      Batch batch = store_.NewBatch();
      std::vector<AggregateKey> keys;
      for (size_t i = from; i < std::min(ids.size(), from + kPerBatch); ++i) {
        keys.push_back({aggregate, ids[i]});
      }
      batch.Lock(keys);
      for (const AggregateKey& key : keys) {
        if (absl::Status s = index(batch, key); !s.ok()) return s;
        ++indexed;
      }
      if (absl::Status s = store_.Commit(std::move(batch)); !s.ok()) return s;
    }
    return absl::OkStatus();
  };
  if (absl::Status s = in_batches(
          ticket_ids, kTicketAggregate,
          [&](Batch& batch, const AggregateKey& key) -> absl::Status {
            absl::StatusOr<TicketView> view = LoadTicket(key);
            if (!view.ok()) return view.status();
            if (view->state.status == TicketStatus::kNone) return absl::OkStatus();
            PutTicketIndexes(batch, nullptr, *view);
            absl::StatusOr<std::vector<TimedTicketEvent>> history = TicketHistory(key.id);
            if (!history.ok()) return history.status();
            return RefreshSlaIndex(batch, view->state, *history, now);
          });
      !s.ok()) {
    return s;
  }
  if (absl::Status s = in_batches(
          complaint_ids, kComplaintAggregate,
          [&](Batch& batch, const AggregateKey& key) -> absl::Status {
            absl::StatusOr<v1::Complaint> projection = GetComplaint(key.id);
            if (!projection.ok()) return projection.status();
            ComplaintState state;
            state.complaint_id = projection->complaint_id();
            state.customer_id = projection->customer_id();
            state.technician_id = projection->technician_id();
            state.closed = projection->closed();
            PutComplaint(batch, nullptr, state, *projection);
            return absl::OkStatus();
          });
      !s.ok()) {
    return s;
  }
  Batch done = store_.NewBatch();
  done.Put(kBackfillMarker, absl::FormatTime(now, absl::UTCTimeZone()));
  if (absl::Status s = store_.Commit(std::move(done)); !s.ok()) return s;
  Log().info("indexes filled for earlier data tickets_and_complaints={}", indexed);
  return indexed;
}

// ----------------------------------------------------------------------------------- reactions

absl::Status IntakeApp::Apply(const EventEnvelope& event, Batch& batch) {
  if (event.payload_case() == EventEnvelope::kCallbacks) {
    const callbacks::v1::CallbacksEvent& cb = event.callbacks();
    switch (cb.kind_case()) {
      case callbacks::v1::CallbacksEvent::kCallbackScheduled: {
        // Later callback events name only the callback: remember its ticket.
        const auto& e = cb.callback_scheduled();
        if (!e.callback_id().empty() && !e.ticket_id().empty()) {
          batch.Put(absl::StrCat(kCallbackIndexPrefix, e.callback_id()), e.ticket_id());
        }
        return absl::OkStatus();
      }
      case callbacks::v1::CallbacksEvent::kCallbackDissatisfied:
        return ReactToDissatisfiedCallback(event, batch);
      case callbacks::v1::CallbacksEvent::kCallbackReached: {
        const auto& e = cb.callback_reached();
        if (e.has_satisfied()) {
          // Callbacks judged the survey with its own threshold: one rule for both services.
          if (!e.satisfied()) return absl::OkStatus();  // CallbackDissatisfied follows
          return ReactToCallbackOutcome(event, e.callback_id(), "satisfied", batch);
        }
        // Recorded before callbacks said so: judged with intake's own threshold.
        const callbacks::v1::Survey& survey = e.survey();
        const int32_t answers[] = {survey.attitude(),    survey.quality(),
                                   survey.fixed(),       survey.punctuality(),
                                   survey.respect_for_property(), survey.no_extra_fee()};
        for (int32_t answer : answers) {
          if (answer > 0 && answer < policy_.callback_dissatisfied_below) {
            // Dissatisfied: CallbackDissatisfied follows and opens a complaint instead.
            Log().info("callback reached but dissatisfied; ticket not closed callback={} "
                       "source_event={}",
                       e.callback_id(), event.event_id());
            return absl::OkStatus();
          }
        }
        return ReactToCallbackOutcome(event, e.callback_id(), "satisfied", batch);
      }
      case callbacks::v1::CallbacksEvent::kCallbackFailed: {
        const auto& e = cb.callback_failed();
        return ReactToCallbackOutcome(event, e.callback_id(),
                                      OutcomePhrase("callback failed", e.reason()), batch);
      }
      case callbacks::v1::CallbacksEvent::kCallbackExcluded: {
        const auto& e = cb.callback_excluded();
        std::string outcome = callbacks::v1::AttemptOutcome_Name(e.outcome());
        constexpr std::string_view kEnumPrefix = "ATTEMPT_OUTCOME_";
        if (outcome.starts_with(kEnumPrefix)) outcome.erase(0, kEnumPrefix.size());
        return ReactToCallbackOutcome(
            event, e.callback_id(),
            OutcomePhrase("callback excluded", absl::AsciiStrToLower(outcome)), batch);
      }
      default:
        return absl::OkStatus();  // other callback events do not concern intake
    }
  }
  if (event.payload_case() == EventEnvelope::kInventory) return ReactToInventory(event, batch);
  if (event.payload_case() != EventEnvelope::kScheduling) return absl::OkStatus();
  const scheduling::v1::SchedulingEvent& scheduling = event.scheduling();
  switch (scheduling.kind_case()) {
    case scheduling::v1::SchedulingEvent::kJobCreated: {
      // Remember which ticket the job serves, for inventory's events about the job.
      const auto& e = scheduling.job_created();
      if (!e.job_id().empty() && !e.ticket_id().empty()) {
        batch.Put(absl::StrCat(kJobIndexPrefix, e.job_id()), e.ticket_id());
      }
      return absl::OkStatus();
    }
    case scheduling::v1::SchedulingEvent::kJobAssigned: {
      const auto& e = scheduling.job_assigned();
      return React(event, e.ticket_id(),
                   RecordJobAssigned{e.ticket_id(), e.job_id(), e.technician_id()}, batch);
    }
    case scheduling::v1::SchedulingEvent::kJobArrived: {
      const auto& e = scheduling.job_arrived();
      return React(event, e.ticket_id(),
                   RecordJobArrived{e.ticket_id(), e.job_id(), e.technician_id(),
                                    e.has_arrived_at() ? FromProto(e.arrived_at())
                                                       : absl::InfinitePast()},
                   batch);
    }
    case scheduling::v1::SchedulingEvent::kJobStarted: {
      const auto& e = scheduling.job_started();
      return React(event, e.ticket_id(), RecordJobStarted{e.ticket_id(), e.job_id()}, batch);
    }
    case scheduling::v1::SchedulingEvent::kJobCompleted: {
      const auto& e = scheduling.job_completed();
      return React(event, e.ticket_id(),
                   RecordJobCompleted{e.ticket_id(), e.job_id(),
                                      PartLinesFromProto(e.parts_used()), e.resolution()},
                   batch);
    }
    default:
      return absl::OkStatus();  // not about a ticket's progress
  }
}

template <typename Command>
absl::Status IntakeApp::React(const EventEnvelope& source, const std::string& ticket_id,
                              const Command& command, Batch& batch) {
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", absl::StrCat("Job event ", source.event_id(),
                                                     " does not say which ticket it is for."));
  }
  const AggregateKey key{kTicketAggregate, ticket_id};
  batch.Lock({key});
  // Applied before (a re-delivery the inbox did not catch): the ticket already has an event it
  // caused, so nothing more is written.
  {
    absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(key);
    if (!stream.ok()) return stream.status();
    for (const EventEnvelope& e : *stream) {
      if (e.causation_id() == source.event_id()) return absl::OkStatus();
    }
  }
  absl::StatusOr<TicketView> view = LoadTicket(key);
  if (!view.ok()) return view.status();

  CommandMeta meta;
  meta.actor = Actor{kSystemUser, kSystemRole};
  meta.now = clock_.Now();
  meta.causation_id = source.event_id();
  meta.correlation_id =
      source.correlation_id().empty() ? source.event_id() : source.correlation_id();

  absl::StatusOr<std::vector<TicketEvent>> events = Decide(view->state, command, meta.now);
  if (!events.ok()) {
    Log().debug("reaction refused ticket={} source_event={} correlation_id={} error=\"{}\"",
                ticket_id, source.event_id(), meta.correlation_id,
                std::string(events.status().message()));
    return events.status();
  }
  if (events->empty()) return absl::OkStatus();
  absl::StatusOr<TicketView> after =
      Record(batch, key, *std::move(view), *events, meta, source.event_id());
  if (!after.ok()) return after.status();
  for (const TicketEvent& e : *events) {
    Log().info("ticket {} ticket={} version={} source_event={} correlation_id={}",
               EventName(e), ticket_id, after->version, source.event_id(), meta.correlation_id);
  }
  return absl::OkStatus();
}

absl::Status IntakeApp::ReactToCallbackOutcome(const EventEnvelope& source,
                                               const std::string& callback_id,
                                               const std::string& outcome, Batch& batch) {
  absl::StatusOr<std::optional<std::string>> ticket_id =
      store_.Get(absl::StrCat(kCallbackIndexPrefix, callback_id));
  if (!ticket_id.ok()) return ticket_id.status();
  if (!ticket_id->has_value() || (*ticket_id)->empty()) {
    // A callback this service never saw scheduled (or not about a ticket): nothing to close.
    Log().info("callback outcome for a callback without a known ticket callback={} "
               "source_event={}",
               callback_id, source.event_id());
    return absl::OkStatus();
  }
  absl::Status reacted =
      React(source, **ticket_id, RecordCallbackOutcome{**ticket_id, callback_id, outcome}, batch);
  if (absl::IsFailedPrecondition(reacted)) {
    // E.g. reopened by a complaint meanwhile: the ticket stays as it is.
    Log().info("ticket not closed by callback ticket={} callback={} source_event={} reason=\"{}\"",
               **ticket_id, callback_id, source.event_id(), std::string(reacted.message()));
    return absl::OkStatus();
  }
  return reacted;
}

absl::Status IntakeApp::ReactToDissatisfiedCallback(const EventEnvelope& source, Batch& batch) {
  const callbacks::v1::CallbackDissatisfied& e = source.callbacks().callback_dissatisfied();
  const std::string ticket_id = Trimmed(e.ticket_id());
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", absl::StrCat("Callback event ", source.event_id(),
                                                     " does not say which ticket it is for."));
  }
  const AggregateKey ticket_key{kTicketAggregate, ticket_id};
  const std::string complaint_id = DeriveId(source.event_id(), "intake/complaint");
  const AggregateKey complaint_key{kComplaintAggregate, complaint_id};
  batch.Lock({ticket_key, complaint_key});

  absl::StatusOr<int64_t> complaint_version = batch.CurrentVersion(complaint_key);
  if (!complaint_version.ok()) return complaint_version.status();
  if (*complaint_version > 0) return absl::OkStatus();  // this event was applied already

  absl::StatusOr<TicketView> view = LoadTicket(ticket_key);
  if (!view.ok()) return view.status();
  if (view->state.status == TicketStatus::kNone) {
    return NotFound("ticket_id",
                    absl::StrCat("There is no ticket ", ticket_id, " (callback ",
                                 e.callback_id(), " found the customer dissatisfied)."));
  }

  CommandMeta meta;
  meta.actor = Actor{kSystemUser, kSystemRole};
  meta.now = clock_.Now();
  meta.causation_id = source.event_id();
  meta.correlation_id =
      source.correlation_id().empty() ? source.event_id() : source.correlation_id();

  // The complaint first, while the ticket still names its technician.
  intake::RegisterComplaint c;
  c.complaint_id = complaint_id;
  c.kind = "complaint";
  c.channel = "callback";
  c.customer_id = view->state.customer.customer_id;
  c.ticket_id = ticket_id;
  c.technician_id =
      !e.technician_id().empty() ? e.technician_id() : view->state.technician_id;
  c.category = "callback_dissatisfied";
  std::vector<std::string> low(e.low_questions().begin(), e.low_questions().end());
  const std::string& job_id = e.job_id().empty() ? view->state.job_id : e.job_id();
  c.description = absl::StrCat(
      "Callback ", e.callback_id(), " for job ", job_id, ": the customer was dissatisfied with ",
      low.empty() ? std::string("the service") : absl::StrJoin(low, ", "), " (lowest answer ",
      e.lowest_answer(), " of 5; answers below ", e.threshold(), " count as dissatisfied).");
  c.first_response_within = policy_.complaint_first_response;
  absl::StatusOr<std::vector<ComplaintEvent>> complaint_events =
      Decide(ComplaintState{}, c, meta.now);
  if (!complaint_events.ok()) return complaint_events.status();
  ComplaintState complaint;
  std::vector<v1::IntakeEvent> payloads;
  for (const ComplaintEvent& ce : *complaint_events) {
    payloads.push_back(EncodeComplaintEvent(ce));
    complaint = Evolve(std::move(complaint), ce);
  }
  if (absl::Status s = AppendIntake(batch, complaint_key, 0, payloads, meta, source.event_id(), 1);
      !s.ok()) {
    return s;
  }
  v1::Complaint projection;
  ComplaintStateToProto(complaint, static_cast<int64_t>(payloads.size()), &projection);
  ToProto(meta.now, projection.mutable_registered_at());
  PutComplaint(batch, nullptr, complaint, projection);
  Log().info("complaint opened from callback complaint={} ticket={} callback={} source_event={} "
             "correlation_id={}",
             complaint_id, ticket_id, e.callback_id(), source.event_id(), meta.correlation_id);

  // Then the ticket goes back to OPEN if the reopen rule allows it from its state.
  const TicketCommand reopen = ReopenTicket{
      ticket_id, absl::StrCat("Callback ", e.callback_id(),
                              " found the customer dissatisfied; complaint ", complaint_id, ".")};
  absl::StatusOr<std::vector<TicketEvent>> ticket_events = Decide(view->state, reopen, meta.now);
  if (!ticket_events.ok()) {
    if (ticket_events.status().code() != absl::StatusCode::kFailedPrecondition) {
      return ticket_events.status();
    }
    Log().info("ticket not reopened ticket={} source_event={} reason=\"{}\"", ticket_id,
               source.event_id(), std::string(ticket_events.status().message()));
    return absl::OkStatus();
  }
  if (ticket_events->empty()) return absl::OkStatus();
  absl::StatusOr<TicketView> after =
      Record(batch, ticket_key, *std::move(view), *ticket_events, meta, source.event_id(),
             static_cast<int>(payloads.size()) + 1);
  if (!after.ok()) return after.status();
  Log().info("ticket reopened ticket={} version={} source_event={} correlation_id={}", ticket_id,
             after->version, source.event_id(), meta.correlation_id);
  return absl::OkStatus();
}

// ----------------------------------------------------------------------------------------- SLA

absl::StatusOr<std::vector<TimedTicketEvent>> IntakeApp::TicketHistory(
    std::string_view ticket_id, const std::vector<TicketEvent>& pending, absl::Time now) const {
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      ReadIntakeStream({kTicketAggregate, std::string(ticket_id)});
  if (!stream.ok()) return stream.status();
  std::vector<TimedTicketEvent> history;
  history.reserve(stream->size() + pending.size());
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<TicketEvent> event = DecodeTicketEvent(envelope.intake());
    if (!event.ok()) return event.status();
    history.push_back({*std::move(event), FromProto(envelope.server_time())});
  }
  for (const TicketEvent& e : pending) history.push_back({e, now});
  return history;
}

absl::Status IntakeApp::RefreshSlaIndex(Batch& batch, const TicketState& state,
                                        const std::vector<TimedTicketEvent>& history,
                                        absl::Time now) const {
  const std::string open_key = absl::StrCat(kSlaOpenPrefix, state.ticket_id);
  absl::StatusOr<std::optional<std::string>> old = store_.Get(open_key);
  if (!old.ok()) return old.status();
  if (old->has_value()) {
    for (absl::string_view line : absl::StrSplit(**old, '\n', absl::SkipEmpty())) {
      batch.Delete(AsStd(line));
    }
  }
  const TicketSlaState sla = EvaluateSla(history, policy_.sla, now);
  auto reported = [](const std::vector<std::string>& list, std::string_view clock) {
    return std::find(list.begin(), list.end(), clock) != list.end();
  };
  std::vector<std::string> keys;
  for (const SlaClockState& c : sla.clocks) {
    const std::string_view clock = SlaClockName(c.kind);
    if (c.status == SlaClockStatus::kMet || c.status == SlaClockStatus::kBreached) {
      if (c.stopped_at != absl::InfinitePast()) {
        // Stopped before the sweep saw it (e.g. the service was down): what it passed is still
        // reported, by the next sweep (the entries are in the past).
        if (c.warning && !reported(state.sla_warned, clock)) {
          keys.push_back(absl::StrCat(kSlaDuePrefix, TimeKey(c.warn_at), "/", state.ticket_id,
                                      "/", AsAbsl(clock), "/warning"));
        }
        if (c.breached && !reported(state.sla_breached, clock)) {
          keys.push_back(absl::StrCat(kSlaDuePrefix, TimeKey(c.due), "/", state.ticket_id, "/",
                                      AsAbsl(clock), "/breach"));
        }
        continue;
      }
    }
    if (c.stopped_at != absl::InfinitePast() || c.status == SlaClockStatus::kPaused) continue;
    if (!reported(state.sla_warned, clock) && c.warn_at != absl::InfiniteFuture()) {
      keys.push_back(absl::StrCat(kSlaDuePrefix, TimeKey(c.warn_at), "/", state.ticket_id, "/",
                                  AsAbsl(clock), "/warning"));
    }
    if (!reported(state.sla_breached, clock) && c.due != absl::InfiniteFuture()) {
      keys.push_back(absl::StrCat(kSlaDuePrefix, TimeKey(c.due), "/", state.ticket_id, "/",
                                  AsAbsl(clock), "/breach"));
    }
  }
  for (const std::string& k : keys) batch.Put(k, "");
  if (keys.empty()) {
    if (old->has_value()) batch.Delete(open_key);
  } else {
    batch.Put(open_key, absl::StrJoin(keys, "\n"));
  }
  // At risk while a clock that still runs (or is paused) has passed its warning point or its
  // allowance; a ticket whose clocks all stopped (met, breached and stopped, cancelled) leaves
  // the lists. A reopen that restarts a warned clock puts it back.
  bool at_risk = false;
  bool breached = false;
  for (const SlaClockState& c : sla.clocks) {
    if (c.stopped_at != absl::InfinitePast()) continue;
    const std::string_view clock = SlaClockName(c.kind);
    const bool b = c.breached || reported(state.sla_breached, clock);
    const bool w = b || c.warning || reported(state.sla_warned, clock);
    at_risk = at_risk || w;
    breached = breached || b;
  }
  const std::string at_risk_key = absl::StrCat(kSlaRiskPrefix, "at_risk/", state.ticket_id);
  const std::string breached_key = absl::StrCat(kSlaRiskPrefix, "breached/", state.ticket_id);
  if (at_risk) {
    batch.Put(at_risk_key, "");
  } else {
    batch.Delete(at_risk_key);
  }
  if (breached) {
    batch.Put(breached_key, "");
  } else {
    batch.Delete(breached_key);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> IntakeApp::SweepSla(absl::Time now) {
  // Due entries up to now: (ticket, clock) → the kinds due and the latest due key time.
  struct Due {
    std::string ticket_id;
    std::string clock;
    std::string kinds;
    std::string at;
  };
  std::vector<Due> due;
  const std::string now_key = TimeKey(now);
  constexpr size_t kMaxPerSweep = 2000;
  absl::Status scanned =
      store_.Scan(kSlaDuePrefix, "", [&](std::string_view key, std::string_view) {
        std::vector<std::string> parts =
            absl::StrSplit(AsAbsl(key.substr(std::string_view(kSlaDuePrefix).size())), '/');
        if (parts.size() != 4) return true;  // not ours
        // Rounded up to the second: a key at or before now is due by now.
        if (parts[0] > now_key) return false;
        for (Due& d : due) {
          if (d.ticket_id == parts[1] && d.clock == parts[2]) {
            absl::StrAppend(&d.kinds, "+", parts[3]);
            d.at = parts[0];
            return true;
          }
        }
        due.push_back({parts[1], parts[2], parts[3], parts[0]});
        return due.size() < kMaxPerSweep;
      });
  if (!scanned.ok()) return scanned;
  int changed = 0;
  for (const Due& d : due) {
    const AggregateKey key{kTicketAggregate, d.ticket_id};
    CommandMeta meta;
    meta.actor = Actor{kSystemUser, kSystemRole};
    meta.now = now;
    meta.request_id = absl::StrCat("sla/", d.ticket_id, "/", d.clock, "/", d.kinds, "/", d.at);
    meta.correlation_id = meta.request_id;
    absl::StatusOr<common::v1::CommandAck> ack = store_.Execute(
        meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
          absl::StatusOr<TicketView> view = LoadTicket(key);
          if (!view.ok()) return view.status();
          absl::StatusOr<std::vector<TimedTicketEvent>> history = TicketHistory(d.ticket_id);
          if (!history.ok()) return history.status();
          const TicketSlaState sla = EvaluateSla(*history, policy_.sla, now);
          RecordSlaFinding finding;
          finding.ticket_id = d.ticket_id;
          finding.clock = d.clock;
          if (std::optional<SlaClockKind> kind = SlaClockFromName(d.clock); kind.has_value()) {
            if (const SlaClockState* c = sla.Find(*kind); c != nullptr) {
              finding.warning = c->warning;
              finding.breached = c->breached;
              finding.due = c->due;
              finding.allowance_minutes = c->allowance_minutes;
              finding.elapsed_minutes = c->elapsed_minutes();
            }
          }
          absl::StatusOr<std::vector<TicketEvent>> events = Decide(view->state, finding, now);
          if (!events.ok()) return events.status();
          common::v1::CommandAck result;
          result.set_aggregate_id(d.ticket_id);
          if (events->empty()) {
            // Stale entry (paused, stopped or already reported): index what is true now.
            if (absl::Status s = RefreshSlaIndex(batch, view->state, *history, now); !s.ok()) {
              return s;
            }
            result.set_version(view->version);
            return result;
          }
          absl::StatusOr<TicketView> after = Record(batch, key, *std::move(view), *events, meta, "");
          if (!after.ok()) return after.status();
          result.set_version(after->version);
          for (const TicketEvent& e : *events) {
            const auto& r = std::get<TicketSlaReported>(e);
            Log().info("ticket SLA {} ticket={} clock={} elapsed_min={} allowance_min={}",
                       r.breach ? "breached" : "warning", d.ticket_id, r.clock,
                       r.elapsed_minutes, r.allowance_minutes);
          }
          ++changed;
          return result;
        });
    if (!ack.ok()) {
      Log().warn("SLA sweep failed ticket={} clock={} error=\"{}\"", d.ticket_id, d.clock,
                 std::string(ack.status().message()));
    }
  }
  return changed;
}

absl::StatusOr<TicketSlaState> IntakeApp::GetTicketSla(std::string_view ticket_id,
                                                       absl::Time as_of) const {
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", "Which ticket? The ticket id is empty.");
  }
  if (as_of == absl::InfiniteFuture()) as_of = clock_.Now();
  absl::StatusOr<std::vector<TimedTicketEvent>> history = TicketHistory(ticket_id);
  if (!history.ok()) return history.status();
  if (history->empty()) {
    return NotFound("ticket_id", absl::StrCat("There is no ticket ", AsAbsl(ticket_id), "."));
  }
  TicketSlaState sla = EvaluateSla(*history, policy_.sla, as_of);
  if (sla.ticket_id.empty()) {
    return NotFound("as_of", absl::StrCat("Ticket ", AsAbsl(ticket_id), " was not opened yet at ",
                                          absl::FormatTime(as_of, absl::UTCTimeZone()), "."));
  }
  return sla;
}

absl::StatusOr<SlaWhatIfResult> IntakeApp::SlaWhatIf(absl::Time from, absl::Time before,
                                                     const SlaPolicy& alternative,
                                                     absl::Time as_of, int max_tickets) const {
  if (from == absl::InfinitePast()) {
    return InvalidArgument("opened_from", "Give the start of the period.");
  }
  if (before == absl::InfiniteFuture()) {
    return InvalidArgument("opened_before", "Give the end of the period.");
  }
  if (before <= from) {
    return InvalidArgument("opened_before", "The end of the period must be after its start.");
  }
  if (max_tickets < 0) {
    return InvalidArgument("max_tickets", "The number of tickets to list cannot be negative.");
  }
  if (max_tickets == 0) max_tickets = 500;
  if (max_tickets > 5000) {
    return InvalidArgument("max_tickets", "At most 5000 tickets can be listed.");
  }
  if (as_of == absl::InfiniteFuture()) as_of = clock_.Now();
  SlaWhatIfResult result;
  const std::string start = absl::StrCat(kOpenedIndexPrefix, TimeKey(from));
  const std::string end = TimeKey(before);
  absl::Status failure;
  auto breached = [](const TicketSlaState& sla) {
    std::vector<std::string> out;
    for (const SlaClockState& c : sla.clocks) {
      if (c.breached) out.emplace_back(SlaClockName(c.kind));
    }
    return out;
  };
  absl::Status scanned =
      store_.Scan(kOpenedIndexPrefix, "", [&](std::string_view key, std::string_view) {
        if (key < start) return true;
        std::vector<std::string> parts =
            absl::StrSplit(AsAbsl(key.substr(std::string_view(kOpenedIndexPrefix).size())), '/');
        if (parts.size() != 2) return true;
        if (parts[0] >= end) return false;
        absl::StatusOr<std::vector<TimedTicketEvent>> history = TicketHistory(parts[1]);
        if (!history.ok()) {
          failure = history.status();
          return false;
        }
        if (history->empty()) return true;
        const absl::Time opened = history->front().at;
        if (opened < from || opened >= before) return true;
        ++result.tickets_considered;
        SlaWhatIfLine line;
        line.ticket_id = parts[1];
        line.breached_now = breached(EvaluateSla(*history, policy_.sla, as_of));
        line.breached_what_if = breached(EvaluateSla(*history, alternative, as_of));
        result.breaches_now += static_cast<int64_t>(line.breached_now.size());
        result.breaches_what_if += static_cast<int64_t>(line.breached_what_if.size());
        if (!line.breached_now.empty()) ++result.tickets_breached_now;
        if (!line.breached_what_if.empty()) ++result.tickets_breached_what_if;
        if (!line.breached_now.empty() || !line.breached_what_if.empty()) {
          if (result.tickets.size() < static_cast<size_t>(max_tickets)) {
            result.tickets.push_back(std::move(line));
          } else {
            result.truncated = true;
          }
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  return result;
}

absl::StatusOr<std::string> IntakeApp::TicketOfJob(std::string_view job_id) const {
  if (job_id.empty()) return std::string();
  absl::StatusOr<std::optional<std::string>> id =
      store_.Get(absl::StrCat(kJobIndexPrefix, AsAbsl(job_id)));
  if (!id.ok()) return id.status();
  return id->value_or("");
}

absl::Status IntakeApp::ReactToInventory(const EventEnvelope& event, Batch& batch) {
  const inventory::v1::InventoryEvent& inv = event.inventory();
  std::string job_id;
  PartLine part;
  bool backorder = false;
  switch (inv.kind_case()) {
    case inventory::v1::InventoryEvent::kPartsBackordered:
      job_id = inv.parts_backordered().job_id();
      part = PartLine{inv.parts_backordered().sku(), inv.parts_backordered().quantity()};
      backorder = true;
      break;
    case inventory::v1::InventoryEvent::kPartsReserved:
      job_id = inv.parts_reserved().job_id();
      part = PartLine{inv.parts_reserved().sku(), inv.parts_reserved().quantity()};
      break;
    default:
      return absl::OkStatus();  // stock movements that do not concern a ticket
  }
  absl::StatusOr<std::string> ticket_id = TicketOfJob(job_id);
  if (!ticket_id.ok()) return ticket_id.status();
  if (ticket_id->empty()) {
    Log().debug("inventory event for a job without a known ticket job={} source_event={}",
                job_id, event.event_id());
    return absl::OkStatus();
  }
  if (backorder) {
    return React(event, *ticket_id, RecordPartsBackordered{*ticket_id, job_id, part}, batch);
  }
  return React(event, *ticket_id, RecordPartsReserved{*ticket_id, job_id, part}, batch);
}

// ------------------------------------------------------------------------------------- helpers

absl::StatusOr<TicketView> IntakeApp::LoadTicket(const AggregateKey& key) const {
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(key);
  if (!stream.ok()) return stream.status();
  TicketView view;
  for (const EventEnvelope& envelope : *stream) {
    if (envelope.payload_case() != EventEnvelope::kIntake) {
      return absl::DataLossError(absl::StrCat("Event ", envelope.event_id(), " of ticket ",
                                              key.id, " is not an intake event."));
    }
    absl::StatusOr<TicketEvent> event = DecodeTicketEvent(envelope.intake());
    if (!event.ok()) return event.status();
    view = Project(std::move(view), *event, envelope.aggregate_version(),
                   FromProto(envelope.server_time()));
  }
  return view;
}

absl::StatusOr<TicketView> IntakeApp::Record(Batch& batch, const AggregateKey& key,
                                             TicketView view,
                                             const std::vector<TicketEvent>& events,
                                             const CommandMeta& meta,
                                             std::string_view source_event_id, int first_index) {
  std::vector<v1::IntakeEvent> payloads;
  payloads.reserve(events.size());
  for (const TicketEvent& e : events) payloads.push_back(EncodeTicketEvent(e));
  if (absl::Status s = AppendIntake(batch, key, view.version, payloads, meta, source_event_id,
                                    first_index);
      !s.ok()) {
    return s;
  }

  const TicketState before = view.state;
  for (const TicketEvent& e : events) {
    view = Project(std::move(view), e, view.version + 1, meta.now);
  }
  batch.Put(TicketProjectionKey(key.id), TicketViewToProto(view).SerializeAsString());
  PutTicketIndexes(batch, &before, view);
  absl::StatusOr<std::vector<TimedTicketEvent>> history = TicketHistory(key.id, events, meta.now);
  if (!history.ok()) return history.status();
  if (absl::Status s = RefreshSlaIndex(batch, view.state, *history, meta.now); !s.ok()) return s;
  return view;
}

absl::Status IntakeApp::AppendIntake(Batch& batch, const AggregateKey& key,
                                     int64_t expected_version,
                                     const std::vector<v1::IntakeEvent>& payloads,
                                     const CommandMeta& meta, std::string_view source_event_id,
                                     int first_index) {
  std::vector<EventEnvelope> envelopes;
  envelopes.reserve(payloads.size());
  for (size_t i = 0; i < payloads.size(); ++i) {
    EventEnvelope envelope = NewEnvelope(meta);
    *envelope.mutable_intake() = payloads[i];
    if (!source_event_id.empty()) {
      envelope.set_event_id(
          DeriveId(source_event_id, absl::StrCat("intake/", static_cast<int>(i) + first_index)));
    }
    envelopes.push_back(std::move(envelope));
  }
  return batch.Append(key, expected_version, std::move(envelopes));
}

absl::StatusOr<std::vector<EventEnvelope>> IntakeApp::ReadIntakeStream(
    const AggregateKey& key) const {
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(key);
  if (!stream.ok()) return stream.status();
  for (const EventEnvelope& envelope : *stream) {
    if (envelope.payload_case() != EventEnvelope::kIntake) {
      return absl::DataLossError(absl::StrCat("Event ", envelope.event_id(), " of ",
                                              key.ToString(), " is not an intake event."));
    }
  }
  return stream;
}

absl::StatusOr<std::pair<AssetState, int64_t>> IntakeApp::LoadAsset(
    std::string_view asset_id) const {
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      ReadIntakeStream({kAssetAggregate, std::string(asset_id)});
  if (!stream.ok()) return stream.status();
  AssetState state;
  int64_t version = 0;
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<AssetEvent> event = DecodeAssetEvent(envelope.intake());
    if (!event.ok()) return event.status();
    state = Evolve(std::move(state), *event);
    version = envelope.aggregate_version();
  }
  return std::make_pair(std::move(state), version);
}

absl::StatusOr<CustomerState> IntakeApp::LoadCustomer(std::string_view customer_id) const {
  if (customer_id.empty()) return CustomerState{};
  absl::StatusOr<v1::Customer> customer = GetCustomer(customer_id);
  if (absl::IsNotFound(customer.status())) return CustomerState{};
  if (!customer.ok()) return customer.status();
  return CustomerStateFromProto(*customer);
}

absl::StatusOr<bool> IntakeApp::Matches(const TicketListQuery& query,
                                        const v1::Ticket& ticket) const {
  if (query.status != TicketStatus::kNone &&
      ticket.state() != TicketStatusToProto(query.status)) {
    return false;
  }
  if (!query.customer_id.empty() && ticket.customer().customer_id() != query.customer_id) {
    return false;
  }
  if (!query.phone.empty() &&
      PhoneDigits(ticket.customer().phone()) != PhoneDigits(query.phone)) {
    return false;
  }
  if (!query.technician_id.empty() && ticket.technician_id() != query.technician_id) {
    return false;
  }
  if (!query.category.empty() && ticket.category() != query.category) return false;
  if (query.opened_from != absl::InfinitePast() || query.opened_before != absl::InfiniteFuture()) {
    const absl::Time opened = FromProto(ticket.opened_at());
    if (opened < query.opened_from || opened >= query.opened_before) return false;
  }
  if (query.sla_risk != 0) {
    absl::StatusOr<std::optional<std::string>> risk =
        store_.Get(absl::StrCat(kSlaRiskPrefix, query.sla_risk == 2 ? "breached/" : "at_risk/",
                                ticket.ticket_id()));
    if (!risk.ok()) return risk.status();
    if (!risk->has_value()) return false;
  }
  return true;
}

}  // namespace fieldline::intake
