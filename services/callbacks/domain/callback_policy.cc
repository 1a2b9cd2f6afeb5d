#include "services/callbacks/domain/callback_policy.h"

namespace fieldline::callbacks {

absl::Time DueAfterJobCompleted(absl::Time completed_at, const CallbackPolicy& policy) {
  // A fixed duration on the absolute time line: the same wall-clock hours later in UTC, whatever
  // month or year boundary lies in between.
  return completed_at + policy.delay_after_job_completed;
}

}  // namespace fieldline::callbacks
