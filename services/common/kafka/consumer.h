#pragma once

// Applies other services' events exactly once in effect. For each message: decode the envelope,
// skip it if the inbox shows its aggregate version was already applied, otherwise call the
// handler with a fresh Batch, then add the inbox record and the next offset to that same batch
// and write it. Messages come in groups: what one poll brings and what is already fetched
// behind it (at most 1,000 messages or 50 ms of work), each written in its own batch and
// visible at once (so a handler reads the projections the previous event of the group left),
// then made durable together with ONE fsync (EventStore::CommitWithoutSync, then Sync). The
// write-ahead log keeps a prefix of the writes, each batch holding its own inbox record and
// offset: a crash mid-group loses nothing and applies nothing twice (the lost suffix is read
// again from the stored offsets). Reactions' outbox events are published once synced. Offsets live in RocksDB, not in Kafka: on assignment the consumer
// seeks to them. A broker that was reset (stored offset beyond the partition's end) is read
// again from the start; the inbox drops what was already applied. When the bootstrap file
// changes (the dev broker restarted), the consumer reconnects.
//
// Handler contract: call batch.Lock(...) on every aggregate it will change before reading its
// state, append events / put projections into the batch, and return OK. It must not commit.
// Errors: UNAVAILABLE, INTERNAL, ABORTED, UNKNOWN → retried (the offset does not advance; what
// the group applied before it is synced first, the rest of its partition waits);
// any other code → the event is rejected: logged, counted and QUARANTINED.
//
// Quarantine (poison messages): a message that cannot be decoded, or an event the handler
// rejects, is never fatal and never silently dropped. A record of it (source topic, partition,
// offset, reason, the original bytes) is written to the store under "q/<group>/..." in the same
// batch that moves the offset past it, and then published to the dead-letter topic
// fieldline.deadletter.v1 (headers: fieldline-source-topic, -partition, -offset, -group,
// -reason, -code); a record stays marked unpublished until the broker acknowledged it, so a
// crash or a broker outage only delays it.
//
// Threading: one polling thread per consumer; handlers run on it, one event at a time.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/common/kafka/kafka_settings.h"
#include "services/common/store/event_store.h"

namespace fieldline {

using EventHandler = std::function<absl::Status(const EventEnvelope&, Batch&)>;

class EventConsumer {
 public:
  EventConsumer(EventStore& store, KafkaSettings settings, std::string group_id,
                std::vector<std::string> topics, EventHandler handler);
  ~EventConsumer();

  absl::Status Start();
  void Stop();

  uint64_t applied() const;   // events handed to the handler and committed
  uint64_t skipped() const;   // duplicates recognised by the inbox
  uint64_t rejected() const;  // events the handler refused
  uint64_t unknown() const;   // envelopes of a type this build does not know
  uint64_t quarantined() const;    // undecodable messages and rejected events put aside
  uint64_t dead_lettered() const;  // quarantine records acknowledged by the dead-letter topic
  uint64_t syncs() const;  // fsyncs of applied groups (one per poll's worth of events)
  int64_t lag() const;  // messages behind the ends of the assigned partitions (as last fetched)
  bool assigned() const;      // has a partition assignment (for tests)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldline
