#include "services/common/kafka/outbox_relay.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "services/common/kafka/kafka_client.h"
#include "services/common/kafka/reset_probe.h"

namespace fieldline {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace kafka_internal;

constexpr size_t kChunkSize = 500;
constexpr milliseconds kResetCheckInterval(1000);
constexpr milliseconds kBootstrapCheckInterval(500);
constexpr milliseconds kProbeRoundTimeout(5000);
constexpr milliseconds kMinBackoff(200);
constexpr milliseconds kMaxBackoff(5000);

// What the relay keeps in the store beside the log, as a small line-based text:
//   fieldline-relay v1
//   topic fieldline.intake.v1
//   cursor 1234
//   mark <partition> <highest acknowledged offset>      (one line per partition)
struct RelayState {
  std::string topic;
  uint64_t cursor = 0;
  std::map<int32_t, int64_t> marks;
};

constexpr std::string_view kStateHeader = "fieldline-relay v1";

std::string EncodeState(const RelayState& state) {
  std::ostringstream out;
  out << kStateHeader << "\ntopic " << state.topic << "\ncursor " << state.cursor << "\n";
  for (const auto& [partition, offset] : state.marks) {
    out << "mark " << partition << " " << offset << "\n";
  }
  return out.str();
}

absl::StatusOr<RelayState> DecodeState(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kStateHeader) {
    return absl::DataLossError("The relay position in the store has an unknown format.");
  }
  RelayState state;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind;
    fields >> kind;
    if (kind == "topic") {
      fields >> state.topic;
    } else if (kind == "cursor") {
      fields >> state.cursor;
    } else if (kind == "mark") {
      int32_t partition = 0;
      int64_t offset = 0;
      fields >> partition >> offset;
      state.marks[partition] = offset;
    } else if (!kind.empty()) {
      return absl::DataLossError("The relay position in the store has an unknown line: " + line);
    }
    if (fields.fail()) {
      return absl::DataLossError("The relay position in the store has a broken line: " + line);
    }
  }
  return state;
}

// Producer tuning among the extra settings, which the reset probe (a consumer) does not take;
// connection settings (security, timeouts) apply to both.
bool IsProducerOnly(const std::string& name) {
  static const std::set<std::string> kNames = {"enable.idempotence",
                                               "acks",
                                               "request.required.acks",
                                               "linger.ms",
                                               "queue.buffering.max.ms",
                                               "message.timeout.ms",
                                               "delivery.timeout.ms",
                                               "batch.size",
                                               "batch.num.messages",
                                               "compression.type",
                                               "compression.codec",
                                               "retries",
                                               "message.send.max.retries",
                                               "partitioner",
                                               "queue.buffering.max.messages",
                                               "queue.buffering.max.kbytes"};
  return kNames.contains(name);
}

// The outcome of one message of the chunk in flight.
struct Delivery {
  bool done = false;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  int32_t partition = -1;
  int64_t offset = -1;
};

}  // namespace

struct OutboxRelay::Impl {
  Impl(EventStore& store, KafkaSettings settings, std::string topic)
      : store(store), settings(std::move(settings)), topic(std::move(topic)) {}

  EventStore& store;
  const KafkaSettings settings;
  const std::string topic;
  const std::shared_ptr<spdlog::logger> log = KafkaLogger();

  StoppableThread worker;

  std::atomic<uint64_t> published{0};
  std::atomic<uint64_t> republishes{0};

  // --- relay thread only ---
  RelayState state;
  ClientPtr producer;
  std::unique_ptr<ResetProbe> probe;  // same broker as `producer`
  std::string bootstrap;              // what `producer` and `probe` connect to
  bool verified = false;              // the broker behind `producer` was checked for a reset
  bool waiting_logged = false;        // "waiting for the bootstrap file" said once
  std::atomic<bool> fatal{false};
  Clock::time_point next_reset_check;
  Clock::time_point probe_round_started;
  bool confirming_reset = false;  // the current probe round double-checks a reset verdict
  Clock::time_point next_bootstrap_check;
  milliseconds backoff = kMinBackoff;
  // The chunk in flight; delivery reports of an older generation are ignored.
  std::vector<Delivery> deliveries;
  size_t pending = 0;
  uint32_t generation = 0;

  bool SleepFor(milliseconds d) { return worker.SleepFor(d); }
  bool stopping() const { return worker.stopping(); }

