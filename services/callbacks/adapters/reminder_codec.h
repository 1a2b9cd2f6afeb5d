#pragma once

// Translation between the Reminder domain and its protos: domain events ⇄ CallbacksEvent
// payloads (reminder_* kinds), and state ⇄ the p/reminder/<id> projection
// (fieldline.callbacks.v1.Reminder).

#include "absl/status/statusor.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/callbacks/v1/events.pb.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "services/callbacks/domain/reminder.h"

namespace fieldline::callbacks {

v1::CallbacksEvent EncodeReminderEvent(const ReminderEvent& event);
// INVALID_ARGUMENT if the payload is not a reminder event.
absl::StatusOr<ReminderEvent> DecodeReminderEvent(const v1::CallbacksEvent& event);
absl::StatusOr<ReminderEvent> DecodeReminderEnvelope(const common::v1::EventEnvelope& envelope);

// The projection; `overdue` is left false (computed at query time).
v1::Reminder EncodeReminder(const ReminderState& state);
ReminderState DecodeReminder(const v1::Reminder& reminder);

// The enums share their numbers with the protos.
v1::ReminderKind EncodeReminderKind(ReminderKind kind);
ReminderKind DecodeReminderKind(v1::ReminderKind kind);
v1::ReminderOutcome EncodeReminderOutcome(ReminderOutcome outcome);
ReminderOutcome DecodeReminderOutcome(v1::ReminderOutcome outcome);

}  // namespace fieldline::callbacks
