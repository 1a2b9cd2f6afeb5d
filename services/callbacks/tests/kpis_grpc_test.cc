// CallbacksService KPI RPCs over a real in-process gRPC server with real tokens:
// ListEarlyWarnings and the session-3 fields of GetKpis.

#include <memory>
#include <string>

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

constexpr char kSecret[] = "callbacks-kpis-grpc-test-secret";

absl::Time Utc(int y, int mo, int d, int h = 0) {
  return absl::FromCivil(absl::CivilHour(y, mo, d, h), absl::UTCTimeZone());
}

EventEnvelope AssetRegistered(absl::Time at) {
  EventEnvelope e;
  e.set_event_id("evt-asset-a-1");
  e.set_aggregate_type("Asset");
  e.set_aggregate_id("a-1");
  ToProto(at, e.mutable_server_time());
  auto* a = e.mutable_intake()->mutable_asset_registered();
  a->set_asset_id("a-1");
  a->set_customer_id("cust-1");
  a->set_model("WM-100");
  return e;
}

EventEnvelope TicketOpened(const std::string& ticket_id, absl::Time at) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-open-", ticket_id));
  e.set_aggregate_type("Ticket");
  e.set_aggregate_id(ticket_id);
  ToProto(at, e.mutable_server_time());
  auto* o = e.mutable_intake()->mutable_ticket_opened();
  o->set_ticket_id(ticket_id);
  o->mutable_customer()->set_customer_id("cust-1");
  o->set_category("leak");
  o->set_asset_id("a-1");
  return e;
}

std::string FieldTrailer(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kFieldTrailer);
  if (it == trailers.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

class KpisGrpcTest : public ::testing::Test {
 protected:
  KpisGrpcTest() : clock_(Utc(2024, 6, 6, 10)), verifier_(kSecret) {}

  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    app_ = std::make_unique<CallbacksApp>(*store_, clock_);
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

  testing::TempDir dir_;
  FakeClock clock_;
  TokenVerifier verifier_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CallbacksApp> app_;
  std::unique_ptr<CallbacksGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::CallbacksService::Stub> stub_;
};

TEST_F(KpisGrpcTest, ListEarlyWarningsNeedsAToken) {
  auto context = As("");
  v1::ListEarlyWarningsResponse response;
  grpc::Status status = stub_->ListEarlyWarnings(context.get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
}

TEST_F(KpisGrpcTest, ListEarlyWarningsIsForManagersAndAdmins) {
  for (const char* role : {"care", "dispatcher", "technician"}) {
    auto context = As(role);
    v1::ListEarlyWarningsResponse response;
    grpc::Status status = stub_->ListEarlyWarnings(context.get(), {}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << role;
  }
  for (const char* role : {"manager", "admin"}) {
    auto context = As(role);
    v1::ListEarlyWarningsResponse response;
    grpc::Status status = stub_->ListEarlyWarnings(context.get(), {}, &response);
    EXPECT_TRUE(status.ok()) << role << ": " << status.error_message();
  }
}

TEST_F(KpisGrpcTest, ListEarlyWarningsNamesTheBadField) {
  v1::ListEarlyWarningsRequest request;
  request.set_period(v1::PERIOD_KIND_MONTH);
  request.set_year(2024);
  request.set_number(13);
  auto context = As("manager");
  v1::ListEarlyWarningsResponse response;
  grpc::Status status = stub_->ListEarlyWarnings(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "number");

  request.set_number(5);
  request.set_year(0);
  auto no_year = As("manager");
  status = stub_->ListEarlyWarnings(no_year.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*no_year), "year");

  v1::ListEarlyWarningsRequest paging;
  paging.set_page_size(-1);
  auto bad_page = As("manager");
  status = stub_->ListEarlyWarnings(bad_page.get(), paging, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*bad_page), "page_size");
}

TEST_F(KpisGrpcTest, ListEarlyWarningsShowsTheWarningOfTheMonth) {
  Deliver(AssetRegistered(Utc(2024, 1, 1)));
  for (int day : {3, 4, 5}) Deliver(TicketOpened(absl::StrCat("t", day), Utc(2024, 5, day)));
  v1::ListEarlyWarningsRequest request;
  request.set_period(v1::PERIOD_KIND_MONTH);
  request.set_year(2024);
  request.set_number(5);
  auto context = As("manager");
  v1::ListEarlyWarningsResponse response;
  grpc::Status status = stub_->ListEarlyWarnings(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.warnings_size(), 1);
  const v1::EarlyWarningRaised& w = response.warnings(0);
  EXPECT_EQ(w.product_model(), "WM-100");
  EXPECT_EQ(w.category(), "leak");
  EXPECT_EQ(w.period_kind(), "month");
  EXPECT_EQ(w.period(), "2024-05");
  EXPECT_EQ(w.count(), 3);
  EXPECT_EQ(w.threshold(), 3);
  EXPECT_EQ(w.ticket_ids_size(), 3);
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_F(KpisGrpcTest, GetKpisCarriesSlaChurnComplaintsAndPartsFillByJob) {
  v1::GetKpisRequest request;
  request.set_period(v1::PERIOD_KIND_MONTH);
  request.set_year(2024);
  request.set_number(5);
  auto context = As("manager");
  v1::Kpis response;
  grpc::Status status = stub_->GetKpis(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.has_sla_response());
  EXPECT_TRUE(response.has_sla_on_site());
  EXPECT_TRUE(response.has_sla_resolution());
  EXPECT_TRUE(response.has_churn());
  EXPECT_TRUE(response.has_complaint_handling());
  EXPECT_TRUE(response.has_parts_fill_jobs());
  EXPECT_FALSE(response.churn().has_percent());  // nobody to lose yet

  v1::GetKpisRequest bad;
  auto no_period = As("manager");
  status = stub_->GetKpis(no_period.get(), bad, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*no_period), "period");
}

}  // namespace
}  // namespace fieldline::callbacks
