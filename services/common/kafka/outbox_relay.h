#pragma once

// Publishes the service's own events from the store's outbox log to its Kafka topic: idempotent
// producer, acks=all, key = aggregate id (so one aggregate's events stay in one partition, in
// order), in log order. The cursor (last published sequence) and, per partition, the highest
// offset Kafka acknowledged are kept in the store; after a crash it resumes from the cursor
// (consumers drop the re-sent duplicates). If a partition ends before the offset Kafka once
// acknowledged, the broker was reset: the relay republishes the whole log from the start.
//
// Threading: one thread; Start/Stop from the owner.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "services/common/kafka/kafka_settings.h"
#include "services/common/store/event_store.h"

namespace fieldline {

class OutboxRelay {
 public:
  OutboxRelay(EventStore& store, KafkaSettings settings, std::string topic);
  ~OutboxRelay();

  absl::Status Start();
  void Stop();

  uint64_t published_sequence() const;  // highest log sequence acknowledged by Kafka
  uint64_t republish_count() const;     // how often a broker reset made it start over

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldline
