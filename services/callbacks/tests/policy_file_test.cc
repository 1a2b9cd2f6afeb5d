// The YAML policy file: defaults, every section, errors naming the key, weight warnings, and the
// commented example file.

#include "services/callbacks/adapters/policy_file.h"

#include "gtest/gtest.h"
#include "services/common/core/errors.h"

namespace fieldline::callbacks {
namespace {

std::string KeyOf(const absl::Status& status) { return FieldOf(status).value_or(""); }

TEST(PolicyFileTest, AnEmptyFileKeepsEveryDefault) {
  auto p = ParsePolicyYaml("");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->callback.delay_after_job_completed, absl::Hours(48));
  EXPECT_EQ(p->callback.dissatisfied_below, 3);
  EXPECT_EQ(p->reminder.regular_maintenance_interval_months, 6);
  EXPECT_EQ(p->care.max_messages, 2);
  EXPECT_DOUBLE_EQ(p->kpi.targets.callback_success, 96);
}

TEST(PolicyFileTest, EverySectionIsRead) {
  auto p = ParsePolicyYaml(R"(
callbacks:
  delay_after_job_completed_hours: 36
  delay_after_remote_fix_hours: 12.5
  max_attempts: 2
  attempt_window_hours: 48
  dissatisfied_below: 4
  fallback_text: "Please call us."
reminders:
  first_maintenance_from_months: 1
  first_maintenance_until_months: 2
  regular_maintenance_lead_days: 3
  regular_maintenance_interval_months: 12
  warranty_lead_months: 2
  contract_lead_months: 3
  insurance_lead_months: 4
  maintenance_categories: [maintenance, service]
care:
  max_messages: 5
  cap_window_days: 30
  working_day_start_hour: 8
  greeting_window_hours: 1
kpi:
  target_callback_success: 90
  weight_profit: 20
  weight_inner: 80
  weight_callback: 25
  weight_maintenance: 25
  weight_complaint: 25
  weight_care: 25
  repeat_window_days: 14
)");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->callback.delay_after_job_completed, absl::Hours(36));
  EXPECT_EQ(p->callback.delay_after_remote_fix, absl::Minutes(750));
  EXPECT_EQ(p->callback.max_attempts, 2);
  EXPECT_EQ(p->callback.attempt_window, absl::Hours(48));
  EXPECT_EQ(p->callback.dissatisfied_below, 4);
  EXPECT_EQ(p->callback.fallback_text, "Please call us.");
  EXPECT_EQ(p->reminder.first_maintenance_from_months, 1);
  EXPECT_EQ(p->reminder.first_maintenance_until_months, 2);
  EXPECT_EQ(p->reminder.regular_maintenance_lead, absl::Hours(72));
  EXPECT_EQ(p->reminder.regular_maintenance_interval_months, 12);
  EXPECT_EQ(p->reminder.warranty_lead_months, 2);
  EXPECT_EQ(p->reminder.contract_lead_months, 3);
  EXPECT_EQ(p->reminder.insurance_lead_months, 4);
  EXPECT_EQ(p->reminder.maintenance_categories,
            (std::vector<std::string>{"maintenance", "service"}));
  EXPECT_EQ(p->care.max_messages, 5);
  EXPECT_EQ(p->care.cap_window, absl::Hours(24 * 30));
  EXPECT_EQ(p->care.working_day_start, absl::Hours(8));
  EXPECT_EQ(p->care.greeting_window, absl::Hours(1));
  EXPECT_DOUBLE_EQ(p->kpi.targets.callback_success, 90);
  EXPECT_DOUBLE_EQ(p->kpi.weights.profit, 20);
  EXPECT_DOUBLE_EQ(p->kpi.weights.care, 25);
  EXPECT_EQ(p->kpi.repeat_window, absl::Hours(24 * 14));
  EXPECT_TRUE(p->warnings.empty());  // 25 × 4 = 100, 20 + 80 = 100
}

TEST(PolicyFileTest, InnerWeightsNotSummingToAHundredWarn) {
  auto p = ParsePolicyYaml("kpi:\n  weight_care: 30\n");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->warnings.size(), 1u);  // DOMAIN's literal inner weights: 90 %
  EXPECT_NE(p->warnings[0].find("90"), std::string::npos) << p->warnings[0];
  auto both = ParsePolicyYaml(
      "kpi:\n  weight_profit: 10\n  weight_callback: 25\n  weight_maintenance: 25\n"
      "  weight_complaint: 25\n  weight_care: 25\n");
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->warnings.size(), 1u);  // 10 + 85 = 95
  EXPECT_NE(both->warnings[0].find("95"), std::string::npos) << both->warnings[0];
}

TEST(PolicyFileTest, ErrorsNameTheKey) {
  struct Case {
    const char* yaml;
    const char* key;
  };
  for (const Case& c : {
           Case{"callbacks:\n  max_attempts: 0\n", "callbacks.max_attempts"},
           Case{"callbacks:\n  max_attempts: 2.5\n", "callbacks.max_attempts"},
           Case{"callbacks:\n  dissatisfied_below: many\n", "callbacks.dissatisfied_below"},
           Case{"callbacks:\n  delay_after_job_completed_hours: -1\n",
                "callbacks.delay_after_job_completed_hours"},
           Case{"callbacks:\n  attempt_window_hours: 0\n", "callbacks.attempt_window_hours"},
           Case{"callbacks:\n  fallback_text: \"\"\n", "callbacks.fallback_text"},
           Case{"callbacks:\n  retries: 3\n", "callbacks.retries"},
           Case{"surveys:\n  x: 1\n", "surveys"},
           Case{"reminders:\n  first_maintenance_from_months: 4\n",
                "reminders.first_maintenance_until_months"},
           Case{"reminders:\n  maintenance_categories: []\n", "reminders.maintenance_categories"},
           Case{"kpi:\n  weight_care: 120\n", "kpi.weight_care"},
           Case{"kpi: 5\n", "kpi"},
           Case{"callbacks: [\n", "policy"},
       }) {
    auto p = ParsePolicyYaml(c.yaml);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << c.yaml;
    EXPECT_EQ(KeyOf(p.status()), c.key) << c.yaml << " → " << p.status();
  }
}

TEST(PolicyFileTest, AMissingFileIsNotFound) {
  auto p = LoadPolicyFile("/nonexistent/policy.yaml");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
}

TEST(PolicyFileTest, TheExampleFileLoadsWithTheDefaults) {
  auto p = LoadPolicyFile(FIELDLINE_CALLBACKS_POLICY_EXAMPLE);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->callback.delay_after_job_completed, absl::Hours(48));
  EXPECT_EQ(p->reminder.maintenance_categories, std::vector<std::string>{"maintenance"});
  EXPECT_EQ(p->warnings.size(), 1u);  // the literal inner weights (90 %)
}

}  // namespace
}  // namespace fieldline::callbacks
