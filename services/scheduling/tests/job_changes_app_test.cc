// Issue 4, third round, through SchedulingApp on a real EventStore (and over gRPC in-process):
// the ticket's SLA deadlines on the job and in recommendations, the ticket cancelled or resolved
// remotely → the job cancelled (re-delivery: one effect), refused phone updates on a cancelled
// job recorded as sync conflicts, ChangeJobDuration, RecordCustomerCall, and the dispatch policy
// from YAML (policy_loader) with key-naming errors.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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
#include "services/scheduling/app/policy_loader.h"
#include "services/scheduling/app/scheduling_app.h"

namespace fieldline::scheduling {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kSecret[] = "scheduling-job-changes-test-secret";
const DispatchPolicy kPolicy;
absl::Time Monday(int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, hour, minute, 0), kPolicy.time_zone);
}
const Actor kDispatcher{"d-1", "dispatcher"};
const Actor kT7{"T-7", "technician"};
const Actor kT8{"T-8", "technician"};

class JobChangesAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<SchedulingApp>(*store_, clock_, ids_, policy_);
  }

  CommandMeta Meta(const std::string& request_id, Actor actor = kDispatcher) {
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = std::move(actor);
    meta.now = clock_.Now();
    return meta;
  }

  void MustRegister(const std::string& id) {
    auto ack = app_->RegisterTechnician(Meta("reg-" + id),
                                        RegisterTechnician{.technician_id = id,
                                                           .name = "Tech " + id,
                                                           .phone = "13800000000",
                                                           .skills = {"boiler"},
                                                           .home_base = {36.06, 120.36},
                                                           .van_location_id = "van-" + id,
                                                           .skill_levels = {3},
                                                           .territory = {}});
    ASSERT_TRUE(ack.ok()) << ack.status();
  }

  // An intake event as intake's relay publishes it.
  EventEnvelope IntakeEvent(const std::string& ticket_id, int version) {
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id(ticket_id);
    e.set_aggregate_version(version);
    e.set_correlation_id("corr-" + ticket_id);
    e.mutable_actor()->set_user_id("clerk-1");
    e.mutable_actor()->set_role("intake");
    return e;
  }

  std::string MustOpenTicket(const std::string& ticket_id,
                             std::optional<absl::Time> onsite_due = std::nullopt,
                             std::optional<absl::Time> resolution_due = std::nullopt) {
    EventEnvelope e = IntakeEvent(ticket_id, 1);
    intake::v1::TicketOpened* opened = e.mutable_intake()->mutable_ticket_opened();
    opened->set_ticket_id(ticket_id);
    opened->mutable_customer()->set_customer_id("C-1");
    opened->mutable_customer()->mutable_location()->set_lat(36.07);
    opened->mutable_customer()->mutable_location()->set_lng(120.38);
    opened->set_category("boiler");
    if (onsite_due) ToProto(*onsite_due, opened->mutable_onsite_due());
    if (resolution_due) ToProto(*resolution_due, opened->mutable_resolution_due());
    EXPECT_TRUE(ApplyEvent(e).ok());
    return SchedulingApp::JobIdForTicket(ticket_id);
  }

  absl::Status ApplyEvent(const EventEnvelope& e) {
    Batch batch = store_->NewBatch();
    if (absl::Status s = app_->Apply(e, batch); !s.ok()) return s;
    return store_->Commit(std::move(batch));
  }

  EventEnvelope Cancelled(const std::string& ticket_id, const std::string& reason) {
    EventEnvelope e = IntakeEvent(ticket_id, 2);
    e.mutable_intake()->mutable_ticket_cancelled()->set_ticket_id(ticket_id);
    e.mutable_intake()->mutable_ticket_cancelled()->set_reason(reason);
    return e;
  }

  EventEnvelope ResolvedRemotely(const std::string& ticket_id) {
    EventEnvelope e = IntakeEvent(ticket_id, 2);
    e.mutable_intake()->mutable_ticket_resolved_remotely()->set_ticket_id(ticket_id);
    e.mutable_intake()->mutable_ticket_resolved_remotely()->set_resolution("reset by phone");
    return e;
  }

  absl::StatusOr<common::v1::CommandAck> Assign(const std::string& job, const std::string& tech,
                                                absl::Time start = Monday(9),
                                                absl::Time end = Monday(10)) {
    return app_->AssignJob(Meta("assign-" + job + tech),
                           AssignJob{.job_id = job,
                                     .technician_id = tech,
                                     .window_start = start,
                                     .window_end = end});
  }

  size_t StreamSize(const std::string& job_id) {
    auto events = store_->ReadStream({"Job", job_id});
    EXPECT_TRUE(events.ok());
    return events.ok() ? events->size() : 0;
  }

  std::vector<std::pair<std::string, absl::Time>> BookingEnds(const std::string& technician) {
    std::vector<std::pair<std::string, absl::Time>> out;
    auto bookings = app_->Bookings(technician);
    EXPECT_TRUE(bookings.ok());
    for (const Booking& b : bookings.value_or(std::vector<Booking>{})) {
      out.emplace_back(b.job_id, b.end);
    }
    return out;
  }

  v1::Job MustGetJob(const std::string& job_id) {
    auto job = app_->GetJob(kDispatcher, job_id);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.value_or(v1::Job{});
  }

  testing::TempDir dir_;
  FakeClock clock_{Monday(7)};
  UuidV7Generator ids_;
  DispatchPolicy policy_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<SchedulingApp> app_;
};

