// The intake policy file (YAML): defaults when empty, every section parsed, and bad keys or
// values refused with the key path named.

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/common/testing/temp_dir.h"
#include "services/intake/app/policy_loader.h"

namespace fieldline::intake {
namespace {

std::string KeyOf(const absl::StatusOr<IntakePolicy>& policy) {
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument) << policy.status();
  return FieldOf(policy.status()).value_or("<none>");
}

TEST(IntakePolicyLoaderTest, EmptyGivesTheDefaults) {
  auto policy = ParseIntakePolicy("");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->sla.warning_fraction, 0.8);
  EXPECT_EQ(policy->sla.AllowancesFor(CustomerTier::kC, Priority::kNormal).response_minutes, 120);
  EXPECT_EQ(policy->complaint_first_response, absl::Hours(48));
  EXPECT_EQ(LoadIntakePolicy("")->entitlement.warranty_years, 2);
}

TEST(IntakePolicyLoaderTest, ParsesEverySection) {
  auto policy = ParseIntakePolicy(R"(
sla:
  warning_fraction: 0.75
  contracts_override: false
  allowances:
    - {tier: any, priority: any, response_minutes: 90, on_site_minutes: 600, resolution_minutes: 2000}
    - {tier: key_account, priority: urgent, response_minutes: 10}
  calendar:
    time_zone: Asia/Shanghai
    hours: {saturday: "09:00-12:00", friday: "off"}
    holidays: [2026-10-01, 2026-10-02]
    makeup_days: [2026-09-27]
entitlement:
  misuse: fee_schedule
  warranty_years: 3
  exchange_window_days: 7
store_repair_promise_hours: 24
factory_return_promise_days: 20
complaint_first_response_hours: 24
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->sla.warning_fraction, 0.75);
  EXPECT_FALSE(policy->sla.contracts_override);
  EXPECT_EQ(policy->sla.AllowancesFor(CustomerTier::kB, Priority::kLow).response_minutes, 90);
  EXPECT_EQ(
      policy->sla.AllowancesFor(CustomerTier::kKeyAccount, Priority::kUrgent).response_minutes,
      10);
  EXPECT_EQ(policy->sla.calendar.week[5].start_minute, 9 * 60);
  EXPECT_EQ(policy->sla.calendar.week[5].end_minute, 12 * 60);
  EXPECT_FALSE(policy->sla.calendar.week[4].working());
  EXPECT_TRUE(policy->sla.calendar.week[0].working());  // untouched days keep the default
  EXPECT_EQ(policy->sla.calendar.holidays.size(), 2u);
  EXPECT_EQ(policy->sla.calendar.makeup_days.count(absl::CivilDay(2026, 9, 27)), 1u);
  EXPECT_EQ(policy->entitlement.misuse, Coverage::kFeeSchedule);
  EXPECT_EQ(policy->entitlement.warranty_years, 3);
  EXPECT_EQ(*policy->entitlement.exchange_window, absl::Hours(24 * 7));
  EXPECT_EQ(policy->store_repair_promise, absl::Hours(24));
  EXPECT_EQ(policy->factory_return_promise, absl::Hours(24 * 20));
  EXPECT_EQ(policy->complaint_first_response, absl::Hours(24));
}

TEST(IntakePolicyLoaderTest, BadKeysAndValuesNameTheKey) {
  EXPECT_EQ(KeyOf(ParseIntakePolicy("slaa: {}")), "slaa");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: {warning: 0.8}")), "sla.warning");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: {warning_fraction: 1.2}")), "sla.warning_fraction");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: {warning_fraction: lots}")), "sla.warning_fraction");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: {allowances: [{tier: D}]}")), "sla.allowances[0].tier");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: {allowances: [{response_minutes: -5}]}")),
            "sla.allowances[0].response_minutes");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: {calendar: {time_zone: Mars/Olympus}}")),
            "sla.calendar.time_zone");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: {calendar: {hours: {funday: off}}}")),
            "sla.calendar.hours.funday");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: {calendar: {hours: {monday: \"9-6\"}}}")),
            "sla.calendar.hours.monday");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: {calendar: {holidays: [2026-02-30]}}")),
            "sla.calendar.holidays[0]");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("entitlement: {misuse: gratis}")), "entitlement.misuse");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("complaint_first_response_hours: 0")),
            "complaint_first_response_hours");
  EXPECT_EQ(KeyOf(ParseIntakePolicy("sla: [1, 2")), "policy");
  EXPECT_EQ(KeyOf(LoadIntakePolicy("/nonexistent/policy.yaml")), "policy_file");
}

TEST(IntakePolicyLoaderTest, TheExampleFileLoads) {
  auto policy = LoadIntakePolicy(FIELDLINE_INTAKE_POLICY_EXAMPLE);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->sla.warning_fraction, 0.8);
}

}  // namespace
}  // namespace fieldline::intake
