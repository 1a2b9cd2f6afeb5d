// App tests of the stock moves (issue 5): a real EventStore in a temp dir; concurrency, every
// refusal writes nothing, idempotent retries, the ledger and past-moment queries, reactions with
// distances and backorders.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/inventory/app/inventory_app.h"

namespace fieldline::inventory {
namespace {

using ::testing::HasSubstr;
namespace spb = ::fieldline::scheduling::v1;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

class StockMovesAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<InventoryApp>(*store_, clock_);
  }

  CommandMeta Meta(const std::string& request_id) {
    return {.request_id = request_id, .actor = {"wh-anna", "warehouse"}, .now = clock_.Now()};
  }

  size_t StreamSize(const std::string& sku) {
    auto events = store_->ReadStream({"Part", sku});
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? events->size() : 0;
  }

  void Location(const std::string& id, LocationKind kind, std::optional<GeoPoint> position = {}) {
    LocationInfo location{.location_id = id,
                          .kind = kind,
                          .name = "Location " + id,
                          .owner_technician_id = kind == LocationKind::kVan ? "tech-7" : "",
                          .position = position};
    ASSERT_TRUE(app_->RegisterLocation(Meta("loc-" + id), {location}).ok());
  }

  void Part(const std::string& sku, bool serialised = false) {
    PartInfo part{
        .sku = sku, .name = "Part " + sku, .unit_cost_minor = 100, .serialised = serialised};
    ASSERT_TRUE(app_->RegisterPart(Meta("part-" + sku), {part}).ok());
  }

  void Receive(const std::string& sku, const std::string& location, int64_t quantity,
               std::vector<std::string> serials = {}) {
    auto ack = app_->ReceiveStock(Meta("recv-" + std::to_string(++receipts_)),
                                  {.sku = sku,
                                   .location_id = location,
                                   .quantity = quantity,
                                   .unit_cost_minor = 100,
                                   .serials = std::move(serials)});
    ASSERT_TRUE(ack.ok()) << ack.status();
  }

  // WH-1 (Qingdao centre), SC-1 (Huangdao, ~20 km away), VAN-7; FLT-1 10 at WH-1, 5 at SC-1.
  void GivenStock() {
    Location("WH-1", LocationKind::kWarehouse, GeoPoint{36.0671, 120.3826});
    Location("SC-1", LocationKind::kServiceCentre, GeoPoint{35.9606, 120.1996});
    Location("VAN-7", LocationKind::kVan);
    Part("FLT-1");
    Receive("FLT-1", "WH-1", 10);
    Receive("FLT-1", "SC-1", 5);
  }

  pb::LocationStock StockAt(const std::string& sku, const std::string& location) {
    auto stock = app_->GetPartStock(sku);
    EXPECT_TRUE(stock.ok()) << stock.status();
    if (stock.ok()) {
      for (const pb::LocationStock& l : stock->locations()) {
        if (l.location_id() == location) return l;
      }
    }
    return {};
  }

  // Runs a refused command and checks that the part's stream and projection did not change.
  void ExpectRefusedAndNothingWritten(const absl::StatusOr<CommandAck>& ack, absl::StatusCode code,
                                      const std::string& field, size_t stream_before,
                                      const std::string& projection_before) {
    EXPECT_EQ(ack.status().code(), code) << ack.status();
    EXPECT_EQ(FieldOf(ack.status()).value_or(""), field) << ack.status();
    EXPECT_EQ(StreamSize("FLT-1"), stream_before);
    EXPECT_EQ(app_->GetPartStock("FLT-1")->SerializeAsString(), projection_before);
  }

