// Domain tests of the stock moves (issue 5): given events / when command / then events or error.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/inventory/domain/part.h"

namespace fieldline::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

void ExpectError(const absl::Status& status, absl::StatusCode code, const std::string& field) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(FieldOf(status).value_or(""), field) << status;
}

LocationInfo Loc(const std::string& id, LocationKind kind = LocationKind::kWarehouse) {
  return {.location_id = id,
          .kind = kind,
          .name = id,
          .owner_technician_id = kind == LocationKind::kVan ? "tech-7" : ""};
}

// WH-1 (warehouse), SC-1 (service centre), VAN-7 (van); the locations every command may name.
KnownLocations Known() {
  return {{"WH-1", Loc("WH-1")},
          {"SC-1", Loc("SC-1", LocationKind::kServiceCentre)},
          {"VAN-7", Loc("VAN-7", LocationKind::kVan)}};
}

PartState Given(std::vector<PartEvent> events) {
  PartState state;
  for (const PartEvent& e : events) state = Evolve(std::move(state), e);
  return state;
}

PartEvent Registered(bool serialised = false) {
  return PartRegistered{PartInfo{.sku = "FLT-1",
                                 .name = "Filter",
                                 .unit = "pcs",
                                 .unit_cost_minor = 100,
                                 .serialised = serialised}};
}

PartEvent Received(const std::string& location, int64_t quantity,
                   std::vector<std::string> serials = {}) {
  return StockReceived{"FLT-1", location, quantity, 100, 100, std::move(serials)};
}

// 10 at WH-1, 5 at SC-1.
PartState Stocked() { return Given({Registered(), Received("WH-1", 10), Received("SC-1", 5)}); }

PartState After(PartState state, const std::vector<PartEvent>& events) {
  for (const PartEvent& e : events) state = Evolve(std::move(state), e);
  return state;
}

// --- ReserveStock -----------------------------------------------------------------------------

ReserveStock Reserve(int64_t quantity, const std::string& location = "WH-1",
                     const std::string& job = "J1") {
  return {.sku = "FLT-1",
          .location_id = location,
          .job_id = job,
          .quantity = quantity,
          .locations = Known()};
}

TEST(ReserveStock, HoldsStockAtTheLocationForTheJob) {
  auto events = Decide(Stocked(), Reserve(4), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "WH-1", "J1", 4}}));
  PartState after = After(Stocked(), *events);
  EXPECT_EQ(after.LevelAt("WH-1").available(), 6);
  EXPECT_EQ(after.ReservedFor("J1"), 4);
}

TEST(ReserveStock, MoreThanAvailableSaysWhatIsAvailableWhere) {
  PartState state = After(Stocked(), {PartsReserved{"FLT-1", "WH-1", "J0", 8}});
  auto result = Decide(state, Reserve(3), kNow);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(),
              HasSubstr("Only 2 pcs of FLT-1 are available at WH-1, not 3"));
  EXPECT_THAT(result.status().message(), HasSubstr("Available: SC-1: 5, WH-1: 2."));
}

TEST(ReserveStock, NothingAnywhereSaysSo) {
  auto result = Decide(Given({Registered()}), Reserve(1), kNow);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("none anywhere"));
}

TEST(ReserveStock, ZeroOrNegativeQuantityIsInvalid) {
  ExpectError(Decide(Stocked(), Reserve(0), kNow).status(), absl::StatusCode::kInvalidArgument,
              "quantity");
  ExpectError(Decide(Stocked(), Reserve(-2), kNow).status(), absl::StatusCode::kInvalidArgument,
              "quantity");
}

TEST(ReserveStock, UnknownLocationIsNotFound) {
  ExpectError(Decide(Stocked(), Reserve(1, "WH-9"), kNow).status(), absl::StatusCode::kNotFound,
              "location_id");
}

TEST(ReserveStock, UnknownPartIsNotFound) {
  ExpectError(Decide(PartState{}, Reserve(1), kNow).status(), absl::StatusCode::kNotFound, "sku");
}

TEST(ReserveStock, RequiresJobId) {
  ExpectError(Decide(Stocked(), Reserve(1, "WH-1", ""), kNow).status(),
              absl::StatusCode::kInvalidArgument, "job_id");
}

