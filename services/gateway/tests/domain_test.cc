// Accounts domain: given events / when command / then events or error.

#include "services/gateway/users/domain.h"

#include <optional>

#include "gtest/gtest.h"
#include "services/common/core/errors.h"

namespace fieldline::gateway {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'790'000'000);

NewUser Dispatcher() {
  return NewUser{.username = "wang.fang", .display_name = "Wang Fang", .role = "dispatcher"};
}

User Given(const std::vector<UserEvent>& events) {
  User user;
  for (const UserEvent& e : events) user = Evolve(std::move(user), e);
  return user;
}

User Created(const NewUser& request = Dispatcher()) {
  auto events = DecideCreate(User{}, request, "hash-1", kT0);
  EXPECT_TRUE(events.ok()) << events.status();
  return Given(*events);
}

void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(FieldOf(status).value_or("<none>"), field) << status;
  EXPECT_FALSE(status.message().empty());
}

User Fail(User user, absl::Time at) {
  LoginDecision d = DecideLogin(user, false, "10.0.0.1", "ua", at);
  for (const UserEvent& e : d.events) user = Evolve(std::move(user), e);
  return user;
}

TEST(UsersDomain, CreateGivesUserCreated) {
  auto events = DecideCreate(User{}, Dispatcher(), "hash-1", kT0);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  const auto& created = std::get<UserCreated>((*events)[0].event);
  EXPECT_EQ(created.username, "wang.fang");
  EXPECT_EQ(created.password_hash, "hash-1");
  User user = Given(*events);
  EXPECT_TRUE(user.exists);
  EXPECT_EQ(user.version, 1);
  EXPECT_EQ(user.created_at, kT0);
}

TEST(UsersDomain, CreateValidatesEveryField) {
  NewUser r = Dispatcher();
  r.username = "Wang Fang";
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "username");
  r.username = "x";
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "username");
  r.username = "-dash";
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "username");
  r = Dispatcher();
  r.display_name = "";
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "display_name");
  r.display_name = std::string(101, 'a');
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "display_name");
  r = Dispatcher();
  r.role = "boss";
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "role");
  r.role = "technician";
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "technician_id");
  r = Dispatcher();
  r.technician_id = "T01";
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "technician_id");
  r = Dispatcher();
  r.permissions = {"Export"};
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "permissions");
  r.permissions = {"export", "export"};
  ExpectInvalid(DecideCreate(User{}, r, "h", kT0).status(), "permissions");
}

TEST(UsersDomain, CreateTwiceIsAlreadyExists) {
  User user = Created();
  absl::Status s = DecideCreate(user, Dispatcher(), "h", kT0).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(s).value_or(""), "username");
}

TEST(UsersDomain, PasswordRules) {
  ExpectInvalid(ValidatePassword("password", "short"), "password");
  ExpectInvalid(ValidatePassword("new_password", std::string(129, 'a')), "new_password");
  ExpectInvalid(ValidatePassword("password", "        "), "password");
  EXPECT_TRUE(ValidatePassword("password", "demo-care").ok());
}

TEST(UsersDomain, RightPasswordSignsInAndClearsFailures) {
  User user = Fail(Created(), kT0);
  ASSERT_EQ(user.recent_failures.size(), 1u);
  LoginDecision d = DecideLogin(user, true, "10.0.0.1", "Firefox", kT0 + absl::Minutes(1));
  EXPECT_EQ(d.failure, LoginFailure::kNone);
  ASSERT_EQ(d.events.size(), 1u);
  const auto& attempt = std::get<LoginAttempted>(d.events[0].event);
  EXPECT_TRUE(attempt.success);
  EXPECT_EQ(attempt.client_address, "10.0.0.1");
  EXPECT_EQ(attempt.user_agent, "Firefox");
  user = Evolve(user, d.events[0]);
  EXPECT_TRUE(user.recent_failures.empty());
  EXPECT_EQ(user.last_login_at, kT0 + absl::Minutes(1));
}

TEST(UsersDomain, WrongPasswordIsRecorded) {
  LoginDecision d = DecideLogin(Created(), false, "a", "b", kT0);
  EXPECT_EQ(d.failure, LoginFailure::kWrongPassword);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_FALSE(std::get<LoginAttempted>(d.events[0].event).success);
  EXPECT_EQ(d.locked_until, absl::InfinitePast());
}

