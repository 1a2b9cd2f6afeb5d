// gRPC tests of the stock moves (issue 5): the real service on an in-process server (port 0), a
// real store in a temp dir, real signed tokens; 100 concurrent clients for the last 10 units.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "fieldline/inventory/v1/inventory_service.grpc.pb.h"
#include "gmock/gmock.h"
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

using ::testing::HasSubstr;
using Stub = pb::InventoryService::Stub;

constexpr char kSecret[] = "inventory-moves-grpc-test-secret";

class StockMovesGrpcTest : public ::testing::Test {
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
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = pb::InventoryService::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& role) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    absl::StatusOr<std::string> token =
        IssueToken(kSecret, Actor{"user-" + role, role}, absl::Now(), absl::Hours(1));
    EXPECT_TRUE(token.ok()) << token.status();
    context->AddMetadata("authorization", "Bearer " + token.value_or(""));
    return context;
  }

  // A call as `role`; the error's field (trailer) goes to `field` if given.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const std::string& role, const Request& request, Response* response,
                    std::string* field = nullptr) {
    auto context = As(role);
    grpc::Status status = ((*stub_).*method)(context.get(), request, response);
    if (field != nullptr) {
      const auto& trailers = context->GetServerTrailingMetadata();
      auto it = trailers.find(kFieldTrailer);
      *field = it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
    }
    return status;
  }

  template <typename Request>
  grpc::Status Command(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                    common::v1::CommandAck*),
                       const Request& request, std::string* field = nullptr,
                       const std::string& role = "warehouse") {
    common::v1::CommandAck ack;
    return Call(method, role, request, &ack, field);
  }

  // WH-1 and SC-1 with positions, VAN-7; FLT-1 with 10 at WH-1 and 5 at SC-1; SN-9 serialised.
  void GivenStock() {
    ASSERT_TRUE(app_->RegisterLocation(Meta("l1"), {{.location_id = "WH-1",
                                                     .kind = LocationKind::kWarehouse,
                                                     .name = "Central",
                                                     .position = GeoPoint{36.0671, 120.3826}}})
                    .ok());
    ASSERT_TRUE(app_->RegisterLocation(Meta("l2"), {{.location_id = "SC-1",
                                                     .kind = LocationKind::kServiceCentre,
                                                     .name = "Huangdao",
                                                     .position = GeoPoint{35.9606, 120.1996}}})
                    .ok());
    ASSERT_TRUE(app_->RegisterLocation(Meta("l3"), {{.location_id = "VAN-7",
                                                     .kind = LocationKind::kVan,
                                                     .name = "Van 7",
                                                     .owner_technician_id = "tech-7"}})
                    .ok());
    ASSERT_TRUE(app_->RegisterPart(Meta("p1"), {{.sku = "FLT-1", .name = "Filter"}}).ok());
    ASSERT_TRUE(
        app_->RegisterPart(Meta("p2"), {{.sku = "CMP-9", .name = "Compressor", .serialised = true}})
            .ok());
    ASSERT_TRUE(
        app_->ReceiveStock(Meta("r1"), {.sku = "FLT-1", .location_id = "WH-1", .quantity = 10})
            .ok());
    ASSERT_TRUE(
        app_->ReceiveStock(Meta("r2"), {.sku = "FLT-1", .location_id = "SC-1", .quantity = 5})
            .ok());
    ASSERT_TRUE(app_->ReceiveStock(
                        Meta("r3"),
                        {.sku = "CMP-9", .location_id = "WH-1", .quantity = 1, .serials = {"SN-9"}})
                    .ok());
  }

  CommandMeta Meta(const std::string& request_id) {
    return {.request_id = request_id, .actor = {"setup", "admin"}, .now = clock_.Now()};
  }

  int64_t AvailableAt(const std::string& location) {
    absl::StatusOr<pb::PartStock> stock = app_->GetPartStock("FLT-1");
    EXPECT_TRUE(stock.ok()) << stock.status();
    if (!stock.ok()) return -1;
    for (const pb::LocationStock& l : stock->locations()) {
      if (l.location_id() == location) return l.available();
    }
    return 0;
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  TokenVerifier verifier_{kSecret};
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<InventoryApp> app_;
  std::unique_ptr<InventoryGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(StockMovesGrpcTest, HundredConcurrentClientsForTheLastTenUnitsExactlyTenSucceed) {
  GivenStock();
  constexpr int kClients = 100;
  std::vector<grpc::Status> results(kClients);
  std::atomic<int> ready = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      pb::ReserveStockRequest request;
      request.set_request_id("reserve-" + std::to_string(i));
      request.set_sku("FLT-1");
      request.set_location_id("WH-1");
      request.set_job_id("J" + std::to_string(i));
      request.set_quantity(1);
      auto context = As("dispatcher");
      common::v1::CommandAck ack;
      ++ready;
      while (ready.load() < kClients) std::this_thread::yield();
      results[i] = stub_->ReserveStock(context.get(), request, &ack);
    });
  }
  for (std::thread& t : threads) t.join();
  int succeeded = 0;
  for (const grpc::Status& s : results) {
    if (s.ok()) {
      ++succeeded;
      continue;
    }
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("available at WH-1"));
    EXPECT_THAT(s.error_message(), HasSubstr("SC-1: 5"));
  }
  EXPECT_EQ(succeeded, 10);
  EXPECT_EQ(AvailableAt("WH-1"), 0);
}

