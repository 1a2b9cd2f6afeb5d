// CallbacksApp: customer care (DOMAIN.md §4–5) — care messages and their delivery, birthday
// greetings, campaigns to a segment, delivered / installed product callbacks, club events,
// website updates, lounge scores, home visits, and the care rate's inputs.
//
// Storage (besides the event streams):
//   p/care_message/<id>                          fieldline.callbacks.v1.CareMessage
//   x/care_message_status/<status>/<id>          by status (the gateway's work list)
//   x/care_customer/<customer_id>                fieldline.callbacks.v1.CareCustomerFact
//   x/care_birthday/<MM-DD>/<customer_id>        birthday index
//   x/care_visit/<customer_id>/<time>            completed jobs of the customer (last visit)
//   x/care_contact/<customer_id>/<time>/<id>     care contacts (messages scheduled, campaign
//                                                callbacks) for the frequency cap
//   x/care_by_customer/<customer_id>/<m|c|v>/... the customer's care history
//   x/care_delivered/<sent time>/<id>            delivered messages (kind number), for the KPI
//   p/campaign/<id>                              fieldline.callbacks.v1.CampaignLaunched
//   p/club_event/<id>, x/care_club/<held>/<id>   club events
//   x/care_website/<time>/<id>, x/care_lounge/<time>/<id> (score), x/care_home_visit/<time>/<id>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "services/callbacks/adapters/care_codec.h"
#include "services/callbacks/adapters/event_codec.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/core/strings.h"
#include "spdlog/spdlog.h"

namespace fieldline::callbacks {
namespace {

constexpr char kMessagePrefix[] = "p/care_message/";
constexpr char kStatusPrefix[] = "x/care_message_status/";
constexpr char kCustomerPrefix[] = "x/care_customer/";
constexpr char kBirthdayPrefix[] = "x/care_birthday/";
constexpr char kVisitPrefix[] = "x/care_visit/";
constexpr char kContactPrefix[] = "x/care_contact/";
constexpr char kByCustomerPrefix[] = "x/care_by_customer/";
constexpr char kDeliveredPrefix[] = "x/care_delivered/";
constexpr char kCampaignPrefix[] = "p/campaign/";
constexpr char kClubEventPrefix[] = "p/club_event/";
constexpr char kClubPrefix[] = "x/care_club/";
constexpr char kWebsitePrefix[] = "x/care_website/";
constexpr char kLoungePrefix[] = "x/care_lounge/";
constexpr char kHomeVisitPrefix[] = "x/care_home_visit/";
constexpr char kCallbackProjectionPrefix[] = "p/callback/";
constexpr char kAssetPrefix[] = "x/asset/";
constexpr char kTicketFactPrefix[] = "x/ticket_fact/";
constexpr char kCustomerTierPrefix[] = "x/customer_tier/";

// Time-ordered keys: seconds since the epoch, zero-padded.
std::string TimeKey(absl::Time t) {
  return absl::StrFormat("%020d", std::max<int64_t>(0, absl::ToUnixSeconds(t)));
}
absl::Time FromTimeKey(std::string_view key) {
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(AsAbsl(key.substr(0, 20)), &seconds)) return absl::InfinitePast();
  return absl::FromUnixSeconds(seconds);
}

std::string S(std::string_view v) { return std::string(v); }

AggregateKey MessageAggregate(std::string_view id) {
  return AggregateKey{kCareMessageAggregateType, S(id)};
}
AggregateKey CallbackAggregate(std::string_view id) {
  return AggregateKey{kCallbackAggregateType, S(id)};
}
// Not an aggregate: the lock guarding a customer's care facts and contacts (the frequency cap).
AggregateKey CustomerLock(std::string_view id) { return AggregateKey{"CareCustomer", S(id)}; }

std::shared_ptr<spdlog::logger> Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("callbacks.care")) return existing;
    auto created = spdlog::default_logger()->clone("callbacks.care");
    spdlog::register_logger(created);
    return created;
  }();
  return logger;
}

common::v1::CommandAck Ack(const std::string& id, int64_t version) {
  common::v1::CommandAck ack;
  ack.set_aggregate_id(id);
  ack.set_version(version);
  return ack;
}

CommandMeta TickerMeta(absl::Time now, std::string request_id) {
  CommandMeta meta;
  meta.actor = Actor{"system:callbacks", "system", {}};
  meta.now = now;
  meta.request_id = std::move(request_id);
  meta.correlation_id = meta.request_id;
  return meta;
}

// Scans `prefix` + time-ordered keys with the time in [from, until); fn(rest after the time
// and '/', value).
absl::Status ScanTimes(const EventStore& store, std::string_view prefix, absl::Time from,
                       absl::Time until,
                       const std::function<bool(std::string_view, std::string_view)>& fn) {
  const std::string end = TimeKey(until);
  return store.Scan(prefix, absl::StrCat(TimeKey(from - absl::Seconds(1)), "/~"),
                    [&](std::string_view key, std::string_view value) {
                      const std::string_view rest = key.substr(prefix.size());
                      if (rest.substr(0, end.size()) >= end) return false;
                      return fn(rest.size() > 21 ? rest.substr(21) : std::string_view(), value);
                    });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// facts from intake and scheduling

absl::StatusOr<std::optional<v1::CareCustomerFact>> CallbacksApp::CareCustomer(
    std::string_view customer_id) const {
  absl::StatusOr<std::optional<std::string>> bytes =
      store_.Get(absl::StrCat(kCustomerPrefix, AsAbsl(customer_id)));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<v1::CareCustomerFact>();
  v1::CareCustomerFact fact;
  if (!fact.ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("The stored customer ", AsAbsl(customer_id), " cannot be read."));
  }
  return std::optional<v1::CareCustomerFact>(std::move(fact));
}

