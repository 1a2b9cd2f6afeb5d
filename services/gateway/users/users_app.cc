#include "services/gateway/users/users_app.h"

#include <cstdio>
#include <utility>

#include "services/common/core/errors.h"
#include "services/gateway/users/codec.h"

namespace fieldline::gateway {
namespace {

constexpr char kUserType[] = "User";
constexpr char kUnknownLoginType[] = "UnknownLogin";
constexpr std::string_view kUserPrefix = "p/user/";
constexpr std::string_view kLoginPrefix = "p/login/";
constexpr std::string_view kTechPrefix = "x/tech/";
constexpr std::string_view kEventPrefix = "x/ev/";

std::string Padded(int64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(v));
  return buf;
}

AggregateKey UserKey(std::string_view username) { return {kUserType, std::string(username)}; }

common::v1::CommandAck Ack(const AggregateKey& key, int64_t version) {
  common::v1::CommandAck ack;
  ack.set_aggregate_id(key.id);
  ack.set_version(version);
  return ack;
}

}  // namespace

absl::StatusOr<User> UsersApp::Load(std::string_view username) const {
  absl::StatusOr<std::optional<std::string>> raw = store_.Get(std::string(kUserPrefix) + std::string(username));
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return User{};
  v1::UserRecord record;
  if (!record.ParseFromString(**raw)) {
    return absl::DataLossError("The stored account of " + std::string(username) + " cannot be read.");
  }
  return DecodeUser(record);
}

absl::Status UsersApp::Write(Batch& batch, const CommandMeta& meta, const AggregateKey& stream,
                             const User& before, const std::vector<UserEvent>& events,
                             User* after) {
  std::vector<EventEnvelope> envelopes;
  User state = before;
  for (const UserEvent& event : events) {
    envelopes.push_back(NewEnvelope(meta));
    state = Evolve(std::move(state), event);
    const std::string version = Padded(state.version);
    batch.Put(std::string(kEventPrefix) + stream.ToString() + "/" + version,
              EncodeEvent(event).SerializeAsString());
    if (const auto* login = std::get_if<LoginAttempted>(&event.event)) {
      v1::LoginRecord record;
      ToProto(event.at, record.mutable_at());
      record.set_success(login->success);
      record.set_failure(EncodeFailure(login->failure));
      record.set_client_address(login->client_address);
      record.set_user_agent(login->user_agent);
      batch.Put(std::string(kLoginPrefix) + stream.id + "/" + version, record.SerializeAsString());
    }
  }
  if (envelopes.empty()) {
    if (after != nullptr) *after = std::move(state);
    return absl::OkStatus();
  }
  if (absl::Status s = batch.Append(stream, before.version, std::move(envelopes)); !s.ok()) return s;
  if (stream.type == kUserType) {
    batch.Put(std::string(kUserPrefix) + stream.id, EncodeUser(state).SerializeAsString());
    if (!before.exists && !state.technician_id.empty()) {
      batch.Put(std::string(kTechPrefix) + state.technician_id, state.username);
    }
  }
  if (after != nullptr) *after = std::move(state);
  return absl::OkStatus();
}

absl::StatusOr<User> UsersApp::RunCommand(
    const CommandMeta& meta, std::string_view username,
    const std::function<absl::StatusOr<std::vector<UserEvent>>(const User&)>& decide) {
  const AggregateKey key = UserKey(username);
  absl::StatusOr<common::v1::CommandAck> ack =
      store_.Execute(meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<User> before = Load(username);
        if (!before.ok()) return before.status();
        absl::StatusOr<std::vector<UserEvent>> events = decide(*before);
        if (!events.ok()) return events.status();
        User after;
        if (absl::Status s = Write(batch, meta, key, *before, *events, &after); !s.ok()) return s;
        return Ack(key, after.version);
      });
  if (!ack.ok()) return ack.status();
  return Get(username);
}

