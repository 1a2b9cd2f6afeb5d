#include "services/common/kafka/consumer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"
#include "services/common/kafka/kafka_client.h"

namespace fieldline {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace kafka_internal;

constexpr int kPollTimeoutMs = 100;
constexpr milliseconds kBootstrapCheckInterval(500);
constexpr milliseconds kMinRetryBackoff(100);
constexpr milliseconds kMaxRetryBackoff(2000);
constexpr milliseconds kCloseTimeout(5000);
constexpr int kSeekTimeoutMs = 1000;
constexpr char kDeadLetterTopic[] = "fieldline.deadletter.v1";
constexpr milliseconds kDeadLetterRetry(1000);
constexpr int kDeadLetterFlushMs = 5000;
constexpr size_t kDeadLetterBatch = 500;
// One group: the messages one poll brings (and any already fetched behind them), at most this
// many and for at most this long, applied batch by batch and made durable with one fsync.
constexpr size_t kMaxGroupMessages = 1000;
constexpr milliseconds kMaxGroupTime(50);

std::string QuarantinePrefix(const std::string& group) { return "q/" + group + "/"; }

// Time first so records list in arrival order; topic/partition/offset keep it unique.
std::string QuarantineKey(const std::string& group, const std::string& topic, int32_t partition,
                          int64_t offset) {
  const long long nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  char time[24];
  std::snprintf(time, sizeof(time), "%020lld", nanos);
  return QuarantinePrefix(group) + time + "/" + topic + "/" + std::to_string(partition) + "/" +
         std::to_string(offset);
}

void DeliveryReport(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->_private != nullptr) {
    *static_cast<rd_kafka_resp_err_t*>(message->_private) = message->err;
  }
}

bool IsRetryable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

// Whether this build knows the event: the envelope's payload is set, and so is the payload's
// own `oneof` (a newer producer may add event kinds to a context this build has not seen).
bool IsKnownEvent(const EventEnvelope& envelope) {
  if (envelope.payload_case() == EventEnvelope::PAYLOAD_NOT_SET) return false;
  const google::protobuf::Reflection* reflection = envelope.GetReflection();
  const google::protobuf::OneofDescriptor* payload_oneof =
      envelope.GetDescriptor()->FindOneofByName("payload");
  const google::protobuf::FieldDescriptor* field =
      reflection->GetOneofFieldDescriptor(envelope, payload_oneof);
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
    return field != nullptr;
  }
  const google::protobuf::Message& payload = reflection->GetMessage(envelope, field);
  const google::protobuf::Descriptor* descriptor = payload.GetDescriptor();
  for (int i = 0; i < descriptor->oneof_decl_count(); ++i) {
    if (payload.GetReflection()->GetOneofFieldDescriptor(payload, descriptor->oneof_decl(i)) ==
        nullptr) {
      return false;
    }
  }
  return true;
}

// "intake.ticket_opened": the payload's field and the event kind within it, for logs.
std::string EventTypeName(const EventEnvelope& envelope) {
  const google::protobuf::Reflection* reflection = envelope.GetReflection();
  const google::protobuf::FieldDescriptor* field = reflection->GetOneofFieldDescriptor(
      envelope, envelope.GetDescriptor()->FindOneofByName("payload"));
  if (field == nullptr) return "unknown";
  std::string name = field->name();
  if (field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) return name;
  const google::protobuf::Message& payload = reflection->GetMessage(envelope, field);
  const google::protobuf::Descriptor* descriptor = payload.GetDescriptor();
  for (int i = 0; i < descriptor->oneof_decl_count(); ++i) {
    const google::protobuf::FieldDescriptor* kind =
        payload.GetReflection()->GetOneofFieldDescriptor(payload, descriptor->oneof_decl(i));
    name += "." + (kind != nullptr ? kind->name() : std::string("unknown"));
  }
  return name;
}

// With a bootstrap file (the dev broker), stored offsets are only meaningful on the broker they
// were read from: a restarted dev broker starts empty and may hold the republished events at
// other offsets. Each stored offset is therefore accompanied by the bootstrap list it belongs
// to, written in the same batch; a mismatch means "read this partition from the start" (the
// inbox drops what was already applied).
std::string BrokerMarkKey(const std::string& group, const std::string& topic, int32_t partition) {
  return "x/kafka-consumer-broker/" + group + "/" + topic + "/" + std::to_string(partition);
}

}  // namespace

