#include "services/callbacks/domain/care_message.h"

#include <algorithm>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/core/strings.h"

namespace fieldline::callbacks {
namespace {

constexpr size_t kMaxTextLength = 500;

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool AnyIn(const std::vector<std::string>& wanted, const std::vector<std::string>& have) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return Contains(have, w); });
}

absl::Status RequireMessage(const CareMessageState& state, std::string_view message_id,
                            int64_t expected_version) {
  if (message_id.empty()) return InvalidArgument("message_id", "Say which message you mean.");
  if (state.status == MessageStatus::kNone) {
    return NotFound("message_id",
                    absl::StrCat("There is no care message ", AsAbsl(message_id), "."));
  }
  if (expected_version > 0 && expected_version != state.version) {
    return VersionConflict(absl::StrCat("Care message ", state.message_id,
                                        " was changed by someone else (now version ",
                                        state.version, "); reload it and try again."));
  }
  return absl::OkStatus();
}

}  // namespace

const char* MessageKindName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kInspection:
      return "inspection";
    case MessageKind::kLicence:
      return "licence";
    case MessageKind::kBirthday:
      return "birthday";
    case MessageKind::kCare:
      return "care";
    case MessageKind::kEvent:
      return "event";
    case MessageKind::kHoliday:
      return "holiday";
    case MessageKind::kWeather:
      return "weather";
  }
  return "care";
}

std::string BirthdayMessageId(std::string_view customer_id, int year) {
  return DeriveId(customer_id, absl::StrCat("birthday/", year));
}
std::string CampaignMessageId(std::string_view campaign_id, std::string_view customer_id) {
  return DeriveId(absl::StrCat(AsAbsl(campaign_id), "/", AsAbsl(customer_id)),
                  "campaign-message");
}
std::string CampaignCallbackId(std::string_view campaign_id, std::string_view customer_id) {
  return DeriveId(absl::StrCat(AsAbsl(campaign_id), "/", AsAbsl(customer_id)),
                  "campaign-callback");
}
std::string ProductCallbackId(std::string_view asset_id) {
  return DeriveId(asset_id, "product-callback");
}

const char* MessageStatusName(MessageStatus status) {
  switch (status) {
    case MessageStatus::kScheduled:
      return "scheduled";
    case MessageStatus::kSent:
      return "sent";
    case MessageStatus::kDelivered:
      return "delivered";
    case MessageStatus::kFailed:
      return "failed";
    case MessageStatus::kSkipped:
      return "skipped";
    case MessageStatus::kNone:
      break;
  }
  return "";
}

