#pragma once

// Customer care (DOMAIN.md §4–5) as pure rules: the CareMessage aggregate (scheduled → sent →
// delivered / failed, or skipped with the reason), the birthday calendar, campaigns to a segment,
// the care callbacks (a delivered or installed product, a campaign), club events, website
// updates, lounge scores and home visits. No protobuf, gRPC, RocksDB or clock: time, policy and
// the customer's facts come in as arguments.
//
// Aggregates: "CareMessage" (one message to one customer), "Campaign" (one run to a segment),
// "ClubEvent" (one event, amended by recording it again) and "CareRecord" (one website update,
// lounge score or home visit). Care callbacks are Callback aggregates (callback.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/callbacks/domain/callback.h"
#include "services/callbacks/domain/care.h"
#include "services/callbacks/domain/kpis.h"
#include "services/common/core/types.h"

namespace fieldline::callbacks {

inline constexpr char kCareMessageAggregateType[] = "CareMessage";
inline constexpr char kCampaignAggregateType[] = "Campaign";
inline constexpr char kClubEventAggregateType[] = "ClubEvent";
inline constexpr char kCareRecordAggregateType[] = "CareRecord";
// CallbackScheduled.reason of a campaign's callback (not counted in callback success).
inline constexpr char kReasonCampaign[] = "campaign";
inline constexpr char kSkipNoConsent[] = "no_consent";
inline constexpr char kSkipFrequencyCap[] = "frequency_cap";

// "inspection", "licence", "birthday", "care", "event", "holiday", "weather".
const char* MessageKindName(MessageKind kind);

// Ids derived from their source, so a rerun finds the same aggregate.
std::string BirthdayMessageId(std::string_view customer_id, int year);
std::string CampaignMessageId(std::string_view campaign_id, std::string_view customer_id);
std::string CampaignCallbackId(std::string_view campaign_id, std::string_view customer_id);
std::string ProductCallbackId(std::string_view asset_id);

// --- the CareMessage aggregate ---

enum class MessageStatus { kNone = 0, kScheduled, kSent, kDelivered, kFailed, kSkipped };
// "scheduled", "sent", "delivered", "failed", "skipped" ("" for kNone).
const char* MessageStatusName(MessageStatus status);
// False if `name` is not one of MessageStatusName's (kNone excluded).
bool ParseMessageStatus(std::string_view name, MessageStatus* out);

struct CareMessageState {
  std::string message_id;
  std::string customer_id;
  std::string customer_name;
  std::string customer_phone;
  MessageKind kind = MessageKind::kCare;
  std::string text;
  std::string campaign_id;
  absl::Time scheduled_for = absl::InfinitePast();
  absl::Time due_by = absl::InfiniteFuture();  // InfiniteFuture: no limit
  MessageStatus status = MessageStatus::kNone;
  absl::Time sent_at = absl::InfinitePast();
  bool late = false;
  absl::Time delivered_at = absl::InfinitePast();
  absl::Time failed_at = absl::InfinitePast();
  std::string failure_reason;
  std::string skip_reason;
  std::string skip_detail;
  int64_t version = 0;
  friend bool operator==(const CareMessageState&, const CareMessageState&) = default;
};

// A care message to a customer. The app fills the customer's consent and care contacts (the
// times of the messages and campaign callbacks already planned for them) from its own facts.
struct ScheduleCareMessage {
  std::string message_id;
  std::string customer_id;
  std::optional<MessageKind> kind;  // nullopt: not given
  std::string text;
  std::string campaign_id;
  absl::Time scheduled_for = absl::InfinitePast();
  absl::Time due_by = absl::InfiniteFuture();
  std::string customer_name;
  std::string customer_phone;
  bool consent = false;
  std::vector<absl::Time> contacts;
};

// The gateway or an agent reports the message sent; the time is the server's.
struct RecordMessageSent {
  std::string message_id;
  int64_t expected_version = 0;
};

// Delivered, or failed with a reason.
struct RecordMessageDelivery {
  std::string message_id;
  bool delivered = false;
  std::string failure_reason;
  int64_t expected_version = 0;
};

struct CareMessageScheduled {
  std::string message_id;
  std::string customer_id;
  MessageKind kind = MessageKind::kCare;
  std::string text;
  std::string campaign_id;
  absl::Time scheduled_for = absl::InfinitePast();
  absl::Time due_by = absl::InfiniteFuture();
  std::string customer_name;
  std::string customer_phone;
  friend bool operator==(const CareMessageScheduled&, const CareMessageScheduled&) = default;
};
struct CareMessageSkipped {
  std::string message_id;
  std::string customer_id;
  MessageKind kind = MessageKind::kCare;
  std::string campaign_id;
  std::string reason;  // kSkipNoConsent | kSkipFrequencyCap
  std::string detail;
  absl::Time skipped_at = absl::InfinitePast();
  std::string text;
  friend bool operator==(const CareMessageSkipped&, const CareMessageSkipped&) = default;
};
struct CareMessageSent {
  std::string message_id;
  absl::Time sent_at = absl::InfinitePast();
  bool late = false;
  std::string sent_by;
  friend bool operator==(const CareMessageSent&, const CareMessageSent&) = default;
};
struct CareMessageDelivered {
  std::string message_id;
  absl::Time delivered_at = absl::InfinitePast();
  friend bool operator==(const CareMessageDelivered&, const CareMessageDelivered&) = default;
};
struct CareMessageFailed {
  std::string message_id;
  std::string reason;
  absl::Time failed_at = absl::InfinitePast();
  friend bool operator==(const CareMessageFailed&, const CareMessageFailed&) = default;
};
using CareMessageEvent = std::variant<CareMessageScheduled, CareMessageSkipped, CareMessageSent,
                                      CareMessageDelivered, CareMessageFailed>;

// INVALID_ARGUMENT "message_id"/"customer_id"/"kind"/"text" (1–500 characters)/"scheduled_for";
// ALREADY_EXISTS "message_id" when the message exists. Without consent → CareMessageSkipped
// (no_consent); over the frequency cap at `scheduled_for` → CareMessageSkipped (frequency_cap),
// except a birthday greeting when the policy exempts it.
[[nodiscard]] absl::StatusOr<std::vector<CareMessageEvent>> Decide(
    const CareMessageState& state, const ScheduleCareMessage& command, absl::Time now,
    const CarePolicy& policy);
// NOT_FOUND "message_id"; ABORTED stale version; FAILED_PRECONDITION unless scheduled. Late when
// `now` is after due_by (exactly at due_by is on time).
[[nodiscard]] absl::StatusOr<std::vector<CareMessageEvent>> Decide(
    const CareMessageState& state, const RecordMessageSent& command, const Actor& by,
    absl::Time now);
// NOT_FOUND "message_id"; ABORTED; INVALID_ARGUMENT "failure_reason" when failed without one;
// FAILED_PRECONDITION unless sent.
[[nodiscard]] absl::StatusOr<std::vector<CareMessageEvent>> Decide(
    const CareMessageState& state, const RecordMessageDelivery& command, absl::Time now);
CareMessageState Evolve(CareMessageState state, const CareMessageEvent& event);

// --- birthdays ---

// A "YYYY-MM-DD" birthday; nullopt when empty or not a real date.
std::optional<absl::CivilDay> ParseBirthday(std::string_view text);
// "MM-DD" of a birthday (the index key).
std::string BirthdayKey(absl::CivilDay birthday);
bool IsWorkingDay(absl::CivilDay day, const CarePolicy& policy);
// The birthdays ("MM-DD") greeted on `today`: none when it is not a working day; else today's and
// those of the non-working days right after it (a Friday greets Saturday's and Sunday's).
// Decision: 29 February birthdays are greeted on 28 February in years without a 29 February.
std::vector<std::string> BirthdayKeysGreetedOn(absl::CivilDay today, const CarePolicy& policy);

// --- campaigns ---

enum class CampaignAction { kUnspecified = 0, kCallback = 1, kMessage = 2 };
const char* CampaignActionName(CampaignAction action);  // "callback", "message"
bool ParseCampaignAction(std::string_view name, CampaignAction* out);

struct Segment {
  std::vector<int> tiers;
  std::vector<std::string> models;
  std::vector<std::string> categories;
  std::vector<std::string> regions;
  std::optional<absl::Time> last_visit_before;
  std::optional<absl::Time> last_visit_after;
  friend bool operator==(const Segment&, const Segment&) = default;
};

// What the service knows of a customer, for segments, consent and the callback's name and phone.
struct CustomerProfile {
  std::string customer_id;
  std::string name;
  std::string phone;
  int tier = 0;
  std::string region;
  bool consent = false;
  std::vector<std::string> models;      // of the assets they own
  std::vector<std::string> categories;  // of the assets they own
  std::optional<absl::Time> last_visit;  // the latest completed job
};

// Every given criterion holds. Region: equal, or the customer's region is inside it
// ("Qingdao" matches "Qingdao/Shinan"). Last visit before X: never visited, or before X.
bool MatchesSegment(const CustomerProfile& customer, const Segment& segment);

struct LaunchCampaign {
  std::string campaign_id;
  std::string name;
  Segment segment;
  CampaignAction action = CampaignAction::kUnspecified;
  std::optional<MessageKind> kind;
  std::string text;
};
// INVALID_ARGUMENT "campaign_id", "name", "action", "kind" (missing or birthday for messages),
// "text" (required for messages), "segment.last_visit_after" (after last_visit_before).
absl::Status ValidateCampaign(const LaunchCampaign& command);

struct CampaignLaunched {
  std::string campaign_id;
  std::string name;
  Segment segment;
  CampaignAction action = CampaignAction::kUnspecified;
  std::optional<MessageKind> kind;
  std::string text;
  absl::Time launched_at = absl::InfinitePast();
  std::string launched_by;
  std::vector<std::string> customer_ids;  // matched
  std::vector<std::string> created_ids;   // callbacks or messages created
  int skipped = 0;
  std::vector<std::string> skipped_customer_ids;
  std::vector<std::string> skip_reasons;  // parallel to skipped_customer_ids
  friend bool operator==(const CampaignLaunched&, const CampaignLaunched&) = default;
};

// --- care callbacks (Callback aggregates) ---

struct ScheduleCareCallback {
  std::string callback_id;
  std::string reason;  // ReasonName(kProductDelivered / kProductInstalled) or kReasonCampaign
  std::string customer_name;
  std::string customer_phone;
  absl::Time occurred_at = absl::InfinitePast();  // the delivery, installation or launch
  absl::Time due_at = absl::InfinitePast();
};
// ALREADY_EXISTS "callback_id" when it exists; INVALID_ARGUMENT "callback_id"/"occurred_at".
[[nodiscard]] absl::StatusOr<std::vector<CallbackEvent>> Decide(
    const CallbackState& state, const ScheduleCareCallback& command);

// The callback a newly registered asset owes: installed (installation date) or else delivered
// (purchase date), due per the callback policy; nullopt when neither date is given or the date
// is more than `product_callback_recent` before `now` or more than a day after it.
std::optional<ScheduleCareCallback> ProductCallbackFor(
    std::string_view asset_id, std::optional<absl::Time> installed_on,
    std::optional<absl::Time> purchased_on, absl::Time now, const CallbackPolicy& callbacks,
    const CarePolicy& care);

// --- club events, website updates, lounge scores, home visits ---

struct RecordClubEvent {
  std::string club_event_id;
  std::string name;
  absl::Time held_on = absl::InfinitePast();
  ClubEvent facts;
  int64_t expected_version = 0;
};
struct ClubEventRecorded {
  std::string club_event_id;
  std::string name;
  absl::Time held_on = absl::InfinitePast();
  ClubEvent facts;
  bool valid = false;
  std::string recorded_by;
  friend bool operator==(const ClubEventRecorded& a, const ClubEventRecorded& b) {
    return a.club_event_id == b.club_event_id && a.name == b.name && a.held_on == b.held_on &&
           a.facts.units == b.facts.units && a.facts.people == b.facts.people &&
           a.facts.attendee_list_filed == b.facts.attendee_list_filed &&
           a.facts.summary_filed == b.facts.summary_filed &&
           a.facts.display_board_filed == b.facts.display_board_filed && a.valid == b.valid &&
           a.recorded_by == b.recorded_by;
  }
};
struct ClubEventState {
  std::optional<ClubEventRecorded> current;  // nullopt: not recorded yet
  int64_t version = 0;
};
// INVALID_ARGUMENT "club_event_id", "name", "held_on", "units" / "people" (negative); ABORTED on
// a stale version; FAILED_PRECONDITION when an amendment changes nothing.
[[nodiscard]] absl::StatusOr<ClubEventRecorded> Decide(const ClubEventState& state,
                                                       const RecordClubEvent& command,
                                                       const Actor& by, const ClubEventRule& rule);

struct WebsiteUpdateRecorded {
  std::string record_id;
  std::string title;
  absl::Time published_at = absl::InfinitePast();
  std::string recorded_by;
  friend bool operator==(const WebsiteUpdateRecorded&, const WebsiteUpdateRecorded&) = default;
};
struct LoungeScoreRecorded {
  std::string record_id;
  double score_percent = 0;
  std::string customer_id;
  absl::Time scored_at = absl::InfinitePast();
  std::string recorded_by;
  friend bool operator==(const LoungeScoreRecorded&, const LoungeScoreRecorded&) = default;
};
struct HomeVisitRecorded {
  std::string record_id;
  std::string customer_id;
  absl::Time visited_at = absl::InfinitePast();
  std::string note;
  std::string visited_by;
  friend bool operator==(const HomeVisitRecorded&, const HomeVisitRecorded&) = default;
};
using CareRecordEvent = std::variant<WebsiteUpdateRecorded, LoungeScoreRecorded, HomeVisitRecorded>;

struct RecordWebsiteUpdate {
  std::string record_id;
  std::string title;
  absl::Time published_at = absl::InfinitePast();  // InfinitePast: now
};
struct RecordLoungeScore {
  std::string record_id;
  double score_percent = -1;
  std::string customer_id;
};
struct RecordHomeVisit {
  std::string record_id;
  std::string customer_id;
  std::string note;
};
// Each on a new CareRecord (`exists` = the record id already has events → ALREADY_EXISTS
// "record_id"). INVALID_ARGUMENT "title" / "published_at" (in the future), "score_percent"
// (not 0–100), "customer_id".
[[nodiscard]] absl::StatusOr<CareRecordEvent> Decide(bool exists, const RecordWebsiteUpdate& c,
                                                     const Actor& by, absl::Time now);
[[nodiscard]] absl::StatusOr<CareRecordEvent> Decide(bool exists, const RecordLoungeScore& c,
                                                     const Actor& by, absl::Time now);
[[nodiscard]] absl::StatusOr<CareRecordEvent> Decide(bool exists, const RecordHomeVisit& c,
                                                     const Actor& by, absl::Time now);

// Mean of the scores (percent); 0 when there is none.
double MeanLoungeScore(const std::vector<double>& scores);

}  // namespace fieldline::callbacks
