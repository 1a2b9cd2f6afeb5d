// SchedulingApp against a real EventStore in a temp dir: commands, idempotency, conflicts,
// rejected input writing nothing, reactions to intake's events, queries and restarts.

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/scheduling/adapters/event_codec.h"
#include "services/scheduling/app/scheduling_app.h"

namespace fieldline::scheduling {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
const Actor kDispatcher{"d-1", "dispatcher"};

class SchedulingAppTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<SchedulingApp>(*store_, clock_, ids_);
  }

  void Reopen() {
    app_.reset();
    store_.reset();
    Open();
  }

  CommandMeta Meta(const std::string& request_id, Actor actor = kDispatcher) {
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = std::move(actor);
    meta.now = clock_.Now();
    return meta;
  }

  static RegisterTechnician Technician(const std::string& id,
                                       std::vector<std::string> skills = {"boiler"}) {
    return RegisterTechnician{.technician_id = id,
                              .name = "Li Wei " + id,
                              .phone = "+86 138 0000 0000",
                              .skills = std::move(skills),
                              .home_base = {31.2, 121.5},
                              .van_location_id = "van-" + id};
  }

  common::v1::CommandAck MustRegister(const std::string& id,
                                      std::vector<std::string> skills = {"boiler"}) {
    auto ack = app_->RegisterTechnician(Meta("reg-" + id), Technician(id, std::move(skills)));
    EXPECT_TRUE(ack.ok()) << ack.status();
    return ack.ok() ? *ack : common::v1::CommandAck{};
  }

  // An envelope as intake publishes it when a ticket is opened.
  EventEnvelope TicketOpenedEnvelope(const std::string& ticket_id,
                                     const std::string& category = "boiler") {
    EventEnvelope e;
    e.set_event_id(UuidV7Generator().NewId(clock_.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id(ticket_id);
    e.set_aggregate_version(1);
    ToProto(clock_.Now(), e.mutable_server_time());
    e.mutable_actor()->set_user_id("agent-1");
    e.mutable_actor()->set_role("intake");
    e.set_request_id("open-" + ticket_id);
    e.set_correlation_id("corr-" + ticket_id);
    intake::v1::TicketOpened* opened = e.mutable_intake()->mutable_ticket_opened();
    opened->set_ticket_id(ticket_id);
    opened->mutable_customer()->set_customer_id("C-1");
    opened->mutable_customer()->set_name("Wang Fang");
    opened->mutable_customer()->set_phone("13900000000");
    opened->mutable_customer()->set_address("1 Nanjing Rd");
    opened->mutable_customer()->mutable_location()->set_lat(31.23);
    opened->mutable_customer()->mutable_location()->set_lng(121.47);
    opened->set_category(category);
    opened->set_symptom("No hot water");
    opened->set_priority(common::v1::PRIORITY_HIGH);
    opened->set_channel("phone");
    common::v1::PartLine* part = opened->add_parts_needed();
    part->set_sku("SKU-1");
    part->set_quantity(2);
    return e;
  }

  // Applies an event the way the consumer does: one batch, handler, commit.
  absl::Status ApplyEvent(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    if (absl::Status s = app_->Apply(event, batch); !s.ok()) return s;
    return store_->Commit(std::move(batch));
  }

  std::string MustOpenTicket(const std::string& ticket_id, const std::string& category = "boiler") {
    EXPECT_TRUE(ApplyEvent(TicketOpenedEnvelope(ticket_id, category)).ok());
    return SchedulingApp::JobIdForTicket(ticket_id);
  }

  std::vector<EventEnvelope> Stream(const std::string& type, const std::string& id) {
    auto events = store_->ReadStream({type, id});
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<EventEnvelope>{};
  }

  v1::Job MustGetJob(const std::string& job_id) {
    auto job = app_->GetJob(kDispatcher, job_id);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? *job : v1::Job{};
  }

  // A job assigned to T-7 and started, ready to complete.
  std::string JobInProgress() {
    MustRegister("T-7");
    const std::string job_id = MustOpenTicket("TK-1");
    EXPECT_TRUE(app_->AssignJob(Meta("assign"), {.job_id = job_id, .technician_id = "T-7"}).ok());
    EXPECT_TRUE(app_->StartJob(Meta("start", {"T-7", "technician"}), {.job_id = job_id}).ok());
    return job_id;
  }

  testing::TempDir dir_;
  FakeClock clock_{kStart};
  UuidV7Generator ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<SchedulingApp> app_;
};

// ------------------------------------------------------------------ technicians

TEST_F(SchedulingAppTest, RegisterTechnicianWritesEventAndProjection) {
  auto ack = app_->RegisterTechnician(Meta("r1"), Technician("T-7", {"boiler", "aircon"}));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->aggregate_id(), "T-7");
  EXPECT_EQ(ack->version(), 1);

  std::vector<EventEnvelope> stream = Stream("Technician", "T-7");
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(stream[0].aggregate_version(), 1);
  EXPECT_EQ(stream[0].request_id(), "r1");
  EXPECT_EQ(stream[0].actor().user_id(), "d-1");
  ASSERT_TRUE(stream[0].scheduling().has_technician_registered());
  EXPECT_EQ(stream[0].scheduling().technician_registered().van_location_id(), "van-T-7");

  auto technician = app_->GetTechnician("T-7");
  ASSERT_TRUE(technician.ok()) << technician.status();
  EXPECT_EQ(technician->name(), "Li Wei T-7");
  EXPECT_THAT(technician->skills(), ElementsAre("boiler", "aircon"));
  EXPECT_EQ(technician->version(), 1);
  EXPECT_DOUBLE_EQ(technician->home_base().lat(), 31.2);
}