bool ParseMessageStatus(std::string_view name, MessageStatus* out) {
  for (MessageStatus s : {MessageStatus::kScheduled, MessageStatus::kSent,
                          MessageStatus::kDelivered, MessageStatus::kFailed,
                          MessageStatus::kSkipped}) {
    if (name == MessageStatusName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// CareMessage

absl::StatusOr<std::vector<CareMessageEvent>> Decide(const CareMessageState& state,
                                                     const ScheduleCareMessage& command,
                                                     absl::Time now, const CarePolicy& policy) {
  if (command.message_id.empty()) {
    return InvalidArgument("message_id", "A care message needs an id.");
  }
  if (command.customer_id.empty()) {
    return InvalidArgument("customer_id", "Say which customer the message is for.");
  }
  if (!command.kind.has_value()) {
    return InvalidArgument("kind",
                           "Say what kind of message this is (inspection, licence, birthday, "
                           "care, event, holiday or weather).");
  }
  if (command.text.empty() || command.text.size() > kMaxTextLength) {
    return InvalidArgument("text", absl::StrCat("The message text must be 1 to ", kMaxTextLength,
                                                " characters; it is ", command.text.size(), "."));
  }
  if (command.scheduled_for == absl::InfinitePast() ||
      command.scheduled_for == absl::InfiniteFuture()) {
    return InvalidArgument("scheduled_for", "Say when the message should go out.");
  }
  if (state.status != MessageStatus::kNone) {
    return AlreadyExists("message_id", absl::StrCat("Care message ", command.message_id,
                                                    " already exists (",
                                                    MessageStatusName(state.status), ")."));
  }
  const auto skipped = [&](const char* reason, std::string detail) {
    return std::vector<CareMessageEvent>{CareMessageSkipped{.message_id = command.message_id,
                                                            .customer_id = command.customer_id,
                                                            .kind = *command.kind,
                                                            .campaign_id = command.campaign_id,
                                                            .reason = reason,
                                                            .detail = std::move(detail),
                                                            .skipped_at = now,
                                                            .text = command.text}};
  };
  if (!command.consent) {
    return skipped(kSkipNoConsent,
                   "The customer has not agreed to receive messages; nothing was sent. "
                   "客户未同意接收短信。");
  }
  const bool exempt =
      *command.kind == MessageKind::kBirthday && policy.birthday_exempt_from_cap;
  if (!exempt) {
    absl::Status cap = CheckFrequencyCap(command.contacts, command.scheduled_for, policy);
    if (!cap.ok()) return skipped(kSkipFrequencyCap, std::string(cap.message()));
  }
  return std::vector<CareMessageEvent>{CareMessageScheduled{
      .message_id = command.message_id,
      .customer_id = command.customer_id,
      .kind = *command.kind,
      .text = command.text,
      .campaign_id = command.campaign_id,
      .scheduled_for = command.scheduled_for,
      .due_by = command.due_by,
      .customer_name = command.customer_name,
      .customer_phone = command.customer_phone,
  }};
}

absl::StatusOr<std::vector<CareMessageEvent>> Decide(const CareMessageState& state,
                                                     const RecordMessageSent& command,
                                                     const Actor& by, absl::Time now) {
  if (absl::Status s = RequireMessage(state, command.message_id, command.expected_version);
      !s.ok()) {
    return s;
  }
  if (state.status != MessageStatus::kScheduled) {
    return FailedPrecondition(absl::StrCat("Care message ", state.message_id, " is ",
                                           MessageStatusName(state.status),
                                           "; only a scheduled message can be sent."));
  }
  return std::vector<CareMessageEvent>{CareMessageSent{.message_id = state.message_id,
                                                       .sent_at = now,
                                                       .late = now > state.due_by,
                                                       .sent_by = by.user_id}};
}

absl::StatusOr<std::vector<CareMessageEvent>> Decide(const CareMessageState& state,
                                                     const RecordMessageDelivery& command,
                                                     absl::Time now) {
  if (absl::Status s = RequireMessage(state, command.message_id, command.expected_version);
      !s.ok()) {
    return s;
  }
  if (!command.delivered && command.failure_reason.empty()) {
    return InvalidArgument("failure_reason",
                           "Say why the message was not delivered (e.g. number unreachable).");
  }
  if (state.status != MessageStatus::kSent) {
    return FailedPrecondition(absl::StrCat(
        "Care message ", state.message_id, " is ", MessageStatusName(state.status),
        "; a delivery can be recorded only for a sent message that has no delivery result yet."));
  }
  if (command.delivered) {
    return std::vector<CareMessageEvent>{
        CareMessageDelivered{.message_id = state.message_id, .delivered_at = now}};
  }
  return std::vector<CareMessageEvent>{CareMessageFailed{
      .message_id = state.message_id, .reason = command.failure_reason, .failed_at = now}};
}

CareMessageState Evolve(CareMessageState state, const CareMessageEvent& event) {
  std::visit(
      [&state](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, CareMessageScheduled>) {
          state.message_id = e.message_id;
          state.customer_id = e.customer_id;
          state.kind = e.kind;
          state.text = e.text;
          state.campaign_id = e.campaign_id;
          state.scheduled_for = e.scheduled_for;
          state.due_by = e.due_by;
          state.customer_name = e.customer_name;
          state.customer_phone = e.customer_phone;
          state.status = MessageStatus::kScheduled;
        } else if constexpr (std::is_same_v<T, CareMessageSkipped>) {
          state.message_id = e.message_id;
          state.customer_id = e.customer_id;
          state.kind = e.kind;
          state.campaign_id = e.campaign_id;
          state.text = e.text;
          state.skip_reason = e.reason;
          state.skip_detail = e.detail;
          state.status = MessageStatus::kSkipped;
        } else if constexpr (std::is_same_v<T, CareMessageSent>) {
          state.sent_at = e.sent_at;
          state.late = e.late;
          state.status = MessageStatus::kSent;
        } else if constexpr (std::is_same_v<T, CareMessageDelivered>) {
          state.delivered_at = e.delivered_at;
          state.status = MessageStatus::kDelivered;
        } else if constexpr (std::is_same_v<T, CareMessageFailed>) {
          state.failure_reason = e.reason;
          state.failed_at = e.failed_at;
          state.status = MessageStatus::kFailed;
        }
      },
      event);
  ++state.version;
  return state;
}

// ---------------------------------------------------------------------------------------------
// birthdays

std::optional<absl::CivilDay> ParseBirthday(std::string_view text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(AsAbsl(text), &day)) return std::nullopt;
  // ParseCivilTime normalises 2023-02-30 to March; a real date reads back the same.
  if (absl::FormatCivilTime(day) != AsAbsl(text)) return std::nullopt;
  return day;
}

std::string BirthdayKey(absl::CivilDay birthday) {
  return absl::StrFormat("%02d-%02d", birthday.month(), birthday.day());
}

bool IsWorkingDay(absl::CivilDay day, const CarePolicy& policy) {
  return policy.working_days.count(absl::GetWeekday(day)) > 0;
}

std::vector<std::string> BirthdayKeysGreetedOn(absl::CivilDay today, const CarePolicy& policy) {
  std::vector<std::string> keys;
  if (!IsWorkingDay(today, policy)) return keys;
  absl::CivilDay day = today;
  // Today, then the non-working days after it (at most a week, whatever the policy says).
  for (int i = 0; i < 7 && (i == 0 || !IsWorkingDay(day, policy)); ++i, ++day) {
    keys.push_back(BirthdayKey(day));
    const bool leap_year = absl::CivilDay(day.year(), 2, 29).month() == 2;
    if (day.month() == 2 && day.day() == 28 && !leap_year) keys.push_back("02-29");
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------
// campaigns

const char* CampaignActionName(CampaignAction action) {
  switch (action) {
    case CampaignAction::kCallback:
      return "callback";
    case CampaignAction::kMessage:
      return "message";
    case CampaignAction::kUnspecified:
      break;
  }
  return "";
}

bool ParseCampaignAction(std::string_view name, CampaignAction* out) {
  for (CampaignAction a : {CampaignAction::kCallback, CampaignAction::kMessage}) {
    if (name == CampaignActionName(a)) {
      *out = a;
      return true;
    }
  }
  return false;
}

bool MatchesSegment(const CustomerProfile& customer, const Segment& segment) {
  if (!segment.tiers.empty() && std::find(segment.tiers.begin(), segment.tiers.end(),
                                          customer.tier) == segment.tiers.end()) {
    return false;
  }
  if (!segment.models.empty() && !AnyIn(segment.models, customer.models)) return false;
  if (!segment.categories.empty() && !AnyIn(segment.categories, customer.categories)) {
    return false;
  }
  if (!segment.regions.empty() &&
      std::none_of(segment.regions.begin(), segment.regions.end(), [&](const std::string& r) {
        return customer.region == r || absl::StartsWith(customer.region, absl::StrCat(r, "/"));
      })) {
    return false;
  }
  if (segment.last_visit_before.has_value() && customer.last_visit.has_value() &&
      *customer.last_visit >= *segment.last_visit_before) {
    return false;
  }
  if (segment.last_visit_after.has_value() &&
      (!customer.last_visit.has_value() || *customer.last_visit < *segment.last_visit_after)) {
    return false;
  }
  return true;
}

absl::Status ValidateCampaign(const LaunchCampaign& command) {
  if (command.campaign_id.empty()) {
    return InvalidArgument("campaign_id", "A campaign needs an id.");
  }
  if (command.name.empty()) {
    return InvalidArgument("name", "Give the campaign a name the care desk will recognise.");
  }
  if (command.action == CampaignAction::kUnspecified) {
    return InvalidArgument("action",
                           "Say whether the campaign creates callbacks or sends messages.");
  }
  if (command.action == CampaignAction::kMessage) {
    if (!command.kind.has_value() || *command.kind == MessageKind::kBirthday) {
      return InvalidArgument("kind",
                             "Say what kind of message the campaign sends (not birthday: "
                             "birthday greetings go out on their own).");
    }
    if (command.text.empty() || command.text.size() > kMaxTextLength) {
      return InvalidArgument("text", absl::StrCat("The campaign's message text must be 1 to ",
                                                  kMaxTextLength, " characters."));
    }
  }
  if (command.segment.last_visit_before.has_value() &&
      command.segment.last_visit_after.has_value() &&
      *command.segment.last_visit_after >= *command.segment.last_visit_before) {
    return InvalidArgument("segment.last_visit_after",
                           "The segment's 'last visit after' must be earlier than its 'last "
                           "visit before'; no customer can match both.");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// care callbacks

absl::StatusOr<std::vector<CallbackEvent>> Decide(const CallbackState& state,
                                                  const ScheduleCareCallback& command) {
  if (command.callback_id.empty()) {
    return InvalidArgument("callback_id", "A care callback needs an id.");
  }
  if (command.occurred_at == absl::InfinitePast() || command.due_at == absl::InfinitePast()) {
    return InvalidArgument("occurred_at", "A care callback needs the time it follows.");
  }
  if (state.status != CallbackStatus::kNone) {
    return AlreadyExists("callback_id",
                         absl::StrCat("Callback ", command.callback_id, " already exists."));
  }
  return std::vector<CallbackEvent>{CallbackScheduled{
      .callback_id = command.callback_id,
      .customer_name = command.customer_name,
      .customer_phone = command.customer_phone,
      .completed_at = command.occurred_at,
      .due_at = command.due_at,
      .reason = command.reason,
      .priority = Priority::kNormal,
  }};
}

std::optional<ScheduleCareCallback> ProductCallbackFor(std::string_view asset_id,
                                                       std::optional<absl::Time> installed_on,
                                                       std::optional<absl::Time> purchased_on,
                                                       absl::Time now,
                                                       const CallbackPolicy& callbacks,
                                                       const CarePolicy& care) {
  const CallbackReason reason = installed_on.has_value() ? CallbackReason::kProductInstalled
                                                         : CallbackReason::kProductDelivered;
  const std::optional<absl::Time> at = installed_on.has_value() ? installed_on : purchased_on;
  if (!at.has_value() || asset_id.empty()) return std::nullopt;
  if (*at < now - care.product_callback_recent || *at > now + absl::Hours(24)) {
    return std::nullopt;
  }
  return ScheduleCareCallback{.callback_id = ProductCallbackId(asset_id),
                              .reason = ReasonName(reason),
                              .occurred_at = *at,
                              .due_at = DueAt(reason, *at, callbacks)};
}

// ---------------------------------------------------------------------------------------------
// club events and records

absl::StatusOr<ClubEventRecorded> Decide(const ClubEventState& state,
                                         const RecordClubEvent& command, const Actor& by,
                                         const ClubEventRule& rule) {
  if (command.club_event_id.empty()) {
    return InvalidArgument("club_event_id", "A club event needs an id.");
  }
  if (command.name.empty()) return InvalidArgument("name", "Give the club event a name.");
  if (command.held_on == absl::InfinitePast() || command.held_on == absl::InfiniteFuture()) {
    return InvalidArgument("held_on", "Say when the club event was held.");
  }
  if (command.facts.units < 0) {
    return InvalidArgument("units", "The number of cars or units shown cannot be negative.");
  }
  if (command.facts.people < 0) {
    return InvalidArgument("people", "The number of attendees cannot be negative.");
  }
  if (command.expected_version > 0 && command.expected_version != state.version) {
    return VersionConflict(absl::StrCat("Club event ", command.club_event_id,
                                        " was changed by someone else (now version ",
                                        state.version, "); reload it and try again."));
  }
  ClubEventRecorded recorded{.club_event_id = command.club_event_id,
                             .name = command.name,
                             .held_on = command.held_on,
                             .facts = command.facts,
                             .valid = IsValidClubEvent(command.facts, rule),
                             .recorded_by = by.user_id};
  if (state.current.has_value()) {
    ClubEventRecorded same = *state.current;
    same.recorded_by = recorded.recorded_by;
    if (same == recorded) {
      return FailedPrecondition(absl::StrCat("Club event ", command.club_event_id,
                                             " is already recorded exactly like this."));
    }
  }
  return recorded;
}

namespace {
absl::Status RequireNew(bool exists, const std::string& record_id) {
  if (record_id.empty()) return InvalidArgument("record_id", "A care record needs an id.");
  if (exists) {
    return AlreadyExists("record_id", absl::StrCat("Care record ", record_id, " already exists."));
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<CareRecordEvent> Decide(bool exists, const RecordWebsiteUpdate& c,
                                       const Actor& by, absl::Time now) {
  if (c.title.empty()) return InvalidArgument("title", "Say what was published on the website.");
  if (c.published_at != absl::InfinitePast() && c.published_at > now) {
    return InvalidArgument("published_at", "A website update cannot be published in the future.");
  }
  if (absl::Status s = RequireNew(exists, c.record_id); !s.ok()) return s;
  return CareRecordEvent{WebsiteUpdateRecorded{
      .record_id = c.record_id,
      .title = c.title,
      .published_at = c.published_at == absl::InfinitePast() ? now : c.published_at,
      .recorded_by = by.user_id}};
}

absl::StatusOr<CareRecordEvent> Decide(bool exists, const RecordLoungeScore& c, const Actor& by,
                                       absl::Time now) {
  if (!(c.score_percent >= 0 && c.score_percent <= 100)) {
    return InvalidArgument("score_percent",
                           absl::StrCat("A lounge satisfaction score is 0 to 100 (percent); got ",
                                        c.score_percent, "."));
  }
  if (absl::Status s = RequireNew(exists, c.record_id); !s.ok()) return s;
  return CareRecordEvent{LoungeScoreRecorded{.record_id = c.record_id,
                                             .score_percent = c.score_percent,
                                             .customer_id = c.customer_id,
                                             .scored_at = now,
                                             .recorded_by = by.user_id}};
}

absl::StatusOr<CareRecordEvent> Decide(bool exists, const RecordHomeVisit& c, const Actor& by,
                                       absl::Time now) {
  if (c.customer_id.empty()) {
    return InvalidArgument("customer_id", "Say which customer was visited.");
  }
  if (absl::Status s = RequireNew(exists, c.record_id); !s.ok()) return s;
  return CareRecordEvent{HomeVisitRecorded{.record_id = c.record_id,
                                           .customer_id = c.customer_id,
                                           .visited_at = now,
                                           .note = c.note,
                                           .visited_by = by.user_id}};
}

double MeanLoungeScore(const std::vector<double>& scores) {
  if (scores.empty()) return 0;
  double sum = 0;
  for (double s : scores) sum += s;
  return sum / static_cast<double>(scores.size());
}

}  // namespace fieldline::callbacks
