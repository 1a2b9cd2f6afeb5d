#include "services/common/runtime/service_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "CLI/CLI.hpp"
#include "services/common/core/errors.h"
#include "yaml-cpp/yaml.h"

namespace fieldline {
namespace {

constexpr std::array<std::string_view, 7> kLogLevels = {"trace", "debug",    "info", "warn",
                                                        "error", "critical", "off"};

enum class Kind { kString, kBool };

// One configuration option and every way it can be given.
struct OptionSpec {
  std::string_view key;         // YAML key and the suffix of its environment variables
  std::string_view flag;        // command-line flag
  std::string_view value_name;  // what --help shows after the flag
  Kind kind;
  bool in_file;      // may be set in the YAML file
  bool service_env;  // FIELDLINE_<SERVICE>_<KEY>
  bool shared_env;   // FIELDLINE_<KEY>, shared by all services (the per-service one wins)
  std::string_view description;
};

// `auth_secret` has no flag (it would show in `ps`) and no file key (config files get shared):
// it comes from the environment only.
constexpr std::array<OptionSpec, 13> kOptions = {{
    {"listen", "--listen", "HOST:PORT", Kind::kString, true, true, false,
     "host:port the gRPC server listens on (port 0: any free port)"},
    {"data_dir", "--data-dir", "DIR", Kind::kString, true, true, false,
     "directory of the service's RocksDB event store (created if missing)"},
    {"brokers", "--brokers", "LIST", Kind::kString, true, true, true,
     "Kafka bootstrap servers, host:port[,host:port...]; empty: read --brokers-file"},
    {"brokers_file", "--brokers-file", "FILE", Kind::kString, true, true, true,
     "file holding the bootstrap list, written by the dev broker (used when --brokers is empty)"},
    {"auth_secret_file", "--auth-secret-file", "FILE", Kind::kString, true, true, true,
     "file holding the HS256 secret access tokens are signed with"},
    {"auth_secret", "", "", Kind::kString, false, false, true,
     "the token secret itself; overrides the secret file (environment only)"},
    {"log_level", "--log-level", "LEVEL", Kind::kString, true, true, true,
     "trace, debug, info, warn, error, critical or off"},
    {"relay_enabled", "--relay-enabled", "BOOL", Kind::kBool, true, true, false,
     "publish this service's events to Kafka (true/false)"},
    {"consumer_enabled", "--consumer-enabled", "BOOL", Kind::kBool, true, true, false,
     "apply the other services' events from Kafka (true/false)"},
    {"policy_file", "--policy-file", "FILE", Kind::kString, true, true, false,
     "YAML file with this service's business rules (SLA allowances, calendars, checklists, fees, "
     "callback and reminder rules); empty: the built-in defaults"},
    {"metrics_listen", "--metrics-listen", "HOST:PORT", Kind::kString, true, true, false,
     "host:port of the Prometheus /metrics and /healthz HTTP endpoint; empty: off"},
    {"tls_cert_file", "--tls-cert-file", "FILE", Kind::kString, true, true, true,
     "PEM certificate of the gRPC server; with --tls-key-file the server speaks TLS only"},
    {"tls_key_file", "--tls-key-file", "FILE", Kind::kString, true, true, true,
     "PEM private key of the gRPC server's certificate"},
}};

// A value and where it came from, so errors can say which source to fix.
struct Given {
  std::string value;
  std::string origin;
};

std::string UpperName(std::string_view name) {
  std::string out;
  for (char c : name) {
    out.push_back(std::isalnum(static_cast<unsigned char>(c))
                      ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                      : '_');
  }
  return out;
}

std::string ServiceEnvName(std::string_view service, std::string_view key) {
  return "FIELDLINE_" + UpperName(service) + "_" + UpperName(key);
}
std::string SharedEnvName(std::string_view key) { return "FIELDLINE_" + UpperName(key); }

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(parts[i]);
  }
  return out;
}

std::string DefaultOf(const OptionSpec& option, const ServiceConfig& defaults) {
  const std::string_view key = option.key;
  if (key == "listen") return defaults.listen;
  if (key == "data_dir") return defaults.data_dir;
  if (key == "brokers") return defaults.brokers;
  if (key == "brokers_file") return defaults.brokers_file;
  if (key == "auth_secret_file") return defaults.auth_secret_file;
  if (key == "auth_secret") return defaults.auth_secret;
  if (key == "log_level") return defaults.log_level;
  if (key == "relay_enabled") return defaults.relay_enabled ? "true" : "false";
  if (key == "consumer_enabled") return defaults.consumer_enabled ? "true" : "false";
  if (key == "policy_file") return defaults.policy_file;
  if (key == "metrics_listen") return defaults.metrics_listen;
  if (key == "tls_cert_file") return defaults.tls_cert_file;
  if (key == "tls_key_file") return defaults.tls_key_file;
  return "";
}

std::optional<bool> ParseBool(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  return std::nullopt;
}

