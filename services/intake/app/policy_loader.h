#pragma once

// Intake's business rules from a YAML file (ServiceConfig::policy_file): SLA allowances,
// business calendar, holidays, warning fraction, the entitlement outcomes and the depot and
// complaint promises. Every key is optional (built-in defaults otherwise); an unknown key or a
// bad value is INVALID_ARGUMENT naming the key path, e.g. "sla.calendar.holidays[2]".
// See services/intake/policy.example.yaml.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/intake/app/intake_app.h"

namespace fieldline::intake {

// Parses YAML text.
absl::StatusOr<IntakePolicy> ParseIntakePolicy(std::string_view yaml);
// Reads and parses a file; empty path → the built-in defaults.
absl::StatusOr<IntakePolicy> LoadIntakePolicy(const std::string& path);

}  // namespace fieldline::intake
