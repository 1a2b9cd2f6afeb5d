// CallbacksApp: early warnings (DOMAIN.md §5, issue 6 item 6). Every intake TicketOpened naming
// a known asset is a fault of the asset's product model in the ticket's category, indexed by
// time under the (model, category) counter; when the tickets of one calendar month / quarter /
// year reach the policy's threshold, EarlyWarningRaised — once per (model, category, kind,
// period), whatever the number of tickets after it or the times the event is heard.

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "services/callbacks/adapters/early_warning_codec.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/callbacks/app/time_index.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/core/strings.h"
#include "spdlog/spdlog.h"

namespace fieldline::callbacks {
namespace {

constexpr char kAssetPrefix[] = "x/asset/";
constexpr char kTicketOpenAtPrefix[] = "x/ticket_open_at/";
constexpr char kFaultPrefix[] = "x/fault/";
constexpr char kWarningPrefix[] = "p/early_warning/";
constexpr char kWarningAtPrefix[] = "x/early_warning_at/";
constexpr PeriodKind kKinds[] = {PeriodKind::kMonth, PeriodKind::kQuarter, PeriodKind::kYear};

// The (model, category) counter's name: models and categories are free text.
std::string CounterOf(const std::string& model, const std::string& category) {
  return DeriveId(absl::StrCat(model, "\x1f", category), "fault-counter");
}

AggregateKey WarningKey(const std::string& id) {
  return AggregateKey{kEarlyWarningAggregateType, id};
}

}  // namespace

std::vector<AggregateKey> CallbacksApp::FaultPlan::Locks() const {
  std::vector<AggregateKey> locks;
  if (model.empty() || category.empty() || opened_at == absl::InfinitePast()) return locks;
  locks.push_back(AggregateKey{"FaultCounter", CounterOf(model, category)});
  return locks;
}

absl::StatusOr<CallbacksApp::FaultPlan> CallbacksApp::PlanFault(const EventEnvelope& source) const {
  const intake::v1::TicketOpened& opened = source.intake().ticket_opened();
  FaultPlan plan;
  plan.ticket_id = opened.ticket_id();
  plan.category = opened.category();
  if (source.has_server_time()) plan.opened_at = FromProto(source.server_time());
  if (opened.asset_id().empty()) return plan;
  absl::StatusOr<std::optional<std::string>> bytes =
      store_.Get(absl::StrCat(kAssetPrefix, opened.asset_id()));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return plan;  // an asset not heard of: no model to count against
  v1::AssetFact asset;
  if (!asset.ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("The stored asset ", opened.asset_id(), " cannot be read."));
  }
  plan.model = asset.model();
  return plan;
}

