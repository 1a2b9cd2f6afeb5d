#include "services/callbacks/domain/early_warning.h"

#include <map>
#include <utility>

namespace fieldline::callbacks {

int EarlyWarningPolicy::ThresholdFor(PeriodKind kind) const {
  switch (kind) {
    case PeriodKind::kMonth:
      return per_month;
    case PeriodKind::kQuarter:
      return per_quarter;
    case PeriodKind::kYear:
      return per_year;
  }
  return per_month;
}

std::vector<EarlyWarning> RecurringFaults(const std::vector<FaultFact>& faults,
                                          const Period& period, PeriodKind kind,
                                          const EarlyWarningPolicy& policy) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const FaultFact& f : faults) {
    if (f.product_model.empty() || !period.Contains(f.reported_at)) continue;
    ++counts[{f.product_model, f.category}];
  }
  const int threshold = policy.ThresholdFor(kind);
  std::vector<EarlyWarning> out;
  for (const auto& [key, count] : counts) {
    if (count >= threshold) {
      out.push_back(EarlyWarning{.product_model = key.first,
                                 .category = key.second,
                                 .count = count,
                                 .threshold = threshold});
    }
  }
  return out;
}

}  // namespace fieldline::callbacks
