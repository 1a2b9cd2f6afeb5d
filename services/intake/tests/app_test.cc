// IntakeApp against a real EventStore in a temp dir: commands, idempotency, reactions to
// scheduling's events, queries and durability across a reopen.

#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/intake/adapters/event_codec.h"
#include "services/intake/app/intake_app.h"

namespace fieldline::intake {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromUnixSeconds(1'790'000'000);

std::string UuidLike(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "0192a7f0-0000-7000-8000-%012d", n);
  return buf;
}

// Hands out UUID-shaped ids in increasing order, or the ones a test scripts next.
class ScriptedIds final : public IdGenerator {
 public:
  std::string NewId(absl::Time) override {
    if (!scripted_.empty()) {
      std::string id = scripted_.front();
      scripted_.pop_front();
      return id;
    }
    return UuidLike(++counter_);
  }
  void Next(std::string id) { scripted_.push_back(std::move(id)); }
  std::string Peek() const { return scripted_.empty() ? UuidLike(counter_ + 1) : scripted_.front(); }

 private:
  std::deque<std::string> scripted_;
  int counter_ = 0;
};

intake::OpenTicket ValidOpen(const std::string& name = "Li Wei") {
  intake::OpenTicket c;
  c.customer.customer_id = "cust-7";
  c.customer.name = name;
  c.customer.phone = "+86 138-0013-8000";
  c.customer.address = "12 Garden Road, Qingdao";
  c.customer.location = GeoPoint{36.07, 120.38};
  c.category = "refrigerator";
  c.symptom = "Not cooling since yesterday.";
  c.priority = Priority::kHigh;
  c.channel = "web";
  c.parts_needed = {{"COMP-100", 1}};
  return c;
}

class IntakeAppTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<IntakeApp>(*store_, clock_, ids_);
  }
  void Reopen() {
    app_.reset();
    store_.reset();
    Open();
  }

  CommandMeta Meta(const std::string& request_id) const {
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = Actor{"agent-1", "intake"};
    meta.now = clock_.Now();
    return meta;
  }

  std::string MustOpen(const std::string& request_id, const std::string& name = "Li Wei") {
    auto ack = app_->OpenTicket(Meta(request_id), ValidOpen(name));
    EXPECT_TRUE(ack.ok()) << ack.status();
    return ack.ok() ? ack->aggregate_id() : "";
  }

  std::vector<EventEnvelope> Stream(const std::string& ticket_id) const {
    auto stream = store_->ReadStream({"Ticket", ticket_id});
    EXPECT_TRUE(stream.ok()) << stream.status();
    return stream.ok() ? *stream : std::vector<EventEnvelope>{};
  }

  // A scheduling event as scheduling's outbox would publish it.
  EventEnvelope SchedulingEnvelope(const std::string& job_id, int64_t job_version,
                                   scheduling::v1::SchedulingEvent payload,
                                   const std::string& correlation_id = "corr-1") {
    EventEnvelope e;
    e.set_event_id(UuidLike(900'000 + (++source_events_)));
    e.set_aggregate_type("Job");
    e.set_aggregate_id(job_id);
    e.set_aggregate_version(job_version);
    ToProto(clock_.Now() - absl::Seconds(2), e.mutable_server_time());
    e.mutable_actor()->set_user_id("dispatcher-3");
    e.mutable_actor()->set_role("dispatcher");
    e.set_request_id("sched-req-" + std::to_string(source_events_));
    e.set_correlation_id(correlation_id);
    *e.mutable_scheduling() = std::move(payload);
    return e;
  }

  EventEnvelope JobAssigned(const std::string& ticket_id, const std::string& job_id = "job-1",
                            const std::string& technician_id = "tech-1") {
    scheduling::v1::SchedulingEvent p;
    auto* a = p.mutable_job_assigned();
    a->set_job_id(job_id);
    a->set_ticket_id(ticket_id);
    a->set_technician_id(technician_id);
    a->set_van_location_id("van-" + technician_id);
    ToProto(kStart + absl::Hours(3), a->mutable_window_start());
    ToProto(kStart + absl::Hours(5), a->mutable_window_end());
    auto* line = a->add_parts_needed();
    line->set_sku("COMP-100");
    line->set_quantity(1);
    a->mutable_site()->set_lat(36.07);
    a->mutable_site()->set_lng(120.38);
    return SchedulingEnvelope(job_id, 2, std::move(p));
  }
  EventEnvelope JobStarted(const std::string& ticket_id, const std::string& job_id = "job-1") {
    scheduling::v1::SchedulingEvent p;
    auto* s = p.mutable_job_started();
    s->set_job_id(job_id);
    s->set_ticket_id(ticket_id);
    s->set_technician_id("tech-1");
    return SchedulingEnvelope(job_id, 3, std::move(p));
  }
  EventEnvelope JobCompleted(const std::string& ticket_id, const std::string& job_id = "job-1") {
    scheduling::v1::SchedulingEvent p;
    auto* c = p.mutable_job_completed();
    c->set_job_id(job_id);
    c->set_ticket_id(ticket_id);
    c->set_technician_id("tech-1");
    auto* line = c->add_parts_used();
    line->set_sku("COMP-100");
    line->set_quantity(1);
    c->set_resolution("Replaced the compressor.");
    return SchedulingEnvelope(job_id, 4, std::move(p));
  }

  // What the consumer does: one batch per event, committed only when the handler succeeds.
  absl::Status Deliver(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    absl::Status status = app_->Apply(event, batch);
    if (!status.ok()) return status;
    return store_->Commit(std::move(batch));
  }

  v1::Ticket MustGet(const std::string& ticket_id) {
    auto ticket = app_->GetTicket(ticket_id);
    EXPECT_TRUE(ticket.ok()) << ticket.status();
    return ticket.ok() ? *ticket : v1::Ticket{};
  }

  std::vector<std::string> ListIds(TicketStatus status = TicketStatus::kNone) {
    std::vector<std::string> ids;
    TicketListQuery query{.status = status, .page_size = kMaxPageSize};
    auto page = app_->ListTickets(query);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& t : page->tickets) ids.push_back(t.ticket_id());
    }
    return ids;
  }

  fieldline::testing::TempDir dir_;
  FakeClock clock_{kStart};
  ScriptedIds ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<IntakeApp> app_;
  int source_events_ = 0;
};

