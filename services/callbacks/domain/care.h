#pragma once

// Care messages and maintenance reminders (DOMAIN.md §4) as pure rules: when a greeting is on
// time, whether a customer may be contacted again (frequency cap), and when each reminder falls
// due. The care commands and events are in care_message.h. Times come in as arguments; calendar
// rules use `local_zone`.

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/callbacks/domain/kpis.h"

namespace fieldline::callbacks {

struct CarePolicy {
  absl::TimeZone local_zone = absl::FixedTimeZone(8 * 60 * 60);
  // The working day starts at this local time of day; a birthday greeting goes out within
  // `greeting_window` of it (DOMAIN §4: within 2 hours of the start of the working day).
  absl::Duration working_day_start = absl::Hours(9);
  absl::Duration greeting_window = absl::Hours(2);
  // Frequency cap: at most `max_messages` care messages per customer within any `cap_window`.
  int max_messages = 2;
  absl::Duration cap_window = absl::Hours(24 * 7);
  // Decision: a birthday greeting is sent even when the cap is reached (once a year, and the
  // KPI asks for it), but it counts as a contact for the messages after it.
  bool birthday_exempt_from_cap = true;
  // Working days (the birthday ticker runs on these; the greetings of the following non-working
  // days go out on the last working day before them).
  std::set<absl::Weekday> working_days = {absl::Weekday::monday, absl::Weekday::tuesday,
                                          absl::Weekday::wednesday, absl::Weekday::thursday,
                                          absl::Weekday::friday};
  std::string birthday_text = "生日快乐！Happy birthday from all of us at your service centre.";
  // A delivered or installed product gets a callback only when the date is at most this long
  // ago when intake registers the asset (importing old assets does not flood the due list).
  absl::Duration product_callback_recent = absl::Hours(24 * 7);
  // A campaign's callback is due this long after the campaign is launched.
  absl::Duration campaign_callback_delay = absl::Hours(72);
  // The care rate's tasks, weights and club-event rule (DOMAIN §5).
  CareTasks tasks;
  CareWeights weights;
  ClubEventRule club_rule;
};

// The window [start of working day, start + window] on the customer's birthday, local time.
struct TimeWindow {
  absl::Time from;
  absl::Time until;  // inclusive
  bool Contains(absl::Time t) const { return t >= from && t <= until; }
};
TimeWindow BirthdayGreetingWindow(absl::CivilDay birthday, const CarePolicy& policy);
// Whether a birthday greeting sent at `sent_at` for `birthday` was on time (exactly 2 h after the
// start of the working day is still on time).
bool IsBirthdayGreetingOnTime(absl::CivilDay birthday, absl::Time sent_at,
                              const CarePolicy& policy);

// FAILED_PRECONDITION when `max_messages` messages were already sent to the customer in the
// `cap_window` before `at` (a message exactly `cap_window` ago no longer counts).
absl::Status CheckFrequencyCap(const std::vector<absl::Time>& sent_to_customer, absl::Time at,
                               const CarePolicy& policy);

// --- maintenance, warranty and insurance reminders ---

struct ReminderPolicy {
  absl::TimeZone local_zone = absl::FixedTimeZone(8 * 60 * 60);
  int first_maintenance_from_months = 2;  // first maintenance 2–3 months after delivery
  int first_maintenance_until_months = 3;
  absl::Duration regular_maintenance_lead = absl::Hours(24 * 7);  // one week before due
  int warranty_lead_months = 1;   // one month before the warranty ends
  int insurance_lead_months = 1;  // one month before the insurance ends
  int contract_lead_months = 1;   // one month before a service contract ends
  // After a maintenance visit, the next regular maintenance is due this many months later.
  int regular_maintenance_interval_months = 6;
  // Ticket categories that make a completed job a maintenance visit ("came in").
  std::vector<std::string> maintenance_categories = {"maintenance"};
};

// Calendar months later/earlier in local time; a day that does not exist in the target month
// is clamped to its last day (31 Mar − 1 month = 29 Feb in a leap year).
absl::Time AddCalendarMonths(absl::Time t, int months, absl::TimeZone zone);

// The window in which the first maintenance is due after a delivery or installation.
TimeWindow FirstMaintenanceWindow(absl::Time delivered_or_installed_at,
                                  const ReminderPolicy& policy);
absl::Time RegularMaintenanceReminderAt(absl::Time maintenance_due_at,
                                        const ReminderPolicy& policy);
absl::Time WarrantyExpiryReminderAt(absl::Time warranty_end, const ReminderPolicy& policy);
absl::Time InsuranceExpiryReminderAt(absl::Time insurance_end, const ReminderPolicy& policy);

}  // namespace fieldline::callbacks