TEST(UsersDomain, FifthFailureWithinFifteenMinutesLocksForFifteenMinutes) {
  User user = Created();
  for (int i = 0; i < 4; ++i) user = Fail(user, kT0 + absl::Minutes(i));
  EXPECT_FALSE(user.LockedAt(kT0 + absl::Minutes(4)));
  const absl::Time fifth = kT0 + absl::Minutes(4);
  LoginDecision d = DecideLogin(user, false, "a", "b", fifth);
  EXPECT_EQ(d.failure, LoginFailure::kWrongPassword);
  EXPECT_EQ(d.locked_until, fifth + absl::Minutes(15));
  user = Evolve(user, d.events[0]);
  EXPECT_TRUE(user.LockedAt(fifth));

  // Locked: even the right password is refused, and the refusal is recorded.
  LoginDecision locked = DecideLogin(user, true, "a", "b", fifth + absl::Minutes(14));
  EXPECT_EQ(locked.failure, LoginFailure::kLocked);
  EXPECT_EQ(locked.locked_until, fifth + absl::Minutes(15));
  ASSERT_EQ(locked.events.size(), 1u);
  EXPECT_EQ(std::get<LoginAttempted>(locked.events[0].event).failure, LoginFailure::kLocked);
  user = Evolve(user, locked.events[0]);

  // After the lock: the right password works again.
  EXPECT_EQ(DecideLogin(user, true, "a", "b", fifth + absl::Minutes(15)).failure,
            LoginFailure::kNone);
}

TEST(UsersDomain, FailuresOlderThanTheWindowDoNotCount) {
  User user = Created();
  for (int i = 0; i < 4; ++i) user = Fail(user, kT0 + absl::Minutes(i));
  // The 5th failure comes 16 minutes after the first: only 4 are within the window.
  LoginDecision d = DecideLogin(user, false, "a", "b", kT0 + absl::Minutes(16));
  EXPECT_EQ(d.locked_until, absl::InfinitePast());
}

TEST(UsersDomain, DepartedCannotSignIn) {
  User user = Created();
  auto depart = DecideDepart(user, "admin", kT0);
  ASSERT_TRUE(depart.ok());
  user = Given({{kT0, UserCreated{"wang.fang", "Wang Fang", "dispatcher", "", {}, "h", ""}},
                {kT0, UserDeparted{}}});
  EXPECT_TRUE(user.departed);
  LoginDecision d = DecideLogin(user, true, "a", "b", kT0);
  EXPECT_EQ(d.failure, LoginFailure::kDeparted);
  EXPECT_EQ(d.events.size(), 1u);
}

TEST(UsersDomain, DepartRules) {
  EXPECT_EQ(DecideDepart(User{}, "admin", kT0).status().code(), absl::StatusCode::kNotFound);
  User user = Created();
  EXPECT_EQ(DecideDepart(user, "wang.fang", kT0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  user = Evolve(user, {kT0, UserDeparted{}});
  EXPECT_EQ(DecideDepart(user, "admin", kT0).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(UsersDomain, ChangePassword) {
  User user = Created();
  ExpectInvalid(DecideChangePassword(user, false, "h2", kT0).status(), "old_password");
  auto events = DecideChangePassword(user, true, "h2", kT0);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(Evolve(user, (*events)[0]).password_hash, "h2");
  EXPECT_EQ(DecideChangePassword(User{}, true, "h2", kT0).status().code(),
            absl::StatusCode::kNotFound);
  user = Evolve(user, {kT0, UserDeparted{}});
  EXPECT_EQ(DecideChangePassword(user, true, "h2", kT0).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(UsersDomain, SetPermissions) {
  User user = Created();
  auto events = DecideSetPermissions(user, {"export"}, kT0);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  user = Evolve(user, (*events)[0]);
  EXPECT_EQ(user.permissions, std::vector<std::string>{"export"});
  // The same list again changes nothing.
  auto again = DecideSetPermissions(user, {"export"}, kT0);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  ExpectInvalid(DecideSetPermissions(user, {"no spaces"}, kT0).status(), "permissions");
  EXPECT_EQ(DecideSetPermissions(User{}, {}, kT0).status().code(), absl::StatusCode::kNotFound);
  user = Evolve(user, {kT0, UserDeparted{}});
  EXPECT_EQ(DecideSetPermissions(user, {}, kT0).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fieldline::gateway
