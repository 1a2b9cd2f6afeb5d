// Callback aggregate: given events / when command / then events or error.

#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/callbacks/domain/callback.h"
#include "services/callbacks/domain/callback_policy.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"

namespace fieldline::callbacks {
namespace {

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

const absl::Time kNow = Utc(2024, 5, 6, 9, 30);

ScheduleCallbackForCompletedJob CompletedJob(absl::Time completed_at = Utc(2024, 5, 6, 9, 0)) {
  return ScheduleCallbackForCompletedJob{
      .job_id = "job-1",
      .ticket_id = "ticket-1",
      .customer_name = "Li Wei",
      .customer_phone = "+86 138 0000 0000",
      .technician_id = "tech-7",
      .completed_at = completed_at,
  };
}

CallbackScheduled ScheduledFor(const ScheduleCallbackForCompletedJob& c, absl::Time due_at) {
  return CallbackScheduled{
      .callback_id = CallbackIdForJob(c.job_id),
      .job_id = c.job_id,
      .ticket_id = c.ticket_id,
      .customer_name = c.customer_name,
      .customer_phone = c.customer_phone,
      .technician_id = c.technician_id,
      .completed_at = c.completed_at,
      .due_at = due_at,
      .reason = "job_completed",
  };
}

// --- schedule ---

TEST(ScheduleCallback, ACompletedJobSchedulesACallbackDueTwoDaysLater) {
  const auto command = CompletedJob();
  auto events = Decide(CallbackState{}, command, kNow, CallbackPolicy{});
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(std::get<CallbackScheduled>((*events)[0]),
            ScheduledFor(command, Utc(2024, 5, 8, 9, 0)));
}

TEST(ScheduleCallback, TheCallbackIdIsDerivedFromTheJobId) {
  auto events = Decide(CallbackState{}, CompletedJob(), kNow, CallbackPolicy{});
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& scheduled = std::get<CallbackScheduled>((*events)[0]);
  EXPECT_EQ(scheduled.callback_id, DeriveId("job-1", "callback"));
  EXPECT_TRUE(LooksLikeUuid(scheduled.callback_id));
  EXPECT_NE(CallbackIdForJob("job-1"), CallbackIdForJob("job-2"));
}

TEST(ScheduleCallback, AnUnknownCustomerIsScheduledWithEmptyNameAndPhone) {
  auto command = CompletedJob();
  command.customer_name.clear();
  command.customer_phone.clear();
  auto events = Decide(CallbackState{}, command, kNow, CallbackPolicy{});
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& scheduled = std::get<CallbackScheduled>((*events)[0]);
  EXPECT_EQ(scheduled.customer_name, "");
  EXPECT_EQ(scheduled.customer_phone, "");
}

TEST(ScheduleCallback, TheDelayComesFromThePolicy) {
  CallbackPolicy next_day{.delay_after_job_completed = absl::Hours(24)};
  auto events = Decide(CallbackState{}, CompletedJob(Utc(2024, 5, 6, 9, 0)), kNow, next_day);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<CallbackScheduled>((*events)[0]).due_at, Utc(2024, 5, 7, 9, 0));
}

TEST(ScheduleCallback, TheDueDateDependsOnCompletionNotOnWhenTheEventIsHandled) {
  // The event may be handled long after the job was completed (a consumer catching up).
  const absl::Time much_later = Utc(2024, 6, 1);
  auto events = Decide(CallbackState{}, CompletedJob(Utc(2024, 5, 6, 9, 0)), much_later,
                       CallbackPolicy{});
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<CallbackScheduled>((*events)[0]).due_at, Utc(2024, 5, 8, 9, 0));
}

TEST(ScheduleCallback, SchedulingTwiceIsRefusedWithAlreadyExists) {
  const auto command = CompletedJob();
  const CallbackState given = Replay({ScheduledFor(command, Utc(2024, 5, 8, 9, 0))});
  auto events = Decide(given, command, kNow, CallbackPolicy{});
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(events.status()), "job_id");
  EXPECT_NE(events.status().message().find("already scheduled"), absl::string_view::npos)
      << events.status();
  EXPECT_NE(events.status().message().find("2024-05-08 09:00 UTC"), absl::string_view::npos)
      << events.status();
}

TEST(ScheduleCallback, AMissingJobIdIsInvalid) {
  auto command = CompletedJob();
  command.job_id.clear();
  auto events = Decide(CallbackState{}, command, kNow, CallbackPolicy{});
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(events.status()), "job_id");
}

