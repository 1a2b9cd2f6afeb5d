#include "services/scheduling/domain/calendar.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace fieldline::scheduling {
namespace {

constexpr double kEarthRadiusKm = 6371.0;
constexpr double kPi = 3.14159265358979323846;

double Radians(double degrees) { return degrees * kPi / 180.0; }

int WeekdayNumber(absl::Weekday weekday) {
  switch (weekday) {
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
    case absl::Weekday::sunday:
      return 7;
  }
  return 0;
}

}  // namespace

double GreatCircleKm(const GeoPoint& a, const GeoPoint& b) {
  const double dlat = Radians(b.lat - a.lat);
  const double dlng = Radians(b.lng - a.lng);
  const double h =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(Radians(a.lat)) * std::cos(Radians(b.lat)) * std::sin(dlng / 2) * std::sin(dlng / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

absl::Duration JobDuration(std::string_view category, const DispatchPolicy& policy) {
  const std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(
      absl::string_view(category.data(), category.size())));
  const auto it = policy.category_durations.find(key);
  return it != policy.category_durations.end() ? it->second : policy.default_job_duration;
}

absl::Duration TravelTime(const GeoPoint& a, const GeoPoint& b, const DispatchPolicy& policy) {
  if (policy.travel_speed_kmh <= 0) return absl::ZeroDuration();
  const double minutes = GreatCircleKm(a, b) / policy.travel_speed_kmh * 60.0;
  return absl::Minutes(static_cast<int64_t>(std::ceil(minutes - 1e-9)));
}

std::optional<BookingCollision> FindCollision(const std::vector<Booking>& bookings,
                                              const Booking& candidate,
                                              const DispatchPolicy& policy) {
  std::optional<BookingCollision> found;
  for (const Booking& b : bookings) {
    if (b.job_id == candidate.job_id) continue;
    BookingCollision collision{.with = b, .overlaps = false, .travel_needed = absl::ZeroDuration()};
    if (b.start < candidate.end && candidate.start < b.end) {
      collision.overlaps = true;
    } else if (b.end <= candidate.start) {
      collision.travel_needed = TravelTime(b.site, candidate.site, policy);
      if (candidate.start - b.end >= collision.travel_needed) continue;
    } else {
      collision.travel_needed = TravelTime(candidate.site, b.site, policy);
      if (b.start - candidate.end >= collision.travel_needed) continue;
    }
    // Report the earliest colliding booking, so the answer does not depend on storage order.
    if (!found || b.start < found->with.start) found = collision;
  }
  return found;
}

std::string LocalTime(absl::Time time, const DispatchPolicy& policy) {
  return absl::FormatTime("%Y-%m-%d %H:%M", time, policy.time_zone);
}

std::string DescribeCollision(const BookingCollision& collision, const DispatchPolicy& policy) {
  const std::string slot =
      absl::StrCat(LocalTime(collision.with.start, policy), "–",
                   absl::FormatTime("%H:%M", collision.with.end, policy.time_zone));
  if (collision.overlaps) {
    return absl::StrCat("it overlaps the booking for job ", collision.with.job_id, " (", slot, ")");
  }
  return absl::StrCat("there is not enough time to travel between it and the booking for job ",
                      collision.with.job_id, " (", slot, "): the drive takes ",
                      absl::ToInt64Minutes(collision.travel_needed), " minutes");
}

bool WithinShifts(const std::vector<WeeklyShift>& shifts, absl::Time start, absl::Time end,
                  const DispatchPolicy& policy) {
  if (shifts.empty()) return true;
  const absl::TimeZone::CivilInfo local = policy.time_zone.At(start);
  const int weekday = WeekdayNumber(absl::GetWeekday(local.cs));
  const absl::Time midnight = policy.time_zone.At(absl::CivilDay(local.cs)).pre;
  const int64_t from = absl::ToInt64Minutes(start - midnight);
  const double to = absl::ToDoubleMinutes(end - midnight);
  for (const WeeklyShift& shift : shifts) {
    if (shift.weekday == weekday && shift.start_minute <= from && to <= shift.end_minute) {
      return true;
    }
  }
  return false;
}

}  // namespace fieldline::scheduling
