// App tests: a real EventStore in a temp dir, the app's commands, queries and reactions.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/inventory/app/inventory_app.h"

namespace fieldline::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
namespace spb = ::fieldline::scheduling::v1;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

class InventoryAppTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<InventoryApp>(*store_, clock_);
  }
  void Reopen() {
    app_.reset();
    store_.reset();
    Open();
  }

  CommandMeta Meta(const std::string& request_id) {
    return {.request_id = request_id, .actor = {"wh-anna", "warehouse"}, .now = clock_.Now()};
  }

  std::vector<EventEnvelope> Stream(const std::string& type, const std::string& id) {
    auto events = store_->ReadStream({type, id});
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<EventEnvelope>{};
  }

  void RegisterLocation(const std::string& id, LocationKind kind, const std::string& owner = "") {
    LocationInfo location{
        .location_id = id, .kind = kind, .name = "Location " + id, .owner_technician_id = owner};
    auto ack = app_->RegisterLocation(Meta("loc-" + id), {location});
    ASSERT_TRUE(ack.ok()) << ack.status();
  }
  void RegisterPart(const std::string& sku, int64_t cost = 1000) {
    PartInfo part{.sku = sku, .name = "Part " + sku, .unit_cost_minor = cost, .price_minor = 2000};
    auto ack = app_->RegisterPart(Meta("part-" + sku), {part});
    ASSERT_TRUE(ack.ok()) << ack.status();
  }
  void Receive(const std::string& sku, const std::string& location, int64_t quantity,
               int64_t cost = 0) {
    auto ack = app_->ReceiveStock(
        Meta("recv-" + sku + "-" + location + "-" + std::to_string(++receipts_)),
        {.sku = sku, .location_id = location, .quantity = quantity, .unit_cost_minor = cost});
    ASSERT_TRUE(ack.ok()) << ack.status();
  }

  // The standard stock: WH-1 (warehouse), SC-1 (service centre), VAN-7 (tech-7's van).
  void GivenStock() {
    RegisterLocation("WH-1", LocationKind::kWarehouse);
    RegisterLocation("SC-1", LocationKind::kServiceCentre);
    RegisterLocation("VAN-7", LocationKind::kVan, "tech-7");
    RegisterPart("FLT-1");
    RegisterPart("PMP-2");
  }

  // An envelope the way scheduling publishes it.
  EventEnvelope SchedulingEnvelope(const std::string& job_id, int64_t version,
                                   spb::SchedulingEvent payload) {
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Job");
    e.set_aggregate_id(job_id);
    e.set_aggregate_version(version);
    fieldline::ToProto(clock_.Now(), e.mutable_server_time());
    e.mutable_actor()->set_user_id("disp-1");
    e.mutable_actor()->set_role("dispatcher");
    e.set_request_id("req-" + job_id + "-" + std::to_string(version));
    e.set_correlation_id("corr-" + job_id);
    *e.mutable_scheduling() = std::move(payload);
    return e;
  }

  EventEnvelope JobAssigned(const std::string& job_id, int64_t version,
                            std::vector<std::pair<std::string, int64_t>> parts,
                            const std::string& van = "VAN-7") {
    spb::SchedulingEvent payload;
    spb::JobAssigned* a = payload.mutable_job_assigned();
    a->set_job_id(job_id);
    a->set_ticket_id("T-" + job_id);
    a->set_technician_id("tech-7");
    a->set_van_location_id(van);
    for (const auto& [sku, quantity] : parts) {
      auto* line = a->add_parts_needed();
      line->set_sku(sku);
      line->set_quantity(quantity);
    }
    return SchedulingEnvelope(job_id, version, std::move(payload));
  }

  EventEnvelope JobCompleted(const std::string& job_id, int64_t version,
                             std::vector<std::pair<std::string, int64_t>> parts) {
    spb::SchedulingEvent payload;
    spb::JobCompleted* c = payload.mutable_job_completed();
    c->set_job_id(job_id);
    c->set_ticket_id("T-" + job_id);
    c->set_technician_id("tech-7");
    c->set_resolution("replaced the filter");
    for (const auto& [sku, quantity] : parts) {
      auto* line = c->add_parts_used();
      line->set_sku(sku);
      line->set_quantity(quantity);
    }
    return SchedulingEnvelope(job_id, version, std::move(payload));
  }

  // What the consumer does with one event: handler, then commit.
  absl::Status ApplyAndCommit(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    if (absl::Status s = app_->Apply(event, batch); !s.ok()) return s;
    return store_->Commit(std::move(batch));
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

  testing::TempDir dir_;
  FakeClock clock_{kStart};
  UuidV7Generator ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<InventoryApp> app_;
  int receipts_ = 0;
};

