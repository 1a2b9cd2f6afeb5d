// DOMAIN.md §5 KPIs: the worked example, every formula and its boundaries.

#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/callbacks/domain/early_warning.h"
#include "services/callbacks/domain/kpis.h"
#include "services/callbacks/domain/monthly_report.h"
#include "services/common/core/errors.h"

namespace fieldline::callbacks {
namespace {

const absl::TimeZone kZone = absl::FixedTimeZone(8 * 3600);

absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), kZone);
}

Period Month(int y, int m) { return *MakePeriod(PeriodKind::kMonth, y, m, kZone); }
Period Quarter(int y, int q) { return *MakePeriod(PeriodKind::kQuarter, y, q, kZone); }
Period Year(int y) { return *MakePeriod(PeriodKind::kYear, y, 0, kZone); }

// --- periods ---

TEST(KpiPeriods, AMonthStartsAtLocalMidnightAndEndsBeforeTheNextMonth) {
  const Period p = Month(2024, 2);
  EXPECT_EQ(p.start, Local(2024, 2, 1));
  EXPECT_EQ(p.end, Local(2024, 3, 1));
  EXPECT_EQ(p.months, 1);
  EXPECT_TRUE(p.Contains(Local(2024, 2, 29, 23, 59, 59)));
  EXPECT_FALSE(p.Contains(Local(2024, 3, 1)));
  EXPECT_FALSE(p.Contains(Local(2024, 1, 31, 23, 59, 59)));
  // 2024-02-01 00:00 in Qingdao is still January in UTC.
  EXPECT_TRUE(p.Contains(absl::FromCivil(absl::CivilMinute(2024, 1, 31, 16, 0),
                                         absl::UTCTimeZone())));
}

TEST(KpiPeriods, QuartersAndYears) {
  EXPECT_EQ(Quarter(2024, 4).start, Local(2024, 10, 1));
  EXPECT_EQ(Quarter(2024, 4).end, Local(2025, 1, 1));
  EXPECT_EQ(Quarter(2024, 4).months, 3);
  EXPECT_EQ(Year(2024).start, Local(2024, 1, 1));
  EXPECT_EQ(Year(2024).end, Local(2025, 1, 1));
  EXPECT_EQ(Year(2024).months, 12);
}

TEST(KpiPeriods, ABadMonthOrQuarterNamesTheNumber) {
  for (auto [kind, number] : std::vector<std::pair<PeriodKind, int>>{
           {PeriodKind::kMonth, 0}, {PeriodKind::kMonth, 13}, {PeriodKind::kQuarter, 0},
           {PeriodKind::kQuarter, 5}}) {
    auto p = MakePeriod(kind, 2024, number, kZone);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << number;
    EXPECT_EQ(FieldOf(p.status()), "number");
  }
  EXPECT_EQ(FieldOf(MakePeriod(PeriodKind::kYear, 0, 0, kZone).status()), "year");
}

TEST(KpiPeriods, RollingSixMonthsIncludesTheCurrentMonth) {
  // June = Jan–Jun; July = Feb–Jul (DOMAIN §5).
  EXPECT_EQ(RollingSixMonths(2024, 6, kZone)->start, Local(2024, 1, 1));
  EXPECT_EQ(RollingSixMonths(2024, 6, kZone)->end, Local(2024, 7, 1));
  EXPECT_EQ(RollingSixMonths(2024, 7, kZone)->start, Local(2024, 2, 1));
  EXPECT_EQ(RollingSixMonths(2024, 7, kZone)->end, Local(2024, 8, 1));
}

TEST(KpiPeriods, RollingSixMonthsAcrossTheYearEnd) {
  const Period p = *RollingSixMonths(2025, 2, kZone);
  EXPECT_EQ(p.start, Local(2024, 9, 1));
  EXPECT_EQ(p.end, Local(2025, 3, 1));
  EXPECT_EQ(p.months, 6);
  EXPECT_EQ(FieldOf(RollingSixMonths(2025, 13, kZone).status()), "number");
}

// --- ratio and completion ---

TEST(KpiRatio, AnEmptyDenominatorHasNoPercent) {
  EXPECT_FALSE((Ratio{0, 0}.Percent().has_value()));
  EXPECT_DOUBLE_EQ(*(Ratio{3, 4}.Percent()), 75.0);
}

TEST(KpiCompletion, CompletionIsActualOverTargetAndNotCapped) {
  EXPECT_DOUBLE_EQ(Completion(96, 96), 100);
  EXPECT_DOUBLE_EQ(Completion(100, 80), 125);
  EXPECT_DOUBLE_EQ(Completion(48, 96), 50);
}

// --- callback success ---

