// CallbacksApp reminders against a real EventStore in a temp dir: intake's asset events and
// scheduling's completions schedule and answer reminders; a ticker with an injected clock makes
// them fall due; agents record outcomes.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "gtest/gtest.h"
#include "services/callbacks/adapters/reminder_codec.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/callbacks/domain/reminder.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"

namespace fieldline::callbacks {
namespace {

const absl::TimeZone kLocal = absl::FixedTimeZone(8 * 60 * 60);

absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), kLocal);
}

// Envelopes as intake publishes them.
EventEnvelope AssetRegisteredEvent(const std::string& asset_id, absl::Time installed,
                                   absl::Time warranty_end, absl::Time contract_end,
                                   absl::Time at) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-asset-", asset_id));
  e.set_aggregate_type("Asset");
  e.set_aggregate_id(asset_id);
  e.set_aggregate_version(1);
  ToProto(at, e.mutable_server_time());
  e.set_correlation_id(absl::StrCat("corr-asset-", asset_id));
  auto* a = e.mutable_intake()->mutable_asset_registered();
  a->set_asset_id(asset_id);
  a->set_customer_id("cust-1");
  a->set_model("WM-100");
  a->set_serial("SN-1");
  a->set_category("washing_machine");
  if (installed != absl::InfinitePast()) ToProto(installed, a->mutable_installed_on());
  if (warranty_end != absl::InfinitePast()) ToProto(warranty_end, a->mutable_warranty_end());
  if (contract_end != absl::InfinitePast()) {
    a->mutable_contract()->set_contract_id("k-1");
    ToProto(contract_end, a->mutable_contract()->mutable_ends_at());
  }
  return e;
}

EventEnvelope TransferEvent(const std::string& asset_id, const std::string& to) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-transfer-", asset_id, "-", to));
  e.set_aggregate_type("Asset");
  e.set_aggregate_id(asset_id);
  e.set_aggregate_version(2);
  ToProto(Local(2024, 2, 1), e.mutable_server_time());
  auto* t = e.mutable_intake()->mutable_asset_ownership_transferred();
  t->set_asset_id(asset_id);
  t->set_from_customer_id("cust-1");
  t->set_to_customer_id(to);
  return e;
}

EventEnvelope TicketOpenedEvent(const std::string& ticket_id, const std::string& asset_id,
                                const std::string& category) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-open-", ticket_id));
  e.set_aggregate_type("Ticket");
  e.set_aggregate_id(ticket_id);
  e.set_aggregate_version(1);
  ToProto(Local(2024, 3, 1), e.mutable_server_time());
  auto* o = e.mutable_intake()->mutable_ticket_opened();
  o->set_ticket_id(ticket_id);
  o->mutable_customer()->set_customer_id("cust-1");
  o->mutable_customer()->set_name("Li Wei");
  o->mutable_customer()->set_phone("13800000000");
  o->set_category(category);
  o->set_asset_id(asset_id);
  return e;
}

// As scheduling publishes it: the completion time is the envelope's server time.
EventEnvelope JobCompletedEvent(const std::string& job_id, const std::string& ticket_id,
                                absl::Time at) {
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
  c->set_technician_id("tech-7");
  return e;
}

const absl::Time kInstalled = Local(2024, 1, 10, 14);
const absl::Time kWarrantyEnd = Local(2025, 1, 10);
const absl::Time kContractEnd = Local(2024, 12, 31);

class RemindersAppTest : public ::testing::Test {
 protected:
  RemindersAppTest() : clock_(Local(2024, 1, 12, 9)) {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    app_ = std::make_unique<CallbacksApp>(*store_, clock_);
  }

  void SetNow(absl::Time t) { clock_.Advance(t - clock_.Now()); }

  absl::Status Deliver(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    absl::Status applied = app_->Apply(event, batch);
    if (!applied.ok()) return applied;
    return store_->Commit(std::move(batch));
  }

  void RegisterAsset() {
    ASSERT_TRUE(Deliver(AssetRegisteredEvent("a-1", kInstalled, kWarrantyEnd, kContractEnd,
                                             Local(2024, 1, 12, 9)))
                    .ok());
  }

