#pragma once

// Translation between the Callback domain and its protos: domain events ⇄ CallbacksEvent
// payloads, and aggregate state ⇄ the p/callback/<id> projection (fieldline.callbacks.v1.Callback).

#include "absl/status/statusor.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/callbacks/v1/events.pb.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "services/callbacks/domain/callback.h"

namespace fieldline::callbacks {

v1::CallbacksEvent EncodeEvent(const CallbackEvent& event);
// INVALID_ARGUMENT if the payload holds no event kind this build knows.
absl::StatusOr<CallbackEvent> DecodeEvent(const v1::CallbacksEvent& event);
// The domain event an envelope of the Callback stream carries.
absl::StatusOr<CallbackEvent> DecodeEnvelope(const common::v1::EventEnvelope& envelope);

// The projection stored under p/callback/<id>; `overdue` is left false (computed at query time).
v1::Callback EncodeCallback(const CallbackState& state);
CallbackState DecodeCallback(const v1::Callback& callback);

// Outcome and survey translation, shared with the gRPC adapter (the enums share their numbers).
v1::AttemptOutcome EncodeOutcome(AttemptOutcome outcome);
AttemptOutcome DecodeOutcome(v1::AttemptOutcome outcome);
Survey DecodeSurvey(const v1::Survey& survey);

}  // namespace fieldline::callbacks
