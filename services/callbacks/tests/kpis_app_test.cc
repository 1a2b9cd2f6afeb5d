// CallbacksApp KPIs against a real EventStore in a temp dir (issue 6 items 5-7): SLA attainment
// from intake's stops and breaches, churn, complaint handling, parts fill by job, first-time fix
// from the time indexes, early warnings per product model, the monthly report's details. Events
// are built the way intake, scheduling and inventory publish them, and delivered twice.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/inventory/v1/events.pb.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "gtest/gtest.h"
#include "services/callbacks/adapters/event_codec.h"
#include "services/callbacks/adapters/policy_file.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"

namespace fieldline::callbacks {
namespace {

const absl::TimeZone kLocal = absl::FixedTimeZone(8 * 60 * 60);
const absl::Duration kDay = absl::Hours(24);

absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), kLocal);
}

EventEnvelope Intake(const std::string& event_id, const std::string& type, const std::string& id,
                     absl::Time at) {
  EventEnvelope e;
  e.set_event_id(event_id);
  e.set_aggregate_type(type);
  e.set_aggregate_id(id);
  e.set_aggregate_version(1);
  ToProto(at, e.mutable_server_time());
  e.set_correlation_id(absl::StrCat("corr-", id));
  return e;
}

EventEnvelope AssetRegistered(const std::string& asset_id, const std::string& model,
                              absl::Time at) {
  EventEnvelope e = Intake(absl::StrCat("evt-asset-", asset_id), "Asset", asset_id, at);
  auto* a = e.mutable_intake()->mutable_asset_registered();
  a->set_asset_id(asset_id);
  a->set_customer_id("cust-1");
  a->set_model(model);
  a->set_category("washing_machine");
  return e;
}

EventEnvelope TicketOpened(const std::string& ticket_id, absl::Time at,
                           const std::string& customer = "cust-1",
                           const std::string& category = "leak",
                           const std::string& asset_id = "") {
  EventEnvelope e = Intake(absl::StrCat("evt-open-", ticket_id), "Ticket", ticket_id, at);
  auto* o = e.mutable_intake()->mutable_ticket_opened();
  o->set_ticket_id(ticket_id);
  o->mutable_customer()->set_customer_id(customer);
  o->mutable_customer()->set_name("Li Wei");
  o->set_category(category);
  o->set_asset_id(asset_id);
  return e;
}

EventEnvelope TicketScheduled(const std::string& ticket_id, const std::string& tech,
                              absl::Time at) {
  EventEnvelope e = Intake(absl::StrCat("evt-sched-", ticket_id, "-", tech), "Ticket", ticket_id, at);
  auto* s = e.mutable_intake()->mutable_ticket_scheduled();
  s->set_ticket_id(ticket_id);
  s->set_job_id(absl::StrCat("job-", ticket_id));
  s->set_technician_id(tech);
  return e;
}

EventEnvelope WorkStarted(const std::string& ticket_id, absl::Time at) {
  EventEnvelope e = Intake(absl::StrCat("evt-start-", ticket_id), "Ticket", ticket_id, at);
  e.mutable_intake()->mutable_ticket_work_started()->set_ticket_id(ticket_id);
  return e;
}

EventEnvelope TicketCompleted(const std::string& ticket_id, absl::Time at) {
  EventEnvelope e = Intake(absl::StrCat("evt-done-", ticket_id), "Ticket", ticket_id, at);
  e.mutable_intake()->mutable_ticket_completed()->set_ticket_id(ticket_id);
  return e;
}

EventEnvelope SlaBreached(const std::string& ticket_id, const std::string& clock, absl::Time due,
                          absl::Time at) {
  EventEnvelope e =
      Intake(absl::StrCat("evt-breach-", ticket_id, "-", clock), "Ticket", ticket_id, at);
  auto* b = e.mutable_intake()->mutable_ticket_sla_breached();
  b->set_ticket_id(ticket_id);
  b->set_clock(clock);
  ToProto(due, b->mutable_due_time());
  return e;
}

EventEnvelope ComplaintRegistered(const std::string& id, absl::Time at) {
  EventEnvelope e = Intake(absl::StrCat("evt-complaint-", id), "Complaint", id, at);
  auto* c = e.mutable_intake()->mutable_complaint_registered();
  c->set_complaint_id(id);
  c->set_kind("complaint");
  c->set_technician_id("tech-1");
  return e;
}

