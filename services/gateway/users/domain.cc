#include "services/gateway/users/domain.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "services/common/core/errors.h"

namespace fieldline::gateway {
namespace {

constexpr std::array<std::string_view, 7> kRoles = {
    "intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"};

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

absl::Status MustExist(const User& user) {
  if (!user.exists) return NotFound("username", "There is no user with this username.");
  return absl::OkStatus();
}

}  // namespace

bool IsKnownRole(std::string_view role) {
  return std::find(kRoles.begin(), kRoles.end(), role) != kRoles.end();
}

absl::Status ValidatePassword(std::string_view field, std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return InvalidArgument(field, "The password must have at least 8 characters.");
  }
  if (password.size() > kMaxPasswordLength) {
    return InvalidArgument(field, "The password must have at most 128 characters.");
  }
  if (std::all_of(password.begin(), password.end(), [](char c) { return c == ' '; })) {
    return InvalidArgument(field, "The password cannot be only spaces.");
  }
  return absl::OkStatus();
}

absl::Status ValidateUsername(std::string_view field, std::string_view username) {
  if (username.size() < 2 || username.size() > 64) {
    return InvalidArgument(field, "The username must have 2 to 64 characters.");
  }
  if (!IsLowerAlnum(username.front())) {
    return InvalidArgument(field, "The username must start with a lowercase letter or a digit.");
  }
  for (char c : username) {
    if (!IsLowerAlnum(c) && c != '.' && c != '_' && c != '-') {
      return InvalidArgument(
          field, "The username may use only lowercase letters, digits, '.', '_' and '-'.");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePermissions(const std::vector<std::string>& permissions) {
  std::set<std::string> seen;
  for (const std::string& p : permissions) {
    if (p.empty() || p.size() > 64 || !(p.front() >= 'a' && p.front() <= 'z') ||
        !std::all_of(p.begin(), p.end(),
                     [](char c) { return IsLowerAlnum(c) || c == '.' || c == '_'; })) {
      return InvalidArgument("permissions", "A permission is a lowercase word such as \"export\"; \"" +
                                                p + "\" is not.");
    }
    if (!seen.insert(p).second) {
      return InvalidArgument("permissions", "The permission \"" + p + "\" is listed twice.");
    }
  }
  return absl::OkStatus();
}

User Evolve(User user, const UserEvent& event) {
  ++user.version;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, UserCreated>) {
          user.exists = true;
          user.username = e.username;
          user.display_name = e.display_name;
          user.role = e.role;
          user.technician_id = e.technician_id;
          user.permissions = e.permissions;
          user.password_hash = e.password_hash;
          user.language = e.language;
          user.created_at = event.at;
        } else if constexpr (std::is_same_v<T, PasswordChanged>) {
          user.password_hash = e.password_hash;
        } else if constexpr (std::is_same_v<T, PermissionsSet>) {
          user.permissions = e.permissions;
        } else if constexpr (std::is_same_v<T, UserDeparted>) {
          user.departed = true;
          user.departed_at = event.at;
        } else if constexpr (std::is_same_v<T, LoginAttempted>) {
          if (e.success) {
            user.recent_failures.clear();
            user.locked_until = absl::InfinitePast();
            user.last_login_at = event.at;
          } else if (e.failure == LoginFailure::kWrongPassword) {
            std::erase_if(user.recent_failures,
                          [&](absl::Time t) { return t <= event.at - kFailureWindow; });
            user.recent_failures.push_back(event.at);
            if (e.locked_until > event.at) {
              user.locked_until = e.locked_until;
              user.recent_failures.clear();
            }
          }
        }
      },
      event.event);
  return user;
}