  static std::string Id(ReminderKind kind, absl::Time basis) {
    return ReminderIdFor("a-1", kind, basis);
  }
  std::string FirstMaintenance() const { return Id(ReminderKind::kFirstMaintenance, kInstalled); }

  ReminderState Get(const std::string& id) {
    auto view = app_->GetReminder(id);
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? view->reminder : ReminderState{};
  }

  std::vector<std::string> DueIds(ReminderKind kind = ReminderKind::kUnspecified) {
    auto page = app_->ListDueReminders(ListRemindersQuery{.kind = kind});
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const auto& v : page->reminders) ids.push_back(v.reminder.reminder_id);
    }
    return ids;
  }

  int64_t StreamLength(const std::string& id) {
    auto stream = store_->ReadStream({"Reminder", id});
    EXPECT_TRUE(stream.ok()) << stream.status();
    return stream.ok() ? static_cast<int64_t>(stream->size()) : -1;
  }

  CommandMeta AgentMeta(const std::string& request_id) {
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = Actor{"care-1", "care", {}};
    meta.now = clock_.Now();
    meta.correlation_id = request_id;
    return meta;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CallbacksApp> app_;
};

TEST_F(RemindersAppTest, AnAssetRegistrationSchedulesItsReminders) {
  RegisterAsset();
  const ReminderState first = Get(FirstMaintenance());
  EXPECT_EQ(first.status, ReminderStatus::kScheduled);
  EXPECT_EQ(first.remind_at, Local(2024, 3, 10, 14));
  EXPECT_EQ(first.due_by, Local(2024, 4, 10, 14));
  EXPECT_EQ(first.customer_id, "cust-1");
  EXPECT_EQ(first.model, "WM-100");
  EXPECT_EQ(Get(Id(ReminderKind::kWarrantyExpiry, kWarrantyEnd)).remind_at, Local(2024, 12, 10));
  EXPECT_EQ(Get(Id(ReminderKind::kContractExpiry, kContractEnd)).remind_at, Local(2024, 11, 30));
  auto page = app_->ListReminders(ListRemindersQuery{.asset_id = "a-1"});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->reminders.size(), 3u);
  EXPECT_TRUE(DueIds().empty());
}

TEST_F(RemindersAppTest, TheSameAssetEventTwiceSchedulesOnce) {
  RegisterAsset();
  RegisterAsset();
  EXPECT_EQ(StreamLength(FirstMaintenance()), 1);
  auto page = app_->ListReminders(ListRemindersQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->reminders.size(), 3u);
}

TEST_F(RemindersAppTest, TheReminderEventsAreDerivedFromTheSourceAndGoToTheOutbox) {
  RegisterAsset();
  auto stream = store_->ReadStream({"Reminder", FirstMaintenance()});
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ(stream->size(), 1u);
  EXPECT_EQ((*stream)[0].causation_id(), "evt-asset-a-1");
  EXPECT_EQ((*stream)[0].correlation_id(), "corr-asset-a-1");
  EXPECT_TRUE((*stream)[0].callbacks().has_reminder_scheduled());
  auto log = store_->ReadLog(0, 100);
  ASSERT_TRUE(log.ok());
  // The three reminders (first maintenance, warranty, contract); the installed-product callback
  // the same event schedules is not a reminder.
  size_t reminders = 0;
  for (const LogEntry& entry : *log) {
    if (entry.event.callbacks().has_reminder_scheduled()) ++reminders;
  }
  EXPECT_EQ(reminders, 3u);
}

