// Dispatch through SchedulingApp against a real EventStore in a temp dir: the technician's
// calendar under concurrent dispatchers, reassign / unassign / reschedule keeping the calendar
// right, the technician's day with offline replay and sync conflicts, recommendation and the
// live board's positions.

#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/scheduling/adapters/event_codec.h"
#include "services/scheduling/app/scheduling_app.h"

namespace fieldline::scheduling {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const DispatchPolicy kPolicy;
absl::Time Monday(int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, hour, minute, 0), kPolicy.time_zone);
}
const Actor kDispatcher{"d-1", "dispatcher"};
const Actor kT7{"T-7", "technician"};
const GeoPoint kSite{36.07, 120.38};

class DispatchAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<SchedulingApp>(*store_, clock_, ids_);
  }

  CommandMeta Meta(const std::string& request_id, Actor actor = kDispatcher) {
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = std::move(actor);
    meta.now = clock_.Now();
    return meta;
  }

  void MustRegister(const std::string& id, GeoPoint home = {36.06, 120.36}) {
    auto ack = app_->RegisterTechnician(Meta("reg-" + id),
                                        RegisterTechnician{.technician_id = id,
                                                           .name = "Tech " + id,
                                                           .phone = "13800000000",
                                                           .skills = {"boiler"},
                                                           .home_base = home,
                                                           .van_location_id = "van-" + id,
                                                           .skill_levels = {3},
                                                           .territory = {}});
    ASSERT_TRUE(ack.ok()) << ack.status();
  }

  std::string MustOpenTicket(const std::string& ticket_id, const std::string& customer = "C-1") {
    EventEnvelope e;
    e.set_event_id(UuidV7Generator().NewId(clock_.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id(ticket_id);
    e.set_aggregate_version(1);
    intake::v1::TicketOpened* opened = e.mutable_intake()->mutable_ticket_opened();
    opened->set_ticket_id(ticket_id);
    opened->mutable_customer()->set_customer_id(customer);
    opened->mutable_customer()->set_name("Wang Fang");
    opened->mutable_customer()->mutable_location()->set_lat(kSite.lat);
    opened->mutable_customer()->mutable_location()->set_lng(kSite.lng);
    opened->set_category("boiler");
    Batch batch = store_->NewBatch();
    EXPECT_TRUE(app_->Apply(e, batch).ok());
    EXPECT_TRUE(store_->Commit(std::move(batch)).ok());
    return SchedulingApp::JobIdForTicket(ticket_id);
  }

  absl::StatusOr<common::v1::CommandAck> Assign(const std::string& request_id,
                                                const std::string& job_id,
                                                const std::string& technician,
                                                absl::Time start = Monday(9),
                                                absl::Time end = Monday(11)) {
    return app_->AssignJob(Meta(request_id), AssignJob{.job_id = job_id,
                                                       .technician_id = technician,
                                                       .window_start = start,
                                                       .window_end = end,
                                                       .expected_version = 0,
                                                       .override_reason = ""});
  }

  size_t StreamSize(const std::string& type, const std::string& id) {
    auto events = store_->ReadStream({type, id});
    EXPECT_TRUE(events.ok());
    return events.ok() ? events->size() : 0;
  }

  std::vector<std::string> BookedJobs(const std::string& technician) {
    auto bookings = app_->Bookings(technician);
    EXPECT_TRUE(bookings.ok()) << bookings.status();
    std::vector<std::string> jobs;
    for (const Booking& b : bookings.value_or(std::vector<Booking>{})) jobs.push_back(b.job_id);
    return jobs;
  }

  v1::Job MustGetJob(const std::string& job_id) {
    auto job = app_->GetJob(kDispatcher, job_id);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.value_or(v1::Job{});
  }

  testing::TempDir dir_;
  FakeClock clock_{Monday(7)};
  UuidV7Generator ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<SchedulingApp> app_;
};

// ------------------------------------------------------------------ the calendar

TEST_F(DispatchAppTest, TwoDispatchersBookingOneTechnicianAtOnceExactlyOneWins) {
  MustRegister("T-7");
  constexpr int kDispatchers = 8;
  std::vector<std::string> jobs;
  for (int i = 0; i < kDispatchers; ++i) jobs.push_back(MustOpenTicket(absl::StrCat("TK-", i)));
  std::vector<absl::StatusOr<common::v1::CommandAck>> results(kDispatchers,
                                                              absl::UnknownError("not run"));
  std::latch start(kDispatchers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kDispatchers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      // Overlapping slots: 09:00–11:00, 09:10–11:10, ...
      results[i] =
          Assign(absl::StrCat("assign-", i), jobs[i], "T-7", Monday(9, i * 10), Monday(11, i * 10));
    });
  }
  for (std::thread& t : threads) t.join();

  int winners = 0;
  std::string winner_job;
  for (int i = 0; i < kDispatchers; ++i) {
    if (results[i].ok()) {
      ++winners;
      winner_job = jobs[i];
    }
  }
  ASSERT_EQ(winners, 1);
  for (int i = 0; i < kDispatchers; ++i) {
    if (results[i].ok()) continue;
    EXPECT_EQ(results[i].status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(results[i].status().message()),
                HasSubstr("overlaps the booking for job " + winner_job));
    EXPECT_EQ(StreamSize("Job", jobs[i]), 1u);  // nothing written for the loser
  }
  EXPECT_THAT(BookedJobs("T-7"), ElementsAre(winner_job));
}

