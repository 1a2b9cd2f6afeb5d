#include "services/common/kafka/outbox_relay.h"

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
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

std::unique_ptr<EventStore> OpenStore(const std::string& path) {
  absl::StatusOr<std::unique_ptr<EventStore>> store = EventStore::Open({.path = path});
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  return *std::move(store);
}

// Commits one TicketOpened-shaped event to the ticket's stream (and so to the outbox log).
void AppendTicketEvent(EventStore& store, const std::string& ticket_id) {
  const AggregateKey ticket{"Ticket", ticket_id};
  Batch batch = store.NewBatch();
  batch.Lock({ticket});
  EventEnvelope event;
  event.mutable_intake()->mutable_ticket_opened()->set_ticket_id(ticket_id);
  ASSERT_TRUE(batch.Append(ticket, kAnyVersion, {event}).ok());
  ASSERT_TRUE(store.Commit(std::move(batch)).ok());
}

// Appends `per_ticket` events to each of `tickets`, interleaved.
void AppendRounds(EventStore& store, const std::vector<std::string>& tickets, int per_ticket) {
  for (int round = 0; round < per_ticket; ++round) {
    for (const auto& id : tickets) AppendTicketEvent(store, id);
  }
}

struct TopicView {
  size_t messages = 0;
  std::map<std::string, std::vector<int64_t>> versions;  // aggregate id -> versions, topic order
  std::map<std::string, std::set<int32_t>> partitions;   // aggregate id -> partitions used
  std::set<std::string> event_ids;
};

TopicView ReadTopic(const MockKafka& kafka) {
  absl::StatusOr<std::vector<MockKafka::Message>> messages = kafka.ReadTopic(kTopic);
  EXPECT_TRUE(messages.ok()) << messages.status();
  TopicView view;
  if (!messages.ok()) return view;
  for (const auto& m : *messages) {
    EventEnvelope event;
    EXPECT_TRUE(event.ParseFromString(m.value));
    EXPECT_EQ(m.key, event.aggregate_id());
    ++view.messages;
    view.versions[event.aggregate_id()].push_back(event.aggregate_version());
    view.partitions[event.aggregate_id()].insert(m.partition);
    view.event_ids.insert(event.event_id());
  }
  return view;
}

std::vector<int64_t> OneTo(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t v = 1; v <= n; ++v) out.push_back(v);
  return out;
}

TEST(OutboxRelayTest, PublishesCommittedEventsInOrderPerAggregateAndResumesFromItsCursor) {
  TempDir dir;
  MockKafka kafka;
  auto store = OpenStore(dir.Sub("db"));
  const std::vector<std::string> tickets = {"t-1", "t-2", "t-3", "t-4"};
  AppendRounds(*store, tickets, 10);
  const KafkaSettings settings{.bootstrap_servers = kafka.bootstrap()};
  {
    OutboxRelay relay(*store, settings, kTopic);
    ASSERT_TRUE(relay.Start().ok());
    ASSERT_TRUE(WaitFor([&] { return relay.published_sequence() == 40; }, seconds(10)));
  }  // destroyed: the cursor is in the store

  AppendRounds(*store, tickets, 5);
  OutboxRelay relay(*store, settings, kTopic);
  ASSERT_TRUE(relay.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return relay.published_sequence() == 60; }, seconds(10)));
  relay.Stop();

  const TopicView view = ReadTopic(kafka);
  EXPECT_EQ(view.messages, 60u) << "the second relay resumes after the first one's cursor";
  EXPECT_EQ(view.event_ids.size(), 60u);
  for (const auto& id : tickets) {
    EXPECT_EQ(view.versions.at(id), OneTo(15)) << id;
    EXPECT_EQ(view.partitions.at(id).size(), 1u) << "key = aggregate id keeps one partition";
  }
  EXPECT_EQ(relay.republish_count(), 0u);
}