// --- commands ---------------------------------------------------------------------------------

TEST_F(InventoryAppTest, LocationStockListsEveryPartThereInSkuOrderWithPaging) {
  GivenStock();
  Receive("PMP-2", "WH-1", 4);
  Receive("FLT-1", "WH-1", 7);
  Receive("FLT-1", "SC-1", 2);
  auto reserved = app_->ReserveStock(
      Meta("res-1"), {.sku = "FLT-1", .location_id = "WH-1", .job_id = "J-1", .quantity = 3});
  ASSERT_TRUE(reserved.ok()) << reserved.status();

  auto wh = app_->GetLocationStock("WH-1", {});
  ASSERT_TRUE(wh.ok()) << wh.status();
  ASSERT_EQ(wh->parts_size(), 2);
  EXPECT_EQ(wh->parts(0).sku(), "FLT-1");
  EXPECT_EQ(wh->parts(0).name(), "Part FLT-1");
  EXPECT_EQ(wh->parts(0).stock().on_hand(), 7);
  EXPECT_EQ(wh->parts(0).stock().reserved(), 3);
  EXPECT_EQ(wh->parts(0).stock().available(), 4);
  EXPECT_EQ(wh->parts(1).sku(), "PMP-2");
  EXPECT_EQ(wh->parts(1).stock().on_hand(), 4);

  auto sc = app_->GetLocationStock("SC-1", {});
  ASSERT_TRUE(sc.ok());
  ASSERT_EQ(sc->parts_size(), 1);
  EXPECT_EQ(sc->parts(0).stock().on_hand(), 2);
  auto van = app_->GetLocationStock("VAN-7", {});
  ASSERT_TRUE(van.ok());
  EXPECT_EQ(van->parts_size(), 0);

  auto first = app_->GetLocationStock("WH-1", {.page_size = 1});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->parts_size(), 1);
  EXPECT_EQ(first->next_page_token(), "FLT-1");
  auto second = app_->GetLocationStock("WH-1", {.page_size = 1, .page_token = "FLT-1"});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->parts_size(), 1);
  EXPECT_EQ(second->parts(0).sku(), "PMP-2");
  EXPECT_TRUE(second->next_page_token().empty());

  Reopen();  // the view is on disk
  EXPECT_EQ(app_->GetLocationStock("WH-1", {})->parts_size(), 2);
}

TEST_F(InventoryAppTest, LocationStockRowsMissingFromOlderDataAreFilledAtStart) {
  GivenStock();
  Receive("FLT-1", "WH-1", 7);
  Receive("PMP-2", "SC-1", 2);
  // Data written before the per-location view existed: only the parts' own views.
  Batch wipe = store_->NewBatch();
  ASSERT_TRUE(store_->Scan("p/locstock/", "", [&](std::string_view key, std::string_view) {
                        wipe.Delete(key);
                        return true;
                      }).ok());
  ASSERT_TRUE(store_->Commit(std::move(wipe)).ok());
  Reopen();
  EXPECT_EQ(app_->GetLocationStock("WH-1", {})->parts_size(), 0);

  ASSERT_TRUE(app_->BackfillLocationStock().ok());
  auto wh = app_->GetLocationStock("WH-1", {});
  ASSERT_TRUE(wh.ok());
  ASSERT_EQ(wh->parts_size(), 1);
  EXPECT_EQ(wh->parts(0).sku(), "FLT-1");
  EXPECT_EQ(wh->parts(0).stock().on_hand(), 7);
  EXPECT_EQ(app_->GetLocationStock("SC-1", {})->parts(0).stock().on_hand(), 2);
  // Running it again finds nothing missing and changes nothing.
  ASSERT_TRUE(app_->BackfillLocationStock().ok());
  EXPECT_EQ(app_->GetLocationStock("WH-1", {})->parts_size(), 1);
}