EventEnvelope ComplaintClosed(const std::string& id, absl::Time at) {
  EventEnvelope e =
      Intake(absl::StrCat("evt-close-", id, "-", absl::ToUnixSeconds(at)), "Complaint", id, at);
  auto* c = e.mutable_intake()->mutable_complaint_closed();
  c->set_complaint_id(id);
  c->set_basis("customer_satisfied");
  return e;
}

EventEnvelope ComplaintReopened(const std::string& id, absl::Time at) {
  EventEnvelope e =
      Intake(absl::StrCat("evt-reopen-", id, "-", absl::ToUnixSeconds(at)), "Complaint", id, at);
  e.mutable_intake()->mutable_complaint_reopened()->set_complaint_id(id);
  return e;
}

EventEnvelope JobCompleted(const std::string& job_id, const std::string& ticket_id,
                           const std::string& tech, absl::Time at) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-complete-", job_id));
  e.set_aggregate_type("Job");
  e.set_aggregate_id(job_id);
  e.set_aggregate_version(5);
  ToProto(at, e.mutable_server_time());
  e.set_correlation_id(absl::StrCat("corr-", ticket_id));
  auto* c = e.mutable_scheduling()->mutable_job_completed();
  c->set_job_id(job_id);
  c->set_ticket_id(ticket_id);
  c->set_technician_id(tech);
  return e;
}

EventEnvelope JobWaitingForParts(const std::string& job_id, absl::Time at) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-wait-", job_id));
  e.set_aggregate_type("Job");
  e.set_aggregate_id(job_id);
  ToProto(at, e.mutable_server_time());
  auto* w = e.mutable_scheduling()->mutable_job_waiting_for_parts();
  w->set_job_id(job_id);
  w->set_ticket_id("t");
  return e;
}

EventEnvelope PartsBackordered(const std::string& job_id, absl::Time at) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-backorder-", job_id));
  e.set_aggregate_type("Part");
  e.set_aggregate_id("sku-1");
  ToProto(at, e.mutable_server_time());
  auto* b = e.mutable_inventory()->mutable_parts_backordered();
  b->set_sku("sku-1");
  b->set_job_id(job_id);
  b->set_quantity(2);
  return e;
}

class KpisAppTest : public ::testing::Test {
 protected:
  KpisAppTest() : clock_(Local(2024, 6, 1, 9)) {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    KpiPolicy kpi;
    kpi.early_warning = EarlyWarningPolicy{.per_month = 3, .per_quarter = 4, .per_year = 10};
    kpi.teams = {{"north", {"care-1", "care-2"}}};
    app_ = std::make_unique<CallbacksApp>(*store_, clock_, CallbackPolicy{}, kpi);
  }

  absl::Status Deliver(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    absl::Status applied = app_->Apply(event, batch);
    if (!applied.ok()) return applied;
    return store_->Commit(std::move(batch));
  }

  // Delivered twice: the second time must change nothing.
  void Twice(const EventEnvelope& event) {
    ASSERT_TRUE(Deliver(event).ok()) << event.ShortDebugString();
    ASSERT_TRUE(Deliver(event).ok()) << event.ShortDebugString();
  }

  KpiReport Kpis(PeriodKind kind, int year, int number, const std::string& technician = "") {
    auto report = app_->GetKpis(KpiQuery{.period = kind, .year = year, .number = number,
                                         .technician_id = technician});
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : KpiReport{};
  }

