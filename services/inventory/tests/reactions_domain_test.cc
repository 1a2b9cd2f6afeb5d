// Domain tests of jobs changing hands (reassigned, unassigned, assigned again) and of backorders
// filled by every way stock becomes free: given events / when command / then events or error.

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
using ::testing::IsEmpty;

using test::After;
using test::ExpectError;
using test::Given;
using test::kNow;

PartEvent Registered() {
  return PartRegistered{
      PartInfo{.sku = "FLT-1", .name = "Filter", .unit = "pcs", .unit_cost_minor = 100}};
}

PartEvent Received(const std::string& location, int64_t quantity) {
  return StockReceived{"FLT-1", location, quantity, 100, 100};
}

PartEvent Reserved(const std::string& location, const std::string& job, int64_t quantity) {
  return PartsReserved{"FLT-1", location, job, quantity};
}

PartEvent Backordered(const std::string& job, int64_t quantity) {
  return PartsBackordered{"FLT-1", job, quantity};
}

// J1 was assigned to tech-7: it holds 2 in VAN-7 and 1 at WH-1. VAN-7 has 3, VAN-8 (the new
// technician's) 1, WH-1 5, SC-1 4.
PartState JobInVan7() {
  return Given({Registered(), Received("VAN-7", 3), Received("VAN-8", 1), Received("WH-1", 5),
                Received("SC-1", 4), Reserved("VAN-7", "J1", 2), Reserved("WH-1", "J1", 1)});
}

RetargetJob Reassign(const std::string& from, const std::string& to, int64_t needed = 0) {
  return {.sku = "FLT-1",
          .job_id = "J1",
          .from_van_location_id = from,
          .to_van_location_id = to,
          .needed = needed,
          .distance_km = {{"SC-1", 3.0}, {"WH-1", 12.0}, {"VAN-7", 40.0}},
          // VAN-7 and VAN-8 are vans; J0 and J2 wait for parts for VAN-7.
          .vans = {.vans = {"VAN-7", "VAN-8"}, .job_vans = {{"J0", "VAN-7"}, {"J2", "VAN-7"}}}};
}

RetargetJob Unassign(const std::string& from) {
  return {.sku = "FLT-1", .job_id = "J1", .from_van_location_id = from, .unassigned = true};
}

// --- reassigned -------------------------------------------------------------------------------

TEST(ReassignJob, TheVanHoldMovesToTheNewVanThenTheNearestStockInOneDecision) {
  auto events = Decide(JobInVan7(), Reassign("VAN-7", "VAN-8"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  // VAN-8 has 1, SC-1 (3 km) is nearer than WH-1 (12 km); the hold at WH-1 stays.
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{ReservationReleased{"FLT-1", "VAN-7", "J1", 2, true}},
                          PartEvent{PartsReserved{"FLT-1", "VAN-8", "J1", 1}},
                          PartEvent{PartsReserved{"FLT-1", "SC-1", "J1", 1}}));
  const PartState after = After(JobInVan7(), *events);
  EXPECT_EQ(after.ReservedFor("J1"), 3);
  EXPECT_EQ(after.LevelAt("VAN-7").reserved, 0);
  EXPECT_EQ(after.LevelAt("WH-1").reserved, 1);
  EXPECT_EQ(after.LevelAt("VAN-8").available(), 0);
}