absl::Status CallbacksApp::RecordFault(const EventEnvelope& source, const FaultPlan& plan,
                                       Batch& batch) {
  if (plan.opened_at == absl::InfinitePast() || plan.ticket_id.empty()) return absl::OkStatus();
  const std::string time_key = TimeIndexKey(plan.opened_at);
  // Every opening, for the repeat-visit KPI (a later ticket of the same customer and category).
  batch.Put(absl::StrCat(kTicketOpenAtPrefix, time_key, "/", plan.ticket_id), plan.ticket_id);
  if (plan.model.empty() || plan.category.empty()) return absl::OkStatus();

  const std::string counter = absl::StrCat(kFaultPrefix, CounterOf(plan.model, plan.category), "/");
  batch.Put(absl::StrCat(counter, time_key, "/", plan.ticket_id), plan.ticket_id);

  CommandMeta meta;
  meta.actor = Actor{"system:callbacks", "system", {}};
  meta.now = clock_.Now();
  meta.correlation_id =
      source.correlation_id().empty() ? source.event_id() : source.correlation_id();
  meta.causation_id = source.event_id();

  for (PeriodKind kind : kKinds) {
    const LabelledPeriod period = PeriodContaining(kind, plan.opened_at, policy_.local_zone);
    // The model's tickets of the category opened in the period, in opening order (this one
    // included: the batch is not written yet).
    std::vector<std::string> ids;
    absl::Status scanned = ScanTimeRange(store_, counter, period.period.start, period.period.end,
                                         [&](std::string_view ticket, std::string_view) {
                                           ids.emplace_back(ticket);
                                           return true;
                                         });
    if (!scanned.ok()) return scanned;
    // Heard before (a redelivery) or not: then it is the latest, unless heard late.
    if (std::find(ids.begin(), ids.end(), plan.ticket_id) == ids.end()) {
      ids.push_back(plan.ticket_id);
    }

    const std::string warning_id = EarlyWarningIdFor(plan.model, plan.category, period);
    absl::StatusOr<int64_t> version = batch.CurrentVersion(WarningKey(warning_id));
    if (!version.ok()) return version.status();
    const EarlyWarningState state{.warning_id = warning_id, .raised = *version > 0,
                                  .version = *version};
    absl::StatusOr<std::vector<EarlyWarningRaised>> events =
        Decide(state, CountFault{.product_model = plan.model,
                                 .category = plan.category,
                                 .period = period,
                                 .ticket_ids = ids,
                                 .opened_at = plan.opened_at},
               kpi_policy_.early_warning);
    if (!events.ok()) return events.status();
    if (events->empty()) continue;
    std::vector<EventEnvelope> envelopes;
    for (const EarlyWarningRaised& event : *events) {
      EventEnvelope envelope = NewEnvelope(meta);
      envelope.set_event_id(
          DeriveId(source.event_id(), absl::StrCat("callbacks/early-warning/", warning_id)));
      *envelope.mutable_callbacks()->mutable_early_warning_raised() = EncodeEarlyWarning(event);
      envelopes.push_back(std::move(envelope));
    }
    if (absl::Status appended = batch.Append(WarningKey(warning_id), *version, std::move(envelopes));
        !appended.ok()) {
      return appended;
    }
    const EarlyWarningRaised& raised = events->front();
    batch.Put(absl::StrCat(kWarningPrefix, warning_id),
              EncodeEarlyWarning(raised).SerializeAsString());
    batch.Put(absl::StrCat(kWarningAtPrefix, TimeIndexKey(period.period.start), "/", warning_id),
              warning_id);
    spdlog::info("early warning raised warning={} model={} category={} period={} count={} "
                 "correlation={}",
                 warning_id, plan.model, plan.category, period.label, raised.count,
                 meta.correlation_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<EarlyWarningPage> CallbacksApp::ListEarlyWarnings(
    const EarlyWarningQuery& query) const {
  absl::StatusOr<int32_t> effective = EffectivePageSize(query.page_size);
  if (!effective.ok()) return effective.status();
  const size_t page_size = static_cast<size_t>(*effective);
  Period range{.start = absl::FromUnixSeconds(0), .end = absl::InfiniteFuture()};
  if (query.period.has_value()) {
    absl::StatusOr<Period> period =
        MakePeriod(*query.period, query.year, query.number, policy_.local_zone);
    if (!period.ok()) return period.status();
    range = *period;
  }
  const std::string end = range.end == absl::InfiniteFuture() ? std::string("~")
                                                              : TimeIndexKey(range.end);
  std::string after = absl::ToUnixSeconds(range.start) <= 0
                          ? std::string()
                          : absl::StrCat(TimeIndexKey(range.start - absl::Seconds(1)), "/~");
  if (!query.page_token.empty() && query.page_token > after) after = query.page_token;

  EarlyWarningPage page;
  std::vector<std::string> keys;
  absl::Status failed = absl::OkStatus();
  absl::Status scanned = store_.Scan(
      kWarningAtPrefix, after, [&](std::string_view key, std::string_view id) {
        const std::string_view rest = key.substr(sizeof(kWarningAtPrefix) - 1);
        if (rest.substr(0, end.size()) >= end) return false;
        absl::StatusOr<std::optional<std::string>> bytes =
            store_.Get(absl::StrCat(kWarningPrefix, AsAbsl(id)));
        if (!bytes.ok()) {
          failed = bytes.status();
          return false;
        }
        if (!bytes->has_value()) return true;
        v1::EarlyWarningRaised stored;
        if (!stored.ParseFromString(**bytes)) {
          failed = absl::DataLossError(
              absl::StrCat("The stored early warning ", std::string(id), " cannot be read."));
          return false;
        }
        absl::StatusOr<EarlyWarningRaised> warning = DecodeEarlyWarning(stored);
        if (!warning.ok()) {
          failed = warning.status();
          return false;
        }
        // Only warnings whose whole period lies within the asked one.
        if (warning->period.period.end > range.end) return true;
        if (page.warnings.size() == page_size) {
          page.next_page_token = keys.back();
          return false;
        }
        page.warnings.push_back(*std::move(warning));
        keys.emplace_back(rest);
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  return page;
}

}  // namespace fieldline::callbacks
