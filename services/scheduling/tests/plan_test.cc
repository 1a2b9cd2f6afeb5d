// The optimiser in the service: PlanDay (pure: a territory's day whose best plan is known, a
// re-plan after an absence, priorities, the validation errors), PreviewPlan / CommitPlan through
// SchedulingApp on a real EventStore (stored plan, idempotent commit, the stale-plan refusal with
// nothing applied) and over gRPC (roles, INVALID_ARGUMENT with the field).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fieldline/scheduling/v1/scheduling_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/grpc/auth.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/scheduling/adapters/event_codec.h"
#include "services/scheduling/adapters/grpc_service.h"
#include "services/scheduling/app/scheduling_app.h"
#include "services/scheduling/domain/plan.h"

namespace fieldline::scheduling {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

const DispatchPolicy kPolicy;
// 2026-11-23 is a Monday.
absl::Time Monday(int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, hour, minute, 0), kPolicy.time_zone);
}
const GeoPoint kCenter{36.06, 120.38};
const GeoPoint kWestHome{36.06, 120.30};
const GeoPoint kEastHome{36.06, 120.46};
const GeoPoint kWest1{36.06, 120.31};
const GeoPoint kWest2{36.07, 120.31};
const GeoPoint kEast1{36.06, 120.45};
const GeoPoint kEast2{36.07, 120.45};
const Territory kShinan{"Shinan", kCenter, 15};

TechnicianState Tech(const std::string& id, GeoPoint home, std::vector<std::string> skills = {
                                                               "boiler"}) {
  TechnicianState t;
  t.technician_id = id;
  t.name = "Tech " + id;
  t.skills = std::move(skills);
  t.skill_levels.assign(t.skills.size(), 3);
  t.home_base = home;
  t.territory = kShinan;
  t.shifts = {WeeklyShift{.weekday = 1, .start_minute = 8 * 60, .end_minute = 18 * 60}};
  t.version = 2;
  return t;
}

PlanJobInput Job(const std::string& id, GeoPoint site, std::string skill = "boiler",
                 Priority priority = Priority::kNormal) {
  PlanJobInput in;
  in.job.job_id = id;
  in.job.ticket_id = "t-" + id;
  in.job.customer.customer_id = "C-" + id;
  in.job.customer.location = site;
  in.job.required_skill = std::move(skill);
  in.job.priority = priority;
  in.job.status = JobStatus::kUnassigned;
  in.job.version = 1;
  in.created_at = Monday(7);
  return in;
}

PlanInput Input() {
  PlanInput input;
  input.territory = "Shinan";
  input.day = Monday(12);
  input.time_limit_seconds = 5;
  input.max_iterations = 3000;
  input.technicians = {Tech("A", kWestHome), Tech("B", kEastHome)};
  return input;
}

std::vector<std::string> JobsOf(const DayPlan& plan, const std::string& technician) {
  std::vector<std::string> ids;
  for (const TechnicianPlan& tp : plan.technicians) {
    if (tp.technician_id != technician) continue;
    for (const PlannedVisit& v : tp.visits) ids.push_back(v.job_id);
  }
  return ids;
}

const PlannedVisit* VisitOf(const DayPlan& plan, const std::string& job_id) {
  for (const TechnicianPlan& tp : plan.technicians) {
    for (const PlannedVisit& v : tp.visits) {
      if (v.job_id == job_id) return &v;
    }
  }
  return nullptr;
}

// ------------------------------------------------------------------ PlanDay (pure)

