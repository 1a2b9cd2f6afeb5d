// Given events / when command / then events or error for the dispatch rules: the technician's
// calendar (shifts, absences, departure, territory, skill levels), the assignment checks,
// reassign / unassign / reschedule, the technician's day and the recommendation ranking.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/scheduling/domain/calendar.h"
#include "services/scheduling/domain/job.h"
#include "services/scheduling/domain/recommend.h"
#include "services/scheduling/domain/technician.h"

namespace fieldline::scheduling {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const DispatchPolicy kPolicy;
const Actor kDispatcher{"d-1", "dispatcher"};
const Actor kT7{"T-7", "technician"};
const Actor kT8{"T-8", "technician"};

// 2026-11-23 is a Monday; times are local (UTC+8).
absl::Time Monday(int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, hour, minute, 0), kPolicy.time_zone);
}
const absl::Time kNow = Monday(7);

const GeoPoint kSite{36.07, 120.38};  // Qingdao
const std::string kJob = "job-1";

TechnicianState GivenTechnician(const std::vector<TechnicianEvent>& events) {
  TechnicianState state;
  for (const TechnicianEvent& e : events) state = Evolve(std::move(state), e);
  return state;
}

JobState GivenJob(const std::vector<JobEvent>& events) {
  JobState state;
  for (const JobEvent& e : events) state = Evolve(std::move(state), e);
  return state;
}

TechnicianRegistered Registered(const std::string& id = "T-7") {
  return TechnicianRegistered{.technician_id = id,
                              .name = "Tech " + id,
                              .phone = "13800000000",
                              .skills = {"boiler", "aircon"},
                              .home_base = {36.06, 120.36},
                              .van_location_id = "van-" + id,
                              .skill_levels = {4, 2},
                              .territory = {}};
}

TechnicianShiftsSet WeekdayShifts(const std::string& id = "T-7") {
  TechnicianShiftsSet e{.technician_id = id, .shifts = {}};
  for (int day = 1; day <= 5; ++day) e.shifts.push_back({day, 8 * 60, 18 * 60});
  return e;
}

JobCreated Created(const std::string& job_id = kJob, GeoPoint site = kSite) {
  return JobCreated{.job_id = job_id,
                    .ticket_id = "TK-" + job_id,
                    .customer = {.customer_id = "C-1",
                                 .name = "Wang Fang",
                                 .phone = "13900000000",
                                 .address = "1 Hong Kong Rd",
                                 .location = site},
                    .required_skill = "boiler",
                    .priority = Priority::kNormal,
                    .parts_needed = {}};
}

JobAssigned Assigned(const std::string& technician = "T-7", absl::Time start = Monday(9),
                     absl::Time end = Monday(11)) {
  return JobAssigned{.job_id = kJob,
                     .ticket_id = "TK-" + kJob,
                     .technician_id = technician,
                     .van_location_id = "van-" + technician,
                     .window_start = start,
                     .window_end = end,
                     .parts_needed = {},
                     .site = kSite,
                     .override_reason = ""};
}

JobStarted Started() { return JobStarted{kJob, "TK-" + kJob, "T-7"}; }

AssignJob Assign(absl::Time start = Monday(9), absl::Time end = Monday(11)) {
  return AssignJob{.job_id = kJob,
                   .technician_id = "T-7",
                   .window_start = start,
                   .window_end = end,
                   .expected_version = 0,
                   .override_reason = ""};
}

AssignmentContext Context(std::vector<Booking> bookings = {}, std::string fixed = "") {
  AssignmentContext context;
  context.technician_bookings = std::move(bookings);
  context.fixed_technician_id = std::move(fixed);
  return context;
}

template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                 std::optional<std::string> field, const std::string& message_part) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_EQ(FieldOf(result.status()), field) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(message_part));
}

// ============================== calendar ==============================

TEST(CalendarTest, GreatCircleDistanceOfOneDegreeOfLatitude) {
  EXPECT_NEAR(GreatCircleKm({0, 0}, {1, 0}), 111.19, 0.05);
  EXPECT_NEAR(GreatCircleKm(kSite, kSite), 0, 1e-9);
}

TEST(CalendarTest, TravelTimeUsesTheConfiguredSpeed) {
  const GeoPoint a{36.0, 120.0};
  const GeoPoint b{36.0 + 30 / 111.195, 120.0};  // 30 km north
  EXPECT_NEAR(absl::ToDoubleMinutes(TravelTime(a, b, kPolicy)), 60, 1);
  DispatchPolicy fast;
  fast.travel_speed_kmh = 60;
  EXPECT_NEAR(absl::ToDoubleMinutes(TravelTime(a, b, fast)), 30, 1);
}

