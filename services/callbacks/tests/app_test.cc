// CallbacksApp against a real EventStore in a temp dir: reactions to intake's and scheduling's
// events, and the queries.

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "gtest/gtest.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/callbacks/domain/callback.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"

namespace fieldline::callbacks {
namespace {

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

// Envelopes as intake and scheduling publish them.
EventEnvelope TicketOpenedEvent(const std::string& ticket_id, const std::string& name,
                                const std::string& phone, absl::Time at = Utc(2024, 5, 1, 8, 0)) {
  static UuidV7Generator ids;
  EventEnvelope e;
  e.set_event_id(ids.NewId(at));
  e.set_aggregate_type("Ticket");
  e.set_aggregate_id(ticket_id);
  e.set_aggregate_version(1);
  ToProto(at, e.mutable_server_time());
  e.mutable_actor()->set_user_id("agent-3");
  e.mutable_actor()->set_role("intake");
  e.set_request_id(absl::StrCat("req-open-", ticket_id));
  e.set_correlation_id(absl::StrCat("req-open-", ticket_id));
  auto* opened = e.mutable_intake()->mutable_ticket_opened();
  opened->set_ticket_id(ticket_id);
  opened->mutable_customer()->set_customer_id(absl::StrCat("cust-", ticket_id));
  opened->mutable_customer()->set_name(name);
  opened->mutable_customer()->set_phone(phone);
  opened->mutable_customer()->set_address("1 Riverside Road");
  opened->set_category("washing_machine");
  opened->set_symptom("does not spin");
  opened->set_channel("phone");
  return e;
}

EventEnvelope JobCompletedEvent(const std::string& job_id, const std::string& ticket_id,
                                absl::Time completed_at = Utc(2024, 5, 6, 9, 0),
                                int64_t version = 5) {
  static UuidV7Generator ids;
  EventEnvelope e;
  e.set_event_id(ids.NewId(completed_at));
  e.set_aggregate_type("Job");
  e.set_aggregate_id(job_id);
  e.set_aggregate_version(version);
  ToProto(completed_at, e.mutable_server_time());
  e.mutable_actor()->set_user_id("tech-7");
  e.mutable_actor()->set_role("technician");
  e.set_request_id(absl::StrCat("req-complete-", job_id));
  e.set_correlation_id(absl::StrCat("corr-", ticket_id));
  e.set_causation_id("");
  auto* completed = e.mutable_scheduling()->mutable_job_completed();
  completed->set_job_id(job_id);
  completed->set_ticket_id(ticket_id);
  completed->set_technician_id("tech-7");
  auto* part = completed->add_parts_used();
  part->set_sku("PUMP-1");
  part->set_quantity(1);
  completed->set_resolution("replaced the drain pump");
  return e;
}

CommandMeta MetaAtFor(const std::string& request_id) {
  CommandMeta meta;
  meta.request_id = "req-" + request_id;
  meta.actor = Actor{"mgr", "manager"};
  meta.now = Utc(2024, 5, 6, 10, 0);
  return meta;
}

class CallbacksAppTest : public ::testing::Test {
 protected:
  CallbacksAppTest() : clock_(Utc(2024, 5, 6, 10, 0)) { Open(); }

  void Open(CallbackPolicy policy = {}) {
    app_.reset();
    store_.reset();
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    app_ = std::make_unique<CallbacksApp>(*store_, clock_, policy);
  }

  // What the consumer does: one batch per event, committed if the handler says OK.
  absl::Status Deliver(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    absl::Status applied = app_->Apply(event, batch);
    if (!applied.ok()) return applied;
    return store_->Commit(std::move(batch));
  }

  std::vector<EventEnvelope> Stream(const std::string& job_id) {
    auto stream = store_->ReadStream({"Callback", CallbackIdForJob(job_id)});
    EXPECT_TRUE(stream.ok()) << stream.status();
    return stream.ok() ? *stream : std::vector<EventEnvelope>{};
  }

  CallbackView Get(const std::string& job_id) {
    auto view = app_->GetCallback(CallbackIdForJob(job_id));
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? *view : CallbackView{};
  }

  std::vector<std::string> ListAllIds() {
    std::vector<std::string> ids;
    ListCallbacksQuery query{.page_size = kMaxPageSize};
    while (true) {
      auto page = app_->ListCallbacks(query);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const auto& v : page->callbacks) ids.push_back(v.callback.callback_id);
      if (page->next_page_token.empty()) break;
      query.page_token = page->next_page_token;
    }
    return ids;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CallbacksApp> app_;
};

// --- scheduling a callback ---

TEST_F(CallbacksAppTest, ACompletedJobSchedulesACallbackDueTwoDaysAfterCompletion) {
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "Li Wei", "13800000000")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0))).ok());

  const CallbackView view = Get("j-1");
  EXPECT_EQ(view.callback.callback_id, CallbackIdForJob("j-1"));
  EXPECT_EQ(view.callback.job_id, "j-1");
  EXPECT_EQ(view.callback.ticket_id, "t-1");
  EXPECT_EQ(view.callback.technician_id, "tech-7");
  EXPECT_EQ(view.callback.customer_name, "Li Wei");
  EXPECT_EQ(view.callback.customer_phone, "13800000000");
  EXPECT_EQ(view.callback.completed_at, Utc(2024, 5, 6, 9, 0));
  EXPECT_EQ(view.callback.due_at, Utc(2024, 5, 8, 9, 0));
  EXPECT_EQ(view.callback.status, CallbackStatus::kDue);
  EXPECT_EQ(view.callback.version, 1);
  EXPECT_FALSE(view.overdue);
}

