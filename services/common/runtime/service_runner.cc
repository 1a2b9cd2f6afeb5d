#include "services/common/runtime/service_runner.h"

#include <pthread.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <thread>
#include <utility>

#include "grpcpp/impl/service_type.h"
#include "httplib.h"
#include "services/common/metrics/metrics.h"
#include "services/common/runtime/health.h"
#include "services/common/grpc/server.h"
#include "services/common/kafka/kafka_client.h"
#include "services/common/kafka/kafka_settings.h"
#include "services/common/kafka/outbox_relay.h"
#include "services/common/runtime/logging.h"
#include "services/common/runtime/service_config.h"

namespace fieldline {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // could not start (store, wiring, Kafka, port)
constexpr int kExitUsage = 2;    // configuration the user has to fix

constexpr absl::Duration kGrpcGrace = absl::Seconds(5);

// SIGINT and SIGTERM, blocked in every thread and taken by sigwait in RunService only, so a stop
// request is handled in ordinary code instead of a signal handler.
sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

int WaitForStopSignal(const sigset_t& signals) {
  int signal = 0;
  while (sigwait(&signals, &signal) != 0) {
  }
  return signal;
}

int64_t DiskFreeBytes(const std::string& path) {
  struct statvfs fs {};
  if (statvfs(path.c_str(), &fs) != 0) return -1;
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

// Reads the service's vital signs every few seconds: health for /healthz and gRPC health,
// gauges for /metrics.
class Monitor {
 public:
  Monitor(std::string data_dir, EventStore& store, const OutboxRelay* relay,
          const EventConsumer* consumer)
      : data_dir_(std::move(data_dir)),
        store_(store),
        relay_(relay),
        consumer_(consumer),
        started_(absl::Now()) {}

  // Called by the health thread and by /healthz requests: one at a time.
  HealthReport Check(absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    HealthReadings r;
    r.store_write_failed = store_.write_failed();
    r.disk_free_bytes = DiskFreeBytes(data_dir_);
    r.relay_enabled = relay_ != nullptr;
    if (relay_ != nullptr) {
      const uint64_t published = relay_->published_sequence();
      r.outbox_depth = OutboxDepth();
      if (r.outbox_depth == 0 || published != last_published_) {
        last_progress_ = now;
        last_published_ = published;
      }
      r.outbox_stalled = now - last_progress_;
    }
    r.consumer_enabled = consumer_ != nullptr;
    if (consumer_ != nullptr) {
      r.consumer_assigned = consumer_->assigned();
      r.consumer_lag = consumer_->lag();
    }
    r.uptime = now - started_;
    HealthReport report = EvaluateHealth(r);
    last_ = report;
    return report;
  }

  HealthReport Last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

  void Collect(metrics::Registry& registry) {
    registry.Set("fieldline_disk_free_bytes", {}, static_cast<double>(DiskFreeBytes(data_dir_)));
    registry.Set("fieldline_store_write_failed", {}, store_.write_failed() ? 1 : 0);
    registry.Set("fieldline_store_durable_sequence", {},
                 static_cast<double>(store_.DurableSequence()));
    for (const auto& [property, name] :
         std::vector<std::pair<const char*, const char*>>{
             {"rocksdb.estimate-num-keys", "fieldline_rocksdb_estimated_keys"},
             {"rocksdb.total-sst-files-size", "fieldline_rocksdb_sst_bytes"},
             {"rocksdb.estimate-live-data-size", "fieldline_rocksdb_live_data_bytes"},
             {"rocksdb.cur-size-all-mem-tables", "fieldline_rocksdb_memtable_bytes"},
             {"rocksdb.num-running-compactions", "fieldline_rocksdb_running_compactions"},
             {"rocksdb.estimate-pending-compaction-bytes",
              "fieldline_rocksdb_pending_compaction_bytes"}}) {
      if (std::optional<uint64_t> value = store_.IntProperty(property)) {
        registry.Set(name, {}, static_cast<double>(*value));
      }
    }
    if (relay_ != nullptr) {
      registry.Set("fieldline_outbox_depth", {}, static_cast<double>(OutboxDepth()));
      registry.Set("fieldline_outbox_published_sequence", {},
                   static_cast<double>(relay_->published_sequence()));
      registry.Set("fieldline_outbox_republish_total", {},
                   static_cast<double>(relay_->republish_count()));
    }
    if (consumer_ != nullptr) {
      registry.Set("fieldline_consumer_events_total", {{"result", "applied"}},
                   static_cast<double>(consumer_->applied()));
      registry.Set("fieldline_consumer_events_total", {{"result", "duplicate"}},
                   static_cast<double>(consumer_->skipped()));
      registry.Set("fieldline_consumer_events_total", {{"result", "rejected"}},
                   static_cast<double>(consumer_->rejected()));
      registry.Set("fieldline_consumer_events_total", {{"result", "unknown_type"}},
                   static_cast<double>(consumer_->unknown()));
      registry.Set("fieldline_consumer_quarantined_total", {},
                   static_cast<double>(consumer_->quarantined()));
      registry.Set("fieldline_consumer_dead_lettered_total", {},
                   static_cast<double>(consumer_->dead_lettered()));
      registry.Set("fieldline_consumer_lag", {}, static_cast<double>(consumer_->lag()));
    }
    const HealthReport report = Last();
    for (const char* status : {"ok", "degraded", "unavailable"}) {
      registry.Set("fieldline_health", {{"status", status}}, report.status == status ? 1 : 0);
    }
  }

 private:
  // Events on disk that Kafka has not acknowledged yet.
  uint64_t OutboxDepth() const {
    const uint64_t durable = store_.DurableSequence();
    const uint64_t published = relay_->published_sequence();
    return durable > published ? durable - published : 0;
  }

  const std::string data_dir_;
  EventStore& store_;
  const OutboxRelay* relay_;
  const EventConsumer* consumer_;
  const absl::Time started_;
  std::mutex mu_;
  uint64_t last_published_ = 0;            // guarded by mu_
  absl::Time last_progress_ = absl::Now();  // guarded by mu_
  HealthReport last_{"ok", true, {}};       // guarded by mu_
};

void DescribeMetrics() {
  metrics::Registry& r = metrics::Global();
  using metrics::Type;
  r.Describe("fieldline_disk_free_bytes", Type::kGauge, "Free space on the data directory's disk.");
  r.Describe("fieldline_store_write_failed", Type::kGauge,
             "1 after a write to the disk failed: no change can be saved until a restart.");
  r.Describe("fieldline_store_durable_sequence", Type::kGauge,
             "Highest outbox sequence on disk.");
  r.Describe("fieldline_rocksdb_estimated_keys", Type::kGauge, "RocksDB estimate-num-keys.");
  r.Describe("fieldline_rocksdb_sst_bytes", Type::kGauge, "RocksDB total SST file size.");
  r.Describe("fieldline_rocksdb_live_data_bytes", Type::kGauge, "RocksDB estimated live data.");
  r.Describe("fieldline_rocksdb_memtable_bytes", Type::kGauge, "RocksDB memtables size.");
  r.Describe("fieldline_rocksdb_running_compactions", Type::kGauge, "RocksDB compactions running.");
  r.Describe("fieldline_rocksdb_pending_compaction_bytes", Type::kGauge,
             "RocksDB estimated bytes waiting for compaction.");
  r.Describe("fieldline_outbox_depth", Type::kGauge,
             "Events saved on disk and not yet acknowledged by Kafka.");
  r.Describe("fieldline_outbox_published_sequence", Type::kGauge,
             "Highest outbox sequence acknowledged by Kafka.");
  r.Describe("fieldline_outbox_republish_total", Type::kCounter,
             "Times the relay found a reset broker and published its whole log again.");
  r.Describe("fieldline_consumer_events_total", Type::kCounter,
             "Events received from other services, by result.");
  r.Describe("fieldline_consumer_quarantined_total", Type::kCounter,
             "Poison messages put aside (undecodable or rejected).");
  r.Describe("fieldline_consumer_dead_lettered_total", Type::kCounter,
             "Quarantined messages acknowledged by the dead-letter topic.");
  r.Describe("fieldline_consumer_lag", Type::kGauge,
             "Messages behind the ends of the consumed partitions.");
  r.Describe("fieldline_health", Type::kGauge, "1 for the service's current health status.");
}

// Everything RunService starts. Stop() takes it down in the reverse order of start: no new
// calls, then no new consumed events, then no more publishing, then the objects the handlers
// point to, and the store last.
struct RunningService {
  std::unique_ptr<EventStore> store;
  ServiceParts parts;
  std::unique_ptr<OutboxRelay> relay;
  std::unique_ptr<EventConsumer> consumer;
  std::unique_ptr<GrpcServer> server;
  std::vector<std::unique_ptr<kafka_internal::StoppableThread>> tickers;
  std::unique_ptr<Monitor> monitor;
  int collector = -1;
  std::unique_ptr<httplib::Server> metrics_server;
  std::thread metrics_thread;

  ~RunningService() { Stop(); }

  void Stop() {
    if (metrics_server) {
      metrics_server->stop();
      if (metrics_thread.joinable()) metrics_thread.join();
      metrics_server.reset();
    }
    if (collector >= 0) {
      metrics::Global().RemoveCollector(collector);
      collector = -1;
    }
    // Periodic work first: the health ticker talks to the gRPC server.
    for (std::unique_ptr<kafka_internal::StoppableThread>& ticker : tickers) ticker->Stop();
    tickers.clear();
    if (server) {
      server->Shutdown(kGrpcGrace);
      server.reset();
    }
    if (consumer) {
      consumer->Stop();
      consumer.reset();
    }
    if (relay) {
      relay->Stop();
      relay.reset();
    }
    parts.grpc_services.clear();
    parts.handler = nullptr;
    parts.keep_alive.reset();
    monitor.reset();
    store.reset();
  }
};

std::string Program(const std::string& name) { return "fieldline-" + name; }

std::string CreateSecretCommand(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return (dir.empty() ? "" : "mkdir -p " + dir + " && ") + "head -c 32 /dev/urandom | base64 > " +
         path;
}

int Fail(const std::string& name, int code, const std::string& message) {
  std::cerr << Program(name) << ": " << message << std::endl;
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  return code;
}

}  // namespace

int RunService(const std::string& name, int default_port, int argc, char** argv,
               const std::function<absl::StatusOr<ServiceParts>(const ServiceContext&)>& wire) {
  // Before any thread exists (gRPC, RocksDB and librdkafka all start some), so all inherit it.
  const sigset_t stop_signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // --- configuration ---
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  absl::StatusOr<LoadedConfig> loaded = LoadServiceConfig(name, default_port, args, ProcessEnv);
  if (!loaded.ok()) {
    return Fail(name, kExitUsage, "configuration error: " + std::string(loaded.status().message()));
  }
  if (!loaded->help.empty()) {
    std::cout << loaded->help << std::flush;
    return kExitOk;
  }
  const ServiceConfig& config = loaded->config;
  if (absl::Status logging = InitLogging(name, config.log_level); !logging.ok()) {
    return Fail(name, kExitUsage, "configuration error: " + std::string(logging.message()));
  }
  std::shared_ptr<spdlog::logger> log = Logger("runtime");

  std::string secret = config.auth_secret;
  if (secret.empty()) {
    absl::StatusOr<std::string> from_file = ReadAuthSecret(config.auth_secret_file);
    if (from_file.status().code() == absl::StatusCode::kNotFound) {
      return Fail(name, kExitUsage,
                  std::string(from_file.status().message()) +
                      ". Start Fieldline with ./scripts/run.sh, which creates it, or create it "
                      "yourself: " +
                      CreateSecretCommand(config.auth_secret_file) +
                      " (or point --auth-secret-file / FIELDLINE_AUTH_SECRET_FILE at another "
                      "file).");
    }
    if (!from_file.ok()) {
      return Fail(name, kExitUsage, std::string(from_file.status().message()));
    }
    secret = *std::move(from_file);
  }

  // Declared before `running` so they outlive everything that uses them, on every return path.
  SystemClock clock;
  UuidV7Generator ids;
  TokenVerifier verifier(secret);

  // --- store and application ---
  RunningService running;
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return Fail(name, kExitFailure,
                "cannot create the data directory \"" + config.data_dir + "\": " + ec.message());
  }
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      EventStore::Open(EventStore::Options{.path = config.data_dir});
  if (!store.ok()) {
    return Fail(name, kExitFailure, std::string(store.status().message()));
  }
  running.store = *std::move(store);

