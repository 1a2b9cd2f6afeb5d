// Given events / when command / then events or error, for every command and rule of the
// Technician and Job aggregates.

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/scheduling/domain/job.h"
#include "services/scheduling/domain/technician.h"

namespace fieldline::scheduling {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);
const Actor kDispatcher{"d-1", "dispatcher"};

// --- helpers: given ---

TechnicianState GivenTechnician(const std::vector<TechnicianEvent>& events) {
  TechnicianState state;
  for (const TechnicianEvent& e : events) state = Evolve(std::move(state), e);
  return state;
}

JobState GivenJob(const std::vector<JobEvent>& events) {
  JobState state;
  for (const JobEvent& e : events) state = Evolve(std::move(state), e);
  return state;
}

TechnicianRegistered Registered(const std::string& id = "T-7",
                                std::vector<std::string> skills = {"boiler", "aircon"}) {
  return TechnicianRegistered{.technician_id = id,
                              .name = "Li Wei",
                              .phone = "+86 138-0000-0000",
                              .skills = std::move(skills),
                              .home_base = {31.2, 121.5},
                              .van_location_id = "van-7"};
}

const std::string kTicket = "TK-1";
const std::string kJob = JobIdForTicket(kTicket);

JobCreated Created() {
  return JobCreated{.job_id = kJob,
                    .ticket_id = kTicket,
                    .customer = {.customer_id = "C-1",
                                 .name = "Wang Fang",
                                 .phone = "13900000000",
                                 .address = "1 Nanjing Rd",
                                 .location = {31.23, 121.47}},
                    .required_skill = "boiler",
                    .priority = Priority::kHigh,
                    .parts_needed = {{"SKU-1", 2}}};
}

JobAssigned Assigned(const std::string& technician = "T-7") {
  return JobAssigned{.job_id = kJob,
                     .ticket_id = kTicket,
                     .technician_id = technician,
                     .van_location_id = "van-7",
                     .parts_needed = {{"SKU-1", 2}},
                     .site = {31.23, 121.47}};
}

JobStarted Started(const std::string& technician = "T-7") {
  return JobStarted{.job_id = kJob, .ticket_id = kTicket, .technician_id = technician};
}

JobCompleted Completed() {
  return JobCompleted{.job_id = kJob, .ticket_id = kTicket, .technician_id = "T-7"};
}

RegisterTechnician ValidRegistration() {
  return RegisterTechnician{.technician_id = "T-7",
                            .name = "Li Wei",
                            .phone = "+86 138-0000-0000",
                            .skills = {"boiler", "aircon"},
                            .home_base = {31.2, 121.5},
                            .van_location_id = "van-7"};
}

// --- helpers: then ---

template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                 std::optional<std::string> field, const std::string& message_part) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_EQ(FieldOf(result.status()), field) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(message_part));
}

// ============================== Technician ==============================

TEST(RegisterTechnicianTest, NewTechnicianIsRegistered) {
  auto events = Decide(TechnicianState{}, ValidRegistration(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(TechnicianEvent(Registered())));
}

TEST(RegisterTechnicianTest, RegisteredTechnicianHasStateAndVersionOne) {
  TechnicianState state = GivenTechnician({Registered()});
  EXPECT_TRUE(state.exists());
  EXPECT_EQ(state.version, 1);
  EXPECT_EQ(state.name, "Li Wei");
  EXPECT_EQ(state.van_location_id, "van-7");
  EXPECT_TRUE(state.HasSkill("Boiler "));
  EXPECT_FALSE(state.HasSkill("plumbing"));
}

TEST(RegisterTechnicianTest, BlanksAroundValuesAreTrimmed) {
  RegisterTechnician command = ValidRegistration();
  command.name = "  Li Wei ";
  command.skills = {" boiler", "aircon "};
  auto events = Decide(TechnicianState{}, command, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& e = std::get<TechnicianRegistered>(events->front());
  EXPECT_EQ(e.name, "Li Wei");
  EXPECT_THAT(e.skills, ElementsAre("boiler", "aircon"));
}

TEST(RegisterTechnicianTest, VanIsOptional) {
  RegisterTechnician command = ValidRegistration();
  command.van_location_id = "";
  auto events = Decide(TechnicianState{}, command, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<TechnicianRegistered>(events->front()).van_location_id, "");
}

TEST(RegisterTechnicianTest, GeneratedUuidIsAValidId) {
  RegisterTechnician command = ValidRegistration();
  command.technician_id = UuidV7Generator().NewId(kNow);
  EXPECT_TRUE(Decide(TechnicianState{}, command, kNow).ok());
}

TEST(RegisterTechnicianTest, ExistingTechnicianIdIsAlreadyExists) {
  ExpectError(Decide(GivenTechnician({Registered()}), ValidRegistration(), kNow),
              absl::StatusCode::kAlreadyExists, "technician_id", "already registered");
}

TEST(RegisterTechnicianTest, EmptyTechnicianIdIsRejected) {
  RegisterTechnician command = ValidRegistration();
  command.technician_id = "";
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "technician_id", "1 to 64");
}

TEST(RegisterTechnicianTest, TechnicianIdLongerThan64IsRejected) {
  RegisterTechnician command = ValidRegistration();
  command.technician_id = std::string(65, 'a');
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "technician_id", "1 to 64");
  command.technician_id = std::string(64, 'a');
  EXPECT_TRUE(Decide(TechnicianState{}, command, kNow).ok());
}

