#pragma once

// Small text helpers of the scheduling domain (std::string_view in, std::string_view out; see
// services/common/core/strings.h for why Abseil needs AsAbsl).

#include <cstddef>
#include <string_view>

#include "absl/strings/ascii.h"
#include "services/common/core/strings.h"

namespace fieldline::scheduling {

// `s` without leading and trailing ASCII blanks.
inline std::string_view Trim(std::string_view s) {
  return AsStd(absl::StripAsciiWhitespace(AsAbsl(s)));
}

// Characters, not bytes: dispatchers and technicians often write in Chinese.
inline size_t Utf8Length(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace fieldline::scheduling