// --------------------------------------------------------------------------------- OpenTicket

TEST_F(IntakeAppTest, OpenTicketRecordsTheEventAndTheProjection) {
  CommandMeta meta = Meta("req-1");
  meta.device_time = kStart - absl::Minutes(1);
  auto ack = app_->OpenTicket(meta, ValidOpen());
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->aggregate_id(), UuidLike(1));
  EXPECT_EQ(ack->version(), 1);

  std::vector<EventEnvelope> stream = Stream(ack->aggregate_id());
  ASSERT_THAT(stream, SizeIs(1));
  const EventEnvelope& e = stream[0];
  EXPECT_EQ(e.aggregate_type(), "Ticket");
  EXPECT_EQ(e.aggregate_id(), ack->aggregate_id());
  EXPECT_EQ(e.aggregate_version(), 1);
  EXPECT_EQ(e.request_id(), "req-1");
  EXPECT_EQ(e.correlation_id(), "req-1");
  EXPECT_EQ(e.actor().user_id(), "agent-1");
  EXPECT_EQ(e.actor().role(), "intake");
  EXPECT_EQ(FromProto(e.server_time()), kStart);
  EXPECT_EQ(FromProto(e.device_time()), kStart - absl::Minutes(1));
  ASSERT_TRUE(e.intake().has_ticket_opened());
  EXPECT_EQ(e.intake().ticket_opened().ticket_id(), ack->aggregate_id());
  EXPECT_EQ(e.intake().ticket_opened().customer().name(), "Li Wei");
  EXPECT_EQ(e.intake().ticket_opened().channel(), "web");

  v1::Ticket t = MustGet(ack->aggregate_id());
  EXPECT_EQ(t.ticket_id(), ack->aggregate_id());
  EXPECT_EQ(t.state(), v1::TICKET_STATE_OPEN);
  EXPECT_EQ(t.customer().customer_id(), "cust-7");
  EXPECT_EQ(t.customer().phone(), "+86 138-0013-8000");
  EXPECT_EQ(t.customer().address(), "12 Garden Road, Qingdao");
  EXPECT_DOUBLE_EQ(t.customer().location().lat(), 36.07);
  EXPECT_DOUBLE_EQ(t.customer().location().lng(), 120.38);
  EXPECT_EQ(t.category(), "refrigerator");
  EXPECT_EQ(t.symptom(), "Not cooling since yesterday.");
  EXPECT_EQ(t.priority(), common::v1::PRIORITY_HIGH);
  ASSERT_EQ(t.parts_needed_size(), 1);
  EXPECT_EQ(t.parts_needed(0).sku(), "COMP-100");
  EXPECT_EQ(t.parts_needed(0).quantity(), 1);
  EXPECT_EQ(t.version(), 1);
  EXPECT_EQ(FromProto(t.opened_at()), kStart);
  EXPECT_EQ(FromProto(t.updated_at()), kStart);
  EXPECT_TRUE(t.job_id().empty());
}

