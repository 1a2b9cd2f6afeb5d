#pragma once

// A service's start-up configuration: typed, with a default and a description for every option,
// validated before anything starts. Sources, strongest first:
//   1. command-line flags  --listen 127.0.0.1:7101
//   2. environment         FIELDLINE_<SERVICE>_LISTEN; shared ones like FIELDLINE_LOG_LEVEL
//   3. a YAML file         --config FILE (or FIELDLINE_<SERVICE>_CONFIG); unknown keys: error
//   4. defaults
// `fieldline-<service> --help` lists every option with its default and environment variable.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace fieldline {

struct ServiceConfig {
  std::string listen;    // host:port of the gRPC server; default 127.0.0.1:<default port>
  std::string data_dir;  // RocksDB directory; default var/<service>
  std::string brokers;   // Kafka bootstrap list "host:port,..."; empty: read brokers_file
  std::string brokers_file = "var/broker/bootstrap";  // written by the dev broker
  std::string auth_secret_file = "var/auth/secret";   // HS256 key for access tokens
  std::string auth_secret;         // the key itself (FIELDLINE_AUTH_SECRET); overrides the file
  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off
  bool relay_enabled = true;       // publish this service's events to Kafka
  bool consumer_enabled = true;    // apply other services' events from Kafka
  std::string policy_file;         // YAML business rules of this service; empty: built-in defaults
  std::string metrics_listen;      // host:port of the Prometheus endpoint; empty: off
  std::string tls_cert_file;       // gRPC server certificate (PEM); with tls_key_file: TLS only
  std::string tls_key_file;
};

// What the command line asked for: either a configuration to run with, or help to print.
struct LoadedConfig {
  ServiceConfig config;
  std::string help;  // non-empty when --help was given: print it and exit 0
};

// Looks up an environment variable; std::nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the real process environment.
std::optional<std::string> ProcessEnv(const std::string& name);

// Builds the configuration of service `service` ("intake", ...) from `args` (the command-line
// arguments after the program name), the environment seen through `env`, and the YAML file, if
// one is named. INVALID_ARGUMENT with a sentence naming the option, variable or key on any error.
// Pure apart from reading the YAML file.
absl::StatusOr<LoadedConfig> LoadServiceConfig(const std::string& service, int default_port,
                                               const std::vector<std::string>& args,
                                               const EnvLookup& env);

// Reads the token signing secret from `path` (trailing whitespace and newlines are not part of
// it). NOT_FOUND if the file does not exist, INVALID_ARGUMENT if it is empty.
absl::StatusOr<std::string> ReadAuthSecret(const std::string& path);

}  // namespace fieldline
