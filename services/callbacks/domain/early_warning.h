#pragma once

// Early warning (DOMAIN.md §5, issue 6 item 6): the same fault category recurring on a product
// model within a month, quarter or year. Pure: counts the recorded faults in a period and
// returns every (model, category) at or above the configured threshold for that kind of period.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/callbacks/domain/kpis.h"

namespace fieldline::callbacks {

struct FaultFact {
  std::string product_model;
  std::string category;
  absl::Time reported_at;
};

struct EarlyWarningPolicy {
  int per_month = 3;
  int per_quarter = 5;
  int per_year = 12;
  int ThresholdFor(PeriodKind kind) const;
};

struct EarlyWarning {
  std::string product_model;
  std::string category;
  int count = 0;
  int threshold = 0;
  friend bool operator==(const EarlyWarning&, const EarlyWarning&) = default;
};

// Sorted by model, then category. Faults without a model are not attributed to any model.
std::vector<EarlyWarning> RecurringFaults(const std::vector<FaultFact>& faults,
                                          const Period& period, PeriodKind kind,
                                          const EarlyWarningPolicy& policy = {});

}  // namespace fieldline::callbacks
