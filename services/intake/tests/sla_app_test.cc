// SLA clocks in IntakeApp against a real EventStore in a temp dir, with an injected clock: the
// sweep's warning and breach events (exactly once), pauses for the customer (idempotent, with
// expected versions), waiting for parts from inventory's events (delivered twice → one effect),
// GetTicketSla as of a past moment, the SLA risk list filter, the what-if query and customers'
// birthday and region.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
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
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::TimeZone kShanghai = DefaultCalendar().zone;
absl::Time At(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), kShanghai);
}
const absl::Time kMonday9 = At(2026, 11, 23, 9);  // a Monday

class CountingIds final : public IdGenerator {
 public:
  std::string NewId(absl::Time) override {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "0192a7f0-0000-7000-8000-%012d", ++counter_);
    return buf;
  }

 private:
  int counter_ = 0;
};

class IntakeSlaAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    IntakePolicy policy;
    // Response 120 business minutes for everyone; on site and resolution as the defaults.
    policy.sla.rules = {{CustomerTier::kUnspecified, Priority::kUnspecified, {120, 480, 1440}}};
    app_ = std::make_unique<IntakeApp>(*store_, clock_, ids_, policy);
  }

  CommandMeta Meta(const std::string& request_id, const std::string& role = "intake") const {
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = Actor{"agent-1", role};
    meta.now = clock_.Now();
    return meta;
  }

  std::string MustOpen(const std::string& request_id) {
    intake::OpenTicket c;
    c.customer.name = "Li Wei";
    c.customer.phone = "13900000000";
    c.category = "fridge";
    auto ack = app_->OpenTicket(Meta(request_id), c);
    EXPECT_TRUE(ack.ok()) << ack.status();
    return ack.ok() ? ack->aggregate_id() : "";
  }

  std::vector<std::string> Kinds(const std::string& ticket) {
    std::vector<std::string> kinds;
    auto stream = store_->ReadStream({"Ticket", ticket});
    EXPECT_TRUE(stream.ok());
    if (stream.ok()) {
      for (const auto& e : *stream) kinds.push_back(IntakeEventName(e.intake()));
    }
    return kinds;
  }

  absl::Status Deliver(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    absl::Status status = app_->Apply(event, batch);
    if (!status.ok()) return status;
    return store_->Commit(std::move(batch));
  }

  // Envelopes as the other services send them.
  EventEnvelope Source(const std::string& type, const std::string& id, int64_t version) {
    EventEnvelope e;
    e.set_event_id(DeriveId(absl::StrCat(type, id, version), "test-source"));
    e.set_aggregate_type(type);
    e.set_aggregate_id(id);
    e.set_aggregate_version(version);
    ToProto(clock_.Now(), e.mutable_server_time());
    e.mutable_actor()->set_user_id("system:" + type);
    e.mutable_actor()->set_role("system");
    e.set_correlation_id("corr-1");
    return e;
  }
  EventEnvelope JobCreated(const std::string& ticket, const std::string& job) {
    EventEnvelope e = Source("Job", job, 1);
    e.mutable_scheduling()->mutable_job_created()->set_job_id(job);
    e.mutable_scheduling()->mutable_job_created()->set_ticket_id(ticket);
    return e;
  }
  EventEnvelope Backordered(const std::string& job, const std::string& sku, int64_t version) {
    EventEnvelope e = Source("Part", sku, version);
    auto* b = e.mutable_inventory()->mutable_parts_backordered();
    b->set_job_id(job);
    b->set_sku(sku);
    b->set_quantity(1);
    return e;
  }
  EventEnvelope Reserved(const std::string& job, const std::string& sku, int64_t version) {
    EventEnvelope e = Source("Part", sku, version);
    auto* r = e.mutable_inventory()->mutable_parts_reserved();
    r->set_job_id(job);
    r->set_sku(sku);
    r->set_location_id("wh-1");
    r->set_quantity(1);
    r->set_fills_backorder(true);
    return e;
  }

  fieldline::testing::TempDir dir_;
  FakeClock clock_{kMonday9};
  CountingIds ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<IntakeApp> app_;
};

TEST_F(IntakeSlaAppTest, SweepWarnsAtEightyPercentAndBreachesExactlyOnce) {
  const std::string ticket = MustOpen("open-1");
  // 95 minutes: nothing due yet.
  clock_.Advance(absl::Minutes(95));
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 0);
  // 96 minutes = 80 % of 120: one warning, once however often the sweep runs.
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 1);
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 0);
  EXPECT_THAT(Kinds(ticket), ElementsAre("TicketOpened", "TicketSlaWarning"));
  auto stream = store_->ReadStream({"Ticket", ticket});
  const v1::TicketSlaWarning& w = stream->back().intake().ticket_sla_warning();
  EXPECT_EQ(w.clock(), "response");
  EXPECT_EQ(w.allowance_minutes(), 120);
  EXPECT_EQ(w.elapsed_minutes(), 96);
  EXPECT_EQ(FromProto(w.due_time()), At(2026, 11, 23, 11));
  EXPECT_EQ(w.tier(), v1::CUSTOMER_TIER_C);
  EXPECT_EQ(w.priority(), common::v1::PRIORITY_NORMAL);
  // At risk, not breached.
  TicketListQuery risk;
  risk.sla_risk = 1;
  EXPECT_THAT(app_->ListTickets(risk)->tickets, SizeIs(1));
  risk.sla_risk = 2;
  EXPECT_THAT(app_->ListTickets(risk)->tickets, IsEmpty());
  // 11:00: breached, once.
  clock_.Advance(absl::Minutes(24));
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 1);
  EXPECT_EQ(*app_->SweepSla(clock_.Now() + absl::Seconds(30)), 0);
  EXPECT_THAT(Kinds(ticket), ElementsAre("TicketOpened", "TicketSlaWarning", "TicketSlaBreached"));
  EXPECT_THAT(app_->GetTicket(ticket)->sla_breached_clocks(), ElementsAre("response"));
  EXPECT_THAT(app_->ListTickets(risk)->tickets, SizeIs(1));
}

