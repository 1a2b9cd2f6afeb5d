// Ticket decider: given events / when command / then events or error. No mocks, no I/O.

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/intake/domain/ticket.h"
#include "services/intake/domain/ticket_view.h"

namespace fieldline::intake {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);
constexpr char kTicket[] = "0192a7f0-0000-7000-8000-000000000001";

TicketState Given(const std::vector<TicketEvent>& events) {
  TicketState state;
  for (const auto& e : events) state = Evolve(std::move(state), e);
  return state;
}

OpenTicket ValidOpen() {
  OpenTicket c;
  c.ticket_id = kTicket;
  c.customer.name = "Li Wei";
  c.customer.phone = "+86 138-0013-8000";
  c.customer.address = "12 Garden Road, Qingdao";
  c.customer.location = GeoPoint{36.07, 120.38};
  c.category = "refrigerator";
  c.symptom = "Not cooling since yesterday.";
  c.priority = Priority::kHigh;
  c.channel = "web";
  c.parts_needed = {{"COMP-100", 1}, {"FAN-7", 2}};
  return c;
}

TicketOpened OpenedFrom(const OpenTicket& c) {
  return TicketOpened{c.ticket_id,  c.customer, c.category,    c.symptom,
                      c.priority, c.channel,  c.parts_needed};
}

const TicketOpened kOpened = OpenedFrom(ValidOpen());
const TicketScheduled kScheduled{kTicket, "job-1", "tech-1"};
const TicketWorkStarted kStarted{kTicket, "job-1"};
const TicketCompleted kCompleted{kTicket, "job-1", {{"COMP-100", 1}}, "Replaced the compressor."};

// Asserts that `result` failed with `code` on `field`; returns the message for further checks.
template <typename T>
std::string ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                        const std::string& field) {
  EXPECT_FALSE(result.ok());
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_EQ(FieldOf(result.status()).value_or("<none>"), field) << result.status();
  return std::string(result.status().message());
}

template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& result, const std::string& field) {
  ExpectError(result, absl::StatusCode::kInvalidArgument, field);
}

// ---------------------------------------------------------------------------------- OpenTicket

TEST(IntakeTicketOpenTicket, OpensTicketWithWhatTheAgentEntered) {
  auto events = Decide(TicketState{}, ValidOpen(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(TicketEvent(kOpened)));
}

TEST(IntakeTicketOpenTicket, TrimsTextAndDefaultsPriorityAndChannel) {
  OpenTicket c = ValidOpen();
  c.customer.name = "  Li Wei ";
  c.customer.phone = " 13800138000 ";
  c.category = "  washer\t";
  c.symptom = "\n drum does not turn \n";
  c.priority = Priority::kUnspecified;
  c.channel = "";
  c.parts_needed = {{" BELT-2 ", 1}};
  auto events = Decide(TicketState{}, c, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  const auto& opened = std::get<TicketOpened>(events->front());
  EXPECT_EQ(opened.customer.name, "Li Wei");
  EXPECT_EQ(opened.customer.phone, "13800138000");
  EXPECT_EQ(opened.category, "washer");
  EXPECT_EQ(opened.symptom, "drum does not turn");
  EXPECT_EQ(opened.priority, Priority::kNormal);
  EXPECT_EQ(opened.channel, "phone");
  EXPECT_THAT(opened.parts_needed, ElementsAre(PartLine{"BELT-2", 1}));
}

TEST(IntakeTicketOpenTicket, AcceptsEveryChannelIgnoringCase) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"phone", "phone"},     {"web", "web"}, {"walk-in", "walk-in"}, {"partner", "partner"},
      {"app", "app"},         {" Walk-In ", "walk-in"}, {"WEB", "web"}};
  for (const auto& [given, recorded] : cases) {
    OpenTicket c = ValidOpen();
    c.channel = given;
    auto events = Decide(TicketState{}, c, kNow);
    ASSERT_TRUE(events.ok()) << given << ": " << events.status();
    EXPECT_EQ(std::get<TicketOpened>(events->front()).channel, recorded);
  }
}

TEST(IntakeTicketOpenTicket, RejectsUnknownChannel) {
  OpenTicket c = ValidOpen();
  c.channel = "fax";
  auto result = Decide(TicketState{}, c, kNow);
  ExpectInvalid(result, "channel");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("fax"));
}

