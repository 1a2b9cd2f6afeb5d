// IntakeApp's issue-3 paths against a real EventStore in a temp dir: customers, assets,
// entitlement at intake, the people-driven lifecycle with expected versions, list filters,
// customer history, timelines and "as it was at".

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
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromUnixSeconds(1'790'000'000);

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

class IntakeLifecycleAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    IntakePolicy policy;
    policy.store_repair_promise = absl::Hours(48);
    policy.factory_return_promise = absl::Hours(24 * 20);
    app_ = std::make_unique<IntakeApp>(*store_, clock_, ids_, policy);
  }

  CommandMeta Meta(const std::string& request_id, const std::string& role = "intake") const {
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = Actor{"agent-1", role};
    meta.now = clock_.Now();
    return meta;
  }

  static intake::RegisterCustomer Customer(const std::string& phone = "138 0532 1234") {
    intake::RegisterCustomer c;
    c.name = "Wang Wei";
    c.phones = {phone, "0532-8888-0000"};
    c.address = "5 Sea View Road";
    c.location = GeoPoint{36.06, 120.38};
    c.tier = CustomerTier::kA;
    c.consent_to_messages = true;
    return c;
  }

  std::string MustRegisterCustomer(const std::string& request_id,
                                   const std::string& phone = "138 0532 1234") {
    auto ack = app_->RegisterCustomer(Meta(request_id), Customer(phone));
    EXPECT_TRUE(ack.ok()) << ack.status();
    return ack.ok() ? ack->aggregate_id() : "";
  }

  std::string MustRegisterAsset(const std::string& request_id, const std::string& customer_id,
                                absl::Time installed_on) {
    intake::RegisterAsset a;
    a.customer_id = customer_id;
    a.model = "BCD-470";
    a.serial = "SN-" + request_id;
    a.category = "refrigerator";
    a.installed_on = installed_on;
    auto ack = app_->RegisterAsset(Meta(request_id), a);
    EXPECT_TRUE(ack.ok()) << ack.status();
    return ack.ok() ? ack->aggregate_id() : "";
  }

  std::string MustOpen(const std::string& request_id, const std::string& customer_id = "",
                       const std::string& asset_id = "", const std::string& category = "fridge",
                       const std::string& phone = "13900000000") {
    intake::OpenTicket c;
    c.customer.customer_id = customer_id;
    c.customer.name = "Li Wei";
    c.customer.phone = phone;
    c.category = category;
    c.asset_id = asset_id;
    auto ack = app_->OpenTicket(Meta(request_id), c);
    EXPECT_TRUE(ack.ok()) << ack.status();
    return ack.ok() ? ack->aggregate_id() : "";
  }

  size_t StreamSize(const std::string& type, const std::string& id) {
    auto stream = store_->ReadStream({type, id});
    EXPECT_TRUE(stream.ok());
    return stream.ok() ? stream->size() : 0;
  }

  std::vector<std::string> ListIds(TicketListQuery query) {
    std::vector<std::string> ids;
    query.page_size = kMaxPageSize;
    auto page = app_->ListTickets(query);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& t : page->tickets) ids.push_back(t.ticket_id());
    }
    return ids;
  }

  fieldline::testing::TempDir dir_;
  FakeClock clock_{kStart};
  CountingIds ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<IntakeApp> app_;
};

// --------------------------------------------------------------------------------- customers

TEST_F(IntakeLifecycleAppTest, RegisterCustomerStoresProjectionAndFindsByAnyPhone) {
  const std::string id = MustRegisterCustomer("c-1");
  auto customer = app_->GetCustomer(id);
  ASSERT_TRUE(customer.ok()) << customer.status();
  EXPECT_EQ(customer->name(), "Wang Wei");
  EXPECT_EQ(customer->tier(), v1::CUSTOMER_TIER_A);
  EXPECT_THAT(customer->phones(), ElementsAre("138 0532 1234", "0532-8888-0000"));
  EXPECT_EQ(customer->version(), 1);
  auto found = app_->FindCustomerByPhone("0532 8888 0000");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->customer_id(), id);
  EXPECT_EQ(app_->FindCustomerByPhone("13000000000").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(app_->FindCustomerByPhone("call me").status()).value_or(""), "phone");
}