absl::Status CallbacksApp::OnCareCustomer(const EventEnvelope& source, Batch& batch) {
  const bool registered = source.intake().has_customer_registered();
  const std::string customer_id = registered ? source.intake().customer_registered().customer_id()
                                             : source.intake().customer_updated().customer_id();
  if (customer_id.empty()) {
    return InvalidArgument("customer_id", absl::StrCat("Event ", source.event_id(),
                                                       " names no customer."));
  }
  batch.Lock({CustomerLock(customer_id)});
  absl::StatusOr<std::optional<v1::CareCustomerFact>> before = CareCustomer(customer_id);
  if (!before.ok()) return before.status();
  v1::CareCustomerFact fact = before->value_or(v1::CareCustomerFact());
  fact.set_customer_id(customer_id);
  if (registered) {
    const intake::v1::CustomerRegistered& c = source.intake().customer_registered();
    fact.set_name(c.name());
    fact.set_phone(c.phones().empty() ? "" : c.phones(0));
    fact.set_tier(static_cast<int>(c.tier()));
    fact.set_region(c.region());
    fact.set_birthday(c.birthday());
    fact.set_consent_to_messages(c.consent_to_messages());
  } else {
    // CustomerUpdated carries every field after the change (the tier is not among them).
    const intake::v1::CustomerUpdated& c = source.intake().customer_updated();
    fact.set_name(c.name());
    fact.set_phone(c.phones().empty() ? "" : c.phones(0));
    fact.set_region(c.region());
    fact.set_birthday(c.birthday());
    fact.set_consent_to_messages(c.consent_to_messages());
  }
  const auto birthday_key = [&](const std::string& birthday) -> std::optional<std::string> {
    std::optional<absl::CivilDay> day = ParseBirthday(birthday);
    if (!day) return std::nullopt;
    return absl::StrCat(kBirthdayPrefix, BirthdayKey(*day), "/", customer_id);
  };
  std::optional<std::string> old_key =
      before->has_value() ? birthday_key((*before)->birthday()) : std::nullopt;
  std::optional<std::string> new_key = birthday_key(fact.birthday());
  if (old_key && old_key != new_key) batch.Delete(*old_key);
  if (new_key) batch.Put(*new_key, customer_id);
  batch.Put(absl::StrCat(kCustomerPrefix, customer_id), fact.SerializeAsString());
  return absl::OkStatus();
}

absl::Status CallbacksApp::OnCareVisit(const EventEnvelope& source, Batch& batch) {
  const scheduling::v1::JobCompleted& completed = source.scheduling().job_completed();
  if (completed.ticket_id().empty() || completed.job_id().empty() || !source.has_server_time()) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<std::string>> bytes =
      store_.Get(absl::StrCat(kTicketFactPrefix, completed.ticket_id()));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return absl::OkStatus();  // ticket not known yet: no visit fact
  v1::TicketFact fact;
  if (!fact.ParseFromString(**bytes) || fact.customer_id().empty()) return absl::OkStatus();
  // Append-only, one key per visit: no read-modify-write, a redelivery writes the same key.
  batch.Put(absl::StrCat(kVisitPrefix, fact.customer_id(), "/",
                         TimeKey(FromProto(source.server_time())), "/", completed.job_id()),
            completed.job_id());
  return absl::OkStatus();
}

absl::Status CallbacksApp::OnCareAsset(const EventEnvelope& source, Batch& batch) {
  const intake::v1::AssetRegistered& asset = source.intake().asset_registered();
  const absl::Time now = clock_.Now();
  // "Recent" is judged against when intake registered the asset, so a replay later changes
  // nothing.
  const absl::Time registered_at = source.has_server_time() ? FromProto(source.server_time()) : now;
  std::optional<ScheduleCareCallback> command = ProductCallbackFor(
      asset.asset_id(),
      asset.has_installed_on() ? std::optional<absl::Time>(FromProto(asset.installed_on()))
                               : std::nullopt,
      asset.has_purchased_on() ? std::optional<absl::Time>(FromProto(asset.purchased_on()))
                               : std::nullopt,
      registered_at, policy_, care_policy_);
  if (!command) return absl::OkStatus();  // no date, or an old one (an import)
  absl::StatusOr<std::optional<v1::CareCustomerFact>> customer = CareCustomer(asset.customer_id());
  if (!customer.ok()) return customer.status();
  if (customer->has_value()) {
    command->customer_name = (*customer)->name();
    command->customer_phone = (*customer)->phone();
  }
  absl::StatusOr<CallbackState> state = LoadCallback(CallbackAggregate(command->callback_id));
  if (!state.ok()) return state.status();
  absl::StatusOr<std::vector<CallbackEvent>> events = Decide(*state, *command);
  if (events.status().code() == absl::StatusCode::kAlreadyExists) return absl::OkStatus();
  if (!events.ok()) return events.status();
  CommandMeta meta;
  meta.actor = Actor{"system:callbacks", "system", {}};
  meta.now = now;
  meta.correlation_id =
      source.correlation_id().empty() ? source.event_id() : source.correlation_id();
  meta.causation_id = source.event_id();
  return AppendCareCallback(*state, *events, asset.customer_id(), meta, &source, batch);
}

// ---------------------------------------------------------------------------------------------
// storage helpers

