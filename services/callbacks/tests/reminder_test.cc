// The Reminder aggregate: given events, when a command, then events or an error naming the field.

#include "services/callbacks/domain/reminder.h"

#include <variant>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"

namespace fieldline::callbacks {
namespace {

const absl::TimeZone kLocal = absl::FixedTimeZone(8 * 60 * 60);

absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), kLocal);
}

std::string FieldOf(const absl::Status& status) {
  return ::fieldline::FieldOf(status).value_or("");
}

ReminderState Scheduled(ReminderKind kind, absl::Time basis, absl::Time now = Local(2024, 1, 1)) {
  ScheduleReminder command{.asset_id = "a-1", .customer_id = "c-1", .model = "WM-100",
                           .kind = kind, .basis_at = basis};
  auto events = Decide(ReminderState{}, command, now, ReminderPolicy{});
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? Replay(*events) : ReminderState{};
}

ReminderState FallenDue(ReminderState state) {
  auto events = Decide(state, MarkReminderDue{.reminder_id = state.reminder_id}, state.remind_at);
  EXPECT_TRUE(events.ok()) << events.status();
  for (const auto& e : *events) state = Evolve(std::move(state), e);
  return state;
}

const Actor kAgent{"care-1", "care", {}};

TEST(ReminderTest, FirstMaintenanceFallsDueTwoMonthsAfterInstallationAndIsUsefulUntilThree) {
  const ReminderState state = Scheduled(ReminderKind::kFirstMaintenance, Local(2024, 1, 10, 14));
  EXPECT_EQ(state.status, ReminderStatus::kScheduled);
  EXPECT_EQ(state.remind_at, Local(2024, 3, 10, 14));
  EXPECT_EQ(state.due_by, Local(2024, 4, 10, 14));
  EXPECT_EQ(state.asset_id, "a-1");
  EXPECT_EQ(state.customer_id, "c-1");
  EXPECT_EQ(state.model, "WM-100");
  EXPECT_EQ(state.reminder_id, ReminderIdFor("a-1", ReminderKind::kFirstMaintenance,
                                             Local(2024, 1, 10, 14)));
}

TEST(ReminderTest, FirstMaintenanceAfterANovemberInstallationCrossesTheYearEnd) {
  const ReminderState state = Scheduled(ReminderKind::kFirstMaintenance, Local(2024, 11, 30, 9));
  EXPECT_EQ(state.remind_at, Local(2025, 1, 30, 9));
  EXPECT_EQ(state.due_by, Local(2025, 2, 28, 9));  // clamped to the month's last day
}

TEST(ReminderTest, RegularMaintenanceFallsDueOneWeekBefore) {
  const ReminderState state =
      Scheduled(ReminderKind::kRegularMaintenance, Local(2024, 7, 5, 9));
  EXPECT_EQ(state.remind_at, Local(2024, 6, 28, 9));
  EXPECT_EQ(state.due_by, Local(2024, 7, 5, 9));
}

TEST(ReminderTest, WarrantyContractAndInsuranceFallDueOneMonthBeforeTheEnd) {
  EXPECT_EQ(Scheduled(ReminderKind::kWarrantyExpiry, Local(2024, 3, 31)).remind_at,
            Local(2024, 2, 29));
  EXPECT_EQ(Scheduled(ReminderKind::kContractExpiry, Local(2025, 1, 15)).remind_at,
            Local(2024, 12, 15));
  EXPECT_EQ(Scheduled(ReminderKind::kInsuranceExpiry, Local(2024, 6, 1)).remind_at,
            Local(2024, 5, 1));
}

TEST(ReminderTest, ThePolicyDecidesTheLeads) {
  ReminderPolicy policy;
  policy.regular_maintenance_lead = absl::Hours(48);
  policy.contract_lead_months = 2;
  EXPECT_EQ(ScheduleOf(ReminderKind::kRegularMaintenance, Local(2024, 7, 5), policy).remind_at,
            Local(2024, 7, 3));
  EXPECT_EQ(ScheduleOf(ReminderKind::kContractExpiry, Local(2024, 7, 5), policy).remind_at,
            Local(2024, 5, 5));
}

