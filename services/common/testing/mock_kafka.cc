#include "services/common/testing/mock_kafka.h"

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace fieldline::testing {
namespace {

// Own small holders: the test helpers do not depend on the Kafka module they test.
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
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const {
    rd_kafka_metadata_destroy(metadata);
  }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using ClientPtr = std::unique_ptr<rd_kafka_t, ClientDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

constexpr int kTimeoutMs = 10000;

// Only errors reach the test's output; connection chatter of the helper clients does not.
void LogErrorsOnly(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  if (level <= 3)
    std::fprintf(stderr, "[mock-kafka] %s %s: %s\n", rd_kafka_name(rk), facility, message);
}
void IgnoreClientErrors(rd_kafka_t*, int, const char*, void*) {}

absl::Status FromKafka(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  return absl::UnavailableError(what + ": " + rd_kafka_err2str(err));
}

void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* /*opaque*/) {
  *static_cast<rd_kafka_resp_err_t*>(message->_private) = message->err;
}

ClientPtr MustCreate(rd_kafka_type_t type, const std::map<std::string, std::string>& properties,
                     void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &LogErrorsOnly);
  rd_kafka_conf_set_error_cb(conf.get(), &IgnoreClientErrors);
  char error[512];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      throw std::runtime_error(name + ": " + error);
    }
  }
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), error, sizeof(error));
  if (rk == nullptr)
    throw std::runtime_error(std::string("cannot create a Kafka client: ") + error);
  (void)conf.release();  // owned by rk now
  return ClientPtr(rk);
}

// librdkafka 2.0.2's mock cluster thread sometimes misses the wakeup for a control call (topic
// creation, broker down/up) and notices it only at its next 1 s poll timeout, so each
// such call randomly costs a second. Any activity on one of its listening sockets ends the poll
// at once; while a control call is pending, this knocks on the first broker's port (a TCP
// connect, closed straight away) every few milliseconds.
class WakeupKnocker {
 public:
  explicit WakeupKnocker(const std::string& bootstrap) {
    const std::string first = bootstrap.substr(0, bootstrap.find(','));
    const size_t colon = first.rfind(':');
    if (colon == std::string::npos) return;
    address_.sin_family = AF_INET;
    address_.sin_port = htons(static_cast<uint16_t>(std::stoi(first.substr(colon + 1))));
    if (inet_pton(AF_INET, first.substr(0, colon).c_str(), &address_.sin_addr) != 1) return;
    thread_ = std::thread([this] { Run(); });
  }
  ~WakeupKnocker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(5), [&] { return done_; })) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) continue;
      (void)::connect(fd, reinterpret_cast<const sockaddr*>(&address_), sizeof(address_));
      ::close(fd);
    }
  }

  sockaddr_in address_{};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace

struct MockKafka::Impl {
  ClientPtr handle;  // owns the mock cluster's threads
  rd_kafka_mock_cluster_t* cluster = nullptr;
  int brokers = 1;
  std::string bootstrap;
  mutable std::mutex producer_mu;
  ClientPtr producer;  // for Produce; created on first use, guarded by producer_mu
};

std::vector<std::string> MockKafka::DefaultTopics() {
  return {"fieldline.intake.v1", "fieldline.scheduling.v1", "fieldline.inventory.v1",
          "fieldline.callbacks.v1", "fieldline.deadletter.v1"};
}

MockKafka::MockKafka(int partitions, std::vector<std::string> topics)
    : impl_(std::make_unique<Impl>()) {
  impl_->handle = MustCreate(RD_KAFKA_PRODUCER, {{"log_level", "3"}, {"client.id", "mock-kafka"}});
  impl_->cluster = rd_kafka_mock_cluster_new(impl_->handle.get(), impl_->brokers);
  if (impl_->cluster == nullptr) throw std::runtime_error("cannot start librdkafka's mock cluster");
  impl_->bootstrap = rd_kafka_mock_cluster_bootstraps(impl_->cluster);
  WakeupKnocker knocker(impl_->bootstrap);
  for (const auto& topic : topics) {
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, 1);
    if (err)
      throw std::runtime_error("cannot create topic " + topic + ": " + rd_kafka_err2str(err));
  }
}

MockKafka::~MockKafka() {
  impl_->producer.reset();
  // Often takes a second (librdkafka's internal threads' own wakeups); the knocker cannot help.
  rd_kafka_mock_cluster_destroy(impl_->cluster);
  impl_->handle.reset();
}

std::string MockKafka::bootstrap() const { return impl_->bootstrap; }

rd_kafka_mock_cluster_t* MockKafka::cluster() { return impl_->cluster; }

