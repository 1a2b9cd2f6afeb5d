#include "services/intake/app/policy_loader.h"

#include <fstream>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "yaml-cpp/yaml.h"

namespace fieldline::intake {
namespace {

absl::Status Bad(const std::string& key, const std::string& message) {
  return InvalidArgument(key, absl::StrCat("Policy key ", key, ": ", message));
}

std::string Join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : absl::StrCat(parent, ".", key);
}

// Unknown keys are errors (a typo must not silently keep a default).
absl::Status OnlyKeys(const YAML::Node& node, const std::string& path,
                      std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) return Bad(path.empty() ? "policy" : path, "must be a mapping of keys.");
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) return Bad(Join(path, key), "is not a known key.");
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<T> Scalar(const YAML::Node& node, const std::string& key, std::string_view what) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    return Bad(key, absl::StrCat("must be ", AsAbsl(what), "."));
  }
}

absl::StatusOr<Coverage> CoverageOf(const YAML::Node& node, const std::string& key) {
  absl::StatusOr<std::string> text = Scalar<std::string>(node, key, "a coverage");
  if (!text.ok()) return text.status();
  const std::string c = absl::AsciiStrToLower(*text);
  if (c == "free") return Coverage::kFree;
  if (c == "parts_at_cost") return Coverage::kPartsAtCost;
  if (c == "fee_schedule") return Coverage::kFeeSchedule;
  if (c == "responsible_party_pays") return Coverage::kResponsiblePartyPays;
  return Bad(key, "must be free, parts_at_cost, fee_schedule or responsible_party_pays.");
}

absl::StatusOr<CustomerTier> TierOf(const YAML::Node& node, const std::string& key) {
  absl::StatusOr<std::string> text = Scalar<std::string>(node, key, "a tier");
  if (!text.ok()) return text.status();
  const std::string t = absl::AsciiStrToLower(*text);
  if (t == "any") return CustomerTier::kUnspecified;
  if (t == "key_account") return CustomerTier::kKeyAccount;
  if (t == "a") return CustomerTier::kA;
  if (t == "b") return CustomerTier::kB;
  if (t == "c") return CustomerTier::kC;
  return Bad(key, "must be any, key_account, A, B or C.");
}

absl::StatusOr<Priority> PriorityOf(const YAML::Node& node, const std::string& key) {
  absl::StatusOr<std::string> text = Scalar<std::string>(node, key, "a priority");
  if (!text.ok()) return text.status();
  const std::string p = absl::AsciiStrToLower(*text);
  if (p == "any") return Priority::kUnspecified;
  if (p == "low") return Priority::kLow;
  if (p == "normal") return Priority::kNormal;
  if (p == "high") return Priority::kHigh;
  if (p == "urgent") return Priority::kUrgent;
  return Bad(key, "must be any, low, normal, high or urgent.");
}

absl::StatusOr<int64_t> NonNegative(const YAML::Node& node, const std::string& key) {
  absl::StatusOr<int64_t> v = Scalar<int64_t>(node, key, "a whole number");
  if (!v.ok()) return v.status();
  if (*v < 0) return Bad(key, "cannot be negative.");
  return *v;
}

