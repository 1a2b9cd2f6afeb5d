#include "services/common/store/event_store.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/core/strings.h"

namespace fieldline {
namespace {

// Key layout (one RocksDB column family, prefixes keep the kinds apart):
//   e/<type>/<id>/<version:20>  event of an aggregate's stream      -> EventEnvelope
//   v/<type>/<id>               current version of an aggregate     -> decimal
//   l/<sequence:20>             outbox log, commit order            -> EventEnvelope
//   r/<request id>              idempotency record                  -> CommandAck
//   i/<type>/<id>               inbox: highest applied version      -> decimal
//   c/<group>/<topic>/<part>    consumer: next offset               -> decimal
//   m/relay                     relay bookkeeping                   -> opaque
//   p/..., x/...                projections and service indexes     -> service-defined
constexpr std::string_view kLogPrefix = "l/";

std::string Padded(uint64_t n) {
  char buf[21];
  std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(n));
  return buf;
}
std::string StreamPrefix(const AggregateKey& a) { return absl::StrCat("e/", a.type, "/", a.id, "/"); }
std::string VersionKey(const AggregateKey& a) { return absl::StrCat("v/", a.type, "/", a.id); }
std::string LogKey(uint64_t seq) { return absl::StrCat(AsAbsl(kLogPrefix), Padded(seq)); }
std::string RequestKey(std::string_view id) { return absl::StrCat("r/", AsAbsl(id)); }
std::string InboxKey(const AggregateKey& a) { return absl::StrCat("i/", a.type, "/", a.id); }
std::string OffsetKey(std::string_view group, std::string_view topic, int32_t partition) {
  return absl::StrCat("c/", AsAbsl(group), "/", AsAbsl(topic), "/", partition);
}
constexpr std::string_view kRelayKey = "m/relay";

int64_t ParseInt(std::string_view s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  // A full or failing disk is the operator's to fix and the caller's to retry later: UNAVAILABLE
  // (the write batch is atomic, so nothing of the change was kept).
  if (s.IsNoSpace() || s.IsIOError()) {
    return absl::UnavailableError(
        absl::StrCat("The service cannot save changes right now: its disk is full or failing "
                     "(while ",
                     AsAbsl(what), ": ", s.ToString(),
                     "). Nothing was changed; try again once the disk has space."));
  }
  return absl::InternalError(absl::StrCat("The service's data store failed while ", AsAbsl(what), ": ",
                                          s.ToString()));
}

absl::Status DiskFailed() {
  return absl::UnavailableError(
      "The service cannot save changes: a write to its disk failed (full or failing). Nothing "
      "was changed. Free space or replace the disk, then restart the service.");
}

}  // namespace

void ToProto(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(time);
  int64_t seconds = nanos / 1000000000;
  int64_t rem = nanos % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rem));
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

EventEnvelope NewEnvelope(const CommandMeta& meta) {
  EventEnvelope e;
  e.set_request_id(meta.request_id);
  e.mutable_actor()->set_user_id(meta.actor.user_id);
  e.mutable_actor()->set_role(meta.actor.role);
  e.set_correlation_id(!meta.correlation_id.empty() ? meta.correlation_id : meta.request_id);
  e.set_causation_id(meta.causation_id);
  if (meta.device_time != absl::InfinitePast()) ToProto(meta.device_time, e.mutable_device_time());
  if (meta.now != absl::Time()) ToProto(meta.now, e.mutable_server_time());
  return e;
}

// Striped mutexes: one per hash bucket of "type/id" (and of request ids). A batch takes all the
// stripes it needs at once, in index order, so two batches can never wait on each other in a
// cycle.
struct EventStore::LockTable {
  explicit LockTable(size_t n) : stripes(n) {}
  size_t IndexOf(std::string_view key) const { return std::hash<std::string_view>{}(key) % stripes.size(); }
  std::vector<std::mutex> stripes;
};

struct Batch::Impl {
  rocksdb::WriteBatch write_batch;
  std::map<std::string, int64_t> pending_versions;  // VersionKey -> version after this batch
  std::vector<EventEnvelope> log_events;             // to be given log sequences at commit
  std::vector<std::unique_lock<std::mutex>> locks;
  bool locked = false;
  size_t puts = 0;
};

Batch::Batch(EventStore* store) : store_(store), impl_(std::make_unique<Impl>()) {}
Batch::Batch(Batch&&) noexcept = default;
Batch& Batch::operator=(Batch&&) noexcept = default;
Batch::~Batch() = default;

