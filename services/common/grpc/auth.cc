#include "services/common/grpc/auth.h"

#include <jwt.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <vector>

#include "services/common/core/errors.h"

namespace fieldline {
namespace {

constexpr std::array<std::string_view, 7> kRoles = {
    "intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"};
constexpr std::string_view kAdminRole = "admin";
constexpr std::string_view kAuthorizationHeader = "authorization";

constexpr std::string_view kNoToken = "Sign in first: this request carries no access token.";
constexpr std::string_view kExpiredToken = "Your access token has expired; sign in again.";
constexpr std::string_view kInvalidToken = "This access token is not valid.";

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct MallocDeleter {
  void operator()(char* p) const { std::free(p); }
};
using MallocString = std::unique_ptr<char, MallocDeleter>;

bool IsKnownRole(std::string_view role) {
  for (std::string_view known : kRoles) {
    if (role == known) return true;
  }
  return false;
}

const unsigned char* KeyBytes(std::string_view secret) {
  return reinterpret_cast<const unsigned char*>(secret.data());
}

std::string_view Article(std::string_view role) {
  return !role.empty() && std::string_view("aeiou").find(role.front()) != std::string_view::npos
             ? "An"
             : "A";
}

// Abseil's string helpers take Debian's absl::string_view, not std::string_view.
std::string Join(const std::vector<std::string_view>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(parts[i]);
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<Actor> TokenVerifier::Verify(std::string_view token, absl::Time now) const {
  if (token.empty()) return Unauthenticated(kNoToken);
  // Without a secret no signature can be checked, so nothing is valid.
  if (secret_.empty()) return Unauthenticated(kInvalidToken);

  const std::string token_str(token);  // libjwt wants a NUL-terminated string
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token_str.c_str(), KeyBytes(secret_), static_cast<int>(secret_.size())) !=
      0) {
    if (raw != nullptr) jwt_free(raw);
    return Unauthenticated(kInvalidToken);
  }
  JwtPtr jwt(raw);
  // Only HS256 with our secret: rejects "none" and other algorithms a client might pick.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return Unauthenticated(kInvalidToken);

  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno == ENOENT) return Unauthenticated(kInvalidToken);
  if (now >= absl::FromUnixSeconds(exp)) return Unauthenticated(kExpiredToken);

  const char* sub = jwt_get_grant(jwt.get(), "sub");
  const char* role = jwt_get_grant(jwt.get(), "role");
  if (sub == nullptr || *sub == '\0' || role == nullptr || !IsKnownRole(role)) {
    return Unauthenticated(kInvalidToken);
  }
  Actor actor{.user_id = sub, .role = role};
  // Extra rights travel as one comma-separated claim: "export,reports".
  if (const char* perms = jwt_get_grant(jwt.get(), "perms"); perms != nullptr) {
    std::string_view rest(perms);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view one = Trim(rest.substr(0, comma));
      if (!one.empty()) actor.permissions.emplace_back(one);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return actor;
}

absl::StatusOr<std::string> IssueToken(std::string_view secret, const Actor& actor, absl::Time now,
                                       absl::Duration ttl) {
  if (secret.empty()) return absl::InvalidArgumentError("The signing secret is empty.");
  if (actor.user_id.empty()) return InvalidArgument("user_id", "A token needs a user id.");
  if (!IsKnownRole(actor.role)) {
    return InvalidArgument("role", "\"" + actor.role + "\" is not a role; use one of " +
                                       Join({kRoles.begin(), kRoles.end()}, ", ") + ".");
  }
  if (ttl <= absl::ZeroDuration()) {
    return InvalidArgument("ttl", "A token must be valid for some time.");
  }

  JwtPtr jwt;
  {
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) return absl::InternalError("cannot create a token (jwt_new failed)");
    jwt.reset(raw);
  }
  const long iat = static_cast<long>(absl::ToUnixSeconds(now));
  const long exp = static_cast<long>(absl::ToUnixSeconds(now + ttl));
  if (jwt_add_grant(jwt.get(), "sub", actor.user_id.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "role", actor.role.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", iat) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", exp) != 0) {
    return absl::InternalError("cannot add the claims to a token");
  }
  if (!actor.permissions.empty()) {
    for (const std::string& permission : actor.permissions) {
      if (permission.empty() || permission.find(',') != std::string::npos) {
        return InvalidArgument("permissions", "\"" + permission + "\" is not a permission name.");
      }
    }
    std::vector<std::string_view> names(actor.permissions.begin(), actor.permissions.end());
    if (jwt_add_grant(jwt.get(), "perms", Join(names, ",").c_str()) != 0) {
      return absl::InternalError("cannot add the permissions to a token");
    }
  }
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, KeyBytes(secret), static_cast<int>(secret.size())) !=
      0) {
    return absl::InternalError("cannot set the token's signing key");
  }
  MallocString encoded(jwt_encode_str(jwt.get()));
  if (encoded == nullptr) return absl::InternalError("cannot encode a token");
  return std::string(encoded.get());
}

absl::StatusOr<Actor> Authenticate(const grpc::ServerContext& context,
                                   const TokenVerifier& verifier) {
  const auto& metadata = context.client_metadata();
  auto it =
      metadata.find(grpc::string_ref(kAuthorizationHeader.data(), kAuthorizationHeader.size()));
  if (it == metadata.end()) return Unauthenticated(kNoToken);
  std::string_view value(it->second.data(), it->second.size());
  value = Trim(value);
  if (value.empty()) return Unauthenticated(kNoToken);
  constexpr std::string_view kBearer = "bearer ";
  if (!StartsWithIgnoreCase(value, kBearer)) return Unauthenticated(kInvalidToken);
  std::string_view token = Trim(value.substr(kBearer.size()));
  if (token.empty()) return Unauthenticated(kNoToken);
  return verifier.Verify(token, absl::Now());
}

absl::Status RequireRole(const Actor& actor, std::initializer_list<std::string_view> roles) {
  if (actor.role == kAdminRole) return absl::OkStatus();
  for (std::string_view role : roles) {
    if (actor.role == role) return absl::OkStatus();
  }
  std::vector<std::string_view> allowed(roles.begin(), roles.end());
  if (std::find(allowed.begin(), allowed.end(), kAdminRole) == allowed.end()) {
    allowed.push_back(kAdminRole);
  }
  return PermissionDenied(std::string(Article(actor.role)) + " " + actor.role +
                          " may not do this; it needs one of: " + Join(allowed, ", ") + ".");
}

absl::Status RequirePermission(const Actor& actor, std::string_view permission) {
  if (actor.role == kAdminRole) return absl::OkStatus();
  if (std::find(actor.permissions.begin(), actor.permissions.end(), permission) !=
      actor.permissions.end()) {
    return absl::OkStatus();
  }
  return PermissionDenied("You have no \"" + std::string(permission) +
                          "\" permission; ask an administrator to grant it.");
}

}  // namespace fieldline
