// Domain tests of serialised parts followed unit by unit through reservations, releases and
// consumption: given events / when command / then events or error.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/inventory/domain/part.h"
#include "services/inventory/tests/part_given.h"

namespace fieldline::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using test::After;
using test::ExpectError;
using test::Given;
using test::kNow;

PartEvent Registered(bool serialised = true) {
  return PartRegistered{PartInfo{.sku = "CMP-9",
                                 .name = "Compressor",
                                 .unit = "pcs",
                                 .unit_cost_minor = 50000,
                                 .serialised = serialised}};
}

PartEvent Received(const std::string& location, std::vector<std::string> serials) {
  const int64_t quantity = static_cast<int64_t>(serials.size());
  return StockReceived{"CMP-9", location, quantity, 50000, 50000, std::move(serials)};
}

const KnownLocations kKnown{
    {"WH-1", {.location_id = "WH-1", .kind = LocationKind::kWarehouse}},
    {"VAN-7", {.location_id = "VAN-7", .kind = LocationKind::kVan, .owner_technician_id = "t7"}},
    {"VAN-8", {.location_id = "VAN-8", .kind = LocationKind::kVan, .owner_technician_id = "t8"}}};
const VanScope kVans{.vans = {"VAN-7", "VAN-8"}};

// VAN-7: S1, S2, S3; WH-1: W1, W2; VAN-8: V8.
PartState Stocked() {
  return Given({Registered(), Received("VAN-7", {"S1", "S2", "S3"}), Received("WH-1", {"W1", "W2"}),
                Received("VAN-8", {"V8"})});
}

// J1 (tech-7's job) holds S2 in VAN-7 (named by hand).
PartState J1HoldsS2() {
  return After(Stocked(), {PartsReserved{"CMP-9", "VAN-7", "J1", 1, false, {"S2"}}});
}

ConsumeForJob Used(std::vector<std::string> serials, int64_t quantity = 0) {
  return ConsumeForJob{.sku = "CMP-9",
                       .job_id = "J1",
                       .quantity = quantity > 0 ? quantity : static_cast<int64_t>(serials.size()),
                       .van_location_id = "VAN-7",
                       .serials = std::move(serials),
                       .vans = kVans};
}

// --- reservations hold named units -----------------------------------------------------------

TEST(SerialHolds, AReservationForAJobHoldsTheFirstFreeUnits) {
  auto events = Decide(Stocked(),
                       ReserveForJob{.sku = "CMP-9",
                                     .job_id = "J1",
                                     .quantity = 2,
                                     .van_location_id = "VAN-7",
                                     .vans = kVans},
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{PartsReserved{"CMP-9", "VAN-7", "J1", 2, false, {"S1", "S2"}}}));
  const PartState after = After(Stocked(), *events);
  EXPECT_EQ(after.serial_holds.at("S1"), "J1");
  EXPECT_FALSE(after.serial_holds.contains("S3"));
}

TEST(SerialHolds, AReservationByHandHoldsTheNamedUnits) {
  auto events = Decide(Stocked(),
                       ReserveStock{.sku = "CMP-9",
                                    .location_id = "VAN-7",
                                    .job_id = "J1",
                                    .quantity = 1,
                                    .locations = kKnown,
                                    .serials = {"S3"}},
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{PartsReserved{"CMP-9", "VAN-7", "J1", 1, false, {"S3"}}}));
  // Without serials: the first free unit.
  auto first = Decide(J1HoldsS2(),
                      ReserveStock{.sku = "CMP-9",
                                   .location_id = "VAN-7",
                                   .job_id = "J2",
                                   .quantity = 2,
                                   .locations = kKnown},
                      kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(*first,
              ElementsAre(PartEvent{PartsReserved{"CMP-9", "VAN-7", "J2", 2, false, {"S1", "S3"}}}));
}