TEST(IntakeTicketOpenTicket, KeepsEachGivenPriority) {
  for (Priority p : {Priority::kLow, Priority::kNormal, Priority::kHigh, Priority::kUrgent}) {
    OpenTicket c = ValidOpen();
    c.priority = p;
    auto events = Decide(TicketState{}, c, kNow);
    ASSERT_TRUE(events.ok()) << events.status();
    EXPECT_EQ(std::get<TicketOpened>(events->front()).priority, p);
  }
}

TEST(IntakeTicketOpenTicket, RejectsUnknownPriority) {
  OpenTicket c = ValidOpen();
  c.priority = static_cast<Priority>(9);
  ExpectInvalid(Decide(TicketState{}, c, kNow), "priority");
}

TEST(IntakeTicketOpenTicket, RejectsTicketThatWasAlreadyOpened) {
  std::string message = ExpectError(Decide(Given({kOpened}), ValidOpen(), kNow),
                                    absl::StatusCode::kAlreadyExists, "ticket_id");
  EXPECT_THAT(message, HasSubstr("is open"));
}

TEST(IntakeTicketOpenTicket, RequiresTicketId) {
  OpenTicket c = ValidOpen();
  c.ticket_id = "";
  ExpectInvalid(Decide(TicketState{}, c, kNow), "ticket_id");
}

TEST(IntakeTicketOpenTicket, RequiresCustomerName) {
  for (const char* name : {"", "   "}) {
    OpenTicket c = ValidOpen();
    c.customer.name = name;
    ExpectInvalid(Decide(TicketState{}, c, kNow), "customer.name");
  }
}

TEST(IntakeTicketOpenTicket, RequiresCustomerPhone) {
  OpenTicket c = ValidOpen();
  c.customer.phone = "  ";
  ExpectInvalid(Decide(TicketState{}, c, kNow), "customer.phone");
}

TEST(IntakeTicketOpenTicket, RejectsPhoneWithLetters) {
  OpenTicket c = ValidOpen();
  c.customer.phone = "12ab5678";
  auto result = Decide(TicketState{}, c, kNow);
  ExpectInvalid(result, "customer.phone");
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("The phone number 12ab5678 is not a phone number"));
}

TEST(IntakeTicketOpenTicket, RejectsPlusAnywhereButAtTheStart) {
  OpenTicket c = ValidOpen();
  c.customer.phone = "0086+13800138000";
  ExpectInvalid(Decide(TicketState{}, c, kNow), "customer.phone");
}

TEST(IntakeTicketOpenTicket, RejectsPhoneWithTooFewOrTooManyDigits) {
  for (const char* phone : {"1234", "+12 3-4", "123456789012345678901", "-- --"}) {
    OpenTicket c = ValidOpen();
    c.customer.phone = phone;
    ExpectInvalid(Decide(TicketState{}, c, kNow), "customer.phone");
  }
}

TEST(IntakeTicketOpenTicket, AcceptsPhonesOfFiveToTwentyDigitsWithSpacesAndDashes) {
  for (const char* phone : {"12345", "+49 30 1234-5678", "12345678901234567890", "400-699-9999"}) {
    OpenTicket c = ValidOpen();
    c.customer.phone = phone;
    auto events = Decide(TicketState{}, c, kNow);
    EXPECT_TRUE(events.ok()) << phone << ": " << events.status();
  }
}

TEST(IntakeTicketOpenTicket, RequiresCategory) {
  OpenTicket c = ValidOpen();
  c.category = " ";
  ExpectInvalid(Decide(TicketState{}, c, kNow), "category");
}

TEST(IntakeTicketOpenTicket, LimitsCategoryToSixtyFourCharacters) {
  OpenTicket c = ValidOpen();
  c.category = std::string(64, 'x');
  EXPECT_TRUE(Decide(TicketState{}, c, kNow).ok());
  c.category = std::string(65, 'x');
  ExpectInvalid(Decide(TicketState{}, c, kNow), "category");
}

TEST(IntakeTicketOpenTicket, CountsCharactersNotBytes) {
  OpenTicket c = ValidOpen();
  std::string category;
  for (int i = 0; i < 64; ++i) category += "冰";  // 3 bytes each in UTF-8
  c.category = category;
  EXPECT_TRUE(Decide(TicketState{}, c, kNow).ok());
  c.category += "箱";
  ExpectInvalid(Decide(TicketState{}, c, kNow), "category");
}

TEST(IntakeTicketOpenTicket, LimitsSymptomToTwoThousandCharacters) {
  OpenTicket c = ValidOpen();
  c.symptom = std::string(2000, 's');
  EXPECT_TRUE(Decide(TicketState{}, c, kNow).ok());
  c.symptom = std::string(2001, 's');
  ExpectInvalid(Decide(TicketState{}, c, kNow), "symptom");
}