  void Run();
  bool LoadState();
  void SaveState();
  bool EnsureProducer();
  bool BootstrapChanged();
  void CheckForReset();
  bool CreateClients(const std::string& servers);
  std::unique_ptr<ResetProbe> NewProbe(const std::string& servers);
  void StartOver(const std::string& why);
  void PublishChunk(const std::vector<LogEntry>& entries);
  void AbortChunk();
  void DropProducer();
  void Backoff();

  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
};

void OutboxRelay::Impl::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message,
                                   void* opaque) {
  auto* self = static_cast<Impl*>(opaque);
  const auto tag = reinterpret_cast<uintptr_t>(message->_private);
  const auto generation = static_cast<uint32_t>(tag >> 32);
  const auto index = static_cast<size_t>(tag & 0xffffffffu);
  if (generation != self->generation || index >= self->deliveries.size()) return;
  Delivery& d = self->deliveries[index];
  if (d.done) return;
  d.done = true;
  d.error = message->err;
  d.partition = message->partition;
  d.offset = message->offset;
  --self->pending;
}

void OutboxRelay::Impl::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Impl*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, detail, sizeof(detail));
    self->log->error("relay producer failed topic={} error={} {}; recreating it", self->topic,
                     rd_kafka_err2name(cause), detail);
    self->fatal = true;
    return;
  }
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  // Transport errors repeat the client's own FAIL log line.
  self->log->log(code == RD_KAFKA_RESP_ERR__TRANSPORT ? spdlog::level::debug : spdlog::level::warn,
                 "relay topic={} error={} {}", self->topic, rd_kafka_err2name(code), reason);
}

bool OutboxRelay::Impl::LoadState() {
  absl::StatusOr<std::optional<std::string>> stored = store.GetRelayState();
  if (!stored.ok()) {
    log->error("relay cannot read its position topic={}: {}", topic, stored.status().ToString());
    return false;
  }
  state = RelayState{};
  state.topic = topic;
  if (stored->has_value()) {
    absl::StatusOr<RelayState> decoded = DecodeState(**stored);
    if (!decoded.ok()) {
      // Starting over is always safe: consumers drop what they already applied.
      log->error("relay position unreadable topic={}: {}; publishing the whole log again", topic,
                 decoded.status().ToString());
    } else if (decoded->topic != topic) {
      log->warn("relay topic changed from={} to={}; publishing the whole log to the new topic",
                decoded->topic, topic);
    } else {
      state = *std::move(decoded);
    }
  }
  published = state.cursor;
  log->info("relay starting topic={} cursor={} partitions_with_marks={}", topic, state.cursor,
            state.marks.size());
  return true;
}

void OutboxRelay::Impl::SaveState() {
  if (absl::Status s = store.PutRelayState(EncodeState(state)); !s.ok()) {
    // Not fatal: the next chunk saves again; a crash before that only re-sends events.
    log->error("relay cannot save its position topic={} cursor={}: {}", topic, state.cursor,
               s.ToString());
  }
}

bool OutboxRelay::Impl::BootstrapChanged() {
  if (settings.bootstrap_file.empty() || Clock::now() < next_bootstrap_check) return false;
  next_bootstrap_check = Clock::now() + kBootstrapCheckInterval;
  std::optional<std::string> current = ReadBootstrapFile(settings.bootstrap_file);
  if (!current || *current == bootstrap) return false;
  log->info("relay broker changed topic={} old_bootstrap={} new_bootstrap={}", topic, bootstrap,
            *current);
  return true;
}

void OutboxRelay::Impl::DropProducer() {
  probe.reset();
  confirming_reset = false;
  producer.reset();
  verified = false;
  fatal = false;
}

std::unique_ptr<ResetProbe> OutboxRelay::Impl::NewProbe(const std::string& servers) {
  std::map<std::string, std::string> probe_properties = {{"bootstrap.servers", servers}};
  for (const auto& [name, value] : settings.extra) {
    if (IsProducerOnly(name) || name == "bootstrap.servers") continue;
    probe_properties[name] = value;
  }
  absl::StatusOr<std::unique_ptr<ResetProbe>> new_probe =
      ResetProbe::Create(std::move(probe_properties), topic);
  if (!new_probe.ok()) {
    log->error("relay cannot create its reset probe topic={}: {}", topic,
               new_probe.status().ToString());
    return nullptr;
  }
  return *std::move(new_probe);
}