absl::Status ValidateListen(const Given& given) {
  const std::string& address = given.value;
  const auto bad = [&](std::string_view why) {
    return InvalidArgument("listen", "listen address " + Quote(address) + " (from " + given.origin +
                                         ") " + std::string(why) +
                                         "; expected host:port, e.g. 127.0.0.1:7101");
  };
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return bad("has no port");
  const std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.empty()) return bad("has no host");
  if (host.front() == '[' && host.back() != ']') return bad("has an unclosed IPv6 bracket");
  if (host.front() != '[' && host.find(':') != std::string::npos) {
    return bad("has an IPv6 host without brackets");
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      std::stoi(port) > 65535) {
    return bad("has no valid port (0-65535)");
  }
  return absl::OkStatus();
}

absl::Status Apply(const OptionSpec& option, const Given& given, ServiceConfig& config) {
  const std::string_view key = option.key;
  const std::string& v = given.value;
  if (option.kind == Kind::kBool) {
    std::optional<bool> b = ParseBool(v);
    if (!b) {
      return InvalidArgument(key, std::string(key) + " " + Quote(v) + " (from " + given.origin +
                                      ") is not true or false");
    }
    (key == "relay_enabled" ? config.relay_enabled : config.consumer_enabled) = *b;
    return absl::OkStatus();
  }
  if (key == "listen") {
    if (absl::Status ok = ValidateListen(given); !ok.ok()) return ok;
    config.listen = v;
  } else if (key == "data_dir") {
    if (v.empty()) {
      return InvalidArgument(key, "data_dir (from " + given.origin + ") must not be empty");
    }
    config.data_dir = v;
  } else if (key == "brokers") {
    config.brokers = v;
  } else if (key == "brokers_file") {
    config.brokers_file = v;
  } else if (key == "auth_secret_file") {
    config.auth_secret_file = v;
  } else if (key == "tls_cert_file" || key == "tls_key_file") {
    if (!v.empty() && !std::filesystem::exists(v)) {
      return InvalidArgument(key, std::string(key) + " " + Quote(v) + " (from " + given.origin +
                                      ") does not exist");
    }
    (key == "tls_cert_file" ? config.tls_cert_file : config.tls_key_file) = v;
  } else if (key == "policy_file") {
    if (!v.empty() && !std::filesystem::exists(v)) {
      return InvalidArgument(key, "policy file " + Quote(v) + " (from " + given.origin +
                                      ") does not exist");
    }
    config.policy_file = v;
  } else if (key == "metrics_listen") {
    if (!v.empty()) {
      if (absl::Status ok = ValidateListen(given); !ok.ok()) {
        return InvalidArgument(key, std::string(ok.message()));
      }
    }
    config.metrics_listen = v;
  } else if (key == "auth_secret") {
    config.auth_secret = v;
  } else if (key == "log_level") {
    if (std::find(kLogLevels.begin(), kLogLevels.end(), v) == kLogLevels.end()) {
      std::vector<std::string> levels(kLogLevels.begin(), kLogLevels.end());
      return InvalidArgument(key, "log level " + Quote(v) + " (from " + given.origin +
                                      ") is not one of " + Join(levels, ", "));
    }
    config.log_level = v;
  }
  return absl::OkStatus();
}

// Reads the YAML file into `given` (key → value). Errors name the file and the key.
absl::Status ReadConfigFile(const std::string& path, std::map<std::string, Given>& given) {
  if (!std::filesystem::exists(path)) {
    return InvalidArgument("config", "config file " + Quote(path) + " does not exist");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("config",
                           "config file " + Quote(path) + " is not valid YAML: " + e.what());
  }
  if (root.IsNull()) return absl::OkStatus();  // an empty file sets nothing
  if (!root.IsMap()) {
    return InvalidArgument("config", "config file " + Quote(path) +
                                         " must be a mapping of keys to values, e.g. "
                                         "\"listen: 127.0.0.1:7101\"");
  }
  std::vector<std::string> known;
  for (const OptionSpec& option : kOptions) {
    if (option.in_file) known.emplace_back(option.key);
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const auto option = std::find_if(kOptions.begin(), kOptions.end(), [&](const OptionSpec& o) {
      return o.in_file && o.key == key;
    });
    if (option == kOptions.end()) {
      return InvalidArgument(key, "config file " + Quote(path) + ": unknown key " + Quote(key) +
                                      "; the keys are " + Join(known, ", "));
    }
    const YAML::Node& value = entry.second;
    const std::string origin = "config file " + Quote(path) + ", key " + key;
    if (value.IsNull()) continue;
    if (value.IsScalar()) {
      given[key] = Given{value.Scalar(), origin};
    } else if (value.IsSequence() && key == "brokers") {
      std::vector<std::string> brokers;
      for (const auto& broker : value) {
        if (!broker.IsScalar()) {
          return InvalidArgument(key, origin + ": each broker must be a host:port string");
        }
        brokers.push_back(broker.Scalar());
      }
      given[key] = Given{Join(brokers, ","), origin};
    } else {
      return InvalidArgument(key, origin + ": expected a single value");
    }
  }
  return absl::OkStatus();
}