absl::StatusOr<User> UsersApp::CreateUser(const CommandMeta& meta, const NewUser& request,
                                          std::string_view password) {
  if (absl::Status s = ValidateUsername("username", request.username); !s.ok()) return s;
  if (absl::Status s = ValidatePassword("password", password); !s.ok()) return s;
  if (!request.technician_id.empty()) {
    absl::StatusOr<std::optional<std::string>> taken =
        store_.Get(std::string(kTechPrefix) + request.technician_id);
    if (!taken.ok()) return taken.status();
    if (taken->has_value() && **taken != request.username) {
      return AlreadyExists("technician_id", "Another account (" + **taken +
                                                ") already signs in as technician " +
                                                request.technician_id + ".");
    }
  }
  // A replayed request id must not hash again (and must answer with the same account).
  if (absl::StatusOr<std::optional<common::v1::CommandAck>> prior = store_.FindRequest(meta.request_id);
      prior.ok() && prior->has_value()) {
    return Get(request.username);
  }
  absl::StatusOr<std::string> hash = hasher_.Hash(password);
  if (!hash.ok()) return hash.status();
  return RunCommand(meta, request.username, [&](const User& current) {
    return DecideCreate(current, request, *hash, meta.now);
  });
}

absl::StatusOr<LoginResult> UsersApp::Login(std::string_view username, std::string_view password,
                                            std::string_view client_address,
                                            std::string_view user_agent) {
  const absl::Time now = clock_.Now();
  CommandMeta meta{.request_id = ids_.NewId(now), .actor = Actor{std::string(username), "anonymous"},
                   .now = now};
  absl::StatusOr<User> current = ValidateUsername("username", username).ok() ? Load(username) : User{};
  if (!current.ok()) return current.status();

  if (!current->exists) {
    hasher_.DummyVerify(password);
    const AggregateKey key{kUnknownLoginType,
                           ValidateUsername("username", username).ok() ? std::string(username)
                                                                       : "(malformed)"};
    LoginAttempted attempt{.success = false,
                           .failure = LoginFailure::kUnknownUser,
                           .client_address = std::string(client_address),
                           .user_agent = std::string(user_agent)};
    absl::StatusOr<common::v1::CommandAck> ack =
        store_.Execute(meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
          absl::StatusOr<int64_t> version = batch.CurrentVersion(key);
          if (!version.ok()) return version.status();
          User before;
          before.version = *version;
          if (absl::Status s = Write(batch, meta, key, before, {{now, attempt}}, nullptr); !s.ok()) {
            return s;
          }
          return Ack(key, *version + 1);
        });
    if (!ack.ok()) return ack.status();
    return LoginResult{.failure = LoginFailure::kUnknownUser};
  }

  // Check the password outside the lock (it is deliberately slow), decide under it.
  const bool password_ok = hasher_.Verify(current->password_hash, password);
  const AggregateKey key = UserKey(username);
  LoginResult result;
  absl::StatusOr<common::v1::CommandAck> ack =
      store_.Execute(meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        absl::StatusOr<User> before = Load(username);
        if (!before.ok()) return before.status();
        // A password change between the check and the lock: the old password no longer counts.
        const bool still_ok = password_ok && before->password_hash == current->password_hash;
        LoginDecision decision = DecideLogin(*before, still_ok, client_address, user_agent, now);
        result.failure = decision.failure;
        result.locked_until = decision.locked_until;
        if (absl::Status s = Write(batch, meta, key, *before, decision.events, &result.user);
            !s.ok()) {
          return s;
        }
        return Ack(key, result.user.version);
      });
  if (!ack.ok()) return ack.status();
  return result;
}

absl::Status UsersApp::ChangePassword(const CommandMeta& meta, std::string_view username,
                                      std::string_view old_password,
                                      std::string_view new_password) {
  if (old_password.empty()) return InvalidArgument("old_password", "Enter your current password.");
  if (absl::Status s = ValidatePassword("new_password", new_password); !s.ok()) return s;
  if (old_password == new_password) {
    return InvalidArgument("new_password", "The new password must differ from the current one.");
  }
  absl::StatusOr<User> current = Get(username);
  if (!current.ok()) return current.status();
  if (absl::StatusOr<std::optional<common::v1::CommandAck>> prior = store_.FindRequest(meta.request_id);
      prior.ok() && prior->has_value()) {
    return absl::OkStatus();
  }
  const bool old_ok = hasher_.Verify(current->password_hash, old_password);
  absl::StatusOr<std::string> hash = hasher_.Hash(new_password);
  if (!hash.ok()) return hash.status();
  return RunCommand(meta, username, [&](const User& user) {
           return DecideChangePassword(user, old_ok && user.password_hash == current->password_hash,
                                       *hash, meta.now);
         })
      .status();
}