TEST_F(RemindersAppTest, AnInsuranceEndSchedulesTheInsuranceReminderOneMonthBefore) {
  EventEnvelope e = AssetRegisteredEvent("a-1", kInstalled, kWarrantyEnd, kContractEnd,
                                         Local(2024, 1, 12, 9));
  const absl::Time insurance_end = Local(2024, 9, 30);
  ToProto(insurance_end, e.mutable_intake()->mutable_asset_registered()->mutable_insurance_end());
  ASSERT_TRUE(Deliver(e).ok());
  ASSERT_TRUE(Deliver(e).ok());  // heard twice: one reminder
  const std::string id = Id(ReminderKind::kInsuranceExpiry, insurance_end);
  EXPECT_EQ(StreamLength(id), 1);
  const ReminderState insurance = Get(id);
  EXPECT_EQ(insurance.kind, ReminderKind::kInsuranceExpiry);
  EXPECT_EQ(insurance.remind_at, Local(2024, 8, 30));
  EXPECT_EQ(insurance.due_by, insurance_end);
  auto page = app_->ListReminders(ListRemindersQuery{.asset_id = "a-1"});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->reminders.size(), 4u);
  // It falls due one month before the end, on the ticker.
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 8, 30) - absl::Seconds(1)).ok());
  EXPECT_TRUE(DueIds(ReminderKind::kInsuranceExpiry).empty());
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 8, 30)).ok());
  EXPECT_EQ(DueIds(ReminderKind::kInsuranceExpiry), (std::vector<std::string>{id}));
}

TEST_F(RemindersAppTest, AnAssetWhoseDatesArePastGetsNoUselessReminders) {
  SetNow(Local(2025, 6, 1));
  ASSERT_TRUE(Deliver(AssetRegisteredEvent("a-1", kInstalled, kWarrantyEnd, kContractEnd,
                                           Local(2025, 6, 1)))
                  .ok());
  auto page = app_->ListReminders(ListRemindersQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->reminders.empty());
}

TEST_F(RemindersAppTest, AnAssetWithoutAnIdIsRefusedAndWritesNothing) {
  EventEnvelope e = AssetRegisteredEvent("", kInstalled, kWarrantyEnd, kContractEnd,
                                         Local(2024, 1, 12));
  absl::Status status = Deliver(e);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(status).value_or(""), "asset_id");
  auto log = store_->ReadLog(0, 100);
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(log->empty());
}

TEST_F(RemindersAppTest, TheTickerMakesAReminderFallDueAtItsTimeNotBefore) {
  RegisterAsset();
  auto before = app_->FallDueReminders(Local(2024, 3, 10, 14) - absl::Seconds(1));
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(*before, 0);
  EXPECT_TRUE(DueIds().empty());

  auto at = app_->FallDueReminders(Local(2024, 3, 10, 14));
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, 1);
  EXPECT_EQ(DueIds(), std::vector<std::string>{FirstMaintenance()});
  const ReminderState due = Get(FirstMaintenance());
  EXPECT_EQ(due.status, ReminderStatus::kDue);
  EXPECT_EQ(due.fell_due_at, Local(2024, 3, 10, 14));
}

TEST_F(RemindersAppTest, RunningTheTickerAgainChangesNothing) {
  RegisterAsset();
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 3, 11)).ok());
  auto again = app_->FallDueReminders(Local(2024, 3, 12));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(StreamLength(FirstMaintenance()), 2);
}

TEST_F(RemindersAppTest, TheDueListIsEarliestFirstAndFiltersByKind) {
  RegisterAsset();
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 12, 20)).ok());
  EXPECT_EQ(DueIds(), (std::vector<std::string>{
                          FirstMaintenance(), Id(ReminderKind::kContractExpiry, kContractEnd),
                          Id(ReminderKind::kWarrantyExpiry, kWarrantyEnd)}));
  EXPECT_EQ(DueIds(ReminderKind::kWarrantyExpiry),
            std::vector<std::string>{Id(ReminderKind::kWarrantyExpiry, kWarrantyEnd)});
  auto page = app_->ListDueReminders(ListRemindersQuery{.page_size = 2});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->reminders.size(), 2u);
  ASSERT_FALSE(page->next_page_token.empty());
  auto rest = app_->ListDueReminders(
      ListRemindersQuery{.page_size = 2, .page_token = page->next_page_token});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->reminders.size(), 1u);
  EXPECT_EQ(rest->reminders[0].reminder.kind, ReminderKind::kWarrantyExpiry);
  EXPECT_TRUE(rest->next_page_token.empty());
}

