#include "services/common/kafka/reset_probe.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "services/common/testing/mock_kafka.h"
#include "services/common/testing/wait.h"

namespace fieldline::kafka_internal {
namespace {

using std::chrono::seconds;
using testing::MockKafka;
using testing::WaitFor;

constexpr char kTopic[] = "fieldline.intake.v1";

std::unique_ptr<ResetProbe> ProbeOf(const MockKafka& kafka) {
  absl::StatusOr<std::unique_ptr<ResetProbe>> probe =
      ResetProbe::Create({{"bootstrap.servers", kafka.bootstrap()}}, kTopic);
  EXPECT_TRUE(probe.ok()) << probe.status();
  return probe.ok() ? *std::move(probe) : nullptr;
}

// Produces a few keyed messages; returns partition → highest offset, as the relay records it.
std::map<int32_t, int64_t> ProduceAndMark(MockKafka& kafka) {
  for (const char* key : {"t-1", "t-2", "t-3", "t-1", "t-2"}) {
    EXPECT_TRUE(kafka.Produce(kTopic, key, "payload").ok());
  }
  std::map<int32_t, int64_t> marks;
  absl::StatusOr<std::vector<MockKafka::Message>> messages = kafka.ReadTopic(kTopic);
  EXPECT_TRUE(messages.ok());
  for (const auto& m : *messages) marks[m.partition] = std::max(marks[m.partition], m.offset);
  return marks;
}

ResetProbe::Verdict WaitForVerdict(ResetProbe& probe, std::string* detail) {
  ResetProbe::Verdict verdict = ResetProbe::Verdict::kPending;
  WaitFor(
      [&] {
        verdict = probe.Poll(detail);
        return verdict != ResetProbe::Verdict::kPending;
      },
      seconds(10));
  return verdict;
}

TEST(ResetProbeTest, ABrokerThatHoldsTheMarksIsIntact) {
  MockKafka kafka;
  const std::map<int32_t, int64_t> marks = ProduceAndMark(kafka);
  ASSERT_FALSE(marks.empty());
  auto probe = ProbeOf(kafka);
  probe->StartRound(marks);
  std::string detail;
  EXPECT_EQ(WaitForVerdict(*probe, &detail), ResetProbe::Verdict::kIntact) << detail;
  EXPECT_FALSE(probe->round_active());
}

TEST(ResetProbeTest, AnEmptyNewBrokerIsAReset) {
  MockKafka old_broker;
  const std::map<int32_t, int64_t> marks = ProduceAndMark(old_broker);
  MockKafka new_broker;
  auto probe = ProbeOf(new_broker);
  probe->StartRound(marks);
  std::string detail;
  EXPECT_EQ(WaitForVerdict(*probe, &detail), ResetProbe::Verdict::kReset);
  EXPECT_NE(detail.find("partition="), std::string::npos) << detail;
}

TEST(ResetProbeTest, ABrokerThatEndsJustBeforeAMarkIsAReset) {
  MockKafka kafka;
  std::map<int32_t, int64_t> marks = ProduceAndMark(kafka);
  marks.begin()->second += 1;  // acknowledged once, no longer there
  auto probe = ProbeOf(kafka);
  probe->StartRound(marks);
  std::string detail;
  EXPECT_EQ(WaitForVerdict(*probe, &detail), ResetProbe::Verdict::kReset) << detail;
}

TEST(ResetProbeTest, AMissingPartitionIsAReset) {
  MockKafka kafka(/*partitions=*/2);
  auto probe = ProbeOf(kafka);
  probe->StartRound({{5, 0}});
  std::string detail;
  EXPECT_EQ(WaitForVerdict(*probe, &detail), ResetProbe::Verdict::kReset) << detail;
}

TEST(ResetProbeTest, AGoneBrokerGivesNoVerdictWithoutBlocking) {
  auto kafka = std::make_unique<MockKafka>();
  const std::map<int32_t, int64_t> marks = ProduceAndMark(*kafka);
  auto probe = ProbeOf(*kafka);
  probe->StartRound(marks);
  kafka.reset();
  std::string detail;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    const ResetProbe::Verdict verdict = probe->Poll(&detail);
    // A verdict may have been reached before the broker went away; never a wrong "reset".
    EXPECT_NE(verdict, ResetProbe::Verdict::kReset) << detail;
    if (verdict != ResetProbe::Verdict::kPending) probe->StartRound(marks);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(1)) << "Poll never blocks";
}

}  // namespace
}  // namespace fieldline::kafka_internal
