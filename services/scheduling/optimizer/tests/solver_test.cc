#include "services/scheduling/optimizer/solver.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/scheduling/optimizer/json_output.h"
#include "services/scheduling/optimizer/solomon.h"

namespace fieldline::optimizer {
namespace {

const std::string kSolomonDir = std::string(FIELDLINE_SHARED_DATA_DIR) + "/solomon";

// An independent reading of a Solomon file (its own parser, its own Euclidean distances), used
// to check the solver's plans without trusting the library's model or its Evaluate().
struct RawInstance {
  int capacity = 0;
  struct Row {
    double x, y, demand, ready, due, service;
  };
  std::map<int, Row> rows;  // by customer number, depot = 0
};

RawInstance ReadRaw(const std::string& path) {
  RawInstance raw;
  std::ifstream in(path);
  std::string line;
  bool fleet_next = false, customers = false;
  while (std::getline(in, line)) {
    if (line.find("NUMBER") != std::string::npos) {
      fleet_next = true;
      continue;
    }
    if (line.find("CUST") != std::string::npos) {
      customers = true;
      continue;
    }
    std::istringstream s(line);
    if (fleet_next) {
      int fleet;
      if (s >> fleet >> raw.capacity) fleet_next = false;
      continue;
    }
    if (!customers) continue;
    int id;
    RawInstance::Row row;
    if (s >> id >> row.x >> row.y >> row.demand >> row.ready >> row.due >> row.service)
      raw.rows[id] = row;
  }
  return raw;
}

// Returns "" when the routes (customer numbers) serve every customer exactly once within
// capacity and windows and return to the depot in time; else the first problem. Sets distance.
std::string CheckRoutes(const RawInstance& raw, const std::vector<std::vector<int>>& routes,
                        double& distance) {
  std::map<int, int> visits;
  distance = 0;
  const auto& depot = raw.rows.at(0);
  auto dist = [](const RawInstance::Row& a, const RawInstance::Row& b) {
    return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y));
  };
  for (const auto& route : routes) {
    if (route.empty()) return "empty route";
    double t = depot.ready, load = 0;
    const RawInstance::Row* prev = &depot;
    for (int c : route) {
      if (c == 0 || !raw.rows.count(c)) return "unknown customer " + std::to_string(c);
      const auto& row = raw.rows.at(c);
      ++visits[c];
      distance += dist(*prev, row);
      t = std::max(t + dist(*prev, row), row.ready);
      if (t > row.due + 1e-6) return "customer " + std::to_string(c) + " served late";
      t += row.service;
      load += row.demand;
      prev = &row;
    }
    distance += dist(*prev, depot);
    t += dist(*prev, depot);
    if (t > depot.due + 1e-6) return "route back at the depot late";
    if (load > raw.capacity) return "route over capacity";
  }
  for (const auto& [id, row] : raw.rows) {
    if (id == 0) continue;
    if (visits[id] != 1)
      return "customer " + std::to_string(id) + " visited " + std::to_string(visits[id]) + " times";
  }
  return "";
}

std::vector<std::vector<int>> ExternalRoutes(const Problem& problem, const Solution& solution) {
  std::vector<std::vector<int>> out;
  for (const auto& route : solution.routes) {
    out.emplace_back();
    for (int j : route.jobs) out.back().push_back(problem.jobs[j].external_id);
  }
  return out;
}

class OptimizerSolomonSolve : public ::testing::TestWithParam<std::string> {};

TEST_P(OptimizerSolomonSolve, ReturnsAFeasibleCompletePlanWhoseDistanceRecomputes) {
  const std::string path = kSolomonDir + "/" + GetParam() + ".txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no Solomon data at " << kSolomonDir;
  auto problem = ReadSolomonFile(path);
  ASSERT_TRUE(problem.ok()) << problem.status();
  SolverOptions options;
  options.max_iterations = 3000;
  options.time_limit_seconds = 10;
  const Solution solution = Solve(*problem, options);
  EXPECT_TRUE(solution.unassigned.empty());
  double distance = 0;
  EXPECT_EQ(CheckRoutes(ReadRaw(path), ExternalRoutes(*problem, solution), distance), "");
  EXPECT_NEAR(solution.distance, distance, 1e-6);
  const Evaluation evaluation = Evaluate(*problem, solution);
  EXPECT_TRUE(evaluation.feasible) << evaluation.violation;
  EXPECT_NEAR(evaluation.distance, distance, 1e-6);
  EXPECT_LE(solution.vehicles(), static_cast<int>(problem->vehicles.size()));
}