absl::StatusOr<std::vector<UserEvent>> DecideCreate(const User& current, const NewUser& request,
                                                    std::string password_hash, absl::Time now) {
  if (absl::Status s = ValidateUsername("username", request.username); !s.ok()) return s;
  if (request.display_name.empty()) {
    return InvalidArgument("display_name", "Enter the name shown for this user.");
  }
  if (request.display_name.size() > 100) {
    return InvalidArgument("display_name", "The display name must have at most 100 characters.");
  }
  if (!IsKnownRole(request.role)) {
    return InvalidArgument("role",
                           "The role must be one of intake, dispatcher, technician, warehouse, "
                           "care, manager or admin.");
  }
  if (request.role == "technician" && request.technician_id.empty()) {
    return InvalidArgument("technician_id",
                           "A technician account needs the technician id it signs in as (e.g. T01).");
  }
  if (request.role != "technician" && !request.technician_id.empty()) {
    return InvalidArgument("technician_id", "Only technician accounts have a technician id.");
  }
  if (absl::Status s = ValidatePermissions(request.permissions); !s.ok()) return s;
  if (current.exists) {
    return AlreadyExists("username", "There is already a user with this username.");
  }
  UserCreated created{request.username, request.display_name, request.role,
                      request.technician_id, request.permissions, std::move(password_hash),
                      request.language};
  return std::vector<UserEvent>{{now, std::move(created)}};
}

LoginDecision DecideLogin(const User& current, bool password_ok, std::string_view client_address,
                          std::string_view user_agent, absl::Time now) {
  LoginDecision decision;
  LoginAttempted attempt{.client_address = std::string(client_address),
                         .user_agent = std::string(user_agent)};
  if (current.departed) {
    attempt.failure = LoginFailure::kDeparted;
  } else if (current.LockedAt(now)) {
    attempt.failure = LoginFailure::kLocked;
    decision.locked_until = current.locked_until;
  } else if (!password_ok) {
    attempt.failure = LoginFailure::kWrongPassword;
    const auto recent = std::count_if(current.recent_failures.begin(),
                                      current.recent_failures.end(),
                                      [&](absl::Time t) { return t > now - kFailureWindow; });
    if (recent + 1 >= kMaxFailures) {
      attempt.locked_until = now + kLockDuration;
      decision.locked_until = attempt.locked_until;
    }
  } else {
    attempt.success = true;
  }
  decision.failure = attempt.failure;
  decision.events.push_back({now, std::move(attempt)});
  return decision;
}

absl::StatusOr<std::vector<UserEvent>> DecideChangePassword(const User& current,
                                                            bool old_password_ok,
                                                            std::string new_password_hash,
                                                            absl::Time now) {
  if (absl::Status s = MustExist(current); !s.ok()) return s;
  if (current.departed) return PermissionDenied("This account has been closed.");
  if (!old_password_ok) {
    return InvalidArgument("old_password", "The current password is not correct.");
  }
  return std::vector<UserEvent>{{now, PasswordChanged{std::move(new_password_hash)}}};
}

absl::StatusOr<std::vector<UserEvent>> DecideSetPermissions(const User& current,
                                                            std::vector<std::string> permissions,
                                                            absl::Time now) {
  if (absl::Status s = ValidatePermissions(permissions); !s.ok()) return s;
  if (absl::Status s = MustExist(current); !s.ok()) return s;
  if (current.departed) {
    return FailedPrecondition("This user has left the company; their permissions cannot change.");
  }
  std::sort(permissions.begin(), permissions.end());
  std::vector<std::string> have = current.permissions;
  std::sort(have.begin(), have.end());
  if (have == permissions) return std::vector<UserEvent>{};
  return std::vector<UserEvent>{{now, PermissionsSet{std::move(permissions)}}};
}

absl::StatusOr<std::vector<UserEvent>> DecideDepart(const User& current, std::string_view by,
                                                    absl::Time now) {
  if (absl::Status s = MustExist(current); !s.ok()) return s;
  if (current.username == by) {
    return FailedPrecondition("You cannot mark your own account as departed.");
  }
  if (current.departed) return FailedPrecondition("This user is already marked as departed.");
  return std::vector<UserEvent>{{now, UserDeparted{}}};
}

}  // namespace fieldline::gateway