TEST_F(IntakeLifecycleAppTest, RegisterCustomerTwiceWithOneRequestIdHasOneEffect) {
  auto first = app_->RegisterCustomer(Meta("c-1"), Customer());
  auto second = app_->RegisterCustomer(Meta("c-1"), Customer());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->aggregate_id(), second->aggregate_id());
  EXPECT_EQ(StreamSize("Customer", first->aggregate_id()), 1u);
}

TEST_F(IntakeLifecycleAppTest, DuplicatePhoneIsRefusedNamingTheExistingCustomer) {
  const std::string id = MustRegisterCustomer("c-1");
  auto dup = app_->RegisterCustomer(Meta("c-2"), Customer("13000000001"));
  ASSERT_FALSE(dup.ok());  // second phone 0532-8888-0000 is Wang Wei's
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(dup.status()).value_or(""), "phones[1]");
  EXPECT_THAT(std::string(dup.status().message()), HasSubstr(id));
  // Nothing written: the new phone is nobody's.
  EXPECT_EQ(app_->FindCustomerByPhone("13000000001").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(IntakeLifecycleAppTest, BadCustomerInputWritesNothing) {
  intake::RegisterCustomer c = Customer();
  c.name = "";
  auto ack = app_->RegisterCustomer(Meta("c-1"), c);
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "name");
  EXPECT_EQ(app_->FindCustomerByPhone("138 0532 1234").status().code(),
            absl::StatusCode::kNotFound);
  auto request = store_->FindRequest("c-1");
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(request->has_value());
}

// ------------------------------------------------------------------------------------ assets

TEST_F(IntakeLifecycleAppTest, RegisterAssetNeedsAnExistingCustomer) {
  intake::RegisterAsset a;
  a.customer_id = "nobody";
  a.model = "M";
  a.serial = "S";
  a.installed_on = kStart;
  auto ack = app_->RegisterAsset(Meta("a-1"), a);
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "customer_id");
}

TEST_F(IntakeLifecycleAppTest, AssetWarrantyDefaultsToTwoYearsAndShowsInTheHistory) {
  const std::string alice = MustRegisterCustomer("c-1", "13800000001");
  ASSERT_FALSE(alice.empty());
  const absl::Time installed = kStart - absl::Hours(24 * 100);
  const std::string asset = MustRegisterAsset("a-1", alice, installed);
  auto got = app_->GetAsset(asset);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(FromProto(got->warranty_end()), AddYears(installed, 2));
  auto history = app_->GetCustomerHistory(alice);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_THAT(history->assets, SizeIs(1));
  EXPECT_EQ(history->assets[0].asset_id(), asset);
}

class IntakeAssetTransferTest : public IntakeLifecycleAppTest {
 protected:
  void SetUp() override {
    IntakeLifecycleAppTest::SetUp();
    intake::RegisterCustomer a = Customer("13800000001");
    a.phones = {"13800000001"};
    intake::RegisterCustomer b = Customer("13800000002");
    b.phones = {"13800000002"};
    alice_ = app_->RegisterCustomer(Meta("c-a"), a)->aggregate_id();
    bob_ = app_->RegisterCustomer(Meta("c-b"), b)->aggregate_id();
    asset_ = MustRegisterAsset("a-1", alice_, kStart - absl::Hours(24));
  }
  std::string alice_, bob_, asset_;
};

TEST_F(IntakeAssetTransferTest, TransferMovesOwnershipAndHistory) {
  auto ack = app_->TransferAsset(Meta("t-1"), 1, {asset_, bob_, "Sold."});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->version(), 2);
  auto asset = app_->GetAsset(asset_);
  EXPECT_EQ(asset->customer_id(), bob_);
  EXPECT_THAT(asset->previous_customer_ids(), ElementsAre(alice_));
  EXPECT_THAT(app_->GetCustomerHistory(alice_)->assets, IsEmpty());
  EXPECT_THAT(app_->GetCustomerHistory(bob_)->assets, SizeIs(1));
  // Same request id again: the same ack, one event.
  auto again = app_->TransferAsset(Meta("t-1"), 1, {asset_, bob_, "Sold."});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version(), 2);
  EXPECT_EQ(StreamSize("Asset", asset_), 2u);
}