bool OutboxRelay::Impl::CreateClients(const std::string& servers) {
  std::map<std::string, std::string> properties = {
      {"bootstrap.servers", servers},
      {"client.id", "fieldline-relay-" + topic},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"message.timeout.ms", "30000"},
  };
  for (const auto& [name, value] : settings.extra) properties[name] = value;
  absl::StatusOr<ConfPtr> conf = NewConf(properties);
  if (!conf.ok()) {
    log->error("relay cannot configure its producer topic={}: {}", topic, conf.status().ToString());
    return false;
  }
  rd_kafka_conf_set_opaque(conf->get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Impl::OnDelivery);
  rd_kafka_conf_set_error_cb(conf->get(), &Impl::OnError);
  absl::StatusOr<ClientPtr> client = NewClient(RD_KAFKA_PRODUCER, *std::move(conf));
  if (!client.ok()) {
    log->error("relay cannot create its producer topic={}: {}", topic, client.status().ToString());
    return false;
  }
  std::unique_ptr<ResetProbe> new_probe = NewProbe(servers);
  if (!new_probe) return false;
  producer = *std::move(client);
  probe = std::move(new_probe);
  return true;
}

bool OutboxRelay::Impl::EnsureProducer() {
  if (producer && (fatal || BootstrapChanged())) DropProducer();
  if (producer) return true;

  std::optional<std::string> servers = ResolveBootstrap(settings);
  if (!servers) {
    if (!waiting_logged) {
      log->info("relay waiting for the broker topic={} bootstrap_file={}", topic,
                settings.bootstrap_file);
      waiting_logged = true;
    }
    return false;
  }
  waiting_logged = false;
  if (!CreateClients(*servers)) return false;
  bootstrap = *servers;
  verified = false;
  fatal = false;
  next_bootstrap_check = Clock::now() + kBootstrapCheckInterval;
  log->info("relay connected topic={} bootstrap={}", topic, bootstrap);
  return true;
}

void OutboxRelay::Impl::StartOver(const std::string& why) {
  log->warn(
      "relay detected a broker reset topic={} {}; publishing the whole log again "
      "(was at cursor={})",
      topic, why, state.cursor);
  state.cursor = 0;
  state.marks.clear();
  SaveState();
  published = 0;
  ++republishes;
}

// Checks that the broker still holds the highest offset acknowledged in each partition (see
// ResetProbe), at start, after every reconnection and about every second. Nothing is produced
// to a broker before it passed this check: events produced first could fill the partitions up
// to the old marks and hide the reset. Never blocks for long.
void OutboxRelay::Impl::CheckForReset() {
  const auto now = Clock::now();
  if (state.marks.empty()) {  // nothing acknowledged, nothing to lose
    verified = true;
    next_reset_check = now + kResetCheckInterval;
    return;
  }
  if (!probe->round_active()) {
    if (verified && now < next_reset_check) return;
    probe->StartRound(state.marks);
    probe_round_started = now;
  } else if (now - probe_round_started > kProbeRoundTimeout) {
    log->debug("relay reset check undecided topic={}; starting over", topic);
    probe->StartRound(state.marks);
    probe_round_started = now;
  }
  std::string detail;
  switch (probe->Poll(&detail)) {
    case ResetProbe::Verdict::kPending:
      return;
    case ResetProbe::Verdict::kIntact:
      if (confirming_reset) log->info("relay broker intact after all topic={}", topic);
      confirming_reset = false;
      break;
    case ResetProbe::Verdict::kReset: {
      // A probe that saw a reset may still hold events of that round; use a fresh one, and
      // have it confirm the verdict before the whole log is sent again.
      std::unique_ptr<ResetProbe> fresh = NewProbe(bootstrap);
      if (!fresh) {
        DropProducer();
        return;
      }
      probe = std::move(fresh);
      if (!confirming_reset) {
        log->debug("relay checks a possible broker reset again topic={} {}", topic, detail);
        confirming_reset = true;
        probe->StartRound(state.marks);
        probe_round_started = Clock::now();
        return;
      }
      confirming_reset = false;
      StartOver(detail);
      break;
    }
  }
  verified = true;
  next_reset_check = Clock::now() + kResetCheckInterval;
}

void OutboxRelay::Impl::Backoff() {
  SleepFor(backoff);
  backoff = std::min(backoff * 2, kMaxBackoff);
}