  const ServiceContext context{running.store.get(), &clock, &ids, &verifier, &config};
  absl::StatusOr<ServiceParts> parts = wire(context);
  if (!parts.ok()) {
    return Fail(name, kExitFailure,
                "cannot set up the service: " + std::string(parts.status().message()));
  }
  running.parts = *std::move(parts);

  // --- Kafka ---
  KafkaSettings kafka;
  if (!config.brokers.empty()) {
    kafka.bootstrap_servers = config.brokers;
  } else {
    kafka.bootstrap_file = config.brokers_file;
  }
  const std::string kafka_where =
      config.brokers.empty() ? "file=" + config.brokers_file : "brokers=" + config.brokers;
  if (config.relay_enabled) {
    running.relay = std::make_unique<OutboxRelay>(*running.store, kafka, TopicOf(name));
    if (absl::Status started = running.relay->Start(); !started.ok()) {
      return Fail(name, kExitFailure,
                  "cannot start publishing to Kafka (" + kafka_where +
                      "): " + std::string(started.message()));
    }
    log->info("relay started topic={} {}", TopicOf(name), kafka_where);
  }
  if (config.consumer_enabled && !running.parts.consumed_topics.empty()) {
    running.consumer =
        std::make_unique<EventConsumer>(*running.store, kafka, "fieldline-" + name,
                                        running.parts.consumed_topics, running.parts.handler);
    if (absl::Status started = running.consumer->Start(); !started.ok()) {
      return Fail(name, kExitFailure,
                  "cannot start consuming from Kafka (" + kafka_where +
                      "): " + std::string(started.message()));
    }
    log->info("consumer started group=fieldline-{} topics={} {}", name,
              running.parts.consumed_topics.size(), kafka_where);
  }

