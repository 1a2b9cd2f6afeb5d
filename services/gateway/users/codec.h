#pragma once

// Domain ↔ fieldline.gateway.v1 protobuf for the user store.

#include "fieldline/gateway/v1/users.pb.h"
#include "services/gateway/users/domain.h"

namespace fieldline::gateway {

v1::UserEvent EncodeEvent(const UserEvent& event);
v1::UserRecord EncodeUser(const User& user);
User DecodeUser(const v1::UserRecord& record);
v1::LoginFailure EncodeFailure(LoginFailure failure);
LoginFailure DecodeFailure(v1::LoginFailure failure);

}  // namespace fieldline::gateway
