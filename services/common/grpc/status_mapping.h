#pragma once

// The one error → gRPC status mapping (docs/architecture.md, "Errors"). The gRPC code follows
// the absl code one to one; the message is passed through; the offending field, if the error
// names one, is sent in the trailing metadata key "fieldline-field".

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace grpc {
class ServerContext;
}

namespace fieldline {

inline constexpr char kFieldTrailer[] = "fieldline-field";

grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContext* context = nullptr);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace fieldline
