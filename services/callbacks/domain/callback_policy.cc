#include "services/callbacks/domain/callback_policy.h"

#include <string_view>

#include "absl/time/civil_time.h"

namespace fieldline::callbacks {

absl::Time DueAt(CallbackReason reason, absl::Time occurred_at, const CallbackPolicy& policy) {
  // A fixed duration on the absolute time line: the same wall-clock hours later in UTC, whatever
  // month or year boundary lies in between.
  switch (reason) {
    case CallbackReason::kJobCompleted:
      return occurred_at + policy.delay_after_job_completed;
    case CallbackReason::kRemoteFix:
      return occurred_at + policy.delay_after_remote_fix;
    case CallbackReason::kKeyAccountVisit:
      return occurred_at + policy.delay_after_key_account_visit;
    case CallbackReason::kProductDelivered:
      return occurred_at + policy.delay_after_product_delivered;
    case CallbackReason::kProductInstalled:
      return occurred_at + policy.delay_after_product_installed;
  }
  return occurred_at + policy.delay_after_job_completed;
}

absl::Time DueAfterJobCompleted(absl::Time completed_at, const CallbackPolicy& policy) {
  return DueAt(CallbackReason::kJobCompleted, completed_at, policy);
}

TimeSlot SlotOf(absl::Time at, const CallbackPolicy& policy) {
  const absl::CivilHour hour = absl::ToCivilHour(at, policy.local_zone);
  if (hour.hour() < policy.afternoon_from_hour) return TimeSlot::kMorning;
  if (hour.hour() < policy.evening_from_hour) return TimeSlot::kAfternoon;
  return TimeSlot::kEvening;
}

const char* ReasonName(CallbackReason reason) {
  switch (reason) {
    case CallbackReason::kJobCompleted:
      return "job_completed";
    case CallbackReason::kRemoteFix:
      return "remote_fix";
    case CallbackReason::kKeyAccountVisit:
      return "key_account_visit";
    case CallbackReason::kProductDelivered:
      return "product_delivered";
    case CallbackReason::kProductInstalled:
      return "product_installed";
  }
  return "job_completed";
}

bool ParseReason(std::string_view name, CallbackReason* out) {
  for (CallbackReason r : {CallbackReason::kJobCompleted, CallbackReason::kRemoteFix,
                           CallbackReason::kKeyAccountVisit, CallbackReason::kProductDelivered,
                           CallbackReason::kProductInstalled}) {
    if (name == ReasonName(r)) {
      *out = r;
      return true;
    }
  }
  return false;
}

const char* SlotName(TimeSlot slot) {
  switch (slot) {
    case TimeSlot::kMorning:
      return "morning";
    case TimeSlot::kAfternoon:
      return "afternoon";
    case TimeSlot::kEvening:
      return "evening";
    case TimeSlot::kUnspecified:
      break;
  }
  return "unspecified";
}

}  // namespace fieldline::callbacks
