#include "services/callbacks/adapters/event_codec.h"

#include <type_traits>

#include "absl/strings/str_cat.h"
#include "services/common/store/event_store.h"

namespace fieldline::callbacks {
namespace {

// Infinite times mean "not set" in the domain and are left out of the message.
template <typename SetFn>
void SetTime(absl::Time time, SetFn mutable_field) {
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) return;
  fieldline::ToProto(time, mutable_field());
}

absl::Time TimeFromProto(bool present, const google::protobuf::Timestamp& ts) {
  return present ? fieldline::FromProto(ts) : absl::InfinitePast();
}

v1::CallbackState EncodeStatus(CallbackStatus status) {
  switch (status) {
    case CallbackStatus::kDue:
      return v1::CALLBACK_STATE_DUE;
    case CallbackStatus::kReached:
      return v1::CALLBACK_STATE_REACHED;
    case CallbackStatus::kFailed:
      return v1::CALLBACK_STATE_FAILED;
    case CallbackStatus::kExcluded:
      return v1::CALLBACK_STATE_EXCLUDED;
    case CallbackStatus::kNone:
      break;
  }
  return v1::CALLBACK_STATE_UNSPECIFIED;
}

CallbackStatus DecodeStatus(v1::CallbackState state) {
  switch (state) {
    case v1::CALLBACK_STATE_DUE:
      return CallbackStatus::kDue;
    case v1::CALLBACK_STATE_REACHED:
      return CallbackStatus::kReached;
    case v1::CALLBACK_STATE_FAILED:
      return CallbackStatus::kFailed;
    case v1::CALLBACK_STATE_EXCLUDED:
      return CallbackStatus::kExcluded;
    default:
      return CallbackStatus::kNone;
  }
}

v1::Survey EncodeSurvey(const Survey& s) {
  v1::Survey out;
  out.set_attitude(s.attitude);
  out.set_quality(s.quality);
  out.set_fixed(s.fixed);
  out.set_punctuality(s.punctuality);
  out.set_respect_for_property(s.respect_for_property);
  out.set_no_extra_fee(s.no_extra_fee);
  return out;
}

TimeSlot DecodeSlot(v1::TimeSlot slot) {
  switch (slot) {
    case v1::TIME_SLOT_MORNING:
      return TimeSlot::kMorning;
    case v1::TIME_SLOT_AFTERNOON:
      return TimeSlot::kAfternoon;
    case v1::TIME_SLOT_EVENING:
      return TimeSlot::kEvening;
    default:
      return TimeSlot::kUnspecified;
  }
}

v1::TimeSlot EncodeSlot(TimeSlot slot) {
  switch (slot) {
    case TimeSlot::kMorning:
      return v1::TIME_SLOT_MORNING;
    case TimeSlot::kAfternoon:
      return v1::TIME_SLOT_AFTERNOON;
    case TimeSlot::kEvening:
      return v1::TIME_SLOT_EVENING;
    case TimeSlot::kUnspecified:
      break;
  }
  return v1::TIME_SLOT_UNSPECIFIED;
}

void EncodeAttempt(const std::string& callback_id, const Attempt& a,
                   v1::CallbackAttemptRecorded* p) {
  p->set_callback_id(callback_id);
  p->set_attempt_number(a.number);
  p->set_outcome(EncodeOutcome(a.outcome));
  SetTime(a.at, [p] { return p->mutable_attempted_at(); });
  p->set_time_slot(EncodeSlot(a.slot));
  p->set_agent_id(a.agent_id);
  p->set_note(a.note);
}

Attempt DecodeAttempt(const v1::CallbackAttemptRecorded& p) {
  return Attempt{
      .number = p.attempt_number(),
      .outcome = DecodeOutcome(p.outcome()),
      .at = TimeFromProto(p.has_attempted_at(), p.attempted_at()),
      .slot = DecodeSlot(p.time_slot()),
      .agent_id = p.agent_id(),
      .note = p.note(),
  };
}

Priority DecodePriority(common::v1::Priority p) {
  switch (p) {
    case common::v1::PRIORITY_LOW:
      return Priority::kLow;
    case common::v1::PRIORITY_HIGH:
      return Priority::kHigh;
    case common::v1::PRIORITY_URGENT:
      return Priority::kUrgent;
    default:
      return Priority::kNormal;  // events written before priorities existed
  }
}

common::v1::Priority EncodePriority(Priority p) {
  return static_cast<common::v1::Priority>(static_cast<int>(p));
}

}  // namespace

v1::AttemptOutcome EncodeOutcome(AttemptOutcome outcome) {
  return static_cast<v1::AttemptOutcome>(static_cast<int>(outcome));
}

AttemptOutcome DecodeOutcome(v1::AttemptOutcome outcome) {
  const int value = static_cast<int>(outcome);
  if (value < 0 || value > static_cast<int>(AttemptOutcome::kAssetTransferred)) {
    return AttemptOutcome::kUnspecified;
  }
  return static_cast<AttemptOutcome>(value);
}

