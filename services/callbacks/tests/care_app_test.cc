// CallbacksApp care against a real EventStore in a temp dir: facts from intake's and scheduling's
// events, product callbacks, care messages and their delivery, birthday greetings, campaigns,
// club events, records, the care history and the care rate.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "gtest/gtest.h"
#include "services/callbacks/adapters/policy_file.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"

namespace fieldline::callbacks {
namespace {

const absl::TimeZone kZone = absl::FixedTimeZone(8 * 3600);

absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), kZone);
}

EventEnvelope Envelope(const std::string& event_id, const std::string& type,
                       const std::string& id, absl::Time at) {
  EventEnvelope e;
  e.set_event_id(event_id);
  e.set_aggregate_type(type);
  e.set_aggregate_id(id);
  e.set_aggregate_version(1);
  ToProto(at, e.mutable_server_time());
  e.set_correlation_id(absl::StrCat("corr-", event_id));
  return e;
}

// As intake publishes them.
EventEnvelope CustomerRegisteredEvent(const std::string& id, const std::string& birthday,
                                      bool consent, int tier = 3,
                                      const std::string& region = "Qingdao/Shinan") {
  EventEnvelope e = Envelope(absl::StrCat("evt-cust-", id), "Customer", id, Local(2024, 1, 2));
  auto* c = e.mutable_intake()->mutable_customer_registered();
  c->set_customer_id(id);
  c->set_name(absl::StrCat("Name of ", id));
  c->add_phones(absl::StrCat("138", id));
  c->set_birthday(birthday);
  c->set_consent_to_messages(consent);
  c->set_tier(static_cast<intake::v1::CustomerTier>(tier));
  c->set_region(region);
  return e;
}

EventEnvelope CustomerUpdatedEvent(const std::string& id, const std::string& birthday,
                                   bool consent) {
  EventEnvelope e = Envelope(absl::StrCat("evt-upd-", id), "Customer", id, Local(2024, 1, 3));
  auto* c = e.mutable_intake()->mutable_customer_updated();
  c->set_customer_id(id);
  c->set_name(absl::StrCat("New name of ", id));
  c->add_phones("13999999999");
  c->set_birthday(birthday);
  c->set_consent_to_messages(consent);
  c->set_region("Jinan");
  return e;
}

EventEnvelope AssetRegisteredEvent(const std::string& asset_id, const std::string& customer_id,
                                   std::optional<absl::Time> installed,
                                   std::optional<absl::Time> purchased,
                                   const std::string& model = "BCD-215") {
  EventEnvelope e = Envelope(absl::StrCat("evt-asset-", asset_id), "Asset", asset_id,
                             Local(2024, 5, 6, 9));
  auto* a = e.mutable_intake()->mutable_asset_registered();
  a->set_asset_id(asset_id);
  a->set_customer_id(customer_id);
  a->set_model(model);
  a->set_category("fridge");
  if (installed) ToProto(*installed, a->mutable_installed_on());
  if (purchased) ToProto(*purchased, a->mutable_purchased_on());
  return e;
}

EventEnvelope TicketOpenedEvent(const std::string& ticket_id, const std::string& customer_id) {
  EventEnvelope e = Envelope(absl::StrCat("evt-open-", ticket_id), "Ticket", ticket_id,
                             Local(2024, 1, 5));
  auto* o = e.mutable_intake()->mutable_ticket_opened();
  o->set_ticket_id(ticket_id);
  o->mutable_customer()->set_customer_id(customer_id);
  o->mutable_customer()->set_name("x");
  o->set_category("repair");
  return e;
}

EventEnvelope JobCompletedEvent(const std::string& job_id, const std::string& ticket_id,
                                absl::Time at) {
  EventEnvelope e = Envelope(absl::StrCat("evt-done-", job_id), "Job", job_id, at);
  auto* c = e.mutable_scheduling()->mutable_job_completed();
  c->set_job_id(job_id);
  c->set_ticket_id(ticket_id);
  c->set_technician_id("tech-7");
  return e;
}

std::string Field(const absl::Status& s) { return FieldOf(s).value_or(""); }