TEST(CalendarTest, OverlappingBookingCollides) {
  const Booking other{.job_id = "other", .start = Monday(10), .end = Monday(12), .site = kSite};
  auto collision = FindCollision({other}, {kJob, Monday(9), Monday(11), kSite}, kPolicy);
  ASSERT_TRUE(collision.has_value());
  EXPECT_TRUE(collision->overlaps);
  EXPECT_EQ(collision->with.job_id, "other");
  EXPECT_THAT(DescribeCollision(*collision, kPolicy),
              HasSubstr("overlaps the booking for job other (2026-11-23 10:00–12:00)"));
}

TEST(CalendarTest, BackToBackFarApartCollidesOnTravelTime) {
  const GeoPoint far{36.07 + 20 / 111.195, 120.38};  // 20 km: 40 minutes at 30 km/h
  const Booking other{.job_id = "other", .start = Monday(7), .end = Monday(8, 40), .site = far};
  auto collision = FindCollision({other}, {kJob, Monday(9), Monday(11), kSite}, kPolicy);
  ASSERT_TRUE(collision.has_value());
  EXPECT_FALSE(collision->overlaps);
  EXPECT_THAT(DescribeCollision(*collision, kPolicy), HasSubstr("not enough time to travel"));
  // The same booking ending 45 minutes before leaves enough time.
  const Booking earlier{.job_id = "other", .start = Monday(7), .end = Monday(8, 15), .site = far};
  EXPECT_FALSE(FindCollision({earlier}, {kJob, Monday(9), Monday(11), kSite}, kPolicy));
  // And travel to the next booking counts too.
  const Booking next{.job_id = "next", .start = Monday(11, 20), .end = Monday(12), .site = far};
  EXPECT_TRUE(FindCollision({next}, {kJob, Monday(9), Monday(11), kSite}, kPolicy));
}

TEST(CalendarTest, TheJobsOwnBookingIsIgnored) {
  const Booking own{.job_id = kJob, .start = Monday(9), .end = Monday(11), .site = kSite};
  EXPECT_FALSE(FindCollision({own}, {kJob, Monday(10), Monday(12), kSite}, kPolicy));
}

TEST(CalendarTest, ShiftsAreLocalWeekdayPeriods) {
  const std::vector<WeeklyShift> shifts = WeekdayShifts().shifts;
  EXPECT_TRUE(WithinShifts(shifts, Monday(9), Monday(11), kPolicy));
  EXPECT_TRUE(WithinShifts(shifts, Monday(8), Monday(18), kPolicy));
  EXPECT_FALSE(WithinShifts(shifts, Monday(17), Monday(19), kPolicy));
  EXPECT_FALSE(WithinShifts(shifts, Monday(7), Monday(9), kPolicy));
  const absl::Time saturday = Monday(9) - absl::Hours(48);
  EXPECT_FALSE(WithinShifts(shifts, saturday, saturday + absl::Hours(1), kPolicy));
  EXPECT_TRUE(WithinShifts({}, saturday, saturday + absl::Hours(1), kPolicy));
}

// ============================== technician ==============================

TEST(TechnicianCalendarTest, SkillLevelsAndTerritoryAreRegistered) {
  RegisterTechnician command{.technician_id = "T-7",
                             .name = "Li",
                             .phone = "13800000000",
                             .skills = {"boiler", "aircon"},
                             .home_base = {36.06, 120.36},
                             .van_location_id = "",
                             .skill_levels = {4, 2},
                             .territory = {"Shinan", {36.06, 120.38}, 10}};
  auto events = Decide(TechnicianState{}, command, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  TechnicianState state = GivenTechnician({std::get<TechnicianRegistered>(events->front())});
  EXPECT_EQ(state.SkillLevel("Boiler"), 4);
  EXPECT_EQ(state.SkillLevel("aircon"), 2);
  EXPECT_EQ(state.SkillLevel("washer"), 0);
  EXPECT_TRUE(state.InTerritory(kSite));
  EXPECT_FALSE(state.InTerritory({36.30, 120.38}));  // ~25 km north
}

TEST(TechnicianCalendarTest, SkillLevelsWithoutLevelsAreOne) {
  TechnicianState state = GivenTechnician({TechnicianRegistered{
      .technician_id = "T-1", .name = "A", .phone = "1", .skills = {"boiler"}}});
  EXPECT_EQ(state.SkillLevel("boiler"), 1);
}

TEST(TechnicianCalendarTest, RegistrationRefusesBadLevelsAndTerritory) {
  RegisterTechnician command{.technician_id = "T-7",
                             .name = "Li",
                             .phone = "13800000000",
                             .skills = {"boiler", "aircon"},
                             .home_base = {36.06, 120.36},
                             .van_location_id = "",
                             .skill_levels = {4},
                             .territory = {}};
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "skill_levels", "each of the 2 skills");
  command.skill_levels = {4, 6};
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "skill_levels[1]", "1 to 5");
  command.skill_levels = {};
  command.territory = {"x", {0, 0}, -1};
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "territory.radius_km", "radius");
  command.territory = {"x", {95, 0}, 5};
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "territory.center.lat", "latitude");
}

