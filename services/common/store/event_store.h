#pragma once

// A service's system of record: one RocksDB database holding the event streams of the aggregates
// the service owns, their projections (read models), the request-id records (idempotency), the
// inbox (highest version applied per source aggregate), consumer offsets and the outbox log.
//
// Every change goes through one Batch committed as one RocksDB WriteBatch; a committed batch
// whose `durable` flag is set (the default) has its WAL fsync'd before Commit returns, so a
// command is acknowledged only once it is on disk.
//
// Threading: all methods are thread-safe. Batches are used by one thread. Locks taken through a
// Batch are held until the Batch is committed or destroyed.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "fieldline/common/v1/types.pb.h"
#include "services/common/core/ids.h"
#include "services/common/core/types.h"

namespace rocksdb {
class DB;
class Env;
}

namespace fieldline {

using common::v1::EventEnvelope;

struct AggregateKey {
  std::string type;  // "Ticket", "Job", "Technician", "Part", "Location", "Callback"
  std::string id;
  std::string ToString() const { return type + "/" + id; }
  friend bool operator==(const AggregateKey&, const AggregateKey&) = default;
};

// Pass as expected version to append without a check (reactions that already hold the lock and
// read the current version do not need it).
inline constexpr int64_t kAnyVersion = -1;

// A log entry of the service's own events in commit order: what the outbox relay publishes.
struct LogEntry {
  uint64_t sequence = 0;  // 1, 2, 3, ... gapless in commit order
  EventEnvelope event;
};

class EventStore;

// One atomic unit of change. Collect everything, then EventStore::Commit.
class Batch {
 public:
  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;
  ~Batch();

  // Takes the per-aggregate locks (and request-id locks, via LockRequest) in a deadlock-free
  // order. Call at most once per batch, before reading state.
  void Lock(std::vector<AggregateKey> aggregates, std::string_view request_id = {});

  // Appends events to an aggregate's stream. Fills aggregate type/id/version, event id (a
  // UUIDv7 unless already set) and server time (unless already set). Fails with ABORTED if the
  // stream's current version is not `expected_version` (unless kAnyVersion). The events are also
  // added to the outbox log.
  [[nodiscard]] absl::Status Append(const AggregateKey& aggregate, int64_t expected_version,
                                    std::vector<EventEnvelope> events);

  // Projections and other service-specific keys. Keys must start with "p/" (projections) or
  // "x/" (service-specific indexes).
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);

  // Idempotency: remember what a request id was answered with.
  void RecordRequest(std::string_view request_id, const common::v1::CommandAck& ack);
  // Inbox: the highest version of `source` this service has applied.
  void RecordInbox(const AggregateKey& source, int64_t version);
  // Consumer position: the next offset to read in (group, topic, partition).
  void RecordOffset(std::string_view group, std::string_view topic, int32_t partition,
                    int64_t next_offset);

  // Reads see committed data plus what this batch already appended (versions only).
  absl::StatusOr<int64_t> CurrentVersion(const AggregateKey& aggregate) const;

  // Whether Commit waits for the WAL fsync. Default true. Only offset-only batches may skip it.
  void set_durable(bool durable) { durable_ = durable; }
  bool empty() const;

 private:
  friend class EventStore;
  explicit Batch(EventStore* store);
  struct Impl;
  EventStore* store_;
  std::unique_ptr<Impl> impl_;
  bool durable_ = true;
};

class EventStore {
 public:
  struct Options {
    std::string path;
    size_t lock_stripes = 4096;
    rocksdb::Env* env = nullptr;  // tests inject disk faults; default: the real file system
  };
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(const Options& options);
  ~EventStore();

  Batch NewBatch() { return Batch(this); }
  // Writes the batch atomically; returns once durable (if the batch is durable). Concurrent
  // durable commits share fsyncs (group commit): one WAL sync serves every commit written
  // before it started.
  [[nodiscard]] absl::Status Commit(Batch batch);
  // Writes the batch atomically and makes it visible to reads at once, without waiting for the
  // WAL fsync. It survives a crash of the process (the write is in the operating system's
  // buffers), not yet a power loss: Sync() (or any durable Commit that starts after it returns)
  // makes it durable. The write-ahead log is one sequential file, so a power loss keeps a
  // prefix of the writes: a batch is never half kept, and a later batch is never kept without
  // an earlier one. Its outbox entries are handed to the relay only once durable. For the
  // consumer, which applies a poll's worth of events batch by batch and syncs once.
  [[nodiscard]] absl::Status CommitWithoutSync(Batch batch);
  // Makes every change written before the call durable (one fsync, shared with concurrent
  // commits).
  [[nodiscard]] absl::Status Sync();