TEST_F(IntakeAssetTransferTest, StaleExpectedVersionIsAbortedAndWritesNothing) {
  auto ack = app_->TransferAsset(Meta("t-1"), 5, {asset_, bob_, "Sold."});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(ack.status().message()), HasSubstr("is at version 1, not 5"));
  EXPECT_EQ(StreamSize("Asset", asset_), 1u);
  EXPECT_EQ(app_->GetAsset(asset_)->customer_id(), alice_);
}

// ----------------------------------------------------------------------- tickets and assets

TEST_F(IntakeAssetTransferTest, OpenTicketWithAssetRecordsEntitlementAndFillsTheCustomer) {
  intake::OpenTicket c;
  c.asset_id = asset_;
  c.category = "refrigerator";
  c.fault_cause = "misuse";
  c.service_promise = "On site within 24 h";
  auto ack = app_->OpenTicket(Meta("o-1"), c);
  ASSERT_TRUE(ack.ok()) << ack.status();
  auto ticket = app_->GetTicket(ack->aggregate_id());
  ASSERT_TRUE(ticket.ok());
  EXPECT_EQ(ticket->customer().customer_id(), alice_);
  EXPECT_EQ(ticket->customer().name(), "Wang Wei");
  EXPECT_EQ(ticket->customer().phone(), "13800000001");
  EXPECT_EQ(ticket->entitlement().coverage(), v1::COVERAGE_PARTS_AT_COST);
  EXPECT_TRUE(ticket->entitlement().in_warranty());
  EXPECT_THAT(ticket->entitlement().explanation(), HasSubstr("misuse"));
  EXPECT_EQ(ticket->service_promise(), "On site within 24 h");
  auto history = app_->GetCustomerHistory(alice_);
  ASSERT_TRUE(history.ok());
  ASSERT_THAT(history->tickets, SizeIs(1));
  EXPECT_EQ(history->tickets[0].ticket_id(), ack->aggregate_id());
}

TEST_F(IntakeAssetTransferTest, OpenTicketWithUnknownAssetWritesNothing) {
  intake::OpenTicket c;
  c.customer.name = "X";
  c.customer.phone = "13900000000";
  c.category = "fridge";
  c.asset_id = "no-such-asset";
  auto ack = app_->OpenTicket(Meta("o-1"), c);
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "asset_id");
  EXPECT_THAT(ListIds({}), IsEmpty());
}

// ------------------------------------------------------------------------ ticket lifecycle

TEST_F(IntakeLifecycleAppTest, RemoteFixThenCloseThenReopen) {
  const std::string t = MustOpen("o-1");
  auto resolved = app_->ChangeTicket(Meta("r-1"), 1, ResolveRemotely{t, "Reset by phone."});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->version(), 2);
  auto closed = app_->ChangeTicket(Meta("r-2", "care"), 2, CloseTicket{t, "satisfied"});
  ASSERT_TRUE(closed.ok()) << closed.status();
  auto ticket = app_->GetTicket(t);
  EXPECT_EQ(ticket->state(), v1::TICKET_STATE_CLOSED);
  EXPECT_EQ(ticket->close_outcome(), "satisfied");
  ListIds({});  // the state index follows
  EXPECT_THAT(ListIds({.status = TicketStatus::kClosed}), ElementsAre(t));
  auto reopened = app_->ChangeTicket(Meta("r-3"), 0, ReopenTicket{t, "Fault came back."});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_THAT(ListIds({.status = TicketStatus::kClosed}), IsEmpty());
  EXPECT_THAT(ListIds({.status = TicketStatus::kOpen}), ElementsAre(t));
  EXPECT_EQ(app_->GetTicket(t)->reopen_count(), 1);
}