TEST_F(CallbacksAppTest, TheDueDateCountsFromTheJobsCompletionNotFromWhenItIsHeard) {
  clock_.Advance(absl::Hours(24 * 30));  // the consumer catches up a month later
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 12, 31, 17, 0))).ok());
  EXPECT_EQ(Get("j-1").callback.due_at, Utc(2025, 1, 2, 17, 0));
}

TEST_F(CallbacksAppTest, TheReactionEventIsDerivedFromTheJobCompletedEvent) {
  const EventEnvelope source = JobCompletedEvent("j-1", "t-1");
  ASSERT_TRUE(Deliver(source).ok());

  const auto stream = Stream("j-1");
  ASSERT_EQ(stream.size(), 1u);
  const EventEnvelope& e = stream[0];
  EXPECT_EQ(e.event_id(), DeriveId(source.event_id(), "callbacks/1"));
  EXPECT_EQ(e.aggregate_type(), "Callback");
  EXPECT_EQ(e.aggregate_id(), CallbackIdForJob("j-1"));
  EXPECT_EQ(e.aggregate_version(), 1);
  EXPECT_EQ(e.causation_id(), source.event_id());
  EXPECT_EQ(e.correlation_id(), source.correlation_id());
  EXPECT_EQ(e.actor().user_id(), "system:callbacks");
  EXPECT_EQ(e.actor().role(), "system");
  EXPECT_EQ(FromProto(e.server_time()), clock_.Now());
  ASSERT_TRUE(e.callbacks().has_callback_scheduled());
  const auto& scheduled = e.callbacks().callback_scheduled();
  EXPECT_EQ(scheduled.callback_id(), CallbackIdForJob("j-1"));
  EXPECT_EQ(scheduled.job_id(), "j-1");
  EXPECT_EQ(scheduled.ticket_id(), "t-1");
  EXPECT_EQ(scheduled.technician_id(), "tech-7");
  EXPECT_EQ(FromProto(scheduled.completed_at()), FromProto(source.server_time()));
  EXPECT_EQ(FromProto(scheduled.due_at()), FromProto(source.server_time()) + absl::Hours(48));
  EXPECT_EQ(scheduled.reason(), "job_completed");
}

TEST_F(CallbacksAppTest, WithoutACorrelationIdTheSourceEventStartsTheCorrelation) {
  EventEnvelope source = JobCompletedEvent("j-1", "t-1");
  source.clear_correlation_id();
  ASSERT_TRUE(Deliver(source).ok());
  const auto stream = Stream("j-1");
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(stream[0].correlation_id(), source.event_id());
}

TEST_F(CallbacksAppTest, TheScheduledEventGoesToTheOutboxLog) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  auto log = store_->ReadLog(0, 10);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 1u);
  EXPECT_TRUE((*log)[0].event.callbacks().has_callback_scheduled());
}

TEST_F(CallbacksAppTest, ThePolicyDecidesTheDelay) {
  Open(CallbackPolicy{.delay_after_job_completed = absl::Hours(24)});
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0))).ok());
  EXPECT_EQ(Get("j-1").callback.due_at, Utc(2024, 5, 7, 9, 0));
}

// --- one callback per job ---

TEST_F(CallbacksAppTest, ASecondJobCompletedForTheSameJobDoesNotCreateASecondCallback) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0), 5)).ok());
  Batch batch = store_->NewBatch();
  ASSERT_TRUE(app_->Apply(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 7, 9, 0), 7), batch).ok());
  EXPECT_TRUE(batch.empty());
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok());

  EXPECT_EQ(Stream("j-1").size(), 1u);
  EXPECT_EQ(ListAllIds(), std::vector<std::string>{CallbackIdForJob("j-1")});
  EXPECT_EQ(Get("j-1").callback.due_at, Utc(2024, 5, 8, 9, 0));  // the first completion counts
}

TEST_F(CallbacksAppTest, TheSameEventDeliveredTwiceSchedulesOneCallback) {
  const EventEnvelope source = JobCompletedEvent("j-1", "t-1");
  ASSERT_TRUE(Deliver(source).ok());
  ASSERT_TRUE(Deliver(source).ok());
  EXPECT_EQ(Stream("j-1").size(), 1u);
  auto log = store_->ReadLog(0, 10);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->size(), 1u);
}

TEST_F(CallbacksAppTest, EveryCompletedJobGetsItsOwnCallback) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-2", "t-1")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-3", "t-2")).ok());
  const std::vector<std::string> ids = ListAllIds();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()),
            (std::set<std::string>{CallbackIdForJob("j-1"), CallbackIdForJob("j-2"),
                                   CallbackIdForJob("j-3")}));
}