TEST_F(IntakeSlaAppTest, SweepSkipsWeekendsAndPausedTickets) {
  clock_.Advance(At(2026, 11, 27, 17) - kMonday9);  // Friday 17:00
  const std::string friday = MustOpen("open-fri");
  const std::string paused = MustOpen("open-paused");
  ASSERT_TRUE(app_->ChangeTicket(Meta("wait-1"), 0,
                                 TicketCommand{WaitForCustomer{paused, "customer travelling"}})
                  .ok());
  // Sunday evening: only one business hour has passed.
  clock_.Advance(At(2026, 11, 29, 20) - clock_.Now());
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 0);
  // Monday 09:36 = 96 business minutes for the Friday ticket; the paused one stays quiet.
  clock_.Advance(At(2026, 11, 30, 9, 36) - clock_.Now());
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 1);
  EXPECT_THAT(Kinds(friday), ElementsAre("TicketOpened", "TicketSlaWarning"));
  EXPECT_THAT(Kinds(paused), ElementsAre("TicketOpened", "TicketWaitingForCustomer"));
}

TEST_F(IntakeSlaAppTest, PauseForCustomerIsIdempotentVersionedAndValidated) {
  const std::string ticket = MustOpen("open-1");
  // Bad input: error naming the field, nothing written.
  auto bad = app_->ChangeTicket(Meta("wait-0"), 0, TicketCommand{WaitForCustomer{ticket, ""}});
  EXPECT_EQ(FieldOf(bad.status()).value_or(""), "reason");
  EXPECT_THAT(Kinds(ticket), SizeIs(1));
  // Wrong expected version: ABORTED, nothing written.
  auto stale =
      app_->ChangeTicket(Meta("wait-1"), 5, TicketCommand{WaitForCustomer{ticket, "no answer"}});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(Kinds(ticket), SizeIs(1));
  // The same request id twice: one event, the same ack.
  auto first =
      app_->ChangeTicket(Meta("wait-2"), 1, TicketCommand{WaitForCustomer{ticket, "no answer"}});
  auto second =
      app_->ChangeTicket(Meta("wait-2"), 1, TicketCommand{WaitForCustomer{ticket, "no answer"}});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->version(), 2);
  EXPECT_EQ(second->version(), 2);
  EXPECT_THAT(Kinds(ticket), ElementsAre("TicketOpened", "TicketWaitingForCustomer"));
  EXPECT_TRUE(app_->GetTicket(ticket)->waiting_for_customer());
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(
      app_->ChangeTicket(Meta("resume-1"), 2, TicketCommand{ResumeFromCustomer{ticket, "back"}})
          .ok());
  EXPECT_FALSE(app_->GetTicket(ticket)->waiting_for_customer());
  // The hour on hold does not count.
  clock_.Advance(absl::Minutes(30));
  auto sla = app_->GetTicketSla(ticket, absl::InfiniteFuture());
  ASSERT_TRUE(sla.ok()) << sla.status();
  EXPECT_EQ(sla->Find(SlaClockKind::kResponse)->elapsed_minutes(), 30);
}

TEST_F(IntakeSlaAppTest, GetTicketSlaAsOfYesterdayTenOClock) {
  const std::string ticket = MustOpen("open-1");
  clock_.Advance(absl::Hours(24) + absl::Minutes(30));  // Tuesday 09:30
  scheduling::v1::SchedulingEvent assigned;
  EventEnvelope e = Source("Job", "job-1", 2);
  e.mutable_scheduling()->mutable_job_assigned()->set_job_id("job-1");
  e.mutable_scheduling()->mutable_job_assigned()->set_ticket_id(ticket);
  e.mutable_scheduling()->mutable_job_assigned()->set_technician_id("tech-1");
  ASSERT_TRUE(Deliver(e).ok());
  auto yesterday = app_->GetTicketSla(ticket, At(2026, 11, 23, 10));
  ASSERT_TRUE(yesterday.ok()) << yesterday.status();
  EXPECT_EQ(yesterday->Find(SlaClockKind::kResponse)->status, SlaClockStatus::kRunning);
  EXPECT_EQ(yesterday->Find(SlaClockKind::kResponse)->elapsed_minutes(), 60);
  auto now = app_->GetTicketSla(ticket, absl::InfiniteFuture());
  EXPECT_EQ(now->Find(SlaClockKind::kResponse)->status, SlaClockStatus::kBreached);
  EXPECT_EQ(now->Find(SlaClockKind::kResponse)->stopped_by, "TicketScheduled");
  EXPECT_EQ(app_->GetTicketSla(ticket, kMonday9 - absl::Hours(1)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(app_->GetTicketSla("nope", absl::InfiniteFuture()).status()).value_or(""),
            "ticket_id");
}

TEST_F(IntakeSlaAppTest, BackorderedPartsPauseTheTicketOnceAndArrivalResumes) {
  const std::string ticket = MustOpen("open-1");
  ASSERT_TRUE(Deliver(JobCreated(ticket, "job-1")).ok());
  const EventEnvelope backorder = Backordered("job-1", "SKU-A", 3);
  ASSERT_TRUE(Deliver(backorder).ok());
  ASSERT_TRUE(Deliver(backorder).ok());  // delivered twice: one effect
  EXPECT_THAT(Kinds(ticket), ElementsAre("TicketOpened", "TicketWaitingForParts"));
  v1::Ticket t = *app_->GetTicket(ticket);
  EXPECT_EQ(t.state(), v1::TICKET_STATE_WAITING_FOR_PARTS);
  ASSERT_THAT(t.missing_parts(), SizeIs(1));
  EXPECT_EQ(t.missing_parts(0).sku(), "SKU-A");
  TicketListQuery waiting;
  waiting.status = TicketStatus::kWaitingForParts;
  EXPECT_THAT(app_->ListTickets(waiting)->tickets, SizeIs(1));
  // The reaction event carries the source's ids.
  auto stream = store_->ReadStream({"Ticket", ticket});
  EXPECT_EQ(stream->back().causation_id(), backorder.event_id());
  EXPECT_EQ(stream->back().event_id(), DeriveId(backorder.event_id(), "intake/1"));
  // Paused: the sweep says nothing however long it waits.
  clock_.Advance(absl::Hours(5));
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 0);
  const EventEnvelope reserved = Reserved("job-1", "SKU-A", 4);
  ASSERT_TRUE(Deliver(reserved).ok());
  ASSERT_TRUE(Deliver(reserved).ok());
  EXPECT_THAT(Kinds(ticket),
              ElementsAre("TicketOpened", "TicketWaitingForParts", "TicketPartsArrived"));
  EXPECT_EQ(app_->GetTicket(ticket)->state(), v1::TICKET_STATE_OPEN);
  // A job intake does not know: ignored, nothing written.
  Batch batch = store_->NewBatch();
  EXPECT_TRUE(app_->Apply(Backordered("job-unknown", "SKU-A", 5), batch).ok());
  EXPECT_TRUE(batch.empty());
}

