#include "services/common/kafka/consumer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/common/kafka/outbox_relay.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/mock_kafka.h"
#include "services/common/testing/temp_dir.h"
#include "services/common/testing/wait.h"

namespace fieldline {
namespace {

using std::chrono::seconds;
using testing::MockKafka;
using testing::TempDir;
using testing::WaitFor;

constexpr char kTopic[] = "fieldline.intake.v1";
constexpr char kGroup[] = "fieldline-scheduling";
// The first join of a group on the mock broker takes ~3 s.
constexpr seconds kAssignmentDeadline(15);
constexpr seconds kDeadline(15);

std::unique_ptr<EventStore> OpenStore(const std::string& path) {
  absl::StatusOr<std::unique_ptr<EventStore>> store = EventStore::Open({.path = path});
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  return *std::move(store);
}

EventEnvelope TicketEvent(const std::string& ticket_id, int64_t version) {
  EventEnvelope event;
  event.set_event_id(ticket_id + "-v" + std::to_string(version));
  event.set_aggregate_type("Ticket");
  event.set_aggregate_id(ticket_id);
  event.set_aggregate_version(version);
  event.mutable_intake()->mutable_ticket_opened()->set_ticket_id(ticket_id);
  return event;
}

void Publish(MockKafka& kafka, const EventEnvelope& event) {
  ASSERT_TRUE(kafka.Produce(kTopic, event.aggregate_id(), event.SerializeAsString()).ok());
}

std::string CountKey(const std::string& ticket_id) { return "p/test-count/" + ticket_id; }

// The effect under test: a per-ticket counter projection, written in the consumer's batch.
absl::Status CountEvent(EventStore& store, const EventEnvelope& event, Batch& batch) {
  batch.Lock({AggregateKey{"TestCounter", event.aggregate_id()}});
  absl::StatusOr<std::optional<std::string>> current = store.Get(CountKey(event.aggregate_id()));
  if (!current.ok()) return current.status();
  const int count = current->has_value() ? std::stoi(**current) : 0;
  batch.Put(CountKey(event.aggregate_id()), std::to_string(count + 1));
  return absl::OkStatus();
}

int CountOf(EventStore& store, const std::string& ticket_id) {
  absl::StatusOr<std::optional<std::string>> value = store.Get(CountKey(ticket_id));
  EXPECT_TRUE(value.ok());
  return value.ok() && value->has_value() ? std::stoi(**value) : 0;
}

EventHandler Counting(EventStore& store) {
  return [&store](const EventEnvelope& event, Batch& batch) {
    return CountEvent(store, event, batch);
  };
}

TEST(EventConsumerTest, AppliesEachEventOnceAndSkipsDuplicatesAndUnknownTypes) {
  TempDir dir;
  MockKafka kafka;
  auto store = OpenStore(dir.Sub("db"));
  for (int version = 1; version <= 5; ++version) {
    for (const char* id : {"t-1", "t-2", "t-3"}) {
      Publish(kafka, TicketEvent(id, version));
      if (version % 2 == 0) Publish(kafka, TicketEvent(id, version));  // re-sent by a relay
    }
  }
  EventEnvelope from_the_future = TicketEvent("t-9", 1);
  from_the_future.clear_payload();  // a payload this build does not know
  Publish(kafka, from_the_future);

  EventConsumer consumer(*store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kGroup,
                         {kTopic}, Counting(*store));
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return consumer.assigned(); }, kAssignmentDeadline));
  ASSERT_TRUE(WaitFor(
      [&] {
        return consumer.applied() == 15 && consumer.skipped() == 6 && consumer.unknown() == 1;
      },
      kDeadline))
      << "applied=" << consumer.applied() << " skipped=" << consumer.skipped()
      << " unknown=" << consumer.unknown();
  consumer.Stop();

  for (const char* id : {"t-1", "t-2", "t-3"}) EXPECT_EQ(CountOf(*store, id), 5) << id;
  EXPECT_EQ(CountOf(*store, "t-9"), 0);
  EXPECT_EQ(consumer.rejected(), 0u);
}