TEST(TechnicianCalendarTest, ShiftsAreSetAndReplaced) {
  const TechnicianState t = GivenTechnician({Registered()});
  auto events = Decide(t, SetTechnicianShifts{"T-7", WeekdayShifts().shifts}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(TechnicianEvent(WeekdayShifts())));
  TechnicianState after =
      GivenTechnician({Registered(), WeekdayShifts(), TechnicianShiftsSet{"T-7", {{6, 60, 120}}}});
  EXPECT_THAT(after.shifts, ElementsAre(WeeklyShift{6, 60, 120}));
}

TEST(TechnicianCalendarTest, BadShiftsAreRefusedWithTheirField) {
  const TechnicianState t = GivenTechnician({Registered()});
  ExpectError(Decide(t, SetTechnicianShifts{"T-7", {{8, 60, 120}}}, kNow),
              absl::StatusCode::kInvalidArgument, "shifts[0].weekday", "1 (Monday) to 7");
  ExpectError(Decide(t, SetTechnicianShifts{"T-7", {{1, 60, 120}, {2, -1, 120}}}, kNow),
              absl::StatusCode::kInvalidArgument, "shifts[1].start_minute", "0 to 1439");
  ExpectError(Decide(t, SetTechnicianShifts{"T-7", {{1, 600, 600}}}, kNow),
              absl::StatusCode::kInvalidArgument, "shifts[0].end_minute", "end after it starts");
  ExpectError(Decide(t, SetTechnicianShifts{"T-7", {{1, 600, 1441}}}, kNow),
              absl::StatusCode::kInvalidArgument, "shifts[0].end_minute", "by midnight");
}