TEST_F(SchedulingAppTest, TechnicianWithoutIdGetsAUuid) {
  auto ack = app_->RegisterTechnician(Meta("r1"), Technician(""));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_TRUE(LooksLikeUuid(ack->aggregate_id())) << ack->aggregate_id();
  EXPECT_TRUE(app_->GetTechnician(ack->aggregate_id()).ok());
}

TEST_F(SchedulingAppTest, SameRequestTwiceReturnsSameAckAndWritesOnce) {
  auto first = app_->RegisterTechnician(Meta("r1"), Technician(""));
  auto second = app_->RegisterTechnician(Meta("r1"), Technician(""));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->aggregate_id(), second->aggregate_id());
  EXPECT_EQ(first->version(), second->version());
  EXPECT_EQ(Stream("Technician", first->aggregate_id()).size(), 1u);
  auto all = app_->ListTechnicians({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->technicians_size(), 1);
}

TEST_F(SchedulingAppTest, RegisteringAnExistingIdIsAlreadyExistsAndChangesNothing) {
  MustRegister("T-7");
  RegisterTechnician again = Technician("T-7");
  again.name = "Someone Else";
  auto ack = app_->RegisterTechnician(Meta("r2"), again);
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(ack.status()), "technician_id");
  EXPECT_EQ(Stream("Technician", "T-7").size(), 1u);
  EXPECT_EQ(app_->GetTechnician("T-7")->name(), "Li Wei T-7");
}

TEST_F(SchedulingAppTest, InvalidTechnicianWritesNothing) {
  RegisterTechnician bad = Technician("T-7");
  bad.phone = "12ab";
  auto ack = app_->RegisterTechnician(Meta("r1"), bad);
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(ack.status()), "phone");
  EXPECT_THAT(Stream("Technician", "T-7"), IsEmpty());
  EXPECT_EQ(app_->GetTechnician("T-7").status().code(), absl::StatusCode::kNotFound);
  // The request id was not used up: the corrected request goes through.
  EXPECT_TRUE(app_->RegisterTechnician(Meta("r1"), Technician("T-7")).ok());
}

TEST_F(SchedulingAppTest, EmptyRequestIdIsRejected) {
  auto ack = app_->RegisterTechnician(Meta(""), Technician("T-7"));
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(ack.status()), "request_id");
  EXPECT_THAT(Stream("Technician", "T-7"), IsEmpty());
}

TEST_F(SchedulingAppTest, UnknownTechnicianIsNotFound) {
  auto technician = app_->GetTechnician("nobody");
  EXPECT_EQ(technician.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(technician.status()), "technician_id");
}

TEST_F(SchedulingAppTest, TechniciansArePagedInIdOrder) {
  for (const char* id : {"T-3", "T-1", "T-5", "T-2", "T-4"}) MustRegister(id);
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = app_->ListTechnicians({.page_size = 2, .page_token = token});
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& t : page->technicians()) seen.push_back(t.technician_id());
    token = page->next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_THAT(seen, ElementsAre("T-1", "T-2", "T-3", "T-4", "T-5"));
  EXPECT_EQ(pages, 3);
}

TEST_F(SchedulingAppTest, NegativePageSizeIsRejected) {
  auto page = app_->ListTechnicians({.page_size = -1});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(page.status()), "page_size");
}