absl::StatusOr<CareMessageState> CallbacksApp::LoadCareMessage(std::string_view message_id) const {
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      store_.ReadStream(MessageAggregate(message_id));
  if (!stream.ok()) return stream.status();
  CareMessageState state;
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<CareMessageEvent> event = DecodeCareMessageEnvelope(envelope);
    if (!event.ok()) {
      return absl::DataLossError(absl::StrCat("The history of care message ",
                                              AsAbsl(message_id), " cannot be read."));
    }
    state = Evolve(std::move(state), *event);
  }
  return state;
}

absl::Status CallbacksApp::AppendCareMessage(const CareMessageState& before,
                                             const std::vector<CareMessageEvent>& events,
                                             const CommandMeta& meta, Batch& batch) {
  CareMessageState next = before;
  std::vector<EventEnvelope> envelopes;
  for (const CareMessageEvent& event : events) {
    EventEnvelope envelope = NewEnvelope(meta);
    *envelope.mutable_callbacks() = EncodeCareMessageEvent(event);
    envelopes.push_back(std::move(envelope));
    next = Evolve(std::move(next), event);
  }
  if (absl::Status s =
          batch.Append(MessageAggregate(next.message_id), before.version, std::move(envelopes));
      !s.ok()) {
    return s;
  }
  batch.Put(absl::StrCat(kMessagePrefix, next.message_id),
            EncodeCareMessage(next).SerializeAsString());
  if (before.status != next.status) {
    if (before.status != MessageStatus::kNone) {
      batch.Delete(absl::StrCat(kStatusPrefix, MessageStatusName(before.status), "/",
                                next.message_id));
    }
    batch.Put(absl::StrCat(kStatusPrefix, MessageStatusName(next.status), "/", next.message_id),
              next.message_id);
  }
  if (before.status == MessageStatus::kNone) {
    batch.Put(absl::StrCat(kByCustomerPrefix, next.customer_id, "/m/", next.message_id),
              next.message_id);
    if (next.status == MessageStatus::kScheduled) {
      batch.Put(absl::StrCat(kContactPrefix, next.customer_id, "/", TimeKey(next.scheduled_for),
                             "/", next.message_id),
                next.message_id);
    }
  }
  if (next.status == MessageStatus::kDelivered && before.status != MessageStatus::kDelivered) {
    batch.Put(absl::StrCat(kDeliveredPrefix, TimeKey(next.sent_at), "/", next.message_id),
              absl::StrCat(static_cast<int>(next.kind)));
  }
  Log()->info("care message changed message={} customer={} kind={} status={} version={} "
              "correlation={}",
              next.message_id, next.customer_id, MessageKindName(next.kind),
              MessageStatusName(next.status), next.version, meta.correlation_id);
  return absl::OkStatus();
}