TEST_F(IntakeSlaAppTest, WhatIfComparesBreachesUnderAnotherPolicy) {
  const std::string a = MustOpen("open-a");
  clock_.Advance(absl::Minutes(100));
  const std::string b = MustOpen("open-b");
  clock_.Advance(absl::Minutes(50));  // 10:30 + ... a: 150 min, b: 50 min
  SlaPolicy strict = app_->policy().sla;
  strict.rules = {{CustomerTier::kUnspecified, Priority::kUnspecified, {45, 0, 0}}};
  auto result = app_->SlaWhatIf(kMonday9, kMonday9 + absl::Hours(24), strict,
                                absl::InfiniteFuture(), 0);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->tickets_considered, 2);
  EXPECT_EQ(result->breaches_now, 1);  // a's response (150 > 120)
  EXPECT_EQ(result->breaches_what_if, 2);
  EXPECT_EQ(result->tickets_breached_now, 1);
  EXPECT_EQ(result->tickets_breached_what_if, 2);
  ASSERT_THAT(result->tickets, SizeIs(2));
  EXPECT_EQ(result->tickets[0].ticket_id, a);
  EXPECT_THAT(result->tickets[0].breached_now, ElementsAre("response"));
  EXPECT_THAT(result->tickets[1].breached_now, IsEmpty());
  EXPECT_THAT(result->tickets[1].breached_what_if, ElementsAre("response"));
  // The period excludes b.
  auto only_a = app_->SlaWhatIf(kMonday9, kMonday9 + absl::Minutes(50), strict,
                                absl::InfiniteFuture(), 0);
  EXPECT_EQ(only_a->tickets_considered, 1);
  EXPECT_EQ(FieldOf(app_->SlaWhatIf(kMonday9, kMonday9, strict, absl::InfiniteFuture(), 0)
                        .status())
                .value_or(""),
            "opened_before");
}

TEST_F(IntakeSlaAppTest, RegisteredCustomerKeepsBirthdayRegionAndTierOnTickets) {
  intake::RegisterCustomer c;
  c.name = "Wang Wei";
  c.phones = {"13800138000"};
  c.tier = CustomerTier::kKeyAccount;
  c.birthday = "1985-03-21";
  c.region = "Qingdao/Shinan";
  auto ack = app_->RegisterCustomer(Meta("cust-1"), c);
  ASSERT_TRUE(ack.ok()) << ack.status();
  auto customer = app_->GetCustomer(ack->aggregate_id());
  EXPECT_EQ(customer->birthday(), "1985-03-21");
  EXPECT_EQ(customer->region(), "Qingdao/Shinan");
  auto stream = store_->ReadStream({"Customer", ack->aggregate_id()});
  EXPECT_EQ(stream->front().intake().customer_registered().birthday(), "1985-03-21");
  intake::OpenTicket open;
  open.customer.customer_id = ack->aggregate_id();
  open.category = "fridge";
  auto ticket = app_->OpenTicket(Meta("open-1"), open);
  ASSERT_TRUE(ticket.ok()) << ticket.status();
  EXPECT_EQ(app_->GetTicket(ticket->aggregate_id())->customer_tier(),
            v1::CUSTOMER_TIER_KEY_ACCOUNT);
  c.phones = {"13800138999"};
  c.birthday = "1985-13-01";
  auto bad = app_->RegisterCustomer(Meta("cust-2"), c);
  EXPECT_EQ(FieldOf(bad.status()).value_or(""), "birthday");
}

TEST_F(IntakeSlaAppTest, UpdateCustomerMovesPhonesKeepsHistoryAndAnswersAsOf) {
  intake::RegisterCustomer c;
  c.name = "Wang Wei";
  c.phones = {"13800138000"};
  c.consent_to_messages = true;
  auto ack = app_->RegisterCustomer(Meta("cust-1"), c);
  ASSERT_TRUE(ack.ok()) << ack.status();
  const std::string id = ack->aggregate_id();
  const absl::Time registered = clock_.Now();
  clock_.Advance(absl::Hours(1));
  intake::UpdateCustomer u;
  u.customer_id = id;
  u.fields = {"phones", "consent_to_messages"};
  u.phones = {"13911112222"};
  u.consent_to_messages = false;
  u.reason = "new number";
  // Bad input: nothing written.
  intake::UpdateCustomer bad = u;
  bad.phones = {"call me"};
  EXPECT_EQ(FieldOf(app_->UpdateCustomer(Meta("upd-0"), 0, bad).status()).value_or(""),
            "phones[0]");
  // Stale version: ABORTED.
  EXPECT_EQ(app_->UpdateCustomer(Meta("upd-1"), 7, u).status().code(),
            absl::StatusCode::kAborted);
  auto first = app_->UpdateCustomer(Meta("upd-2"), 1, u);
  auto again = app_->UpdateCustomer(Meta("upd-2"), 1, u);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(first->version(), 2);
  EXPECT_EQ(again->version(), 2);
  EXPECT_EQ(store_->ReadStream({"Customer", id})->size(), 2u);
  EXPECT_EQ(app_->FindCustomerByPhone("13911112222")->customer_id(), id);
  EXPECT_EQ(app_->FindCustomerByPhone("13800138000").status().code(),
            absl::StatusCode::kNotFound);
  auto now = app_->GetCustomer(id);
  EXPECT_FALSE(now->consent_to_messages());
  EXPECT_EQ(FromProto(now->registered_at()), registered);
  // As it was before the change.
  auto before = app_->GetCustomerAsOf(id, registered + absl::Minutes(30));
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_TRUE(before->consent_to_messages());
  EXPECT_THAT(before->phones(), ElementsAre("13800138000"));
  EXPECT_EQ(before->version(), 1);
  EXPECT_EQ(app_->GetCustomerAsOf(id, registered - absl::Minutes(1)).status().code(),
            absl::StatusCode::kNotFound);
  auto timeline = app_->GetTimeline("Customer", id);
  ASSERT_THAT(timeline->entries(), SizeIs(2));
  EXPECT_EQ(timeline->entries(1).what(), "CustomerUpdated");
  EXPECT_EQ(timeline->entries(1).why(), "new number");
}

