// CallbacksApp: maintenance, warranty, contract and insurance reminders (DOMAIN.md §4).

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "services/callbacks/adapters/reminder_codec.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/common/core/ids.h"
#include "spdlog/spdlog.h"

namespace fieldline::callbacks {
namespace {

constexpr char kReminderPrefix[] = "p/reminder/";
constexpr char kAssetPrefix[] = "x/asset/";
constexpr char kReminderByAssetPrefix[] = "x/reminder_by_asset/";
constexpr char kReminderPendingPrefix[] = "x/reminder_pending/";
constexpr char kReminderDuePrefix[] = "x/reminder_due/";
constexpr char kTicketFactPrefix[] = "x/ticket_fact/";
// Maintenance reminders by the time they fell (or fall) due, kept for the KPIs (never deleted).
constexpr char kMaintenanceDuePrefix[] = "x/maintenance_due/";

std::string ReminderKey(std::string_view id) { return absl::StrCat(kReminderPrefix, AsAbsl(id)); }
std::string AssetKey(std::string_view id) { return absl::StrCat(kAssetPrefix, AsAbsl(id)); }
std::string ByAssetPrefix(std::string_view asset_id) {
  return absl::StrCat(kReminderByAssetPrefix, AsAbsl(asset_id), "/");
}
// Time-ordered keys: seconds since the epoch, zero-padded (times before 1970 sort first).
std::string TimeKey(absl::Time t) {
  return absl::StrFormat("%020d", std::max<int64_t>(0, absl::ToUnixSeconds(t)));
}
std::string PendingKey(const ReminderState& s) {
  return absl::StrCat(kReminderPendingPrefix, TimeKey(s.remind_at), "/", s.reminder_id);
}
std::string DueKey(const ReminderState& s) {
  return absl::StrCat(kReminderDuePrefix, TimeKey(s.remind_at), "/", s.reminder_id);
}

AggregateKey ReminderAggregate(std::string_view id) {
  return AggregateKey{kReminderAggregateType, std::string(id)};
}
// Not an aggregate of this service: the lock guarding x/asset/<id>.
AggregateKey AssetLock(std::string_view id) { return AggregateKey{"Asset", std::string(id)}; }

std::shared_ptr<spdlog::logger> Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("callbacks.reminders")) return existing;
    auto created = spdlog::default_logger()->clone("callbacks.reminders");
    spdlog::register_logger(created);
    return created;
  }();
  return logger;
}

CommandMeta SystemMeta(const EventEnvelope* source, absl::Time now, std::string request_id) {
  CommandMeta meta;
  meta.actor = Actor{"system:callbacks", "system", {}};
  meta.now = now;
  meta.request_id = std::move(request_id);
  if (source != nullptr) {
    meta.correlation_id =
        source->correlation_id().empty() ? source->event_id() : source->correlation_id();
    meta.causation_id = source->event_id();
  } else {
    meta.correlation_id = meta.request_id;
  }
  return meta;
}

common::v1::CommandAck Ack(const std::string& id, int64_t version) {
  common::v1::CommandAck ack;
  ack.set_aggregate_id(id);
  ack.set_version(version);
  return ack;
}

bool IsSkippable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAlreadyExists ||
         status.code() == absl::StatusCode::kFailedPrecondition;
}

