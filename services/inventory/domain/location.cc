#include "services/inventory/domain/location.h"

#include <type_traits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/inventory/domain/validation.h"

namespace fieldline::inventory {
namespace {

bool IsBlank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

absl::Status ValidateLocation(const LocationInfo& location) {
  if (absl::Status s = ValidateId("location_id", "location id", location.location_id); !s.ok()) {
    return s;
  }
  switch (location.kind) {
    case LocationKind::kWarehouse:
    case LocationKind::kServiceCentre:
    case LocationKind::kVan:
      break;
    default:
      return InvalidArgument(
          "kind", "Say what kind of location this is: a warehouse, a service centre or a van.");
  }
  if (IsBlank(location.name)) return InvalidArgument("name", "The location needs a name.");
  if (location.kind == LocationKind::kVan && IsBlank(location.owner_technician_id)) {
    return InvalidArgument("owner_technician_id",
                           "A van belongs to a technician; say which technician owns it.");
  }
  if (location.position) {
    const GeoPoint& p = *location.position;
    if (!(p.lat >= -90 && p.lat <= 90)) {
      return InvalidArgument("position.lat", absl::StrCat("The latitude ", p.lat,
                                                          " is not between -90 and 90 degrees."));
    }
    if (!(p.lng >= -180 && p.lng <= 180)) {
      return InvalidArgument("position.lng", absl::StrCat("The longitude ", p.lng,
                                                          " is not between -180 and 180 degrees."));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<LocationEvent>> Decide(const LocationState& state,
                                                  const RegisterLocation& command,
                                                  absl::Time /*now*/) {
  if (absl::Status s = ValidateLocation(command.location); !s.ok()) return s;
  if (state.registered()) {
    return AlreadyExists("location_id", absl::StrCat("There is already a location ",
                                                     command.location.location_id, "."));
  }
  LocationInfo location = command.location;
  location.name = std::string(absl::StripAsciiWhitespace(location.name));
  return std::vector<LocationEvent>{LocationRegistered{std::move(location)}};
}

LocationState Evolve(LocationState state, const LocationEvent& event) {
  std::visit(
      [&state](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, LocationRegistered>) state.info = e.location;
      },
      event);
  ++state.version;
  return state;
}

}  // namespace fieldline::inventory
