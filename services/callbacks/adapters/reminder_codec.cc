#include "services/callbacks/adapters/reminder_codec.h"

#include <type_traits>

#include "absl/strings/str_cat.h"
#include "services/common/store/event_store.h"

namespace fieldline::callbacks {
namespace {

template <typename SetFn>
void SetTime(absl::Time time, SetFn mutable_field) {
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) return;
  fieldline::ToProto(time, mutable_field());
}

absl::Time TimeOf(bool present, const google::protobuf::Timestamp& ts) {
  return present ? fieldline::FromProto(ts) : absl::InfinitePast();
}

v1::ReminderState EncodeStatus(ReminderStatus status) {
  switch (status) {
    case ReminderStatus::kScheduled:
      return v1::REMINDER_STATE_SCHEDULED;
    case ReminderStatus::kDue:
      return v1::REMINDER_STATE_DUE;
    case ReminderStatus::kAnswered:
      return v1::REMINDER_STATE_ANSWERED;
    case ReminderStatus::kCameIn:
      return v1::REMINDER_STATE_CAME_IN;
    case ReminderStatus::kNone:
      break;
  }
  return v1::REMINDER_STATE_UNSPECIFIED;
}

ReminderStatus DecodeStatus(v1::ReminderState state) {
  switch (state) {
    case v1::REMINDER_STATE_SCHEDULED:
      return ReminderStatus::kScheduled;
    case v1::REMINDER_STATE_DUE:
      return ReminderStatus::kDue;
    case v1::REMINDER_STATE_ANSWERED:
      return ReminderStatus::kAnswered;
    case v1::REMINDER_STATE_CAME_IN:
      return ReminderStatus::kCameIn;
    default:
      return ReminderStatus::kNone;
  }
}

}  // namespace

v1::ReminderKind EncodeReminderKind(ReminderKind kind) {
  return static_cast<v1::ReminderKind>(static_cast<int>(kind));
}

ReminderKind DecodeReminderKind(v1::ReminderKind kind) {
  const int n = static_cast<int>(kind);
  if (n < 0 || n > static_cast<int>(ReminderKind::kInsuranceExpiry)) {
    return ReminderKind::kUnspecified;
  }
  return static_cast<ReminderKind>(n);
}

v1::ReminderOutcome EncodeReminderOutcome(ReminderOutcome outcome) {
  return static_cast<v1::ReminderOutcome>(static_cast<int>(outcome));
}

ReminderOutcome DecodeReminderOutcome(v1::ReminderOutcome outcome) {
  const int n = static_cast<int>(outcome);
  if (n < 0 || n > static_cast<int>(ReminderOutcome::kCameIn)) {
    return ReminderOutcome::kUnspecified;
  }
  return static_cast<ReminderOutcome>(n);
}

v1::CallbacksEvent EncodeReminderEvent(const ReminderEvent& event) {
  v1::CallbacksEvent out;
  std::visit(
      [&out](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, ReminderScheduled>) {
          v1::ReminderScheduled* p = out.mutable_reminder_scheduled();
          p->set_reminder_id(e.reminder_id);
          p->set_asset_id(e.asset_id);
          p->set_customer_id(e.customer_id);
          p->set_model(e.model);
          p->set_kind(EncodeReminderKind(e.kind));
          SetTime(e.basis_at, [p] { return p->mutable_basis_at(); });
          SetTime(e.remind_at, [p] { return p->mutable_remind_at(); });
          SetTime(e.due_by, [p] { return p->mutable_due_by(); });
        } else if constexpr (std::is_same_v<E, ReminderFellDue>) {
          v1::ReminderFellDue* p = out.mutable_reminder_fell_due();
          p->set_reminder_id(e.reminder_id);
          SetTime(e.fell_due_at, [p] { return p->mutable_fell_due_at(); });
        } else if constexpr (std::is_same_v<E, ReminderOutcomeRecorded>) {
          v1::ReminderOutcomeRecorded* p = out.mutable_reminder_outcome_recorded();
          p->set_reminder_id(e.reminder_id);
          p->set_outcome(EncodeReminderOutcome(e.outcome));
          p->set_agent_id(e.agent_id);
          SetTime(e.recorded_at, [p] { return p->mutable_recorded_at(); });
          p->set_note(e.note);
        } else if constexpr (std::is_same_v<E, ReminderCameIn>) {
          v1::ReminderCameIn* p = out.mutable_reminder_came_in();
          p->set_reminder_id(e.reminder_id);
          p->set_job_id(e.job_id);
          SetTime(e.came_in_at, [p] { return p->mutable_came_in_at(); });
        }
      },
      event);
  return out;
}