// --- the customer, whichever topic's event arrives first ---

TEST_F(CallbacksAppTest, TheCustomerIsTakenFromATicketOpenedSeenBefore) {
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "Li Wei", "13800000000")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());

  const auto stream = Stream("j-1");
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(stream[0].callbacks().callback_scheduled().customer_name(), "Li Wei");
  EXPECT_EQ(stream[0].callbacks().callback_scheduled().customer_phone(), "13800000000");
  EXPECT_EQ(Get("j-1").callback.customer_name, "Li Wei");
}

TEST_F(CallbacksAppTest, ATicketOpenedArrivingAfterTheJobFillsTheCustomerIn) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  EXPECT_EQ(Get("j-1").callback.customer_name, "");
  EXPECT_EQ(Get("j-1").callback.customer_phone, "");

  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "Li Wei", "13800000000")).ok());

  const CallbackView view = Get("j-1");
  EXPECT_EQ(view.callback.customer_name, "Li Wei");
  EXPECT_EQ(view.callback.customer_phone, "13800000000");
  EXPECT_EQ(view.callback.version, 1);  // a read-model fill, not a new event
  EXPECT_EQ(Stream("j-1").size(), 1u);
}

TEST_F(CallbacksAppTest, ALateTicketOpenedFillsEveryCallbackOfTheTicketAndNoOther) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-2", "t-1")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-3", "t-2")).ok());
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "Li Wei", "13800000000")).ok());

  EXPECT_EQ(Get("j-1").callback.customer_name, "Li Wei");
  EXPECT_EQ(Get("j-2").callback.customer_name, "Li Wei");
  EXPECT_EQ(Get("j-3").callback.customer_name, "");
}

TEST_F(CallbacksAppTest, ATicketOpenedWithNoCallbackYetOnlyRemembersTheCustomer) {
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "Li Wei", "13800000000")).ok());
  EXPECT_TRUE(ListAllIds().empty());
  auto log = store_->ReadLog(0, 10);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_TRUE(log->empty());
}

TEST_F(CallbacksAppTest, ATicketOpenedRacingAJobCompletedStillFillsTheCustomer) {
  // The JobCompleted holds its locks with its batch not yet committed while the TicketOpened
  // starts on the consumer of the other topic. Whatever the interleaving, once the consumer has
  // retried what was refused as retryable, the callback carries the customer.
  Batch job_batch = store_->NewBatch();
  ASSERT_TRUE(app_->Apply(JobCompletedEvent("j-1", "t-1"), job_batch).ok());
  absl::Status ticket_status;
  std::thread ticket_consumer([&] {
    const EventEnvelope opened = TicketOpenedEvent("t-1", "Li Wei", "13800000000");
    do {
      ticket_status = Deliver(opened);
    } while (ticket_status.code() == absl::StatusCode::kAborted);
  });
  ASSERT_TRUE(store_->Commit(std::move(job_batch)).ok());
  ticket_consumer.join();
  ASSERT_TRUE(ticket_status.ok()) << ticket_status;
  EXPECT_EQ(Get("j-1").callback.customer_name, "Li Wei");
  EXPECT_EQ(Get("j-1").callback.customer_phone, "13800000000");
}

TEST_F(CallbacksAppTest, ACustomerOfAnotherTicketIsNotUsed) {
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-2", "Zhang San", "13900000000")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  EXPECT_EQ(Get("j-1").callback.customer_name, "");
}

// --- events that do not concern callbacks ---

TEST_F(CallbacksAppTest, UnrelatedEventsAreIgnored) {
  std::vector<EventEnvelope> unrelated(6);
  unrelated[0].mutable_scheduling()->mutable_job_created()->set_job_id("j-1");
  unrelated[1].mutable_scheduling()->mutable_job_assigned()->set_job_id("j-1");
  unrelated[2].mutable_scheduling()->mutable_job_started()->set_job_id("j-1");
  unrelated[3].mutable_intake()->mutable_ticket_completed()->set_ticket_id("t-1");
  unrelated[4].mutable_inventory();
  unrelated[5].mutable_callbacks()->mutable_callback_scheduled()->set_job_id("j-1");
  for (size_t i = 0; i < unrelated.size(); ++i) {
    unrelated[i].set_event_id(absl::StrCat("e-", i));
    Batch batch = store_->NewBatch();
    EXPECT_TRUE(app_->Apply(unrelated[i], batch).ok()) << i;
    EXPECT_TRUE(batch.empty()) << i;
  }
  EventEnvelope no_payload;
  Batch batch = store_->NewBatch();
  EXPECT_TRUE(app_->Apply(no_payload, batch).ok());
  EXPECT_TRUE(batch.empty());
}

// --- bad input: refused, nothing written ---