// ------------------------------------------------------------------ reactions

TEST_F(SchedulingAppTest, TicketOpenedCreatesAnUnassignedJob) {
  const EventEnvelope source = TicketOpenedEnvelope("TK-1");
  ASSERT_TRUE(ApplyEvent(source).ok());
  const std::string job_id = SchedulingApp::JobIdForTicket("TK-1");
  EXPECT_EQ(job_id, DeriveId("TK-1", "job"));

  std::vector<EventEnvelope> stream = Stream("Job", job_id);
  ASSERT_EQ(stream.size(), 1u);
  const EventEnvelope& created = stream[0];
  EXPECT_EQ(created.event_id(), DeriveId(source.event_id(), "scheduling/1"));
  EXPECT_EQ(created.causation_id(), source.event_id());
  EXPECT_EQ(created.correlation_id(), "corr-TK-1");
  EXPECT_EQ(created.actor().user_id(), "system:scheduling");
  EXPECT_EQ(created.actor().role(), "system");
  EXPECT_EQ(created.aggregate_type(), "Job");
  EXPECT_EQ(created.aggregate_version(), 1);
  ASSERT_TRUE(created.scheduling().has_job_created());
  EXPECT_EQ(created.scheduling().job_created().required_skill(), "boiler");
  EXPECT_EQ(created.scheduling().job_created().priority(), common::v1::PRIORITY_HIGH);

  v1::Job job = MustGetJob(job_id);
  EXPECT_EQ(job.ticket_id(), "TK-1");
  EXPECT_EQ(job.state(), v1::JOB_STATE_UNASSIGNED);
  EXPECT_EQ(job.customer().name(), "Wang Fang");
  EXPECT_EQ(job.required_skill(), "boiler");
  ASSERT_EQ(job.parts_needed_size(), 1);
  EXPECT_EQ(job.parts_needed(0).sku(), "SKU-1");
  EXPECT_EQ(job.version(), 1);
  EXPECT_EQ(FromProto(job.created_at()), kStart);
}

TEST_F(SchedulingAppTest, CorrelationFallsBackToTheSourceEvent) {
  EventEnvelope source = TicketOpenedEnvelope("TK-1");
  source.clear_correlation_id();
  ASSERT_TRUE(ApplyEvent(source).ok());
  std::vector<EventEnvelope> stream = Stream("Job", SchedulingApp::JobIdForTicket("TK-1"));
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(stream[0].correlation_id(), source.event_id());
}

TEST_F(SchedulingAppTest, SecondTicketOpenedForTheSameTicketDoesNothing) {
  const std::string job_id = MustOpenTicket("TK-1");
  MustRegister("T-7");
  ASSERT_TRUE(app_->AssignJob(Meta("a1"), {.job_id = job_id, .technician_id = "T-7"}).ok());
  ASSERT_TRUE(ApplyEvent(TicketOpenedEnvelope("TK-1")).ok());
  EXPECT_EQ(Stream("Job", job_id).size(), 2u);
  EXPECT_EQ(MustGetJob(job_id).state(), v1::JOB_STATE_ASSIGNED);
}

TEST_F(SchedulingAppTest, OtherEventsAreIgnored) {
  EventEnvelope scheduled;
  scheduled.set_event_id("e-1");
  scheduled.set_aggregate_type("Ticket");
  scheduled.set_aggregate_id("TK-1");
  scheduled.set_aggregate_version(2);
  scheduled.mutable_intake()->mutable_ticket_scheduled()->set_ticket_id("TK-1");
  EXPECT_TRUE(ApplyEvent(scheduled).ok());

  EventEnvelope inventory;
  inventory.set_event_id("e-2");
  inventory.mutable_inventory();
  EXPECT_TRUE(ApplyEvent(inventory).ok());

  EventEnvelope empty;
  EXPECT_TRUE(ApplyEvent(empty).ok());

  auto jobs = app_->ListJobs(kDispatcher, {});
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->jobs_size(), 0);
}

TEST_F(SchedulingAppTest, TicketWithoutIdIsRejectedAndWritesNothing) {
  EventEnvelope source = TicketOpenedEnvelope("");
  absl::Status status = ApplyEvent(source);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  auto jobs = app_->ListJobs(kDispatcher, {});
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->jobs_size(), 0);
}

// ------------------------------------------------------------------ job commands