TEST_F(IntakeSlaAppTest, ComplaintAsItWasBeforeItsFirstNote) {
  intake::RegisterComplaint c;
  c.kind = "complaint";
  c.channel = "phone";
  c.ticket_id = MustOpen("open-1");
  c.category = "punctuality";
  c.description = "The technician came three hours late.";
  auto ack = app_->RegisterComplaint(Meta("cmp-1"), c);
  ASSERT_TRUE(ack.ok()) << ack.status();
  const absl::Time registered = clock_.Now();
  clock_.Advance(absl::Hours(2));
  ASSERT_TRUE(app_->ChangeComplaint(Meta("note-1", "care"), 1,
                                    ComplaintCommand{AddComplaintNote{
                                        ack->aggregate_id(), "listen", "Heard the customer."}})
                  .ok());
  auto before = app_->GetComplaintAsOf(ack->aggregate_id(), registered + absl::Hours(1));
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_THAT(before->notes(), IsEmpty());
  EXPECT_FALSE(before->has_first_responded_at());
  auto after = app_->GetComplaintAsOf(ack->aggregate_id(), clock_.Now());
  ASSERT_THAT(after->notes(), SizeIs(1));
  EXPECT_EQ(after->notes(0).user_id(), "agent-1");
  EXPECT_TRUE(after->has_first_responded_at());
  EXPECT_EQ(after->version(), 2);
}

TEST_F(IntakeSlaAppTest, CustomerFilterUsesTheCustomerIndexWithStateAndPaging) {
  intake::OpenTicket open;
  open.customer.customer_id = "cust-1";
  open.customer.name = "Li Wei";
  open.customer.phone = "13900000000";
  open.category = "fridge";
  const std::string a = app_->OpenTicket(Meta("o-1"), open)->aggregate_id();
  const std::string b = app_->OpenTicket(Meta("o-2"), open)->aggregate_id();
  const std::string c = app_->OpenTicket(Meta("o-3"), open)->aggregate_id();
  open.customer.customer_id = "cust-2";
  app_->OpenTicket(Meta("o-4"), open).IgnoreError();
  ASSERT_TRUE(app_->ChangeTicket(Meta("x-1"), 0, TicketCommand{CancelTicket{b, "duplicate"}}).ok());
  auto first = app_->ListTickets({.page_size = 1, .customer_id = "cust-1"});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_THAT(first->tickets, SizeIs(1));
  EXPECT_EQ(first->tickets[0].ticket_id(), a);
  auto rest = app_->ListTickets(
      {.page_size = 5, .page_token = first->next_page_token, .customer_id = "cust-1"});
  ASSERT_THAT(rest->tickets, SizeIs(2));
  EXPECT_EQ(rest->tickets[0].ticket_id(), b);
  EXPECT_EQ(rest->tickets[1].ticket_id(), c);
  auto open_only =
      app_->ListTickets({.status = TicketStatus::kOpen, .customer_id = "cust-1"});
  ASSERT_THAT(open_only->tickets, SizeIs(2));
  EXPECT_EQ(open_only->tickets[1].ticket_id(), c);
}

TEST_F(IntakeSlaAppTest, ClockStoppedLateBeforeAnySweepIsStillReportedOnce) {
  const std::string ticket = MustOpen("open-1");
  clock_.Advance(absl::Minutes(150));  // no sweep ran (service down): scheduled 30 min late
  EventEnvelope e = Source("Job", "job-1", 2);
  e.mutable_scheduling()->mutable_job_assigned()->set_job_id("job-1");
  e.mutable_scheduling()->mutable_job_assigned()->set_ticket_id(ticket);
  e.mutable_scheduling()->mutable_job_assigned()->set_technician_id("tech-1");
  ASSERT_TRUE(Deliver(e).ok());
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 1);
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 0);
  EXPECT_THAT(Kinds(ticket), ElementsAre("TicketOpened", "TicketScheduled", "TicketSlaWarning",
                                         "TicketSlaBreached"));
  auto stream = store_->ReadStream({"Ticket", ticket});
  EXPECT_EQ(stream->back().intake().ticket_sla_breached().elapsed_minutes(), 150);
  EXPECT_EQ(stream->back().intake().ticket_sla_breached().clock(), "response");
}

// ------------------------------------------------------------ issue 3, third round

class IntakeRoundThreeTest : public IntakeSlaAppTest {
 protected:
  EventEnvelope Scheduling(const std::string& ticket, const std::string& job, int64_t version,
                           const std::string& kind) {
    EventEnvelope e = Source("Job", job, version);
    auto* s = e.mutable_scheduling();
    if (kind == "assigned") {
      s->mutable_job_assigned()->set_job_id(job);
      s->mutable_job_assigned()->set_ticket_id(ticket);
      s->mutable_job_assigned()->set_technician_id("tech-9");
    } else if (kind == "arrived") {
      s->mutable_job_arrived()->set_job_id(job);
      s->mutable_job_arrived()->set_ticket_id(ticket);
      s->mutable_job_arrived()->set_technician_id("tech-9");
      ToProto(clock_.Now() - absl::Minutes(5), s->mutable_job_arrived()->mutable_arrived_at());
    } else if (kind == "started") {
      s->mutable_job_started()->set_job_id(job);
      s->mutable_job_started()->set_ticket_id(ticket);
    } else {
      s->mutable_job_completed()->set_job_id(job);
      s->mutable_job_completed()->set_ticket_id(ticket);
      s->mutable_job_completed()->set_resolution("Replaced the thermostat.");
    }
    return e;
  }
  // Assigned → started → completed on job `job`.
  void Complete(const std::string& ticket, const std::string& job) {
    int64_t v = 1;
    for (const char* kind : {"assigned", "started", "completed"}) {
      ASSERT_TRUE(Deliver(Scheduling(ticket, job, ++v, kind)).ok()) << kind;
    }
    ASSERT_EQ(app_->GetTicket(ticket)->state(), v1::TICKET_STATE_COMPLETED);
  }
  EventEnvelope CallbackScheduled(const std::string& callback, const std::string& ticket) {
    EventEnvelope e = Source("Callback", callback, 1);
    auto* c = e.mutable_callbacks()->mutable_callback_scheduled();
    c->set_callback_id(callback);
    c->set_ticket_id(ticket);
    c->set_job_id("job-1");
    return e;
  }
  EventEnvelope Reached(const std::string& callback, int lowest) {
    EventEnvelope e = Source("Callback", callback, 3);
    auto* r = e.mutable_callbacks()->mutable_callback_reached();
    r->set_callback_id(callback);
    callbacks::v1::Survey* survey = r->mutable_survey();
    survey->set_attitude(lowest);
    survey->set_quality(5);
    survey->set_fixed(5);
    survey->set_punctuality(4);
    survey->set_respect_for_property(5);
    survey->set_no_extra_fee(5);
    return e;
  }
  // Writes exactly what the reaction to `event` writes, and says whether it wrote anything.
  bool DeliverWrites(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    EXPECT_TRUE(app_->Apply(event, batch).ok());
    const bool wrote = !batch.empty();
    EXPECT_TRUE(store_->Commit(std::move(batch)).ok());
    return wrote;
  }
  std::string Key(const std::string& key) {
    auto value = store_->Get(key);
    EXPECT_TRUE(value.ok());
    return value.ok() && value->has_value() ? **value : "<none>";
  }
};

