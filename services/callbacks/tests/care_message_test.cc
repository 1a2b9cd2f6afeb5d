// Care messages, birthdays, segments, campaigns, care callbacks, club events and records: pure
// rules (given events / when command / then events or error), boundaries included.

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/callbacks/domain/care_message.h"
#include "services/common/core/errors.h"

namespace fieldline::callbacks {
namespace {

const absl::TimeZone kZone = absl::FixedTimeZone(8 * 3600);

absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), kZone);
}

const Actor kAgent{"care-1", "care", {}};

std::string Field(const absl::Status& status) { return FieldOf(status).value_or(""); }

ScheduleCareMessage Message(MessageKind kind = MessageKind::kCare) {
  return ScheduleCareMessage{.message_id = "m1",
                             .customer_id = "c1",
                             .kind = kind,
                             .text = "Your inspection is due next week.",
                             .scheduled_for = Local(2024, 5, 6, 9),
                             .consent = true};
}

CareMessageState Given(const std::vector<CareMessageEvent>& events) {
  CareMessageState s;
  for (const CareMessageEvent& e : events) s = Evolve(std::move(s), e);
  return s;
}

CareMessageState Scheduled(absl::Time due_by = absl::InfiniteFuture()) {
  ScheduleCareMessage m = Message(MessageKind::kBirthday);
  m.due_by = due_by;
  return Given(*Decide(CareMessageState{}, m, Local(2024, 5, 6, 0, 5), CarePolicy{}));
}

// --- scheduling ---

TEST(CareMessageDecide, ASheduledMessageCarriesEverything) {
  absl::StatusOr<std::vector<CareMessageEvent>> events =
      Decide(CareMessageState{}, Message(), Local(2024, 5, 6, 8), CarePolicy{});
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  const auto& e = std::get<CareMessageScheduled>((*events)[0]);
  EXPECT_EQ(e.message_id, "m1");
  EXPECT_EQ(e.customer_id, "c1");
  EXPECT_EQ(e.kind, MessageKind::kCare);
  EXPECT_EQ(e.scheduled_for, Local(2024, 5, 6, 9));
  const CareMessageState s = Given(*events);
  EXPECT_EQ(s.status, MessageStatus::kScheduled);
  EXPECT_EQ(s.version, 1);
}

TEST(CareMessageDecide, EachMissingFieldIsNamed) {
  const auto field_of = [](ScheduleCareMessage m) {
    return Field(Decide(CareMessageState{}, m, Local(2024, 5, 6), CarePolicy{}).status());
  };
  ScheduleCareMessage m = Message();
  m.message_id.clear();
  EXPECT_EQ(field_of(m), "message_id");
  m = Message();
  m.customer_id.clear();
  EXPECT_EQ(field_of(m), "customer_id");
  m = Message();
  m.kind.reset();
  EXPECT_EQ(field_of(m), "kind");
  m = Message();
  m.text.clear();
  EXPECT_EQ(field_of(m), "text");
  m.text = std::string(501, 'x');
  EXPECT_EQ(field_of(m), "text");
  m.text = std::string(500, 'x');
  EXPECT_TRUE(Decide(CareMessageState{}, m, Local(2024, 5, 6), CarePolicy{}).ok());
  m = Message();
  m.scheduled_for = absl::InfinitePast();
  EXPECT_EQ(field_of(m), "scheduled_for");
}

TEST(CareMessageDecide, TheSameMessageTwiceAlreadyExists) {
  const CareMessageState s = Scheduled();
  absl::Status again = Decide(s, Message(), Local(2024, 5, 6), CarePolicy{}).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Field(again), "message_id");
}

TEST(CareMessageDecide, WithoutConsentItIsSkipped) {
  ScheduleCareMessage m = Message();
  m.consent = false;
  absl::StatusOr<std::vector<CareMessageEvent>> events =
      Decide(CareMessageState{}, m, Local(2024, 5, 6), CarePolicy{});
  ASSERT_TRUE(events.ok());
  const auto& skipped = std::get<CareMessageSkipped>((*events)[0]);
  EXPECT_EQ(skipped.reason, kSkipNoConsent);
  EXPECT_EQ(Given(*events).status, MessageStatus::kSkipped);
}