  EventEnvelope JobAssigned(const std::string& job_id, int64_t quantity,
                            std::optional<GeoPoint> site) {
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Job");
    e.set_aggregate_id(job_id);
    e.set_aggregate_version(2);
    fieldline::ToProto(clock_.Now(), e.mutable_server_time());
    spb::JobAssigned* a = e.mutable_scheduling()->mutable_job_assigned();
    a->set_job_id(job_id);
    a->set_technician_id("tech-8");
    auto* line = a->add_parts_needed();
    line->set_sku("FLT-1");
    line->set_quantity(quantity);
    if (site) {
      a->mutable_site()->set_lat(site->lat);
      a->mutable_site()->set_lng(site->lng);
    }
    return e;
  }

  EventEnvelope JobCompleted(const std::string& job_id, int64_t used) {
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Job");
    e.set_aggregate_id(job_id);
    e.set_aggregate_version(5);
    fieldline::ToProto(clock_.Now(), e.mutable_server_time());
    spb::JobCompleted* c = e.mutable_scheduling()->mutable_job_completed();
    c->set_job_id(job_id);
    c->set_technician_id("tech-7");
    auto* line = c->add_parts_used();
    line->set_sku("FLT-1");
    line->set_quantity(used);
    return e;
  }

  absl::Status ApplyAndCommit(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    if (absl::Status s = app_->Apply(event, batch); !s.ok()) return s;
    return store_->Commit(std::move(batch));
  }

  testing::TempDir dir_;
  FakeClock clock_{kStart};
  UuidV7Generator ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<InventoryApp> app_;
  int receipts_ = 0;
};

// --- never negative under concurrency ---------------------------------------------------------

TEST_F(StockMovesAppTest, HundredConcurrentReservationsForTheLastTenUnitsExactlyTenSucceed) {
  GivenStock();  // WH-1 holds the last 10 units there
  constexpr int kRequests = 100;
  std::vector<absl::Status> results(kRequests);
  std::atomic<int> ready = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kRequests) std::this_thread::yield();  // start together
      results[i] = app_->ReserveStock(Meta("reserve-" + std::to_string(i)),
                                      {.sku = "FLT-1",
                                       .location_id = "WH-1",
                                       .job_id = "J" + std::to_string(i),
                                       .quantity = 1})
                       .status();
    });
  }
  for (std::thread& t : threads) t.join();
  int succeeded = 0;
  for (const absl::Status& s : results) {
    if (s.ok()) {
      ++succeeded;
      continue;
    }
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_THAT(s.message(), HasSubstr("Only 0 pcs of FLT-1 are available at WH-1"));
    EXPECT_THAT(s.message(),
                HasSubstr("Available: SC-1: 5."));  // told where there is some
  }
  EXPECT_EQ(succeeded, 10);
  const pb::LocationStock wh = StockAt("FLT-1", "WH-1");
  EXPECT_EQ(wh.on_hand(), 10);
  EXPECT_EQ(wh.reserved(), 10);
  EXPECT_EQ(wh.available(), 0);
  EXPECT_EQ(StreamSize("FLT-1"),
            3u + 10u);  // registered, 2 receipts, 10 reservations
}

TEST_F(StockMovesAppTest, ConcurrentGiftsAndPicksNeverTakeMoreThanThereIs) {
  GivenStock();
  constexpr int kRequests = 60;
  std::atomic<int> succeeded = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<CommandAck> ack =
          i % 2 == 0
              ? app_->IssueCareGift(Meta("gift-" + std::to_string(i)),
                                    {.sku = "FLT-1",
                                     .location_id = "WH-1",
                                     .quantity = 1,
                                     .customer_id = "C-" + std::to_string(i)})
              : app_->MoveStock(Meta("pick-" + std::to_string(i)), {.kind = MoveKind::kPickToVan,
                                                                    .sku = "FLT-1",
                                                                    .from_location_id = "WH-1",
                                                                    .to_location_id = "VAN-7",
                                                                    .quantity = 1});
      if (ack.ok()) ++succeeded;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(succeeded.load(), 10);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 0);
}

// --- every refusal: a clear error, nothing changed ---------------------------------------------

