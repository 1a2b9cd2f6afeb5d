// The care RPCs of CallbacksService over a real in-process gRPC server with real tokens: auth
// and roles for every RPC, invalid input naming its field, and the care desk's flows.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fieldline/callbacks/v1/callbacks_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/callbacks/adapters/grpc_service.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/core/clock.h"
#include "services/common/grpc/auth.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"

namespace fieldline::callbacks {
namespace {

constexpr char kSecret[] = "care-grpc-test-secret";
const absl::TimeZone kZone = absl::FixedTimeZone(8 * 3600);

absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), kZone);
}

EventEnvelope CustomerRegisteredEvent(const std::string& id, bool consent) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-cust-", id));
  e.set_aggregate_type("Customer");
  e.set_aggregate_id(id);
  e.set_aggregate_version(1);
  ToProto(Local(2024, 1, 1), e.mutable_server_time());
  auto* c = e.mutable_intake()->mutable_customer_registered();
  c->set_customer_id(id);
  c->set_name("Wang Fang");
  c->add_phones("13700000000");
  c->set_consent_to_messages(consent);
  c->set_region("Qingdao");
  return e;
}

std::string FieldTrailer(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kFieldTrailer);
  if (it == trailers.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

class CareGrpcTest : public ::testing::Test {
 protected:
  CareGrpcTest() : clock_(Local(2024, 5, 6, 10)), verifier_(kSecret) {}

  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    app_ = std::make_unique<CallbacksApp>(*store_, clock_);
    app_->SetCarePolicy(CarePolicy{});
    service_ = std::make_unique<CallbacksGrpcService>(*app_, verifier_);
    auto server = GrpcServer::Start("127.0.0.1:0", {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::CallbacksService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  void Deliver(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    ASSERT_TRUE(app_->Apply(event, batch).ok());
    ASSERT_TRUE(store_->Commit(std::move(batch)).ok());
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& role) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!role.empty()) {
      auto token = IssueToken(kSecret, Actor{absl::StrCat("user-", role), role}, absl::Now(),
                              absl::Hours(1));
      EXPECT_TRUE(token.ok()) << token.status();
      context->AddMetadata("authorization", absl::StrCat("Bearer ", *token));
    }
    return context;
  }

  // Every care RPC, called with a request that is invalid in the named field.
  struct Call {
    std::string name;
    std::string invalid_field;
    std::function<grpc::Status(grpc::ClientContext*)> invoke;
  };
  std::vector<Call> Calls() {
    return {
        {"ScheduleCareMessage", "kind",
         [this](grpc::ClientContext* c) {
           v1::ScheduleCareMessageRequest r;
           r.set_request_id("r");
           r.set_customer_id("c1");
           r.set_text("hi");
           common::v1::CommandAck ack;
           return stub_->ScheduleCareMessage(c, r, &ack);
         }},
        {"RecordCareMessageSent", "message_id",
         [this](grpc::ClientContext* c) {
           v1::RecordCareMessageSentRequest r;
           r.set_request_id("r");
           common::v1::CommandAck ack;
           return stub_->RecordCareMessageSent(c, r, &ack);
         }},
        {"RecordCareMessageDelivery", "request_id",
         [this](grpc::ClientContext* c) {
           v1::RecordCareMessageDeliveryRequest r;
           r.set_message_id("m");
           common::v1::CommandAck ack;
           return stub_->RecordCareMessageDelivery(c, r, &ack);
         }},
        {"ListCareMessages", "status",
         [this](grpc::ClientContext* c) {
           v1::ListCareMessagesRequest r;
           r.set_status("lost");
           v1::ListCareMessagesResponse out;
           return stub_->ListCareMessages(c, r, &out);
         }},
        {"LaunchCampaign", "action",
         [this](grpc::ClientContext* c) {
           v1::LaunchCampaignRequest r;
           r.set_request_id("r");
           r.set_name("n");
           r.set_action("email");
           common::v1::CommandAck ack;
           return stub_->LaunchCampaign(c, r, &ack);
         }},
        {"ListCampaigns", "page_size",
         [this](grpc::ClientContext* c) {
           v1::ListCampaignsRequest r;
           r.set_page_size(-1);
           v1::ListCampaignsResponse out;
           return stub_->ListCampaigns(c, r, &out);
         }},
        {"RecordClubEvent", "held_on",
         [this](grpc::ClientContext* c) {
           v1::RecordClubEventRequest r;
           r.set_request_id("r");
           r.set_name("n");
           common::v1::CommandAck ack;
           return stub_->RecordClubEvent(c, r, &ack);
         }},
        {"RecordWebsiteUpdate", "title",
         [this](grpc::ClientContext* c) {
           v1::RecordWebsiteUpdateRequest r;
           r.set_request_id("r");
           common::v1::CommandAck ack;
           return stub_->RecordWebsiteUpdate(c, r, &ack);
         }},
        {"RecordLoungeScore", "score_percent",
         [this](grpc::ClientContext* c) {
           v1::RecordLoungeScoreRequest r;
           r.set_request_id("r");
           r.set_score_percent(120);
           common::v1::CommandAck ack;
           return stub_->RecordLoungeScore(c, r, &ack);
         }},
        {"RecordHomeVisit", "customer_id",
         [this](grpc::ClientContext* c) {
           v1::RecordHomeVisitRequest r;
           r.set_request_id("r");
           common::v1::CommandAck ack;
           return stub_->RecordHomeVisit(c, r, &ack);
         }},
        {"GetCustomerCareHistory", "customer_id",
         [this](grpc::ClientContext* c) {
           v1::GetCustomerCareHistoryRequest r;
           v1::CustomerCareHistory out;
           return stub_->GetCustomerCareHistory(c, r, &out);
         }},
    };
  }

  testing::TempDir dir_;
  FakeClock clock_;
  TokenVerifier verifier_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CallbacksApp> app_;
  std::unique_ptr<CallbacksGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::CallbacksService::Stub> stub_;
};

TEST_F(CareGrpcTest, EveryCareCallNeedsAToken) {
  for (const Call& call : Calls()) {
    auto context = As("");
    EXPECT_EQ(call.invoke(context.get()).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << call.name;
  }
}

TEST_F(CareGrpcTest, TechniciansWarehouseAndDispatchersAreDenied) {
  for (const std::string role : {"technician", "warehouse", "dispatcher", "intake"}) {
    for (const Call& call : Calls()) {
      auto context = As(role);
      EXPECT_EQ(call.invoke(context.get()).error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << call.name << " as " << role;
    }
  }
}

TEST_F(CareGrpcTest, InvalidInputIsInvalidArgumentNamingTheField) {
  for (const std::string role : {"care", "manager", "admin"}) {
    for (const Call& call : Calls()) {
      auto context = As(role);
      EXPECT_EQ(call.invoke(context.get()).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << call.name << " as " << role;
      EXPECT_EQ(FieldTrailer(*context), call.invalid_field) << call.name;
    }
  }
}

TEST_F(CareGrpcTest, AMessageIsScheduledSentDeliveredAndCountedInTheKpis) {
  Deliver(CustomerRegisteredEvent("c1", true));
  v1::ScheduleCareMessageRequest send;
  send.set_request_id("r1");
  send.set_customer_id("c1");
  send.set_kind(v1::CARE_MESSAGE_KIND_INSPECTION);
  send.set_text("Your annual inspection is due.");
  common::v1::CommandAck ack;
  ASSERT_TRUE(stub_->ScheduleCareMessage(As("care").get(), send, &ack).ok());
  const std::string id = ack.aggregate_id();

  v1::RecordCareMessageSentRequest sent;
  sent.set_request_id("s1");
  sent.set_message_id(id);
  sent.set_expected_version(1);
  ASSERT_TRUE(stub_->RecordCareMessageSent(As("care").get(), sent, &ack).ok());
  EXPECT_EQ(ack.version(), 2);
  v1::RecordCareMessageDeliveryRequest delivered;
  delivered.set_request_id("d1");
  delivered.set_message_id(id);
  delivered.set_delivered(true);
  delivered.set_expected_version(1);  // stale
  auto stale = As("care");
  EXPECT_EQ(stub_->RecordCareMessageDelivery(stale.get(), delivered, &ack).error_code(),
            grpc::StatusCode::ABORTED);
  delivered.set_request_id("d2");
  delivered.set_expected_version(2);
  ASSERT_TRUE(stub_->RecordCareMessageDelivery(As("care").get(), delivered, &ack).ok());

  v1::ListCareMessagesRequest list;
  list.set_status("delivered");
  v1::ListCareMessagesResponse messages;
  ASSERT_TRUE(stub_->ListCareMessages(As("manager").get(), list, &messages).ok());
  ASSERT_EQ(messages.messages_size(), 1);
  EXPECT_EQ(messages.messages(0).kind(), v1::CARE_MESSAGE_KIND_INSPECTION);
  EXPECT_EQ(messages.messages(0).customer_phone(), "13700000000");

  v1::RecordHomeVisitRequest visit;
  visit.set_request_id("v1");
  visit.set_customer_id("c1");
  ASSERT_TRUE(stub_->RecordHomeVisit(As("care").get(), visit, &ack).ok());

  v1::GetKpisRequest kpis_request;
  kpis_request.set_period(v1::PERIOD_KIND_MONTH);
  kpis_request.set_year(2024);
  kpis_request.set_number(5);
  v1::Kpis kpis;
  ASSERT_TRUE(stub_->GetKpis(As("manager").get(), kpis_request, &kpis).ok());
  EXPECT_EQ(kpis.care_greetings_delivered(), 1);
  EXPECT_EQ(kpis.care_home_visits(), 1);
  EXPECT_DOUBLE_EQ(kpis.care_greetings_completion(), 1.1);  // (1 + 1 × 10) ÷ 1000
  ASSERT_TRUE(kpis.has_care_rate());
  EXPECT_DOUBLE_EQ(kpis.care_rate(), 1.1 * 0.3);

  v1::GetCustomerCareHistoryRequest history_request;
  history_request.set_customer_id("c1");
  v1::CustomerCareHistory history;
  ASSERT_TRUE(stub_->GetCustomerCareHistory(As("care").get(), history_request, &history).ok());
  EXPECT_EQ(history.messages_size(), 1);
  EXPECT_EQ(history.home_visits_size(), 1);
}

TEST_F(CareGrpcTest, ACampaignIsListedWithItsCounts) {
  Deliver(CustomerRegisteredEvent("c1", true));
  Deliver(CustomerRegisteredEvent("c2", false));
  v1::LaunchCampaignRequest launch;
  launch.set_request_id("k1");
  launch.set_campaign_id("typhoon");
  launch.set_name("Typhoon warning");
  launch.mutable_segment()->add_regions("Qingdao");
  launch.set_action("message");
  launch.set_kind(v1::CARE_MESSAGE_KIND_WEATHER);
  launch.set_text("台风预警：请关好门窗。");
  common::v1::CommandAck ack;
  ASSERT_TRUE(stub_->LaunchCampaign(As("manager").get(), launch, &ack).ok());
  EXPECT_EQ(ack.aggregate_id(), "typhoon");
  v1::ListCampaignsResponse campaigns;
  ASSERT_TRUE(
      stub_->ListCampaigns(As("care").get(), v1::ListCampaignsRequest(), &campaigns).ok());
  ASSERT_EQ(campaigns.campaigns_size(), 1);
  EXPECT_EQ(campaigns.campaigns(0).targeted(), 2);
  EXPECT_EQ(campaigns.campaigns(0).created(), 1);
  EXPECT_EQ(campaigns.campaigns(0).skipped(), 1);
  EXPECT_EQ(campaigns.campaigns(0).launched().name(), "Typhoon warning");

  v1::RecordClubEventRequest club;
  club.set_request_id("e1");
  club.set_name("Owners' day");
  fieldline::ToProto(Local(2024, 5, 4), club.mutable_held_on());
  club.set_units(8);
  club.set_people(16);
  club.set_attendee_list_filed(true);
  club.set_summary_filed(true);
  club.set_display_board_filed(true);
  ASSERT_TRUE(stub_->RecordClubEvent(As("care").get(), club, &ack).ok());
  v1::GetKpisRequest kpis_request;
  kpis_request.set_period(v1::PERIOD_KIND_QUARTER);
  kpis_request.set_year(2024);
  kpis_request.set_number(2);
  v1::Kpis kpis;
  ASSERT_TRUE(stub_->GetKpis(As("manager").get(), kpis_request, &kpis).ok());
  EXPECT_DOUBLE_EQ(kpis.care_club_completion(), 100);
}

}  // namespace
}  // namespace fieldline::callbacks
