#include "services/scheduling/domain/technician.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/scheduling/domain/text.h"

namespace fieldline::scheduling {
namespace {

constexpr size_t kMaxTechnicianIdLength = 64;
constexpr int kMinPhoneDigits = 5;
constexpr int kMaxPhoneDigits = 20;

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

}  // namespace

bool TechnicianState::HasSkill(std::string_view skill) const {
  const std::string_view wanted = Trim(skill);
  for (const std::string& s : skills) {
    if (absl::EqualsIgnoreCase(AsAbsl(Trim(s)), AsAbsl(wanted))) return true;
  }
  return false;
}

int TechnicianState::SkillLevel(std::string_view skill) const {
  const std::string_view wanted = Trim(skill);
  for (size_t i = 0; i < skills.size(); ++i) {
    if (absl::EqualsIgnoreCase(AsAbsl(Trim(skills[i])), AsAbsl(wanted))) {
      return i < skill_levels.size() ? skill_levels[i] : kMinSkillLevel;
    }
  }
  return 0;
}

bool TechnicianState::InTerritory(const GeoPoint& site) const {
  if (territory.radius_km <= 0) return true;
  return GreatCircleKm(territory.center, site) <= territory.radius_km;
}

const Absence* TechnicianState::AbsenceDuring(absl::Time start, absl::Time end) const {
  for (const Absence& absence : absences) {
    if (absence.start < end && start < absence.end) return &absence;
  }
  return nullptr;
}

absl::Status ValidateTechnicianId(std::string_view id, std::string_view field) {
  if (id.empty() || id.size() > kMaxTechnicianIdLength) {
    return InvalidArgument(field, absl::StrCat("The technician id \"", AsAbsl(id),
                                               "\" must be 1 to 64 letters, digits, '-' or '_'."));
  }
  for (char c : id) {
    if (!IsIdChar(c)) {
      return InvalidArgument(field,
                             absl::StrCat("The technician id \"", AsAbsl(id),
                                          "\" may contain only letters, digits, '-' or '_'."));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePhone(std::string_view phone, std::string_view field) {
  const std::string_view trimmed = Trim(phone);
  if (trimmed.empty()) return InvalidArgument(field, "Enter a phone number.");
  int digits = 0;
  for (size_t i = 0; i < trimmed.size(); ++i) {
    const char c = trimmed[i];
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c == '+' && i == 0) {
      // international prefix
    } else if (c != ' ' && c != '-') {
      return InvalidArgument(
          field, absl::StrCat("The phone number ", AsAbsl(trimmed), " is not a phone number."));
    }
  }
  if (digits < kMinPhoneDigits || digits > kMaxPhoneDigits) {
    return InvalidArgument(field, absl::StrCat("The phone number ", AsAbsl(trimmed),
                                               " is not a phone number: it needs 5 to 20 digits."));
  }
  return absl::OkStatus();
}

absl::Status ValidateGeoPoint(const GeoPoint& point, std::string_view field) {
  if (!std::isfinite(point.lat) || point.lat < -90 || point.lat > 90) {
    return InvalidArgument(absl::StrCat(AsAbsl(field), ".lat"),
                           absl::StrCat("The latitude ", point.lat, " is not between -90 and 90."));
  }
  if (!std::isfinite(point.lng) || point.lng < -180 || point.lng > 180) {
    return InvalidArgument(
        absl::StrCat(AsAbsl(field), ".lng"),
        absl::StrCat("The longitude ", point.lng, " is not between -180 and 180."));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TechnicianEvent>> Decide(const TechnicianState& state,
                                                    const RegisterTechnician& command,
                                                    absl::Time /*now*/) {
  if (absl::Status s = ValidateTechnicianId(command.technician_id, "technician_id"); !s.ok())
    return s;
  const std::string_view name = Trim(command.name);
  if (name.empty()) return InvalidArgument("name", "Enter the technician's name.");
  if (absl::Status s = ValidatePhone(command.phone, "phone"); !s.ok()) return s;
  if (command.skills.empty()) {
    return InvalidArgument("skills",
                           "A technician needs at least one skill (a fault category they repair).");
  }
  std::vector<std::string> skills;
  skills.reserve(command.skills.size());
  for (size_t i = 0; i < command.skills.size(); ++i) {
    const std::string_view skill = Trim(command.skills[i]);
    if (skill.empty()) {
      return InvalidArgument(absl::StrCat("skills[", i, "]"),
                             absl::StrCat("Skill ", i + 1, " is empty; name the fault category."));
    }
    skills.emplace_back(skill);
  }
  if (absl::Status s = ValidateGeoPoint(command.home_base, "home_base"); !s.ok()) return s;
  // Empty: every skill at level 1 (SkillLevel reads a missing level as 1).
  std::vector<int> skill_levels = command.skill_levels;
  if (!skill_levels.empty() && skill_levels.size() != skills.size()) {
    return InvalidArgument("skill_levels",
                           absl::StrCat("Give a level for each of the ", skills.size(),
                                        " skills, or none (then every skill is level 1)."));
  }
  for (size_t i = 0; i < skill_levels.size(); ++i) {
    if (skill_levels[i] < kMinSkillLevel || skill_levels[i] > kMaxSkillLevel) {
      return InvalidArgument(absl::StrCat("skill_levels[", i, "]"),
                             absl::StrCat("The level of ", skills[i], " is ", skill_levels[i],
                                          "; levels go from 1 to 5."));
    }
  }
  Territory territory = command.territory;
  territory.name = std::string(Trim(territory.name));
  if (!std::isfinite(territory.radius_km) || territory.radius_km < 0) {
    return InvalidArgument("territory.radius_km",
                           "The territory's radius must be 0 (anywhere) or a positive distance.");
  }
  if (territory.radius_km > 0) {
    if (absl::Status s = ValidateGeoPoint(territory.center, "territory.center"); !s.ok()) return s;
  }
  if (state.exists()) {
    return AlreadyExists("technician_id",
                         absl::StrCat("Technician ", command.technician_id,
                                      " is already registered (", state.name, ")."));
  }
  return std::vector<TechnicianEvent>{TechnicianRegistered{
      .technician_id = command.technician_id,
      .name = std::string(name),
      .phone = std::string(Trim(command.phone)),
      .skills = std::move(skills),
      .home_base = command.home_base,
      .van_location_id = std::string(Trim(command.van_location_id)),
      .skill_levels = std::move(skill_levels),
      .territory = std::move(territory),
  }};
}

namespace {

absl::Status RequireActiveTechnician(const TechnicianState& state, std::string_view id) {
  if (absl::Status s = ValidateTechnicianId(id, "technician_id"); !s.ok()) return s;
  if (!state.exists()) {
    return NotFound("technician_id", absl::StrCat("There is no technician ", AsAbsl(id), "."));
  }
  if (state.departed) {
    return FailedPrecondition(
        absl::StrCat(state.name, " (", state.technician_id, ") has left the company."));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<TechnicianEvent>> Decide(const TechnicianState& state,
                                                    const SetTechnicianShifts& command,
                                                    absl::Time /*now*/) {
  for (size_t i = 0; i < command.shifts.size(); ++i) {
    const WeeklyShift& shift = command.shifts[i];
    if (shift.weekday < 1 || shift.weekday > 7) {
      return InvalidArgument(absl::StrCat("shifts[", i, "].weekday"),
                             absl::StrCat("Shift ", i + 1, " has week day ", shift.weekday,
                                          "; use 1 (Monday) to 7 (Sunday)."));
    }
    if (shift.start_minute < 0 || shift.start_minute >= 24 * 60) {
      return InvalidArgument(absl::StrCat("shifts[", i, "].start_minute"),
                             absl::StrCat("Shift ", i + 1, " starts at minute ", shift.start_minute,
                                          "; use 0 to 1439."));
    }
    if (shift.end_minute <= shift.start_minute || shift.end_minute > 24 * 60) {
      return InvalidArgument(
          absl::StrCat("shifts[", i, "].end_minute"),
          absl::StrCat("Shift ", i + 1, " must end after it starts and by midnight."));
    }
  }
  if (absl::Status s = RequireActiveTechnician(state, command.technician_id); !s.ok()) return s;
  return std::vector<TechnicianEvent>{
      TechnicianShiftsSet{.technician_id = state.technician_id, .shifts = command.shifts}};
}

absl::StatusOr<std::vector<TechnicianEvent>> Decide(const TechnicianState& state,
                                                    const RecordAbsence& command, absl::Time now) {
  if (command.end <= command.start) {
    return InvalidArgument("end", "The absence must end after it starts.");
  }
  if (command.end <= now) {
    return InvalidArgument("end",
                           "The absence is already over; record only present or future "
                           "absences.");
  }
  const std::string_view reason = Trim(command.reason);
  if (reason.empty()) return InvalidArgument("reason", "Say why the technician is absent.");
  if (absl::Status s = RequireActiveTechnician(state, command.technician_id); !s.ok()) return s;
  return std::vector<TechnicianEvent>{
      TechnicianAbsenceRecorded{.technician_id = state.technician_id,
                                .absence = {.absence_id = command.absence_id,
                                            .start = command.start,
                                            .end = command.end,
                                            .reason = std::string(reason)}}};
}

absl::StatusOr<std::vector<TechnicianEvent>> Decide(const TechnicianState& state,
                                                    const DepartTechnician& command,
                                                    absl::Time /*now*/) {
  const std::string_view reason = Trim(command.reason);
  if (reason.empty()) return InvalidArgument("reason", "Say why the technician leaves.");
  if (absl::Status s = RequireActiveTechnician(state, command.technician_id); !s.ok()) return s;
  return std::vector<TechnicianEvent>{
      TechnicianDeparted{.technician_id = state.technician_id, .reason = std::string(reason)}};
}

TechnicianState Evolve(TechnicianState state, const TechnicianEvent& event) {
  struct Apply {
    TechnicianState& s;
    void operator()(const TechnicianRegistered& e) {
      s.technician_id = e.technician_id;
      s.name = e.name;
      s.phone = e.phone;
      s.skills = e.skills;
      s.home_base = e.home_base;
      s.van_location_id = e.van_location_id;
      s.skill_levels = e.skill_levels;
      s.territory = e.territory;
    }
    void operator()(const TechnicianShiftsSet& e) { s.shifts = e.shifts; }
    void operator()(const TechnicianAbsenceRecorded& e) { s.absences.push_back(e.absence); }
    void operator()(const TechnicianDeparted&) { s.departed = true; }
  };
  std::visit(Apply{state}, event);
  ++state.version;
  return state;
}

}  // namespace fieldline::scheduling