TEST_F(StockMovesAppTest, EveryRefusalWritesNothing) {
  GivenStock();
  const size_t before = StreamSize("FLT-1");
  const std::string projection = app_->GetPartStock("FLT-1")->SerializeAsString();

  // Unknown part.
  auto unknown_part = app_->ReserveStock(
      Meta("e1"), {.sku = "NOPE", .location_id = "WH-1", .job_id = "J1", .quantity = 1});
  EXPECT_EQ(unknown_part.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(unknown_part.status()).value_or(""), "sku");
  EXPECT_EQ(StreamSize("NOPE"), 0u);
  // Unknown location.
  ExpectRefusedAndNothingWritten(
      app_->ReserveStock(Meta("e2"),
                         {.sku = "FLT-1", .location_id = "WH-9", .job_id = "J1", .quantity = 1}),
      absl::StatusCode::kNotFound, "location_id", before, projection);
  // Insufficient stock.
  ExpectRefusedAndNothingWritten(
      app_->ReserveStock(Meta("e3"),
                         {.sku = "FLT-1", .location_id = "SC-1", .job_id = "J1", .quantity = 6}),
      absl::StatusCode::kFailedPrecondition, "", before, projection);
  // Zero and negative quantities.
  ExpectRefusedAndNothingWritten(
      app_->ReserveStock(Meta("e4"),
                         {.sku = "FLT-1", .location_id = "WH-1", .job_id = "J1", .quantity = 0}),
      absl::StatusCode::kInvalidArgument, "quantity", before, projection);
  ExpectRefusedAndNothingWritten(app_->MoveStock(Meta("e5"), {.kind = MoveKind::kPickToVan,
                                                              .sku = "FLT-1",
                                                              .from_location_id = "WH-1",
                                                              .to_location_id = "VAN-7",
                                                              .quantity = -3}),
                                 absl::StatusCode::kInvalidArgument, "quantity", before,
                                 projection);
  ExpectRefusedAndNothingWritten(
      app_->ReceiveStock(Meta("e6"), {.sku = "FLT-1", .location_id = "WH-1", .quantity = -1}),
      absl::StatusCode::kInvalidArgument, "quantity", before, projection);
  // A transfer to the same location.
  ExpectRefusedAndNothingWritten(app_->RequestTransfer(Meta("e7"), {.sku = "FLT-1",
                                                                    .transfer_id = "TR-1",
                                                                    .from_location_id = "WH-1",
                                                                    .to_location_id = "WH-1",
                                                                    .quantity = 2}),
                                 absl::StatusCode::kInvalidArgument, "to_location_id", before,
                                 projection);
  // Receiving more than was shipped.
  ASSERT_TRUE(app_->RequestTransfer(Meta("t1"), {.sku = "FLT-1",
                                                 .transfer_id = "TR-1",
                                                 .from_location_id = "WH-1",
                                                 .to_location_id = "SC-1",
                                                 .quantity = 2})
                  .ok());
  ASSERT_TRUE(app_->ApproveTransfer(Meta("t2"), {.sku = "FLT-1", .transfer_id = "TR-1"}).ok());
  ASSERT_TRUE(app_->ShipTransfer(Meta("t3"), {.sku = "FLT-1", .transfer_id = "TR-1"}).ok());
  const size_t shipped = StreamSize("FLT-1");
  const std::string shipped_projection = app_->GetPartStock("FLT-1")->SerializeAsString();
  ExpectRefusedAndNothingWritten(
      app_->ReceiveTransfer(Meta("e8"),
                            {.sku = "FLT-1", .transfer_id = "TR-1", .quantity = 3, .signer = "Li"}),
      absl::StatusCode::kInvalidArgument, "quantity", shipped, shipped_projection);
  // A refused request id is not remembered: the corrected retry goes through.
  auto retry = app_->ReceiveTransfer(
      Meta("e8"), {.sku = "FLT-1", .transfer_id = "TR-1", .quantity = 2, .signer = "Li"});
  EXPECT_TRUE(retry.ok()) << retry.status();
}

