// Given events / when command / then events or error for the job changes of issue 4's third
// round: cancelling a job (its ticket cancelled or resolved remotely), changing the estimated
// duration, recording the call to the customer, the SLA deadline and duration from the ticket,
// and the multi-visit / crew rules they touch.

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
#include "services/scheduling/domain/plan.h"
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

absl::Time Monday(int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, hour, minute, 0), kPolicy.time_zone);
}
const absl::Time kNow = Monday(7);
const GeoPoint kSite{36.07, 120.38};
const std::string kJob = "job-1";

template <typename State, typename Event>
State Given(const std::vector<Event>& events) {
  State state;
  for (const Event& e : events) state = Evolve(std::move(state), e);
  return state;
}
JobState GivenJob(const std::vector<JobEvent>& events) { return Given<JobState>(events); }

TechnicianState Technician(const std::string& id = "T-7") {
  return Given<TechnicianState, TechnicianEvent>(
      {TechnicianRegistered{.technician_id = id,
                            .name = "Tech " + id,
                            .phone = "13800000000",
                            .skills = {"boiler"},
                            .home_base = {36.06, 120.36},
                            .van_location_id = "van-" + id,
                            .skill_levels = {3},
                            .territory = {}}});
}

JobCreated Created() {
  return JobCreated{.job_id = kJob,
                    .ticket_id = "TK-1",
                    .customer = {.customer_id = "C-1",
                                 .name = "Wang Fang",
                                 .phone = "13900000000",
                                 .address = "1 Hong Kong Rd",
                                 .location = kSite},
                    .required_skill = "boiler",
                    .priority = Priority::kNormal,
                    .parts_needed = {}};
}

JobAssigned Assigned(absl::Time start = Monday(9), absl::Time end = Monday(11)) {
  return JobAssigned{.job_id = kJob,
                     .ticket_id = "TK-1",
                     .technician_id = "T-7",
                     .van_location_id = "van-T-7",
                     .window_start = start,
                     .window_end = end,
                     .parts_needed = {},
                     .site = kSite,
                     .override_reason = ""};
}

JobStarted Started() { return JobStarted{kJob, "TK-1", "T-7"}; }

AssignmentContext Context(std::vector<Booking> bookings = {}) {
  AssignmentContext context;
  context.technician_bookings = std::move(bookings);
  context.policy = kPolicy;
  return context;
}

Booking Other(absl::Time start, absl::Time end, const std::string& job = "job-2") {
  return Booking{.job_id = job, .start = start, .end = end, .site = kSite};
}

template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                 std::optional<std::string> field, const std::string& message_part) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_EQ(FieldOf(result.status()), field) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(message_part));
}

// ============================== SLA deadline and duration from the ticket ==============================

TEST(JobSlaTest, DeadlineIsTheTicketsOnsiteDueWhenGiven) {
  JobCreated created = Created();
  created.onsite_due = Monday(15);
  created.resolution_due = Monday(20);
  const JobState job = GivenJob({created});
  EXPECT_EQ(job.SlaDeadline(Monday(6), kPolicy), Monday(15));
  EXPECT_EQ(job.resolution_due, Monday(20));
}

TEST(JobSlaTest, DeadlineFallsBackToCreationPlusThePolicysPromise) {
  const JobState job = GivenJob({Created()});
  EXPECT_EQ(job.SlaDeadline(Monday(6), kPolicy), Monday(6) + absl::Hours(24));
}