TEST_F(CallbacksAppTest, AJobCompletedWithoutServerTimeIsRefusedAndWritesNothing) {
  EventEnvelope source = JobCompletedEvent("j-1", "t-1");
  source.clear_server_time();
  const absl::Status status = Deliver(source);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(status), "completed_at");
  EXPECT_TRUE(Stream("j-1").empty());
  EXPECT_EQ(app_->GetCallback(CallbackIdForJob("j-1")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CallbacksAppTest, AJobCompletedWithoutJobIdIsRefused) {
  const absl::Status status = Deliver(JobCompletedEvent("", "t-1"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(status), "job_id");
  EXPECT_TRUE(ListAllIds().empty());
}

TEST_F(CallbacksAppTest, ATicketOpenedWithoutTicketIdIsRefused) {
  const absl::Status status = Deliver(TicketOpenedEvent("", "Li Wei", "13800000000"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(status), "ticket_id");
}

// --- queries ---

TEST_F(CallbacksAppTest, OverdueIsComputedWithTheClockAtQueryTime) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0))).ok());
  EXPECT_FALSE(Get("j-1").overdue);
  clock_.Advance(absl::Hours(47));  // 2024-05-08 09:00, exactly due
  EXPECT_FALSE(Get("j-1").overdue);
  clock_.Advance(absl::Minutes(1));
  EXPECT_TRUE(Get("j-1").overdue);
  auto page = app_->ListCallbacks({});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->callbacks.size(), 1u);
  EXPECT_TRUE(page->callbacks[0].overdue);
}

TEST_F(CallbacksAppTest, GettingAnUnknownCallbackIsNotFound) {
  auto view = app_->GetCallback("nope");
  EXPECT_EQ(view.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(view.status()), "callback_id");
  EXPECT_EQ(view.status().message(), "There is no callback nope.");
}

TEST_F(CallbacksAppTest, GettingWithoutAnIdIsInvalid) {
  auto view = app_->GetCallback("");
  EXPECT_EQ(view.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(view.status()), "callback_id");
}

TEST_F(CallbacksAppTest, ListingPagesThroughEveryCallbackInIdOrder) {
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    const std::string job = absl::StrCat("j-", i);
    ASSERT_TRUE(Deliver(JobCompletedEvent(job, "t-1")).ok());
    expected.push_back(CallbackIdForJob(job));
  }
  std::sort(expected.begin(), expected.end());

  std::vector<std::string> seen;
  ListCallbacksQuery query{.page_size = 2};
  std::vector<size_t> page_sizes;
  while (true) {
    auto page = app_->ListCallbacks(query);
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->callbacks.size());
    for (const auto& v : page->callbacks) seen.push_back(v.callback.callback_id);
    if (page->next_page_token.empty()) break;
    EXPECT_EQ(page->next_page_token, seen.back());
    query.page_token = page->next_page_token;
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{2, 2, 1}));
  EXPECT_EQ(seen, expected);
}

TEST_F(CallbacksAppTest, AnExactlyFullLastPageHasNoNextToken) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Deliver(JobCompletedEvent(absl::StrCat("j-", i), "t-1")).ok());
  }
  auto page = app_->ListCallbacks({.page_size = 2});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->callbacks.size(), 2u);
  EXPECT_EQ(page->next_page_token, "");
}

TEST_F(CallbacksAppTest, ListingFiltersByJob) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-2", "t-1")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-3", "t-2")).ok());

  auto page = app_->ListCallbacks({.job_id = "j-2"});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->callbacks.size(), 1u);
  EXPECT_EQ(page->callbacks[0].callback.job_id, "j-2");
  EXPECT_EQ(page->next_page_token, "");

  auto none = app_->ListCallbacks({.job_id = "j-9"});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->callbacks.empty());
}

TEST_F(CallbacksAppTest, PageSizeDefaultsToFiftyAndIsCappedAtFiveHundred) {
  for (int i = 0; i < kMaxPageSize + 1; ++i) {
    ASSERT_TRUE(Deliver(JobCompletedEvent(absl::StrCat("j-", i), "t-1")).ok());
  }
  auto by_default = app_->ListCallbacks({});
  ASSERT_TRUE(by_default.ok()) << by_default.status();
  EXPECT_EQ(by_default->callbacks.size(), 50u);
  EXPECT_FALSE(by_default->next_page_token.empty());

  auto capped = app_->ListCallbacks({.page_size = 100000});
  ASSERT_TRUE(capped.ok()) << capped.status();
  EXPECT_EQ(capped->callbacks.size(), 500u);
  ASSERT_FALSE(capped->next_page_token.empty());

  auto rest = app_->ListCallbacks({.page_size = 100000, .page_token = capped->next_page_token});
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->callbacks.size(), 1u);
  EXPECT_EQ(rest->next_page_token, "");
}

TEST_F(CallbacksAppTest, ANegativePageSizeIsInvalid) {
  auto page = app_->ListCallbacks({.page_size = -1});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(page.status()), "page_size");
}

// --- durability ---

