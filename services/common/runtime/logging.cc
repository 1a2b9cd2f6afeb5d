#include "services/common/runtime/logging.h"

#include <mutex>

#include "spdlog/sinks/stdout_color_sinks.h"

namespace fieldline {
namespace {

std::mutex& LoggerMutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

absl::Status InitLogging(const std::string& service, const std::string& level) {
  const spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  // from_str answers "off" for anything it does not know; only "off" itself may mean off.
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError("unknown log level \"" + level +
                                      "\"; use trace, debug, info, warn, error, critical or off");
  }
  std::string escaped;  // the service name is literal text inside the pattern
  for (char c : service) {
    if (c == '%') escaped.push_back('%');
    escaped.push_back(c);
  }
  std::lock_guard<std::mutex> lock(LoggerMutex());
  // spdlog's default logger writes to stdout, and loggers cloned from it (spdlog::info, other
  // modules' loggers) would too; stdout is reserved for the READY line.
  if (spdlog::default_logger() == nullptr || spdlog::default_logger()->name() != "fieldline") {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "fieldline", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l [%n] service=" + escaped + " %v");
  spdlog::set_level(parsed);
  spdlog::flush_on(spdlog::level::warn);
  return absl::OkStatus();
}

std::shared_ptr<spdlog::logger> Logger(const std::string& name) {
  std::lock_guard<std::mutex> lock(LoggerMutex());
  if (std::shared_ptr<spdlog::logger> existing = spdlog::get(name)) return existing;
  // Registered loggers take the pattern and level InitLogging set.
  return spdlog::stderr_color_mt(name);
}

}  // namespace fieldline
