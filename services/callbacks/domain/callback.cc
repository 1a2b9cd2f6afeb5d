#include "services/callbacks/domain/callback.h"

#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"

namespace fieldline::callbacks {
namespace {

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

absl::Status ValidateSchedule(const ScheduleCallbackForCompletedJob& command) {
  if (command.job_id.empty()) {
    return InvalidArgument("job_id", "Say which job was completed; a callback belongs to a job.");
  }
  if (command.completed_at == absl::InfinitePast() ||
      command.completed_at == absl::InfiniteFuture()) {
    return InvalidArgument(
        "completed_at",
        absl::StrCat("Job ", command.job_id,
                     " has no completion time, so its callback cannot be given a due date."));
  }
  return absl::OkStatus();
}

}  // namespace

std::string CallbackIdForJob(std::string_view job_id) { return DeriveId(job_id, "callback"); }

bool IsOverdue(const CallbackState& state, absl::Time now) {
  return state.status == CallbackStatus::kDue && now > state.due_at;
}

absl::StatusOr<std::vector<CallbackEvent>> Decide(const CallbackState& state,
                                                  const ScheduleCallbackForCompletedJob& command,
                                                  absl::Time /*now*/,
                                                  const CallbackPolicy& policy) {
  if (absl::Status valid = ValidateSchedule(command); !valid.ok()) return valid;
  if (state.status != CallbackStatus::kNone) {
    return AlreadyExists(
        "job_id", absl::StrCat("A callback for job ", command.job_id, " is already scheduled (",
                               state.callback_id, ", due ", FormatUtc(state.due_at), ")."));
  }
  CallbackScheduled scheduled{
      .callback_id = CallbackIdForJob(command.job_id),
      .job_id = command.job_id,
      .ticket_id = command.ticket_id,
      .customer_name = command.customer_name,
      .customer_phone = command.customer_phone,
      .technician_id = command.technician_id,
      .completed_at = command.completed_at,
      .due_at = DueAfterJobCompleted(command.completed_at, policy),
      .reason = kReasonJobCompleted,
  };
  return std::vector<CallbackEvent>{std::move(scheduled)};
}

CallbackState Evolve(CallbackState state, const CallbackEvent& event) {
  std::visit(
      [&state](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, CallbackScheduled>) {
          state.callback_id = e.callback_id;
          state.job_id = e.job_id;
          state.ticket_id = e.ticket_id;
          state.customer_name = e.customer_name;
          state.customer_phone = e.customer_phone;
          state.technician_id = e.technician_id;
          state.completed_at = e.completed_at;
          state.due_at = e.due_at;
          state.reason = e.reason;
          state.status = CallbackStatus::kDue;
        }
      },
      event);
  ++state.version;
  return state;
}

CallbackState Replay(const std::vector<CallbackEvent>& events) {
  CallbackState state;
  for (const auto& e : events) state = Evolve(std::move(state), e);
  return state;
}

}  // namespace fieldline::callbacks
