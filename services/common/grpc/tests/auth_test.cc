#include "services/common/grpc/auth.h"

#include <jwt.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace fieldline {
namespace {

constexpr char kSecret[] = "test-secret-of-some-length";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// Signs arbitrary claims with libjwt directly, for tokens IssueToken refuses to make.
std::string SignRaw(jwt_alg_t alg, std::string_view secret,
                    const std::vector<std::pair<std::string, std::string>>& strings,
                    const std::vector<std::pair<std::string, long>>& ints) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  for (const auto& [k, v] : strings) jwt_add_grant(jwt, k.c_str(), v.c_str());
  for (const auto& [k, v] : ints) jwt_add_grant_int(jwt, k.c_str(), v);
  if (alg == JWT_ALG_NONE) {
    jwt_set_alg(jwt, alg, nullptr, 0);
  } else {
    jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(secret.data()),
                static_cast<int>(secret.size()));
  }
  char* encoded = jwt_encode_str(jwt);
  std::string out = encoded ? encoded : "";
  std::free(encoded);
  jwt_free(jwt);
  return out;
}

long Exp() { return static_cast<long>(absl::ToUnixSeconds(kNow + absl::Hours(1))); }

TEST(TokenTest, AnIssuedTokenVerifiesToTheSameActor) {
  absl::StatusOr<std::string> token =
      IssueToken(kSecret, Actor{"u-17", "dispatcher"}, kNow, absl::Hours(8));
  ASSERT_TRUE(token.ok()) << token.status();
  absl::StatusOr<Actor> actor = TokenVerifier(kSecret).Verify(*token, kNow + absl::Hours(1));
  ASSERT_TRUE(actor.ok()) << actor.status();
  EXPECT_EQ(actor->user_id, "u-17");
  EXPECT_EQ(actor->role, "dispatcher");
}

TEST(TokenTest, PermissionsTravelInTheTokenAndAreChecked) {
  absl::StatusOr<std::string> token = IssueToken(
      kSecret, Actor{"u-3", "manager", {"export", "reports"}}, kNow, absl::Hours(1));
  ASSERT_TRUE(token.ok()) << token.status();
  absl::StatusOr<Actor> actor = TokenVerifier(kSecret).Verify(*token, kNow);
  ASSERT_TRUE(actor.ok()) << actor.status();
  EXPECT_EQ(actor->permissions, (std::vector<std::string>{"export", "reports"}));
  EXPECT_TRUE(RequirePermission(*actor, "export").ok());
  absl::Status denied = RequirePermission(*actor, "payroll");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("payroll"), std::string::npos);
}