TEST_F(SchedulingAppTest, AssignJobRecordsVanPartsSiteAndIndexesTheTechnician) {
  MustRegister("T-7");
  const std::string job_id = MustOpenTicket("TK-1");
  clock_.Advance(absl::Minutes(5));
  auto ack = app_->AssignJob(Meta("a1"), {.job_id = job_id,
                                          .technician_id = "T-7",
                                          .window_start = kStart + absl::Hours(2),
                                          .window_end = kStart + absl::Hours(4),
                                          .expected_version = 1});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->aggregate_id(), job_id);
  EXPECT_EQ(ack->version(), 2);

  std::vector<EventEnvelope> stream = Stream("Job", job_id);
  ASSERT_EQ(stream.size(), 2u);
  ASSERT_TRUE(stream[1].scheduling().has_job_assigned());
  const v1::JobAssigned& assigned = stream[1].scheduling().job_assigned();
  EXPECT_EQ(assigned.ticket_id(), "TK-1");
  EXPECT_EQ(assigned.technician_id(), "T-7");
  EXPECT_EQ(assigned.van_location_id(), "van-T-7");
  ASSERT_EQ(assigned.parts_needed_size(), 1);
  EXPECT_EQ(assigned.parts_needed(0).quantity(), 2);
  EXPECT_DOUBLE_EQ(assigned.site().lat(), 31.23);
  EXPECT_EQ(FromProto(assigned.window_end()), kStart + absl::Hours(4));
  EXPECT_EQ(stream[1].request_id(), "a1");

  v1::Job job = MustGetJob(job_id);
  EXPECT_EQ(job.state(), v1::JOB_STATE_ASSIGNED);
  EXPECT_EQ(job.technician_id(), "T-7");
  EXPECT_EQ(job.version(), 2);
  EXPECT_EQ(FromProto(job.created_at()), kStart);
  EXPECT_EQ(FromProto(job.updated_at()), kStart + absl::Minutes(5));

  auto mine = app_->ListJobs(kDispatcher, {.technician_id = "T-7"});
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_EQ(mine->jobs_size(), 1);
  EXPECT_EQ(mine->jobs(0).job_id(), job_id);
}

TEST_F(SchedulingAppTest, AssignJobTwiceWithSameRequestIdWritesOnce) {
  MustRegister("T-7");
  const std::string job_id = MustOpenTicket("TK-1");
  auto first = app_->AssignJob(Meta("a1"), {.job_id = job_id, .technician_id = "T-7"});
  auto second = app_->AssignJob(Meta("a1"), {.job_id = job_id, .technician_id = "T-7"});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
  EXPECT_EQ(Stream("Job", job_id).size(), 2u);
}

TEST_F(SchedulingAppTest, StaleExpectedVersionIsAbortedAndWritesNothing) {
  MustRegister("T-7");
  const std::string job_id = MustOpenTicket("TK-1");
  auto ack = app_->AssignJob(Meta("a1"),
                             {.job_id = job_id, .technician_id = "T-7", .expected_version = 4});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(ack.status().message()), HasSubstr("now version 1"));
  EXPECT_EQ(Stream("Job", job_id).size(), 1u);
  EXPECT_EQ(MustGetJob(job_id).state(), v1::JOB_STATE_UNASSIGNED);
}

TEST_F(SchedulingAppTest, AssignUnknownJobOrTechnicianIsNotFound) {
  MustRegister("T-7");
  const std::string job_id = MustOpenTicket("TK-1");
  auto no_job = app_->AssignJob(Meta("a1"), {.job_id = "nope", .technician_id = "T-7"});
  EXPECT_EQ(no_job.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(no_job.status()), "job_id");
  EXPECT_THAT(Stream("Job", "nope"), IsEmpty());

  auto no_technician = app_->AssignJob(Meta("a2"), {.job_id = job_id, .technician_id = "T-9"});
  EXPECT_EQ(no_technician.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(no_technician.status()), "technician_id");
  EXPECT_EQ(Stream("Job", job_id).size(), 1u);
}

TEST_F(SchedulingAppTest, TechnicianWithoutTheSkillIsRefusedAndNothingWritten) {
  MustRegister("T-8", {"aircon"});
  const std::string job_id = MustOpenTicket("TK-1", "boiler");
  auto ack = app_->AssignJob(Meta("a1"), {.job_id = job_id, .technician_id = "T-8"});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(ack.status().message()), HasSubstr("has no boiler skill"));
  EXPECT_EQ(Stream("Job", job_id).size(), 1u);
  auto mine = app_->ListJobs(kDispatcher, {.technician_id = "T-8"});
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->jobs_size(), 0);
}

