#pragma once

// The Technician aggregate: a person who repairs things, with the skills (fault categories) they
// can repair, a home base and, optionally, a van that is an inventory location.
// Pure: no I/O, no clock; time comes in as an argument.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/core/types.h"
#include "services/scheduling/domain/calendar.h"

namespace fieldline::scheduling {

inline constexpr std::string_view kTechnicianAggregate = "Technician";

inline constexpr int kMinSkillLevel = 1;
inline constexpr int kMaxSkillLevel = 5;

// A named circle; radius 0 means no territory (the technician works anywhere).
struct Territory {
  std::string name;
  GeoPoint center;
  double radius_km = 0;
  friend bool operator==(const Territory&, const Territory&) = default;
};

struct TechnicianState {
  std::string technician_id;
  std::string name;
  std::string phone;
  std::vector<std::string> skills;
  GeoPoint home_base;
  std::string van_location_id;
  std::vector<int> skill_levels;  // level of skills[i]
  Territory territory;
  std::vector<WeeklyShift> shifts;
  std::vector<Absence> absences;
  bool departed = false;
  int64_t version = 0;  // events applied; 0: not registered

  bool exists() const { return version > 0; }
  // Skills match ignoring ASCII case and surrounding blanks ("Boiler" repairs "boiler ").
  bool HasSkill(std::string_view skill) const;
  // The level (1-5) of a skill, 0 if the technician does not have it.
  int SkillLevel(std::string_view skill) const;
  bool InTerritory(const GeoPoint& site) const;
  // The first absence overlapping [start, end), if any.
  const Absence* AbsenceDuring(absl::Time start, absl::Time end) const;
};

// --- commands ---

struct RegisterTechnician {
  std::string technician_id;  // the company's id (staff number) or a fresh UUIDv7 from the app
  std::string name;
  std::string phone;
  std::vector<std::string> skills;
  GeoPoint home_base;
  std::string van_location_id;    // optional
  std::vector<int> skill_levels;  // optional: level 1-5 of skills[i]; empty: all 1
  Territory territory;            // optional
};

// Replaces the technician's weekly shifts.
struct SetTechnicianShifts {
  std::string technician_id;
  std::vector<WeeklyShift> shifts;
};

struct RecordAbsence {
  std::string technician_id;
  std::string absence_id;  // from the app (a fresh id)
  absl::Time start;
  absl::Time end;
  std::string reason;
};

struct DepartTechnician {
  std::string technician_id;
  std::string reason;
};

// --- events ---

struct TechnicianRegistered {
  std::string technician_id;
  std::string name;
  std::string phone;
  std::vector<std::string> skills;
  GeoPoint home_base;
  std::string van_location_id;
  std::vector<int> skill_levels;
  Territory territory;
  friend bool operator==(const TechnicianRegistered&, const TechnicianRegistered&) = default;
};

struct TechnicianShiftsSet {
  std::string technician_id;
  std::vector<WeeklyShift> shifts;
  friend bool operator==(const TechnicianShiftsSet&, const TechnicianShiftsSet&) = default;
};

struct TechnicianAbsenceRecorded {
  std::string technician_id;
  Absence absence;
  friend bool operator==(const TechnicianAbsenceRecorded&,
                         const TechnicianAbsenceRecorded&) = default;
};

struct TechnicianDeparted {
  std::string technician_id;
  std::string reason;
  friend bool operator==(const TechnicianDeparted&, const TechnicianDeparted&) = default;
};

using TechnicianEvent = std::variant<TechnicianRegistered, TechnicianShiftsSet,
                                     TechnicianAbsenceRecorded, TechnicianDeparted>;

[[nodiscard]] absl::StatusOr<std::vector<TechnicianEvent>> Decide(const TechnicianState& state,
                                                                  const RegisterTechnician& command,
                                                                  absl::Time now);

[[nodiscard]] absl::StatusOr<std::vector<TechnicianEvent>> Decide(
    const TechnicianState& state, const SetTechnicianShifts& command, absl::Time now);

// Absences that already ended are refused (they change nothing).
[[nodiscard]] absl::StatusOr<std::vector<TechnicianEvent>> Decide(const TechnicianState& state,
                                                                  const RecordAbsence& command,
                                                                  absl::Time now);

[[nodiscard]] absl::StatusOr<std::vector<TechnicianEvent>> Decide(const TechnicianState& state,
                                                                  const DepartTechnician& command,
                                                                  absl::Time now);

TechnicianState Evolve(TechnicianState state, const TechnicianEvent& event);

// OK if `id` is 1-64 letters, digits, '-' or '_' (INVALID_ARGUMENT on field `field` otherwise).
[[nodiscard]] absl::Status ValidateTechnicianId(std::string_view id, std::string_view field);

// OK if `phone` is digits with an optional leading '+', spaces and dashes, 5-20 digits.
[[nodiscard]] absl::Status ValidatePhone(std::string_view phone, std::string_view field);

// OK if `point` is a WGS84 point (lat in [-90, 90], lng in [-180, 180]).
[[nodiscard]] absl::Status ValidateGeoPoint(const GeoPoint& point, std::string_view field);

}  // namespace fieldline::scheduling