INSTANTIATE_TEST_SUITE_P(Instances, OptimizerSolomonSolve,
                         ::testing::Values("C101", "C208", "R101", "R211", "RC105", "RC202"));

TEST(OptimizerSolver, RouteMinimisationFirstStillReturnsAFeasibleCompletePlan) {
  const std::string path = kSolomonDir + "/C201.txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no Solomon data at " << kSolomonDir;
  auto problem = ReadSolomonFile(path);
  ASSERT_TRUE(problem.ok()) << problem.status();
  SolverOptions options;
  options.max_iterations = 4000;
  options.time_limit_seconds = 10;
  options.minimise_vehicles_first = true;
  const Solution solution = Solve(*problem, options);
  EXPECT_TRUE(solution.unassigned.empty());
  double distance = 0;
  EXPECT_EQ(CheckRoutes(ReadRaw(path), ExternalRoutes(*problem, solution), distance), "");
  EXPECT_NEAR(solution.distance, distance, 1e-6);
  EXPECT_LE(solution.vehicles(), 4);  // C201's best known plans use 3
}

TEST(OptimizerSolver, IsDeterministicForAFixedSeedAndIterationBudget) {
  const std::string path = kSolomonDir + "/R102.txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no Solomon data at " << kSolomonDir;
  auto problem = ReadSolomonFile(path);
  ASSERT_TRUE(problem.ok()) << problem.status();
  SolverOptions options;
  options.seed = 42;
  options.max_iterations = 2000;
  options.time_limit_seconds = 30;
  const Solution a = Solve(*problem, options);
  const Solution b = Solve(*problem, options);
  EXPECT_EQ(ExternalRoutes(*problem, a), ExternalRoutes(*problem, b));
  EXPECT_EQ(a.distance, b.distance);
  EXPECT_EQ(a.iterations, 2000);
  options.threads = 2;  // chains seed, seed+1...: still deterministic
  const Solution c = Solve(*problem, options);
  const Solution d = Solve(*problem, options);
  EXPECT_EQ(ExternalRoutes(*problem, c), ExternalRoutes(*problem, d));
  EXPECT_LE(c.distance, a.distance + 1e-9);  // chain 0 is a's chain; the best of two is no worse
}

TEST(OptimizerSolver, SolvesC101WithinAFewPercentOfTheBestKnownDistanceInOneSecond) {
  const std::string path = kSolomonDir + "/C101.txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no Solomon data at " << kSolomonDir;
  auto problem = ReadSolomonFile(path);
  ASSERT_TRUE(problem.ok()) << problem.status();
  SolverOptions options;
  options.time_limit_seconds = 1.0;
  const Solution solution = Solve(*problem, options);
  EXPECT_TRUE(Evaluate(*problem, solution).feasible);
  EXPECT_LE(solution.distance, 828.94 * 1.03);
  EXPECT_LE(solution.seconds, 1.5);
}

// A hand-made field-service problem: two technicians, skills and priorities.
Problem SmallFieldDay() {
  Problem p;
  // Locations 0 (base), 1..4 on a line.
  std::vector<double> x = {0, 10, 20, 30, 40}, y = {0, 0, 0, 0, 0};
  auto m = EuclideanMatrix(x, y);
  p.SetMatrices(5, m, m);
  for (int i = 1; i <= 4; ++i) {
    Job job;
    job.external_id = 100 + i;
    job.location = i;
    job.demand = 1;
    job.ready = 0;
    job.due = 1000;
    job.service = 10;
    p.jobs.push_back(job);
  }
  Vehicle a;
  a.external_id = 1;
  a.capacity = 10;
  a.shift_end = 1000;
  a.skills = 0b01;
  Vehicle b = a;
  b.external_id = 2;
  b.skills = 0b11;
  p.vehicles = {a, b};
  return p;
}

TEST(OptimizerSolver, ServesAJobOnlyWithATechnicianWhoHasItsSkills) {
  Problem p = SmallFieldDay();
  p.jobs[0].required_skills = 0b10;  // only vehicle b (index 1)
  p.jobs[3].required_skills = 0b10;
  SolverOptions options;
  options.max_iterations = 500;
  const Solution s = Solve(p, options);
  ASSERT_TRUE(s.unassigned.empty());
  const Evaluation e = Evaluate(p, s);
  EXPECT_TRUE(e.feasible) << e.violation;
  for (const auto& route : s.routes) {
    for (int j : route.jobs) {
      if (j == 0 || j == 3) EXPECT_EQ(route.vehicle, 1);
    }
  }
}

