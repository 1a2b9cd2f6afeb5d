// Recommendation latency with 1,000 technicians: a real EventStore in a temp dir, 1,000
// technicians around Qingdao (weekday shifts, skill levels, territories), two bookings each
// for about half of them, then RecommendTechnicians for random open jobs. Prints p50 / p99 /
// max. Not a test: run build/services/scheduling/scheduling_recommend_bench [technicians]
// [queries].

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/scheduling/app/scheduling_app.h"
#include "spdlog/spdlog.h"

namespace fieldline::scheduling {
namespace {

int Run(int technicians, int queries) {
  spdlog::set_level(spdlog::level::warn);
  testing::TempDir dir;
  auto store = EventStore::Open({.path = dir.Sub("db")});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  const DispatchPolicy policy;
  const auto monday = [&](int hour) {
    return absl::FromCivil(absl::CivilSecond(2026, 11, 23, hour, 0, 0), policy.time_zone);
  };
  FakeClock clock(monday(7));
  UuidV7Generator ids;
  SchedulingApp app(**store, clock, ids, policy);
  std::mt19937 random(42);
  std::uniform_real_distribution<double> lat(35.95, 36.35);
  std::uniform_real_distribution<double> lng(120.20, 120.60);
  const std::vector<std::string> skills = {"boiler", "refrigerator", "aircon", "washer"};
  int request = 0;
  const auto meta = [&] {
    CommandMeta m;
    m.request_id = absl::StrCat("bench-", ++request);
    m.actor = {"bench", "dispatcher"};
    m.now = clock.Now();
    return m;
  };

  std::vector<WeeklyShift> weekdays;
  for (int day = 1; day <= 5; ++day) weekdays.push_back({day, 8 * 60, 18 * 60});
  for (int i = 0; i < technicians; ++i) {
    const std::string id = absl::StrCat("T", i);
    const GeoPoint home{lat(random), lng(random)};
    auto ack = app.RegisterTechnician(
        meta(), RegisterTechnician{.technician_id = id,
                                   .name = id,
                                   .phone = "13800000000",
                                   .skills = {skills[i % 4], skills[(i + 1) % 4]},
                                   .home_base = home,
                                   .van_location_id = "",
                                   .skill_levels = {1 + i % 5, 1 + (i + 2) % 5},
                                   .territory = {"city", {36.15, 120.40}, 40}});
    if (!ack.ok() || !app.SetTechnicianShifts(meta(), {id, weekdays}).ok()) return 1;
  }
  // Jobs: two booked for every other technician, plus open ones to recommend for.
  const auto open_job = [&](int n, const std::string& skill) {
    EventEnvelope e;
    e.set_event_id(ids.NewId(clock.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id(absl::StrCat("TK", n));
    e.set_aggregate_version(1);
    intake::v1::TicketOpened* opened = e.mutable_intake()->mutable_ticket_opened();
    opened->set_ticket_id(absl::StrCat("TK", n));
    opened->set_category(skill);
    opened->mutable_customer()->set_customer_id(absl::StrCat("C", n));
    opened->mutable_customer()->mutable_location()->set_lat(lat(random));
    opened->mutable_customer()->mutable_location()->set_lng(lng(random));
    Batch batch = (*store)->NewBatch();
    if (!app.Apply(e, batch).ok() || !(*store)->Commit(std::move(batch)).ok()) std::abort();
    return SchedulingApp::JobIdForTicket(absl::StrCat("TK", n));
  };
  int jobs = 0;
  int booked = 0;
  for (int i = 0; i < technicians; i += 2) {
    for (int slot = 0; slot < 2; ++slot) {
      const std::string job = open_job(++jobs, skills[i % 4]);
      auto ack = app.AssignJob(meta(), AssignJob{.job_id = job,
                                                 .technician_id = absl::StrCat("T", i),
                                                 .window_start = monday(9 + 4 * slot),
                                                 .window_end = monday(11 + 4 * slot),
                                                 .expected_version = 0,
                                                 .override_reason = ""});
      if (ack.ok()) ++booked;
    }
  }
  std::vector<std::string> open;
  for (int i = 0; i < 100; ++i) open.push_back(open_job(++jobs, skills[i % 4]));

  std::vector<double> millis;
  int feasible = 0;
  for (int q = 0; q < queries; ++q) {
    RecommendQuery query{.job_id = open[q % open.size()],
                         .window_start = monday(10 + q % 6),
                         .window_end = monday(11 + q % 6),
                         .limit = 10};
    const auto start = std::chrono::steady_clock::now();
    auto ranked = app.RecommendTechnicians(query);
    const auto end = std::chrono::steady_clock::now();
    if (!ranked.ok()) {
      std::fprintf(stderr, "%s\n", ranked.status().ToString().c_str());
      return 1;
    }
    feasible += ranked->considered() - ranked->infeasible();
    millis.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(millis.begin(), millis.end());
  const auto at = [&](double p) {
    return millis[std::min(millis.size() - 1, static_cast<size_t>(p * millis.size()))];
  };
  std::printf(
      "{\"technicians\": %d, \"bookings\": %d, \"queries\": %d, \"mean_feasible\": %.1f, "
      "\"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f}\n",
      technicians, booked, queries, static_cast<double>(feasible) / queries, at(0.50), at(0.99),
      millis.back());
  return 0;
}

}  // namespace
}  // namespace fieldline::scheduling

int main(int argc, char** argv) {
  const int technicians = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int queries = argc > 2 ? std::atoi(argv[2]) : 500;
  return fieldline::scheduling::Run(technicians, queries);
}