CallbackFact Fact(std::string agent, absl::Time owed, CallbackResult result) {
  static int n = 0;
  return CallbackFact{.callback_id = "cb-" + std::to_string(++n),
                      .agent_id = std::move(agent),
                      .owed_from = owed,
                      .result = result};
}

TEST(CallbackSuccessRate, ExclusionsLeaveTheDenominatorFailuresStay) {
  const absl::Time may = Local(2024, 5, 10);
  const std::vector<CallbackFact> facts = {
      Fact("a", may, CallbackResult::kValid),    Fact("a", may, CallbackResult::kValid),
      Fact("a", may, CallbackResult::kValid),    Fact("a", may, CallbackResult::kNotValid),
      Fact("a", may, CallbackResult::kExcluded), Fact("a", may, CallbackResult::kExcluded),
      Fact("a", may, CallbackResult::kOpen)};
  const CallbackSuccess s = ComputeCallbackSuccess(facts, Month(2024, 5), {});
  EXPECT_EQ(s.rate, (Ratio{3, 5}));
  EXPECT_EQ(s.excluded, 2);
  EXPECT_EQ(s.open, 1);
  EXPECT_DOUBLE_EQ(*s.rate.Percent(), 60.0);
}

TEST(CallbackSuccessRate, OnlyCallbacksOwedInThePeriodCount) {
  const std::vector<CallbackFact> facts = {
      Fact("a", Local(2024, 4, 30, 23, 59, 59), CallbackResult::kValid),
      Fact("a", Local(2024, 5, 1), CallbackResult::kValid),
      Fact("a", Local(2024, 5, 31, 23, 59, 59), CallbackResult::kNotValid),
      Fact("a", Local(2024, 6, 1), CallbackResult::kNotValid)};
  EXPECT_EQ(ComputeCallbackSuccess(facts, Month(2024, 5), {}).rate, (Ratio{1, 2}));
}

TEST(CallbackSuccessRate, PerAgentPerTeamAndCompany) {
  const absl::Time t = Local(2024, 5, 10);
  const std::vector<CallbackFact> facts = {
      Fact("a", t, CallbackResult::kValid), Fact("a", t, CallbackResult::kNotValid),
      Fact("b", t, CallbackResult::kValid), Fact("c", t, CallbackResult::kNotValid),
      Fact("", t, CallbackResult::kOpen)};
  EXPECT_EQ(ComputeCallbackSuccess(facts, Month(2024, 5), {"a"}).rate, (Ratio{1, 2}));
  EXPECT_EQ(ComputeCallbackSuccess(facts, Month(2024, 5), {"a", "b"}).rate, (Ratio{2, 3}));
  EXPECT_EQ(ComputeCallbackSuccess(facts, Month(2024, 5), {}).rate, (Ratio{2, 5}));
}

TEST(CallbackSuccessRate, AYearWindowAcrossTheYearEnd) {
  const std::vector<CallbackFact> facts = {
      Fact("a", Local(2024, 12, 31, 23, 59, 59), CallbackResult::kValid),
      Fact("a", Local(2025, 1, 1), CallbackResult::kValid)};
  EXPECT_EQ(ComputeCallbackSuccess(facts, Year(2024), {}).rate, (Ratio{1, 1}));
  EXPECT_EQ(ComputeCallbackSuccess(facts, Year(2025), {}).rate, (Ratio{1, 1}));
  EXPECT_EQ(ComputeCallbackSuccess(facts, Quarter(2024, 4), {}).rate, (Ratio{1, 1}));
}

TEST(CallbackSuccessRate, OnlyExclusionsGiveNoRate) {
  const std::vector<CallbackFact> facts = {
      Fact("a", Local(2024, 5, 1), CallbackResult::kExcluded)};
  const CallbackSuccess s = ComputeCallbackSuccess(facts, Month(2024, 5), {});
  EXPECT_EQ(s.rate, (Ratio{0, 0}));
  EXPECT_FALSE(s.rate.Percent().has_value());
}

// --- complaint handling ---

TEST(ComplaintHandlingRate, ClosedBeforeThePeriodEndsCounts) {
  const std::vector<ComplaintFact> facts = {
      {.registered_at = Local(2024, 5, 2), .closed_at = Local(2024, 5, 20)},
      {.registered_at = Local(2024, 5, 3), .closed_at = Local(2024, 6, 1)},  // closed after
      {.registered_at = Local(2024, 5, 4)},                                   // still open
      {.registered_at = Local(2024, 4, 30), .closed_at = Local(2024, 5, 1)},  // other period
  };
  EXPECT_EQ(ComplaintHandling(facts, Month(2024, 5)), (Ratio{1, 3}));
  EXPECT_EQ(ComplaintHandling(facts, Quarter(2024, 2)), (Ratio{3, 4}));
}

// --- maintenance arrival ---