TEST_F(IntakeLifecycleAppTest, SameRequestIdTwiceHasOneEffect) {
  const std::string t = MustOpen("o-1");
  auto first = app_->ChangeTicket(Meta("x-1"), 1, CancelTicket{t, "Withdrawn."});
  auto second = app_->ChangeTicket(Meta("x-1"), 1, CancelTicket{t, "Withdrawn."});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->version(), 2);
  EXPECT_EQ(StreamSize("Ticket", t), 2u);
  EXPECT_EQ(app_->GetTicket(t)->cancel_reason(), "Withdrawn.");
}

TEST_F(IntakeLifecycleAppTest, StaleExpectedVersionIsAbortedAndWritesNothing) {
  const std::string t = MustOpen("o-1");
  auto ack = app_->ChangeTicket(Meta("x-1"), 3, CancelTicket{t, "Withdrawn."});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(StreamSize("Ticket", t), 1u);
  auto negative = app_->ChangeTicket(Meta("x-2"), -1, CancelTicket{t, "Withdrawn."});
  EXPECT_EQ(FieldOf(negative.status()).value_or(""), "expected_version");
}

TEST_F(IntakeLifecycleAppTest, IllegalTransitionNamesTheStateAndWritesNothing) {
  const std::string t = MustOpen("o-1");
  auto ack = app_->ChangeTicket(Meta("x-1"), 0, CloseTicket{t, "satisfied"});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(ack.status().message()), HasSubstr("is open"));
  EXPECT_EQ(StreamSize("Ticket", t), 1u);
  auto missing = app_->ChangeTicket(Meta("x-2"), 0, CancelTicket{"nope", "x"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto blank = app_->ChangeTicket(Meta("x-3"), 0, CancelTicket{t, ""});
  EXPECT_EQ(FieldOf(blank.status()).value_or(""), "reason");
}

TEST_F(IntakeLifecycleAppTest, DepotPathUsesThePolicyPromises) {
  const std::string t = MustOpen("o-1");
  ASSERT_TRUE(app_->ChangeTicket(Meta("d-1"), 1, ReceiveAtServiceCentre{t, "SC-1"}).ok());
  clock_.Advance(absl::Hours(5));
  ASSERT_TRUE(app_->ChangeTicket(Meta("d-2"), 2, SendToFactory{t, "Factory-Q"}).ok());
  auto ticket = app_->GetTicket(t);
  EXPECT_EQ(ticket->state(), v1::TICKET_STATE_AT_FACTORY);
  EXPECT_EQ(FromProto(ticket->promised_ready_by()), kStart + absl::Hours(48));
  EXPECT_EQ(FromProto(ticket->promised_back_by()), kStart + absl::Hours(5 + 24 * 20));
  ASSERT_TRUE(app_->ChangeTicket(Meta("d-3"), 3, ReceiveFromFactory{t, ""}).ok());
  ASSERT_TRUE(app_->ChangeTicket(Meta("d-4"), 4, ReturnToCustomer{t, "Board replaced."}).ok());
  ASSERT_TRUE(app_->ChangeTicket(Meta("d-5", "care"), 5, CloseTicket{t, "satisfied"}).ok());
  EXPECT_EQ(app_->GetTicket(t)->state(), v1::TICKET_STATE_CLOSED);
}

// --------------------------------------------------------------------------------- queries

TEST_F(IntakeLifecycleAppTest, ListFiltersByCustomerPhoneCategoryAndDateWithPaging) {
  const std::string a = MustOpen("o-1", "cust-1", "", "fridge", "13900000001");
  clock_.Advance(absl::Hours(1));
  const std::string b = MustOpen("o-2", "cust-2", "", "washer", "139-0000-0002");
  clock_.Advance(absl::Hours(1));
  const std::string c = MustOpen("o-3", "cust-1", "", "washer", "13900000003");
  EXPECT_THAT(ListIds({.customer_id = "cust-1"}), ElementsAre(a, c));
  EXPECT_THAT(ListIds({.phone = "13900000002"}), ElementsAre(b));
  EXPECT_THAT(ListIds({.category = "washer"}), ElementsAre(b, c));
  EXPECT_THAT(ListIds({.opened_from = kStart + absl::Minutes(30),
                       .opened_before = kStart + absl::Minutes(90)}),
              ElementsAre(b));
  EXPECT_THAT(ListIds({.technician_id = "tech-1"}), IsEmpty());
  // Paging through a filter: one per page, stable order.
  auto first = app_->ListTickets({.page_size = 1, .category = "washer"});
  ASSERT_TRUE(first.ok());
  ASSERT_THAT(first->tickets, SizeIs(1));
  EXPECT_EQ(first->tickets[0].ticket_id(), b);
  auto next = app_->ListTickets(
      {.page_size = 1, .page_token = first->next_page_token, .category = "washer"});
  ASSERT_TRUE(next.ok());
  ASSERT_THAT(next->tickets, SizeIs(1));
  EXPECT_EQ(next->tickets[0].ticket_id(), c);
  EXPECT_EQ(next->next_page_token, "");
  auto bad = app_->ListTickets({.opened_from = kStart, .opened_before = kStart});
  EXPECT_EQ(FieldOf(bad.status()).value_or(""), "opened_before");
}

TEST_F(IntakeLifecycleAppTest, TimelineSaysWhoWhatWhenAndWhy) {
  const std::string t = MustOpen("o-1");
  clock_.Advance(absl::Minutes(10));
  CommandMeta meta = Meta("x-1", "dispatcher");
  meta.device_time = kStart + absl::Minutes(9);
  ASSERT_TRUE(app_->ChangeTicket(meta, 1, CancelTicket{t, "Customer withdrew."}).ok());
  auto timeline = app_->GetTimeline("Ticket", t);
  ASSERT_TRUE(timeline.ok()) << timeline.status();
  ASSERT_EQ(timeline->entries_size(), 2);
  const auto& cancel = timeline->entries(1);
  EXPECT_EQ(cancel.what(), "TicketCancelled");
  EXPECT_EQ(cancel.role(), "dispatcher");
  EXPECT_EQ(cancel.why(), "Customer withdrew.");
  EXPECT_EQ(FromProto(cancel.server_time()), kStart + absl::Minutes(10));
  EXPECT_EQ(FromProto(cancel.device_time()), kStart + absl::Minutes(9));
  EXPECT_FALSE(timeline->entries(0).has_device_time());
  EXPECT_EQ(app_->GetTimeline("Job", t).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(app_->GetTimeline("Ticket", "nope").status().code(), absl::StatusCode::kNotFound);
  const std::string customer = MustRegisterCustomer("c-1");
  auto customer_timeline = app_->GetTimeline("Customer", customer);
  ASSERT_TRUE(customer_timeline.ok());
  EXPECT_EQ(customer_timeline->entries(0).what(), "CustomerRegistered");
}

TEST_F(IntakeLifecycleAppTest, TicketAsItWasAtAPastMoment) {
  const std::string t = MustOpen("o-1");
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(app_->ChangeTicket(Meta("x-1"), 1, ResolveRemotely{t, "Reset."}).ok());
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(app_->ChangeTicket(Meta("x-2", "care"), 2, CloseTicket{t, "satisfied"}).ok());
  auto then = app_->GetTicketAsOf(t, kStart + absl::Minutes(90));
  ASSERT_TRUE(then.ok()) << then.status();
  EXPECT_EQ(then->state(), v1::TICKET_STATE_RESOLVED_REMOTELY);
  EXPECT_EQ(then->version(), 2);
  EXPECT_EQ(app_->GetTicketAsOf(t, kStart)->state(), v1::TICKET_STATE_OPEN);
  EXPECT_EQ(app_->GetTicketAsOf(t, kStart + absl::Hours(5))->state(), v1::TICKET_STATE_CLOSED);
  auto before = app_->GetTicketAsOf(t, kStart - absl::Seconds(1));
  EXPECT_EQ(before.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(before.status()).value_or(""), "as_of");
}

// -------------------------------------------------------------------------------- complaints

TEST_F(IntakeLifecycleAppTest, ComplaintNotesCloseReopenAndHistory) {
  const std::string customer = MustRegisterCustomer("c-1");
  intake::RegisterComplaint c;
  c.kind = "grievance";
  c.customer_id = customer;
  c.category = "punctuality";
  c.description = "Technician came two hours late.";
  auto ack = app_->RegisterComplaint(Meta("k-1", "care"), c);
  ASSERT_TRUE(ack.ok()) << ack.status();
  const std::string id = ack->aggregate_id();
  auto again = app_->RegisterComplaint(Meta("k-1", "care"), c);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->aggregate_id(), id);
  EXPECT_EQ(StreamSize("Complaint", id), 1u);

  clock_.Advance(absl::Hours(3));
  ASSERT_TRUE(app_->ChangeComplaint(Meta("k-2", "care"), 1,
                                    AddComplaintNote{id, "apologise", "Apologised."})
                  .ok());
  // Staff "resolving" does not close it; nothing written.
  auto refused = app_->ChangeComplaint(Meta("k-3", "care"), 2,
                                       intake::CloseComplaint{id, "resolved", "done", ""});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StreamSize("Complaint", id), 2u);
  // A sign-off by care is refused: the role comes from who asks, not from the request.
  auto care_signoff = app_->ChangeComplaint(
      Meta("k-4", "care"), 2, intake::CloseComplaint{id, "manager_signoff", "x", "manager"});
  EXPECT_EQ(care_signoff.status().code(), absl::StatusCode::kPermissionDenied);
  auto stale = app_->ChangeComplaint(Meta("k-5", "manager"), 1,
                                     intake::CloseComplaint{id, "manager_signoff", "x", ""});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(app_->ChangeComplaint(Meta("k-6", "manager"), 2,
                                    intake::CloseComplaint{id, "manager_signoff",
                                                           "Company rules cannot resolve it.", ""})
                  .ok());
  auto complaint = app_->GetComplaint(id);
  ASSERT_TRUE(complaint.ok());
  EXPECT_TRUE(complaint->closed());
  EXPECT_EQ(complaint->close_basis(), "manager_signoff");
  EXPECT_EQ(FromProto(complaint->first_response_due()), kStart + absl::Hours(48));
  EXPECT_EQ(FromProto(complaint->first_responded_at()), kStart + absl::Hours(3));
  ASSERT_EQ(complaint->notes_size(), 1);
  EXPECT_EQ(complaint->notes(0).step(), "apologise");
  ASSERT_TRUE(app_->ChangeComplaint(Meta("k-7", "care"), 3, intake::ReopenComplaint{id, "Again."})
                  .ok());
  EXPECT_FALSE(app_->GetComplaint(id)->closed());
  auto history = app_->GetCustomerHistory(customer);
  ASSERT_TRUE(history.ok());
  ASSERT_THAT(history->complaints, SizeIs(1));
  EXPECT_EQ(history->complaints[0].reopen_count(), 1);
  auto timeline = app_->GetTimeline("Complaint", id);
  ASSERT_TRUE(timeline.ok());
  EXPECT_EQ(timeline->entries_size(), 4);
  EXPECT_EQ(timeline->entries(2).role(), "manager");
}