TEST(IntakeTicketOpenTicket, SymptomIsOptional) {
  OpenTicket c = ValidOpen();
  c.symptom = "";
  EXPECT_TRUE(Decide(TicketState{}, c, kNow).ok());
}

TEST(IntakeTicketOpenTicket, LocationIsOptional) {
  OpenTicket c = ValidOpen();
  c.customer.location.reset();
  auto events = Decide(TicketState{}, c, kNow);
  ASSERT_TRUE(events.ok());
  EXPECT_FALSE(std::get<TicketOpened>(events->front()).customer.location.has_value());
}

TEST(IntakeTicketOpenTicket, AcceptsLocationOnTheEdgesOfTheMap) {
  for (GeoPoint p : {GeoPoint{90, 180}, GeoPoint{-90, -180}, GeoPoint{0, 0}}) {
    OpenTicket c = ValidOpen();
    c.customer.location = p;
    EXPECT_TRUE(Decide(TicketState{}, c, kNow).ok()) << p.lat << "," << p.lng;
  }
}

TEST(IntakeTicketOpenTicket, RejectsLatitudeOffTheMap) {
  for (double lat : {90.0001, -91.0, std::numeric_limits<double>::quiet_NaN()}) {
    OpenTicket c = ValidOpen();
    c.customer.location = GeoPoint{lat, 10};
    ExpectInvalid(Decide(TicketState{}, c, kNow), "customer.location.lat");
  }
}

TEST(IntakeTicketOpenTicket, RejectsLongitudeOffTheMap) {
  for (double lng : {180.5, -181.0, std::numeric_limits<double>::infinity()}) {
    OpenTicket c = ValidOpen();
    c.customer.location = GeoPoint{10, lng};
    ExpectInvalid(Decide(TicketState{}, c, kNow), "customer.location.lng");
  }
}

TEST(IntakeTicketOpenTicket, RejectsPartLineWithoutSku) {
  OpenTicket c = ValidOpen();
  c.parts_needed = {{"A-1", 1}, {"  ", 1}};
  ExpectInvalid(Decide(TicketState{}, c, kNow), "parts_needed[1].sku");
}

TEST(IntakeTicketOpenTicket, RejectsPartLineWithoutPositiveQuantity) {
  for (int64_t quantity : {0, -3}) {
    OpenTicket c = ValidOpen();
    c.parts_needed = {{"A-1", quantity}};
    auto result = Decide(TicketState{}, c, kNow);
    ExpectInvalid(result, "parts_needed[0].quantity");
    EXPECT_THAT(std::string(result.status().message()), HasSubstr("A-1"));
  }
}

TEST(IntakeTicketOpenTicket, AllowsAtMostFiftyPartLines) {
  OpenTicket c = ValidOpen();
  c.parts_needed.assign(50, PartLine{"A-1", 1});
  EXPECT_TRUE(Decide(TicketState{}, c, kNow).ok());
  c.parts_needed.push_back(PartLine{"A-2", 1});
  ExpectInvalid(Decide(TicketState{}, c, kNow), "parts_needed");
}

TEST(IntakeTicketOpenTicket, NoPartsNeededIsFine) {
  OpenTicket c = ValidOpen();
  c.parts_needed.clear();
  EXPECT_TRUE(Decide(TicketState{}, c, kNow).ok());
}

// --------------------------------------------------------------------------- RecordJobAssigned

