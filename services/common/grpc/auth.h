#pragma once

// Bearer tokens: HS256-signed JWTs carrying the user id (sub) and role, checked on every RPC
// except the health service. Roles: intake, dispatcher, technician, warehouse, care, manager,
// admin.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "services/common/core/types.h"
#include "services/common/grpc/status_mapping.h"

namespace fieldline {

class TokenVerifier {
 public:
  explicit TokenVerifier(std::string secret) : secret_(std::move(secret)) {}
  // UNAUTHENTICATED with a plain sentence when the token is missing, malformed, badly signed,
  // expired or lacks a user or role.
  absl::StatusOr<Actor> Verify(std::string_view token, absl::Time now) const;
  const std::string& secret() const { return secret_; }

 private:
  std::string secret_;
};

// Signs a token (fieldlinectl, run.sh's dev tokens, tests).
absl::StatusOr<std::string> IssueToken(std::string_view secret, const Actor& actor,
                                       absl::Time now, absl::Duration ttl);

// Reads "authorization: Bearer <token>" from the call's metadata and verifies it.
absl::StatusOr<Actor> Authenticate(const grpc::ServerContext& context,
                                   const TokenVerifier& verifier);

// PERMISSION_DENIED unless the actor's role is one of `roles` ("admin" is always allowed).
absl::Status RequireRole(const Actor& actor, std::initializer_list<std::string_view> roles);

// PERMISSION_DENIED unless the actor holds `permission` (token claim "perms"; "admin" holds all).
absl::Status RequirePermission(const Actor& actor, std::string_view permission);

// The auth guard every RPC handler starts with: authenticates, checks the role, then runs
// `fn(actor)` (which returns absl::Status) and maps its result through ToGrpcStatus.
template <typename Fn>
grpc::Status Guarded(grpc::ServerContext* context, const TokenVerifier& verifier,
                     std::initializer_list<std::string_view> roles, Fn&& fn) {
  absl::StatusOr<Actor> actor = Authenticate(*context, verifier);
  if (!actor.ok()) return ToGrpcStatus(actor.status(), context);
  if (absl::Status allowed = RequireRole(*actor, roles); !allowed.ok()) {
    return ToGrpcStatus(allowed, context);
  }
  return ToGrpcStatus(std::forward<Fn>(fn)(*actor), context);
}

}  // namespace fieldline