TEST_F(DispatchAppTest, TheSameSlotForTwoTechniciansIsFine) {
  MustRegister("T-7");
  MustRegister("T-8");
  const std::string a = MustOpenTicket("TK-A");
  const std::string b = MustOpenTicket("TK-B");
  ASSERT_TRUE(Assign("a", a, "T-7").ok());
  ASSERT_TRUE(Assign("b", b, "T-8").ok());
  EXPECT_THAT(BookedJobs("T-7"), ElementsAre(a));
  EXPECT_THAT(BookedJobs("T-8"), ElementsAre(b));
}

TEST_F(DispatchAppTest, SameAssignRequestTwiceBooksOnce) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  auto first = Assign("a", job, "T-7");
  auto second = Assign("a", job, "T-7");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->version(), second->version());
  EXPECT_EQ(StreamSize("Job", job), 2u);
  EXPECT_THAT(BookedJobs("T-7"), ElementsAre(job));
}

TEST_F(DispatchAppTest, ReassignMovesTheBookingAndTheTechniciansList) {
  MustRegister("T-7");
  MustRegister("T-8");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());
  auto ack = app_->ReassignJob(Meta("r"), {.job_id = job, .technician_id = "T-8", .reason = "ill"});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_THAT(BookedJobs("T-7"), IsEmpty());
  EXPECT_THAT(BookedJobs("T-8"), ElementsAre(job));
  auto t7 = app_->ListJobs(kDispatcher, {.technician_id = "T-7"});
  ASSERT_TRUE(t7.ok());
  EXPECT_EQ(t7->jobs_size(), 0);
  v1::Job projection = MustGetJob(job);
  EXPECT_EQ(projection.technician_id(), "T-8");
  EXPECT_EQ(projection.last_reason(), "ill");
  // T-7's slot is free again.
  const std::string other = MustOpenTicket("TK-2");
  EXPECT_TRUE(Assign("a2", other, "T-7").ok());
}

TEST_F(DispatchAppTest, ReassignWithoutReasonWritesNothing) {
  MustRegister("T-7");
  MustRegister("T-8");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());
  auto ack = app_->ReassignJob(Meta("r"), {.job_id = job, .technician_id = "T-8", .reason = ""});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(ack.status()), "reason");
  EXPECT_EQ(StreamSize("Job", job), 2u);
  EXPECT_THAT(BookedJobs("T-8"), IsEmpty());
  EXPECT_THAT(BookedJobs("T-7"), ElementsAre(job));
}

