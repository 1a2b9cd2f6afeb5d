#include "services/common/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace fieldline::metrics {
namespace {

std::string Escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

// Adds `extra` (e.g. le="0.5") to a rendered label set.
std::string WithLabel(const std::string& rendered, const std::string& extra) {
  if (rendered.empty()) return "{" + extra + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

const char* TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> buckets = {
      0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
  }
  return out + "}";
}

Registry::Family& Registry::FamilyLocked(std::string_view name, Type type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    Family family;
    family.type = type;
    if (type == Type::kHistogram) family.bounds = LatencyBuckets();
    it = families_.emplace(std::string(name), std::move(family)).first;
  }
  return it->second;
}

void Registry::Describe(std::string_view name, Type type, std::string_view help,
                        std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& family = FamilyLocked(name, type);
  family.type = type;
  family.help = std::string(help);
  if (type == Type::kHistogram && !buckets.empty()) {
    std::sort(buckets.begin(), buckets.end());
    family.bounds = std::move(buckets);
  }
}

void Registry::Add(std::string_view counter, const Labels& labels, double by) {
  const std::string key = RenderLabels(labels);
  std::lock_guard<std::mutex> lock(mu_);
  FamilyLocked(counter, Type::kCounter).series[key].value += by;
}

void Registry::Set(std::string_view gauge, const Labels& labels, double value) {
  const std::string key = RenderLabels(labels);
  std::lock_guard<std::mutex> lock(mu_);
  FamilyLocked(gauge, Type::kGauge).series[key].value = value;
}

void Registry::Observe(std::string_view histogram, const Labels& labels, double value) {
  const std::string key = RenderLabels(labels);
  std::lock_guard<std::mutex> lock(mu_);
  Family& family = FamilyLocked(histogram, Type::kHistogram);
  Series& series = family.series[key];
  if (series.buckets.size() != family.bounds.size()) series.buckets.assign(family.bounds.size(), 0);
  // Per-bucket counts here; Render makes them cumulative.
  const auto bucket = std::lower_bound(family.bounds.begin(), family.bounds.end(), value);
  if (bucket != family.bounds.end()) ++series.buckets[bucket - family.bounds.begin()];
  series.value += value;
  ++series.count;
}

int Registry::AddCollector(std::function<void(Registry&)> collect) {
  std::lock_guard<std::mutex> lock(collectors_mu_);
  const int id = next_collector_++;
  collectors_.emplace(id, std::move(collect));
  return id;
}

void Registry::RemoveCollector(int id) {
  std::lock_guard<std::mutex> lock(collectors_mu_);
  collectors_.erase(id);
}

double Registry::Value(std::string_view name, const Labels& labels) const {
  const std::string key = RenderLabels(labels);
  std::lock_guard<std::mutex> lock(mu_);
  auto family = families_.find(name);
  if (family == families_.end()) return 0;
  auto series = family->second.series.find(key);
  if (series == family->second.series.end()) return 0;
  return family->second.type == Type::kHistogram ? static_cast<double>(series->second.count)
                                                 : series->second.value;
}

std::string Registry::Render() {
  {
    std::lock_guard<std::mutex> lock(collectors_mu_);
    for (auto& [id, collect] : collectors_) collect(*this);
  }
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, family] : families_) {
    if (!family.help.empty()) out << "# HELP " << name << " " << family.help << "\n";
    out << "# TYPE " << name << " " << TypeName(family.type) << "\n";
    for (const auto& [labels, series] : family.series) {
      if (family.type != Type::kHistogram) {
        out << name << labels << " " << Number(series.value) << "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < family.bounds.size(); ++i) {
        cumulative += i < series.buckets.size() ? series.buckets[i] : 0;
        out << name << "_bucket" << WithLabel(labels, "le=\"" + Number(family.bounds[i]) + "\"")
            << " " << cumulative << "\n";
      }
      out << name << "_bucket" << WithLabel(labels, "le=\"+Inf\"") << " " << series.count << "\n";
      out << name << "_sum" << labels << " " << Number(series.value) << "\n";
      out << name << "_count" << labels << " " << series.count << "\n";
    }
  }
  return out.str();
}

Registry& Global() {
  static Registry* registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

}  // namespace fieldline::metrics
