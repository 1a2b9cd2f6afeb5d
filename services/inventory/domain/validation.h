#pragma once

// Input checks shared by the inventory aggregates. Pure: no I/O.

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace fieldline::inventory {

inline constexpr size_t kMaxIdLength = 64;

// Location ids and SKUs: 1–64 characters of letters, digits, '-' and '_'. `what` names the
// thing in the message ("location id", "SKU").
[[nodiscard]] absl::Status ValidateId(std::string_view field, const std::string& what,
                                      const std::string& value);

}  // namespace fieldline::inventory