TEST(SerialHolds, AReservationByHandRefusesUnitsThatAreHeldElsewhereOrWrong) {
  ReserveStock held{.sku = "CMP-9",
                    .location_id = "VAN-7",
                    .job_id = "J2",
                    .quantity = 1,
                    .locations = kKnown,
                    .serials = {"S2"}};
  auto refused = Decide(J1HoldsS2(), held, kNow);
  ExpectError(refused.status(), absl::StatusCode::kFailedPrecondition, "serials");
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("held for job J1"));
  ReserveStock elsewhere = held;
  elsewhere.serials = {"W1"};
  ExpectError(Decide(Stocked(), elsewhere, kNow).status(), absl::StatusCode::kFailedPrecondition,
              "serials");
  ReserveStock unknown = held;
  unknown.serials = {"NOPE"};
  ExpectError(Decide(Stocked(), unknown, kNow).status(), absl::StatusCode::kNotFound, "serials");
  ReserveStock count = held;
  count.serials = {"S1", "S3"};
  ExpectError(Decide(Stocked(), count, kNow).status(), absl::StatusCode::kInvalidArgument,
              "serials");
  ReserveStock not_serialised = held;
  not_serialised.serials = {"S1"};
  PartState plain = Given({Registered(false), StockReceived{"CMP-9", "VAN-7", 3, 1, 1}});
  ExpectError(Decide(plain, not_serialised, kNow).status(), absl::StatusCode::kInvalidArgument,
              "serials");
}

TEST(SerialHolds, AReleaseByHandGivesBackTheNamedUnitsOrTheHeldOnes) {
  PartState state = After(J1HoldsS2(), {PartsReserved{"CMP-9", "WH-1", "J1", 1, false, {"W2"}}});
  auto named = Decide(state, ReleaseStock{.sku = "CMP-9", .job_id = "J1", .serials = {"W2"}}, kNow);
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_THAT(*named, ElementsAre(PartEvent{
                          ReservationReleased{"CMP-9", "WH-1", "J1", 1, false, {"W2"}}}));
  const PartState after = After(state, *named);
  EXPECT_FALSE(after.serial_holds.contains("W2"));
  EXPECT_EQ(after.serial_holds.at("S2"), "J1");
  EXPECT_EQ(after.ReservedFor("J1"), 1);

  auto all = Decide(state, ReleaseStock{.sku = "CMP-9", .job_id = "J1", .location_id = "VAN-7"},
                    kNow);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, ElementsAre(PartEvent{
                        ReservationReleased{"CMP-9", "VAN-7", "J1", 1, false, {"S2"}}}));
}

TEST(SerialHolds, AReleaseByHandRefusesUnitsTheJobDoesNotHold) {
  ReleaseStock release{.sku = "CMP-9", .job_id = "J1", .serials = {"S1"}};
  ExpectError(Decide(J1HoldsS2(), release, kNow).status(), absl::StatusCode::kFailedPrecondition,
              "serials");
  release.serials = {"S2"};
  release.location_id = "WH-1";
  ExpectError(Decide(J1HoldsS2(), release, kNow).status(), absl::StatusCode::kFailedPrecondition,
              "serials");
  release.location_id = "";
  release.quantity = 2;
  ExpectError(Decide(J1HoldsS2(), release, kNow).status(), absl::StatusCode::kInvalidArgument,
              "serials");
  release.quantity = 0;
  release.serials = {"S2", "S2"};
  ExpectError(Decide(J1HoldsS2(), release, kNow).status(), absl::StatusCode::kInvalidArgument,
              "serials");
}

TEST(SerialHolds, AHeldUnitGivenAwayPassesTheHoldToAFreeUnitThere) {
  // The clerk gives S2 (held for J1) as a care gift: J1 still holds one unit in VAN-7, now S1.
  const PartState after = After(
      J1HoldsS2(), {CareGiftIssued{"CMP-9", "VAN-7", 1, "C-1", "apology", {"S2"}}});
  EXPECT_EQ(after.ReservedFor("J1"), 1);
  EXPECT_EQ(after.serial_holds.at("S1"), "J1");
  EXPECT_FALSE(after.serial_holds.contains("S2"));
}

