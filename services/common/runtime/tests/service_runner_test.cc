#include "services/common/runtime/service_runner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "services/common/testing/wait.h"

namespace fieldline {
namespace {

// RunService takes SIGTERM with sigwait. Blocking it here, before main and before any thread,
// makes every thread of this test binary inherit the mask, so the SIGTERM a test sends reaches
// RunService instead of killing the process.
const bool kStopSignalsBlocked = [] {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return pthread_sigmask(SIG_BLOCK, &signals, nullptr) == 0;
}();

int RunWithArgs(const std::string& name, const std::vector<std::string>& args,
                const std::function<absl::StatusOr<ServiceParts>(const ServiceContext&)>& wire) {
  std::vector<std::string> storage = {"fieldline-" + name};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return RunService(name, 7199, static_cast<int>(storage.size()), argv.data(), wire);
}

absl::StatusOr<ServiceParts> NoParts(const ServiceContext&) { return ServiceParts{}; }

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class ServiceRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kStopSignalsBlocked);
    std::string pattern = ::testing::TempDir() + "/fieldline-runner-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    secret_file_ = dir_ + "/secret";
    std::ofstream(secret_file_) << "runner-test-secret\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string secret_file_;
};

TEST_F(ServiceRunnerTest, HelpExitsZero) {
  EXPECT_EQ(RunWithArgs("runnertest", {"--help"}, NoParts), 0);
}

TEST_F(ServiceRunnerTest, BadConfigurationExitsTwo) {
  EXPECT_EQ(RunWithArgs("runnertest", {"--log-level", "verbose"}, NoParts), 2);
  EXPECT_EQ(RunWithArgs("runnertest", {"--no-such-flag"}, NoParts), 2);
}

TEST_F(ServiceRunnerTest, AMissingSecretFileExitsTwo) {
  unsetenv("FIELDLINE_AUTH_SECRET");
  EXPECT_EQ(RunWithArgs("runnertest",
                        {"--auth-secret-file", dir_ + "/no-secret", "--data-dir", dir_ + "/data"},
                        NoParts),
            2);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/data"));  // nothing started
}

TEST_F(ServiceRunnerTest, AWiringErrorExitsOne) {
  EXPECT_EQ(RunWithArgs("runnertest",
                        {"--auth-secret-file", secret_file_, "--data-dir", dir_ + "/data",
                         "--relay-enabled", "false", "--consumer-enabled", "false"},
                        [](const ServiceContext&) -> absl::StatusOr<ServiceParts> {
                          return absl::FailedPreconditionError("no");
                        }),
            1);
}

TEST_F(ServiceRunnerTest, ServesUntilSigtermThenStopsCleanly) {
  const int port = FreePort();
  const int metrics_port = FreePort();
  std::atomic<bool> wired{false};
  std::atomic<int> exit_code{-1};
  std::atomic<int> ticks{0};
  std::thread service([&] {
    exit_code =
        RunWithArgs("runnertest",
                    {"--auth-secret-file", secret_file_, "--data-dir", dir_ + "/data/runnertest",
                     "--listen", "127.0.0.1:" + std::to_string(port), "--relay-enabled", "false",
                     "--consumer-enabled", "false", "--log-level", "warn", "--metrics-listen",
                     "127.0.0.1:" + std::to_string(metrics_port)},
                    [&](const ServiceContext& context) -> absl::StatusOr<ServiceParts> {
                      EXPECT_NE(context.store, nullptr);
                      EXPECT_NE(context.clock, nullptr);
                      EXPECT_NE(context.ids, nullptr);
                      EXPECT_EQ(context.verifier->secret(), "runner-test-secret");
                      EXPECT_NE(context.config, nullptr);
                      wired = true;
                      ServiceParts parts;
                      parts.tickers.push_back(
                          Ticker{"count", absl::Milliseconds(5), [&](absl::Time) {
                                   ++ticks;
                                   return ticks == 1 ? absl::UnavailableError("first fails")
                                                     : absl::OkStatus();
                                 }});
                      return parts;
                    });
  });

  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  const bool serving = testing::WaitFor([&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    return health->Check(&context, request, &response).ok() &&
           response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  });
  EXPECT_TRUE(serving);
  EXPECT_TRUE(wired);
  // The ticker runs at start and keeps running after a failed tick.
  EXPECT_TRUE(testing::WaitFor([&] { return ticks.load() >= 3; }));

  // The metrics endpoint counts the health checks above and reports the store and health.
  httplib::Client metrics("127.0.0.1", metrics_port);
  httplib::Result scrape = metrics.Get("/metrics");
  ASSERT_TRUE(scrape) << "no answer from the metrics endpoint";
  EXPECT_EQ(scrape->status, 200);
  EXPECT_NE(scrape->body.find("fieldline_grpc_requests_total{method=\"grpc.health.v1.Health/Check\""
                              ",code=\"OK\"}"),
            std::string::npos)
      << scrape->body;
  EXPECT_NE(scrape->body.find("fieldline_grpc_request_seconds_bucket"), std::string::npos);
  EXPECT_NE(scrape->body.find("fieldline_disk_free_bytes"), std::string::npos);
  EXPECT_NE(scrape->body.find("fieldline_rocksdb_estimated_keys"), std::string::npos);
  httplib::Result healthz = metrics.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  EXPECT_NE(healthz->body.find("\"disk\""), std::string::npos) << healthz->body;
  EXPECT_TRUE(std::filesystem::is_directory(dir_ + "/data/runnertest"));

  kill(getpid(), SIGTERM);
  service.join();
  EXPECT_EQ(exit_code, 0);
}

}  // namespace
}  // namespace fieldline
