#pragma once

// A technician's calendar: the dispatch policy (time zone, travel speed, arrival tolerance,
// on-site checklist, fee schedule), bookings, weekly shifts and absences, and the checks that a
// new booking fits — no overlap with another booking and enough travel time between them at
// the policy's speed over the great-circle distance. Pure: no I/O, no clock.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "services/common/core/types.h"

namespace fieldline::scheduling {

// Every value here is configuration with a default, never a rule fixed in code (DOMAIN.md).
struct DispatchPolicy {
  // Shifts are local times of this zone. Default: China Standard Time (UTC+8, no DST).
  absl::TimeZone time_zone = absl::FixedTimeZone(8 * 60 * 60);
  // Average travel speed over the great-circle distance between two sites.
  double travel_speed_kmh = 30;
  // Arriving up to this long before the window's start still counts as on time (DOMAIN §2.6).
  absl::Duration early_arrival_tolerance = absl::Minutes(5);
  // The service promise when the ticket carries none: on site within this long of the job's
  // creation (DOMAIN §8 demo default).
  absl::Duration sla_on_site = absl::Hours(24);
  // The on-site checklist (DOMAIN §2.6).
  std::vector<std::string> checklist = {"show work licence and introduce yourself", "shoe covers",
                                        "protect the floor", "clean up",
                                        "demonstrate the product works"};
  // The published fee schedule: item code → amount in minor units (fen).
  std::map<std::string, int64_t> fee_schedule = {
      {"inspection", 3000}, {"repair-labour", 8000}, {"installation", 10000}};
  // How long a visit takes on site when the job has no appointment window yet, by category
  // (the job's required skill, lower case); others take default_job_duration. The optimiser
  // books a job without a window for this long.
  absl::Duration default_job_duration = absl::Minutes(60);
  std::map<std::string, absl::Duration> category_durations;
};

// The policy's on-site duration for a job of `category` (its required skill).
absl::Duration JobDuration(std::string_view category, const DispatchPolicy& policy);

// An assigned job's appointment window on its technician's calendar.
struct Booking {
  std::string job_id;
  absl::Time start;
  absl::Time end;
  GeoPoint site;
  friend bool operator==(const Booking&, const Booking&) = default;
};

// One working period of a week day, local time of the policy's zone.
struct WeeklyShift {
  int weekday = 1;       // 1 = Monday … 7 = Sunday
  int start_minute = 0;  // minutes since local midnight, [0, 1440)
  int end_minute = 0;    // (start_minute, 1440]
  friend bool operator==(const WeeklyShift&, const WeeklyShift&) = default;
};

struct Absence {
  std::string absence_id;
  absl::Time start;
  absl::Time end;
  std::string reason;
  friend bool operator==(const Absence&, const Absence&) = default;
};

// Haversine distance on a sphere of radius 6371 km.
double GreatCircleKm(const GeoPoint& a, const GeoPoint& b);

// Time to drive from a to b at the policy's speed (rounded up to the minute).
absl::Duration TravelTime(const GeoPoint& a, const GeoPoint& b, const DispatchPolicy& policy);

// Why `candidate` does not fit among `bookings` (bookings of the same job are ignored): the
// first booking it overlaps, or that leaves too little time to travel to or from it.
struct BookingCollision {
  Booking with;
  bool overlaps = false;         // else: not enough travel time
  absl::Duration travel_needed;  // when !overlaps
};
std::optional<BookingCollision> FindCollision(const std::vector<Booking>& bookings,
                                              const Booking& candidate,
                                              const DispatchPolicy& policy);

// A sentence naming the colliding booking, for the dispatcher.
std::string DescribeCollision(const BookingCollision& collision, const DispatchPolicy& policy);

// "2026-11-23 09:00" in the policy's zone.
std::string LocalTime(absl::Time time, const DispatchPolicy& policy);

// True if [start, end) lies inside one shift of its local week day. No shifts at all: true (the
// technician's week is not planned yet, so it is not checked).
bool WithinShifts(const std::vector<WeeklyShift>& shifts, absl::Time start, absl::Time end,
                  const DispatchPolicy& policy);

}  // namespace fieldline::scheduling
