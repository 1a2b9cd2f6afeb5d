// gRPC adapter tests: the real service on an in-process server (port 0), a real store in a temp
// dir, real signed tokens.

#include <chrono>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "fieldline/inventory/v1/inventory_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/common/core/clock.h"
#include "services/common/grpc/auth.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/inventory/adapters/grpc_service.h"
#include "services/inventory/app/inventory_app.h"

namespace fieldline::inventory {
namespace {

constexpr char kSecret[] = "inventory-grpc-test-secret";

class InventoryGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<InventoryApp>(*store_, clock_);
    service_ = std::make_unique<InventoryGrpcService>(*app_, verifier_);
    auto server = GrpcServer::Start("127.0.0.1:0", {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = pb::InventoryService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  // A client context carrying a token for `role` (none if empty).
  std::unique_ptr<grpc::ClientContext> As(const std::string& role) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!role.empty()) {
      absl::StatusOr<std::string> token =
          IssueToken(kSecret, Actor{"user-" + role, role}, absl::Now(), absl::Hours(1));
      EXPECT_TRUE(token.ok()) << token.status();
      context->AddMetadata("authorization", "Bearer " + token.value_or(""));
    }
    return context;
  }

  static std::string FieldOf(const grpc::ClientContext& context) {
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(kFieldTrailer);
    return it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
  }

  grpc::Status RegisterPart(const std::string& role, pb::RegisterPartRequest request,
                            common::v1::CommandAck* ack = nullptr,
                            std::unique_ptr<grpc::ClientContext>* context_out = nullptr) {
    common::v1::CommandAck ignored;
    auto context = As(role);
    grpc::Status status = stub_->RegisterPart(context.get(), request, ack ? ack : &ignored);
    if (context_out) *context_out = std::move(context);
    return status;
  }

