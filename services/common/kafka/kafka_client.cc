#include "services/common/kafka/kafka_client.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "spdlog/sinks/stdout_color_sinks.h"

namespace fieldline::kafka_internal {
namespace {

spdlog::level::level_enum LevelOf(int syslog_level) {
  if (syslog_level <= 2) return spdlog::level::critical;
  if (syslog_level == 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

void LogToSpdlog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  spdlog::level::level_enum spd_level = LevelOf(level);
  // A lost or refused connection: the client reconnects by itself, and the dev broker going
  // away and coming back on other ports is routine.
  if (spd_level > spdlog::level::warn && std::string_view(facility) == "FAIL") {
    spd_level = spdlog::level::warn;
  }
  KafkaLogger()->log(spd_level, "client={} facility={} {}", rd_kafka_name(rk), facility, message);
}

// Errors the application does not handle itself (connection losses, all brokers down): the
// client keeps retrying, so they are worth a warning, not more. Transport errors repeat what
// the FAIL log line already said.
void LogError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  KafkaLogger()->log(
      code == RD_KAFKA_RESP_ERR__TRANSPORT ? spdlog::level::debug : spdlog::level::warn,
      "client={} error={} {}", rd_kafka_name(rk), rd_kafka_err2name(code), reason);
}

std::string Trim(std::string s) {
  const char* kSpace = " \t\r\n";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string::npos) return {};
  const size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

}  // namespace

std::shared_ptr<spdlog::logger> KafkaLogger() {
  static const std::shared_ptr<spdlog::logger> logger = []() -> std::shared_ptr<spdlog::logger> {
    if (auto existing = spdlog::get("kafka")) return existing;
    try {
      // stderr: a service's stdout carries only its READY line. Registered, so it follows the
      // pattern and level the service's logging set-up gives every logger.
      return spdlog::stderr_color_mt("kafka");
    } catch (const spdlog::spdlog_ex&) {
      return spdlog::get("kafka");  // registered by someone else in the meantime
    }
  }();
  return logger;
}

absl::StatusOr<ConfPtr> NewConf(const std::map<std::string, std::string>& properties) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &LogToSpdlog);
  rd_kafka_conf_set_error_cb(conf.get(), &LogError);
  char error[512];
  // A broker going away is expected (the dev broker restarts); the error callback reports it.
  if (rd_kafka_conf_set(conf.get(), "log.connection.close", "false", error, sizeof(error)) !=
      RD_KAFKA_CONF_OK) {
    return absl::InternalError(error);
  }
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      return absl::InvalidArgumentError("Kafka setting " + name + "=" + value +
                                        " is not accepted: " + error);
    }
  }
  return conf;
}

absl::StatusOr<ClientPtr> NewClient(rd_kafka_type_t type, ConfPtr conf) {
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), error, sizeof(error));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(std::string("Cannot create a Kafka client: ") + error);
  }
  (void)conf.release();  // owned by rk now
  return ClientPtr(rk);
}

std::optional<std::string> ReadBootstrapFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream contents;
  contents << in.rdbuf();
  std::string bootstrap = Trim(contents.str());
  if (bootstrap.empty()) return std::nullopt;
  return bootstrap;
}

std::optional<std::string> ResolveBootstrap(const KafkaSettings& settings) {
  if (!settings.bootstrap_file.empty()) return ReadBootstrapFile(settings.bootstrap_file);
  if (settings.bootstrap_servers.empty()) return std::nullopt;
  return settings.bootstrap_servers;
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) return absl::UnavailableError("Cannot write " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    return absl::UnavailableError("Cannot rename " + temp + " to " + path + ": " + ec.message());
  }
  return absl::OkStatus();
}

}  // namespace fieldline::kafka_internal
