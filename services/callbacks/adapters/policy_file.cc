#include "services/callbacks/adapters/policy_file.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "yaml-cpp/yaml.h"

namespace fieldline::callbacks {
namespace {

using Setter = std::function<absl::Status(const YAML::Node&, const std::string& key)>;

absl::StatusOr<double> Number(const YAML::Node& node, const std::string& key, double min,
                              double max) {
  double value = 0;
  try {
    if (!node.IsScalar()) throw YAML::Exception(YAML::Mark::null_mark(), "not a scalar");
    value = node.as<double>();
  } catch (const YAML::Exception&) {
    return InvalidArgument(key, absl::StrCat("The policy setting ", key, " must be a number."));
  }
  if (!std::isfinite(value) || value < min || value > max) {
    return InvalidArgument(key, absl::StrCat("The policy setting ", key, " is ", value,
                                             "; it must be from ", min, " to ", max, "."));
  }
  return value;
}

Setter Int(int* out, int min, int max) {
  return [=](const YAML::Node& node, const std::string& key) -> absl::Status {
    absl::StatusOr<double> v = Number(node, key, min, max);
    if (!v.ok()) return v.status();
    if (*v != std::floor(*v)) {
      return InvalidArgument(key, absl::StrCat("The policy setting ", key,
                                               " must be a whole number."));
    }
    *out = static_cast<int>(*v);
    return absl::OkStatus();
  };
}

Setter Real(double* out, double min, double max) {
  return [=](const YAML::Node& node, const std::string& key) -> absl::Status {
    absl::StatusOr<double> v = Number(node, key, min, max);
    if (!v.ok()) return v.status();
    *out = *v;
    return absl::OkStatus();
  };
}

Setter Hours(absl::Duration* out, double max_hours, double unit_hours = 1) {
  return [=](const YAML::Node& node, const std::string& key) -> absl::Status {
    absl::StatusOr<double> v = Number(node, key, 0, max_hours);
    if (!v.ok()) return v.status();
    *out = absl::Seconds(*v * unit_hours * 3600);
    return absl::OkStatus();
  };
}

Setter Text(std::string* out) {
  return [=](const YAML::Node& node, const std::string& key) -> absl::Status {
    if (!node.IsScalar() || node.as<std::string>().empty()) {
      return InvalidArgument(key, absl::StrCat("The policy setting ", key,
                                               " must be a non-empty text."));
    }
    *out = node.as<std::string>();
    return absl::OkStatus();
  };
}

Setter TextList(std::vector<std::string>* out) {
  return [=](const YAML::Node& node, const std::string& key) -> absl::Status {
    if (!node.IsSequence() || node.size() == 0) {
      return InvalidArgument(key, absl::StrCat("The policy setting ", key,
                                               " must be a non-empty list of names."));
    }
    std::vector<std::string> values;
    for (const YAML::Node& item : node) {
      if (!item.IsScalar() || item.as<std::string>().empty()) {
        return InvalidArgument(key, absl::StrCat("Every entry of ", key, " must be a name."));
      }
      values.push_back(item.as<std::string>());
    }
    *out = std::move(values);
    return absl::OkStatus();
  };
}

absl::Status Apply(const YAML::Node& node, const std::string& path,
                   const std::map<std::string, Setter>& leaves,
                   const std::map<std::string, std::map<std::string, Setter>>& sections,
                   bool top) {
  if (!node.IsMap()) {
    return InvalidArgument(path.empty() ? "policy" : path,
                           absl::StrCat("The policy ", path.empty() ? "file" : path,
                                        " must be a mapping of settings."));
  }
  for (const auto& entry : node) {
    const std::string name = entry.first.as<std::string>();
    const std::string key = path.empty() ? name : absl::StrCat(path, ".", name);
    if (top) {
      auto section = sections.find(name);
      if (section == sections.end()) {
        return InvalidArgument(key, absl::StrCat("The policy file has an unknown section '", name,
                                                 "'; known: callbacks, reminders, care, kpi, teams."));
      }
      if (absl::Status s = Apply(entry.second, key, section->second, {}, false); !s.ok()) {
        return s;
      }
      continue;
    }
    auto leaf = leaves.find(name);
    if (leaf == leaves.end()) {
      return InvalidArgument(key, absl::StrCat("The policy file has an unknown setting ", key,
                                               "."));
    }
    if (absl::Status s = leaf->second(entry.second, key); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CallbacksPolicies> ParsePolicyYaml(std::string_view yaml) {
  CallbacksPolicies p;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("policy", absl::StrCat("The policy file is not valid YAML (line ",
                                                  e.mark.line + 1, "): ", e.msg));
  }
  if (root.IsNull()) return p;  // an empty file: every default
  CallbackPolicy& c = p.callback;
  ReminderPolicy& r = p.reminder;
  CarePolicy& care = p.care;
  double care_greetings_task = static_cast<double>(care.tasks.greetings_per_period);  // ---- Care
  KpiPolicy& k = p.kpi;
  constexpr double kYearHours = 24 * 366;
  const std::map<std::string, std::map<std::string, Setter>> sections = {
      {"callbacks",
       {{"delay_after_job_completed_hours", Hours(&c.delay_after_job_completed, kYearHours)},
        {"delay_after_remote_fix_hours", Hours(&c.delay_after_remote_fix, kYearHours)},
        {"delay_after_key_account_visit_hours",
         Hours(&c.delay_after_key_account_visit, kYearHours)},
        {"delay_after_product_delivered_hours",
         Hours(&c.delay_after_product_delivered, kYearHours)},
        {"delay_after_product_installed_hours",
         Hours(&c.delay_after_product_installed, kYearHours)},
        {"max_attempts", Int(&c.max_attempts, 1, 3)},
        {"attempt_window_hours", Hours(&c.attempt_window, kYearHours)},
        {"dissatisfied_below", Int(&c.dissatisfied_below, 1, 6)},
        {"fallback_text", Text(&c.fallback_text)}}},
      {"reminders",
       {{"first_maintenance_from_months", Int(&r.first_maintenance_from_months, 0, 120)},
        {"first_maintenance_until_months", Int(&r.first_maintenance_until_months, 0, 120)},
        {"regular_maintenance_lead_days", Hours(&r.regular_maintenance_lead, 366, 24)},
        {"regular_maintenance_interval_months",
         Int(&r.regular_maintenance_interval_months, 1, 120)},
        {"warranty_lead_months", Int(&r.warranty_lead_months, 0, 120)},
        {"contract_lead_months", Int(&r.contract_lead_months, 0, 120)},
        {"insurance_lead_months", Int(&r.insurance_lead_months, 0, 120)},
        {"maintenance_categories", TextList(&r.maintenance_categories)}}},
      {"care",
       {{"max_messages", Int(&care.max_messages, 1, 1000)},
        {"cap_window_days", Hours(&care.cap_window, 366, 24)},
        {"working_day_start_hour", Hours(&care.working_day_start, 23)},
        {"greeting_window_hours", Hours(&care.greeting_window, 24)},
        // ---- Care: texts, delays, the care rate's tasks, weights and club-event rule.
        {"birthday_exempt_from_cap",
         [&care](const YAML::Node& node, const std::string& key) -> absl::Status {
           bool value = false;
           if (!YAML::convert<bool>::decode(node, value)) {
             return InvalidArgument(key, absl::StrCat("The policy setting ", key,
                                                      " must be true or false."));
           }
           care.birthday_exempt_from_cap = value;
           return absl::OkStatus();
         }},
        {"birthday_text", Text(&care.birthday_text)},
        {"product_callback_recent_days", Hours(&care.product_callback_recent, 366, 24)},
        {"campaign_callback_delay_hours", Hours(&care.campaign_callback_delay, kYearHours)},
        {"greetings_task", Real(&care_greetings_task, 1, 1e9)},
        {"home_visit_weight", Int(&care.tasks.home_visit_weight, 0, 1000)},
        {"club_events_per_quarter", Real(&care.tasks.club_events_per_quarter, 0, 1000)},
        {"website_updates_per_month", Int(&care.tasks.website_updates_per_month, 0, 100000)},
        {"weight_club_events", Real(&care.weights.club_events, 0, 100)},
        {"weight_greetings", Real(&care.weights.greetings, 0, 100)},
        {"weight_website", Real(&care.weights.website, 0, 100)},
        {"weight_lounge", Real(&care.weights.lounge, 0, 100)},
        {"club_min_units", Int(&care.club_rule.min_units, 0, 100000)},
        {"club_min_people", Int(&care.club_rule.min_people, 0, 100000)}}},
      {"kpi",
       {{"target_callback_success", Real(&k.targets.callback_success, 0.01, 100)},
        {"target_maintenance_arrival", Real(&k.targets.maintenance_arrival, 0.01, 100)},
        {"target_complaint_handling", Real(&k.targets.complaint_handling, 0.01, 100)},
        {"target_care", Real(&k.targets.care, 0.01, 100)},
        {"weight_profit", Real(&k.weights.profit, 0, 100)},
        {"weight_inner", Real(&k.weights.inner, 0, 100)},
        {"weight_callback", Real(&k.weights.callback, 0, 100)},
        {"weight_maintenance", Real(&k.weights.maintenance, 0, 100)},
        {"weight_complaint", Real(&k.weights.complaint, 0, 100)},
        {"weight_care", Real(&k.weights.care, 0, 100)},
        {"repeat_window_days", Hours(&k.repeat_window, 366, 24)},
        // ---- KPIs: early-warning thresholds and the churn gap.
        {"early_warning_per_month", Int(&k.early_warning.per_month, 1, 100000)},
        {"early_warning_per_quarter", Int(&k.early_warning.per_quarter, 1, 100000)},
        {"early_warning_per_year", Int(&k.early_warning.per_year, 1, 100000)},
        {"churn_min_days", Hours(&k.churn.min_gap, 3660, 24)},
        {"churn_max_days", Hours(&k.churn.max_gap, 3660, 24)}}},
  };
  // ---- KPIs: teams (team name → agent ids) is a mapping of lists, not of settings.
  if (root.IsMap() && root["teams"]) {
    const YAML::Node teams = root["teams"];
    if (!teams.IsMap()) {
      return InvalidArgument("teams", "The policy's teams must map each team name to its agents.");
    }
    for (const auto& entry : teams) {
      const std::string name = entry.first.as<std::string>();
      std::vector<std::string> agents;
      if (absl::Status s = TextList(&agents)(entry.second, absl::StrCat("teams.", name));
          !s.ok()) {
        return s;
      }
      k.teams[name] = std::move(agents);
    }
    root.remove("teams");
  }
  if (absl::Status s = Apply(root, "", {}, sections, true); !s.ok()) return s;
  care.tasks.greetings_per_period = static_cast<int64_t>(care_greetings_task);  // ---- Care
  if (k.churn.max_gap < k.churn.min_gap) {
    return InvalidArgument("kpi.churn_max_days",
                           "A customer cannot be lost before they count as lost "
                           "(churn_max_days < churn_min_days).");
  }

  if (r.first_maintenance_until_months < r.first_maintenance_from_months) {
    return InvalidArgument("reminders.first_maintenance_until_months",
                           "The first maintenance window cannot end before it starts "
                           "(first_maintenance_until_months < first_maintenance_from_months).");
  }
  if (c.attempt_window <= absl::ZeroDuration()) {
    return InvalidArgument("callbacks.attempt_window_hours",
                           "The window for the callback attempts must be longer than 0 hours.");
  }
  const double inner = k.weights.callback + k.weights.maintenance + k.weights.complaint +
                       k.weights.care;
  if (std::abs(inner - 100) > 1e-9) {
    p.warnings.push_back(absl::StrCat("kpi: the inner weights (callback + maintenance + complaint "
                                      "+ care) sum to ",
                                      inner, " %, not 100 %."));
  }
  if (std::abs(k.weights.profit + k.weights.inner - 100) > 1e-9) {
    p.warnings.push_back(absl::StrCat("kpi: weight_profit + weight_inner sum to ",
                                      k.weights.profit + k.weights.inner, " %, not 100 %."));
  }
  return p;
}

absl::StatusOr<CallbacksPolicies> LoadPolicyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return NotFound("policy_file", absl::StrCat("The policy file ", path, " cannot be read."));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParsePolicyYaml(text.str());
}

}  // namespace fieldline::callbacks
