#include "services/scheduling/optimizer/solomon.h"

#include <cmath>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace fieldline::optimizer {
namespace {

const std::string kSolomonDir = std::string(FIELDLINE_SHARED_DATA_DIR) + "/solomon";

TEST(OptimizerSolomonReader, ParsesC101) {
  const std::string path = kSolomonDir + "/C101.txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no Solomon data at " << kSolomonDir;
  auto problem = ReadSolomonFile(path);
  ASSERT_TRUE(problem.ok()) << problem.status();
  EXPECT_EQ(problem->name, "C101");
  ASSERT_EQ(problem->jobs.size(), 100u);
  ASSERT_EQ(problem->vehicles.size(), 25u);
  EXPECT_EQ(problem->num_locations(), 101);
  for (const Vehicle& v : problem->vehicles) {
    EXPECT_EQ(v.capacity, 200);
    EXPECT_EQ(v.shift_start, 0);
    EXPECT_EQ(v.shift_end, 1236);
    EXPECT_EQ(v.start_location, 0);
    EXPECT_EQ(v.end_location, 0);
  }
  // "1  45  68  10  912  967  90" and depot "0  40  50  0  0  1236  0".
  const Job& first = problem->jobs.front();
  EXPECT_EQ(first.external_id, 1);
  EXPECT_EQ(first.location, 1);
  EXPECT_EQ(first.demand, 10);
  EXPECT_EQ(first.ready, 912);
  EXPECT_EQ(first.due, 967);
  EXPECT_EQ(first.service, 90);
  EXPECT_DOUBLE_EQ(problem->Distance(0, 1), std::sqrt(5.0 * 5 + 18 * 18));
  EXPECT_DOUBLE_EQ(problem->Time(1, 0), problem->Distance(0, 1));
  // "100  55  85  20  647  726  90"
  const Job& last = problem->jobs.back();
  EXPECT_EQ(last.external_id, 100);
  EXPECT_EQ(last.demand, 20);
  EXPECT_EQ(last.ready, 647);
  EXPECT_EQ(last.due, 726);
  EXPECT_DOUBLE_EQ(problem->Distance(0, 100), std::sqrt(15.0 * 15 + 35 * 35));
  int total_demand = 0;
  for (const Job& job : problem->jobs) total_demand += job.demand;
  EXPECT_EQ(total_demand, 1810);
}

TEST(OptimizerSolomonReader, ParsesInlineTextWithWindowsLineEndings) {
  const std::string text =
      "TINY\r\n\r\nVEHICLE\r\nNUMBER     CAPACITY\r\n  2         10\r\n\r\nCUSTOMER\r\n"
      "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\r\n\r\n"
      "    0      0         0          0          0       100          0\r\n"
      "    1      3         4          5         10        20          1\r\n";
  auto problem = ParseSolomon(text);
  ASSERT_TRUE(problem.ok()) << problem.status();
  EXPECT_EQ(problem->name, "TINY");
  ASSERT_EQ(problem->jobs.size(), 1u);
  EXPECT_EQ(problem->vehicles.size(), 2u);
  EXPECT_DOUBLE_EQ(problem->Distance(0, 1), 5.0);
}

TEST(OptimizerSolomonReader, RefusesAFileWithoutFleetOrCustomers) {
  EXPECT_FALSE(ParseSolomon("X\nVEHICLE\nsomething\nelse\nhere\nnow\n").ok());
  EXPECT_FALSE(
      ParseSolomon("X\n\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n0 0 0 0 0 100 0\n")
          .ok());
  EXPECT_FALSE(ReadSolomonFile("/nonexistent/file.txt").ok());
}

}  // namespace
}  // namespace fieldline::optimizer