TEST_F(InventoryAppTest, LocationStockOfAnUnknownLocationNamesTheField) {
  GivenStock();
  auto unknown = app_->GetLocationStock("WH-9", {});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(unknown.status()).value_or(""), "location_id");
  auto empty = app_->GetLocationStock("", {});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(empty.status()).value_or(""), "location_id");
}

TEST_F(InventoryAppTest, RegisterLocationAppendsEventAndProjection) {
  LocationInfo van{.location_id = "VAN-7",
                   .kind = LocationKind::kVan,
                   .name = "Van 7",
                   .owner_technician_id = "tech-7",
                   .position = GeoPoint{31.2, 121.5}};
  auto ack = app_->RegisterLocation(Meta("r1"), {van});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->aggregate_id(), "VAN-7");
  EXPECT_EQ(ack->version(), 1);

  auto stream = Stream("Location", "VAN-7");
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_TRUE(stream[0].inventory().has_location_registered());
  EXPECT_EQ(stream[0].actor().user_id(), "wh-anna");
  EXPECT_EQ(stream[0].request_id(), "r1");

  auto list = app_->ListLocations(LocationKind::kUnspecified, {});
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->locations_size(), 1);
  EXPECT_EQ(list->locations(0).owner_technician_id(), "tech-7");
  EXPECT_EQ(list->locations(0).kind(), pb::LOCATION_KIND_VAN);
  EXPECT_DOUBLE_EQ(list->locations(0).position().lat(), 31.2);
}

TEST_F(InventoryAppTest, SameRequestIdTwiceReturnsSameAckAndWritesOnce) {
  LocationInfo wh{.location_id = "WH-1", .kind = LocationKind::kWarehouse, .name = "Main"};
  auto first = app_->RegisterLocation(Meta("same"), {wh});
  auto second = app_->RegisterLocation(Meta("same"), {wh});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
  EXPECT_EQ(Stream("Location", "WH-1").size(), 1u);
}

TEST_F(InventoryAppTest, RetriedReceiptIsBookedOnce) {
  GivenStock();
  ReceiveStock receipt{.sku = "FLT-1", .location_id = "WH-1", .quantity = 5};
  auto first = app_->ReceiveStock(Meta("rcv-1"), receipt);
  auto second = app_->ReceiveStock(Meta("rcv-1"), receipt);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->version(), second->version());
  EXPECT_EQ(Stream("Part", "FLT-1").size(), 2u);  // registered + one receipt
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 5);
}

TEST_F(InventoryAppTest, DuplicateLocationIsAlreadyExistsAndWritesNothing) {
  RegisterLocation("WH-1", LocationKind::kWarehouse);
  LocationInfo again{.location_id = "WH-1", .kind = LocationKind::kWarehouse, .name = "Again"};
  auto ack = app_->RegisterLocation(Meta("other"), {again});
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "location_id");
  EXPECT_EQ(Stream("Location", "WH-1").size(), 1u);
}

TEST_F(InventoryAppTest, DuplicatePartIsAlreadyExists) {
  RegisterPart("FLT-1");
  auto ack = app_->RegisterPart(Meta("dup"), {PartInfo{.sku = "FLT-1", .name = "Again"}});
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "sku");
  EXPECT_EQ(app_->GetPartStock("FLT-1")->name(), "Part FLT-1");
}

