#pragma once

// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// which does not convert from std::string_view. Fieldline's APIs take std::string_view; pass
// them to Abseil through AsAbsl().

#include <string_view>

#include "absl/strings/string_view.h"

namespace fieldline {

inline absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view AsStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace fieldline
