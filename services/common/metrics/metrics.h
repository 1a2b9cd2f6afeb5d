#pragma once

// Process-wide metrics in the Prometheus text format: counters, gauges and
// histograms with labels. Hot paths (every RPC, every consumed event) only take
// a short mutex; gauges that are cheap to read on demand (outbox depth,
// consumer lag, RocksDB sizes) are filled by collectors right before each
// scrape.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fieldline::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class Type { kCounter, kGauge, kHistogram };

// Latency buckets in seconds, from 250 µs to 10 s.
const std::vector<double>& LatencyBuckets();

class Registry {
 public:
  // Declares a metric family (help text and type). Using a name before
  // declaring it declares it with an empty help text.
  void Describe(std::string_view name, Type type, std::string_view help,
                std::vector<double> buckets = {});

  void Add(std::string_view counter, const Labels& labels, double by = 1);
  void Set(std::string_view gauge, const Labels& labels, double value);
  void Observe(std::string_view histogram, const Labels& labels, double value);

  // Runs before every Render, e.g. to set gauges from the store. Returns an id
  // for Remove.
  int AddCollector(std::function<void(Registry&)> collect);
  void RemoveCollector(int id);

  // The whole registry in the Prometheus text exposition format (version
  // 0.0.4).
  std::string Render();

  // The current value of a counter or gauge (0 if never set); for tests and
  // health checks.
  double Value(std::string_view name, const Labels& labels) const;

 private:
  struct Series {
    double value = 0;               // counter / gauge; histogram: sum
    uint64_t count = 0;             // histogram
    std::vector<uint64_t> buckets;  // histogram, cumulative at render time
  };
  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::vector<double> bounds;
    std::map<std::string, Series> series;  // rendered label set → values
  };
  Family& FamilyLocked(std::string_view name, Type type);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::mutex collectors_mu_;
  std::map<int, std::function<void(Registry&)>> collectors_;
  int next_collector_ = 0;
};

// The registry of this process (every service is its own process).
Registry& Global();

// `{a="x",b="y"}` with Prometheus escaping; empty for no labels.
std::string RenderLabels(const Labels& labels);

}  // namespace fieldline::metrics
