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

// --- due rules per reason (DOMAIN §2 step 9) ---

TEST(CallbackDueRules, ARemoteFixIsCalledBackTheNextDay) {
  EXPECT_EQ(DueAt(CallbackReason::kRemoteFix, Utc(2024, 12, 31, 15, 0), CallbackPolicy{}),
            Utc(2025, 1, 1, 15, 0));
}

TEST(CallbackDueRules, AKeyAccountVisitIsCalledBackWithin48Hours) {
  EXPECT_EQ(DueAt(CallbackReason::kKeyAccountVisit, Utc(2024, 2, 28, 8, 0), CallbackPolicy{}),
            Utc(2024, 3, 1, 8, 0));
}

TEST(CallbackDueRules, DeliveredAndInstalledProductsHaveTheirOwnDelay) {
  CallbackPolicy policy;
  policy.delay_after_product_delivered = absl::Hours(72);
  policy.delay_after_product_installed = absl::Hours(24);
  EXPECT_EQ(DueAt(CallbackReason::kProductDelivered, Utc(2024, 5, 1), policy), Utc(2024, 5, 4));
  EXPECT_EQ(DueAt(CallbackReason::kProductInstalled, Utc(2024, 5, 1), policy), Utc(2024, 5, 2));
}

TEST(CallbackDueRules, AKeyAccountJobIsScheduledAsAHighPriorityKeyAccountVisit) {
  CallbackPolicy policy;
  policy.delay_after_key_account_visit = absl::Hours(12);
  auto command = CompletedJob(Utc(2024, 5, 6, 9, 0));
  command.key_account = true;
  auto events = Decide(CallbackState{}, command, kNow, policy);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& scheduled = std::get<CallbackScheduled>((*events)[0]);
  EXPECT_EQ(scheduled.reason, "key_account_visit");
  EXPECT_EQ(scheduled.priority, Priority::kHigh);
  EXPECT_EQ(scheduled.due_at, Utc(2024, 5, 6, 21, 0));
}

TEST(CallbackDueRules, ARemoteFixIsScheduledForTheNextDayAtNormalPriority) {
  auto command = CompletedJob(Utc(2024, 5, 6, 9, 0));
  command.reason = CallbackReason::kRemoteFix;
  auto events = Decide(CallbackState{}, command, kNow, CallbackPolicy{});
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& scheduled = std::get<CallbackScheduled>((*events)[0]);
  EXPECT_EQ(scheduled.reason, "remote_fix");
  EXPECT_EQ(scheduled.priority, Priority::kNormal);
  EXPECT_EQ(scheduled.due_at, Utc(2024, 5, 7, 9, 0));
}

TEST(CallbackDueRules, ARemoteFixIsKeyedByItsTicketAndNeedsNoJob) {
  ScheduleCallbackForCompletedJob command{.ticket_id = "ticket-9",
                                          .completed_at = Utc(2024, 5, 6, 9, 0),
                                          .reason = CallbackReason::kRemoteFix};
  auto events = Decide(CallbackState{}, command, kNow, CallbackPolicy{});
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& scheduled = std::get<CallbackScheduled>((*events)[0]);
  EXPECT_EQ(scheduled.callback_id, CallbackIdForRemoteFix("ticket-9"));
  EXPECT_NE(scheduled.callback_id, CallbackIdForJob("ticket-9"));
  EXPECT_EQ(scheduled.job_id, "");

  const CallbackState given = Replay({scheduled});
  auto again = Decide(given, command, kNow, CallbackPolicy{});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(again.status()), "ticket_id");

  command.ticket_id.clear();
  auto no_ticket = Decide(CallbackState{}, command, kNow, CallbackPolicy{});
  EXPECT_EQ(FieldOf(no_ticket.status()), "ticket_id");
  command.ticket_id = "ticket-9";
  command.completed_at = absl::InfinitePast();
  auto no_time = Decide(CallbackState{}, command, kNow, CallbackPolicy{});
  EXPECT_EQ(FieldOf(no_time.status()), "completed_at");
}

TEST(CallbackDueRules, ReasonNamesRoundTrip) {
  for (CallbackReason r : {CallbackReason::kJobCompleted, CallbackReason::kRemoteFix,
                           CallbackReason::kKeyAccountVisit, CallbackReason::kProductDelivered,
                           CallbackReason::kProductInstalled}) {
    CallbackReason parsed = CallbackReason::kJobCompleted;
    ASSERT_TRUE(ParseReason(ReasonName(r), &parsed)) << ReasonName(r);
    EXPECT_EQ(parsed, r);
  }
  CallbackReason parsed;
  EXPECT_FALSE(ParseReason("birthday", &parsed));
}