// ------------------------------------------------------------------ SLA from the ticket

TEST_F(JobChangesAppTest, TheJobShowsTheTicketsDeadlinesAndTheEstimatedDuration) {
  const std::string job = MustOpenTicket("TK-1", Monday(15), Monday(23));
  const v1::Job shown = MustGetJob(job);
  EXPECT_EQ(FromProto(shown.onsite_due()), Monday(15));
  EXPECT_EQ(FromProto(shown.resolution_due()), Monday(23));
  EXPECT_EQ(shown.duration_minutes(), 60);
}

TEST_F(JobChangesAppTest, WithoutTicketDeadlinesOnSiteFallsBackToCreationPlus24Hours) {
  const std::string job = MustOpenTicket("TK-1");
  const v1::Job shown = MustGetJob(job);
  EXPECT_EQ(FromProto(shown.onsite_due()), Monday(7) + absl::Hours(24));
  EXPECT_FALSE(shown.has_resolution_due());
}

TEST_F(JobChangesAppTest, RecommendationSlackIsMeasuredAgainstTheTicketsDeadline) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1", Monday(12));
  auto ranked = app_->RecommendTechnicians(
      {.job_id = job, .window_start = Monday(9), .window_end = Monday(10), .limit = 0});
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  ASSERT_THAT(ranked->recommendations(), SizeIs(1));
  EXPECT_EQ(ranked->recommendations(0).sla_slack_minutes(), 180);  // 09:00 → 12:00
}

TEST_F(JobChangesAppTest, TheCategoryDurationComesFromThePolicy) {
  policy_.category_durations["boiler"] = absl::Minutes(90);
  app_ = std::make_unique<SchedulingApp>(*store_, clock_, ids_, policy_);
  EXPECT_EQ(MustGetJob(MustOpenTicket("TK-1")).duration_minutes(), 90);
}

// ------------------------------------------------------------------ cancelled tickets

TEST_F(JobChangesAppTest, TicketCancelledCancelsTheJobAndFreesTheBookingOnce) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign(job, "T-7").ok());
  ASSERT_THAT(BookingEnds("T-7"), SizeIs(1));
  const EventEnvelope cancel = Cancelled("TK-1", "customer repaired it");
  ASSERT_TRUE(ApplyEvent(cancel).ok());
  ASSERT_TRUE(ApplyEvent(cancel).ok());  // re-delivered past the inbox
  EXPECT_EQ(StreamSize(job), 3u);        // created, assigned, cancelled
  const v1::Job shown = MustGetJob(job);
  EXPECT_EQ(shown.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_THAT(shown.last_reason(), HasSubstr("customer repaired it"));
  EXPECT_THAT(BookingEnds("T-7"), IsEmpty());
  auto events = store_->ReadStream({"Job", job});
  ASSERT_TRUE(events.ok());
  const EventEnvelope& last = events->back();
  EXPECT_EQ(last.causation_id(), cancel.event_id());
  EXPECT_EQ(last.event_id(), DeriveId(cancel.event_id(), "scheduling/1"));
  EXPECT_EQ(last.correlation_id(), "corr-TK-1");
  EXPECT_EQ(last.scheduling().job_cancelled().technician_id(), "T-7");
  // The freed slot can be booked again.
  const std::string other = MustOpenTicket("TK-2");
  EXPECT_TRUE(Assign(other, "T-7").ok());
}