TEST(EventConsumerTest, RestartResumesFromStoredOffsets) {
  TempDir dir;
  MockKafka kafka;
  auto store = OpenStore(dir.Sub("db"));
  const KafkaSettings settings{.bootstrap_servers = kafka.bootstrap()};
  for (int version = 1; version <= 5; ++version) {
    Publish(kafka, TicketEvent("t-1", version));
    Publish(kafka, TicketEvent("t-2", version));
  }
  {
    EventConsumer first(*store, settings, kGroup, {kTopic}, Counting(*store));
    ASSERT_TRUE(first.Start().ok());
    ASSERT_TRUE(WaitFor([&] { return first.applied() == 10; }, kDeadline));
  }

  for (int version = 6; version <= 8; ++version) Publish(kafka, TicketEvent("t-1", version));
  Publish(kafka, TicketEvent("t-2", 6));
  Publish(kafka, TicketEvent("t-2", 3));  // an old event sent again
  Publish(kafka, TicketEvent("t-2", 7));

  EventConsumer second(*store, settings, kGroup, {kTopic}, Counting(*store));
  ASSERT_TRUE(second.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return second.assigned(); }, kAssignmentDeadline));
  ASSERT_TRUE(WaitFor([&] { return second.applied() == 5 && second.skipped() == 1; }, kDeadline))
      << "applied=" << second.applied() << " skipped=" << second.skipped();
  second.Stop();
  EXPECT_EQ(second.applied(), 5u) << "only the new events: reading resumed at the stored offsets";
  EXPECT_EQ(CountOf(*store, "t-1"), 8);
  EXPECT_EQ(CountOf(*store, "t-2"), 7);
}

TEST(EventConsumerTest, SurvivesABrokerResetWithoutApplyingAnythingTwice) {
  TempDir dir;
  const std::string bootstrap_file = dir.Sub("bootstrap");
  auto old_broker = std::make_unique<MockKafka>();
  old_broker->WriteBootstrapFile(bootstrap_file);
  const KafkaSettings settings{.bootstrap_file = bootstrap_file};

  // Intake's store and relay publish; scheduling's store and consumer apply.
  auto intake = OpenStore(dir.Sub("intake"));
  auto scheduling = OpenStore(dir.Sub("scheduling"));
  auto append = [&](const std::string& ticket_id) {
    const AggregateKey ticket{"Ticket", ticket_id};
    Batch batch = intake->NewBatch();
    batch.Lock({ticket});
    EventEnvelope event;
    event.mutable_intake()->mutable_ticket_opened()->set_ticket_id(ticket_id);
    ASSERT_TRUE(batch.Append(ticket, kAnyVersion, {event}).ok());
    ASSERT_TRUE(intake->Commit(std::move(batch)).ok());
  };
  for (int i = 0; i < 4; ++i) {
    append("t-1");
    append("t-2");
  }
  OutboxRelay relay(*intake, settings, kTopic);
  EventConsumer consumer(*scheduling, settings, kGroup, {kTopic}, Counting(*scheduling));
  ASSERT_TRUE(relay.Start().ok());
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return consumer.assigned(); }, kAssignmentDeadline));
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == 8; }, kDeadline));

  // The dev broker restarts empty on other ports.
  auto new_broker = std::make_unique<MockKafka>();
  new_broker->WriteBootstrapFile(bootstrap_file);
  old_broker.reset();
  ASSERT_TRUE(WaitFor([&] { return relay.republish_count() == 1; }, kDeadline));
  append("t-1");
  append("t-3");

  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == 10 && consumer.skipped() >= 8; },
                      kDeadline + kAssignmentDeadline))
      << "applied=" << consumer.applied() << " skipped=" << consumer.skipped();
  new_broker.reset();  // stopping must not wait for a broker that is gone
  const auto stop_started = std::chrono::steady_clock::now();
  consumer.Stop();
  relay.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, seconds(7));
  EXPECT_EQ(relay.republish_count(), 1u) << "one reset, one republication";
  EXPECT_EQ(CountOf(*scheduling, "t-1"), 5);
  EXPECT_EQ(CountOf(*scheduling, "t-2"), 4);
  EXPECT_EQ(CountOf(*scheduling, "t-3"), 1);
}

TEST(EventConsumerTest, SkipsRejectedEventsAndRetriesTransientFailures) {
  TempDir dir;
  MockKafka kafka;
  auto store = OpenStore(dir.Sub("db"));
  for (int version = 1; version <= 4; ++version) Publish(kafka, TicketEvent("t-1", version));
  for (int version = 1; version <= 3; ++version) Publish(kafka, TicketEvent("t-2", version));

  std::mutex mu;
  std::map<std::string, std::vector<int64_t>> applied_versions;  // guarded by mu
  int t2_v1_attempts = 0;                                        // guarded by mu
  EventHandler handler = [&](const EventEnvelope& event, Batch& batch) -> absl::Status {
    std::lock_guard<std::mutex> lock(mu);
    if (event.aggregate_id() == "t-1" && event.aggregate_version() == 2) {
      return FailedPrecondition("A closed ticket cannot be scheduled.");
    }
    if (event.aggregate_id() == "t-2" && event.aggregate_version() == 1 && t2_v1_attempts++ == 0) {
      return Unavailable("The technician roster is not reachable right now.");
    }
    if (absl::Status s = CountEvent(*store, event, batch); !s.ok()) return s;
    applied_versions[event.aggregate_id()].push_back(event.aggregate_version());
    return absl::OkStatus();
  };
  EventConsumer consumer(*store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kGroup,
                         {kTopic}, handler);
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return consumer.assigned(); }, kAssignmentDeadline));
  ASSERT_TRUE(
      WaitFor([&] { return consumer.applied() == 6 && consumer.rejected() == 1; }, kDeadline))
      << "applied=" << consumer.applied() << " rejected=" << consumer.rejected();
  consumer.Stop();

  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(t2_v1_attempts, 2) << "retried once after the transient failure";
  EXPECT_EQ(applied_versions["t-1"], (std::vector<int64_t>{1, 3, 4}));
  EXPECT_EQ(applied_versions["t-2"], (std::vector<int64_t>{1, 2, 3})) << "order kept on retry";
  EXPECT_EQ(CountOf(*store, "t-1"), 3);
  EXPECT_EQ(CountOf(*store, "t-2"), 3);
  absl::StatusOr<int64_t> inbox = store->InboxVersion({"Ticket", "t-1"});
  ASSERT_TRUE(inbox.ok());
  EXPECT_EQ(*inbox, 4);
}

}  // namespace
}  // namespace fieldline

