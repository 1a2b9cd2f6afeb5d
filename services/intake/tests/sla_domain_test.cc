// SLA clocks (domain/sla) and the ticket rules around them: business calendar across weekends,
// holidays and make-up days; warning at exactly 80 %; breach; pauses for the customer and for
// parts; contract promises; as-of; the pause / parts / SLA-finding deciders; birthdays.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/time/civil_time.h"
#include "services/common/core/errors.h"
#include "services/intake/domain/customer.h"
#include "services/intake/domain/sla.h"
#include "services/intake/domain/ticket.h"

namespace fieldline::intake {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::TimeZone kShanghai = DefaultCalendar().zone;

// Local Shanghai time.
absl::Time At(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), kShanghai);
}

// 2026-11-23 is a Monday.
const absl::Time kMonday9 = At(2026, 11, 23, 9);

TicketOpened Opened(Priority priority = Priority::kNormal, CustomerTier tier = CustomerTier::kC) {
  TicketOpened o;
  o.ticket_id = "t-1";
  o.customer.customer_id = "c-1";
  o.customer.name = "Li Wei";
  o.customer.phone = "13800138000";
  o.category = "fridge";
  o.priority = priority;
  o.channel = "phone";
  o.customer_tier = tier;
  return o;
}

SlaPolicy ResponseOnly(int64_t response_minutes) {
  SlaPolicy p;
  p.rules = {{CustomerTier::kUnspecified, Priority::kUnspecified, {response_minutes, 0, 0}}};
  return p;
}

const SlaClockState& Clock(const TicketSlaState& sla, SlaClockKind kind) {
  const SlaClockState* c = sla.Find(kind);
  EXPECT_NE(c, nullptr);
  static const SlaClockState kNone;
  return c == nullptr ? kNone : *c;
}

// ------------------------------------------------------------------------------- the calendar

TEST(BusinessCalendarTest, FridayEveningPlusTwoHoursIsMondayMorning) {
  const BusinessCalendar cal = DefaultCalendar();
  const absl::Time friday17 = At(2026, 11, 27, 17);
  EXPECT_EQ(cal.Add(friday17, absl::Hours(2)), At(2026, 11, 30, 10));
  EXPECT_EQ(cal.Between(friday17, At(2026, 11, 30, 10)), absl::Hours(2));
  // Saturday and Sunday count nothing.
  EXPECT_EQ(cal.Between(At(2026, 11, 28, 0), At(2026, 11, 30, 0)), absl::ZeroDuration());
  // Outside working hours the clock starts at the next opening.
  EXPECT_EQ(cal.Add(At(2026, 11, 24, 6), absl::Minutes(30)), At(2026, 11, 24, 9, 30));
}

TEST(BusinessCalendarTest, HolidayIsSkippedAndMakeUpDayIsWorked) {
  BusinessCalendar cal = DefaultCalendar();
  cal.holidays.insert(absl::CivilDay(2026, 11, 30));  // Monday off
  EXPECT_EQ(cal.Add(At(2026, 11, 27, 17), absl::Hours(2)), At(2026, 12, 1, 10));
  cal.makeup_days.insert(absl::CivilDay(2026, 11, 28));  // Saturday worked
  EXPECT_EQ(cal.Add(At(2026, 11, 27, 17), absl::Hours(2)), At(2026, 11, 28, 10));
  EXPECT_EQ(cal.Between(At(2026, 11, 28, 0), At(2026, 11, 29, 0)), absl::Hours(9));
}

TEST(BusinessCalendarTest, ParsersNameTheField) {
  EXPECT_EQ(*ParseClockTime("start", "08:30"), 510);
  EXPECT_EQ(*ParseClockTime("end", "24:00"), 1440);
  EXPECT_EQ(FieldOf(ParseClockTime("hours[0].start", "8h").status()).value_or(""),
            "hours[0].start");
  EXPECT_EQ(FieldOf(ParseDay("holidays[2]", "2026-02-30").status()).value_or(""), "holidays[2]");
  EXPECT_EQ(FieldOf(ValidateWarningFraction("warning_fraction", 1.5)).value_or(""),
            "warning_fraction");
  BusinessCalendar cal;
  cal.time_zone_name = "Mars/Olympus";
  EXPECT_EQ(FieldOf(LoadCalendarZone("calendar.time_zone", cal)).value_or(""),
            "calendar.time_zone");
}

// ------------------------------------------------------------------------------------- policy

