#include "services/callbacks/domain/monthly_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace fieldline::callbacks {
namespace {

std::string Fixed2(double v) { return absl::StrFormat("%.2f", v); }

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string JsonOptional(const std::optional<double>& v) {
  return v.has_value() ? Fixed2(*v) : "null";
}

std::string JsonRatio(const Ratio& r) {
  return absl::StrCat("{\"numerator\":", r.numerator, ",\"denominator\":", r.denominator,
                      ",\"percent\":", JsonOptional(r.Percent()), "}");
}

std::string MonthLabel(absl::CivilMonth m) { return absl::FormatCivilTime(m); }

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvOptional(const std::optional<double>& v) {
  return v.has_value() ? Fixed2(*v) : "";
}

std::string JsonScope(const ScopeKpis& s) {
  std::vector<std::string> members;
  for (const std::string& m : s.members) members.push_back(JsonString(m));
  std::string out = absl::StrCat("{\"name\":", JsonString(s.name));
  if (s.kind == "team") absl::StrAppend(&out, ",\"members\":[", absl::StrJoin(members, ","), "]");
  if (s.kind != "technician") {
    absl::StrAppend(&out, ",\"callback_success\":", JsonRatio(s.callback_success),
                    ",\"callback_completion\":", JsonOptional(s.callback_completion),
                    ",\"callbacks_excluded\":", s.callbacks_excluded,
                    ",\"callbacks_open\":", s.callbacks_open);
  } else {
    absl::StrAppend(&out, ",\"first_time_fix\":", JsonRatio(s.first_time_fix),
                    ",\"repeat_visits\":", JsonRatio(s.repeat_visits),
                    ",\"on_time_arrival\":", JsonRatio(s.on_time_arrival),
                    ",\"sla_on_site\":", JsonRatio(s.sla_on_site),
                    ",\"sla_resolution\":", JsonRatio(s.sla_resolution),
                    ",\"parts_fill_jobs\":", JsonRatio(s.parts_fill_jobs),
                    ",\"mean_time_to_repair_hours\":", JsonOptional(s.mean_time_to_repair_hours));
  }
  return out + "}";
}

std::string JsonScopes(const std::vector<ScopeKpis>& scopes) {
  std::vector<std::string> parts;
  for (const ScopeKpis& s : scopes) parts.push_back(JsonScope(s));
  return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
}

std::string JsonDetails(const ReportDetails& d) {
  std::vector<std::string> warnings;
  for (const ReportedWarning& w : d.early_warnings) {
    warnings.push_back(absl::StrCat(
        "{\"product_model\":", JsonString(w.product_model), ",\"category\":",
        JsonString(w.category), ",\"period_kind\":", JsonString(w.period_kind),
        ",\"period\":", JsonString(w.period), ",\"count\":", w.count,
        ",\"threshold\":", w.threshold, "}"));
  }
  return absl::StrCat(
      ",\"on_time_arrival\":", JsonRatio(d.on_time_arrival),
      ",\"parts_fill_units\":", JsonRatio(d.parts_fill_units),
      ",\"parts_fill_jobs\":", JsonRatio(d.parts_fill_jobs),
      ",\"maintenance_arrival\":", JsonRatio(d.maintenance_arrival),
      ",\"maintenance_completion\":", JsonOptional(d.maintenance_completion),
      ",\"complaint_handling\":", JsonRatio(d.complaint_handling),
      ",\"complaint_completion\":", JsonOptional(d.complaint_completion),
      ",\"sla\":{\"response\":", JsonRatio(d.sla_response),
      ",\"on_site\":", JsonRatio(d.sla_on_site),
      ",\"resolution\":", JsonRatio(d.sla_resolution), "}",
      ",\"churn\":", JsonRatio(d.churn),
      ",\"care_rate\":", JsonOptional(d.care_rate),
      ",\"care_completion\":", JsonOptional(d.care_completion),
      ",\"early_warnings\":[", absl::StrJoin(warnings, ","), "]",
      ",\"agents\":", JsonScopes(d.agents),
      ",\"teams\":", JsonScopes(d.teams),
      ",\"technicians\":", JsonScopes(d.technicians));
}

}  // namespace

absl::CivilMonth ReportMonthFor(absl::Time now, absl::TimeZone zone) {
  return absl::CivilMonth(absl::ToCivilDay(now, zone)) - 1;
}

