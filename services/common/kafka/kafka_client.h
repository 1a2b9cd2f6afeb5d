#pragma once

// Private to the Kafka adapters (the relay, the consumer) and their test helper: RAII holders
// for librdkafka's C handles, client configuration with errors as values, librdkafka's logs
// routed into the spdlog logger "kafka", and reading the bootstrap file the dev broker writes.
// Not part of any public header: librdkafka stays out of the headers services include.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/kafka/kafka_settings.h"
#include "spdlog/spdlog.h"

namespace fieldline::kafka_internal {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct ClientDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
struct ErrorDeleter {
  void operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using ClientPtr = std::unique_ptr<rd_kafka_t, ClientDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// The module's logger ("kafka"), created on first use with the default logger's sinks.
std::shared_ptr<spdlog::logger> KafkaLogger();

// A client configuration whose logs and errors go to KafkaLogger(), with `properties` applied
// in order (later ones win). Unknown or invalid properties are an INVALID_ARGUMENT error.
absl::StatusOr<ConfPtr> NewConf(const std::map<std::string, std::string>& properties);

// Creates a client from `conf` (consumed either way).
absl::StatusOr<ClientPtr> NewClient(rd_kafka_type_t type, ConfPtr conf);

// The bootstrap list: settings.bootstrap_servers, or the contents of settings.bootstrap_file
// (trimmed). nullopt while the file does not exist or is empty.
std::optional<std::string> ResolveBootstrap(const KafkaSettings& settings);
std::optional<std::string> ReadBootstrapFile(const std::string& path);

// Writes `contents` to `path` through a temporary file and a rename, so a reader never sees
// a half-written file.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);

// The one background thread of a relay or consumer, with a stop request that also wakes it
// from its sleeps. Start/Stop from the owner; stopping() and SleepFor() from the thread.
class StoppableThread {
 public:
  ~StoppableThread() { Stop(); }
  bool running() const { return thread_.joinable(); }
  void Start(std::function<void()> body) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_requested_ = false;
    }
    stopping_ = false;
    thread_ = std::thread(std::move(body));
  }
  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_requested_ = true;
    }
    stopping_ = true;
    cv_.notify_all();
    thread_.join();
  }
  bool stopping() const { return stopping_; }
  // Sleeps up to `d`; returns false if Stop was called.
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, d, [&] { return stop_requested_; });
  }

 private:
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;  // guarded by mu_
  std::atomic<bool> stopping_{false};
};

}  // namespace fieldline::kafka_internal
