#include "services/callbacks/adapters/care_codec.h"

#include <type_traits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "services/common/store/event_store.h"

namespace fieldline::callbacks {
namespace {

// Times at ±infinity mean "not set" and stay absent in the proto.
template <typename MutableFn>
void SetTime(absl::Time t, MutableFn mutable_field) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return;
  fieldline::ToProto(t, mutable_field());
}
absl::Time TimeOr(bool present, const google::protobuf::Timestamp& ts, absl::Time otherwise) {
  return present ? FromProto(ts) : otherwise;
}

}  // namespace

v1::CareMessageKind EncodeMessageKind(MessageKind kind) {
  switch (kind) {
    case MessageKind::kInspection:
      return v1::CARE_MESSAGE_KIND_INSPECTION;
    case MessageKind::kLicence:
      return v1::CARE_MESSAGE_KIND_LICENCE;
    case MessageKind::kBirthday:
      return v1::CARE_MESSAGE_KIND_BIRTHDAY;
    case MessageKind::kCare:
      return v1::CARE_MESSAGE_KIND_CARE;
    case MessageKind::kEvent:
      return v1::CARE_MESSAGE_KIND_EVENT;
    case MessageKind::kHoliday:
      return v1::CARE_MESSAGE_KIND_HOLIDAY;
    case MessageKind::kWeather:
      return v1::CARE_MESSAGE_KIND_WEATHER;
  }
  return v1::CARE_MESSAGE_KIND_UNSPECIFIED;
}

std::optional<MessageKind> DecodeMessageKind(v1::CareMessageKind kind) {
  switch (kind) {
    case v1::CARE_MESSAGE_KIND_INSPECTION:
      return MessageKind::kInspection;
    case v1::CARE_MESSAGE_KIND_LICENCE:
      return MessageKind::kLicence;
    case v1::CARE_MESSAGE_KIND_BIRTHDAY:
      return MessageKind::kBirthday;
    case v1::CARE_MESSAGE_KIND_CARE:
      return MessageKind::kCare;
    case v1::CARE_MESSAGE_KIND_EVENT:
      return MessageKind::kEvent;
    case v1::CARE_MESSAGE_KIND_HOLIDAY:
      return MessageKind::kHoliday;
    case v1::CARE_MESSAGE_KIND_WEATHER:
      return MessageKind::kWeather;
    default:
      return std::nullopt;
  }
}

v1::CareSegment EncodeSegment(const Segment& segment) {
  v1::CareSegment out;
  for (int t : segment.tiers) out.add_tiers(t);
  for (const std::string& m : segment.models) out.add_product_models(m);
  for (const std::string& c : segment.categories) out.add_product_categories(c);
  for (const std::string& r : segment.regions) out.add_regions(r);
  if (segment.last_visit_before) SetTime(*segment.last_visit_before, [&] { return out.mutable_last_visit_before(); });
  if (segment.last_visit_after) SetTime(*segment.last_visit_after, [&] { return out.mutable_last_visit_after(); });
  return out;
}

Segment DecodeSegment(const v1::CareSegment& s) {
  Segment out{.tiers = {s.tiers().begin(), s.tiers().end()},
              .models = {s.product_models().begin(), s.product_models().end()},
              .categories = {s.product_categories().begin(), s.product_categories().end()},
              .regions = {s.regions().begin(), s.regions().end()}};
  if (s.has_last_visit_before()) out.last_visit_before = FromProto(s.last_visit_before());
  if (s.has_last_visit_after()) out.last_visit_after = FromProto(s.last_visit_after());
  return out;
}

v1::CallbacksEvent EncodeCareMessageEvent(const CareMessageEvent& event) {
  v1::CallbacksEvent out;
  std::visit(
      [&out](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, CareMessageScheduled>) {
          v1::CareMessageScheduled* p = out.mutable_care_message_scheduled();
          p->set_message_id(e.message_id);
          p->set_customer_id(e.customer_id);
          p->set_kind(EncodeMessageKind(e.kind));
          p->set_text(e.text);
          p->set_campaign_id(e.campaign_id);
          SetTime(e.scheduled_for, [&] { return p->mutable_scheduled_for(); });
          SetTime(e.due_by, [&] { return p->mutable_due_by(); });
          p->set_customer_name(e.customer_name);
          p->set_customer_phone(e.customer_phone);
        } else if constexpr (std::is_same_v<E, CareMessageSkipped>) {
          v1::CareMessageSkipped* p = out.mutable_care_message_skipped();
          p->set_message_id(e.message_id);
          p->set_customer_id(e.customer_id);
          p->set_kind(EncodeMessageKind(e.kind));
          p->set_campaign_id(e.campaign_id);
          p->set_reason(e.reason);
          p->set_detail(e.detail);
          SetTime(e.skipped_at, [&] { return p->mutable_skipped_at(); });
          p->set_text(e.text);
        } else if constexpr (std::is_same_v<E, CareMessageSent>) {
          v1::CareMessageSent* p = out.mutable_care_message_sent();
          p->set_message_id(e.message_id);
          SetTime(e.sent_at, [&] { return p->mutable_sent_at(); });
          p->set_late(e.late);
          p->set_sent_by(e.sent_by);
        } else if constexpr (std::is_same_v<E, CareMessageDelivered>) {
          v1::CareMessageDelivered* p = out.mutable_care_message_delivered();
          p->set_message_id(e.message_id);
          SetTime(e.delivered_at, [&] { return p->mutable_delivered_at(); });
        } else if constexpr (std::is_same_v<E, CareMessageFailed>) {
          v1::CareMessageFailed* p = out.mutable_care_message_failed();
          p->set_message_id(e.message_id);
          p->set_reason(e.reason);
          SetTime(e.failed_at, [&] { return p->mutable_failed_at(); });
        }
      },
      event);
  return out;
}

