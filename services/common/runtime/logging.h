#pragma once

// Logging for every Fieldline process: spdlog to stderr (stdout carries only the READY line),
// one named logger per module, messages as structured key=value fields, e.g.
//   Logger("relay")->info("published topic={} partition={} offset={}", topic, p, o);
// Each line reads: <time> <level> [<logger>] service=<service> <message>.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "spdlog/spdlog.h"

namespace fieldline {

// Sets the line pattern and the level ("trace" ... "off") of every logger, present and future.
// INVALID_ARGUMENT for an unknown level. Call once at start-up, before other threads log.
absl::Status InitLogging(const std::string& service, const std::string& level);

// The logger named `name`, created on first use (thread-safe); never null.
std::shared_ptr<spdlog::logger> Logger(const std::string& name);

}  // namespace fieldline