TEST_F(SchedulingAppTest, ConcurrentAssignmentsOfOneJobLetExactlyOneWin) {
  MustRegister("T-1");
  MustRegister("T-2");
  const std::string job_id = MustOpenTicket("TK-1");
  std::atomic<int> wins = 0;
  std::atomic<int> refusals = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto ack = app_->AssignJob(Meta(absl::StrCat("a", i)),
                                 {.job_id = job_id, .technician_id = i % 2 ? "T-1" : "T-2"});
      if (ack.ok()) {
        ++wins;
      } else if (ack.status().code() == absl::StatusCode::kFailedPrecondition) {
        ++refusals;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(refusals, 7);
  EXPECT_EQ(Stream("Job", job_id).size(), 2u);
}

TEST_F(SchedulingAppTest, TechnicianStartsAndCompletesTheirJob) {
  const std::string job_id = JobInProgress();
  EXPECT_EQ(MustGetJob(job_id).state(), v1::JOB_STATE_IN_PROGRESS);

  auto ack = app_->CompleteJob(Meta("done", {"T-7", "technician"}),
                               {.job_id = job_id,
                                .expected_version = 3,
                                .parts_used = {{"SKU-1", 1}},
                                .resolution = "Replaced the ignition board."});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->version(), 4);

  std::vector<EventEnvelope> stream = Stream("Job", job_id);
  ASSERT_EQ(stream.size(), 4u);
  EXPECT_TRUE(stream[2].scheduling().has_job_started());
  EXPECT_EQ(stream[2].actor().user_id(), "T-7");
  ASSERT_TRUE(stream[3].scheduling().has_job_completed());
  EXPECT_EQ(stream[3].scheduling().job_completed().technician_id(), "T-7");
  EXPECT_EQ(stream[3].scheduling().job_completed().parts_used(0).sku(), "SKU-1");

  v1::Job job = MustGetJob(job_id);
  EXPECT_EQ(job.state(), v1::JOB_STATE_COMPLETED);
  EXPECT_EQ(job.resolution(), "Replaced the ignition board.");
  ASSERT_EQ(job.parts_used_size(), 1);
  EXPECT_EQ(job.version(), 4);
}

TEST_F(SchedulingAppTest, DeviceTimeIsKeptOnTheEvent) {
  MustRegister("T-7");
  const std::string job_id = MustOpenTicket("TK-1");
  ASSERT_TRUE(app_->AssignJob(Meta("a1"), {.job_id = job_id, .technician_id = "T-7"}).ok());
  CommandMeta meta = Meta("s1", {"T-7", "technician"});
  meta.device_time = kStart - absl::Minutes(30);
  ASSERT_TRUE(app_->StartJob(meta, {.job_id = job_id}).ok());
  std::vector<EventEnvelope> stream = Stream("Job", job_id);
  ASSERT_EQ(stream.size(), 3u);
  EXPECT_EQ(FromProto(stream[2].device_time()), kStart - absl::Minutes(30));
}

TEST_F(SchedulingAppTest, AnotherTechnicianCannotStartTheJob) {
  MustRegister("T-7");
  const std::string job_id = MustOpenTicket("TK-1");
  ASSERT_TRUE(app_->AssignJob(Meta("a1"), {.job_id = job_id, .technician_id = "T-7"}).ok());
  auto ack = app_->StartJob(Meta("s1", {"T-8", "technician"}), {.job_id = job_id});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Stream("Job", job_id).size(), 2u);
  EXPECT_EQ(MustGetJob(job_id).state(), v1::JOB_STATE_ASSIGNED);
}

TEST_F(SchedulingAppTest, InvalidCompletionWritesNothing) {
  const std::string job_id = JobInProgress();
  auto ack = app_->CompleteJob(Meta("done"), {.job_id = job_id, .parts_used = {{"SKU-1", 0}}});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(ack.status()), "parts_used[0].quantity");
  EXPECT_EQ(Stream("Job", job_id).size(), 3u);
  v1::Job job = MustGetJob(job_id);
  EXPECT_EQ(job.state(), v1::JOB_STATE_IN_PROGRESS);
  EXPECT_EQ(job.version(), 3);
}

