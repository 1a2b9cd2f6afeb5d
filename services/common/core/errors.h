#pragma once

// The error vocabulary of every Fieldline service. Errors are absl::Status values whose message
// is a sentence a dispatcher understands; the offending field travels as a payload so the gRPC
// adapter can put it in the details (see ToGrpcStatus in services/common/grpc/status_mapping.h).

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace fieldline {

inline constexpr std::string_view kFieldPayloadUrl = "type.fieldline.dev/field";

// invalid input → INVALID_ARGUMENT
absl::Status InvalidArgument(std::string_view field, std::string_view message);
// illegal state transition → FAILED_PRECONDITION
absl::Status FailedPrecondition(std::string_view message);
// stale expected version → ABORTED
absl::Status VersionConflict(std::string_view message);
// unknown id → NOT_FOUND
absl::Status NotFound(std::string_view field, std::string_view message);
// duplicate create → ALREADY_EXISTS
absl::Status AlreadyExists(std::string_view field, std::string_view message);
// role/user may not do this → PERMISSION_DENIED
absl::Status PermissionDenied(std::string_view message);
// no or bad token → UNAUTHENTICATED
absl::Status Unauthenticated(std::string_view message);
// dependency down → UNAVAILABLE
absl::Status Unavailable(std::string_view message);

// The field an error is about, if it names one.
std::optional<std::string> FieldOf(const absl::Status& status);

// A deliberately ignored status: greppable, and says why.
inline void IgnoreError(const absl::Status& /*status*/, std::string_view /*why*/) {}

}  // namespace fieldline
