#pragma once

// Staff accounts of the gateway: who may sign in, with which role and permissions, and the
// lockout after repeated failures. Pure: Decide (state + command → events or error) and Evolve
// (state + event → state). No protobuf, gRPC, RocksDB or crypto in here; the password check
// comes in as a boolean, hashes as opaque strings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fieldline::gateway {

// 5 failed logins within 15 minutes lock the account for 15 minutes.
inline constexpr int kMaxFailures = 5;
inline constexpr absl::Duration kFailureWindow = absl::Minutes(15);
inline constexpr absl::Duration kLockDuration = absl::Minutes(15);
inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 128;

enum class LoginFailure { kNone = 0, kWrongPassword = 1, kLocked = 2, kDeparted = 3, kUnknownUser = 4 };

struct UserCreated {
  std::string username;
  std::string display_name;
  std::string role;
  std::string technician_id;
  std::vector<std::string> permissions;
  std::string password_hash;
  std::string language;
};
struct PasswordChanged {
  std::string password_hash;
};
struct PermissionsSet {
  std::vector<std::string> permissions;
};
struct UserDeparted {};
struct LoginAttempted {
  bool success = false;
  LoginFailure failure = LoginFailure::kNone;
  std::string client_address;
  std::string user_agent;
  absl::Time locked_until = absl::InfinitePast();  // set when this failure locked the account
};

struct UserEvent {
  absl::Time at;
  std::variant<UserCreated, PasswordChanged, PermissionsSet, UserDeparted, LoginAttempted> event;
};

struct User {
  bool exists = false;
  std::string username;
  std::string display_name;
  std::string role;
  std::string technician_id;
  std::vector<std::string> permissions;
  std::string password_hash;
  std::string language;
  bool departed = false;
  absl::Time departed_at = absl::InfinitePast();
  std::vector<absl::Time> recent_failures;  // within the lockout window, oldest first
  absl::Time locked_until = absl::InfinitePast();
  absl::Time created_at = absl::InfinitePast();
  absl::Time last_login_at = absl::InfinitePast();
  int64_t version = 0;

  bool LockedAt(absl::Time now) const { return now < locked_until; }
};

// What an administrator asks for when creating an account (the password is hashed by the caller
// after ValidatePassword).
struct NewUser {
  std::string username;
  std::string display_name;
  std::string role;
  std::string technician_id;
  std::vector<std::string> permissions;
  std::string language;
};

// INVALID_ARGUMENT naming `field` unless the password is 8–128 characters and not only spaces.
absl::Status ValidatePassword(std::string_view field, std::string_view password);
// Usernames: 2–64 characters, lowercase letters, digits, '.', '_' or '-', starting with a letter
// or digit.
absl::Status ValidateUsername(std::string_view field, std::string_view username);
// Permissions: lowercase words ("export", "reports.read"); no duplicates.
absl::Status ValidatePermissions(const std::vector<std::string>& permissions);
bool IsKnownRole(std::string_view role);

User Evolve(User user, const UserEvent& event);

absl::StatusOr<std::vector<UserEvent>> DecideCreate(const User& current, const NewUser& request,
                                                    std::string password_hash, absl::Time now);

// The outcome of a login attempt: always at least one event (every attempt is recorded), and
// the failure, if any (kLocked carries the time the lock ends in `locked_until`).
struct LoginDecision {
  std::vector<UserEvent> events;
  LoginFailure failure = LoginFailure::kNone;
  absl::Time locked_until = absl::InfinitePast();
};
// `password_ok`: whether the password matched the stored hash (checked by the caller, in
// constant time). `current` must exist.
LoginDecision DecideLogin(const User& current, bool password_ok, std::string_view client_address,
                          std::string_view user_agent, absl::Time now);

absl::StatusOr<std::vector<UserEvent>> DecideChangePassword(const User& current,
                                                            bool old_password_ok,
                                                            std::string new_password_hash,
                                                            absl::Time now);
absl::StatusOr<std::vector<UserEvent>> DecideSetPermissions(const User& current,
                                                            std::vector<std::string> permissions,
                                                            absl::Time now);
// `by`: the username of the administrator doing it (nobody departs their own account).
absl::StatusOr<std::vector<UserEvent>> DecideDepart(const User& current, std::string_view by,
                                                    absl::Time now);

}  // namespace fieldline::gateway