// ------------------------------------------------------------------ callbacks: dissatisfaction

// Scheduling and callbacks events as their outboxes would publish them.
EventEnvelope SourceEnvelope(const std::string& event_id, const std::string& aggregate_type,
                             const std::string& aggregate_id, int64_t version) {
  EventEnvelope e;
  e.set_event_id(event_id);
  e.set_aggregate_type(aggregate_type);
  e.set_aggregate_id(aggregate_id);
  e.set_aggregate_version(version);
  ToProto(kStart, e.mutable_server_time());
  e.mutable_actor()->set_user_id("someone");
  e.mutable_actor()->set_role("system");
  e.set_correlation_id("corr-cb");
  return e;
}

class IntakeCallbackReactionTest : public IntakeLifecycleAppTest {
 protected:
  absl::Status Deliver(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    absl::Status status = app_->Apply(event, batch);
    if (!status.ok()) return status;
    return store_->Commit(std::move(batch));
  }

  // A ticket taken through assigned → started → completed by scheduling's events.
  void Complete(const std::string& ticket) {
    scheduling::v1::SchedulingEvent assigned;
    assigned.mutable_job_assigned()->set_job_id("job-7");
    assigned.mutable_job_assigned()->set_ticket_id(ticket);
    assigned.mutable_job_assigned()->set_technician_id("tech-9");
    scheduling::v1::SchedulingEvent started;
    started.mutable_job_started()->set_job_id("job-7");
    started.mutable_job_started()->set_ticket_id(ticket);
    started.mutable_job_started()->set_technician_id("tech-9");
    scheduling::v1::SchedulingEvent completed;
    completed.mutable_job_completed()->set_job_id("job-7");
    completed.mutable_job_completed()->set_ticket_id(ticket);
    completed.mutable_job_completed()->set_technician_id("tech-9");
    completed.mutable_job_completed()->set_resolution("Replaced the thermostat.");
    int n = 0;
    for (auto& payload : {assigned, started, completed}) {
      ++n;
      EventEnvelope e = SourceEnvelope(DeriveId(ticket, absl::StrCat("sched/", n)), "Job",
                                       "job-7", n + 1);
      *e.mutable_scheduling() = payload;
      ASSERT_TRUE(Deliver(e).ok()) << e.DebugString();
    }
    ASSERT_EQ(app_->GetTicket(ticket)->state(), v1::TICKET_STATE_COMPLETED);
  }