TEST_F(IntakeRoundThreeTest, SatisfiedCallbackClosesTheTicketOnce) {
  const std::string ticket = MustOpen("o-1");
  Complete(ticket, "job-1");
  ASSERT_TRUE(Deliver(CallbackScheduled("cb-1", ticket)).ok());
  EXPECT_EQ(Key("x/ticket_by_callback/cb-1"), ticket);
  const EventEnvelope reached = Reached("cb-1", 4);
  ASSERT_TRUE(Deliver(reached).ok());
  auto closed = app_->GetTicket(ticket);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state(), v1::TICKET_STATE_CLOSED);
  EXPECT_EQ(closed->close_outcome(), "satisfied");
  EXPECT_EQ(closed->closed_by_callback_id(), "cb-1");
  auto stream = store_->ReadStream({"Ticket", ticket});
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->back().event_id(), DeriveId(reached.event_id(), "intake/1"));
  EXPECT_EQ(stream->back().causation_id(), reached.event_id());
  EXPECT_EQ(stream->back().intake().ticket_closed().callback_id(), "cb-1");
  // Delivered again: nothing more.
  const int64_t version = closed->version();
  EXPECT_FALSE(DeliverWrites(reached));
  EXPECT_EQ(app_->GetTicket(ticket)->version(), version);
}

TEST_F(IntakeRoundThreeTest, DissatisfiedSurveyDoesNotCloseAndTheComplaintReopens) {
  const std::string ticket = MustOpen("o-1");
  Complete(ticket, "job-1");
  ASSERT_TRUE(Deliver(CallbackScheduled("cb-1", ticket)).ok());
  EXPECT_FALSE(DeliverWrites(Reached("cb-1", 2)));  // attitude 2 < 3
  EXPECT_EQ(app_->GetTicket(ticket)->state(), v1::TICKET_STATE_COMPLETED);
  EventEnvelope dissatisfied = Source("Callback", "cb-1", 4);
  auto* d = dissatisfied.mutable_callbacks()->mutable_callback_dissatisfied();
  d->set_callback_id("cb-1");
  d->set_ticket_id(ticket);
  d->add_low_questions("attitude");
  d->set_lowest_answer(2);
  d->set_threshold(3);
  ASSERT_TRUE(Deliver(dissatisfied).ok());
  EXPECT_EQ(app_->GetTicket(ticket)->state(), v1::TICKET_STATE_OPEN);
  // The callback then fails (no new outcome can close a reopened ticket): nothing written.
  EventEnvelope failed = Source("Callback", "cb-1", 5);
  failed.mutable_callbacks()->mutable_callback_failed()->set_callback_id("cb-1");
  failed.mutable_callbacks()->mutable_callback_failed()->set_reason("refused");
  const int64_t version = app_->GetTicket(ticket)->version();
  EXPECT_FALSE(DeliverWrites(failed));
  EXPECT_EQ(app_->GetTicket(ticket)->version(), version);
  EXPECT_EQ(app_->GetTicket(ticket)->state(), v1::TICKET_STATE_OPEN);
}

// Callbacks says whether the survey satisfied its threshold; intake follows that verdict, not
// its own threshold, so the two services cannot disagree about one survey.
TEST_F(IntakeRoundThreeTest, CallbacksVerdictOnTheSurveyDecidesTheClose) {
  const std::string a = MustOpen("o-1");
  const std::string b = MustOpen("o-2");
  Complete(a, "job-1");
  Complete(b, "job-2");
  ASSERT_TRUE(Deliver(CallbackScheduled("cb-a", a)).ok());
  ASSERT_TRUE(Deliver(CallbackScheduled("cb-b", b)).ok());
  // Answers of 4 and 5, but callbacks' threshold (say 5) found them wanting: not closed.
  EventEnvelope wanting = Reached("cb-a", 4);
  wanting.mutable_callbacks()->mutable_callback_reached()->set_satisfied(false);
  EXPECT_FALSE(DeliverWrites(wanting));
  EXPECT_EQ(app_->GetTicket(a)->state(), v1::TICKET_STATE_COMPLETED);
  // An answer of 2, below intake's default 3, but satisfied by callbacks' threshold (say 2).
  EventEnvelope enough = Reached("cb-b", 2);
  enough.mutable_callbacks()->mutable_callback_reached()->set_satisfied(true);
  ASSERT_TRUE(Deliver(enough).ok());
  EXPECT_EQ(app_->GetTicket(b)->state(), v1::TICKET_STATE_CLOSED);
  EXPECT_EQ(app_->GetTicket(b)->close_outcome(), "satisfied");
}