TEST(SlaPolicyTest, MostSpecificRuleWins) {
  const SlaPolicy p;
  EXPECT_EQ(p.AllowancesFor(CustomerTier::kC, Priority::kNormal).response_minutes, 120);
  EXPECT_EQ(p.AllowancesFor(CustomerTier::kC, Priority::kNormal).on_site_minutes, 24 * 60);
  EXPECT_EQ(p.AllowancesFor(CustomerTier::kC, Priority::kUrgent).response_minutes, 30);
  EXPECT_EQ(p.AllowancesFor(CustomerTier::kKeyAccount, Priority::kNormal).response_minutes, 60);
  EXPECT_EQ(p.AllowancesFor(CustomerTier::kKeyAccount, Priority::kUrgent).response_minutes, 15);
}

// ------------------------------------------------------------------------------------- clocks

TEST(EvaluateSlaTest, WarningAtExactlyEightyPercentThenBreach) {
  const std::vector<TimedTicketEvent> history = {{Opened(), kMonday9}};
  const SlaPolicy policy = ResponseOnly(120);
  // 95 of 120 minutes: no warning yet.
  TicketSlaState sla = EvaluateSla(history, policy, kMonday9 + absl::Minutes(95));
  ASSERT_THAT(sla.clocks, SizeIs(1));
  EXPECT_FALSE(Clock(sla, SlaClockKind::kResponse).warning);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).warn_at, kMonday9 + absl::Minutes(96));
  // Exactly 96 minutes = 80 %.
  sla = EvaluateSla(history, policy, kMonday9 + absl::Minutes(96));
  EXPECT_TRUE(Clock(sla, SlaClockKind::kResponse).warning);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).status, SlaClockStatus::kRunning);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).elapsed_minutes(), 96);
  // At 120 minutes the allowance is used up: breached, due 11:00.
  sla = EvaluateSla(history, policy, kMonday9 + absl::Minutes(120));
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).status, SlaClockStatus::kBreached);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).due, At(2026, 11, 23, 11));
}

TEST(EvaluateSlaTest, ScheduledInTimeIsMetAndStaysMet) {
  const std::vector<TimedTicketEvent> history = {
      {Opened(), kMonday9},
      {TicketScheduled{"t-1", "job-1", "tech-1"}, kMonday9 + absl::Minutes(100)}};
  const TicketSlaState sla = EvaluateSla(history, ResponseOnly(120), At(2026, 11, 30, 9));
  const SlaClockState& c = Clock(sla, SlaClockKind::kResponse);
  EXPECT_EQ(c.status, SlaClockStatus::kMet);
  EXPECT_EQ(c.elapsed_minutes(), 100);
  EXPECT_EQ(c.stopped_by, "TicketScheduled");
  EXPECT_TRUE(c.warning);  // it did pass 80 % before it was met
}

TEST(EvaluateSlaTest, OpenedFridayEveningCountsOnlyBusinessTime) {
  const absl::Time friday17 = At(2026, 11, 27, 17);
  const std::vector<TimedTicketEvent> history = {{Opened(), friday17}};
  const TicketSlaState sla = EvaluateSla(history, ResponseOnly(120), At(2026, 11, 29, 20));
  const SlaClockState& c = Clock(sla, SlaClockKind::kResponse);
  EXPECT_EQ(c.elapsed_minutes(), 60);  // Friday 17:00-18:00 only
  EXPECT_EQ(c.status, SlaClockStatus::kRunning);
  EXPECT_EQ(c.due, At(2026, 11, 30, 10));
}

TEST(EvaluateSlaTest, WaitingForTheCustomerPausesEveryClock) {
  const std::vector<TimedTicketEvent> history = {
      {Opened(), kMonday9},
      {TicketWaitingForCustomer{"t-1", "customer not at home"}, kMonday9 + absl::Minutes(30)},
      {TicketCustomerResumed{"t-1", ""}, kMonday9 + absl::Minutes(90)}};
  const SlaPolicy policy = ResponseOnly(120);
  // While paused: 30 minutes used, status paused.
  TicketSlaState sla = EvaluateSla(history, policy, kMonday9 + absl::Minutes(60));
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).status, SlaClockStatus::kPaused);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).elapsed_minutes(), 30);
  EXPECT_TRUE(sla.paused);
  // Resumed at 10:30: at 11:00 60 minutes are used; due 12:00 instead of 11:00.
  sla = EvaluateSla(history, policy, At(2026, 11, 23, 11));
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).status, SlaClockStatus::kRunning);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).elapsed_minutes(), 60);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).due, At(2026, 11, 23, 12));
}

