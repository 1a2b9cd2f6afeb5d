// A service whose disk fills up: commands fail with UNAVAILABLE and a sentence an operator
// understands, nothing of them is kept, the relay's watermark does not move, and once space is
// back the same request id goes through exactly once.
#include <atomic>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"

namespace fieldline {
namespace {

using common::v1::CommandAck;

// Every write to a file fails with "no space" while `full` is set, like a disk at 100 %.
class FillableFs final : public rocksdb::FileSystemWrapper {
 public:
  explicit FillableFs(std::shared_ptr<rocksdb::FileSystem> base)
      : FileSystemWrapper(std::move(base)) {}
  const char* Name() const override { return "FillableFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (full) return rocksdb::IOStatus::NoSpace("disk full (test)");
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<File>(std::move(*result), this);
    return s;
  }

  std::atomic<bool> full{false};
  // Writes succeed but the fsync that should make them durable fails (delayed allocation on a
  // full disk reports there, not at the write).
  std::atomic<bool> sync_fails{false};

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> target, FillableFs* fs)
        : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->full) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->full) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (fs_->full || fs_->sync_fails) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (fs_->full || fs_->sync_fails) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    FillableFs* fs_;
  };
};

EventEnvelope Opened(const std::string& symptom) {
  EventEnvelope e;
  e.mutable_intake()->mutable_ticket_opened()->set_symptom(symptom);
  return e;
}

absl::StatusOr<CommandAck> OpenTicket(EventStore& store, const std::string& request_id,
                                      const std::string& ticket) {
  const AggregateKey key{"Ticket", ticket};
  return store.Execute(request_id, {key}, [&](Batch& batch) -> absl::StatusOr<CommandAck> {
    if (absl::Status s = batch.Append(key, 0, {Opened("no heat")}); !s.ok()) return s;
    batch.Put("p/ticket/" + ticket, "open");
    CommandAck ack;
    ack.set_aggregate_id(ticket);
    ack.set_version(1);
    return ack;
  });
}

TEST(DiskFullTest, ACommandOnAFullDiskIsUnavailableAndLeavesNothing) {
  testing::TempDir dir;
  auto fs = std::make_shared<FillableFs>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  auto opened = EventStore::Open({.path = dir.path(), .env = env.get()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EventStore& store = **opened;

  ASSERT_TRUE(OpenTicket(store, "r-1", "t-1").ok());
  const uint64_t durable_before = store.DurableSequence();

  fs->full = true;
  absl::StatusOr<CommandAck> refused = OpenTicket(store, "r-2", "t-2");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_NE(refused.status().message().find("disk is full"), std::string::npos);

  // Nothing of the refused command is visible: no event, no projection, no request record, and
  // the relay's watermark has not moved.
  EXPECT_EQ(*store.CurrentVersion({"Ticket", "t-2"}), 0);
  EXPECT_FALSE(store.Get("p/ticket/t-2")->has_value());
  EXPECT_FALSE(store.FindRequest("r-2")->has_value());
  EXPECT_EQ(store.DurableSequence(), durable_before);
  // Reads keep working while the disk is full.
  EXPECT_EQ(*store.Get("p/ticket/t-1"), std::optional<std::string>("open"));

  // From now on every change is refused without touching the disk, even once it has space.
  EXPECT_TRUE(store.write_failed());
  fs->full = false;
  absl::StatusOr<CommandAck> still = OpenTicket(store, "r-3", "t-3");
  EXPECT_EQ(still.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(still.status().message().find("restart"), std::string::npos);
  EXPECT_EQ(*store.CurrentVersion({"Ticket", "t-3"}), 0);
}

// RocksDB keeps refusing writes after a failed log write; the way back is a restart once the
// disk has space (Kubernetes does it when /healthz reports the disk). The retried request then
// takes effect exactly once.
TEST(DiskFullTest, AfterARestartWithSpaceTheRetriedRequestTakesEffectOnce) {
  testing::TempDir dir;
  auto fs = std::make_shared<FillableFs>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  {
    auto opened = EventStore::Open({.path = dir.path(), .env = env.get()});
    ASSERT_TRUE(opened.ok());
    fs->full = true;
    EXPECT_EQ(OpenTicket(**opened, "r-2", "t-2").status().code(), absl::StatusCode::kUnavailable);
    fs->full = false;
  }
  auto reopened = EventStore::Open({.path = dir.path(), .env = env.get()});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EventStore& store = **reopened;
  ASSERT_TRUE(OpenTicket(store, "r-2", "t-2").ok());
  ASSERT_TRUE(OpenTicket(store, "r-2", "t-2").ok());
  EXPECT_EQ(*store.CurrentVersion({"Ticket", "t-2"}), 1);
  EXPECT_EQ(store.ReadStream({"Ticket", "t-2"})->size(), 1u);
}

TEST(DiskFullTest, WhatWasAcknowledgedBeforeTheDiskFilledSurvivesARestart) {
  testing::TempDir dir;
  auto fs = std::make_shared<FillableFs>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  {
    auto opened = EventStore::Open({.path = dir.path(), .env = env.get()});
    ASSERT_TRUE(opened.ok());
    ASSERT_TRUE(OpenTicket(**opened, "r-1", "t-1").ok());
    fs->full = true;
    EXPECT_FALSE(OpenTicket(**opened, "r-2", "t-2").ok());
  }
  fs->full = false;
  auto reopened = EventStore::Open({.path = dir.path()});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(*(*reopened)->CurrentVersion({"Ticket", "t-1"}), 1);
  EXPECT_EQ(*(*reopened)->CurrentVersion({"Ticket", "t-2"}), 0);
  EXPECT_TRUE((*reopened)->FindRequest("r-1")->has_value());
  EXPECT_FALSE((*reopened)->FindRequest("r-2")->has_value());
}

}  // namespace
}  // namespace fieldline

namespace fieldline {
namespace {

// The write reaches RocksDB's memory but its fsync fails: the command is refused, and a retry
// with the same request id is refused too — it must not find the record of the failed attempt
// and answer that the command was saved. Every other committer is refused from then on.
TEST(DiskFullTest, AFailedFsyncIsNeverReportedAsSavedNotEvenToTheRetry) {
  testing::TempDir dir;
  auto fs = std::make_shared<FillableFs>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  auto opened = EventStore::Open({.path = dir.path(), .env = env.get()});
  ASSERT_TRUE(opened.ok()) << opened.status();
  EventStore& store = **opened;
  ASSERT_TRUE(OpenTicket(store, "r-1", "t-1").ok());
  const uint64_t durable_before = store.DurableSequence();

  fs->sync_fails = true;
  absl::StatusOr<CommandAck> refused = OpenTicket(store, "r-2", "t-2");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_TRUE(store.write_failed());
  EXPECT_EQ(store.DurableSequence(), durable_before);

  fs->sync_fails = false;
  absl::StatusOr<CommandAck> retried = OpenTicket(store, "r-2", "t-2");
  ASSERT_FALSE(retried.ok());
  EXPECT_EQ(retried.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(retried.status().message().find("restart"), std::string::npos);
  EXPECT_EQ(OpenTicket(store, "r-3", "t-3").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store.DurableSequence(), durable_before);
}

}  // namespace
}  // namespace fieldline
