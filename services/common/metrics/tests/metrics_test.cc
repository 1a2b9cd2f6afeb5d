#include "services/common/metrics/metrics.h"

#include <string>

#include "gtest/gtest.h"

namespace fieldline::metrics {
namespace {

bool Contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(MetricsTest, CountersAddUpPerLabelSet) {
  Registry registry;
  registry.Describe("rpc_total", Type::kCounter, "Calls by method and code.");
  registry.Add("rpc_total", {{"method", "OpenTicket"}, {"code", "OK"}});
  registry.Add("rpc_total", {{"method", "OpenTicket"}, {"code", "OK"}}, 2);
  registry.Add("rpc_total", {{"method", "OpenTicket"}, {"code", "INVALID_ARGUMENT"}});
  const std::string text = registry.Render();
  EXPECT_TRUE(Contains(text, "# HELP rpc_total Calls by method and code.\n"));
  EXPECT_TRUE(Contains(text, "# TYPE rpc_total counter\n"));
  EXPECT_TRUE(Contains(text, "rpc_total{method=\"OpenTicket\",code=\"OK\"} 3\n"));
  EXPECT_TRUE(Contains(text, "rpc_total{method=\"OpenTicket\",code=\"INVALID_ARGUMENT\"} 1\n"));
  EXPECT_EQ(registry.Value("rpc_total", {{"method", "OpenTicket"}, {"code", "OK"}}), 3);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry registry;
  registry.Describe("latency_seconds", Type::kHistogram, "Latency.", {0.1, 1});
  registry.Observe("latency_seconds", {}, 0.05);
  registry.Observe("latency_seconds", {},
                   0.1);  // on the bound: counts in le="0.1"
  registry.Observe("latency_seconds", {}, 0.5);
  registry.Observe("latency_seconds", {}, 7);
  const std::string text = registry.Render();
  EXPECT_TRUE(Contains(text, "latency_seconds_bucket{le=\"0.1\"} 2\n")) << text;
  EXPECT_TRUE(Contains(text, "latency_seconds_bucket{le=\"1\"} 3\n")) << text;
  EXPECT_TRUE(Contains(text, "latency_seconds_bucket{le=\"+Inf\"} 4\n")) << text;
  EXPECT_TRUE(Contains(text, "latency_seconds_sum 7.65\n")) << text;
  EXPECT_TRUE(Contains(text, "latency_seconds_count 4\n")) << text;
}

TEST(MetricsTest, CollectorsSetGaugesBeforeEachScrape) {
  Registry registry;
  int depth = 5;
  const int id = registry.AddCollector([&](Registry& r) { r.Set("outbox_depth", {}, depth); });
  EXPECT_TRUE(Contains(registry.Render(), "outbox_depth 5\n"));
  depth = 0;
  EXPECT_TRUE(Contains(registry.Render(), "outbox_depth 0\n"));
  registry.RemoveCollector(id);
  depth = 9;
  EXPECT_TRUE(Contains(registry.Render(), "outbox_depth 0\n"));  // no longer refreshed
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(RenderLabels({{"why", "a \"b\"\\c\nd"}}), "{why=\"a \\\"b\\\"\\\\c\\nd\"}");
  EXPECT_EQ(RenderLabels({}), "");
}

}  // namespace
}  // namespace fieldline::metrics
