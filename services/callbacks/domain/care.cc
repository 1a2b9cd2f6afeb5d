#include "services/callbacks/domain/care.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"

namespace fieldline::callbacks {
namespace {

int DaysInMonth(absl::CivilMonth month) {
  return static_cast<int>(absl::CivilDay(month + 1) - absl::CivilDay(month));
}

}  // namespace

TimeWindow BirthdayGreetingWindow(absl::CivilDay birthday, const CarePolicy& policy) {
  const absl::Time start = absl::FromCivil(birthday, policy.local_zone) + policy.working_day_start;
  return TimeWindow{.from = start, .until = start + policy.greeting_window};
}

bool IsBirthdayGreetingOnTime(absl::CivilDay birthday, absl::Time sent_at,
                              const CarePolicy& policy) {
  return BirthdayGreetingWindow(birthday, policy).Contains(sent_at);
}

absl::Status CheckFrequencyCap(const std::vector<absl::Time>& sent_to_customer, absl::Time at,
                               const CarePolicy& policy) {
  const int recent = static_cast<int>(
      std::count_if(sent_to_customer.begin(), sent_to_customer.end(), [&](absl::Time t) {
        return t <= at && at - t < policy.cap_window;
      }));
  if (recent >= policy.max_messages) {
    return FailedPrecondition(absl::StrCat(
        "This customer already had ", recent, " care messages in the last ",
        absl::FormatDuration(policy.cap_window), "; the limit is ", policy.max_messages,
        ". Send it later."));
  }
  return absl::OkStatus();
}

absl::Time AddCalendarMonths(absl::Time t, int months, absl::TimeZone zone) {
  const absl::CivilSecond local = absl::ToCivilSecond(t, zone);
  const absl::CivilMonth target = absl::CivilMonth(local) + months;
  const int day = std::min(local.day(), DaysInMonth(target));
  return absl::FromCivil(absl::CivilSecond(target.year(), target.month(), day, local.hour(),
                                           local.minute(), local.second()),
                         zone);
}

TimeWindow FirstMaintenanceWindow(absl::Time delivered_or_installed_at,
                                  const ReminderPolicy& policy) {
  return TimeWindow{
      .from = AddCalendarMonths(delivered_or_installed_at, policy.first_maintenance_from_months,
                                policy.local_zone),
      .until = AddCalendarMonths(delivered_or_installed_at, policy.first_maintenance_until_months,
                                 policy.local_zone)};
}

absl::Time RegularMaintenanceReminderAt(absl::Time maintenance_due_at,
                                        const ReminderPolicy& policy) {
  return maintenance_due_at - policy.regular_maintenance_lead;
}

absl::Time WarrantyExpiryReminderAt(absl::Time warranty_end, const ReminderPolicy& policy) {
  return AddCalendarMonths(warranty_end, -policy.warranty_lead_months, policy.local_zone);
}

absl::Time InsuranceExpiryReminderAt(absl::Time insurance_end, const ReminderPolicy& policy) {
  return AddCalendarMonths(insurance_end, -policy.insurance_lead_months, policy.local_zone);
}

}  // namespace fieldline::callbacks