TEST_F(IntakeRoundThreeTest, FailedAndExcludedCallbacksCloseWithTheirOutcome) {
  const std::string a = MustOpen("o-1");
  const std::string b = MustOpen("o-2");
  Complete(a, "job-1");
  ASSERT_TRUE(app_->ChangeTicket(Meta("r-1"), 0, ResolveRemotely{b, "Reset by phone."}).ok());
  ASSERT_TRUE(Deliver(CallbackScheduled("cb-a", a)).ok());
  ASSERT_TRUE(Deliver(CallbackScheduled("cb-b", b)).ok());
  EventEnvelope failed = Source("Callback", "cb-a", 6);
  failed.mutable_callbacks()->mutable_callback_failed()->set_callback_id("cb-a");
  failed.mutable_callbacks()->mutable_callback_failed()->set_reason("attempts_exhausted");
  ASSERT_TRUE(Deliver(failed).ok());
  EXPECT_EQ(app_->GetTicket(a)->state(), v1::TICKET_STATE_CLOSED);
  EXPECT_EQ(app_->GetTicket(a)->close_outcome(), "callback failed (attempts exhausted)");
  EventEnvelope excluded = Source("Callback", "cb-b", 3);
  excluded.mutable_callbacks()->mutable_callback_excluded()->set_callback_id("cb-b");
  excluded.mutable_callbacks()->mutable_callback_excluded()->set_outcome(
      callbacks::v1::ATTEMPT_OUTCOME_WRONG_NUMBER);
  ASSERT_TRUE(Deliver(excluded).ok());
  EXPECT_EQ(app_->GetTicket(b)->state(), v1::TICKET_STATE_CLOSED);
  EXPECT_EQ(app_->GetTicket(b)->close_outcome(), "callback excluded (wrong number)");
  // A callback intake never saw scheduled: nothing to close, nothing written.
  EventEnvelope unknown = Source("Callback", "cb-x", 2);
  unknown.mutable_callbacks()->mutable_callback_failed()->set_callback_id("cb-x");
  EXPECT_FALSE(DeliverWrites(unknown));
}

TEST_F(IntakeRoundThreeTest, CancelNamesTheJobForScheduling) {
  const std::string ticket = MustOpen("o-1");
  ASSERT_TRUE(Deliver(Scheduling(ticket, "job-1", 2, "assigned")).ok());
  ASSERT_TRUE(Deliver(Scheduling(ticket, "job-1", 3, "started")).ok());
  auto ack = app_->ChangeTicket(Meta("c-1"), 3, CancelTicket{ticket, "Customer sent him away."});
  ASSERT_TRUE(ack.ok()) << ack.status();
  auto stream = store_->ReadStream({"Ticket", ticket});
  ASSERT_TRUE(stream.ok());
  const v1::TicketCancelled& c = stream->back().intake().ticket_cancelled();
  EXPECT_EQ(c.job_id(), "job-1");
  EXPECT_EQ(c.technician_id(), "tech-9");
  EXPECT_EQ(c.reason(), "Customer sent him away.");
  // A completed ticket cannot be cancelled: the state is named, nothing written.
  const std::string done = MustOpen("o-2");
  Complete(done, "job-2");
  auto refused = app_->ChangeTicket(Meta("c-2"), 0, CancelTicket{done, "Too late."});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr("is completed"));
  EXPECT_EQ(app_->GetTicket(done)->version(), 4);
}

TEST_F(IntakeRoundThreeTest, OpenedTicketCarriesItsSlaDueTimes) {
  const std::string ticket = MustOpen("o-1");
  auto stream = store_->ReadStream({"Ticket", ticket});
  ASSERT_TRUE(stream.ok());
  const v1::TicketOpened& opened = stream->front().intake().ticket_opened();
  // On site 480 business minutes from Monday 09:00 = Monday 17:00; resolution 1440 = two 9-hour
  // days and 6 hours = Wednesday 15:00.
  EXPECT_EQ(FromProto(opened.onsite_due()), At(2026, 11, 23, 17));
  EXPECT_EQ(FromProto(opened.resolution_due()), At(2026, 11, 25, 15));
  EXPECT_EQ(FromProto(app_->GetTicket(ticket)->onsite_due()), At(2026, 11, 23, 17));
  auto sla = app_->GetTicketSla(ticket, absl::InfiniteFuture());
  ASSERT_TRUE(sla.ok());
  EXPECT_EQ(sla->Find(SlaClockKind::kResolution)->due, FromProto(opened.resolution_due()));
}

TEST_F(IntakeRoundThreeTest, ArrivalStopsTheOnSiteClockOnceAndStartIsTheFallback) {
  const std::string ticket = MustOpen("o-1");
  ASSERT_TRUE(Deliver(Scheduling(ticket, "job-1", 2, "assigned")).ok());
  clock_.Advance(absl::Minutes(90));
  const EventEnvelope arrived = Scheduling(ticket, "job-1", 3, "arrived");
  ASSERT_TRUE(Deliver(arrived).ok());
  EXPECT_FALSE(DeliverWrites(arrived));  // delivered twice: one effect
  EXPECT_THAT(Kinds(ticket), ElementsAre("TicketOpened", "TicketScheduled",
                                         "TicketTechnicianArrived"));
  EXPECT_EQ(app_->GetTicket(ticket)->state(), v1::TICKET_STATE_SCHEDULED);
  EXPECT_EQ(FromProto(app_->GetTicket(ticket)->technician_arrived_at()),
            kMonday9 + absl::Minutes(85));
  clock_.Advance(absl::Minutes(30));
  ASSERT_TRUE(Deliver(Scheduling(ticket, "job-1", 4, "started")).ok());
  auto sla = app_->GetTicketSla(ticket, absl::InfiniteFuture());
  ASSERT_TRUE(sla.ok());
  const SlaClockState* on_site = sla->Find(SlaClockKind::kOnSite);
  EXPECT_EQ(on_site->stopped_by, "TicketTechnicianArrived");
  EXPECT_EQ(on_site->elapsed_minutes(), 85);
  // Another ticket without an arrival: JobStarted stops it.
  const std::string other = MustOpen("o-2");
  ASSERT_TRUE(Deliver(Scheduling(other, "job-2", 2, "assigned")).ok());
  ASSERT_TRUE(Deliver(Scheduling(other, "job-2", 3, "started")).ok());
  EXPECT_EQ(app_->GetTicketSla(other, absl::InfiniteFuture())->Find(SlaClockKind::kOnSite)
                ->stopped_by,
            "TicketWorkStarted");
}