TEST(RegisterTechnicianTest, TechnicianIdWithOtherCharactersIsRejected) {
  for (const char* id : {"T 7", "T/7", "T.7", "技师"}) {
    RegisterTechnician command = ValidRegistration();
    command.technician_id = id;
    ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
                "technician_id", "letters, digits");
  }
}

TEST(RegisterTechnicianTest, MissingNameIsRejected) {
  RegisterTechnician command = ValidRegistration();
  command.name = "   ";
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument, "name",
              "name");
}

TEST(RegisterTechnicianTest, MissingPhoneIsRejected) {
  RegisterTechnician command = ValidRegistration();
  command.phone = "";
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument, "phone",
              "Enter a phone number");
}

TEST(RegisterTechnicianTest, PhoneWithLettersIsNotAPhoneNumber) {
  RegisterTechnician command = ValidRegistration();
  command.phone = "12ab";
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument, "phone",
              "The phone number 12ab is not a phone number.");
}

TEST(RegisterTechnicianTest, PlusOnlyAtTheStart) {
  RegisterTechnician command = ValidRegistration();
  command.phone = "138+0000000";
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument, "phone",
              "is not a phone number");
}

TEST(RegisterTechnicianTest, PhoneNeedsFiveToTwentyDigits) {
  RegisterTechnician command = ValidRegistration();
  command.phone = "123-45";
  EXPECT_TRUE(Decide(TechnicianState{}, command, kNow).ok());
  command.phone = "1234";
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument, "phone",
              "5 to 20 digits");
  command.phone = "+" + std::string(20, '1');
  EXPECT_TRUE(Decide(TechnicianState{}, command, kNow).ok());
  command.phone = std::string(21, '1');
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument, "phone",
              "5 to 20 digits");
}

TEST(RegisterTechnicianTest, NoSkillsIsRejected) {
  RegisterTechnician command = ValidRegistration();
  command.skills = {};
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "skills", "at least one skill");
}

TEST(RegisterTechnicianTest, EmptySkillNamesItsIndex) {
  RegisterTechnician command = ValidRegistration();
  command.skills = {"boiler", " "};
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "skills[1]", "Skill 2 is empty");
}

TEST(RegisterTechnicianTest, LatitudeOutOfRangeIsRejected) {
  RegisterTechnician command = ValidRegistration();
  command.home_base.lat = 90.5;
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "home_base.lat", "between -90 and 90");
}

TEST(RegisterTechnicianTest, LongitudeOutOfRangeIsRejected) {
  RegisterTechnician command = ValidRegistration();
  command.home_base.lng = -180.5;
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "home_base.lng", "between -180 and 180");
}

TEST(RegisterTechnicianTest, NotANumberCoordinateIsRejected) {
  RegisterTechnician command = ValidRegistration();
  command.home_base.lat = std::numeric_limits<double>::quiet_NaN();
  ExpectError(Decide(TechnicianState{}, command, kNow), absl::StatusCode::kInvalidArgument,
              "home_base.lat", "latitude");
}

// ============================== Job: creation ==============================

TEST(JobIdTest, JobIdIsDerivedFromTheTicket) {
  EXPECT_EQ(JobIdForTicket("TK-1"), DeriveId("TK-1", "job"));
  EXPECT_NE(JobIdForTicket("TK-1"), JobIdForTicket("TK-2"));
  EXPECT_TRUE(LooksLikeUuid(JobIdForTicket("TK-1")));
}