namespace fieldline {
namespace {

// A poison message (not an envelope) and an event the handler refuses: neither stops the
// consumer, neither is dropped silently. Both are recorded in the store in the same batch that
// moves past them and published, byte for byte, to the dead-letter topic.
TEST(EventConsumerTest, QuarantinesPoisonMessagesToTheDeadLetterTopic) {
  TempDir dir;
  MockKafka kafka;
  auto store = OpenStore(dir.Sub("db"));
  const std::string garbage = "\xff\xfe not a protobuf envelope";
  ASSERT_TRUE(kafka.Produce(kTopic, "t-9", garbage).ok());
  const EventEnvelope refused = TicketEvent("t-1", 1);
  Publish(kafka, refused);
  Publish(kafka, TicketEvent("t-1", 2));

  EventHandler handler = [&](const EventEnvelope& event, Batch& batch) -> absl::Status {
    if (event.aggregate_version() == 1) {
      return InvalidArgument("ticket_id", "This ticket cannot be planned.");
    }
    return CountEvent(*store, event, batch);
  };
  EventConsumer consumer(*store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kGroup,
                         {kTopic}, handler);
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return consumer.dead_lettered() == 2 && consumer.applied() == 1; },
                      kDeadline))
      << "quarantined=" << consumer.quarantined() << " dead_lettered=" << consumer.dead_lettered()
      << " applied=" << consumer.applied();
  EXPECT_EQ(consumer.quarantined(), 2u);
  EXPECT_EQ(consumer.rejected(), 1u);
  EXPECT_EQ(consumer.lag(), 0);
  consumer.Stop();

  EXPECT_EQ(CountOf(*store, "t-1"), 1) << "the event after the refused one still applied";
  absl::StatusOr<std::vector<MockKafka::Message>> dead = kafka.ReadTopic("fieldline.deadletter.v1");
  ASSERT_TRUE(dead.ok()) << dead.status();
  std::vector<std::string> values;
  for (const MockKafka::Message& m : *dead) values.push_back(m.value);
  std::sort(values.begin(), values.end());
  std::vector<std::string> expected = {garbage, refused.SerializeAsString()};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(values, expected);

  // The store keeps both records, marked published, with the reason.
  int records = 0;
  bool reason_kept = false;
  ASSERT_TRUE(store
                  ->Scan(std::string("q/") + kGroup + "/", "",
                         [&](std::string_view, std::string_view value) {
                           ++records;
                           EXPECT_NE(value.find("\"published\":true"), std::string_view::npos);
                           if (value.find("cannot be planned") != std::string_view::npos) {
                             reason_kept = true;
                           }
                           return true;
                         })
                  .ok());
  EXPECT_EQ(records, 2);
  EXPECT_TRUE(reason_kept);
}

// A record already published is not published again by the next run of the consumer.
TEST(EventConsumerTest, APublishedQuarantineRecordIsNotPublishedAgainAfterARestart) {
  TempDir dir;
  MockKafka kafka;
  auto store = OpenStore(dir.Sub("db"));
  ASSERT_TRUE(kafka.Produce(kTopic, "t-9", "garbage").ok());
  {
    EventConsumer consumer(*store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kGroup,
                           {kTopic}, Counting(*store));
    ASSERT_TRUE(consumer.Start().ok());
    ASSERT_TRUE(WaitFor([&] { return consumer.dead_lettered() == 1; }, kDeadline));
  }
  {
    EventConsumer consumer(*store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kGroup,
                           {kTopic}, Counting(*store));
    ASSERT_TRUE(consumer.Start().ok());
    ASSERT_TRUE(WaitFor([&] { return consumer.assigned(); }, kAssignmentDeadline));
    EXPECT_EQ(consumer.dead_lettered(), 0u);
  }
  absl::StatusOr<std::vector<MockKafka::Message>> dead = kafka.ReadTopic("fieldline.deadletter.v1");
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->size(), 1u);
}

}  // namespace
}  // namespace fieldline
