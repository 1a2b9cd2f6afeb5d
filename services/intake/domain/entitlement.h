#pragma once

// Entitlement under the three guarantees (包修/包换/包退), evaluated at intake from the asset's
// warranty end and the fault cause the customer reports (DOMAIN.md §2 step 3):
//   in warranty and a component or workmanship fault → free repair;
//   misuse or force majeure → parts charged at cost;
//   out of warranty → the published fee schedule;
//   damage caused by a person → that person pays.
// Every outcome is a policy value (EntitlementPolicy), never a constant in a rule. Pure.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fieldline::intake {

enum class Coverage {
  kUnspecified = 0,  // not evaluated
  kFree = 1,
  kPartsAtCost = 2,
  kFeeSchedule = 3,
  kResponsiblePartyPays = 4,
};

enum class FaultCause { kUnknown, kProductFault, kMisuse, kForceMajeure, kHumanDamage };

// "free repair", "parts at cost", ... — as an agent would say it.
std::string_view CoverageName(Coverage coverage);
// "product_fault", "misuse", "force_majeure", "human_damage", "unknown".
std::string_view FaultCauseSlug(FaultCause cause);
// Parses a slug (case-insensitive, blank → unknown); INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<FaultCause> ParseFaultCause(std::string_view field, std::string_view text);

struct EntitlementPolicy {
  Coverage in_warranty_product_fault = Coverage::kFree;
  // Until a technician establishes the cause, a fault in warranty is presumed a product fault.
  Coverage in_warranty_unknown_cause = Coverage::kFree;
  Coverage misuse = Coverage::kPartsAtCost;
  Coverage force_majeure = Coverage::kPartsAtCost;
  Coverage out_of_warranty = Coverage::kFeeSchedule;
  Coverage damage_by_person = Coverage::kResponsiblePartyPays;
  // Warranty when an asset is registered without an explicit end: years from installation.
  int warranty_years = 2;
  // Exchange and refund windows: the material leaves them as "X days"; no default promise.
  std::optional<absl::Duration> exchange_window;
  std::optional<absl::Duration> refund_window;
};

struct Entitlement {
  Coverage coverage = Coverage::kUnspecified;
  bool in_warranty = false;
  std::string fault_cause;  // slug
  std::string explanation;
  absl::Time warranty_end = absl::InfinitePast();
  friend bool operator==(const Entitlement&, const Entitlement&) = default;
};

// The entitlement of a fault with `cause` on an asset whose warranty ends at `warranty_end`
// (InfinitePast: no warranty known), at `now`. The warranty covers up to and including its end.
Entitlement EvaluateEntitlement(const EntitlementPolicy& policy, absl::Time warranty_end,
                                FaultCause cause, absl::Time now);

}  // namespace fieldline::intake
