#include "services/common/store/event_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/common/testing/temp_dir.h"

namespace fieldline {
namespace {

using common::v1::CommandAck;
using ::testing::ElementsAre;

std::unique_ptr<EventStore> OpenAt(const std::string& path) {
  auto store = EventStore::Open({.path = path});
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(*store);
}

EventEnvelope TicketEvent(const std::string& symptom) {
  EventEnvelope e;
  e.mutable_intake()->mutable_ticket_opened()->set_symptom(symptom);
  return e;
}

CommandAck Ack(const std::string& id, int64_t version) {
  CommandAck ack;
  ack.set_aggregate_id(id);
  ack.set_version(version);
  return ack;
}

std::vector<int64_t> Versions(const std::vector<EventEnvelope>& events) {
  std::vector<int64_t> out;
  for (const auto& e : events) out.push_back(e.aggregate_version());
  return out;
}

TEST(EventStoreTest, AppendsGaplessVersionsAndReadsTheStreamBack) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  const AggregateKey t1{"Ticket", "t1"};
  Batch b = store->NewBatch();
  b.Lock({t1});
  ASSERT_TRUE(b.Append(t1, 0, {TicketEvent("a"), TicketEvent("b")}).ok());
  ASSERT_TRUE(store->Commit(std::move(b)).ok());
  Batch b2 = store->NewBatch();
  b2.Lock({t1});
  ASSERT_TRUE(b2.Append(t1, 2, {TicketEvent("c")}).ok());
  ASSERT_TRUE(store->Commit(std::move(b2)).ok());

  auto events = store->ReadStream(t1);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(Versions(*events), ElementsAre(1, 2, 3));
  EXPECT_EQ((*events)[2].intake().ticket_opened().symptom(), "c");
  EXPECT_EQ((*events)[0].aggregate_type(), "Ticket");
  EXPECT_EQ((*events)[0].aggregate_id(), "t1");
  EXPECT_FALSE((*events)[0].event_id().empty());
  EXPECT_NE((*events)[0].event_id(), (*events)[1].event_id());
  EXPECT_EQ(*store->CurrentVersion(t1), 3);
  EXPECT_THAT(Versions(*store->ReadStream(t1, 3)), ElementsAre(3));
}

TEST(EventStoreTest, StaleExpectedVersionIsAbortedAndWritesNothing) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  const AggregateKey t1{"Ticket", "t1"};
  Batch b = store->NewBatch();
  ASSERT_TRUE(b.Append(t1, 0, {TicketEvent("a")}).ok());
  ASSERT_TRUE(store->Commit(std::move(b)).ok());

  auto result = store->Execute("req-stale", {t1}, [&](Batch& batch) -> absl::StatusOr<CommandAck> {
    if (absl::Status s = batch.Append(t1, 0, {TicketEvent("late")}); !s.ok()) return s;
    return Ack("t1", 2);
  });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(result.status().message()), ::testing::HasSubstr("now version 1"));
  EXPECT_EQ(*store->CurrentVersion(t1), 1);
  EXPECT_FALSE(store->FindRequest("req-stale")->has_value());
  EXPECT_EQ(store->ReadLog(0, 100)->size(), 1u);
}

TEST(EventStoreTest, SameRequestIdTakesEffectOnceAndReturnsTheSameAck) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  const AggregateKey t1{"Ticket", "t1"};
  int decided = 0;
  auto decide = [&](Batch& batch) -> absl::StatusOr<CommandAck> {
    ++decided;
    if (absl::Status s = batch.Append(t1, kAnyVersion, {TicketEvent("x")}); !s.ok()) return s;
    return Ack("t1", *batch.CurrentVersion(t1));
  };
  auto first = store->Execute("req-1", {t1}, decide);
  auto second = store->Execute("req-1", {t1}, decide);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(decided, 1);
  EXPECT_EQ(first->version(), 1);
  EXPECT_EQ(second->version(), 1);
  EXPECT_EQ(second->aggregate_id(), "t1");
  EXPECT_EQ(store->ReadStream(t1)->size(), 1u);
}

