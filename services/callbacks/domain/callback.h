#pragma once

// The Callback aggregate: the after-sales follow-up call (回访) owed to the customer after a job
// (or a remote fix, a key-account visit, a delivered or installed product).
// Aggregate type "Callback", id = CallbackIdForJob(source id). Pure: no protobuf, gRPC, RocksDB,
// Kafka or clock; time and policy come in as arguments.
//
// Lifecycle: scheduled (due) → assigned to a care agent (any number of times while due) →
// attempts → one of: reached (valid; with a survey, maybe dissatisfied), failed (refused, or the
// retry rule exhausted), excluded (wrong number, empty number, asset transferred).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/callbacks/domain/callback_policy.h"
#include "services/common/core/types.h"

namespace fieldline::callbacks {

inline constexpr char kCallbackAggregateType[] = "Callback";
// Why a callback exists (CallbackScheduled.reason), see ReasonName.
inline constexpr char kReasonJobCompleted[] = "job_completed";
inline constexpr char kFailureAttemptsExhausted[] = "attempts_exhausted";
inline constexpr char kFailureRefused[] = "refused";

// The callback of a job: one per job, derived from the job id, so a re-delivered or repeated
// JobCompleted finds the same aggregate.
std::string CallbackIdForJob(std::string_view job_id);
// The callback of a ticket resolved remotely (no job): one per ticket.
std::string CallbackIdForRemoteFix(std::string_view ticket_id);

enum class CallbackStatus {
  kNone = 0,      // no event yet: the callback does not exist
  kDue = 1,       // scheduled, waiting for the care agent's call
  kReached = 2,   // reached with feedback: valid
  kFailed = 3,    // refused, or the retry rule exhausted
  kExcluded = 4,  // wrong number, empty number, asset transferred: out of the KPI denominator
};

enum class AttemptOutcome {
  kUnspecified = 0,
  kReached = 1,
  kPoweredOff = 2,
  kLineSuspended = 3,
  kRefused = 4,
  kNoAnswer = 5,
  kWrongNumber = 6,
  kEmptyNumber = 7,
  kAssetTransferred = 8,
};

const char* OutcomeName(AttemptOutcome outcome);
// Powered off, line suspended, no answer: try again later.
bool IsRetryable(AttemptOutcome outcome);
// Wrong number, empty number, asset transferred: the callback leaves the KPI denominator.
bool IsExclusion(AttemptOutcome outcome);

// Survey answers, each 1 (worst) to 5 (best). `fixed` 5 = fully fixed; `no_extra_fee` 5 = no
// extra fee was asked, 1 = the technician asked for one.
struct Survey {
  int attitude = 0;
  int quality = 0;
  int fixed = 0;
  int punctuality = 0;
  int respect_for_property = 0;
  int no_extra_fee = 0;
  friend bool operator==(const Survey&, const Survey&) = default;
};

// The questions in survey order, with their answers.
std::vector<std::pair<std::string, int>> SurveyAnswers(const Survey& survey);

struct Attempt {
  int number = 0;
  AttemptOutcome outcome = AttemptOutcome::kUnspecified;
  absl::Time at = absl::InfinitePast();
  TimeSlot slot = TimeSlot::kUnspecified;
  std::string agent_id;
  std::string note;
  friend bool operator==(const Attempt&, const Attempt&) = default;
};

struct CallbackState {
  std::string callback_id;
  std::string job_id;
  std::string ticket_id;
  std::string customer_name;
  std::string customer_phone;
  std::string technician_id;
  absl::Time completed_at = absl::InfinitePast();
  absl::Time due_at = absl::InfinitePast();
  std::string reason;
  Priority priority = Priority::kNormal;
  CallbackStatus status = CallbackStatus::kNone;
  std::string agent_id;  // empty: not assigned
  std::vector<Attempt> attempts;
  std::optional<Survey> survey;
  bool dissatisfied = false;
  absl::Time closed_at = absl::InfinitePast();
  AttemptOutcome final_outcome = AttemptOutcome::kUnspecified;
  std::string failure_reason;
  std::string fallback_text;
  std::string failure_record;
  int64_t version = 0;  // events applied
  friend bool operator==(const CallbackState&, const CallbackState&) = default;
};

// True once the callback's due time has passed and it is still waiting for its call.
bool IsOverdue(const CallbackState& state, absl::Time now);

// --- commands ---

// A job was completed (or another reason a callback is owed): a callback falls due after the
// policy's delay for the reason. The customer's name and phone are empty when the ticket is not
// known yet (its event arrives on another topic). A key account raises the priority and uses the
// key-account delay. A remote fix has no job: it is keyed by `ticket_id` (CallbackIdForRemoteFix)
// and `completed_at` is when the ticket was resolved.
struct ScheduleCallbackForCompletedJob {
  std::string job_id;
  std::string ticket_id;
  std::string customer_name;
  std::string customer_phone;
  std::string technician_id;
  absl::Time completed_at = absl::InfinitePast();
  CallbackReason reason = CallbackReason::kJobCompleted;
  bool key_account = false;
};

// A manager (or the agent themselves) gives the callback to a care agent.
struct AssignCallback {
  std::string callback_id;
  std::string agent_id;
  int64_t expected_version = 0;  // 0: do not check
};

// A care agent called the customer. `survey` is required when reached and refused otherwise.
struct RecordCallbackAttempt {
  std::string callback_id;
  AttemptOutcome outcome = AttemptOutcome::kUnspecified;
  std::optional<Survey> survey;
  std::string note;
  int64_t expected_version = 0;  // 0: do not check
};

// --- events ---

struct CallbackScheduled {
  std::string callback_id;
  std::string job_id;
  std::string ticket_id;
  std::string customer_name;
  std::string customer_phone;
  std::string technician_id;
  absl::Time completed_at = absl::InfinitePast();
  absl::Time due_at = absl::InfinitePast();
  std::string reason;
  Priority priority = Priority::kNormal;
  friend bool operator==(const CallbackScheduled&, const CallbackScheduled&) = default;
};

struct CallbackAssigned {
  std::string callback_id;
  std::string agent_id;
  std::string previous_agent_id;
  friend bool operator==(const CallbackAssigned&, const CallbackAssigned&) = default;
};

struct CallbackAttemptRecorded {
  std::string callback_id;
  Attempt attempt;
  friend bool operator==(const CallbackAttemptRecorded&, const CallbackAttemptRecorded&) = default;
};

struct CallbackReached {
  std::string callback_id;
  Survey survey;
  absl::Time reached_at = absl::InfinitePast();
  std::string agent_id;
  bool satisfied = true;  // no answer below the threshold (else CallbackDissatisfied follows)
  friend bool operator==(const CallbackReached&, const CallbackReached&) = default;
};

// For intake to turn into a complaint and a reopened ticket.
struct CallbackDissatisfied {
  std::string callback_id;
  std::string job_id;
  std::string ticket_id;
  std::string technician_id;
  std::vector<std::string> low_questions;
  int lowest_answer = 0;
  int threshold = 0;
  Survey survey;
  friend bool operator==(const CallbackDissatisfied&, const CallbackDissatisfied&) = default;
};

struct CallbackFailed {
  std::string callback_id;
  std::string reason;  // kFailureAttemptsExhausted | kFailureRefused
  std::string fallback_text;   // empty when refused
  std::string failure_record;  // the written record of the calls
  absl::Time failed_at = absl::InfinitePast();
  friend bool operator==(const CallbackFailed&, const CallbackFailed&) = default;
};

struct CallbackExcluded {
  std::string callback_id;
  AttemptOutcome outcome = AttemptOutcome::kUnspecified;
  absl::Time excluded_at = absl::InfinitePast();
  friend bool operator==(const CallbackExcluded&, const CallbackExcluded&) = default;
};

using CallbackEvent = std::variant<CallbackScheduled, CallbackAssigned, CallbackAttemptRecorded,
                                   CallbackReached, CallbackDissatisfied, CallbackFailed,
                                   CallbackExcluded>;

// Scheduling a callback that already exists is refused with ALREADY_EXISTS (field "job_id");
// the reaction that sends this command treats that refusal as "nothing to do".
[[nodiscard]] absl::StatusOr<std::vector<CallbackEvent>> Decide(
    const CallbackState& state, const ScheduleCallbackForCompletedJob& command, absl::Time now,
    const CallbackPolicy& policy);

// NOT_FOUND "callback_id" for an unknown callback; INVALID_ARGUMENT "agent_id" when empty;
// ABORTED on a stale expected version; FAILED_PRECONDITION when closed or already the agent's.
[[nodiscard]] absl::StatusOr<std::vector<CallbackEvent>> Decide(const CallbackState& state,
                                                                const AssignCallback& command,
                                                                absl::Time now);

// The attempt, then at most: reached (+ dissatisfied), failed, or excluded. `by` is the agent.
[[nodiscard]] absl::StatusOr<std::vector<CallbackEvent>> Decide(
    const CallbackState& state, const RecordCallbackAttempt& command, const Actor& by,
    absl::Time now, const CallbackPolicy& policy);

CallbackState Evolve(CallbackState state, const CallbackEvent& event);

// Folds a stream of events from an empty state.
CallbackState Replay(const std::vector<CallbackEvent>& events);

}  // namespace fieldline::callbacks