TEST(PlanDayTest, EachTechnicianTakesTheJobsNearHomeAndAnUnknownSkillStaysUnassigned) {
  PlanInput input = Input();
  input.jobs = {Job("w1", kWest1), Job("w2", kWest2), Job("e1", kEast1), Job("e2", kEast2),
                Job("g1", kCenter, "gas")};
  absl::StatusOr<DayPlan> plan = PlanDay(input, kPolicy);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(JobsOf(*plan, "A"), UnorderedElementsAre("w1", "w2"));
  EXPECT_THAT(JobsOf(*plan, "B"), UnorderedElementsAre("e1", "e2"));
  ASSERT_THAT(plan->unassigned, SizeIs(1));
  EXPECT_EQ(plan->unassigned[0].job_id, "g1");
  EXPECT_EQ(plan->unassigned[0].change, PlanChange::kLeftUnassigned);
  EXPECT_THAT(plan->unassigned[0].reason, HasSubstr("\"gas\""));
  EXPECT_EQ(plan->changes, 4);
  // Every visit is new, an hour long (the default duration), inside the shift, no overlaps.
  for (const TechnicianPlan& tp : plan->technicians) {
    absl::Time previous_end = absl::InfinitePast();
    for (const PlannedVisit& v : tp.visits) {
      EXPECT_EQ(v.change, PlanChange::kNew);
      EXPECT_EQ(v.end - v.start, absl::Hours(1));
      EXPECT_GE(v.start, Monday(8));
      EXPECT_LE(v.end, Monday(18));
      EXPECT_GE(v.start, previous_end);
      EXPECT_THAT(v.reason, HasSubstr("Booked with " + tp.name));
      previous_end = v.end;
    }
  }
  // Home → two sites ~1 km apart → home: well under 5 km each.
  EXPECT_GT(plan->travel_km, 2.0);
  EXPECT_LT(plan->travel_km, 10.0);
  EXPECT_EQ(plan->sla_late_minutes, 0);
}

TEST(PlanDayTest, AWindowIsKeptAndAJobAlreadyWellPlacedIsUnchanged) {
  PlanInput input = Input();
  PlanJobInput booked = Job("w1", kWest1);
  booked.job.status = JobStatus::kAssigned;
  booked.job.technician_id = "A";
  booked.job.window_start = Monday(10);
  booked.job.window_end = Monday(12);
  booked.job.version = 2;
  input.jobs = {booked};
  input.bookings["A"] = {Booking{"w1", Monday(10), Monday(12), kWest1}};
  absl::StatusOr<DayPlan> plan = PlanDay(input, kPolicy);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const PlannedVisit* visit = VisitOf(*plan, "w1");
  ASSERT_NE(visit, nullptr);
  EXPECT_EQ(visit->technician_id, "A");
  EXPECT_EQ(visit->start, Monday(10));
  EXPECT_EQ(visit->end, Monday(12));
  EXPECT_EQ(visit->change, PlanChange::kUnchanged);
  EXPECT_EQ(plan->changes, 0);
}

TEST(PlanDayTest, ReplanAfterAnAbsenceGivesTheAbsentTechniciansJobsToAnotherKeepingTheWindow) {
  PlanInput input = Input();
  input.technicians[0].absences = {
      Absence{"abs-1", Monday(9), Monday(18), "sick"}};
  input.replan_from = Monday(9);
  PlanJobInput later = Job("w1", kWest1);
  later.job.status = JobStatus::kAssigned;
  later.job.technician_id = "A";
  later.job.window_start = Monday(10);
  later.job.window_end = Monday(11);
  later.job.version = 2;
  PlanJobInput started = Job("w2", kWest2);  // in progress: stays
  started.job.status = JobStatus::kInProgress;
  started.job.technician_id = "A";
  started.job.window_start = Monday(8);
  started.job.window_end = Monday(9);
  started.job.version = 3;
  input.jobs = {later, started};
  input.bookings["A"] = {Booking{"w2", Monday(8), Monday(9), kWest2},
                         Booking{"w1", Monday(10), Monday(11), kWest1}};
  absl::StatusOr<DayPlan> plan = PlanDay(input, kPolicy);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const PlannedVisit* visit = VisitOf(*plan, "w1");
  ASSERT_NE(visit, nullptr);
  EXPECT_EQ(visit->technician_id, "B");
  EXPECT_EQ(visit->change, PlanChange::kReassigned);
  EXPECT_EQ(visit->previous_technician_id, "A");
  EXPECT_EQ(visit->start, Monday(10));
  EXPECT_EQ(visit->end, Monday(11));
  EXPECT_THAT(visit->reason, HasSubstr("Tech A is absent then (sick)"));
  EXPECT_EQ(VisitOf(*plan, "w2"), nullptr);  // before the re-plan time: not touched
  EXPECT_EQ(plan->changes, 1);
}