TEST_F(RemindersAppTest, AnAgentRecordsAnOutcomeOnceAndItLeavesTheDueList) {
  RegisterAsset();
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 3, 11)).ok());
  SetNow(Local(2024, 3, 11, 10));
  const RecordReminderOutcome command{.reminder_id = FirstMaintenance(),
                                      .outcome = ReminderOutcome::kBooked,
                                      .note = "Friday"};
  auto ack = app_->RecordReminderOutcome(AgentMeta("req-1"), command);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->version(), 3);
  auto again = app_->RecordReminderOutcome(AgentMeta("req-1"), command);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version(), 3);
  EXPECT_EQ(StreamLength(FirstMaintenance()), 3);
  const ReminderState state = Get(FirstMaintenance());
  EXPECT_EQ(state.status, ReminderStatus::kAnswered);
  EXPECT_EQ(state.outcome, ReminderOutcome::kBooked);
  EXPECT_EQ(state.outcome_agent_id, "care-1");
  EXPECT_EQ(state.note, "Friday");
  EXPECT_TRUE(DueIds().empty());
}

TEST_F(RemindersAppTest, BadOutcomesAreRefusedAndWriteNothing) {
  RegisterAsset();
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 12, 20)).ok());
  const std::string warranty = Id(ReminderKind::kWarrantyExpiry, kWarrantyEnd);
  auto no_id = app_->RecordReminderOutcome(
      AgentMeta("r-1"), RecordReminderOutcome{.outcome = ReminderOutcome::kInformed});
  EXPECT_EQ(FieldOf(no_id.status()).value_or(""), "reminder_id");
  auto no_outcome =
      app_->RecordReminderOutcome(AgentMeta("r-2"), RecordReminderOutcome{.reminder_id = warranty});
  EXPECT_EQ(FieldOf(no_outcome.status()).value_or(""), "outcome");
  auto booked = app_->RecordReminderOutcome(
      AgentMeta("r-3"),
      RecordReminderOutcome{.reminder_id = warranty, .outcome = ReminderOutcome::kBooked});
  EXPECT_EQ(FieldOf(booked.status()).value_or(""), "outcome");
  auto unknown = app_->RecordReminderOutcome(
      AgentMeta("r-4"),
      RecordReminderOutcome{.reminder_id = "nope", .outcome = ReminderOutcome::kInformed});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(StreamLength(warranty), 2);
  EXPECT_EQ(DueIds().size(), 3u);
}

TEST_F(RemindersAppTest, ACompletedMaintenanceVisitCountsAsCameInAndPlansTheNextOne) {
  RegisterAsset();
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 3, 11)).ok());
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "a-1", "maintenance")).ok());
  const EventEnvelope completed = JobCompletedEvent("j-1", "t-1", Local(2024, 3, 15, 11));
  ASSERT_TRUE(Deliver(completed).ok());
  ASSERT_TRUE(Deliver(completed).ok());  // delivered twice: one effect

  const ReminderState first = Get(FirstMaintenance());
  EXPECT_EQ(first.status, ReminderStatus::kCameIn);
  EXPECT_EQ(first.came_in_job_id, "j-1");
  EXPECT_EQ(first.came_in_at, Local(2024, 3, 15, 11));
  EXPECT_EQ(StreamLength(FirstMaintenance()), 3);
  EXPECT_TRUE(DueIds().empty());

  const std::string next = Id(ReminderKind::kRegularMaintenance, Local(2024, 9, 15, 11));
  const ReminderState regular = Get(next);
  EXPECT_EQ(regular.status, ReminderStatus::kScheduled);
  EXPECT_EQ(regular.remind_at, Local(2024, 9, 8, 11));
  EXPECT_EQ(regular.customer_id, "cust-1");
  EXPECT_EQ(StreamLength(next), 1);
  // The warranty reminder is not answered by a visit.
  EXPECT_EQ(Get(Id(ReminderKind::kWarrantyExpiry, kWarrantyEnd)).status,
            ReminderStatus::kScheduled);
  // The job's callback is scheduled as before.
  EXPECT_TRUE(app_->GetCallback(CallbackIdForJob("j-1")).ok());
}