absl::Status CallbacksApp::AppendCareCallback(const CallbackState& before,
                                              const std::vector<CallbackEvent>& events,
                                              std::string_view customer_id,
                                              const CommandMeta& meta,
                                              const EventEnvelope* source, Batch& batch) {
  CallbackState next = before;
  std::vector<EventEnvelope> envelopes;
  for (size_t i = 0; i < events.size(); ++i) {
    EventEnvelope envelope = NewEnvelope(meta);
    next = Evolve(std::move(next), events[i]);
    if (source != nullptr) {
      envelope.set_event_id(DeriveId(source->event_id(),
                                     absl::StrCat("callbacks/care/", next.callback_id, "/", i + 1)));
    }
    *envelope.mutable_callbacks() = EncodeEvent(events[i]);
    envelopes.push_back(std::move(envelope));
  }
  if (absl::Status s =
          batch.Append(CallbackAggregate(next.callback_id), before.version, std::move(envelopes));
      !s.ok()) {
    return s;
  }
  batch.Put(absl::StrCat(kCallbackProjectionPrefix, next.callback_id),
            EncodeCallback(next).SerializeAsString());
  if (!customer_id.empty()) {
    batch.Put(absl::StrCat(kByCustomerPrefix, AsAbsl(customer_id), "/c/", next.callback_id),
              next.callback_id);
    if (next.reason == kReasonCampaign) {
      batch.Put(absl::StrCat(kContactPrefix, AsAbsl(customer_id), "/", TimeKey(next.completed_at),
                             "/", next.callback_id),
                next.callback_id);
    }
  }
  Log()->info("care callback scheduled callback={} customer={} reason={} due_at={} correlation={}",
              next.callback_id, customer_id, next.reason,
              absl::FormatTime(next.due_at, absl::UTCTimeZone()), meta.correlation_id);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<absl::Time>> CallbacksApp::CareContacts(
    std::string_view customer_id) const {
  std::vector<absl::Time> times;
  const std::string prefix = absl::StrCat(kContactPrefix, AsAbsl(customer_id), "/");
  absl::Status scanned = store_.Scan(prefix, "", [&](std::string_view key, std::string_view) {
    times.push_back(FromTimeKey(key.substr(prefix.size())));
    return true;
  });
  if (!scanned.ok()) return scanned;
  return times;
}

absl::StatusOr<std::vector<CustomerProfile>> CallbacksApp::CustomerProfiles() const {
  // The owners' products, from the asset facts the reminders keep.
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> products;
  absl::Status scanned = store_.Scan(kAssetPrefix, "", [&](std::string_view, std::string_view v) {
    v1::AssetFact asset;
    if (!asset.ParseFromString(S(v)) || asset.customer_id().empty()) return true;
    auto& [models, categories] = products[asset.customer_id()];
    if (!asset.model().empty()) models.insert(asset.model());
    if (!asset.category().empty()) categories.insert(asset.category());
    return true;
  });
  if (!scanned.ok()) return scanned;
  std::vector<CustomerProfile> profiles;
  scanned = store_.Scan(kCustomerPrefix, "", [&](std::string_view, std::string_view v) {
    v1::CareCustomerFact fact;
    if (!fact.ParseFromString(S(v))) return true;
    CustomerProfile p{.customer_id = fact.customer_id(),
                      .name = fact.name(),
                      .phone = fact.phone(),
                      .tier = fact.tier(),
                      .region = fact.region(),
                      .consent = fact.consent_to_messages()};
    if (auto it = products.find(fact.customer_id()); it != products.end()) {
      p.models.assign(it->second.first.begin(), it->second.first.end());
      p.categories.assign(it->second.second.begin(), it->second.second.end());
    }
    profiles.push_back(std::move(p));
    return true;
  });
  if (!scanned.ok()) return scanned;
  for (CustomerProfile& p : profiles) {
    const std::string prefix = absl::StrCat(kVisitPrefix, p.customer_id, "/");
    absl::Status visits = store_.Scan(prefix, "", [&](std::string_view key, std::string_view) {
      const absl::Time at = FromTimeKey(key.substr(prefix.size()));
      if (!p.last_visit || at > *p.last_visit) p.last_visit = at;
      return true;
    });
    if (!visits.ok()) return visits;
  }
  return profiles;
}

// ---------------------------------------------------------------------------------------------
// care messages

absl::StatusOr<common::v1::CommandAck> CallbacksApp::SendCareMessage(const CommandMeta& meta,
                                                                     ScheduleCareMessage command) {
  if (command.kind == MessageKind::kBirthday) {
    return InvalidArgument("kind",
                           "Birthday greetings go out on their own on the customer's birthday; "
                           "choose another kind.");
  }
  command.message_id = DeriveId(meta.request_id, "care-message");
  if (command.scheduled_for == absl::InfinitePast()) command.scheduled_for = meta.now;
  return store_.Execute(
      meta.request_id, {MessageAggregate(command.message_id), CustomerLock(command.customer_id)},
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<CareMessageState> before = LoadCareMessage(command.message_id);
        if (!before.ok()) return before.status();
        // Validation first, so a bad request names its field before the customer is looked up.
        if (absl::Status valid = Decide(*before, command, meta.now, care_policy_).status();
            !valid.ok()) {
          return valid;
        }
        absl::StatusOr<std::optional<v1::CareCustomerFact>> customer =
            CareCustomer(command.customer_id);
        if (!customer.ok()) return customer.status();
        if (!customer->has_value()) {
          return NotFound("customer_id", absl::StrCat("Customer ", command.customer_id,
                                                      " is not known to the care desk."));
        }
        command.consent = (*customer)->consent_to_messages();
        command.customer_name = (*customer)->name();
        command.customer_phone = (*customer)->phone();
        absl::StatusOr<std::vector<absl::Time>> contacts = CareContacts(command.customer_id);
        if (!contacts.ok()) return contacts.status();
        command.contacts = *contacts;
        absl::StatusOr<std::vector<CareMessageEvent>> events =
            Decide(*before, command, meta.now, care_policy_);
        if (!events.ok()) return events.status();
        if (absl::Status s = AppendCareMessage(*before, *events, meta, batch); !s.ok()) return s;
        return Ack(command.message_id, before->version + static_cast<int64_t>(events->size()));
      });
}

absl::StatusOr<common::v1::CommandAck> CallbacksApp::RunCareMessageCommand(
    const CommandMeta& meta, std::string_view message_id,
    const std::function<absl::StatusOr<std::vector<CareMessageEvent>>(const CareMessageState&)>&
        decide) {
  if (message_id.empty()) return InvalidArgument("message_id", "Say which message you mean.");
  return store_.Execute(
      meta.request_id, {MessageAggregate(message_id)},
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<CareMessageState> before = LoadCareMessage(message_id);
        if (!before.ok()) return before.status();
        absl::StatusOr<std::vector<CareMessageEvent>> events = decide(*before);
        if (!events.ok()) return events.status();
        if (absl::Status s = AppendCareMessage(*before, *events, meta, batch); !s.ok()) return s;
        return Ack(S(message_id), before->version + static_cast<int64_t>(events->size()));
      });
}

absl::StatusOr<common::v1::CommandAck> CallbacksApp::ReportMessageSent(
    const CommandMeta& meta, const RecordMessageSent& command) {
  return RunCareMessageCommand(meta, command.message_id, [&](const CareMessageState& state) {
    return Decide(state, command, meta.actor, meta.now);
  });
}

absl::StatusOr<common::v1::CommandAck> CallbacksApp::ReportMessageDelivery(
    const CommandMeta& meta, const RecordMessageDelivery& command) {
  return RunCareMessageCommand(meta, command.message_id, [&](const CareMessageState& state) {
    return Decide(state, command, meta.now);
  });
}