TEST(MaintenanceArrivalRate, DistinctCustomersOverTheRollingWindow) {
  const Period june = *RollingSixMonths(2024, 6, kZone);
  const std::vector<MaintenanceFact> facts = {
      {.customer_id = "c1", .due_at = Local(2024, 1, 5), .came_in_at = Local(2024, 1, 9)},
      {.customer_id = "c1", .due_at = Local(2024, 4, 5)},  // same customer, came in before
      {.customer_id = "c2", .due_at = Local(2024, 6, 30)},
      {.customer_id = "c3", .due_at = Local(2023, 12, 31), .came_in_at = Local(2024, 1, 2)},
      {.customer_id = "c4", .due_at = Local(2024, 6, 1), .came_in_at = Local(2024, 7, 1)},
  };
  EXPECT_EQ(MaintenanceArrival(facts, june), (Ratio{1, 3}));
}

// --- care ---

TEST(ClubEvents, ExactlyEightUnitsAndSixteenPeopleWithEverythingFiledIsValid) {
  ClubEvent e{.units = 8, .people = 16, .attendee_list_filed = true, .summary_filed = true,
              .display_board_filed = true};
  EXPECT_TRUE(IsValidClubEvent(e));
  ClubEvent fewer_units = e;
  fewer_units.units = 7;
  EXPECT_FALSE(IsValidClubEvent(fewer_units));
  ClubEvent fewer_people = e;
  fewer_people.people = 15;
  EXPECT_FALSE(IsValidClubEvent(fewer_people));
  for (bool ClubEvent::*filed : {&ClubEvent::attendee_list_filed, &ClubEvent::summary_filed,
                                 &ClubEvent::display_board_filed}) {
    ClubEvent missing = e;
    missing.*filed = false;
    EXPECT_FALSE(IsValidClubEvent(missing));
  }
  EXPECT_FALSE(IsValidClubEvent(e, ClubEventRule{.min_units = 9, .min_people = 16}));
}

TEST(CareRateKpi, GreetingsCountOnlyDeliveredGreetingKindsAndHomeVisitsTimesTen) {
  CareInputs in;
  const absl::Time t = Local(2024, 5, 10);
  in.messages = {{MessageKind::kBirthday, t, true},   {MessageKind::kInspection, t, true},
                 {MessageKind::kLicence, t, true},    {MessageKind::kCare, t, true},
                 {MessageKind::kCare, t, false},      // failed delivery
                 {MessageKind::kHoliday, t, true},    {MessageKind::kWeather, t, true},
                 {MessageKind::kEvent, t, true},
                 {MessageKind::kBirthday, Local(2024, 6, 1), true}};  // next month
  in.home_visits = 6;
  const CareRate rate = ComputeCareRate(in, Month(2024, 5));
  EXPECT_DOUBLE_EQ(rate.greetings_completion, 100.0 * (4 + 60) / 1000);
}

TEST(CareRateKpi, WeightedSumOfTheFourParts) {
  CareInputs in;
  const ClubEvent valid{.units = 10, .people = 20, .attendee_list_filed = true,
                        .summary_filed = true, .display_board_filed = true};
  const ClubEvent invalid{.units = 10, .people = 12};
  in.club_events = {valid, invalid};
  in.home_visits = 100;          // 1000 points = the task
  in.website_updates = 45;      // 15 a month × 3 months = the task
  in.lounge_satisfaction_percent = 90;
  const CareRate rate = ComputeCareRate(in, Quarter(2024, 2));
  EXPECT_DOUBLE_EQ(rate.club_completion, 100);
  EXPECT_DOUBLE_EQ(rate.greetings_completion, 100);
  EXPECT_DOUBLE_EQ(rate.website_completion, 100);
  EXPECT_DOUBLE_EQ(rate.value, 100 * 0.3 + 100 * 0.3 + 100 * 0.2 + 90 * 0.2);
}

TEST(CareRateKpi, AYearNeedsFourClubEventsAndOneHundredEightyUpdates) {
  CareInputs in;
  const ClubEvent valid{.units = 8, .people = 16, .attendee_list_filed = true,
                        .summary_filed = true, .display_board_filed = true};
  in.club_events = {valid, valid};
  in.website_updates = 90;
  const CareRate rate = ComputeCareRate(in, Year(2024));
  EXPECT_DOUBLE_EQ(rate.club_completion, 50);
  EXPECT_DOUBLE_EQ(rate.website_completion, 50);
}

// --- composite ---

TEST(CompositeKpi, TheWorkedExampleOfDomainIs86Point175) {
  const CompositeResult r = ComputeComposite(CompositeInputs{
      .profit = 90, .callback = 100, .maintenance = 100, .complaint = 90, .care = 90});
  EXPECT_NEAR(r.inner, 85.5, 1e-9);
  EXPECT_NEAR(r.value, 86.175, 1e-9);
}