TEST_F(RemindersAppTest, ARepairVisitIsNotAMaintenanceVisit) {
  RegisterAsset();
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 3, 11)).ok());
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "a-1", "washing_machine")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Local(2024, 3, 15, 11))).ok());
  EXPECT_EQ(Get(FirstMaintenance()).status, ReminderStatus::kDue);
  auto page = app_->ListReminders(ListRemindersQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->reminders.size(), 3u);
}

TEST_F(RemindersAppTest, AMaintenanceVisitBeforeTheReminderFellDueDoesNotAnswerIt) {
  RegisterAsset();
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "a-1", "maintenance")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Local(2024, 2, 1))).ok());
  EXPECT_EQ(Get(FirstMaintenance()).status, ReminderStatus::kScheduled);
}

TEST_F(RemindersAppTest, AVisitAfterRemindAtCountsEvenBeforeTheTickerRanAndLeavesNoStaleEntry) {
  RegisterAsset();
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "a-1", "maintenance")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Local(2024, 3, 12))).ok());
  EXPECT_EQ(Get(FirstMaintenance()).status, ReminderStatus::kCameIn);
  auto fell = app_->FallDueReminders(Local(2024, 3, 13));
  ASSERT_TRUE(fell.ok()) << fell.status();
  EXPECT_EQ(*fell, 0);
  EXPECT_TRUE(DueIds().empty());
}

TEST_F(RemindersAppTest, TheDueListShowsTheAssetsCurrentOwnerAndOverdue) {
  RegisterAsset();
  ASSERT_TRUE(Deliver(TransferEvent("a-1", "cust-2")).ok());
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 3, 11)).ok());
  SetNow(Local(2024, 4, 10, 14) + absl::Seconds(1));
  auto page = app_->ListDueReminders(ListRemindersQuery{});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->reminders.size(), 1u);
  EXPECT_EQ(page->reminders[0].reminder.customer_id, "cust-2");
  EXPECT_TRUE(page->reminders[0].overdue);
}

TEST_F(RemindersAppTest, RemindersSurviveAReopen) {
  RegisterAsset();
  ASSERT_TRUE(app_->FallDueReminders(Local(2024, 3, 11)).ok());
  app_.reset();
  store_.reset();
  auto store = EventStore::Open({.path = dir_.Sub("db")});
  ASSERT_TRUE(store.ok());
  store_ = std::move(*store);
  app_ = std::make_unique<CallbacksApp>(*store_, clock_);
  EXPECT_EQ(DueIds(), std::vector<std::string>{FirstMaintenance()});
  EXPECT_EQ(Get(FirstMaintenance()).version, 2);
}

TEST_F(RemindersAppTest, ThePolicyDecidesTheMaintenanceInterval) {
  ReminderPolicy policy;
  policy.regular_maintenance_interval_months = 12;
  policy.maintenance_categories = {"service"};
  app_ = std::make_unique<CallbacksApp>(*store_, clock_, CallbackPolicy{}, KpiPolicy{}, policy);
  RegisterAsset();
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "a-1", "service")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Local(2024, 3, 15, 11))).ok());
  EXPECT_EQ(Get(Id(ReminderKind::kRegularMaintenance, Local(2025, 3, 15, 11))).remind_at,
            Local(2025, 3, 8, 11));
}