TEST(EventStoreTest, EmptyRequestIdIsRefusedNamingTheField) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  auto result = store->Execute("", {}, [](Batch&) -> absl::StatusOr<CommandAck> { return Ack("x", 1); });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(result.status()), "request_id");
}

TEST(EventStoreTest, ConcurrentWritersToOneAggregateGetExactlyOneWinnerPerVersion) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  const AggregateKey job{"Job", "j1"};
  std::atomic<int> wins{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      // Every writer read version 0 before deciding: only one may append on top of it.
      auto r = store->Execute("req-" + std::to_string(i), {job},
                              [&](Batch& batch) -> absl::StatusOr<CommandAck> {
                                if (absl::Status s = batch.Append(job, 0, {TicketEvent("w")}); !s.ok()) return s;
                                return Ack("j1", 1);
                              });
      (r.ok() ? wins : conflicts)++;
      if (!r.ok()) EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
  EXPECT_EQ(*store->CurrentVersion(job), 1);
}

TEST(EventStoreTest, LogIsGaplessInCommitOrderUnderConcurrencyAndSurvivesReopen) {
  testing::TempDir dir;
  {
    auto store = OpenAt(dir.path());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          const AggregateKey key{"Ticket", "t" + std::to_string(t)};
          auto r = store->Execute("r" + std::to_string(t) + "-" + std::to_string(i), {key},
                                  [&](Batch& batch) -> absl::StatusOr<CommandAck> {
                                    if (absl::Status s = batch.Append(key, kAnyVersion, {TicketEvent("e")}); !s.ok()) return s;
                                    return Ack(key.id, 0);
                                  });
          ASSERT_TRUE(r.ok()) << r.status();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(store->DurableSequence(), 200u);
  }
  auto store = OpenAt(dir.path());
  EXPECT_EQ(store->DurableSequence(), 200u);
  auto log = store->ReadLog(0, 1000);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 200u);
  std::map<std::string, int64_t> last_version;
  for (size_t i = 0; i < log->size(); ++i) {
    EXPECT_EQ((*log)[i].sequence, i + 1);
    const auto& e = (*log)[i].event;
    // Within one aggregate the log keeps version order.
    EXPECT_EQ(e.aggregate_version(), last_version[e.aggregate_id()] + 1);
    last_version[e.aggregate_id()] = e.aggregate_version();
  }
  EXPECT_EQ(store->ReadLog(150, 10)->front().sequence, 151u);
  // New commits continue the sequence after reopening.
  Batch b = store->NewBatch();
  ASSERT_TRUE(b.Append({"Ticket", "t9"}, 0, {TicketEvent("after")}).ok());
  ASSERT_TRUE(store->Commit(std::move(b)).ok());
  EXPECT_EQ(store->ReadLog(200, 10)->front().sequence, 201u);
}

TEST(EventStoreTest, InboxOffsetsAndProjectionsAreCommittedWithTheBatch) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  const AggregateKey src{"Job", "j1"};
  EXPECT_EQ(*store->InboxVersion(src), 0);
  EXPECT_FALSE(store->ConsumerOffset("g", "topic", 3)->has_value());
  Batch b = store->NewBatch();
  b.Put("p/ticket/a", "A");
  b.RecordInbox(src, 7);
  b.RecordOffset("g", "topic", 3, 42);
  // Nothing is visible before the commit.
  EXPECT_FALSE(store->Get("p/ticket/a")->has_value());
  ASSERT_TRUE(store->Commit(std::move(b)).ok());
  EXPECT_EQ(**store->Get("p/ticket/a"), "A");
  EXPECT_EQ(*store->InboxVersion(src), 7);
  EXPECT_EQ(**store->ConsumerOffset("g", "topic", 3), 42);
}

TEST(EventStoreTest, ScanPagesInKeyOrderAfterAToken) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  Batch b = store->NewBatch();
  for (const char* id : {"c", "a", "d", "b"}) b.Put(std::string("p/ticket/") + id, id);
  b.Put("p/tickets-other/z", "z");
  ASSERT_TRUE(store->Commit(std::move(b)).ok());
  auto collect = [&](std::string_view after, size_t limit) {
    std::vector<std::string> out;
    EXPECT_TRUE(store->Scan("p/ticket/", after, [&](std::string_view, std::string_view v) {
      out.emplace_back(v);
      return out.size() < limit;
    }).ok());
    return out;
  };
  EXPECT_THAT(collect("", 10), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(collect("b", 10), ElementsAre("c", "d"));
  EXPECT_THAT(collect("p/ticket/a", 2), ElementsAre("b", "c"));
}