  static EventEnvelope Dissatisfied(
      const std::string& ticket, const std::string& technician,
      const std::string& event_id = "0192a7f0-cb00-7000-8000-000000000001") {
    EventEnvelope e = SourceEnvelope(event_id, "Callback", "cb-1", 5);
    auto* d = e.mutable_callbacks()->mutable_callback_dissatisfied();
    d->set_callback_id("cb-1");
    d->set_job_id("job-7");
    d->set_ticket_id(ticket);
    d->set_technician_id(technician);
    d->add_low_questions("attitude");
    d->add_low_questions("punctuality");
    d->set_lowest_answer(2);
    d->set_threshold(3);
    return e;
  }
};

TEST_F(IntakeCallbackReactionTest, DissatisfiedCallbackOpensOneComplaintAndReopensTheTicket) {
  const std::string customer = MustRegisterCustomer("c-1");
  const std::string ticket = MustOpen("o-1", customer);
  Complete(ticket);
  const int64_t completed_version = app_->GetTicket(ticket)->version();
  const EventEnvelope source = Dissatisfied(ticket, "");

  ASSERT_TRUE(Deliver(source).ok());

  const std::string complaint_id = DeriveId(source.event_id(), "intake/complaint");
  auto complaint = app_->GetComplaint(complaint_id);
  ASSERT_TRUE(complaint.ok()) << complaint.status();
  EXPECT_EQ(complaint->kind(), "complaint");
  EXPECT_EQ(complaint->channel(), "callback");
  EXPECT_EQ(complaint->ticket_id(), ticket);
  EXPECT_EQ(complaint->customer_id(), customer);
  EXPECT_EQ(complaint->technician_id(), "tech-9");  // from the ticket: the event had none
  EXPECT_THAT(complaint->description(), HasSubstr("attitude, punctuality"));
  EXPECT_THAT(complaint->description(), HasSubstr("lowest answer 2"));
  EXPECT_EQ(complaint->version(), 1);
  auto complaint_stream = store_->ReadStream({"Complaint", complaint_id});
  ASSERT_TRUE(complaint_stream.ok());
  ASSERT_THAT(*complaint_stream, SizeIs(1));
  EXPECT_EQ((*complaint_stream)[0].event_id(), DeriveId(source.event_id(), "intake/1"));
  EXPECT_EQ((*complaint_stream)[0].causation_id(), source.event_id());
  EXPECT_EQ((*complaint_stream)[0].correlation_id(), "corr-cb");

  auto reopened = app_->GetTicket(ticket);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->state(), v1::TICKET_STATE_OPEN);
  EXPECT_EQ(reopened->version(), completed_version + 1);
  EXPECT_EQ(reopened->reopen_count(), 1);
  auto ticket_stream = store_->ReadStream({"Ticket", ticket});
  ASSERT_TRUE(ticket_stream.ok());
  EXPECT_EQ(ticket_stream->back().event_id(), DeriveId(source.event_id(), "intake/2"));
  EXPECT_TRUE(ticket_stream->back().intake().has_ticket_reopened());

  auto history = app_->GetCustomerHistory(customer);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_THAT(history->complaints, SizeIs(1));
  EXPECT_EQ(history->complaints[0].complaint_id(), complaint_id);
}

