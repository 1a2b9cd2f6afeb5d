#pragma once

// librdkafka's mock cluster inside the test process: a real Kafka protocol endpoint on loopback
// with fresh, random ports on every construction, so two instances are two unrelated brokers
// (what a restarted dev broker looks like to a service). Also a few client helpers tests need
// to look at a topic from the outside.
//
// Lifecycle: the cluster lives as long as the object; clients connected to it see the
// connection drop when it is destroyed. Thread-safe after construction (librdkafka's mock API
// is), but tests normally drive it from one thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// librdkafka's C type, kept out of this header (same typedef as <librdkafka/rdkafka_mock.h>).
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace fieldline::testing {

class MockKafka {
 public:
  // Fieldline's topics: fieldline.{intake,scheduling,inventory,callbacks}.v1 and the dead-letter
  // topic fieldline.deadletter.v1.
  static std::vector<std::string> DefaultTopics();

  explicit MockKafka(int partitions = 8, std::vector<std::string> topics = DefaultTopics());
  ~MockKafka();
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  // "127.0.0.1:port" list for bootstrap.servers.
  std::string bootstrap() const;
  // Takes every broker down (connections closed, new ones refused) or brings them back.
  void SetAllBrokersDown(bool down);
  rd_kafka_mock_cluster_t* cluster();

  // Writes bootstrap() to `path` the way the dev broker does (temp file + rename).
  void WriteBootstrapFile(const std::string& path) const;

  // --- a client's view, for assertions ---
  struct Message {
    int32_t partition = -1;
    int64_t offset = -1;
    std::string key;
    std::string value;
  };
  // Produces one message and waits for its acknowledgement.
  absl::Status Produce(const std::string& topic, const std::string& key, const std::string& value);
  // Everything the topic holds right now, partition by partition in offset order.
  absl::StatusOr<std::vector<Message>> ReadTopic(const std::string& topic) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldline::testing