TEST_F(IntakeAppTest, OpenTicketDefaultsPriorityToNormal) {
  intake::OpenTicket c = ValidOpen();
  c.priority = Priority::kUnspecified;
  c.channel = "";
  auto ack = app_->OpenTicket(Meta("req-1"), c);
  ASSERT_TRUE(ack.ok()) << ack.status();
  v1::Ticket t = MustGet(ack->aggregate_id());
  EXPECT_EQ(t.priority(), common::v1::PRIORITY_NORMAL);
  EXPECT_EQ(t.channel(), "phone");
}

TEST_F(IntakeAppTest, SameRequestIdTwiceReturnsTheSameAckAndWritesOneEvent) {
  auto first = app_->OpenTicket(Meta("req-1"), ValidOpen());
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(absl::Seconds(5));
  auto second = app_->OpenTicket(Meta("req-1"), ValidOpen("Someone Else"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->aggregate_id(), first->aggregate_id());
  EXPECT_EQ(second->version(), first->version());
  EXPECT_THAT(Stream(first->aggregate_id()), SizeIs(1));
  EXPECT_THAT(ListIds(), ElementsAre(first->aggregate_id()));
  EXPECT_EQ(MustGet(first->aggregate_id()).customer().name(), "Li Wei");
}

TEST_F(IntakeAppTest, DifferentRequestIdsOpenDifferentTickets) {
  std::string a = MustOpen("req-1");
  std::string b = MustOpen("req-2");
  EXPECT_NE(a, b);
  EXPECT_THAT(ListIds(), ElementsAre(a, b));
}

TEST_F(IntakeAppTest, TicketIdCollisionIsAbortedAndWritesNothing) {
  ids_.Next(UuidLike(42));
  ids_.Next(UuidLike(42));
  std::string first = MustOpen("req-1", "First Customer");
  ASSERT_EQ(first, UuidLike(42));

  auto second = app_->OpenTicket(Meta("req-2"), ValidOpen("Second Customer"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAborted) << second.status();
  EXPECT_THAT(Stream(first), SizeIs(1));
  EXPECT_EQ(MustGet(first).customer().name(), "First Customer");
  EXPECT_EQ(MustGet(first).version(), 1);
  auto recorded = store_->FindRequest("req-2");
  ASSERT_TRUE(recorded.ok());
  EXPECT_FALSE(recorded->has_value());

  // Retrying the same request draws a fresh id and succeeds.
  auto retried = app_->OpenTicket(Meta("req-2"), ValidOpen("Second Customer"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_NE(retried->aggregate_id(), first);
  EXPECT_EQ(MustGet(retried->aggregate_id()).customer().name(), "Second Customer");
}

TEST_F(IntakeAppTest, InvalidInputIsRefusedAndWritesNothing) {
  const std::string would_be_id = ids_.Peek();
  intake::OpenTicket c = ValidOpen();
  c.customer.phone = "12ab";
  auto ack = app_->OpenTicket(Meta("req-1"), c);
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "customer.phone");
  EXPECT_THAT(std::string(ack.status().message()), HasSubstr("12ab is not a phone number"));

  EXPECT_THAT(Stream(would_be_id), IsEmpty());
  EXPECT_THAT(ListIds(), IsEmpty());
  auto recorded = store_->FindRequest("req-1");
  ASSERT_TRUE(recorded.ok());
  EXPECT_FALSE(recorded->has_value());
  EXPECT_EQ(store_->DurableSequence(), 0u);

  // The same request id, corrected, still works: the refusal was not recorded as an answer.
  auto fixed = app_->OpenTicket(Meta("req-1"), ValidOpen());
  EXPECT_TRUE(fixed.ok()) << fixed.status();
}

TEST_F(IntakeAppTest, BadPartLineNamesTheLine) {
  intake::OpenTicket c = ValidOpen();
  c.parts_needed = {{"A-1", 1}, {"A-2", 0}};
  auto ack = app_->OpenTicket(Meta("req-1"), c);
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "parts_needed[1].quantity");
  EXPECT_THAT(ListIds(), IsEmpty());
}

TEST_F(IntakeAppTest, MissingRequestIdIsRefused) {
  auto ack = app_->OpenTicket(Meta(""), ValidOpen());
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "request_id");
  EXPECT_THAT(ListIds(), IsEmpty());
}

// ------------------------------------------------------------------------------------ queries

TEST_F(IntakeAppTest, GetUnknownTicketIsNotFound) {
  auto t = app_->GetTicket("no-such-ticket");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(t.status()).value_or(""), "ticket_id");
  EXPECT_EQ(t.status().message(), "There is no ticket no-such-ticket.");
}