TEST_F(IntakeRoundThreeTest, ReopenRunsTheResolutionClockAgainAndTheRiskListFollows) {
  const std::string ticket = MustOpen("o-1");
  clock_.Advance(absl::Minutes(100));  // response warned at 96
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 1);
  TicketListQuery risk;
  risk.sla_risk = 1;
  EXPECT_THAT(app_->ListTickets(risk)->tickets, SizeIs(1));
  // Scheduled in time: the warned clock stopped, the others have not warned: off the list.
  ASSERT_TRUE(Deliver(Scheduling(ticket, "job-1", 2, "assigned")).ok());
  EXPECT_THAT(app_->ListTickets(risk)->tickets, IsEmpty());
  EXPECT_EQ(Key(absl::StrCat("x/ticket_by_sla_risk/at_risk/", ticket)), "<none>");
  ASSERT_TRUE(Deliver(Scheduling(ticket, "job-1", 3, "started")).ok());
  ASSERT_TRUE(Deliver(Scheduling(ticket, "job-1", 4, "completed")).ok());
  auto before = app_->GetTicketSla(ticket, absl::InfiniteFuture());
  EXPECT_EQ(before->Find(SlaClockKind::kResolution)->status, SlaClockStatus::kMet);
  // Tuesday: reopened; the resolution clock runs again and the sweep has an entry for it.
  clock_.Advance(At(2026, 11, 24, 9) - clock_.Now());
  ASSERT_TRUE(app_->ChangeTicket(Meta("re-1", "care"), 0,
                                 ReopenTicket{ticket, "Not cooling again."})
                  .ok());
  clock_.Advance(absl::Minutes(60));
  auto after = app_->GetTicketSla(ticket, absl::InfiniteFuture());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->Find(SlaClockKind::kResolution)->status, SlaClockStatus::kRunning);
  EXPECT_EQ(after->Find(SlaClockKind::kResolution)->elapsed_minutes(), 100 + 60);
  EXPECT_EQ(after->Find(SlaClockKind::kResponse)->status, SlaClockStatus::kMet);
  EXPECT_EQ(after->Find(SlaClockKind::kOnSite)->status, SlaClockStatus::kRunning);
  // On site warns at 384 of 480 business minutes: 100 were used Monday, so Tuesday 13:44.
  clock_.Advance(At(2026, 11, 24, 13, 44) - clock_.Now());
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 1);
  EXPECT_THAT(app_->ListTickets(risk)->tickets, SizeIs(1));
}

TEST_F(IntakeRoundThreeTest, InsuranceEndIsRecordedAndValidated) {
  intake::RegisterCustomer customer;
  customer.name = "Wang Wei";
  customer.phones = {"13800000001"};
  auto owner = app_->RegisterCustomer(Meta("c-1"), customer);
  ASSERT_TRUE(owner.ok()) << owner.status();
  intake::RegisterAsset asset;
  asset.customer_id = owner->aggregate_id();
  asset.model = "BCD-470";
  asset.serial = "SN-1";
  asset.installed_on = kMonday9 - absl::Hours(24 * 30);
  asset.insurance_end = kMonday9 + absl::Hours(24 * 365);
  auto ack = app_->RegisterAsset(Meta("a-1"), asset);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(FromProto(app_->GetAsset(ack->aggregate_id())->insurance_end()), asset.insurance_end);
  auto stream = store_->ReadStream({"Asset", ack->aggregate_id()});
  EXPECT_EQ(FromProto(stream->front().intake().asset_registered().insurance_end()),
            asset.insurance_end);
  asset.insurance_end = asset.installed_on - absl::Hours(1);
  auto bad = app_->RegisterAsset(Meta("a-2"), asset);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(bad.status()).value_or(""), "insurance_end");
  EXPECT_THAT(app_->GetCustomerHistory(owner->aggregate_id())->assets, SizeIs(1));
}

TEST_F(IntakeRoundThreeTest, ListFiltersReadTheirIndexesWithPaging) {
  const std::string a = MustOpen("o-1");
  clock_.Advance(absl::Minutes(1));
  const std::string b = MustOpen("o-2");
  ASSERT_TRUE(Deliver(Scheduling(a, "job-1", 2, "assigned")).ok());
  ASSERT_TRUE(Deliver(Scheduling(b, "job-2", 2, "assigned")).ok());
  EXPECT_EQ(Key(absl::StrCat("x/ticket_by_technician/tech-9/", a)), "");
  EXPECT_EQ(Key(absl::StrCat("x/ticket_by_phone/13900000000/", a)), "");
  EXPECT_EQ(Key(absl::StrCat("x/ticket_by_category/fridge/", b)), "");
  auto first = app_->ListTickets({.page_size = 1, .technician_id = "tech-9"});
  ASSERT_TRUE(first.ok());
  ASSERT_THAT(first->tickets, SizeIs(1));
  EXPECT_EQ(first->tickets[0].ticket_id(), a);
  auto second = app_->ListTickets(
      {.page_size = 1, .page_token = first->next_page_token, .technician_id = "tech-9"});
  ASSERT_TRUE(second.ok());
  ASSERT_THAT(second->tickets, SizeIs(1));
  EXPECT_EQ(second->tickets[0].ticket_id(), b);
  EXPECT_EQ(second->next_page_token, "");
  // Combined with the state; a date range alone pages through the opening-time index.
  EXPECT_THAT(app_->ListTickets({.status = TicketStatus::kOpen, .technician_id = "tech-9"})
                  ->tickets,
              IsEmpty());
  auto by_date = app_->ListTickets({.page_size = 1, .opened_from = kMonday9,
                                    .opened_before = kMonday9 + absl::Hours(1)});
  ASSERT_TRUE(by_date.ok());
  ASSERT_THAT(by_date->tickets, SizeIs(1));
  EXPECT_EQ(by_date->tickets[0].ticket_id(), a);
  auto by_date_next = app_->ListTickets({.page_size = 1,
                                         .page_token = by_date->next_page_token,
                                         .opened_from = kMonday9,
                                         .opened_before = kMonday9 + absl::Hours(1)});
  ASSERT_TRUE(by_date_next.ok());
  ASSERT_THAT(by_date_next->tickets, SizeIs(1));
  EXPECT_EQ(by_date_next->tickets[0].ticket_id(), b);
  EXPECT_EQ(by_date_next->next_page_token, "");
  auto bad_token = app_->ListTickets({.page_token = "nope", .opened_from = kMonday9});
  EXPECT_EQ(FieldOf(bad_token.status()).value_or(""), "page_token");
  // A reopen clears the technician: the ticket leaves that technician's list.
  ASSERT_TRUE(Deliver(Scheduling(a, "job-1", 3, "started")).ok());
  ASSERT_TRUE(Deliver(Scheduling(a, "job-1", 4, "completed")).ok());
  ASSERT_TRUE(app_->ChangeTicket(Meta("re-1"), 0, ReopenTicket{a, "Again."}).ok());
  auto after = app_->ListTickets({.technician_id = "tech-9"});
  ASSERT_TRUE(after.ok());
  ASSERT_THAT(after->tickets, SizeIs(1));
  EXPECT_EQ(after->tickets[0].ticket_id(), b);
  EXPECT_EQ(Key(absl::StrCat("x/ticket_by_technician/tech-9/", a)), "<none>");
}

