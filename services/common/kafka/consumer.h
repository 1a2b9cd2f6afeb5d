#pragma once

// Applies other services' events exactly once in effect. For each message: decode the envelope,
// skip it if the inbox shows its aggregate version was already applied, otherwise call the
// handler with a fresh Batch, then add the inbox record and the next offset to that same batch
// and commit it (durable). Offsets live in RocksDB, not in Kafka: on assignment the consumer
// seeks to them. A broker that was reset (stored offset beyond the partition's end) is read
// again from the start; the inbox drops what was already applied. When the bootstrap file
// changes (the dev broker restarted), the consumer reconnects.
//
// Handler contract: call batch.Lock(...) on every aggregate it will change before reading its
// state, append events / put projections into the batch, and return OK. It must not commit.
// Errors: UNAVAILABLE, INTERNAL, ABORTED, UNKNOWN → retried (the offset does not advance);
// any other code → the event is recorded as rejected (logged, counted) and skipped.
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
  bool assigned() const;      // has a partition assignment (for tests)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldline
