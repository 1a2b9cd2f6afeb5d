#include "services/gateway/users/codec.h"

#include "services/common/store/event_store.h"

namespace fieldline::gateway {
namespace {

// Sets the timestamp only for a real time (unset stays unset).
template <typename Mutable>
void SetTime(absl::Time t, Mutable&& mutable_field) {
  if (t != absl::InfinitePast()) ToProto(t, mutable_field());
}

absl::Time GetTime(bool has, const google::protobuf::Timestamp& ts) {
  return has ? FromProto(ts) : absl::InfinitePast();
}

}  // namespace

v1::LoginFailure EncodeFailure(LoginFailure failure) {
  return static_cast<v1::LoginFailure>(static_cast<int>(failure));
}

LoginFailure DecodeFailure(v1::LoginFailure failure) {
  return static_cast<LoginFailure>(static_cast<int>(failure));
}

v1::UserEvent EncodeEvent(const UserEvent& event) {
  v1::UserEvent out;
  SetTime(event.at, [&] { return out.mutable_at(); });
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, UserCreated>) {
          v1::UserCreated* c = out.mutable_created();
          c->set_username(e.username);
          c->set_display_name(e.display_name);
          c->set_role(e.role);
          c->set_technician_id(e.technician_id);
          for (const std::string& p : e.permissions) c->add_permissions(p);
          c->set_password_hash(e.password_hash);
          c->set_language(e.language);
        } else if constexpr (std::is_same_v<T, PasswordChanged>) {
          out.mutable_password_changed()->set_password_hash(e.password_hash);
        } else if constexpr (std::is_same_v<T, PermissionsSet>) {
          for (const std::string& p : e.permissions) out.mutable_permissions_set()->add_permissions(p);
        } else if constexpr (std::is_same_v<T, UserDeparted>) {
          out.mutable_departed();
        } else if constexpr (std::is_same_v<T, LoginAttempted>) {
          v1::LoginAttempted* l = out.mutable_login();
          l->set_success(e.success);
          l->set_failure(EncodeFailure(e.failure));
          l->set_client_address(e.client_address);
          l->set_user_agent(e.user_agent);
          SetTime(e.locked_until, [&] { return l->mutable_locked_until(); });
        }
      },
      event.event);
  return out;
}

v1::UserRecord EncodeUser(const User& user) {
  v1::UserRecord r;
  r.set_username(user.username);
  r.set_display_name(user.display_name);
  r.set_role(user.role);
  r.set_technician_id(user.technician_id);
  for (const std::string& p : user.permissions) r.add_permissions(p);
  r.set_password_hash(user.password_hash);
  r.set_language(user.language);
  r.set_departed(user.departed);
  SetTime(user.departed_at, [&] { return r.mutable_departed_at(); });
  for (absl::Time t : user.recent_failures) ToProto(t, r.add_recent_failures());
  SetTime(user.locked_until, [&] { return r.mutable_locked_until(); });
  r.set_version(user.version);
  SetTime(user.created_at, [&] { return r.mutable_created_at(); });
  SetTime(user.last_login_at, [&] { return r.mutable_last_login_at(); });
  return r;
}

User DecodeUser(const v1::UserRecord& r) {
  User u;
  u.exists = true;
  u.username = r.username();
  u.display_name = r.display_name();
  u.role = r.role();
  u.technician_id = r.technician_id();
  u.permissions.assign(r.permissions().begin(), r.permissions().end());
  u.password_hash = r.password_hash();
  u.language = r.language();
  u.departed = r.departed();
  u.departed_at = GetTime(r.has_departed_at(), r.departed_at());
  for (const auto& t : r.recent_failures()) u.recent_failures.push_back(FromProto(t));
  u.locked_until = GetTime(r.has_locked_until(), r.locked_until());
  u.version = r.version();
  u.created_at = GetTime(r.has_created_at(), r.created_at());
  u.last_login_at = GetTime(r.has_last_login_at(), r.last_login_at());
  return u;
}

}  // namespace fieldline::gateway