TEST(CompositeKpi, TheLiteralDefaultWeightsWarnThatTheInnerWeightsSumTo90) {
  const CompositeResult r = ComputeComposite(CompositeInputs{});
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("sum to 90 %"), std::string::npos) << r.warnings[0];
}

TEST(CompositeKpi, WeightsSummingTo100GiveNoWarning) {
  CompositeWeights w;
  w.care = 40;
  const CompositeResult r = ComputeComposite(
      CompositeInputs{.profit = 100, .callback = 100, .maintenance = 100, .complaint = 100,
                      .care = 100},
      w);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_NEAR(r.value, 100, 1e-9);
}

TEST(CompositeKpi, OuterWeightsNotSummingTo100AlsoWarn) {
  CompositeWeights w;
  w.care = 40;
  w.profit = 20;
  const CompositeResult r = ComputeComposite(CompositeInputs{}, w);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("outer"), std::string::npos);
}

TEST(CompositeKpi, ValuesAreNotCapped) {
  const CompositeResult r = ComputeComposite(CompositeInputs{
      .profit = 200, .callback = 100, .maintenance = 100, .complaint = 100, .care = 100});
  EXPECT_NEAR(r.value, 200 * 0.15 + 90 * 0.85, 1e-9);
}

TEST(ProfitCompletionKpi, SumOfActualsOverSumOfTargets) {
  EXPECT_NEAR(*ProfitCompletion({{90'000, 100'000}, {0, 50'000}, {60'000, 50'000}}),
              100.0 * 150'000 / 200'000, 1e-12);
  EXPECT_FALSE(ProfitCompletion({{10, 0}}).has_value());
}

// --- field service ---

JobFact Job(std::string id, std::string ticket, std::string tech, std::string customer,
            absl::Time opened, absl::Time completed, std::string category = "fridge") {
  return JobFact{.job_id = std::move(id), .ticket_id = std::move(ticket),
                 .technician_id = std::move(tech), .customer_id = std::move(customer),
                 .category = std::move(category), .opened_at = opened,
                 .completed_at = completed};
}

TEST(FieldServiceKpisTest, ARepeatVisitWithin30DaysCountsAgainstTheOriginalTechnician) {
  const std::vector<JobFact> jobs = {
      Job("j1", "t1", "T01", "c1", Local(2024, 5, 1), Local(2024, 5, 2)),
      // same customer and category, opened exactly 30 days after j1's completion
      Job("j2", "t2", "T02", "c1", Local(2024, 6, 1), Local(2024, 6, 2)),
      Job("j3", "t3", "T01", "c2", Local(2024, 5, 3), Local(2024, 5, 4)),
  };
  const FieldServiceKpis t01 = ComputeFieldServiceKpis(jobs, Month(2024, 5), "T01");
  EXPECT_EQ(t01.repeat_visits, (Ratio{1, 2}));
  EXPECT_EQ(t01.first_time_fix, (Ratio{1, 2}));
  const FieldServiceKpis t02 = ComputeFieldServiceKpis(jobs, Month(2024, 6), "T02");
  EXPECT_EQ(t02.repeat_visits, (Ratio{0, 1}));
}

TEST(FieldServiceKpisTest, RepeatWindowBoundaries) {
  const JobFact original = Job("j1", "t1", "T01", "c1", Local(2024, 5, 1), Local(2024, 5, 2));
  const absl::Duration window = absl::Hours(24 * 30);
  EXPECT_TRUE(IsRepeatVisitOf(
      Job("j2", "t2", "T02", "c1", Local(2024, 6, 1), Local(2024, 6, 2)), original, window));
  EXPECT_FALSE(IsRepeatVisitOf(
      Job("j2", "t2", "T02", "c1", Local(2024, 6, 1, 0, 0, 1), Local(2024, 6, 2)), original,
      window));
  EXPECT_FALSE(IsRepeatVisitOf(
      Job("j2", "t2", "T02", "c1", Local(2024, 5, 10), Local(2024, 5, 11), "washer"), original,
      window));
  EXPECT_FALSE(IsRepeatVisitOf(
      Job("j2", "t2", "T02", "c9", Local(2024, 5, 10), Local(2024, 5, 11)), original, window));
  // A second job on the same ticket is a repeat whatever the customer data.
  EXPECT_TRUE(IsRepeatVisitOf(Job("j2", "t1", "T02", "", absl::InfinitePast(), Local(2024, 5, 3)),
                              original, window));
  // A ticket opened before the original was completed is not a repeat.
  EXPECT_FALSE(IsRepeatVisitOf(
      Job("j2", "t2", "T02", "c1", Local(2024, 5, 1, 12), Local(2024, 5, 5)), original, window));
}

TEST(FieldServiceKpisTest, ARepeatAcrossTheYearEndIsStillAttributed) {
  const std::vector<JobFact> jobs = {
      Job("j1", "t1", "T01", "c1", Local(2024, 12, 20), Local(2024, 12, 28)),
      Job("j2", "t2", "T02", "c1", Local(2025, 1, 15), Local(2025, 1, 16)),
  };
  EXPECT_EQ(ComputeFieldServiceKpis(jobs, Year(2024), "T01").repeat_visits, (Ratio{1, 1}));
  EXPECT_EQ(ComputeFieldServiceKpis(jobs, Year(2024), "").first_time_fix, (Ratio{0, 1}));
  EXPECT_EQ(ComputeFieldServiceKpis(jobs, Year(2025), "").first_time_fix, (Ratio{1, 1}));
}

TEST(FieldServiceKpisTest, MeanTimeToRepairFromTicketOpeningToCompletion) {
  const std::vector<JobFact> jobs = {
      Job("j1", "t1", "T01", "c1", Local(2024, 5, 1, 8), Local(2024, 5, 1, 12)),
      Job("j2", "t2", "T01", "c2", Local(2024, 5, 2, 8), Local(2024, 5, 3, 2)),
      Job("j3", "t3", "T01", "c3", absl::InfinitePast(), Local(2024, 5, 3)),  // unknown opening
  };
  const FieldServiceKpis k = ComputeFieldServiceKpis(jobs, Month(2024, 5), "");
  ASSERT_TRUE(k.mean_time_to_repair.has_value());
  EXPECT_EQ(*k.mean_time_to_repair, absl::Hours(11));
  EXPECT_FALSE(ComputeFieldServiceKpis(jobs, Month(2024, 6), "").mean_time_to_repair.has_value());
}

TEST(FieldServiceKpisTest, TwoJobsOnOneTicketAreNotAFirstTimeFix) {
  const std::vector<JobFact> jobs = {
      Job("j1", "t1", "T01", "c1", Local(2024, 5, 1), Local(2024, 5, 2)),
      Job("j2", "t1", "T01", "c1", Local(2024, 5, 1), Local(2024, 5, 4)),
  };
  EXPECT_EQ(ComputeFieldServiceKpis(jobs, Month(2024, 5), "").first_time_fix, (Ratio{0, 2}));
}

// --- session 3: parts fill by job, complaints over time, SLA, churn, early warning, report ---

TEST(FieldServiceKpisTest, PartsFillCountsJobsThatNeverWaitedForParts) {
  std::vector<JobFact> jobs{
      {.job_id = "j1", .ticket_id = "t1", .technician_id = "a", .completed_at = Local(2024, 3, 2)},
      {.job_id = "j2", .ticket_id = "t2", .technician_id = "a", .completed_at = Local(2024, 3, 3),
       .waited_for_parts = true},
      {.job_id = "j3", .ticket_id = "t3", .technician_id = "b", .completed_at = Local(2024, 3, 4)},
      // Completed the month after: not in March's figure.
      {.job_id = "j4", .ticket_id = "t4", .technician_id = "a", .completed_at = Local(2024, 4, 1),
       .waited_for_parts = true}};
  EXPECT_EQ(ComputeFieldServiceKpis(jobs, Month(2024, 3), "").parts_fill_jobs, (Ratio{2, 3}));
  EXPECT_EQ(ComputeFieldServiceKpis(jobs, Month(2024, 3), "a").parts_fill_jobs, (Ratio{1, 2}));
  EXPECT_EQ(ComputeFieldServiceKpis(jobs, Month(2024, 4), "").parts_fill_jobs, (Ratio{0, 1}));
}

TEST(ComplaintHistoryTest, AReopenAfterThePeriodDoesNotUndoItsClose) {
  const std::vector<ComplaintChange> changes{{Local(2024, 3, 10), true},
                                             {Local(2024, 4, 2), false},
                                             {Local(2024, 4, 20), true}};
  EXPECT_EQ(ClosedAsOf(changes, Local(2024, 4, 1)), Local(2024, 3, 10));
  EXPECT_EQ(ClosedAsOf(changes, Local(2024, 4, 10)), absl::InfinitePast());
  EXPECT_EQ(ClosedAsOf(changes, Local(2024, 5, 1)), Local(2024, 4, 20));
  // A close exactly at the end of the period is after it (the end is exclusive).
  EXPECT_EQ(ClosedAsOf(changes, Local(2024, 3, 10)), absl::InfinitePast());
  // Heard out of order: sorted by time.
  EXPECT_EQ(ClosedAsOf({{Local(2024, 4, 2), false}, {Local(2024, 3, 10), true}},
                       Local(2024, 5, 1)),
            absl::InfinitePast());
}

TEST(ComplaintHistoryTest, HandlingRateOverTheMonthWithReopens) {
  const Period march = Month(2024, 3);
  std::vector<ComplaintFact> facts{
      {.registered_at = Local(2024, 3, 1), .closed_at = ClosedAsOf({{Local(2024, 3, 5), true}},
                                                                    march.end)},
      {.registered_at = Local(2024, 3, 2),
       .closed_at = ClosedAsOf({{Local(2024, 3, 5), true}, {Local(2024, 3, 6), false}}, march.end)},
      {.registered_at = Local(2024, 3, 31, 23, 59), .closed_at = absl::InfinitePast()},
      {.registered_at = Local(2024, 4, 1), .closed_at = Local(2024, 4, 1, 1)}};
  EXPECT_EQ(ComplaintHandling(facts, march), (Ratio{1, 3}));
}

SlaClockOutcome SlaClock(const std::string& ticket, const std::string& clock, absl::Time stopped,
                      bool breached = false, absl::Time due = absl::InfinitePast(),
                      const std::string& tech = "tech-1") {
  return SlaClockOutcome{.ticket_id = ticket, .clock = clock, .technician_id = tech,
                         .stopped_at = stopped, .breached = breached, .due_at = due};
}

TEST(SlaAttainmentTest, MetOverSettledPerPromise) {
  const std::vector<SlaClockOutcome> clocks{
      SlaClock("t1", "response", Local(2024, 3, 1, 10)),
      SlaClock("t1", "on_site", Local(2024, 3, 2, 10)),
      SlaClock("t1", "resolution", Local(2024, 3, 3, 10)),
      // Breached and stopped later: counts as missed, in the period of its due time.
      SlaClock("t2", "on_site", Local(2024, 4, 2), true, Local(2024, 3, 31, 23, 0)),
      // Breached and still running: missed at its due time.
      SlaClock("t3", "resolution", absl::InfinitePast(), true, Local(2024, 3, 20)),
      // Still running, not breached: not settled, counts nowhere.
      SlaClock("t4", "resolution", absl::InfinitePast()),
      // Stopped on time but in April.
      SlaClock("t5", "response", Local(2024, 4, 1)),
  };
  const SlaAttainment march = ComputeSlaAttainment(clocks, Month(2024, 3), "");
  EXPECT_EQ(march.response, (Ratio{1, 1}));
  EXPECT_EQ(march.on_site, (Ratio{1, 2}));
  EXPECT_EQ(march.resolution, (Ratio{1, 2}));
  const SlaAttainment april = ComputeSlaAttainment(clocks, Month(2024, 4), "");
  EXPECT_EQ(april.response, (Ratio{1, 1}));
  EXPECT_EQ(april.on_site, (Ratio{0, 0}));
  EXPECT_EQ(SettledAt(clocks[3]), Local(2024, 3, 31, 23, 0));
  EXPECT_EQ(SettledAt(clocks[5]), absl::InfinitePast());
}

TEST(SlaAttainmentTest, PerTechnicianOnSiteAndResolutionOnly) {
  const std::vector<SlaClockOutcome> clocks{
      SlaClock("t1", "response", Local(2024, 3, 1), false, absl::InfinitePast(), "tech-1"),
      SlaClock("t1", "on_site", Local(2024, 3, 2), false, absl::InfinitePast(), "tech-1"),
      SlaClock("t2", "on_site", Local(2024, 3, 2), true, Local(2024, 3, 1), "tech-2"),
      SlaClock("t3", "resolution", Local(2024, 3, 5), true, Local(2024, 3, 4), "tech-1")};
  const SlaAttainment one = ComputeSlaAttainment(clocks, Month(2024, 3), "tech-1");
  EXPECT_EQ(one.response, (Ratio{0, 0}));  // the dispatch desk's promise, not a technician's
  EXPECT_EQ(one.on_site, (Ratio{1, 1}));
  EXPECT_EQ(one.resolution, (Ratio{0, 1}));
  EXPECT_EQ(ComputeSlaAttainment(clocks, Month(2024, 3), "tech-2").on_site, (Ratio{0, 1}));
}

TEST(SlaAttainmentTest, AClockSettledExactlyAtThePeriodStartCountsInIt) {
  const std::vector<SlaClockOutcome> clocks{SlaClock("t1", "on_site", Local(2024, 1, 1)),
                                            SlaClock("t2", "on_site", Local(2023, 12, 31, 23, 59, 59))};
  EXPECT_EQ(ComputeSlaAttainment(clocks, Year(2024), "").on_site, (Ratio{1, 1}));
  EXPECT_EQ(ComputeSlaAttainment(clocks, Month(2023, 12), "").on_site, (Ratio{1, 1}));
}

TEST(ChurnTest, NoVisitIn90To360DaysBoundariesIncluded) {
  const absl::Time as_of = Local(2025, 1, 1);  // the end of December 2024
  const absl::Duration day = absl::Hours(24);
  const std::vector<VisitFact> visits{
      {"exactly-90", as_of - 90 * day},
      {"89-days", as_of - 89 * day},
      {"exactly-360", as_of - 360 * day},
      {"361-days", as_of - 361 * day},  // lost long ago: out of the denominator too
      {"back-again", as_of - 200 * day},
      {"back-again", as_of - 10 * day},  // the last visit counts
      {"", as_of - 100 * day},           // unknown customer: not counted
      {"after", as_of},                  // at the end: after it
  };
  const Ratio churn = ComputeChurn(visits, as_of);
  EXPECT_EQ(churn, (Ratio{2, 4}));  // exactly-90 and exactly-360 of four customers
  EXPECT_EQ(ComputeChurn(visits, as_of, ChurnPolicy{.min_gap = 30 * day, .max_gap = 90 * day}),
            (Ratio{2, 3}));  // exactly-90 and 89-days lost; back-again (10 days) is not
}

// --- early warning ---

TEST(EarlyWarningTest, PeriodsAcrossTheYearEnd) {
  const LabelledPeriod dec = PeriodContaining(PeriodKind::kMonth, Local(2024, 12, 31, 23, 59), kZone);
  EXPECT_EQ(dec.label, "2024-12");
  EXPECT_EQ(dec.period, Month(2024, 12));
  const LabelledPeriod jan = PeriodContaining(PeriodKind::kMonth, Local(2025, 1, 1), kZone);
  EXPECT_EQ(jan.label, "2025-01");
  const LabelledPeriod q4 = PeriodContaining(PeriodKind::kQuarter, Local(2024, 11, 15), kZone);
  EXPECT_EQ(q4.label, "2024-Q4");
  EXPECT_EQ(q4.period, Quarter(2024, 4));
  const LabelledPeriod y = PeriodContaining(PeriodKind::kYear, Local(2025, 1, 1), kZone);
  EXPECT_EQ(y.label, "2025");
  EXPECT_EQ(y.period, Year(2025));
  EXPECT_NE(EarlyWarningIdFor("M", "leak", dec), EarlyWarningIdFor("M", "leak", jan));
  EXPECT_NE(EarlyWarningIdFor("M a", "leak", dec), EarlyWarningIdFor("M", "a leak", dec));
  EXPECT_EQ(EarlyWarningIdFor("M", "leak", dec),
            EarlyWarningIdFor("M", "leak",
                              PeriodContaining(PeriodKind::kMonth, Local(2024, 12, 1), kZone)));
}

CountFault Count(PeriodKind kind, std::vector<std::string> tickets) {
  return CountFault{.product_model = "WM-100",
                    .category = "leak",
                    .period = PeriodContaining(kind, Local(2024, 3, 5), kZone),
                    .ticket_ids = std::move(tickets),
                    .opened_at = Local(2024, 3, 5)};
}

TEST(EarlyWarningTest, RaisedExactlyAtTheThresholdAndOnce) {
  const EarlyWarningPolicy policy{.per_month = 3, .per_quarter = 5, .per_year = 12};
  EarlyWarningState state;
  auto below = Decide(state, Count(PeriodKind::kMonth, {"t1", "t2"}), policy);
  ASSERT_TRUE(below.ok()) << below.status();
  EXPECT_TRUE(below->empty());
  auto at = Decide(state, Count(PeriodKind::kMonth, {"t1", "t2", "t3"}), policy);
  ASSERT_TRUE(at.ok()) << at.status();
  ASSERT_EQ(at->size(), 1u);
  const EarlyWarningRaised& raised = at->front();
  EXPECT_EQ(raised.count, 3);
  EXPECT_EQ(raised.threshold, 3);
  EXPECT_EQ(raised.ticket_ids, (std::vector<std::string>{"t1", "t2", "t3"}));
  EXPECT_EQ(raised.period.label, "2024-03");
  EXPECT_EQ(raised.raised_at, Local(2024, 3, 5));
  EXPECT_EQ(raised.warning_id, EarlyWarningIdFor("WM-100", "leak", raised.period));
  state = Evolve(state, raised);
  EXPECT_TRUE(state.raised);
  auto again = Decide(state, Count(PeriodKind::kMonth, {"t1", "t2", "t3", "t4"}), policy);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  // The quarter has its own threshold.
  auto quarter = Decide(EarlyWarningState{}, Count(PeriodKind::kQuarter, {"t1", "t2", "t3"}),
                        policy);
  ASSERT_TRUE(quarter.ok());
  EXPECT_TRUE(quarter->empty());
  auto quarter5 = Decide(EarlyWarningState{},
                         Count(PeriodKind::kQuarter, {"t1", "t2", "t3", "t4", "t5"}), policy);
  ASSERT_TRUE(quarter5.ok());
  ASSERT_EQ(quarter5->size(), 1u);
  EXPECT_EQ(quarter5->front().period.label, "2024-Q1");
}

TEST(EarlyWarningTest, ModelAndCategoryAreRequired) {
  CountFault no_model = Count(PeriodKind::kMonth, {"t1", "t2", "t3"});
  no_model.product_model.clear();
  auto a = Decide(EarlyWarningState{}, no_model, EarlyWarningPolicy{});
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(a.status()), "product_model");
  CountFault no_category = Count(PeriodKind::kMonth, {"t1", "t2", "t3"});
  no_category.category.clear();
  auto b = Decide(EarlyWarningState{}, no_category, EarlyWarningPolicy{});
  EXPECT_EQ(FieldOf(b.status()), "category");
}

// --- the monthly report's details ---

TEST(MonthlyReportDetailsTest, JsonAndCsvCarryEveryKpiPerScope) {
  MonthlyReport r;
  r.month = absl::CivilMonth(2024, 12);
  r.callback_success = Ratio{1, 2};
  ReportDetails d;
  d.on_time_arrival = Ratio{3, 4};
  d.parts_fill_jobs = Ratio{1, 1};
  d.complaint_handling = Ratio{1, 2};
  d.complaint_completion = 50.0;
  d.sla_on_site = Ratio{2, 3};
  d.churn = Ratio{1, 10};
  d.early_warnings.push_back(ReportedWarning{.product_model = "WM-100", .category = "leak",
                                             .period_kind = "month", .period = "2024-12",
                                             .count = 3, .threshold = 3});
  d.agents.push_back(ScopeKpis{.kind = "agent", .name = "care-1", .callback_success = {1, 1},
                               .callback_completion = 100.0 / 96 * 100});
  d.teams.push_back(ScopeKpis{.kind = "team", .name = "north", .members = {"care-1", "care-2"},
                              .callback_success = {1, 2}});
  d.technicians.push_back(ScopeKpis{.kind = "technician", .name = "tech-7",
                                    .first_time_fix = {1, 1}, .mean_time_to_repair_hours = 5.5});
  r.details = d;
  const std::string json = ToJson(r);
  for (const char* part : {
           "\"on_time_arrival\":{\"numerator\":3,\"denominator\":4,\"percent\":75.00}",
           "\"complaint_completion\":50.00",
           "\"sla\":{\"response\":{\"numerator\":0,\"denominator\":0,\"percent\":null},"
           "\"on_site\":{\"numerator\":2,\"denominator\":3,\"percent\":66.67}",
           "\"churn\":{\"numerator\":1,\"denominator\":10,\"percent\":10.00}",
           "\"early_warnings\":[{\"product_model\":\"WM-100\",\"category\":\"leak\","
           "\"period_kind\":\"month\",\"period\":\"2024-12\",\"count\":3,\"threshold\":3}]",
           "\"agents\":[{\"name\":\"care-1\",\"callback_success\":{\"numerator\":1,"
           "\"denominator\":1,\"percent\":100.00},\"callback_completion\":104.17",
           "\"teams\":[{\"name\":\"north\",\"members\":[\"care-1\",\"care-2\"]",
           "\"technicians\":[{\"name\":\"tech-7\",\"first_time_fix\":{\"numerator\":1",
           "\"mean_time_to_repair_hours\":5.50}]"}) {
    EXPECT_NE(json.find(part), std::string::npos) << part << "\n" << json;
  }
  const std::string csv = ToCsv(r);
  for (const char* line : {"2024-12,on_time_arrival,3,4,75.00,\n",
                           "2024-12,churn,1,10,10.00,\n",
                           "2024-12,early_warning,3,3,,WM-100 / leak / month 2024-12\n",
                           "2024-12,agent:care-1:callback_success,1,1,100.00,\n",
                           "2024-12,team:north:callback_completion,,,,care-1 care-2\n",
                           "2024-12,technician:tech-7:mean_time_to_repair_hours,,,5.50,\n"}) {
    EXPECT_NE(csv.find(line), std::string::npos) << line << "\n" << csv;
  }
}

TEST(MonthlyReportDetailsTest, AReportWithoutDetailsPrintsTheCoreKpisOnly) {
  MonthlyReport r;
  r.month = absl::CivilMonth(2025, 1);
  EXPECT_EQ(ToJson(r).find("churn"), std::string::npos);
  EXPECT_EQ(ToCsv(r).find("churn"), std::string::npos);
  // The report run on 1 January covers December of the year before.
  EXPECT_EQ(ReportMonthFor(Local(2025, 1, 1, 0, 0, 1), kZone), absl::CivilMonth(2024, 12));
}

}  // namespace
}  // namespace fieldline::callbacks
