// The consumer applies a poll's worth of events with one fsync (a group): every event still once,
// in order per partition, each reaction seeing the state the previous one left, a poison or
// refused event in the middle of a group costing nothing to its neighbours, and a SIGKILL in the
// middle of a group losing nothing and applying nothing twice.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/common/kafka/consumer.h"
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
constexpr seconds kAssignmentDeadline(15);
constexpr seconds kDeadline(30);
constexpr int kTickets = 10;

std::unique_ptr<EventStore> OpenStore(const std::string& path) {
  absl::StatusOr<std::unique_ptr<EventStore>> store = EventStore::Open({.path = path});
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  return *std::move(store);
}

std::string TicketId(int i) { return "t-" + std::to_string(i); }

EventEnvelope TicketEvent(const std::string& ticket_id, int64_t version) {
  EventEnvelope event;
  event.set_event_id(ticket_id + "-v" + std::to_string(version));
  event.set_aggregate_type("Ticket");
  event.set_aggregate_id(ticket_id);
  event.set_aggregate_version(version);
  event.mutable_intake()->mutable_ticket_opened()->set_ticket_id(ticket_id);
  return event;
}

// Versions 1..`versions` of kTickets tickets, interleaved (ticket 0 v1, ticket 1 v1, ...).
std::vector<EventEnvelope> Events(int versions) {
  std::vector<EventEnvelope> out;
  for (int version = 1; version <= versions; ++version) {
    for (int t = 0; t < kTickets; ++t) out.push_back(TicketEvent(TicketId(t), version));
  }
  return out;
}

void PublishAll(MockKafka& kafka, const std::vector<EventEnvelope>& events) {
  for (const EventEnvelope& e : events) {
    ASSERT_TRUE(kafka.Produce(kTopic, e.aggregate_id(), e.SerializeAsString()).ok());
  }
}

std::string CountKey(const std::string& id) { return "p/test-count/" + id; }
std::string LastKey(const std::string& id) { return "p/test-last/" + id; }

// A reaction that reads its own projection from the store (as the services' reactions do) and
// checks the versions arrive in order: a stale read or a reordering shows up in the counts.
absl::Status CountInOrder(EventStore& store, const EventEnvelope& event, Batch& batch) {
  batch.Lock({AggregateKey{"TestCounter", event.aggregate_id()}});
  absl::StatusOr<std::optional<std::string>> count = store.Get(CountKey(event.aggregate_id()));
  if (!count.ok()) return count.status();
  absl::StatusOr<std::optional<std::string>> last = store.Get(LastKey(event.aggregate_id()));
  if (!last.ok()) return last.status();
  const int64_t last_version = last->has_value() ? std::stoll(**last) : 0;
  if (event.aggregate_version() <= last_version) {
    return FailedPrecondition("version " + std::to_string(event.aggregate_version()) +
                              " after version " + std::to_string(last_version));
  }
  batch.Put(CountKey(event.aggregate_id()),
            std::to_string((count->has_value() ? std::stoi(**count) : 0) + 1));
  batch.Put(LastKey(event.aggregate_id()), std::to_string(event.aggregate_version()));
  return absl::OkStatus();
}

int CountOf(EventStore& store, const std::string& id) {
  absl::StatusOr<std::optional<std::string>> value = store.Get(CountKey(id));
  EXPECT_TRUE(value.ok());
  return value.ok() && value->has_value() ? std::stoi(**value) : 0;
}

TEST(EventConsumerGroupTest, AppliesManyEventsPerPollOnceEachWithFewFsyncs) {
  TempDir dir;
  MockKafka kafka;
  auto store = OpenStore(dir.Sub("db"));
  const int kVersions = 50;  // 500 events, published before the consumer starts
  PublishAll(kafka, Events(kVersions));

  EventConsumer consumer(*store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kGroup,
                         {kTopic}, [&](const EventEnvelope& event, Batch& batch) {
                           return CountInOrder(*store, event, batch);
                         });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return consumer.applied() == 500; }, kDeadline))
      << "applied=" << consumer.applied() << " rejected=" << consumer.rejected();
  consumer.Stop();

  EXPECT_EQ(consumer.rejected(), 0u) << "no event out of order, no stale read";
  for (int t = 0; t < kTickets; ++t) EXPECT_EQ(CountOf(*store, TicketId(t)), kVersions);
  // The events came in a handful of polls: far fewer fsyncs than events.
  EXPECT_LT(consumer.syncs(), 100u) << "syncs=" << consumer.syncs();
  EXPECT_GE(consumer.syncs(), 1u);
  for (int t = 0; t < kTickets; ++t) {
    absl::StatusOr<int64_t> inbox = store->InboxVersion({"Ticket", TicketId(t)});
    ASSERT_TRUE(inbox.ok());
    EXPECT_EQ(*inbox, kVersions);
  }
  // Every position is durable and the store reopens with it (nothing left to read again).
  int64_t positions = 0;
  ASSERT_TRUE(store
                  ->Scan(std::string("c/") + kGroup + "/", "",
                         [&](std::string_view, std::string_view value) {
                           positions += std::stoll(std::string(value));
                           return true;
                         })
                  .ok());
  EXPECT_EQ(positions, 500) << "the next offsets of all partitions add up to every message";
}