TEST(ReassignJob, TheOldVanIsNotASourceEvenWhenItIsTheOnlyStock) {
  PartState state = Given({Registered(), Received("VAN-7", 2), Reserved("VAN-7", "J1", 2)});
  auto events = Decide(state, Reassign("VAN-7", "VAN-8"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  // VAN-7 is tech-7's: its units go back to it and the job is owed them until stock turns up at
  // the new technician's van, a warehouse or a service centre.
  EXPECT_THAT(*events, ElementsAre(PartEvent{ReservationReleased{"FLT-1", "VAN-7", "J1", 2, true}},
                                   PartEvent{PartsBackordered{"FLT-1", "J1", 2}}));
  const PartState after = After(state, *events);
  EXPECT_EQ(after.LevelAt("VAN-7").available(), 2);
  EXPECT_EQ(after.backorders.at("J1"), 2);
}

TEST(ReassignJob, WithoutKnownVansTheOldVanHoldStaysWhenItIsTheOnlyStock) {
  // Locations inventory does not know as vans (no scope): the hold stays rather than being
  // released and backordered.
  PartState state = Given({Registered(), Received("VAN-7", 2), Reserved("VAN-7", "J1", 2)});
  RetargetJob command = Reassign("VAN-7", "VAN-8");
  command.vans = {};
  auto events = Decide(state, command, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, IsEmpty());
}

TEST(ReassignJob, TheOldVanHoldGoesToTheNewVanAndTheRestIsOwed) {
  PartState state = Given({Registered(), Received("VAN-7", 3), Received("VAN-8", 1),
                           Reserved("VAN-7", "J1", 3)});
  auto events = Decide(state, Reassign("VAN-7", "VAN-8"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{ReservationReleased{"FLT-1", "VAN-7", "J1", 3, true}},
                          PartEvent{PartsReserved{"FLT-1", "VAN-8", "J1", 1}},
                          PartEvent{PartsBackordered{"FLT-1", "J1", 2}}));
  EXPECT_EQ(After(state, *events).ReservedFor("J1"), 1);
}

TEST(ReassignJob, WhatNoStockCoversIsOwedAndTheJobKeepsItsPlaceInTheQueue) {
  // J1 holds the 2 units VAN-7 has and is owed 1 (behind J0, who waits for VAN-7); the
  // assignment now asks for 5.
  PartState state = Given({Registered(), Received("VAN-7", 2), Reserved("VAN-7", "J1", 2),
                           Backordered("J0", 1), Backordered("J1", 1)});
  auto events = Decide(state, Reassign("VAN-7", "VAN-8", /*needed=*/5), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  // Needs 5, has 2 held + 1 owed: the van hold goes back (VAN-7 is not the new van) and 2 more
  // are owed; VAN-7's freed units go to J0, which waits for them there.
  EXPECT_THAT(*events, ElementsAre(PartEvent{ReservationReleased{"FLT-1", "VAN-7", "J1", 2, true}},
                                   PartEvent{PartsBackordered{"FLT-1", "J1", 4}},
                                   PartEvent{PartsReserved{"FLT-1", "VAN-7", "J0", 1, true}}));
  const PartState after = After(state, *events);
  EXPECT_EQ(after.backorders.at("J1"), 5);
  EXPECT_THAT(after.backorder_queue, ElementsAre("J1"));
}

TEST(ReassignJob, WhatTheJobWasOwedIsFilledFromTheNewVanFirst) {
  PartState state = Given({Registered(), Received("VAN-8", 4), Received("WH-1", 1),
                           Reserved("WH-1", "J1", 1), Backordered("J1", 2)});
  auto events = Decide(state, Reassign("VAN-7", "VAN-8"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "VAN-8", "J1", 2, true}}));
  const PartState after = After(state, *events);
  EXPECT_FALSE(after.backorders.contains("J1"));
  EXPECT_EQ(after.ReservedFor("J1"), 3);
}

TEST(ReassignJob, TheSameReassignmentTwiceChangesNothingTheSecondTime) {
  PartState state = JobInVan7();
  auto first = Decide(state, Reassign("VAN-7", "VAN-8"), kNow);
  ASSERT_TRUE(first.ok());
  state = After(state, *first);
  // The app records VAN-8 as the job's van: the repeat goes from VAN-8 to VAN-8.
  auto second = Decide(state, Reassign("VAN-8", "VAN-8"), kNow);
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(*second, IsEmpty());
}

TEST(ReassignJob, ReleasedVanStockGoesToTheJobsWaitingThereInOrder) {
  // J1 holds 2 in VAN-7; the new van VAN-8 has 2 free: the hold moves, VAN-7's 2 go to J0 and J2,
  // who wait for the part (first come first served).
  PartState state = Given({Registered(), Received("VAN-7", 2), Received("VAN-8", 2),
                           Reserved("VAN-7", "J1", 2), Backordered("J0", 1), Backordered("J2", 3)});
  auto events = Decide(state, Reassign("VAN-7", "VAN-8"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{ReservationReleased{"FLT-1", "VAN-7", "J1", 2, true}},
                          PartEvent{PartsReserved{"FLT-1", "VAN-8", "J1", 2}},
                          PartEvent{PartsReserved{"FLT-1", "VAN-7", "J0", 1, true}},
                          PartEvent{PartsReserved{"FLT-1", "VAN-7", "J2", 1, true}}));
  const PartState after = After(state, *events);
  EXPECT_EQ(after.backorders.at("J2"), 2);
  EXPECT_THAT(after.backorder_queue, ElementsAre("J2"));
}

TEST(ReassignJob, RefusesWithoutAJobOrForAnUnknownPart) {
  RetargetJob command = Reassign("VAN-7", "VAN-8");
  command.job_id = " ";
  ExpectError(Decide(JobInVan7(), command, kNow).status(), absl::StatusCode::kInvalidArgument,
              "job_id");
  ExpectError(Decide(PartState{}, Reassign("VAN-7", "VAN-8"), kNow).status(),
              absl::StatusCode::kNotFound, "sku");
  ExpectError(Decide(JobInVan7(), Reassign("VAN-7", "VAN-8", -1), kNow).status(),
              absl::StatusCode::kInvalidArgument, "quantity");
}

// --- assigned (again) -------------------------------------------------------------------------

TEST(AssignJob, AJobSeenForTheFirstTimeIsServedLikeReserveForJob) {
  PartState state = Given({Registered(), Received("VAN-7", 1), Received("WH-1", 2)});
  auto events = Decide(state, Reassign("", "VAN-7", /*needed=*/5), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  auto same = Decide(state,
                     ReserveForJob{"FLT-1", "J1", 5, "VAN-7", Reassign("", "VAN-7").distance_km},
                     kNow);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*events, *same);
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "VAN-7", "J1", 1}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-1", "J1", 2}},
                                   PartEvent{PartsBackordered{"FLT-1", "J1", 2}}));
}