  int64_t WarningStreamLength(const std::string& id) {
    auto stream = store_->ReadStream({kEarlyWarningAggregateType, id});
    EXPECT_TRUE(stream.ok()) << stream.status();
    return stream.ok() ? static_cast<int64_t>(stream->size()) : -1;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CallbacksApp> app_;
};

// --- SLA attainment ---

TEST_F(KpisAppTest, SlaAttainmentPerPromiseFromIntakeStopsAndBreaches) {
  // t1: every clock met. t2: on site breached (due 3 May), stopped later. t3: resolution breached
  // while running.
  for (const char* t : {"t1", "t2", "t3"}) Twice(TicketOpened(t, Local(2024, 5, 1, 9)));
  Twice(TicketScheduled("t1", "tech-1", Local(2024, 5, 1, 10)));
  Twice(WorkStarted("t1", Local(2024, 5, 2, 10)));
  Twice(TicketCompleted("t1", Local(2024, 5, 2, 12)));
  Twice(TicketScheduled("t2", "tech-2", Local(2024, 5, 1, 10)));
  Twice(SlaBreached("t2", "on_site", Local(2024, 5, 3, 9), Local(2024, 5, 3, 9, 1)));
  Twice(WorkStarted("t2", Local(2024, 5, 4, 10)));
  Twice(TicketScheduled("t3", "tech-1", Local(2024, 5, 1, 11)));
  Twice(SlaBreached("t3", "resolution", Local(2024, 5, 6, 9), Local(2024, 5, 6, 9, 1)));

  const KpiReport may = Kpis(PeriodKind::kMonth, 2024, 5);
  EXPECT_EQ(may.sla.response, (Ratio{3, 3}));
  EXPECT_EQ(may.sla.on_site, (Ratio{1, 2}));
  EXPECT_EQ(may.sla.resolution, (Ratio{1, 2}));
  const KpiReport tech1 = Kpis(PeriodKind::kMonth, 2024, 5, "tech-1");
  EXPECT_EQ(tech1.sla.response, (Ratio{0, 0}));
  EXPECT_EQ(tech1.sla.on_site, (Ratio{1, 1}));
  EXPECT_EQ(tech1.sla.resolution, (Ratio{1, 2}));
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 5, "tech-2").sla.on_site, (Ratio{0, 1}));
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 4).sla.on_site, (Ratio{0, 0}));
}

TEST_F(KpisAppTest, ALateBreachMovesTheClockToItsDueTime) {
  // Stopped in June, then intake's sweep reports it was breached on 31 May: May's miss.
  Twice(TicketOpened("t1", Local(2024, 5, 30)));
  Twice(WorkStarted("t1", Local(2024, 6, 1, 10)));
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 6).sla.on_site, (Ratio{1, 1}));
  Twice(SlaBreached("t1", "on_site", Local(2024, 5, 31, 18), Local(2024, 6, 1, 10, 1)));
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 6).sla.on_site, (Ratio{0, 0}));
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 5).sla.on_site, (Ratio{0, 1}));
}

TEST_F(KpisAppTest, ABreachWithoutItsDueTimeIsRefusedAndWritesNothing) {
  EventEnvelope bad = SlaBreached("t1", "on_site", Local(2024, 5, 3), Local(2024, 5, 3));
  bad.mutable_intake()->mutable_ticket_sla_breached()->clear_due_time();
  absl::Status status = Deliver(bad);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(status), "due_time");
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 5).sla.on_site, (Ratio{0, 0}));
}

// --- complaint handling ---

TEST_F(KpisAppTest, ComplaintHandlingRecomputedForAPastMonthDespiteALaterReopen) {
  Twice(ComplaintRegistered("c1", Local(2024, 3, 1)));
  Twice(ComplaintRegistered("c2", Local(2024, 3, 2)));
  Twice(ComplaintRegistered("c3", Local(2024, 4, 1)));
  Twice(ComplaintClosed("c1", Local(2024, 3, 10)));
  Twice(ComplaintReopened("c1", Local(2024, 4, 2)));
  Twice(ComplaintClosed("c3", Local(2024, 4, 3)));

  const KpiReport march = Kpis(PeriodKind::kMonth, 2024, 3);
  EXPECT_EQ(march.complaint_handling, (Ratio{1, 2}));
  ASSERT_TRUE(march.complaint_completion.has_value());
  EXPECT_DOUBLE_EQ(*march.complaint_completion, 50.0);
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 4).complaint_handling, (Ratio{1, 1}));
  // The quarter: c1 reopened by its end.
  EXPECT_EQ(Kpis(PeriodKind::kQuarter, 2024, 2).complaint_handling, (Ratio{1, 1}));
  EXPECT_EQ(Kpis(PeriodKind::kYear, 2024, 0).complaint_handling, (Ratio{1, 3}));
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 3, "tech-9").complaint_handling, (Ratio{0, 0}));
}

// --- jobs: parts fill, first-time fix from the time index, churn ---