// --- idempotency ------------------------------------------------------------------------------

TEST_F(StockMovesAppTest, SameRequestIdTwiceMovesOnce) {
  GivenStock();
  MoveStock pick{.kind = MoveKind::kPickToVan,
                 .sku = "FLT-1",
                 .from_location_id = "WH-1",
                 .to_location_id = "VAN-7",
                 .quantity = 2};
  auto first = app_->MoveStock(Meta("pick-1"), pick);
  auto second = app_->MoveStock(Meta("pick-1"), pick);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->version(), second->version());
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 8);
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").on_hand(), 2);
}

// --- transfers, in transit, ledger, past moments ------------------------------------------------

TEST_F(StockMovesAppTest, TransferIsVisibleInTransitAndInBothLedgers) {
  GivenStock();
  const absl::Time before_transfer = clock_.Now();
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(app_->RequestTransfer(Meta("t1"), {.sku = "FLT-1",
                                                 .transfer_id = "TR-1",
                                                 .from_location_id = "WH-1",
                                                 .to_location_id = "SC-1",
                                                 .quantity = 4})
                  .ok());
  ASSERT_TRUE(app_->ApproveTransfer(Meta("t2"), {.sku = "FLT-1", .transfer_id = "TR-1"}).ok());
  ASSERT_TRUE(app_->ShipTransfer(Meta("t3"), {.sku = "FLT-1", .transfer_id = "TR-1"}).ok());
  EXPECT_EQ(StockAt("FLT-1", "SC-1").in_transit(), 4);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 6);
  auto stock = app_->GetPartStock("FLT-1");
  ASSERT_EQ(stock->transfers_size(), 1);
  EXPECT_EQ(stock->transfers(0).status(), "shipped");
  const absl::Time in_transit = clock_.Now();

  clock_.Advance(absl::Hours(2));
  const absl::Time signed_at = clock_.Now() - absl::Minutes(30);
  ASSERT_TRUE(app_->ReceiveTransfer(Meta("t4"), {.sku = "FLT-1",
                                                 .transfer_id = "TR-1",
                                                 .quantity = 4,
                                                 .signer = "Li Na",
                                                 .signed_at = signed_at})
                  .ok());
  EXPECT_EQ(StockAt("FLT-1", "SC-1").in_transit(), 0);
  EXPECT_EQ(StockAt("FLT-1", "SC-1").on_hand(), 9);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->transfers_size(), 0);

  // The destination's ledger: its receipt, the request, the shipment and the signed receipt.
  auto ledger = app_->GetLocationLedger("SC-1", absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  ASSERT_EQ(ledger->entries_size(), 4);
  EXPECT_TRUE(ledger->entries(0).inventory().has_stock_received());
  EXPECT_TRUE(ledger->entries(2).inventory().has_transfer_shipped());
  const pb::TransferReceived& received = ledger->entries(3).inventory().transfer_received();
  EXPECT_EQ(received.signer(), "Li Na");
  EXPECT_EQ(fieldline::FromProto(received.signed_at()), signed_at);
  EXPECT_EQ(ledger->entries(3).actor().user_id(), "wh-anna");
  // Over a period: only what happened after the receipts.
  auto period = app_->GetLocationLedger("SC-1", before_transfer + absl::Seconds(1), in_transit);
  ASSERT_TRUE(period.ok()) << period.status();
  EXPECT_EQ(period->entries_size(), 2);
  auto part_period = app_->GetPartLedger("FLT-1", before_transfer + absl::Seconds(1), in_transit);
  ASSERT_TRUE(part_period.ok());
  EXPECT_EQ(part_period->entries_size(), 3);  // requested, approved, shipped

  // Stock as it was while the parts were on the road.
  auto then = app_->GetPartStockAt("FLT-1", in_transit);
  ASSERT_TRUE(then.ok()) << then.status();
  for (const pb::LocationStock& l : then->locations()) {
    if (l.location_id() == "SC-1") {
      EXPECT_EQ(l.on_hand(), 5);
      EXPECT_EQ(l.in_transit(), 4);
    }
  }
  EXPECT_EQ(app_->GetPartStockAt("FLT-1", kStart - absl::Hours(1)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StockMovesAppTest, LedgerOfAnUnknownLocationIsNotFound) {
  auto ledger = app_->GetLocationLedger("WH-9", absl::InfinitePast(), absl::InfiniteFuture());
  EXPECT_EQ(ledger.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(ledger.status()).value_or(""), "location_id");
}

// --- serials ----------------------------------------------------------------------------------

TEST_F(StockMovesAppTest, ASerialIsFollowedThroughEveryMove) {
  Location("WH-1", LocationKind::kWarehouse);
  Location("VAN-7", LocationKind::kVan);
  Part("CMP-9", /*serialised=*/true);
  Receive("CMP-9", "WH-1", 2, {"SN-1", "SN-2"});
  ASSERT_TRUE(app_->MoveStock(Meta("pick"), {.kind = MoveKind::kPickToVan,
                                             .sku = "CMP-9",
                                             .from_location_id = "WH-1",
                                             .to_location_id = "VAN-7",
                                             .quantity = 1,
                                             .serials = {"SN-2"}})
                  .ok());
  ASSERT_TRUE(app_->ReturnDefective(Meta("rma"), {.sku = "CMP-9",
                                                  .location_id = "VAN-7",
                                                  .rma_id = "RMA-1",
                                                  .quantity = 1,
                                                  .reason = "dead on arrival",
                                                  .serials = {"SN-2"}})
                  .ok());
  ASSERT_TRUE(app_->AdvanceRma(Meta("rma-sent"),
                               {.step = RmaStep::kSend, .sku = "CMP-9", .rma_id = "RMA-1"})
                  .ok());
  auto history = app_->GetSerialHistory("CMP-9", "SN-2");
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->current_place(), "rma:RMA-1");
  ASSERT_EQ(history->entries_size(), 4);
  EXPECT_TRUE(history->entries(0).inventory().has_stock_received());
  EXPECT_TRUE(history->entries(1).inventory().has_stock_moved());
  EXPECT_TRUE(history->entries(2).inventory().has_defective_returned());
  EXPECT_TRUE(history->entries(3).inventory().has_rma_sent());
  auto other = app_->GetSerialHistory("CMP-9", "SN-1");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->current_place(), "WH-1");
  EXPECT_EQ(other->entries_size(), 1);
  auto unknown = app_->GetSerialHistory("CMP-9", "SN-404");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(unknown.status()).value_or(""), "serial");
}