TEST_F(DispatchAppTest, ReassignIntoACollisionIsRefusedNamingTheBooking) {
  MustRegister("T-7");
  MustRegister("T-8");
  const std::string job = MustOpenTicket("TK-1");
  const std::string busy = MustOpenTicket("TK-2");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());
  ASSERT_TRUE(Assign("b", busy, "T-8", Monday(10), Monday(12)).ok());
  auto ack = app_->ReassignJob(Meta("r"), {.job_id = job, .technician_id = "T-8", .reason = "x"});
  ASSERT_FALSE(ack.ok());
  EXPECT_THAT(std::string(ack.status().message()), HasSubstr(busy));
  EXPECT_THAT(BookedJobs("T-7"), ElementsAre(job));
}

TEST_F(DispatchAppTest, UnassignAndRescheduleKeepTheCalendarRight) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());
  auto moved = app_->RescheduleJob(Meta("s"), {.job_id = job,
                                               .window_start = Monday(14),
                                               .window_end = Monday(15),
                                               .reason = "customer asked"});
  ASSERT_TRUE(moved.ok()) << moved.status();
  auto bookings = app_->Bookings("T-7");
  ASSERT_TRUE(bookings.ok());
  ASSERT_THAT(*bookings, SizeIs(1));
  EXPECT_EQ(bookings->front().start, Monday(14));
  auto unassigned = app_->UnassignJob(Meta("u"), {.job_id = job, .reason = "parts missing"});
  ASSERT_TRUE(unassigned.ok()) << unassigned.status();
  EXPECT_THAT(BookedJobs("T-7"), IsEmpty());
  EXPECT_EQ(MustGetJob(job).state(), v1::JOB_STATE_UNASSIGNED);
  EXPECT_EQ(MustGetJob(job).last_reason(), "parts missing");
}

TEST_F(DispatchAppTest, ShiftsAbsencesAndDepartureAreEnforced) {
  MustRegister("T-7");
  std::vector<WeeklyShift> weekdays;
  for (int day = 1; day <= 5; ++day) weekdays.push_back({day, 8 * 60, 17 * 60});
  ASSERT_TRUE(app_->SetTechnicianShifts(Meta("sh"), {"T-7", weekdays}).ok());
  const std::string job = MustOpenTicket("TK-1");
  auto late = Assign("late", job, "T-7", Monday(16), Monday(18));
  EXPECT_THAT(std::string(late.status().message()), HasSubstr("not on shift"));

  auto absent = app_->RecordAbsence(
      Meta("ab"),
      {.technician_id = "T-7", .start = Monday(8), .end = Monday(12), .reason = "training"});
  ASSERT_TRUE(absent.ok()) << absent.status();
  auto during = Assign("during", job, "T-7");
  EXPECT_THAT(std::string(during.status().message()), HasSubstr("absent"));

  auto technician = app_->GetTechnician("T-7");
  ASSERT_TRUE(technician.ok());
  EXPECT_EQ(technician->shifts_size(), 5);
  ASSERT_EQ(technician->absences_size(), 1);
  EXPECT_EQ(technician->absences(0).reason(), "training");
  EXPECT_FALSE(technician->absences(0).absence_id().empty());

  ASSERT_TRUE(app_->DepartTechnician(Meta("dep"), {"T-7", "moved away"}).ok());
  EXPECT_TRUE(app_->GetTechnician("T-7")->departed());
  auto after = Assign("after", job, "T-7", Monday(13), Monday(14));
  EXPECT_THAT(std::string(after.status().message()), HasSubstr("left the company"));
}

