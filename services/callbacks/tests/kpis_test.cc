// DOMAIN.md §5 KPIs: the worked example, every formula and its boundaries.

#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/callbacks/domain/kpis.h"
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

}  // namespace
}  // namespace fieldline::callbacks