absl::StatusOr<int> CallbacksApp::CreateBirthdayGreetings(absl::Time now) {
  const absl::CivilDay today = absl::ToCivilDay(now, care_policy_.local_zone);
  const std::vector<std::string> keys = BirthdayKeysGreetedOn(today, care_policy_);
  if (keys.empty()) return 0;
  const TimeWindow window = BirthdayGreetingWindow(today, care_policy_);
  std::vector<std::string> customers;
  for (const std::string& key : keys) {
    absl::Status scanned = store_.Scan(absl::StrCat(kBirthdayPrefix, key, "/"), "",
                                       [&](std::string_view, std::string_view value) {
                                         customers.emplace_back(value);
                                         return true;
                                       });
    if (!scanned.ok()) return scanned;
  }
  int created = 0;
  for (const std::string& customer_id : customers) {
    const std::string id = BirthdayMessageId(customer_id, static_cast<int>(today.year()));
    absl::StatusOr<std::optional<std::string>> existing =
        store_.Get(absl::StrCat(kMessagePrefix, id));
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) continue;  // this year's greeting exists
    // Customers without consent get none; looked at before the request id is spent, so a consent
    // given later in the day still gets the greeting.
    absl::StatusOr<std::optional<v1::CareCustomerFact>> first_look = CareCustomer(customer_id);
    if (!first_look.ok()) return first_look.status();
    if (!first_look->has_value() || !(*first_look)->consent_to_messages()) continue;
    const CommandMeta meta = TickerMeta(now, DeriveId(id, "birthday-greeting"));
    bool made = false;
    absl::StatusOr<common::v1::CommandAck> ack = store_.Execute(
        meta.request_id, {MessageAggregate(id), CustomerLock(customer_id)},
        [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
          absl::StatusOr<CareMessageState> before = LoadCareMessage(id);
          if (!before.ok()) return before.status();
          absl::StatusOr<std::optional<v1::CareCustomerFact>> customer = CareCustomer(customer_id);
          if (!customer.ok()) return customer.status();
          // Customers without consent get none (nothing is recorded for them).
          if (before->status != MessageStatus::kNone || !customer->has_value() ||
              !(*customer)->consent_to_messages()) {
            return Ack(id, before->version);
          }
          absl::StatusOr<std::vector<absl::Time>> contacts = CareContacts(customer_id);
          if (!contacts.ok()) return contacts.status();
          absl::StatusOr<std::vector<CareMessageEvent>> events = Decide(
              *before,
              ScheduleCareMessage{.message_id = id,
                                  .customer_id = customer_id,
                                  .kind = MessageKind::kBirthday,
                                  .text = care_policy_.birthday_text,
                                  .scheduled_for = window.from,
                                  .due_by = window.until,
                                  .customer_name = (*customer)->name(),
                                  .customer_phone = (*customer)->phone(),
                                  .consent = true,
                                  .contacts = *contacts},
              now, care_policy_);
          if (!events.ok()) return events.status();
          if (absl::Status s = AppendCareMessage(*before, *events, meta, batch); !s.ok()) return s;
          made = true;
          return Ack(id, before->version + static_cast<int64_t>(events->size()));
        });
    if (!ack.ok()) return ack.status();
    if (made) ++created;
  }
  return created;
}

// ---------------------------------------------------------------------------------------------
// campaigns