TEST(PlanDayTest, WithNobodyFreeTheBookedJobIsTakenOffWithTheReason) {
  PlanInput input = Input();
  input.technicians = {Tech("A", kWestHome)};
  input.technicians[0].absences = {Absence{"abs-1", Monday(9), Monday(18), "sick"}};
  PlanJobInput booked = Job("w1", kWest1);
  booked.job.status = JobStatus::kAssigned;
  booked.job.technician_id = "A";
  booked.job.window_start = Monday(10);
  booked.job.window_end = Monday(11);
  input.jobs = {booked};
  input.bookings["A"] = {Booking{"w1", Monday(10), Monday(11), kWest1}};
  absl::StatusOr<DayPlan> plan = PlanDay(input, kPolicy);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_THAT(plan->unassigned, SizeIs(1));
  EXPECT_EQ(plan->unassigned[0].change, PlanChange::kUnassigned);
  EXPECT_EQ(plan->unassigned[0].previous_technician_id, "A");
  EXPECT_THAT(plan->unassigned[0].reason, HasSubstr("Tech A is absent then (sick)"));
  EXPECT_THAT(plan->unassigned[0].reason, HasSubstr("works 10:00–11:00"));
  EXPECT_EQ(plan->changes, 1);
}

TEST(PlanDayTest, WhenTheDayHoldsOneVisitTheUrgentJobGetsIt) {
  PlanInput input = Input();
  input.technicians = {Tech("A", kWestHome)};
  input.technicians[0].shifts = {WeeklyShift{.weekday = 1, .start_minute = 8 * 60,
                                             .end_minute = 9 * 60 + 30}};
  input.jobs = {Job("low", kWest1, "boiler", Priority::kLow),
                Job("urgent", kEast1, "boiler", Priority::kUrgent)};
  absl::StatusOr<DayPlan> plan = PlanDay(input, kPolicy);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(JobsOf(*plan, "A"), UnorderedElementsAre("urgent"));
  ASSERT_THAT(plan->unassigned, SizeIs(1));
  EXPECT_EQ(plan->unassigned[0].job_id, "low");
  EXPECT_THAT(plan->unassigned[0].reason, HasSubstr("the day is full"));
}

TEST(PlanDayTest, AKeyAccountsJobGoesToItsFixedTechnician) {
  PlanInput input = Input();
  PlanJobInput key = Job("w1", kWest1);
  key.fixed_technician_id = "B";  // although A lives next door
  input.jobs = {key};
  absl::StatusOr<DayPlan> plan = PlanDay(input, kPolicy);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(JobsOf(*plan, "B"), UnorderedElementsAre("w1"));
}

TEST(PlanDayTest, RefusesBadInputNamingTheField) {
  PlanInput input = Input();
  input.territory = "  ";
  EXPECT_EQ(FieldOf(PlanDay(input, kPolicy).status()), "territory");
  input = Input();
  input.time_limit_seconds = 0;
  EXPECT_EQ(FieldOf(PlanDay(input, kPolicy).status()), "time_limit_seconds");
  input.time_limit_seconds = 61;
  EXPECT_EQ(FieldOf(PlanDay(input, kPolicy).status()), "time_limit_seconds");
  input = Input();
  input.replan_from = Monday(12) + absl::Hours(24);
  EXPECT_EQ(FieldOf(PlanDay(input, kPolicy).status()), "replan_from");
  input = Input();
  input.territory = "Laoshan";
  absl::StatusOr<DayPlan> none = PlanDay(input, kPolicy);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr("Laoshan"));
}

// ------------------------------------------------------------------ through SchedulingApp

class PlanAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<SchedulingApp>(*store_, clock_, ids_);
  }

  CommandMeta Meta(const std::string& request_id) {
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = Actor{"d-1", "dispatcher"};
    meta.now = clock_.Now();
    return meta;
  }

  void MustRegister(const std::string& id, GeoPoint home) {
    auto ack = app_->RegisterTechnician(Meta("reg-" + id),
                                        RegisterTechnician{.technician_id = id,
                                                           .name = "Tech " + id,
                                                           .phone = "13800000000",
                                                           .skills = {"boiler"},
                                                           .home_base = home,
                                                           .van_location_id = "van-" + id,
                                                           .skill_levels = {3},
                                                           .territory = kShinan});
    ASSERT_TRUE(ack.ok()) << ack.status();
    auto shifts = app_->SetTechnicianShifts(
        Meta("shifts-" + id),
        SetTechnicianShifts{.technician_id = id,
                            .shifts = {WeeklyShift{.weekday = 1,
                                                   .start_minute = 8 * 60,
                                                   .end_minute = 18 * 60}}});
    ASSERT_TRUE(shifts.ok()) << shifts.status();
  }

  std::string MustOpenTicket(const std::string& ticket_id, GeoPoint site) {
    EventEnvelope e;
    e.set_event_id(UuidV7Generator().NewId(clock_.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id(ticket_id);
    e.set_aggregate_version(1);
    intake::v1::TicketOpened* opened = e.mutable_intake()->mutable_ticket_opened();
    opened->set_ticket_id(ticket_id);
    opened->mutable_customer()->set_customer_id("C-" + ticket_id);
    opened->mutable_customer()->mutable_location()->set_lat(site.lat);
    opened->mutable_customer()->mutable_location()->set_lng(site.lng);
    opened->set_category("boiler");
    Batch batch = store_->NewBatch();
    EXPECT_TRUE(app_->Apply(e, batch).ok());
    EXPECT_TRUE(store_->Commit(std::move(batch)).ok());
    return SchedulingApp::JobIdForTicket(ticket_id);
  }

  absl::StatusOr<v1::Plan> Preview(const std::string& request_id,
                                   std::optional<absl::Time> replan_from = std::nullopt) {
    return app_->PreviewPlan(Meta(request_id), PreviewPlanQuery{.territory = "Shinan",
                                                                .day = Monday(12),
                                                                .replan_from = replan_from,
                                                                .time_limit_seconds = 5,
                                                                .max_iterations = 3000});
  }

  v1::Job MustGetJob(const std::string& job_id) {
    auto job = app_->GetJob(Actor{"d-1", "dispatcher"}, job_id);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.value_or(v1::Job());
  }

  size_t PlanCount() {
    size_t n = 0;
    EXPECT_TRUE(store_->Scan("p/plan/", "", [&](std::string_view, std::string_view) {
                  ++n;
                  return true;
                }).ok());
    return n;
  }

  testing::TempDir dir_;
  FakeClock clock_{Monday(7)};
  UuidV7Generator ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<SchedulingApp> app_;
};

TEST_F(PlanAppTest, PreviewStoresThePlanAndCommitAssignsEveryJobOnce) {
  MustRegister("A", kWestHome);
  MustRegister("B", kEastHome);
  const std::string w1 = MustOpenTicket("tw1", kWest1);
  const std::string e1 = MustOpenTicket("te1", kEast1);

  absl::StatusOr<v1::Plan> plan = Preview("preview-1");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->changes(), 2);
  EXPECT_EQ(plan->day(), "2026-11-23");
  EXPECT_FALSE(plan->committed());
  // Nothing is assigned by a preview.
  EXPECT_EQ(MustGetJob(w1).state(), v1::JOB_STATE_UNASSIGNED);
  // The same request id: the same plan; GetPlan: the stored one.
  absl::StatusOr<v1::Plan> again = Preview("preview-1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->plan_id(), plan->plan_id());
  EXPECT_EQ(PlanCount(), 1u);
  absl::StatusOr<v1::Plan> stored = app_->GetPlan(plan->plan_id());
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->technicians_size(), 2);

  absl::StatusOr<v1::CommitPlanResponse> committed =
      app_->CommitPlan(Meta("commit-1"), plan->plan_id());
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(committed->jobs_changed(), 2);
  EXPECT_EQ(MustGetJob(w1).technician_id(), "A");
  EXPECT_EQ(MustGetJob(e1).technician_id(), "B");
  EXPECT_EQ(MustGetJob(w1).state(), v1::JOB_STATE_ASSIGNED);
  auto events = store_->ReadStream({"Job", w1});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  ASSERT_TRUE(events->back().scheduling().has_job_assigned());
  EXPECT_EQ(events->back().scheduling().job_assigned().reason(), "plan " + plan->plan_id());
  EXPECT_TRUE(events->back().scheduling().job_assigned().has_window_start());
  auto bookings = app_->Bookings("A");
  ASSERT_TRUE(bookings.ok());
  EXPECT_THAT(*bookings, SizeIs(1));

  // Committing again (a retry, or another dispatcher): one effect.
  absl::StatusOr<v1::CommitPlanResponse> twice =
      app_->CommitPlan(Meta("commit-2"), plan->plan_id());
  ASSERT_TRUE(twice.ok()) << twice.status();
  absl::StatusOr<v1::CommitPlanResponse> retried =
      app_->CommitPlan(Meta("commit-1"), plan->plan_id());
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(store_->ReadStream({"Job", w1})->size(), 2u);
  EXPECT_EQ(store_->ReadStream({"Job", e1})->size(), 2u);
  stored = app_->GetPlan(plan->plan_id());
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->committed());
  EXPECT_EQ(stored->committed_by(), "d-1");
}