TEST_F(DispatchAppTest, KeyAccountsFixedTechnician) {
  MustRegister("T-7");
  MustRegister("T-8", {36.16, 120.38});  // 10 km away: farther than T-7, still preferred
  ASSERT_TRUE(app_->SetFixedTechnician(Meta("fx"), "VIP-1", "T-8").ok());
  const std::string job = MustOpenTicket("TK-1", "VIP-1");
  auto other = Assign("a", job, "T-7");
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(std::string(other.status().message()), HasSubstr("fixed technician is T-8"));

  auto ranked = app_->RecommendTechnicians({.job_id = job});
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  ASSERT_EQ(ranked->recommendations_size(), 2);
  EXPECT_EQ(ranked->recommendations(0).technician_id(), "T-8");
  EXPECT_TRUE(ranked->recommendations(0).preferred());

  auto unknown = app_->SetFixedTechnician(Meta("fx2"), "VIP-2", "T-99");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(unknown.status()), "technician_id");
  auto empty = app_->SetFixedTechnician(Meta("fx3"), " ", "T-7");
  EXPECT_EQ(FieldOf(empty.status()), "customer_id");
}

TEST_F(DispatchAppTest, RecommendationSkipsBusyAndDepartedTechnicians) {
  MustRegister("T-1");
  MustRegister("T-2");
  MustRegister("T-3");
  ASSERT_TRUE(app_->DepartTechnician(Meta("dep"), {"T-3", "left"}).ok());
  const std::string busy = MustOpenTicket("TK-0");
  ASSERT_TRUE(Assign("a", busy, "T-1").ok());
  const std::string job = MustOpenTicket("TK-1");
  auto ranked = app_->RecommendTechnicians(
      {.job_id = job, .window_start = Monday(10), .window_end = Monday(11)});
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  EXPECT_EQ(ranked->considered(), 2);
  EXPECT_EQ(ranked->infeasible(), 1);
  ASSERT_EQ(ranked->recommendations_size(), 1);
  EXPECT_EQ(ranked->recommendations(0).technician_id(), "T-2");
  EXPECT_GT(ranked->recommendations(0).reasons_size(), 2);

  EXPECT_EQ(app_->RecommendTechnicians({.job_id = "nope"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      FieldOf(app_->RecommendTechnicians({.job_id = job, .window_start = Monday(10)}).status()),
      "window_end");
}

// ------------------------------------------------------------------ the technician's day

TEST_F(DispatchAppTest, ATechniciansDayFromAcceptToComplete) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());

  auto day = app_->MyDay(kT7, "", Monday(12));
  ASSERT_TRUE(day.ok()) << day.status();
  ASSERT_EQ(day->jobs_size(), 1);
  EXPECT_EQ(day->jobs(0).job_id(), job);
  EXPECT_THAT(day->checklist(), ::testing::Contains("shoe covers"));
  EXPECT_EQ(app_->MyDay(kT7, "T-8", Monday(12)).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(app_->MyDay(kT7, "", Monday(12) + absl::Hours(24))->jobs_size(), 0);

  ASSERT_TRUE(app_->AcceptJob(Meta("p1", kT7), {job}).ok());
  CommandMeta en_route = Meta("p2", kT7);
  en_route.device_time = Monday(8, 30);
  ASSERT_TRUE(app_->MarkEnRoute(en_route, job).ok());
  CommandMeta arrived = Meta("p3", kT7);
  arrived.device_time = Monday(11, 20);  // 20 minutes after the window
  ASSERT_TRUE(app_->MarkArrived(arrived, job).ok());
  ASSERT_TRUE(app_->ReportWork(Meta("p4", kT7), {job,
                                                 {.checklist_done = {"shoe covers"},
                                                  .fault_type = "ignition",
                                                  .fault_location = "control board",
                                                  .cause = "burnt relay",
                                                  .solution = "replaced board",
                                                  .photo_refs = {"photo://1"},
                                                  .fee_item = "repair-labour",
                                                  .signature_ref = "sig://1",
                                                  .signer_name = "Wang Fang"}})
                  .ok());
  ASSERT_TRUE(app_->CompleteJob(Meta("p5", kT7), {.job_id = job, .resolution = "fixed"}).ok());

  v1::Job done = MustGetJob(job);
  EXPECT_EQ(done.state(), v1::JOB_STATE_COMPLETED);
  EXPECT_TRUE(done.accepted());
  EXPECT_EQ(FromProto(done.en_route_at()), Monday(8, 30));
  EXPECT_FALSE(done.arrival().on_time());
  EXPECT_EQ(done.arrival().late_minutes(), 20);
  EXPECT_EQ(done.work_report().fee_minor(), 8000);
  EXPECT_EQ(done.work_report().signer_name(), "Wang Fang");
  EXPECT_THAT(BookedJobs("T-7"), IsEmpty());  // a completed job no longer books time
}

TEST_F(DispatchAppTest, OfflineReplayAfterReassignment) {
  MustRegister("T-7");
  MustRegister("T-8");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());
  auto accepted = app_->AcceptJob(Meta("phone-1", kT7), {job});
  ASSERT_TRUE(accepted.ok());
  ASSERT_TRUE(
      app_->ReassignJob(Meta("r"), {.job_id = job, .technician_id = "T-8", .reason = "urgent"})
          .ok());
  const size_t events = StreamSize("Job", job);

  // The phone comes back online and replays its queue.
  auto replayed = app_->AcceptJob(Meta("phone-1", kT7), {job});
  ASSERT_TRUE(replayed.ok()) << replayed.status();  // a duplicate: the first answer, no effect
  EXPECT_EQ(replayed->version(), accepted->version());
  CommandMeta arrived = Meta("phone-2", kT7);
  arrived.device_time = Monday(9);
  auto refused = app_->MarkArrived(arrived, job);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("another technician"));
  EXPECT_FALSE(app_->MarkArrived(arrived, job).ok());  // replayed again
  EXPECT_EQ(StreamSize("Job", job), events);

  auto conflicts = app_->ListSyncConflicts({});
  ASSERT_TRUE(conflicts.ok()) << conflicts.status();
  ASSERT_EQ(conflicts->conflicts_size(), 1);  // recorded once
  const v1::SyncConflict& c = conflicts->conflicts(0);
  EXPECT_EQ(c.request_id(), "phone-2");
  EXPECT_EQ(c.job_id(), job);
  EXPECT_EQ(c.technician_id(), "T-7");
  EXPECT_EQ(c.update(), "arrived");
  EXPECT_THAT(c.reason(), HasSubstr("another technician"));
  EXPECT_EQ(FromProto(c.device_time()), Monday(9));
}

