#include "services/callbacks/domain/callback.h"

#include <algorithm>
#include <set>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/core/strings.h"

namespace fieldline::callbacks {
namespace {

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

absl::Status ValidateSchedule(const ScheduleCallbackForCompletedJob& command) {
  if (command.reason == CallbackReason::kRemoteFix) {
    if (command.ticket_id.empty()) {
      return InvalidArgument("ticket_id",
                             "Say which ticket was resolved remotely; its callback belongs to it.");
    }
    if (command.completed_at == absl::InfinitePast() ||
        command.completed_at == absl::InfiniteFuture()) {
      return InvalidArgument("completed_at",
                             absl::StrCat("Ticket ", command.ticket_id,
                                          " has no resolution time, so its callback cannot be "
                                          "given a due date."));
    }
    return absl::OkStatus();
  }
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

absl::Status RequireExisting(const CallbackState& state, std::string_view callback_id) {
  if (callback_id.empty()) {
    return InvalidArgument("callback_id", "Say which callback you mean.");
  }
  if (state.status == CallbackStatus::kNone) {
    return NotFound("callback_id",
                    absl::StrCat("There is no callback ", AsAbsl(callback_id), "."));
  }
  return absl::OkStatus();
}

absl::Status CheckVersion(const CallbackState& state, int64_t expected_version) {
  if (expected_version > 0 && expected_version != state.version) {
    return VersionConflict(absl::StrCat("Callback ", state.callback_id,
                                        " was changed by someone else (now version ",
                                        state.version, "); reload it and try again."));
  }
  return absl::OkStatus();
}

const char* StatusWord(CallbackStatus status) {
  switch (status) {
    case CallbackStatus::kReached:
      return "already done (the customer was reached)";
    case CallbackStatus::kFailed:
      return "already closed as failed";
    case CallbackStatus::kExcluded:
      return "already closed (the number cannot be used)";
    default:
      return "not open";
  }
}

absl::Status RequireOpen(const CallbackState& state, std::string_view doing) {
  if (state.status != CallbackStatus::kDue) {
    return FailedPrecondition(absl::StrCat("Callback ", state.callback_id, " is ",
                                           StatusWord(state.status), "; it cannot be ",
                                           AsAbsl(doing), "."));
  }
  return absl::OkStatus();
}

absl::Status ValidateSurvey(const Survey& survey) {
  for (const auto& [question, answer] : SurveyAnswers(survey)) {
    if (answer < 1 || answer > 5) {
      return InvalidArgument(
          absl::StrCat("survey.", question),
          absl::StrCat("The answer to '", question, "' is ", answer,
                       "; every survey answer is from 1 (worst) to 5 (best)."));
    }
  }
  return absl::OkStatus();
}

// The written failure record: every call, when, in which slot, with what outcome.
std::string FailureRecord(const std::vector<Attempt>& attempts) {
  std::vector<std::string> lines;
  for (const Attempt& a : attempts) {
    lines.push_back(absl::StrCat("call ", a.number, " at ", FormatUtc(a.at), " (",
                                 SlotName(a.slot), ") by ", a.agent_id, ": ",
                                 OutcomeName(a.outcome)));
  }
  return absl::StrJoin(lines, "; ");
}

// Whether the retry rule is exhausted once `attempts` (all unsuccessful so far) were made.
bool AttemptsExhausted(const std::vector<Attempt>& attempts, const CallbackPolicy& policy) {
  std::set<TimeSlot> slots;
  for (const Attempt& a : attempts) {
    if (IsRetryable(a.outcome)) slots.insert(a.slot);
  }
  if (static_cast<int>(slots.size()) >= policy.max_attempts) return true;
  if (attempts.empty()) return false;
  return attempts.back().at - attempts.front().at >= policy.attempt_window;
}

}  // namespace

std::string CallbackIdForJob(std::string_view job_id) { return DeriveId(job_id, "callback"); }

std::string CallbackIdForRemoteFix(std::string_view ticket_id) {
  return DeriveId(ticket_id, "remote-fix-callback");
}

const char* OutcomeName(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kReached:
      return "reached";
    case AttemptOutcome::kPoweredOff:
      return "powered off";
    case AttemptOutcome::kLineSuspended:
      return "line suspended";
    case AttemptOutcome::kRefused:
      return "refused";
    case AttemptOutcome::kNoAnswer:
      return "no answer";
    case AttemptOutcome::kWrongNumber:
      return "wrong number";
    case AttemptOutcome::kEmptyNumber:
      return "empty number";
    case AttemptOutcome::kAssetTransferred:
      return "asset transferred";
    case AttemptOutcome::kUnspecified:
      break;
  }
  return "unspecified";
}

bool IsRetryable(AttemptOutcome outcome) {
  return outcome == AttemptOutcome::kPoweredOff || outcome == AttemptOutcome::kLineSuspended ||
         outcome == AttemptOutcome::kNoAnswer;
}

bool IsExclusion(AttemptOutcome outcome) {
  return outcome == AttemptOutcome::kWrongNumber || outcome == AttemptOutcome::kEmptyNumber ||
         outcome == AttemptOutcome::kAssetTransferred;
}

std::vector<std::pair<std::string, int>> SurveyAnswers(const Survey& survey) {
  return {{"attitude", survey.attitude},
          {"quality", survey.quality},
          {"fixed", survey.fixed},
          {"punctuality", survey.punctuality},
          {"respect_for_property", survey.respect_for_property},
          {"no_extra_fee", survey.no_extra_fee}};
}

bool IsOverdue(const CallbackState& state, absl::Time now) {
  return state.status == CallbackStatus::kDue && now > state.due_at;
}

absl::StatusOr<std::vector<CallbackEvent>> Decide(const CallbackState& state,
                                                  const ScheduleCallbackForCompletedJob& command,
                                                  absl::Time /*now*/,
                                                  const CallbackPolicy& policy) {
  if (absl::Status valid = ValidateSchedule(command); !valid.ok()) return valid;
  const bool remote = command.reason == CallbackReason::kRemoteFix;
  if (state.status != CallbackStatus::kNone) {
    return AlreadyExists(
        remote ? "ticket_id" : "job_id",
        absl::StrCat("A callback for ", remote ? "ticket " : "job ",
                     remote ? command.ticket_id : command.job_id, " is already scheduled (",
                     state.callback_id, ", due ", FormatUtc(state.due_at), ")."));
  }
  // A key account's on-site visit follows the key-account rule (DOMAIN §2 step 9); a remote fix
  // or a delivery keeps its own rule whoever the customer is, but is still called first.
  CallbackReason reason = command.reason;
  if (command.key_account && reason == CallbackReason::kJobCompleted) {
    reason = CallbackReason::kKeyAccountVisit;
  }
  const Priority priority = command.key_account || reason == CallbackReason::kKeyAccountVisit
                                ? Priority::kHigh
                                : Priority::kNormal;
  CallbackScheduled scheduled{
      .callback_id =
          remote ? CallbackIdForRemoteFix(command.ticket_id) : CallbackIdForJob(command.job_id),
      .job_id = command.job_id,
      .ticket_id = command.ticket_id,
      .customer_name = command.customer_name,
      .customer_phone = command.customer_phone,
      .technician_id = command.technician_id,
      .completed_at = command.completed_at,
      .due_at = DueAt(reason, command.completed_at, policy),
      .reason = ReasonName(reason),
      .priority = priority,
  };
  return std::vector<CallbackEvent>{std::move(scheduled)};
}

absl::StatusOr<std::vector<CallbackEvent>> Decide(const CallbackState& state,
                                                  const AssignCallback& command,
                                                  absl::Time /*now*/) {
  if (absl::Status s = RequireExisting(state, command.callback_id); !s.ok()) return s;
  if (command.agent_id.empty()) {
    return InvalidArgument("agent_id", "Say which care agent should make this callback.");
  }
  if (absl::Status s = CheckVersion(state, command.expected_version); !s.ok()) return s;
  if (absl::Status s = RequireOpen(state, "assigned"); !s.ok()) return s;
  if (state.agent_id == command.agent_id) {
    return FailedPrecondition(absl::StrCat("Callback ", state.callback_id,
                                           " is already assigned to ", command.agent_id, "."));
  }
  return std::vector<CallbackEvent>{CallbackAssigned{.callback_id = state.callback_id,
                                                     .agent_id = command.agent_id,
                                                     .previous_agent_id = state.agent_id}};
}

absl::StatusOr<std::vector<CallbackEvent>> Decide(const CallbackState& state,
                                                  const RecordCallbackAttempt& command,
                                                  const Actor& by, absl::Time now,
                                                  const CallbackPolicy& policy) {
  if (absl::Status s = RequireExisting(state, command.callback_id); !s.ok()) return s;
  if (command.outcome == AttemptOutcome::kUnspecified) {
    return InvalidArgument(
        "outcome",
        "Say how the call went: reached, powered off, line suspended, refused, no answer, wrong "
        "number, empty number or asset transferred.");
  }
  if (command.outcome == AttemptOutcome::kReached) {
    if (!command.survey.has_value()) {
      return InvalidArgument("survey",
                             "A reached customer's callback needs the survey answers (1–5 each).");
    }
    if (absl::Status s = ValidateSurvey(*command.survey); !s.ok()) return s;
  } else if (command.survey.has_value()) {
    return InvalidArgument("survey", absl::StrCat("The customer was not reached (",
                                                  OutcomeName(command.outcome),
                                                  "), so there can be no survey answers."));
  }
  if (absl::Status s = CheckVersion(state, command.expected_version); !s.ok()) return s;
  if (absl::Status s = RequireOpen(state, "called again"); !s.ok()) return s;

  const Attempt attempt{
      .number = static_cast<int>(state.attempts.size()) + 1,
      .outcome = command.outcome,
      .at = now,
      .slot = SlotOf(now, policy),
      .agent_id = by.user_id,
      .note = command.note,
  };
  std::vector<CallbackEvent> events{
      CallbackAttemptRecorded{.callback_id = state.callback_id, .attempt = attempt}};

  if (command.outcome == AttemptOutcome::kReached) {
    const Survey& survey = *command.survey;
    std::vector<std::string> low;
    int lowest = 5;
    for (const auto& [question, answer] : SurveyAnswers(survey)) {
      lowest = std::min(lowest, answer);
      if (answer < policy.dissatisfied_below) low.push_back(question);
    }
    events.push_back(CallbackReached{.callback_id = state.callback_id,
                                     .survey = survey,
                                     .reached_at = now,
                                     .agent_id = by.user_id,
                                     .satisfied = low.empty()});
    if (!low.empty()) {
      events.push_back(CallbackDissatisfied{.callback_id = state.callback_id,
                                            .job_id = state.job_id,
                                            .ticket_id = state.ticket_id,
                                            .technician_id = state.technician_id,
                                            .low_questions = std::move(low),
                                            .lowest_answer = lowest,
                                            .threshold = policy.dissatisfied_below,
                                            .survey = survey});
    }
  } else if (IsExclusion(command.outcome)) {
    events.push_back(CallbackExcluded{
        .callback_id = state.callback_id, .outcome = command.outcome, .excluded_at = now});
  } else {
    std::vector<Attempt> attempts = state.attempts;
    attempts.push_back(attempt);
    if (command.outcome == AttemptOutcome::kRefused) {
      events.push_back(CallbackFailed{.callback_id = state.callback_id,
                                      .reason = kFailureRefused,
                                      .failure_record = FailureRecord(attempts),
                                      .failed_at = now});
    } else if (AttemptsExhausted(attempts, policy)) {
      events.push_back(CallbackFailed{.callback_id = state.callback_id,
                                      .reason = kFailureAttemptsExhausted,
                                      .fallback_text = policy.fallback_text,
                                      .failure_record = FailureRecord(attempts),
                                      .failed_at = now});
    }
  }
  return events;
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
          state.priority = e.priority;
          state.status = CallbackStatus::kDue;
        } else if constexpr (std::is_same_v<E, CallbackAssigned>) {
          state.agent_id = e.agent_id;
        } else if constexpr (std::is_same_v<E, CallbackAttemptRecorded>) {
          state.attempts.push_back(e.attempt);
          state.final_outcome = e.attempt.outcome;
        } else if constexpr (std::is_same_v<E, CallbackReached>) {
          state.status = CallbackStatus::kReached;
          state.survey = e.survey;
          state.closed_at = e.reached_at;
        } else if constexpr (std::is_same_v<E, CallbackDissatisfied>) {
          state.dissatisfied = true;
        } else if constexpr (std::is_same_v<E, CallbackFailed>) {
          state.status = CallbackStatus::kFailed;
          state.failure_reason = e.reason;
          state.fallback_text = e.fallback_text;
          state.failure_record = e.failure_record;
          state.closed_at = e.failed_at;
        } else if constexpr (std::is_same_v<E, CallbackExcluded>) {
          state.status = CallbackStatus::kExcluded;
          state.closed_at = e.excluded_at;
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
