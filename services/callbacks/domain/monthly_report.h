#pragma once

// The monthly report (DOMAIN.md §5): due on the 1st for the month before; JSON and CSV now (a
// printable page comes with the web app). Pure formatting of already computed KPIs; percentages
// are rounded to 2 decimals here, for display only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/callbacks/domain/kpis.h"

namespace fieldline::callbacks {

struct MonthlyReport {
  absl::CivilMonth month;
  Ratio callback_success;
  std::optional<double> callback_completion;
  int64_t callbacks_excluded = 0;
  int64_t callbacks_open = 0;
  Ratio first_time_fix;
  Ratio repeat_visits;
  std::optional<double> mean_time_to_repair_hours;
  std::vector<std::string> warnings;
};

// The month a report produced at `now` covers: the calendar month before now's local month
// (a report run on 1 January covers December of the year before).
absl::CivilMonth ReportMonthFor(absl::Time now, absl::TimeZone zone);

std::string ToJson(const MonthlyReport& report);
// One row per KPI: month,kpi,numerator,denominator,percent,note (empty cells where not
// applicable; warnings in `note`).
std::string ToCsv(const MonthlyReport& report);

}  // namespace fieldline::callbacks
