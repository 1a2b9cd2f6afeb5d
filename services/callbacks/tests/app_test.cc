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

}  // namespace
}  // namespace fieldline::callbacks
