// The rest of the ticket lifecycle, entitlement, customers and assets: given events / when
// command / then events or error. No mocks, no I/O.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/intake/domain/complaint.h"
#include "services/intake/domain/customer.h"
#include "services/intake/domain/entitlement.h"
#include "services/intake/domain/ticket.h"

namespace fieldline::intake {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);  // 2026-09-21
constexpr char kTicket[] = "0192a7f0-0000-7000-8000-000000000001";

template <typename T>
std::string ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                        const std::string& field) {
  EXPECT_FALSE(result.ok());
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_EQ(FieldOf(result.status()).value_or("<none>"), field) << result.status();
  return std::string(result.status().message());
}

TicketState Given(const std::vector<TicketEvent>& events) {
  TicketState state;
  for (const auto& e : events) state = Evolve(std::move(state), e);
  return state;
}

TicketOpened Opened() {
  TicketOpened e;
  e.ticket_id = kTicket;
  e.customer.name = "Li Wei";
  e.customer.phone = "13800138000";
  e.category = "refrigerator";
  e.priority = Priority::kNormal;
  e.channel = "phone";
  return e;
}

const TicketScheduled kScheduled{kTicket, "job-1", "tech-1"};
const TicketWorkStarted kStarted{kTicket, "job-1"};
const TicketCompleted kCompleted{kTicket, "job-1", {}, "Fixed."};

std::vector<TicketEvent> History(TicketStatus status) {
  std::vector<TicketEvent> h{Opened()};
  switch (status) {
    case TicketStatus::kScheduled:
      h.push_back(kScheduled);
      break;
    case TicketStatus::kInProgress:
      h.insert(h.end(), {kScheduled, kStarted});
      break;
    case TicketStatus::kCompleted:
      h.insert(h.end(), {kScheduled, kStarted, kCompleted});
      break;
    case TicketStatus::kResolvedRemotely:
      h.push_back(TicketResolvedRemotely{kTicket, "Reset by phone."});
      break;
    case TicketStatus::kClosed:
      h.insert(h.end(), {kScheduled, kStarted, kCompleted, TicketClosed{kTicket, "satisfied"}});
      break;
    case TicketStatus::kCancelled:
      h.push_back(TicketCancelled{kTicket, "Customer withdrew."});
      break;
    case TicketStatus::kAtServiceCentre:
      h.push_back(TicketReceivedAtServiceCentre{kTicket, "SC-1", kNow});
      break;
    case TicketStatus::kAtFactory:
      h.insert(h.end(), {TicketReceivedAtServiceCentre{kTicket, "SC-1", kNow},
                         TicketSentToFactory{kTicket, "Factory-Q", kNow}});
      break;
    case TicketStatus::kBackFromFactory:
      h.insert(h.end(), {TicketReceivedAtServiceCentre{kTicket, "SC-1", kNow},
                         TicketSentToFactory{kTicket, "Factory-Q", kNow},
                         TicketBackFromFactory{kTicket, ""}});
      break;
    case TicketStatus::kReturnedToCustomer:
      h.insert(h.end(), {TicketReceivedAtServiceCentre{kTicket, "SC-1", kNow},
                         TicketReturnedToCustomer{kTicket, "Board replaced."}});
      break;
    default:
      break;
  }
  return h;
}

constexpr TicketStatus kAllStates[] = {
    TicketStatus::kOpen,           TicketStatus::kScheduled,       TicketStatus::kInProgress,
    TicketStatus::kCompleted,      TicketStatus::kResolvedRemotely, TicketStatus::kClosed,
    TicketStatus::kCancelled,      TicketStatus::kAtServiceCentre,  TicketStatus::kAtFactory,
    TicketStatus::kBackFromFactory, TicketStatus::kReturnedToCustomer};

TEST(IntakeTicketLifecycle, HistoryHelperReachesEveryState) {
  for (TicketStatus st : kAllStates) EXPECT_EQ(Given(History(st)).status, st);
}

// Each command with the states it is allowed from; every other state is refused by name.
struct Rule {
  TicketCommand command;
  std::vector<TicketStatus> allowed;
  TicketStatus to;
};

std::vector<Rule> Rules() {
  return {
      {ResolveRemotely{kTicket, "Reset by phone."}, {TicketStatus::kOpen},
       TicketStatus::kResolvedRemotely},
      {CloseTicket{kTicket, "satisfied"},
       {TicketStatus::kCompleted, TicketStatus::kResolvedRemotely,
        TicketStatus::kReturnedToCustomer},
       TicketStatus::kClosed},
      {CancelTicket{kTicket, "Customer withdrew."},
       {TicketStatus::kOpen, TicketStatus::kScheduled, TicketStatus::kInProgress,
        TicketStatus::kAtServiceCentre},
       TicketStatus::kCancelled},
      {ReopenTicket{kTicket, "Fault came back."},
       {TicketStatus::kCompleted, TicketStatus::kResolvedRemotely,
        TicketStatus::kReturnedToCustomer, TicketStatus::kClosed},
       TicketStatus::kOpen},
      {ReceiveAtServiceCentre{kTicket, "SC-1"}, {TicketStatus::kOpen},
       TicketStatus::kAtServiceCentre},
      {SendToFactory{kTicket, "Factory-Q"}, {TicketStatus::kAtServiceCentre},
       TicketStatus::kAtFactory},
      {ReceiveFromFactory{kTicket, "Repaired at factory."}, {TicketStatus::kAtFactory},
       TicketStatus::kBackFromFactory},
      {ReturnToCustomer{kTicket, "Board replaced."},
       {TicketStatus::kAtServiceCentre, TicketStatus::kBackFromFactory},
       TicketStatus::kReturnedToCustomer},
  };
}