std::string ToJson(const MonthlyReport& report) {
  std::vector<std::string> warnings;
  for (const std::string& w : report.warnings) warnings.push_back(JsonString(w));
  return absl::StrCat(
      "{\"month\":", JsonString(MonthLabel(report.month)),
      ",\"callback_success\":", JsonRatio(report.callback_success),
      ",\"callback_completion\":", JsonOptional(report.callback_completion),
      ",\"callbacks_excluded\":", report.callbacks_excluded,
      ",\"callbacks_open\":", report.callbacks_open,
      ",\"first_time_fix\":", JsonRatio(report.first_time_fix),
      ",\"repeat_visits\":", JsonRatio(report.repeat_visits),
      ",\"mean_time_to_repair_hours\":", JsonOptional(report.mean_time_to_repair_hours),
      report.details ? JsonDetails(*report.details) : std::string(),
      ",\"warnings\":[", absl::StrJoin(warnings, ","), "]}");
}

std::string ToCsv(const MonthlyReport& report) {
  const std::string month = MonthLabel(report.month);
  auto row = [&month](const std::string& kpi, const std::string& numerator,
                      const std::string& denominator, const std::string& percent,
                      const std::string& note) {
    return absl::StrCat(month, ",", kpi, ",", numerator, ",", denominator, ",", percent, ",",
                        CsvCell(note), "\n");
  };
  auto ratio = [&row](const std::string& kpi, const Ratio& r) {
    return row(kpi, absl::StrCat(r.numerator), absl::StrCat(r.denominator),
               CsvOptional(r.Percent()), "");
  };
  std::string out = "month,kpi,numerator,denominator,percent,note\n";
  out += ratio("callback_success", report.callback_success);
  out += row("callback_completion", "", "", CsvOptional(report.callback_completion), "");
  out += row("callbacks_excluded", absl::StrCat(report.callbacks_excluded), "", "", "");
  out += row("callbacks_open", absl::StrCat(report.callbacks_open), "", "", "");
  out += ratio("first_time_fix", report.first_time_fix);
  out += ratio("repeat_visits", report.repeat_visits);
  out += row("mean_time_to_repair_hours", "", "", CsvOptional(report.mean_time_to_repair_hours),
             "");
  if (report.details) {
    const ReportDetails& d = *report.details;
    out += ratio("on_time_arrival", d.on_time_arrival);
    out += ratio("parts_fill_units", d.parts_fill_units);
    out += ratio("parts_fill_jobs", d.parts_fill_jobs);
    out += ratio("maintenance_arrival", d.maintenance_arrival);
    out += row("maintenance_completion", "", "", CsvOptional(d.maintenance_completion), "");
    out += ratio("complaint_handling", d.complaint_handling);
    out += row("complaint_completion", "", "", CsvOptional(d.complaint_completion), "");
    out += ratio("sla_response", d.sla_response);
    out += ratio("sla_on_site", d.sla_on_site);
    out += ratio("sla_resolution", d.sla_resolution);
    out += ratio("churn", d.churn);
    out += row("care_rate", "", "", CsvOptional(d.care_rate), "");
    out += row("care_completion", "", "", CsvOptional(d.care_completion), "");
    for (const ReportedWarning& w : d.early_warnings) {
      out += row("early_warning", absl::StrCat(w.count), absl::StrCat(w.threshold), "",
                 absl::StrCat(w.product_model, " / ", w.category, " / ", w.period_kind, " ",
                              w.period));
    }
    // Per scope: kpi "<kind>:<name>:<kpi>".
    const auto scoped = [&](const ScopeKpis& s, const std::string& kpi, const Ratio& r) {
      out += ratio(absl::StrCat(s.kind, ":", s.name, ":", kpi), r);
    };
    for (const auto* list : {&d.agents, &d.teams}) {
      for (const ScopeKpis& s : *list) {
        scoped(s, "callback_success", s.callback_success);
        out += row(absl::StrCat(s.kind, ":", s.name, ":callback_completion"), "", "",
                   CsvOptional(s.callback_completion), absl::StrJoin(s.members, " "));
      }
    }
    for (const ScopeKpis& s : d.technicians) {
      scoped(s, "first_time_fix", s.first_time_fix);
      scoped(s, "repeat_visits", s.repeat_visits);
      scoped(s, "on_time_arrival", s.on_time_arrival);
      scoped(s, "sla_on_site", s.sla_on_site);
      scoped(s, "sla_resolution", s.sla_resolution);
      scoped(s, "parts_fill_jobs", s.parts_fill_jobs);
      out += row(absl::StrCat(s.kind, ":", s.name, ":mean_time_to_repair_hours"), "", "",
                 CsvOptional(s.mean_time_to_repair_hours), "");
    }
  }
  for (const std::string& w : report.warnings) out += row("warning", "", "", "", w);
  return out;
}

}  // namespace fieldline::callbacks