TEST(ReminderTest, SchedulingValidatesEachField) {
  const absl::Time now = Local(2024, 1, 1);
  auto no_asset = Decide(ReminderState{},
                         ScheduleReminder{.kind = ReminderKind::kWarrantyExpiry,
                                          .basis_at = Local(2025, 1, 1)},
                         now, ReminderPolicy{});
  EXPECT_EQ(no_asset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(no_asset.status()), "asset_id");
  auto no_kind = Decide(ReminderState{},
                        ScheduleReminder{.asset_id = "a-1", .basis_at = Local(2025, 1, 1)}, now,
                        ReminderPolicy{});
  EXPECT_EQ(FieldOf(no_kind.status()), "kind");
  auto no_date = Decide(ReminderState{},
                        ScheduleReminder{.asset_id = "a-1", .kind = ReminderKind::kWarrantyExpiry},
                        now, ReminderPolicy{});
  EXPECT_EQ(FieldOf(no_date.status()), "basis_at");
}

TEST(ReminderTest, AReminderWhoseUsefulTimeHasPassedIsNotScheduled) {
  auto events = Decide(ReminderState{},
                       ScheduleReminder{.asset_id = "a-1",
                                        .kind = ReminderKind::kWarrantyExpiry,
                                        .basis_at = Local(2023, 12, 31)},
                       Local(2024, 1, 1), ReminderPolicy{});
  EXPECT_EQ(events.status().code(), absl::StatusCode::kFailedPrecondition);
  // Exactly at the end of the cover it is still useful.
  auto at_end = Decide(ReminderState{},
                       ScheduleReminder{.asset_id = "a-1",
                                        .kind = ReminderKind::kWarrantyExpiry,
                                        .basis_at = Local(2024, 1, 1)},
                       Local(2024, 1, 1), ReminderPolicy{});
  EXPECT_TRUE(at_end.ok()) << at_end.status();
}

TEST(ReminderTest, SchedulingTwiceIsAlreadyExists) {
  const ReminderState state = Scheduled(ReminderKind::kWarrantyExpiry, Local(2025, 1, 1));
  auto again = Decide(state,
                      ScheduleReminder{.asset_id = "a-1",
                                       .kind = ReminderKind::kWarrantyExpiry,
                                       .basis_at = Local(2025, 1, 1)},
                      Local(2024, 1, 1), ReminderPolicy{});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(again.status()), "reminder_id");
}

TEST(ReminderTest, ItFallsDueExactlyAtRemindAtAndNotASecondBefore) {
  const ReminderState state = Scheduled(ReminderKind::kWarrantyExpiry, Local(2025, 1, 15));
  auto early = Decide(state, MarkReminderDue{.reminder_id = state.reminder_id},
                      Local(2024, 12, 15) - absl::Seconds(1));
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(early.status().message().find("2024-12-14 16:00 UTC"), std::string::npos)
      << early.status();
  auto on_time = Decide(state, MarkReminderDue{.reminder_id = state.reminder_id},
                        Local(2024, 12, 15));
  ASSERT_TRUE(on_time.ok()) << on_time.status();
  ASSERT_EQ(on_time->size(), 1u);
  EXPECT_EQ(std::get<ReminderFellDue>((*on_time)[0]).fell_due_at, Local(2024, 12, 15));
}