TEST(EventStoreTest, SecondOpenOfTheSameDataFolderIsRefused) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  auto second = EventStore::Open({.path = dir.path()});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

// A writer process acknowledges commands (writes the request id to a pipe only after Execute
// returned) and is SIGKILLed mid-stream. Every acknowledged command must be in the store after
// reopening, exactly once.
TEST(EventStoreTest, EveryAcknowledgedCommandSurvivesSigkill) {
  testing::TempDir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto opened = EventStore::Open({.path = dir.path()});
    if (!opened.ok()) _exit(3);
    auto& store = **opened;
    for (int i = 0;; ++i) {
      const AggregateKey key{"Ticket", "t" + std::to_string(i % 10)};
      const std::string rid = "kill-" + std::to_string(i);
      auto r = store.Execute(rid, {key}, [&](Batch& batch) -> absl::StatusOr<CommandAck> {
        if (absl::Status s = batch.Append(key, kAnyVersion, {TicketEvent(rid)}); !s.ok()) return s;
        batch.Put("p/seen/" + rid, "1");
        return Ack(key.id, 0);
      });
      if (!r.ok()) _exit(4);
      const std::string line = rid + "\n";
      if (write(fds[1], line.data(), line.size()) < 0) _exit(5);
    }
  }
  close(fds[1]);
  std::string acked_text;
  char buf[4096];
  // Let it acknowledge a few hundred commands, then kill it without warning.
  while (std::count(acked_text.begin(), acked_text.end(), '\n') < 300) {
    const ssize_t n = read(fds[0], buf, sizeof(buf));
    ASSERT_GT(n, 0);
    acked_text.append(buf, static_cast<size_t>(n));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) acked_text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  std::set<std::string> acked;
  size_t start = 0;
  for (size_t nl; (nl = acked_text.find('\n', start)) != std::string::npos; start = nl + 1) {
    acked.insert(acked_text.substr(start, nl - start));
  }
  ASSERT_GE(acked.size(), 300u);

  auto store = OpenAt(dir.path());
  std::multiset<std::string> stored;
  for (int t = 0; t < 10; ++t) {
    auto events = store->ReadStream({"Ticket", "t" + std::to_string(t)});
    ASSERT_TRUE(events.ok());
    for (const auto& e : *events) {
      stored.insert(e.intake().ticket_opened().symptom());
    }
  }
  for (const auto& rid : acked) {
    EXPECT_EQ(stored.count(rid), 1u) << rid << " was acknowledged but is not stored exactly once";
    EXPECT_TRUE(store->Get("p/seen/" + rid)->has_value()) << rid;
    EXPECT_TRUE(store->FindRequest(rid)->has_value()) << rid;
  }
  // The outbox log holds exactly the stored events, gapless.
  auto log = store->ReadLog(0, 1000000);
  EXPECT_EQ(log->size(), stored.size());
  for (size_t i = 0; i < log->size(); ++i) EXPECT_EQ((*log)[i].sequence, i + 1);
}

// A batch written without sync is visible to reads at once (the next reaction sees it) but its
// outbox entries reach the relay only once Sync() made them durable.
TEST(EventStoreTest, CommitWithoutSyncIsVisibleAtOnceAndPublishedOnlyAfterSync) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  const AggregateKey key{"Job", "j-1"};
  for (int i = 0; i < 3; ++i) {
    Batch batch = store->NewBatch();
    batch.Lock({key});
    ASSERT_TRUE(batch.Append(key, i, {TicketEvent("s" + std::to_string(i))}).ok());
    batch.Put("p/job/j-1", std::to_string(i + 1));
    ASSERT_TRUE(store->CommitWithoutSync(std::move(batch)).ok());
    EXPECT_EQ(*store->CurrentVersion(key), i + 1);
    EXPECT_EQ(**store->Get("p/job/j-1"), std::to_string(i + 1));
  }
  EXPECT_EQ(store->DurableSequence(), 0u);
  EXPECT_TRUE(store->ReadLog(0, 10)->empty()) << "not durable yet: not for the relay";
  ASSERT_TRUE(store->Sync().ok());
  EXPECT_EQ(store->DurableSequence(), 3u);
  EXPECT_EQ(store->ReadLog(0, 10)->size(), 3u);
  ASSERT_TRUE(store->Sync().ok()) << "nothing new: still fine";
}