Survey DecodeSurvey(const v1::Survey& s) {
  return Survey{.attitude = s.attitude(),
                .quality = s.quality(),
                .fixed = s.fixed(),
                .punctuality = s.punctuality(),
                .respect_for_property = s.respect_for_property(),
                .no_extra_fee = s.no_extra_fee()};
}

v1::CallbacksEvent EncodeEvent(const CallbackEvent& event) {
  v1::CallbacksEvent out;
  std::visit(
      [&out](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, CallbackScheduled>) {
          v1::CallbackScheduled* p = out.mutable_callback_scheduled();
          p->set_callback_id(e.callback_id);
          p->set_job_id(e.job_id);
          p->set_ticket_id(e.ticket_id);
          p->set_customer_name(e.customer_name);
          p->set_customer_phone(e.customer_phone);
          p->set_technician_id(e.technician_id);
          SetTime(e.completed_at, [p] { return p->mutable_completed_at(); });
          SetTime(e.due_at, [p] { return p->mutable_due_at(); });
          p->set_reason(e.reason);
          p->set_priority(EncodePriority(e.priority));
        } else if constexpr (std::is_same_v<E, CallbackAssigned>) {
          v1::CallbackAssigned* p = out.mutable_callback_assigned();
          p->set_callback_id(e.callback_id);
          p->set_agent_id(e.agent_id);
          p->set_previous_agent_id(e.previous_agent_id);
        } else if constexpr (std::is_same_v<E, CallbackAttemptRecorded>) {
          EncodeAttempt(e.callback_id, e.attempt, out.mutable_callback_attempt_recorded());
        } else if constexpr (std::is_same_v<E, CallbackReached>) {
          v1::CallbackReached* p = out.mutable_callback_reached();
          p->set_callback_id(e.callback_id);
          *p->mutable_survey() = EncodeSurvey(e.survey);
          SetTime(e.reached_at, [p] { return p->mutable_reached_at(); });
          p->set_agent_id(e.agent_id);
          p->set_satisfied(e.satisfied);
        } else if constexpr (std::is_same_v<E, CallbackDissatisfied>) {
          v1::CallbackDissatisfied* p = out.mutable_callback_dissatisfied();
          p->set_callback_id(e.callback_id);
          p->set_job_id(e.job_id);
          p->set_ticket_id(e.ticket_id);
          p->set_technician_id(e.technician_id);
          for (const std::string& q : e.low_questions) p->add_low_questions(q);
          p->set_lowest_answer(e.lowest_answer);
          p->set_threshold(e.threshold);
          *p->mutable_survey() = EncodeSurvey(e.survey);
        } else if constexpr (std::is_same_v<E, CallbackFailed>) {
          v1::CallbackFailed* p = out.mutable_callback_failed();
          p->set_callback_id(e.callback_id);
          p->set_reason(e.reason);
          p->set_fallback_text(e.fallback_text);
          p->set_failure_record(e.failure_record);
          SetTime(e.failed_at, [p] { return p->mutable_failed_at(); });
        } else if constexpr (std::is_same_v<E, CallbackExcluded>) {
          v1::CallbackExcluded* p = out.mutable_callback_excluded();
          p->set_callback_id(e.callback_id);
          p->set_outcome(EncodeOutcome(e.outcome));
          SetTime(e.excluded_at, [p] { return p->mutable_excluded_at(); });
        }
      },
      event);
  return out;
}