TEST(ScheduleCallback, AMissingCompletionTimeIsInvalid) {
  auto command = CompletedJob();
  command.completed_at = absl::InfinitePast();
  auto events = Decide(CallbackState{}, command, kNow, CallbackPolicy{});
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(events.status()), "completed_at");
  EXPECT_NE(events.status().message().find("job-1"), absl::string_view::npos) << events.status();
}

TEST(ScheduleCallback, ValidationComesBeforeTheExistenceCheck) {
  const auto command = CompletedJob();
  const CallbackState given = Replay({ScheduledFor(command, Utc(2024, 5, 8, 9, 0))});
  auto bad = command;
  bad.completed_at = absl::InfiniteFuture();
  auto events = Decide(given, bad, kNow, CallbackPolicy{});
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
}

// --- due-date rule ---

TEST(CallbackDueDate, DefaultPolicyIsTwoDays) {
  EXPECT_EQ(CallbackPolicy{}.delay_after_job_completed, absl::Hours(48));
}

TEST(CallbackDueDate, CrossesTheEndOfAMonth) {
  EXPECT_EQ(DueAfterJobCompleted(Utc(2024, 4, 30, 16, 45), CallbackPolicy{}),
            Utc(2024, 5, 2, 16, 45));
}

TEST(CallbackDueDate, CrossesTheEndOfAYear) {
  EXPECT_EQ(DueAfterJobCompleted(Utc(2023, 12, 31, 23, 59), CallbackPolicy{}),
            Utc(2024, 1, 2, 23, 59));
}

TEST(CallbackDueDate, CrossesTheEndOfFebruaryInALeapYear) {
  EXPECT_EQ(DueAfterJobCompleted(Utc(2024, 2, 28, 10, 0), CallbackPolicy{}),
            Utc(2024, 3, 1, 10, 0));
}

TEST(CallbackDueDate, CrossesTheEndOfFebruaryInACommonYear) {
  EXPECT_EQ(DueAfterJobCompleted(Utc(2023, 2, 28, 10, 0), CallbackPolicy{}),
            Utc(2023, 3, 2, 10, 0));
}

TEST(CallbackDueDate, ScheduledEventCarriesTheRuleAcrossTheYearEnd) {
  auto events = Decide(CallbackState{}, CompletedJob(Utc(2024, 12, 30, 18, 0)), kNow,
                       CallbackPolicy{});
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<CallbackScheduled>((*events)[0]).due_at, Utc(2025, 1, 1, 18, 0));
}

// --- evolve ---

TEST(EvolveCallback, ScheduledMakesTheCallbackDue) {
  const auto command = CompletedJob();
  const auto scheduled = ScheduledFor(command, Utc(2024, 5, 8, 9, 0));
  const CallbackState state = Evolve(CallbackState{}, scheduled);
  EXPECT_EQ(state.status, CallbackStatus::kDue);
  EXPECT_EQ(state.callback_id, scheduled.callback_id);
  EXPECT_EQ(state.job_id, "job-1");
  EXPECT_EQ(state.ticket_id, "ticket-1");
  EXPECT_EQ(state.customer_name, "Li Wei");
  EXPECT_EQ(state.customer_phone, "+86 138 0000 0000");
  EXPECT_EQ(state.technician_id, "tech-7");
  EXPECT_EQ(state.completed_at, Utc(2024, 5, 6, 9, 0));
  EXPECT_EQ(state.due_at, Utc(2024, 5, 8, 9, 0));
  EXPECT_EQ(state.reason, "job_completed");
  EXPECT_EQ(state.version, 1);
}

TEST(EvolveCallback, ANewCallbackDoesNotExist) {
  EXPECT_EQ(CallbackState{}.status, CallbackStatus::kNone);
  EXPECT_EQ(CallbackState{}.version, 0);
}

// --- overdue ---

TEST(CallbackOverdue, NotOverdueBeforeOrAtTheDueTime) {
  const CallbackState state =
      Replay({ScheduledFor(CompletedJob(), Utc(2024, 5, 8, 9, 0))});
  EXPECT_FALSE(IsOverdue(state, Utc(2024, 5, 7)));
  EXPECT_FALSE(IsOverdue(state, Utc(2024, 5, 8, 9, 0)));
}

TEST(CallbackOverdue, OverdueOnceTheDueTimeHasPassed) {
  const CallbackState state =
      Replay({ScheduledFor(CompletedJob(), Utc(2024, 5, 8, 9, 0))});
  EXPECT_TRUE(IsOverdue(state, Utc(2024, 5, 8, 9, 1)));
}

TEST(CallbackOverdue, ACallbackThatDoesNotExistIsNeverOverdue) {
  EXPECT_FALSE(IsOverdue(CallbackState{}, Utc(2030, 1, 1)));
}

}  // namespace
}  // namespace fieldline::callbacks