// --- reactions: nearest stock, backorders filled in order --------------------------------------

TEST_F(StockMovesAppTest, JobAssignedReservesAtTheNearestLocationToTheSite) {
  GivenStock();
  // A site in Huangdao: SC-1 (5 available) is nearer than WH-1 (10 available).
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 2, GeoPoint{35.97, 120.20})).ok());
  EXPECT_EQ(StockAt("FLT-1", "SC-1").reserved(), 2);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 0);
  // Without a site the fullest location is used, as before.
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J2", 2, std::nullopt)).ok());
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 2);
}

TEST_F(StockMovesAppTest, StockReceivedFillsBackordersInOrderAndReservesForTheWaitingJob) {
  Location("WH-1", LocationKind::kWarehouse);
  Part("FLT-1");
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 2, std::nullopt)).ok());
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J2", 2, std::nullopt)).ok());
  EXPECT_EQ(app_->GetPartStock("FLT-1")->backordered(), 4);
  ASSERT_EQ(app_->GetPartStock("FLT-1")->backorders_size(), 2);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->backorders(0).job_id(), "J1");

  Receive("FLT-1", "WH-1", 3);
  auto events = store_->ReadStream({"Part", "FLT-1"});
  ASSERT_TRUE(events.ok());
  const pb::PartsReserved& j1 = events->at(events->size() - 2).inventory().parts_reserved();
  EXPECT_EQ(j1.job_id(), "J1");
  EXPECT_EQ(j1.quantity(), 2);
  EXPECT_TRUE(j1.fills_backorder());
  EXPECT_EQ(events->back().inventory().parts_reserved().job_id(), "J2");
  EXPECT_EQ(events->back().inventory().parts_reserved().quantity(), 1);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->backordered(), 1);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 3);

  auto j1_parts = app_->GetJobParts("J1");
  ASSERT_TRUE(j1_parts.ok());
  ASSERT_EQ(j1_parts->lines_size(), 2);
  EXPECT_EQ(j1_parts->lines(0).backordered(), 0);
  EXPECT_EQ(j1_parts->lines(1).location_id(), "WH-1");
  EXPECT_EQ(j1_parts->lines(1).reserved(), 2);

  // The job completes using what it was given.
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J1", 2)).ok());
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 1);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 1);
}