TEST(IntakeTicketRecordJobAssigned, SchedulesAnOpenTicket) {
  auto events = Decide(Given({kOpened}), RecordJobAssigned{kTicket, "job-1", "tech-1"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(TicketEvent(kScheduled)));
}

TEST(IntakeTicketRecordJobAssigned, UnknownTicketIsNotFound) {
  std::string message = ExpectError(
      Decide(TicketState{}, RecordJobAssigned{"nope", "job-1", "tech-1"}, kNow),
      absl::StatusCode::kNotFound, "ticket_id");
  EXPECT_EQ(message, "There is no ticket nope.");
}

TEST(IntakeTicketRecordJobAssigned, SameAssignmentAgainChangesNothing) {
  auto events =
      Decide(Given({kOpened, kScheduled}), RecordJobAssigned{kTicket, "job-1", "tech-1"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, IsEmpty());
}

TEST(IntakeTicketRecordJobAssigned, AnotherTechnicianAfterSchedulingIsRefused) {
  std::string message = ExpectError(
      Decide(Given({kOpened, kScheduled}), RecordJobAssigned{kTicket, "job-1", "tech-2"}, kNow),
      absl::StatusCode::kFailedPrecondition, "<none>");
  EXPECT_THAT(message, HasSubstr("is scheduled"));
  EXPECT_THAT(message, HasSubstr("only an open ticket can be scheduled"));
}

TEST(IntakeTicketRecordJobAssigned, TicketInProgressIsRefused) {
  std::string message = ExpectError(
      Decide(Given({kOpened, kScheduled, kStarted}), RecordJobAssigned{kTicket, "job-1", "tech-1"},
             kNow),
      absl::StatusCode::kFailedPrecondition, "<none>");
  EXPECT_THAT(message, HasSubstr("is in progress"));
}

TEST(IntakeTicketRecordJobAssigned, CompletedTicketIsRefused) {
  std::string message = ExpectError(
      Decide(Given({kOpened, kScheduled, kStarted, kCompleted}),
             RecordJobAssigned{kTicket, "job-2", "tech-1"}, kNow),
      absl::StatusCode::kFailedPrecondition, "<none>");
  EXPECT_THAT(message, HasSubstr("is completed"));
}

TEST(IntakeTicketRecordJobAssigned, RequiresJobAndTechnician) {
  ExpectInvalid(Decide(Given({kOpened}), RecordJobAssigned{kTicket, "", "tech-1"}, kNow),
                "job_id");
  ExpectInvalid(Decide(Given({kOpened}), RecordJobAssigned{kTicket, "job-1", ""}, kNow),
                "technician_id");
}

// ---------------------------------------------------------------------------- RecordJobStarted

TEST(IntakeTicketRecordJobStarted, StartsWorkOnAScheduledTicket) {
  auto events = Decide(Given({kOpened, kScheduled}), RecordJobStarted{kTicket, "job-1"}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(TicketEvent(kStarted)));
}

TEST(IntakeTicketRecordJobStarted, UnknownTicketIsNotFound) {
  ExpectError(Decide(TicketState{}, RecordJobStarted{"nope", "job-1"}, kNow),
              absl::StatusCode::kNotFound, "ticket_id");
}

TEST(IntakeTicketRecordJobStarted, OpenTicketIsRefused) {
  std::string message =
      ExpectError(Decide(Given({kOpened}), RecordJobStarted{kTicket, "job-1"}, kNow),
                  absl::StatusCode::kFailedPrecondition, "<none>");
  EXPECT_EQ(message, std::string("Ticket ") + kTicket +
                         " is open; only a scheduled ticket can be started.");
}

TEST(IntakeTicketRecordJobStarted, TicketAlreadyInProgressIsRefused) {
  std::string message = ExpectError(
      Decide(Given({kOpened, kScheduled, kStarted}), RecordJobStarted{kTicket, "job-1"}, kNow),
      absl::StatusCode::kFailedPrecondition, "<none>");
  EXPECT_THAT(message, HasSubstr("is in progress"));
}

TEST(IntakeTicketRecordJobStarted, AnotherJobIsRefused) {
  std::string message = ExpectError(
      Decide(Given({kOpened, kScheduled}), RecordJobStarted{kTicket, "job-9"}, kNow),
      absl::StatusCode::kFailedPrecondition, "<none>");
  EXPECT_THAT(message, HasSubstr("job-1, not job job-9"));
}

TEST(IntakeTicketRecordJobStarted, RequiresJob) {
  ExpectInvalid(Decide(Given({kOpened, kScheduled}), RecordJobStarted{kTicket, ""}, kNow),
                "job_id");
}

// -------------------------------------------------------------------------- RecordJobCompleted

TEST(IntakeTicketRecordJobCompleted, CompletesATicketInProgressWithPartsAndResolution) {
  auto events = Decide(Given({kOpened, kScheduled, kStarted}),
                       RecordJobCompleted{kTicket, "job-1", {{"COMP-100", 1}},
                                          " Replaced the compressor. "},
                       kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(TicketEvent(kCompleted)));
}

TEST(IntakeTicketRecordJobCompleted, UnknownTicketIsNotFound) {
  ExpectError(Decide(TicketState{}, RecordJobCompleted{"nope", "job-1", {}, ""}, kNow),
              absl::StatusCode::kNotFound, "ticket_id");
}

TEST(IntakeTicketRecordJobCompleted, ScheduledTicketIsRefused) {
  std::string message = ExpectError(
      Decide(Given({kOpened, kScheduled}), RecordJobCompleted{kTicket, "job-1", {}, ""}, kNow),
      absl::StatusCode::kFailedPrecondition, "<none>");
  EXPECT_EQ(message, std::string("Ticket ") + kTicket +
                         " is scheduled; only a ticket in progress can be completed.");
}

TEST(IntakeTicketRecordJobCompleted, CompletedTicketIsRefused) {
  std::string message =
      ExpectError(Decide(Given({kOpened, kScheduled, kStarted, kCompleted}),
                         RecordJobCompleted{kTicket, "job-1", {}, ""}, kNow),
                  absl::StatusCode::kFailedPrecondition, "<none>");
  EXPECT_THAT(message, HasSubstr("is completed"));
}

TEST(IntakeTicketRecordJobCompleted, AnotherJobIsRefused) {
  ExpectError(Decide(Given({kOpened, kScheduled, kStarted}),
                     RecordJobCompleted{kTicket, "job-9", {}, ""}, kNow),
              absl::StatusCode::kFailedPrecondition, "<none>");
}

TEST(IntakeTicketRecordJobCompleted, RejectsPartsUsedWithoutPositiveQuantity) {
  ExpectInvalid(Decide(Given({kOpened, kScheduled, kStarted}),
                       RecordJobCompleted{kTicket, "job-1", {{"A-1", 1}, {"A-2", 0}}, ""}, kNow),
                "parts_used[1].quantity");
  ExpectInvalid(Decide(Given({kOpened, kScheduled, kStarted}),
                       RecordJobCompleted{kTicket, "job-1", {{"", 1}}, ""}, kNow),
                "parts_used[0].sku");
}

TEST(IntakeTicketRecordJobCompleted, RequiresJob) {
  ExpectInvalid(Decide(Given({kOpened, kScheduled, kStarted}),
                       RecordJobCompleted{kTicket, "", {}, ""}, kNow),
                "job_id");
}

// ---------------------------------------------------------------------------- Evolve / Project

TEST(IntakeTicketEvolve, FollowsTheTicketThroughItsLife) {
  TicketState state = Given({kOpened});
  EXPECT_EQ(state.status, TicketStatus::kOpen);
  EXPECT_EQ(state.ticket_id, kTicket);
  EXPECT_EQ(state.customer, kOpened.customer);
  EXPECT_EQ(state.parts_needed, kOpened.parts_needed);

  state = Evolve(state, kScheduled);
  EXPECT_EQ(state.status, TicketStatus::kScheduled);
  EXPECT_EQ(state.job_id, "job-1");
  EXPECT_EQ(state.technician_id, "tech-1");

  state = Evolve(state, kStarted);
  EXPECT_EQ(state.status, TicketStatus::kInProgress);

  state = Evolve(state, kCompleted);
  EXPECT_EQ(state.status, TicketStatus::kCompleted);
  EXPECT_THAT(state.parts_used, ElementsAre(PartLine{"COMP-100", 1}));
  EXPECT_EQ(state.resolution, "Replaced the compressor.");
  EXPECT_EQ(state.category, "refrigerator");  // intake facts stay
}

TEST(IntakeTicketProject, RecordsVersionAndWhenTheTicketWasOpenedAndLastChanged) {
  TicketView view;
  view = Project(view, kOpened, 1, kNow);
  view = Project(view, kScheduled, 2, kNow + absl::Hours(1));
  EXPECT_EQ(view.version, 2);
  EXPECT_EQ(view.opened_at, kNow);
  EXPECT_EQ(view.updated_at, kNow + absl::Hours(1));
  EXPECT_EQ(view.state.status, TicketStatus::kScheduled);
}

TEST(IntakeTicketStatusName, NamesEveryState) {
  EXPECT_EQ(TicketStatusName(TicketStatus::kOpen), "open");
  EXPECT_EQ(TicketStatusName(TicketStatus::kScheduled), "scheduled");
  EXPECT_EQ(TicketStatusName(TicketStatus::kInProgress), "in progress");
  EXPECT_EQ(TicketStatusName(TicketStatus::kCompleted), "completed");
}

TEST(IntakeTicketIdOf, NamesTheTicketOfEveryEvent) {
  for (const TicketEvent& e : std::vector<TicketEvent>{kOpened, kScheduled, kStarted, kCompleted}) {
    EXPECT_EQ(TicketIdOf(e), kTicket);
  }
}

}  // namespace
}  // namespace fieldline::intake