class CareAppTest : public ::testing::Test {
 protected:
  // Monday 6 May 2024, 08:00 in Qingdao.
  CareAppTest() : clock_(Local(2024, 5, 6, 8)) {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    app_ = std::make_unique<CallbacksApp>(*store_, clock_);
    app_->SetCarePolicy(CarePolicy{});
  }

  void SetNow(absl::Time t) { clock_.Advance(t - clock_.Now()); }

  absl::Status Deliver(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    absl::Status applied = app_->Apply(event, batch);
    if (!applied.ok()) return applied;
    return store_->Commit(std::move(batch));
  }

  CommandMeta Meta(const std::string& request_id) {
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = Actor{"care-1", "care", {}};
    meta.now = clock_.Now();
    meta.correlation_id = request_id;
    return meta;
  }

  absl::StatusOr<common::v1::CommandAck> Send(const std::string& request_id,
                                              const std::string& customer_id,
                                              MessageKind kind = MessageKind::kCare) {
    return app_->SendCareMessage(
        Meta(request_id),
        ScheduleCareMessage{.customer_id = customer_id, .kind = kind, .text = "Hello"});
  }

  CareMessageState Message(const std::string& id) {
    auto page = app_->ListCareMessages({});
    EXPECT_TRUE(page.ok());
    for (const CareMessageState& m : page->messages) {
      if (m.message_id == id) return m;
    }
    ADD_FAILURE() << "no message " << id;
    return {};
  }

  std::vector<CareMessageState> Messages(std::optional<MessageStatus> status = std::nullopt) {
    auto page = app_->ListCareMessages(ListCareMessagesQuery{.status = status});
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->messages : std::vector<CareMessageState>{};
  }

  Period Month(int y, int m) { return *MakePeriod(PeriodKind::kMonth, y, m, kZone); }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CallbacksApp> app_;
};

// --- delivered / installed product callbacks ---

TEST_F(CareAppTest, ARecentInstallationOwesOneCallbackWithTheCustomersNameHeardTwice) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "", true)).ok());
  const EventEnvelope asset =
      AssetRegisteredEvent("a1", "c1", Local(2024, 5, 5, 15), Local(2024, 5, 1));
  ASSERT_TRUE(Deliver(asset).ok());
  ASSERT_TRUE(Deliver(asset).ok());
  absl::StatusOr<CallbackView> view = app_->GetCallback(ProductCallbackId("a1"));
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->callback.reason, "product_installed");
  EXPECT_EQ(view->callback.due_at, Local(2024, 5, 7, 15));
  EXPECT_EQ(view->callback.customer_name, "Name of c1");
  EXPECT_EQ(view->callback.version, 1);
  // It counts in callback success like any other (open, in the denominator).
  absl::StatusOr<KpiReport> kpis =
      app_->GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = 2024, .number = 5});
  ASSERT_TRUE(kpis.ok());
  EXPECT_EQ(kpis->callback_success.open, 1);
  // And it is in the customer's care history.
  absl::StatusOr<CareHistory> history = app_->GetCustomerCareHistory("c1");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->callbacks.size(), 1u);
}

TEST_F(CareAppTest, ADeliveryOnlyIsADeliveredCallbackAndAnOldOneOwesNone) {
  ASSERT_TRUE(Deliver(AssetRegisteredEvent("a1", "c1", std::nullopt, Local(2024, 5, 4))).ok());
  ASSERT_TRUE(
      Deliver(AssetRegisteredEvent("a2", "c1", std::nullopt, Local(2024, 4, 29, 8, 59, 59))).ok());
  ASSERT_TRUE(Deliver(AssetRegisteredEvent("a3", "c1", std::nullopt, std::nullopt)).ok());
  absl::StatusOr<CallbackView> view = app_->GetCallback(ProductCallbackId("a1"));
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->callback.reason, "product_delivered");
  EXPECT_EQ(app_->GetCallback(ProductCallbackId("a2")).status().code(),
            absl::StatusCode::kNotFound);  // 7 days + 1 s before registration: an import
  EXPECT_EQ(app_->GetCallback(ProductCallbackId("a3")).status().code(),
            absl::StatusCode::kNotFound);
}