TEST_F(InventoryAppTest, RegisterPartProjectsCatalogueWithDefaultUnit) {
  auto ack = app_->RegisterPart(
      Meta("p1"),
      {PartInfo{.sku = "FLT-1", .name = "Filter", .unit_cost_minor = 1200, .price_minor = 2500}});
  ASSERT_TRUE(ack.ok()) << ack.status();
  auto stock = app_->GetPartStock("FLT-1");
  ASSERT_TRUE(stock.ok()) << stock.status();
  EXPECT_EQ(stock->name(), "Filter");
  EXPECT_EQ(stock->unit(), "pcs");
  EXPECT_EQ(stock->average_cost_minor(), 1200);
  EXPECT_EQ(stock->price_minor(), 2500);
  EXPECT_EQ(stock->version(), 1);
  EXPECT_THAT(stock->locations(), IsEmpty());
}

TEST_F(InventoryAppTest, InvalidPartIsRejectedAndWritesNothing) {
  auto ack = app_->RegisterPart(Meta("bad"), {PartInfo{.sku = "FLT-1", .name = ""}});
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "name");
  EXPECT_THAT(Stream("Part", "FLT-1"), IsEmpty());
  EXPECT_EQ(app_->GetPartStock("FLT-1").status().code(), absl::StatusCode::kNotFound);
  // The failed request id is not remembered: a corrected retry goes through.
  auto retry = app_->RegisterPart(Meta("bad"), {PartInfo{.sku = "FLT-1", .name = "Filter"}});
  EXPECT_TRUE(retry.ok()) << retry.status();
}

TEST_F(InventoryAppTest, MissingRequestIdIsInvalid) {
  auto ack = app_->RegisterPart(Meta(""), {PartInfo{.sku = "FLT-1", .name = "Filter"}});
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "request_id");
  EXPECT_THAT(Stream("Part", "FLT-1"), IsEmpty());
}

TEST_F(InventoryAppTest, ReceiveStockUpdatesOnHandAndMovingAverage) {
  GivenStock();
  Receive("FLT-1", "WH-1", 10, 100);
  Receive("FLT-1", "VAN-7", 5, 130);
  auto stock = app_->GetPartStock("FLT-1");
  ASSERT_TRUE(stock.ok()) << stock.status();
  EXPECT_EQ(stock->average_cost_minor(), 110);
  EXPECT_EQ(stock->version(), 3);
  ASSERT_EQ(stock->locations_size(), 2);
  EXPECT_EQ(stock->locations(0).location_id(), "VAN-7");  // sorted by id
  EXPECT_EQ(stock->locations(1).location_id(), "WH-1");
  EXPECT_EQ(stock->locations(1).on_hand(), 10);
  EXPECT_EQ(stock->locations(1).available(), 10);
}

TEST_F(InventoryAppTest, ReceiveStockAtUnknownLocationIsNotFoundAndWritesNothing) {
  GivenStock();
  auto ack = app_->ReceiveStock(Meta("r"), {.sku = "FLT-1", .location_id = "WH-9", .quantity = 1});
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "location_id");
  EXPECT_EQ(Stream("Part", "FLT-1").size(), 1u);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->locations_size(), 0);
}

TEST_F(InventoryAppTest, ReceiveStockOfUnknownPartIsNotFound) {
  GivenStock();
  auto ack = app_->ReceiveStock(Meta("r"), {.sku = "NOPE", .location_id = "WH-1", .quantity = 1});
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "sku");
  EXPECT_EQ(ack.status().message(), "There is no part NOPE in the catalogue.");
  EXPECT_THAT(Stream("Part", "NOPE"), IsEmpty());
}

TEST_F(InventoryAppTest, ReceiveZeroIsInvalidAndWritesNothing) {
  GivenStock();
  Receive("FLT-1", "WH-1", 3);
  auto ack = app_->ReceiveStock(Meta("r0"), {.sku = "FLT-1", .location_id = "WH-1", .quantity = 0});
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(ack.status()).value_or(""), "quantity");
  EXPECT_EQ(Stream("Part", "FLT-1").size(), 2u);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 3);
}