TEST(AssignJob, AJobThatAlreadyHoldsPartsGetsOnlyWhatItLacks) {
  // A hand reservation of 1 at WH-1 before the assignment asked for 3.
  PartState state = Given({Registered(), Received("VAN-7", 5), Received("WH-1", 2),
                           Reserved("WH-1", "J1", 1)});
  auto events = Decide(state, Reassign("", "VAN-7", /*needed=*/3), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "VAN-7", "J1", 2}}));
  // Delivered again: it has all it needs.
  auto again = Decide(After(state, *events), Reassign("VAN-7", "VAN-7", 3), kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(*again, IsEmpty());
}

// --- unassigned / declined --------------------------------------------------------------------

TEST(UnassignJob, TheVanHoldIsGivenBackTheWarehouseHoldAndTheBackorderStay) {
  PartState state = After(JobInVan7(), {Backordered("J0", 1), Backordered("J1", 2)});
  auto events = Decide(state, Unassign("VAN-7"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  // The 2 given back in VAN-7 go to J0, first in the queue (J1 is not served from its own).
  EXPECT_THAT(*events,
              ElementsAre(PartEvent{ReservationReleased{"FLT-1", "VAN-7", "J1", 2, true}},
                          PartEvent{PartsReserved{"FLT-1", "VAN-7", "J0", 1, true}}));
  const PartState after = After(state, *events);
  EXPECT_EQ(after.ReservedFor("J1"), 1);               // WH-1's hold stays
  EXPECT_EQ(after.backorders.at("J1"), 2);             // still owed
  EXPECT_THAT(after.backorder_queue, ElementsAre("J1"));  // and still in the queue
  EXPECT_EQ(after.LevelAt("VAN-7").available(), 2);
}

TEST(UnassignJob, AJobHeldOnlyInTheVanKeepsWhatItIsOwed) {
  PartState state =
      Given({Registered(), Received("VAN-7", 2), Reserved("VAN-7", "J1", 2), Backordered("J1", 1)});
  auto events = Decide(state, Unassign("VAN-7"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const PartState after = After(state, *events);
  EXPECT_EQ(after.ReservedFor("J1"), 0);
  EXPECT_EQ(after.backorders.at("J1"), 1);
}

TEST(UnassignJob, WithoutAVanHoldNothingChanges) {
  PartState state = Given({Registered(), Received("WH-1", 2), Reserved("WH-1", "J1", 2)});
  auto events = Decide(state, Unassign("VAN-7"), kNow);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(*events, IsEmpty());
  auto no_van = Decide(state, Unassign(""), kNow);
  ASSERT_TRUE(no_van.ok());
  EXPECT_THAT(*no_van, IsEmpty());
}

TEST(UnassignJob, ThenAssignedToAnotherTechnicianTheJobIsToppedUpFromTheNewVan) {
  PartState state = JobInVan7();
  state = After(state, *Decide(state, Unassign("VAN-7"), kNow));
  ASSERT_EQ(state.ReservedFor("J1"), 1);
  // JobAssigned to tech-8 asks for 3 again: 1 held at WH-1, 2 lacking; VAN-8 has 1, then SC-1.
  auto events = Decide(state, Reassign("", "VAN-8", 3), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "VAN-8", "J1", 1}},
                                   PartEvent{PartsReserved{"FLT-1", "SC-1", "J1", 1}}));
}

// --- backorders filled by every way stock becomes free ----------------------------------------

PartState TwoJobsWaiting() {
  // J1 holds 3 at WH-1 (all of it); J2 then J3 wait for 2 each.
  return Given({Registered(), Received("WH-1", 3), Received("VAN-7", 2),
                Reserved("WH-1", "J1", 3), Backordered("J2", 2), Backordered("J3", 2)});
}

TEST(BackorderFills, AReleaseByHandGoesToTheJobsWaitingInOrder) {
  auto events = Decide(TwoJobsWaiting(),
                       ReleaseStock{.sku = "FLT-1", .job_id = "J1", .location_id = "WH-1"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{ReservationReleased{"FLT-1", "WH-1", "J1", 3}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-1", "J2", 2, true}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-1", "J3", 1, true}}));
  const PartState after = After(TwoJobsWaiting(), *events);
  EXPECT_EQ(after.backorders.at("J3"), 1);
  EXPECT_EQ(after.LevelAt("WH-1").available(), 0);
}