TEST(ReminderTest, FallingDueTwiceIsRefused) {
  const ReminderState due = FallenDue(Scheduled(ReminderKind::kWarrantyExpiry, Local(2025, 1, 1)));
  EXPECT_EQ(due.status, ReminderStatus::kDue);
  auto again = Decide(due, MarkReminderDue{.reminder_id = due.reminder_id}, Local(2025, 1, 1));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ReminderTest, AnUnknownReminderIsNotFound) {
  auto due = Decide(ReminderState{}, MarkReminderDue{.reminder_id = "r-9"}, Local(2024, 1, 1));
  EXPECT_EQ(due.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(due.status()), "reminder_id");
  auto outcome = Decide(ReminderState{},
                        RecordReminderOutcome{.reminder_id = "",
                                              .outcome = ReminderOutcome::kInformed},
                        kAgent, Local(2024, 1, 1));
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(outcome.status()), "reminder_id");
}

TEST(ReminderTest, AnAgentRecordsTheOutcomeOfADueReminder) {
  const ReminderState due =
      FallenDue(Scheduled(ReminderKind::kRegularMaintenance, Local(2024, 7, 5)));
  auto events = Decide(due,
                       RecordReminderOutcome{.reminder_id = due.reminder_id,
                                             .outcome = ReminderOutcome::kBooked,
                                             .note = "Tuesday morning"},
                       kAgent, Local(2024, 6, 29, 10));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  const auto& recorded = std::get<ReminderOutcomeRecorded>((*events)[0]);
  EXPECT_EQ(recorded.outcome, ReminderOutcome::kBooked);
  EXPECT_EQ(recorded.agent_id, "care-1");
  EXPECT_EQ(recorded.note, "Tuesday morning");
  ReminderState next = due;
  for (const auto& e : *events) next = Evolve(std::move(next), e);
  EXPECT_EQ(next.status, ReminderStatus::kAnswered);
  // The outcome may be corrected while the customer has not come in.
  auto corrected = Decide(next,
                          RecordReminderOutcome{.reminder_id = due.reminder_id,
                                                .outcome = ReminderOutcome::kDeclined},
                          kAgent, Local(2024, 6, 30, 10));
  EXPECT_TRUE(corrected.ok()) << corrected.status();
}

