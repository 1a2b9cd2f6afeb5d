#pragma once

// When a follow-up call (回访) falls due. DOMAIN.md §2 step 9: by default within 2 days of the
// job's completion. A service company changes these by configuration; the defaults live here.

#include "absl/time/time.h"

namespace fieldline::callbacks {

struct CallbackPolicy {
  // Delay between a job's completion and the callback's due time.
  absl::Duration delay_after_job_completed = absl::Hours(48);
};

// The moment a callback for a job completed at `completed_at` is due under `policy`.
absl::Time DueAfterJobCompleted(absl::Time completed_at, const CallbackPolicy& policy);

}  // namespace fieldline::callbacks
