#pragma once

// Page sizes of every list query: 0 asks for the default, larger than the maximum is capped,
// negative is refused naming the field "page_size".

#include <cstdint>

#include "absl/status/statusor.h"

namespace fieldline {

inline constexpr int32_t kDefaultPageSize = 50;
inline constexpr int32_t kMaxPageSize = 500;

absl::StatusOr<int32_t> EffectivePageSize(int32_t requested);

}  // namespace fieldline