void Batch::Lock(std::vector<AggregateKey> aggregates, std::string_view request_id) {
  if (impl_->locked) throw std::logic_error("Batch::Lock called twice on one batch");
  impl_->locked = true;
  std::vector<size_t> indexes;
  for (const auto& a : aggregates) indexes.push_back(store_->locks_->IndexOf(a.ToString()));
  if (!request_id.empty()) {
    indexes.push_back(store_->locks_->IndexOf(absl::StrCat("request:", AsAbsl(request_id))));
  }
  std::sort(indexes.begin(), indexes.end());
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  for (size_t i : indexes) impl_->locks.emplace_back(store_->locks_->stripes[i]);
}

absl::StatusOr<int64_t> Batch::CurrentVersion(const AggregateKey& aggregate) const {
  auto it = impl_->pending_versions.find(VersionKey(aggregate));
  if (it != impl_->pending_versions.end()) return it->second;
  return store_->CurrentVersion(aggregate);
}

absl::Status Batch::Append(const AggregateKey& aggregate, int64_t expected_version,
                           std::vector<EventEnvelope> events) {
  absl::StatusOr<int64_t> current = CurrentVersion(aggregate);
  if (!current.ok()) return current.status();
  if (expected_version != kAnyVersion && expected_version != *current) {
    return VersionConflict(absl::StrCat(
        aggregate.type, " ", aggregate.id, " was changed by someone else (now version ", *current,
        ", you had version ", expected_version, "); reload it and try again."));
  }
  int64_t version = *current;
  const std::string prefix = StreamPrefix(aggregate);
  for (auto& e : events) {
    ++version;
    e.set_aggregate_type(aggregate.type);
    e.set_aggregate_id(aggregate.id);
    e.set_aggregate_version(version);
    if (!e.has_server_time()) ToProto(absl::Now(), e.mutable_server_time());
    if (e.event_id().empty()) e.set_event_id(store_->ids_.NewId(FromProto(e.server_time())));
    std::string bytes;
    e.SerializeToString(&bytes);
    impl_->write_batch.Put(absl::StrCat(prefix, Padded(static_cast<uint64_t>(version))), bytes);
    impl_->log_events.push_back(std::move(e));
  }
  impl_->pending_versions[VersionKey(aggregate)] = version;
  impl_->write_batch.Put(VersionKey(aggregate), std::to_string(version));
  return absl::OkStatus();
}

void Batch::Put(std::string_view key, std::string_view value) {
  impl_->write_batch.Put(rocksdb::Slice(key.data(), key.size()),
                         rocksdb::Slice(value.data(), value.size()));
  ++impl_->puts;
}

void Batch::Delete(std::string_view key) {
  impl_->write_batch.Delete(rocksdb::Slice(key.data(), key.size()));
  ++impl_->puts;
}

void Batch::RecordRequest(std::string_view request_id, const common::v1::CommandAck& ack) {
  Put(RequestKey(request_id), ack.SerializeAsString());
}

void Batch::RecordInbox(const AggregateKey& source, int64_t version) {
  Put(InboxKey(source), std::to_string(version));
}

void Batch::RecordOffset(std::string_view group, std::string_view topic, int32_t partition,
                         int64_t next_offset) {
  Put(OffsetKey(group, topic, partition), std::to_string(next_offset));
}

bool Batch::empty() const { return impl_->log_events.empty() && impl_->puts == 0 && impl_->pending_versions.empty(); }

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const Options& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return Unavailable(absl::StrCat("Cannot create the data folder ", options.path, ": ",
                                    ec.message()));
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  if (options.env != nullptr) db_options.env = options.env;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, &raw);
  if (!s.ok()) {
    return Unavailable(absl::StrCat("Cannot open the data store at ", options.path,
                                    " (is another copy of this service running?): ", s.ToString()));
  }
  auto store = std::unique_ptr<EventStore>(new EventStore());
  store->db_.reset(raw);
  store->locks_ = std::make_unique<LockTable>(std::max<size_t>(options.lock_stripes, 1));
  // Recover the log sequence: the last l/ key.
  std::unique_ptr<rocksdb::Iterator> it(store->db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(absl::StrCat(AsAbsl(kLogPrefix), "\xff"));
  uint64_t last = 0;
  if (it->Valid() && it->key().starts_with(rocksdb::Slice(kLogPrefix.data(), kLogPrefix.size()))) {
    last = static_cast<uint64_t>(ParseInt(it->key().ToStringView().substr(kLogPrefix.size())));
  }
  store->next_sequence_ = last + 1;
  store->written_sequence_ = last;
  store->durable_sequence_ = last;
  return store;
}