TEST(JobSlaTest, CreateJobCarriesTheDeadlinesAndTheDuration) {
  CreateJob command{.job_id = kJob, .ticket_id = "TK-1", .required_skill = "boiler"};
  command.onsite_due = Monday(15);
  command.duration = absl::Minutes(90);
  auto events = Decide(JobState{}, command, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_THAT(*events, SizeIs(1));
  const JobState job = GivenJob(*events);
  EXPECT_EQ(job.onsite_due, Monday(15));
  EXPECT_EQ(job.EstimatedDuration(kPolicy), absl::Minutes(90));
}

TEST(JobSlaTest, EstimatedDurationDefaultsToThePolicysForTheCategory) {
  DispatchPolicy policy;
  policy.category_durations["boiler"] = absl::Minutes(45);
  EXPECT_EQ(GivenJob({Created()}).EstimatedDuration(policy), absl::Minutes(45));
  EXPECT_EQ(GivenJob({Created()}).EstimatedDuration(kPolicy), absl::Minutes(60));
}

// ============================== cancelling ==============================

TEST(CancelJobTest, AnAssignedJobIsCancelledAndItsBookingFreed) {
  const JobState job = GivenJob({Created(), Assigned()});
  ASSERT_TRUE(job.BookingOf().has_value());
  auto events = Decide(job, CancelJob{.job_id = kJob, .reason = "the ticket was cancelled"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_THAT(*events, SizeIs(1));
  EXPECT_EQ(std::get<JobCancelled>(events->front()),
            (JobCancelled{kJob, "TK-1", "T-7", "the ticket was cancelled"}));
  const JobState after = Evolve(job, events->front());
  EXPECT_EQ(after.status, JobStatus::kCancelled);
  EXPECT_FALSE(after.BookingOf().has_value());
  EXPECT_TRUE(after.closed());
}

TEST(CancelJobTest, UnassignedInProgressAndWaitingJobsAreCancelledToo) {
  for (const JobState& job :
       {GivenJob({Created()}), GivenJob({Created(), Assigned(), Started()}),
        GivenJob({Created(), Assigned(), Started(),
                  JobVisitEnded{kJob, "TK-1", "T-7", 1, "no part", {{"P-1", 1}}}})}) {
    auto events = Decide(job, CancelJob{.job_id = kJob, .reason = "r"}, kNow);
    ASSERT_TRUE(events.ok());
    ASSERT_THAT(*events, SizeIs(1));
    const JobState after = Evolve(job, events->front());
    EXPECT_EQ(after.status, JobStatus::kCancelled);
    EXPECT_FALSE(after.waiting_for_parts);
  }
}

TEST(CancelJobTest, CompletedCancelledOrUnknownJobsAreNoOps) {
  const JobState completed =
      GivenJob({Created(), Assigned(), Started(), JobCompleted{kJob, "TK-1", "T-7", {}, "done"}});
  const JobState cancelled = GivenJob({Created(), JobCancelled{kJob, "TK-1", "", "r"}});
  for (const JobState& job : {completed, cancelled, JobState{}}) {
    auto events = Decide(job, CancelJob{.job_id = kJob, .reason = "r"}, kNow);
    ASSERT_TRUE(events.ok());
    EXPECT_THAT(*events, SizeIs(0));
  }
}

TEST(CancelJobTest, TechnicianUpdatesOnACancelledJobAreRefusedWithTheReason) {
  const JobState job =
      GivenJob({Created(), Assigned(), JobCancelled{kJob, "TK-1", "T-7", "customer withdrew"}});
  ExpectError(Decide(job, MarkArrived{kJob, Monday(9)}, kT7, kPolicy, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "cancelled (customer withdrew)");
  ExpectError(Decide(job, AcceptJob{kJob}, kT7, kPolicy, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "was cancelled");
  ExpectError(Decide(job, StartJob{kJob, 0}, kT7, kNow), absl::StatusCode::kFailedPrecondition,
              std::nullopt, "was cancelled");
  ExpectError(Decide(job, CompleteJob{kJob, 0, {}, "done"}, kT7, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "was cancelled");
  ExpectError(Decide(job, AssignJob{.job_id = kJob, .technician_id = "T-7"}, Technician(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "was cancelled");
}

TEST(CancelJobTest, ACancelledJobWaitsForNoParts) {
  const JobState job = GivenJob({Created(), JobCancelled{kJob, "TK-1", "", "r"}});
  auto events = Decide(job, MarkWaitingForParts{kJob, {{"P-1", 1}}}, kNow);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(*events, SizeIs(0));
}

// ============================== changing the duration ==============================

ChangeJobDuration Duration(int64_t minutes, std::string reason = "two units to replace") {
  return ChangeJobDuration{.job_id = kJob, .duration_minutes = minutes, .reason = reason};
}

TEST(ChangeJobDurationTest, ABookedJobsEndMoves) {
  const JobState job = GivenJob({Created(), Assigned(Monday(9), Monday(10))});
  auto events = Decide(job, Duration(150), Technician(), Context(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_THAT(*events, SizeIs(1));
  const auto& changed = std::get<JobDurationChanged>(events->front());
  EXPECT_EQ(changed.duration_minutes, 150);
  EXPECT_EQ(changed.previous_minutes, 60);
  EXPECT_EQ(changed.window_end, Monday(11, 30));
  EXPECT_EQ(changed.reason, "two units to replace");
  const JobState after = Evolve(job, events->front());
  EXPECT_EQ(after.window_start, Monday(9));
  EXPECT_EQ(after.window_end, Monday(11, 30));
  EXPECT_EQ(after.EstimatedDuration(kPolicy), absl::Minutes(150));
}

TEST(ChangeJobDurationTest, AnUnbookedJobKeepsNoWindow) {
  const JobState job = GivenJob({Created()});
  auto events = Decide(job, Duration(30), TechnicianState{}, Context(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& changed = std::get<JobDurationChanged>(events->front());
  EXPECT_FALSE(changed.window_end.has_value());
  EXPECT_FALSE(Evolve(job, events->front()).window_end.has_value());
}

TEST(ChangeJobDurationTest, RefusedWhenItWouldOverlapTheNextBookingNamingIt) {
  const JobState job = GivenJob({Created(), Assigned(Monday(9), Monday(10))});
  auto events = Decide(job, Duration(120), Technician(),
                       Context({Other(Monday(10, 30), Monday(12), "job-next")}), kNow);
  ExpectError(events, absl::StatusCode::kFailedPrecondition, std::nullopt, "job-next");
}

TEST(ChangeJobDurationTest, ValidationNamesTheField) {
  const JobState job = GivenJob({Created(), Assigned()});
  ExpectError(Decide(job, Duration(0), Technician(), Context(), kNow),
              absl::StatusCode::kInvalidArgument, "duration_minutes", "1 to 1440");
  ExpectError(Decide(job, Duration(1441), Technician(), Context(), kNow),
              absl::StatusCode::kInvalidArgument, "duration_minutes", "1 to 1440");
  ExpectError(Decide(job, Duration(30, "  "), Technician(), Context(), kNow),
              absl::StatusCode::kInvalidArgument, "reason", "Say why");
  ExpectError(Decide(job, Duration(30, std::string(501, 'x')), Technician(), Context(), kNow),
              absl::StatusCode::kInvalidArgument, "reason", "500");
  ExpectError(Decide(JobState{}, Duration(30), Technician(), Context(), kNow),
              absl::StatusCode::kNotFound, "job_id", "no job");
  ChangeJobDuration stale = Duration(30);
  stale.expected_version = 1;
  ExpectError(Decide(job, stale, Technician(), Context(), kNow), absl::StatusCode::kAborted,
              std::nullopt, "changed by someone else");
}

TEST(ChangeJobDurationTest, RefusedOnClosedJobs) {
  const JobState cancelled = GivenJob({Created(), JobCancelled{kJob, "TK-1", "", "r"}});
  ExpectError(Decide(cancelled, Duration(30), Technician(), Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "can no longer change");
}

// ============================== the call to the customer ==============================

RecordCustomerCall Call(std::string outcome, std::optional<absl::Time> start = std::nullopt,
                        std::optional<absl::Time> end = std::nullopt) {
  return RecordCustomerCall{.job_id = kJob,
                            .outcome = std::move(outcome),
                            .agreed_window_start = start,
                            .agreed_window_end = end,
                            .note = "  rang twice ",
                            .called_at = Monday(8)};
}

TEST(RecordCustomerCallTest, AnAgreedWindowReschedulesTheBooking) {
  const JobState job = GivenJob({Created(), Assigned()});
  auto events = Decide(job, Call("agreed", Monday(14), Monday(16)), kT7, Technician(), Context(),
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_THAT(*events, SizeIs(2));
  const auto& called = std::get<JobCustomerCalled>((*events)[0]);
  EXPECT_EQ(called.call.outcome, "agreed");
  EXPECT_EQ(called.call.note, "rang twice");
  EXPECT_EQ(called.call.called_by, "T-7");
  EXPECT_EQ(called.call.called_at, Monday(8));
  const auto& moved = std::get<JobRescheduled>((*events)[1]);
  EXPECT_EQ(moved.window_start, Monday(14));
  EXPECT_EQ(moved.window_end, Monday(16));
  JobState after = job;
  for (const JobEvent& e : *events) after = Evolve(after, e);
  EXPECT_EQ(after.window_start, Monday(14));
  ASSERT_THAT(after.calls, SizeIs(1));
  EXPECT_EQ(after.calls[0].agreed_window_end, Monday(16));
}

TEST(RecordCustomerCallTest, OtherOutcomesOnlyRecordTheCall) {
  const JobState job = GivenJob({Created(), Assigned()});
  for (const char* outcome : {"no_answer", "busy", "customer_asked_other_time", "wrong_number"}) {
    auto events = Decide(job, Call(outcome), kDispatcher, Technician(), Context(), kNow);
    ASSERT_TRUE(events.ok()) << events.status();
    ASSERT_THAT(*events, SizeIs(1)) << outcome;
    EXPECT_EQ(Evolve(job, events->front()).window_start, Monday(9));
  }
  // A dispatcher may call about an unassigned job too.
  auto events = Decide(GivenJob({Created()}), Call("no_answer"), kDispatcher, TechnicianState{},
                       Context(), kNow);
  EXPECT_TRUE(events.ok()) << events.status();
}

TEST(RecordCustomerCallTest, TheAgreedWindowPassesTheCalendarChecks) {
  const JobState job = GivenJob({Created(), Assigned()});
  ExpectError(Decide(job, Call("agreed", Monday(14), Monday(16)), kT7, Technician(),
                     Context({Other(Monday(15), Monday(17), "job-busy")}), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "job-busy");
}

TEST(RecordCustomerCallTest, ATechnicianCallsOnlyAboutTheirOwnJobs) {
  const JobState job = GivenJob({Created(), Assigned()});
  ExpectError(Decide(job, Call("no_answer"), kT8, Technician(), Context(), kNow),
              absl::StatusCode::kPermissionDenied, std::nullopt, "not assigned to you");
}

TEST(RecordCustomerCallTest, ValidationNamesTheField) {
  const JobState job = GivenJob({Created(), Assigned()});
  ExpectError(Decide(job, Call("maybe"), kT7, Technician(), Context(), kNow),
              absl::StatusCode::kInvalidArgument, "outcome", "not a call outcome");
  ExpectError(Decide(job, Call("agreed"), kT7, Technician(), Context(), kNow),
              absl::StatusCode::kInvalidArgument, "agreed_window_start", "start and end");
  ExpectError(Decide(job, Call("agreed", Monday(14)), kT7, Technician(), Context(), kNow),
              absl::StatusCode::kInvalidArgument, "agreed_window_end", "start and end");
  ExpectError(Decide(job, Call("agreed", Monday(14), Monday(13)), kT7, Technician(), Context(),
                     kNow),
              absl::StatusCode::kInvalidArgument, "agreed_window_end", "end after it starts");
  ExpectError(Decide(job, Call("busy", Monday(14), Monday(16)), kT7, Technician(), Context(),
                     kNow),
              absl::StatusCode::kInvalidArgument, "agreed_window_start", "agreed");
  RecordCustomerCall long_note = Call("busy");
  long_note.note = std::string(2001, 'x');
  ExpectError(Decide(job, long_note, kT7, Technician(), Context(), kNow),
              absl::StatusCode::kInvalidArgument, "note", "2000");
  ExpectError(Decide(JobState{}, Call("busy"), kT7, Technician(), Context(), kNow),
              absl::StatusCode::kNotFound, "job_id", "no job");
}

TEST(RecordCustomerCallTest, AgreedNeedsAnAssignedJobThatHasNotStarted) {
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started()}), Call("agreed", Monday(14),
                                                                         Monday(16)),
                     kT7, Technician(), Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "in progress");
  ExpectError(Decide(GivenJob({Created(), JobCancelled{kJob, "TK-1", "T-7", "withdrawn"}}),
                     Call("busy"), kT7, Technician(), Context(), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "was cancelled (withdrawn)");
}

// ============================== multi-visit jobs and crews ==============================

TEST(MultiVisitTest, AVisitEndedForPartsWaitsAndTheNextVisitIsBooked) {
  JobState job = GivenJob({Created(), Assigned(), Started()});
  auto ended = Decide(job, EndVisit{kJob, "compressor missing", {{"P-9", 1}}}, kT7, kPolicy, kNow);
  ASSERT_TRUE(ended.ok()) << ended.status();
  job = Evolve(job, ended->front());
  EXPECT_EQ(job.status, JobStatus::kAssigned);
  EXPECT_TRUE(job.waiting_for_parts);
  EXPECT_FALSE(job.BookingOf().has_value());  // the slot is free
  auto ready = Decide(job, MarkPartsReady{kJob, "P-9", 1}, kNow);
  ASSERT_TRUE(ready.ok());
  job = Evolve(job, ready->front());
  EXPECT_FALSE(job.waiting_for_parts);
  // The next visit: agreed with the customer by phone, then arrived.
  auto call = Decide(job, Call("agreed", Monday(14), Monday(15)), kT7, Technician(), Context(),
                     kNow);
  ASSERT_TRUE(call.ok()) << call.status();
  for (const JobEvent& e : *call) job = Evolve(job, e);
  ASSERT_TRUE(job.BookingOf().has_value());
  EXPECT_EQ(job.BookingOf()->start, Monday(14));
  auto arrived = Decide(job, MarkArrived{kJob, Monday(14)}, kT7, kPolicy, kNow);
  ASSERT_TRUE(arrived.ok()) << arrived.status();
  for (const JobEvent& e : *arrived) job = Evolve(job, e);
  EXPECT_EQ(job.status, JobStatus::kInProgress);
  EXPECT_EQ(job.visits_ended, 1);
}

TEST(CrewTest, ChangingTheDurationOfACrewJobKeepsTheCrewOnTheBooking) {
  JobState job = GivenJob({Created(), Assigned(Monday(9), Monday(10)),
                           JobHelperAdded{kJob, "TK-1", "T-7", "T-8"}});
  auto events = Decide(job, Duration(90), Technician(), Context(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  job = Evolve(job, events->front());
  EXPECT_THAT(job.Crew(), ElementsAre("T-7", "T-8"));
  EXPECT_EQ(job.BookingOf()->end, Monday(10, 30));
}

// ============================== the optimiser uses the ticket's deadline and the duration ==============================

PlanJobInput PlanJob(const std::string& id, std::optional<absl::Time> onsite_due) {
  PlanJobInput in;
  in.job = GivenJob({Created()});
  in.job.job_id = id;
  in.job.ticket_id = "TK-" + id;
  in.job.customer.customer_id = "C-" + id;
  in.job.onsite_due = onsite_due;
  in.created_at = Monday(7);
  return in;
}

PlanInput OneSlotDay() {
  TechnicianState tech = Technician();
  tech.territory = Territory{"Shinan", kSite, 15};
  tech.shifts = {WeeklyShift{.weekday = 1, .start_minute = 8 * 60, .end_minute = 9 * 60 + 30}};
  PlanInput input;
  input.territory = "Shinan";
  input.day = Monday(12);
  input.time_limit_seconds = 5;
  input.max_iterations = 2000;
  input.technicians = {tech};
  return input;
}

TEST(PlanWithTicketDeadlineTest, TheJobDueTodayGetsTheOnlySlotAndItsDeadlineIsReported) {
  PlanInput input = OneSlotDay();
  // Without a ticket deadline "later" is due at creation + 24 h (tomorrow).
  input.jobs = {PlanJob("later", std::nullopt), PlanJob("due-today", Monday(10))};
  absl::StatusOr<DayPlan> plan = PlanDay(input, kPolicy);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_THAT(plan->technicians, SizeIs(1));
  ASSERT_THAT(plan->technicians[0].visits, SizeIs(1));
  const PlannedVisit& visit = plan->technicians[0].visits[0];
  EXPECT_EQ(visit.job_id, "due-today");
  EXPECT_EQ(visit.sla_deadline, Monday(10));
  ASSERT_THAT(plan->unassigned, SizeIs(1));
  EXPECT_EQ(plan->unassigned[0].job_id, "later");
}

TEST(PlanWithTicketDeadlineTest, AVisitLastsTheJobsDurationAndCancelledJobsAreLeftOut) {
  PlanInput input = OneSlotDay();
  input.technicians[0].shifts = {
      WeeklyShift{.weekday = 1, .start_minute = 8 * 60, .end_minute = 18 * 60}};
  PlanJobInput longer = PlanJob("long", std::nullopt);
  longer.job.duration = absl::Minutes(150);
  PlanJobInput cancelled = PlanJob("gone", std::nullopt);
  cancelled.job = Evolve(cancelled.job, JobCancelled{"gone", "TK-gone", "", "withdrawn"});
  input.jobs = {longer, cancelled};
  absl::StatusOr<DayPlan> plan = PlanDay(input, kPolicy);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_THAT(plan->technicians[0].visits, SizeIs(1));
  const PlannedVisit& visit = plan->technicians[0].visits[0];
  EXPECT_EQ(visit.job_id, "long");
  EXPECT_EQ(visit.end - visit.start, absl::Minutes(150));
  EXPECT_THAT(plan->unassigned, SizeIs(0));
}

}  // namespace
}  // namespace fieldline::scheduling