absl::StatusOr<User> UsersApp::SetPermissions(const CommandMeta& meta, std::string_view username,
                                              std::vector<std::string> permissions) {
  return RunCommand(meta, username, [&](const User& user) {
    return DecideSetPermissions(user, permissions, meta.now);
  });
}

absl::StatusOr<User> UsersApp::Depart(const CommandMeta& meta, std::string_view username) {
  return RunCommand(meta, username, [&](const User& user) {
    return DecideDepart(user, meta.actor.user_id, meta.now);
  });
}

absl::StatusOr<User> UsersApp::Get(std::string_view username) const {
  absl::StatusOr<User> user = Load(username);
  if (!user.ok()) return user.status();
  if (!user->exists) return NotFound("username", "There is no user with this username.");
  return user;
}

absl::StatusOr<std::optional<User>> UsersApp::FindByActor(const Actor& actor) const {
  std::string username = actor.user_id;
  if (actor.role == "technician") {
    absl::StatusOr<std::optional<std::string>> by_tech = store_.Get(std::string(kTechPrefix) + actor.user_id);
    if (!by_tech.ok()) return by_tech.status();
    if (by_tech->has_value()) username = **by_tech;
  }
  absl::StatusOr<User> user = Load(username);
  if (!user.ok()) return user.status();
  if (!user->exists) return std::optional<User>();
  return std::optional<User>(*std::move(user));
}

absl::StatusOr<std::vector<User>> UsersApp::List() const {
  std::vector<User> users;
  absl::Status bad;
  absl::Status s = store_.Scan(kUserPrefix, "", [&](std::string_view, std::string_view value) {
    v1::UserRecord record;
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      bad = absl::DataLossError("A stored account cannot be read.");
      return false;
    }
    users.push_back(DecodeUser(record));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return users;
}

absl::StatusOr<std::vector<LoginRecord>> UsersApp::Logins(std::string_view username,
                                                          size_t limit) const {
  if (absl::StatusOr<User> user = Get(username); !user.ok()) return user.status();
  std::vector<LoginRecord> all;
  const std::string prefix = std::string(kLoginPrefix) + std::string(username) + "/";
  absl::Status s = store_.Scan(prefix, "", [&](std::string_view, std::string_view value) {
    v1::LoginRecord r;
    if (!r.ParseFromArray(value.data(), static_cast<int>(value.size()))) return true;
    all.push_back({FromProto(r.at()), r.success(), DecodeFailure(r.failure()), r.client_address(),
                   r.user_agent()});
    return true;
  });
  if (!s.ok()) return s;
  std::vector<LoginRecord> newest;
  for (auto it = all.rbegin(); it != all.rend() && newest.size() < limit; ++it) newest.push_back(*it);
  return newest;
}

absl::StatusOr<int> UsersApp::EnsureDemoUsers() {
  absl::StatusOr<std::vector<User>> existing = List();
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) return 0;
  struct Demo {
    const char* role;
    const char* display_name;
  };
  static constexpr Demo kDemo[] = {
      {"intake", "Demo intake agent"},     {"dispatcher", "Demo dispatcher"},
      {"technician", "Demo technician T01"}, {"warehouse", "Demo warehouse clerk"},
      {"care", "Demo care agent"},         {"manager", "Demo manager"},
      {"admin", "Demo administrator"}};
  int created = 0;
  for (const Demo& demo : kDemo) {
    const std::string role = demo.role;
    NewUser user{.username = role, .display_name = demo.display_name, .role = role};
    if (role == "technician") user.technician_id = "T01";
    if (role == "manager") user.permissions = {"export"};
    CommandMeta meta{.request_id = "demo-user-" + role,
                     .actor = Actor{"system:gateway", "admin"},
                     .now = clock_.Now()};
    absl::StatusOr<User> made = CreateUser(meta, user, "demo-" + role);
    if (!made.ok()) return made.status();
    ++created;
  }
  return created;
}

}  // namespace fieldline::gateway