void MockKafka::SetAllBrokersDown(bool down) {
  WakeupKnocker knocker(impl_->bootstrap);
  for (int32_t id = 1; id <= impl_->brokers; ++id) {
    if (down) {
      rd_kafka_mock_broker_set_down(impl_->cluster, id);
    } else {
      rd_kafka_mock_broker_set_up(impl_->cluster, id);
    }
  }
}

void MockKafka::WriteBootstrapFile(const std::string& path) const {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << impl_->bootstrap;
    if (!out.flush()) throw std::runtime_error("cannot write " + temp);
  }
  std::filesystem::rename(temp, path);
}

absl::Status MockKafka::Produce(const std::string& topic, const std::string& key,
                                const std::string& value) {
  std::lock_guard<std::mutex> lock(impl_->producer_mu);
  if (!impl_->producer) {
    impl_->producer = MustCreate(RD_KAFKA_PRODUCER,
                                 {{"bootstrap.servers", impl_->bootstrap},
                                  {"client.id", "mock-kafka-producer"},
                                  {"acks", "all"},
                                  {"linger.ms", "0"}},
                                 &OnDelivery);
  }
  rd_kafka_resp_err_t delivery = RD_KAFKA_RESP_ERR__IN_PROGRESS;
  rd_kafka_resp_err_t err = rd_kafka_producev(
      impl_->producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
      RD_KAFKA_V_KEY(key.data(), key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&delivery), RD_KAFKA_V_END);
  if (absl::Status s = FromKafka(err, "produce to " + topic); !s.ok()) return s;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (delivery == RD_KAFKA_RESP_ERR__IN_PROGRESS &&
         std::chrono::steady_clock::now() < deadline) {
    rd_kafka_poll(impl_->producer.get(), 10);
  }
  if (delivery == RD_KAFKA_RESP_ERR__IN_PROGRESS) {
    // The delivery report would write into `delivery` after we return: drop the producer.
    rd_kafka_purge(impl_->producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(impl_->producer.get(), 100);
    impl_->producer.reset();
    return absl::DeadlineExceededError("no acknowledgement from the mock broker");
  }
  return FromKafka(delivery, "deliver to " + topic);
}

absl::StatusOr<std::vector<MockKafka::Message>> MockKafka::ReadTopic(
    const std::string& topic) const {
  ClientPtr consumer = MustCreate(RD_KAFKA_CONSUMER, {{"bootstrap.servers", impl_->bootstrap},
                                                      {"group.id", "mock-kafka-reader"},
                                                      {"client.id", "mock-kafka-reader"},
                                                      {"enable.auto.commit", "false"},
                                                      {"enable.partition.eof", "true"},
                                                      {"fetch.wait.max.ms", "10"}});
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> handle(
      rd_kafka_topic_new(consumer.get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* raw_metadata = nullptr;
  if (absl::Status s =
          FromKafka(rd_kafka_metadata(consumer.get(), 0, handle.get(), &raw_metadata, kTimeoutMs),
                    "metadata of " + topic);
      !s.ok()) {
    return s;
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw_metadata);
  if (metadata->topic_cnt != 1 || metadata->topics[0].err) {
    return absl::NotFoundError("topic " + topic + " is not on the mock broker");
  }
  const int partition_count = metadata->topics[0].partition_cnt;

  // Read every partition from its start until its end-of-partition event. (No watermark
  // queries: librdkafka 2.0.2's can block forever when a broker goes away mid-request.)
  std::set<int32_t> remaining;
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new(partition_count));
  for (int32_t p = 0; p < partition_count; ++p) {
    remaining.insert(p);
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  if (absl::Status s = FromKafka(rd_kafka_assign(consumer.get(), assignment.get()), "assign");
      !s.ok()) {
    return s;
  }
  std::map<int32_t, std::vector<Message>> by_partition;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (!remaining.empty() && std::chrono::steady_clock::now() < deadline) {
    MessagePtr message(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!message) continue;
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      remaining.erase(message->partition);
      continue;
    }
    if (message->err) continue;
    Message m;
    m.partition = message->partition;
    m.offset = message->offset;
    if (message->key) m.key.assign(static_cast<const char*>(message->key), message->key_len);
    if (message->payload) {
      m.value.assign(static_cast<const char*>(message->payload), message->len);
    }
    by_partition[m.partition].push_back(std::move(m));
  }
  if (!remaining.empty()) {
    return absl::DeadlineExceededError("could not read all of " + topic + " from the mock broker");
  }
  rd_kafka_consumer_close(consumer.get());
  std::vector<Message> out;
  for (auto& [partition, messages] : by_partition) {
    for (auto& m : messages) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace fieldline::testing