TEST_F(InventoryAppTest, StaleExpectedVersionIsAbortedAndWritesNothing) {
  GivenStock();
  Receive("FLT-1", "WH-1", 3);  // Part FLT-1 is at version 2
  auto ack =
      app_->ReceiveStock(Meta("stale"), {.sku = "FLT-1", .location_id = "WH-1", .quantity = 1},
                         /*expected_version=*/1);
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Stream("Part", "FLT-1").size(), 2u);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 3);

  auto current =
      app_->ReceiveStock(Meta("fresh"), {.sku = "FLT-1", .location_id = "WH-1", .quantity = 1},
                         /*expected_version=*/2);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->version(), 3);
}

TEST_F(InventoryAppTest, StateSurvivesReopeningTheStore) {
  GivenStock();
  Receive("FLT-1", "WH-1", 4, 500);
  Reopen();
  auto stock = app_->GetPartStock("FLT-1");
  ASSERT_TRUE(stock.ok()) << stock.status();
  EXPECT_EQ(stock->version(), 2);
  EXPECT_EQ(stock->average_cost_minor(), 500);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 4);
  auto locations = app_->ListLocations(LocationKind::kUnspecified, {});
  ASSERT_TRUE(locations.ok());
  EXPECT_EQ(locations->locations_size(), 3);
  // The stream continues where it was, and a recorded request is still recognised.
  Receive("FLT-1", "WH-1", 1, 500);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->version(), 3);
  auto again = app_->RegisterPart(Meta("part-FLT-1"), {PartInfo{.sku = "FLT-1", .name = "x"}});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version(), 1);
}

// --- queries ----------------------------------------------------------------------------------

TEST_F(InventoryAppTest, GetPartStockOfUnknownSkuIsNotFound) {
  auto stock = app_->GetPartStock("NOPE");
  EXPECT_EQ(stock.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(stock.status()).value_or(""), "sku");
}

TEST_F(InventoryAppTest, ListPartsPagesInSkuOrder) {
  for (const char* sku : {"C-3", "A-1", "B-2"}) RegisterPart(sku);
  auto first = app_->ListParts({.page_size = 2});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->parts_size(), 2);
  EXPECT_EQ(first->parts(0).sku(), "A-1");
  EXPECT_EQ(first->parts(1).sku(), "B-2");
  EXPECT_EQ(first->next_page_token(), "B-2");
  auto second = app_->ListParts({.page_size = 2, .page_token = first->next_page_token()});
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->parts_size(), 1);
  EXPECT_EQ(second->parts(0).sku(), "C-3");
  EXPECT_EQ(second->next_page_token(), "");
}

TEST_F(InventoryAppTest, ListPartsRejectsNegativePageSize) {
  EXPECT_EQ(app_->ListParts({.page_size = -1}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(InventoryAppTest, ListLocationsFiltersByKindAndPages) {
  RegisterLocation("VAN-1", LocationKind::kVan, "tech-1");
  RegisterLocation("WH-1", LocationKind::kWarehouse);
  RegisterLocation("VAN-2", LocationKind::kVan, "tech-2");
  RegisterLocation("VAN-3", LocationKind::kVan, "tech-3");
  auto first = app_->ListLocations(LocationKind::kVan, {.page_size = 2});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->locations_size(), 2);
  EXPECT_EQ(first->locations(0).location_id(), "VAN-1");
  EXPECT_EQ(first->locations(1).location_id(), "VAN-2");
  EXPECT_EQ(first->next_page_token(), "VAN-2");
  auto second = app_->ListLocations(LocationKind::kVan, {.page_size = 2, .page_token = "VAN-2"});
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->locations_size(), 1);
  EXPECT_EQ(second->locations(0).location_id(), "VAN-3");
  EXPECT_EQ(second->next_page_token(), "");
  auto warehouses = app_->ListLocations(LocationKind::kWarehouse, {});
  ASSERT_TRUE(warehouses.ok());
  ASSERT_EQ(warehouses->locations_size(), 1);
  EXPECT_EQ(warehouses->locations(0).location_id(), "WH-1");
}

TEST_F(InventoryAppTest, JobWithoutPartsHasNoLines) {
  auto parts = app_->GetJobParts("J-none");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->job_id(), "J-none");
  EXPECT_THAT(parts->lines(), IsEmpty());
}