absl::StatusOr<CareMessageEvent> DecodeCareMessageEnvelope(
    const common::v1::EventEnvelope& envelope) {
  if (!envelope.has_callbacks()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Event ", envelope.event_id(), " is not a callbacks event."));
  }
  const v1::CallbacksEvent& e = envelope.callbacks();
  if (e.has_care_message_scheduled()) {
    const auto& p = e.care_message_scheduled();
    return CareMessageEvent{CareMessageScheduled{
        .message_id = p.message_id(),
        .customer_id = p.customer_id(),
        .kind = DecodeMessageKind(p.kind()).value_or(MessageKind::kCare),
        .text = p.text(),
        .campaign_id = p.campaign_id(),
        .scheduled_for = TimeOr(p.has_scheduled_for(), p.scheduled_for(), absl::InfinitePast()),
        .due_by = TimeOr(p.has_due_by(), p.due_by(), absl::InfiniteFuture()),
        .customer_name = p.customer_name(),
        .customer_phone = p.customer_phone()}};
  }
  if (e.has_care_message_skipped()) {
    const auto& p = e.care_message_skipped();
    return CareMessageEvent{CareMessageSkipped{
        .message_id = p.message_id(),
        .customer_id = p.customer_id(),
        .kind = DecodeMessageKind(p.kind()).value_or(MessageKind::kCare),
        .campaign_id = p.campaign_id(),
        .reason = p.reason(),
        .detail = p.detail(),
        .skipped_at = TimeOr(p.has_skipped_at(), p.skipped_at(), absl::InfinitePast()),
        .text = p.text()}};
  }
  if (e.has_care_message_sent()) {
    const auto& p = e.care_message_sent();
    return CareMessageEvent{
        CareMessageSent{.message_id = p.message_id(),
                        .sent_at = TimeOr(p.has_sent_at(), p.sent_at(), absl::InfinitePast()),
                        .late = p.late(),
                        .sent_by = p.sent_by()}};
  }
  if (e.has_care_message_delivered()) {
    const auto& p = e.care_message_delivered();
    return CareMessageEvent{CareMessageDelivered{
        .message_id = p.message_id(),
        .delivered_at = TimeOr(p.has_delivered_at(), p.delivered_at(), absl::InfinitePast())}};
  }
  if (e.has_care_message_failed()) {
    const auto& p = e.care_message_failed();
    return CareMessageEvent{CareMessageFailed{
        .message_id = p.message_id(),
        .reason = p.reason(),
        .failed_at = TimeOr(p.has_failed_at(), p.failed_at(), absl::InfinitePast())}};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Event ", envelope.event_id(), " is not a care-message event."));
}

v1::CareMessage EncodeCareMessage(const CareMessageState& s) {
  v1::CareMessage out;
  out.set_message_id(s.message_id);
  out.set_customer_id(s.customer_id);
  out.set_customer_name(s.customer_name);
  out.set_customer_phone(s.customer_phone);
  out.set_kind(EncodeMessageKind(s.kind));
  out.set_text(s.text);
  out.set_campaign_id(s.campaign_id);
  SetTime(s.scheduled_for, [&] { return out.mutable_scheduled_for(); });
  SetTime(s.due_by, [&] { return out.mutable_due_by(); });
  out.set_status(MessageStatusName(s.status));
  SetTime(s.sent_at, [&] { return out.mutable_sent_at(); });
  out.set_late(s.late);
  SetTime(s.delivered_at, [&] { return out.mutable_delivered_at(); });
  SetTime(s.failed_at, [&] { return out.mutable_failed_at(); });
  out.set_failure_reason(s.failure_reason);
  out.set_skip_reason(s.skip_reason);
  out.set_skip_detail(s.skip_detail);
  out.set_version(s.version);
  return out;
}

CareMessageState DecodeCareMessage(const v1::CareMessage& m) {
  CareMessageState s;
  s.message_id = m.message_id();
  s.customer_id = m.customer_id();
  s.customer_name = m.customer_name();
  s.customer_phone = m.customer_phone();
  s.kind = DecodeMessageKind(m.kind()).value_or(MessageKind::kCare);
  s.text = m.text();
  s.campaign_id = m.campaign_id();
  s.scheduled_for = TimeOr(m.has_scheduled_for(), m.scheduled_for(), absl::InfinitePast());
  s.due_by = TimeOr(m.has_due_by(), m.due_by(), absl::InfiniteFuture());
  MessageStatus status = MessageStatus::kNone;
  ParseMessageStatus(m.status(), &status);
  s.status = status;
  s.sent_at = TimeOr(m.has_sent_at(), m.sent_at(), absl::InfinitePast());
  s.late = m.late();
  s.delivered_at = TimeOr(m.has_delivered_at(), m.delivered_at(), absl::InfinitePast());
  s.failed_at = TimeOr(m.has_failed_at(), m.failed_at(), absl::InfinitePast());
  s.failure_reason = m.failure_reason();
  s.skip_reason = m.skip_reason();
  s.skip_detail = m.skip_detail();
  s.version = m.version();
  return s;
}

v1::CampaignLaunched EncodeCampaign(const CampaignLaunched& c) {
  v1::CampaignLaunched out;
  out.set_campaign_id(c.campaign_id);
  out.set_name(c.name);
  *out.mutable_segment() = EncodeSegment(c.segment);
  out.set_action(CampaignActionName(c.action));
  if (c.kind) out.set_kind(EncodeMessageKind(*c.kind));
  out.set_text(c.text);
  SetTime(c.launched_at, [&] { return out.mutable_launched_at(); });
  out.set_launched_by(c.launched_by);
  for (const std::string& id : c.customer_ids) out.add_customer_ids(id);
  for (const std::string& id : c.created_ids) out.add_created_ids(id);
  out.set_skipped(c.skipped);
  for (const std::string& id : c.skipped_customer_ids) out.add_skipped_customer_ids(id);
  for (const std::string& r : c.skip_reasons) out.add_skip_reasons(r);
  return out;
}

v1::ClubEventRecorded EncodeClubEvent(const ClubEventRecorded& r) {
  v1::ClubEventRecorded out;
  out.set_club_event_id(r.club_event_id);
  out.set_name(r.name);
  SetTime(r.held_on, [&] { return out.mutable_held_on(); });
  out.set_units(r.facts.units);
  out.set_people(r.facts.people);
  out.set_attendee_list_filed(r.facts.attendee_list_filed);
  out.set_summary_filed(r.facts.summary_filed);
  out.set_display_board_filed(r.facts.display_board_filed);
  out.set_valid(r.valid);
  out.set_recorded_by(r.recorded_by);
  return out;
}

ClubEventRecorded DecodeClubEvent(const v1::ClubEventRecorded& p) {
  return ClubEventRecorded{
      .club_event_id = p.club_event_id(),
      .name = p.name(),
      .held_on = TimeOr(p.has_held_on(), p.held_on(), absl::InfinitePast()),
      .facts = ClubEvent{.units = p.units(),
                         .people = p.people(),
                         .attendee_list_filed = p.attendee_list_filed(),
                         .summary_filed = p.summary_filed(),
                         .display_board_filed = p.display_board_filed()},
      .valid = p.valid(),
      .recorded_by = p.recorded_by()};
}

v1::CallbacksEvent EncodeCareRecordEvent(const CareRecordEvent& event) {
  v1::CallbacksEvent out;
  std::visit(
      [&out](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, WebsiteUpdateRecorded>) {
          v1::WebsiteUpdateRecorded* p = out.mutable_website_update_recorded();
          p->set_record_id(e.record_id);
          p->set_title(e.title);
          SetTime(e.published_at, [&] { return p->mutable_published_at(); });
          p->set_recorded_by(e.recorded_by);
        } else if constexpr (std::is_same_v<E, LoungeScoreRecorded>) {
          v1::LoungeScoreRecorded* p = out.mutable_lounge_score_recorded();
          p->set_record_id(e.record_id);
          p->set_score_percent(e.score_percent);
          p->set_customer_id(e.customer_id);
          SetTime(e.scored_at, [&] { return p->mutable_scored_at(); });
          p->set_recorded_by(e.recorded_by);
        } else if constexpr (std::is_same_v<E, HomeVisitRecorded>) {
          v1::HomeVisitRecorded* p = out.mutable_home_visit_recorded();
          p->set_record_id(e.record_id);
          p->set_customer_id(e.customer_id);
          SetTime(e.visited_at, [&] { return p->mutable_visited_at(); });
          p->set_note(e.note);
          p->set_visited_by(e.visited_by);
        }
      },
      event);
  return out;
}

}  // namespace fieldline::callbacks