std::optional<uint64_t> EventStore::IntProperty(std::string_view name) const {
  uint64_t value = 0;
  if (!db_->GetIntProperty(rocksdb::Slice(name.data(), name.size()), &value)) return std::nullopt;
  return value;
}

EventStore::~EventStore() {
  if (db_) {
    // After a failed write RocksDB's log writer must not be touched again.
    if (!write_failed_) IgnoreError(FromRocks(db_->SyncWAL(), "closing"), "best effort on close");
    IgnoreError(FromRocks(db_->Close(), "closing"), "best effort on close");
  }
}

absl::Status EventStore::Write(Batch& batch, uint64_t* ticket) {
  Batch::Impl& b = *batch.impl_;
  std::lock_guard<std::mutex> lock(commit_mu_);
  if (write_failed_) return DiskFailed();
  const uint64_t first = next_sequence_;
  for (const auto& e : b.log_events) {
    b.write_batch.Put(LogKey(next_sequence_++), e.SerializeAsString());
  }
  rocksdb::WriteOptions wo;
  wo.sync = false;  // made durable by SyncThrough, outside this lock, so commits group
  rocksdb::Status s = db_->Write(wo, &b.write_batch);
  if (!s.ok()) {
    next_sequence_ = first;
    if (s.IsNoSpace() || s.IsIOError()) write_failed_ = true;
    return FromRocks(s, "saving a change");
  }
  written_sequence_ = next_sequence_ - 1;
  *ticket = ++writes_;
  return absl::OkStatus();
}

// Group commit (leader/follower): one WAL sync at a time. A committer whose write a finished
// sync covers returns at once; one that finds a sync running waits for it (its write may have
// come too late for it) and is woken with all the others at its end; otherwise it becomes the
// leader and its one SyncWAL covers every batch written so far. Followers are woken together
// (notify_all), not one by one, so a round costs one fsync however many commits it holds.
absl::Status EventStore::SyncThrough(uint64_t ticket) {
  std::unique_lock<std::mutex> sync_lock(sync_mu_);
  while (synced_writes_ < ticket && syncing_) sync_cv_.wait(sync_lock);
  if (synced_writes_ >= ticket) return absl::OkStatus();
  uint64_t writes;
  uint64_t sequence;
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    // After a failed write RocksDB's log writer must not be touched again.
    if (write_failed_) return DiskFailed();
    writes = writes_;
    sequence = written_sequence_;
  }
  syncing_ = true;
  sync_lock.unlock();
  const rocksdb::Status s = db_->SyncWAL();
  sync_lock.lock();
  // A failed fsync is final: what it should have made durable may be gone, and a second fsync
  // can report success for pages the kernel already dropped. Marked before the followers wake,
  // so none of them syncs again and reports its write as saved.
  if (!s.ok()) write_failed_ = true;
  syncing_ = false;
  if (s.ok()) synced_writes_ = writes;
  sync_cv_.notify_all();
  sync_lock.unlock();
  if (!s.ok()) return FromRocks(s, "flushing a change to disk");
  std::lock_guard<std::mutex> lock(durable_mu_);
  if (sequence > durable_sequence_) {
    durable_sequence_ = sequence;
    durable_cv_.notify_all();
  }
  return absl::OkStatus();
}

absl::Status EventStore::Commit(Batch batch) {
  const bool durable = batch.durable_ || !batch.impl_->log_events.empty();
  uint64_t ticket = 0;
  if (absl::Status s = Write(batch, &ticket); !s.ok()) return s;
  if (!durable) return absl::OkStatus();
  return SyncThrough(ticket);  // the batch's locks are held until it is durable
}

absl::Status EventStore::CommitWithoutSync(Batch batch) {
  uint64_t ticket = 0;
  return Write(batch, &ticket);
}

absl::Status EventStore::Sync() {
  uint64_t ticket;
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    ticket = writes_;
  }
  return SyncThrough(ticket);
}

absl::StatusOr<common::v1::CommandAck> EventStore::Execute(
    std::string_view request_id, std::vector<AggregateKey> aggregates,
    const std::function<absl::StatusOr<common::v1::CommandAck>(Batch&)>& decide) {
  if (request_id.empty()) {
    return InvalidArgument("request_id",
                           "Every change needs a request id, so that a retry does not repeat it.");
  }
  Batch batch = NewBatch();
  batch.Lock(std::move(aggregates), request_id);
  absl::StatusOr<std::optional<common::v1::CommandAck>> prior = FindRequest(request_id);
  if (!prior.ok()) return prior.status();
  if (prior->has_value()) return **prior;
  absl::StatusOr<common::v1::CommandAck> ack = decide(batch);
  if (!ack.ok()) return ack.status();
  batch.RecordRequest(request_id, *ack);
  if (absl::Status s = Commit(std::move(batch)); !s.ok()) return s;
  return ack;
}

