// Domain tests: given events / when command / then events or error. No mocks, no I/O.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/inventory/domain/location.h"
#include "services/inventory/domain/part.h"

namespace fieldline::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

template <typename State, typename Event>
State Given(std::vector<Event> events) {
  State state;
  for (const Event& e : events) state = Evolve(std::move(state), e);
  return state;
}

void ExpectError(const absl::Status& status, absl::StatusCode code, const std::string& field) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(FieldOf(status).value_or(""), field) << status;
}

// ---------------------------------------------------------------------------------------------
// Location

LocationInfo Warehouse(const std::string& id = "WH-1") {
  return {.location_id = id,
          .kind = LocationKind::kWarehouse,
          .name = "Central warehouse",
          .position = GeoPoint{31.23, 121.47},
          .address = "1 Dock Road"};
}

LocationInfo Van(const std::string& id, const std::string& owner) {
  return {.location_id = id,
          .kind = LocationKind::kVan,
          .name = "Van " + id,
          .owner_technician_id = owner};
}

TEST(RegisterLocation, EmitsLocationRegistered) {
  auto events = Decide(LocationState{}, RegisterLocation{Warehouse()}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(LocationEvent{LocationRegistered{Warehouse()}}));
}

TEST(RegisterLocation, VanWithOwnerIsRegistered) {
  auto events = Decide(LocationState{}, RegisterLocation{Van("VAN-7", "tech-7")}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(LocationEvent{LocationRegistered{Van("VAN-7", "tech-7")}}));
}

TEST(RegisterLocation, TrimsTheName) {
  LocationInfo location = Warehouse();
  location.name = "  North depot  ";
  auto events = Decide(LocationState{}, RegisterLocation{location}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<LocationRegistered>(events->front()).location.name, "North depot");
}