// --- time slots (local time, UTC+8 by default) ---

absl::Time Local(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::FixedTimeZone(8 * 3600));
}

TEST(TimeSlots, SlotBoundariesAreInLocalTime) {
  const CallbackPolicy policy;
  EXPECT_EQ(SlotOf(Local(2024, 5, 6, 0, 0), policy), TimeSlot::kMorning);
  EXPECT_EQ(SlotOf(Local(2024, 5, 6, 11, 59), policy), TimeSlot::kMorning);
  EXPECT_EQ(SlotOf(Local(2024, 5, 6, 12, 0), policy), TimeSlot::kAfternoon);
  EXPECT_EQ(SlotOf(Local(2024, 5, 6, 17, 59), policy), TimeSlot::kAfternoon);
  EXPECT_EQ(SlotOf(Local(2024, 5, 6, 18, 0), policy), TimeSlot::kEvening);
  // 02:00 UTC is 10:00 in Qingdao: morning, not night.
  EXPECT_EQ(SlotOf(Utc(2024, 5, 6, 2, 0), policy), TimeSlot::kMorning);
}

// --- assignment ---

const Actor kAgent{"agent-1", "care"};

CallbackState DueCallback() { return Replay({ScheduledFor(CompletedJob(), Utc(2024, 5, 8, 9))}); }