TEST_F(CallbacksAppTest, CallbacksAndTheTicketModelSurviveAReopen) {
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "Li Wei", "13800000000")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-2", "t-9")).ok());

  Open();

  const CallbackView view = Get("j-1");
  EXPECT_EQ(view.callback.customer_name, "Li Wei");
  EXPECT_EQ(view.callback.due_at, Utc(2024, 5, 8, 9, 0));
  // The ticket model and the index are on disk too: a late ticket still fills j-2's callback,
  // and j-1 is still known to exist.
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-9", "Zhang San", "13900000000")).ok());
  EXPECT_EQ(Get("j-2").callback.customer_name, "Zhang San");
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  EXPECT_EQ(Stream("j-1").size(), 1u);
}

// --- other due rules wired to intake's events ---

EventEnvelope IntakeEventAt(const std::string& aggregate_type, const std::string& id,
                            absl::Time at) {
  static UuidV7Generator ids;
  EventEnvelope e;
  e.set_event_id(ids.NewId(at));
  e.set_aggregate_type(aggregate_type);
  e.set_aggregate_id(id);
  e.set_aggregate_version(2);
  ToProto(at, e.mutable_server_time());
  return e;
}

TEST_F(CallbacksAppTest, ATicketResolvedRemotelyIsCalledBackTheNextDay) {
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "Li Wei", "13800000000")).ok());
  EventEnvelope resolved = IntakeEventAt("Ticket", "t-1", Utc(2024, 12, 31, 10, 0));
  resolved.mutable_intake()->mutable_ticket_resolved_remotely()->set_ticket_id("t-1");
  ASSERT_TRUE(Deliver(resolved).ok());
  ASSERT_TRUE(Deliver(resolved).ok());  // a repeat changes nothing

  auto view = app_->GetCallback(CallbackIdForRemoteFix("t-1"));
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->callback.reason, "remote_fix");
  EXPECT_EQ(view->callback.due_at, Utc(2025, 1, 1, 10, 0));
  EXPECT_EQ(view->callback.customer_name, "Li Wei");
  EXPECT_EQ(view->callback.job_id, "");
  auto stream = store_->ReadStream({"Callback", CallbackIdForRemoteFix("t-1")});
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->size(), 1u);
}

TEST_F(CallbacksAppTest, AKeyAccountsJobIsHighPriorityWithTheKeyAccountDelay) {
  Open(CallbackPolicy{.delay_after_key_account_visit = absl::Hours(24)});
  EventEnvelope registered = IntakeEventAt("Customer", "cust-t-1", Utc(2024, 4, 1));
  registered.mutable_intake()->mutable_customer_registered()->set_customer_id("cust-t-1");
  registered.mutable_intake()->mutable_customer_registered()->set_tier(
      intake::v1::CUSTOMER_TIER_KEY_ACCOUNT);
  ASSERT_TRUE(Deliver(registered).ok());
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "Big Co", "0532-1")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-2", "t-2", Utc(2024, 5, 6, 9, 0))).ok());

  const CallbackView key = Get("j-1");
  EXPECT_EQ(key.callback.reason, "key_account_visit");
  EXPECT_EQ(key.callback.priority, Priority::kHigh);
  EXPECT_EQ(key.callback.due_at, Utc(2024, 5, 7, 9, 0));
  const CallbackView normal = Get("j-2");
  EXPECT_EQ(normal.callback.priority, Priority::kNormal);

  // On the due list a key account comes before an earlier-due normal callback (j-3 due
  // 05-07 08:00, j-1 05-07 09:00; neither overdue).
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-3", "t-3", Utc(2024, 5, 5, 8, 0))).ok());
  for (const std::string job : {"j-1", "j-3"}) {
    ASSERT_TRUE(app_->Assign(MetaAtFor(job), {.callback_id = CallbackIdForJob(job),
                                              .agent_id = "agent-1"})
                    .ok());
  }
  auto due = app_->ListDueCallbacks("agent-1");
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].callback.job_id, "j-1");
  EXPECT_EQ((*due)[1].callback.job_id, "j-3");
}

// --- commands: assignment and attempts ---

absl::Time Local(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::FixedTimeZone(8 * 3600));
}

CommandMeta MetaAt(const std::string& request_id, absl::Time now,
                   const std::string& user = "agent-1", const std::string& role = "care") {
  CommandMeta meta;
  meta.request_id = request_id;
  meta.actor = Actor{user, role};
  meta.now = now;
  meta.correlation_id = request_id;
  return meta;
}

const Survey kHappy{.attitude = 5, .quality = 5, .fixed = 5, .punctuality = 5,
                    .respect_for_property = 5, .no_extra_fee = 5};

std::vector<std::string> DueIds(CallbacksApp& app, const std::string& agent) {
  auto due = app.ListDueCallbacks(agent);
  EXPECT_TRUE(due.ok()) << due.status();
  std::vector<std::string> ids;
  if (due.ok()) {
    for (const auto& v : *due) ids.push_back(v.callback.callback_id);
  }
  return ids;
}

