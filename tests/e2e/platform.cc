#include "tests/e2e/platform.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/grpc/auth.h"

namespace fieldline::e2e {
namespace {

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string Binary(const std::string& name) {
  if (name == "broker") return std::string(FIELDLINE_BUILD_DIR) + "/services/devbroker/fieldline-devbroker";
  return std::string(FIELDLINE_BUILD_DIR) + "/services/" + name + "/fieldline-" + name;
}

}  // namespace

Platform::Platform() : secret_("e2e-test-secret-0123456789abcdef") {
  std::ofstream(dir_.Sub("secret")) << secret_;
  for (const char* s : kServices) ports_[s] = FreePort();
}

Platform::~Platform() {
  for (const char* s : kServices) StopService(s);
  StopService("broker");
  if (::testing::Test::HasFailure()) {
    // The processes' own words are the best clue to a failure; show the end of each log.
    for (const char* name : {"broker", "intake", "scheduling", "inventory", "callbacks"}) {
      const std::string log = LogOf(name);
      std::cerr << "----- last lines of " << name << " -----\n"
                << log.substr(log.size() > 6000 ? log.size() - 6000 : 0) << "\n";
    }
  }
}

std::string Platform::LogOf(const std::string& name) const {
  std::ifstream in(dir_.Sub(name + ".log"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t Platform::Spawn(const std::string& name, const std::vector<std::string>& args) {
  const std::string log = dir_.Sub(name + ".log");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

void Platform::WaitForLine(const std::string& name, const std::string& prefix, int occurrence) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::istringstream lines(LogOf(name));
    int seen = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0 && ++seen >= occurrence) return;
    }
    int status = 0;
    if (waitpid(pids_[name], &status, WNOHANG) == pids_[name]) {
      pids_.erase(name);
      throw std::runtime_error(name + " exited during start:\n" + LogOf(name));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error(name + " did not become ready:\n" + LogOf(name));
}

void Platform::StartAll() {
  StartBroker();
  for (const char* s : kServices) StartService(s);
}

void Platform::RestartBroker() {
  KillService("broker");
  unlink(dir_.Sub("bootstrap").c_str());
  StartBroker();
}

void Platform::StartBroker() {
  pids_["broker"] = Spawn("broker", {Binary("broker"), "--bootstrap-file", dir_.Sub("bootstrap")});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (access(dir_.Sub("bootstrap").c_str(), F_OK) != 0) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("broker did not start:\n" + LogOf("broker"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Platform::StartService(const std::string& name) {
  pids_[name] = Spawn(name, {Binary(name), "--listen", "127.0.0.1:" + std::to_string(ports_[name]),
                             "--data-dir", dir_.Sub("data-" + name), "--brokers-file",
                             dir_.Sub("bootstrap"), "--auth-secret-file", dir_.Sub("secret"),
                             "--log-level", "info"});
  WaitForLine(name, "READY " + name, ++starts_[name]);
}

void Platform::KillService(const std::string& name) {
  auto it = pids_.find(name);
  if (it == pids_.end()) return;
  kill(it->second, SIGKILL);
  waitpid(it->second, nullptr, 0);
  pids_.erase(it);
}

void Platform::StopService(const std::string& name) {
  auto it = pids_.find(name);
  if (it == pids_.end()) return;
  kill(it->second, SIGTERM);
  waitpid(it->second, nullptr, 0);
  pids_.erase(it);
}

client::Endpoints Platform::endpoints() const {
  client::Endpoints e;
  e.intake = "127.0.0.1:" + std::to_string(ports_.at("intake"));
  e.scheduling = "127.0.0.1:" + std::to_string(ports_.at("scheduling"));
  e.inventory = "127.0.0.1:" + std::to_string(ports_.at("inventory"));
  e.callbacks = "127.0.0.1:" + std::to_string(ports_.at("callbacks"));
  return e;
}

std::string Platform::Token(const std::string& role, const std::string& user) const {
  auto token = IssueToken(secret_, Actor{user, role}, absl::Now(), absl::Hours(1));
  if (!token.ok()) throw std::runtime_error(std::string(token.status().message()));
  return *token;
}

}  // namespace fieldline::e2e