TEST_F(JobChangesAppTest, UnassignedAndInProgressJobsAreCancelledCompletedOnesAreNot) {
  MustRegister("T-7");
  const std::string queued = MustOpenTicket("TK-1");
  const std::string working = MustOpenTicket("TK-2");
  const std::string done = MustOpenTicket("TK-3");
  ASSERT_TRUE(Assign(working, "T-7", Monday(9), Monday(10)).ok());
  ASSERT_TRUE(Assign(done, "T-7", Monday(11), Monday(12)).ok());
  ASSERT_TRUE(app_->MarkArrived(Meta("arr-w", kT7), working).ok());
  ASSERT_TRUE(app_->MarkArrived(Meta("arr-d", kT7), done).ok());
  ASSERT_TRUE(app_->CompleteJob(Meta("c-d", kT7), {.job_id = done, .resolution = "fixed"}).ok());
  for (const char* ticket : {"TK-1", "TK-2", "TK-3"}) {
    ASSERT_TRUE(ApplyEvent(Cancelled(ticket, "withdrawn")).ok());
  }
  EXPECT_EQ(MustGetJob(queued).state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(MustGetJob(working).state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(MustGetJob(done).state(), v1::JOB_STATE_COMPLETED);
  EXPECT_THAT(BookingEnds("T-7"), IsEmpty());
}

TEST_F(JobChangesAppTest, ResolvedRemotelyCancelsAJobNotYetVisited) {
  MustRegister("T-7");
  const std::string before = MustOpenTicket("TK-1");
  const std::string on_site = MustOpenTicket("TK-2");
  ASSERT_TRUE(Assign(before, "T-7", Monday(9), Monday(10)).ok());
  ASSERT_TRUE(Assign(on_site, "T-7", Monday(11), Monday(12)).ok());
  ASSERT_TRUE(app_->MarkArrived(Meta("arr", kT7), on_site).ok());
  const EventEnvelope remote = ResolvedRemotely("TK-1");
  ASSERT_TRUE(ApplyEvent(remote).ok());
  ASSERT_TRUE(ApplyEvent(remote).ok());
  ASSERT_TRUE(ApplyEvent(ResolvedRemotely("TK-2")).ok());
  const v1::Job cancelled = MustGetJob(before);
  EXPECT_EQ(cancelled.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_THAT(cancelled.last_reason(), HasSubstr("resolved remotely"));
  EXPECT_EQ(StreamSize(before), 3u);
  EXPECT_EQ(MustGetJob(on_site).state(), v1::JOB_STATE_IN_PROGRESS);
}

TEST_F(JobChangesAppTest, PhoneUpdatesOnACancelledJobAreRefusedAndShownAsConflicts) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign(job, "T-7").ok());
  ASSERT_TRUE(ApplyEvent(Cancelled("TK-1", "customer withdrew")).ok());
  CommandMeta offline = Meta("phone-42", kT7);
  offline.device_time = Monday(8, 55);
  auto arrived = app_->MarkArrived(offline, job);
  ASSERT_FALSE(arrived.ok());
  EXPECT_EQ(arrived.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(arrived.status().message()), HasSubstr("customer withdrew"));
  ASSERT_FALSE(app_->MarkArrived(offline, job).ok());  // replayed: one conflict
  auto conflicts = app_->ListSyncConflicts({});
  ASSERT_TRUE(conflicts.ok());
  ASSERT_THAT(conflicts->conflicts(), SizeIs(1));
  EXPECT_EQ(conflicts->conflicts(0).job_id(), job);
  EXPECT_EQ(conflicts->conflicts(0).update(), "arrived");
  EXPECT_THAT(conflicts->conflicts(0).reason(), HasSubstr("was cancelled"));
  EXPECT_EQ(FromProto(conflicts->conflicts(0).device_time()), Monday(8, 55));
  EXPECT_EQ(StreamSize(job), 3u);
}

// ------------------------------------------------------------------ ChangeJobDuration

TEST_F(JobChangesAppTest, ChangingTheDurationMovesTheBookingsEndOnce) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign(job, "T-7", Monday(9), Monday(10)).ok());
  const ChangeJobDuration change{.job_id = job, .duration_minutes = 150, .reason = "two units"};
  auto first = app_->ChangeJobDuration(Meta("dur-1"), change);
  auto again = app_->ChangeJobDuration(Meta("dur-1"), change);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(first->version(), again->version());
  EXPECT_EQ(StreamSize(job), 3u);
  EXPECT_THAT(BookingEnds("T-7"), ElementsAre(std::pair{job, Monday(11, 30)}));
  const v1::Job shown = MustGetJob(job);
  EXPECT_EQ(shown.duration_minutes(), 150);
  EXPECT_EQ(FromProto(shown.window_end()), Monday(11, 30));
}