absl::Status ParseCalendar(const YAML::Node& node, const std::string& path,
                           BusinessCalendar& cal) {
  if (absl::Status s = OnlyKeys(node, path, {"time_zone", "hours", "holidays", "makeup_days"});
      !s.ok()) {
    return s;
  }
  if (node["time_zone"]) {
    absl::StatusOr<std::string> zone =
        Scalar<std::string>(node["time_zone"], Join(path, "time_zone"), "a time zone name");
    if (!zone.ok()) return zone.status();
    cal.time_zone_name = *zone;
    if (absl::Status s = LoadCalendarZone(Join(path, "time_zone"), cal); !s.ok()) return s;
  }
  if (const YAML::Node hours = node["hours"]) {
    static constexpr std::string_view kDays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                                 "friday", "saturday", "sunday"};
    const std::string hpath = Join(path, "hours");
    if (absl::Status s = OnlyKeys(hours, hpath, {"monday", "tuesday", "wednesday", "thursday",
                                                 "friday", "saturday", "sunday"});
        !s.ok()) {
      return s;
    }
    for (int d = 0; d < 7; ++d) {
      const YAML::Node day = hours[std::string(kDays[d])];
      if (!day) continue;
      const std::string key = Join(hpath, std::string(kDays[d]));
      absl::StatusOr<std::string> text = Scalar<std::string>(day, key, "\"HH:MM-HH:MM\" or off");
      if (!text.ok()) return text.status();
      if (absl::AsciiStrToLower(*text) == "off") {
        cal.week[d] = WorkingHours{0, 0};
        continue;
      }
      std::vector<std::string> parts = absl::StrSplit(*text, '-');
      if (parts.size() != 2) return Bad(key, "must be \"HH:MM-HH:MM\" (e.g. 09:00-18:00) or off.");
      absl::StatusOr<int> start = ParseClockTime(key, parts[0]);
      if (!start.ok()) return start.status();
      absl::StatusOr<int> end = ParseClockTime(key, parts[1]);
      if (!end.ok()) return end.status();
      if (*end <= *start) return Bad(key, "must end after it starts.");
      cal.week[d] = WorkingHours{*start, *end};
    }
  }
  for (const char* list : {"holidays", "makeup_days"}) {
    const YAML::Node days = node[list];
    if (!days) continue;
    const std::string lpath = Join(path, list);
    if (!days.IsSequence()) return Bad(lpath, "must be a list of dates (YYYY-MM-DD).");
    std::set<absl::CivilDay>& out =
        std::string_view(list) == "holidays" ? cal.holidays : cal.makeup_days;
    for (size_t i = 0; i < days.size(); ++i) {
      const std::string key = absl::StrCat(lpath, "[", i, "]");
      absl::StatusOr<std::string> text = Scalar<std::string>(days[i], key, "a date");
      if (!text.ok()) return text.status();
      absl::StatusOr<absl::CivilDay> day = ParseDay(key, *text);
      if (!day.ok()) return day.status();
      out.insert(*day);
    }
  }
  return absl::OkStatus();
}