TEST(RegisterLocation, RequiresLocationId) {
  LocationInfo location = Warehouse("");
  ExpectError(Decide(LocationState{}, RegisterLocation{location}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "location_id");
}

TEST(RegisterLocation, RejectsLocationIdWithOtherCharacters) {
  auto result = Decide(LocationState{}, RegisterLocation{Warehouse("WH 1")}, kNow);
  ExpectError(result.status(), absl::StatusCode::kInvalidArgument, "location_id");
  EXPECT_THAT(result.status().message(), HasSubstr("letters, digits"));
}

TEST(RegisterLocation, AcceptsLocationIdOf64Characters) {
  EXPECT_TRUE(
      Decide(LocationState{}, RegisterLocation{Warehouse(std::string(64, 'a'))}, kNow).ok());
}

TEST(RegisterLocation, RejectsLocationIdOver64Characters) {
  ExpectError(
      Decide(LocationState{}, RegisterLocation{Warehouse(std::string(65, 'a'))}, kNow).status(),
      absl::StatusCode::kInvalidArgument, "location_id");
}

TEST(RegisterLocation, RequiresKind) {
  LocationInfo location = Warehouse();
  location.kind = LocationKind::kUnspecified;
  ExpectError(Decide(LocationState{}, RegisterLocation{location}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "kind");
}

TEST(RegisterLocation, RequiresName) {
  LocationInfo location = Warehouse();
  location.name = "   ";
  ExpectError(Decide(LocationState{}, RegisterLocation{location}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "name");
}

TEST(RegisterLocation, VanNeedsOwnerTechnician) {
  ExpectError(Decide(LocationState{}, RegisterLocation{Van("VAN-7", "")}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "owner_technician_id");
}

TEST(RegisterLocation, RejectsLatitudeOutOfRange) {
  LocationInfo location = Warehouse();
  location.position = GeoPoint{90.5, 0};
  ExpectError(Decide(LocationState{}, RegisterLocation{location}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "position.lat");
}

TEST(RegisterLocation, RejectsLongitudeOutOfRange) {
  LocationInfo location = Warehouse();
  location.position = GeoPoint{0, -180.5};
  ExpectError(Decide(LocationState{}, RegisterLocation{location}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "position.lng");
}

TEST(RegisterLocation, DuplicateIsAlreadyExists) {
  auto state = Given<LocationState, LocationEvent>({LocationRegistered{Warehouse()}});
  auto result = Decide(state, RegisterLocation{Warehouse()}, kNow);
  ExpectError(result.status(), absl::StatusCode::kAlreadyExists, "location_id");
  EXPECT_THAT(result.status().message(), HasSubstr("WH-1"));
}

TEST(LocationEvolve, RecordsTheLocationAndVersion) {
  auto state = Given<LocationState, LocationEvent>({LocationRegistered{Warehouse()}});
  EXPECT_TRUE(state.registered());
  EXPECT_EQ(state.version, 1);
  EXPECT_EQ(state.info, Warehouse());
}

// ---------------------------------------------------------------------------------------------
// Part: catalogue

PartInfo Filter() {
  return {.sku = "FLT-1",
          .name = "Water filter",
          .unit = "pcs",
          .unit_cost_minor = 1200,
          .price_minor = 2500};
}

TEST(RegisterPart, EmitsPartRegistered) {
  auto events = Decide(PartState{}, RegisterPart{Filter()}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartRegistered{Filter()}}));
}

TEST(RegisterPart, UnitDefaultsToPieces) {
  PartInfo part = Filter();
  part.unit = "";
  auto events = Decide(PartState{}, RegisterPart{part}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<PartRegistered>(events->front()).part.unit, "pcs");
}

TEST(RegisterPart, KeepsAGivenUnit) {
  PartInfo part = Filter();
  part.unit = "m";
  auto events = Decide(PartState{}, RegisterPart{part}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<PartRegistered>(events->front()).part.unit, "m");
}

TEST(RegisterPart, ZeroCostAndPriceAreAllowed) {
  PartInfo part = Filter();
  part.unit_cost_minor = 0;
  part.price_minor = 0;
  EXPECT_TRUE(Decide(PartState{}, RegisterPart{part}, kNow).ok());
}

TEST(RegisterPart, RequiresSku) {
  PartInfo part = Filter();
  part.sku = "";
  ExpectError(Decide(PartState{}, RegisterPart{part}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "sku");
}

TEST(RegisterPart, RejectsSkuWithOtherCharacters) {
  PartInfo part = Filter();
  part.sku = "FLT/1";
  ExpectError(Decide(PartState{}, RegisterPart{part}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "sku");
}

TEST(RegisterPart, RejectsSkuOver64Characters) {
  PartInfo part = Filter();
  part.sku = std::string(65, 'X');
  ExpectError(Decide(PartState{}, RegisterPart{part}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "sku");
}

TEST(RegisterPart, RequiresName) {
  PartInfo part = Filter();
  part.name = "";
  ExpectError(Decide(PartState{}, RegisterPart{part}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "name");
}

TEST(RegisterPart, RejectsNegativeUnitCost) {
  PartInfo part = Filter();
  part.unit_cost_minor = -1;
  ExpectError(Decide(PartState{}, RegisterPart{part}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "unit_cost_minor");
}

TEST(RegisterPart, RejectsNegativePrice) {
  PartInfo part = Filter();
  part.price_minor = -1;
  ExpectError(Decide(PartState{}, RegisterPart{part}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "price_minor");
}

TEST(RegisterPart, DuplicateIsAlreadyExists) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()}});
  auto result = Decide(state, RegisterPart{Filter()}, kNow);
  ExpectError(result.status(), absl::StatusCode::kAlreadyExists, "sku");
  EXPECT_THAT(result.status().message(), HasSubstr("FLT-1"));
}

// ---------------------------------------------------------------------------------------------
// Part: receiving stock

ReceiveStock Receive(const std::string& location_id, int64_t quantity, int64_t cost) {
  return {.sku = "FLT-1",
          .location_id = location_id,
          .quantity = quantity,
          .unit_cost_minor = cost,
          .location = Warehouse(location_id)};
}

TEST(ReceiveStock, FirstReceiptSetsTheAverageToItsCost) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()}});
  auto events = Decide(state, Receive("WH-1", 10, 1000), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{StockReceived{"FLT-1", "WH-1", 10, 1000, 1000}}));
}

TEST(ReceiveStock, MovingAverageWeighsAllStockOnHand) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()},
                                            StockReceived{"FLT-1", "WH-1", 6, 100, 100},
                                            StockReceived{"FLT-1", "VAN-7", 4, 100, 100}});
  auto events = Decide(state, Receive("WH-1", 5, 130), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  // (10·100 + 5·130) / 15 = 110
  EXPECT_EQ(std::get<StockReceived>(events->front()).average_cost_minor, 110);
}

