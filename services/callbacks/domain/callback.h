#pragma once

// The Callback aggregate: the after-sales follow-up call (回访) owed to the customer after a job.
// Aggregate type "Callback", id = CallbackIdForJob(job_id). Pure: no protobuf, gRPC, RocksDB,
// Kafka or clock; time and policy come in as arguments.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/callbacks/domain/callback_policy.h"

namespace fieldline::callbacks {

inline constexpr char kCallbackAggregateType[] = "Callback";
// Why a callback exists. Only completed jobs schedule callbacks so far.
inline constexpr char kReasonJobCompleted[] = "job_completed";

// The callback of a job: one per job, derived from the job id, so a re-delivered or repeated
// JobCompleted finds the same aggregate.
std::string CallbackIdForJob(std::string_view job_id);

enum class CallbackStatus {
  kNone = 0,  // no event yet: the callback does not exist
  kDue = 1,   // scheduled, waiting for the care agent's call
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
  CallbackStatus status = CallbackStatus::kNone;
  int64_t version = 0;  // events applied
  friend bool operator==(const CallbackState&, const CallbackState&) = default;
};

// True once the callback's due time has passed and it is still waiting for its call.
bool IsOverdue(const CallbackState& state, absl::Time now);

// --- commands ---

// A job was completed: a callback falls due after the policy's delay. The customer's name and
// phone are empty when the ticket is not known yet (its event arrives on another topic).
struct ScheduleCallbackForCompletedJob {
  std::string job_id;
  std::string ticket_id;
  std::string customer_name;
  std::string customer_phone;
  std::string technician_id;
  absl::Time completed_at = absl::InfinitePast();
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
  friend bool operator==(const CallbackScheduled&, const CallbackScheduled&) = default;
};

using CallbackEvent = std::variant<CallbackScheduled>;

// Scheduling a callback that already exists is refused with ALREADY_EXISTS (field "job_id");
// the reaction that sends this command treats that refusal as "nothing to do".
[[nodiscard]] absl::StatusOr<std::vector<CallbackEvent>> Decide(
    const CallbackState& state, const ScheduleCallbackForCompletedJob& command, absl::Time now,
    const CallbackPolicy& policy);

CallbackState Evolve(CallbackState state, const CallbackEvent& event);

// Folds a stream of events from an empty state.
CallbackState Replay(const std::vector<CallbackEvent>& events);

}  // namespace fieldline::callbacks
