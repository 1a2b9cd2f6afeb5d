// Care messages, reminders and early warning: pure rules and their boundaries.

#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/callbacks/domain/care.h"
#include "services/callbacks/domain/early_warning.h"
#include "services/callbacks/domain/kpis.h"

namespace fieldline::callbacks {
namespace {

const absl::TimeZone kZone = absl::FixedTimeZone(8 * 3600);

absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), kZone);
}

// --- birthday greetings ---

TEST(BirthdayGreeting, OnTimeFromTheStartOfTheWorkingDayToExactlyTwoHoursLater) {
  const CarePolicy policy;
  const absl::CivilDay birthday(2024, 5, 6);
  EXPECT_FALSE(IsBirthdayGreetingOnTime(birthday, Local(2024, 5, 6, 8, 59, 59), policy));
  EXPECT_TRUE(IsBirthdayGreetingOnTime(birthday, Local(2024, 5, 6, 9, 0), policy));
  EXPECT_TRUE(IsBirthdayGreetingOnTime(birthday, Local(2024, 5, 6, 11, 0, 0), policy));
  EXPECT_FALSE(IsBirthdayGreetingOnTime(birthday, Local(2024, 5, 6, 11, 0, 1), policy));
  EXPECT_FALSE(IsBirthdayGreetingOnTime(birthday, Local(2024, 5, 7, 9, 30), policy));
}

TEST(BirthdayGreeting, TheWorkingDayStartIsConfigurable) {
  CarePolicy policy;
  policy.working_day_start = absl::Hours(8) + absl::Minutes(30);
  const TimeWindow w = BirthdayGreetingWindow(absl::CivilDay(2024, 12, 31), policy);
  EXPECT_EQ(w.from, Local(2024, 12, 31, 8, 30));
  EXPECT_EQ(w.until, Local(2024, 12, 31, 10, 30));
}

// --- frequency cap ---

TEST(FrequencyCap, AtTheCapTheNextMessageIsRefused) {
  const CarePolicy policy;  // 2 per 7 days
  const absl::Time now = Local(2024, 5, 10, 10);
  EXPECT_TRUE(CheckFrequencyCap({}, now, policy).ok());
  EXPECT_TRUE(CheckFrequencyCap({Local(2024, 5, 9)}, now, policy).ok());
  const absl::Status capped =
      CheckFrequencyCap({Local(2024, 5, 9), Local(2024, 5, 4, 10, 0, 1)}, now, policy);
  EXPECT_EQ(capped.code(), absl::StatusCode::kFailedPrecondition);
}

TEST(FrequencyCap, AMessageExactlyAWindowAgoNoLongerCounts) {
  const CarePolicy policy;
  const absl::Time now = Local(2024, 5, 10, 10);
  EXPECT_TRUE(CheckFrequencyCap({Local(2024, 5, 9), Local(2024, 5, 3, 10)}, now, policy).ok());
  // Messages planned after `now` do not count against it.
  EXPECT_TRUE(CheckFrequencyCap({Local(2024, 5, 9), Local(2024, 5, 11)}, now, policy).ok());
}

// --- reminders ---

TEST(Reminders, FirstMaintenanceTwoToThreeMonthsAfterDelivery) {
  const TimeWindow w = FirstMaintenanceWindow(Local(2024, 11, 30, 15), ReminderPolicy{});
  EXPECT_EQ(w.from, Local(2025, 1, 30, 15));    // across the year end
  EXPECT_EQ(w.until, Local(2025, 2, 28, 15));   // 30 Feb does not exist: last day
}

TEST(Reminders, RegularMaintenanceOneWeekBeforeItIsDue) {
  EXPECT_EQ(RegularMaintenanceReminderAt(Local(2025, 1, 3, 9), ReminderPolicy{}),
            Local(2024, 12, 27, 9));
}

TEST(Reminders, WarrantyExpiryOneCalendarMonthBefore) {
  EXPECT_EQ(WarrantyExpiryReminderAt(Local(2024, 3, 31), ReminderPolicy{}), Local(2024, 2, 29));
  EXPECT_EQ(WarrantyExpiryReminderAt(Local(2023, 3, 31), ReminderPolicy{}), Local(2023, 2, 28));
  EXPECT_EQ(WarrantyExpiryReminderAt(Local(2025, 1, 15), ReminderPolicy{}), Local(2024, 12, 15));
}

TEST(Reminders, InsuranceLeadIsConfigurable) {
  ReminderPolicy policy;
  policy.insurance_lead_months = 2;
  EXPECT_EQ(InsuranceExpiryReminderAt(Local(2024, 6, 30), policy), Local(2024, 4, 30));
}

// --- early warning ---

