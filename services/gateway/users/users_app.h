#pragma once

// The gateway's user store: staff accounts as event streams ("User"/<username>) in the gateway's
// own EventStore. Every command runs through EventStore::Execute (idempotent by request id,
// expected versions); the account's state ("p/user/<username>"), the login history
// ("p/login/<username>/<version>") and the technician index ("x/tech/<technician id>") are
// written in the same batch as the events ("x/ev/<stream>/<version>": the envelope payload has no
// slot for the gateway's own events, so the event bodies are kept beside the stream).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/core/types.h"
#include "services/common/store/event_store.h"
#include "services/gateway/users/domain.h"
#include "services/gateway/users/password.h"

namespace fieldline::gateway {

struct LoginRecord {
  absl::Time at;
  bool success = false;
  LoginFailure failure = LoginFailure::kNone;
  std::string client_address;
  std::string user_agent;
};

struct LoginResult {
  LoginFailure failure = LoginFailure::kNone;  // kNone: signed in
  absl::Time locked_until = absl::InfinitePast();
  User user;  // the account after the attempt (empty for unknown usernames)
};

class UsersApp {
 public:
  UsersApp(EventStore& store, const Clock& clock, IdGenerator& ids, const PasswordHasher& hasher)
      : store_(store), clock_(clock), ids_(ids), hasher_(hasher) {}

  absl::StatusOr<User> CreateUser(const CommandMeta& meta, const NewUser& request,
                                  std::string_view password);
  // Records the attempt whatever its outcome. UNAUTHENTICATED never comes back from here: the
  // caller maps `failure` (unknown user and wrong password alike) to its answer.
  absl::StatusOr<LoginResult> Login(std::string_view username, std::string_view password,
                                    std::string_view client_address, std::string_view user_agent);
  absl::Status ChangePassword(const CommandMeta& meta, std::string_view username,
                              std::string_view old_password, std::string_view new_password);
  absl::StatusOr<User> SetPermissions(const CommandMeta& meta, std::string_view username,
                                      std::vector<std::string> permissions);
  absl::StatusOr<User> Depart(const CommandMeta& meta, std::string_view username);

  // NOT_FOUND naming "username" if there is no such account.
  absl::StatusOr<User> Get(std::string_view username) const;
  // The account a token belongs to: by username, or for technicians by technician id.
  absl::StatusOr<std::optional<User>> FindByActor(const Actor& actor) const;
  absl::StatusOr<std::vector<User>> List() const;
  // Newest first, at most `limit`.
  absl::StatusOr<std::vector<LoginRecord>> Logins(std::string_view username, size_t limit) const;

  // When there is no account yet: one per role, username = role, password "demo-<role>"; the
  // technician is T01, the manager holds "export". Returns how many were created.
  absl::StatusOr<int> EnsureDemoUsers();

 private:
  absl::StatusOr<User> Load(std::string_view username) const;
  absl::Status Write(Batch& batch, const CommandMeta& meta, const AggregateKey& stream,
                     const User& before, const std::vector<UserEvent>& events, User* after);
  absl::StatusOr<User> RunCommand(
      const CommandMeta& meta, std::string_view username,
      const std::function<absl::StatusOr<std::vector<UserEvent>>(const User&)>& decide);

  EventStore& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  const PasswordHasher& hasher_;
};

}  // namespace fieldline::gateway