TEST(TechnicianCalendarTest, UnknownOrDepartedTechnicianCannotChange) {
  ExpectError(Decide(TechnicianState{}, SetTechnicianShifts{"T-9", {}}, kNow),
              absl::StatusCode::kNotFound, "technician_id", "no technician T-9");
  const TechnicianState departed =
      GivenTechnician({Registered(), TechnicianDeparted{"T-7", "retired"}});
  ExpectError(Decide(departed, SetTechnicianShifts{"T-7", {}}, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "has left the company");
  ExpectError(Decide(departed, DepartTechnician{"T-7", "again"}, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "has left the company");
}

TEST(TechnicianCalendarTest, AbsenceIsRecorded) {
  const TechnicianState t = GivenTechnician({Registered()});
  auto events = Decide(t, RecordAbsence{"T-7", "a-1", Monday(12), Monday(18), " sick "}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& e = std::get<TechnicianAbsenceRecorded>(events->front());
  EXPECT_EQ(e.absence.reason, "sick");
  TechnicianState after = GivenTechnician({Registered(), e});
  ASSERT_NE(after.AbsenceDuring(Monday(17), Monday(19)), nullptr);
  EXPECT_EQ(after.AbsenceDuring(Monday(9), Monday(12)), nullptr);
}

TEST(TechnicianCalendarTest, BadAbsencesAreRefused) {
  const TechnicianState t = GivenTechnician({Registered()});
  ExpectError(Decide(t, RecordAbsence{"T-7", "a", Monday(12), Monday(12), "x"}, kNow),
              absl::StatusCode::kInvalidArgument, "end", "end after it starts");
  ExpectError(Decide(t, RecordAbsence{"T-7", "a", Monday(5), Monday(6), "x"}, kNow),
              absl::StatusCode::kInvalidArgument, "end", "already over");
  ExpectError(Decide(t, RecordAbsence{"T-7", "a", Monday(12), Monday(13), " "}, kNow),
              absl::StatusCode::kInvalidArgument, "reason", "why");
}

TEST(TechnicianCalendarTest, DepartureNeedsAReason) {
  const TechnicianState t = GivenTechnician({Registered()});
  ExpectError(Decide(t, DepartTechnician{"T-7", ""}, kNow), absl::StatusCode::kInvalidArgument,
              "reason", "why");
  auto events = Decide(t, DepartTechnician{"T-7", "moved away"}, kNow);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(
      GivenTechnician({Registered(), std::get<TechnicianDeparted>(events->front())}).departed);
}

// ============================== assignment checks ==============================

TEST(AssignmentCheckTest, FreeTechnicianOnShiftIsAssignedAndBooked) {
  const TechnicianState t = GivenTechnician({Registered(), WeekdayShifts()});
  auto events = Decide(GivenJob({Created()}), Assign(), t, Context(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(JobEvent(Assigned())));
  const JobState job = GivenJob({Created(), Assigned()});
  ASSERT_TRUE(job.BookingOf().has_value());
  EXPECT_EQ(job.BookingOf()->start, Monday(9));
}

TEST(AssignmentCheckTest, DepartedTechnicianIsRefused) {
  const TechnicianState t = GivenTechnician({Registered(), TechnicianDeparted{"T-7", "left"}});
  ExpectError(Decide(GivenJob({Created()}), Assign(), t, Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "has left the company");
}

TEST(AssignmentCheckTest, OutsideTerritoryNeedsAnOverrideReason) {
  TechnicianRegistered registered = Registered();
  registered.territory = {"Laoshan", {36.20, 120.60}, 5};
  const TechnicianState t = GivenTechnician({registered});
  ExpectError(Decide(GivenJob({Created()}), Assign(), t, Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "outside Tech T-7's territory Laoshan");
  AssignJob command = Assign();
  command.override_reason = " nobody else free ";
  auto events = Decide(GivenJob({Created()}), command, t, Context(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<JobAssigned>(events->front()).override_reason, "nobody else free");
}

TEST(AssignmentCheckTest, KeyAccountsFixedTechnicianIsPreferred) {
  const TechnicianState t = GivenTechnician({Registered()});
  ExpectError(Decide(GivenJob({Created()}), Assign(), t, Context({}, "T-1"), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "fixed technician is T-1");
  EXPECT_TRUE(Decide(GivenJob({Created()}), Assign(), t, Context({}, "T-7"), kNow).ok());
  AssignJob command = Assign();
  command.override_reason = "T-1 on holiday";
  EXPECT_TRUE(Decide(GivenJob({Created()}), command, t, Context({}, "T-1"), kNow).ok());
}

TEST(AssignmentCheckTest, OffShiftIsRefused) {
  const TechnicianState t = GivenTechnician({Registered(), WeekdayShifts()});
  ExpectError(Decide(GivenJob({Created()}), Assign(Monday(17), Monday(19)), t, Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "not on shift from 2026-11-23 17:00 to 2026-11-23 19:00");
}

TEST(AssignmentCheckTest, AbsenceIsRefused) {
  const TechnicianState t = GivenTechnician(
      {Registered(), TechnicianAbsenceRecorded{"T-7", {"a", Monday(10), Monday(20), "doctor"}}});
  ExpectError(Decide(GivenJob({Created()}), Assign(), t, Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "absent");
}

TEST(AssignmentCheckTest, OverlapNamesTheCollidingBooking) {
  const TechnicianState t = GivenTechnician({Registered()});
  const Booking other{.job_id = "job-0", .start = Monday(10), .end = Monday(12), .site = kSite};
  ExpectError(Decide(GivenJob({Created()}), Assign(), t, Context({other}), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "overlaps the booking for job job-0");
}

TEST(AssignmentCheckTest, TravelTimeBetweenBookingsIsChecked) {
  const TechnicianState t = GivenTechnician({Registered()});
  const GeoPoint far{36.07 + 20 / 111.195, 120.38};
  const Booking before{.job_id = "job-0", .start = Monday(7), .end = Monday(8, 40), .site = far};
  ExpectError(Decide(GivenJob({Created()}), Assign(), t, Context({before}), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "not enough time to travel between it and the booking for job job-0");
}

TEST(AssignmentCheckTest, WithoutAWindowNothingTimeBasedIsChecked) {
  const TechnicianState t = GivenTechnician({Registered(), WeekdayShifts()});
  AssignJob command = Assign();
  command.window_start.reset();
  command.window_end.reset();
  const Booking other{.job_id = "job-0", .start = Monday(10), .end = Monday(12), .site = kSite};
  auto events = Decide(GivenJob({Created()}), command, t, Context({other}), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_FALSE(GivenJob({Created(), std::get<JobAssigned>(events->front())}).BookingOf());
}

// ============================== reassign / unassign / reschedule ==============================

TEST(ReassignJobTest, MovesTheJobWithTheReason) {
  const TechnicianState t8 = GivenTechnician({Registered("T-8")});
  ReassignJob command{.job_id = kJob, .technician_id = "T-8", .reason = "T-7 is ill"};
  auto events = Decide(GivenJob({Created(), Assigned()}), command, t8, Context(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& e = std::get<JobReassigned>(events->front());
  EXPECT_EQ(e.from_technician_id, "T-7");
  EXPECT_EQ(e.to_technician_id, "T-8");
  EXPECT_EQ(e.van_location_id, "van-T-8");
  EXPECT_EQ(e.window_start, Monday(9));  // kept
  const JobState job = GivenJob({Created(), Assigned(), e});
  EXPECT_EQ(job.technician_id, "T-8");
  EXPECT_EQ(job.status, JobStatus::kAssigned);
  EXPECT_EQ(job.last_reason, "T-7 is ill");
}

TEST(ReassignJobTest, RefusalsNameTheProblem) {
  const TechnicianState t8 = GivenTechnician({Registered("T-8")});
  ReassignJob command{.job_id = kJob, .technician_id = "T-8", .reason = " "};
  ExpectError(Decide(GivenJob({Created(), Assigned()}), command, t8, Context(), kNow),
              absl::StatusCode::kInvalidArgument, "reason", "Say why");
  command.reason = "busy";
  ExpectError(Decide(GivenJob({Created()}), command, t8, Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "is unassigned");
  const TechnicianState t7 = GivenTechnician({Registered("T-7")});
  command.technician_id = "T-7";
  ExpectError(Decide(GivenJob({Created(), Assigned()}), command, t7, Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "already assigned");
  command.technician_id = "T-8";
  const Booking other{.job_id = "job-0", .start = Monday(10), .end = Monday(12), .site = kSite};
  ExpectError(Decide(GivenJob({Created(), Assigned()}), command, t8, Context({other}), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "job job-0");
  ExpectError(
      Decide(GivenJob({Created(), Assigned()}), command, TechnicianState{}, Context(), kNow),
      absl::StatusCode::kNotFound, "technician_id", "no technician");
}

TEST(UnassignJobTest, BackToTheQueueWithTheReason) {
  auto events = Decide(GivenJob({Created(), Assigned()}), UnassignJob{kJob, "customer away"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const JobState job = GivenJob({Created(), Assigned(), std::get<JobUnassigned>(events->front())});
  EXPECT_EQ(job.status, JobStatus::kUnassigned);
  EXPECT_EQ(job.technician_id, "");
  EXPECT_FALSE(job.BookingOf());
  ExpectError(Decide(GivenJob({Created(), Assigned()}), UnassignJob{kJob, ""}, kNow),
              absl::StatusCode::kInvalidArgument, "reason", "Say why");
  ExpectError(Decide(GivenJob({Created()}), UnassignJob{kJob, "x"}, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "unassigned");
}

TEST(RescheduleJobTest, NewWindowIsCheckedAndRecorded) {
  const TechnicianState t = GivenTechnician({Registered(), WeekdayShifts()});
  const JobState job = GivenJob({Created(), Assigned()});
  RescheduleJob command{kJob, Monday(14), Monday(15), "customer asked"};
  auto events = Decide(job, command, kT7, t, Context(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const JobState after =
      GivenJob({Created(), Assigned(), std::get<JobRescheduled>(events->front())});
  EXPECT_EQ(after.BookingOf()->start, Monday(14));

  ExpectError(
      Decide(job, RescheduleJob{kJob, Monday(15), Monday(14), "x"}, kT7, t, Context(), kNow),
      absl::StatusCode::kInvalidArgument, "window_end", "end after it starts");
  ExpectError(Decide(job, RescheduleJob{kJob, Monday(14), Monday(15), ""}, kT7, t, Context(), kNow),
              absl::StatusCode::kInvalidArgument, "reason", "Say why");
  ExpectError(Decide(job, command, kT8, t, Context(), kNow), absl::StatusCode::kPermissionDenied,
              std::nullopt, "another technician");
  ExpectError(
      Decide(job, RescheduleJob{kJob, Monday(19), Monday(20), "x"}, kT7, t, Context(), kNow),
      absl::StatusCode::kFailedPrecondition, std::nullopt, "not on shift");
  const Booking other{.job_id = "job-0", .start = Monday(14), .end = Monday(16), .site = kSite};
  ExpectError(Decide(job, command, kT7, t, Context({other}), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "job job-0");
}

// ============================== the technician's day ==============================

TEST(TechnicianDayTest, AcceptOnlyOwnAssignedJobOnce) {
  const JobState job = GivenJob({Created(), Assigned()});
  auto events = Decide(job, AcceptJob{kJob}, kT7, kPolicy, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(JobEvent(JobAccepted{kJob, "TK-" + kJob, "T-7"})));
  ExpectError(Decide(job, AcceptJob{kJob}, kT8, kPolicy, kNow), absl::StatusCode::kPermissionDenied,
              std::nullopt, "assigned to another technician now");
  const JobState accepted = GivenJob({Created(), Assigned(), JobAccepted{kJob, "", "T-7"}});
  EXPECT_TRUE(accepted.accepted);
  ExpectError(Decide(accepted, AcceptJob{kJob}, kT7, kPolicy, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "already accepted");
}

TEST(TechnicianDayTest, DeclineSendsTheJobBackWithTheReason) {
  const JobState job = GivenJob({Created(), Assigned()});
  ExpectError(Decide(job, DeclineJob{kJob, ""}, kT7, kPolicy, kNow),
              absl::StatusCode::kInvalidArgument, "reason", "Say why");
  auto events = Decide(job, DeclineJob{kJob, "van broke down"}, kT7, kPolicy, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const JobState after = GivenJob({Created(), Assigned(), std::get<JobDeclined>(events->front())});
  EXPECT_EQ(after.status, JobStatus::kUnassigned);
  EXPECT_EQ(after.last_reason, "van broke down");
}

TEST(TechnicianDayTest, UpdateAfterUnassignmentSaysItNoLongerApplies) {
  const JobState job = GivenJob({Created(), Assigned(), JobUnassigned{kJob, "", "T-7", "moved"}});
  ExpectError(Decide(job, MarkEnRoute{kJob, Monday(8)}, kT7, kPolicy, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "no longer assigned to you (moved)");
}

TEST(TechnicianDayTest, EnRouteOnce) {
  const JobState job = GivenJob({Created(), Assigned()});
  auto events = Decide(job, MarkEnRoute{kJob, Monday(8)}, kT7, kPolicy, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const JobState after = GivenJob({Created(), Assigned(), std::get<JobEnRoute>(events->front())});
  EXPECT_EQ(after.en_route_at, Monday(8));
  ExpectError(Decide(after, MarkEnRoute{kJob, Monday(8)}, kT7, kPolicy, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "already en route");
  ExpectError(Decide(after, DeclineJob{kJob, "x"}, kT7, kPolicy, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "on its way");
}

TEST(TechnicianDayTest, ArrivalStartsTheWorkAndRecordsPunctuality) {
  const JobState job = GivenJob({Created(), Assigned()});
  auto events = Decide(job, MarkArrived{kJob, Monday(8, 55)}, kT7, kPolicy, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_THAT(*events, SizeIs(2));
  EXPECT_TRUE(std::get<JobArrived>((*events)[0]).arrival.on_time);
  EXPECT_EQ(std::get<JobStarted>((*events)[1]).technician_id, "T-7");
  const JobState after = GivenJob({Created(), Assigned(), (*events)[0], (*events)[1]});
  EXPECT_EQ(after.status, JobStatus::kInProgress);
  ExpectError(Decide(after, MarkArrived{kJob, Monday(9)}, kT7, kPolicy, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "in progress");
}

TEST(TechnicianDayTest, OnTimeIsFromFiveMinutesEarlyToTheWindowsEnd) {
  const auto at = [](absl::Time t) {
    return ArrivalAt(t, Monday(9), Monday(11), kPolicy.early_arrival_tolerance);
  };
  EXPECT_TRUE(at(Monday(8, 55)).on_time);
  EXPECT_TRUE(at(Monday(11)).on_time);
  const Arrival early = at(Monday(8, 54));
  EXPECT_FALSE(early.on_time);
  EXPECT_EQ(early.early_minutes, 1);
  const Arrival late = at(Monday(11, 10));
  EXPECT_FALSE(late.on_time);
  EXPECT_EQ(late.late_minutes, 10);
  EXPECT_TRUE(ArrivalAt(Monday(23), std::nullopt, std::nullopt, absl::Minutes(5)).on_time);
}

TEST(TechnicianDayTest, WorkReportAddsUp) {
  const JobState job = GivenJob({Created(), Assigned(), Started()});
  ReportWork first{kJob,
                   {.checklist_done = {"shoe covers"},
                    .fault_type = "thermostat",
                    .photo_refs = {"photo://1"},
                    .fee_item = "repair-labour"}};
  auto events = Decide(job, first, kT7, kPolicy, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& reported = std::get<JobWorkReported>(events->front());
  EXPECT_EQ(reported.report.fee_minor, 8000);  // from the schedule, not the phone
  ReportWork second{kJob,
                    {.checklist_done = {"clean up"},
                     .cause = "worn contact",
                     .photo_refs = {"photo://2"},
                     .signature_ref = "sig://1",
                     .signer_name = "Wang Fang"}};
  auto more =
      Decide(GivenJob({Created(), Assigned(), Started(), reported}), second, kT7, kPolicy, kNow);
  ASSERT_TRUE(more.ok()) << more.status();
  const JobState after = GivenJob(
      {Created(), Assigned(), Started(), reported, std::get<JobWorkReported>(more->front())});
  EXPECT_THAT(after.report.checklist_done, ElementsAre("shoe covers", "clean up"));
  EXPECT_THAT(after.report.photo_refs, ElementsAre("photo://1", "photo://2"));
  EXPECT_EQ(after.report.fault_type, "thermostat");
  EXPECT_EQ(after.report.cause, "worn contact");
  EXPECT_EQ(after.report.fee_minor, 8000);
  EXPECT_EQ(after.report.signer_name, "Wang Fang");
}

TEST(TechnicianDayTest, WorkReportRefusals) {
  const JobState job = GivenJob({Created(), Assigned(), Started()});
  ExpectError(
      Decide(job, ReportWork{kJob, {.checklist_done = {"bring gifts"}}}, kT7, kPolicy, kNow),
      absl::StatusCode::kInvalidArgument, "checklist_done[0]", "not on the on-site checklist");
  ExpectError(Decide(job, ReportWork{kJob, {.fee_item = "tip"}}, kT7, kPolicy, kNow),
              absl::StatusCode::kInvalidArgument, "fee_item", "published fee schedule");
  ExpectError(Decide(job, ReportWork{kJob, {.signature_ref = "sig://1"}}, kT7, kPolicy, kNow),
              absl::StatusCode::kInvalidArgument, "signer_name", "name");
  ExpectError(Decide(job, ReportWork{kJob, {.photo_refs = {" "}}}, kT7, kPolicy, kNow),
              absl::StatusCode::kInvalidArgument, "photo_refs[0]", "no reference");
  ExpectError(Decide(job, ReportWork{kJob, {}}, kT7, kPolicy, kNow),
              absl::StatusCode::kInvalidArgument, "report", "empty");
  ExpectError(Decide(job, ReportWork{kJob, {.cause = std::string(2001, 'x')}}, kT7, kPolicy, kNow),
              absl::StatusCode::kInvalidArgument, "cause", "2000");
  ExpectError(Decide(GivenJob({Created(), Assigned()}), ReportWork{kJob, {.cause = "x"}}, kT7,
                     kPolicy, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "in progress");
}

TEST(TechnicianDayTest, ChecklistAndFeesAreConfigurable) {
  DispatchPolicy policy;
  policy.checklist = {"wear uniform"};
  policy.fee_schedule = {{"visit", 5000}};
  const JobState job = GivenJob({Created(), Assigned(), Started()});
  auto events =
      Decide(job, ReportWork{kJob, {.checklist_done = {"wear uniform"}, .fee_item = "visit"}}, kT7,
             policy, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<JobWorkReported>(events->front()).report.fee_minor, 5000);
}

TEST(MultiVisitTest, EndingAVisitWaitsForPartsAndKeepsTheTechnician) {
  const JobState job = GivenJob({Created(), Assigned(), Started()});
  auto events =
      Decide(job, EndVisit{kJob, "compressor not in van", {{"CMP-1", 1}}}, kT7, kPolicy, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& ended = std::get<JobVisitEnded>(events->front());
  EXPECT_EQ(ended.visit, 1);
  const JobState after = GivenJob({Created(), Assigned(), Started(), ended});
  EXPECT_EQ(after.status, JobStatus::kAssigned);
  EXPECT_EQ(after.technician_id, "T-7");
  EXPECT_TRUE(after.waiting_for_parts);
  EXPECT_FALSE(after.BookingOf());  // the next visit is not scheduled yet
  // Second visit: rescheduled, arrived (no longer waiting), ended again → visit 2.
  const JobState second =
      GivenJob({Created(), Assigned(), Started(), ended,
                JobRescheduled{kJob, "", "T-7", Monday(14), Monday(15), "parts arrived"},
                JobArrived{kJob, "", "T-7", {.at = Monday(14)}}, Started()});
  EXPECT_FALSE(second.waiting_for_parts);
  auto again = Decide(second, EndVisit{kJob, "needs a third visit", {}}, kT7, kPolicy, kNow);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(std::get<JobVisitEnded>(again->front()).visit, 2);
}

TEST(MultiVisitTest, EndVisitRefusals) {
  const JobState job = GivenJob({Created(), Assigned(), Started()});
  ExpectError(Decide(job, EndVisit{kJob, " ", {}}, kT7, kPolicy, kNow),
              absl::StatusCode::kInvalidArgument, "reason", "Say why");
  ExpectError(Decide(job, EndVisit{kJob, "x", {{"CMP-1", 0}}}, kT7, kPolicy, kNow),
              absl::StatusCode::kInvalidArgument, "parts_missing[0].quantity", "at least 1");
  ExpectError(
      Decide(GivenJob({Created(), Assigned()}), EndVisit{kJob, "x", {}}, kT7, kPolicy, kNow),
      absl::StatusCode::kFailedPrecondition, std::nullopt, "in progress");
  ExpectError(Decide(job, EndVisit{kJob, "x", {}}, kT8, kPolicy, kNow),
              absl::StatusCode::kPermissionDenied, std::nullopt, "another technician");
}

// ============================== crews ==============================

TEST(CrewTest, AFreeHelperJoinsWithoutTheSkill) {
  TechnicianRegistered helper_registered = Registered("T-9");
  helper_registered.skills = {"washer"};
  const TechnicianState helper = GivenTechnician({helper_registered});
  auto events =
      Decide(GivenJob({Created(), Assigned()}), AddHelper{kJob, "T-9"}, helper, Context(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const JobState job = GivenJob({Created(), Assigned(), std::get<JobHelperAdded>(events->front())});
  EXPECT_THAT(job.Crew(), ElementsAre("T-7", "T-9"));
  auto removed = Decide(job, RemoveHelper{kJob, "T-9", "not needed"}, kNow);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_THAT(GivenJob({Created(), Assigned(), std::get<JobHelperAdded>(events->front()),
                        std::get<JobHelperRemoved>(removed->front())})
                  .Crew(),
              ElementsAre("T-7"));
}

TEST(CrewTest, HelperRefusals) {
  const TechnicianState helper = GivenTechnician({Registered("T-9")});
  const JobState job = GivenJob({Created(), Assigned()});
  ExpectError(Decide(job, AddHelper{kJob, ""}, helper, Context(), kNow),
              absl::StatusCode::kInvalidArgument, "helper_id", "Choose");
  ExpectError(Decide(job, AddHelper{kJob, "T-9"}, TechnicianState{}, Context(), kNow),
              absl::StatusCode::kNotFound, "helper_id", "no technician");
  ExpectError(Decide(GivenJob({Created()}), AddHelper{kJob, "T-9"}, helper, Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "unassigned");
  const TechnicianState lead = GivenTechnician({Registered("T-7")});
  ExpectError(Decide(job, AddHelper{kJob, "T-7"}, lead, Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "already on the crew");
  const Booking other{.job_id = "job-0", .start = Monday(10), .end = Monday(12), .site = kSite};
  ExpectError(Decide(job, AddHelper{kJob, "T-9"}, helper, Context({other}), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "job job-0");
  ExpectError(Decide(job, RemoveHelper{kJob, "T-9", "x"}, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "not helping");
  ExpectError(Decide(job, RemoveHelper{kJob, "T-9", ""}, kNow), absl::StatusCode::kInvalidArgument,
              "reason", "Say why");
  // The lead cannot be swapped for one of the helpers.
  const JobState crewed = GivenJob({Created(), Assigned(), JobHelperAdded{kJob, "", "T-7", "T-9"}});
  ExpectError(Decide(crewed, ReassignJob{.job_id = kJob, .technician_id = "T-9", .reason = "x"},
                     helper, Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "take them off the crew");
  // Unassigning lets the crew go.
  EXPECT_THAT(GivenJob({Created(), Assigned(), JobHelperAdded{kJob, "", "T-7", "T-9"},
                        JobUnassigned{kJob, "", "T-7", "x"}})
                  .Crew(),
              testing::IsEmpty());
}

// ============================== recommendation ==============================

Candidate At(const std::string& id, GeoPoint home, std::vector<Booking> bookings = {}) {
  TechnicianRegistered r = Registered(id);
  r.home_base = home;
  return Candidate{.technician = GivenTechnician({r}), .bookings = std::move(bookings)};
}

TEST(RecommendTest, FeasibleTechniciansRankedNearestFirstWithReasons) {
  TechnicianRegistered unskilled = Registered("T-3");
  unskilled.skills = {"washer"};
  std::vector<Candidate> candidates = {
      At("T-1", {36.07 + 10 / 111.195, 120.38}),  // 10 km
      At("T-2", {36.07 + 2 / 111.195, 120.38}),   // 2 km
      Candidate{.technician = GivenTechnician({unskilled}), .bookings = {}},
      At("T-4", {36.07, 120.38}, {{"job-0", Monday(10), Monday(12), kSite}}),  // busy
  };
  RecommendationRequest request{.window_start = Monday(9),
                                .window_end = Monday(11),
                                .sla_deadline = Monday(12),
                                .fixed_technician_id = "",
                                .limit = 10};
  const RankedTechnicians ranked =
      RankTechnicians(GivenJob({Created()}), candidates, request, kPolicy, kNow);
  EXPECT_EQ(ranked.considered, 4);
  EXPECT_EQ(ranked.infeasible, 2);
  ASSERT_THAT(ranked.recommendations, SizeIs(2));
  EXPECT_EQ(ranked.recommendations[0].technician_id, "T-2");
  EXPECT_NEAR(ranked.recommendations[0].travel_km, 2, 0.05);
  EXPECT_EQ(ranked.recommendations[0].skill_level, 4);
  EXPECT_EQ(ranked.recommendations[0].sla_slack_minutes, 180);
  EXPECT_THAT(ranked.recommendations[0].reasons,
              ElementsAre(HasSubstr("km from home base"), "skill level 4 in boiler",
                          "0 other jobs that day", HasSubstr("before the SLA deadline")));
}

TEST(RecommendTest, FixedTechnicianAndWorkloadMoveTheRanking) {
  std::vector<Candidate> candidates = {
      At("T-1", {36.07 + 2 / 111.195, 120.38},
         {{"job-a", Monday(13), Monday(14), kSite}, {"job-b", Monday(15), Monday(16), kSite}}),
      At("T-2", {36.07 + 3 / 111.195, 120.38}),
  };
  RecommendationRequest request{.window_start = Monday(9),
                                .window_end = Monday(11),
                                .sla_deadline = Monday(8),
                                .fixed_technician_id = "",
                                .limit = 10};
  RankedTechnicians ranked =
      RankTechnicians(GivenJob({Created()}), candidates, request, kPolicy, kNow);
  ASSERT_THAT(ranked.recommendations, SizeIs(2));
  EXPECT_EQ(ranked.recommendations[0].technician_id, "T-2");  // T-1 has two other jobs
  EXPECT_EQ(ranked.recommendations[1].jobs_that_day, 2);
  EXPECT_THAT(ranked.recommendations[0].reasons, testing::Contains(HasSubstr("misses the SLA")));
  request.fixed_technician_id = "T-1";
  ranked = RankTechnicians(GivenJob({Created()}), candidates, request, kPolicy, kNow);
  EXPECT_EQ(ranked.recommendations[0].technician_id, "T-1");
  EXPECT_TRUE(ranked.recommendations[0].preferred);
  request.limit = 1;
  EXPECT_THAT(
      RankTechnicians(GivenJob({Created()}), candidates, request, kPolicy, kNow).recommendations,
      SizeIs(1));
}

}  // namespace
}  // namespace fieldline::scheduling
