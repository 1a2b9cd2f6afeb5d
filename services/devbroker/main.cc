// fieldline-devbroker: librdkafka's mock cluster in a process of its own, the Kafka of the local
// default and of the end-to-end tests. It serves the Kafka protocol on loopback (random ports),
// creates Fieldline's topics with many partitions (the mock's auto-creation would make 4), writes
// its bootstrap list to a file the services read, and runs until SIGTERM/SIGINT. It keeps
// nothing across restarts: the services' own stores are the system of record.

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "spdlog/spdlog.h"

namespace {

struct ClientDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct ClusterDeleter {
  void operator()(rd_kafka_mock_cluster_t* cluster) const {
    rd_kafka_mock_cluster_destroy(cluster);
  }
};

std::shared_ptr<spdlog::logger> Logger() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto created = spdlog::default_logger()->clone("devbroker");
    spdlog::register_logger(created);
    return created;
  }();
  return logger;
}

void LogToSpdlog(const rd_kafka_t* /*rk*/, int level, const char* facility, const char* message) {
  const auto spd_level = level <= 3   ? spdlog::level::err
                         : level == 4 ? spdlog::level::warn
                         : level <= 6 ? spdlog::level::info
                                      : spdlog::level::debug;
  Logger()->log(spd_level, "facility={} {}", facility, message);
}

// librdkafka 2.0.2's mock cluster thread sometimes misses the wakeup for a control call such as
// topic creation and only sees it at its next 1 s poll timeout. A connection to its listening
// port ends the poll at once, so while topics are created we knock on it every few ms.
class WakeupKnocker {
 public:
  explicit WakeupKnocker(const std::string& bootstrap) {
    const std::string first = bootstrap.substr(0, bootstrap.find(','));
    const size_t colon = first.rfind(':');
    if (colon == std::string::npos) return;
    address_.sin_family = AF_INET;
    address_.sin_port = htons(static_cast<uint16_t>(std::stoi(first.substr(colon + 1))));
    if (inet_pton(AF_INET, first.substr(0, colon).c_str(), &address_.sin_addr) != 1) return;
    thread_ = std::thread([this] {
      while (!done_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fd < 0) continue;
        (void)::connect(fd, reinterpret_cast<const sockaddr*>(&address_), sizeof(address_));
        ::close(fd);
      }
    });
  }
  ~WakeupKnocker() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  sockaddr_in address_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

bool WriteAtomically(const std::string& path, const std::string& contents, std::string* error) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << contents << "\n";
    if (!out.flush()) {
      *error = "cannot write " + temp;
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    *error = "cannot rename " + temp + " to " + path + ": " + ec.message();
    std::filesystem::remove(temp, ec);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Fieldline dev broker: librdkafka's mock Kafka cluster on loopback, for one "
      "machine. Keeps nothing across restarts."};
  int partitions = 32;
  int brokers = 1;
  std::vector<std::string> topics = {"fieldline.intake.v1", "fieldline.scheduling.v1",
                                     "fieldline.inventory.v1", "fieldline.callbacks.v1",
                                     "fieldline.deadletter.v1"};
  std::string bootstrap_file;
  app.add_option("--partitions", partitions, "Partitions of each topic")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--brokers", brokers, "Number of mock brokers")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  app.add_option("--topics", topics, "Topics to create (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--bootstrap-file", bootstrap_file,
                 "Where to write the bootstrap list (host:port,...) once the broker is ready; "
                 "removed on exit");
  CLI11_PARSE(app, argc, argv);

  // Signals are taken with sigwait below; block them before librdkafka starts its threads so
  // every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
  char error[512];
  rd_kafka_conf_set_log_cb(conf.get(), &LogToSpdlog);
  if (rd_kafka_conf_set(conf.get(), "log_level", "3", error, sizeof(error)) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf.get(), "client.id", "fieldline-devbroker", error, sizeof(error)) !=
          RD_KAFKA_CONF_OK) {
    Logger()->error("cannot configure the broker: {}", error);
    return 1;
  }
  std::unique_ptr<rd_kafka_t, ClientDeleter> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof(error)));
  if (!rk) {
    Logger()->error("cannot start librdkafka: {}", error);
    return 1;
  }
  (void)conf.release();  // owned by rk now

  std::unique_ptr<rd_kafka_mock_cluster_t, ClusterDeleter> cluster(
      rd_kafka_mock_cluster_new(rk.get(), brokers));
  if (!cluster) {
    Logger()->error("cannot start the mock cluster brokers={}", brokers);
    return 1;
  }
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(cluster.get());
  {
    WakeupKnocker knocker(bootstrap);
    for (const auto& topic : topics) {
      if (rd_kafka_resp_err_t err =
              rd_kafka_mock_topic_create(cluster.get(), topic.c_str(), partitions, 1);
          err) {
        Logger()->error("cannot create topic={}: {}", topic, rd_kafka_err2str(err));
        return 1;
      }
    }
  }
  if (!bootstrap_file.empty()) {
    std::string write_error;
    if (!WriteAtomically(bootstrap_file, bootstrap, &write_error)) {
      Logger()->error("cannot publish the bootstrap list: {}", write_error);
      return 1;
    }
  }
  Logger()->info("broker ready bootstrap={} brokers={} topics={} partitions={} bootstrap_file={}",
                 bootstrap, brokers, topics.size(), partitions, bootstrap_file);

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  Logger()->info("broker stopping signal={}", strsignal(signal_number));

  // Only remove the file if it is still ours (a newer broker may have replaced it).
  if (!bootstrap_file.empty()) {
    std::ifstream in(bootstrap_file);
    std::string current;
    std::getline(in, current);
    if (current == bootstrap) {
      std::error_code ec;
      std::filesystem::remove(bootstrap_file, ec);
    }
  }
  cluster.reset();
  rk.reset();
  Logger()->info("broker stopped");
  return 0;
}