absl::StatusOr<CallbackEvent> DecodeEvent(const v1::CallbacksEvent& event) {
  switch (event.kind_case()) {
    case v1::CallbacksEvent::kCallbackScheduled: {
      const v1::CallbackScheduled& p = event.callback_scheduled();
      return CallbackScheduled{
          .callback_id = p.callback_id(),
          .job_id = p.job_id(),
          .ticket_id = p.ticket_id(),
          .customer_name = p.customer_name(),
          .customer_phone = p.customer_phone(),
          .technician_id = p.technician_id(),
          .completed_at = TimeFromProto(p.has_completed_at(), p.completed_at()),
          .due_at = TimeFromProto(p.has_due_at(), p.due_at()),
          .reason = p.reason(),
          .priority = DecodePriority(p.priority()),
      };
    }
    case v1::CallbacksEvent::kCallbackAssigned: {
      const v1::CallbackAssigned& p = event.callback_assigned();
      return CallbackAssigned{.callback_id = p.callback_id(),
                              .agent_id = p.agent_id(),
                              .previous_agent_id = p.previous_agent_id()};
    }
    case v1::CallbacksEvent::kCallbackAttemptRecorded: {
      const v1::CallbackAttemptRecorded& p = event.callback_attempt_recorded();
      return CallbackAttemptRecorded{.callback_id = p.callback_id(), .attempt = DecodeAttempt(p)};
    }
    case v1::CallbacksEvent::kCallbackReached: {
      const v1::CallbackReached& p = event.callback_reached();
      return CallbackReached{.callback_id = p.callback_id(),
                             .survey = DecodeSurvey(p.survey()),
                             .reached_at = TimeFromProto(p.has_reached_at(), p.reached_at()),
                             .agent_id = p.agent_id(),
                             .satisfied = !p.has_satisfied() || p.satisfied()};
    }
    case v1::CallbacksEvent::kCallbackDissatisfied: {
      const v1::CallbackDissatisfied& p = event.callback_dissatisfied();
      return CallbackDissatisfied{
          .callback_id = p.callback_id(),
          .job_id = p.job_id(),
          .ticket_id = p.ticket_id(),
          .technician_id = p.technician_id(),
          .low_questions = {p.low_questions().begin(), p.low_questions().end()},
          .lowest_answer = p.lowest_answer(),
          .threshold = p.threshold(),
          .survey = DecodeSurvey(p.survey())};
    }
    case v1::CallbacksEvent::kCallbackFailed: {
      const v1::CallbackFailed& p = event.callback_failed();
      return CallbackFailed{.callback_id = p.callback_id(),
                            .reason = p.reason(),
                            .fallback_text = p.fallback_text(),
                            .failure_record = p.failure_record(),
                            .failed_at = TimeFromProto(p.has_failed_at(), p.failed_at())};
    }
    case v1::CallbacksEvent::kCallbackExcluded: {
      const v1::CallbackExcluded& p = event.callback_excluded();
      return CallbackExcluded{.callback_id = p.callback_id(),
                              .outcome = DecodeOutcome(p.outcome()),
                              .excluded_at = TimeFromProto(p.has_excluded_at(), p.excluded_at())};
    }
    case v1::CallbacksEvent::kReminderScheduled:
    case v1::CallbacksEvent::kReminderFellDue:
    case v1::CallbacksEvent::kReminderOutcomeRecorded:
    case v1::CallbacksEvent::kReminderCameIn:
      return absl::InvalidArgumentError("A reminder event is not an event of a callback.");
    case v1::CallbacksEvent::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("A callbacks event of an unknown kind (", static_cast<int>(event.kind_case()),
                   ") cannot be read."));
}

absl::StatusOr<CallbackEvent> DecodeEnvelope(const common::v1::EventEnvelope& envelope) {
  if (envelope.payload_case() != common::v1::EventEnvelope::kCallbacks) {
    return absl::InvalidArgumentError(absl::StrCat("Event ", envelope.event_id(), " of ",
                                                   envelope.aggregate_type(), " ",
                                                   envelope.aggregate_id(),
                                                   " is not a callbacks event."));
  }
  return DecodeEvent(envelope.callbacks());
}

v1::Callback EncodeCallback(const CallbackState& state) {
  v1::Callback out;
  out.set_callback_id(state.callback_id);
  out.set_job_id(state.job_id);
  out.set_ticket_id(state.ticket_id);
  out.set_customer_name(state.customer_name);
  out.set_customer_phone(state.customer_phone);
  out.set_technician_id(state.technician_id);
  SetTime(state.completed_at, [&out] { return out.mutable_completed_at(); });
  SetTime(state.due_at, [&out] { return out.mutable_due_at(); });
  out.set_state(EncodeStatus(state.status));
  out.set_overdue(false);
  out.set_version(state.version);
  out.set_agent_id(state.agent_id);
  out.set_priority(EncodePriority(state.priority));
  out.set_reason(state.reason);
  for (const Attempt& a : state.attempts) EncodeAttempt(state.callback_id, a, out.add_attempts());
  if (state.survey.has_value()) *out.mutable_survey() = EncodeSurvey(*state.survey);
  out.set_dissatisfied(state.dissatisfied);
  SetTime(state.closed_at, [&out] { return out.mutable_closed_at(); });
  out.set_failure_reason(state.failure_reason);
  out.set_fallback_text(state.fallback_text);
  out.set_failure_record(state.failure_record);
  out.set_final_outcome(EncodeOutcome(state.final_outcome));
  return out;
}

CallbackState DecodeCallback(const v1::Callback& callback) {
  CallbackState state;
  state.callback_id = callback.callback_id();
  state.job_id = callback.job_id();
  state.ticket_id = callback.ticket_id();
  state.customer_name = callback.customer_name();
  state.customer_phone = callback.customer_phone();
  state.technician_id = callback.technician_id();
  state.completed_at = TimeFromProto(callback.has_completed_at(), callback.completed_at());
  state.due_at = TimeFromProto(callback.has_due_at(), callback.due_at());
  state.reason = callback.reason();
  state.priority = DecodePriority(callback.priority());
  state.status = DecodeStatus(callback.state());
  state.version = callback.version();
  state.agent_id = callback.agent_id();
  for (const v1::CallbackAttemptRecorded& a : callback.attempts()) {
    state.attempts.push_back(DecodeAttempt(a));
  }
  if (callback.has_survey()) state.survey = DecodeSurvey(callback.survey());
  state.dissatisfied = callback.dissatisfied();
  state.closed_at = TimeFromProto(callback.has_closed_at(), callback.closed_at());
  state.failure_reason = callback.failure_reason();
  state.fallback_text = callback.fallback_text();
  state.failure_record = callback.failure_record();
  state.final_outcome = DecodeOutcome(callback.final_outcome());
  return state;
}

}  // namespace fieldline::callbacks