TEST(CareMessageDecide, AtTheCapTheMessageIsSkippedWithTheReason) {
  ScheduleCareMessage m = Message();  // 2 per 7 days
  m.contacts = {Local(2024, 5, 1, 9), Local(2024, 4, 29, 9, 0, 1)};
  absl::StatusOr<std::vector<CareMessageEvent>> events =
      Decide(CareMessageState{}, m, Local(2024, 5, 6), CarePolicy{});
  ASSERT_TRUE(events.ok());
  const auto& skipped = std::get<CareMessageSkipped>((*events)[0]);
  EXPECT_EQ(skipped.reason, kSkipFrequencyCap);
  EXPECT_FALSE(skipped.detail.empty());
  // One contact exactly seven days before no longer counts: under the cap.
  m.contacts = {Local(2024, 5, 1, 9), Local(2024, 4, 29, 9)};
  events = Decide(CareMessageState{}, m, Local(2024, 5, 6), CarePolicy{});
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(std::holds_alternative<CareMessageScheduled>((*events)[0]));
}

TEST(CareMessageDecide, BirthdayIsExemptFromTheCapUnlessThePolicySaysOtherwise) {
  ScheduleCareMessage m = Message(MessageKind::kBirthday);
  m.contacts = {Local(2024, 5, 5), Local(2024, 5, 4)};
  CarePolicy policy;
  absl::StatusOr<std::vector<CareMessageEvent>> events =
      Decide(CareMessageState{}, m, Local(2024, 5, 6), policy);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(std::holds_alternative<CareMessageScheduled>((*events)[0]));
  policy.birthday_exempt_from_cap = false;
  events = Decide(CareMessageState{}, m, Local(2024, 5, 6), policy);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(std::holds_alternative<CareMessageSkipped>((*events)[0]));
}

// --- sent, late, delivery ---

TEST(CareMessageSent, ExactlyAtTheDeadlineIsOnTimeOneSecondLaterIsLate) {
  const absl::Time due = Local(2024, 5, 6, 11);
  const CareMessageState s = Scheduled(due);
  absl::StatusOr<std::vector<CareMessageEvent>> at = Decide(s, RecordMessageSent{"m1"}, kAgent, due);
  ASSERT_TRUE(at.ok());
  EXPECT_FALSE(std::get<CareMessageSent>((*at)[0]).late);
  absl::StatusOr<std::vector<CareMessageEvent>> after =
      Decide(s, RecordMessageSent{"m1"}, kAgent, due + absl::Seconds(1));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(std::get<CareMessageSent>((*after)[0]).late);
  EXPECT_EQ(std::get<CareMessageSent>((*after)[0]).sent_by, "care-1");
}