TEST(OptimizerSolver, KeepsAPinnedJobWithItsTechnicianEvenIfAnotherIsCloser) {
  Problem p = SmallFieldDay();
  // Vehicle 1 lives far away at location 4; job 101 (location 1) is promised to it.
  p.vehicles[1].start_location = p.vehicles[1].end_location = 4;
  p.jobs[0].only_vehicle = 1;
  SolverOptions options;
  options.max_iterations = 500;
  const Solution s = Solve(p, options);
  ASSERT_TRUE(s.unassigned.empty());
  EXPECT_TRUE(Evaluate(p, s).feasible) << Evaluate(p, s).violation;
  for (const auto& route : s.routes) {
    for (int j : route.jobs) {
      if (j == 0) EXPECT_EQ(route.vehicle, 1);
    }
  }
  Solution moved;
  moved.routes = {Route{0, {0, 1, 2, 3}}};
  EXPECT_NE(Evaluate(p, moved).violation.find("pinned"), std::string::npos);
}

TEST(OptimizerSolver, LeavesTheLowPriorityJobOutWhenNotEverythingFits) {
  Problem p = SmallFieldDay();
  p.vehicles.resize(1);
  p.vehicles[0].shift_end = 100;      // 40 out, 40 back: room for two 10-minute jobs, not all four
  p.jobs[0].unassigned_penalty = 10;  // low priority, nearest
  p.jobs[1].unassigned_penalty = 10;  // low priority
  p.jobs[2].unassigned_penalty = 10000;  // high priority
  p.jobs[3].unassigned_penalty = 10000;  // high priority, farthest
  SolverOptions options;
  options.max_iterations = 500;
  const Solution s = Solve(p, options);
  const Evaluation e = Evaluate(p, s);
  EXPECT_TRUE(e.feasible) << e.violation;
  EXPECT_EQ(s.unassigned, (std::vector<int>{0, 1}));
  EXPECT_NEAR(s.distance, 80, 1e-9);
}

TEST(OptimizerSolver, ReportsAJobThatFitsNoVehicleAsUnassigned) {
  Problem p = SmallFieldDay();
  p.jobs[2].required_skills = 0b100;  // nobody has it
  SolverOptions options;
  options.max_iterations = 200;
  const Solution s = Solve(p, options);
  EXPECT_EQ(s.unassigned, (std::vector<int>{2}));
  EXPECT_TRUE(Evaluate(p, s).feasible);
  EXPECT_NE(SolutionJson(p, s).find("\"unassigned\": [103]"), std::string::npos);
}

TEST(OptimizerProblem, ValidateNamesTheBrokenJobOrVehicle) {
  Problem p = SmallFieldDay();
  EXPECT_TRUE(p.Validate().ok());
  p.jobs[1].due = -1;
  EXPECT_NE(p.Validate().message().find("job 102"), std::string_view::npos);
  p = SmallFieldDay();
  p.vehicles[1].end_location = 9;
  EXPECT_NE(p.Validate().message().find("vehicle 2"), std::string_view::npos);
  p = SmallFieldDay();
  p.vehicles.clear();
  EXPECT_FALSE(p.Validate().ok());
}

TEST(OptimizerEvaluate, ReportsAWindowMissedAndAJobVisitedTwice) {
  Problem p = SmallFieldDay();
  p.jobs[3].due = 5;  // 40 away: cannot start by 5
  Solution late;
  late.routes = {Route{0, {0, 1, 2, 3}}};
  Evaluation e = Evaluate(p, late);
  EXPECT_FALSE(e.feasible);
  EXPECT_NE(e.violation.find("job 104"), std::string::npos);
  Solution twice;
  twice.routes = {Route{0, {0, 1, 2}}, Route{1, {2}}};
  twice.unassigned = {3};
  e = Evaluate(SmallFieldDay(), twice);
  EXPECT_FALSE(e.feasible);
  EXPECT_NE(e.violation.find("job 103 visited twice"), std::string::npos);
}

TEST(OptimizerSolutionJson, PrintsVehiclesDistanceAndCustomerNumbers) {
  Problem p = SmallFieldDay();
  Solution s;
  s.routes = {Route{0, {1, 0}}, Route{1, {3}}};
  s.distance = 123.4567891;
  EXPECT_EQ(SolutionJson(p, s),
            "{\"vehicles\": 2, \"distance\": 123.456789, \"routes\": [[102, 101], [104]]}");
}

}  // namespace
}  // namespace fieldline::optimizer
