// fieldline-gateway: HTTP/JSON for browsers in front of the four gRPC services, the staff
// accounts (login, lockout, history) and the web app's files. `--help` lists every option; each
// is also read from FIELDLINE_GATEWAY_<NAME> (FIELDLINE_AUTH_SECRET overrides the secret file).

#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/runtime/logging.h"
#include "services/common/runtime/service_config.h"
#include "services/common/store/event_store.h"
#include "services/gateway/http/gateway.h"
#include "services/gateway/users/password.h"
#include "services/gateway/users/users_app.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(int code, const std::string& message) {
  std::cerr << "fieldline-gateway: " << message << std::endl;
  return code;
}

std::string DescriptorsBesideBinary() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  std::filesystem::path file = exe.parent_path() / "fieldline_api.desc";
  return std::filesystem::exists(file, ec) ? file.string() : "";
}

}  // namespace

int main(int argc, char** argv) {
  using fieldline::gateway::Gateway;
  using fieldline::gateway::GatewayOptions;
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  GatewayOptions options;
  std::string data_dir = "var/gateway";
  std::string secret_file = "var/auth/secret";
  std::string log_level = "info";
  std::string password_hashing = "moderate";
  bool demo_users = false;
  int timeout_seconds = 30;
  CLI::App app{"fieldline-gateway: the HTTP/JSON gateway and the web app's server"};
  auto env = [](const char* name) { return std::string("FIELDLINE_GATEWAY_") + name; };
  app.add_option("--listen", options.listen, "host:port to serve HTTP(S) on; port 0: any free port")
      ->envname(env("LISTEN"))->capture_default_str();
  app.add_option("--data-dir", data_dir, "RocksDB directory of the user store")
      ->envname(env("DATA_DIR"))->capture_default_str();
  app.add_option("--auth-secret-file", secret_file,
                 "HS256 token secret shared with the services (FIELDLINE_AUTH_SECRET overrides)")
      ->envname(env("AUTH_SECRET_FILE"))->capture_default_str();
  app.add_option("--web-root", options.web_root,
                 "folder of the web app's files; default: <checkout>/web found from the binary")
      ->envname(env("WEB_ROOT"));
  for (const char* service : {"intake", "scheduling", "inventory", "callbacks"}) {
    std::string upper = service;
    for (char& c : upper) c = static_cast<char>(std::toupper(c));
    app.add_option(std::string("--") + service, options.services[service],
                   std::string("gRPC address of the ") + service + " service")
        ->envname(env(upper.c_str()))->capture_default_str();
  }
  app.add_flag("--demo-users", demo_users,
               "when there is no account yet, create one per role (username = role, password "
               "demo-<role>)")
      ->envname(env("DEMO_USERS"));
  app.add_option("--tls-cert", options.tls_cert_file, "PEM certificate: serve HTTPS (with --tls-key)")
      ->envname(env("TLS_CERT"));
  app.add_option("--tls-key", options.tls_key_file, "PEM private key for --tls-cert")
      ->envname(env("TLS_KEY"));
  app.add_option("--grpc-ca", options.grpc_ca_file, "PEM CA: use TLS to the services, verified with it")
      ->envname(env("GRPC_CA"));
  app.add_option("--descriptors", options.descriptor_set_file,
                 "descriptor set with comments for /api/openapi.json; default: beside the binary")
      ->envname(env("DESCRIPTORS"));
  app.add_option("--call-timeout", timeout_seconds, "seconds a service call may take")
      ->envname(env("CALL_TIMEOUT"))->capture_default_str()->check(CLI::Range(1, 600));
  int token_minutes = 15;
  int session_hours = 12;
  app.add_option("--token-ttl-minutes", token_minutes,
                 "life of an access token; a departed or locked user keeps the services at most "
                 "this long (the web app refreshes it silently)")
      ->envname(env("TOKEN_TTL_MINUTES"))->capture_default_str()->check(CLI::Range(1, 24 * 60));
  app.add_option("--session-hours", session_hours,
                 "life of a sign-in (the refresh token): sign in again after it")
      ->envname(env("SESSION_HOURS"))->capture_default_str()->check(CLI::Range(1, 24 * 30));
  app.add_option("--threads", options.threads, "HTTP worker threads (an open live board holds one)")
      ->envname(env("THREADS"))->capture_default_str()->check(CLI::Range(4, 1024));
  app.add_option("--password-hashing", password_hashing,
                 "argon2id cost of new password hashes: moderate (production) or interactive")
      ->envname(env("PASSWORD_HASHING"))->capture_default_str()
      ->check(CLI::IsMember({"moderate", "interactive"}));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical, off")
      ->envname(env("LOG_LEVEL"))->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  options.call_timeout = absl::Seconds(timeout_seconds);
  options.token_ttl = absl::Minutes(token_minutes);
  options.session_ttl = absl::Hours(session_hours);
  if (absl::Status s = fieldline::InitLogging("gateway", log_level); !s.ok()) {
    return Fail(kExitUsage, "configuration error: " + std::string(s.message()));
  }
  if (const char* secret = std::getenv("FIELDLINE_AUTH_SECRET"); secret != nullptr && *secret) {
    options.auth_secret = secret;
  } else {
    absl::StatusOr<std::string> from_file = fieldline::ReadAuthSecret(secret_file);
    if (!from_file.ok()) {
      return Fail(kExitUsage, std::string(from_file.status().message()) +
                                  ". Start Fieldline with ./scripts/run.sh, which creates it, or "
                                  "point --auth-secret-file at the services' secret.");
    }
    options.auth_secret = *std::move(from_file);
  }
  if (options.web_root.empty()) options.web_root = fieldline::gateway::DefaultWebRoot();
  if (options.descriptor_set_file.empty()) options.descriptor_set_file = DescriptorsBesideBinary();

  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  absl::StatusOr<std::unique_ptr<fieldline::EventStore>> store =
      fieldline::EventStore::Open({.path = data_dir});
  if (!store.ok()) return Fail(kExitFailure, "cannot open " + data_dir + ": " + std::string(store.status().message()));
  fieldline::SystemClock clock;
  fieldline::UuidV7Generator ids;
  const fieldline::gateway::PasswordHasher hasher =
      password_hashing == "interactive" ? fieldline::gateway::PasswordHasher::Interactive()
                                        : fieldline::gateway::PasswordHasher::Moderate();
  fieldline::gateway::UsersApp users(**store, clock, ids, hasher);
  auto log = fieldline::Logger("gateway");
  if (demo_users) {
    absl::StatusOr<int> created = users.EnsureDemoUsers();
    if (!created.ok()) return Fail(kExitFailure, "demo users: " + std::string(created.status().message()));
    if (*created > 0) log->info("created demo_users={}", *created);
  }

  absl::StatusOr<std::unique_ptr<Gateway>> gateway = Gateway::Start(options, users, clock);
  if (!gateway.ok()) {
    return Fail(gateway.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailure,
                std::string(gateway.status().message()));
  }
  log->info("serving {} on port={} web_root={}", (*gateway)->https() ? "https" : "http",
            (*gateway)->port(), options.web_root.empty() ? "(none)" : options.web_root);
  std::cout << "READY gateway " << (*gateway)->port() << std::endl;

  int signal = 0;
  while (sigwait(&stop_signals, &signal) != 0) {
  }
  log->info("stopping signal={}", signal);
  (*gateway)->Stop();
  gateway->reset();
  store->reset();
  return kExitOk;
}
