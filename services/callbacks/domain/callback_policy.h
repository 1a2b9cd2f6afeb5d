#pragma once

// When a follow-up call (回访) falls due and how it is worked. DOMAIN.md §2 step 9 and §4: by
// default within 2 days of a job's completion, the next day after a remote fix, 48 h after a
// key-account visit; up to 3 calls within 3 days in 3 different time slots, then a text message
// and a written failure record. A service company changes these by configuration; the defaults
// live here.

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace fieldline::callbacks {

// Why a callback exists: the event it follows.
enum class CallbackReason {
  kJobCompleted = 0,     // an on-site job was completed
  kRemoteFix = 1,        // the problem was solved by phone or online
  kKeyAccountVisit = 2,  // an on-site job for a key account (大客户)
  kProductDelivered = 3,
  kProductInstalled = 4,
};

// The part of the customer's local day a call falls in. The retry rule asks for calls in three
// different slots.
enum class TimeSlot { kUnspecified = 0, kMorning = 1, kAfternoon = 2, kEvening = 3 };

struct CallbackPolicy {
  // Delay between the event and the callback's due time, per reason.
  absl::Duration delay_after_job_completed = absl::Hours(48);
  absl::Duration delay_after_remote_fix = absl::Hours(24);
  absl::Duration delay_after_key_account_visit = absl::Hours(48);
  absl::Duration delay_after_product_delivered = absl::Hours(48);
  absl::Duration delay_after_product_installed = absl::Hours(48);

  // Retry rule: the callback fails once unsuccessful calls were made in `max_attempts` distinct
  // time slots, or an unsuccessful call is made `attempt_window` or more after the first call.
  int max_attempts = 3;
  absl::Duration attempt_window = absl::Hours(72);

  // Time slots in the customer's local time: morning before `afternoon_from_hour`, afternoon
  // before `evening_from_hour`, evening after.
  absl::TimeZone local_zone = absl::FixedTimeZone(8 * 60 * 60);  // China Standard Time
  int afternoon_from_hour = 12;
  int evening_from_hour = 18;

  // A survey answer below this (1–5 scale) makes the customer dissatisfied.
  int dissatisfied_below = 3;

  // The text sent when every call failed.
  std::string fallback_text =
      "We tried to call you about your recent service and could not reach you. Please call us "
      "back if anything is not right.";
};

// The moment a callback for an event of kind `reason` at `occurred_at` is due under `policy`.
absl::Time DueAt(CallbackReason reason, absl::Time occurred_at, const CallbackPolicy& policy);
// Kept for the existing callers: DueAt(kJobCompleted, ...).
absl::Time DueAfterJobCompleted(absl::Time completed_at, const CallbackPolicy& policy);

TimeSlot SlotOf(absl::Time at, const CallbackPolicy& policy);

// "job_completed", "remote_fix", "key_account_visit", "product_delivered", "product_installed".
const char* ReasonName(CallbackReason reason);
// False if `name` is not one of ReasonName's.
bool ParseReason(std::string_view name, CallbackReason* out);
const char* SlotName(TimeSlot slot);

}  // namespace fieldline::callbacks