struct EventConsumer::Impl {
  Impl(EventStore& store, KafkaSettings settings, std::string group,
       std::vector<std::string> topics, EventHandler handler)
      : store(store),
        settings(std::move(settings)),
        group(std::move(group)),
        topics(std::move(topics)),
        handler(std::move(handler)) {}

  EventStore& store;
  const KafkaSettings settings;
  const std::string group;
  const std::vector<std::string> topics;
  const EventHandler handler;
  const std::shared_ptr<spdlog::logger> log = KafkaLogger();

  StoppableThread worker;

  std::atomic<uint64_t> applied{0};
  std::atomic<uint64_t> skipped{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> unknown{0};
  std::atomic<uint64_t> quarantined{0};
  std::atomic<uint64_t> dead_lettered{0};
  std::atomic<uint64_t> syncs{0};
  std::atomic<bool> assigned{false};
  mutable std::mutex lag_mu;
  std::map<std::pair<std::string, int32_t>, int64_t> lag_by_partition;  // guarded by lag_mu

  // --- polling thread only ---
  struct PartitionState {
    std::optional<int64_t> resume_at;  // after a retry: drop messages until this offset
    int failures = 0;                  // consecutive retryable failures
  };
  ClientPtr consumer;
  std::string bootstrap;
  bool waiting_logged = false;
  Clock::time_point next_bootstrap_check;
  std::map<std::pair<std::string, int32_t>, PartitionState> partitions;
  ClientPtr dead_letter_producer;
  std::string dead_letter_bootstrap;
  bool quarantine_pending = true;  // look for unpublished records (at start: left by a crash)
  bool unsynced = false;           // batches written since the last fsync
  Clock::time_point next_dead_letter_attempt;

  bool SleepFor(milliseconds d) { return worker.SleepFor(d); }
  bool stopping() const { return worker.stopping(); }

  void Run();
  bool Connect();
  bool BootstrapChanged();
  void Close();
  void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  int64_t StartOffset(const std::string& topic, int32_t partition);
  void HandleConsumerError(const rd_kafka_message_t& message);
  void Process(const rd_kafka_message_t& message);
  // Writes a batch of this group (visible at once, durable at the group's SyncGroup).
  absl::Status Write(Batch batch);
  // Makes the group's batches durable: one fsync for every event of the poll.
  void SyncGroup();
  // Records the next offset (and the broker mark when needed) into `batch`.
  void AddPosition(Batch& batch, const std::string& topic, int32_t partition, int64_t offset);
  void CommitPositionOnly(const std::string& topic, int32_t partition, int64_t offset);
  void Retry(const std::string& topic, int32_t partition, int64_t offset,
             const EventEnvelope* event, const absl::Status& status);
  // Adds the quarantine record of a poison message to `batch`.
  void AddQuarantine(Batch& batch, const std::string& topic, int32_t partition, int64_t offset,
                     const rd_kafka_message_t& message, const EventEnvelope* event,
                     const absl::Status& why);
  // Publishes unpublished quarantine records to the dead-letter topic; true when none is left.
  bool PublishQuarantine();
  void MaybePublishQuarantine();
  void UpdateLag(const rd_kafka_message_t& message);

  static void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    static_cast<Impl*>(opaque)->OnRebalance(err, partitions);
  }
};

int64_t EventConsumer::Impl::StartOffset(const std::string& topic, int32_t partition) {
  if (!settings.bootstrap_file.empty()) {
    absl::StatusOr<std::optional<std::string>> mark =
        store.Get(BrokerMarkKey(group, topic, partition));
    if (!mark.ok()) {
      log->error("consumer cannot read its broker mark group={} topic={} partition={}: {}", group,
                 topic, partition, mark.status().ToString());
      return RD_KAFKA_OFFSET_BEGINNING;
    }
    if (!mark->has_value() || **mark != bootstrap) return RD_KAFKA_OFFSET_BEGINNING;
  }
  absl::StatusOr<std::optional<int64_t>> offset = store.ConsumerOffset(group, topic, partition);
  if (!offset.ok()) {
    log->error(
        "consumer cannot read its offset group={} topic={} partition={}: {}; reading from "
        "the start",
        group, topic, partition, offset.status().ToString());
    return RD_KAFKA_OFFSET_BEGINNING;
  }
  return offset->value_or(RD_KAFKA_OFFSET_BEGINNING);
}

