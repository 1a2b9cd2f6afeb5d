#include "services/common/runtime/service_runner.h"

#include <pthread.h>
#include <signal.h>
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

  ~RunningService() { Stop(); }

  void Stop() {
    if (server) {
      server->Shutdown(kGrpcGrace);
      server.reset();
    }
    for (std::unique_ptr<kafka_internal::StoppableThread>& ticker : tickers) ticker->Stop();
    tickers.clear();
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
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(config.listen, services);
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
