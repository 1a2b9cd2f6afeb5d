#include "services/intake/domain/entitlement.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"

namespace fieldline::intake {

std::string_view CoverageName(Coverage coverage) {
  switch (coverage) {
    case Coverage::kUnspecified:
      return "not evaluated";
    case Coverage::kFree:
      return "free repair";
    case Coverage::kPartsAtCost:
      return "parts charged at cost";
    case Coverage::kFeeSchedule:
      return "charged by the published fee schedule";
    case Coverage::kResponsiblePartyPays:
      return "paid by the person who caused the damage";
  }
  return "unknown coverage";
}

std::string_view FaultCauseSlug(FaultCause cause) {
  switch (cause) {
    case FaultCause::kUnknown:
      return "unknown";
    case FaultCause::kProductFault:
      return "product_fault";
    case FaultCause::kMisuse:
      return "misuse";
    case FaultCause::kForceMajeure:
      return "force_majeure";
    case FaultCause::kHumanDamage:
      return "human_damage";
  }
  return "unknown";
}

absl::StatusOr<FaultCause> ParseFaultCause(std::string_view field, std::string_view text) {
  const std::string slug = absl::AsciiStrToLower(absl::StripAsciiWhitespace(AsAbsl(text)));
  if (slug.empty()) return FaultCause::kUnknown;
  for (FaultCause cause : {FaultCause::kUnknown, FaultCause::kProductFault, FaultCause::kMisuse,
                           FaultCause::kForceMajeure, FaultCause::kHumanDamage}) {
    if (slug == FaultCauseSlug(cause)) return cause;
  }
  return InvalidArgument(field, absl::StrCat("Fault cause ", AsAbsl(text),
                                             " is not one of product_fault, misuse, "
                                             "force_majeure, human_damage or unknown."));
}

Entitlement EvaluateEntitlement(const EntitlementPolicy& policy, absl::Time warranty_end,
                                FaultCause cause, absl::Time now) {
  Entitlement e;
  e.fault_cause = std::string(FaultCauseSlug(cause));
  e.warranty_end = warranty_end;
  e.in_warranty = warranty_end != absl::InfinitePast() && now <= warranty_end;
  const std::string warranty =
      warranty_end == absl::InfinitePast()
          ? std::string("no warranty is known for the product")
          : absl::StrCat("the warranty ", e.in_warranty ? "runs until " : "ended on ",
                         absl::FormatTime("%Y-%m-%d", warranty_end, absl::UTCTimeZone()));
  std::string reason;
  if (cause == FaultCause::kHumanDamage) {
    e.coverage = policy.damage_by_person;
    reason = "the damage was caused by a person";
  } else if (!e.in_warranty) {
    e.coverage = policy.out_of_warranty;
    reason = "the product is out of warranty";
  } else if (cause == FaultCause::kMisuse) {
    e.coverage = policy.misuse;
    reason = "the fault comes from misuse";
  } else if (cause == FaultCause::kForceMajeure) {
    e.coverage = policy.force_majeure;
    reason = "the fault comes from force majeure";
  } else if (cause == FaultCause::kProductFault) {
    e.coverage = policy.in_warranty_product_fault;
    reason = "it is a component or workmanship fault in warranty";
  } else {
    e.coverage = policy.in_warranty_unknown_cause;
    reason = "the product is in warranty and the fault is presumed a product fault until the "
             "technician establishes its cause";
  }
  e.explanation = absl::StrCat(AsAbsl(CoverageName(e.coverage)), ": ", reason, "; ", warranty,
                               ".");
  e.explanation[0] = absl::ascii_toupper(e.explanation[0]);
  return e;
}

}  // namespace fieldline::intake
