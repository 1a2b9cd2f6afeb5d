#pragma once

// The callbacks service's business rules from a YAML policy file (`--policy-file`, see
// services/callbacks/policy.example.yaml): callback delays and retry rule, dissatisfaction
// threshold, reminder offsets, the care frequency cap, KPI targets and composite weights.
// Every key is optional (the default stays); an unknown key or a bad value is INVALID_ARGUMENT
// naming the key (e.g. "callbacks.max_attempts").

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/callbacks/domain/callback_policy.h"
#include "services/callbacks/domain/care.h"
#include "services/callbacks/domain/kpis.h"

namespace fieldline::callbacks {

struct CallbacksPolicies {
  CallbackPolicy callback;
  ReminderPolicy reminder;
  CarePolicy care;
  KpiPolicy kpi;
  // Accepted but doubtful settings, e.g. composite weights that do not sum to 100 %.
  std::vector<std::string> warnings;
};

absl::StatusOr<CallbacksPolicies> ParsePolicyYaml(std::string_view yaml);
// NOT_FOUND when the file cannot be read; otherwise as ParsePolicyYaml.
absl::StatusOr<CallbacksPolicies> LoadPolicyFile(const std::string& path);

}  // namespace fieldline::callbacks