TEST_F(RemindersAppTest, MaintenanceArrivalIsCountedOverSixMonthsAcrossTheYearEnd) {
  SetNow(Local(2024, 9, 6));
  const auto register_asset = [&](const std::string& asset, const std::string& customer,
                                  absl::Time installed) {
    EventEnvelope e = AssetRegisteredEvent(asset, installed, absl::InfinitePast(),
                                           absl::InfinitePast(), Local(2024, 9, 6));
    e.mutable_intake()->mutable_asset_registered()->set_customer_id(customer);
    ASSERT_TRUE(Deliver(e).ok());
  };
  register_asset("a-1", "cust-1", Local(2024, 9, 5));   // due 5 Nov 2024
  register_asset("a-2", "cust-2", Local(2024, 11, 2));  // due 2 Jan 2025
  register_asset("a-3", "cust-3", Local(2025, 1, 10));  // due 10 Mar 2025
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "a-1", "maintenance")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Local(2024, 11, 20))).ok());

  // January 2025: Aug 2024 – Jan 2025 → a-1 came in, a-2 did not.
  auto january = app_->GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = 2025, .number = 1});
  ASSERT_TRUE(january.ok()) << january.status();
  EXPECT_EQ(january->maintenance_arrival, (Ratio{.numerator = 1, .denominator = 2}));
  EXPECT_EQ(january->maintenance_window.start, Local(2024, 8, 1));
  EXPECT_EQ(january->maintenance_window.end, Local(2025, 2, 1));
  ASSERT_TRUE(january->maintenance_completion.has_value());
  EXPECT_DOUBLE_EQ(*january->maintenance_completion, 62.5);  // 50 % ÷ 80 %

  // Q1 2025 ends in March: Oct 2024 – Mar 2025 → all three due, one came in.
  auto quarter =
      app_->GetKpis(KpiQuery{.period = PeriodKind::kQuarter, .year = 2025, .number = 1});
  ASSERT_TRUE(quarter.ok()) << quarter.status();
  EXPECT_EQ(quarter->maintenance_arrival, (Ratio{.numerator = 1, .denominator = 3}));

  // The year 2024 ends in December: Jul – Dec 2024 → only a-1, who came in.
  auto year = app_->GetKpis(KpiQuery{.period = PeriodKind::kYear, .year = 2024});
  ASSERT_TRUE(year.ok()) << year.status();
  EXPECT_EQ(year->maintenance_arrival, (Ratio{.numerator = 1, .denominator = 1}));

  // October 2024: May – Oct 2024 → nobody was due yet.
  auto october =
      app_->GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = 2024, .number = 10});
  ASSERT_TRUE(october.ok()) << october.status();
  EXPECT_EQ(october->maintenance_arrival.denominator, 0);
  EXPECT_FALSE(october->maintenance_completion.has_value());
}

TEST_F(RemindersAppTest, AReminderDueExactlyAtTheWindowStartCountsOneAtItsEndDoesNot) {
  SetNow(Local(2024, 1, 1));
  // Installed 1 Jun 2024 00:00 local → due 1 Aug 2024 00:00, the January 2025 window's start.
  ASSERT_TRUE(Deliver(AssetRegisteredEvent("a-1", Local(2024, 6, 1), absl::InfinitePast(),
                                           absl::InfinitePast(), Local(2024, 1, 1)))
                  .ok());
  // Installed 1 Dec 2024 → due 1 Feb 2025 00:00, the window's (exclusive) end.
  EventEnvelope second = AssetRegisteredEvent("a-2", Local(2024, 12, 1), absl::InfinitePast(),
                                              absl::InfinitePast(), Local(2024, 1, 1));
  second.mutable_intake()->mutable_asset_registered()->set_customer_id("cust-2");
  ASSERT_TRUE(Deliver(second).ok());
  auto january = app_->GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = 2025, .number = 1});
  ASSERT_TRUE(january.ok()) << january.status();
  EXPECT_EQ(january->maintenance_arrival, (Ratio{.numerator = 0, .denominator = 1}));
}

EventEnvelope JobArrivedEvent(const std::string& job_id, const std::string& technician,
                              absl::Time at, bool on_time) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-arrived-", job_id));
  e.set_aggregate_type("Job");
  e.set_aggregate_id(job_id);
  e.set_aggregate_version(4);
  ToProto(at + absl::Minutes(1), e.mutable_server_time());
  auto* a = e.mutable_scheduling()->mutable_job_arrived();
  a->set_job_id(job_id);
  a->set_technician_id(technician);
  ToProto(at, a->mutable_arrived_at());
  a->set_on_time(on_time);
  if (!on_time) a->set_late_minutes(25);
  return e;
}