std::string Footer(const std::string& service, const ServiceConfig& defaults) {
  struct Row {
    std::string key, env, def;
  };
  std::vector<Row> rows = {{"config file key", "environment", "default"}};
  for (const OptionSpec& option : kOptions) {
    std::string env;
    if (option.service_env) env = ServiceEnvName(service, option.key);
    if (option.shared_env) env += (env.empty() ? "" : ", ") + SharedEnvName(option.key);
    const std::string def = DefaultOf(option, defaults);
    rows.push_back({option.in_file ? std::string(option.key) : "-", env, def.empty() ? "-" : def});
  }
  rows.push_back({"-", ServiceEnvName(service, "config"), "(the --config file)"});
  size_t key_width = 0, env_width = 0;
  for (const Row& row : rows) {
    key_width = std::max(key_width, row.key.size());
    env_width = std::max(env_width, row.env.size());
  }
  std::ostringstream out;
  out << "\nEvery option can also be set in the environment or in the YAML file named by "
         "--config.\nPrecedence: flags > environment (per-service name first) > config file > "
         "defaults.\n\n";
  for (const Row& row : rows) {
    out << "  " << row.key << std::string(key_width - row.key.size() + 2, ' ') << row.env
        << std::string(env_width - row.env.size() + 2, ' ') << row.def << "\n";
  }
  out << "\nUnknown keys in the config file are an error. ./scripts/run.sh creates the auth "
         "secret file.\n";
  return out.str();
}

}  // namespace

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

absl::StatusOr<LoadedConfig> LoadServiceConfig(const std::string& service, int default_port,
                                               const std::vector<std::string>& args,
                                               const EnvLookup& env) {
  ServiceConfig defaults;
  defaults.listen = "127.0.0.1:" + std::to_string(default_port);
  defaults.data_dir = "var/" + service;

  // --- flags ---
  CLI::App app("Fieldline " + service + " service: gRPC on --listen, events in --data-dir.",
               "fieldline-" + service);
  std::string config_flag;
  app.add_option(
         "--config", config_flag,
         "YAML file with any of the keys below (env " + ServiceEnvName(service, "config") + ")")
      ->type_name("FILE");
  std::map<std::string, std::string> flag_values;
  for (const OptionSpec& option : kOptions) {
    if (option.flag.empty()) continue;
    std::string description(option.description);
    const std::string def = DefaultOf(option, defaults);
    if (!def.empty()) description += " [default: " + def + "]";
    app.add_option(std::string(option.flag), flag_values[std::string(option.key)], description)
        ->type_name(std::string(option.value_name));
  }
  app.footer(Footer(service, defaults));
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return LoadedConfig{defaults, app.help()};
  } catch (const CLI::CallForAllHelp&) {
    return LoadedConfig{defaults, app.help("", CLI::AppFormatMode::All)};
  } catch (const CLI::ParseError& e) {
    return InvalidArgument("", std::string(e.what()) + " (see --help)");
  }

  // --- gather every source, weakest first; a stronger one overwrites ---
  std::map<std::string, Given> given;

  std::string config_file;
  if (app.get_option("--config")->count() > 0) {
    config_file = config_flag;
  } else if (std::optional<std::string> v = env(ServiceEnvName(service, "config"))) {
    config_file = *v;
  }
  if (!config_file.empty()) {
    if (absl::Status read = ReadConfigFile(config_file, given); !read.ok()) return read;
  }

  for (const OptionSpec& option : kOptions) {
    const std::string key(option.key);
    if (option.shared_env) {
      const std::string name = SharedEnvName(key);
      if (std::optional<std::string> v = env(name)) given[key] = Given{*v, name};
    }
    if (option.service_env) {
      const std::string name = ServiceEnvName(service, key);
      if (std::optional<std::string> v = env(name)) given[key] = Given{*v, name};
    }
    if (!option.flag.empty() && app.get_option(std::string(option.flag))->count() > 0) {
      given[key] = Given{flag_values[key], std::string(option.flag)};
    }
  }

  // --- apply and validate ---
  LoadedConfig loaded{defaults, ""};
  for (const OptionSpec& option : kOptions) {
    auto it = given.find(std::string(option.key));
    if (it == given.end()) continue;
    if (absl::Status applied = Apply(option, it->second, loaded.config); !applied.ok()) {
      return applied;
    }
  }
  if (loaded.config.tls_cert_file.empty() != loaded.config.tls_key_file.empty()) {
    return InvalidArgument(loaded.config.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file",
                           "TLS needs both a certificate (--tls-cert-file) and its key "
                           "(--tls-key-file); only one was given");
  }
  return loaded;
}

absl::StatusOr<std::string> ReadAuthSecret(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return NotFound("auth_secret_file", "the auth secret file " + Quote(path) + " does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgument("auth_secret_file", "cannot read the auth secret file " + Quote(path));
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string secret = content.str();
  while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back()))) {
    secret.pop_back();
  }
  if (secret.empty()) {
    return InvalidArgument("auth_secret_file", "the auth secret file " + Quote(path) + " is empty");
  }
  return secret;
}

}  // namespace fieldline
