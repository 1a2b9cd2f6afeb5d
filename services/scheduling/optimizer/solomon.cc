#include "services/scheduling/optimizer/solomon.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"

namespace fieldline::optimizer {
namespace {

std::string Trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

absl::StatusOr<Problem> ParseSolomon(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    line = Trim(line);
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.size() < 6) return absl::InvalidArgumentError("solomon: the file is too short");
  Problem problem;
  problem.name = lines[0];
  std::size_t i = 1;
  while (i < lines.size() && lines[i].rfind("NUMBER", 0) != 0) ++i;
  if (i + 1 >= lines.size()) {
    return absl::InvalidArgumentError("solomon: no VEHICLE NUMBER/CAPACITY section");
  }
  int fleet = 0, capacity = 0;
  {
    std::istringstream row(lines[i + 1]);
    if (!(row >> fleet >> capacity) || fleet <= 0 || capacity <= 0) {
      return absl::InvalidArgumentError(
          "solomon: the fleet line needs a vehicle count and a capacity");
    }
  }
  while (i < lines.size() && lines[i].rfind("CUST", 0) != 0) ++i;
  if (i >= lines.size()) return absl::InvalidArgumentError("solomon: no CUSTOMER section");
  ++i;
  std::vector<double> x, y;
  std::vector<Job> rows;
  for (; i < lines.size(); ++i) {
    std::istringstream row(lines[i]);
    double number, cx, cy, demand, ready, due, service;
    if (!(row >> number >> cx >> cy >> demand >> ready >> due >> service)) {
      if (lines[i].find_first_not_of("0123456789.- \t") == std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("solomon: row '", lines[i], "' needs 7 numbers"));
      }
      continue;  // trailing text
    }
    Job job;
    job.external_id = static_cast<int>(number);
    job.location = static_cast<int>(x.size());
    job.demand = static_cast<int>(demand);
    job.ready = ready;
    job.due = due;
    job.service = service;
    x.push_back(cx);
    y.push_back(cy);
    rows.push_back(job);
  }
  if (rows.size() < 2) return absl::InvalidArgumentError("solomon: needs a depot and a customer");
  const Job depot = rows.front();
  problem.jobs.assign(rows.begin() + 1, rows.end());
  for (int v = 0; v < fleet; ++v) {
    Vehicle vehicle;
    vehicle.external_id = v + 1;
    vehicle.capacity = capacity;
    vehicle.shift_start = depot.ready;
    vehicle.shift_end = depot.due;
    vehicle.start_location = 0;
    vehicle.end_location = 0;
    problem.vehicles.push_back(vehicle);
  }
  auto matrix = EuclideanMatrix(x, y);
  problem.SetMatrices(static_cast<int>(x.size()), matrix, matrix);
  if (auto status = problem.Validate(); !status.ok()) return status;
  return problem;
}

absl::StatusOr<Problem> ReadSolomonFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("solomon: cannot open ", path));
  std::stringstream buffer;
  buffer << file.rdbuf();
  return ParseSolomon(buffer.str());
}

}  // namespace fieldline::optimizer
