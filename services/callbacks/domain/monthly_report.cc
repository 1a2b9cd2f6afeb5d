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
  for (const std::string& w : report.warnings) out += row("warning", "", "", "", w);
  return out;
}

}  // namespace fieldline::callbacks
