#pragma once

// Reads a Solomon (1987) VRPTW instance: name, fleet size and capacity, then one row per
// location (number, x, y, demand, ready time, due date, service time) with the depot first.
// Travel is Euclidean and unrounded, travel time equals distance, every customer must be served.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/scheduling/optimizer/problem.h"

namespace fieldline::optimizer {

absl::StatusOr<Problem> ParseSolomon(std::string_view text);
absl::StatusOr<Problem> ReadSolomonFile(const std::string& path);

}  // namespace fieldline::optimizer
