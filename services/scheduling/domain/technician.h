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

namespace fieldline::scheduling {

inline constexpr std::string_view kTechnicianAggregate = "Technician";

struct TechnicianState {
  std::string technician_id;
  std::string name;
  std::string phone;
  std::vector<std::string> skills;
  GeoPoint home_base;
  std::string van_location_id;
  int64_t version = 0;  // events applied; 0: not registered

  bool exists() const { return version > 0; }
  // Skills match ignoring ASCII case and surrounding blanks ("Boiler" repairs "boiler ").
  bool HasSkill(std::string_view skill) const;
};

// --- commands ---

struct RegisterTechnician {
  std::string technician_id;  // the company's id (staff number) or a fresh UUIDv7 from the app
  std::string name;
  std::string phone;
  std::vector<std::string> skills;
  GeoPoint home_base;
  std::string van_location_id;  // optional
};

// --- events ---

struct TechnicianRegistered {
  std::string technician_id;
  std::string name;
  std::string phone;
  std::vector<std::string> skills;
  GeoPoint home_base;
  std::string van_location_id;
  friend bool operator==(const TechnicianRegistered&, const TechnicianRegistered&) = default;
};

using TechnicianEvent = std::variant<TechnicianRegistered>;

[[nodiscard]] absl::StatusOr<std::vector<TechnicianEvent>> Decide(const TechnicianState& state,
                                                                  const RegisterTechnician& command,
                                                                  absl::Time now);

TechnicianState Evolve(TechnicianState state, const TechnicianEvent& event);

// OK if `id` is 1-64 letters, digits, '-' or '_' (INVALID_ARGUMENT on field `field` otherwise).
[[nodiscard]] absl::Status ValidateTechnicianId(std::string_view id, std::string_view field);

// OK if `phone` is digits with an optional leading '+', spaces and dashes, 5-20 digits.
[[nodiscard]] absl::Status ValidatePhone(std::string_view phone, std::string_view field);

// OK if `point` is a WGS84 point (lat in [-90, 90], lng in [-180, 180]).
[[nodiscard]] absl::Status ValidateGeoPoint(const GeoPoint& point, std::string_view field);

}  // namespace fieldline::scheduling