TEST_F(IntakeAppTest, GetWithoutIdIsInvalid) {
  auto t = app_->GetTicket("");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(t.status()).value_or(""), "ticket_id");
}

TEST_F(IntakeAppTest, ListTicketsPagesInIdOrder) {
  std::vector<std::string> opened;
  for (int i = 0; i < 5; ++i) opened.push_back(MustOpen("req-" + std::to_string(i)));

  std::vector<std::string> seen;
  std::vector<size_t> page_sizes;
  TicketListQuery query{.page_size = 2};
  for (int pages = 0; pages < 10; ++pages) {
    auto page = app_->ListTickets(query);
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->tickets.size());
    for (const auto& t : page->tickets) seen.push_back(t.ticket_id());
    if (page->next_page_token.empty()) break;
    EXPECT_EQ(page->next_page_token, page->tickets.back().ticket_id());
    query.page_token = page->next_page_token;
  }
  EXPECT_EQ(seen, opened);
  EXPECT_THAT(page_sizes, ElementsAre(2, 2, 1));
}

TEST_F(IntakeAppTest, ListTicketsExactPageHasNoNextToken) {
  MustOpen("req-1");
  MustOpen("req-2");
  auto page = app_->ListTickets({.page_size = 2});
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->tickets, SizeIs(2));
  EXPECT_TRUE(page->next_page_token.empty());
}