CreateJob CreateFromTicket() {
  JobCreated c = Created();
  return CreateJob{.job_id = c.job_id,
                   .ticket_id = c.ticket_id,
                   .customer = c.customer,
                   .required_skill = c.required_skill,
                   .priority = c.priority,
                   .parts_needed = c.parts_needed};
}

TEST(CreateJobTest, NewTicketCreatesAnUnassignedJob) {
  auto events = Decide(JobState{}, CreateFromTicket(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(JobEvent(Created())));
  JobState job = GivenJob({Created()});
  EXPECT_EQ(job.status, JobStatus::kUnassigned);
  EXPECT_EQ(job.version, 1);
  EXPECT_EQ(job.required_skill, "boiler");
  EXPECT_EQ(job.priority, Priority::kHigh);
}

TEST(CreateJobTest, ExistingJobIsLeftAlone) {
  auto events = Decide(GivenJob({Created(), Assigned()}), CreateFromTicket(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, IsEmpty());
}

TEST(CreateJobTest, TicketIdIsRequired) {
  CreateJob command = CreateFromTicket();
  command.ticket_id = "";
  ExpectError(Decide(JobState{}, command, kNow), absl::StatusCode::kInvalidArgument, "ticket_id",
              "ticket id is empty");
}

TEST(CreateJobTest, JobIdIsRequired) {
  CreateJob command = CreateFromTicket();
  command.job_id = "";
  ExpectError(Decide(JobState{}, command, kNow), absl::StatusCode::kInvalidArgument, "job_id",
              "job id is empty");
}

// ============================== Job: assignment ==============================

AssignJob Assign(const std::string& technician = "T-7") {
  return AssignJob{.job_id = kJob, .technician_id = technician};
}

TEST(AssignJobTest, UnassignedJobIsAssignedWithVanPartsAndSite) {
  AssignJob command = Assign();
  command.window_start = kNow + absl::Hours(2);
  command.window_end = kNow + absl::Hours(4);
  auto events = Decide(GivenJob({Created()}), command, GivenTechnician({Registered()}), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  JobAssigned expected = Assigned();
  expected.window_start = kNow + absl::Hours(2);
  expected.window_end = kNow + absl::Hours(4);
  EXPECT_THAT(*events, ElementsAre(JobEvent(expected)));

  JobState job = GivenJob({Created(), expected});
  EXPECT_EQ(job.status, JobStatus::kAssigned);
  EXPECT_EQ(job.technician_id, "T-7");
  EXPECT_EQ(job.window_end, kNow + absl::Hours(4));
  EXPECT_EQ(job.version, 2);
}

TEST(AssignJobTest, WindowIsOptional) {
  auto events = Decide(GivenJob({Created()}), Assign(), GivenTechnician({Registered()}), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(JobEvent(Assigned())));
}

TEST(AssignJobTest, OnlyOneWindowEndIsAccepted) {
  AssignJob command = Assign();
  command.window_end = kNow - absl::Hours(1);
  EXPECT_TRUE(Decide(GivenJob({Created()}), command, GivenTechnician({Registered()}), kNow).ok());
}

TEST(AssignJobTest, SkillMatchIgnoresCase) {
  auto events = Decide(GivenJob({Created()}), Assign(),
                       GivenTechnician({Registered("T-7", {"BOILER"})}), kNow);
  EXPECT_TRUE(events.ok()) << events.status();
}

TEST(AssignJobTest, MatchingExpectedVersionIsAccepted) {
  AssignJob command = Assign();
  command.expected_version = 1;
  EXPECT_TRUE(Decide(GivenJob({Created()}), command, GivenTechnician({Registered()}), kNow).ok());
}

TEST(AssignJobTest, JobIdIsRequired) {
  AssignJob command = Assign();
  command.job_id = "";
  ExpectError(Decide(JobState{}, command, GivenTechnician({Registered()}), kNow),
              absl::StatusCode::kInvalidArgument, "job_id", "job id is empty");
}

TEST(AssignJobTest, TechnicianIdIsRequired) {
  ExpectError(Decide(GivenJob({Created()}), Assign(""), TechnicianState{}, kNow),
              absl::StatusCode::kInvalidArgument, "technician_id", "Choose the technician");
}

TEST(AssignJobTest, WindowMustEndAfterItStarts) {
  AssignJob command = Assign();
  command.window_start = kNow + absl::Hours(4);
  command.window_end = kNow + absl::Hours(4);
  ExpectError(Decide(GivenJob({Created()}), command, GivenTechnician({Registered()}), kNow),
              absl::StatusCode::kInvalidArgument, "window_end", "must end after it starts");
}

TEST(AssignJobTest, UnknownJobIsNotFound) {
  ExpectError(Decide(JobState{}, Assign(), GivenTechnician({Registered()}), kNow),
              absl::StatusCode::kNotFound, "job_id", "There is no job " + kJob + ".");
}

TEST(AssignJobTest, UnknownTechnicianIsNotFound) {
  ExpectError(Decide(GivenJob({Created()}), Assign("T-9"), TechnicianState{}, kNow),
              absl::StatusCode::kNotFound, "technician_id", "There is no technician T-9.");
}

TEST(AssignJobTest, StaleExpectedVersionIsAborted) {
  AssignJob command = Assign();
  command.expected_version = 3;
  ExpectError(
      Decide(GivenJob({Created()}), command, GivenTechnician({Registered()}), kNow),
      absl::StatusCode::kAborted, std::nullopt,
      "Job " + kJob + " was changed by someone else (now version 1); reload it and try again.");
}

TEST(AssignJobTest, AssignedJobCannotBeAssignedAgain) {
  ExpectError(Decide(GivenJob({Created(), Assigned("T-7")}), Assign("T-8"),
                     GivenTechnician({Registered("T-8")}), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "Job " + kJob + " is already assigned to T-7.");
}

TEST(AssignJobTest, CompletedJobCannotBeAssigned) {
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started(), Completed()}), Assign(),
                     GivenTechnician({Registered()}), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "already assigned");
}

TEST(AssignJobTest, TechnicianWithoutTheSkillIsRefused) {
  ExpectError(Decide(GivenJob({Created()}), Assign(),
                     GivenTechnician({Registered("T-7", {"aircon"})}), kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "Li Wei has no boiler skill; choose a technician who repairs boiler.");
}

// ============================== Job: start ==============================

TEST(StartJobTest, AssignedTechnicianStartsTheirJob) {
  auto events = Decide(GivenJob({Created(), Assigned()}), StartJob{.job_id = kJob},
                       Actor{"T-7", "technician"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(JobEvent(Started())));
  EXPECT_EQ(GivenJob({Created(), Assigned(), Started()}).status, JobStatus::kInProgress);
}

TEST(StartJobTest, DispatcherStartsOnBehalfOfTheTechnician) {
  auto events =
      Decide(GivenJob({Created(), Assigned()}), StartJob{.job_id = kJob}, kDispatcher, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(JobEvent(Started())));
}

TEST(StartJobTest, AnotherTechnicianIsDenied) {
  ExpectError(Decide(GivenJob({Created(), Assigned()}), StartJob{.job_id = kJob},
                     Actor{"T-8", "technician"}, kNow),
              absl::StatusCode::kPermissionDenied, std::nullopt,
              "This job is assigned to another technician.");
}

TEST(StartJobTest, JobIdIsRequired) {
  ExpectError(Decide(JobState{}, StartJob{}, kDispatcher, kNow), absl::StatusCode::kInvalidArgument,
              "job_id", "job id is empty");
}

TEST(StartJobTest, UnknownJobIsNotFound) {
  ExpectError(Decide(JobState{}, StartJob{.job_id = "nope"}, kDispatcher, kNow),
              absl::StatusCode::kNotFound, "job_id", "There is no job nope.");
}

TEST(StartJobTest, UnassignedJobCannotBeStarted) {
  ExpectError(Decide(GivenJob({Created()}), StartJob{.job_id = kJob}, kDispatcher, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "Job " + kJob + " is unassigned; only an assigned job can be started.");
}

TEST(StartJobTest, JobInProgressCannotBeStartedAgain) {
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started()}), StartJob{.job_id = kJob},
                     Actor{"T-7", "technician"}, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "Job " + kJob + " is already in progress; only an assigned job can be started.");
}

TEST(StartJobTest, StaleExpectedVersionIsAborted) {
  ExpectError(Decide(GivenJob({Created(), Assigned()}),
                     StartJob{.job_id = kJob, .expected_version = 1}, kDispatcher, kNow),
              absl::StatusCode::kAborted, std::nullopt, "now version 2");
  EXPECT_TRUE(Decide(GivenJob({Created(), Assigned()}),
                     StartJob{.job_id = kJob, .expected_version = 2}, kDispatcher, kNow)
                  .ok());
}

// ============================== Job: completion ==============================

CompleteJob Complete() {
  return CompleteJob{
      .job_id = kJob, .parts_used = {{"SKU-1", 1}}, .resolution = "Replaced the ignition board."};
}

TEST(CompleteJobTest, JobInProgressIsCompletedWithPartsAndResolution) {
  auto events = Decide(GivenJob({Created(), Assigned(), Started()}), Complete(),
                       Actor{"T-7", "technician"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  JobCompleted expected = Completed();
  expected.parts_used = {{"SKU-1", 1}};
  expected.resolution = "Replaced the ignition board.";
  EXPECT_THAT(*events, ElementsAre(JobEvent(expected)));

  JobState job = GivenJob({Created(), Assigned(), Started(), expected});
  EXPECT_EQ(job.status, JobStatus::kCompleted);
  EXPECT_EQ(job.parts_used, (std::vector<PartLine>{{"SKU-1", 1}}));
  EXPECT_EQ(job.resolution, "Replaced the ignition board.");
  EXPECT_EQ(job.version, 4);
}

TEST(CompleteJobTest, NoPartsAndNoResolutionAreAccepted) {
  EXPECT_TRUE(Decide(GivenJob({Created(), Assigned(), Started()}), CompleteJob{.job_id = kJob},
                     kDispatcher, kNow)
                  .ok());
}

TEST(CompleteJobTest, AnotherTechnicianIsDenied) {
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started()}), Complete(),
                     Actor{"T-8", "technician"}, kNow),
              absl::StatusCode::kPermissionDenied, std::nullopt,
              "This job is assigned to another technician.");
}