TEST_F(IntakeRoundThreeTest, ListComplaintsByStateCustomerTechnicianAndOverdue) {
  auto make = [&](const std::string& request_id, const std::string& customer,
                  const std::string& technician) {
    intake::RegisterComplaint c;
    c.kind = "complaint";
    c.customer_id = customer;
    c.technician_id = technician;
    c.category = "attitude";
    c.description = "Late and rude.";
    auto ack = app_->RegisterComplaint(Meta(request_id, "care"), c);
    EXPECT_TRUE(ack.ok()) << ack.status();
    return ack.ok() ? ack->aggregate_id() : "";
  };
  const std::string k1 = make("k-1", "cust-1", "tech-1");
  const std::string k2 = make("k-2", "cust-2", "tech-1");
  const std::string k3 = make("k-3", "cust-1", "tech-2");
  ASSERT_TRUE(app_->ChangeComplaint(Meta("n-1", "care"), 0, AddComplaintNote{k2, "listen", "Heard."})
                  .ok());
  ASSERT_TRUE(app_->ChangeComplaint(Meta("x-1", "care"), 0,
                                    CloseComplaint{k3, "customer_satisfied", "Happy now."})
                  .ok());
  auto ids = [&](ComplaintListQuery q) {
    std::vector<std::string> out;
    auto page = app_->ListComplaints(q);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& c : page->complaints) out.push_back(c.complaint_id());
    }
    return out;
  };
  EXPECT_THAT(ids({}), ElementsAre(k1, k2, k3));
  EXPECT_THAT(ids({.state = 1}), ElementsAre(k1, k2));
  EXPECT_THAT(ids({.state = 2}), ElementsAre(k3));
  EXPECT_THAT(ids({.customer_id = "cust-1"}), ElementsAre(k1, k3));
  EXPECT_THAT(ids({.state = 1, .customer_id = "cust-1"}), ElementsAre(k1));
  EXPECT_THAT(ids({.technician_id = "tech-1"}), ElementsAre(k1, k2));
  // 48 h later the one nobody answered is overdue.
  EXPECT_THAT(ids({.first_response_overdue = true}), IsEmpty());
  clock_.Advance(absl::Hours(49));
  EXPECT_THAT(ids({.first_response_overdue = true}), ElementsAre(k1));
  // Reopened: open again.
  ASSERT_TRUE(app_->ChangeComplaint(Meta("x-2", "care"), 0, ReopenComplaint{k3, "Broke again."})
                  .ok());
  EXPECT_THAT(ids({.state = 2}), IsEmpty());
  EXPECT_THAT(ids({.state = 1}), ElementsAre(k1, k2, k3));
  // Paging.
  auto first = app_->ListComplaints({.state = 1, .page_size = 2});
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(first->complaints, SizeIs(2));
  auto rest = app_->ListComplaints({.state = 1, .page_size = 2, .page_token = first->next_page_token});
  ASSERT_TRUE(rest.ok());
  ASSERT_THAT(rest->complaints, SizeIs(1));
  EXPECT_EQ(rest->complaints[0].complaint_id(), k3);
  EXPECT_EQ(rest->next_page_token, "");
  EXPECT_EQ(FieldOf(app_->ListComplaints({.page_size = -1}).status()).value_or(""), "page_size");
}

TEST_F(IntakeRoundThreeTest, BackfillIndexesDataOfEarlierBuildsOnce) {
  const std::string ticket = MustOpen("o-1");
  intake::RegisterComplaint c;
  c.kind = "complaint";
  c.ticket_id = ticket;
  c.technician_id = "tech-1";
  c.category = "noise";
  c.description = "Noisy.";
  auto complaint = app_->RegisterComplaint(Meta("k-1", "care"), c);
  ASSERT_TRUE(complaint.ok());
  // As an earlier build left them: none of this round's index entries, no SLA entries.
  std::vector<std::string> removed;
  for (const char* prefix : {"x/ticket_by_phone/", "x/ticket_by_category/", "x/ticket_by_opened/",
                             "x/sla_due/", "x/sla_open/", "x/complaint_by_state/",
                             "x/complaint_by_technician/"}) {
    ASSERT_TRUE(store_
                    ->Scan(prefix, "",
                           [&](std::string_view key, std::string_view) {
                             removed.emplace_back(key);
                             return true;
                           })
                    .ok());
  }
  ASSERT_GE(removed.size(), 6u);
  Batch wipe = store_->NewBatch();
  for (const std::string& key : removed) wipe.Delete(key);
  ASSERT_TRUE(store_->Commit(std::move(wipe)).ok());
  EXPECT_THAT(app_->ListTickets({.phone = "13900000000"})->tickets, IsEmpty());
  EXPECT_THAT(app_->ListComplaints({.state = 1})->complaints, IsEmpty());

  EXPECT_EQ(*app_->BackfillIndexes(), 2);
  EXPECT_THAT(app_->ListTickets({.phone = "13900000000"})->tickets, SizeIs(1));
  EXPECT_THAT(app_->ListTickets({.category = "fridge"})->tickets, SizeIs(1));
  EXPECT_THAT(app_->ListComplaints({.state = 1})->complaints, SizeIs(1));
  EXPECT_THAT(app_->ListComplaints({.technician_id = "tech-1"})->complaints, SizeIs(1));
  // The SLA due entries are back: the sweep warns at 96 minutes.
  clock_.Advance(absl::Minutes(96));
  EXPECT_EQ(*app_->SweepSla(clock_.Now()), 1);
  // Once only.
  EXPECT_EQ(*app_->BackfillIndexes(), 0);
}

}  // namespace
}  // namespace fieldline::intake
