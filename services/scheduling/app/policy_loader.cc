#include "services/scheduling/app/policy_loader.h"

#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/scheduling/domain/text.h"
#include "yaml-cpp/yaml.h"

namespace fieldline::scheduling {
namespace {

absl::Status Bad(const std::string& key, std::string_view message) {
  return InvalidArgument(key, absl::StrCat("Policy key ", key, ": ", AsAbsl(message)));
}

std::string Join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : absl::StrCat(parent, ".", key);
}

// Unknown keys are errors: a typo must not silently keep a default.
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
  if (!node.IsScalar()) return Bad(key, absl::StrCat("must be ", AsAbsl(what), "."));
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    return Bad(key, absl::StrCat("must be ", AsAbsl(what), "."));
  }
}

// A whole number in [low, high].
absl::StatusOr<int64_t> Between(const YAML::Node& node, const std::string& key, int64_t low,
                                int64_t high) {
  absl::StatusOr<int64_t> v = Scalar<int64_t>(node, key, "a whole number");
  if (!v.ok()) return v.status();
  if (*v < low || *v > high) {
    return Bad(key, absl::StrCat("must be from ", low, " to ", high, " (is ", *v, ")."));
  }
  return *v;
}

absl::Status ParseDurations(const YAML::Node& node, DispatchPolicy& policy) {
  const std::string path = "job_durations";
  if (absl::Status s = OnlyKeys(node, path, {"default_minutes", "categories"}); !s.ok()) return s;
  if (node["default_minutes"]) {
    absl::StatusOr<int64_t> m =
        Between(node["default_minutes"], Join(path, "default_minutes"), 1, 24 * 60);
    if (!m.ok()) return m.status();
    policy.default_job_duration = absl::Minutes(*m);
  }
  if (const YAML::Node categories = node["categories"]) {
    const std::string cpath = Join(path, "categories");
    if (!categories.IsMap()) return Bad(cpath, "must map categories to minutes.");
    policy.category_durations.clear();
    for (const auto& entry : categories) {
      const std::string name = entry.first.as<std::string>();
      const std::string category = absl::AsciiStrToLower(AsAbsl(Trim(name)));
      const std::string key = Join(cpath, entry.first.as<std::string>());
      if (category.empty()) return Bad(key, "the category is empty.");
      absl::StatusOr<int64_t> m = Between(entry.second, key, 1, 24 * 60);
      if (!m.ok()) return m.status();
      policy.category_durations[category] = absl::Minutes(*m);
    }
  }
  return absl::OkStatus();
}

absl::Status ParseChecklist(const YAML::Node& node, DispatchPolicy& policy) {
  const std::string path = "checklist";
  if (!node.IsSequence() || node.size() == 0) {
    return Bad(path, "must be a non-empty list of the items a technician ticks off on site.");
  }
  std::vector<std::string> items;
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string key = absl::StrCat(path, "[", i, "]");
    absl::StatusOr<std::string> text = Scalar<std::string>(node[i], key, "a text");
    if (!text.ok()) return text.status();
    std::string item(Trim(*text));
    if (item.empty()) return Bad(key, "is empty.");
    if (!seen.insert(item).second) return Bad(key, absl::StrCat("repeats \"", item, "\"."));
    items.push_back(std::move(item));
  }
  policy.checklist = std::move(items);
  return absl::OkStatus();
}

absl::Status ParseFees(const YAML::Node& node, DispatchPolicy& policy) {
  const std::string path = "fee_schedule";
  if (!node.IsMap() || node.size() == 0) {
    return Bad(path, "must map each published fee item to its amount in fen.");
  }
  std::map<std::string, int64_t> fees;
  for (const auto& entry : node) {
    const std::string name = entry.first.as<std::string>();
    const std::string item(Trim(name));
    const std::string key = Join(path, entry.first.as<std::string>());
    if (item.empty()) return Bad(key, "the fee item is empty.");
    absl::StatusOr<int64_t> amount = Between(entry.second, key, 0, 100'000'000);
    if (!amount.ok()) return amount.status();
    fees[item] = *amount;
  }
  policy.fee_schedule = std::move(fees);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DispatchPolicy> ParseDispatchPolicy(std::string_view yaml) {
  DispatchPolicy policy;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("policy",
                           absl::StrCat("The policy file is not valid YAML: ", e.what()));
  }
  if (root.IsNull()) return policy;  // empty file: defaults
  if (absl::Status s =
          OnlyKeys(root, "",
                   {"time_zone", "travel_speed_kmh", "on_time_early_minutes", "sla_on_site_hours",
                    "checklist", "fee_schedule", "job_durations"});
      !s.ok()) {
    return s;
  }
  if (root["time_zone"]) {
    absl::StatusOr<std::string> zone =
        Scalar<std::string>(root["time_zone"], "time_zone", "a time zone name");
    if (!zone.ok()) return zone.status();
    if (!absl::LoadTimeZone(*zone, &policy.time_zone)) {
      return Bad("time_zone", absl::StrCat("\"", *zone,
                                           "\" is not a known time zone (e.g. Asia/Shanghai)."));
    }
  }
  if (root["travel_speed_kmh"]) {
    absl::StatusOr<double> speed =
        Scalar<double>(root["travel_speed_kmh"], "travel_speed_kmh", "a number");
    if (!speed.ok()) return speed.status();
    if (!(*speed >= 1 && *speed <= 200)) {
      return Bad("travel_speed_kmh", "must be from 1 to 200 km/h.");
    }
    policy.travel_speed_kmh = *speed;
  }
  if (root["on_time_early_minutes"]) {
    absl::StatusOr<int64_t> m =
        Between(root["on_time_early_minutes"], "on_time_early_minutes", 0, 240);
    if (!m.ok()) return m.status();
    policy.early_arrival_tolerance = absl::Minutes(*m);
  }
  if (root["sla_on_site_hours"]) {
    absl::StatusOr<int64_t> h = Between(root["sla_on_site_hours"], "sla_on_site_hours", 1, 24 * 30);
    if (!h.ok()) return h.status();
    policy.sla_on_site = absl::Hours(*h);
  }
  if (root["checklist"]) {
    if (absl::Status s = ParseChecklist(root["checklist"], policy); !s.ok()) return s;
  }
  if (root["fee_schedule"]) {
    if (absl::Status s = ParseFees(root["fee_schedule"], policy); !s.ok()) return s;
  }
  if (root["job_durations"]) {
    if (absl::Status s = ParseDurations(root["job_durations"], policy); !s.ok()) return s;
  }
  return policy;
}

absl::StatusOr<DispatchPolicy> LoadDispatchPolicy(const std::string& path) {
  if (path.empty()) return DispatchPolicy{};
  std::ifstream in(path);
  if (!in) {
    return InvalidArgument("policy_file",
                           absl::StrCat("The policy file ", path, " cannot be read."));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseDispatchPolicy(text.str());
}

}  // namespace fieldline::scheduling
