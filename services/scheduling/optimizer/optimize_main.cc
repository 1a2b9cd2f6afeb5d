// fieldline-optimize: solves one Solomon VRPTW instance and prints one JSON object on stdout.
//   fieldline-optimize --solomon FILE [--time-limit SECONDS] [--seed N] [--threads N]
//                      [--iterations N]
// Runs one annealing chain per core, up to two, unless --threads says otherwise.
// Diagnostics (iterations, time) go to stderr; exit status 2 on bad arguments or input.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "services/scheduling/optimizer/json_output.h"
#include "services/scheduling/optimizer/solomon.h"
#include "services/scheduling/optimizer/solver.h"

namespace {

int Usage(const char* why) {
  std::cerr << "fieldline-optimize: " << why << "\n"
            << "usage: fieldline-optimize --solomon FILE [--time-limit SECONDS] [--seed N] "
               "[--threads N] [--iterations N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string file;
  fieldline::optimizer::SolverOptions options;
  // One annealing chain per core, up to two (the benchmark's setting); --threads overrides.
  options.threads = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--help" || arg == "-h") {
      std::cout << "usage: fieldline-optimize --solomon FILE [--time-limit SECONDS] [--seed N] "
                   "[--threads N] [--iterations N]\n";
      return 0;
    }
    if (!has_value) return Usage(("missing value after " + arg).c_str());
    const std::string value = argv[++i];
    char* end = nullptr;
    if (arg == "--solomon") {
      file = value;
    } else if (arg == "--time-limit") {
      options.time_limit_seconds = std::strtod(value.c_str(), &end);
      if (*end || options.time_limit_seconds <= 0)
        return Usage("--time-limit needs a positive number of seconds");
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value.c_str(), &end, 10);
      if (*end) return Usage("--seed needs a non-negative integer");
    } else if (arg == "--threads") {
      options.threads = static_cast<int>(std::strtol(value.c_str(), &end, 10));
      if (*end || options.threads < 1) return Usage("--threads needs a positive integer");
    } else if (arg == "--iterations") {
      options.max_iterations = std::strtol(value.c_str(), &end, 10);
      if (*end || options.max_iterations < 0)
        return Usage("--iterations needs a non-negative integer");
    } else {
      return Usage(("unknown option " + arg).c_str());
    }
  }
  if (file.empty()) return Usage("--solomon FILE is required");
  auto problem = fieldline::optimizer::ReadSolomonFile(file);
  if (!problem.ok()) {
    std::cerr << "fieldline-optimize: " << problem.status().message() << "\n";
    return 2;
  }
  const auto solution = fieldline::optimizer::Solve(*problem, options);
  std::cout << fieldline::optimizer::SolutionJson(*problem, solution) << std::endl;
  std::fprintf(stderr, "fieldline-optimize: %s iterations=%ld seconds=%.3f\n",
               problem->name.c_str(), solution.iterations, solution.seconds);
  return 0;
}