TEST_F(StockMovesAppTest, ACompletedJobIsNoLongerOwedPartsAndLaterStockStaysFree) {
  Location("WH-1", LocationKind::kWarehouse);
  Part("FLT-1");
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 2, std::nullopt)).ok());  // backordered
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J1", 0)).ok());  // used none (malformed line skipped)
  auto events = store_->ReadStream({"Part", "FLT-1"});
  ASSERT_TRUE(events.ok());
  ASSERT_TRUE(events->back().inventory().has_backorder_cancelled());
  EXPECT_EQ(events->back().inventory().backorder_cancelled().reason(), "job completed");
  EXPECT_EQ(app_->GetPartStock("FLT-1")->backordered(), 0);
  Receive("FLT-1", "WH-1", 3);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 0);
  auto job = app_->GetJobParts("J1");
  ASSERT_TRUE(job.ok());
  ASSERT_EQ(job->lines_size(), 1);
  EXPECT_EQ(job->lines(0).backordered(), 0);
}

TEST_F(StockMovesAppTest, ACancelledTicketReleasesWhatItsJobHolds) {
  GivenStock();
  const std::string ticket = "TK-42";
  const std::string job = DeriveId(ticket, "job");
  ASSERT_TRUE(ApplyAndCommit(JobAssigned(job, 12, std::nullopt)).ok());
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 10);
  EXPECT_EQ(StockAt("FLT-1", "SC-1").reserved(), 2);
  // Intake's TicketCancelled, built by field name like the app reads it.
  EventEnvelope cancelled;
  cancelled.set_event_id(ids_.NewId(clock_.Now()));
  cancelled.set_aggregate_type("Ticket");
  cancelled.set_aggregate_id(ticket);
  cancelled.set_aggregate_version(3);
  google::protobuf::Message* intake = cancelled.mutable_intake();
  const google::protobuf::FieldDescriptor* field =
      intake->GetDescriptor()->FindFieldByName("ticket_cancelled");
  if (field == nullptr) GTEST_SKIP() << "this tree's intake schema has no TicketCancelled";
  google::protobuf::Message* payload = intake->GetReflection()->MutableMessage(intake, field);
  payload->GetReflection()->SetString(
      payload, payload->GetDescriptor()->FindFieldByName("ticket_id"), ticket);
  ASSERT_TRUE(ApplyAndCommit(cancelled).ok());
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 0);
  EXPECT_EQ(StockAt("FLT-1", "SC-1").reserved(), 0);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 10);
  auto events = store_->ReadStream({"Part", "FLT-1"});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().causation_id(), cancelled.event_id());
}

// --- queries: near a point, van restock list, replenishment ------------------------------------