TEST(ReminderTest, AnOutcomeNeedsAnOutcomeAndTheReminderToBeDue) {
  const ReminderState scheduled = Scheduled(ReminderKind::kWarrantyExpiry, Local(2025, 1, 15));
  auto none = Decide(FallenDue(scheduled),
                     RecordReminderOutcome{.reminder_id = scheduled.reminder_id}, kAgent,
                     Local(2024, 12, 20));
  EXPECT_EQ(FieldOf(none.status()), "outcome");
  auto not_due = Decide(scheduled,
                        RecordReminderOutcome{.reminder_id = scheduled.reminder_id,
                                              .outcome = ReminderOutcome::kInformed},
                        kAgent, Local(2024, 12, 1));
  EXPECT_EQ(not_due.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(not_due.status().message().find("not due yet"), std::string::npos);
}

TEST(ReminderTest, AWarrantyReminderCannotBeBookedOrCameIn) {
  const ReminderState due = FallenDue(Scheduled(ReminderKind::kWarrantyExpiry, Local(2025, 1, 15)));
  for (ReminderOutcome outcome : {ReminderOutcome::kBooked, ReminderOutcome::kCameIn}) {
    auto events = Decide(due, RecordReminderOutcome{.reminder_id = due.reminder_id,
                                                    .outcome = outcome},
                         kAgent, Local(2024, 12, 20));
    EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(FieldOf(events.status()), "outcome");
  }
}

TEST(ReminderTest, AStaleVersionIsAborted) {
  const ReminderState due = FallenDue(Scheduled(ReminderKind::kWarrantyExpiry, Local(2025, 1, 15)));
  auto events = Decide(due,
                       RecordReminderOutcome{.reminder_id = due.reminder_id,
                                             .outcome = ReminderOutcome::kInformed,
                                             .expected_version = 1},
                       kAgent, Local(2024, 12, 20));
  EXPECT_EQ(events.status().code(), absl::StatusCode::kAborted);
}

TEST(ReminderTest, ACompletedMaintenanceVisitCountsAsCameIn) {
  const ReminderState due =
      FallenDue(Scheduled(ReminderKind::kFirstMaintenance, Local(2024, 1, 10)));
  auto events = Decide(due, RecordMaintenanceVisit{.reminder_id = due.reminder_id,
                                                   .job_id = "j-9",
                                                   .completed_at = Local(2024, 3, 20)});
  ASSERT_TRUE(events.ok()) << events.status();
  ReminderState next = due;
  for (const auto& e : *events) next = Evolve(std::move(next), e);
  EXPECT_EQ(next.status, ReminderStatus::kCameIn);
  EXPECT_EQ(next.came_in_job_id, "j-9");
  EXPECT_EQ(next.came_in_at, Local(2024, 3, 20));
  // Came in is final: a second visit is already known; no outcome can be recorded any more.
  auto again = Decide(next, RecordMaintenanceVisit{.reminder_id = due.reminder_id,
                                                   .job_id = "j-10",
                                                   .completed_at = Local(2024, 3, 21)});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  auto outcome = Decide(next,
                        RecordReminderOutcome{.reminder_id = due.reminder_id,
                                              .outcome = ReminderOutcome::kDeclined},
                        kAgent, Local(2024, 3, 22));
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ReminderTest, AVisitExactlyAtRemindAtCountsOneBeforeDoesNot) {
  const ReminderState scheduled =
      Scheduled(ReminderKind::kFirstMaintenance, Local(2024, 1, 10));
  auto before = Decide(scheduled, RecordMaintenanceVisit{.reminder_id = scheduled.reminder_id,
                                                         .job_id = "j-1",
                                                         .completed_at = Local(2024, 3, 10) -
                                                                         absl::Seconds(1)});
  EXPECT_EQ(before.status().code(), absl::StatusCode::kFailedPrecondition);
  // A visit after remind_at counts even if the ticker has not marked it due yet.
  auto at = Decide(scheduled, RecordMaintenanceVisit{.reminder_id = scheduled.reminder_id,
                                                     .job_id = "j-1",
                                                     .completed_at = Local(2024, 3, 10)});
  EXPECT_TRUE(at.ok()) << at.status();
}

TEST(ReminderTest, AVisitDoesNotAnswerAWarrantyReminder) {
  const ReminderState due = FallenDue(Scheduled(ReminderKind::kWarrantyExpiry, Local(2025, 1, 15)));
  auto events = Decide(due, RecordMaintenanceVisit{.reminder_id = due.reminder_id,
                                                   .job_id = "j-1",
                                                   .completed_at = Local(2024, 12, 20)});
  EXPECT_EQ(events.status().code(), absl::StatusCode::kFailedPrecondition);
  auto no_job = Decide(due, RecordMaintenanceVisit{.reminder_id = due.reminder_id,
                                                   .completed_at = Local(2024, 12, 20)});
  EXPECT_EQ(FieldOf(no_job.status()), "job_id");
}

TEST(ReminderTest, AnAgentMayRecordThatTheCustomerCameIn) {
  const ReminderState due =
      FallenDue(Scheduled(ReminderKind::kRegularMaintenance, Local(2024, 7, 5)));
  auto events = Decide(due,
                       RecordReminderOutcome{.reminder_id = due.reminder_id,
                                             .outcome = ReminderOutcome::kCameIn},
                       kAgent, Local(2024, 7, 1));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_TRUE(std::holds_alternative<ReminderCameIn>((*events)[1]));
  EXPECT_EQ(Replay({}).status, ReminderStatus::kNone);
}

TEST(ReminderTest, OverdueAfterDueByWhileOpen) {
  const ReminderState due = FallenDue(Scheduled(ReminderKind::kWarrantyExpiry, Local(2025, 1, 15)));
  EXPECT_FALSE(IsOverdue(due, Local(2025, 1, 15)));
  EXPECT_TRUE(IsOverdue(due, Local(2025, 1, 15) + absl::Seconds(1)));
}

}  // namespace
}  // namespace fieldline::callbacks
