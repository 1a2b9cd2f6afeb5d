// The user store over a real EventStore in a temp dir, with a fake clock and fast hashing.

#include "services/gateway/users/users_app.h"

#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/common/testing/temp_dir.h"

namespace fieldline::gateway {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'790'000'000);

class UsersAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<UsersApp>(*store_, clock_, ids_, hasher_);
  }

  CommandMeta Meta(const std::string& request_id) {
    return CommandMeta{.request_id = request_id, .actor = Actor{"admin", "admin"}, .now = clock_.Now()};
  }

  User MustCreate(const std::string& username, const std::string& role = "dispatcher",
                  const std::string& technician_id = "") {
    NewUser r{.username = username, .display_name = "Name of " + username, .role = role,
              .technician_id = technician_id};
    auto user = app_->CreateUser(Meta("create-" + username), r, "secret-pass");
    EXPECT_TRUE(user.ok()) << user.status();
    return user.ok() ? *user : User{};
  }

  LoginResult Login(const std::string& username, const std::string& password) {
    auto result = app_->Login(username, password, "192.0.2.7", "TestBrowser/1.0");
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : LoginResult{};
  }

  fieldline::testing::TempDir dir_;
  FakeClock clock_{kT0};
  UuidV7Generator ids_;
  PasswordHasher hasher_ = PasswordHasher::Interactive();
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<UsersApp> app_;
};

TEST_F(UsersAppTest, CreateStoresAHashNotThePassword) {
  User user = MustCreate("wang.fang");
  EXPECT_EQ(user.role, "dispatcher");
  EXPECT_NE(user.password_hash.find("$argon2id$"), std::string::npos);
  EXPECT_EQ(user.password_hash.find("secret-pass"), std::string::npos);
  EXPECT_TRUE(hasher_.Verify(user.password_hash, "secret-pass"));
  EXPECT_FALSE(hasher_.Verify(user.password_hash, "secret-pasS"));
  auto stream = store_->ReadStream({"User", "wang.fang"});
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->size(), 1u);
}

TEST_F(UsersAppTest, SameRequestIdTwiceCreatesOnce) {
  NewUser r{.username = "li.na", .display_name = "Li Na", .role = "care"};
  ASSERT_TRUE(app_->CreateUser(Meta("req-1"), r, "secret-pass").ok());
  auto again = app_->CreateUser(Meta("req-1"), r, "secret-pass");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version, 1);
  EXPECT_EQ(app_->List()->size(), 1u);
  // A new request id for the same username is a duplicate.
  EXPECT_EQ(app_->CreateUser(Meta("req-2"), r, "secret-pass").status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(UsersAppTest, BadInputWritesNothing) {
  NewUser r{.username = "li.na", .display_name = "Li Na", .role = "care"};
  absl::Status s = app_->CreateUser(Meta("req-1"), r, "short").status();
  EXPECT_EQ(FieldOf(s).value_or(""), "password");
  r.role = "janitor";
  s = app_->CreateUser(Meta("req-2"), r, "long-enough").status();
  EXPECT_EQ(FieldOf(s).value_or(""), "role");
  EXPECT_TRUE(app_->List()->empty());
  EXPECT_EQ(*store_->CurrentVersion({"User", "li.na"}), 0);
  EXPECT_FALSE(store_->FindRequest("req-2")->has_value());
}

TEST_F(UsersAppTest, TechnicianIdBelongsToOneAccount) {
  MustCreate("zhao.lei", "technician", "T01");
  NewUser r{.username = "other", .display_name = "Other", .role = "technician", .technician_id = "T01"};
  absl::Status s = app_->CreateUser(Meta("c2"), r, "secret-pass").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldOf(s).value_or(""), "technician_id");
  auto found = app_->FindByActor(Actor{"T01", "technician"});
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->username, "zhao.lei");
}