absl::Time TimeOr(bool present, const google::protobuf::Timestamp& ts) {
  return present ? FromProto(ts) : absl::InfinitePast();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// storage helpers

absl::StatusOr<ReminderState> CallbacksApp::LoadReminder(std::string_view reminder_id) const {
  absl::StatusOr<std::vector<EventEnvelope>> stream =
      store_.ReadStream(ReminderAggregate(reminder_id));
  if (!stream.ok()) return stream.status();
  ReminderState state;
  for (const EventEnvelope& envelope : *stream) {
    absl::StatusOr<ReminderEvent> event = DecodeReminderEnvelope(envelope);
    if (!event.ok()) {
      return absl::DataLossError(absl::StrCat("The history of reminder ", AsAbsl(reminder_id),
                                              " cannot be read: ", event.status().message()));
    }
    state = Evolve(std::move(state), *event);
  }
  return state;
}

absl::Status CallbacksApp::AppendReminder(const ReminderState& before,
                                          const std::vector<ReminderEvent>& events,
                                          const CommandMeta& meta, const EventEnvelope* source,
                                          Batch& batch) {
  ReminderState next = before;
  std::vector<EventEnvelope> envelopes;
  for (size_t i = 0; i < events.size(); ++i) {
    EventEnvelope envelope = NewEnvelope(meta);
    next = Evolve(std::move(next), events[i]);
    if (source != nullptr) {
      envelope.set_event_id(DeriveId(
          source->event_id(), absl::StrCat("callbacks/reminder/", next.reminder_id, "/", i + 1)));
    }
    *envelope.mutable_callbacks() = EncodeReminderEvent(events[i]);
    envelopes.push_back(std::move(envelope));
  }
  if (absl::Status appended =
          batch.Append(ReminderAggregate(next.reminder_id), before.version, std::move(envelopes));
      !appended.ok()) {
    return appended;
  }
  batch.Put(ReminderKey(next.reminder_id), EncodeReminder(next).SerializeAsString());
  batch.Put(absl::StrCat(ByAssetPrefix(next.asset_id), next.reminder_id), next.reminder_id);
  const auto listed = [](const ReminderState& s, ReminderStatus status) {
    return s.status == status;
  };
  if (before.status == ReminderStatus::kNone && IsMaintenance(next.kind)) {
    batch.Put(absl::StrCat(kMaintenanceDuePrefix, TimeKey(next.remind_at), "/", next.reminder_id),
              next.reminder_id);
  }
  if (listed(before, ReminderStatus::kScheduled) && !listed(next, ReminderStatus::kScheduled)) {
    batch.Delete(PendingKey(before));
  }
  if (!listed(before, ReminderStatus::kScheduled) && listed(next, ReminderStatus::kScheduled)) {
    batch.Put(PendingKey(next), next.reminder_id);
  }
  if (listed(before, ReminderStatus::kDue) && !listed(next, ReminderStatus::kDue)) {
    batch.Delete(DueKey(before));
  }
  if (!listed(before, ReminderStatus::kDue) && listed(next, ReminderStatus::kDue)) {
    batch.Put(DueKey(next), next.reminder_id);
  }
  Log()->info("reminder changed reminder={} asset={} kind={} version={} correlation={}",
              next.reminder_id, next.asset_id, ReminderKindName(next.kind), next.version,
              meta.correlation_id);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ReminderView>> CallbacksApp::ReadReminderView(
    std::string_view reminder_id, absl::Time now) const {
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(ReminderKey(reminder_id));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<ReminderView>();
  v1::Reminder projection;
  if (!projection.ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("The stored reminder ", AsAbsl(reminder_id), " cannot be read."));
  }
  ReminderView view{.reminder = DecodeReminder(projection)};
  view.overdue = IsOverdue(view.reminder, now);
  // The asset may have changed hands since the reminder was scheduled: show today's owner.
  absl::StatusOr<std::optional<std::string>> asset = store_.Get(AssetKey(view.reminder.asset_id));
  if (!asset.ok()) return asset.status();
  if (asset->has_value()) {
    v1::AssetFact fact;
    if (fact.ParseFromString(**asset) && !fact.customer_id().empty()) {
      view.reminder.customer_id = fact.customer_id();
    }
  }
  return std::optional<ReminderView>(std::move(view));
}

// ---------------------------------------------------------------------------------------------
// reactions

absl::Status CallbacksApp::OnAssetRegistered(const EventEnvelope& source, Batch& batch) {
  const intake::v1::AssetRegistered& asset = source.intake().asset_registered();
  if (asset.asset_id().empty()) {
    return InvalidArgument("asset_id", absl::StrCat("Event ", source.event_id(),
                                                    " registers an asset without an id."));
  }
  // Delivery / installation: installed_on if given, else the purchase (the delivery).
  const absl::Time delivered =
      asset.has_installed_on() ? FromProto(asset.installed_on())
                               : TimeOr(asset.has_purchased_on(), asset.purchased_on());
  std::vector<ScheduleReminder> commands;
  const auto add = [&](ReminderKind kind, absl::Time basis) {
    if (basis == absl::InfinitePast()) return;
    commands.push_back(ScheduleReminder{.asset_id = asset.asset_id(),
                                        .customer_id = asset.customer_id(),
                                        .model = asset.model(),
                                        .kind = kind,
                                        .basis_at = basis});
  };
  add(ReminderKind::kFirstMaintenance, delivered);
  add(ReminderKind::kWarrantyExpiry, TimeOr(asset.has_warranty_end(), asset.warranty_end()));
  if (asset.has_contract()) {
    add(ReminderKind::kContractExpiry,
        TimeOr(asset.contract().has_ends_at(), asset.contract().ends_at()));
  }
  add(ReminderKind::kInsuranceExpiry, TimeOr(asset.has_insurance_end(), asset.insurance_end()));

  std::vector<AggregateKey> locks{AssetLock(asset.asset_id())};
  for (const ScheduleReminder& c : commands) {
    locks.push_back(ReminderAggregate(ReminderIdFor(c.asset_id, c.kind, c.basis_at)));
  }
  batch.Lock(std::move(locks));

  v1::AssetFact fact;
  fact.set_customer_id(asset.customer_id());
  fact.set_model(asset.model());
  fact.set_category(asset.category());
  batch.Put(AssetKey(asset.asset_id()), fact.SerializeAsString());

  const absl::Time now = clock_.Now();
  const CommandMeta meta = SystemMeta(&source, now, "");
  for (const ScheduleReminder& command : commands) {
    absl::StatusOr<ReminderState> state =
        LoadReminder(ReminderIdFor(command.asset_id, command.kind, command.basis_at));
    if (!state.ok()) return state.status();
    absl::StatusOr<std::vector<ReminderEvent>> events =
        Decide(*state, command, now, reminder_policy_);
    // Heard before, or its useful time has passed (an old asset): nothing to remind.
    if (IsSkippable(events.status())) continue;
    if (!events.ok()) return events.status();
    if (absl::Status s = AppendReminder(*state, *events, meta, &source, batch); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CallbacksApp::OnAssetOwnershipTransferred(const EventEnvelope& source, Batch& batch) {
  const intake::v1::AssetOwnershipTransferred& transfer =
      source.intake().asset_ownership_transferred();
  if (transfer.asset_id().empty()) {
    return InvalidArgument("asset_id", absl::StrCat("Event ", source.event_id(),
                                                    " transfers an asset without an id."));
  }
  batch.Lock({AssetLock(transfer.asset_id())});
  v1::AssetFact fact;
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(AssetKey(transfer.asset_id()));
  if (!bytes.ok()) return bytes.status();
  if (bytes->has_value() && !fact.ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("The stored asset ", transfer.asset_id(), " cannot be read."));
  }
  fact.set_customer_id(transfer.to_customer_id());
  batch.Put(AssetKey(transfer.asset_id()), fact.SerializeAsString());
  return absl::OkStatus();
}

// Whether a JobCompleted is a maintenance visit on a known asset, and which reminders it touches.
absl::StatusOr<CallbacksApp::MaintenancePlan> CallbacksApp::PlanMaintenanceVisit(
    const EventEnvelope& source) const {
  const scheduling::v1::JobCompleted& completed = source.scheduling().job_completed();
  MaintenancePlan plan;
  if (completed.ticket_id().empty() || completed.job_id().empty() || !source.has_server_time()) {
    return plan;
  }
  absl::StatusOr<std::optional<std::string>> bytes =
      store_.Get(absl::StrCat(kTicketFactPrefix, completed.ticket_id()));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return plan;  // the ticket is not known (yet): no reminder effect
  v1::TicketFact fact;
  if (!fact.ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("The stored facts of ticket ", completed.ticket_id(), " cannot be read."));
  }
  const auto& categories = reminder_policy_.maintenance_categories;
  if (fact.asset_id().empty() ||
      std::find(categories.begin(), categories.end(), fact.category()) == categories.end()) {
    return plan;
  }
  plan.asset_id = fact.asset_id();
  plan.ticket_customer_id = fact.customer_id();
  plan.completed_at = FromProto(source.server_time());
  plan.next_due = AddCalendarMonths(plan.completed_at,
                                    reminder_policy_.regular_maintenance_interval_months,
                                    reminder_policy_.local_zone);
  plan.next_id = ReminderIdFor(plan.asset_id, ReminderKind::kRegularMaintenance, plan.next_due);
  absl::Status scanned = store_.Scan(ByAssetPrefix(plan.asset_id), "",
                                     [&](std::string_view, std::string_view value) {
                                       if (value != plan.next_id) {
                                         plan.reminder_ids.emplace_back(value);
                                       }
                                       return true;
                                     });
  if (!scanned.ok()) return scanned;
  return plan;
}

std::vector<AggregateKey> CallbacksApp::MaintenancePlan::Locks() const {
  std::vector<AggregateKey> locks;
  if (asset_id.empty()) return locks;
  locks.push_back(AssetLock(asset_id));
  for (const std::string& id : reminder_ids) locks.push_back(ReminderAggregate(id));
  locks.push_back(ReminderAggregate(next_id));
  return locks;
}

absl::Status CallbacksApp::OnMaintenanceVisit(const EventEnvelope& source,
                                              const MaintenancePlan& first_look, Batch& batch) {
  const scheduling::v1::JobCompleted& completed = source.scheduling().job_completed();
  absl::StatusOr<MaintenancePlan> plan = PlanMaintenanceVisit(source);
  if (!plan.ok()) return plan.status();
  if (plan->reminder_ids != first_look.reminder_ids) {
    // A reminder of the asset was added between the first look and the locks: retry the event.
    return absl::AbortedError(absl::StrCat("The reminders of asset ", plan->asset_id,
                                           " changed while a maintenance visit was recorded."));
  }
  const absl::Time now = clock_.Now();
  const CommandMeta meta = SystemMeta(&source, now, "");
  for (const std::string& id : plan->reminder_ids) {
    absl::StatusOr<ReminderState> state = LoadReminder(id);
    if (!state.ok()) return state.status();
    absl::StatusOr<std::vector<ReminderEvent>> events =
        Decide(*state, RecordMaintenanceVisit{.reminder_id = id,
                                              .job_id = completed.job_id(),
                                              .completed_at = plan->completed_at});
    // Not about maintenance, already came in, or a visit before it fell due: no effect.
    if (IsSkippable(events.status())) continue;
    if (!events.ok()) return events.status();
    if (absl::Status s = AppendReminder(*state, *events, meta, &source, batch); !s.ok()) return s;
  }

  // The next regular maintenance, counted from this visit.
  v1::AssetFact asset;
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(AssetKey(plan->asset_id));
  if (!bytes.ok()) return bytes.status();
  if (bytes->has_value() && !asset.ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("The stored asset ", plan->asset_id, " cannot be read."));
  }
  if (asset.customer_id().empty()) asset.set_customer_id(plan->ticket_customer_id);
  absl::StatusOr<ReminderState> next = LoadReminder(plan->next_id);
  if (!next.ok()) return next.status();
  absl::StatusOr<std::vector<ReminderEvent>> scheduled =
      Decide(*next,
             ScheduleReminder{.asset_id = plan->asset_id,
                              .customer_id = asset.customer_id(),
                              .model = asset.model(),
                              .kind = ReminderKind::kRegularMaintenance,
                              .basis_at = plan->next_due},
             now, reminder_policy_);
  if (IsSkippable(scheduled.status())) return absl::OkStatus();
  if (!scheduled.ok()) return scheduled.status();
  return AppendReminder(*next, *scheduled, meta, &source, batch);
}

// ---------------------------------------------------------------------------------------------
// commands and the ticker

absl::StatusOr<common::v1::CommandAck> CallbacksApp::RecordReminderOutcome(
    const CommandMeta& meta, const callbacks::RecordReminderOutcome& command) {
  if (command.reminder_id.empty()) {
    return InvalidArgument("reminder_id", "Say which reminder you mean.");
  }
  return store_.Execute(
      meta.request_id, {ReminderAggregate(command.reminder_id)},
      [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<ReminderState> before = LoadReminder(command.reminder_id);
        if (!before.ok()) return before.status();
        absl::StatusOr<std::vector<ReminderEvent>> events =
            Decide(*before, command, meta.actor, meta.now);
        if (!events.ok()) return events.status();
        if (absl::Status s = AppendReminder(*before, *events, meta, nullptr, batch); !s.ok()) {
          return s;
        }
        return Ack(before->reminder_id, before->version + static_cast<int64_t>(events->size()));
      });
}

absl::StatusOr<int> CallbacksApp::FallDueReminders(absl::Time now) {
  std::vector<std::pair<std::string, std::string>> ripe;  // (index key, reminder id)
  const std::string limit = TimeKey(now);
  absl::Status scanned = store_.Scan(
      kReminderPendingPrefix, "", [&](std::string_view key, std::string_view value) {
        const std::string_view rest = key.substr(sizeof(kReminderPendingPrefix) - 1);
        if (rest.substr(0, limit.size()) > limit) return false;  // time-ordered: done
        ripe.emplace_back(std::string(key), std::string(value));
        return true;
      });
  if (!scanned.ok()) return scanned;
  int fell_due = 0;
  for (const auto& entry : ripe) {
    const std::string& index_key = entry.first;
    const std::string& id = entry.second;  // a plain name: lambdas below capture it
    const CommandMeta meta = SystemMeta(nullptr, now, DeriveId(id, "reminder-fell-due"));
    absl::StatusOr<common::v1::CommandAck> ack = store_.Execute(
        meta.request_id, {ReminderAggregate(id)},
        [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
          absl::StatusOr<ReminderState> before = LoadReminder(id);
          if (!before.ok()) return before.status();
          absl::StatusOr<std::vector<ReminderEvent>> events =
              Decide(*before, MarkReminderDue{.reminder_id = id}, now);
          if (!events.ok()) return events.status();
          if (absl::Status s = AppendReminder(*before, *events, meta, nullptr, batch); !s.ok()) {
            return s;
          }
          return Ack(id, before->version + 1);
        });
    if (ack.ok()) {
      ++fell_due;
      continue;
    }
    if (ack.status().code() == absl::StatusCode::kFailedPrecondition) {
      // The reminder moved on (the customer came in first): the stale index entry goes.
      Batch batch = store_.NewBatch();
      batch.Lock({ReminderAggregate(id)});
      absl::StatusOr<ReminderState> state = LoadReminder(id);
      if (!state.ok()) return state.status();
      if (state->status != ReminderStatus::kScheduled) {
        batch.Delete(index_key);
        if (absl::Status s = store_.Commit(std::move(batch)); !s.ok()) return s;
      }
      continue;
    }
    return ack.status();
  }
  return fell_due;
}

// ---------------------------------------------------------------------------------------------
// queries

absl::StatusOr<std::vector<MaintenanceFact>> CallbacksApp::MaintenanceFactsDueIn(
    const Period& window) const {
  std::vector<MaintenanceFact> facts;
  const std::string end = TimeKey(window.end);
  absl::Status failed = absl::OkStatus();
  // Keys strictly after "<start − 1 s>/~" are those with remind_at ≥ start.
  const std::string start_after = absl::StrCat(TimeKey(window.start - absl::Seconds(1)), "/~");
  absl::Status scanned = store_.Scan(
      kMaintenanceDuePrefix, start_after, [&](std::string_view key, std::string_view value) {
        const std::string_view rest = key.substr(sizeof(kMaintenanceDuePrefix) - 1);
        if (rest.substr(0, end.size()) >= end) return false;
        absl::StatusOr<std::optional<std::string>> bytes = store_.Get(ReminderKey(value));
        if (!bytes.ok()) {
          failed = bytes.status();
          return false;
        }
        v1::Reminder projection;
        if (!bytes->has_value() || !projection.ParseFromString(**bytes)) return true;
        const ReminderState state = DecodeReminder(projection);
        facts.push_back(MaintenanceFact{.customer_id = state.customer_id,
                                        .due_at = state.remind_at,
                                        .came_in_at = state.came_in_at});
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  return facts;
}

absl::StatusOr<ReminderView> CallbacksApp::GetReminder(std::string_view reminder_id) const {
  if (reminder_id.empty()) return InvalidArgument("reminder_id", "Say which reminder you mean.");
  absl::StatusOr<std::optional<ReminderView>> view = ReadReminderView(reminder_id, clock_.Now());
  if (!view.ok()) return view.status();
  if (!view->has_value()) {
    return NotFound("reminder_id",
                    absl::StrCat("There is no reminder ", AsAbsl(reminder_id), "."));
  }
  return **view;
}

absl::StatusOr<ReminderPage> CallbacksApp::ListReminders(const ListRemindersQuery& query) const {
  absl::StatusOr<int32_t> effective = EffectivePageSize(query.page_size);
  if (!effective.ok()) return effective.status();
  const size_t page_size = static_cast<size_t>(*effective);
  const std::string prefix =
      query.asset_id.empty() ? std::string(kReminderPrefix) : ByAssetPrefix(query.asset_id);
  std::vector<std::string> ids;
  absl::Status scanned =
      store_.Scan(prefix, query.page_token, [&](std::string_view key, std::string_view) {
        ids.emplace_back(key.substr(prefix.size()));
        return ids.size() <= page_size;
      });
  if (!scanned.ok()) return scanned;
  ReminderPage page;
  const bool more = ids.size() > page_size;
  if (more) ids.resize(page_size);
  const absl::Time now = clock_.Now();
  for (const std::string& id : ids) {
    absl::StatusOr<std::optional<ReminderView>> view = ReadReminderView(id, now);
    if (!view.ok()) return view.status();
    if (view->has_value()) page.reminders.push_back(**view);
  }
  if (more) page.next_page_token = ids.back();
  return page;
}

absl::StatusOr<ReminderPage> CallbacksApp::ListDueReminders(const ListRemindersQuery& query) const {
  absl::StatusOr<int32_t> effective = EffectivePageSize(query.page_size);
  if (!effective.ok()) return effective.status();
  const size_t page_size = static_cast<size_t>(*effective);
  const absl::Time now = clock_.Now();
  ReminderPage page;
  std::string last_key;
  bool more = false;
  absl::Status failed = absl::OkStatus();
  absl::Status scanned = store_.Scan(
      kReminderDuePrefix, query.page_token, [&](std::string_view key, std::string_view value) {
        absl::StatusOr<std::optional<ReminderView>> view = ReadReminderView(value, now);
        if (!view.ok()) {
          failed = view.status();
          return false;
        }
        if (!view->has_value()) return true;
        if (query.kind != ReminderKind::kUnspecified && (*view)->reminder.kind != query.kind) {
          return true;
        }
        if (page.reminders.size() == page_size) {
          more = true;
          return false;
        }
        page.reminders.push_back(**view);
        last_key = std::string(key.substr(sizeof(kReminderDuePrefix) - 1));
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  if (more) page.next_page_token = last_key;
  return page;
}

}  // namespace fieldline::callbacks