TEST(SerialHolds, AHeldUnitPickedForTheJobStaysHeldInTheVan) {
  PartState state = After(Stocked(), {PartsReserved{"CMP-9", "WH-1", "J1", 1, false, {"W2"}}});
  const PartState after = After(
      state, {StockMoved{MoveKind::kPickToVan, "CMP-9", "WH-1", "VAN-7", "J1", 1, {"W2"}}});
  EXPECT_EQ(after.serial_holds.at("W2"), "J1");
  EXPECT_EQ(after.reservations.at("J1").at("VAN-7"), 1);
}

// --- consumption books the reported units -----------------------------------------------------

TEST(SerialConsumption, TheReportedUnitsAreConsumedNotTheFirstOnes) {
  // J1 holds S2; the technician reports S3 fitted.
  auto events = Decide(J1HoldsS2(), Used({"S3"}), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsConsumed{"CMP-9", "VAN-7", "J1", 1, {"S3"}}}));
  const PartState after = After(J1HoldsS2(), *events);
  EXPECT_EQ(after.serials.at("S3"), "consumed:J1");
  EXPECT_EQ(after.serials.at("S2"), "VAN-7");  // still in the van, and no longer held
  EXPECT_EQ(after.ReservedFor("J1"), 0);
  EXPECT_FALSE(after.serial_holds.contains("S2"));
}

TEST(SerialConsumption, AReportedUnitElsewhereIsTakenWhereItIs) {
  // The technician fitted W1, which inventory has at WH-1 (picked up without a recorded move).
  auto events = Decide(J1HoldsS2(), Used({"W1"}), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsConsumed{"CMP-9", "WH-1", "J1", 1, {"W1"}}}));
  // The hold in the van is untouched (the completion releases it afterwards).
  EXPECT_EQ(After(J1HoldsS2(), *events).serial_holds.at("S2"), "J1");
}

TEST(SerialConsumption, WithoutReportedSerialsTheJobsHeldUnitsAreConsumed) {
  auto events = Decide(J1HoldsS2(), Used({}, 1), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsConsumed{"CMP-9", "VAN-7", "J1", 1, {"S2"}}}));
  // More than held: the held unit, then the first free unit in the van.
  auto more = Decide(J1HoldsS2(), Used({}, 2), kNow);
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_THAT(*more,
              ElementsAre(PartEvent{PartsConsumed{"CMP-9", "VAN-7", "J1", 2, {"S2", "S1"}}}));
}

TEST(SerialConsumption, AUnitInventoryCannotBookIsRecordedAndNothingIsTakenForIt) {
  PartState state = After(J1HoldsS2(), {PartsConsumed{"CMP-9", "WH-1", "J0", 1, {"W2"}}});
  auto events = Decide(state, Used({"W2", "NEW-1", "S2"}), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ(events->at(0), PartEvent(PartsConsumed{"CMP-9", "VAN-7", "J1", 1, {"S2"}}));
  const auto& used_elsewhere = std::get<UsedSerialUnaccounted>(events->at(1));
  EXPECT_EQ(used_elsewhere.serial, "W2");
  EXPECT_EQ(used_elsewhere.recorded_place, "consumed:J0");
  EXPECT_EQ(used_elsewhere.location_id, "VAN-7");
  EXPECT_THAT(used_elsewhere.reason, HasSubstr("already used on job J0"));
  const auto& never = std::get<UsedSerialUnaccounted>(events->at(2));
  EXPECT_EQ(never.serial, "NEW-1");
  EXPECT_EQ(never.recorded_place, "");
  EXPECT_THAT(never.reason, HasSubstr("never received"));
  // Only S2 left stock.
  const PartState after = After(state, *events);
  EXPECT_EQ(after.LevelAt("VAN-7").on_hand, 2);
  EXPECT_EQ(after.LevelAt("WH-1").on_hand, 1);
  // The discrepancies are in the serials' histories and the van's ledger.
  EXPECT_THAT(SerialsOf(state, events->at(2)), ElementsAre("NEW-1"));
  EXPECT_THAT(LocationsOf(events->at(2)), ElementsAre("VAN-7"));
}

TEST(SerialConsumption, AUnitHeldForAnotherJobIsTakenOnlyIfAFreeUnitCanReplaceIt) {
  // J2 holds S2 and S3; S1 is free: J1 fits S2, J2's hold passes to S1.
  PartState state = After(Stocked(), {PartsReserved{"CMP-9", "VAN-7", "J2", 2, false, {"S2", "S3"}}});
  auto events = Decide(state, Used({"S2"}), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsConsumed{"CMP-9", "VAN-7", "J1", 1, {"S2"}}}));
  const PartState after = After(state, *events);
  EXPECT_EQ(after.serial_holds.at("S1"), "J2");
  EXPECT_EQ(after.serial_holds.at("S3"), "J2");
  // Every unit in the van held for J2: recorded, not taken.
  PartState full = After(Stocked(), {PartsReserved{"CMP-9", "VAN-7", "J2", 3, false, {"S1", "S2", "S3"}}});
  auto refused = Decide(full, Used({"S2"}), kNow);
  ASSERT_TRUE(refused.ok()) << refused.status();
  ASSERT_EQ(refused->size(), 1u);
  EXPECT_THAT(std::get<UsedSerialUnaccounted>(refused->at(0)).reason,
              HasSubstr("held for other jobs"));
  EXPECT_EQ(After(full, *refused).LevelAt("VAN-7").on_hand, 3);
}