absl::StatusOr<ReminderEvent> DecodeReminderEvent(const v1::CallbacksEvent& event) {
  switch (event.kind_case()) {
    case v1::CallbacksEvent::kReminderScheduled: {
      const v1::ReminderScheduled& p = event.reminder_scheduled();
      return ReminderScheduled{.reminder_id = p.reminder_id(),
                               .asset_id = p.asset_id(),
                               .customer_id = p.customer_id(),
                               .model = p.model(),
                               .kind = DecodeReminderKind(p.kind()),
                               .basis_at = TimeOf(p.has_basis_at(), p.basis_at()),
                               .remind_at = TimeOf(p.has_remind_at(), p.remind_at()),
                               .due_by = TimeOf(p.has_due_by(), p.due_by())};
    }
    case v1::CallbacksEvent::kReminderFellDue: {
      const v1::ReminderFellDue& p = event.reminder_fell_due();
      return ReminderFellDue{.reminder_id = p.reminder_id(),
                             .fell_due_at = TimeOf(p.has_fell_due_at(), p.fell_due_at())};
    }
    case v1::CallbacksEvent::kReminderOutcomeRecorded: {
      const v1::ReminderOutcomeRecorded& p = event.reminder_outcome_recorded();
      return ReminderOutcomeRecorded{.reminder_id = p.reminder_id(),
                                     .outcome = DecodeReminderOutcome(p.outcome()),
                                     .agent_id = p.agent_id(),
                                     .recorded_at = TimeOf(p.has_recorded_at(), p.recorded_at()),
                                     .note = p.note()};
    }
    case v1::CallbacksEvent::kReminderCameIn: {
      const v1::ReminderCameIn& p = event.reminder_came_in();
      return ReminderCameIn{.reminder_id = p.reminder_id(),
                            .job_id = p.job_id(),
                            .came_in_at = TimeOf(p.has_came_in_at(), p.came_in_at())};
    }
    default:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("A callbacks event of kind ", static_cast<int>(event.kind_case()),
                   " is not a reminder event."));
}

absl::StatusOr<ReminderEvent> DecodeReminderEnvelope(const common::v1::EventEnvelope& envelope) {
  if (envelope.payload_case() != common::v1::EventEnvelope::kCallbacks) {
    return absl::InvalidArgumentError(absl::StrCat("Event ", envelope.event_id(),
                                                   " is not a callbacks event."));
  }
  return DecodeReminderEvent(envelope.callbacks());
}

v1::Reminder EncodeReminder(const ReminderState& s) {
  v1::Reminder out;
  out.set_reminder_id(s.reminder_id);
  out.set_asset_id(s.asset_id);
  out.set_customer_id(s.customer_id);
  out.set_model(s.model);
  out.set_kind(EncodeReminderKind(s.kind));
  SetTime(s.basis_at, [&out] { return out.mutable_basis_at(); });
  SetTime(s.remind_at, [&out] { return out.mutable_remind_at(); });
  SetTime(s.due_by, [&out] { return out.mutable_due_by(); });
  out.set_state(EncodeStatus(s.status));
  SetTime(s.fell_due_at, [&out] { return out.mutable_fell_due_at(); });
  out.set_outcome(EncodeReminderOutcome(s.outcome));
  SetTime(s.outcome_at, [&out] { return out.mutable_outcome_at(); });
  out.set_outcome_agent_id(s.outcome_agent_id);
  out.set_note(s.note);
  SetTime(s.came_in_at, [&out] { return out.mutable_came_in_at(); });
  out.set_came_in_job_id(s.came_in_job_id);
  out.set_version(s.version);
  return out;
}

ReminderState DecodeReminder(const v1::Reminder& r) {
  ReminderState s;
  s.reminder_id = r.reminder_id();
  s.asset_id = r.asset_id();
  s.customer_id = r.customer_id();
  s.model = r.model();
  s.kind = DecodeReminderKind(r.kind());
  s.basis_at = TimeOf(r.has_basis_at(), r.basis_at());
  s.remind_at = TimeOf(r.has_remind_at(), r.remind_at());
  s.due_by = TimeOf(r.has_due_by(), r.due_by());
  s.status = DecodeStatus(r.state());
  s.fell_due_at = TimeOf(r.has_fell_due_at(), r.fell_due_at());
  s.outcome = DecodeReminderOutcome(r.outcome());
  s.outcome_at = TimeOf(r.has_outcome_at(), r.outcome_at());
  s.outcome_agent_id = r.outcome_agent_id();
  s.note = r.note();
  s.came_in_at = TimeOf(r.has_came_in_at(), r.came_in_at());
  s.came_in_job_id = r.came_in_job_id();
  s.version = r.version();
  return s;
}

}  // namespace fieldline::callbacks