TEST_F(UsersAppTest, LoginSuccessAndFailureAreBothRecorded) {
  MustCreate("wang.fang");
  EXPECT_EQ(Login("wang.fang", "wrong-pass").failure, LoginFailure::kWrongPassword);
  clock_.Advance(absl::Minutes(1));
  LoginResult ok = Login("wang.fang", "secret-pass");
  EXPECT_EQ(ok.failure, LoginFailure::kNone);
  EXPECT_EQ(ok.user.last_login_at, clock_.Now());
  auto history = app_->Logins("wang.fang", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_TRUE((*history)[0].success);  // newest first
  EXPECT_EQ((*history)[0].client_address, "192.0.2.7");
  EXPECT_EQ((*history)[0].user_agent, "TestBrowser/1.0");
  EXPECT_FALSE((*history)[1].success);
  EXPECT_EQ((*history)[1].failure, LoginFailure::kWrongPassword);
  EXPECT_EQ(app_->Logins("wang.fang", 1)->size(), 1u);
}

TEST_F(UsersAppTest, UnknownUserIsRecordedAndLooksLikeAWrongPassword) {
  EXPECT_EQ(Login("nobody", "whatever-pass").failure, LoginFailure::kUnknownUser);
  EXPECT_EQ(*store_->CurrentVersion({"UnknownLogin", "nobody"}), 1);
  EXPECT_EQ(Login("NOT VALID!", "x").failure, LoginFailure::kUnknownUser);
  EXPECT_EQ(*store_->CurrentVersion({"UnknownLogin", "(malformed)"}), 1);
}

TEST_F(UsersAppTest, LockoutAfterFiveFailuresAndUnlockAfterFifteenMinutes) {
  MustCreate("wang.fang");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Login("wang.fang", "bad-pass").locked_until, absl::InfinitePast());
  }
  LoginResult fifth = Login("wang.fang", "bad-pass");
  EXPECT_EQ(fifth.locked_until, kT0 + absl::Minutes(15));
  clock_.Advance(absl::Minutes(14));
  LoginResult locked = Login("wang.fang", "secret-pass");
  EXPECT_EQ(locked.failure, LoginFailure::kLocked);
  EXPECT_EQ(locked.locked_until, kT0 + absl::Minutes(15));
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(Login("wang.fang", "secret-pass").failure, LoginFailure::kNone);
  EXPECT_EQ(app_->Logins("wang.fang", 100)->size(), 7u);
}

TEST_F(UsersAppTest, DepartedUserCannotSignIn) {
  MustCreate("wang.fang");
  ASSERT_TRUE(app_->Depart(Meta("d1"), "wang.fang").ok());
  // Twice with the same request id: one effect.
  ASSERT_TRUE(app_->Depart(Meta("d1"), "wang.fang").ok());
  EXPECT_EQ(*store_->CurrentVersion({"User", "wang.fang"}), 2);
  EXPECT_EQ(Login("wang.fang", "secret-pass").failure, LoginFailure::kDeparted);
  EXPECT_EQ(app_->Depart(Meta("d2"), "nobody").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(UsersAppTest, ChangePassword) {
  MustCreate("wang.fang");
  CommandMeta meta = Meta("p1");
  meta.actor = Actor{"wang.fang", "dispatcher"};
  absl::Status wrong = app_->ChangePassword(meta, "wang.fang", "not-it-at-all", "new-secret");
  EXPECT_EQ(FieldOf(wrong).value_or(""), "old_password");
  EXPECT_EQ(FieldOf(app_->ChangePassword(meta, "wang.fang", "secret-pass", "short")).value_or(""),
            "new_password");
  ASSERT_TRUE(app_->ChangePassword(Meta("p2"), "wang.fang", "secret-pass", "new-secret").ok());
  EXPECT_EQ(Login("wang.fang", "secret-pass").failure, LoginFailure::kWrongPassword);
  EXPECT_EQ(Login("wang.fang", "new-secret").failure, LoginFailure::kNone);
}

TEST_F(UsersAppTest, SetPermissions) {
  MustCreate("chen.jie", "manager");
  auto user = app_->SetPermissions(Meta("s1"), "chen.jie", {"export"});
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->permissions, std::vector<std::string>{"export"});
  EXPECT_EQ(FieldOf(app_->SetPermissions(Meta("s2"), "chen.jie", {"Bad Perm"}).status()).value_or(""),
            "permissions");
  EXPECT_EQ(app_->Get("chen.jie")->permissions, std::vector<std::string>{"export"});
}

TEST_F(UsersAppTest, DemoUsersOnlyWhenEmpty) {
  auto created = app_->EnsureDemoUsers();
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(*created, 7);
  EXPECT_EQ(*app_->EnsureDemoUsers(), 0);
  EXPECT_EQ(Login("dispatcher", "demo-dispatcher").failure, LoginFailure::kNone);
  User tech = Login("technician", "demo-technician").user;
  EXPECT_EQ(tech.technician_id, "T01");
  EXPECT_EQ(app_->Get("manager")->permissions, std::vector<std::string>{"export"});
}

}  // namespace
}  // namespace fieldline::gateway