TEST_F(IntakeAppTest, ListTicketsDefaultsToFiftyAndCapsAtFiveHundred) {
  // Projections written directly: the page arithmetic does not need 501 commands.
  Batch batch = store_->NewBatch();
  for (int i = 1; i <= 501; ++i) {
    TicketView view;
    view.state.ticket_id = UuidLike(i);
    view.state.status = TicketStatus::kOpen;
    view.version = 1;
    batch.Put(TicketProjectionKey(view.state.ticket_id), TicketViewToProto(view).SerializeAsString());
  }
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok());

  auto by_default = app_->ListTickets({});
  ASSERT_TRUE(by_default.ok());
  EXPECT_THAT(by_default->tickets, SizeIs(50));
  EXPECT_EQ(by_default->next_page_token, UuidLike(50));

  auto capped = app_->ListTickets({.page_size = 10'000});
  ASSERT_TRUE(capped.ok());
  EXPECT_THAT(capped->tickets, SizeIs(500));
  EXPECT_EQ(capped->next_page_token, UuidLike(500));

  auto last = app_->ListTickets({.page_size = 10'000, .page_token = capped->next_page_token});
  ASSERT_TRUE(last.ok());
  ASSERT_THAT(last->tickets, SizeIs(1));
  EXPECT_EQ(last->tickets[0].ticket_id(), UuidLike(501));
  EXPECT_TRUE(last->next_page_token.empty());
}

TEST_F(IntakeAppTest, ListTicketsRefusesNegativePageSize) {
  auto page = app_->ListTickets({.page_size = -1});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(page.status()).value_or(""), "page_size");
}

TEST_F(IntakeAppTest, ListTicketsFiltersByState) {
  std::string a = MustOpen("req-a");
  std::string b = MustOpen("req-b");
  std::string c = MustOpen("req-c");
  ASSERT_TRUE(Deliver(JobAssigned(b, "job-b")).ok());

  EXPECT_THAT(ListIds(TicketStatus::kOpen), ElementsAre(a, c));
  EXPECT_THAT(ListIds(TicketStatus::kScheduled), ElementsAre(b));
  EXPECT_THAT(ListIds(TicketStatus::kInProgress), IsEmpty());
  EXPECT_THAT(ListIds(), ElementsAre(a, b, c));

  ASSERT_TRUE(Deliver(JobStarted(b, "job-b")).ok());
  EXPECT_THAT(ListIds(TicketStatus::kScheduled), IsEmpty());
  EXPECT_THAT(ListIds(TicketStatus::kInProgress), ElementsAre(b));
}

TEST_F(IntakeAppTest, ListTicketsByStatePagesWithTheLastId) {
  std::vector<std::string> open;
  for (int i = 0; i < 5; ++i) open.push_back(MustOpen("req-" + std::to_string(i)));
  ASSERT_TRUE(Deliver(JobAssigned(open[1], "job-1")).ok());

  auto first = app_->ListTickets({.status = TicketStatus::kOpen, .page_size = 2});
  ASSERT_TRUE(first.ok());
  ASSERT_THAT(first->tickets, SizeIs(2));
  EXPECT_EQ(first->tickets[0].ticket_id(), open[0]);
  EXPECT_EQ(first->tickets[1].ticket_id(), open[2]);
  ASSERT_EQ(first->next_page_token, open[2]);

  auto second = app_->ListTickets(
      {.status = TicketStatus::kOpen, .page_size = 2, .page_token = first->next_page_token});
  ASSERT_TRUE(second.ok());
  ASSERT_THAT(second->tickets, SizeIs(2));
  EXPECT_EQ(second->tickets[0].ticket_id(), open[3]);
  EXPECT_EQ(second->tickets[1].ticket_id(), open[4]);
  EXPECT_TRUE(second->next_page_token.empty());
}

// ---------------------------------------------------------------------------------- reactions

TEST_F(IntakeAppTest, JobAssignedSchedulesTheTicket) {
  std::string ticket = MustOpen("req-1");
  clock_.Advance(absl::Minutes(10));
  EventEnvelope source = JobAssigned(ticket);
  ASSERT_TRUE(Deliver(source).ok());

  v1::Ticket t = MustGet(ticket);
  EXPECT_EQ(t.state(), v1::TICKET_STATE_SCHEDULED);
  EXPECT_EQ(t.job_id(), "job-1");
  EXPECT_EQ(t.technician_id(), "tech-1");
  EXPECT_EQ(t.version(), 2);
  EXPECT_EQ(FromProto(t.opened_at()), kStart);
  EXPECT_EQ(FromProto(t.updated_at()), kStart + absl::Minutes(10));

  std::vector<EventEnvelope> stream = Stream(ticket);
  ASSERT_THAT(stream, SizeIs(2));
  const EventEnvelope& e = stream[1];
  EXPECT_EQ(e.aggregate_version(), 2);
  EXPECT_EQ(e.event_id(), DeriveId(source.event_id(), "intake/1"));
  EXPECT_EQ(e.causation_id(), source.event_id());
  EXPECT_EQ(e.correlation_id(), "corr-1");
  EXPECT_EQ(e.actor().user_id(), "system:intake");
  EXPECT_EQ(e.actor().role(), "system");
  EXPECT_EQ(FromProto(e.server_time()), kStart + absl::Minutes(10));
  ASSERT_TRUE(e.intake().has_ticket_scheduled());
  EXPECT_EQ(e.intake().ticket_scheduled().ticket_id(), ticket);
  EXPECT_EQ(e.intake().ticket_scheduled().job_id(), "job-1");
  EXPECT_EQ(e.intake().ticket_scheduled().technician_id(), "tech-1");
}

TEST_F(IntakeAppTest, ReactionWithoutCorrelationIdCorrelatesToTheSourceEvent) {
  std::string ticket = MustOpen("req-1");
  EventEnvelope source = JobAssigned(ticket);
  source.clear_correlation_id();
  ASSERT_TRUE(Deliver(source).ok());
  EXPECT_EQ(Stream(ticket).back().correlation_id(), source.event_id());
}

TEST_F(IntakeAppTest, JobLifecycleCompletesTheTicket) {
  std::string ticket = MustOpen("req-1");
  ASSERT_TRUE(Deliver(JobAssigned(ticket)).ok());
  clock_.Advance(absl::Hours(3));
  ASSERT_TRUE(Deliver(JobStarted(ticket)).ok());
  EXPECT_EQ(MustGet(ticket).state(), v1::TICKET_STATE_IN_PROGRESS);
  clock_.Advance(absl::Hours(1));
  EventEnvelope completed = JobCompleted(ticket);
  ASSERT_TRUE(Deliver(completed).ok());

  v1::Ticket t = MustGet(ticket);
  EXPECT_EQ(t.state(), v1::TICKET_STATE_COMPLETED);
  EXPECT_EQ(t.version(), 4);
  ASSERT_EQ(t.parts_used_size(), 1);
  EXPECT_EQ(t.parts_used(0).sku(), "COMP-100");
  EXPECT_EQ(t.parts_used(0).quantity(), 1);
  EXPECT_EQ(t.resolution(), "Replaced the compressor.");
  EXPECT_EQ(FromProto(t.updated_at()), kStart + absl::Hours(4));
  EXPECT_EQ(FromProto(t.opened_at()), kStart);

  std::vector<EventEnvelope> stream = Stream(ticket);
  ASSERT_THAT(stream, SizeIs(4));
  EXPECT_TRUE(stream[2].intake().has_ticket_work_started());
  EXPECT_TRUE(stream[3].intake().has_ticket_completed());
  EXPECT_EQ(stream[3].event_id(), DeriveId(completed.event_id(), "intake/1"));
  EXPECT_THAT(ListIds(TicketStatus::kCompleted), ElementsAre(ticket));
  EXPECT_THAT(ListIds(TicketStatus::kOpen), IsEmpty());
}

TEST_F(IntakeAppTest, EventForUnknownTicketIsNotFoundAndWritesNothing) {
  Batch batch = store_->NewBatch();
  absl::Status status = app_->Apply(JobAssigned(UuidLike(777)), batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_EQ(FieldOf(status).value_or(""), "ticket_id");
  EXPECT_TRUE(batch.empty());
  EXPECT_THAT(Stream(UuidLike(777)), IsEmpty());
}

TEST_F(IntakeAppTest, JobEventWithoutTicketIdIsRefused) {
  Batch batch = store_->NewBatch();
  absl::Status status = app_->Apply(JobAssigned(""), batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(batch.empty());
}

TEST_F(IntakeAppTest, IllegalTransitionIsFailedPreconditionAndWritesNothing) {
  std::string ticket = MustOpen("req-1");
  Batch batch = store_->NewBatch();
  absl::Status status = app_->Apply(JobStarted(ticket), batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("is open"));
  EXPECT_TRUE(batch.empty());
  EXPECT_THAT(Stream(ticket), SizeIs(1));
  EXPECT_EQ(MustGet(ticket).state(), v1::TICKET_STATE_OPEN);
}

TEST_F(IntakeAppTest, RepeatedAssignmentChangesNothing) {
  std::string ticket = MustOpen("req-1");
  ASSERT_TRUE(Deliver(JobAssigned(ticket)).ok());
  // A second JobAssigned event (e.g. scheduling re-sent the same assignment as a new event).
  Batch batch = store_->NewBatch();
  ASSERT_TRUE(app_->Apply(JobAssigned(ticket), batch).ok());
  EXPECT_TRUE(batch.empty());
  EXPECT_THAT(Stream(ticket), SizeIs(2));
}

TEST_F(IntakeAppTest, ReassignmentToAnotherTechnicianIsRefused) {
  std::string ticket = MustOpen("req-1");
  ASSERT_TRUE(Deliver(JobAssigned(ticket, "job-1", "tech-1")).ok());
  absl::Status status = Deliver(JobAssigned(ticket, "job-1", "tech-2"));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(MustGet(ticket).technician_id(), "tech-1");
}

TEST_F(IntakeAppTest, OtherEventsAreIgnored) {
  std::string ticket = MustOpen("req-1");
  std::vector<EventEnvelope> others;
  {
    scheduling::v1::SchedulingEvent p;
    p.mutable_job_created()->set_job_id("job-1");
    p.mutable_job_created()->set_ticket_id(ticket);
    others.push_back(SchedulingEnvelope("job-1", 1, std::move(p)));
  }
  {
    scheduling::v1::SchedulingEvent p;
    p.mutable_technician_registered()->set_technician_id("tech-1");
    others.push_back(SchedulingEnvelope("tech-1", 1, std::move(p)));
  }
  {
    EventEnvelope e = SchedulingEnvelope("job-1", 1, {});  // a kind this build does not know
    others.push_back(e);
  }
  {
    EventEnvelope e;
    e.set_event_id(UuidLike(5000));
    e.set_aggregate_type("Part");
    e.mutable_inventory();
    others.push_back(e);
  }
  {
    EventEnvelope e = Stream(ticket)[0];  // our own event, echoed back
    others.push_back(e);
  }
  for (const EventEnvelope& e : others) {
    Batch batch = store_->NewBatch();
    EXPECT_TRUE(app_->Apply(e, batch).ok()) << e.DebugString();
    // JobCreated only remembers which ticket the job serves (x/ticket_by_job), no events.
    if (!(e.has_scheduling() && e.scheduling().has_job_created())) {
      EXPECT_TRUE(batch.empty()) << e.DebugString();
    }
    ASSERT_TRUE(store_->Commit(std::move(batch)).ok());
  }
  EXPECT_THAT(Stream(ticket), SizeIs(1));
}

// -------------------------------------------------------------------------------- durability

TEST_F(IntakeAppTest, TicketsSurviveClosingAndReopeningTheStore) {
  std::string a = MustOpen("req-1");
  std::string b = MustOpen("req-2");
  ASSERT_TRUE(Deliver(JobAssigned(b)).ok());
  v1::Ticket before = MustGet(b);

  Reopen();

  v1::Ticket after = MustGet(b);
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(after.state(), v1::TICKET_STATE_SCHEDULED);
  EXPECT_THAT(ListIds(), ElementsAre(a, b));
  EXPECT_THAT(ListIds(TicketStatus::kOpen), ElementsAre(a));
  EXPECT_THAT(Stream(b), SizeIs(2));

  // The request record survived too: a late retry still gets the first answer.
  auto retried = app_->OpenTicket(Meta("req-1"), ValidOpen());
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->aggregate_id(), a);
  EXPECT_THAT(ListIds(), SizeIs(2));

  // And the ticket carries on from its stored stream.
  ASSERT_TRUE(Deliver(JobStarted(b)).ok());
  EXPECT_EQ(MustGet(b).version(), 3);
}

// ------------------------------------------------------------------------------------- codec

TEST(IntakeEventCodec, EveryTicketEventRoundTrips) {
  TicketCustomer customer{"c-1", "Li Wei", "12345", "Road 1", GeoPoint{1.5, 2.5}};
  std::vector<TicketEvent> events = {
      TicketOpened{"t-1", customer, "washer", "noisy", Priority::kUrgent, "app", {{"A", 2}}},
      TicketScheduled{"t-1", "j-1", "tech-1"},
      TicketWorkStarted{"t-1", "j-1"},
      TicketCompleted{"t-1", "j-1", {{"A", 1}, {"B", 3}}, "fixed"},
  };
  for (const TicketEvent& e : events) {
    auto decoded = DecodeTicketEvent(EncodeTicketEvent(e));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, e);
  }
  EXPECT_EQ(DecodeTicketEvent(v1::IntakeEvent{}).status().code(), absl::StatusCode::kDataLoss);
}

TEST(IntakeEventCodec, TicketViewRoundTrips) {
  TicketView view;
  view.state.ticket_id = "t-1";
  view.state.status = TicketStatus::kCompleted;
  view.state.customer = {"c-1", "Li Wei", "12345", "Road 1", std::nullopt};
  view.state.category = "washer";
  view.state.priority = Priority::kLow;
  view.state.channel = "partner";
  view.state.parts_needed = {{"A", 2}};
  view.state.job_id = "j-1";
  view.state.technician_id = "tech-1";
  view.state.parts_used = {{"A", 1}};
  view.state.resolution = "fixed";
  view.version = 4;
  view.opened_at = kStart;
  view.updated_at = kStart + absl::Hours(2);
  v1::Ticket proto = TicketViewToProto(view);
  EXPECT_FALSE(proto.customer().has_location());
  EXPECT_EQ(TicketViewFromProto(proto), view);
}

}  // namespace
}  // namespace fieldline::intake