  // Runs a command idempotently: takes the request-id and aggregate locks, returns the recorded
  // ack if `request_id` was already answered, otherwise calls `decide` (which fills the batch and
  // returns the ack), records the request and commits. On error nothing is written.
  absl::StatusOr<common::v1::CommandAck> Execute(
      std::string_view request_id, std::vector<AggregateKey> aggregates,
      const std::function<absl::StatusOr<common::v1::CommandAck>(Batch&)>& decide);

  // --- reads (committed data) ---
  absl::StatusOr<std::vector<EventEnvelope>> ReadStream(const AggregateKey& aggregate,
                                                        int64_t from_version = 1) const;
  absl::StatusOr<int64_t> CurrentVersion(const AggregateKey& aggregate) const;
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) const;
  // Calls `fn(key, value)` for keys with `prefix`, in key order, until `fn` returns false.
  // With `start_after` (a page token), only keys strictly after it: either a whole key or the
  // part after `prefix` (e.g. the last id of the previous page).
  absl::Status Scan(std::string_view prefix, std::string_view start_after,
                    const std::function<bool(std::string_view, std::string_view)>& fn) const;
  absl::StatusOr<std::optional<common::v1::CommandAck>> FindRequest(
      std::string_view request_id) const;
  absl::StatusOr<int64_t> InboxVersion(const AggregateKey& source) const;  // 0 if none
  absl::StatusOr<std::optional<int64_t>> ConsumerOffset(std::string_view group,
                                                         std::string_view topic,
                                                         int32_t partition) const;

  // A RocksDB integer property ("rocksdb.estimate-num-keys", ...) for metrics; nullopt if unknown.
  std::optional<uint64_t> IntProperty(std::string_view name) const;
  // A write failed on the disk (full or failing). From then on every change is refused with
  // UNAVAILABLE without touching RocksDB (which cannot continue after a failed log write); the
  // health check reports it and a restart, once the disk has space, recovers.
  bool write_failed() const { return write_failed_.load(); }

  // --- outbox log (for the relay) ---
  // Entries with sequence in (after, durable watermark], at most `limit`.
  absl::StatusOr<std::vector<LogEntry>> ReadLog(uint64_t after, size_t limit) const;
  // The highest sequence known to be on disk.
  uint64_t DurableSequence() const;
  // Blocks until DurableSequence() > after or the timeout passes; returns DurableSequence().
  uint64_t WaitForDurable(uint64_t after, absl::Duration timeout) const;
  // Relay bookkeeping stored beside the log: an opaque blob (cursor, partition high marks).
  absl::StatusOr<std::optional<std::string>> GetRelayState() const;
  absl::Status PutRelayState(std::string_view state);

 private:
  friend class Batch;
  EventStore() = default;
  struct LockTable;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<LockTable> locks_;
  UuidV7Generator ids_;
  mutable std::mutex commit_mu_;  // orders log sequences with the write that holds them
  uint64_t next_sequence_ = 1;    // guarded by commit_mu_
  uint64_t written_sequence_ = 0; // guarded by commit_mu_
  uint64_t writes_ = 0;            // guarded by commit_mu_: batches written so far
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;  // a sync finished
  bool syncing_ = false;             // guarded by sync_mu_: a leader is syncing the WAL
  uint64_t synced_writes_ = 0;       // guarded by sync_mu_: batches covered by a finished sync
  // Writes under commit_mu_; `ticket` is the batch's position among all writes.
  absl::Status Write(Batch& batch, uint64_t* ticket);
  // Returns once the write with `ticket` is durable, syncing the WAL unless a sync that started
  // after that write has finished.
  absl::Status SyncThrough(uint64_t ticket);
  mutable std::mutex durable_mu_;
  mutable std::condition_variable durable_cv_;
  uint64_t durable_sequence_ = 0;  // guarded by durable_mu_
  std::atomic<bool> write_failed_{false};
};

// An envelope with the common fields of a command's events filled from `meta` (request id,
// actor, correlation and causation ids, device time). The caller sets the payload; Append sets
// the aggregate fields, version, event id and server time.
EventEnvelope NewEnvelope(const CommandMeta& meta);

// Timestamp conversions used by every codec.
void ToProto(absl::Time time, google::protobuf::Timestamp* out);
absl::Time FromProto(const google::protobuf::Timestamp& ts);

}  // namespace fieldline