TEST(SerialConsumption, UnitsWithoutASerialNeverComeFromAnotherTechniciansVan) {
  // Only VAN-8 (tech-8's) has a unit: the use cannot be booked; it is recorded, VAN-8 untouched.
  PartState state = Given({Registered(), Received("VAN-8", {"V8"})});
  auto events = Decide(state, Used({}, 1), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(std::get<UsedPartsUnaccounted>(events->at(0)).quantity, 1);
  EXPECT_EQ(After(state, *events).LevelAt("VAN-8").on_hand, 1);
}

TEST(SerialConsumption, AMixBooksTheReportedUnitsAndWhatExistsAndRecordsTheRest) {
  // J1 holds S2; used 7: S1 and W1 reported (W1 at WH-1), 5 without a serial. Without a serial:
  // S2 (held), then the free S3 in the van and W2 at WH-1 → 3 booked, 2 recorded. Reported NEW-1
  // was never received → its own UsedSerialUnaccounted. VAN-8 (tech-8's) is never touched.
  const PartState state = J1HoldsS2();
  auto events = Decide(state, Used({"S1", "W1", "NEW-1"}, 8), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ(events->at(0), (PartEvent{PartsConsumed{"CMP-9", "VAN-7", "J1", 3, {"S1", "S2", "S3"}}}));
  EXPECT_EQ(events->at(1), (PartEvent{PartsConsumed{"CMP-9", "WH-1", "J1", 2, {"W1", "W2"}}}));
  EXPECT_EQ(std::get<UsedSerialUnaccounted>(events->at(2)).serial, "NEW-1");
  const auto& shortfall = std::get<UsedPartsUnaccounted>(events->at(3));
  EXPECT_EQ(shortfall.quantity, 2);
  EXPECT_EQ(shortfall.location_id, "VAN-7");
  EXPECT_THAT(shortfall.reason, HasSubstr("without a reported serial"));
  EXPECT_THAT(SerialsOf(state, events->at(3)), IsEmpty());
  const PartState after = After(state, *events);
  EXPECT_EQ(after.LevelAt("VAN-7").on_hand, 0);
  EXPECT_EQ(after.LevelAt("WH-1").on_hand, 0);
  EXPECT_EQ(after.LevelAt("VAN-8").on_hand, 1);
  EXPECT_EQ(after.serials.at("S1"), "consumed:J1");
  EXPECT_EQ(after.serials.at("W2"), "consumed:J1");
}

TEST(SerialConsumption, SerialsOfAPartThatIsNotSerialisedAreIgnored) {
  PartState plain = Given({Registered(false), StockReceived{"CMP-9", "VAN-7", 3, 1, 1}});
  auto events = Decide(plain, Used({"X1"}, 1), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsConsumed{"CMP-9", "VAN-7", "J1", 1}}));
}

}  // namespace
}  // namespace fieldline::inventory