// --- care messages ---

TEST_F(CareAppTest, AMessageToAConsentingCustomerIsScheduledOnceForARequestId) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "", true)).ok());
  absl::StatusOr<common::v1::CommandAck> first = Send("r1", "c1", MessageKind::kInspection);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<common::v1::CommandAck> again = Send("r1", "c1", MessageKind::kInspection);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->aggregate_id(), first->aggregate_id());
  ASSERT_EQ(Messages().size(), 1u);
  const CareMessageState m = Message(first->aggregate_id());
  EXPECT_EQ(m.status, MessageStatus::kScheduled);
  EXPECT_EQ(m.customer_name, "Name of c1");
  EXPECT_EQ(m.scheduled_for, clock_.Now());
}

TEST_F(CareAppTest, BadInputOrAnUnknownCustomerWritesNothing) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "", true)).ok());
  absl::Status unknown = Send("r1", "nobody").status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Field(unknown), "customer_id");
  EXPECT_EQ(Field(app_->SendCareMessage(Meta("r2"), ScheduleCareMessage{.customer_id = "c1",
                                                                         .kind = MessageKind::kCare})
                      .status()),
            "text");
  EXPECT_EQ(Field(Send("r3", "c1", MessageKind::kBirthday).status()), "kind");
  EXPECT_TRUE(Messages().empty());
}

TEST_F(CareAppTest, WithoutConsentOrOverTheCapTheMessageIsRecordedAsSkipped) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "", false)).ok());
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c2", "", true)).ok());
  ASSERT_TRUE(Send("r1", "c1").ok());
  ASSERT_EQ(Messages(MessageStatus::kSkipped).size(), 1u);
  EXPECT_EQ(Messages(MessageStatus::kSkipped)[0].skip_reason, kSkipNoConsent);

  ASSERT_TRUE(Send("r2", "c2").ok());
  SetNow(clock_.Now() + absl::Hours(24));
  ASSERT_TRUE(Send("r3", "c2").ok());
  SetNow(clock_.Now() + absl::Hours(24));
  ASSERT_TRUE(Send("r4", "c2").ok());  // third within 7 days: over the cap of 2
  std::vector<CareMessageState> skipped = Messages(MessageStatus::kSkipped);
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_EQ(Messages(MessageStatus::kScheduled).size(), 2u);
  // Seven days after the first, one slot is free again.
  SetNow(Local(2024, 5, 13, 8));
  ASSERT_TRUE(Send("r5", "c2").ok());
  EXPECT_EQ(Messages(MessageStatus::kScheduled).size(), 3u);
}

TEST_F(CareAppTest, SentThenDeliveredOrFailedOnlyDeliveredGreetingsCount) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "", true)).ok());
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c2", "", true)).ok());
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c3", "", true)).ok());
  const std::string care = Send("r1", "c1", MessageKind::kCare)->aggregate_id();
  const std::string holiday = Send("r2", "c2", MessageKind::kHoliday)->aggregate_id();
  const std::string failing = Send("r3", "c3", MessageKind::kLicence)->aggregate_id();
  // Delivery before sending is refused and writes nothing.
  EXPECT_EQ(app_->ReportMessageDelivery(Meta("d0"), RecordMessageDelivery{.message_id = care,
                                                                          .delivered = true})
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  for (const std::string& id : {care, holiday, failing}) {
    ASSERT_TRUE(app_->ReportMessageSent(Meta(absl::StrCat("s-", id)), {.message_id = id}).ok());
  }
  // The same report twice: one effect.
  ASSERT_TRUE(app_->ReportMessageSent(Meta(absl::StrCat("s-", care)), {.message_id = care}).ok());
  EXPECT_EQ(Message(care).version, 2);
  ASSERT_TRUE(app_->ReportMessageDelivery(Meta("d1"), {.message_id = care, .delivered = true}).ok());
  ASSERT_TRUE(
      app_->ReportMessageDelivery(Meta("d2"), {.message_id = holiday, .delivered = true}).ok());
  EXPECT_EQ(Field(app_->ReportMessageDelivery(Meta("d3"), {.message_id = failing}).status()),
            "failure_reason");
  ASSERT_TRUE(app_->ReportMessageDelivery(Meta("d4"), {.message_id = failing,
                                                       .failure_reason = "number unreachable"})
                  .ok());
  EXPECT_EQ(Message(failing).failure_reason, "number unreachable");
  EXPECT_EQ(Messages(MessageStatus::kDelivered).size(), 2u);
  EXPECT_EQ(Messages(MessageStatus::kFailed).size(), 1u);
  EXPECT_TRUE(Messages(MessageStatus::kSent).empty());

  absl::StatusOr<CareKpis> kpis = app_->CareKpisFor(Month(2024, 5));
  ASSERT_TRUE(kpis.ok());
  EXPECT_EQ(kpis->greetings_delivered, 1);  // the care message; holiday never, failed not
  EXPECT_DOUBLE_EQ(kpis->rate.greetings_completion, 0.1);  // 1 ÷ 1000
  absl::StatusOr<CareKpis> june = app_->CareKpisFor(Month(2024, 6));
  ASSERT_TRUE(june.ok());
  EXPECT_EQ(june->greetings_delivered, 0);
}