TEST(ReceiveStock, MovingAverageRoundsToNearest) {
  auto state = Given<PartState, PartEvent>(
      {PartRegistered{Filter()}, StockReceived{"FLT-1", "WH-1", 1, 100, 100}});
  auto events = Decide(state, Receive("WH-1", 2, 101), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  // (100 + 202) / 3 = 100.67 → 101
  EXPECT_EQ(std::get<StockReceived>(events->front()).average_cost_minor, 101);
}

TEST(ReceiveStock, ZeroCostMeansTheCatalogueCost) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()}});
  auto events = Decide(state, Receive("WH-1", 3, 0), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{StockReceived{"FLT-1", "WH-1", 3, 1200, 1200}}));
}

TEST(ReceiveStock, UnknownPartIsNotFound) {
  auto result = Decide(PartState{}, Receive("WH-1", 3, 100), kNow);
  ExpectError(result.status(), absl::StatusCode::kNotFound, "sku");
  EXPECT_EQ(result.status().message(), "There is no part FLT-1 in the catalogue.");
}

TEST(ReceiveStock, UnknownLocationIsNotFound) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()}});
  ReceiveStock command = Receive("WH-9", 3, 100);
  command.location.reset();
  auto result = Decide(state, command, kNow);
  ExpectError(result.status(), absl::StatusCode::kNotFound, "location_id");
  EXPECT_THAT(result.status().message(), HasSubstr("WH-9"));
}

TEST(ReceiveStock, ZeroQuantityIsInvalid) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()}});
  auto result = Decide(state, Receive("WH-1", 0, 100), kNow);
  ExpectError(result.status(), absl::StatusCode::kInvalidArgument, "quantity");
  EXPECT_EQ(result.status().message(), "The quantity must be at least 1.");
}

TEST(ReceiveStock, NegativeQuantityIsInvalid) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()}});
  ExpectError(Decide(state, Receive("WH-1", -4, 100), kNow).status(),
              absl::StatusCode::kInvalidArgument, "quantity");
}

TEST(ReceiveStock, NegativeUnitCostIsInvalid) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()}});
  ExpectError(Decide(state, Receive("WH-1", 1, -1), kNow).status(),
              absl::StatusCode::kInvalidArgument, "unit_cost_minor");
}

TEST(ReceiveStock, MalformedLocationIdIsInvalid) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()}});
  ExpectError(Decide(state, Receive("WH 1", 1, 1), kNow).status(),
              absl::StatusCode::kInvalidArgument, "location_id");
}

TEST(PartEvolve, StockReceivedAddsOnHandAndSetsAverage) {
  auto state = Given<PartState, PartEvent>({PartRegistered{Filter()},
                                            StockReceived{"FLT-1", "WH-1", 4, 1000, 1000},
                                            StockReceived{"FLT-1", "WH-1", 4, 2000, 1500}});
  EXPECT_EQ(state.version, 3);
  EXPECT_EQ(state.stock.at("WH-1"), (StockLevel{8, 0}));
  EXPECT_EQ(state.average_cost_minor, 1500);
}

// ---------------------------------------------------------------------------------------------
// Part: reservations for a job

PartState Stocked(std::vector<StockReceived> receipts) {
  PartState state = Given<PartState, PartEvent>({PartRegistered{Filter()}});
  for (const StockReceived& r : receipts) state = Evolve(std::move(state), r);
  return state;
}

ReserveForJob Reserve(const std::string& job, int64_t quantity, const std::string& van = "VAN-7") {
  return {.sku = "FLT-1", .job_id = job, .quantity = quantity, .van_location_id = van};
}

TEST(ReserveForJob, TakesFromTheVanFirst) {
  auto state = Stocked({{"FLT-1", "WH-1", 10, 1, 1}, {"FLT-1", "VAN-7", 2, 1, 1}});
  auto events = Decide(state, Reserve("J1", 2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "VAN-7", "J1", 2}}));
}

TEST(ReserveForJob, SplitsVanThenMostAvailable) {
  auto state = Stocked(
      {{"FLT-1", "SC-1", 2, 1, 1}, {"FLT-1", "WH-1", 5, 1, 1}, {"FLT-1", "VAN-7", 1, 1, 1}});
  auto events = Decide(state, Reserve("J1", 7), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "VAN-7", "J1", 1}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-1", "J1", 5}},
                                   PartEvent{PartsReserved{"FLT-1", "SC-1", "J1", 1}}));
}