TEST(OutboxRelayTest, DeliversEventsAppendedWhileAllBrokersAreDown) {
  TempDir dir;
  MockKafka kafka;
  auto store = OpenStore(dir.Sub("db"));
  const std::vector<std::string> tickets = {"t-1", "t-2", "t-3"};
  OutboxRelay relay(*store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kTopic);
  ASSERT_TRUE(relay.Start().ok());
  AppendRounds(*store, tickets, 2);
  ASSERT_TRUE(WaitFor([&] { return relay.published_sequence() == 6; }, seconds(10)));

  kafka.SetAllBrokersDown(true);
  AppendRounds(*store, tickets, 4);
  EXPECT_FALSE(
      WaitFor([&] { return relay.published_sequence() > 6; }, std::chrono::milliseconds(500)))
      << "nothing can be acknowledged while the brokers are down";
  kafka.SetAllBrokersDown(false);
  ASSERT_TRUE(WaitFor([&] { return relay.published_sequence() == 18; }, seconds(15)));
  relay.Stop();

  const TopicView view = ReadTopic(kafka);
  EXPECT_EQ(view.event_ids.size(), 18u) << "every event reached the broker";
  for (const auto& id : tickets) {
    // At least once: a retried batch may appear twice, but never out of order.
    std::vector<int64_t> versions = view.versions.at(id);
    EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end())) << id;
    versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
    EXPECT_EQ(versions, OneTo(6)) << id;
  }
}

TEST(OutboxRelayTest, RepublishesTheWholeLogToANewEmptyBroker) {
  TempDir dir;
  const std::string bootstrap_file = dir.Sub("bootstrap");
  auto old_broker = std::make_unique<MockKafka>();
  old_broker->WriteBootstrapFile(bootstrap_file);
  auto store = OpenStore(dir.Sub("db"));
  const std::vector<std::string> tickets = {"t-1", "t-2", "t-3", "t-4", "t-5"};
  AppendRounds(*store, tickets, 4);

  OutboxRelay relay(*store, KafkaSettings{.bootstrap_file = bootstrap_file}, kTopic);
  ASSERT_TRUE(relay.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return relay.published_sequence() == 20; }, seconds(10)));

  // The dev broker restarts: a new, empty broker on other ports; the old one is gone.
  MockKafka new_broker;
  new_broker.WriteBootstrapFile(bootstrap_file);
  old_broker.reset();
  AppendRounds(*store, tickets, 1);

  ASSERT_TRUE(
      WaitFor([&] { return relay.republish_count() == 1 && relay.published_sequence() == 25; },
              seconds(15)));
  relay.Stop();
  EXPECT_EQ(relay.republish_count(), 1u);
  const TopicView view = ReadTopic(new_broker);
  EXPECT_EQ(view.event_ids.size(), 25u) << "the new broker has every event of the log";
  EXPECT_EQ(view.messages, 25u);
  for (const auto& id : tickets) EXPECT_EQ(view.versions.at(id), OneTo(5)) << id;
}

// The dev broker dies while the relay is idle (the check of partition ends is then often in
// flight) and comes back later on other ports: the relay notices, republishes, and stops
// promptly even while no broker is reachable.
TEST(OutboxRelayTest, RecoversFromABrokerThatDiedWhileItWasIdle) {
  TempDir dir;
  const std::string bootstrap_file = dir.Sub("bootstrap");
  auto first = std::make_unique<MockKafka>();
  first->WriteBootstrapFile(bootstrap_file);
  auto store = OpenStore(dir.Sub("db"));
  const std::vector<std::string> tickets = {"t-1", "t-2", "t-3"};
  AppendRounds(*store, tickets, 3);
  OutboxRelay relay(*store, KafkaSettings{.bootstrap_file = bootstrap_file}, kTopic);
  ASSERT_TRUE(relay.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return relay.published_sequence() == 9; }, seconds(10)));

  first.reset();  // gone, and the file still names it
  EXPECT_FALSE(
      WaitFor([&] { return relay.republish_count() > 0; }, std::chrono::milliseconds(1500)))
      << "an unreachable broker is no evidence of a reset";

  auto second = std::make_unique<MockKafka>();
  second->WriteBootstrapFile(bootstrap_file);
  ASSERT_TRUE(
      WaitFor([&] { return relay.republish_count() == 1 && relay.published_sequence() == 9; },
              seconds(15)));
  const TopicView view = ReadTopic(*second);
  EXPECT_EQ(view.event_ids.size(), 9u);

  second.reset();
  AppendRounds(*store, tickets, 1);  // in flight when the stop comes
  const auto stop_started = std::chrono::steady_clock::now();
  relay.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, seconds(3));
}

}  // namespace
}  // namespace fieldline