TEST(TokenTest, WithoutPermissionsOnlyAnAdminMayExport) {
  absl::StatusOr<std::string> token =
      IssueToken(kSecret, Actor{"u-4", "manager"}, kNow, absl::Hours(1));
  ASSERT_TRUE(token.ok());
  absl::StatusOr<Actor> manager = TokenVerifier(kSecret).Verify(*token, kNow);
  ASSERT_TRUE(manager.ok());
  EXPECT_TRUE(manager->permissions.empty());
  EXPECT_EQ(RequirePermission(*manager, "export").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(RequirePermission(Actor{"root", "admin"}, "export").ok());
}

TEST(TokenTest, APermissionNameWithACommaIsRefused) {
  absl::StatusOr<std::string> token =
      IssueToken(kSecret, Actor{"u-5", "manager", {"a,b"}}, kNow, absl::Hours(1));
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TokenTest, EveryRoleCanBeIssuedAndVerified) {
  for (const char* role :
       {"intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"}) {
    absl::StatusOr<std::string> token = IssueToken(kSecret, Actor{"u", role}, kNow, absl::Hours(1));
    ASSERT_TRUE(token.ok()) << role;
    absl::StatusOr<Actor> actor = TokenVerifier(kSecret).Verify(*token, kNow);
    ASSERT_TRUE(actor.ok()) << role << ": " << actor.status();
    EXPECT_EQ(actor->role, role);
  }
}

TEST(TokenTest, AnExpiredTokenIsRejectedWithAnExpiryMessage) {
  std::string token = *IssueToken(kSecret, Actor{"u-1", "care"}, kNow, absl::Minutes(10));
  absl::StatusOr<Actor> actor = TokenVerifier(kSecret).Verify(token, kNow + absl::Minutes(10));
  EXPECT_EQ(actor.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(actor.status().message(), "Your access token has expired; sign in again.");
  EXPECT_TRUE(TokenVerifier(kSecret).Verify(token, kNow + absl::Minutes(9)).ok());
}

TEST(TokenTest, ATokenSignedWithAnotherSecretIsInvalid) {
  std::string token = *IssueToken("another-secret", Actor{"u-1", "care"}, kNow, absl::Hours(1));
  absl::StatusOr<Actor> actor = TokenVerifier(kSecret).Verify(token, kNow);
  EXPECT_EQ(actor.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(actor.status().message(), "This access token is not valid.");
}

TEST(TokenTest, GarbageIsInvalid) {
  for (const char* garbage : {"garbage", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9.e30.xxxx"}) {
    absl::StatusOr<Actor> actor = TokenVerifier(kSecret).Verify(garbage, kNow);
    EXPECT_EQ(actor.status().code(), absl::StatusCode::kUnauthenticated) << garbage;
    EXPECT_EQ(actor.status().message(), "This access token is not valid.");
  }
}

TEST(TokenTest, ATamperedPayloadIsInvalid) {
  std::string token = *IssueToken(kSecret, Actor{"u-1", "care"}, kNow, absl::Hours(1));
  std::string admin = *IssueToken("other", Actor{"u-1", "admin"}, kNow, absl::Hours(1));
  // Header and signature of the real token, payload of another one.
  const size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  const size_t adot1 = admin.find('.'), adot2 = admin.rfind('.');
  std::string forged =
      token.substr(0, dot1 + 1) + admin.substr(adot1 + 1, adot2 - adot1 - 1) + token.substr(dot2);
  EXPECT_EQ(TokenVerifier(kSecret).Verify(forged, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenTest, AnEmptyTokenAsksTheUserToSignIn) {
  absl::StatusOr<Actor> actor = TokenVerifier(kSecret).Verify("", kNow);
  EXPECT_EQ(actor.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(actor.status().message(), "Sign in first: this request carries no access token.");
}

TEST(TokenTest, ATokenWithoutARoleIsInvalid) {
  std::string token = SignRaw(JWT_ALG_HS256, kSecret, {{"sub", "u-1"}}, {{"exp", Exp()}});
  EXPECT_EQ(TokenVerifier(kSecret).Verify(token, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenTest, ATokenWithAnUnknownRoleIsInvalid) {
  std::string token =
      SignRaw(JWT_ALG_HS256, kSecret, {{"sub", "u-1"}, {"role", "root"}}, {{"exp", Exp()}});
  EXPECT_EQ(TokenVerifier(kSecret).Verify(token, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenTest, ATokenWithoutAUserIsInvalid) {
  std::string token = SignRaw(JWT_ALG_HS256, kSecret, {{"role", "care"}}, {{"exp", Exp()}});
  EXPECT_EQ(TokenVerifier(kSecret).Verify(token, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenTest, ATokenWithoutExpiryIsInvalid) {
  std::string token = SignRaw(JWT_ALG_HS256, kSecret, {{"sub", "u-1"}, {"role", "care"}}, {});
  absl::StatusOr<Actor> actor = TokenVerifier(kSecret).Verify(token, kNow);
  EXPECT_EQ(actor.status().message(), "This access token is not valid.");
}

TEST(TokenTest, OnlyHs256IsAccepted) {
  std::string unsigned_token =
      SignRaw(JWT_ALG_NONE, "", {{"sub", "u-1"}, {"role", "admin"}}, {{"exp", Exp()}});
  ASSERT_FALSE(unsigned_token.empty());
  EXPECT_EQ(TokenVerifier(kSecret).Verify(unsigned_token, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
  std::string hs512 =
      SignRaw(JWT_ALG_HS512, kSecret, {{"sub", "u-1"}, {"role", "admin"}}, {{"exp", Exp()}});
  ASSERT_FALSE(hs512.empty());
  EXPECT_EQ(TokenVerifier(kSecret).Verify(hs512, kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenTest, AVerifierWithoutASecretAcceptsNothing) {
  std::string token = *IssueToken(kSecret, Actor{"u-1", "care"}, kNow, absl::Hours(1));
  EXPECT_FALSE(TokenVerifier("").Verify(token, kNow).ok());
}

TEST(TokenTest, IssuingRefusesUnknownRolesAndMissingUsers) {
  EXPECT_EQ(IssueToken(kSecret, Actor{"u", "root"}, kNow, absl::Hours(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(IssueToken(kSecret, Actor{"", "care"}, kNow, absl::Hours(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(IssueToken("", Actor{"u", "care"}, kNow, absl::Hours(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RequireRoleTest, AnAllowedRolePasses) {
  EXPECT_TRUE(RequireRole(Actor{"u", "care"}, {"care", "manager"}).ok());
  EXPECT_TRUE(RequireRole(Actor{"u", "manager"}, {"care", "manager"}).ok());
}

TEST(RequireRoleTest, AdminIsAlwaysAllowed) {
  EXPECT_TRUE(RequireRole(Actor{"u", "admin"}, {"care"}).ok());
  EXPECT_TRUE(RequireRole(Actor{"u", "admin"}, {}).ok());
}

TEST(RequireRoleTest, AnotherRoleIsDeniedWithTheRolesThatMay) {
  absl::Status denied = RequireRole(Actor{"u", "technician"}, {"care", "manager"});
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "A technician may not do this; it needs one of: care, manager, admin.");
}

}  // namespace
}  // namespace fieldline