TEST(EarlyWarningRule, AModelAndCategoryAtTheMonthlyThresholdWarns) {
  const Period may = *MakePeriod(PeriodKind::kMonth, 2024, 5, kZone);
  std::vector<FaultFact> faults = {
      {"BCD-215", "not_cooling", Local(2024, 5, 1)},
      {"BCD-215", "not_cooling", Local(2024, 5, 15)},
      {"BCD-215", "not_cooling", Local(2024, 5, 31, 23, 59, 59)},
      {"BCD-215", "noise", Local(2024, 5, 2)},
      {"XQG-70", "not_cooling", Local(2024, 5, 2)},
      {"BCD-215", "not_cooling", Local(2024, 6, 1)},  // next month
      {"", "not_cooling", Local(2024, 5, 3)},          // no model
  };
  EXPECT_EQ(RecurringFaults(faults, may, PeriodKind::kMonth),
            (std::vector<EarlyWarning>{{"BCD-215", "not_cooling", 3, 3}}));
  faults.pop_back();
  faults.erase(faults.begin());
  EXPECT_TRUE(RecurringFaults(faults, may, PeriodKind::kMonth).empty());  // 2 < 3
}

TEST(EarlyWarningRule, QuarterThresholdIsItsOwn) {
  const Period q4 = *MakePeriod(PeriodKind::kQuarter, 2024, 4, kZone);
  std::vector<FaultFact> faults;
  for (int m : {10, 11, 12, 12}) faults.push_back({"M1", "leak", Local(2024, m, 5)});
  faults.push_back({"M1", "leak", Local(2025, 1, 1)});  // next quarter, across the year end
  EXPECT_TRUE(RecurringFaults(faults, q4, PeriodKind::kQuarter).empty());  // 4 < 5
  EarlyWarningPolicy policy;
  policy.per_quarter = 4;
  EXPECT_EQ(RecurringFaults(faults, q4, PeriodKind::kQuarter, policy).size(), 1u);
}

}  // namespace
}  // namespace fieldline::callbacks

// Monthly report tests live with the other pure rules of this binary.
#include "services/callbacks/domain/monthly_report.h"

namespace fieldline::callbacks {
namespace {

MonthlyReport SampleReport() {
  MonthlyReport r;
  r.month = absl::CivilMonth(2024, 5);
  r.callback_success = Ratio{2, 3};
  r.callback_completion = 100.0 * 2 / 3 / 96 * 100;
  r.callbacks_excluded = 1;
  r.callbacks_open = 0;
  r.first_time_fix = Ratio{0, 0};
  r.repeat_visits = Ratio{1, 4};
  r.warnings = {"inner weights sum to 90 %, \"not\" 100"};
  return r;
}

TEST(MonthlyReportRule, TheReportOnTheFirstCoversTheMonthBefore) {
  EXPECT_EQ(ReportMonthFor(Local(2025, 1, 1, 0, 0), kZone), absl::CivilMonth(2024, 12));
  EXPECT_EQ(ReportMonthFor(Local(2024, 6, 1, 9), kZone), absl::CivilMonth(2024, 5));
  // 2024-06-30 20:00 UTC is already 1 July in Qingdao.
  EXPECT_EQ(ReportMonthFor(absl::FromCivil(absl::CivilHour(2024, 6, 30, 20), absl::UTCTimeZone()),
                           kZone),
            absl::CivilMonth(2024, 6));
}

TEST(MonthlyReportRule, JsonRoundsForDisplayAndEscapes) {
  EXPECT_EQ(ToJson(SampleReport()),
            "{\"month\":\"2024-05\",\"callback_success\":{\"numerator\":2,\"denominator\":3,"
            "\"percent\":66.67},\"callback_completion\":69.44,\"callbacks_excluded\":1,"
            "\"callbacks_open\":0,\"first_time_fix\":{\"numerator\":0,\"denominator\":0,"
            "\"percent\":null},\"repeat_visits\":{\"numerator\":1,\"denominator\":4,"
            "\"percent\":25.00},\"mean_time_to_repair_hours\":null,"
            "\"warnings\":[\"inner weights sum to 90 %, \\\"not\\\" 100\"]}");
}

TEST(MonthlyReportRule, CsvHasOneRowPerKpiAndQuotesWarnings) {
  EXPECT_EQ(ToCsv(SampleReport()),
            "month,kpi,numerator,denominator,percent,note\n"
            "2024-05,callback_success,2,3,66.67,\n"
            "2024-05,callback_completion,,,69.44,\n"
            "2024-05,callbacks_excluded,1,,,\n"
            "2024-05,callbacks_open,0,,,\n"
            "2024-05,first_time_fix,0,0,,\n"
            "2024-05,repeat_visits,1,4,25.00,\n"
            "2024-05,mean_time_to_repair_hours,,,,\n"
            "2024-05,warning,,,,\"inner weights sum to 90 %, \"\"not\"\" 100\"\n");
}

}  // namespace
}  // namespace fieldline::callbacks