TEST(AssignCallback, AssigningGivesTheCallbackToTheAgent) {
  const CallbackState given = DueCallback();
  auto events = Decide(given, AssignCallback{.callback_id = given.callback_id,
                                             .agent_id = "agent-1"},
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(std::get<CallbackAssigned>((*events)[0]),
            (CallbackAssigned{.callback_id = given.callback_id, .agent_id = "agent-1"}));
  EXPECT_EQ(Evolve(given, (*events)[0]).agent_id, "agent-1");
}

TEST(AssignCallback, ReassigningRecordsThePreviousAgent) {
  CallbackState given = DueCallback();
  given = Evolve(given, CallbackAssigned{.callback_id = given.callback_id, .agent_id = "a-1"});
  auto events =
      Decide(given, AssignCallback{.callback_id = given.callback_id, .agent_id = "a-2"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<CallbackAssigned>((*events)[0]).previous_agent_id, "a-1");
}

TEST(AssignCallback, AssigningToTheSameAgentAgainIsRefused) {
  CallbackState given = DueCallback();
  given = Evolve(given, CallbackAssigned{.callback_id = given.callback_id, .agent_id = "a-1"});
  auto events =
      Decide(given, AssignCallback{.callback_id = given.callback_id, .agent_id = "a-1"}, kNow);
  EXPECT_EQ(events.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(AssignCallback, AnUnknownCallbackIsNotFound) {
  auto events = Decide(CallbackState{}, AssignCallback{.callback_id = "cb-x", .agent_id = "a"},
                       kNow);
  EXPECT_EQ(events.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(events.status()), "callback_id");
}

TEST(AssignCallback, AnEmptyCallbackIdIsInvalid) {
  auto events = Decide(CallbackState{}, AssignCallback{.agent_id = "a"}, kNow);
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(events.status()), "callback_id");
}

TEST(AssignCallback, AnEmptyAgentIsInvalid) {
  const CallbackState given = DueCallback();
  auto events = Decide(given, AssignCallback{.callback_id = given.callback_id}, kNow);
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(events.status()), "agent_id");
}

TEST(AssignCallback, AStaleExpectedVersionIsAConflict) {
  const CallbackState given = DueCallback();
  auto events = Decide(
      given, AssignCallback{.callback_id = given.callback_id, .agent_id = "a", .expected_version = 7},
      kNow);
  EXPECT_EQ(events.status().code(), absl::StatusCode::kAborted);
  auto ok = Decide(
      given, AssignCallback{.callback_id = given.callback_id, .agent_id = "a", .expected_version = 1},
      kNow);
  EXPECT_TRUE(ok.ok()) << ok.status();
}

// --- attempts ---

const Survey kHappy{.attitude = 5, .quality = 5, .fixed = 5, .punctuality = 4,
                    .respect_for_property = 5, .no_extra_fee = 5};

RecordCallbackAttempt Call(const CallbackState& s, AttemptOutcome outcome,
                           std::optional<Survey> survey = std::nullopt) {
  return RecordCallbackAttempt{.callback_id = s.callback_id, .outcome = outcome, .survey = survey};
}

// Applies the decision to the state, failing the test if refused.
CallbackState Apply(CallbackState state, const RecordCallbackAttempt& command, absl::Time at,
                    std::vector<CallbackEvent>* out = nullptr,
                    const CallbackPolicy& policy = CallbackPolicy{}) {
  auto events = Decide(state, command, kAgent, at, policy);
  EXPECT_TRUE(events.ok()) << events.status();
  if (!events.ok()) return state;
  for (const auto& e : *events) state = Evolve(std::move(state), e);
  if (out != nullptr) *out = *events;
  return state;
}

TEST(RecordAttempt, ReachingTheCustomerWithASurveyIsAValidCallback) {
  std::vector<CallbackEvent> events;
  const CallbackState given = DueCallback();
  const CallbackState state =
      Apply(given, Call(given, AttemptOutcome::kReached, kHappy), Local(2024, 5, 7, 10), &events);
  ASSERT_EQ(events.size(), 2u);
  const auto& attempt = std::get<CallbackAttemptRecorded>(events[0]).attempt;
  EXPECT_EQ(attempt.number, 1);
  EXPECT_EQ(attempt.outcome, AttemptOutcome::kReached);
  EXPECT_EQ(attempt.slot, TimeSlot::kMorning);
  EXPECT_EQ(attempt.agent_id, "agent-1");
  EXPECT_EQ(attempt.at, Local(2024, 5, 7, 10));
  EXPECT_EQ(std::get<CallbackReached>(events[1]).survey, kHappy);
  EXPECT_TRUE(std::get<CallbackReached>(events[1]).satisfied);
  EXPECT_EQ(state.status, CallbackStatus::kReached);
  EXPECT_EQ(state.survey, kHappy);
  EXPECT_FALSE(state.dissatisfied);
  EXPECT_EQ(state.closed_at, Local(2024, 5, 7, 10));
  EXPECT_FALSE(IsOverdue(state, Utc(2030, 1, 1)));
}

TEST(RecordAttempt, AnAnswerBelowTheThresholdMakesTheCustomerDissatisfied) {
  Survey survey = kHappy;
  survey.punctuality = 2;
  survey.no_extra_fee = 1;
  std::vector<CallbackEvent> events;
  const CallbackState given = DueCallback();
  const CallbackState state =
      Apply(given, Call(given, AttemptOutcome::kReached, survey), Local(2024, 5, 7, 10), &events);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_FALSE(std::get<CallbackReached>(events[1]).satisfied);  // intake does not close
  const auto& dissatisfied = std::get<CallbackDissatisfied>(events[2]);
  EXPECT_EQ(dissatisfied.low_questions, (std::vector<std::string>{"punctuality", "no_extra_fee"}));
  EXPECT_EQ(dissatisfied.lowest_answer, 1);
  EXPECT_EQ(dissatisfied.threshold, 3);
  EXPECT_EQ(dissatisfied.ticket_id, "ticket-1");
  EXPECT_EQ(dissatisfied.job_id, "job-1");
  EXPECT_EQ(dissatisfied.technician_id, "tech-7");
  EXPECT_TRUE(state.dissatisfied);
  EXPECT_EQ(state.status, CallbackStatus::kReached);  // still a valid callback
}

TEST(RecordAttempt, AnAnswerExactlyAtTheThresholdIsSatisfied) {
  Survey survey = kHappy;
  survey.attitude = 3;
  std::vector<CallbackEvent> events;
  const CallbackState given = DueCallback();
  Apply(given, Call(given, AttemptOutcome::kReached, survey), Local(2024, 5, 7, 10), &events);
  EXPECT_EQ(events.size(), 2u);
}

TEST(RecordAttempt, TheThresholdIsConfigurable) {
  CallbackPolicy policy;
  policy.dissatisfied_below = 5;  // anything but top marks
  std::vector<CallbackEvent> events;
  const CallbackState given = DueCallback();
  Apply(given, Call(given, AttemptOutcome::kReached, kHappy), Local(2024, 5, 7, 10), &events,
        policy);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_FALSE(std::get<CallbackReached>(events[1]).satisfied);
  EXPECT_EQ(std::get<CallbackDissatisfied>(events[2]).low_questions,
            std::vector<std::string>{"punctuality"});
}

TEST(RecordAttempt, ExclusionOutcomesCloseTheCallbackOutOfTheDenominator) {
  for (AttemptOutcome outcome : {AttemptOutcome::kWrongNumber, AttemptOutcome::kEmptyNumber,
                                 AttemptOutcome::kAssetTransferred}) {
    std::vector<CallbackEvent> events;
    const CallbackState given = DueCallback();
    const CallbackState state =
        Apply(given, Call(given, outcome), Local(2024, 5, 7, 10), &events);
    ASSERT_EQ(events.size(), 2u) << OutcomeName(outcome);
    EXPECT_EQ(std::get<CallbackExcluded>(events[1]).outcome, outcome);
    EXPECT_EQ(state.status, CallbackStatus::kExcluded);
    EXPECT_TRUE(IsExclusion(outcome));
    EXPECT_FALSE(IsRetryable(outcome));
  }
}

TEST(RecordAttempt, ARefusalFailsTheCallbackWithoutAFallbackText) {
  std::vector<CallbackEvent> events;
  const CallbackState given = DueCallback();
  const CallbackState state =
      Apply(given, Call(given, AttemptOutcome::kRefused), Local(2024, 5, 7, 10), &events);
  ASSERT_EQ(events.size(), 2u);
  const auto& failed = std::get<CallbackFailed>(events[1]);
  EXPECT_EQ(failed.reason, "refused");
  EXPECT_EQ(failed.fallback_text, "");
  EXPECT_NE(failed.failure_record.find("refused"), std::string::npos);
  EXPECT_EQ(state.status, CallbackStatus::kFailed);
}

TEST(RecordAttempt, ThreeFailedCallsInThreeSlotsExhaustTheRule) {
  CallbackState state = DueCallback();
  std::vector<CallbackEvent> events;
  state = Apply(state, Call(state, AttemptOutcome::kPoweredOff), Local(2024, 5, 7, 9), &events);
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(state.status, CallbackStatus::kDue);
  state = Apply(state, Call(state, AttemptOutcome::kNoAnswer), Local(2024, 5, 7, 14), &events);
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(state.status, CallbackStatus::kDue);
  state =
      Apply(state, Call(state, AttemptOutcome::kLineSuspended), Local(2024, 5, 8, 19), &events);
  ASSERT_EQ(events.size(), 2u);
  const auto& failed = std::get<CallbackFailed>(events[1]);
  EXPECT_EQ(failed.reason, "attempts_exhausted");
  EXPECT_EQ(failed.fallback_text, CallbackPolicy{}.fallback_text);
  EXPECT_NE(failed.failure_record.find("call 1"), std::string::npos);
  EXPECT_NE(failed.failure_record.find("(afternoon)"), std::string::npos);
  EXPECT_NE(failed.failure_record.find("call 3"), std::string::npos);
  EXPECT_NE(failed.failure_record.find("line suspended"), std::string::npos);
  EXPECT_EQ(state.status, CallbackStatus::kFailed);
  EXPECT_EQ(state.attempts.size(), 3u);
}

TEST(RecordAttempt, CallsInTheSameSlotDoNotExhaustTheRule) {
  CallbackState state = DueCallback();
  std::vector<CallbackEvent> events;
  state = Apply(state, Call(state, AttemptOutcome::kNoAnswer), Local(2024, 5, 7, 9), &events);
  state = Apply(state, Call(state, AttemptOutcome::kNoAnswer), Local(2024, 5, 7, 10), &events);
  state = Apply(state, Call(state, AttemptOutcome::kNoAnswer), Local(2024, 5, 8, 11), &events);
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(state.status, CallbackStatus::kDue);
  // The third different slot ends it.
  state = Apply(state, Call(state, AttemptOutcome::kNoAnswer), Local(2024, 5, 8, 13), &events);
  EXPECT_EQ(state.status, CallbackStatus::kDue);
  state = Apply(state, Call(state, AttemptOutcome::kNoAnswer), Local(2024, 5, 8, 20), &events);
  EXPECT_EQ(state.status, CallbackStatus::kFailed);
  EXPECT_EQ(state.attempts.size(), 5u);
}

TEST(RecordAttempt, ACallThreeDaysAfterTheFirstEndsTheRuleAtTheBoundary) {
  CallbackState state = DueCallback();
  std::vector<CallbackEvent> events;
  state = Apply(state, Call(state, AttemptOutcome::kNoAnswer), Local(2024, 12, 30, 9), &events);
  // 71h59m later: still inside the 3 days, across the year end.
  CallbackState inside = Apply(state, Call(state, AttemptOutcome::kNoAnswer),
                               Local(2025, 1, 2, 8, 59), &events);
  EXPECT_EQ(inside.status, CallbackStatus::kDue);
  // Exactly 72h later: the window is over.
  CallbackState at_end =
      Apply(state, Call(state, AttemptOutcome::kNoAnswer), Local(2025, 1, 2, 9, 0), &events);
  EXPECT_EQ(at_end.status, CallbackStatus::kFailed);
}

TEST(RecordAttempt, ReachingTheCustomerAfterFailedCallsStillCounts) {
  CallbackState state = DueCallback();
  state = Apply(state, Call(state, AttemptOutcome::kPoweredOff), Local(2024, 5, 7, 9));
  state = Apply(state, Call(state, AttemptOutcome::kNoAnswer), Local(2024, 5, 7, 14));
  state = Apply(state, Call(state, AttemptOutcome::kReached, kHappy), Local(2024, 5, 7, 19));
  EXPECT_EQ(state.status, CallbackStatus::kReached);
  EXPECT_EQ(state.attempts.size(), 3u);
  EXPECT_EQ(state.attempts[2].number, 3);
}

TEST(RecordAttempt, AClosedCallbackCannotBeCalledAgain) {
  CallbackState state = DueCallback();
  state = Apply(state, Call(state, AttemptOutcome::kReached, kHappy), Local(2024, 5, 7, 9));
  auto events = Decide(state, Call(state, AttemptOutcome::kNoAnswer), kAgent,
                       Local(2024, 5, 7, 10), CallbackPolicy{});
  EXPECT_EQ(events.status().code(), absl::StatusCode::kFailedPrecondition);
  auto assign =
      Decide(state, AssignCallback{.callback_id = state.callback_id, .agent_id = "x"}, kNow);
  EXPECT_EQ(assign.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RecordAttempt, AnUnspecifiedOutcomeIsInvalid) {
  const CallbackState given = DueCallback();
  auto events = Decide(given, Call(given, AttemptOutcome::kUnspecified), kAgent, kNow,
                       CallbackPolicy{});
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(events.status()), "outcome");
}

TEST(RecordAttempt, ReachedWithoutASurveyIsInvalid) {
  const CallbackState given = DueCallback();
  auto events =
      Decide(given, Call(given, AttemptOutcome::kReached), kAgent, kNow, CallbackPolicy{});
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(events.status()), "survey");
}

TEST(RecordAttempt, ASurveyWithoutReachingTheCustomerIsInvalid) {
  const CallbackState given = DueCallback();
  auto events = Decide(given, Call(given, AttemptOutcome::kNoAnswer, kHappy), kAgent, kNow,
                       CallbackPolicy{});
  EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(events.status()), "survey");
}

