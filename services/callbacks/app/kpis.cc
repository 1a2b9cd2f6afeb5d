// CallbacksApp: the KPI facts read by time (issue 6 items 5, 7): completed jobs and their
// parts waits, SLA clocks, complaints, churn. Every figure is recomputed for any past period from
// facts written by the reactions (x/…), never from running totals.

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/inventory/v1/events.pb.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "services/callbacks/adapters/event_codec.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/callbacks/app/time_index.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"

namespace fieldline::callbacks {
namespace {

constexpr char kJobDonePrefix[] = "x/job_done/";
constexpr char kJobsByTicketPrefix[] = "x/jobs_by_ticket/";
constexpr char kJobWaitedPrefix[] = "x/job_waited/";
constexpr char kJobFactPrefix[] = "x/job_fact/";
constexpr char kTicketOpenAtPrefix[] = "x/ticket_open_at/";
constexpr char kTicketTechPrefix[] = "x/ticket_tech/";
constexpr char kSlaPrefix[] = "x/sla/";
constexpr char kSlaAtPrefix[] = "x/sla_at/";
constexpr char kComplaintPrefix[] = "x/complaint/";
constexpr char kComplaintAtPrefix[] = "x/complaint_at/";
constexpr char kTicketFactPrefix[] = "x/ticket_fact/";

constexpr char kResponse[] = "response";
constexpr char kOnSite[] = "on_site";
constexpr char kResolution[] = "resolution";

std::string Seconds(absl::Time t) { return TimeIndexKey(t); }

absl::Time ServerTime(const EventEnvelope& e) {
  return e.has_server_time() ? FromProto(e.server_time()) : absl::InfinitePast();
}

AggregateKey TicketLockKey(std::string_view ticket_id) {
  return AggregateKey{"Ticket", std::string(ticket_id)};
}

template <typename Message>
absl::StatusOr<std::optional<Message>> ReadMessage(const EventStore& store, const std::string& key) {
  absl::StatusOr<std::optional<std::string>> bytes = store.Get(key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<Message>();
  Message message;
  if (!message.ParseFromString(**bytes)) {
    return absl::DataLossError(absl::StrCat("The stored record ", key, " cannot be read."));
  }
  return std::optional<Message>(std::move(message));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// reactions

absl::Status CallbacksApp::RecordJobDone(const EventEnvelope& source, Batch& batch) {
  const scheduling::v1::JobCompleted& completed = source.scheduling().job_completed();
  if (completed.job_id().empty() || !source.has_server_time()) return absl::OkStatus();
  // The first completion counts (as for the callback); a second JobCompleted of the job changes
  // nothing. The caller holds the job's callback lock.
  const std::string first_key = absl::StrCat(kJobFactPrefix, completed.job_id());
  absl::StatusOr<std::optional<std::string>> first = store_.Get(first_key);
  if (!first.ok()) return first.status();
  if (first->has_value()) return absl::OkStatus();
  v1::JobDoneFact fact;
  fact.set_job_id(completed.job_id());
  fact.set_ticket_id(completed.ticket_id());
  fact.set_technician_id(completed.technician_id());
  *fact.mutable_completed_at() = source.server_time();
  const std::string value = fact.SerializeAsString();
  batch.Put(first_key, value);
  batch.Put(absl::StrCat(kJobDonePrefix, Seconds(ServerTime(source)), "/", completed.job_id()),
            value);
  if (!completed.ticket_id().empty()) {
    batch.Put(absl::StrCat(kJobsByTicketPrefix, completed.ticket_id(), "/", completed.job_id()),
              value);
  }
  return absl::OkStatus();
}

absl::Status CallbacksApp::RecordPartsWait(const EventEnvelope& source, Batch& batch) {
  std::string job_id;
  if (source.has_scheduling() && source.scheduling().has_job_waiting_for_parts()) {
    job_id = source.scheduling().job_waiting_for_parts().job_id();
    if (job_id.empty()) {
      return InvalidArgument("job_id", absl::StrCat("Event ", source.event_id(),
                                                    " says a job waits for parts without naming "
                                                    "the job."));
    }
  } else if (source.has_inventory() && source.inventory().has_parts_backordered()) {
    job_id = source.inventory().parts_backordered().job_id();
  }
  if (job_id.empty()) return absl::OkStatus();
  // The first wait heard is kept; a second one writes the same key.
  batch.Put(absl::StrCat(kJobWaitedPrefix, job_id), source.event_id());
  return absl::OkStatus();
}

absl::Status CallbacksApp::RecordSlaStops(const EventEnvelope& source, Batch& batch) {
  const intake::v1::IntakeEvent& e = source.intake();
  std::string ticket_id;
  std::vector<std::string> stopped;
  bool breach = false;
  if (e.has_ticket_scheduled()) {
    ticket_id = e.ticket_scheduled().ticket_id();
    stopped = {kResponse};
  } else if (e.has_ticket_work_started()) {
    ticket_id = e.ticket_work_started().ticket_id();
    stopped = {kOnSite};
  } else if (e.has_ticket_completed()) {
    ticket_id = e.ticket_completed().ticket_id();
    stopped = {kResolution};
  } else if (e.has_ticket_resolved_remotely()) {
    ticket_id = e.ticket_resolved_remotely().ticket_id();
    stopped = {kResponse, kOnSite, kResolution};
  } else if (e.has_ticket_received_at_service_centre()) {
    ticket_id = e.ticket_received_at_service_centre().ticket_id();
    stopped = {kResponse, kOnSite};
  } else if (e.has_ticket_returned_to_customer()) {
    ticket_id = e.ticket_returned_to_customer().ticket_id();
    stopped = {kResolution};
  } else if (e.has_ticket_sla_breached()) {
    ticket_id = e.ticket_sla_breached().ticket_id();
    stopped = {e.ticket_sla_breached().clock()};
    breach = true;
  } else {
    return absl::OkStatus();
  }
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", absl::StrCat("Event ", source.event_id(),
                                                     " changes a ticket without naming it."));
  }
  if (breach && !e.ticket_sla_breached().has_due_time()) {
    return InvalidArgument("due_time", absl::StrCat("Event ", source.event_id(),
                                                    " reports a breach without its due time."));
  }
  // A stop without a time cannot be placed in any period: nothing to record.
  if (!breach && !source.has_server_time()) return absl::OkStatus();
  for (const std::string& clock : stopped) {
    if (clock != kResponse && clock != kOnSite && clock != kResolution) continue;
    const std::string key = absl::StrCat(kSlaPrefix, ticket_id, "/", clock);
    absl::StatusOr<std::optional<v1::SlaClockFact>> stored =
        ReadMessage<v1::SlaClockFact>(store_, key);
    if (!stored.ok()) return stored.status();
    v1::SlaClockFact fact = stored->value_or(v1::SlaClockFact());
    const std::optional<absl::Time> settled_before =
        fact.has_settled_at() ? std::optional<absl::Time>(FromProto(fact.settled_at()))
                              : std::nullopt;
    fact.set_ticket_id(ticket_id);
    fact.set_clock(clock);
    if (breach) {
      if (fact.breached()) continue;  // heard before
      fact.set_breached(true);
      *fact.mutable_due_at() = e.ticket_sla_breached().due_time();
    } else {
      if (fact.has_stopped_at()) continue;  // the first stop counts; a redelivery changes nothing
      *fact.mutable_stopped_at() = source.server_time();
    }
    SlaClockOutcome outcome{.ticket_id = ticket_id,
                            .clock = clock,
                            .stopped_at = fact.has_stopped_at() ? FromProto(fact.stopped_at())
                                                                : absl::InfinitePast(),
                            .breached = fact.breached(),
                            .due_at = fact.has_due_at() ? FromProto(fact.due_at())
                                                        : absl::InfinitePast()};
    const absl::Time settled = SettledAt(outcome);
    if (settled != absl::InfinitePast()) ToProto(settled, fact.mutable_settled_at());
    if (settled_before && *settled_before != settled) {
      batch.Delete(absl::StrCat(kSlaAtPrefix, Seconds(*settled_before), "/", ticket_id, "/", clock));
    }
    if (settled != absl::InfinitePast()) {
      batch.Put(absl::StrCat(kSlaAtPrefix, Seconds(settled), "/", ticket_id, "/", clock), key);
    }
    batch.Put(key, fact.SerializeAsString());
  }
  return absl::OkStatus();
}

absl::Status CallbacksApp::OnKpiIntakeEvent(const EventEnvelope& source, Batch& batch) {
  const intake::v1::IntakeEvent& e = source.intake();
  if (e.has_ticket_scheduled() || e.has_ticket_work_started() || e.has_ticket_completed() ||
      e.has_ticket_received_at_service_centre() || e.has_ticket_returned_to_customer() ||
      e.has_ticket_sla_breached()) {
    std::string ticket_id;
    if (e.has_ticket_scheduled()) ticket_id = e.ticket_scheduled().ticket_id();
    if (e.has_ticket_work_started()) ticket_id = e.ticket_work_started().ticket_id();
    if (e.has_ticket_completed()) ticket_id = e.ticket_completed().ticket_id();
    if (e.has_ticket_received_at_service_centre()) {
      ticket_id = e.ticket_received_at_service_centre().ticket_id();
    }
    if (e.has_ticket_returned_to_customer()) ticket_id = e.ticket_returned_to_customer().ticket_id();
    if (e.has_ticket_sla_breached()) ticket_id = e.ticket_sla_breached().ticket_id();
    if (ticket_id.empty()) {
      return InvalidArgument("ticket_id", absl::StrCat("Event ", source.event_id(),
                                                       " changes a ticket without naming it."));
    }
    batch.Lock({TicketLockKey(ticket_id)});
    if (e.has_ticket_scheduled() && !e.ticket_scheduled().technician_id().empty()) {
      // The ticket's technician: the last one scheduled (SLA per technician).
      batch.Put(absl::StrCat(kTicketTechPrefix, ticket_id), e.ticket_scheduled().technician_id());
    }
    return RecordSlaStops(source, batch);
  }
  if (e.has_complaint_registered() || e.has_complaint_closed() || e.has_complaint_reopened()) {
    const std::string& complaint_id = e.has_complaint_registered()
                                          ? e.complaint_registered().complaint_id()
                                      : e.has_complaint_closed() ? e.complaint_closed().complaint_id()
                                                                 : e.complaint_reopened().complaint_id();
    if (complaint_id.empty()) {
      return InvalidArgument("complaint_id", absl::StrCat("Event ", source.event_id(),
                                                          " is about a complaint without an id."));
    }
    if (!source.has_server_time() || source.event_id().empty()) {
      return InvalidArgument("server_time", absl::StrCat("Complaint event ", source.event_id(),
                                                         " has no id or time."));
    }
    batch.Lock({AggregateKey{"Complaint", complaint_id}});
    const std::string key = absl::StrCat(kComplaintPrefix, complaint_id);
    absl::StatusOr<std::optional<v1::ComplaintFactRecord>> stored =
        ReadMessage<v1::ComplaintFactRecord>(store_, key);
    if (!stored.ok()) return stored.status();
    v1::ComplaintFactRecord fact = stored->value_or(v1::ComplaintFactRecord());
    if (e.has_complaint_registered()) {
      if (fact.has_registered_at()) return absl::OkStatus();  // heard before
      *fact.mutable_registered_at() = source.server_time();
      fact.set_technician_id(e.complaint_registered().technician_id());
      batch.Put(absl::StrCat(kComplaintAtPrefix, Seconds(ServerTime(source)), "/", complaint_id),
                complaint_id);
    } else {
      for (const auto& change : fact.changes()) {
        if (change.event_id() == source.event_id()) return absl::OkStatus();  // heard before
      }
      v1::ComplaintFactRecord::Change* change = fact.add_changes();
      *change->mutable_at() = source.server_time();
      change->set_closed(e.has_complaint_closed());
      change->set_event_id(source.event_id());
    }
    batch.Put(key, fact.SerializeAsString());
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// queries

absl::StatusOr<std::vector<JobFact>> CallbacksApp::JobFactsFor(const Period& period) const {
  std::map<std::string, JobFact> jobs;  // by job id
  std::set<std::string> tickets;
  absl::Status failed = absl::OkStatus();
  const auto add = [&](std::string_view value) {
    v1::JobDoneFact fact;
    if (!fact.ParseFromString(std::string(value))) {
      failed = absl::DataLossError("A stored completed job cannot be read.");
      return false;
    }
    jobs.emplace(fact.job_id(), JobFact{.job_id = fact.job_id(),
                                        .ticket_id = fact.ticket_id(),
                                        .technician_id = fact.technician_id(),
                                        .completed_at = FromProto(fact.completed_at())});
    if (!fact.ticket_id().empty()) tickets.insert(fact.ticket_id());
    return true;
  };
  absl::Status scanned = ScanTimeRange(store_, kJobDonePrefix, period.start, period.end,
                                       [&](std::string_view, std::string_view v) { return add(v); });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  // A repeat visit is a later job of the same ticket, or a job of a ticket opened within the
  // window after a completion in the period.
  scanned = ScanTimeRange(store_, kTicketOpenAtPrefix, period.start,
                          period.end + kpi_policy_.repeat_window + absl::Seconds(1),
                          [&](std::string_view, std::string_view ticket) {
                            tickets.emplace(ticket);
                            return true;
                          });
  if (!scanned.ok()) return scanned;
  std::map<std::string, v1::TicketFact> facts;
  for (const std::string& ticket : tickets) {
    scanned = store_.Scan(absl::StrCat(kJobsByTicketPrefix, ticket, "/"), "",
                          [&](std::string_view, std::string_view v) { return add(v); });
    if (!scanned.ok()) return scanned;
    if (!failed.ok()) return failed;
    absl::StatusOr<std::optional<v1::TicketFact>> fact =
        ReadMessage<v1::TicketFact>(store_, absl::StrCat(kTicketFactPrefix, ticket));
    if (!fact.ok()) return fact.status();
    if (fact->has_value()) facts.emplace(ticket, **fact);
  }
  std::vector<JobFact> out;
  for (auto& [id, job] : jobs) {
    if (auto it = facts.find(job.ticket_id); it != facts.end()) {
      job.customer_id = it->second.customer_id();
      job.category = it->second.category();
      if (it->second.has_opened_at()) job.opened_at = FromProto(it->second.opened_at());
    }
    absl::StatusOr<std::optional<std::string>> waited =
        store_.Get(absl::StrCat(kJobWaitedPrefix, id));
    if (!waited.ok()) return waited.status();
    job.waited_for_parts = waited->has_value();
    out.push_back(std::move(job));
  }
  return out;
}

absl::Status CallbacksApp::FillSessionKpis(const KpiQuery& query, const Period& period,
                                           KpiReport& report) const {
  // SLA: the clocks settled in the period, with the ticket's technician.
  std::vector<SlaClockOutcome> clocks;
  absl::Status failed = absl::OkStatus();
  absl::Status scanned = ScanTimeRange(
      store_, kSlaAtPrefix, period.start, period.end,
      [&](std::string_view, std::string_view fact_key) {
        absl::StatusOr<std::optional<v1::SlaClockFact>> fact =
            ReadMessage<v1::SlaClockFact>(store_, std::string(fact_key));
        if (!fact.ok()) {
          failed = fact.status();
          return false;
        }
        if (!fact->has_value()) return true;
        const v1::SlaClockFact& f = **fact;
        SlaClockOutcome outcome{
            .ticket_id = f.ticket_id(),
            .clock = f.clock(),
            .stopped_at = f.has_stopped_at() ? FromProto(f.stopped_at()) : absl::InfinitePast(),
            .breached = f.breached(),
            .due_at = f.has_due_at() ? FromProto(f.due_at()) : absl::InfinitePast()};
        absl::StatusOr<std::optional<std::string>> tech =
            store_.Get(absl::StrCat(kTicketTechPrefix, f.ticket_id()));
        if (!tech.ok()) {
          failed = tech.status();
          return false;
        }
        if (tech->has_value()) outcome.technician_id = **tech;
        clocks.push_back(std::move(outcome));
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  report.sla = ComputeSlaAttainment(clocks, period, query.technician_id);

  // Churn as of the period's end: visits within the longest gap before it.
  std::vector<VisitFact> visits;
  std::map<std::string, std::string> customer_of_ticket;
  scanned = ScanTimeRange(
      store_, kJobDonePrefix, period.end - kpi_policy_.churn.max_gap, period.end,
      [&](std::string_view, std::string_view value) {
        v1::JobDoneFact job;
        if (!job.ParseFromString(std::string(value))) {
          failed = absl::DataLossError("A stored completed job cannot be read.");
          return false;
        }
        auto it = customer_of_ticket.find(job.ticket_id());
        if (it == customer_of_ticket.end()) {
          absl::StatusOr<std::optional<v1::TicketFact>> fact = ReadMessage<v1::TicketFact>(
              store_, absl::StrCat(kTicketFactPrefix, job.ticket_id()));
          if (!fact.ok()) {
            failed = fact.status();
            return false;
          }
          it = customer_of_ticket
                   .emplace(job.ticket_id(), fact->has_value() ? (*fact)->customer_id() : "")
                   .first;
        }
        visits.push_back(VisitFact{.customer_id = it->second,
                                   .at = FromProto(job.completed_at())});
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  report.churn = ComputeChurn(visits, period.end, kpi_policy_.churn);

  // Complaint handling: registered in the period, closed by its end.
  std::vector<ComplaintFact> complaints;
  scanned = ScanTimeRange(
      store_, kComplaintAtPrefix, period.start, period.end,
      [&](std::string_view, std::string_view complaint_id) {
        absl::StatusOr<std::optional<v1::ComplaintFactRecord>> fact =
            ReadMessage<v1::ComplaintFactRecord>(store_,
                                                 absl::StrCat(kComplaintPrefix, AsAbsl(complaint_id)));
        if (!fact.ok()) {
          failed = fact.status();
          return false;
        }
        if (!fact->has_value()) return true;
        if (!query.technician_id.empty() && (*fact)->technician_id() != query.technician_id) {
          return true;
        }
        std::vector<ComplaintChange> changes;
        for (const auto& c : (*fact)->changes()) {
          changes.push_back(ComplaintChange{.at = FromProto(c.at()), .closed = c.closed()});
        }
        complaints.push_back(ComplaintFact{.registered_at = FromProto((*fact)->registered_at()),
                                           .closed_at = ClosedAsOf(changes, period.end)});
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  report.complaint_handling = ComplaintHandling(complaints, period);
  if (std::optional<double> rate = report.complaint_handling.Percent(); rate.has_value()) {
    report.complaint_completion = Completion(*rate, kpi_policy_.targets.complaint_handling);
  }
  return absl::OkStatus();
}

}  // namespace fieldline::callbacks

namespace fieldline::callbacks {

absl::StatusOr<ReportDetails> CallbacksApp::ReportDetailsFor(const KpiReport& company, int year,
                                                             int month) const {
  ReportDetails d;
  d.on_time_arrival = company.on_time_arrival;
  d.parts_fill_units = company.parts_fill;
  d.parts_fill_jobs = company.field_service.parts_fill_jobs;
  d.maintenance_arrival = company.maintenance_arrival;
  d.maintenance_completion = company.maintenance_completion;
  d.complaint_handling = company.complaint_handling;
  d.complaint_completion = company.complaint_completion;
  d.sla_response = company.sla.response;
  d.sla_on_site = company.sla.on_site;
  d.sla_resolution = company.sla.resolution;
  d.churn = company.churn;
  // The care rate is the care desk's (app/care.cc).
  absl::StatusOr<CareKpis> care = CareKpisFor(company.period);
  if (!care.ok()) return care.status();
  d.care_rate = care->rate.value;
  d.care_completion = care->completion;

  const auto callbacks_of = [&](ScopeKpis scope, KpiQuery query) -> absl::StatusOr<ScopeKpis> {
    query.period = PeriodKind::kMonth;
    query.year = year;
    query.number = month;
    absl::StatusOr<KpiReport> kpis = GetKpis(query);
    if (!kpis.ok()) return kpis.status();
    scope.callback_success = kpis->callback_success.rate;
    scope.callback_completion = kpis->callback_completion;
    scope.callbacks_excluded = kpis->callback_success.excluded;
    scope.callbacks_open = kpis->callback_success.open;
    scope.first_time_fix = kpis->field_service.first_time_fix;
    scope.repeat_visits = kpis->field_service.repeat_visits;
    scope.on_time_arrival = kpis->on_time_arrival;
    scope.sla_on_site = kpis->sla.on_site;
    scope.sla_resolution = kpis->sla.resolution;
    scope.parts_fill_jobs = kpis->field_service.parts_fill_jobs;
    if (kpis->field_service.mean_time_to_repair) {
      scope.mean_time_to_repair_hours =
          absl::ToDoubleHours(*kpis->field_service.mean_time_to_repair);
    }
    return scope;
  };
  for (const std::string& agent : company.agents) {
    absl::StatusOr<ScopeKpis> s =
        callbacks_of(ScopeKpis{.kind = "agent", .name = agent}, KpiQuery{.agent_id = agent});
    if (!s.ok()) return s.status();
    d.agents.push_back(*std::move(s));
  }
  for (const auto& [team, members] : kpi_policy_.teams) {
    absl::StatusOr<ScopeKpis> s = callbacks_of(
        ScopeKpis{.kind = "team", .name = team, .members = members}, KpiQuery{.team = members});
    if (!s.ok()) return s.status();
    d.teams.push_back(*std::move(s));
  }
  for (const std::string& technician : company.technicians) {
    absl::StatusOr<ScopeKpis> s = callbacks_of(ScopeKpis{.kind = "technician", .name = technician},
                                               KpiQuery{.technician_id = technician});
    if (!s.ok()) return s.status();
    d.technicians.push_back(*std::move(s));
  }
  // Early warnings raised during the month: those of the month, and of its quarter and year
  // whose threshold was reached in it.
  std::string token;
  const Period month_period{.start = company.period.start, .end = company.period.end};
  do {
    absl::StatusOr<EarlyWarningPage> page = ListEarlyWarnings(EarlyWarningQuery{
        .period = PeriodKind::kYear, .year = year, .page_size = kMaxPageSize, .page_token = token});
    if (!page.ok()) return page.status();
    for (const EarlyWarningRaised& w : page->warnings) {
      if (!month_period.Contains(w.raised_at)) continue;
      d.early_warnings.push_back(ReportedWarning{.product_model = w.product_model,
                                                 .category = w.category,
                                                 .period_kind = PeriodKindName(w.period.kind),
                                                 .period = w.period.label,
                                                 .count = w.count,
                                                 .threshold = w.threshold});
    }
    token = page->next_page_token;
  } while (!token.empty());
  return d;
}

}  // namespace fieldline::callbacks

namespace fieldline::callbacks {

absl::StatusOr<int> CallbacksApp::BackfillKpiIndexes() {
  Batch batch = store_.NewBatch();
  int indexed = 0;
  absl::Status failed = absl::OkStatus();
  absl::Status scanned = store_.Scan(
      "p/callback/", "", [&](std::string_view key, std::string_view value) {
        v1::Callback projection;
        if (!projection.ParseFromString(std::string(value))) {
          failed = absl::DataLossError(
              absl::StrCat("The stored callback ", AsAbsl(key), " cannot be read."));
          return false;
        }
        const CallbackState state = DecodeCallback(projection);
        if (state.job_id.empty() || state.completed_at == absl::InfinitePast() ||
            (state.reason != kReasonJobCompleted &&
             state.reason != ReasonName(CallbackReason::kKeyAccountVisit))) {
          return true;
        }
        const std::string first_key = absl::StrCat(kJobFactPrefix, state.job_id);
        absl::StatusOr<std::optional<std::string>> first = store_.Get(first_key);
        if (!first.ok()) {
          failed = first.status();
          return false;
        }
        if (first->has_value()) return true;
        v1::JobDoneFact fact;
        fact.set_job_id(state.job_id);
        fact.set_ticket_id(state.ticket_id);
        fact.set_technician_id(state.technician_id);
        ToProto(state.completed_at, fact.mutable_completed_at());
        const std::string bytes = fact.SerializeAsString();
        batch.Put(first_key, bytes);
        batch.Put(absl::StrCat(kJobDonePrefix, Seconds(state.completed_at), "/", state.job_id),
                  bytes);
        if (!state.ticket_id.empty()) {
          batch.Put(absl::StrCat(kJobsByTicketPrefix, state.ticket_id, "/", state.job_id), bytes);
        }
        ++indexed;
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  scanned = store_.Scan(kTicketFactPrefix, "", [&](std::string_view key, std::string_view value) {
    v1::TicketFact fact;
    if (!fact.ParseFromString(std::string(value)) || !fact.has_opened_at()) return true;
    const std::string ticket(key.substr(sizeof(kTicketFactPrefix) - 1));
    batch.Put(absl::StrCat(kTicketOpenAtPrefix, Seconds(FromProto(fact.opened_at())), "/", ticket),
              ticket);
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (batch.empty()) return indexed;
  if (absl::Status committed = store_.Commit(std::move(batch)); !committed.ok()) return committed;
  return indexed;
}

}  // namespace fieldline::callbacks