// --- birthday greetings ---

TEST_F(CareAppTest, BirthdayGreetingsForConsentingCustomersOnTheirDayOnce) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "1980-05-06", true)).ok());
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c2", "1990-05-06", false)).ok());
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c3", "1990-05-07", true)).ok());
  absl::StatusOr<int> created = app_->CreateBirthdayGreetings(clock_.Now());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(*created, 1);
  EXPECT_EQ(*app_->CreateBirthdayGreetings(clock_.Now() + absl::Minutes(5)), 0);
  const CareMessageState m = Message(BirthdayMessageId("c1", 2024));
  EXPECT_EQ(m.kind, MessageKind::kBirthday);
  EXPECT_EQ(m.scheduled_for, Local(2024, 5, 6, 9));
  EXPECT_EQ(m.due_by, Local(2024, 5, 6, 11));
  EXPECT_EQ(Messages().size(), 1u);  // nothing at all for c2 (no consent)
}

TEST_F(CareAppTest, AGreetingSentAtExactlyTwoHoursIsOnTimeOneSecondLaterIsLate) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "1980-05-06", true)).ok());
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c2", "1981-05-06", true)).ok());
  ASSERT_EQ(*app_->CreateBirthdayGreetings(clock_.Now()), 2);
  SetNow(Local(2024, 5, 6, 11));
  ASSERT_TRUE(app_->ReportMessageSent(Meta("s1"), {.message_id = BirthdayMessageId("c1", 2024)})
                  .ok());
  SetNow(Local(2024, 5, 6, 11, 0, 1));
  ASSERT_TRUE(app_->ReportMessageSent(Meta("s2"), {.message_id = BirthdayMessageId("c2", 2024)})
                  .ok());
  EXPECT_FALSE(Message(BirthdayMessageId("c1", 2024)).late);
  EXPECT_TRUE(Message(BirthdayMessageId("c2", 2024)).late);
}

TEST_F(CareAppTest, FridayGreetsTheWeekendAndTheWeekendNobody) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "1980-05-11", true)).ok());
  SetNow(Local(2024, 5, 11, 10));  // Saturday
  EXPECT_EQ(*app_->CreateBirthdayGreetings(clock_.Now()), 0);
  SetNow(Local(2024, 5, 10, 7));  // Friday
  EXPECT_EQ(*app_->CreateBirthdayGreetings(clock_.Now()), 1);
  EXPECT_EQ(Message(BirthdayMessageId("c1", 2024)).scheduled_for, Local(2024, 5, 10, 9));
}

TEST_F(CareAppTest, TheTwentyNinthOfFebruaryIsGreetedOnTheTwentyEighthInAYearWithout) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "1980-02-29", true)).ok());
  SetNow(Local(2023, 2, 28, 8));  // Tuesday
  EXPECT_EQ(*app_->CreateBirthdayGreetings(clock_.Now()), 1);
  EXPECT_EQ(Message(BirthdayMessageId("c1", 2023)).scheduled_for, Local(2023, 2, 28, 9));
}