TEST(IntakeTicketLifecycle, EveryCommandMovesOnlyFromItsAllowedStates) {
  for (const Rule& rule : Rules()) {
    for (TicketStatus from : kAllStates) {
      const TicketState state = Given(History(from));
      auto events = Decide(state, rule.command, kNow);
      const bool allowed =
          std::find(rule.allowed.begin(), rule.allowed.end(), from) != rule.allowed.end();
      if (allowed) {
        ASSERT_TRUE(events.ok()) << TicketStatusName(from) << ": " << events.status();
        ASSERT_EQ(events->size(), 1u);
        TicketState after = state;
        for (const auto& e : *events) after = Evolve(std::move(after), e);
        EXPECT_EQ(after.status, rule.to) << TicketStatusName(from);
      } else {
        ASSERT_FALSE(events.ok()) << "allowed from " << TicketStatusName(from);
        EXPECT_EQ(events.status().code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_THAT(std::string(events.status().message()),
                    HasSubstr("is " + std::string(TicketStatusName(from)) + ";"));
      }
    }
  }
}

TEST(IntakeTicketLifecycle, RefusesEveryCommandOnATicketNeverOpened) {
  for (const Rule& rule : Rules()) {
    ExpectError(Decide(TicketState{}, rule.command, kNow), absl::StatusCode::kNotFound,
                "ticket_id");
  }
}

TEST(IntakeTicketLifecycle, RequiresTheTicketId) {
  ExpectError(Decide(Given(History(TicketStatus::kOpen)), TicketCommand{CancelTicket{"", "x"}},
                     kNow),
              absl::StatusCode::kInvalidArgument, "ticket_id");
}

TEST(IntakeTicketLifecycle, RequiresReasonsOutcomesResolutionsAndPlaces) {
  const TicketState open = Given(History(TicketStatus::kOpen));
  const TicketState completed = Given(History(TicketStatus::kCompleted));
  const TicketState centre = Given(History(TicketStatus::kAtServiceCentre));
  ExpectError(Decide(open, TicketCommand{ResolveRemotely{kTicket, "  "}}, kNow),
              absl::StatusCode::kInvalidArgument, "resolution");
  ExpectError(Decide(completed, TicketCommand{CloseTicket{kTicket, ""}}, kNow),
              absl::StatusCode::kInvalidArgument, "reason");
  ExpectError(Decide(open, TicketCommand{CancelTicket{kTicket, ""}}, kNow),
              absl::StatusCode::kInvalidArgument, "reason");
  ExpectError(Decide(completed, TicketCommand{ReopenTicket{kTicket, ""}}, kNow),
              absl::StatusCode::kInvalidArgument, "reason");
  ExpectError(Decide(open, TicketCommand{ReceiveAtServiceCentre{kTicket, ""}}, kNow),
              absl::StatusCode::kInvalidArgument, "location_id");
  ExpectError(Decide(centre, TicketCommand{SendToFactory{kTicket, " "}}, kNow),
              absl::StatusCode::kInvalidArgument, "location_id");
  ExpectError(Decide(centre, TicketCommand{ReturnToCustomer{kTicket, ""}}, kNow),
              absl::StatusCode::kInvalidArgument, "resolution");
  ExpectError(Decide(open, TicketCommand{CancelTicket{kTicket, std::string(501, 'x')}}, kNow),
              absl::StatusCode::kInvalidArgument, "reason");
}

TEST(IntakeTicketLifecycle, DepotPathRecordsItsTurnaroundPromises) {
  TicketState state = Given(History(TicketStatus::kOpen));
  auto received = Decide(state, TicketCommand{ReceiveAtServiceCentre{kTicket, " SC-1 ",
                                                                      absl::Hours(48)}},
                         kNow);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_THAT(*received, ElementsAre(TicketEvent{
                             TicketReceivedAtServiceCentre{kTicket, "SC-1", kNow + absl::Hours(48)}}));
  state = Evolve(std::move(state), received->front());
  auto sent = Decide(state, TicketCommand{SendToFactory{kTicket, "Factory-Q", absl::Hours(720)}},
                     kNow + absl::Hours(1));
  ASSERT_TRUE(sent.ok()) << sent.status();
  state = Evolve(std::move(state), sent->front());
  EXPECT_EQ(state.status, TicketStatus::kAtFactory);
  EXPECT_EQ(state.factory, "Factory-Q");
  EXPECT_EQ(state.promised_back_by, kNow + absl::Hours(721));
  EXPECT_EQ(state.promised_ready_by, kNow + absl::Hours(48));
}

TEST(IntakeTicketLifecycle, ReopenClearsTheJobAndCountsReopens) {
  TicketState state = Given(History(TicketStatus::kClosed));
  auto reopened = Decide(state, TicketCommand{ReopenTicket{kTicket, "Not cooling again."}}, kNow);
  ASSERT_TRUE(reopened.ok());
  state = Evolve(std::move(state), reopened->front());
  EXPECT_EQ(state.status, TicketStatus::kOpen);
  EXPECT_EQ(state.reopen_count, 1);
  EXPECT_EQ(state.last_reopen_reason, "Not cooling again.");
  EXPECT_TRUE(state.job_id.empty());
  // A new job can now be assigned.
  auto assigned = Decide(state, RecordJobAssigned{kTicket, "job-2", "tech-9"}, kNow);
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  EXPECT_THAT(*assigned, ElementsAre(TicketEvent{TicketScheduled{kTicket, "job-2", "tech-9"}}));
}

TEST(IntakeTicketLifecycle, ACancelledTicketCannotBeStartedBySchedulingEvents) {
  TicketState state = Given({Opened(), kScheduled, TicketCancelled{kTicket, "Withdrawn."}});
  auto started = Decide(state, RecordJobStarted{kTicket, "job-1"}, kNow);
  std::string message = ExpectError(started, absl::StatusCode::kFailedPrecondition, "<none>");
  EXPECT_THAT(message, HasSubstr("is cancelled"));
}

// ----------------------------------------------------- close on callbacks' outcome (issue 3)

TEST(IntakeCallbackOutcome, ClosesACompletedRemoteOrReturnedTicketWithTheCallback) {
  for (TicketStatus from : {TicketStatus::kCompleted, TicketStatus::kResolvedRemotely,
                            TicketStatus::kReturnedToCustomer}) {
    TicketState state = Given(History(from));
    auto events = Decide(state, RecordCallbackOutcome{kTicket, "cb-1", " satisfied "}, kNow);
    ASSERT_TRUE(events.ok()) << TicketStatusName(from) << ": " << events.status();
    EXPECT_THAT(*events, ElementsAre(TicketEvent{TicketClosed{kTicket, "satisfied", "cb-1"}}));
    state = Evolve(std::move(state), events->front());
    EXPECT_EQ(state.status, TicketStatus::kClosed);
    EXPECT_EQ(state.close_outcome, "satisfied");
    EXPECT_EQ(state.closed_by_callback_id, "cb-1");
  }
}

TEST(IntakeCallbackOutcome, AClosedTicketStaysAsItIsAndOtherStatesAreRefusedByName) {
  auto again = Decide(Given(History(TicketStatus::kClosed)),
                      RecordCallbackOutcome{kTicket, "cb-1", "callback failed"}, kNow);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(*again, IsEmpty());
  // Reopened by a complaint meanwhile: not closed.
  std::vector<TicketEvent> reopened = History(TicketStatus::kCompleted);
  reopened.push_back(TicketReopened{kTicket, "Complaint."});
  EXPECT_THAT(ExpectError(Decide(Given(reopened), RecordCallbackOutcome{kTicket, "cb-1", "x"},
                                 kNow),
                          absl::StatusCode::kFailedPrecondition, "<none>"),
              HasSubstr("is open; callback cb-1 can close only"));
  for (TicketStatus from : {TicketStatus::kScheduled, TicketStatus::kInProgress,
                            TicketStatus::kCancelled, TicketStatus::kAtFactory}) {
    EXPECT_THAT(ExpectError(Decide(Given(History(from)),
                                   RecordCallbackOutcome{kTicket, "cb-1", "satisfied"}, kNow),
                            absl::StatusCode::kFailedPrecondition, "<none>"),
                HasSubstr("is " + std::string(TicketStatusName(from)) + ";"));
  }
}

TEST(IntakeCallbackOutcome, NeedsTheCallbackTheOutcomeAndAnOpenedTicket) {
  const TicketState done = Given(History(TicketStatus::kCompleted));
  ExpectError(Decide(done, RecordCallbackOutcome{kTicket, "", "satisfied"}, kNow),
              absl::StatusCode::kInvalidArgument, "callback_id");
  ExpectError(Decide(done, RecordCallbackOutcome{kTicket, "cb-1", "  "}, kNow),
              absl::StatusCode::kInvalidArgument, "outcome");
  ExpectError(Decide(TicketState{}, RecordCallbackOutcome{kTicket, "cb-1", "satisfied"}, kNow),
              absl::StatusCode::kNotFound, "ticket_id");
}

// -------------------------------------------------------------- cancel names the job (issue 3)

TEST(IntakeTicketCancel, CarriesTheJobAndTechnicianSchedulingMustCancel) {
  auto scheduled = Decide(Given(History(TicketStatus::kScheduled)),
                          TicketCommand{CancelTicket{kTicket, "Customer withdrew."}}, kNow);
  ASSERT_TRUE(scheduled.ok()) << scheduled.status();
  EXPECT_THAT(*scheduled, ElementsAre(TicketEvent{
                              TicketCancelled{kTicket, "Customer withdrew.", "job-1", "tech-1"}}));
  auto open = Decide(Given(History(TicketStatus::kOpen)),
                     TicketCommand{CancelTicket{kTicket, "Duplicate."}}, kNow);
  ASSERT_TRUE(open.ok());
  EXPECT_THAT(*open, ElementsAre(TicketEvent{TicketCancelled{kTicket, "Duplicate.", "", ""}}));
  // While work is under way the job is stopped too.
  auto started = Decide(Given(History(TicketStatus::kInProgress)),
                        TicketCommand{CancelTicket{kTicket, "Customer sent him away."}}, kNow);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(std::get<TicketCancelled>(started->front()).job_id, "job-1");
  // The unit is at the factory: it must come back first.
  EXPECT_THAT(ExpectError(Decide(Given(History(TicketStatus::kAtFactory)),
                                 TicketCommand{CancelTicket{kTicket, "Changed mind."}}, kNow),
                          absl::StatusCode::kFailedPrecondition, "<none>"),
              HasSubstr("is at the factory;"));
}

// ----------------------------------------------------- the technician's arrival (issue 3)

TEST(IntakeJobArrived, RecordsTheArrivalOnceForTheScheduledJob) {
  const TicketState state = Given(History(TicketStatus::kScheduled));
  const absl::Time device = kNow - absl::Minutes(7);
  auto arrived = Decide(state, RecordJobArrived{kTicket, "job-1", "tech-1", device}, kNow);
  ASSERT_TRUE(arrived.ok()) << arrived.status();
  EXPECT_THAT(*arrived, ElementsAre(TicketEvent{
                            TicketTechnicianArrived{kTicket, "job-1", "tech-1", device}}));
  const TicketState after = Evolve(state, arrived->front());
  EXPECT_EQ(after.status, TicketStatus::kScheduled);  // the state does not change
  EXPECT_EQ(after.technician_arrived_at, device);
  // The same arrival again (a re-sent report): nothing new.
  auto again = Decide(after, RecordJobArrived{kTicket, "job-1", "tech-1", kNow}, kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(*again, IsEmpty());
  // A device clock ahead of the server: the server's time.
  auto ahead = Decide(state, RecordJobArrived{kTicket, "job-1", "", kNow + absl::Hours(1)}, kNow);
  ASSERT_TRUE(ahead.ok());
  EXPECT_EQ(std::get<TicketTechnicianArrived>(ahead->front()).arrived_at, kNow);
  EXPECT_EQ(std::get<TicketTechnicianArrived>(ahead->front()).technician_id, "tech-1");
  // A reopen forgets the arrival of the old job.
  TicketState reopened = Given(History(TicketStatus::kCompleted));
  reopened = Evolve(std::move(reopened), TicketTechnicianArrived{kTicket, "job-1", "tech-1", kNow});
  reopened = Evolve(std::move(reopened), TicketReopened{kTicket, "again"});
  EXPECT_EQ(reopened.technician_arrived_at, absl::InfinitePast());
  EXPECT_TRUE(reopened.arrived_job_id.empty());
}

TEST(IntakeJobArrived, RefusesAnotherJobAnUnscheduledTicketAndAMissingJob) {
  const TicketState scheduled = Given(History(TicketStatus::kScheduled));
  EXPECT_THAT(ExpectError(Decide(scheduled, RecordJobArrived{kTicket, "job-9", "tech-1", kNow},
                                 kNow),
                          absl::StatusCode::kFailedPrecondition, "<none>"),
              HasSubstr("for job job-1, not job job-9"));
  EXPECT_THAT(ExpectError(Decide(Given(History(TicketStatus::kOpen)),
                                 RecordJobArrived{kTicket, "job-1", "tech-1", kNow}, kNow),
                          absl::StatusCode::kFailedPrecondition, "<none>"),
              HasSubstr("is open;"));
  ExpectError(Decide(scheduled, RecordJobArrived{kTicket, "", "tech-1", kNow}, kNow),
              absl::StatusCode::kInvalidArgument, "job_id");
  ExpectError(Decide(TicketState{}, RecordJobArrived{kTicket, "job-1", "tech-1", kNow}, kNow),
              absl::StatusCode::kNotFound, "ticket_id");
}

// ------------------------------------------------------------------------ OpenTicket + asset

OpenTicket OpenWithAsset(absl::Time warranty_end, const std::string& cause) {
  OpenTicket c;
  c.ticket_id = kTicket;
  c.customer.name = "Li Wei";
  c.customer.phone = "13800138000";
  c.category = "refrigerator";
  c.asset_id = "asset-1";
  c.asset = AssetFacts{"asset-1", "cust-1", warranty_end};
  c.fault_cause = cause;
  c.service_promise = "Technician on site within 24 h";
  return c;
}

TEST(IntakeTicketOpenWithAsset, RecordsEntitlementPromiseAndOwner) {
  auto events = Decide(TicketState{}, OpenWithAsset(kNow + absl::Hours(24), "product_fault"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& opened = std::get<TicketOpened>(events->front());
  EXPECT_EQ(opened.customer.customer_id, "cust-1");
  EXPECT_EQ(opened.asset_id, "asset-1");
  EXPECT_EQ(opened.fault_cause, "product_fault");
  EXPECT_EQ(opened.service_promise, "Technician on site within 24 h");
  ASSERT_TRUE(opened.entitlement.has_value());
  EXPECT_EQ(opened.entitlement->coverage, Coverage::kFree);
  EXPECT_TRUE(opened.entitlement->in_warranty);
  EXPECT_THAT(opened.entitlement->explanation, HasSubstr("Free repair"));
}

TEST(IntakeTicketOpenWithAsset, RefusesAnUnknownAssetAnotherCustomersAssetAndABadCause) {
  OpenTicket unknown = OpenWithAsset(kNow, "");
  unknown.asset.reset();
  ExpectError(Decide(TicketState{}, unknown, kNow), absl::StatusCode::kNotFound, "asset_id");
  OpenTicket other = OpenWithAsset(kNow, "");
  other.customer.customer_id = "cust-2";
  EXPECT_THAT(ExpectError(Decide(TicketState{}, other, kNow), absl::StatusCode::kInvalidArgument,
                          "asset_id"),
              HasSubstr("belongs to customer cust-1"));
  ExpectError(Decide(TicketState{}, OpenWithAsset(kNow, "dropped it"), kNow),
              absl::StatusCode::kInvalidArgument, "fault_cause");
  OpenTicket long_promise = OpenWithAsset(kNow, "");
  long_promise.service_promise = std::string(201, 'p');
  ExpectError(Decide(TicketState{}, long_promise, kNow), absl::StatusCode::kInvalidArgument,
              "service_promise");
}

TEST(IntakeTicketOpenWithAsset, WithoutAnAssetNoEntitlementIsRecorded) {
  OpenTicket c = OpenWithAsset(kNow, "");
  c.asset_id.clear();
  c.asset.reset();
  auto events = Decide(TicketState{}, c, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_FALSE(std::get<TicketOpened>(events->front()).entitlement.has_value());
  EXPECT_EQ(std::get<TicketOpened>(events->front()).fault_cause, "");
}

// ------------------------------------------------------------------------------ entitlement

TEST(IntakeEntitlement, FollowsTheThreeGuaranteesByDefault) {
  const EntitlementPolicy policy;
  const absl::Time in = kNow + absl::Hours(1);
  const absl::Time out = kNow - absl::Hours(1);
  EXPECT_EQ(EvaluateEntitlement(policy, in, FaultCause::kProductFault, kNow).coverage,
            Coverage::kFree);
  EXPECT_EQ(EvaluateEntitlement(policy, in, FaultCause::kUnknown, kNow).coverage, Coverage::kFree);
  EXPECT_EQ(EvaluateEntitlement(policy, in, FaultCause::kMisuse, kNow).coverage,
            Coverage::kPartsAtCost);
  EXPECT_EQ(EvaluateEntitlement(policy, in, FaultCause::kForceMajeure, kNow).coverage,
            Coverage::kPartsAtCost);
  EXPECT_EQ(EvaluateEntitlement(policy, out, FaultCause::kProductFault, kNow).coverage,
            Coverage::kFeeSchedule);
  EXPECT_EQ(EvaluateEntitlement(policy, absl::InfinitePast(), FaultCause::kProductFault, kNow)
                .coverage,
            Coverage::kFeeSchedule);
  EXPECT_EQ(EvaluateEntitlement(policy, in, FaultCause::kHumanDamage, kNow).coverage,
            Coverage::kResponsiblePartyPays);
  EXPECT_EQ(EvaluateEntitlement(policy, out, FaultCause::kHumanDamage, kNow).coverage,
            Coverage::kResponsiblePartyPays);
}

TEST(IntakeEntitlement, WarrantyCoversItsLastMomentAndExplainsItself) {
  const Entitlement e =
      EvaluateEntitlement(EntitlementPolicy{}, kNow, FaultCause::kProductFault, kNow);
  EXPECT_TRUE(e.in_warranty);
  EXPECT_EQ(e.fault_cause, "product_fault");
  EXPECT_THAT(e.explanation, HasSubstr("runs until 2026-09-21"));
  const Entitlement late = EvaluateEntitlement(EntitlementPolicy{}, kNow - absl::Seconds(1),
                                               FaultCause::kProductFault, kNow);
  EXPECT_FALSE(late.in_warranty);
  EXPECT_THAT(late.explanation, HasSubstr("out of warranty"));
}

TEST(IntakeEntitlement, PolicyIsConfiguration) {
  EntitlementPolicy generous;
  generous.misuse = Coverage::kFree;
  generous.out_of_warranty = Coverage::kPartsAtCost;
  EXPECT_EQ(EvaluateEntitlement(generous, kNow + absl::Hours(1), FaultCause::kMisuse, kNow)
                .coverage,
            Coverage::kFree);
  EXPECT_EQ(EvaluateEntitlement(generous, kNow - absl::Hours(1), FaultCause::kProductFault, kNow)
                .coverage,
            Coverage::kPartsAtCost);
}

TEST(IntakeEntitlement, ParsesCausesAndNamesTheFieldOfABadOne) {
  EXPECT_EQ(*ParseFaultCause("fault_cause", " Misuse "), FaultCause::kMisuse);
  EXPECT_EQ(*ParseFaultCause("fault_cause", ""), FaultCause::kUnknown);
  ExpectError(ParseFaultCause("fault_cause", "gremlins"), absl::StatusCode::kInvalidArgument,
              "fault_cause");
}

// --------------------------------------------------------------------------------- customers

RegisterCustomer ValidCustomer() {
  RegisterCustomer c;
  c.customer_id = "cust-1";
  c.name = " Wang Wei ";
  c.phones = {"+86 138-0532-1234", "0532 8888 1234"};
  c.address = "5 Sea View Road, Qingdao";
  c.location = GeoPoint{36.06, 120.38};
  c.tier = CustomerTier::kKeyAccount;
  c.consent_to_messages = true;
  c.preferred_technician_id = "T03";
  return c;
}

TEST(IntakeCustomerRegister, RegistersWithWhatTheAgentEntered) {
  auto events = Decide(CustomerState{}, ValidCustomer(), PhoneOwners{}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& e = std::get<CustomerRegistered>(events->front());
  EXPECT_EQ(e.name, "Wang Wei");
  EXPECT_THAT(e.phones, ElementsAre("+86 138-0532-1234", "0532 8888 1234"));
  EXPECT_EQ(e.tier, CustomerTier::kKeyAccount);
  EXPECT_TRUE(e.consent_to_messages);
  EXPECT_EQ(e.preferred_technician_id, "T03");
  const CustomerState state = Evolve(CustomerState{}, events->front());
  EXPECT_TRUE(state.registered());
  EXPECT_EQ(state.location, (GeoPoint{36.06, 120.38}));
}

TEST(IntakeCustomerRegister, DefaultsTierToC) {
  RegisterCustomer c = ValidCustomer();
  c.tier = CustomerTier::kUnspecified;
  auto events = Decide(CustomerState{}, c, PhoneOwners{}, kNow);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(std::get<CustomerRegistered>(events->front()).tier, CustomerTier::kC);
}

TEST(IntakeCustomerRegister, RefusesAPhoneAnotherCustomerHasNamingThatCustomer) {
  PhoneOwners owners{{"053288881234", "cust-old"}};
  EXPECT_THAT(ExpectError(Decide(CustomerState{}, ValidCustomer(), owners, kNow),
                          absl::StatusCode::kAlreadyExists, "phones[1]"),
              HasSubstr("customer cust-old"));
}

TEST(IntakeCustomerRegister, ValidatesEveryField) {
  auto check = [](auto mutate, const std::string& field) {
    RegisterCustomer c = ValidCustomer();
    mutate(c);
    ExpectError(Decide(CustomerState{}, c, PhoneOwners{}, kNow),
                absl::StatusCode::kInvalidArgument, field);
  };
  check([](RegisterCustomer& c) { c.customer_id = ""; }, "customer_id");
  check([](RegisterCustomer& c) { c.name = " "; }, "name");
  check([](RegisterCustomer& c) { c.name = std::string(101, 'n'); }, "name");
  check([](RegisterCustomer& c) { c.phones.clear(); }, "phones");
  check([](RegisterCustomer& c) { c.phones = {"1", "2", "3", "4", "5", "6"}; }, "phones");
  check([](RegisterCustomer& c) { c.phones[1] = "call me"; }, "phones[1]");
  check([](RegisterCustomer& c) { c.phones[0] = "123"; }, "phones[0]");
  check([](RegisterCustomer& c) { c.phones[1] = "+86 13805321234"; }, "phones[1]");
  check([](RegisterCustomer& c) { c.address = std::string(301, 'a'); }, "address");
  check([](RegisterCustomer& c) { c.location = GeoPoint{91, 0}; }, "location.lat");
  check([](RegisterCustomer& c) { c.location = GeoPoint{0, 181}; }, "location.lng");
  check([](RegisterCustomer& c) { c.tier = static_cast<CustomerTier>(9); }, "tier");
}

TEST(IntakeCustomerRegister, RefusesARegisteredCustomer) {
  const CustomerState state =
      Evolve(CustomerState{}, *Decide(CustomerState{}, ValidCustomer(), {}, kNow)->begin());
  ExpectError(Decide(state, ValidCustomer(), PhoneOwners{}, kNow),
              absl::StatusCode::kAlreadyExists, "customer_id");
}

// ------------------------------------------------------------------------------------ assets

CustomerState Owner(const std::string& id) {
  CustomerState c;
  c.customer_id = id;
  c.name = "Owner " + id;
  return c;
}

RegisterAsset ValidAsset() {
  RegisterAsset a;
  a.asset_id = "asset-1";
  a.customer_id = "cust-1";
  a.model = "BCD-470";
  a.serial = "SN123";
  a.category = "refrigerator";
  a.purchased_on = absl::FromCivil(absl::CivilDay(2024, 2, 20), absl::UTCTimeZone());
  a.installed_on = absl::FromCivil(absl::CivilDay(2024, 2, 29), absl::UTCTimeZone());
  a.contract = Contract{"C-9", "Gold care", absl::InfinitePast(), ServicePromises{2, 24, 72}};
  return a;
}

TEST(IntakeAssetRegister, WarrantyDefaultsToTwoYearsFromInstallation) {
  auto events = Decide(AssetState{}, ValidAsset(), Owner("cust-1"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& e = std::get<AssetRegistered>(events->front());
  EXPECT_EQ(e.warranty_end, absl::FromCivil(absl::CivilDay(2026, 2, 28), absl::UTCTimeZone()));
  ASSERT_TRUE(e.contract.has_value());
  EXPECT_EQ(e.contract->promises.on_site_hours, 24);
}

TEST(IntakeAssetRegister, WarrantyFromPurchaseWhenNotInstalledAndExplicitEndWins) {
  RegisterAsset a = ValidAsset();
  a.installed_on = absl::InfinitePast();
  a.warranty_years = 3;
  auto events = Decide(AssetState{}, a, Owner("cust-1"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<AssetRegistered>(events->front()).warranty_end,
            absl::FromCivil(absl::CivilDay(2027, 2, 20), absl::UTCTimeZone()));
  a.warranty_end = kNow;
  events = Decide(AssetState{}, a, Owner("cust-1"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<AssetRegistered>(events->front()).warranty_end, kNow);
}

TEST(IntakeAssetRegister, RecordsTheInsuranceEndNotBeforePurchaseOrInstallation) {
  RegisterAsset a = ValidAsset();
  a.insurance_end = absl::FromCivil(absl::CivilDay(2027, 2, 28), absl::UTCTimeZone());
  auto events = Decide(AssetState{}, a, Owner("cust-1"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(std::get<AssetRegistered>(events->front()).insurance_end, a.insurance_end);
  EXPECT_EQ(Evolve(AssetState{}, events->front()).insurance_end, a.insurance_end);
  // None given: none recorded.
  events = Decide(AssetState{}, ValidAsset(), Owner("cust-1"), kNow);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(std::get<AssetRegistered>(events->front()).insurance_end, absl::InfinitePast());
  // Before the installation (after the purchase) / before the purchase (not installed).
  a.insurance_end = absl::FromCivil(absl::CivilDay(2024, 2, 25), absl::UTCTimeZone());
  EXPECT_THAT(ExpectError(Decide(AssetState{}, a, Owner("cust-1"), kNow),
                          absl::StatusCode::kInvalidArgument, "insurance_end"),
              HasSubstr("before the installation date"));
  a.installed_on = absl::InfinitePast();
  a.insurance_end = absl::FromCivil(absl::CivilDay(2024, 2, 1), absl::UTCTimeZone());
  EXPECT_THAT(ExpectError(Decide(AssetState{}, a, Owner("cust-1"), kNow),
                          absl::StatusCode::kInvalidArgument, "insurance_end"),
              HasSubstr("before the purchase date"));
}

TEST(IntakeAssetRegister, ValidatesEveryField) {
  auto check = [](auto mutate, absl::StatusCode code, const std::string& field) {
    RegisterAsset a = ValidAsset();
    CustomerState owner = Owner("cust-1");
    mutate(a, owner);
    ExpectError(Decide(AssetState{}, a, owner, kNow), code, field);
  };
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  check([](RegisterAsset& a, CustomerState&) { a.asset_id = ""; }, kInvalid, "asset_id");
  check([](RegisterAsset& a, CustomerState&) { a.customer_id = ""; }, kInvalid, "customer_id");
  check([](RegisterAsset&, CustomerState& o) { o = CustomerState{}; },
        absl::StatusCode::kNotFound, "customer_id");
  check([](RegisterAsset& a, CustomerState&) { a.model = ""; }, kInvalid, "model");
  check([](RegisterAsset& a, CustomerState&) { a.serial = " "; }, kInvalid, "serial");
  check([](RegisterAsset& a, CustomerState&) { a.purchased_on = kNow + absl::Hours(30); },
        kInvalid, "purchased_on");
  check([](RegisterAsset& a, CustomerState&) { a.installed_on = kNow + absl::Hours(30); },
        kInvalid, "installed_on");
  check([](RegisterAsset& a, CustomerState&) { a.installed_on = a.purchased_on - absl::Hours(1); },
        kInvalid, "installed_on");
  check([](RegisterAsset& a, CustomerState&) {
    a.purchased_on = a.installed_on = absl::InfinitePast();
  }, kInvalid, "installed_on");
  check([](RegisterAsset& a, CustomerState&) { a.warranty_end = a.installed_on - absl::Hours(1); },
        kInvalid, "warranty_end");
  check([](RegisterAsset& a, CustomerState&) { a.contract->contract_id = ""; }, kInvalid,
        "contract.contract_id");
  check([](RegisterAsset& a, CustomerState&) { a.contract->promises.on_site_hours = -1; },
        kInvalid, "contract.promises.on_site_hours");
}

TEST(IntakeAssetTransfer, MovesOwnershipAndRemembersThePreviousOwner) {
  AssetState state = Evolve(AssetState{}, Decide(AssetState{}, ValidAsset(), Owner("cust-1"),
                                                 kNow)->front());
  auto events = Decide(state, TransferAsset{"asset-1", "cust-2", "Sold with the house."},
                       Owner("cust-2"), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(AssetEvent{AssetOwnershipTransferred{
                           "asset-1", "cust-1", "cust-2", "Sold with the house."}}));
  state = Evolve(std::move(state), events->front());
  EXPECT_EQ(state.customer_id, "cust-2");
  EXPECT_THAT(state.previous_customer_ids, ElementsAre("cust-1"));
  // Back to the same owner is refused.
  ExpectError(Decide(state, TransferAsset{"asset-1", "cust-2", "again"}, Owner("cust-2"), kNow),
              absl::StatusCode::kFailedPrecondition, "<none>");
}

TEST(IntakeAssetTransfer, RefusesUnknownAssetUnknownOwnerAndMissingReason) {
  AssetState state = Evolve(AssetState{}, Decide(AssetState{}, ValidAsset(), Owner("cust-1"),
                                                 kNow)->front());
  ExpectError(Decide(AssetState{}, TransferAsset{"asset-9", "cust-2", "sold"}, Owner("cust-2"),
                     kNow),
              absl::StatusCode::kNotFound, "asset_id");
  ExpectError(Decide(state, TransferAsset{"asset-1", "cust-2", "sold"}, CustomerState{}, kNow),
              absl::StatusCode::kNotFound, "to_customer_id");
  ExpectError(Decide(state, TransferAsset{"asset-1", "", "sold"}, CustomerState{}, kNow),
              absl::StatusCode::kInvalidArgument, "to_customer_id");
  ExpectError(Decide(state, TransferAsset{"asset-1", "cust-2", " "}, Owner("cust-2"), kNow),
              absl::StatusCode::kInvalidArgument, "reason");
}

// -------------------------------------------------------------------------------- complaints

RegisterComplaint ValidComplaint() {
  RegisterComplaint c;
  c.complaint_id = "cmp-1";
  c.kind = "Complaint";
  c.customer_id = "cust-1";
  c.ticket_id = kTicket;
  c.technician_id = "T03";
  c.part_skus = {"THM-210"};
  c.category = "service attitude";
  c.description = "The technician was rude.";
  return c;
}

ComplaintState GivenComplaint(std::vector<ComplaintEvent> more = {}) {
  ComplaintState state = Evolve(ComplaintState{}, Decide(ComplaintState{}, ValidComplaint(),
                                                         kNow)->front());
  for (const auto& e : more) state = Evolve(std::move(state), e);
  return state;
}

TEST(IntakeComplaint, RegistersWithAFirstResponseDeadline) {
  auto events = Decide(ComplaintState{}, ValidComplaint(), kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& e = std::get<ComplaintRegistered>(events->front());
  EXPECT_EQ(e.kind, "complaint");
  EXPECT_EQ(e.channel, "phone");
  EXPECT_EQ(e.first_response_due, kNow + absl::Hours(48));
  EXPECT_THAT(e.part_skus, ElementsAre("THM-210"));
}

TEST(IntakeComplaint, ValidatesEveryField) {
  auto check = [](auto mutate, const std::string& field) {
    RegisterComplaint c = ValidComplaint();
    mutate(c);
    ExpectError(Decide(ComplaintState{}, c, kNow), absl::StatusCode::kInvalidArgument, field);
  };
  check([](RegisterComplaint& c) { c.complaint_id = ""; }, "complaint_id");
  check([](RegisterComplaint& c) { c.kind = ""; }, "kind");
  check([](RegisterComplaint& c) { c.kind = "rant"; }, "kind");
  check([](RegisterComplaint& c) { c.channel = "pigeon"; }, "channel");
  check([](RegisterComplaint& c) { c.customer_id = c.ticket_id = ""; }, "customer_id");
  check([](RegisterComplaint& c) { c.part_skus = {"A", " "}; }, "part_skus[1]");
  check([](RegisterComplaint& c) { c.category = ""; }, "category");
  check([](RegisterComplaint& c) { c.description = ""; }, "description");
  ExpectError(Decide(GivenComplaint(), ValidComplaint(), kNow), absl::StatusCode::kAlreadyExists,
              "complaint_id");
}

TEST(IntakeComplaint, FirstNoteIsTheFirstResponse) {
  auto first = Decide(GivenComplaint(), ComplaintCommand{AddComplaintNote{"cmp-1", "listen", "Heard."}},
                      kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(*first, ElementsAre(ComplaintEvent{
                          ComplaintNoteAdded{"cmp-1", "listen", "Heard.", true}}));
  auto second = Decide(GivenComplaint({first->front()}),
                       ComplaintCommand{AddComplaintNote{"cmp-1", "", "More."}}, kNow);
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(*second, ElementsAre(ComplaintEvent{ComplaintNoteAdded{"cmp-1", "note", "More.",
                                                                     false}}));
  ExpectError(Decide(GivenComplaint(), ComplaintCommand{AddComplaintNote{"cmp-1", "shout", "x"}},
                     kNow),
              absl::StatusCode::kInvalidArgument, "step");
  ExpectError(Decide(GivenComplaint(), ComplaintCommand{AddComplaintNote{"cmp-1", "note", ""}},
                     kNow),
              absl::StatusCode::kInvalidArgument, "text");
  ExpectError(Decide(ComplaintState{}, ComplaintCommand{AddComplaintNote{"cmp-9", "note", "x"}},
                     kNow),
              absl::StatusCode::kNotFound, "complaint_id");
}

TEST(IntakeComplaint, ClosesOnlyOnCustomerSatisfactionOrManagerSignoff) {
  const ComplaintState open = GivenComplaint();
  for (const std::string basis : {"", "resolved", "staff_resolved"}) {
    auto refused = Decide(open, ComplaintCommand{CloseComplaint{"cmp-1", basis, "done", "care"}},
                          kNow);
    EXPECT_THAT(ExpectError(refused, absl::StatusCode::kFailedPrecondition, "<none>"),
                HasSubstr("closes only when the customer confirms"));
  }
  ExpectError(Decide(open, ComplaintCommand{CloseComplaint{"cmp-1", "manager_signoff",
                                                           "Rules cannot resolve it.", "care"}},
                     kNow),
              absl::StatusCode::kPermissionDenied, "<none>");
  ExpectError(Decide(open, ComplaintCommand{CloseComplaint{"cmp-1", "manager_signoff", " ",
                                                           "manager"}},
                     kNow),
              absl::StatusCode::kInvalidArgument, "text");
  auto signed_off = Decide(open, ComplaintCommand{CloseComplaint{
                                     "cmp-1", "manager_signoff", "Rules cannot resolve it.",
                                     "manager"}},
                           kNow);
  ASSERT_TRUE(signed_off.ok()) << signed_off.status();
  auto satisfied = Decide(open, ComplaintCommand{CloseComplaint{"cmp-1", "customer_satisfied",
                                                                "Customer is happy.", "care"}},
                          kNow);
  ASSERT_TRUE(satisfied.ok()) << satisfied.status();
  const ComplaintState closed = Evolve(open, satisfied->front());
  EXPECT_TRUE(closed.closed);
  ExpectError(Decide(closed, ComplaintCommand{CloseComplaint{"cmp-1", "customer_satisfied", "",
                                                             "care"}},
                     kNow),
              absl::StatusCode::kFailedPrecondition, "<none>");
  ExpectError(Decide(closed, ComplaintCommand{AddComplaintNote{"cmp-1", "note", "x"}}, kNow),
              absl::StatusCode::kFailedPrecondition, "<none>");
}

TEST(IntakeComplaint, ReopenOnlyAClosedComplaintWithAReason) {
  const ComplaintState open = GivenComplaint();
  ExpectError(Decide(open, ComplaintCommand{ReopenComplaint{"cmp-1", "again"}}, kNow),
              absl::StatusCode::kFailedPrecondition, "<none>");
  const ComplaintState closed =
      GivenComplaint({ComplaintClosed{"cmp-1", "customer_satisfied", ""}});
  ExpectError(Decide(closed, ComplaintCommand{ReopenComplaint{"cmp-1", ""}}, kNow),
              absl::StatusCode::kInvalidArgument, "text");
  auto reopened = Decide(closed, ComplaintCommand{ReopenComplaint{"cmp-1", "Still rude."}}, kNow);
  ASSERT_TRUE(reopened.ok());
  const ComplaintState again = Evolve(closed, reopened->front());
  EXPECT_FALSE(again.closed);
  EXPECT_EQ(again.reopen_count, 1);
}

}  // namespace
}  // namespace fieldline::intake