TEST_F(DispatchAppTest, BadInputFromThePhoneIsNotAConflict) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());
  auto declined = app_->DeclineJob(Meta("d", kT7), {job, ""});
  EXPECT_EQ(FieldOf(declined.status()), "reason");
  EXPECT_EQ(app_->ListSyncConflicts({})->conflicts_size(), 0);
  EXPECT_EQ(StreamSize("Job", job), 2u);
  ASSERT_TRUE(app_->DeclineJob(Meta("d", kT7), {job, "too far"}).ok());
  EXPECT_EQ(MustGetJob(job).state(), v1::JOB_STATE_UNASSIGNED);
  EXPECT_THAT(BookedJobs("T-7"), IsEmpty());
}

TEST_F(DispatchAppTest, AMultiVisitJobWaitingForParts) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());
  ASSERT_TRUE(app_->MarkArrived(Meta("p1", kT7), job).ok());
  auto ended = app_->EndVisit(Meta("p2", kT7), {job, "compressor missing", {{"CMP-1", 1}}});
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_TRUE(app_->EndVisit(Meta("p2", kT7), {job, "compressor missing", {{"CMP-1", 1}}}).ok());
  v1::Job waiting = MustGetJob(job);
  EXPECT_EQ(waiting.state(), v1::JOB_STATE_ASSIGNED);
  EXPECT_TRUE(waiting.waiting_for_parts());
  EXPECT_EQ(waiting.visits_ended(), 1);
  EXPECT_THAT(BookedJobs("T-7"), IsEmpty());  // the first visit's slot is free

  ASSERT_TRUE(app_->RescheduleJob(Meta("p3", kT7), {.job_id = job,
                                                    .window_start = Monday(15),
                                                    .window_end = Monday(16),
                                                    .reason = "parts arrive at noon"})
                  .ok());
  EXPECT_THAT(BookedJobs("T-7"), ElementsAre(job));
  ASSERT_TRUE(app_->MarkArrived(Meta("p4", kT7), job).ok());
  ASSERT_TRUE(app_->CompleteJob(Meta("p5", kT7), {.job_id = job}).ok());
  EXPECT_EQ(MustGetJob(job).state(), v1::JOB_STATE_COMPLETED);
  EXPECT_FALSE(MustGetJob(job).waiting_for_parts());
}