TEST(ReserveForJob, TiesGoByLocationId) {
  auto state = Stocked({{"FLT-1", "WH-2", 3, 1, 1}, {"FLT-1", "WH-1", 3, 1, 1}});
  auto events = Decide(state, Reserve("J1", 4), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "WH-1", "J1", 3}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-2", "J1", 1}}));
}

TEST(ReserveForJob, BackordersWhatNoLocationHas) {
  auto state = Stocked({{"FLT-1", "WH-1", 2, 1, 1}});
  auto events = Decide(state, Reserve("J1", 5), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "WH-1", "J1", 2}},
                                   PartEvent{PartsBackordered{"FLT-1", "J1", 3}}));
}

TEST(ReserveForJob, NoStockAnywhereBackordersEverything) {
  auto events = Decide(Stocked({}), Reserve("J1", 2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsBackordered{"FLT-1", "J1", 2}}));
}

TEST(ReserveForJob, StockHeldForAnotherJobIsNotAvailable) {
  PartState state = Stocked({{"FLT-1", "VAN-7", 3, 1, 1}});
  state = Evolve(std::move(state), PartsReserved{"FLT-1", "VAN-7", "J1", 2});
  auto events = Decide(state, Reserve("J2", 2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "VAN-7", "J2", 1}},
                                   PartEvent{PartsBackordered{"FLT-1", "J2", 1}}));
}

TEST(ReserveForJob, WithoutVanTakesFromOtherLocations) {
  auto state = Stocked({{"FLT-1", "WH-1", 3, 1, 1}, {"FLT-1", "VAN-7", 3, 1, 1}});
  auto events = Decide(state, Reserve("J1", 1, /*van=*/""), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "VAN-7", "J1", 1}}));
}

TEST(ReserveForJob, JobWithReservationsIsNotReservedTwice) {
  PartState state = Stocked({{"FLT-1", "WH-1", 10, 1, 1}});
  state = Evolve(std::move(state), PartsReserved{"FLT-1", "WH-1", "J1", 2});
  auto events = Decide(state, Reserve("J1", 2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, IsEmpty());
}

TEST(ReserveForJob, BackorderedJobIsNotReservedTwice) {
  PartState state = Stocked({});
  state = Evolve(std::move(state), PartsBackordered{"FLT-1", "J1", 2});
  state = Evolve(std::move(state), StockReceived{"FLT-1", "WH-1", 5, 1, 1});
  auto events = Decide(state, Reserve("J1", 2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, IsEmpty());
}

TEST(ReserveForJob, UnknownPartIsNotFound) {
  ExpectError(Decide(PartState{}, Reserve("J1", 1), kNow).status(), absl::StatusCode::kNotFound,
              "sku");
}

TEST(ReserveForJob, ZeroQuantityIsInvalid) {
  ExpectError(Decide(Stocked({}), Reserve("J1", 0), kNow).status(),
              absl::StatusCode::kInvalidArgument, "quantity");
}

TEST(ReserveForJob, RequiresJobId) {
  ExpectError(Decide(Stocked({}), Reserve("", 1), kNow).status(),
              absl::StatusCode::kInvalidArgument, "job_id");
}

TEST(PartEvolve, ReservationsHoldStockAndBackordersCount) {
  PartState state = Stocked({{"FLT-1", "WH-1", 5, 1, 1}});
  state = Evolve(std::move(state), PartsReserved{"FLT-1", "WH-1", "J1", 3});
  state = Evolve(std::move(state), PartsBackordered{"FLT-1", "J2", 4});
  EXPECT_EQ(state.stock.at("WH-1"), (StockLevel{5, 3}));
  EXPECT_EQ(state.stock.at("WH-1").available(), 2);
  EXPECT_EQ(state.ReservedFor("J1"), 3);
  EXPECT_EQ(state.TotalBackordered(), 4);
}

// ---------------------------------------------------------------------------------------------
// Part: consumption and release when a job completes

ConsumeForJob Consume(const std::string& job, int64_t quantity) {
  return {.sku = "FLT-1", .job_id = job, .quantity = quantity, .van_location_id = "VAN-7"};
}

PartState WithReservation() {
  // WH-1: 5 on hand, 2 held for J1; VAN-7: 2 on hand, 1 held for J1.
  PartState state = Stocked({{"FLT-1", "WH-1", 5, 1, 1}, {"FLT-1", "VAN-7", 2, 1, 1}});
  state = Evolve(std::move(state), PartsReserved{"FLT-1", "VAN-7", "J1", 1});
  state = Evolve(std::move(state), PartsReserved{"FLT-1", "WH-1", "J1", 2});
  return state;
}

TEST(ConsumeForJob, TakesTheJobsReservationsFirstVanFirst) {
  auto events = Decide(WithReservation(), Consume("J1", 2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsConsumed{"FLT-1", "VAN-7", "J1", 1}},
                                   PartEvent{PartsConsumed{"FLT-1", "WH-1", "J1", 1}}));
}

TEST(ConsumeForJob, BeyondTheReservationTakesFreeStockVanFirst) {
  // Reserved 3 (VAN-7 1, WH-1 2); used 6: the 3 extra come from VAN-7 (1 free) then WH-1 (2).
  auto events = Decide(WithReservation(), Consume("J1", 6), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsConsumed{"FLT-1", "VAN-7", "J1", 2}},
                                   PartEvent{PartsConsumed{"FLT-1", "WH-1", "J1", 4}}));
}