// A durable command written after unsynced batches makes them durable too (one log, synced in
// order): the watermark moves over all of them.
TEST(EventStoreTest, ADurableCommitCoversTheUnsyncedBatchesWrittenBeforeIt) {
  testing::TempDir dir;
  auto store = OpenAt(dir.path());
  const AggregateKey job{"Job", "j-1"};
  Batch reaction = store->NewBatch();
  reaction.Lock({job});
  ASSERT_TRUE(reaction.Append(job, 0, {TicketEvent("reaction")}).ok());
  ASSERT_TRUE(store->CommitWithoutSync(std::move(reaction)).ok());
  auto ack = store->Execute("r-1", {{"Ticket", "t-1"}}, [&](Batch& batch) -> absl::StatusOr<CommandAck> {
    if (absl::Status s = batch.Append({"Ticket", "t-1"}, 0, {TicketEvent("command")}); !s.ok()) return s;
    return Ack("t-1", 1);
  });
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(store->DurableSequence(), 2u);
}

// Many threads committing at once all return durable, the log stays gapless, and every commit
// survives a reopen (group commit shares fsyncs, it never skips one a commit needs).
TEST(EventStoreTest, ConcurrentDurableCommitsShareFsyncsAndAllSurvive) {
  testing::TempDir dir;
  {
    auto store = OpenAt(dir.path());
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          const std::string rid = "g-" + std::to_string(t) + "-" + std::to_string(i);
          const AggregateKey key{"Ticket", rid};
          auto r = store->Execute(rid, {key}, [&](Batch& batch) -> absl::StatusOr<CommandAck> {
            if (absl::Status s = batch.Append(key, 0, {TicketEvent(rid)}); !s.ok()) return s;
            return Ack(rid, 1);
          });
          // Acknowledged means durable: the watermark already covers this command's event.
          if (!r.ok() || store->DurableSequence() == 0) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(store->DurableSequence(), 400u);
  }
  auto store = OpenAt(dir.path());
  auto log = store->ReadLog(0, 1000);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 400u);
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 50; ++i) {
      EXPECT_TRUE(store->FindRequest("g-" + std::to_string(t) + "-" + std::to_string(i))->has_value());
    }
  }
}

// Batches written without sync survive a SIGKILL of the process (they are in the operating
// system's buffers): the consumer's groups rely on it.
TEST(EventStoreTest, UnsyncedBatchesSurviveSigkill) {
  testing::TempDir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto opened = EventStore::Open({.path = dir.path()});
    if (!opened.ok()) _exit(3);
    for (int i = 0; i < 200; ++i) {
      Batch batch = (*opened)->NewBatch();
      const AggregateKey key{"Job", "j-" + std::to_string(i % 7)};
      batch.Lock({key});
      if (!batch.Append(key, kAnyVersion, {TicketEvent("u" + std::to_string(i))}).ok()) _exit(4);
      batch.Put("p/unsynced/" + std::to_string(i), "1");
      if (!(*opened)->CommitWithoutSync(std::move(batch)).ok()) _exit(5);
    }
    if (write(fds[1], "x", 1) != 1) _exit(6);
    pause();
    _exit(7);
  }
  close(fds[1]);
  char c = 0;
  ASSERT_EQ(read(fds[0], &c, 1), 1);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto store = OpenAt(dir.path());
  for (int i = 0; i < 200; ++i) {
    EXPECT_TRUE(store->Get("p/unsynced/" + std::to_string(i))->has_value()) << i;
  }
  EXPECT_EQ(store->ReadLog(0, 1000)->size(), 200u) << "recovered and durable after the reopen";
}


}  // namespace
}  // namespace fieldline