TEST(CareMessageSent, UnknownStaleOrNotScheduledIsRefused) {
  EXPECT_EQ(Decide(CareMessageState{}, RecordMessageSent{"m1"}, kAgent, Local(2024, 5, 6))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Field(Decide(CareMessageState{}, RecordMessageSent{""}, kAgent, Local(2024, 5, 6))
                        .status()),
            "message_id");
  const CareMessageState s = Scheduled();
  EXPECT_EQ(Decide(s, RecordMessageSent{"m1", 7}, kAgent, Local(2024, 5, 6)).status().code(),
            absl::StatusCode::kAborted);
  CareMessageState sent = Given({});
  sent = s;
  sent = Evolve(sent, *std::get_if<CareMessageSent>(
                          &(*Decide(s, RecordMessageSent{"m1"}, kAgent, Local(2024, 5, 6)))[0]));
  EXPECT_EQ(Decide(sent, RecordMessageSent{"m1"}, kAgent, Local(2024, 5, 6)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ScheduleCareMessage m = Message();
  m.consent = false;
  const CareMessageState skipped = Given(*Decide(CareMessageState{}, m, Local(2024, 5, 6), {}));
  EXPECT_EQ(Decide(skipped, RecordMessageSent{"m1"}, kAgent, Local(2024, 5, 6)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CareMessageDelivery, DeliveredOrFailedWithAReasonOnlyAfterSent) {
  const CareMessageState s = Scheduled();
  RecordMessageDelivery delivered{.message_id = "m1", .delivered = true};
  EXPECT_EQ(Decide(s, delivered, Local(2024, 5, 6)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const CareMessageState sent =
      Given({std::get<CareMessageScheduled>(
                 (*Decide(CareMessageState{}, Message(), Local(2024, 5, 6), {}))[0]),
             CareMessageSent{.message_id = "m1", .sent_at = Local(2024, 5, 6, 9)}});
  absl::StatusOr<std::vector<CareMessageEvent>> ok = Decide(sent, delivered, Local(2024, 5, 6, 10));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(Given({}).status, MessageStatus::kNone);
  EXPECT_EQ(Evolve(sent, (*ok)[0]).status, MessageStatus::kDelivered);

  RecordMessageDelivery failed{.message_id = "m1", .delivered = false};
  EXPECT_EQ(Field(Decide(sent, failed, Local(2024, 5, 6)).status()), "failure_reason");
  failed.failure_reason = "number unreachable";
  absl::StatusOr<std::vector<CareMessageEvent>> f = Decide(sent, failed, Local(2024, 5, 6, 10));
  ASSERT_TRUE(f.ok());
  const CareMessageState after = Evolve(sent, (*f)[0]);
  EXPECT_EQ(after.status, MessageStatus::kFailed);
  EXPECT_EQ(after.failure_reason, "number unreachable");
  // Final: no second result.
  EXPECT_EQ(Decide(after, delivered, Local(2024, 5, 6, 11)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// --- birthdays ---

TEST(Birthdays, ParsingRejectsWhatIsNotARealDate) {
  EXPECT_EQ(ParseBirthday("1980-02-29"), absl::CivilDay(1980, 2, 29));
  EXPECT_FALSE(ParseBirthday("1981-02-29").has_value());
  EXPECT_FALSE(ParseBirthday("1981-13-01").has_value());
  EXPECT_FALSE(ParseBirthday("").has_value());
  EXPECT_FALSE(ParseBirthday("81-1-1").has_value());
  EXPECT_EQ(BirthdayKey(absl::CivilDay(1980, 2, 9)), "02-09");
}

TEST(Birthdays, AWorkingDayGreetsItselfAndTheFollowingWeekend) {
  const CarePolicy policy;
  // 2024-05-06 is a Monday.
  EXPECT_EQ(BirthdayKeysGreetedOn(absl::CivilDay(2024, 5, 6), policy),
            (std::vector<std::string>{"05-06"}));
  // Friday 10 May greets Saturday's and Sunday's too.
  EXPECT_EQ(BirthdayKeysGreetedOn(absl::CivilDay(2024, 5, 10), policy),
            (std::vector<std::string>{"05-10", "05-11", "05-12"}));
  EXPECT_TRUE(BirthdayKeysGreetedOn(absl::CivilDay(2024, 5, 11), policy).empty());
}

TEST(Birthdays, TheTwentyNinthOfFebruaryIsGreetedOnTheTwentyEighthInOtherYears) {
  const CarePolicy policy;
  // 2023-02-28 is a Tuesday; 2023 has no 29 February.
  EXPECT_EQ(BirthdayKeysGreetedOn(absl::CivilDay(2023, 2, 28), policy),
            (std::vector<std::string>{"02-28", "02-29"}));
  // 2024 is a leap year: Wednesday 28 Feb and Thursday 29 Feb each greet their own.
  EXPECT_EQ(BirthdayKeysGreetedOn(absl::CivilDay(2024, 2, 28), policy),
            (std::vector<std::string>{"02-28"}));
  EXPECT_EQ(BirthdayKeysGreetedOn(absl::CivilDay(2024, 2, 29), policy),
            (std::vector<std::string>{"02-29"}));
  // 2025-02-28 is a Friday: the weekend (1–2 March) and 29 Feb are greeted that day.
  EXPECT_EQ(BirthdayKeysGreetedOn(absl::CivilDay(2025, 2, 28), policy),
            (std::vector<std::string>{"02-28", "02-29", "03-01", "03-02"}));
}

// --- segments and campaigns ---

CustomerProfile Customer() {
  return CustomerProfile{.customer_id = "c1",
                         .tier = 2,
                         .region = "Qingdao/Shinan",
                         .consent = true,
                         .models = {"BCD-215"},
                         .categories = {"fridge"},
                         .last_visit = Local(2024, 3, 1)};
}

TEST(Segments, EveryGivenCriterionMustHold) {
  EXPECT_TRUE(MatchesSegment(Customer(), Segment{}));
  EXPECT_TRUE(MatchesSegment(Customer(), Segment{.tiers = {1, 2}}));
  EXPECT_FALSE(MatchesSegment(Customer(), Segment{.tiers = {1}}));
  EXPECT_TRUE(MatchesSegment(Customer(), Segment{.models = {"XQG-70", "BCD-215"}}));
  EXPECT_FALSE(MatchesSegment(Customer(), Segment{.models = {"XQG-70"}}));
  EXPECT_TRUE(MatchesSegment(Customer(), Segment{.categories = {"fridge"}}));
  EXPECT_FALSE(MatchesSegment(Customer(), Segment{.categories = {"washer"}}));
  EXPECT_TRUE(MatchesSegment(Customer(), Segment{.regions = {"Qingdao"}}));
  EXPECT_TRUE(MatchesSegment(Customer(), Segment{.regions = {"Qingdao/Shinan"}}));
  EXPECT_FALSE(MatchesSegment(Customer(), Segment{.regions = {"Qingdao/Shi"}}));
  EXPECT_FALSE(MatchesSegment(Customer(), Segment{.tiers = {2}, .regions = {"Jinan"}}));
}

TEST(Segments, LastVisitBoundaries) {
  // Before X: strictly before; never visited counts as before.
  EXPECT_TRUE(MatchesSegment(Customer(), Segment{.last_visit_before = Local(2024, 3, 1, 0, 0, 1)}));
  EXPECT_FALSE(MatchesSegment(Customer(), Segment{.last_visit_before = Local(2024, 3, 1)}));
  CustomerProfile never = Customer();
  never.last_visit.reset();
  EXPECT_TRUE(MatchesSegment(never, Segment{.last_visit_before = Local(2024, 3, 1)}));
  // After X: at or after; never visited does not match.
  EXPECT_TRUE(MatchesSegment(Customer(), Segment{.last_visit_after = Local(2024, 3, 1)}));
  EXPECT_FALSE(MatchesSegment(Customer(), Segment{.last_visit_after = Local(2024, 3, 1, 0, 0, 1)}));
  EXPECT_FALSE(MatchesSegment(never, Segment{.last_visit_after = Local(2024, 1, 1)}));
}

TEST(Campaigns, ValidationNamesTheField) {
  LaunchCampaign c{.campaign_id = "k1",
                   .name = "Spring check",
                   .action = CampaignAction::kMessage,
                   .kind = MessageKind::kHoliday,
                   .text = "Happy Spring Festival!"};
  EXPECT_TRUE(ValidateCampaign(c).ok());
  LaunchCampaign bad = c;
  bad.campaign_id.clear();
  EXPECT_EQ(Field(ValidateCampaign(bad)), "campaign_id");
  bad = c;
  bad.name.clear();
  EXPECT_EQ(Field(ValidateCampaign(bad)), "name");
  bad = c;
  bad.action = CampaignAction::kUnspecified;
  EXPECT_EQ(Field(ValidateCampaign(bad)), "action");
  bad = c;
  bad.kind = MessageKind::kBirthday;
  EXPECT_EQ(Field(ValidateCampaign(bad)), "kind");
  bad.kind.reset();
  EXPECT_EQ(Field(ValidateCampaign(bad)), "kind");
  bad = c;
  bad.text.clear();
  EXPECT_EQ(Field(ValidateCampaign(bad)), "text");
  bad = c;
  bad.segment.last_visit_before = Local(2024, 1, 1);
  bad.segment.last_visit_after = Local(2024, 1, 1);
  EXPECT_EQ(Field(ValidateCampaign(bad)), "segment.last_visit_after");
  // A callback campaign needs no kind or text.
  LaunchCampaign calls{.campaign_id = "k2", .name = "Key accounts", .action = CampaignAction::kCallback};
  EXPECT_TRUE(ValidateCampaign(calls).ok());
}

// --- care callbacks ---

TEST(ProductCallbacks, InstallationWinsOverDeliveryAndIsDuePerPolicy) {
  const absl::Time now = Local(2024, 5, 10, 12);
  std::optional<ScheduleCareCallback> c = ProductCallbackFor(
      "a1", Local(2024, 5, 9), Local(2024, 5, 1), now, CallbackPolicy{}, CarePolicy{});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->reason, "product_installed");
  EXPECT_EQ(c->occurred_at, Local(2024, 5, 9));
  EXPECT_EQ(c->due_at, Local(2024, 5, 11));  // +48 h
  EXPECT_EQ(c->callback_id, ProductCallbackId("a1"));
  c = ProductCallbackFor("a1", std::nullopt, Local(2024, 5, 9), now, CallbackPolicy{},
                         CarePolicy{});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->reason, "product_delivered");
  EXPECT_FALSE(ProductCallbackFor("a1", std::nullopt, std::nullopt, now, {}, {}).has_value());
}

TEST(ProductCallbacks, OnlyRecentDatesExactlySevenDaysIsStillRecent) {
  const absl::Time now = Local(2024, 5, 10, 12);
  EXPECT_TRUE(ProductCallbackFor("a1", now - absl::Hours(24 * 7), std::nullopt, now, {}, {})
                  .has_value());
  EXPECT_FALSE(ProductCallbackFor("a1", now - absl::Hours(24 * 7) - absl::Seconds(1),
                                  std::nullopt, now, {}, {})
                   .has_value());
  EXPECT_FALSE(ProductCallbackFor("a1", now + absl::Hours(25), std::nullopt, now, {}, {})
                   .has_value());
}

TEST(CareCallbacks, ScheduledOnceAsANormalCallback) {
  const ScheduleCareCallback c{.callback_id = "cb1",
                               .reason = kReasonCampaign,
                               .customer_name = "Li Lei",
                               .customer_phone = "13800000000",
                               .occurred_at = Local(2024, 5, 6),
                               .due_at = Local(2024, 5, 9)};
  absl::StatusOr<std::vector<CallbackEvent>> events = Decide(CallbackState{}, c);
  ASSERT_TRUE(events.ok());
  const CallbackState s = Replay(*events);
  EXPECT_EQ(s.status, CallbackStatus::kDue);
  EXPECT_EQ(s.reason, "campaign");
  EXPECT_EQ(s.customer_name, "Li Lei");
  EXPECT_EQ(Decide(s, c).status().code(), absl::StatusCode::kAlreadyExists);
  ScheduleCareCallback bad = c;
  bad.occurred_at = absl::InfinitePast();
  EXPECT_EQ(Field(Decide(CallbackState{}, bad).status()), "occurred_at");
}

// --- club events ---

RecordClubEvent Club(int units, int people) {
  return RecordClubEvent{.club_event_id = "e1",
                         .name = "Summer owners' day",
                         .held_on = Local(2024, 6, 1),
                         .facts = ClubEvent{.units = units,
                                            .people = people,
                                            .attendee_list_filed = true,
                                            .summary_filed = true,
                                            .display_board_filed = true}};
}

TEST(ClubEvents, ValidAtExactlyEightUnitsAndSixteenPeople) {
  EXPECT_TRUE(Decide(ClubEventState{}, Club(8, 16), kAgent, {})->valid);
  EXPECT_FALSE(Decide(ClubEventState{}, Club(7, 16), kAgent, {})->valid);
  EXPECT_FALSE(Decide(ClubEventState{}, Club(8, 15), kAgent, {})->valid);
  EXPECT_FALSE(Decide(ClubEventState{}, Club(7, 15), kAgent, {})->valid);
}

TEST(ClubEvents, EveryDocumentMustBeFiled) {
  for (int missing = 0; missing < 3; ++missing) {
    RecordClubEvent c = Club(20, 40);
    if (missing == 0) c.facts.attendee_list_filed = false;
    if (missing == 1) c.facts.summary_filed = false;
    if (missing == 2) c.facts.display_board_filed = false;
    EXPECT_FALSE(Decide(ClubEventState{}, c, kAgent, {})->valid) << missing;
  }
}

TEST(ClubEvents, AmendingFilesTheSummaryLaterAndChecksTheVersion) {
  RecordClubEvent c = Club(10, 20);
  c.facts.summary_filed = false;
  absl::StatusOr<ClubEventRecorded> first = Decide(ClubEventState{}, c, kAgent, {});
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->valid);
  const ClubEventState state{.current = *first, .version = 1};
  EXPECT_EQ(Decide(state, c, kAgent, {}).status().code(), absl::StatusCode::kFailedPrecondition);
  c.facts.summary_filed = true;
  c.expected_version = 2;
  EXPECT_EQ(Decide(state, c, kAgent, {}).status().code(), absl::StatusCode::kAborted);
  c.expected_version = 1;
  absl::StatusOr<ClubEventRecorded> amended = Decide(state, c, kAgent, {});
  ASSERT_TRUE(amended.ok());
  EXPECT_TRUE(amended->valid);
}

TEST(ClubEvents, ValidationNamesTheField) {
  RecordClubEvent c = Club(8, 16);
  c.club_event_id.clear();
  EXPECT_EQ(Field(Decide(ClubEventState{}, c, kAgent, {}).status()), "club_event_id");
  c = Club(8, 16);
  c.name.clear();
  EXPECT_EQ(Field(Decide(ClubEventState{}, c, kAgent, {}).status()), "name");
  c = Club(8, 16);
  c.held_on = absl::InfinitePast();
  EXPECT_EQ(Field(Decide(ClubEventState{}, c, kAgent, {}).status()), "held_on");
  EXPECT_EQ(Field(Decide(ClubEventState{}, Club(-1, 16), kAgent, {}).status()), "units");
  EXPECT_EQ(Field(Decide(ClubEventState{}, Club(8, -1), kAgent, {}).status()), "people");
}

// --- website updates, lounge scores, home visits ---

TEST(CareRecords, WebsiteUpdate) {
  const absl::Time now = Local(2024, 5, 6, 10);
  absl::StatusOr<CareRecordEvent> e =
      Decide(false, RecordWebsiteUpdate{.record_id = "r1", .title = "New service hours"}, kAgent,
             now);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(std::get<WebsiteUpdateRecorded>(*e).published_at, now);
  EXPECT_EQ(Field(Decide(false, RecordWebsiteUpdate{.record_id = "r1"}, kAgent, now).status()),
            "title");
  EXPECT_EQ(Field(Decide(false,
                           RecordWebsiteUpdate{.record_id = "r1",
                                               .title = "x",
                                               .published_at = now + absl::Seconds(1)},
                           kAgent, now)
                        .status()),
            "published_at");
  EXPECT_EQ(
      Decide(true, RecordWebsiteUpdate{.record_id = "r1", .title = "x"}, kAgent, now).status().code(),
      absl::StatusCode::kAlreadyExists);
}

TEST(CareRecords, LoungeScoreIsZeroToHundred) {
  const absl::Time now = Local(2024, 5, 6, 10);
  EXPECT_TRUE(Decide(false, RecordLoungeScore{.record_id = "r", .score_percent = 0}, kAgent, now).ok());
  EXPECT_TRUE(
      Decide(false, RecordLoungeScore{.record_id = "r", .score_percent = 100}, kAgent, now).ok());
  EXPECT_EQ(Field(Decide(false, RecordLoungeScore{.record_id = "r", .score_percent = 100.01},
                           kAgent, now)
                        .status()),
            "score_percent");
  EXPECT_EQ(Field(Decide(false, RecordLoungeScore{.record_id = "r", .score_percent = -0.01},
                           kAgent, now)
                        .status()),
            "score_percent");
  EXPECT_DOUBLE_EQ(MeanLoungeScore({90, 100, 95}), 95);
  EXPECT_DOUBLE_EQ(MeanLoungeScore({}), 0);
}

TEST(CareRecords, HomeVisitNeedsTheCustomer) {
  const absl::Time now = Local(2024, 5, 6, 10);
  EXPECT_EQ(Field(Decide(false, RecordHomeVisit{.record_id = "r"}, kAgent, now).status()),
            "customer_id");
  absl::StatusOr<CareRecordEvent> e =
      Decide(false, RecordHomeVisit{.record_id = "r", .customer_id = "c1"}, kAgent, now);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(std::get<HomeVisitRecorded>(*e).visited_by, "care-1");
}

}  // namespace
}  // namespace fieldline::callbacks