TEST_F(IntakeCallbackReactionTest, SameEventTwiceChangesNothingTheSecondTime) {
  const std::string customer = MustRegisterCustomer("c-1");
  const std::string ticket = MustOpen("o-1", customer);
  Complete(ticket);
  const EventEnvelope source = Dissatisfied(ticket, "tech-2");
  ASSERT_TRUE(Deliver(source).ok());
  const int64_t ticket_version = app_->GetTicket(ticket)->version();
  const std::string complaint_id = DeriveId(source.event_id(), "intake/complaint");

  Batch batch = store_->NewBatch();
  ASSERT_TRUE(app_->Apply(source, batch).ok());
  EXPECT_TRUE(batch.empty());
  ASSERT_TRUE(store_->Commit(std::move(batch)).ok());

  EXPECT_EQ(app_->GetTicket(ticket)->version(), ticket_version);
  EXPECT_EQ(app_->GetTicket(ticket)->state(), v1::TICKET_STATE_OPEN);
  EXPECT_EQ(StreamSize("Complaint", complaint_id), 1u);
  EXPECT_EQ(app_->GetComplaint(complaint_id)->technician_id(), "tech-2");  // the event's
  auto history = app_->GetCustomerHistory(customer);
  ASSERT_TRUE(history.ok());
  EXPECT_THAT(history->complaints, SizeIs(1));
}

