#include "services/scheduling/optimizer/problem.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace fieldline::optimizer {

void Problem::SetMatrices(int num_locations, std::vector<double> distance,
                          std::vector<double> time) {
  num_locations_ = num_locations;
  distance_ = std::move(distance);
  time_ = std::move(time);
}

absl::Status Problem::Validate() const {
  const auto n = static_cast<std::size_t>(num_locations_);
  if (distance_.size() != n * n || time_.size() != n * n) {
    return absl::InvalidArgumentError(
        absl::StrCat("matrices: expected ", n * n, " entries for ", n, " locations"));
  }
  if (vehicles.empty()) return absl::InvalidArgumentError("vehicles: there is no vehicle");
  for (const Job& job : jobs) {
    if (job.location < 0 || job.location >= num_locations_) {
      return absl::InvalidArgumentError(
          absl::StrCat("jobs: job ", job.external_id, " has no location in the matrix"));
    }
    if (job.only_vehicle >= static_cast<int>(vehicles.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "jobs: job ", job.external_id, " is pinned to a vehicle that does not exist"));
    }
    if (job.due < job.ready || job.service < 0 || job.demand < 0) {
      return absl::InvalidArgumentError(absl::StrCat("jobs: job ", job.external_id,
                                                     " has a window that closes before it opens, "
                                                     "a negative duration or a negative demand"));
    }
  }
  for (const Vehicle& v : vehicles) {
    if (v.start_location < 0 || v.start_location >= num_locations_ || v.end_location < 0 ||
        v.end_location >= num_locations_) {
      return absl::InvalidArgumentError(
          absl::StrCat("vehicles: vehicle ", v.external_id, " starts or ends off the matrix"));
    }
    if (v.shift_end < v.shift_start || v.capacity < 0) {
      return absl::InvalidArgumentError(absl::StrCat("vehicles: vehicle ", v.external_id,
                                                     " has a shift that ends before it starts "
                                                     "or a negative capacity"));
    }
  }
  return absl::OkStatus();
}

std::vector<double> EuclideanMatrix(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  std::vector<double> m(n * n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) m[i * n + j] = std::hypot(x[i] - x[j], y[i] - y[j]);
  }
  return m;
}

}  // namespace fieldline::optimizer