TEST_F(KpisAppTest, PartsFillCountsJobsCompletedWithoutWaitingForParts) {
  for (const char* t : {"t1", "t2", "t3"}) Twice(TicketOpened(t, Local(2024, 5, 1)));
  Twice(JobWaitingForParts("j1", Local(2024, 5, 1, 12)));
  Twice(PartsBackordered("j2", Local(2024, 5, 1, 12)));
  Twice(JobCompleted("j1", "t1", "tech-1", Local(2024, 5, 3)));
  Twice(JobCompleted("j2", "t2", "tech-2", Local(2024, 5, 3)));
  Twice(JobCompleted("j3", "t3", "tech-1", Local(2024, 5, 3)));
  const KpiReport may = Kpis(PeriodKind::kMonth, 2024, 5);
  EXPECT_EQ(may.field_service.parts_fill_jobs, (Ratio{1, 3}));
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 5, "tech-1").field_service.parts_fill_jobs,
            (Ratio{1, 2}));
  EXPECT_EQ(may.technicians, (std::vector<std::string>{"tech-1", "tech-2"}));
}

TEST_F(KpisAppTest, ARepeatTicketOpenedInTheNextMonthIsFoundThroughTheTimeIndex) {
  Twice(TicketOpened("t1", Local(2024, 5, 1), "cust-1", "leak"));
  Twice(JobCompleted("j1", "t1", "tech-1", Local(2024, 5, 30)));
  // Same customer and category, opened 20 days after the completion, in June.
  Twice(TicketOpened("t2", Local(2024, 6, 19), "cust-1", "leak"));
  Twice(JobCompleted("j2", "t2", "tech-2", Local(2024, 7, 20)));
  const KpiReport may = Kpis(PeriodKind::kMonth, 2024, 5);
  EXPECT_EQ(may.field_service.first_time_fix, (Ratio{0, 1}));
  EXPECT_EQ(may.field_service.repeat_visits, (Ratio{1, 1}));
  ASSERT_TRUE(may.field_service.mean_time_to_repair.has_value());
  EXPECT_EQ(*may.field_service.mean_time_to_repair, 29 * kDay);
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 7).field_service.first_time_fix, (Ratio{1, 1}));
}

TEST_F(KpisAppTest, ASecondJobCompletedOfTheSameJobIsNotCountedAgain) {
  Twice(TicketOpened("t1", Local(2024, 5, 1)));
  Twice(JobCompleted("j1", "t1", "tech-1", Local(2024, 5, 30)));
  EventEnvelope again = JobCompleted("j1", "t1", "tech-1", Local(2024, 6, 2));
  again.set_event_id("evt-complete-j1-again");
  Twice(again);
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 5).field_service.first_time_fix, (Ratio{1, 1}));
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 6).field_service.first_time_fix, (Ratio{0, 0}));
}

TEST_F(KpisAppTest, JobsRecordedBeforeTheTimeIndexesAreIndexedAtStart) {
  // What an older version stored: the ticket fact and the callback projection, no time index.
  v1::TicketFact ticket;
  ticket.set_customer_id("cust-1");
  ticket.set_category("leak");
  ToProto(Local(2024, 5, 1), ticket.mutable_opened_at());
  CallbackState callback;
  callback.callback_id = "cb-old";
  callback.job_id = "j-old";
  callback.ticket_id = "t-old";
  callback.technician_id = "tech-1";
  callback.completed_at = Local(2024, 5, 3);
  callback.reason = kReasonJobCompleted;
  callback.status = CallbackStatus::kDue;
  Batch batch = store_->NewBatch();
  batch.Put("x/ticket_fact/t-old", ticket.SerializeAsString());
  batch.Put("p/callback/cb-old", EncodeCallback(callback).SerializeAsString());
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok());
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 5).field_service.first_time_fix, (Ratio{0, 0}));

  auto indexed = app_->BackfillKpiIndexes();
  ASSERT_TRUE(indexed.ok()) << indexed.status();
  EXPECT_EQ(*indexed, 1);
  const KpiReport may = Kpis(PeriodKind::kMonth, 2024, 5);
  EXPECT_EQ(may.field_service.first_time_fix, (Ratio{1, 1}));
  ASSERT_TRUE(may.field_service.mean_time_to_repair.has_value());
  EXPECT_EQ(*may.field_service.mean_time_to_repair, 2 * kDay);
  // A second start indexes nothing more.
  auto again = app_->BackfillKpiIndexes();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 5).field_service.first_time_fix, (Ratio{1, 1}));
}