TEST_F(CallbacksAppTest, AssigningPutsTheCallbackOnTheAgentsDueList) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  const std::string id = CallbackIdForJob("j-1");
  auto ack = app_->Assign(MetaAt("req-a1", clock_.Now(), "mgr", "manager"),
                          AssignCallback{.callback_id = id, .agent_id = "agent-1",
                                         .expected_version = 1});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->aggregate_id(), id);
  EXPECT_EQ(ack->version(), 2);
  EXPECT_EQ(Get("j-1").callback.agent_id, "agent-1");
  EXPECT_EQ(DueIds(*app_, "agent-1"), std::vector<std::string>{id});
  const auto stream = Stream("j-1");
  ASSERT_EQ(stream.size(), 2u);
  EXPECT_EQ(stream[1].request_id(), "req-a1");
  EXPECT_EQ(stream[1].actor().user_id(), "mgr");
  EXPECT_EQ(stream[1].callbacks().callback_assigned().agent_id(), "agent-1");
}

TEST_F(CallbacksAppTest, TheSameAssignRequestTwiceHasOneEffect) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  const AssignCallback command{.callback_id = CallbackIdForJob("j-1"), .agent_id = "agent-1"};
  auto first = app_->Assign(MetaAt("req-a1", clock_.Now()), command);
  auto second = app_->Assign(MetaAt("req-a1", clock_.Now()), command);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->version(), first->version());
  EXPECT_EQ(Stream("j-1").size(), 2u);
}

TEST_F(CallbacksAppTest, ReassigningMovesTheCallbackBetweenDueLists) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  const std::string id = CallbackIdForJob("j-1");
  ASSERT_TRUE(app_->Assign(MetaAt("r1", clock_.Now()), {.callback_id = id, .agent_id = "a-1"}).ok());
  ASSERT_TRUE(app_->Assign(MetaAt("r2", clock_.Now()), {.callback_id = id, .agent_id = "a-2"}).ok());
  EXPECT_TRUE(DueIds(*app_, "a-1").empty());
  EXPECT_EQ(DueIds(*app_, "a-2"), std::vector<std::string>{id});
}

TEST_F(CallbacksAppTest, BadAssignInputIsRefusedAndWritesNothing) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  auto log_before = store_->ReadLog(0, 100);
  ASSERT_TRUE(log_before.ok());
  auto empty_agent =
      app_->Assign(MetaAt("r1", clock_.Now()), {.callback_id = CallbackIdForJob("j-1")});
  EXPECT_EQ(empty_agent.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(empty_agent.status()), "agent_id");
  auto stale = app_->Assign(MetaAt("r2", clock_.Now()), {.callback_id = CallbackIdForJob("j-1"),
                                                         .agent_id = "a",
                                                         .expected_version = 5});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  auto unknown = app_->Assign(MetaAt("r3", clock_.Now()), {.callback_id = "nope", .agent_id = "a"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Stream("j-1").size(), 1u);
  auto log_after = store_->ReadLog(0, 100);
  ASSERT_TRUE(log_after.ok());
  EXPECT_EQ(log_after->size(), log_before->size());
  EXPECT_TRUE(DueIds(*app_, "a").empty());
  // A refused request id is not recorded: the corrected retry with the same id works.
  auto retried = app_->Assign(MetaAt("r1", clock_.Now()),
                              {.callback_id = CallbackIdForJob("j-1"), .agent_id = "a"});
  EXPECT_TRUE(retried.ok()) << retried.status();
}

TEST_F(CallbacksAppTest, ADissatisfiedSurveyClosesTheCallbackAndPublishesTheEvent) {
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "Li Wei", "13800000000")).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  const std::string id = CallbackIdForJob("j-1");
  ASSERT_TRUE(app_->Assign(MetaAt("r1", clock_.Now()), {.callback_id = id, .agent_id = "agent-1"})
                  .ok());
  Survey survey = kHappy;
  survey.attitude = 1;
  auto ack = app_->RecordAttempt(MetaAt("r2", Local(2024, 5, 7, 10)),
                                 {.callback_id = id, .outcome = AttemptOutcome::kReached,
                                  .survey = survey, .expected_version = 2});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->version(), 5);

  const CallbackView view = Get("j-1");
  EXPECT_EQ(view.callback.status, CallbackStatus::kReached);
  EXPECT_TRUE(view.callback.dissatisfied);
  EXPECT_EQ(view.callback.survey, survey);
  ASSERT_EQ(view.callback.attempts.size(), 1u);
  EXPECT_EQ(view.callback.attempts[0].slot, TimeSlot::kMorning);
  EXPECT_EQ(view.callback.customer_name, "Li Wei");
  EXPECT_TRUE(DueIds(*app_, "agent-1").empty());

  auto log = store_->ReadLog(0, 100);
  ASSERT_TRUE(log.ok());
  ASSERT_FALSE(log->empty());
  const auto& last = log->back().event;
  ASSERT_TRUE(last.callbacks().has_callback_dissatisfied());
  EXPECT_EQ(last.callbacks().callback_dissatisfied().ticket_id(), "t-1");
  EXPECT_EQ(last.callbacks().callback_dissatisfied().low_questions(0), "attitude");
  // The reached event before it tells intake not to close the ticket.
  const auto& reached = (*log)[log->size() - 2].event.callbacks();
  ASSERT_TRUE(reached.has_callback_reached());
  ASSERT_TRUE(reached.callback_reached().has_satisfied());
  EXPECT_FALSE(reached.callback_reached().satisfied());
}