TEST_F(CareAppTest, ABirthdayOrConsentChangedByIntakeIsFollowed) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "1980-05-06", false)).ok());
  ASSERT_TRUE(Deliver(CustomerUpdatedEvent("c1", "1980-05-07", true)).ok());
  ASSERT_TRUE(Deliver(CustomerUpdatedEvent("c1", "1980-05-07", true)).ok());  // heard twice
  EXPECT_EQ(*app_->CreateBirthdayGreetings(clock_.Now()), 0);  // no longer the 6th
  SetNow(Local(2024, 5, 7, 8));
  EXPECT_EQ(*app_->CreateBirthdayGreetings(clock_.Now()), 1);
  EXPECT_EQ(Message(BirthdayMessageId("c1", 2024)).customer_name, "New name of c1");
}

TEST_F(CareAppTest, AConsentGivenLaterInTheDayStillGetsTheGreeting) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "1980-05-06", false)).ok());
  EXPECT_EQ(*app_->CreateBirthdayGreetings(clock_.Now()), 0);
  ASSERT_TRUE(Deliver(CustomerUpdatedEvent("c1", "1980-05-06", true)).ok());
  EXPECT_EQ(*app_->CreateBirthdayGreetings(clock_.Now() + absl::Minutes(5)), 1);
}

// --- campaigns ---

class CampaignTest : public CareAppTest {
 protected:
  void SetUp() override {
    // c1: key account in Qingdao with a fridge, visited in March; c2: tier 3 in Qingdao without
    // consent, never visited; c3: tier 3 in Jinan with a washer.
    ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "", true, 1, "Qingdao/Shinan")).ok());
    ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c2", "", false, 3, "Qingdao/Laoshan")).ok());
    ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c3", "", true, 3, "Jinan")).ok());
    ASSERT_TRUE(Deliver(AssetRegisteredEvent("a1", "c1", std::nullopt, std::nullopt)).ok());
    ASSERT_TRUE(
        Deliver(AssetRegisteredEvent("a3", "c3", std::nullopt, std::nullopt, "XQG-70")).ok());
    ASSERT_TRUE(Deliver(TicketOpenedEvent("t1", "c1")).ok());
    ASSERT_TRUE(Deliver(JobCompletedEvent("j1", "t1", Local(2024, 3, 15))).ok());
  }

  CampaignView Campaign(const std::string& id) {
    auto page = app_->ListCampaigns(0, "");
    EXPECT_TRUE(page.ok());
    for (const CampaignView& v : page->campaigns) {
      if (v.launched.campaign_id() == id) return v;
    }
    ADD_FAILURE() << "no campaign " << id;
    return {};
  }
};

TEST_F(CampaignTest, AHolidayMessageToARegionSkipsWhoDidNotConsent) {
  absl::StatusOr<common::v1::CommandAck> ack = app_->RunCampaign(
      Meta("k1"), LaunchCampaign{.name = "Dragon Boat Festival",
                                 .segment = Segment{.regions = {"Qingdao"}},
                                 .action = CampaignAction::kMessage,
                                 .kind = MessageKind::kHoliday,
                                 .text = "端午安康！"});
  ASSERT_TRUE(ack.ok()) << ack.status();
  // The same request again: nothing new.
  ASSERT_TRUE(app_->RunCampaign(Meta("k1"), LaunchCampaign{.name = "Dragon Boat Festival",
                                                          .segment = Segment{.regions = {"Qingdao"}},
                                                          .action = CampaignAction::kMessage,
                                                          .kind = MessageKind::kHoliday,
                                                          .text = "端午安康！"})
                  .ok());
  const CampaignView view = Campaign(ack->aggregate_id());
  EXPECT_EQ(view.targeted, 2);
  EXPECT_EQ(view.created, 1);
  EXPECT_EQ(view.skipped, 1);
  ASSERT_EQ(view.launched.skipped_customer_ids_size(), 1);
  EXPECT_EQ(view.launched.skipped_customer_ids(0), "c2");
  EXPECT_EQ(view.launched.skip_reasons(0), kSkipNoConsent);
  EXPECT_EQ(Messages().size(), 2u);  // one scheduled, one skipped
  const CareMessageState m = Message(CampaignMessageId(ack->aggregate_id(), "c1"));
  EXPECT_EQ(m.campaign_id, ack->aggregate_id());
  EXPECT_EQ(m.kind, MessageKind::kHoliday);
  // Delivery shows in the campaign's counts.
  ASSERT_TRUE(app_->ReportMessageSent(Meta("s"), {.message_id = m.message_id}).ok());
  ASSERT_TRUE(
      app_->ReportMessageDelivery(Meta("d"), {.message_id = m.message_id, .delivered = true}).ok());
  EXPECT_EQ(Campaign(ack->aggregate_id()).delivered, 1);
}

