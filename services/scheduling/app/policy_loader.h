#pragma once

// Scheduling's dispatch policy from a YAML file (ServiceConfig::policy_file): time zone, travel
// speed, the on-time tolerance, the default SLA promise, the on-site checklist, the published
// fee schedule and the default job durations per category. Every key is optional (built-in
// defaults otherwise, see DispatchPolicy); an unknown key or a bad value is INVALID_ARGUMENT
// naming the key path, e.g. "job_durations.categories.washer". See
// services/scheduling/policy.example.yaml.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/scheduling/domain/calendar.h"

namespace fieldline::scheduling {

// Parses YAML text; an empty document gives the defaults.
absl::StatusOr<DispatchPolicy> ParseDispatchPolicy(std::string_view yaml);
// Reads and parses a file; empty path → the built-in defaults.
absl::StatusOr<DispatchPolicy> LoadDispatchPolicy(const std::string& path);

}  // namespace fieldline::scheduling