TEST_F(CallbacksAppTest, ThreeFailedCallsInThreeSlotsFailTheCallbackWithAFallbackText) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  const std::string id = CallbackIdForJob("j-1");
  const std::vector<std::pair<absl::Time, AttemptOutcome>> calls = {
      {Local(2024, 5, 7, 9), AttemptOutcome::kPoweredOff},
      {Local(2024, 5, 7, 15), AttemptOutcome::kNoAnswer},
      {Local(2024, 5, 8, 19), AttemptOutcome::kLineSuspended}};
  for (size_t i = 0; i < calls.size(); ++i) {
    auto ack = app_->RecordAttempt(MetaAt(absl::StrCat("call-", i), calls[i].first),
                                   {.callback_id = id, .outcome = calls[i].second});
    ASSERT_TRUE(ack.ok()) << ack.status();
  }
  const CallbackView view = Get("j-1");
  EXPECT_EQ(view.callback.status, CallbackStatus::kFailed);
  EXPECT_EQ(view.callback.failure_reason, "attempts_exhausted");
  EXPECT_EQ(view.callback.fallback_text, CallbackPolicy{}.fallback_text);
  EXPECT_FALSE(view.callback.failure_record.empty());
  EXPECT_EQ(view.callback.attempts.size(), 3u);
  EXPECT_FALSE(view.overdue);  // closed callbacks are never overdue
}

TEST_F(CallbacksAppTest, TheSameAttemptRequestTwiceRecordsOneCall) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  const RecordCallbackAttempt command{.callback_id = CallbackIdForJob("j-1"),
                                      .outcome = AttemptOutcome::kNoAnswer};
  ASSERT_TRUE(app_->RecordAttempt(MetaAt("r1", Local(2024, 5, 7, 9)), command).ok());
  ASSERT_TRUE(app_->RecordAttempt(MetaAt("r1", Local(2024, 5, 7, 9)), command).ok());
  EXPECT_EQ(Get("j-1").callback.attempts.size(), 1u);
  EXPECT_EQ(Stream("j-1").size(), 2u);
}

TEST_F(CallbacksAppTest, ABadAttemptIsRefusedAndWritesNothing) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1")).ok());
  auto no_survey = app_->RecordAttempt(
      MetaAt("r1", clock_.Now()),
      {.callback_id = CallbackIdForJob("j-1"), .outcome = AttemptOutcome::kReached});
  EXPECT_EQ(no_survey.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(no_survey.status()), "survey");
  Survey bad = kHappy;
  bad.quality = 9;
  auto bad_answer = app_->RecordAttempt(
      MetaAt("r2", clock_.Now()),
      {.callback_id = CallbackIdForJob("j-1"), .outcome = AttemptOutcome::kReached, .survey = bad});
  EXPECT_EQ(FieldOf(bad_answer.status()), "survey.quality");
  auto no_id = app_->RecordAttempt(MetaAt("r3", clock_.Now()),
                                   {.outcome = AttemptOutcome::kNoAnswer});
  EXPECT_EQ(FieldOf(no_id.status()), "callback_id");
  EXPECT_EQ(Stream("j-1").size(), 1u);
  EXPECT_EQ(Get("j-1").callback.version, 1);
}