TEST(BackorderFills, APartialReleaseDoesNotServeTheReleasingJobItself) {
  PartState state = After(TwoJobsWaiting(), {Backordered("J1", 1)});
  // Queue: J2, J3, J1. J1 gives 1 back: it goes to J2.
  auto events =
      Decide(state, ReleaseStock{.sku = "FLT-1", .job_id = "J1", .quantity = 1}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{ReservationReleased{"FLT-1", "WH-1", "J1", 1}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-1", "J2", 1, true}}));
}

TEST(BackorderFills, ACompletedJobsLeftoversGoToTheJobsWaiting) {
  auto events = Decide(TwoJobsWaiting(), ReleaseForJob{"FLT-1", "J1"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{ReservationReleased{"FLT-1", "WH-1", "J1", 3}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-1", "J2", 2, true}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-1", "J3", 1, true}}));
}

TEST(BackorderFills, UnusedPartsReturnedFromAVanGoToTheJobsWaiting) {
  KnownLocations known{{"WH-1", {.location_id = "WH-1", .kind = LocationKind::kWarehouse}},
                       {"VAN-7", {.location_id = "VAN-7", .kind = LocationKind::kVan}}};
  MoveStock back{.kind = MoveKind::kReturnUnused,
                 .sku = "FLT-1",
                 .from_location_id = "VAN-7",
                 .to_location_id = "WH-1",
                 .quantity = 2,
                 .locations = known};
  auto events = Decide(TwoJobsWaiting(), back, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->at(1), PartEvent(PartsReserved{"FLT-1", "WH-1", "J2", 2, true}));
}

TEST(BackorderFills, APickToAVanGoesToThatVansJobsWaitingInOrder) {
  KnownLocations known{{"WH-1", {.location_id = "WH-1", .kind = LocationKind::kWarehouse}},
                       {"VAN-7", {.location_id = "VAN-7", .kind = LocationKind::kVan}}};
  // J2 waits for VAN-8 (another technician's), J3 for VAN-7.
  const VanScope vans{.vans = {"VAN-7", "VAN-8"},
                      .job_vans = {{"J2", "VAN-8"}, {"J3", "VAN-7"}}};
  MoveStock pick{.kind = MoveKind::kPickToVan,
                 .sku = "FLT-1",
                 .from_location_id = "WH-1",
                 .to_location_id = "VAN-7",
                 .quantity = 2,
                 .locations = known,
                 .vans = vans};
  // WH-1 has 2 free that nobody could be given yet.
  PartState state = After(TwoJobsWaiting(), {Received("WH-1", 2)});
  auto picked = Decide(state, pick, kNow);
  ASSERT_TRUE(picked.ok()) << picked.status();
  EXPECT_THAT(*picked,
              ElementsAre(PartEvent{StockMoved{MoveKind::kPickToVan, "FLT-1", "WH-1", "VAN-7", "",
                                               2}},
                          PartEvent{PartsReserved{"FLT-1", "VAN-7", "J3", 2, true}}));
  EXPECT_FALSE(After(state, *picked).backorders.contains("J3"));
  EXPECT_EQ(After(state, *picked).backorders.at("J2"), 2);
}

TEST(BackorderFills, StockReceivedInAVanGoesOnlyToThatVansJobs) {
  const VanScope vans{.vans = {"VAN-7", "VAN-8"}, .job_vans = {{"J2", "VAN-8"}}};
  auto events = Decide(TwoJobsWaiting(),
                       ReceiveStock{.sku = "FLT-1",
                                    .location_id = "VAN-7",
                                    .quantity = 1,
                                    .location = LocationInfo{.location_id = "VAN-7",
                                                             .kind = LocationKind::kVan},
                                    .vans = vans},
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  // Neither J2 (VAN-8's) nor J3 (no van known) is served from tech-7's van.
  EXPECT_EQ(events->size(), 1u);
  // At a warehouse, the first in the queue is served.
  auto at_warehouse = Decide(TwoJobsWaiting(),
                             ReceiveStock{.sku = "FLT-1",
                                          .location_id = "WH-1",
                                          .quantity = 1,
                                          .location = LocationInfo{.location_id = "WH-1"},
                                          .vans = vans},
                             kNow);
  ASSERT_TRUE(at_warehouse.ok());
  ASSERT_EQ(at_warehouse->size(), 2u);
  EXPECT_EQ(at_warehouse->at(1), PartEvent(PartsReserved{"FLT-1", "WH-1", "J2", 1, true}));
}

TEST(ReserveForJob, AnotherTechniciansVanIsNeverASource) {
  // VAN-8 (tech-8's) is nearest and has 5; the job is tech-7's: WH-1's 1, the rest owed.
  PartState state = Given({Registered(), Received("VAN-8", 5), Received("WH-1", 1)});
  auto events = Decide(state,
                       ReserveForJob{.sku = "FLT-1",
                                     .job_id = "J1",
                                     .quantity = 3,
                                     .van_location_id = "VAN-7",
                                     .distance_km = {{"VAN-8", 1.0}, {"WH-1", 30.0}},
                                     .vans = {.vans = {"VAN-7", "VAN-8"}}},
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{PartsReserved{"FLT-1", "WH-1", "J1", 1}},
                                   PartEvent{PartsBackordered{"FLT-1", "J1", 2}}));
  // The job's own van is a source (first).
  auto own = Decide(state,
                    ReserveForJob{.sku = "FLT-1",
                                  .job_id = "J1",
                                  .quantity = 2,
                                  .van_location_id = "VAN-8",
                                  .vans = {.vans = {"VAN-7", "VAN-8"}}},
                    kNow);
  ASSERT_TRUE(own.ok());
  EXPECT_THAT(*own, ElementsAre(PartEvent{PartsReserved{"FLT-1", "VAN-8", "J1", 2}}));
}

TEST(BackorderFills, ACountFoundMoreGoesToTheJobsWaiting) {
  AdjustCount count{.sku = "FLT-1",
                    .location_id = "WH-1",
                    .counted_quantity = 4,
                    .reason = "found a box",
                    .locations = {{"WH-1", {.location_id = "WH-1"}}}};
  auto events = Decide(TwoJobsWaiting(), count, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(PartEvent{StockAdjusted{"FLT-1", "WH-1", 1, 4, "found a box"}},
                                   PartEvent{PartsReserved{"FLT-1", "WH-1", "J2", 1, true}}));
}

TEST(BackorderFills, AReceivedTransferGoesToTheJobsWaitingAtItsDestination) {
  PartState state = After(TwoJobsWaiting(),
                          {TransferRequested{"FLT-1", "TR-1", "VAN-7", "SC-1", 2},
                           TransferApproved{"FLT-1", "TR-1"},
                           TransferShipped{"FLT-1", "TR-1", "VAN-7", "SC-1", 2}});
  auto events =
      Decide(state, ReceiveTransfer{.sku = "FLT-1", .transfer_id = "TR-1", .quantity = 2,
                                    .signer = "Ivan"},
             kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->at(1), PartEvent(PartsReserved{"FLT-1", "SC-1", "J2", 2, true}));
}

// --- replenishment ----------------------------------------------------------------------------

TEST(Replenishment, TheSuggestionCountsInTransitAndTransfersNotShippedYet) {
  // SC-1: threshold 5, target 20. 4 on hand; 3 in transit (TR-1 shipped); 6 requested (TR-2).
  PartState state = Given({Registered(), Received("SC-1", 4), Received("WH-1", 20),
                           TransferRequested{"FLT-1", "TR-1", "WH-1", "SC-1", 3},
                           TransferApproved{"FLT-1", "TR-1"},
                           TransferShipped{"FLT-1", "TR-1", "WH-1", "SC-1", 3},
                           TransferRequested{"FLT-1", "TR-2", "WH-1", "SC-1", 6}});
  auto events = Decide(state,
                       SetReorderPoint{.sku = "FLT-1",
                                       .location_id = "SC-1",
                                       .min_available = 5,
                                       .target_quantity = 20,
                                       .locations = {{"SC-1", {.location_id = "SC-1"}}}},
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  // 20 − 4 available − 3 in transit − 6 requested = 7.
  EXPECT_EQ(events->at(1), PartEvent(ReplenishmentRequested{"FLT-1", "SC-1", 4, 3, 7}));
  // While that request is open, a further fall does not raise a second one.
  state = After(state, *events);
  auto more = Decide(state, ReserveStock{.sku = "FLT-1", .location_id = "SC-1", .job_id = "J1",
                                         .quantity = 2,
                                         .locations = {{"SC-1", {.location_id = "SC-1"}}}},
                     kNow);
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_EQ(more->size(), 1u);
}

// --- Evolve -----------------------------------------------------------------------------------

TEST(ReservationReleasedEvolve, AHoldThatMovesKeepsTheBackorderAFullReleaseSettlesIt) {
  PartState state =
      Given({Registered(), Received("WH-1", 2), Reserved("WH-1", "J1", 2), Backordered("J1", 1)});
  EXPECT_EQ(After(state, {ReservationReleased{"FLT-1", "WH-1", "J1", 2, true}}).backorders.at("J1"),
            1);
  EXPECT_FALSE(
      After(state, {ReservationReleased{"FLT-1", "WH-1", "J1", 2}}).backorders.contains("J1"));
}

}  // namespace
}  // namespace fieldline::inventory
