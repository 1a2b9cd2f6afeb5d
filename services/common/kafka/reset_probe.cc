#include "services/common/kafka/reset_probe.h"

#include <utility>

namespace fieldline::kafka_internal {
namespace {

constexpr std::chrono::milliseconds kMetadataAfter(2000);
constexpr int kMetadataTimeoutMs = 500;

struct TopicDeleter {
  void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const {
    rd_kafka_metadata_destroy(metadata);
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<ResetProbe>> ResetProbe::Create(
    std::map<std::string, std::string> properties, std::string topic) {
  // Assignment only: the group id is required by librdkafka's assign() but never joined.
  properties["group.id"] = "fieldline-relay-probe";
  properties["client.id"] = "fieldline-relay-probe-" + topic;
  properties["enable.auto.commit"] = "false";
  properties["enable.auto.offset.store"] = "false";
  properties["auto.offset.reset"] = "error";  // out of range is a verdict, not a reason to move
  properties["enable.partition.eof"] = "true";
  properties["fetch.wait.max.ms"] = "100";
  properties["max.partition.fetch.bytes"] = "65536";  // the message at the mark is all it needs
  absl::StatusOr<ConfPtr> conf = NewConf(properties);
  if (!conf.ok()) return conf.status();
  absl::StatusOr<ClientPtr> client = NewClient(RD_KAFKA_CONSUMER, *std::move(conf));
  if (!client.ok()) return client.status();
  rd_kafka_poll_set_consumer(client->get());
  return std::unique_ptr<ResetProbe>(new ResetProbe(*std::move(client), std::move(topic)));
}

ResetProbe::ResetProbe(ClientPtr consumer, std::string topic)
    : consumer_(std::move(consumer)), topic_(std::move(topic)) {}

ResetProbe::~ResetProbe() {
  // Never joined a group, and its broker may be gone: nothing to say goodbye to.
  rd_kafka_destroy_flags(consumer_.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

void ResetProbe::StartRound(const std::map<int32_t, int64_t>& marks) {
  marks_ = marks;
  confirmed_.clear();
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(marks.size())));
  for (const auto& [partition, mark] : marks) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic_.c_str(), partition)->offset = mark;
  }
  // Re-assigning restarts every partition's fetch at its mark.
  rd_kafka_assign(consumer_.get(), nullptr);
  rd_kafka_assign(consumer_.get(), assignment.get());
  active_ = true;
  round_started_ = std::chrono::steady_clock::now();
  metadata_checked_ = false;
}

bool ResetProbe::FindMissingPartition(std::string* detail) {
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> handle(
      rd_kafka_topic_new(consumer_.get(), topic_.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_metadata(consumer_.get(), 0, handle.get(), &raw, kMetadataTimeoutMs) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return false;  // broker unreachable: no verdict
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
  if (metadata->topic_cnt != 1) return false;
  const rd_kafka_metadata_topic_t& topic = metadata->topics[0];
  if (topic.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    *detail = "topic missing";
    return true;
  }
  if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  for (const auto& [partition, mark] : marks_) {
    if (confirmed_.count(partition) == 0 && partition >= topic.partition_cnt) {
      *detail = "partition=" + std::to_string(partition) +
                " acknowledged_offset=" + std::to_string(mark) + " missing (the topic has " +
                std::to_string(topic.partition_cnt) + " partitions)";
      return true;
    }
  }
  return false;
}

void ResetProbe::EndRound() {
  rd_kafka_assign(consumer_.get(), nullptr);
  active_ = false;
}

ResetProbe::Verdict ResetProbe::Poll(std::string* detail) {
  if (!active_) return Verdict::kPending;
  while (MessagePtr message{rd_kafka_consumer_poll(consumer_.get(), 0)}) {
    if (message->rkt == nullptr || topic_ != rd_kafka_topic_name(message->rkt)) continue;
    const int32_t partition = message->partition;
    auto it = marks_.find(partition);
    if (it == marks_.end() || confirmed_.count(partition) > 0) continue;
    const int64_t mark = it->second;
    const std::string where =
        "partition=" + std::to_string(partition) + " acknowledged_offset=" + std::to_string(mark);
    switch (message->err) {
      case RD_KAFKA_RESP_ERR_NO_ERROR:
        if (message->offset >= mark) confirmed_.insert(partition);
        break;
      case RD_KAFKA_RESP_ERR__PARTITION_EOF:
        if (message->offset <= mark) {
          *detail = where + " end_offset=" + std::to_string(message->offset);
          EndRound();
          return Verdict::kReset;
        }
        break;
      case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
      case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        *detail = where + " (" + rd_kafka_err2name(message->err) + ")";
        EndRound();
        return Verdict::kReset;
      default:
        break;  // transient (transport, leader change): the fetch is retried
    }
  }
  if (confirmed_.size() == marks_.size()) {
    EndRound();
    return Verdict::kIntact;
  }
  if (!metadata_checked_ && std::chrono::steady_clock::now() - round_started_ > kMetadataAfter) {
    metadata_checked_ = true;
    if (FindMissingPartition(detail)) {
      EndRound();
      return Verdict::kReset;
    }
  }
  return Verdict::kPending;
}

}  // namespace fieldline::kafka_internal