TEST_F(CallbacksAppTest, TheDueListPutsOverdueFirstThenEarliestDue) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-late", "t-1", Utc(2024, 5, 1, 9, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-soon", "t-1", Utc(2024, 5, 5, 9, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-later", "t-1", Utc(2024, 5, 6, 9, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-other", "t-1", Utc(2024, 5, 1, 9, 0))).ok());
  int n = 0;
  for (const std::string job : {"j-later", "j-soon", "j-late"}) {
    ASSERT_TRUE(app_->Assign(MetaAt(absl::StrCat("r", ++n), clock_.Now()),
                             {.callback_id = CallbackIdForJob(job), .agent_id = "agent-1"})
                    .ok());
  }
  ASSERT_TRUE(app_->Assign(MetaAt("r-other", clock_.Now()),
                           {.callback_id = CallbackIdForJob("j-other"), .agent_id = "agent-2"})
                  .ok());
  auto due = app_->ListDueCallbacks("agent-1");
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ((*due)[0].callback.job_id, "j-late");
  EXPECT_TRUE((*due)[0].overdue);  // due 05-03, now 05-06
  EXPECT_EQ((*due)[1].callback.job_id, "j-soon");
  EXPECT_FALSE((*due)[1].overdue);
  EXPECT_EQ((*due)[2].callback.job_id, "j-later");
  EXPECT_EQ(app_->ListDueCallbacks("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CallbacksAppTest, KpisAreRecomputedFromTheStoredCallbacks) {
  // Tickets opened in May (server time), jobs completed in May, one in June.
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-1", "A", "1", Utc(2024, 5, 1, 0, 0))).ok());
  ASSERT_TRUE(Deliver(TicketOpenedEvent("t-2", "B", "2", Utc(2024, 5, 2, 0, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 1, 6, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-2", "t-2", Utc(2024, 5, 2, 10, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-3", "t-3", Utc(2024, 5, 3, 10, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-4", "t-4", Utc(2024, 5, 4, 10, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-5", "t-5", Utc(2024, 6, 4, 10, 0))).ok());
  auto call = [&](const std::string& job, AttemptOutcome outcome, std::optional<Survey> s) {
    auto ack = app_->RecordAttempt(MetaAt("call-" + job, Local(2024, 5, 7, 9)),
                                   {.callback_id = CallbackIdForJob(job), .outcome = outcome,
                                    .survey = s});
    ASSERT_TRUE(ack.ok()) << ack.status();
  };
  call("j-1", AttemptOutcome::kReached, kHappy);
  call("j-2", AttemptOutcome::kRefused, std::nullopt);
  call("j-3", AttemptOutcome::kWrongNumber, std::nullopt);
  // j-4 stays open; j-5 is in June.

  auto report = app_->GetKpis({.period = PeriodKind::kMonth, .year = 2024, .number = 5});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->callback_success.rate, (Ratio{1, 3}));
  EXPECT_EQ(report->callback_success.excluded, 1);
  EXPECT_EQ(report->callback_success.open, 1);
  ASSERT_TRUE(report->callback_completion.has_value());
  EXPECT_NEAR(*report->callback_completion, 100.0 / 3 / 96 * 100, 1e-9);
  EXPECT_EQ(report->field_service.first_time_fix, (Ratio{4, 4}));
  // j-1: 6 h, j-2: 10 h from the ticket's opening; t-3 and t-4 were never seen.
  ASSERT_TRUE(report->field_service.mean_time_to_repair.has_value());
  EXPECT_EQ(*report->field_service.mean_time_to_repair, absl::Hours(8));
  EXPECT_FALSE(report->composite.has_value());

  auto bad = app_->GetKpis({.period = PeriodKind::kMonth, .year = 2024, .number = 13});
  EXPECT_EQ(FieldOf(bad.status()), "number");
}

TEST_F(CallbacksAppTest, KpisGiveTheCompositeWhenTheOtherCompletionsAreKnown) {
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 1, 6, 0))).ok());
  // Not assigned: the call by agent-1 attributes the callback to agent-1.
  ASSERT_TRUE(app_->RecordAttempt(MetaAt("c1", Local(2024, 5, 7, 9)),
                                  {.callback_id = CallbackIdForJob("j-1"),
                                   .outcome = AttemptOutcome::kReached, .survey = kHappy})
                  .ok());
  KpiQuery query{.period = PeriodKind::kQuarter,
                 .year = 2024,
                 .number = 2,
                 .agent_id = "agent-1",
                 .profit_completion = 90,
                 .maintenance_completion = 100,
                 .complaint_completion = 90,
                 .care_completion = 90};
  auto report = app_->GetKpis(query);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->callback_success.rate, (Ratio{1, 1}));
  ASSERT_TRUE(report->composite.has_value());
  const double callback = 100.0 / 96 * 100;
  EXPECT_NEAR(report->composite->value,
              90 * 0.15 + (callback * 0.15 + 30 + 13.5 + 27) * 0.85, 1e-9);
  EXPECT_EQ(report->composite->warnings.size(), 1u);  // the literal inner weights sum to 90 %

  query.agent_id = "agent-9";  // no callbacks this quarter
  auto other = app_->GetKpis(query);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->callback_success.rate, (Ratio{0, 0}));
  ASSERT_TRUE(other->composite.has_value());
  EXPECT_NEAR(other->composite->value, 90 * 0.15 + (0 + 30 + 13.5 + 27) * 0.85, 1e-9);
  ASSERT_EQ(other->composite->warnings.size(), 2u);
  EXPECT_NE(other->composite->warnings[1].find("counts as 0"), std::string::npos);
}

TEST_F(CallbacksAppTest, TheMonthlyReportDefaultsToTheMonthBefore) {
  clock_.Advance(absl::Hours(24 * 26));  // 2024-06-01 10:00 UTC
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 20, 9, 0))).ok());
  ASSERT_TRUE(Deliver(JobCompletedEvent("j-2", "t-2", Utc(2024, 6, 1, 9, 0))).ok());
  auto report = app_->GetMonthlyReport(0, 0);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->month, absl::CivilMonth(2024, 5));
  EXPECT_EQ(report->callback_success, (Ratio{0, 1}));
  EXPECT_EQ(report->callbacks_open, 1);
  auto june = app_->GetMonthlyReport(2024, 6);
  ASSERT_TRUE(june.ok()) << june.status();
  EXPECT_EQ(june->callback_success, (Ratio{0, 1}));
  EXPECT_EQ(FieldOf(app_->GetMonthlyReport(2024, 13).status()), "number");
}

}  // namespace
}  // namespace fieldline::callbacks