TEST(ConsumeForJob, WithoutReservationTakesFreeStock) {
  auto state = Stocked({{"FLT-1", "WH-1", 5, 1, 1}});
  auto events = Decide(state, Consume("J9", 2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsConsumed{"FLT-1", "WH-1", "J9", 2}}));
}

TEST(ConsumeForJob, OverConsumptionBooksWhatExistsAndRecordsTheShortfall) {
  // Reserved 3 (VAN-7 1, WH-1 2), free 4 (VAN-7 1, WH-1 3) → 7 booked; the 8th is recorded.
  PartState state = WithReservation();
  auto events = Decide(state, Consume("J1", 8), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ(events->at(0), (PartEvent{PartsConsumed{"FLT-1", "VAN-7", "J1", 2}}));
  EXPECT_EQ(events->at(1), (PartEvent{PartsConsumed{"FLT-1", "WH-1", "J1", 5}}));
  const auto& shortfall = std::get<UsedPartsUnaccounted>(events->at(2));
  EXPECT_EQ(shortfall.sku, "FLT-1");
  EXPECT_EQ(shortfall.job_id, "J1");
  EXPECT_EQ(shortfall.location_id, "VAN-7");
  EXPECT_EQ(shortfall.quantity, 1);
  EXPECT_THAT(shortfall.reason, HasSubstr("3 were reserved for it"));
  EXPECT_THAT(shortfall.reason, HasSubstr("VAN-7: 1"));
  EXPECT_THAT(shortfall.reason, HasSubstr("WH-1: 3"));
  EXPECT_THAT(shortfall.reason, HasSubstr("1 pcs could not be booked"));
  // Stock never goes negative: everything is used up, nothing below zero; the discrepancy is in
  // the van's ledger.
  PartState after = state;
  for (const PartEvent& e : *events) after = Evolve(std::move(after), e);
  EXPECT_EQ(after.LevelAt("VAN-7"), (StockLevel{0, 0}));
  EXPECT_EQ(after.LevelAt("WH-1"), (StockLevel{0, 0}));
  EXPECT_EQ(after.ReservedFor("J1"), 0);
  EXPECT_THAT(LocationsOf(events->at(2)), ElementsAre("VAN-7"));
}

TEST(ConsumeForJob, ExactFitBooksEverythingWithoutADiscrepancy) {
  // Reserved 3 + free 4 = 7: all booked, no discrepancy.
  auto events = Decide(WithReservation(), Consume("J1", 7), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsConsumed{"FLT-1", "VAN-7", "J1", 2}},
                                   PartEvent{PartsConsumed{"FLT-1", "WH-1", "J1", 5}}));
}

