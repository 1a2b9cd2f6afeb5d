#pragma once

// Starts the dev broker and the four services as real processes on free loopback ports, with
// data in a temp dir, and can SIGKILL and restart any of them.

#include <sys/types.h>

#include <map>
#include <string>

#include "services/common/testing/temp_dir.h"
#include "tools/fieldlinectl/client.h"

namespace fieldline::e2e {

class Platform {
 public:
  static constexpr const char* kServices[] = {"intake", "scheduling", "inventory", "callbacks"};

  Platform();
  ~Platform();  // stops everything with SIGTERM

  // Starts the broker and every service; waits until each printed READY. Throws on failure.
  void StartAll();
  void StartBroker();
  void StartService(const std::string& name);
  // SIGKILL: no shutdown, no flush.
  void KillService(const std::string& name);
  // SIGTERM and wait.
  void StopService(const std::string& name);
  // Kills the dev broker (it loses every message) and starts a new one on new ports; the
  // services notice the rewritten bootstrap file.
  void RestartBroker();

  client::Endpoints endpoints() const;
  std::string Token(const std::string& role, const std::string& user) const;
  const std::string& secret() const { return secret_; }
  // The file the dev broker writes its bootstrap list to.
  std::string bootstrap_file() const { return dir_.Sub("bootstrap"); }
  std::string LogOf(const std::string& name) const;

 private:
  pid_t Spawn(const std::string& name, const std::vector<std::string>& argv);
  void WaitForLine(const std::string& name, const std::string& prefix, int occurrence);

  testing::TempDir dir_;
  std::string secret_;
  std::map<std::string, int> ports_;
  std::map<std::string, pid_t> pids_;
  std::map<std::string, int> starts_;
};

}  // namespace fieldline::e2e
