// PreviewPlan at the scale of a territory's day, through the app (store reads, problem
// building, the optimiser, the plan's checks and storing it), not the optimiser alone: a real
// EventStore in a temp dir, `technicians` technicians of one territory around Qingdao (weekday
// shifts, two skills each), `jobs` open jobs from intake's TicketOpened (each with the ticket's
// on-site deadline, a quarter with an appointment window already booked), then PreviewPlan.
// Prints one JSON line per run. Not a test: run
//   build/services/scheduling/scheduling_plan_bench [jobs] [technicians] [time_limit_s] [runs]

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
#include "services/scheduling/adapters/event_codec.h"
#include "services/scheduling/app/scheduling_app.h"
#include "spdlog/spdlog.h"

namespace fieldline::scheduling {
namespace {

int Run(int job_count, int technicians, double time_limit, int runs) {
  spdlog::set_level(spdlog::level::warn);
  testing::TempDir dir;
  auto store = EventStore::Open({.path = dir.Sub("db")});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  const DispatchPolicy policy;
  const auto monday = [&](int hour, int minute = 0) {
    return absl::FromCivil(absl::CivilSecond(2026, 11, 23, hour, minute, 0), policy.time_zone);
  };
  FakeClock clock(monday(6));
  UuidV7Generator ids;
  SchedulingApp app(**store, clock, ids, policy);
  std::mt19937 random(7);
  std::uniform_real_distribution<double> lat(36.00, 36.20);
  std::uniform_real_distribution<double> lng(120.30, 120.50);
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
    auto ack = app.RegisterTechnician(
        meta(), RegisterTechnician{.technician_id = id,
                                   .name = id,
                                   .phone = "13800000000",
                                   .skills = {skills[i % 4], skills[(i + 1) % 4]},
                                   .home_base = {lat(random), lng(random)},
                                   .van_location_id = "",
                                   .skill_levels = {3, 2},
                                   .territory = {"Shinan", {36.10, 120.40}, 30}});
    if (!ack.ok() || !app.SetTechnicianShifts(meta(), {id, weekdays}).ok()) return 1;
  }
  int booked = 0;
  for (int n = 0; n < job_count; ++n) {
    EventEnvelope e;
    e.set_event_id(ids.NewId(clock.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id(absl::StrCat("TK", n));
    e.set_aggregate_version(1);
    intake::v1::TicketOpened* opened = e.mutable_intake()->mutable_ticket_opened();
    opened->set_ticket_id(absl::StrCat("TK", n));
    opened->set_category(skills[n % 4]);
    opened->set_priority(n % 10 == 0 ? common::v1::PRIORITY_URGENT : common::v1::PRIORITY_NORMAL);
    opened->mutable_customer()->set_customer_id(absl::StrCat("C", n));
    opened->mutable_customer()->mutable_location()->set_lat(lat(random));
    opened->mutable_customer()->mutable_location()->set_lng(lng(random));
    ToProto(monday(10 + n % 8), opened->mutable_onsite_due());
    Batch batch = (*store)->NewBatch();
    if (!app.Apply(e, batch).ok() || !(*store)->Commit(std::move(batch)).ok()) return 1;
    if (n % 4 == 0) {  // a quarter already booked with an agreed window
      const int slot = (n / 4) % 4;
      auto ack = app.AssignJob(
          meta(), AssignJob{.job_id = SchedulingApp::JobIdForTicket(absl::StrCat("TK", n)),
                            .technician_id = absl::StrCat("T", (n / 16) % technicians),
                            .window_start = monday(8 + 2 * slot, 30),
                            .window_end = monday(10 + 2 * slot)});
      if (ack.ok()) ++booked;
    }
  }
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    auto plan = app.PreviewPlan(meta(), PreviewPlanQuery{.territory = "Shinan",
                                                         .day = monday(12),
                                                         .replan_from = std::nullopt,
                                                         .time_limit_seconds = time_limit});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!plan.ok()) {
      std::fprintf(stderr, "%s\n", plan.status().ToString().c_str());
      return 1;
    }
    int visits = 0;
    for (const v1::TechnicianPlan& t : plan->technicians()) visits += t.visits_size();
    std::printf(
        "{\"jobs\": %d, \"technicians\": %d, \"booked_before\": %d, \"time_limit_s\": %.1f, "
        "\"planned\": %d, \"unassigned\": %d, \"changes\": %d, \"travel_km\": %.1f, "
        "\"sla_late_minutes\": %lld, \"solve_s\": %.2f, \"preview_s\": %.2f, "
        "\"outside_solver_s\": %.2f}\n",
        job_count, technicians, booked, time_limit, visits, plan->unassigned_size(),
        plan->changes(), plan->travel_km(), static_cast<long long>(plan->sla_late_minutes()),
        plan->solve_seconds(), seconds, seconds - plan->solve_seconds());
  }
  return 0;
}

}  // namespace
}  // namespace fieldline::scheduling

int main(int argc, char** argv) {
  const int jobs = argc > 1 ? std::atoi(argv[1]) : 300;
  const int technicians = argc > 2 ? std::atoi(argv[2]) : 40;
  const double time_limit = argc > 3 ? std::atof(argv[3]) : 3.0;
  const int runs = argc > 4 ? std::atoi(argv[4]) : 3;
  return fieldline::scheduling::Run(jobs, technicians, time_limit, runs);
}
