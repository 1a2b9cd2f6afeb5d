#include "services/callbacks/domain/early_warning.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"

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

LabelledPeriod PeriodContaining(PeriodKind kind, absl::Time t, absl::TimeZone zone) {
  const absl::CivilMonth month(absl::ToCivilMonth(t, zone));
  const int year = static_cast<int>(month.year());
  LabelledPeriod out;
  out.kind = kind;
  absl::CivilMonth first = month;
  int months = 1;
  switch (kind) {
    case PeriodKind::kMonth:
      out.label = absl::FormatCivilTime(month);
      break;
    case PeriodKind::kQuarter: {
      const int quarter = (month.month() - 1) / 3 + 1;
      first = absl::CivilMonth(year, (quarter - 1) * 3 + 1);
      months = 3;
      out.label = absl::StrFormat("%04d-Q%d", year, quarter);
      break;
    }
    case PeriodKind::kYear:
      first = absl::CivilMonth(year, 1);
      months = 12;
      out.label = absl::StrFormat("%04d", year);
      break;
  }
  out.period = Period{.start = absl::FromCivil(first, zone),
                      .end = absl::FromCivil(first + months, zone),
                      .months = months};
  return out;
}

std::string PeriodKindName(PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kMonth:
      return "month";
    case PeriodKind::kQuarter:
      return "quarter";
    case PeriodKind::kYear:
      return "year";
  }
  return "month";
}

std::string EarlyWarningIdFor(const std::string& model, const std::string& category,
                              const LabelledPeriod& period) {
  // Unit separators keep ("a b", "c") and ("a", "b c") apart.
  return DeriveId(absl::StrCat(model, "\x1f", category), absl::StrCat("early-warning/",
                                                                      period.label));
}

absl::StatusOr<std::vector<EarlyWarningRaised>> Decide(const EarlyWarningState& state,
                                                       const CountFault& command,
                                                       const EarlyWarningPolicy& policy) {
  if (command.product_model.empty()) {
    return InvalidArgument("product_model", "A fault is counted per product model; the model is "
                                            "missing.");
  }
  if (command.category.empty()) {
    return InvalidArgument("category", "A fault is counted per fault category; the category is "
                                       "missing.");
  }
  const int threshold = policy.ThresholdFor(command.period.kind);
  const int count = static_cast<int>(command.ticket_ids.size());
  if (state.raised || threshold <= 0 || count < threshold) {
    return std::vector<EarlyWarningRaised>{};
  }
  return std::vector<EarlyWarningRaised>{EarlyWarningRaised{
      .warning_id = EarlyWarningIdFor(command.product_model, command.category, command.period),
      .product_model = command.product_model,
      .category = command.category,
      .period = command.period,
      .count = count,
      .threshold = threshold,
      .ticket_ids = command.ticket_ids,
      .raised_at = command.opened_at,
  }};
}

EarlyWarningState Evolve(EarlyWarningState state, const EarlyWarningRaised& event) {
  state.warning_id = event.warning_id;
  state.raised = true;
  ++state.version;
  return state;
}

}  // namespace fieldline::callbacks