TEST_F(RemindersAppTest, OnTimeArrivalCountsTheArrivalsOfThePeriodPerTechnician) {
  ASSERT_TRUE(Deliver(JobArrivedEvent("j-1", "tech-1", Local(2024, 12, 31, 23, 59), true)).ok());
  ASSERT_TRUE(Deliver(JobArrivedEvent("j-2", "tech-1", Local(2025, 1, 1, 0, 0), false)).ok());
  ASSERT_TRUE(Deliver(JobArrivedEvent("j-3", "tech-2", Local(2025, 1, 15), true)).ok());
  ASSERT_TRUE(Deliver(JobArrivedEvent("j-3", "tech-2", Local(2025, 1, 15), true)).ok());  // twice
  ASSERT_TRUE(Deliver(JobArrivedEvent("j-4", "tech-2", Local(2025, 2, 1), false)).ok());

  auto january = app_->GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = 2025, .number = 1});
  ASSERT_TRUE(january.ok()) << january.status();
  EXPECT_EQ(january->on_time_arrival, (Ratio{.numerator = 1, .denominator = 2}));
  auto tech1 = app_->GetKpis(KpiQuery{
      .period = PeriodKind::kMonth, .year = 2025, .number = 1, .technician_id = "tech-1"});
  ASSERT_TRUE(tech1.ok());
  EXPECT_EQ(tech1->on_time_arrival, (Ratio{.numerator = 0, .denominator = 1}));
  auto year2024 = app_->GetKpis(KpiQuery{.period = PeriodKind::kYear, .year = 2024});
  ASSERT_TRUE(year2024.ok());
  EXPECT_EQ(year2024->on_time_arrival, (Ratio{.numerator = 1, .denominator = 1}));
  EventEnvelope no_job = JobArrivedEvent("", "tech-1", Local(2025, 1, 2), true);
  EXPECT_EQ(FieldOf(Deliver(no_job)).value_or(""), "job_id");
}

EventEnvelope InventoryEvent(const std::string& id, absl::Time at, int64_t reserved,
                             int64_t backordered, bool fills_backorder = false) {
  EventEnvelope e;
  e.set_event_id(id);
  e.set_aggregate_type("Part");
  e.set_aggregate_id("PUMP-1");
  e.set_aggregate_version(3);
  ToProto(at, e.mutable_server_time());
  if (backordered > 0) {
    auto* b = e.mutable_inventory()->mutable_parts_backordered();
    b->set_sku("PUMP-1");
    b->set_job_id("j-1");
    b->set_quantity(backordered);
  } else {
    auto* r = e.mutable_inventory()->mutable_parts_reserved();
    r->set_sku("PUMP-1");
    r->set_job_id("j-1");
    r->set_quantity(reserved);
    r->set_fills_backorder(fills_backorder);
  }
  return e;
}

TEST_F(RemindersAppTest, PartsFillRateIsUnitsReservedAtOnceOverUnitsAskedFor) {
  ASSERT_TRUE(Deliver(InventoryEvent("e-1", Local(2025, 1, 3), 3, 0)).ok());
  ASSERT_TRUE(Deliver(InventoryEvent("e-1", Local(2025, 1, 3), 3, 0)).ok());  // twice: once
  ASSERT_TRUE(Deliver(InventoryEvent("e-2", Local(2025, 1, 4), 0, 1)).ok());
  // The backorder filled later is not a second need.
  ASSERT_TRUE(Deliver(InventoryEvent("e-3", Local(2025, 1, 9), 1, 0, true)).ok());
  ASSERT_TRUE(Deliver(InventoryEvent("e-4", Local(2024, 12, 31, 23, 59), 5, 0)).ok());
  auto january = app_->GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = 2025, .number = 1});
  ASSERT_TRUE(january.ok()) << january.status();
  EXPECT_EQ(january->parts_fill, (Ratio{.numerator = 3, .denominator = 4}));
  auto december =
      app_->GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = 2024, .number = 12});
  ASSERT_TRUE(december.ok());
  EXPECT_EQ(december->parts_fill, (Ratio{.numerator = 5, .denominator = 5}));
}

}  // namespace
}  // namespace fieldline::callbacks