TEST(ReserveStock, ForAJobWaitingForPartsFillsItsBackorder) {
  PartState state = After(Stocked(), {PartsBackordered{"FLT-1", "J1", 3}});
  auto events = Decide(state, Reserve(2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "WH-1", "J1", 2, true}}));
  EXPECT_EQ(After(state, *events).backorders.at("J1"), 1);
}

// --- ReleaseStock -----------------------------------------------------------------------------

TEST(ReleaseStock, ReleasesPartOfTheHoldAndKeepsTheBackorder) {
  PartState state = After(
      Stocked(), {PartsReserved{"FLT-1", "WH-1", "J1", 3}, PartsBackordered{"FLT-1", "J1", 2}});
  auto events = Decide(state, ReleaseStock{"FLT-1", "J1", "WH-1", 1}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{ReservationReleased{"FLT-1", "WH-1", "J1", 1}}));
  PartState after = After(state, *events);
  EXPECT_EQ(after.ReservedFor("J1"), 2);
  EXPECT_EQ(after.backorders.at("J1"), 2);
}

TEST(ReleaseStock, ZeroReleasesEverythingHeld) {
  PartState state = After(Stocked(), {PartsReserved{"FLT-1", "WH-1", "J1", 3},
                                      PartsReserved{"FLT-1", "SC-1", "J1", 1}});
  auto events = Decide(state, ReleaseStock{"FLT-1", "J1", "", 0}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->size(), 2u);
  EXPECT_EQ(After(state, *events).ReservedFor("J1"), 0);
}

