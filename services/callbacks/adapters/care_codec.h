#pragma once

// Translation between the care domain (domain/care_message.h) and its protos: care events ⇄
// CallbacksEvent payloads, the CareMessage state ⇄ the p/care_message/<id> projection, segments
// and message kinds.

#include "absl/status/statusor.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/callbacks/v1/events.pb.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "services/callbacks/domain/care_message.h"

namespace fieldline::callbacks {

v1::CareMessageKind EncodeMessageKind(MessageKind kind);
// nullopt for CARE_MESSAGE_KIND_UNSPECIFIED (or a number this build does not know).
std::optional<MessageKind> DecodeMessageKind(v1::CareMessageKind kind);

v1::CareSegment EncodeSegment(const Segment& segment);
Segment DecodeSegment(const v1::CareSegment& segment);

v1::CallbacksEvent EncodeCareMessageEvent(const CareMessageEvent& event);
// INVALID_ARGUMENT when the envelope carries no care-message event.
absl::StatusOr<CareMessageEvent> DecodeCareMessageEnvelope(
    const common::v1::EventEnvelope& envelope);

v1::CareMessage EncodeCareMessage(const CareMessageState& state);
CareMessageState DecodeCareMessage(const v1::CareMessage& message);

v1::CampaignLaunched EncodeCampaign(const CampaignLaunched& launched);
v1::ClubEventRecorded EncodeClubEvent(const ClubEventRecorded& recorded);
ClubEventRecorded DecodeClubEvent(const v1::ClubEventRecorded& recorded);
v1::CallbacksEvent EncodeCareRecordEvent(const CareRecordEvent& event);

}  // namespace fieldline::callbacks
