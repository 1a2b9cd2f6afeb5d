// libFuzzer target: configuration parsing — a service's YAML config file (LoadServiceConfig, the
// same code every service runs at start), intake's policy file and callbacks' policy file.
//
// Whatever the file holds, the result is a configuration or an INVALID_ARGUMENT naming the key:
// never a crash, an exception escaping or a sanitizer report.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/callbacks/adapters/policy_file.h"
#include "services/common/runtime/service_config.h"
#include "services/intake/app/policy_loader.h"

namespace {

const std::string& ConfigPath() {
  static const std::string* path = [] {
    char pattern[] = "/tmp/fieldline-fuzz-config-XXXXXX";
    const int fd = mkstemp(pattern);
    if (fd < 0) std::abort();
    close(fd);
    return new std::string(pattern);
  }();
  return *path;
}

void Check(const absl::Status& status) {
  // A refusal must say why, so a person can fix the file.
  if (!status.ok() && status.message().empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);

  const std::string& path = ConfigPath();
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    std::abort();
  }
  const auto no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  Check(fieldline::LoadServiceConfig("intake", 7101, {"--config", path}, no_env).status());

  Check(fieldline::intake::ParseIntakePolicy(yaml).status());
  Check(fieldline::callbacks::ParsePolicyYaml(yaml).status());
  return 0;
}