absl::Status ParseSla(const YAML::Node& node, SlaPolicy& sla) {
  const std::string path = "sla";
  if (absl::Status s =
          OnlyKeys(node, path, {"warning_fraction", "contracts_override", "allowances", "calendar"});
      !s.ok()) {
    return s;
  }
  if (node["warning_fraction"]) {
    absl::StatusOr<double> f =
        Scalar<double>(node["warning_fraction"], "sla.warning_fraction", "a number");
    if (!f.ok()) return f.status();
    if (absl::Status s = ValidateWarningFraction("sla.warning_fraction", *f); !s.ok()) return s;
    sla.warning_fraction = *f;
  }
  if (node["contracts_override"]) {
    absl::StatusOr<bool> b =
        Scalar<bool>(node["contracts_override"], "sla.contracts_override", "true or false");
    if (!b.ok()) return b.status();
    sla.contracts_override = *b;
  }
  if (const YAML::Node rows = node["allowances"]) {
    if (!rows.IsSequence() || rows.size() == 0) {
      return Bad("sla.allowances", "must be a non-empty list of allowance rows.");
    }
    sla.rules.clear();
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string rpath = absl::StrCat("sla.allowances[", i, "]");
      const YAML::Node row = rows[i];
      if (absl::Status s = OnlyKeys(row, rpath, {"tier", "priority", "response_minutes",
                                                 "on_site_minutes", "resolution_minutes"});
          !s.ok()) {
        return s;
      }
      SlaAllowanceRule rule;
      if (row["tier"]) {
        absl::StatusOr<CustomerTier> t = TierOf(row["tier"], Join(rpath, "tier"));
        if (!t.ok()) return t.status();
        rule.tier = *t;
      }
      if (row["priority"]) {
        absl::StatusOr<Priority> p = PriorityOf(row["priority"], Join(rpath, "priority"));
        if (!p.ok()) return p.status();
        rule.priority = *p;
      }
      const std::pair<const char*, int64_t*> minutes[] = {
          {"response_minutes", &rule.allowances.response_minutes},
          {"on_site_minutes", &rule.allowances.on_site_minutes},
          {"resolution_minutes", &rule.allowances.resolution_minutes}};
      for (const auto& [key, out] : minutes) {
        if (!row[key]) continue;
        absl::StatusOr<int64_t> v = NonNegative(row[key], Join(rpath, key));
        if (!v.ok()) return v.status();
        *out = *v;
      }
      sla.rules.push_back(rule);
    }
  }
  if (const YAML::Node cal = node["calendar"]) {
    if (absl::Status s = ParseCalendar(cal, "sla.calendar", sla.calendar); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ParseEntitlement(const YAML::Node& node, EntitlementPolicy& e) {
  const std::string path = "entitlement";
  if (absl::Status s = OnlyKeys(node, path,
                                {"in_warranty_product_fault", "in_warranty_unknown_cause",
                                 "misuse", "force_majeure", "out_of_warranty", "damage_by_person",
                                 "warranty_years", "exchange_window_days", "refund_window_days"});
      !s.ok()) {
    return s;
  }
  const std::pair<const char*, Coverage*> coverages[] = {
      {"in_warranty_product_fault", &e.in_warranty_product_fault},
      {"in_warranty_unknown_cause", &e.in_warranty_unknown_cause},
      {"misuse", &e.misuse},
      {"force_majeure", &e.force_majeure},
      {"out_of_warranty", &e.out_of_warranty},
      {"damage_by_person", &e.damage_by_person}};
  for (const auto& [key, out] : coverages) {
    if (!node[key]) continue;
    absl::StatusOr<Coverage> c = CoverageOf(node[key], Join(path, key));
    if (!c.ok()) return c.status();
    *out = *c;
  }
  if (node["warranty_years"]) {
    absl::StatusOr<int64_t> y = NonNegative(node["warranty_years"], "entitlement.warranty_years");
    if (!y.ok()) return y.status();
    if (*y == 0 || *y > 30) return Bad("entitlement.warranty_years", "must be 1 to 30.");
    e.warranty_years = static_cast<int>(*y);
  }
  if (node["exchange_window_days"]) {
    absl::StatusOr<int64_t> d =
        NonNegative(node["exchange_window_days"], "entitlement.exchange_window_days");
    if (!d.ok()) return d.status();
    e.exchange_window = absl::Hours(24 * *d);
  }
  if (node["refund_window_days"]) {
    absl::StatusOr<int64_t> d =
        NonNegative(node["refund_window_days"], "entitlement.refund_window_days");
    if (!d.ok()) return d.status();
    e.refund_window = absl::Hours(24 * *d);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IntakePolicy> ParseIntakePolicy(std::string_view yaml) {
  IntakePolicy policy;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("policy", absl::StrCat("The policy file is not valid YAML: ",
                                                  e.what()));
  }
  if (root.IsNull()) return policy;  // empty file: defaults
  if (absl::Status s = OnlyKeys(root, "", {"sla", "entitlement", "store_repair_promise_hours",
                                           "factory_return_promise_days",
                                           "complaint_first_response_hours",
                                           "callback_dissatisfied_below"});
      !s.ok()) {
    return s;
  }
  if (root["sla"]) {
    if (absl::Status s = ParseSla(root["sla"], policy.sla); !s.ok()) return s;
  }
  if (root["entitlement"]) {
    if (absl::Status s = ParseEntitlement(root["entitlement"], policy.entitlement); !s.ok()) {
      return s;
    }
  }
  const std::tuple<const char*, absl::Duration*, absl::Duration> durations[] = {
      {"store_repair_promise_hours", &policy.store_repair_promise, absl::Hours(1)},
      {"factory_return_promise_days", &policy.factory_return_promise, absl::Hours(24)},
      {"complaint_first_response_hours", &policy.complaint_first_response, absl::Hours(1)}};
  for (const auto& [key, out, unit] : durations) {
    if (!root[key]) continue;
    absl::StatusOr<int64_t> v = NonNegative(root[key], key);
    if (!v.ok()) return v.status();
    if (*v == 0) return Bad(key, "must be at least 1.");
    *out = unit * *v;
  }
  if (root["callback_dissatisfied_below"]) {
    absl::StatusOr<int64_t> v = NonNegative(root["callback_dissatisfied_below"],
                                            "callback_dissatisfied_below");
    if (!v.ok()) return v.status();
    if (*v < 1 || *v > 6) {
      return Bad("callback_dissatisfied_below",
                 "must be between 1 and 6 (survey answers are 1 to 5).");
    }
    policy.callback_dissatisfied_below = static_cast<int>(*v);
  }
  return policy;
}

absl::StatusOr<IntakePolicy> LoadIntakePolicy(const std::string& path) {
  if (path.empty()) return IntakePolicy{};
  std::ifstream in(path);
  if (!in) {
    return InvalidArgument("policy_file",
                           absl::StrCat("The policy file ", path, " cannot be read."));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseIntakePolicy(text.str());
}

}  // namespace fieldline::intake
