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
    case CallbackStatus::kNone:
      break;
  }
  return v1::CALLBACK_STATE_UNSPECIFIED;
}

CallbackStatus DecodeStatus(v1::CallbackState state) {
  switch (state) {
    case v1::CALLBACK_STATE_DUE:
      return CallbackStatus::kDue;
    default:
      return CallbackStatus::kNone;
  }
}

}  // namespace

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
      };
    }
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
  // `reason` is not part of the projection message; it stays empty in a view.
  state.status = DecodeStatus(callback.state());
  state.version = callback.version();
  return state;
}

}  // namespace fieldline::callbacks
