#include "services/common/runtime/health.h"

#include "gtest/gtest.h"

namespace fieldline {
namespace {

const HealthCheck* Find(const HealthReport& report, const std::string& name) {
  for (const HealthCheck& check : report.checks) {
    if (check.name == name) return &check;
  }
  return nullptr;
}

HealthReadings Healthy() {
  HealthReadings r;
  r.disk_free_bytes = 10ll << 30;
  r.consumer_assigned = true;
  r.uptime = absl::Minutes(5);
  return r;
}

TEST(HealthTest, AllWellIsOkAndServing) {
  HealthReport report = EvaluateHealth(Healthy());
  EXPECT_EQ(report.status, "ok");
  EXPECT_TRUE(report.serving);
  EXPECT_EQ(report.checks.size(), 3u);
}

TEST(HealthTest, AFailedDiskWriteStopsServing) {
  HealthReadings r = Healthy();
  r.store_write_failed = true;
  HealthReport report = EvaluateHealth(r);
  EXPECT_EQ(report.status, "unavailable");
  EXPECT_FALSE(report.serving);
  EXPECT_NE(Find(report, "disk")->detail.find("restart"), std::string::npos);
}

TEST(HealthTest, ANearlyFullDiskIsDegradedButServing) {
  HealthReadings r = Healthy();
  r.disk_free_bytes = 100ll << 20;
  HealthReport report = EvaluateHealth(r);
  EXPECT_EQ(report.status, "degraded");
  EXPECT_TRUE(report.serving);
  EXPECT_NE(Find(report, "disk")->detail.find("100 MiB"), std::string::npos);
}

TEST(HealthTest, PublishingStalledWithEventsWaitingPointsAtKafka) {
  HealthReadings r = Healthy();
  r.outbox_depth = 12;
  r.outbox_stalled = kPublishStallWarning - absl::Seconds(1);
  EXPECT_EQ(EvaluateHealth(r).status, "ok");  // just busy
  r.outbox_stalled = kPublishStallWarning;
  HealthReport report = EvaluateHealth(r);
  EXPECT_EQ(report.status, "degraded");
  EXPECT_TRUE(report.serving) << "commands are still saved safely";
  EXPECT_NE(Find(report, "kafka-publish")->detail.find("12 events"), std::string::npos);
  r.outbox_depth = 0;  // nothing waiting: a quiet service is not a stalled one
  EXPECT_EQ(EvaluateHealth(r).status, "ok");
}

TEST(HealthTest, AConsumerThatNeverJoinedIsDegradedAfterAMinute) {
  HealthReadings r = Healthy();
  r.consumer_assigned = false;
  r.uptime = kConsumerJoinWarning - absl::Seconds(1);
  EXPECT_EQ(EvaluateHealth(r).status, "ok");
  r.uptime = kConsumerJoinWarning;
  EXPECT_EQ(EvaluateHealth(r).status, "degraded");
  r.consumer_enabled = false;
  EXPECT_EQ(EvaluateHealth(r).status, "ok");
  EXPECT_EQ(Find(EvaluateHealth(r), "kafka-consume"), nullptr);
}

TEST(HealthTest, JsonNamesEveryCheck) {
  HealthReadings r = Healthy();
  r.store_write_failed = true;
  const std::string json = HealthJson(EvaluateHealth(r));
  EXPECT_NE(json.find("\"status\":\"unavailable\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"disk\""), std::string::npos);
  EXPECT_NE(json.find("\"kafka-publish\""), std::string::npos);
}

}  // namespace
}  // namespace fieldline