TEST_F(KpisAppTest, TheCompositeTakesTheComputedCompletionsWhenOnlyProfitIsGiven) {
  Twice(ComplaintRegistered("c1", Local(2024, 5, 1)));
  Twice(ComplaintRegistered("c2", Local(2024, 5, 2)));
  Twice(ComplaintClosed("c1", Local(2024, 5, 3)));
  auto report = app_->GetKpis(
      KpiQuery{.period = PeriodKind::kMonth, .year = 2024, .number = 5, .profit_completion = 90});
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->composite.has_value());
  // Callback 0 (none owed), maintenance 0 (none due), complaint 50 %, care 0 (nothing recorded).
  EXPECT_NEAR(report->composite->value, 90 * 0.15 + (0 + 0 + 50 * 0.15 + 0) * 0.85, 1e-9);
  ASSERT_FALSE(report->composite->warnings.empty());
  const std::string& last = report->composite->warnings.back();
  EXPECT_NE(last.find("maintenance arrival (nothing to measure: 0)"), std::string::npos) << last;
  EXPECT_NE(last.find("complaint handling,"), std::string::npos) << last;
  EXPECT_NE(last.find("care rate"), std::string::npos) << last;
  // Given completions win over the computed ones; without the profit there is no composite.
  auto given = app_->GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = 2024, .number = 5,
                                      .profit_completion = 90, .maintenance_completion = 100,
                                      .complaint_completion = 90, .care_completion = 90});
  ASSERT_TRUE(given.ok());
  EXPECT_NEAR(given->composite->value, 90 * 0.15 + (0 + 30 + 13.5 + 27) * 0.85, 1e-9);
  EXPECT_EQ(given->composite->warnings.back().find("Computed"), std::string::npos);
  EXPECT_FALSE(Kpis(PeriodKind::kMonth, 2024, 5).composite.has_value());
}

TEST_F(KpisAppTest, ChurnAsOfThePeriodEnd) {
  Twice(TicketOpened("t1", Local(2024, 1, 1), "lost"));
  Twice(JobCompleted("j1", "t1", "tech-1", Local(2024, 1, 10)));
  Twice(TicketOpened("t2", Local(2024, 5, 1), "kept"));
  Twice(JobCompleted("j2", "t2", "tech-1", Local(2024, 5, 10)));
  // End of May: "lost" last came 142 days before; "kept" 22 days before.
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 5).churn, (Ratio{1, 2}));
  // End of February: "lost" 50 days before, not lost yet; "kept" had no visit yet.
  EXPECT_EQ(Kpis(PeriodKind::kMonth, 2024, 2).churn, (Ratio{0, 1}));
  // End of 2024: "kept" last came 235 days before, "lost" 356 days (within 360): both lost.
  EXPECT_EQ(Kpis(PeriodKind::kYear, 2024, 0).churn, (Ratio{2, 2}));
}

// --- early warning ---