absl::StatusOr<common::v1::CommandAck> CallbacksApp::RunCampaign(const CommandMeta& meta,
                                                                 LaunchCampaign command) {
  if (command.campaign_id.empty() && !meta.request_id.empty()) {
    command.campaign_id = DeriveId(meta.request_id, "campaign");
  }
  if (absl::Status valid = ValidateCampaign(command); !valid.ok()) return valid;
  if (absl::StatusOr<std::optional<common::v1::CommandAck>> done =
          store_.FindRequest(meta.request_id);
      done.ok() && done->has_value()) {
    return **done;  // a retry: the recorded answer, without evaluating the segment again
  }
  absl::StatusOr<std::vector<CustomerProfile>> profiles = CustomerProfiles();
  if (!profiles.ok()) return profiles.status();
  std::vector<CustomerProfile> matched;
  for (CustomerProfile& p : *profiles) {
    if (MatchesSegment(p, command.segment)) matched.push_back(std::move(p));
  }
  const bool messages = command.action == CampaignAction::kMessage;
  std::vector<AggregateKey> locks{AggregateKey{kCampaignAggregateType, command.campaign_id}};
  for (const CustomerProfile& p : matched) {
    locks.push_back(CustomerLock(p.customer_id));
    locks.push_back(messages ? MessageAggregate(CampaignMessageId(command.campaign_id,
                                                                  p.customer_id))
                             : CallbackAggregate(CampaignCallbackId(command.campaign_id,
                                                                    p.customer_id)));
  }
  return store_.Execute(
      meta.request_id, std::move(locks),
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        const AggregateKey key{kCampaignAggregateType, command.campaign_id};
        absl::StatusOr<int64_t> version = store_.CurrentVersion(key);
        if (!version.ok()) return version.status();
        if (*version > 0) {
          return AlreadyExists("campaign_id", absl::StrCat("Campaign ", command.campaign_id,
                                                           " was already launched."));
        }
        CampaignLaunched launched{.campaign_id = command.campaign_id,
                                  .name = command.name,
                                  .segment = command.segment,
                                  .action = command.action,
                                  .kind = command.kind,
                                  .text = command.text,
                                  .launched_at = meta.now,
                                  .launched_by = meta.actor.user_id};
        for (const CustomerProfile& p : matched) {
          launched.customer_ids.push_back(p.customer_id);
          absl::StatusOr<std::vector<absl::Time>> contacts = CareContacts(p.customer_id);
          if (!contacts.ok()) return contacts.status();
          const auto skip = [&](const char* reason) {
            ++launched.skipped;
            launched.skipped_customer_ids.push_back(p.customer_id);
            launched.skip_reasons.push_back(reason);
          };
          if (messages) {
            const std::string id = CampaignMessageId(command.campaign_id, p.customer_id);
            absl::StatusOr<CareMessageState> before = LoadCareMessage(id);
            if (!before.ok()) return before.status();
            absl::StatusOr<std::vector<CareMessageEvent>> events =
                Decide(*before,
                       ScheduleCareMessage{.message_id = id,
                                           .customer_id = p.customer_id,
                                           .kind = command.kind,
                                           .text = command.text,
                                           .campaign_id = command.campaign_id,
                                           .scheduled_for = meta.now,
                                           .customer_name = p.name,
                                           .customer_phone = p.phone,
                                           .consent = p.consent,
                                           .contacts = *contacts},
                       meta.now, care_policy_);
            if (!events.ok()) return events.status();
            if (absl::Status s = AppendCareMessage(*before, *events, meta, batch); !s.ok()) {
              return s;
            }
            if (const auto* skipped = std::get_if<CareMessageSkipped>(&events->front())) {
              skip(skipped->reason == kSkipNoConsent ? kSkipNoConsent : kSkipFrequencyCap);
            } else {
              launched.created_ids.push_back(id);
            }
            continue;
          }
          // A campaign call is a care contact too: the same cap (consent to messages does not
          // apply to a call).
          if (!CheckFrequencyCap(*contacts, meta.now, care_policy_).ok()) {
            skip(kSkipFrequencyCap);
            continue;
          }
          const std::string id = CampaignCallbackId(command.campaign_id, p.customer_id);
          absl::StatusOr<CallbackState> before = LoadCallback(CallbackAggregate(id));
          if (!before.ok()) return before.status();
          absl::StatusOr<std::vector<CallbackEvent>> events = Decide(
              *before, ScheduleCareCallback{.callback_id = id,
                                            .reason = kReasonCampaign,
                                            .customer_name = p.name,
                                            .customer_phone = p.phone,
                                            .occurred_at = meta.now,
                                            .due_at = meta.now + care_policy_.campaign_callback_delay});
          if (!events.ok()) return events.status();
          if (absl::Status s =
                  AppendCareCallback(*before, *events, p.customer_id, meta, nullptr, batch);
              !s.ok()) {
            return s;
          }
          launched.created_ids.push_back(id);
        }
        EventEnvelope envelope = NewEnvelope(meta);
        *envelope.mutable_callbacks()->mutable_campaign_launched() = EncodeCampaign(launched);
        if (absl::Status s = batch.Append(key, 0, {std::move(envelope)}); !s.ok()) return s;
        batch.Put(absl::StrCat(kCampaignPrefix, command.campaign_id),
                  EncodeCampaign(launched).SerializeAsString());
        Log()->info("campaign launched campaign={} action={} targeted={} created={} skipped={} "
                    "request={}",
                    command.campaign_id, CampaignActionName(command.action),
                    launched.customer_ids.size(), launched.created_ids.size(), launched.skipped,
                    meta.request_id);
        return Ack(command.campaign_id, 1);
      });
}

absl::StatusOr<CampaignPage> CallbacksApp::ListCampaigns(int32_t page_size_in,
                                                         std::string_view page_token) const {
  absl::StatusOr<int32_t> effective = EffectivePageSize(page_size_in);
  if (!effective.ok()) return effective.status();
  const size_t page_size = static_cast<size_t>(*effective);
  std::vector<v1::CampaignLaunched> found;
  absl::Status scanned =
      store_.Scan(kCampaignPrefix, page_token, [&](std::string_view, std::string_view value) {
        v1::CampaignLaunched c;
        if (c.ParseFromString(S(value))) found.push_back(std::move(c));
        return found.size() <= page_size;
      });
  if (!scanned.ok()) return scanned;
  CampaignPage page;
  const bool more = found.size() > page_size;
  if (more) found.resize(page_size);
  for (v1::CampaignLaunched& c : found) {
    CampaignView view{.targeted = c.customer_ids_size(),
                      .created = c.created_ids_size(),
                      .skipped = c.skipped()};
    for (const std::string& id : c.created_ids()) {
      if (c.action() == CampaignActionName(CampaignAction::kMessage)) {
        absl::StatusOr<std::optional<std::string>> bytes =
            store_.Get(absl::StrCat(kMessagePrefix, id));
        if (!bytes.ok()) return bytes.status();
        v1::CareMessage m;
        if (!bytes->has_value() || !m.ParseFromString(**bytes)) continue;
        if (m.status() == MessageStatusName(MessageStatus::kDelivered)) ++view.delivered;
        if (m.status() == MessageStatusName(MessageStatus::kFailed)) ++view.failed;
      } else {
        absl::StatusOr<std::optional<std::string>> bytes =
            store_.Get(absl::StrCat(kCallbackProjectionPrefix, id));
        if (!bytes.ok()) return bytes.status();
        v1::Callback cb;
        if (!bytes->has_value() || !cb.ParseFromString(**bytes)) continue;
        if (DecodeCallback(cb).status == CallbackStatus::kReached) ++view.reached;
      }
    }
    view.launched = std::move(c);
    page.campaigns.push_back(std::move(view));
  }
  if (more) page.next_page_token = page.campaigns.back().launched.campaign_id();
  return page;
}

// ---------------------------------------------------------------------------------------------
// club events and records