TEST(ReleaseStock, NothingHeldIsAFailedPrecondition) {
  EXPECT_EQ(Decide(Stocked(), ReleaseStock{"FLT-1", "J1", "", 0}, kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ReleaseStock, MoreThanHeldIsAFailedPrecondition) {
  PartState state = After(Stocked(), {PartsReserved{"FLT-1", "WH-1", "J1", 1}});
  auto result = Decide(state, ReleaseStock{"FLT-1", "J1", "WH-1", 2}, kNow);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("holds only 1"));
}

TEST(ReleaseStock, NegativeQuantityIsInvalid) {
  ExpectError(Decide(Stocked(), ReleaseStock{"FLT-1", "J1", "", -1}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "quantity");
}

// --- MoveStock --------------------------------------------------------------------------------

MoveStock Pick(int64_t quantity, const std::string& from = "WH-1",
               const std::string& to = "VAN-7") {
  return {.kind = MoveKind::kPickToVan,
          .sku = "FLT-1",
          .from_location_id = from,
          .to_location_id = to,
          .quantity = quantity,
          .serials = {},
          .job_id = "",
          .locations = Known()};
}

TEST(MoveStock, PickToVanMovesOnHand) {
  auto events = Decide(Stocked(), Pick(3), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(
      *events,
      ElementsAre(PartEvent{StockMoved{MoveKind::kPickToVan, "FLT-1", "WH-1", "VAN-7", "", 3}}));
  PartState after = After(Stocked(), *events);
  EXPECT_EQ(after.LevelAt("WH-1").on_hand, 7);
  EXPECT_EQ(after.LevelAt("VAN-7").on_hand, 3);
}

TEST(MoveStock, PickForAJobCarriesItsHoldToTheVan) {
  PartState state = After(Stocked(), {PartsReserved{"FLT-1", "WH-1", "J1", 10}});
  MoveStock pick = Pick(2);
  pick.job_id = "J1";
  auto events = Decide(state, pick, kNow);  // nothing free at WH-1, but J1 holds 10 there
  ASSERT_TRUE(events.ok()) << events.status();
  PartState after = After(state, *events);
  EXPECT_EQ(after.LevelAt("WH-1").reserved, 8);
  EXPECT_EQ(after.LevelAt("VAN-7").reserved, 2);
  EXPECT_EQ(after.reservations.at("J1").at("VAN-7"), 2);
}

TEST(MoveStock, SameLocationIsInvalid) {
  ExpectError(Decide(Stocked(), Pick(1, "VAN-7", "VAN-7"), kNow).status(),
              absl::StatusCode::kInvalidArgument, "to_location_id");
}

TEST(MoveStock, PickMustGoToAVan) {
  ExpectError(Decide(Stocked(), Pick(1, "WH-1", "SC-1"), kNow).status(),
              absl::StatusCode::kInvalidArgument, "to_location_id");
}

TEST(MoveStock, ReturnUnusedMustComeFromAVan) {
  MoveStock move = Pick(1, "SC-1", "WH-1");
  move.kind = MoveKind::kReturnUnused;
  ExpectError(Decide(Stocked(), move, kNow).status(), absl::StatusCode::kInvalidArgument,
              "from_location_id");
}

TEST(MoveStock, ReturnUnusedFromTheVan) {
  PartState state =
      After(Stocked(), {StockMoved{MoveKind::kPickToVan, "FLT-1", "WH-1", "VAN-7", "", 3}});
  MoveStock move = Pick(2, "VAN-7", "WH-1");
  move.kind = MoveKind::kReturnUnused;
  auto events = Decide(state, move, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  PartState after = After(state, *events);
  EXPECT_EQ(after.LevelAt("VAN-7").on_hand, 1);
  EXPECT_EQ(after.LevelAt("WH-1").on_hand, 9);
}

TEST(MoveStock, UnknownLocationsAreNotFound) {
  ExpectError(Decide(Stocked(), Pick(1, "WH-9"), kNow).status(), absl::StatusCode::kNotFound,
              "from_location_id");
  ExpectError(Decide(Stocked(), Pick(1, "WH-1", "VAN-9"), kNow).status(),
              absl::StatusCode::kNotFound, "to_location_id");
}

TEST(MoveStock, MoreThanAvailableIsRefused) {
  EXPECT_EQ(Decide(Stocked(), Pick(11), kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// --- serials ----------------------------------------------------------------------------------

PartState Serialised() { return Given({Registered(true), Received("WH-1", 2, {"S1", "S2"})}); }

TEST(Serials, ReceiptOfASerialisedPartNeedsOneSerialPerUnit) {
  ReceiveStock receipt{.sku = "FLT-1",
                       .location_id = "WH-1",
                       .quantity = 2,
                       .location = Loc("WH-1"),
                       .serials = {"S9"}};
  ExpectError(Decide(Given({Registered(true)}), receipt, kNow).status(),
              absl::StatusCode::kInvalidArgument, "serials");
}

TEST(Serials, ASerialAlreadyInStockCannotBeReceivedAgain) {
  ReceiveStock receipt{.sku = "FLT-1",
                       .location_id = "SC-1",
                       .quantity = 1,
                       .location = Loc("SC-1"),
                       .serials = {"S1"}};
  ExpectError(Decide(Serialised(), receipt, kNow).status(), absl::StatusCode::kAlreadyExists,
              "serials");
}

TEST(Serials, APartThatIsNotSerialisedTakesNoSerials) {
  MoveStock pick = Pick(1);
  pick.serials = {"S1"};
  ExpectError(Decide(Stocked(), pick, kNow).status(), absl::StatusCode::kInvalidArgument,
              "serials");
}

TEST(Serials, AMoveNamesUnitsThatAreAtTheSource) {
  MoveStock pick = Pick(1);
  pick.serials = {"S1"};
  auto events = Decide(Serialised(), pick, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  PartState after = After(Serialised(), *events);
  EXPECT_EQ(after.serials.at("S1"), "VAN-7");
  MoveStock again = Pick(1);
  again.serials = {"S1"};  // S1 is on the van now
  EXPECT_EQ(Decide(after, again, kNow).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Serials, ConsumptionTakesUnitsFromTheLocation) {
  auto events = Decide(Serialised(), ConsumeForJob{"FLT-1", "J1", 1, ""}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_THAT(std::get<PartsConsumed>(events->front()).serials, ElementsAre("S1"));
  EXPECT_EQ(After(Serialised(), *events).serials.at("S1"), "consumed:J1");
}

// --- defective returns and RMA ----------------------------------------------------------------

ReturnDefective Defective(int64_t quantity = 1, const std::string& rma = "RMA-1") {
  return {.sku = "FLT-1",
          .location_id = "WH-1",
          .rma_id = rma,
          .quantity = quantity,
          .reason = "leaks",
          .serials = {},
          .locations = Known()};
}

TEST(ReturnDefective, TakesUnitsOutOfStockUnderAnRma) {
  auto events = Decide(Stocked(), Defective(2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{DefectiveReturned{"FLT-1", "WH-1", "RMA-1", 2, "leaks"}}));
  PartState after = After(Stocked(), *events);
  EXPECT_EQ(after.LevelAt("WH-1").on_hand, 8);
  EXPECT_EQ(after.rmas.at("RMA-1").status, RmaStatus::kOpen);
}

TEST(ReturnDefective, NeedsAReasonAndAnRmaNumber) {
  ReturnDefective command = Defective();
  command.reason = " ";
  ExpectError(Decide(Stocked(), command, kNow).status(), absl::StatusCode::kInvalidArgument,
              "reason");
  ExpectError(Decide(Stocked(), Defective(1, ""), kNow).status(),
              absl::StatusCode::kInvalidArgument, "rma_id");
}

TEST(ReturnDefective, DuplicateRmaIsAlreadyExists) {
  PartState state = After(Stocked(), *Decide(Stocked(), Defective(), kNow));
  ExpectError(Decide(state, Defective(), kNow).status(), absl::StatusCode::kAlreadyExists,
              "rma_id");
}

TEST(Rma, IsSentThenReceivedThenCredited) {
  PartState state = After(Stocked(), *Decide(Stocked(), Defective(), kNow));
  auto sent = Decide(state, AdvanceRma{RmaStep::kSend, "FLT-1", "RMA-1", "SF123"}, kNow);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_THAT(*sent, ElementsAre(PartEvent{RmaSent{"FLT-1", "RMA-1", "SF123"}}));
  state = After(state, *sent);
  // Crediting before the factory has it is refused.
  EXPECT_EQ(
      Decide(state, AdvanceRma{RmaStep::kCredit, "FLT-1", "RMA-1", "", 100}, kNow).status().code(),
      absl::StatusCode::kFailedPrecondition);
  state = After(state, *Decide(state, AdvanceRma{RmaStep::kReceive, "FLT-1", "RMA-1"}, kNow));
  auto credited = Decide(state, AdvanceRma{RmaStep::kCredit, "FLT-1", "RMA-1", "", 100}, kNow);
  ASSERT_TRUE(credited.ok()) << credited.status();
  EXPECT_THAT(*credited, ElementsAre(PartEvent{RmaCredited{"FLT-1", "RMA-1", 100}}));
  state = After(state, *credited);
  EXPECT_EQ(state.rmas.at("RMA-1").status, RmaStatus::kCredited);
  EXPECT_EQ(Decide(state, AdvanceRma{RmaStep::kSend, "FLT-1", "RMA-1"}, kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Rma, UnknownRmaIsNotFoundAndNegativeCreditInvalid) {
  ExpectError(Decide(Stocked(), AdvanceRma{RmaStep::kSend, "FLT-1", "RMA-9"}, kNow).status(),
              absl::StatusCode::kNotFound, "rma_id");
  ExpectError(
      Decide(Stocked(), AdvanceRma{RmaStep::kCredit, "FLT-1", "RMA-9", "", -1}, kNow).status(),
      absl::StatusCode::kInvalidArgument, "credit_minor");
}

// --- transfers --------------------------------------------------------------------------------

RequestTransfer Transfer(int64_t quantity, const std::string& from = "WH-1",
                         const std::string& to = "SC-1") {
  return {.sku = "FLT-1",
          .transfer_id = "TR-1",
          .from_location_id = from,
          .to_location_id = to,
          .quantity = quantity,
          .locations = Known()};
}

PartState Shipped(int64_t quantity) {
  PartState state = After(Stocked(), *Decide(Stocked(), Transfer(quantity), kNow));
  state = After(state, *Decide(state, ApproveTransfer{"FLT-1", "TR-1"}, kNow));
  return After(state, *Decide(state, ShipTransfer{"FLT-1", "TR-1"}, kNow));
}

TEST(Transfer, RequestedApprovedShippedIsInTransitThenReceived) {
  PartState state = Shipped(4);
  EXPECT_EQ(state.LevelAt("WH-1").on_hand, 6);
  EXPECT_EQ(state.LevelAt("SC-1").in_transit, 4);
  EXPECT_EQ(state.LevelAt("SC-1").on_hand, 5);
  const absl::Time signed_at = kNow - absl::Hours(1);
  auto received = Decide(state, ReceiveTransfer{"FLT-1", "TR-1", 4, "Li Na", signed_at}, kNow);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_THAT(
      *received,
      ElementsAre(PartEvent{TransferReceived{"FLT-1", "TR-1", "SC-1", 4, 0, "Li Na", signed_at}}));
  state = After(state, *received);
  EXPECT_EQ(state.LevelAt("SC-1").in_transit, 0);
  EXPECT_EQ(state.LevelAt("SC-1").on_hand, 9);
}

TEST(Transfer, ReceivingLessWritesOffTheShortfall) {
  auto received = Decide(Shipped(4), ReceiveTransfer{"FLT-1", "TR-1", 3, "Li Na"}, kNow);
  ASSERT_TRUE(received.ok()) << received.status();
  const auto& r = std::get<TransferReceived>(received->front());
  EXPECT_EQ(r.short_quantity, 1);
  EXPECT_EQ(r.signed_at, kNow);  // not given: now
  PartState after = After(Shipped(4), *received);
  EXPECT_EQ(after.LevelAt("SC-1").in_transit, 0);
  EXPECT_EQ(after.LevelAt("SC-1").on_hand, 8);
}

TEST(Transfer, ReceivingMoreThanWasShippedIsInvalid) {
  auto result = Decide(Shipped(4), ReceiveTransfer{"FLT-1", "TR-1", 5, "Li Na"}, kNow);
  ExpectError(result.status(), absl::StatusCode::kInvalidArgument, "quantity");
  EXPECT_THAT(result.status().message(), HasSubstr("shipped 4"));
}

TEST(Transfer, ReceiptNeedsASigner) {
  ExpectError(Decide(Shipped(4), ReceiveTransfer{"FLT-1", "TR-1", 4, " "}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "signer");
}

TEST(Transfer, ASignatureInTheFutureIsInvalid) {
  ExpectError(
      Decide(Shipped(4), ReceiveTransfer{"FLT-1", "TR-1", 4, "Li Na", kNow + absl::Hours(1)}, kNow)
          .status(),
      absl::StatusCode::kInvalidArgument, "signed_at");
}

TEST(Transfer, ReceivedTwiceIsAFailedPrecondition) {
  PartState state =
      After(Shipped(4), *Decide(Shipped(4), ReceiveTransfer{"FLT-1", "TR-1", 4, "Li"}, kNow));
  EXPECT_EQ(Decide(state, ReceiveTransfer{"FLT-1", "TR-1", 1, "Li"}, kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Transfer, ToTheSameLocationIsInvalid) {
  ExpectError(Decide(Stocked(), Transfer(1, "WH-1", "WH-1"), kNow).status(),
              absl::StatusCode::kInvalidArgument, "to_location_id");
}

TEST(Transfer, ZeroQuantityIsInvalid) {
  ExpectError(Decide(Stocked(), Transfer(0), kNow).status(), absl::StatusCode::kInvalidArgument,
              "quantity");
}

TEST(Transfer, UnknownDestinationIsNotFound) {
  ExpectError(Decide(Stocked(), Transfer(1, "WH-1", "SC-9"), kNow).status(),
              absl::StatusCode::kNotFound, "to_location_id");
}

TEST(Transfer, ShippingNeedsApprovalAndStock) {
  PartState requested = After(Stocked(), *Decide(Stocked(), Transfer(20), kNow));
  EXPECT_EQ(Decide(requested, ShipTransfer{"FLT-1", "TR-1"}, kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
  PartState approved = After(requested, *Decide(requested, ApproveTransfer{"FLT-1", "TR-1"}, kNow));
  auto shipped = Decide(approved, ShipTransfer{"FLT-1", "TR-1"}, kNow);  // 20 > 10 on hand
  EXPECT_EQ(shipped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(shipped.status().message(), HasSubstr("available at WH-1"));
}

TEST(Transfer, UnknownOrDuplicateTransferIds) {
  ExpectError(Decide(Stocked(), ApproveTransfer{"FLT-1", "TR-9"}, kNow).status(),
              absl::StatusCode::kNotFound, "transfer_id");
  PartState requested = After(Stocked(), *Decide(Stocked(), Transfer(1), kNow));
  ExpectError(Decide(requested, Transfer(1), kNow).status(), absl::StatusCode::kAlreadyExists,
              "transfer_id");
}

TEST(Transfer, ReceivedStockFillsBackordersInOrder) {
  PartState state =
      After(Shipped(4), {PartsBackordered{"FLT-1", "J2", 3}, PartsBackordered{"FLT-1", "J1", 3}});
  // SC-1 already has 5 available; 4 more arrive: J2 (first) gets 3, J1 gets 3.
  state = After(state, {PartsReserved{"FLT-1", "SC-1", "J0", 5}});
  auto received = Decide(state, ReceiveTransfer{"FLT-1", "TR-1", 4, "Li Na"}, kNow);
  ASSERT_TRUE(received.ok()) << received.status();
  ASSERT_EQ(received->size(), 3u);
  EXPECT_EQ(received->at(1), PartEvent(PartsReserved{"FLT-1", "SC-1", "J2", 3, true}));
  EXPECT_EQ(received->at(2), PartEvent(PartsReserved{"FLT-1", "SC-1", "J1", 1, true}));
  PartState after = After(state, *received);
  EXPECT_FALSE(after.backorders.contains("J2"));
  EXPECT_EQ(after.backorders.at("J1"), 2);
  EXPECT_THAT(after.backorder_queue, ElementsAre("J1"));
}

TEST(ReceiveStock, UnitsInTransitCountInTheMovingAverage) {
  // 15 units at 100: 4 of them on the road. 5 more at 200 → (15·100 + 5·200) / 20 = 125.
  auto events = Decide(Shipped(4),
                       ReceiveStock{.sku = "FLT-1",
                                    .location_id = "WH-1",
                                    .quantity = 5,
                                    .unit_cost_minor = 200,
                                    .location = Loc("WH-1")},
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<StockReceived>(events->front()).average_cost_minor, 125);
}

// --- receipts fill backorders -----------------------------------------------------------------

TEST(ReceiveStock, FillsBackordersFirstComeFirstServed) {
  PartState state =
      Given({Registered(), PartsBackordered{"FLT-1", "J1", 2}, PartsBackordered{"FLT-1", "J2", 2}});
  auto events = Decide(state,
                       ReceiveStock{.sku = "FLT-1",
                                    .location_id = "WH-1",
                                    .quantity = 3,
                                    .unit_cost_minor = 100,
                                    .location = Loc("WH-1")},
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ(events->at(1), PartEvent(PartsReserved{"FLT-1", "WH-1", "J1", 2, true}));
  EXPECT_EQ(events->at(2), PartEvent(PartsReserved{"FLT-1", "WH-1", "J2", 1, true}));
}

TEST(CancelBackorder, EndsWhatAJobIsOwed) {
  PartState state = After(Stocked(), {PartsBackordered{"FLT-1", "J1", 3}});
  auto events = Decide(state, CancelBackorder{"FLT-1", "J1", "job completed"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{BackorderCancelled{"FLT-1", "J1", 3, "job completed"}}));
  PartState after = After(state, *events);
  EXPECT_FALSE(after.backorders.contains("J1"));
  EXPECT_THAT(after.backorder_queue, IsEmpty());
  // Nothing owed: nothing to cancel.
  auto none = Decide(after, CancelBackorder{"FLT-1", "J1", "again"}, kNow);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
  ExpectError(Decide(state, CancelBackorder{"FLT-1", "", "x"}, kNow).status(),
              absl::StatusCode::kInvalidArgument, "job_id");
}

// --- counts, gifts, reorder points ------------------------------------------------------------

AdjustCount Count(int64_t counted, const std::string& reason = "cycle count") {
  return {.sku = "FLT-1",
          .location_id = "WH-1",
          .counted_quantity = counted,
          .reason = reason,
          .serials = {},
          .locations = Known()};
}

TEST(AdjustCount, SetsOnHandToTheCountWithAReason) {
  auto events = Decide(Stocked(), Count(7), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{StockAdjusted{"FLT-1", "WH-1", -3, 7, "cycle count"}}));
  EXPECT_EQ(After(Stocked(), *events).LevelAt("WH-1").on_hand, 7);
}

TEST(AdjustCount, NegativeCountOrNoReasonIsInvalid) {
  ExpectError(Decide(Stocked(), Count(-1), kNow).status(), absl::StatusCode::kInvalidArgument,
              "counted_quantity");
  ExpectError(Decide(Stocked(), Count(7, ""), kNow).status(), absl::StatusCode::kInvalidArgument,
              "reason");
}

TEST(AdjustCount, CannotCountBelowWhatIsReserved) {
  PartState state = After(Stocked(), {PartsReserved{"FLT-1", "WH-1", "J1", 4}});
  EXPECT_EQ(Decide(state, Count(3), kNow).status().code(), absl::StatusCode::kFailedPrecondition);
}

IssueCareGift Gift(int64_t quantity, const std::string& customer = "C-1") {
  return {.sku = "FLT-1",
          .location_id = "SC-1",
          .quantity = quantity,
          .customer_id = customer,
          .reason = "birthday",
          .serials = {},
          .locations = Known()};
}

TEST(IssueCareGift, IssuesOutOfStock) {
  auto events = Decide(Stocked(), Gift(2), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{CareGiftIssued{"FLT-1", "SC-1", 2, "C-1", "birthday"}}));
  EXPECT_EQ(After(Stocked(), *events).LevelAt("SC-1").on_hand, 3);
}

TEST(IssueCareGift, NeedsACustomerAndStock) {
  ExpectError(Decide(Stocked(), Gift(1, ""), kNow).status(), absl::StatusCode::kInvalidArgument,
              "customer_id");
  EXPECT_EQ(Decide(Stocked(), Gift(6), kNow).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

SetReorderPoint Threshold(int64_t min, int64_t target) {
  return {.sku = "FLT-1",
          .location_id = "SC-1",
          .min_available = min,
          .target_quantity = target,
          .locations = Known()};
}

TEST(Replenishment, FallingBelowTheThresholdRequestsOnceWithASuggestedQuantity) {
  PartState state = After(Stocked(), *Decide(Stocked(), Threshold(3, 10), kNow));
  auto events = Decide(state, Gift(3), kNow);  // SC-1: 5 → 2
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->at(1), PartEvent(ReplenishmentRequested{"FLT-1", "SC-1", 2, 0, 8}));
  state = After(state, *events);
  auto more = Decide(state, Gift(1), kNow);  // still open: no second request
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->size(), 1u);
  // Restocked above the threshold, the request is settled; the next fall requests again.
  state = After(After(state, *more), {Received("SC-1", 9)});
  EXPECT_FALSE(state.replenishment_open.at("SC-1"));
}

TEST(Replenishment, SettingAThresholdAboveTheStockRequestsAtOnce) {
  auto events = Decide(Stocked(), Threshold(6, 8), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->at(1), PartEvent(ReplenishmentRequested{"FLT-1", "SC-1", 5, 0, 3}));
}

TEST(Replenishment, TargetBelowTheThresholdIsInvalid) {
  ExpectError(Decide(Stocked(), Threshold(5, 4), kNow).status(), absl::StatusCode::kInvalidArgument,
              "target_quantity");
  ExpectError(Decide(Stocked(), Threshold(-1, 4), kNow).status(),
              absl::StatusCode::kInvalidArgument, "min_available");
}

// --- nearest stock ----------------------------------------------------------------------------

TEST(ReserveForJob, TakesTheNearestLocationBeforeTheFullest) {
  // WH-1 has more, but SC-1 is nearer the job site.
  ReserveForJob command{"FLT-1", "J1", 2, "", {{"WH-1", 30.0}, {"SC-1", 4.5}}};
  auto events = Decide(Stocked(), command, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "SC-1", "J1", 2}}));
}

TEST(ReserveForJob, SplitsFromTheNearestOutwards) {
  ReserveForJob command{"FLT-1", "J1", 7, "", {{"WH-1", 30.0}, {"SC-1", 4.5}}};
  auto events = Decide(Stocked(), command, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "SC-1", "J1", 5}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-1", "J1", 2}}));
}

TEST(DistanceKm, OneDegreeOfLongitudeAtTheEquator) {
  EXPECT_NEAR(DistanceKm({0, 0}, {0, 1}), 111.19, 0.01);
  EXPECT_NEAR(DistanceKm({36.07, 120.38}, {36.07, 120.38}), 0.0, 1e-9);
}

// --- ledger helpers ---------------------------------------------------------------------------

TEST(LocationsOf, NamesBothEndsOfAMove) {
  EXPECT_THAT(LocationsOf(StockMoved{MoveKind::kPickToVan, "FLT-1", "WH-1", "VAN-7", "", 1}),
              ElementsAre("WH-1", "VAN-7"));
  EXPECT_THAT(LocationsOf(PartsBackordered{"FLT-1", "J1", 1}), IsEmpty());
}

}  // namespace
}  // namespace fieldline::inventory