void EventConsumer::Impl::OnRebalance(rd_kafka_resp_err_t err,
                                      rd_kafka_topic_partition_list_t* list) {
  partitions.clear();
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    std::string described;
    for (int i = 0; i < list->cnt; ++i) {
      rd_kafka_topic_partition_t& p = list->elems[i];
      partitions[{p.topic, p.partition}] = PartitionState{};
      p.offset = StartOffset(p.topic, p.partition);
      described += " " + std::string(p.topic) + "/" + std::to_string(p.partition) + "@" +
                   (p.offset == RD_KAFKA_OFFSET_BEGINNING ? "start" : std::to_string(p.offset));
    }
    if (rd_kafka_resp_err_t e = rd_kafka_assign(consumer.get(), list); e) {
      log->error("consumer cannot take its assignment group={} error={}", group,
                 rd_kafka_err2name(e));
      return;
    }
    log->info("consumer assigned group={} partitions={}{}", group, list->cnt, described);
    if (list->cnt > 0) assigned = true;
  } else {
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      log->error("consumer rebalance failed group={} error={}", group, rd_kafka_err2name(err));
    } else {
      log->info("consumer revoked group={} partitions={}", group, list->cnt);
    }
    rd_kafka_assign(consumer.get(), nullptr);
  }
}

bool EventConsumer::Impl::BootstrapChanged() {
  if (settings.bootstrap_file.empty() || Clock::now() < next_bootstrap_check) return false;
  next_bootstrap_check = Clock::now() + kBootstrapCheckInterval;
  std::optional<std::string> current = ReadBootstrapFile(settings.bootstrap_file);
  if (!current || *current == bootstrap) return false;
  log->info("consumer broker changed group={} old_bootstrap={} new_bootstrap={}", group, bootstrap,
            *current);
  return true;
}

