#include "services/common/core/errors.h"

#include "absl/strings/cord.h"
#include "services/common/core/strings.h"

namespace fieldline {
namespace {

absl::Status WithField(absl::Status status, std::string_view field) {
  if (!field.empty()) status.SetPayload(AsAbsl(kFieldPayloadUrl), absl::Cord(AsAbsl(field)));
  return status;
}

}  // namespace

absl::Status InvalidArgument(std::string_view field, std::string_view message) {
  return WithField(absl::InvalidArgumentError(AsAbsl(message)), field);
}
absl::Status FailedPrecondition(std::string_view message) {
  return absl::FailedPreconditionError(AsAbsl(message));
}
absl::Status VersionConflict(std::string_view message) { return absl::AbortedError(AsAbsl(message)); }
absl::Status NotFound(std::string_view field, std::string_view message) {
  return WithField(absl::NotFoundError(AsAbsl(message)), field);
}
absl::Status AlreadyExists(std::string_view field, std::string_view message) {
  return WithField(absl::AlreadyExistsError(AsAbsl(message)), field);
}
absl::Status PermissionDenied(std::string_view message) {
  return absl::PermissionDeniedError(AsAbsl(message));
}
absl::Status Unauthenticated(std::string_view message) {
  return absl::UnauthenticatedError(AsAbsl(message));
}
absl::Status Unavailable(std::string_view message) { return absl::UnavailableError(AsAbsl(message)); }

std::optional<std::string> FieldOf(const absl::Status& status) {
  auto payload = status.GetPayload(AsAbsl(kFieldPayloadUrl));
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

}  // namespace fieldline