TEST_F(JobChangesAppTest, ADurationRunningIntoTheNextBookingIsRefusedNamingIt) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  const std::string next = MustOpenTicket("TK-2");
  ASSERT_TRUE(Assign(job, "T-7", Monday(9), Monday(10)).ok());
  ASSERT_TRUE(Assign(next, "T-7", Monday(11), Monday(12)).ok());
  auto refused = app_->ChangeJobDuration(
      Meta("dur"), {.job_id = job, .duration_minutes = 150, .reason = "two units"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr(next));
  EXPECT_EQ(StreamSize(job), 2u);
  EXPECT_THAT(BookingEnds("T-7"),
              ElementsAre(std::pair{job, Monday(10)}, std::pair{next, Monday(12)}));
}

TEST_F(JobChangesAppTest, ADurationCollidingWithAHelpersNextBookingIsRefused) {
  MustRegister("T-7");
  MustRegister("T-8");
  const std::string job = MustOpenTicket("TK-1");
  const std::string helpers_next = MustOpenTicket("TK-2");
  ASSERT_TRUE(Assign(job, "T-7", Monday(9), Monday(10)).ok());
  ASSERT_TRUE(app_->AddHelper(Meta("help"), {.job_id = job, .helper_id = "T-8"}).ok());
  ASSERT_TRUE(Assign(helpers_next, "T-8", Monday(10, 30), Monday(11, 30)).ok());
  auto refused = app_->ChangeJobDuration(
      Meta("dur"), {.job_id = job, .duration_minutes = 120, .reason = "bigger job"});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("The helper"));
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr(helpers_next));
}

TEST_F(JobChangesAppTest, ABadDurationWritesNothing) {
  const std::string job = MustOpenTicket("TK-1");
  auto refused =
      app_->ChangeJobDuration(Meta("dur"), {.job_id = job, .duration_minutes = 0, .reason = "x"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(FieldOf(refused.status()), "duration_minutes");
  EXPECT_EQ(StreamSize(job), 1u);
}

// ------------------------------------------------------------------ RecordCustomerCall

TEST_F(JobChangesAppTest, AnAgreedCallReschedulesTheBookingAndTheJobShowsTheCall) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign(job, "T-7", Monday(9), Monday(10)).ok());
  CommandMeta meta = Meta("call-1", kT7);
  meta.device_time = Monday(7, 30);
  const RecordCustomerCall call{.job_id = job,
                                .outcome = "agreed",
                                .agreed_window_start = Monday(14),
                                .agreed_window_end = Monday(15),
                                .note = "after lunch"};
  auto first = app_->RecordCustomerCall(meta, call);
  auto again = app_->RecordCustomerCall(meta, call);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(StreamSize(job), 4u);  // created, assigned, called, rescheduled
  EXPECT_THAT(BookingEnds("T-7"), ElementsAre(std::pair{job, Monday(15)}));
  const v1::Job shown = MustGetJob(job);
  EXPECT_EQ(FromProto(shown.window_start()), Monday(14));
  ASSERT_THAT(shown.calls(), SizeIs(1));
  EXPECT_EQ(shown.calls(0).outcome(), "agreed");
  EXPECT_EQ(shown.calls(0).called_by(), "T-7");
  EXPECT_EQ(FromProto(shown.calls(0).called_at()), Monday(7, 30));
  EXPECT_EQ(shown.calls(0).note(), "after lunch");
}