  static pb::RegisterPartRequest Filter(const std::string& request_id) {
    pb::RegisterPartRequest request;
    request.set_request_id(request_id);
    request.set_sku("FLT-1");
    request.set_name("Water filter");
    request.set_unit_cost_minor(1200);
    request.set_price_minor(2500);
    return request;
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  TokenVerifier verifier_{kSecret};
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<InventoryApp> app_;
  std::unique_ptr<InventoryGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<pb::InventoryService::Stub> stub_;
};

TEST_F(InventoryGrpcTest, MissingTokenIsUnauthenticated) {
  EXPECT_EQ(RegisterPart("", Filter("r1")).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  pb::PartStock stock;
  pb::GetPartStockRequest request;
  request.set_sku("FLT-1");
  EXPECT_EQ(stub_->GetPartStock(As("").get(), request, &stock).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(InventoryGrpcTest, TechnicianMayNotChangeTheCatalogue) {
  EXPECT_EQ(RegisterPart("technician", Filter("r1")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(app_->GetPartStock("FLT-1").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(InventoryGrpcTest, InvalidInputNamesTheField) {
  pb::RegisterPartRequest request = Filter("r1");
  request.set_price_minor(-5);
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status = RegisterPart("warehouse", request, nullptr, &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(*context), "price_minor");
}

TEST_F(InventoryGrpcTest, MissingRequestIdIsInvalid) {
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status = RegisterPart("warehouse", Filter(""), nullptr, &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "Every change needs a request id, so that a retry does not repeat it.");
  EXPECT_EQ(FieldOf(*context), "request_id");
}

TEST_F(InventoryGrpcTest, ReceiveStockAtUnknownLocationNamesTheField) {
  ASSERT_TRUE(RegisterPart("warehouse", Filter("r1")).ok());
  pb::ReceiveStockRequest request;
  request.set_request_id("r2");
  request.set_sku("FLT-1");
  request.set_location_id("WH-9");
  request.set_quantity(3);
  common::v1::CommandAck ack;
  auto context = As("warehouse");
  grpc::Status status = stub_->ReceiveStock(context.get(), request, &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(FieldOf(*context), "location_id");
}

TEST_F(InventoryGrpcTest, RegisterReceiveAndQueryStock) {
  pb::RegisterLocationRequest location;
  location.set_request_id("loc-1");
  location.set_location_id("WH-1");
  location.set_kind(pb::LOCATION_KIND_WAREHOUSE);
  location.set_name("Central warehouse");
  location.mutable_position()->set_lat(31.23);
  location.mutable_position()->set_lng(121.47);
  common::v1::CommandAck ack;
  ASSERT_TRUE(stub_->RegisterLocation(As("warehouse").get(), location, &ack).ok());
  EXPECT_EQ(ack.aggregate_id(), "WH-1");
  EXPECT_EQ(ack.version(), 1);

  ASSERT_TRUE(RegisterPart("manager", Filter("part-1"), &ack).ok());
  EXPECT_EQ(ack.aggregate_id(), "FLT-1");

  pb::ReceiveStockRequest receipt;
  receipt.set_request_id("rcv-1");
  receipt.set_sku("FLT-1");
  receipt.set_location_id("WH-1");
  receipt.set_quantity(4);
  receipt.set_unit_cost_minor(1000);
  ASSERT_TRUE(stub_->ReceiveStock(As("admin").get(), receipt, &ack).ok());
  EXPECT_EQ(ack.version(), 2);
  common::v1::CommandAck retried;
  ASSERT_TRUE(stub_->ReceiveStock(As("warehouse").get(), receipt, &retried).ok());
  EXPECT_EQ(retried.version(), 2);

  pb::GetPartStockRequest get;
  get.set_sku("FLT-1");
  pb::PartStock stock;
  ASSERT_TRUE(stub_->GetPartStock(As("technician").get(), get, &stock).ok());
  EXPECT_EQ(stock.name(), "Water filter");
  EXPECT_EQ(stock.unit(), "pcs");
  EXPECT_EQ(stock.average_cost_minor(), 1000);
  ASSERT_EQ(stock.locations_size(), 1);
  EXPECT_EQ(stock.locations(0).on_hand(), 4);
  EXPECT_EQ(stock.locations(0).available(), 4);

  pb::ListLocationsRequest list;
  list.set_kind(pb::LOCATION_KIND_WAREHOUSE);
  pb::ListLocationsResponse locations;
  ASSERT_TRUE(stub_->ListLocations(As("dispatcher").get(), list, &locations).ok());
  ASSERT_EQ(locations.locations_size(), 1);
  EXPECT_EQ(locations.locations(0).name(), "Central warehouse");
  list.set_kind(pb::LOCATION_KIND_VAN);
  ASSERT_TRUE(stub_->ListLocations(As("dispatcher").get(), list, &locations).ok());
  EXPECT_EQ(locations.locations_size(), 0);

  pb::ListPartsResponse parts;
  ASSERT_TRUE(stub_->ListParts(As("care").get(), pb::ListPartsRequest(), &parts).ok());
  ASSERT_EQ(parts.parts_size(), 1);
  EXPECT_EQ(parts.parts(0).sku(), "FLT-1");

  pb::GetLocationStockRequest shelf;
  shelf.set_location_id("WH-1");
  pb::GetLocationStockResponse on_shelf;
  ASSERT_TRUE(stub_->GetLocationStock(As("warehouse").get(), shelf, &on_shelf).ok());
  ASSERT_EQ(on_shelf.parts_size(), 1);
  EXPECT_EQ(on_shelf.parts(0).sku(), "FLT-1");
  EXPECT_EQ(on_shelf.parts(0).stock().on_hand(), 4);
  EXPECT_EQ(stub_->GetLocationStock(As("").get(), shelf, &on_shelf).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  shelf.set_location_id("WH-9");
  auto context = As("warehouse");
  EXPECT_EQ(stub_->GetLocationStock(context.get(), shelf, &on_shelf).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(FieldOf(*context), "location_id");
}

TEST_F(InventoryGrpcTest, UnknownPartIsNotFound) {
  pb::GetPartStockRequest get;
  get.set_sku("NOPE");
  pb::PartStock stock;
  auto context = As("dispatcher");
  grpc::Status status = stub_->GetPartStock(context.get(), get, &stock);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "There is no part NOPE in the catalogue.");
  EXPECT_EQ(FieldOf(*context), "sku");
}

TEST_F(InventoryGrpcTest, JobWithoutPartsHasEmptyLines) {
  pb::GetJobPartsRequest request;
  request.set_job_id("J-1");
  pb::JobParts parts;
  ASSERT_TRUE(stub_->GetJobParts(As("technician").get(), request, &parts).ok());
  EXPECT_EQ(parts.job_id(), "J-1");
  EXPECT_EQ(parts.lines_size(), 0);
}

}  // namespace
}  // namespace fieldline::inventory