TEST_F(CampaignTest, CallbacksToOwnersOfAModelNotCountedInCallbackSuccess) {
  absl::StatusOr<common::v1::CommandAck> ack =
      app_->RunCampaign(Meta("k2"), LaunchCampaign{.campaign_id = "fridge-check",
                                                   .name = "Fridge owners",
                                                   .segment = Segment{.models = {"BCD-215"}},
                                                   .action = CampaignAction::kCallback});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->aggregate_id(), "fridge-check");
  absl::StatusOr<CallbackView> cb = app_->GetCallback(CampaignCallbackId("fridge-check", "c1"));
  ASSERT_TRUE(cb.ok()) << cb.status();
  EXPECT_EQ(cb->callback.reason, "campaign");
  EXPECT_EQ(cb->callback.due_at, clock_.Now() + absl::Hours(72));
  EXPECT_EQ(Campaign("fridge-check").created, 1);
  absl::StatusOr<KpiReport> kpis =
      app_->GetKpis(KpiQuery{.period = PeriodKind::kMonth, .year = 2024, .number = 5});
  ASSERT_TRUE(kpis.ok());
  EXPECT_EQ(kpis->callback_success.open, 0);
  // Launching the same campaign id again is refused.
  EXPECT_EQ(app_->RunCampaign(Meta("k3"), LaunchCampaign{.campaign_id = "fridge-check",
                                                         .name = "again",
                                                         .action = CampaignAction::kCallback})
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(CampaignTest, SegmentsByTierAndLastVisit) {
  ASSERT_TRUE(app_->RunCampaign(Meta("k4"), LaunchCampaign{.campaign_id = "tier3",
                                                           .name = "Tier 3",
                                                           .segment = Segment{.tiers = {3}},
                                                           .action = CampaignAction::kCallback})
                  .ok());
  EXPECT_EQ(Campaign("tier3").targeted, 2);
  ASSERT_TRUE(app_->RunCampaign(Meta("k5"),
                                LaunchCampaign{.campaign_id = "lapsed",
                                               .name = "Not seen since April",
                                               .segment = Segment{.last_visit_before =
                                                                      Local(2024, 4, 1)},
                                               .action = CampaignAction::kCallback})
                  .ok());
  EXPECT_EQ(Campaign("lapsed").targeted, 3);  // c1 in March; c2, c3 never
  ASSERT_TRUE(app_->RunCampaign(Meta("k6"),
                                LaunchCampaign{.campaign_id = "recent",
                                               .name = "Seen since March",
                                               .segment = Segment{.last_visit_after =
                                                                      Local(2024, 3, 15)},
                                               .action = CampaignAction::kCallback})
                  .ok());
  EXPECT_EQ(Campaign("recent").targeted, 1);
}

TEST_F(CampaignTest, TheCapAppliesToCampaignCallbacksAndBadInputWritesNothing) {
  ASSERT_TRUE(Send("m1", "c3").ok());
  ASSERT_TRUE(Send("m2", "c3").ok());
  ASSERT_TRUE(app_->RunCampaign(Meta("k7"), LaunchCampaign{.campaign_id = "jinan",
                                                           .name = "Jinan",
                                                           .segment = Segment{.regions = {"Jinan"}},
                                                           .action = CampaignAction::kCallback})
                  .ok());
  const CampaignView view = Campaign("jinan");
  EXPECT_EQ(view.created, 0);
  ASSERT_EQ(view.skipped, 1);
  EXPECT_EQ(view.launched.skip_reasons(0), kSkipFrequencyCap);
  EXPECT_EQ(Field(app_->RunCampaign(Meta("k8"), LaunchCampaign{.name = "x"}).status()), "action");
  EXPECT_EQ(app_->ListCampaigns(0, "")->campaigns.size(), 1u);
}

// --- club events, website, lounge, home visits: the care rate ---

TEST_F(CareAppTest, TheCareRateOfAMonthFromTheRecordedFacts) {
  ASSERT_TRUE(Deliver(CustomerRegisteredEvent("c1", "", true)).ok());
  const ClubEvent valid{.units = 8,
                        .people = 16,
                        .attendee_list_filed = true,
                        .summary_filed = true,
                        .display_board_filed = true};
  ClubEvent short_of_people = valid;
  short_of_people.people = 15;
  ASSERT_TRUE(app_->FileClubEvent(Meta("e1"), RecordClubEvent{.club_event_id = "e1",
                                                              .name = "Owners' day",
                                                              .held_on = Local(2024, 5, 4),
                                                              .facts = valid})
                  .ok());
  ASSERT_TRUE(app_->FileClubEvent(Meta("e2"), RecordClubEvent{.club_event_id = "e2",
                                                              .name = "Small day",
                                                              .held_on = Local(2024, 5, 5),
                                                              .facts = short_of_people})
                  .ok());
  ASSERT_TRUE(app_->FileClubEvent(Meta("e3"), RecordClubEvent{.club_event_id = "e3",
                                                              .name = "June day",
                                                              .held_on = Local(2024, 6, 1),
                                                              .facts = valid})
                  .ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(app_->AddWebsiteUpdate(Meta(absl::StrCat("w", i)),
                                       RecordWebsiteUpdate{.title = "News"})
                    .ok());
  }
  ASSERT_TRUE(app_->AddWebsiteUpdate(Meta("w0"), RecordWebsiteUpdate{.title = "News"}).ok());
  ASSERT_TRUE(app_->AddLoungeScore(Meta("l1"), RecordLoungeScore{.score_percent = 90}).ok());
  ASSERT_TRUE(app_->AddLoungeScore(Meta("l2"), RecordLoungeScore{.score_percent = 100}).ok());
  ASSERT_TRUE(
      app_->AddHomeVisit(Meta("v1"), RecordHomeVisit{.customer_id = "c1", .note = "tea"}).ok());
  EXPECT_EQ(Field(app_->AddLoungeScore(Meta("l3"), RecordLoungeScore{.score_percent = 101})
                      .status()),
            "score_percent");
  EXPECT_EQ(Field(app_->AddHomeVisit(Meta("v2"), RecordHomeVisit{}).status()), "customer_id");

  absl::StatusOr<CareKpis> may = app_->CareKpisFor(Month(2024, 5));
  ASSERT_TRUE(may.ok()) << may.status();
  EXPECT_DOUBLE_EQ(may->rate.club_completion, 300);        // 1 valid ÷ (1 per quarter ÷ 3)
  EXPECT_DOUBLE_EQ(may->rate.greetings_completion, 1);     // 1 visit × 10 ÷ 1000
  EXPECT_DOUBLE_EQ(may->rate.website_completion, 20);      // 3 ÷ 15
  EXPECT_DOUBLE_EQ(may->rate.lounge, 95);
  EXPECT_DOUBLE_EQ(may->rate.value, 300 * 0.3 + 1 * 0.3 + 20 * 0.2 + 95 * 0.2);
  EXPECT_DOUBLE_EQ(may->completion, may->rate.value / 95 * 100);
  EXPECT_EQ(may->home_visits, 1);

  // Amending the small day (one more attendee) makes it valid; the quarter sees all three.
  ASSERT_TRUE(app_->FileClubEvent(Meta("e2b"), RecordClubEvent{.club_event_id = "e2",
                                                               .name = "Small day",
                                                               .held_on = Local(2024, 5, 5),
                                                               .facts = valid,
                                                               .expected_version = 1})
                  .ok());
  absl::StatusOr<CareKpis> q2 =
      app_->CareKpisFor(*MakePeriod(PeriodKind::kQuarter, 2024, 2, kZone));
  ASSERT_TRUE(q2.ok());
  EXPECT_DOUBLE_EQ(q2->rate.club_completion, 300);  // 3 valid ÷ 1
  absl::StatusOr<CareKpis> year = app_->CareKpisFor(*MakePeriod(PeriodKind::kYear, 2024, 0, kZone));
  ASSERT_TRUE(year.ok());
  EXPECT_DOUBLE_EQ(year->rate.club_completion, 75);   // 3 valid ÷ 4 (one per quarter)
  EXPECT_DOUBLE_EQ(year->rate.website_completion, 100.0 * 3 / 180);  // 15 a month × 12
  EXPECT_EQ(app_->FileClubEvent(Meta("e2c"), RecordClubEvent{.club_event_id = "e2",
                                                             .name = "Small day",
                                                             .held_on = Local(2024, 5, 5),
                                                             .facts = valid,
                                                             .expected_version = 1})
                .status()
                .code(),
            absl::StatusCode::kAborted);

  absl::StatusOr<CareHistory> history = app_->GetCustomerCareHistory("c1");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->home_visits.size(), 1u);
  EXPECT_EQ(history->home_visits[0].note, "tea");
  EXPECT_EQ(Field(app_->GetCustomerCareHistory("").status()), "customer_id");
}