TEST_F(IntakeCallbackReactionTest, UnknownTicketIsNotFoundAndWritesNothing) {
  const std::string unknown = "0192a7f0-0000-7000-8000-999999999999";
  const EventEnvelope source = Dissatisfied(unknown, "tech-2");
  Batch batch = store_->NewBatch();
  absl::Status status = app_->Apply(source, batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(status), "ticket_id");
  EXPECT_TRUE(batch.empty());
  const std::string complaint_id = DeriveId(source.event_id(), "intake/complaint");
  EXPECT_EQ(app_->GetComplaint(complaint_id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(StreamSize("Complaint", complaint_id), 0u);
  EXPECT_EQ(StreamSize("Ticket", unknown), 0u);
}

TEST_F(IntakeCallbackReactionTest, TicketThatCannotBeReopenedStillGetsTheComplaint) {
  const std::string ticket = MustOpen("o-1");  // OPEN: reopen is not allowed
  const EventEnvelope source = Dissatisfied(ticket, "tech-2");
  ASSERT_TRUE(Deliver(source).ok());
  auto complaint = app_->GetComplaint(DeriveId(source.event_id(), "intake/complaint"));
  ASSERT_TRUE(complaint.ok()) << complaint.status();
  EXPECT_EQ(complaint->ticket_id(), ticket);
  EXPECT_EQ(app_->GetTicket(ticket)->version(), 1);
  EXPECT_EQ(app_->GetTicket(ticket)->state(), v1::TICKET_STATE_OPEN);
}

TEST_F(IntakeCallbackReactionTest, OtherCallbackEventsAreIgnored) {
  const std::string ticket = MustOpen("o-1");
  EventEnvelope e = SourceEnvelope("0192a7f0-cb00-7000-8000-000000000002", "Callback", "cb-1", 1);
  e.mutable_callbacks()->mutable_callback_scheduled()->set_ticket_id(ticket);
  Batch batch = store_->NewBatch();
  EXPECT_TRUE(app_->Apply(e, batch).ok());
  EXPECT_TRUE(batch.empty());
}

}  // namespace
}  // namespace fieldline::intake