absl::StatusOr<common::v1::CommandAck> CallbacksApp::FileClubEvent(const CommandMeta& meta,
                                                                   RecordClubEvent command) {
  if (command.club_event_id.empty() && !meta.request_id.empty()) {
    command.club_event_id = DeriveId(meta.request_id, "club-event");
  }
  const AggregateKey key{kClubEventAggregateType, command.club_event_id};
  return store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(key);
        if (!stream.ok()) return stream.status();
        ClubEventState state;
        for (const EventEnvelope& e : *stream) {
          if (e.has_callbacks() && e.callbacks().has_club_event_recorded()) {
            state.current = DecodeClubEvent(e.callbacks().club_event_recorded());
          }
          ++state.version;
        }
        absl::StatusOr<ClubEventRecorded> recorded =
            Decide(state, command, meta.actor, care_policy_.club_rule);
        if (!recorded.ok()) return recorded.status();
        EventEnvelope envelope = NewEnvelope(meta);
        *envelope.mutable_callbacks()->mutable_club_event_recorded() = EncodeClubEvent(*recorded);
        if (absl::Status s = batch.Append(key, state.version, {std::move(envelope)}); !s.ok()) {
          return s;
        }
        if (state.current) {
          batch.Delete(absl::StrCat(kClubPrefix, TimeKey(state.current->held_on), "/",
                                    command.club_event_id));
        }
        batch.Put(absl::StrCat(kClubPrefix, TimeKey(recorded->held_on), "/",
                               command.club_event_id),
                  command.club_event_id);
        batch.Put(absl::StrCat(kClubEventPrefix, command.club_event_id),
                  EncodeClubEvent(*recorded).SerializeAsString());
        return Ack(command.club_event_id, state.version + 1);
      });
}

template <typename Command>
absl::StatusOr<common::v1::CommandAck> CallbacksApp::AddCareRecord(const CommandMeta& meta,
                                                                   Command command) {
  if (command.record_id.empty() && !meta.request_id.empty()) {
    command.record_id = DeriveId(meta.request_id, "care-record");
  }
  const AggregateKey key{kCareRecordAggregateType, command.record_id};
  return store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<int64_t> version = store_.CurrentVersion(key);
        if (!version.ok()) return version.status();
        absl::StatusOr<CareRecordEvent> event = Decide(*version > 0, command, meta.actor, meta.now);
        if (!event.ok()) return event.status();
        EventEnvelope envelope = NewEnvelope(meta);
        *envelope.mutable_callbacks() = EncodeCareRecordEvent(*event);
        if (absl::Status s = batch.Append(key, 0, {std::move(envelope)}); !s.ok()) return s;
        const std::string& id = command.record_id;
        if (const auto* w = std::get_if<WebsiteUpdateRecorded>(&*event)) {
          batch.Put(absl::StrCat(kWebsitePrefix, TimeKey(w->published_at), "/", id), w->title);
        } else if (const auto* l = std::get_if<LoungeScoreRecorded>(&*event)) {
          batch.Put(absl::StrCat(kLoungePrefix, TimeKey(l->scored_at), "/", id),
                    absl::StrCat(l->score_percent));
        } else if (const auto* v = std::get_if<HomeVisitRecorded>(&*event)) {
          batch.Put(absl::StrCat(kHomeVisitPrefix, TimeKey(v->visited_at), "/", id),
                    v->customer_id);
          batch.Put(absl::StrCat(kByCustomerPrefix, v->customer_id, "/v/", TimeKey(v->visited_at),
                                 "/", id),
                    EncodeCareRecordEvent(*event).home_visit_recorded().SerializeAsString());
        }
        return Ack(id, 1);
      });
}

absl::StatusOr<common::v1::CommandAck> CallbacksApp::AddWebsiteUpdate(const CommandMeta& meta,
                                                                      RecordWebsiteUpdate command) {
  return AddCareRecord(meta, std::move(command));
}
absl::StatusOr<common::v1::CommandAck> CallbacksApp::AddLoungeScore(const CommandMeta& meta,
                                                                    RecordLoungeScore command) {
  return AddCareRecord(meta, std::move(command));
}
absl::StatusOr<common::v1::CommandAck> CallbacksApp::AddHomeVisit(const CommandMeta& meta,
                                                                  RecordHomeVisit command) {
  return AddCareRecord(meta, std::move(command));
}

// ---------------------------------------------------------------------------------------------
// queries

absl::StatusOr<CareMessagePage> CallbacksApp::ListCareMessages(
    const ListCareMessagesQuery& query) const {
  absl::StatusOr<int32_t> effective = EffectivePageSize(query.page_size);
  if (!effective.ok()) return effective.status();
  const size_t page_size = static_cast<size_t>(*effective);
  const std::string prefix =
      query.status ? absl::StrCat(kStatusPrefix, MessageStatusName(*query.status), "/")
                   : std::string(kMessagePrefix);
  std::vector<std::string> ids;
  absl::Status scanned =
      store_.Scan(prefix, query.page_token, [&](std::string_view key, std::string_view) {
        ids.emplace_back(key.substr(prefix.size()));
        return ids.size() <= page_size;
      });
  if (!scanned.ok()) return scanned;
  CareMessagePage page;
  const bool more = ids.size() > page_size;
  if (more) ids.resize(page_size);
  for (const std::string& id : ids) {
    absl::StatusOr<std::optional<std::string>> bytes = store_.Get(absl::StrCat(kMessagePrefix, id));
    if (!bytes.ok()) return bytes.status();
    v1::CareMessage m;
    if (!bytes->has_value() || !m.ParseFromString(**bytes)) continue;
    page.messages.push_back(DecodeCareMessage(m));
  }
  if (more) page.next_page_token = ids.back();
  return page;
}