TEST(ConsumeForJob, NothingAvailableRecordsTheWholeUse) {
  auto events = Decide(Stocked({}), Consume("J1", 2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  const auto& shortfall = std::get<UsedPartsUnaccounted>(events->at(0));
  EXPECT_EQ(shortfall.quantity, 2);
  EXPECT_EQ(shortfall.location_id, "VAN-7");
  EXPECT_THAT(shortfall.reason, HasSubstr("0 more are available"));
}

TEST(ConsumeForJob, WithoutAVanTheShortfallIsRecordedWhereTheJobsUnitsWereBooked) {
  PartState state = Stocked({{"FLT-1", "WH-1", 2, 1, 1}});
  state = Evolve(std::move(state), PartsReserved{"FLT-1", "WH-1", "J1", 1});
  auto events = Decide(state, ConsumeForJob{.sku = "FLT-1", .job_id = "J1", .quantity = 5}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->at(0), (PartEvent{PartsConsumed{"FLT-1", "WH-1", "J1", 2}}));
  EXPECT_EQ(std::get<UsedPartsUnaccounted>(events->at(1)).location_id, "WH-1");
  EXPECT_EQ(std::get<UsedPartsUnaccounted>(events->at(1)).quantity, 3);
}

TEST(ConsumeForJob, UnknownPartIsNotFound) {
  ExpectError(Decide(PartState{}, Consume("J1", 1), kNow).status(), absl::StatusCode::kNotFound,
              "sku");
}

TEST(ConsumeForJob, ZeroQuantityIsInvalid) {
  ExpectError(Decide(WithReservation(), Consume("J1", 0), kNow).status(),
              absl::StatusCode::kInvalidArgument, "quantity");
}

TEST(ConsumeForJob, RequiresJobId) {
  ExpectError(Decide(WithReservation(), Consume("", 1), kNow).status(),
              absl::StatusCode::kInvalidArgument, "job_id");
}

TEST(PartEvolve, ConsumptionLowersOnHandAndTheJobsHold) {
  PartState state = WithReservation();
  state = Evolve(std::move(state), PartsConsumed{"FLT-1", "WH-1", "J1", 4});  // 2 held + 2 free
  EXPECT_EQ(state.stock.at("WH-1"), (StockLevel{1, 0}));
  EXPECT_EQ(state.ReservedFor("J1"), 1);  // VAN-7's one is still held
}

TEST(ReleaseForJob, ReleasesEveryRemainingReservation) {
  PartState state = WithReservation();
  state = Evolve(std::move(state), PartsConsumed{"FLT-1", "VAN-7", "J1", 1});
  auto events = Decide(state, ReleaseForJob{"FLT-1", "J1"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{ReservationReleased{"FLT-1", "WH-1", "J1", 2}}));
}

TEST(ReleaseForJob, NothingHeldReleasesNothing) {
  auto events = Decide(Stocked({}), ReleaseForJob{"FLT-1", "J1"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, IsEmpty());
}

TEST(ReleaseForJob, UnknownPartIsNotFound) {
  ExpectError(Decide(PartState{}, ReleaseForJob{"FLT-1", "J1"}, kNow).status(),
              absl::StatusCode::kNotFound, "sku");
}

TEST(ReleaseForJob, RequiresJobId) {
  ExpectError(Decide(Stocked({}), ReleaseForJob{"FLT-1", ""}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "job_id");
}

TEST(PartEvolve, ReleaseFreesTheStockAndSettlesTheBackorder) {
  PartState state = WithReservation();
  state = Evolve(std::move(state), PartsBackordered{"FLT-1", "J1", 1});
  state = Evolve(std::move(state), ReservationReleased{"FLT-1", "WH-1", "J1", 2});
  state = Evolve(std::move(state), ReservationReleased{"FLT-1", "VAN-7", "J1", 1});
  EXPECT_EQ(state.stock.at("WH-1"), (StockLevel{5, 0}));
  EXPECT_EQ(state.stock.at("VAN-7"), (StockLevel{2, 0}));
  EXPECT_FALSE(state.reservations.contains("J1"));
  EXPECT_EQ(state.TotalBackordered(), 0);
}

TEST(MovingAverageCost, HalvesRoundUp) {
  EXPECT_EQ(MovingAverageCost(1, 100, 1, 101), 101);  // 100.5
  EXPECT_EQ(MovingAverageCost(2, 100, 1, 101), 100);  // 100.33
  EXPECT_EQ(MovingAverageCost(0, 0, 3, 77), 77);
}

TEST(MovingAverageCost, DoesNotOverflowOnLargeValues) {
  const int64_t big = int64_t{1} << 40;
  EXPECT_EQ(MovingAverageCost(big, big, big, big), big);
}

}  // namespace
}  // namespace fieldline::inventory