// --- reactions --------------------------------------------------------------------------------

TEST_F(InventoryAppTest, JobAssignedReservesVanFirstThenWarehouseAndBackordersTheRest) {
  GivenStock();
  Receive("FLT-1", "VAN-7", 1);
  Receive("FLT-1", "WH-1", 2);
  const EventEnvelope assigned = JobAssigned("J1", 2, {{"FLT-1", 5}});
  ASSERT_TRUE(ApplyAndCommit(assigned).ok());

  auto stream = Stream("Part", "FLT-1");
  ASSERT_EQ(stream.size(), 6u);  // registered, 2 receipts, 2 reserved, 1 backordered
  const EventEnvelope& van = stream[3];
  ASSERT_TRUE(van.inventory().has_parts_reserved());
  EXPECT_EQ(van.inventory().parts_reserved().location_id(), "VAN-7");
  EXPECT_EQ(van.inventory().parts_reserved().quantity(), 1);
  EXPECT_EQ(van.event_id(), DeriveId(assigned.event_id(), "inventory/1"));
  EXPECT_EQ(van.causation_id(), assigned.event_id());
  EXPECT_EQ(van.correlation_id(), "corr-J1");
  EXPECT_EQ(van.actor().user_id(), "system:inventory");
  EXPECT_EQ(van.actor().role(), "system");
  EXPECT_EQ(stream[4].inventory().parts_reserved().location_id(), "WH-1");
  EXPECT_EQ(stream[4].inventory().parts_reserved().quantity(), 2);
  EXPECT_EQ(stream[4].event_id(), DeriveId(assigned.event_id(), "inventory/2"));
  ASSERT_TRUE(stream[5].inventory().has_parts_backordered());
  EXPECT_EQ(stream[5].inventory().parts_backordered().quantity(), 2);

  EXPECT_EQ(StockAt("FLT-1", "VAN-7").available(), 0);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 2);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->backordered(), 2);

  auto job = app_->GetJobParts("J1");
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->lines_size(), 3);
  EXPECT_EQ(job->lines(0).location_id(), "");  // the backorder line sorts first
  EXPECT_EQ(job->lines(0).backordered(), 2);
  EXPECT_EQ(job->lines(1).location_id(), "VAN-7");
  EXPECT_EQ(job->lines(1).reserved(), 1);
  EXPECT_EQ(job->lines(2).location_id(), "WH-1");
  EXPECT_EQ(job->lines(2).reserved(), 2);
}

TEST_F(InventoryAppTest, ReassignedJobIsNotReservedTwice) {
  GivenStock();
  Receive("FLT-1", "WH-1", 10);
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 2, {{"FLT-1", 2}})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 3, {{"FLT-1", 2}})).ok());
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 2);
  EXPECT_EQ(Stream("Part", "FLT-1").size(), 3u);
}

TEST_F(InventoryAppTest, JobAssignedReservesEverySkuAndSkipsUnknownOrMalformedLines) {
  GivenStock();
  Receive("FLT-1", "WH-1", 3);
  Receive("PMP-2", "SC-1", 3);
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 2,
                                         {{"FLT-1", 1},
                                          {"NOPE", 4},
                                          {"PMP-2", 1},
                                          {"FLT-1", 1},
                                          {"FLT-1", 0},
                                          {"bad sku", 1}}))
                  .ok());
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 2);  // both FLT-1 lines, summed
  EXPECT_EQ(StockAt("PMP-2", "SC-1").reserved(), 1);
  EXPECT_THAT(Stream("Part", "NOPE"), IsEmpty());
  auto job = app_->GetJobParts("J1");
  ASSERT_TRUE(job.ok());
  ASSERT_EQ(job->lines_size(), 2);
  EXPECT_EQ(job->lines(0).sku(), "FLT-1");
  EXPECT_EQ(job->lines(1).sku(), "PMP-2");
}