TEST_F(SchedulingAppTest, CompletingAnAssignedJobIsAFailedPrecondition) {
  MustRegister("T-7");
  const std::string job_id = MustOpenTicket("TK-1");
  ASSERT_TRUE(app_->AssignJob(Meta("a1"), {.job_id = job_id, .technician_id = "T-7"}).ok());
  auto ack = app_->CompleteJob(Meta("c1"), {.job_id = job_id});
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Stream("Job", job_id).size(), 2u);
}

// ------------------------------------------------------------------ job queries

TEST_F(SchedulingAppTest, JobsArePagedInIdOrderAndFilteredByState) {
  MustRegister("T-7");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(MustOpenTicket(absl::StrCat("TK-", i)));
  ASSERT_TRUE(app_->AssignJob(Meta("a1"), {.job_id = ids[1], .technician_id = "T-7"}).ok());
  ASSERT_TRUE(app_->AssignJob(Meta("a2"), {.job_id = ids[3], .technician_id = "T-7"}).ok());
  std::sort(ids.begin(), ids.end());

  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = app_->ListJobs(kDispatcher, {.page_size = 2, .page_token = token});
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->jobs_size(), 2);
    for (const auto& job : page->jobs()) seen.push_back(job.job_id());
    token = page->next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 3);

  auto unassigned = app_->ListJobs(kDispatcher, {.state = JobStatus::kUnassigned});
  ASSERT_TRUE(unassigned.ok());
  EXPECT_EQ(unassigned->jobs_size(), 3);
  EXPECT_EQ(unassigned->next_page_token(), "");

  auto assigned = app_->ListJobs(
      kDispatcher, {.state = JobStatus::kAssigned, .technician_id = "T-7", .page_size = 1});
  ASSERT_TRUE(assigned.ok());
  ASSERT_EQ(assigned->jobs_size(), 1);
  ASSERT_FALSE(assigned->next_page_token().empty());
  auto rest = app_->ListJobs(kDispatcher, {.state = JobStatus::kAssigned,
                                           .technician_id = "T-7",
                                           .page_size = 1,
                                           .page_token = assigned->next_page_token()});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->jobs_size(), 1);
  EXPECT_LT(assigned->jobs(0).job_id(), rest->jobs(0).job_id());
  EXPECT_EQ(rest->next_page_token(), "");
}

TEST_F(SchedulingAppTest, TechnicianSeesOnlyTheirOwnJobs) {
  MustRegister("T-7");
  MustRegister("T-8");
  const std::string mine = MustOpenTicket("TK-1");
  const std::string theirs = MustOpenTicket("TK-2");
  ASSERT_TRUE(app_->AssignJob(Meta("a1"), {.job_id = mine, .technician_id = "T-7"}).ok());
  ASSERT_TRUE(app_->AssignJob(Meta("a2"), {.job_id = theirs, .technician_id = "T-8"}).ok());
  const Actor technician{"T-7", "technician"};

  auto list = app_->ListJobs(technician, {});
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->jobs_size(), 1);
  EXPECT_EQ(list->jobs(0).job_id(), mine);
  EXPECT_EQ(app_->ListJobs(technician, {.technician_id = "T-8"}).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(app_->GetJob(technician, mine).ok());
  EXPECT_EQ(app_->GetJob(technician, theirs).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(SchedulingAppTest, UnknownJobIsNotFound) {
  auto job = app_->GetJob(kDispatcher, "nope");
  EXPECT_EQ(job.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(job.status()), "job_id");
  EXPECT_THAT(std::string(job.status().message()), HasSubstr("There is no job nope."));
}

// ------------------------------------------------------------------ durability

TEST_F(SchedulingAppTest, StateSurvivesReopeningTheStore) {
  MustRegister("T-7");
  const std::string job_id = MustOpenTicket("TK-1");
  auto assigned = app_->AssignJob(Meta("a1"), {.job_id = job_id, .technician_id = "T-7"});
  ASSERT_TRUE(assigned.ok()) << assigned.status();

  Reopen();

  EXPECT_EQ(MustGetJob(job_id).state(), v1::JOB_STATE_ASSIGNED);
  EXPECT_EQ(app_->GetTechnician("T-7")->name(), "Li Wei T-7");
  // The request record survived too: a retry returns the first answer.
  auto retried = app_->AssignJob(Meta("a1"), {.job_id = job_id, .technician_id = "T-7"});
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->version(), assigned->version());
  // And the job's history continues where it stopped.
  auto started = app_->StartJob(Meta("s1", {"T-7", "technician"}), {.job_id = job_id});
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->version(), 3);
}

}  // namespace
}  // namespace fieldline::scheduling