TEST(CompleteJobTest, JobIdIsRequired) {
  CompleteJob command = Complete();
  command.job_id = "";
  ExpectError(Decide(JobState{}, command, kDispatcher, kNow), absl::StatusCode::kInvalidArgument,
              "job_id", "job id is empty");
}

TEST(CompleteJobTest, PartWithoutSkuNamesTheLine) {
  CompleteJob command = Complete();
  command.parts_used = {{"SKU-1", 1}, {" ", 1}};
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started()}), command, kDispatcher, kNow),
              absl::StatusCode::kInvalidArgument, "parts_used[1].sku", "Part line 2 has no SKU");
}

TEST(CompleteJobTest, PartQuantityMustBePositive) {
  CompleteJob command = Complete();
  command.parts_used = {{"SKU-1", 1}, {"SKU-2", 0}};
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started()}), command, kDispatcher, kNow),
              absl::StatusCode::kInvalidArgument, "parts_used[1].quantity",
              "The quantity of SKU-2 is 0; it must be at least 1.");
  command.parts_used = {{"SKU-2", -3}};
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started()}), command, kDispatcher, kNow),
              absl::StatusCode::kInvalidArgument, "parts_used[0].quantity", "is -3");
}

TEST(CompleteJobTest, ResolutionIsAtMost2000Characters) {
  CompleteJob command = Complete();
  // 2000 Chinese characters are 6000 bytes and still fine.
  std::string chinese;
  for (int i = 0; i < 2000; ++i) chinese += "修";
  command.resolution = chinese;
  EXPECT_TRUE(
      Decide(GivenJob({Created(), Assigned(), Started()}), command, kDispatcher, kNow).ok());
  command.resolution = std::string(2001, 'x');
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started()}), command, kDispatcher, kNow),
              absl::StatusCode::kInvalidArgument, "resolution", "2001 characters");
}

TEST(CompleteJobTest, UnknownJobIsNotFound) {
  ExpectError(Decide(JobState{}, Complete(), kDispatcher, kNow), absl::StatusCode::kNotFound,
              "job_id", "There is no job");
}

TEST(CompleteJobTest, AssignedJobMustBeStartedFirst) {
  ExpectError(Decide(GivenJob({Created(), Assigned()}), Complete(), kDispatcher, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt,
              "Job " + kJob + " has not been started; only a job in progress can be completed.");
}

TEST(CompleteJobTest, CompletedJobCannotBeCompletedAgain) {
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started(), Completed()}), Complete(),
                     kDispatcher, kNow),
              absl::StatusCode::kFailedPrecondition, std::nullopt, "is already completed");
}

TEST(CompleteJobTest, StaleExpectedVersionIsAborted) {
  CompleteJob command = Complete();
  command.expected_version = 2;
  ExpectError(Decide(GivenJob({Created(), Assigned(), Started()}), command, kDispatcher, kNow),
              absl::StatusCode::kAborted, std::nullopt, "now version 3");
}

}  // namespace
}  // namespace fieldline::scheduling