// Within one group: a message that is not an envelope, an event the handler refuses and one it
// fails on transiently. The neighbours apply once, the poison ones are quarantined, the transient
// one is retried in order.
TEST(EventConsumerGroupTest, APoisonEventInTheMiddleOfAGroupCostsItsNeighboursNothing) {
  TempDir dir;
  MockKafka kafka;
  auto store = OpenStore(dir.Sub("db"));
  std::vector<EventEnvelope> events = Events(10);
  PublishAll(kafka, std::vector<EventEnvelope>(events.begin(), events.begin() + 50));
  ASSERT_TRUE(kafka.Produce(kTopic, TicketId(3), "\xff\xfe not an envelope").ok());
  PublishAll(kafka, std::vector<EventEnvelope>(events.begin() + 50, events.end()));

  std::mutex mu;
  int transient_attempts = 0;  // guarded by mu
  EventConsumer consumer(
      *store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kGroup, {kTopic},
      [&](const EventEnvelope& event, Batch& batch) -> absl::Status {
        if (event.aggregate_id() == TicketId(4) && event.aggregate_version() == 6) {
          return InvalidArgument("ticket_id", "This ticket cannot be planned.");
        }
        if (event.aggregate_id() == TicketId(5) && event.aggregate_version() == 7) {
          std::lock_guard<std::mutex> lock(mu);
          if (transient_attempts++ == 0) return Unavailable("The roster is not reachable.");
        }
        return CountInOrder(*store, event, batch);
      });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        return consumer.applied() == 99 && consumer.rejected() == 1 &&
               consumer.dead_lettered() == 2;
      },
      kDeadline))
      << "applied=" << consumer.applied() << " rejected=" << consumer.rejected()
      << " quarantined=" << consumer.quarantined() << " dead_lettered=" << consumer.dead_lettered();
  consumer.Stop();

  for (int t = 0; t < kTickets; ++t) {
    EXPECT_EQ(CountOf(*store, TicketId(t)), t == 4 ? 9 : 10) << TicketId(t);
  }
  EXPECT_EQ(consumer.quarantined(), 2u);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(transient_attempts, 2);
  absl::StatusOr<std::vector<MockKafka::Message>> dead = kafka.ReadTopic("fieldline.deadletter.v1");
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->size(), 2u);
}

// A consumer process is SIGKILLed inside a handler in the middle of a group, after it wrote
// events of that group that no fsync covered yet. Reopened, the store holds exactly the events
// written before the kill, each once; a new consumer (same messages at the same offsets on a
// fresh broker) applies exactly the rest.
TEST(EventConsumerGroupTest, SigkillInTheMiddleOfAGroupLosesNothingAndAppliesNothingTwice) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  const std::string report = dir.Sub("report");
  const std::vector<EventEnvelope> events = Events(30);  // 300
  constexpr uint64_t kKillAt = 180;                      // the 180th handler call never returns
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    MockKafka kafka;
    for (const EventEnvelope& e : events) {
      if (!kafka.Produce(kTopic, e.aggregate_id(), e.SerializeAsString()).ok()) _exit(3);
    }
    auto opened = EventStore::Open({.path = db});
    if (!opened.ok()) _exit(4);
    EventStore& store = **opened;
    EventConsumer* self = nullptr;
    uint64_t calls = 0;
    EventConsumer consumer(store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kGroup,
                           {kTopic}, [&](const EventEnvelope& event, Batch& batch) {
                             if (++calls == kKillAt) {
                               std::ofstream(report) << self->applied() << " " << self->syncs();
                               raise(SIGKILL);
                             }
                             return CountInOrder(store, event, batch);
                           });
    self = &consumer;
    if (!consumer.Start().ok()) _exit(5);
    WaitFor([] { return false; }, seconds(60));
    _exit(6);  // never killed
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child ended otherwise: status " << status;
  uint64_t applied_before = 0;
  uint64_t syncs_before = 0;
  std::ifstream(report) >> applied_before >> syncs_before;
  ASSERT_EQ(applied_before, kKillAt - 1);

  auto store = OpenStore(db);
  int stored = 0;
  for (int t = 0; t < kTickets; ++t) stored += CountOf(*store, TicketId(t));
  EXPECT_EQ(stored, static_cast<int>(applied_before))
      << "every event written before the kill survived it, synced or not (syncs before the "
         "kill: "
      << syncs_before << ")";

  MockKafka kafka;
  PublishAll(kafka, events);
  EventConsumer consumer(*store, KafkaSettings{.bootstrap_servers = kafka.bootstrap()}, kGroup,
                         {kTopic}, [&](const EventEnvelope& event, Batch& batch) {
                           return CountInOrder(*store, event, batch);
                         });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor(
      [&] { return consumer.applied() + consumer.skipped() + applied_before >= 300; }, kDeadline))
      << "applied=" << consumer.applied() << " skipped=" << consumer.skipped();
  consumer.Stop();
  EXPECT_EQ(consumer.applied(), 300 - applied_before) << "exactly the rest";
  EXPECT_EQ(consumer.rejected(), 0u);
  for (int t = 0; t < kTickets; ++t) EXPECT_EQ(CountOf(*store, TicketId(t)), 30) << TicketId(t);
}

}  // namespace
}  // namespace fieldline