// --- the care section of the policy file ---

TEST(CarePolicyFile, TheCareKeysAreReadAndBadValuesNameTheKey) {
  absl::StatusOr<CallbacksPolicies> p = ParsePolicyYaml(R"(
care:
  birthday_exempt_from_cap: false
  birthday_text: "Happy birthday!"
  product_callback_recent_days: 3
  campaign_callback_delay_hours: 24
  greetings_task: 500
  home_visit_weight: 5
  club_events_per_quarter: 2
  website_updates_per_month: 10
  weight_club_events: 25
  weight_greetings: 35
  weight_website: 20
  weight_lounge: 20
  club_min_units: 10
  club_min_people: 20
)");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->care.birthday_exempt_from_cap);
  EXPECT_EQ(p->care.birthday_text, "Happy birthday!");
  EXPECT_EQ(p->care.product_callback_recent, absl::Hours(72));
  EXPECT_EQ(p->care.campaign_callback_delay, absl::Hours(24));
  EXPECT_EQ(p->care.tasks.greetings_per_period, 500);
  EXPECT_EQ(p->care.tasks.home_visit_weight, 5);
  EXPECT_DOUBLE_EQ(p->care.tasks.club_events_per_quarter, 2);
  EXPECT_EQ(p->care.tasks.website_updates_per_month, 10);
  EXPECT_DOUBLE_EQ(p->care.weights.club_events, 25);
  EXPECT_DOUBLE_EQ(p->care.weights.greetings, 35);
  EXPECT_EQ(p->care.club_rule.min_units, 10);
  EXPECT_EQ(p->care.club_rule.min_people, 20);
  // Defaults stay when the section is absent.
  absl::StatusOr<CallbacksPolicies> empty = ParsePolicyYaml("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->care.birthday_exempt_from_cap);
  EXPECT_EQ(empty->care.tasks.greetings_per_period, 1000);
  EXPECT_EQ(Field(ParsePolicyYaml("care:\n  birthday_exempt_from_cap: maybe\n").status()),
            "care.birthday_exempt_from_cap");
  EXPECT_EQ(Field(ParsePolicyYaml("care:\n  greetings_task: 0\n").status()),
            "care.greetings_task");
  EXPECT_EQ(Field(ParsePolicyYaml("care:\n  club_min_people: -1\n").status()),
            "care.club_min_people");
}

}  // namespace
}  // namespace fieldline::callbacks
