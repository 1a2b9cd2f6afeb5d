#pragma once

// Early warning (DOMAIN.md §5, issue 6 item 6): the same fault category recurring on a product
// model within a calendar month, quarter or year. Pure: counts the recorded faults in a period,
// and decides the one EarlyWarningRaised per (model, category, kind of period, period) when the
// count reaches the policy's threshold (EarlyWarningPolicy in kpis.h).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/callbacks/domain/kpis.h"

namespace fieldline::callbacks {

inline constexpr char kEarlyWarningAggregateType[] = "EarlyWarning";

struct FaultFact {
  std::string product_model;
  std::string category;
  absl::Time reported_at;
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

// A calendar period of one kind with its label: "2024-03", "2024-Q1", "2024".
struct LabelledPeriod {
  PeriodKind kind = PeriodKind::kMonth;
  Period period;
  std::string label;
};
// The month / quarter / year (local calendar of `zone`) that contains `t`.
LabelledPeriod PeriodContaining(PeriodKind kind, absl::Time t, absl::TimeZone zone);
// "month", "quarter", "year".
std::string PeriodKindName(PeriodKind kind);

// Derived from model, category, kind and period label: the same warning whatever ticket reaches it.
std::string EarlyWarningIdFor(const std::string& model, const std::string& category,
                              const LabelledPeriod& period);

// --- the EarlyWarning aggregate ---

struct EarlyWarningRaised {
  std::string warning_id;
  std::string product_model;
  std::string category;
  LabelledPeriod period;
  int count = 0;
  int threshold = 0;
  std::vector<std::string> ticket_ids;  // in opening order
  absl::Time raised_at;                 // the opening of the ticket that reached the threshold
};

struct EarlyWarningState {
  std::string warning_id;
  bool raised = false;
  int64_t version = 0;
};

// A ticket of (model, category) was opened: `ticket_ids` are all the model's tickets of that
// category opened in `period` (this one included), in opening order.
struct CountFault {
  std::string product_model;
  std::string category;
  LabelledPeriod period;
  std::vector<std::string> ticket_ids;
  absl::Time opened_at;
};

// Given the warning's history, when a fault is counted: EarlyWarningRaised when the count
// reaches the threshold and it was not raised before; nothing otherwise. INVALID_ARGUMENT
// "product_model" / "category" when empty.
absl::StatusOr<std::vector<EarlyWarningRaised>> Decide(const EarlyWarningState& state,
                                                       const CountFault& command,
                                                       const EarlyWarningPolicy& policy);
EarlyWarningState Evolve(EarlyWarningState state, const EarlyWarningRaised& event);

}  // namespace fieldline::callbacks