bool EventConsumer::Impl::Connect() {
  std::optional<std::string> servers = ResolveBootstrap(settings);
  if (!servers) {
    if (!waiting_logged) {
      log->info("consumer waiting for the broker group={} bootstrap_file={}", group,
                settings.bootstrap_file);
      waiting_logged = true;
    }
    return false;
  }
  waiting_logged = false;
  std::map<std::string, std::string> properties = {
      {"bootstrap.servers", *servers},
      {"group.id", group},
      {"client.id", group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      // Not cooperative-sticky: its assignor aborts in librdkafka 2.0.2 (#4312).
      {"partition.assignment.strategy", "range"},
      {"session.timeout.ms", "6000"},
      {"heartbeat.interval.ms", "1000"},
      // An empty fetch waits this long on the mock broker; keep hops short.
      {"fetch.wait.max.ms", "10"},
  };
  for (const auto& [name, value] : settings.extra) properties[name] = value;
  absl::StatusOr<ConfPtr> conf = NewConf(properties);
  if (!conf.ok()) {
    log->error("consumer cannot be configured group={}: {}", group, conf.status().ToString());
    return false;
  }
  rd_kafka_conf_set_opaque(conf->get(), this);
  rd_kafka_conf_set_rebalance_cb(conf->get(), &Impl::RebalanceCallback);
  absl::StatusOr<ClientPtr> client = NewClient(RD_KAFKA_CONSUMER, *std::move(conf));
  if (!client.ok()) {
    log->error("consumer cannot be created group={}: {}", group, client.status().ToString());
    return false;
  }
  rd_kafka_poll_set_consumer(client->get());
  PartitionListPtr subscription(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& topic : topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  // The rebalance callback needs `consumer` and `bootstrap`; it runs only inside poll calls.
  consumer = *std::move(client);
  bootstrap = *servers;
  partitions.clear();
  if (rd_kafka_resp_err_t e = rd_kafka_subscribe(consumer.get(), subscription.get()); e) {
    log->error("consumer cannot subscribe group={} error={}", group, rd_kafka_err2name(e));
    consumer.reset();
    return false;
  }
  next_bootstrap_check = Clock::now() + kBootstrapCheckInterval;
  log->info("consumer connected group={} bootstrap={} topics={}", group, bootstrap, topics.size());
  return true;
}

// Leaves the group (revoking the assignment) within kCloseTimeout; a consumer whose broker is
// gone is dropped without the goodbye.
void EventConsumer::Impl::Close() {
  if (!consumer) return;
  QueuePtr queue(rd_kafka_queue_new(consumer.get()));
  ErrorPtr error(rd_kafka_consumer_close_queue(consumer.get(), queue.get()));
  const auto deadline = Clock::now() + kCloseTimeout;
  while (!error && !rd_kafka_consumer_closed(consumer.get()) && Clock::now() < deadline) {
    EventPtr event(rd_kafka_queue_poll(queue.get(), 50));
    if (event && rd_kafka_event_type(event.get()) == RD_KAFKA_EVENT_REBALANCE) {
      partitions.clear();
      rd_kafka_assign(consumer.get(), nullptr);
    }
  }
  const bool closed = !error && rd_kafka_consumer_closed(consumer.get());
  if (!closed) {
    log->warn("consumer could not leave its group cleanly group={}", group);
  }
  queue.reset();
  rd_kafka_t* raw = consumer.release();
  rd_kafka_destroy_flags(raw, closed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

void EventConsumer::Impl::HandleConsumerError(const rd_kafka_message_t& message) {
  switch (message.err) {
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      return;
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      log->info(
          "consumer offset out of range group={} topic={} partition={}: reading from the "
          "start",
          group, message.rkt ? rd_kafka_topic_name(message.rkt) : "", message.partition);
      return;
    default:
      log->warn("consumer error group={} error={} {}", group, rd_kafka_err2name(message.err),
                rd_kafka_message_errstr(&message));
  }
}

void EventConsumer::Impl::AddPosition(Batch& batch, const std::string& topic, int32_t partition,
                                      int64_t offset) {
  batch.RecordOffset(group, topic, partition, offset + 1);
  if (!settings.bootstrap_file.empty()) {
    batch.Put(BrokerMarkKey(group, topic, partition), bootstrap);
  }
}

void EventConsumer::Impl::CommitPositionOnly(const std::string& topic, int32_t partition,
                                             int64_t offset) {
  Batch batch = store.NewBatch();
  AddPosition(batch, topic, partition, offset);
  // Only the position: no fsync needed (lost, the message comes again and is skipped again).
  if (absl::Status s = store.CommitWithoutSync(std::move(batch)); !s.ok()) {
    // Only the position is lost: the message comes again and is recognised again.
    log->warn("consumer cannot save its offset group={} topic={} partition={} offset={}: {}", group,
              topic, partition, offset, s.ToString());
  }
}

void EventConsumer::Impl::Retry(const std::string& topic, int32_t partition, int64_t offset,
                                const EventEnvelope* event, const absl::Status& status) {
  SyncGroup();  // what the group applied before this event is kept while this one waits
  PartitionState& state = partitions[{topic, partition}];
  ++state.failures;
  const milliseconds backoff =
      std::min(kMaxRetryBackoff, kMinRetryBackoff * (1 << std::min(state.failures - 1, 5)));
  log->warn(
      "consumer will retry group={} topic={} partition={} offset={} event_id={} "
      "event_type={} attempt={} backoff_ms={}: {}",
      group, topic, partition, offset, event ? event->event_id() : "",
      event ? EventTypeName(*event) : "", state.failures, backoff.count(), status.ToString());
  // Messages of this partition fetched after this one must wait for it; the seek drops them
  // from the local queue, resume_at guards against any that are already out of it.
  state.resume_at = offset;
  PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
  if (ErrorPtr error(rd_kafka_seek_partitions(consumer.get(), list.get(), kSeekTimeoutMs)); error) {
    log->warn("consumer cannot seek group={} topic={} partition={} offset={}: {}", group, topic,
              partition, offset, rd_kafka_error_string(error.get()));
  }
  SleepFor(backoff);
}

void EventConsumer::Impl::Process(const rd_kafka_message_t& message) {
  const std::string topic = rd_kafka_topic_name(message.rkt);
  const int32_t partition = message.partition;
  const int64_t offset = message.offset;
  PartitionState& state = partitions[{topic, partition}];
  if (state.resume_at) {
    if (offset > *state.resume_at) return;  // stale, fetched before the seek back
    state.resume_at.reset();
  }

  EventEnvelope event;
  if (message.payload == nullptr ||
      !event.ParseFromArray(message.payload, static_cast<int>(message.len))) {
    ++unknown;
    log->error(
        "consumer cannot decode a message group={} topic={} partition={} offset={} "
        "bytes={}; quarantining it to {}",
        group, topic, partition, offset, message.len, kDeadLetterTopic);
    Batch record = store.NewBatch();
    AddQuarantine(record, topic, partition, offset, message, nullptr,
                  absl::DataLossError("the message is not an event envelope"));
    AddPosition(record, topic, partition, offset);
    if (absl::Status s = Write(std::move(record)); !s.ok()) {
      Retry(topic, partition, offset, nullptr, s);
      return;
    }
    ++quarantined;
    quarantine_pending = true;
    state.failures = 0;
    return;
  }
  if (!IsKnownEvent(event)) {
    ++unknown;
    log->info(
        "consumer skips an event of unknown type group={} topic={} partition={} offset={} "
        "event_id={} event_type={} aggregate={}/{}",
        group, topic, partition, offset, event.event_id(), EventTypeName(event),
        event.aggregate_type(), event.aggregate_id());
    CommitPositionOnly(topic, partition, offset);
    return;
  }

  const AggregateKey source{event.aggregate_type(), event.aggregate_id()};
  absl::StatusOr<int64_t> inbox = store.InboxVersion(source);
  if (!inbox.ok()) {
    Retry(topic, partition, offset, &event, inbox.status());
    return;
  }
  if (*inbox >= event.aggregate_version()) {
    ++skipped;
    log->debug(
        "consumer skips a duplicate group={} event_id={} aggregate={} version={} "
        "applied_version={}",
        group, event.event_id(), source.ToString(), event.aggregate_version(), *inbox);
    CommitPositionOnly(topic, partition, offset);
    state.failures = 0;
    return;
  }

  absl::Status status;
  {
    Batch batch = store.NewBatch();
    status = handler(event, batch);
    if (status.ok()) {
      batch.RecordInbox(source, event.aggregate_version());
      AddPosition(batch, topic, partition, offset);
      status = Write(std::move(batch));
      if (status.ok()) {
        ++applied;
        state.failures = 0;
        return;
      }
      // A failed commit wrote nothing: retry like a handler's transient failure.
      if (!IsRetryable(status)) status = absl::UnavailableError(status.ToString());
    }
  }  // the handler's batch (and its locks) is gone before a retry or the rejection record

  if (IsRetryable(status)) {
    Retry(topic, partition, offset, &event, status);
    return;
  }
  log->warn(
      "consumer rejected an event group={} topic={} partition={} offset={} event_id={} "
      "event_type={} aggregate={} version={} code={}: {}",
      group, topic, partition, offset, event.event_id(), EventTypeName(event), source.ToString(),
      event.aggregate_version(), absl::StatusCodeToString(status.code()),
      std::string(status.message()));
  Batch record = store.NewBatch();
  record.RecordInbox(source, event.aggregate_version());
  AddQuarantine(record, topic, partition, offset, message, &event, status);
  AddPosition(record, topic, partition, offset);
  if (absl::Status s = Write(std::move(record)); !s.ok()) {
    Retry(topic, partition, offset, &event, s);
    return;
  }
  ++rejected;
  ++quarantined;
  quarantine_pending = true;
  state.failures = 0;
}

absl::Status EventConsumer::Impl::Write(Batch batch) {
  absl::Status written = store.CommitWithoutSync(std::move(batch));
  if (written.ok()) unsynced = true;
  return written;
}

void EventConsumer::Impl::SyncGroup() {
  if (!unsynced) return;
  unsynced = false;
  ++syncs;
  if (absl::Status s = store.Sync(); !s.ok()) {
    // The disk failed: the store refuses every further change (so the next events are retried
    // until a restart), and what was written but not synced is either recovered from the
    // write-ahead log on restart, with its offsets, or read again from Kafka.
    log->error("consumer cannot flush its applied events to disk group={}: {}", group,
               s.ToString());
  }
}

void EventConsumer::Impl::AddQuarantine(Batch& batch, const std::string& topic, int32_t partition,
                                        int64_t offset, const rd_kafka_message_t& message,
                                        const EventEnvelope* event, const absl::Status& why) {
  const std::string key = message.key != nullptr
                              ? std::string(static_cast<const char*>(message.key), message.key_len)
                              : "";
  const std::string payload =
      message.payload != nullptr
          ? absl::Base64Escape(
                absl::string_view(static_cast<const char*>(message.payload), message.len))
          : "";
  nlohmann::json record = {
      {"group", group},
      {"topic", topic},
      {"partition", partition},
      {"offset", offset},
      {"code", std::string(absl::StatusCodeToString(why.code()))},
      {"reason", std::string(why.message())},
      {"event_id", event != nullptr ? event->event_id() : ""},
      {"event_type", event != nullptr ? EventTypeName(*event) : ""},
      {"aggregate", event != nullptr ? event->aggregate_type() + "/" + event->aggregate_id() : ""},
      {"key", key},
      {"payload_base64", payload},
      {"published", false},
  };
  batch.Put(QuarantineKey(group, topic, partition, offset), record.dump());
}

void EventConsumer::Impl::MaybePublishQuarantine() {
  if (!quarantine_pending || Clock::now() < next_dead_letter_attempt) return;
  quarantine_pending = !PublishQuarantine();
  if (quarantine_pending) next_dead_letter_attempt = Clock::now() + kDeadLetterRetry;
}

bool EventConsumer::Impl::PublishQuarantine() {
  if (bootstrap.empty()) return false;
  if (!dead_letter_producer || dead_letter_bootstrap != bootstrap) {
    dead_letter_producer.reset();
    absl::StatusOr<ConfPtr> conf = NewConf({{"bootstrap.servers", bootstrap},
                                            {"client.id", group + "-deadletter"},
                                            {"enable.idempotence", "true"},
                                            {"acks", "all"},
                                            {"linger.ms", "0"}});
    if (!conf.ok()) return false;
    rd_kafka_conf_set_dr_msg_cb(conf->get(), &DeliveryReport);
    absl::StatusOr<ClientPtr> client = NewClient(RD_KAFKA_PRODUCER, *std::move(conf));
    if (!client.ok()) return false;
    dead_letter_producer = *std::move(client);
    dead_letter_bootstrap = bootstrap;
  }
  struct Pending {
    std::string key;
    nlohmann::json record;
    rd_kafka_resp_err_t result = RD_KAFKA_RESP_ERR__IN_PROGRESS;
  };
  std::vector<std::unique_ptr<Pending>> pending;
  absl::Status scanned =
      store.Scan(QuarantinePrefix(group), "", [&](std::string_view key, std::string_view value) {
        nlohmann::json record = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
        if (record.is_discarded() || record.value("published", false)) return true;
        auto entry = std::make_unique<Pending>();
        entry->key = std::string(key);
        entry->record = std::move(record);
        pending.push_back(std::move(entry));
        return pending.size() < kDeadLetterBatch;
      });
  if (!scanned.ok()) return false;
  if (pending.empty()) return true;
  for (const std::unique_ptr<Pending>& p : pending) {
    std::string payload;
    absl::Base64Unescape(p->record.value("payload_base64", std::string()), &payload);
    const std::string key = p->record.value("key", std::string());
    const std::vector<std::pair<const char*, std::string>> header_values = {
        {"fieldline-source-topic", p->record.value("topic", std::string())},
        {"fieldline-source-partition", std::to_string(p->record.value("partition", -1))},
        {"fieldline-source-offset", std::to_string(p->record.value("offset", int64_t{-1}))},
        {"fieldline-group", group},
        {"fieldline-reason", p->record.value("reason", std::string())},
        {"fieldline-code", p->record.value("code", std::string())},
    };
    rd_kafka_headers_t* headers = rd_kafka_headers_new(header_values.size());
    for (const auto& [name, value] : header_values) {
      rd_kafka_header_add(headers, name, -1, value.data(), static_cast<ssize_t>(value.size()));
    }
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        dead_letter_producer.get(), RD_KAFKA_V_TOPIC(kDeadLetterTopic),
        RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(payload.data(), payload.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(&p->result), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(headers);  // librdkafka takes them over only on success
      p->result = err;
    }
  }
  rd_kafka_flush(dead_letter_producer.get(), kDeadLetterFlushMs);
  bool all = true;
  Batch marks = store.NewBatch();
  uint64_t published = 0;
  for (const std::unique_ptr<Pending>& p : pending) {
    if (p->result != RD_KAFKA_RESP_ERR_NO_ERROR) {
      all = false;
      continue;
    }
    p->record["published"] = true;
    marks.Put(p->key, p->record.dump());
    ++published;
  }
  if (!all) {
    log->warn("consumer could not publish every quarantined message to {} group={}; will retry",
              kDeadLetterTopic, group);
    // Drop what is still queued or in flight, so no delivery report can write into `pending`
    // after it is gone; those records stay unpublished and go again next time.
    rd_kafka_purge(dead_letter_producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(dead_letter_producer.get(), kDeadLetterFlushMs);
    dead_letter_producer.reset();
  }
  if (published > 0) {
    if (absl::Status s = store.Commit(std::move(marks)); !s.ok()) return false;
    dead_lettered += published;
  }
  return all && pending.size() < kDeadLetterBatch;
}

void EventConsumer::Impl::UpdateLag(const rd_kafka_message_t& message) {
  if (message.rkt == nullptr) return;
  const std::string topic = rd_kafka_topic_name(message.rkt);
  int64_t low = 0;
  int64_t high = 0;
  if (rd_kafka_get_watermark_offsets(consumer.get(), topic.c_str(), message.partition, &low,
                                     &high) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  std::lock_guard<std::mutex> lock(lag_mu);
  lag_by_partition[{topic, message.partition}] = std::max<int64_t>(0, high - (message.offset + 1));
}

void EventConsumer::Impl::Run() {
  while (!stopping()) {
    if (!consumer) {
      if (!Connect()) SleepFor(milliseconds(200));
      continue;
    }
    if (BootstrapChanged()) {
      // The old broker is gone with its group: drop the client without leaving politely.
      rd_kafka_destroy_flags(consumer.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
      partitions.clear();
      continue;
    }
    MessagePtr message(rd_kafka_consumer_poll(consumer.get(), kPollTimeoutMs));
    if (!message) {
      MaybePublishQuarantine();
      continue;
    }
    // A group: this message and those already fetched behind it, each applied in its own
    // batch (so a reaction reads the state the previous one left), one fsync for all.
    const Clock::time_point group_end = Clock::now() + kMaxGroupTime;
    for (size_t n = 1; message; ++n) {
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        HandleConsumerError(*message);
      } else {
        Process(*message);
        UpdateLag(*message);
      }
      if (n >= kMaxGroupMessages || Clock::now() >= group_end || stopping()) break;
      message.reset(rd_kafka_consumer_poll(consumer.get(), 0));
    }
    SyncGroup();
    MaybePublishQuarantine();
  }
  SyncGroup();
  Close();
  log->info("consumer stopped group={} applied={} skipped={} rejected={} unknown={}", group,
            applied.load(), skipped.load(), rejected.load(), unknown.load());
}

EventConsumer::EventConsumer(EventStore& store, KafkaSettings settings, std::string group_id,
                             std::vector<std::string> topics, EventHandler handler)
    : impl_(std::make_unique<Impl>(store, std::move(settings), std::move(group_id),
                                   std::move(topics), std::move(handler))) {}

EventConsumer::~EventConsumer() { Stop(); }

absl::Status EventConsumer::Start() {
  if (impl_->worker.running()) return absl::FailedPreconditionError("The consumer is running.");
  if (impl_->settings.bootstrap_servers.empty() && impl_->settings.bootstrap_file.empty()) {
    return absl::InvalidArgumentError(
        "Kafka needs either bootstrap servers or a bootstrap file to read them from.");
  }
  if (impl_->group.empty()) return absl::InvalidArgumentError("The consumer needs a group id.");
  if (impl_->topics.empty()) return absl::InvalidArgumentError("The consumer needs topics.");
  if (!impl_->handler) return absl::InvalidArgumentError("The consumer needs a handler.");
  impl_->worker.Start([impl = impl_.get()] { impl->Run(); });
  return absl::OkStatus();
}

void EventConsumer::Stop() {
  impl_->worker.Stop();
}

uint64_t EventConsumer::applied() const { return impl_->applied; }
uint64_t EventConsumer::skipped() const { return impl_->skipped; }
uint64_t EventConsumer::rejected() const { return impl_->rejected; }
uint64_t EventConsumer::unknown() const { return impl_->unknown; }
bool EventConsumer::assigned() const { return impl_->assigned; }
uint64_t EventConsumer::quarantined() const { return impl_->quarantined; }
uint64_t EventConsumer::dead_lettered() const { return impl_->dead_lettered; }
uint64_t EventConsumer::syncs() const { return impl_->syncs; }
int64_t EventConsumer::lag() const {
  std::lock_guard<std::mutex> lock(impl_->lag_mu);
  int64_t total = 0;
  for (const auto& [partition, lag] : impl_->lag_by_partition) total += lag;
  return total;
}

}  // namespace fieldline
