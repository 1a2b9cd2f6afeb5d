// solomon_bench: solves the 56 Solomon VRPTW instances and compares with the distance-objective
// best-known solutions (solomon_bks.csv, columns dist_obj_*).
//   solomon_bench [--data DIR] [--bks CSV] [--time-limit SECONDS] [--threads N] [--seed N]
//                 [--only PREFIX] [--minimise-vehicles 0|1] [--t0 X] [--tf X] [--removed N]
// Prints one line per instance (vehicles, distance, BKS, gap, time, feasibility), then the mean
// gap and the median time. Exit status 1 if any solution is infeasible or incomplete.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "services/scheduling/optimizer/solomon.h"
#include "services/scheduling/optimizer/solver.h"

namespace {

struct Bks {
  int vehicles = 0;
  double distance = 0;
};

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

std::map<std::string, Bks> ReadBks(const std::string& path) {
  std::map<std::string, Bks> out;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return out;
  const auto header = SplitCsvLine(line);
  auto column = [&](const std::string& name) {
    return static_cast<int>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const int inst = column("instance"), veh = column("dist_obj_vehicles"),
            dist = column("dist_obj_distance");
  while (std::getline(in, line)) {
    const auto f = SplitCsvLine(line);
    if (static_cast<int>(f.size()) <= std::max({inst, veh, dist})) continue;
    out[f[inst]] = Bks{std::atoi(f[veh].c_str()), std::atof(f[dist].c_str())};
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data = FIELDLINE_SOLOMON_DIR;
  std::string bks_path;
  std::string only;
  fieldline::optimizer::SolverOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--data")
      data = value;
    else if (arg == "--bks")
      bks_path = value;
    else if (arg == "--time-limit")
      options.time_limit_seconds = std::atof(value.c_str());
    else if (arg == "--threads")
      options.threads = std::atoi(value.c_str());
    else if (arg == "--seed")
      options.seed = std::strtoull(value.c_str(), nullptr, 10);
    else if (arg == "--only")
      only = value;
    else if (arg == "--minimise-vehicles")
      options.minimise_vehicles_first = value == "1";
    else if (arg == "--t0")
      options.initial_temperature = std::atof(value.c_str());
    else if (arg == "--tf")
      options.final_temperature = std::atof(value.c_str());
    else if (arg == "--removed")
      options.mean_removed = std::atof(value.c_str());
    else {
      std::fprintf(stderr, "unknown option %s\n", arg.c_str());
      return 2;
    }
  }
  if (bks_path.empty())
    bks_path = (std::filesystem::path(data) / ".." / "solomon_bks.csv").string();
  const auto bks = ReadBks(bks_path);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() == ".txt" && name.rfind(only, 0) == 0)
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no instances in %s\n", data.c_str());
    return 2;
  }
  std::printf("%-8s %4s %10s %4s %10s %7s %7s %s\n", "instance", "veh", "distance", "bveh", "bks",
              "gap%", "time_s", "feasible");
  std::vector<double> gaps, times;
  bool all_ok = true;
  for (const auto& path : files) {
    auto problem = fieldline::optimizer::ReadSolomonFile(path);
    if (!problem.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(),
                   std::string(problem.status().message()).c_str());
      return 2;
    }
    const auto solution = fieldline::optimizer::Solve(*problem, options);
    const auto check = fieldline::optimizer::Evaluate(*problem, solution);
    const bool ok = check.feasible && solution.unassigned.empty();
    all_ok = all_ok && ok;
    const auto it = bks.find(problem->name);
    double gap = 0;
    if (it != bks.end() && it->second.distance > 0) {
      gap = 100.0 * (solution.distance - it->second.distance) / it->second.distance;
      gaps.push_back(gap);
    }
    times.push_back(solution.seconds);
    std::printf("%-8s %4d %10.2f %4d %10.2f %7.2f %7.2f %s\n", problem->name.c_str(),
                solution.vehicles(), solution.distance, it == bks.end() ? 0 : it->second.vehicles,
                it == bks.end() ? 0.0 : it->second.distance, gap, solution.seconds,
                ok ? "yes" : ("NO " + check.violation).c_str());
    std::fflush(stdout);
  }
  double mean = 0;
  for (double g : gaps) mean += g;
  if (!gaps.empty()) mean /= static_cast<double>(gaps.size());
  std::sort(times.begin(), times.end());
  const std::size_t n = times.size();
  const double median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  std::printf("instances %zu  mean_gap %.3f%%  median_time %.2fs  all_feasible %s\n", n, mean,
              median, all_ok ? "yes" : "no");
  return all_ok ? 0 : 1;
}