absl::StatusOr<CareHistory> CallbacksApp::GetCustomerCareHistory(
    std::string_view customer_id) const {
  if (customer_id.empty()) {
    return InvalidArgument("customer_id", "Say whose care history to show.");
  }
  CareHistory history{.customer_id = S(customer_id)};
  absl::Status failed = absl::OkStatus();
  const std::string prefix = absl::StrCat(kByCustomerPrefix, AsAbsl(customer_id), "/");
  absl::Status scanned = store_.Scan(prefix, "", [&](std::string_view key, std::string_view value) {
    const std::string_view rest = key.substr(prefix.size());
    if (rest.substr(0, 2) == "v/") {
      v1::HomeVisitRecorded visit;
      if (visit.ParseFromString(S(value))) {
        history.home_visits.push_back(HomeVisitRecorded{
            .record_id = visit.record_id(),
            .customer_id = visit.customer_id(),
            .visited_at = visit.has_visited_at() ? FromProto(visit.visited_at())
                                                 : absl::InfinitePast(),
            .note = visit.note(),
            .visited_by = visit.visited_by()});
      }
      return true;
    }
    const bool message = rest.substr(0, 2) == "m/";
    absl::StatusOr<std::optional<std::string>> bytes = store_.Get(
        absl::StrCat(message ? kMessagePrefix : kCallbackProjectionPrefix, AsAbsl(value)));
    if (!bytes.ok()) {
      failed = bytes.status();
      return false;
    }
    if (!bytes->has_value()) return true;
    if (message) {
      v1::CareMessage m;
      if (m.ParseFromString(**bytes)) history.messages.push_back(DecodeCareMessage(m));
    } else {
      v1::Callback cb;
      if (cb.ParseFromString(**bytes)) history.callbacks.push_back(DecodeCallback(cb));
    }
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  std::sort(history.messages.begin(), history.messages.end(),
            [](const CareMessageState& a, const CareMessageState& b) {
              return std::tie(a.scheduled_for, a.message_id) < std::tie(b.scheduled_for, b.message_id);
            });
  std::sort(history.callbacks.begin(), history.callbacks.end(),
            [](const CallbackState& a, const CallbackState& b) {
              return std::tie(a.completed_at, a.callback_id) < std::tie(b.completed_at, b.callback_id);
            });
  return history;
}

absl::StatusOr<CareInputs> CallbacksApp::CareInputsFor(const Period& period) const {
  CareInputs inputs;
  absl::Status failed = absl::OkStatus();
  absl::Status scanned = ScanTimes(
      store_, kClubPrefix, period.start, period.end, [&](std::string_view, std::string_view id) {
        absl::StatusOr<std::optional<std::string>> bytes =
            store_.Get(absl::StrCat(kClubEventPrefix, AsAbsl(id)));
        if (!bytes.ok()) {
          failed = bytes.status();
          return false;
        }
        v1::ClubEventRecorded event;
        if (bytes->has_value() && event.ParseFromString(**bytes)) {
          inputs.club_events.push_back(DecodeClubEvent(event).facts);
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  const std::string end = TimeKey(period.end);
  scanned = store_.Scan(kDeliveredPrefix,
                        absl::StrCat(TimeKey(period.start - absl::Seconds(1)), "/~"),
                        [&](std::string_view key, std::string_view value) {
                          const std::string_view rest = key.substr(sizeof(kDeliveredPrefix) - 1);
                          if (rest.substr(0, end.size()) >= end) return false;
                          int kind = 0;
                          if (!absl::SimpleAtoi(AsAbsl(value), &kind)) return true;
                          inputs.messages.push_back(MessageFact{
                              .kind = static_cast<MessageKind>(kind),
                              .sent_at = FromTimeKey(rest),
                              .delivered = true});
                          return true;
                        });
  if (!scanned.ok()) return scanned;
  scanned = ScanTimes(store_, kHomeVisitPrefix, period.start, period.end,
                      [&](std::string_view, std::string_view) {
                        ++inputs.home_visits;
                        return true;
                      });
  if (!scanned.ok()) return scanned;
  scanned = ScanTimes(store_, kWebsitePrefix, period.start, period.end,
                      [&](std::string_view, std::string_view) {
                        ++inputs.website_updates;
                        return true;
                      });
  if (!scanned.ok()) return scanned;
  std::vector<double> scores;
  scanned = ScanTimes(store_, kLoungePrefix, period.start, period.end,
                      [&](std::string_view, std::string_view value) {
                        double score = 0;
                        if (absl::SimpleAtod(AsAbsl(value), &score)) scores.push_back(score);
                        return true;
                      });
  if (!scanned.ok()) return scanned;
  inputs.lounge_satisfaction_percent = MeanLoungeScore(scores);
  return inputs;
}

absl::StatusOr<CareKpis> CallbacksApp::CareKpisFor(const Period& period) const {
  absl::StatusOr<CareInputs> inputs = CareInputsFor(period);
  if (!inputs.ok()) return inputs.status();
  CareKpis out;
  out.rate = ComputeCareRate(*inputs, period, care_policy_.tasks, care_policy_.weights,
                             care_policy_.club_rule);
  out.completion = Completion(out.rate.value, kpi_policy_.targets.care);
  for (const MessageFact& m : inputs->messages) {
    if (m.kind != MessageKind::kEvent && m.kind != MessageKind::kHoliday &&
        m.kind != MessageKind::kWeather) {
      ++out.greetings_delivered;
    }
  }
  out.home_visits = inputs->home_visits;
  return out;
}

}  // namespace fieldline::callbacks
