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
  }};
}

TechnicianState Evolve(TechnicianState state, const TechnicianEvent& event) {
  std::visit(
      [&state](const TechnicianRegistered& e) {
        state.technician_id = e.technician_id;
        state.name = e.name;
        state.phone = e.phone;
        state.skills = e.skills;
        state.home_base = e.home_base;
        state.van_location_id = e.van_location_id;
      },
      event);
  ++state.version;
  return state;
}

}  // namespace fieldline::scheduling