TEST_F(KpisAppTest, AnEarlyWarningIsRaisedOnceAtTheThreshold) {
  Twice(AssetRegistered("a-1", "WM-100", Local(2024, 1, 1)));
  Twice(AssetRegistered("a-2", "WM-100", Local(2024, 1, 1)));
  Twice(AssetRegistered("a-3", "DW-7", Local(2024, 1, 1)));
  Twice(TicketOpened("t1", Local(2024, 3, 1), "c1", "leak", "a-1"));
  Twice(TicketOpened("t2", Local(2024, 3, 5), "c2", "leak", "a-2"));
  Twice(TicketOpened("t3", Local(2024, 3, 6), "c3", "noise", "a-1"));  // another category
  Twice(TicketOpened("t4", Local(2024, 3, 7), "c4", "leak", "a-3"));   // another model
  Twice(TicketOpened("t5", Local(2024, 3, 9), "c5", "leak", "t-none"));  // unknown asset
  auto none = app_->ListEarlyWarnings({});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->warnings.empty());

  Twice(TicketOpened("t6", Local(2024, 3, 31, 23, 59), "c6", "leak", "a-2"));  // the third
  const LabelledPeriod march = PeriodContaining(PeriodKind::kMonth, Local(2024, 3, 1), kLocal);
  const std::string id = EarlyWarningIdFor("WM-100", "leak", march);
  EXPECT_EQ(WarningStreamLength(id), 1);
  auto page = app_->ListEarlyWarnings({});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->warnings.size(), 1u);
  const EarlyWarningRaised& w = page->warnings[0];
  EXPECT_EQ(w.warning_id, id);
  EXPECT_EQ(w.product_model, "WM-100");
  EXPECT_EQ(w.category, "leak");
  EXPECT_EQ(w.period.label, "2024-03");
  EXPECT_EQ(w.count, 3);
  EXPECT_EQ(w.threshold, 3);
  EXPECT_EQ(w.ticket_ids, (std::vector<std::string>{"t1", "t2", "t6"}));

  // A fourth in the month: no second monthly warning; the quarter's threshold (4) is reached.
  Twice(TicketOpened("t7", Local(2024, 3, 20), "c7", "leak", "a-1"));
  EXPECT_EQ(WarningStreamLength(id), 1);
  auto all = app_->ListEarlyWarnings({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->warnings.size(), 2u);
  // By period start: the quarter (1 January) before the month (1 March).
  EXPECT_EQ(all->warnings[0].period.label, "2024-Q1");
  EXPECT_EQ(all->warnings[0].count, 4);
  // Filters: March holds the monthly warning only; the first quarter both; April none.
  auto in_march =
      app_->ListEarlyWarnings({.period = PeriodKind::kMonth, .year = 2024, .number = 3});
  ASSERT_TRUE(in_march.ok());
  ASSERT_EQ(in_march->warnings.size(), 1u);
  EXPECT_EQ(in_march->warnings[0].period.label, "2024-03");
  auto in_q1 = app_->ListEarlyWarnings({.period = PeriodKind::kQuarter, .year = 2024, .number = 1});
  ASSERT_TRUE(in_q1.ok());
  EXPECT_EQ(in_q1->warnings.size(), 2u);
  auto in_april =
      app_->ListEarlyWarnings({.period = PeriodKind::kMonth, .year = 2024, .number = 4});
  ASSERT_TRUE(in_april.ok());
  EXPECT_TRUE(in_april->warnings.empty());
  // Paging: one at a time.
  auto first = app_->ListEarlyWarnings({.page_size = 1});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->warnings.size(), 1u);
  ASSERT_FALSE(first->next_page_token.empty());
  auto second = app_->ListEarlyWarnings({.page_size = 1, .page_token = first->next_page_token});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->warnings.size(), 1u);
  EXPECT_NE(second->warnings[0].warning_id, first->warnings[0].warning_id);
  EXPECT_TRUE(second->next_page_token.empty());
}

TEST_F(KpisAppTest, TheMonthlyThresholdCountsPerCalendarMonthAcrossTheYearEnd) {
  Twice(AssetRegistered("a-1", "WM-100", Local(2024, 1, 1)));
  Twice(TicketOpened("t1", Local(2024, 12, 30), "c1", "leak", "a-1"));
  Twice(TicketOpened("t2", Local(2024, 12, 31, 23, 59), "c2", "leak", "a-1"));
  Twice(TicketOpened("t3", Local(2025, 1, 1, 0, 0), "c3", "leak", "a-1"));
  auto page = app_->ListEarlyWarnings({});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->warnings.empty());  // two in December, one in January
  Twice(TicketOpened("t4", Local(2025, 1, 2), "c4", "leak", "a-1"));
  Twice(TicketOpened("t5", Local(2025, 1, 3), "c5", "leak", "a-1"));
  page = app_->ListEarlyWarnings({.period = PeriodKind::kYear, .year = 2025});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->warnings.size(), 1u);
  EXPECT_EQ(page->warnings[0].period.label, "2025-01");
}

TEST_F(KpisAppTest, ListEarlyWarningsNamesABadPeriod) {
  auto bad = app_->ListEarlyWarnings({.period = PeriodKind::kMonth, .year = 2024, .number = 13});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(bad.status()), "number");
  auto negative = app_->ListEarlyWarnings({.page_size = -1});
  EXPECT_EQ(FieldOf(negative.status()), "page_size");
}

// --- the monthly report ---

