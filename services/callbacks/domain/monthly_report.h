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

// One agent's, team's or technician's figures in the month.
struct ScopeKpis {
  std::string kind;                  // "agent", "team" or "technician"
  std::string name;                  // the agent / technician id, or the team's name
  std::vector<std::string> members;  // a team's agents
  Ratio callback_success;            // agents and teams
  std::optional<double> callback_completion;
  int64_t callbacks_excluded = 0;
  int64_t callbacks_open = 0;
  Ratio first_time_fix;  // technicians (and the company)
  Ratio repeat_visits;
  Ratio on_time_arrival;
  Ratio sla_on_site;
  Ratio sla_resolution;
  Ratio parts_fill_jobs;
  std::optional<double> mean_time_to_repair_hours;
};

struct ReportedWarning {
  std::string product_model;
  std::string category;
  std::string period_kind;  // month, quarter, year
  std::string period;       // 2024-03, 2024-Q1, 2024
  int count = 0;
  int threshold = 0;
};

// The rest of the company's KPIs (issue 6 item 7) and the per-scope tables; the service always
// fills it; a report built without it prints the core KPIs only.
struct ReportDetails {
  Ratio on_time_arrival;
  Ratio parts_fill_units;  // units reserved at once ÷ units asked for
  Ratio parts_fill_jobs;   // jobs completed without waiting for parts ÷ jobs completed
  Ratio maintenance_arrival;  // rolling six months ending with the month
  std::optional<double> maintenance_completion;
  Ratio complaint_handling;
  std::optional<double> complaint_completion;
  Ratio sla_response;
  Ratio sla_on_site;
  Ratio sla_resolution;
  Ratio churn;
  std::optional<double> care_rate;        // DOMAIN §5 care rate of the month, percent
  std::optional<double> care_completion;  // care rate ÷ target (95 %), percent
  std::vector<ReportedWarning> early_warnings;  // raised during the month
  std::vector<ScopeKpis> agents;
  std::vector<ScopeKpis> teams;
  std::vector<ScopeKpis> technicians;
};

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
  std::optional<ReportDetails> details;
};

// The month a report produced at `now` covers: the calendar month before now's local month
// (a report run on 1 January covers December of the year before).
absl::CivilMonth ReportMonthFor(absl::Time now, absl::TimeZone zone);

std::string ToJson(const MonthlyReport& report);
// One row per KPI: month,kpi,numerator,denominator,percent,note (empty cells where not
// applicable; warnings in `note`).
std::string ToCsv(const MonthlyReport& report);

}  // namespace fieldline::callbacks