TEST_F(StockMovesAppTest, FindPartNearListsLocationsWithStockNearestFirst) {
  GivenStock();
  auto near = app_->FindPartNear("FLT-1", GeoPoint{35.97, 120.20}, 0, 0);
  ASSERT_TRUE(near.ok()) << near.status();
  ASSERT_EQ(near->locations_size(), 2);  // VAN-7 has no position and no stock
  EXPECT_EQ(near->locations(0).location().location_id(), "SC-1");
  EXPECT_EQ(near->locations(0).available(), 5);
  EXPECT_LT(near->locations(0).distance_km(), 2.0);
  EXPECT_EQ(near->locations(1).location().location_id(), "WH-1");
  auto within = app_->FindPartNear("FLT-1", GeoPoint{35.97, 120.20}, 5, 0);
  ASSERT_TRUE(within.ok());
  EXPECT_EQ(within->locations_size(), 1);
  auto enough = app_->FindPartNear("FLT-1", GeoPoint{35.97, 120.20}, 0, 6);
  ASSERT_TRUE(enough.ok());
  ASSERT_EQ(enough->locations_size(), 1);
  EXPECT_EQ(enough->locations(0).location().location_id(), "WH-1");
  EXPECT_EQ(FieldOf(app_->FindPartNear("FLT-1", GeoPoint{91, 0}, 0, 0).status()).value_or(""),
            "point.lat");
}

TEST_F(StockMovesAppTest, VanRestockListComesFromWhatTheVanConsumed) {
  GivenStock();
  ASSERT_TRUE(app_->MoveStock(Meta("pick"), {.kind = MoveKind::kPickToVan,
                                             .sku = "FLT-1",
                                             .from_location_id = "WH-1",
                                             .to_location_id = "VAN-7",
                                             .quantity = 4})
                  .ok());
  // Scheduling tells inventory tech-7's van; the completion consumes from the van's free stock.
  EventEnvelope registered;
  registered.set_event_id(ids_.NewId(clock_.Now()));
  registered.set_aggregate_type("Technician");
  registered.set_aggregate_id("tech-7");
  registered.set_aggregate_version(1);
  spb::TechnicianRegistered* t = registered.mutable_scheduling()->mutable_technician_registered();
  t->set_technician_id("tech-7");
  t->set_van_location_id("VAN-7");
  ASSERT_TRUE(ApplyAndCommit(registered).ok());
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J1", 3)).ok());
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").on_hand(), 1);
  auto list = app_->GetVanRestockList("tech-7", "", absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->van_location_id(), "VAN-7");
  ASSERT_EQ(list->lines_size(), 1);
  EXPECT_EQ(list->lines(0).sku(), "FLT-1");
  EXPECT_EQ(list->lines(0).used(), 3);
  EXPECT_EQ(list->lines(0).on_hand(), 1);
  EXPECT_EQ(list->lines(0).suggested_quantity(), 3);
  EXPECT_EQ(app_->GetVanRestockList("tech-404", "", absl::InfinitePast(), absl::InfiniteFuture())
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StockMovesAppTest, ReorderPointRaisesAReplenishmentRequest) {
  GivenStock();
  ASSERT_TRUE(
      app_->SetReorderPoint(
              Meta("rp"),
              {.sku = "FLT-1", .location_id = "SC-1", .min_available = 4, .target_quantity = 12})
          .ok());
  ASSERT_TRUE(app_->AdjustCount(Meta("count"), {.sku = "FLT-1",
                                                .location_id = "SC-1",
                                                .counted_quantity = 3,
                                                .reason = "two found broken"})
                  .ok());
  auto events = store_->ReadStream({"Part", "FLT-1"});
  ASSERT_TRUE(events.ok());
  ASSERT_TRUE(events->back().inventory().has_replenishment_requested());
  EXPECT_EQ(events->back().inventory().replenishment_requested().suggested_quantity(), 9);
  EXPECT_TRUE(StockAt("FLT-1", "SC-1").replenishment_open());
  EXPECT_EQ(StockAt("FLT-1", "SC-1").min_available(), 4);
}

}  // namespace
}  // namespace fieldline::inventory