TEST(RecordAttempt, EachSurveyAnswerMustBeFromOneToFive) {
  const CallbackState given = DueCallback();
  const std::vector<std::pair<std::string, int Survey::*>> questions = {
      {"attitude", &Survey::attitude},       {"quality", &Survey::quality},
      {"fixed", &Survey::fixed},             {"punctuality", &Survey::punctuality},
      {"respect_for_property", &Survey::respect_for_property},
      {"no_extra_fee", &Survey::no_extra_fee}};
  for (const auto& [name, member] : questions) {
    for (int bad : {0, 6}) {
      Survey survey = kHappy;
      survey.*member = bad;
      auto events = Decide(given, Call(given, AttemptOutcome::kReached, survey), kAgent, kNow,
                           CallbackPolicy{});
      EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument) << name << bad;
      EXPECT_EQ(FieldOf(events.status()), "survey." + name);
    }
    Survey edge = kHappy;
    edge.*member = 1;
    EXPECT_TRUE(Decide(given, Call(given, AttemptOutcome::kReached, edge), kAgent, kNow,
                       CallbackPolicy{})
                    .ok());
  }
}

TEST(RecordAttempt, AnUnknownCallbackIsNotFound) {
  auto events = Decide(CallbackState{},
                       RecordCallbackAttempt{.callback_id = "cb-x",
                                             .outcome = AttemptOutcome::kNoAnswer},
                       kAgent, kNow, CallbackPolicy{});
  EXPECT_EQ(events.status().code(), absl::StatusCode::kNotFound);
}

TEST(RecordAttempt, AStaleExpectedVersionIsAConflict) {
  const CallbackState given = DueCallback();
  auto command = Call(given, AttemptOutcome::kNoAnswer);
  command.expected_version = 2;
  auto events = Decide(given, command, kAgent, kNow, CallbackPolicy{});
  EXPECT_EQ(events.status().code(), absl::StatusCode::kAborted);
}

}  // namespace
}  // namespace fieldline::callbacks