TEST_F(InventoryAppTest, JobCompletedConsumesReservedAndReleasesTheRest) {
  GivenStock();
  Receive("FLT-1", "WH-1", 5);
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 2, {{"FLT-1", 3}})).ok());
  const EventEnvelope completed = JobCompleted("J1", 5, {{"FLT-1", 1}});
  ASSERT_TRUE(ApplyAndCommit(completed).ok());

  auto stream = Stream("Part", "FLT-1");
  ASSERT_EQ(stream.size(), 5u);
  ASSERT_TRUE(stream[3].inventory().has_parts_consumed());
  EXPECT_EQ(stream[3].inventory().parts_consumed().quantity(), 1);
  EXPECT_EQ(stream[3].event_id(), DeriveId(completed.event_id(), "inventory/1"));
  ASSERT_TRUE(stream[4].inventory().has_reservation_released());
  EXPECT_EQ(stream[4].inventory().reservation_released().quantity(), 2);

  const pb::LocationStock wh = StockAt("FLT-1", "WH-1");
  EXPECT_EQ(wh.on_hand(), 4);
  EXPECT_EQ(wh.reserved(), 0);
  EXPECT_EQ(wh.available(), 4);
  auto job = app_->GetJobParts("J1");
  ASSERT_TRUE(job.ok());
  ASSERT_EQ(job->lines_size(), 1);
  EXPECT_EQ(job->lines(0).reserved(), 0);
  EXPECT_EQ(job->lines(0).consumed(), 1);
  EXPECT_EQ(job->lines(0).released(), 2);
}

TEST_F(InventoryAppTest, PartsUsedBeyondTheReservationComeFromTheVan) {
  GivenStock();
  Receive("FLT-1", "WH-1", 5);
  Receive("FLT-1", "VAN-7", 2);
  Receive("PMP-2", "WH-1", 5);
  // The van goes first, so J1's one filter is held on the van; scheduling told us tech-7's van.
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 2, {{"FLT-1", 1}})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J1", 5, {{"FLT-1", 2}, {"PMP-2", 1}})).ok());
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").on_hand(), 0);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 5);
  EXPECT_EQ(StockAt("PMP-2", "WH-1").on_hand(), 4);
}

TEST_F(InventoryAppTest, UseBeyondAllStockBooksWhatExistsAndRecordsTheRest) {
  GivenStock();
  Receive("FLT-1", "WH-1", 2);
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 2, {{"FLT-1", 1}})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J1", 5, {{"FLT-1", 9}})).ok());
  const pb::LocationStock wh = StockAt("FLT-1", "WH-1");
  EXPECT_EQ(wh.on_hand(), 0);  // both units booked, never negative
  EXPECT_EQ(wh.reserved(), 0);
  auto stream = Stream("Part", "FLT-1");
  ASSERT_EQ(stream.size(), 5u);
  ASSERT_TRUE(stream[3].inventory().has_parts_consumed());
  EXPECT_EQ(stream[3].inventory().parts_consumed().quantity(), 2);
  ASSERT_TRUE(stream[4].inventory().has_used_parts_unaccounted());
  EXPECT_EQ(stream[4].inventory().used_parts_unaccounted().quantity(), 7);
}

TEST_F(InventoryAppTest, EventsOfOtherKindsChangeNothing) {
  GivenStock();
  spb::SchedulingEvent started;
  started.mutable_job_started()->set_job_id("J1");
  EventEnvelope intake;
  intake.set_event_id(ids_.NewId(clock_.Now()));
  intake.mutable_intake();
  for (const EventEnvelope& e : {SchedulingEnvelope("J1", 3, started), intake}) {
    Batch batch = store_->NewBatch();
    EXPECT_TRUE(app_->Apply(e, batch).ok());
    EXPECT_TRUE(batch.empty());
  }
}

TEST_F(InventoryAppTest, ReservationsSurviveReopeningTheStore) {
  GivenStock();
  Receive("FLT-1", "WH-1", 5);
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", 2, {{"FLT-1", 3}})).ok());
  Reopen();
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 3);
  ASSERT_EQ(app_->GetJobParts("J1")->lines_size(), 1);
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J1", 5, {{"FLT-1", 3}})).ok());
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 2);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 0);
}

}  // namespace
}  // namespace fieldline::inventory