TEST(EvaluateSlaTest, WaitingForPartsPausesUntilEveryPartArrived) {
  const std::vector<TimedTicketEvent> history = {
      {Opened(), kMonday9},
      {TicketWaitingForParts{"t-1", "job-1", {{"SKU-A", 1}, {"SKU-B", 1}}},
       kMonday9 + absl::Minutes(60)},
      {TicketPartsArrived{"t-1", "job-1", {{"SKU-A", 1}}}, kMonday9 + absl::Minutes(120)},
      {TicketPartsArrived{"t-1", "job-1", {{"SKU-B", 1}}}, kMonday9 + absl::Minutes(240)}};
  const SlaPolicy policy = ResponseOnly(120);
  EXPECT_EQ(Clock(EvaluateSla(history, policy, kMonday9 + absl::Minutes(200)),
                  SlaClockKind::kResponse)
                .status,
            SlaClockStatus::kPaused);
  const TicketSlaState sla = EvaluateSla(history, policy, kMonday9 + absl::Minutes(270));
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).elapsed_minutes(), 90);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).status, SlaClockStatus::kRunning);
}

TEST(EvaluateSlaTest, ContractPromisesOverrideThePolicyTable) {
  TicketOpened o = Opened();
  o.contract_promises = ServicePromises{1, 0, 0};  // response within 1 h
  const std::vector<TimedTicketEvent> history = {{o, kMonday9}};
  SlaPolicy policy;
  TicketSlaState sla = EvaluateSla(history, policy, kMonday9 + absl::Minutes(61));
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).allowance_minutes, 60);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).allowance_source, "contract");
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).status, SlaClockStatus::kBreached);
  EXPECT_EQ(Clock(sla, SlaClockKind::kOnSite).allowance_source, "policy");
  policy.contracts_override = false;
  sla = EvaluateSla(history, policy, kMonday9 + absl::Minutes(61));
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).allowance_minutes, 120);
}

TEST(EvaluateSlaTest, AsOfIgnoresLaterEventsAndBeforeOpeningHasNoClocks) {
  const std::vector<TimedTicketEvent> history = {
      {Opened(), kMonday9},
      {TicketScheduled{"t-1", "job-1", "tech-1"}, At(2026, 11, 24, 9)}};
  // As of Monday 10:00 the ticket was not scheduled yet: running, 60 minutes used.
  TicketSlaState sla = EvaluateSla(history, ResponseOnly(120), At(2026, 11, 23, 10));
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).status, SlaClockStatus::kRunning);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).elapsed_minutes(), 60);
  // Now it is known to have been scheduled late: breached.
  sla = EvaluateSla(history, ResponseOnly(120), At(2026, 11, 25, 9));
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).status, SlaClockStatus::kBreached);
  EXPECT_THAT(EvaluateSla(history, ResponseOnly(120), kMonday9 - absl::Minutes(1)).clocks,
              IsEmpty());
}

TEST(EvaluateSlaTest, CancelledTicketCancelsRunningClocks) {
  const std::vector<TimedTicketEvent> history = {
      {Opened(), kMonday9}, {TicketCancelled{"t-1", "duplicate"}, kMonday9 + absl::Minutes(10)}};
  const TicketSlaState sla = EvaluateSla(history, SlaPolicy{}, At(2026, 12, 30, 9));
  for (const SlaClockState& c : sla.clocks) EXPECT_EQ(c.status, SlaClockStatus::kCancelled);
}