TEST_F(JobChangesAppTest, AnotherTechniciansCallIsRefusedAndRecordedAsAConflict) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign(job, "T-7").ok());
  auto refused = app_->RecordCustomerCall(Meta("call-x", kT8),
                                          {.job_id = job, .outcome = "no_answer"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  auto conflicts = app_->ListSyncConflicts({});
  ASSERT_TRUE(conflicts.ok());
  ASSERT_THAT(conflicts->conflicts(), SizeIs(1));
  EXPECT_EQ(conflicts->conflicts(0).update(), "customer call");
  EXPECT_EQ(StreamSize(job), 2u);
}

TEST_F(JobChangesAppTest, AnAgreedWindowThatCollidesIsRefusedAndNothingIsWritten) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  const std::string busy = MustOpenTicket("TK-2");
  ASSERT_TRUE(Assign(job, "T-7", Monday(9), Monday(10)).ok());
  ASSERT_TRUE(Assign(busy, "T-7", Monday(14), Monday(15)).ok());
  auto refused = app_->RecordCustomerCall(Meta("call", kT7),
                                          {.job_id = job,
                                           .outcome = "agreed",
                                           .agreed_window_start = Monday(14, 30),
                                           .agreed_window_end = Monday(15, 30)});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr(busy));
  EXPECT_EQ(StreamSize(job), 2u);
  auto bad = app_->RecordCustomerCall(Meta("call-bad", kT7), {.job_id = job, .outcome = "maybe"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(FieldOf(bad.status()), "outcome");
  EXPECT_EQ(StreamSize(job), 2u);
}

// ------------------------------------------------------------------ the policy file

TEST(DispatchPolicyLoaderTest, NoFileOrAnEmptyFileGivesTheDefaults) {
  auto none = LoadDispatchPolicy("");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->travel_speed_kmh, 30);
  EXPECT_EQ(none->early_arrival_tolerance, absl::Minutes(5));
  EXPECT_THAT(none->checklist, SizeIs(5));
  auto empty = ParseDispatchPolicy("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->fee_schedule, DispatchPolicy{}.fee_schedule);
}

TEST(DispatchPolicyLoaderTest, TheExampleFileLoads) {
  auto policy = LoadDispatchPolicy(FIELDLINE_SCHEDULING_POLICY_EXAMPLE);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->travel_speed_kmh, 30);
  EXPECT_EQ(policy->checklist, DispatchPolicy{}.checklist);
  EXPECT_EQ(policy->fee_schedule, DispatchPolicy{}.fee_schedule);
  EXPECT_EQ(JobDuration("Air-Conditioner", *policy), absl::Minutes(90));
  EXPECT_EQ(JobDuration("boiler", *policy), absl::Minutes(60));
  EXPECT_EQ(absl::ToCivilHour(Monday(9), policy->time_zone), absl::CivilHour(2026, 11, 23, 9));
}

TEST(DispatchPolicyLoaderTest, EveryKeyIsRead) {
  auto policy = ParseDispatchPolicy(R"(
time_zone: UTC
travel_speed_kmh: 45.5
on_time_early_minutes: 10
sla_on_site_hours: 8
checklist: [greet, clean up]
fee_schedule: {inspection: 5000, night-call: 12000}
job_durations: {default_minutes: 40, categories: {Boiler: 120}}
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->travel_speed_kmh, 45.5);
  EXPECT_EQ(policy->early_arrival_tolerance, absl::Minutes(10));
  EXPECT_EQ(policy->sla_on_site, absl::Hours(8));
  EXPECT_THAT(policy->checklist, ElementsAre("greet", "clean up"));
  EXPECT_EQ(policy->fee_schedule.at("night-call"), 12000);
  EXPECT_EQ(policy->fee_schedule.count("repair-labour"), 0u);
  EXPECT_EQ(policy->default_job_duration, absl::Minutes(40));
  EXPECT_EQ(JobDuration("boiler", *policy), absl::Minutes(120));
  EXPECT_EQ(absl::ToCivilHour(absl::FromUnixSeconds(0), policy->time_zone),
            absl::CivilHour(1970, 1, 1, 0));
}

TEST(DispatchPolicyLoaderTest, BadKeysAndValuesAreRefusedNamingTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"travel_speed: 30", "travel_speed"},
      {"job_durations: {default: 60}", "job_durations.default"},
      {"travel_speed_kmh: -3", "travel_speed_kmh"},
      {"travel_speed_kmh: fast", "travel_speed_kmh"},
      {"on_time_early_minutes: -1", "on_time_early_minutes"},
      {"sla_on_site_hours: 0", "sla_on_site_hours"},
      {"time_zone: Mars/Olympus", "time_zone"},
      {"checklist: []", "checklist"},
      {"checklist: [greet, '  ']", "checklist[1]"},
      {"checklist: [greet, greet]", "checklist[1]"},
      {"fee_schedule: {inspection: -1}", "fee_schedule.inspection"},
      {"job_durations: {categories: {boiler: 0}}", "job_durations.categories.boiler"},
      {"job_durations: {categories: [boiler]}", "job_durations.categories"},
      {"[1, 2]", "policy"},
      {"travel_speed_kmh: [", "policy"},
  };
  for (const auto& [yaml, key] : cases) {
    auto policy = ParseDispatchPolicy(yaml);
    ASSERT_FALSE(policy.ok()) << yaml;
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument) << yaml;
    EXPECT_EQ(FieldOf(policy.status()), key) << yaml << ": " << policy.status();
  }
  auto missing = LoadDispatchPolicy("/nonexistent/policy.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(FieldOf(missing.status()), "policy_file");
}