TEST_F(PlanAppTest, AStalePlanIsRefusedNamingTheJobAndNothingIsApplied) {
  MustRegister("A", kWestHome);
  MustRegister("B", kEastHome);
  const std::string w1 = MustOpenTicket("tw1", kWest1);
  const std::string e1 = MustOpenTicket("te1", kEast1);
  absl::StatusOr<v1::Plan> plan = Preview("preview-1");
  ASSERT_TRUE(plan.ok()) << plan.status();

  // Meanwhile a dispatcher books w1 by hand.
  ASSERT_TRUE(app_->AssignJob(Meta("by-hand"), AssignJob{.job_id = w1,
                                                         .technician_id = "B",
                                                         .window_start = Monday(14),
                                                         .window_end = Monday(15)})
                  .ok());
  absl::StatusOr<v1::CommitPlanResponse> committed =
      app_->CommitPlan(Meta("commit-1"), plan->plan_id());
  EXPECT_EQ(committed.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(committed.status().message(), HasSubstr(w1));
  // Nothing applied: e1 is still unassigned, w1 is as the dispatcher left it.
  EXPECT_EQ(MustGetJob(e1).state(), v1::JOB_STATE_UNASSIGNED);
  EXPECT_EQ(MustGetJob(w1).technician_id(), "B");
  EXPECT_EQ(store_->ReadStream({"Job", e1})->size(), 1u);
  EXPECT_FALSE(app_->GetPlan(plan->plan_id())->committed());
}

TEST_F(PlanAppTest, AStalePlanIsRefusedWhenATechnicianChanged) {
  MustRegister("A", kWestHome);
  MustRegister("B", kEastHome);
  const std::string w1 = MustOpenTicket("tw1", kWest1);
  absl::StatusOr<v1::Plan> plan = Preview("preview-1");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(app_->RecordAbsence(Meta("absent"), RecordAbsence{.technician_id = "A",
                                                                .absence_id = "",
                                                                .start = Monday(9),
                                                                .end = Monday(18),
                                                                .reason = "sick"})
                  .ok());
  absl::StatusOr<v1::CommitPlanResponse> committed =
      app_->CommitPlan(Meta("commit-1"), plan->plan_id());
  EXPECT_EQ(committed.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(committed.status().message(), HasSubstr("Tech A"));
  EXPECT_EQ(MustGetJob(w1).state(), v1::JOB_STATE_UNASSIGNED);
}

TEST_F(PlanAppTest, ReplanAfterAnAbsenceMovesTheJobToTheOtherTechnician) {
  MustRegister("A", kWestHome);
  MustRegister("B", kEastHome);
  const std::string w1 = MustOpenTicket("tw1", kWest1);
  ASSERT_TRUE(app_->AssignJob(Meta("assign"), AssignJob{.job_id = w1,
                                                        .technician_id = "A",
                                                        .window_start = Monday(10),
                                                        .window_end = Monday(11)})
                  .ok());
  ASSERT_TRUE(app_->RecordAbsence(Meta("absent"), RecordAbsence{.technician_id = "A",
                                                                .absence_id = "",
                                                                .start = Monday(9),
                                                                .end = Monday(18),
                                                                .reason = "sick"})
                  .ok());
  absl::StatusOr<v1::Plan> plan = Preview("replan", Monday(9));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->changes(), 1);
  absl::StatusOr<v1::CommitPlanResponse> committed =
      app_->CommitPlan(Meta("commit"), plan->plan_id());
  ASSERT_TRUE(committed.ok()) << committed.status();
  const v1::Job job = MustGetJob(w1);
  EXPECT_EQ(job.technician_id(), "B");
  auto events = store_->ReadStream({"Job", w1});
  ASSERT_TRUE(events.ok());
  ASSERT_TRUE(events->back().scheduling().has_job_reassigned());
  EXPECT_EQ(events->back().scheduling().job_reassigned().reason(), "plan " + plan->plan_id());
  EXPECT_EQ(FromProto(events->back().scheduling().job_reassigned().window_start()), Monday(10));
  EXPECT_THAT(*app_->Bookings("A"), IsEmpty());
  EXPECT_THAT(*app_->Bookings("B"), SizeIs(1));
}

TEST_F(PlanAppTest, BadInputIsRefusedAndNothingIsWritten) {
  MustRegister("A", kWestHome);
  absl::StatusOr<v1::Plan> plan =
      app_->PreviewPlan(Meta("p"), PreviewPlanQuery{.territory = "", .day = Monday(12)});
  EXPECT_EQ(FieldOf(plan.status()), "territory");
  plan = app_->PreviewPlan(Meta("p2"), PreviewPlanQuery{.territory = "Shinan",
                                                        .day = Monday(12),
                                                        .replan_from = std::nullopt,
                                                        .time_limit_seconds = 120});
  EXPECT_EQ(FieldOf(plan.status()), "time_limit_seconds");
  EXPECT_EQ(PlanCount(), 0u);
  absl::StatusOr<v1::CommitPlanResponse> committed = app_->CommitPlan(Meta("c"), "");
  EXPECT_EQ(FieldOf(committed.status()), "plan_id");
  committed = app_->CommitPlan(Meta("c2"), "no-such-plan");
  EXPECT_EQ(committed.status().code(), absl::StatusCode::kNotFound);
}

// ------------------------------------------------------------------ over gRPC

constexpr char kSecret[] = "scheduling-plan-grpc-test-secret";

class PlanGrpcTest : public PlanAppTest {
 protected:
  void SetUp() override {
    PlanAppTest::SetUp();
    service_ = std::make_unique<SchedulingGrpcService>(*app_, verifier_, clock_);
    auto server = GrpcServer::Start("127.0.0.1:0", {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::SchedulingService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user, const std::string& role) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!role.empty()) {
      absl::StatusOr<std::string> token =
          IssueToken(kSecret, Actor{user, role}, absl::Now(), absl::Hours(1));
      EXPECT_TRUE(token.ok()) << token.status();
      context->AddMetadata("authorization", "Bearer " + token.value_or(""));
    }
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return context;
  }

  static std::string TrailerField(const grpc::ClientContext& context) {
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(kFieldTrailer);
    if (it == trailers.end()) return "";
    return std::string(it->second.data(), it->second.size());
  }

  TokenVerifier verifier_{kSecret};
  std::unique_ptr<SchedulingGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::SchedulingService::Stub> stub_;
};

TEST_F(PlanGrpcTest, RolesAndInvalidInput) {
  v1::PreviewPlanRequest preview;
  preview.set_request_id("p");
  preview.set_territory("Shinan");
  v1::Plan plan;
  auto none = As("", "");
  EXPECT_EQ(stub_->PreviewPlan(none.get(), preview, &plan).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto technician = As("T-7", "technician");
  EXPECT_EQ(stub_->PreviewPlan(technician.get(), preview, &plan).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::CommitPlanRequest commit;
  commit.set_request_id("c");
  commit.set_plan_id("x");
  v1::CommitPlanResponse committed;
  auto none2 = As("", "");
  EXPECT_EQ(stub_->CommitPlan(none2.get(), commit, &committed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto technician2 = As("T-7", "technician");
  EXPECT_EQ(stub_->CommitPlan(technician2.get(), commit, &committed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetPlanRequest get;
  get.set_plan_id("x");
  auto none3 = As("", "");
  EXPECT_EQ(stub_->GetPlan(none3.get(), get, &plan).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto technician3 = As("T-7", "technician");
  EXPECT_EQ(stub_->GetPlan(technician3.get(), get, &plan).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  preview.set_territory("");
  auto dispatcher = As("d-1", "dispatcher");
  EXPECT_EQ(stub_->PreviewPlan(dispatcher.get(), preview, &plan).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailerField(*dispatcher), "territory");
  preview.set_territory("Shinan");
  preview.set_time_limit_seconds(-1);
  auto dispatcher2 = As("d-1", "dispatcher");
  EXPECT_EQ(stub_->PreviewPlan(dispatcher2.get(), preview, &plan).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailerField(*dispatcher2), "time_limit_seconds");
  commit.set_plan_id("");
  auto dispatcher3 = As("d-1", "dispatcher");
  EXPECT_EQ(stub_->CommitPlan(dispatcher3.get(), commit, &committed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailerField(*dispatcher3), "plan_id");
  commit.set_request_id("");
  commit.set_plan_id("x");
  auto dispatcher4 = As("d-1", "dispatcher");
  EXPECT_EQ(stub_->CommitPlan(dispatcher4.get(), commit, &committed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailerField(*dispatcher4), "request_id");
}

TEST_F(PlanGrpcTest, PreviewThenCommitOverTheWire) {
  MustRegister("A", kWestHome);
  const std::string w1 = MustOpenTicket("tw1", kWest1);
  v1::PreviewPlanRequest preview;
  preview.set_request_id("p");
  preview.set_territory("shinan");  // names match ignoring case
  ToProto(Monday(12), preview.mutable_day());
  preview.set_time_limit_seconds(1);
  v1::Plan plan;
  auto dispatcher = As("d-1", "dispatcher");
  grpc::Status status = stub_->PreviewPlan(dispatcher.get(), preview, &plan);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(plan.technicians_size(), 1);
  ASSERT_EQ(plan.technicians(0).visits_size(), 1);
  EXPECT_EQ(plan.technicians(0).visits(0).change(), v1::PLAN_CHANGE_NEW);
  EXPECT_GT(plan.solve_seconds(), 0);

  v1::GetPlanRequest get;
  get.set_plan_id(plan.plan_id());
  v1::Plan fetched;
  auto dispatcher2 = As("d-1", "dispatcher");
  ASSERT_TRUE(stub_->GetPlan(dispatcher2.get(), get, &fetched).ok());
  EXPECT_EQ(fetched.plan_id(), plan.plan_id());

  v1::CommitPlanRequest commit;
  commit.set_request_id("c");
  commit.set_plan_id(plan.plan_id());
  v1::CommitPlanResponse committed;
  auto dispatcher3 = As("d-1", "dispatcher");
  status = stub_->CommitPlan(dispatcher3.get(), commit, &committed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(committed.jobs_changed(), 1);
  EXPECT_EQ(MustGetJob(w1).technician_id(), "A");
}


// Issue 7 item 2 (scheduling's part): a technician reads and changes only their own jobs. Every
// RPC a technician may call, on another technician's job → PERMISSION_DENIED with a sentence.
TEST_F(PlanGrpcTest, ATechnicianIsDeniedAnotherTechniciansJobOnEveryRpc) {
  MustRegister("A", kWestHome);
  MustRegister("B", kEastHome);
  const std::string job = MustOpenTicket("tw1", kWest1);
  ASSERT_TRUE(app_->AssignJob(Meta("assign"), AssignJob{.job_id = job,
                                                        .technician_id = "A",
                                                        .window_start = Monday(10),
                                                        .window_end = Monday(11)})
                  .ok());
  const auto denied = [&](const grpc::Status& status, const std::string& rpc) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << rpc;
    EXPECT_FALSE(status.error_message().empty()) << rpc;
  };
  common::v1::CommandAck ack;
  {
    v1::GetJobRequest request;
    request.set_job_id(job);
    v1::Job response;
    auto b = As("B", "technician");
    denied(stub_->GetJob(b.get(), request, &response), "GetJob");
  }
  {
    v1::ListJobsRequest request;
    request.set_technician_id("A");
    v1::ListJobsResponse response;
    auto b = As("B", "technician");
    denied(stub_->ListJobs(b.get(), request, &response), "ListJobs");
  }
  {
    v1::MyDayRequest request;
    request.set_technician_id("A");
    ToProto(Monday(12), request.mutable_day());
    v1::MyDayResponse response;
    auto b = As("B", "technician");
    denied(stub_->MyDay(b.get(), request, &response), "MyDay");
  }
  using UpdateRpc = grpc::Status (v1::SchedulingService::Stub::*)(
      grpc::ClientContext*, const v1::JobUpdateRequest&, common::v1::CommandAck*);
  const std::vector<std::pair<std::string, UpdateRpc>> updates = {
      {"AcceptJob", &v1::SchedulingService::Stub::AcceptJob},
      {"DeclineJob", &v1::SchedulingService::Stub::DeclineJob},
      {"MarkEnRoute", &v1::SchedulingService::Stub::MarkEnRoute},
      {"MarkArrived", &v1::SchedulingService::Stub::MarkArrived}};
  for (const auto& [name, rpc] : updates) {
    v1::JobUpdateRequest request;
    request.set_request_id("b-" + name);
    request.set_job_id(job);
    request.set_reason("not mine");
    auto b = As("B", "technician");
    denied((stub_.get()->*rpc)(b.get(), request, &ack), name);
  }
  {
    v1::StartJobRequest request;
    request.set_request_id("b-start");
    request.set_job_id(job);
    auto b = As("B", "technician");
    denied(stub_->StartJob(b.get(), request, &ack), "StartJob");
  }
  {
    v1::RescheduleJobRequest request;
    request.set_request_id("b-reschedule");
    request.set_job_id(job);
    ToProto(Monday(14), request.mutable_window_start());
    ToProto(Monday(15), request.mutable_window_end());
    request.set_reason("customer asked");
    auto b = As("B", "technician");
    denied(stub_->RescheduleJob(b.get(), request, &ack), "RescheduleJob");
  }
  // The work itself: A arrives, then B tries to report, end the visit and complete.
  {
    v1::JobUpdateRequest request;
    request.set_request_id("a-arrived");
    request.set_job_id(job);
    ToProto(Monday(10), request.mutable_device_time());
    auto a = As("A", "technician");
    ASSERT_TRUE(stub_->MarkArrived(a.get(), request, &ack).ok());
  }
  {
    v1::ReportWorkRequest request;
    request.set_request_id("b-report");
    request.set_job_id(job);
    request.set_solution("replaced the valve");
    auto b = As("B", "technician");
    denied(stub_->ReportWork(b.get(), request, &ack), "ReportWork");
  }
  {
    v1::EndVisitRequest request;
    request.set_request_id("b-end");
    request.set_job_id(job);
    request.set_reason("needs another visit");
    auto b = As("B", "technician");
    denied(stub_->EndVisit(b.get(), request, &ack), "EndVisit");
  }
  {
    v1::CompleteJobRequest request;
    request.set_request_id("b-complete");
    request.set_job_id(job);
    auto b = As("B", "technician");
    denied(stub_->CompleteJob(b.get(), request, &ack), "CompleteJob");
  }
  {
    // The board carries every technician's jobs: technicians may not watch it.
    auto b = As("B", "technician");
    auto reader = stub_->WatchBoard(b.get(), {});
    v1::BoardUpdate update;
    EXPECT_FALSE(reader->Read(&update));
    denied(reader->Finish(), "WatchBoard");
  }
  // And A still sees their own job.
  v1::GetJobRequest request;
  request.set_job_id(job);
  v1::Job own;
  auto a = As("A", "technician");
  EXPECT_TRUE(stub_->GetJob(a.get(), request, &own).ok());
  EXPECT_EQ(own.state(), v1::JOB_STATE_IN_PROGRESS);
}

}  // namespace
}  // namespace fieldline::scheduling