TEST(EvaluateSlaTest, TheArrivalStopsTheOnSiteClockAtTheReportedTime) {
  SlaPolicy policy;
  policy.rules = {{CustomerTier::kUnspecified, Priority::kUnspecified, {0, 120, 0}}};
  // Arrived at 10:50 by the device, recorded at 11:30 (the report came late): met, 110 min.
  const std::vector<TimedTicketEvent> history = {
      {Opened(), kMonday9},
      {TicketScheduled{"t-1", "job-1", "tech-1"}, kMonday9 + absl::Minutes(10)},
      {TicketTechnicianArrived{"t-1", "job-1", "tech-1", kMonday9 + absl::Minutes(110)},
       kMonday9 + absl::Minutes(150)},
      {TicketWorkStarted{"t-1", "job-1"}, kMonday9 + absl::Minutes(160)}};
  const TicketSlaState sla = EvaluateSla(history, policy, At(2026, 11, 24, 9));
  const SlaClockState& c = Clock(sla, SlaClockKind::kOnSite);
  EXPECT_EQ(c.status, SlaClockStatus::kMet);
  EXPECT_EQ(c.elapsed_minutes(), 110);
  EXPECT_EQ(c.stopped_by, "TicketTechnicianArrived");
  EXPECT_EQ(c.stopped_at, kMonday9 + absl::Minutes(110));
  // No arrival reported: the start of work stops it (late: breached).
  const std::vector<TimedTicketEvent> no_arrival = {history[0], history[1], history[3]};
  const TicketSlaState started = EvaluateSla(no_arrival, policy, At(2026, 11, 24, 9));
  const SlaClockState& s = Clock(started, SlaClockKind::kOnSite);
  EXPECT_EQ(s.status, SlaClockStatus::kBreached);
  EXPECT_EQ(s.stopped_by, "TicketWorkStarted");
}

TEST(EvaluateSlaTest, AReopenRestartsOnSiteAndResolutionButNotResponse) {
  SlaPolicy policy;
  policy.rules = {{CustomerTier::kUnspecified, Priority::kUnspecified, {60, 120, 240}}};
  // Mon 09:00 opened, 09:30 scheduled, 10:00 started, 11:00 completed; reopened Tue 09:00.
  const std::vector<TimedTicketEvent> history = {
      {Opened(), kMonday9},
      {TicketScheduled{"t-1", "job-1", "tech-1"}, kMonday9 + absl::Minutes(30)},
      {TicketWorkStarted{"t-1", "job-1"}, kMonday9 + absl::Minutes(60)},
      {TicketCompleted{"t-1", "job-1", {}, "Fixed."}, kMonday9 + absl::Minutes(120)},
      {TicketReopened{"t-1", "Not cooling again."}, At(2026, 11, 24, 9)}};
  // Before the reopen every clock is met.
  TicketSlaState sla = EvaluateSla(history, policy, At(2026, 11, 23, 17));
  for (const SlaClockState& c : sla.clocks) EXPECT_EQ(c.status, SlaClockStatus::kMet);
  // Tue 09:30: response still met (30 min); on-site runs on from 60 (+30 = 90 of 120; warns at
  // 96, 09:36);
  // resolution from 120 (+30 = 150 of 240). The night between does not count.
  sla = EvaluateSla(history, policy, At(2026, 11, 24, 9, 30));
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).status, SlaClockStatus::kMet);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResponse).elapsed_minutes(), 30);
  const SlaClockState& on_site = Clock(sla, SlaClockKind::kOnSite);
  EXPECT_EQ(on_site.status, SlaClockStatus::kRunning);
  EXPECT_EQ(on_site.elapsed_minutes(), 90);
  EXPECT_FALSE(on_site.warning);
  EXPECT_EQ(on_site.warn_at, At(2026, 11, 24, 9, 36));
  EXPECT_EQ(on_site.due, At(2026, 11, 24, 10));
  EXPECT_EQ(on_site.stopped_at, absl::InfinitePast());
  EXPECT_EQ(Clock(sla, SlaClockKind::kResolution).elapsed_minutes(), 150);
  EXPECT_EQ(Clock(sla, SlaClockKind::kResolution).status, SlaClockStatus::kRunning);
  // Not visited again by 10:00: breached.
  sla = EvaluateSla(history, policy, At(2026, 11, 24, 10));
  EXPECT_EQ(Clock(sla, SlaClockKind::kOnSite).status, SlaClockStatus::kBreached);
  // A cancelled clock stays cancelled (a cancelled ticket cannot be reopened anyway).
}

// ------------------------------------------------------------------- the ticket's new rules

TicketState OpenState() { return Evolve(TicketState{}, Opened()); }