TEST_F(KpisAppTest, TheMonthlyReportHasEveryKpiPerAgentTeamAndTechnician) {
  Twice(AssetRegistered("a-1", "WM-100", Local(2024, 1, 1)));
  for (int i = 1; i <= 3; ++i) {
    const std::string t = absl::StrCat("t", i);
    Twice(TicketOpened(t, Local(2024, 5, i), absl::StrCat("c", i), "leak", "a-1"));
    Twice(JobCompleted(absl::StrCat("j", i), t, i == 3 ? "tech-2" : "tech-1", Local(2024, 5, 10)));
  }
  // Assign one callback to care-1.
  auto callbacks = app_->ListCallbacks({});
  ASSERT_TRUE(callbacks.ok());
  ASSERT_EQ(callbacks->callbacks.size(), 3u);
  CommandMeta meta;
  meta.request_id = "assign-1";
  meta.actor = Actor{"care-1", "care", {}};
  meta.now = clock_.Now();
  ASSERT_TRUE(app_->Assign(meta, AssignCallback{.callback_id =
                                                    callbacks->callbacks[0].callback.callback_id,
                                                .agent_id = "care-1"})
                  .ok());
  auto report = app_->GetMonthlyReport(2024, 5);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->details.has_value());
  const ReportDetails& d = *report->details;
  ASSERT_EQ(d.agents.size(), 1u);
  EXPECT_EQ(d.agents[0].name, "care-1");
  EXPECT_EQ(d.agents[0].callback_success, (Ratio{0, 1}));
  ASSERT_EQ(d.teams.size(), 1u);
  EXPECT_EQ(d.teams[0].name, "north");
  EXPECT_EQ(d.teams[0].callback_success, (Ratio{0, 1}));
  ASSERT_EQ(d.technicians.size(), 2u);
  EXPECT_EQ(d.technicians[0].name, "tech-1");
  EXPECT_EQ(d.technicians[0].first_time_fix.denominator, 2);
  EXPECT_EQ(d.technicians[1].first_time_fix.denominator, 1);
  EXPECT_EQ(d.parts_fill_jobs, (Ratio{3, 3}));
  ASSERT_EQ(d.early_warnings.size(), 1u);
  EXPECT_EQ(d.early_warnings[0].period, "2024-05");
  ASSERT_TRUE(d.care_rate.has_value());  // the care desk's figure, 0 with nothing recorded
  const std::string json = ToJson(*report);
  EXPECT_NE(json.find("\"care_rate\":"), std::string::npos) << json;
  EXPECT_NE(json.find("\"teams\":[{\"name\":\"north\""), std::string::npos) << json;
  EXPECT_NE(ToCsv(*report).find("2024-05,technician:tech-2:first_time_fix,1,1,100.00,"),
            std::string::npos)
      << ToCsv(*report);
}

// --- the policy file's KPI keys ---

TEST(KpiPolicyFileTest, EarlyWarningThresholdsChurnGapAndTeams) {
  auto p = ParsePolicyYaml(R"(
kpi:
  early_warning_per_month: 4
  early_warning_per_quarter: 9
  early_warning_per_year: 20
  churn_min_days: 60
  churn_max_days: 300
teams:
  north: [care-1, care-2]
  south: [care-3]
)");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kpi.early_warning.per_month, 4);
  EXPECT_EQ(p->kpi.early_warning.per_quarter, 9);
  EXPECT_EQ(p->kpi.early_warning.per_year, 20);
  EXPECT_EQ(p->kpi.churn.min_gap, 60 * kDay);
  EXPECT_EQ(p->kpi.churn.max_gap, 300 * kDay);
  EXPECT_EQ(p->kpi.teams.at("north"), (std::vector<std::string>{"care-1", "care-2"}));
  EXPECT_EQ(p->kpi.teams.at("south"), (std::vector<std::string>{"care-3"}));
}

TEST(KpiPolicyFileTest, BadKpiSettingsNameTheKey) {
  auto zero = ParsePolicyYaml("kpi:\n  early_warning_per_month: 0\n");
  EXPECT_EQ(FieldOf(zero.status()), "kpi.early_warning_per_month");
  auto gap = ParsePolicyYaml("kpi:\n  churn_min_days: 100\n  churn_max_days: 90\n");
  EXPECT_EQ(FieldOf(gap.status()), "kpi.churn_max_days");
  auto team = ParsePolicyYaml("teams:\n  north: care-1\n");
  EXPECT_EQ(FieldOf(team.status()), "teams.north");
  auto teams = ParsePolicyYaml("teams: [care-1]\n");
  EXPECT_EQ(FieldOf(teams.status()), "teams");
}

}  // namespace
}  // namespace fieldline::callbacks