absl::StatusOr<std::vector<EventEnvelope>> EventStore::ReadStream(const AggregateKey& aggregate,
                                                                  int64_t from_version) const {
  std::vector<EventEnvelope> out;
  const std::string prefix = StreamPrefix(aggregate);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(absl::StrCat(prefix, Padded(static_cast<uint64_t>(std::max<int64_t>(from_version, 0)))));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    EventEnvelope e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("A stored event of ", aggregate.ToString(),
                                              " cannot be read."));
    }
    out.push_back(std::move(e));
  }
  if (absl::Status s = FromRocks(it->status(), "reading events"); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::optional<std::string>> EventStore::Get(std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading");
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<int64_t> EventStore::CurrentVersion(const AggregateKey& aggregate) const {
  auto v = Get(VersionKey(aggregate));
  if (!v.ok()) return v.status();
  return v->has_value() ? ParseInt(**v) : 0;
}

absl::Status EventStore::Scan(std::string_view prefix, std::string_view start_after,
                              const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::string start(prefix);
  std::string after;
  if (!start_after.empty()) {
    after = start_after.starts_with(prefix) ? std::string(start_after)
                                            : absl::StrCat(AsAbsl(prefix), AsAbsl(start_after));
    start = after;
  }
  const rocksdb::Slice prefix_slice(prefix.data(), prefix.size());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(start); it->Valid() && it->key().starts_with(prefix_slice); it->Next()) {
    if (!after.empty() && it->key().ToStringView() == after) continue;
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "listing");
}

absl::StatusOr<std::optional<common::v1::CommandAck>> EventStore::FindRequest(
    std::string_view request_id) const {
  auto v = Get(RequestKey(request_id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<common::v1::CommandAck>();
  // After a failed write or fsync the record may be one that never reached the disk: a retry
  // must not be told its command was saved.
  if (write_failed_) return DiskFailed();
  common::v1::CommandAck ack;
  ack.ParseFromString(**v);
  return std::optional<common::v1::CommandAck>(ack);
}

absl::StatusOr<int64_t> EventStore::InboxVersion(const AggregateKey& source) const {
  auto v = Get(InboxKey(source));
  if (!v.ok()) return v.status();
  return v->has_value() ? ParseInt(**v) : 0;
}

absl::StatusOr<std::optional<int64_t>> EventStore::ConsumerOffset(std::string_view group,
                                                                   std::string_view topic,
                                                                   int32_t partition) const {
  auto v = Get(OffsetKey(group, topic, partition));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<int64_t>();
  return std::optional<int64_t>(ParseInt(**v));
}

absl::StatusOr<std::vector<LogEntry>> EventStore::ReadLog(uint64_t after, size_t limit) const {
  const uint64_t durable = DurableSequence();
  std::vector<LogEntry> out;
  if (after >= durable) return out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const rocksdb::Slice prefix(kLogPrefix.data(), kLogPrefix.size());
  for (it->Seek(LogKey(after + 1)); it->Valid() && it->key().starts_with(prefix) && out.size() < limit;
       it->Next()) {
    const uint64_t seq = static_cast<uint64_t>(ParseInt(it->key().ToStringView().substr(kLogPrefix.size())));
    if (seq > durable) break;
    LogEntry entry;
    entry.sequence = seq;
    if (!entry.event.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("Outbox entry ", seq, " cannot be read."));
    }
    out.push_back(std::move(entry));
  }
  if (absl::Status s = FromRocks(it->status(), "reading the outbox"); !s.ok()) return s;
  return out;
}

uint64_t EventStore::DurableSequence() const {
  std::lock_guard<std::mutex> lock(durable_mu_);
  return durable_sequence_;
}

uint64_t EventStore::WaitForDurable(uint64_t after, absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(durable_mu_);
  durable_cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                       [&] { return durable_sequence_ > after; });
  return durable_sequence_;
}

absl::StatusOr<std::optional<std::string>> EventStore::GetRelayState() const { return Get(kRelayKey); }

absl::Status EventStore::PutRelayState(std::string_view state) {
  if (write_failed_) return DiskFailed();
  rocksdb::WriteOptions wo;
  return FromRocks(db_->Put(wo, rocksdb::Slice(kRelayKey.data(), kRelayKey.size()),
                            rocksdb::Slice(state.data(), state.size())),
                   "saving the relay position");
}

}  // namespace fieldline