  // --- gRPC ---
  std::vector<grpc::Service*> services;
  for (const std::unique_ptr<grpc::Service>& service : running.parts.grpc_services) {
    services.push_back(service.get());
  }
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
      config.listen, services,
      GrpcServerOptions{.tls_cert_file = config.tls_cert_file, .tls_key_file = config.tls_key_file});
  if (!server.ok()) return Fail(name, kExitFailure, std::string(server.status().message()));
  running.server = *std::move(server);

  for (const Ticker& ticker : running.parts.tickers) {
    auto thread = std::make_unique<kafka_internal::StoppableThread>();
    kafka_internal::StoppableThread* self = thread.get();
    thread->Start([self, &ticker, &clock, log] {
      const auto every = std::chrono::milliseconds(
          std::max<int64_t>(1, absl::ToInt64Milliseconds(ticker.every)));
      do {
        if (absl::Status done = ticker.tick(clock.Now()); !done.ok()) {
          log->warn("periodic work {} failed, retrying in {}: {}", ticker.name,
                    absl::FormatDuration(ticker.every), std::string(done.message()));
        }
      } while (self->SleepFor(every));
    });
    running.tickers.push_back(std::move(thread));
  }

  // --- health and metrics ---
  DescribeMetrics();
  running.monitor = std::make_unique<Monitor>(config.data_dir, *running.store, running.relay.get(),
                                              running.consumer.get());
  {
    Monitor* monitor = running.monitor.get();
    GrpcServer* grpc_server = running.server.get();
    running.collector =
        metrics::Global().AddCollector([monitor](metrics::Registry& r) { monitor->Collect(r); });
    auto thread = std::make_unique<kafka_internal::StoppableThread>();
    kafka_internal::StoppableThread* self = thread.get();
    thread->Start([self, monitor, grpc_server, log] {
      bool serving = true;
      do {
        const HealthReport report = monitor->Check(absl::Now());
        if (report.serving != serving) {
          serving = report.serving;
          grpc_server->SetServing(serving);
          if (serving) {
            log->info("health: serving again");
          } else {
            log->error("health: not serving: {}", HealthJson(report));
          }
        }
      } while (self->SleepFor(std::chrono::seconds(2)));
    });
    running.tickers.push_back(std::move(thread));
  }
  if (!config.metrics_listen.empty()) {
    const size_t colon = config.metrics_listen.rfind(':');
    std::string host = config.metrics_listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    const int port = std::stoi(config.metrics_listen.substr(colon + 1));
    running.metrics_server = std::make_unique<httplib::Server>();
    Monitor* monitor = running.monitor.get();
    running.metrics_server->Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics::Global().Render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    running.metrics_server->Get("/healthz",
                                [monitor](const httplib::Request&, httplib::Response& res) {
                                  const HealthReport report = monitor->Check(absl::Now());
                                  res.status = report.serving ? 200 : 503;
                                  res.set_content(HealthJson(report), "application/json");
                                });
    const int bound = port == 0 ? running.metrics_server->bind_to_any_port(host)
                                : (running.metrics_server->bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
      return Fail(name, kExitFailure,
                  "cannot listen for metrics on " + config.metrics_listen +
                      " (is another process using that port?)");
    }
    httplib::Server* metrics_server = running.metrics_server.get();
    running.metrics_thread = std::thread([metrics_server] { metrics_server->listen_after_bind(); });
    log->info("metrics endpoint listen={} port={}", config.metrics_listen, bound);
    // Tests and scripts that ask for port 0 learn the real one from this line.
    std::cout << "METRICS " << name << " " << bound << std::endl;
  }

  log->info("service ready name={} listen={} port={} data_dir={}", name, config.listen,
            running.server->port(), config.data_dir);
  // run.sh and the end-to-end tests wait for this exact line.
  std::cout << "READY " << name << " " << running.server->port() << std::endl;

  const int signal = WaitForStopSignal(stop_signals);
  log->info("stopping name={} signal={}", name, strsignal(signal));
  // A second Ctrl-C while stopping means "now": don't make the user reach for kill -9.
  std::atomic<bool> stopped{false};
  std::thread impatient([&stop_signals, &stopped] {
    const timespec poll{.tv_sec = 0, .tv_nsec = 100'000'000};
    while (!stopped.load()) {
      if (sigtimedwait(&stop_signals, nullptr, &poll) > 0) _exit(kExitFailure);
    }
  });
  running.Stop();
  stopped = true;
  impatient.join();
  log->info("stopped name={}", name);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  return kExitOk;
}

}  // namespace fieldline