// Purges what is still queued or in flight (it may or may not have reached the broker: the
// events are sent again, consumers drop duplicates) and drops the producer, whose idempotence
// sequence is broken by the purge.
void OutboxRelay::Impl::AbortChunk() {
  rd_kafka_purge(producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  const auto deadline = Clock::now() + milliseconds(1000);
  while (pending > 0 && Clock::now() < deadline) rd_kafka_poll(producer.get(), 10);
  DropProducer();
  ++generation;
  pending = 0;
}

void OutboxRelay::Impl::PublishChunk(const std::vector<LogEntry>& entries) {
  ++generation;
  deliveries.assign(entries.size(), Delivery{});
  pending = entries.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    const EventEnvelope& event = entries[i].event;
    const std::string value = event.SerializeAsString();
    const std::string& key = event.aggregate_id();
    void* tag = reinterpret_cast<void*>((static_cast<uintptr_t>(generation) << 32) | i);
    rd_kafka_resp_err_t err;
    while (true) {
      err = rd_kafka_producev(
          producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(tag), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || stopping()) break;
      rd_kafka_poll(producer.get(), 10);
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      deliveries[i] = Delivery{.done = true, .error = err};
      --pending;
    }
  }

  bool aborted = false;
  while (pending > 0) {
    rd_kafka_poll(producer.get(), 50);
    if (pending == 0) break;
    if (stopping() || fatal || BootstrapChanged()) {
      AbortChunk();
      aborted = true;
      break;
    }
  }

  // Advance the cursor over the acknowledged prefix of the chunk; everything from the first
  // failure on is sent again (later successes become duplicates, which consumers drop).
  size_t first_failed = entries.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    const Delivery& d = deliveries[i];
    if (d.done && d.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      int64_t& mark = state.marks[d.partition];
      mark = std::max(mark, d.offset);
    } else if (first_failed == entries.size()) {
      first_failed = i;
    }
  }
  state.cursor =
      first_failed == 0 ? entries.front().sequence - 1 : entries[first_failed - 1].sequence;
  SaveState();
  published = state.cursor;

  if (first_failed == entries.size()) {
    backoff = kMinBackoff;
  } else if (aborted) {
    // A new producer (new broker, or after a fatal error) sends the rest at once.
    if (!stopping()) {
      log->info("relay resends from sequence={} with a new producer topic={}",
                entries[first_failed].sequence, topic);
    }
  } else {
    const Delivery& d = deliveries[first_failed];
    log->warn(
        "relay delivery failed topic={} sequence={} event_id={} error={}; retrying from "
        "there",
        topic, entries[first_failed].sequence, entries[first_failed].event.event_id(),
        rd_kafka_err2name(d.error));
    Backoff();
  }
}

void OutboxRelay::Impl::Run() {
  while (!stopping() && !LoadState()) Backoff();
  backoff = kMinBackoff;
  while (!stopping()) {
    if (!EnsureProducer()) {
      SleepFor(kMinBackoff);
      continue;
    }
    CheckForReset();
    if (!verified) {
      SleepFor(milliseconds(20));
      continue;
    }
    if (state.cursor >= store.DurableSequence()) {
      store.WaitForDurable(state.cursor, absl::Milliseconds(100));
      rd_kafka_poll(producer.get(), 0);  // serve error callbacks while idle
      continue;
    }
    absl::StatusOr<std::vector<LogEntry>> entries = store.ReadLog(state.cursor, kChunkSize);
    if (!entries.ok()) {
      log->error("relay cannot read the outbox topic={} cursor={}: {}", topic, state.cursor,
                 entries.status().ToString());
      Backoff();
      continue;
    }
    if (entries->empty()) continue;
    PublishChunk(*entries);
  }
  if (producer) {
    rd_kafka_purge(producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    DropProducer();
  }
  log->info("relay stopped topic={} cursor={}", topic, state.cursor);
}

OutboxRelay::OutboxRelay(EventStore& store, KafkaSettings settings, std::string topic)
    : impl_(std::make_unique<Impl>(store, std::move(settings), std::move(topic))) {}

OutboxRelay::~OutboxRelay() { Stop(); }

absl::Status OutboxRelay::Start() {
  if (impl_->worker.running()) return absl::FailedPreconditionError("The relay is running.");
  if (impl_->settings.bootstrap_servers.empty() && impl_->settings.bootstrap_file.empty()) {
    return absl::InvalidArgumentError(
        "Kafka needs either bootstrap servers or a bootstrap file to read them from.");
  }
  if (impl_->topic.empty()) return absl::InvalidArgumentError("The relay needs a topic.");
  impl_->worker.Start([impl = impl_.get()] { impl->Run(); });
  return absl::OkStatus();
}

void OutboxRelay::Stop() {
  impl_->worker.Stop();
}

uint64_t OutboxRelay::published_sequence() const { return impl_->published; }
uint64_t OutboxRelay::republish_count() const { return impl_->republishes; }

}  // namespace fieldline