TEST_F(JobChangesAppTest, TheLoadedChecklistAndFeesAreWhatReportWorkAccepts) {
  auto policy = ParseDispatchPolicy("checklist: [greet]\nfee_schedule: {night-call: 12000}\n");
  ASSERT_TRUE(policy.ok()) << policy.status();
  policy_ = *policy;
  app_ = std::make_unique<SchedulingApp>(*store_, clock_, ids_, policy_);
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign(job, "T-7").ok());
  ASSERT_TRUE(app_->MarkArrived(Meta("arr", kT7), job).ok());
  auto old_item = app_->ReportWork(
      Meta("r1", kT7), {.job_id = job, .report = {.checklist_done = {"shoe covers"}}});
  ASSERT_FALSE(old_item.ok());
  EXPECT_EQ(FieldOf(old_item.status()), "checklist_done[0]");
  auto ok = app_->ReportWork(Meta("r2", kT7),
                             {.job_id = job,
                              .report = {.checklist_done = {"greet"}, .fee_item = "night-call"}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(MustGetJob(job).work_report().fee_minor(), 12000);
}

// ------------------------------------------------------------------ over gRPC

class JobChangesGrpcTest : public JobChangesAppTest {
 protected:
  void SetUp() override {
    JobChangesAppTest::SetUp();
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
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
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

TEST_F(JobChangesGrpcTest, ChangeJobDurationChecksTokenRoleAndInput) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign(job, "T-7").ok());
  v1::ChangeJobDurationRequest request;
  request.set_request_id("d-1");
  request.set_job_id(job);
  request.set_duration_minutes(90);
  request.set_reason("second unit");
  common::v1::CommandAck ack;
  auto anonymous = As("", "");
  EXPECT_EQ(stub_->ChangeJobDuration(anonymous.get(), request, &ack).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto technician = As("T-7", "technician");
  EXPECT_EQ(stub_->ChangeJobDuration(technician.get(), request, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ChangeJobDurationRequest bad = request;
  bad.set_duration_minutes(-5);
  auto dispatcher = As("d-1", "dispatcher");
  EXPECT_EQ(stub_->ChangeJobDuration(dispatcher.get(), bad, &ack).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailerField(*dispatcher), "duration_minutes");
  auto ok = As("d-1", "dispatcher");
  grpc::Status status = stub_->ChangeJobDuration(ok.get(), request, &ack);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(MustGetJob(job).duration_minutes(), 90);
}

TEST_F(JobChangesGrpcTest, RecordCustomerCallChecksTokenRoleAndInputAndKeepsDeviceTime) {
  MustRegister("T-7");
  const std::string job = MustOpenTicket("TK-1");
  ASSERT_TRUE(Assign(job, "T-7").ok());
  v1::RecordCustomerCallRequest request;
  request.set_request_id("call-1");
  request.set_job_id(job);
  request.set_outcome("no_answer");
  request.set_note("voicemail");
  ToProto(Monday(7, 45), request.mutable_device_time());
  common::v1::CommandAck ack;
  auto anonymous = As("", "");
  EXPECT_EQ(stub_->RecordCustomerCall(anonymous.get(), request, &ack).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto clerk = As("w-1", "warehouse");
  EXPECT_EQ(stub_->RecordCustomerCall(clerk.get(), request, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::RecordCustomerCallRequest bad = request;
  bad.set_outcome("agreed");  // without the window
  auto technician = As("T-7", "technician");
  EXPECT_EQ(stub_->RecordCustomerCall(technician.get(), bad, &ack).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailerField(*technician), "agreed_window_start");
  auto ok = As("T-7", "technician");
  grpc::Status status = stub_->RecordCustomerCall(ok.get(), request, &ack);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::Job shown = MustGetJob(job);
  ASSERT_THAT(shown.calls(), SizeIs(1));
  EXPECT_EQ(FromProto(shown.calls(0).called_at()), Monday(7, 45));
  EXPECT_EQ(shown.calls(0).outcome(), "no_answer");
}

}  // namespace
}  // namespace fieldline::scheduling