TEST_F(DispatchAppTest, ACrewBooksEveryMembersCalendar) {
  MustRegister("T-7");
  MustRegister("T-9");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());
  auto added = app_->AddHelper(Meta("h"), {.job_id = job, .helper_id = "T-9"});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_TRUE(app_->AddHelper(Meta("h"), {.job_id = job, .helper_id = "T-9"}).ok());  // replay
  EXPECT_EQ(StreamSize("Job", job), 3u);
  EXPECT_THAT(BookedJobs("T-9"), ElementsAre(job));
  EXPECT_THAT(MustGetJob(job).helper_ids(), ElementsAre("T-9"));
  EXPECT_EQ(app_->MyDay({"T-9", "technician"}, "", Monday(12))->jobs_size(), 1);

  // The helper is busy elsewhere in the afternoon: the crew cannot move there.
  const std::string other = MustOpenTicket("TK-2");
  ASSERT_TRUE(Assign("o", other, "T-9", Monday(14), Monday(16)).ok());
  auto moved = app_->RescheduleJob(Meta("s"), {.job_id = job,
                                               .window_start = Monday(15),
                                               .window_end = Monday(16),
                                               .reason = "customer asked"});
  ASSERT_FALSE(moved.ok());
  EXPECT_THAT(std::string(moved.status().message()), HasSubstr("The helper"));
  EXPECT_THAT(std::string(moved.status().message()), HasSubstr(other));
  auto bookings = app_->Bookings("T-7");
  ASSERT_TRUE(bookings.ok());
  EXPECT_EQ(bookings->front().start, Monday(9));  // nothing moved

  ASSERT_TRUE(
      app_->RemoveHelper(Meta("rh"), {.job_id = job, .helper_id = "T-9", .reason = "done"}).ok());
  EXPECT_THAT(BookedJobs("T-9"), ElementsAre(other));
  EXPECT_EQ(app_->MyDay({"T-9", "technician"}, "", Monday(12))->jobs_size(), 1);  // only other
}

// ------------------------------------------------------------------ the live board

TEST_F(DispatchAppTest, BoardResumesFromAPositionWithoutGapsOrRepeats) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign("a", job, "T-7").ok());
  auto all = app_->ReadBoard(0, 100, absl::ZeroDuration());
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_THAT(*all, SizeIs(3));  // registered, created, assigned
  for (size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].position, i + 1);

  auto first = app_->ReadBoard(0, 2, absl::ZeroDuration());
  ASSERT_THAT(*first, SizeIs(2));
  ASSERT_TRUE(app_->AcceptJob(Meta("p", kT7), {job}).ok());
  auto rest = app_->ReadBoard(first->back().position, 100, absl::ZeroDuration());
  ASSERT_TRUE(rest.ok());
  ASSERT_THAT(*rest, SizeIs(2));
  EXPECT_EQ((*rest)[0].position, 3u);
  EXPECT_TRUE((*rest)[0].event.scheduling().has_job_assigned());
  EXPECT_TRUE((*rest)[1].event.scheduling().has_job_accepted());
  EXPECT_THAT(*app_->ReadBoard(4, 100, absl::ZeroDuration()), IsEmpty());
}

}  // namespace
}  // namespace fieldline::scheduling