TEST_F(StockMovesGrpcTest, RolesAreChecked) {
  GivenStock();
  pb::MoveStockRequest pick;
  pick.set_request_id("pick-1");
  pick.set_sku("FLT-1");
  pick.set_from_location_id("WH-1");
  pick.set_to_location_id("VAN-7");
  pick.set_quantity(1);
  EXPECT_EQ(Command(&Stub::PickToVan, pick, nullptr, "technician").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Command(&Stub::PickToVan, pick, nullptr, "dispatcher").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(AvailableAt("WH-1"), 10);
  EXPECT_TRUE(Command(&Stub::PickToVan, pick).ok());
  EXPECT_EQ(AvailableAt("WH-1"), 9);
  pb::ReserveStockRequest reserve;
  reserve.set_request_id("res-1");
  reserve.set_sku("FLT-1");
  reserve.set_location_id("WH-1");
  reserve.set_job_id("J1");
  reserve.set_quantity(1);
  EXPECT_EQ(Command(&Stub::ReserveStock, reserve, nullptr, "care").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Command(&Stub::ReserveStock, reserve, nullptr, "dispatcher").ok());
}

TEST_F(StockMovesGrpcTest, InvalidRequestsNameTheField) {
  GivenStock();
  std::string field;
  pb::RequestTransferRequest same;
  same.set_request_id("t1");
  same.set_sku("FLT-1");
  same.set_transfer_id("TR-1");
  same.set_from_location_id("WH-1");
  same.set_to_location_id("WH-1");
  same.set_quantity(1);
  EXPECT_EQ(Command(&Stub::RequestTransfer, same, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "to_location_id");

  pb::ReserveStockRequest zero;
  zero.set_request_id("r0");
  zero.set_sku("FLT-1");
  zero.set_location_id("WH-1");
  zero.set_job_id("J1");
  EXPECT_EQ(Command(&Stub::ReserveStock, zero, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "quantity");

  pb::AdjustCountRequest count;
  count.set_request_id("c1");
  count.set_sku("FLT-1");
  count.set_location_id("WH-1");
  count.set_counted_quantity(3);
  EXPECT_EQ(Command(&Stub::AdjustCount, count, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "reason");

  pb::IssueCareGiftRequest gift;
  gift.set_sku("FLT-1");
  gift.set_location_id("WH-1");
  gift.set_quantity(1);
  gift.set_customer_id("C-1");
  EXPECT_EQ(Command(&Stub::IssueCareGift, gift, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "request_id");

  pb::ReturnDefectiveRequest defective;
  defective.set_request_id("d1");
  defective.set_sku("FLT-1");
  defective.set_location_id("WH-9");
  defective.set_rma_id("RMA-1");
  defective.set_quantity(1);
  defective.set_reason("broken");
  EXPECT_EQ(Command(&Stub::ReturnDefective, defective, &field).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(field, "location_id");

  pb::Ledger ledger;
  EXPECT_EQ(Call(&Stub::GetLedger, "care", pb::GetLedgerRequest(), &ledger, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "sku");
  pb::PartStock stock;
  pb::GetPartStockAtRequest at;
  at.set_sku("FLT-1");
  EXPECT_EQ(Call(&Stub::GetPartStockAt, "care", at, &stock, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "at");
  pb::VanRestockList list;
  EXPECT_EQ(
      Call(&Stub::GetVanRestockList, "technician", pb::GetVanRestockListRequest(), &list, &field)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "technician_id");
}

TEST_F(StockMovesGrpcTest, TransferRmaGiftAndQueriesEndToEnd) {
  GivenStock();
  std::string field;
  pb::RequestTransferRequest request;
  request.set_request_id("t1");
  request.set_sku("FLT-1");
  request.set_transfer_id("TR-1");
  request.set_from_location_id("WH-1");
  request.set_to_location_id("SC-1");
  request.set_quantity(3);
  ASSERT_TRUE(Command(&Stub::RequestTransfer, request).ok());
  pb::TransferStepRequest step;
  step.set_sku("FLT-1");
  step.set_transfer_id("TR-1");
  step.set_request_id("t2");
  ASSERT_TRUE(Command(&Stub::ApproveTransfer, step).ok());
  step.set_request_id("t3");
  ASSERT_TRUE(Command(&Stub::ShipTransfer, step).ok());
  pb::ReceiveTransferRequest receive;
  receive.set_request_id("t4");
  receive.set_sku("FLT-1");
  receive.set_transfer_id("TR-1");
  receive.set_quantity(4);
  receive.set_signer("Li Na");
  EXPECT_EQ(Command(&Stub::ReceiveTransfer, receive, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "quantity");
  receive.set_quantity(3);
  receive.set_request_id("t5");
  ASSERT_TRUE(Command(&Stub::ReceiveTransfer, receive).ok());
  EXPECT_EQ(AvailableAt("SC-1"), 8);

  pb::ReturnDefectiveRequest defective;
  defective.set_request_id("d1");
  defective.set_sku("CMP-9");
  defective.set_location_id("WH-1");
  defective.set_rma_id("RMA-1");
  defective.set_quantity(1);
  defective.set_reason("noisy");
  defective.add_serials("SN-9");
  ASSERT_TRUE(Command(&Stub::ReturnDefective, defective).ok());
  pb::RmaStepRequest rma;
  rma.set_sku("CMP-9");
  rma.set_rma_id("RMA-1");
  rma.set_request_id("m1");
  EXPECT_EQ(Command(&Stub::CreditRma, rma).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  rma.set_request_id("m2");
  ASSERT_TRUE(Command(&Stub::SendRma, rma).ok());
  rma.set_request_id("m3");
  ASSERT_TRUE(Command(&Stub::ReceiveRma, rma).ok());
  rma.set_request_id("m4");
  rma.set_credit_minor(50000);
  ASSERT_TRUE(Command(&Stub::CreditRma, rma).ok());

  pb::GetSerialHistoryRequest serial;
  serial.set_sku("CMP-9");
  serial.set_serial("SN-9");
  pb::SerialHistory history;
  ASSERT_TRUE(Call(&Stub::GetSerialHistory, "care", serial, &history).ok());
  EXPECT_EQ(history.entries_size(),
            5);  // received, returned, sent, received, credited
  EXPECT_EQ(history.current_place(), "rma:RMA-1");

  pb::IssueCareGiftRequest gift;
  gift.set_request_id("g1");
  gift.set_sku("FLT-1");
  gift.set_location_id("SC-1");
  gift.set_quantity(1);
  gift.set_customer_id("C-1");
  ASSERT_TRUE(Command(&Stub::IssueCareGift, gift).ok());

  pb::GetLedgerRequest ledger_request;
  ledger_request.set_location_id("SC-1");
  pb::Ledger ledger;
  ASSERT_TRUE(Call(&Stub::GetLedger, "manager", ledger_request, &ledger).ok());
  ASSERT_EQ(ledger.entries_size(),
            5);  // receipt, request, shipped, received, gift
  EXPECT_TRUE(ledger.entries(4).inventory().has_care_gift_issued());

  pb::FindPartNearRequest near;
  near.set_sku("FLT-1");
  near.mutable_point()->set_lat(36.06);
  near.mutable_point()->set_lng(120.38);
  pb::FindPartNearResponse found;
  ASSERT_TRUE(Call(&Stub::FindPartNear, "dispatcher", near, &found).ok());
  ASSERT_EQ(found.locations_size(), 2);
  EXPECT_EQ(found.locations(0).location().location_id(), "WH-1");

  pb::GetPartStockAtRequest at;
  at.set_sku("FLT-1");
  fieldline::ToProto(clock_.Now(), at.mutable_at());
  pb::PartStock stock;
  ASSERT_TRUE(Call(&Stub::GetPartStockAt, "manager", at, &stock).ok());
  EXPECT_GT(stock.version(), 3);
}

TEST_F(StockMovesGrpcTest, TheLedgerPagesByCursorAndRefusesAForeignTokenNamingIt) {
  GivenStock();  // FLT-1: registered and 2 receipts
  pb::GetLedgerRequest request;
  request.set_sku("FLT-1");
  request.set_page_size(2);
  pb::Ledger first;
  ASSERT_TRUE(Call(&Stub::GetLedger, "technician", request, &first).ok());
  ASSERT_EQ(first.entries_size(), 2);
  EXPECT_EQ(first.next_page_token(), "2");
  request.set_page_token(first.next_page_token());
  pb::Ledger second;
  ASSERT_TRUE(Call(&Stub::GetLedger, "technician", request, &second).ok());
  ASSERT_EQ(second.entries_size(), 1);
  EXPECT_EQ(second.entries(0).aggregate_version(), 3);
  EXPECT_EQ(second.next_page_token(), "");

  std::string field;
  request.set_page_token("not-a-version");
  pb::Ledger refused;
  EXPECT_EQ(Call(&Stub::GetLedger, "technician", request, &refused, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "page_token");
  request.clear_page_token();
  request.set_page_size(-5);
  EXPECT_EQ(Call(&Stub::GetLedger, "technician", request, &refused, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "page_size");
  // Without a token the call is refused like every other.
  grpc::ClientContext anonymous;
  EXPECT_EQ(stub_->GetLedger(&anonymous, request, &refused).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}


TEST_F(StockMovesGrpcTest, ASerialisedUnitIsReservedAndReleasedByNameOverGrpc) {
  GivenStock();
  pb::ReserveStockRequest reserve;
  reserve.set_request_id("res-sn");
  reserve.set_sku("CMP-9");
  reserve.set_location_id("WH-1");
  reserve.set_job_id("J1");
  reserve.set_quantity(1);
  reserve.add_serials("SN-404");
  std::string field;
  grpc::Status unknown = Command(&Stub::ReserveStock, reserve, &field, "dispatcher");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(field, "serials");
  reserve.clear_serials();
  reserve.add_serials("SN-9");
  reserve.add_serials("SN-9");
  EXPECT_EQ(Command(&Stub::ReserveStock, reserve, &field, "dispatcher").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "serials");
  reserve.clear_serials();
  reserve.add_serials("SN-9");
  ASSERT_TRUE(Command(&Stub::ReserveStock, reserve, nullptr, "dispatcher").ok());

  pb::ReleaseStockRequest release;
  release.set_request_id("rel-sn");
  release.set_sku("CMP-9");
  release.set_job_id("J1");
  release.set_quantity(2);
  release.add_serials("SN-9");
  EXPECT_EQ(Command(&Stub::ReleaseStock, release, &field, "dispatcher").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "serials");
  EXPECT_EQ(Command(&Stub::ReleaseStock, release, nullptr, "technician").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext anonymous;
  common::v1::CommandAck ack;
  EXPECT_EQ(stub_->ReleaseStock(&anonymous, release, &ack).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  release.set_quantity(0);
  ASSERT_TRUE(Command(&Stub::ReleaseStock, release, nullptr, "dispatcher").ok());
  absl::StatusOr<pb::PartStock> stock = app_->GetPartStock("CMP-9");
  ASSERT_TRUE(stock.ok());
  ASSERT_EQ(stock->locations_size(), 1);
  EXPECT_EQ(stock->locations(0).reserved(), 0);
}

}  // namespace
}  // namespace fieldline::inventory