TEST(TicketPauseTest, WaitForCustomerNeedsAReasonAndOnlyOnce) {
  TicketState s = OpenState();
  auto missing = Decide(s, TicketCommand{WaitForCustomer{"t-1", "  "}}, kMonday9);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(missing.status()).value_or(""), "reason");
  auto events = Decide(s, TicketCommand{WaitForCustomer{"t-1", "quote to decide"}}, kMonday9);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, ElementsAre(TicketEvent{TicketWaitingForCustomer{"t-1", "quote to decide"}}));
  s = Evolve(s, (*events)[0]);
  EXPECT_TRUE(s.waiting_for_customer);
  auto again = Decide(s, TicketCommand{WaitForCustomer{"t-1", "again"}}, kMonday9);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  auto resumed = Decide(s, TicketCommand{ResumeFromCustomer{"t-1", "accepted"}}, kMonday9);
  ASSERT_TRUE(resumed.ok());
  s = Evolve(s, (*resumed)[0]);
  EXPECT_FALSE(s.waiting_for_customer);
  EXPECT_EQ(Decide(s, TicketCommand{ResumeFromCustomer{"t-1", ""}}, kMonday9).status().code(),
            absl::StatusCode::kFailedPrecondition);
  TicketState closed = s;
  closed.status = TicketStatus::kClosed;
  auto refused = Decide(closed, TicketCommand{WaitForCustomer{"t-1", "x"}}, kMonday9);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr("is closed"));
  EXPECT_EQ(Decide(TicketState{}, TicketCommand{WaitForCustomer{"t-9", "x"}}, kMonday9)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(TicketPartsTest, BackorderWaitsAndSchedulingContinuesUnderneath) {
  TicketState s = OpenState();
  auto bad = Decide(s, RecordPartsBackordered{"t-1", "job-1", {"SKU-A", 0}}, kMonday9);
  EXPECT_EQ(FieldOf(bad.status()).value_or(""), "quantity");
  auto events = Decide(s, RecordPartsBackordered{"t-1", "job-1", {"SKU-A", 2}}, kMonday9);
  ASSERT_TRUE(events.ok()) << events.status();
  s = Evolve(s, (*events)[0]);
  EXPECT_EQ(s.status, TicketStatus::kWaitingForParts);
  EXPECT_EQ(s.status_before_parts, TicketStatus::kOpen);
  // Scheduling assigns the job while the ticket waits: it stays waiting, scheduled underneath.
  auto assigned = Decide(s, RecordJobAssigned{"t-1", "job-1", "tech-1"}, kMonday9);
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  s = Evolve(s, (*assigned)[0]);
  EXPECT_EQ(s.status, TicketStatus::kWaitingForParts);
  EXPECT_EQ(s.status_before_parts, TicketStatus::kScheduled);
  // Another job's back-order is refused.
  EXPECT_EQ(Decide(s, RecordPartsBackordered{"t-1", "job-2", {"SKU-A", 1}}, kMonday9)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  // A part it does not wait for changes nothing; the missing one ends the wait.
  EXPECT_THAT(*Decide(s, RecordPartsReserved{"t-1", "job-1", {"SKU-Z", 1}}, kMonday9), IsEmpty());
  auto arrived = Decide(s, RecordPartsReserved{"t-1", "job-1", {"SKU-A", 2}}, kMonday9);
  ASSERT_THAT(*arrived, SizeIs(1));
  s = Evolve(s, (*arrived)[0]);
  EXPECT_EQ(s.status, TicketStatus::kScheduled);
  EXPECT_THAT(s.missing_parts, IsEmpty());
  // Not waiting any more: a reservation is nothing to record.
  EXPECT_THAT(*Decide(s, RecordPartsReserved{"t-1", "job-1", {"SKU-A", 2}}, kMonday9), IsEmpty());
}

TEST(TicketSlaFindingTest, WarningAndBreachAreReportedOncePerClock) {
  TicketState s = OpenState();
  RecordSlaFinding f{"t-1", "response", true, false, kMonday9 + absl::Hours(2), 120, 96};
  auto events = Decide(s, f, kMonday9);
  ASSERT_THAT(*events, SizeIs(1));
  const auto& warning = std::get<TicketSlaReported>((*events)[0]);
  EXPECT_FALSE(warning.breach);
  EXPECT_EQ(warning.customer_id, "c-1");
  EXPECT_EQ(warning.tier, CustomerTier::kC);
  s = Evolve(s, (*events)[0]);
  EXPECT_THAT(*Decide(s, f, kMonday9), IsEmpty());
  f.breached = true;
  events = Decide(s, f, kMonday9);
  ASSERT_THAT(*events, SizeIs(1));
  EXPECT_TRUE(std::get<TicketSlaReported>((*events)[0]).breach);
  s = Evolve(s, (*events)[0]);
  EXPECT_THAT(*Decide(s, f, kMonday9), IsEmpty());
  EXPECT_THAT(s.sla_breached, ElementsAre("response"));
  // A breach never warned before reports both, warning first.
  RecordSlaFinding late{"t-1", "on_site", false, true, kMonday9, 60, 70};
  events = Decide(s, late, kMonday9);
  ASSERT_THAT(*events, SizeIs(2));
  EXPECT_FALSE(std::get<TicketSlaReported>((*events)[0]).breach);
  EXPECT_TRUE(std::get<TicketSlaReported>((*events)[1]).breach);
}

// ------------------------------------------------------------------------------ birthdays

TEST(CustomerBirthdayTest, BirthdayAndRegionAreValidated) {
  RegisterCustomer c;
  c.customer_id = "c-1";
  c.name = "Wang Wei";
  c.phones = {"13800138000"};
  c.birthday = "1985-03-21";
  c.region = " Qingdao/Shinan ";
  auto events = Decide(CustomerState{}, c, {}, kMonday9);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& e = std::get<CustomerRegistered>((*events)[0]);
  EXPECT_EQ(e.birthday, "1985-03-21");
  EXPECT_EQ(e.region, "Qingdao/Shinan");
  for (const char* bad : {"1985-02-30", "21/03/1985", "2099-01-01", "1850-01-01"}) {
    c.birthday = bad;
    auto refused = Decide(CustomerState{}, c, {}, kMonday9);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(FieldOf(refused.status()).value_or(""), "birthday") << bad;
  }
  c.birthday = "";
  c.region = std::string(101, 'x');
  EXPECT_EQ(FieldOf(Decide(CustomerState{}, c, {}, kMonday9).status()).value_or(""), "region");
}

// ---------------------------------------------------------------------- customer updates

CustomerState Registered() {
  RegisterCustomer c;
  c.customer_id = "c-1";
  c.name = "Wang Wei";
  c.phones = {"13800138000"};
  c.consent_to_messages = true;
  auto events = Decide(CustomerState{}, c, {}, kMonday9);
  return Evolve(CustomerState{}, events->front());
}

TEST(CustomerUpdateTest, ChangesOnlyTheNamedFields) {
  const CustomerState s = Registered();
  UpdateCustomer u;
  u.customer_id = "c-1";
  u.fields = {"consent_to_messages", "region"};
  u.consent_to_messages = false;
  u.region = "Qingdao/Shibei";
  u.name = "ignored: not named";
  auto events = Decide(s, u, {}, kMonday9);
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& e = std::get<CustomerUpdated>(events->front());
  EXPECT_EQ(e.name, "Wang Wei");
  EXPECT_FALSE(e.consent_to_messages);
  EXPECT_EQ(e.region, "Qingdao/Shibei");
  EXPECT_THAT(e.changed_fields, ElementsAre("region", "consent_to_messages"));
  const CustomerState after = Evolve(s, events->front());
  EXPECT_FALSE(after.consent_to_messages);
  EXPECT_EQ(after.phones, s.phones);
}

TEST(CustomerUpdateTest, RefusalsNameTheField) {
  const CustomerState s = Registered();
  UpdateCustomer u;
  u.customer_id = "c-1";
  EXPECT_EQ(FieldOf(Decide(s, u, {}, kMonday9).status()).value_or(""), "update_fields");
  u.fields = {"tier"};
  EXPECT_EQ(FieldOf(Decide(s, u, {}, kMonday9).status()).value_or(""), "update_fields[0]");
  u.fields = {"phones"};
  u.phones = {};
  EXPECT_EQ(FieldOf(Decide(s, u, {}, kMonday9).status()).value_or(""), "phones");
  u.phones = {"13800138000", "13900000000"};
  auto taken = Decide(s, u, {{"13900000000", "c-2"}}, kMonday9);
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(taken.status()).value_or(""), "phones[1]");
  // Its own phone is not a duplicate.
  u.phones = {"13800138000"};
  auto same = Decide(s, u, {{"13800138000", "c-1"}}, kMonday9);
  EXPECT_EQ(same.status().code(), absl::StatusCode::kFailedPrecondition);  // nothing changes
  u.fields = {"birthday"};
  u.birthday = "tomorrow";
  EXPECT_EQ(FieldOf(Decide(s, u, {}, kMonday9).status()).value_or(""), "birthday");
  EXPECT_EQ(Decide(CustomerState{}, u, {}, kMonday9).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace fieldline::intake
