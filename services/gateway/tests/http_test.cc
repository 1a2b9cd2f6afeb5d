// The gateway over HTTP against the real intake and scheduling services in process (real gRPC,
// real signed tokens, EventStores in temp dirs), with an httplib client on a free port.

#include <httplib.h>

#include <fstream>
#include <memory>
#include <string>
#include <future>
#include <thread>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/grpc/auth.h"
#include "services/common/grpc/server.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/gateway/http/bridge.h"
#include "services/gateway/http/gateway.h"
#include "services/gateway/users/users_app.h"
#include "services/intake/adapters/grpc_service.h"
#include "services/intake/app/intake_app.h"
#include "services/scheduling/adapters/grpc_service.h"
#include "services/scheduling/app/scheduling_app.h"

namespace fieldline::gateway {
namespace {

using nlohmann::json;

constexpr char kSecret[] = "gateway-http-test-secret";

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

class GatewayHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto intake_store = EventStore::Open({.path = dir_.Sub("intake")});
    ASSERT_TRUE(intake_store.ok());
    intake_store_ = *std::move(intake_store);
    auto scheduling_store = EventStore::Open({.path = dir_.Sub("scheduling")});
    ASSERT_TRUE(scheduling_store.ok());
    scheduling_store_ = *std::move(scheduling_store);
    auto users_store = EventStore::Open({.path = dir_.Sub("users")});
    ASSERT_TRUE(users_store.ok());
    users_store_ = *std::move(users_store);

    intake_app_ = std::make_unique<intake::IntakeApp>(*intake_store_, clock_, ids_);
    intake_service_ = std::make_unique<intake::IntakeGrpcService>(*intake_app_, verifier_, clock_);
    scheduling_app_ = std::make_unique<scheduling::SchedulingApp>(*scheduling_store_, clock_, ids_);
    scheduling_service_ =
        std::make_unique<scheduling::SchedulingGrpcService>(*scheduling_app_, verifier_, clock_);
    auto server = GrpcServer::Start("127.0.0.1:0", {intake_service_.get(), scheduling_service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    grpc_ = *std::move(server);

    users_ = std::make_unique<UsersApp>(*users_store_, clock_, ids_, hasher_);
    ASSERT_TRUE(users_->EnsureDemoUsers().ok());

    std::filesystem::create_directories(dir_.Sub("web/js"));
    WriteFile(dir_.Sub("web/index.html"), "<!doctype html><title>Fieldline</title>");
    WriteFile(dir_.Sub("web/sw.js"), "self.addEventListener('fetch', () => {});");
    WriteFile(dir_.Sub("web/js/app.js"), "export const app = 1;");
    WriteFile(dir_.Sub("secret.txt"), "do not serve");

    GatewayOptions options;
    options.listen = "127.0.0.1:0";
    options.auth_secret = kSecret;
    options.web_root = dir_.Sub("web");
    const std::string grpc_address = "127.0.0.1:" + std::to_string(grpc_->port());
    options.services = {{"intake", grpc_address},
                        {"scheduling", grpc_address},
                        {"inventory", "127.0.0.1:1"},
                        {"callbacks", "127.0.0.1:1"}};
    options.call_timeout = absl::Seconds(5);
    options.keep_alive = absl::Milliseconds(50);
    options.descriptor_set_file = FIELDLINE_GATEWAY_DESCRIPTORS;
    auto gateway = Gateway::Start(options, *users_, clock_);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
    client_->set_read_timeout(30, 0);
  }

  void TearDown() override {
    if (gateway_) gateway_->Stop();
    if (grpc_) grpc_->Shutdown(absl::Seconds(1));
  }

  struct Reply {
    int status = 0;
    json body;
    std::string raw;
  };

  static Reply ToReply(const httplib::Result& result) {
    Reply reply;
    if (!result) return reply;
    reply.status = result->status;
    reply.raw = result->body;
    reply.body = json::parse(result->body, nullptr, false);
    return reply;
  }

  static httplib::Headers Auth(const std::string& token) {
    if (token.empty()) return {};
    return {{"Authorization", "Bearer " + token}};
  }

  Reply Post(const std::string& path, const std::string& body, const std::string& token = "") {
    return ToReply(client_->Post(path.c_str(), Auth(token), body, "application/json"));
  }
  Reply Put(const std::string& path, const std::string& body, const std::string& token = "") {
    return ToReply(client_->Put(path.c_str(), Auth(token), body, "application/json"));
  }
  Reply Get(const std::string& path, const std::string& token = "") {
    return ToReply(client_->Get(path.c_str(), Auth(token)));
  }

  Reply Login(const std::string& username, const std::string& password) {
    return Post("/api/v1/auth/login", json{{"username", username}, {"password", password}}.dump());
  }

  std::string TokenOf(const std::string& role) {
    Reply reply = Login(role, "demo-" + role);
    EXPECT_EQ(reply.status, 200) << reply.raw;
    return reply.body.value("token", "");
  }

  static std::string Ticket(const std::string& request_id) {
    return json{{"request_id", request_id},
                {"customer",
                 {{"name", "Li Wei"},
                  {"phone", "+86 138-0013-8000"},
                  {"address", "12 Garden Road, Qingdao"},
                  {"location", {{"lat", 36.07}, {"lng", 120.38}}}}},
                {"category", "refrigerator"},
                {"symptom", "Not cooling since yesterday."},
                {"priority", "PRIORITY_URGENT"},
                {"channel", "phone"}}
        .dump();
  }

  static void ExpectError(const Reply& reply, int status, const std::string& code,
                          const std::string& field = "") {
    EXPECT_EQ(reply.status, status) << reply.raw;
    ASSERT_TRUE(reply.body.is_object()) << reply.raw;
    ASSERT_TRUE(reply.body.contains("error")) << reply.raw;
    EXPECT_EQ(reply.body["error"].value("code", ""), code) << reply.raw;
    EXPECT_FALSE(reply.body["error"].value("message", "").empty()) << reply.raw;
    if (!field.empty()) EXPECT_EQ(reply.body["error"].value("field", ""), field) << reply.raw;
  }

  fieldline::testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()))};
  UuidV7Generator ids_;
  TokenVerifier verifier_{kSecret};
  PasswordHasher hasher_ = PasswordHasher::Interactive();
  std::unique_ptr<EventStore> intake_store_, scheduling_store_, users_store_;
  std::unique_ptr<intake::IntakeApp> intake_app_;
  std::unique_ptr<intake::IntakeGrpcService> intake_service_;
  std::unique_ptr<scheduling::SchedulingApp> scheduling_app_;
  std::unique_ptr<scheduling::SchedulingGrpcService> scheduling_service_;
  std::unique_ptr<GrpcServer> grpc_;
  std::unique_ptr<UsersApp> users_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<httplib::Client> client_;
};

// --- the bridge ---

TEST_F(GatewayHttpTest, JsonInJsonOutThroughTheRealService) {
  const std::string token = TokenOf("intake");
  Reply opened = Post("/api/v1/intake/OpenTicket", Ticket("open-1"), token);
  ASSERT_EQ(opened.status, 200) << opened.raw;
  const std::string ticket_id = opened.body.value("aggregate_id", "");
  ASSERT_FALSE(ticket_id.empty()) << opened.raw;
  EXPECT_EQ(opened.body["version"], "1");  // int64 as a string (protobuf JSON mapping)

  // The same request id again: one ticket.
  Reply again = Post("/api/v1/intake/OpenTicket", Ticket("open-1"), token);
  EXPECT_EQ(again.body.value("aggregate_id", ""), ticket_id);

  Reply ticket = Post("/api/v1/intake/GetTicket", json{{"ticket_id", ticket_id}}.dump(), token);
  ASSERT_EQ(ticket.status, 200) << ticket.raw;
  EXPECT_EQ(ticket.body["ticket_id"], ticket_id);
  EXPECT_EQ(ticket.body["priority"], "PRIORITY_URGENT");  // enums by name
  EXPECT_TRUE(ticket.body.contains("parts_needed"));      // snake_case, defaults included
  EXPECT_TRUE(ticket.body.contains("job_id"));
  EXPECT_EQ(ticket.body["job_id"], "");
}

TEST_F(GatewayHttpTest, LowerCamelCaseIsAcceptedToo) {
  const std::string token = TokenOf("intake");
  std::string body = Ticket("camel-1");
  body.replace(body.find("\"request_id\""), 12, "\"requestId\"");
  Reply opened = Post("/api/v1/intake/OpenTicket", body, token);
  EXPECT_EQ(opened.status, 200) << opened.raw;
}

TEST_F(GatewayHttpTest, BodyThatIsNotJsonForTheMessageIs400) {
  const std::string token = TokenOf("intake");
  Reply broken = Post("/api/v1/intake/OpenTicket", "{not json", token);
  ExpectError(broken, 400, "INVALID_ARGUMENT");
  EXPECT_NE(broken.body["error"].value("message", "").find("OpenTicketRequest"), std::string::npos);
  Reply unknown_field = Post("/api/v1/intake/OpenTicket", R"({"no_such_field": 1})", token);
  ExpectError(unknown_field, 400, "INVALID_ARGUMENT");
  Reply wrong_type = Post("/api/v1/intake/GetTicket", R"({"ticket_id": {"a": 1}})", token);
  ExpectError(wrong_type, 400, "INVALID_ARGUMENT");
}

TEST_F(GatewayHttpTest, UnknownServiceOrMethodIs404) {
  const std::string token = TokenOf("intake");
  ExpectError(Post("/api/v1/billing/Pay", "{}", token), 404, "NOT_FOUND");
  ExpectError(Post("/api/v1/intake/NoSuchMethod", "{}", token), 404, "NOT_FOUND");
  // Streams only through the event-stream endpoint.
  Reply stream = Post("/api/v1/scheduling/WatchBoard", "{}", TokenOf("dispatcher"));
  ExpectError(stream, 404, "NOT_FOUND");
  EXPECT_NE(stream.body["error"].value("message", "").find("/events"), std::string::npos);
  ExpectError(Get("/api/v1/intake/OpenTicket", token), 404, "NOT_FOUND");
}

TEST_F(GatewayHttpTest, MissingTokenIs401FromTheService) {
  Reply reply = Post("/api/v1/intake/OpenTicket", Ticket("t-1"));
  ExpectError(reply, 401, "UNAUTHENTICATED");
  ExpectError(Post("/api/v1/intake/OpenTicket", Ticket("t-1"), "not-a-token"), 401,
              "UNAUTHENTICATED");
}

TEST_F(GatewayHttpTest, WrongRoleIs403FromTheService) {
  Reply reply = Post("/api/v1/intake/OpenTicket", Ticket("t-1"), TokenOf("warehouse"));
  ExpectError(reply, 403, "PERMISSION_DENIED");
}

TEST_F(GatewayHttpTest, InvalidArgumentIs400WithTheField) {
  json ticket = json::parse(Ticket("t-1"));
  ticket["customer"]["phone"] = "12ab";
  Reply reply = Post("/api/v1/intake/OpenTicket", ticket.dump(), TokenOf("intake"));
  ExpectError(reply, 400, "INVALID_ARGUMENT", "customer.phone");
}

TEST_F(GatewayHttpTest, NotFoundIs404AndConflictIs409) {
  const std::string token = TokenOf("dispatcher");
  ExpectError(Post("/api/v1/intake/GetTicket", R"({"ticket_id":"nope"})", token), 404, "NOT_FOUND");
  json tech = {{"request_id", "r1"}, {"technician_id", "T-7"}, {"name", "Li Wei"},
               {"phone", "+86 138 0000 0000"}, {"skills", {"boiler"}},
               {"home_base", {{"lat", 31.2}, {"lng", 121.5}}}, {"van_location_id", "van-7"}};
  ASSERT_EQ(Post("/api/v1/scheduling/RegisterTechnician", tech.dump(), token).status, 200);
  tech["request_id"] = "r2";
  ExpectError(Post("/api/v1/scheduling/RegisterTechnician", tech.dump(), token), 409,
              "ALREADY_EXISTS");
}

TEST_F(GatewayHttpTest, UnreachableServiceIs503) {
  ExpectError(Post("/api/v1/inventory/ListParts", "{}", TokenOf("warehouse")), 503, "UNAVAILABLE");
}

TEST(GatewayErrorMap, EveryCodeHasItsStatus) {
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::OUT_OF_RANGE), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::ALREADY_EXISTS), 409);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::ABORTED), 409);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::FAILED_PRECONDITION), 409);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::INTERNAL), 500);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNKNOWN), 500);
  HttpReply reply = FromGrpc(grpc::Status(grpc::StatusCode::ABORTED, "Someone else changed it."),
                             "version");
  EXPECT_EQ(reply.status, 409);
  json body = json::parse(reply.body);
  EXPECT_EQ(body["error"]["code"], "ABORTED");
  EXPECT_EQ(body["error"]["message"], "Someone else changed it.");
  EXPECT_EQ(body["error"]["field"], "version");
  EXPECT_FALSE(json::parse(FromGrpc(grpc::Status(grpc::StatusCode::NOT_FOUND, "x"), "").body)["error"]
                   .contains("field"));
}

// --- login and accounts ---

TEST_F(GatewayHttpTest, LoginReturnsTokenUserAndExpiry) {
  Reply reply = Login("technician", "demo-technician");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_FALSE(reply.body.value("token", "").empty());
  EXPECT_EQ(reply.body["expires_at"],
            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now() + absl::Minutes(15), absl::UTCTimeZone()));
  EXPECT_EQ(reply.body["session_expires_at"],
            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now() + absl::Hours(12), absl::UTCTimeZone()));
  EXPECT_FALSE(reply.body.value("refresh_token", "").empty());
  const json& user = reply.body["user"];
  EXPECT_EQ(user["username"], "technician");
  EXPECT_EQ(user["role"], "technician");
  EXPECT_EQ(user["technician_id"], "T01");
  EXPECT_TRUE(user["permissions"].is_array());
  EXPECT_TRUE(user.contains("display_name"));
  EXPECT_TRUE(user.contains("language"));
  // The technician's token carries the technician id as its user.
  auto actor = verifier_.Verify(reply.body["token"].get<std::string>(), clock_.Now());
  ASSERT_TRUE(actor.ok());
  EXPECT_EQ(actor->user_id, "T01");
  EXPECT_EQ(actor->role, "technician");
  // The manager's token carries "export".
  auto manager = verifier_.Verify(TokenOf("manager"), clock_.Now());
  ASSERT_TRUE(manager.ok());
  EXPECT_EQ(manager->permissions, std::vector<std::string>{"export"});
}

TEST_F(GatewayHttpTest, WrongPasswordAndUnknownUserAre401) {
  ExpectError(Login("dispatcher", "demo-wrong"), 401, "UNAUTHENTICATED");
  ExpectError(Login("nobody", "demo-wrong"), 401, "UNAUTHENTICATED");
  ExpectError(Post("/api/v1/auth/login", R"({"password":"x"})"), 400, "INVALID_ARGUMENT", "username");
  ExpectError(Post("/api/v1/auth/login", R"({"username":"dispatcher"})"), 400, "INVALID_ARGUMENT",
              "password");
  ExpectError(Post("/api/v1/auth/login", "[1,2]"), 400, "INVALID_ARGUMENT");
}

TEST_F(GatewayHttpTest, FiveFailuresLockTheAccountFor15Minutes) {
  for (int i = 0; i < 4; ++i) ExpectError(Login("care", "demo-wrong"), 401, "UNAUTHENTICATED");
  Reply fifth = Login("care", "demo-wrong");
  EXPECT_EQ(fifth.status, 423) << fifth.raw;
  const std::string until =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now() + absl::Minutes(15), absl::UTCTimeZone());
  EXPECT_EQ(fifth.body.value("locked_until", ""), until);
  // Even the right password is refused while locked.
  Reply locked = Login("care", "demo-care");
  EXPECT_EQ(locked.status, 423) << locked.raw;
  EXPECT_EQ(locked.body.value("locked_until", ""), until);
  EXPECT_EQ(locked.body["error"].value("code", ""), "LOCKED");
  clock_.Advance(absl::Minutes(15));
  EXPECT_EQ(Login("care", "demo-care").status, 200);
}

TEST_F(GatewayHttpTest, LoginHistoryShowsEveryAttempt) {
  client_->set_default_headers({{"User-Agent", "PhoneBrowser/2.0"}});
  ASSERT_EQ(Login("dispatcher", "demo-wrong").status, 401);
  ASSERT_EQ(Login("dispatcher", "demo-dispatcher").status, 200);
  client_->set_default_headers({});
  Reply history = Get("/api/v1/admin/users/dispatcher/logins", TokenOf("admin"));
  ASSERT_EQ(history.status, 200) << history.raw;
  const json& logins = history.body["logins"];
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[0]["success"], true);
  EXPECT_EQ(logins[1]["success"], false);
  EXPECT_EQ(logins[1]["failure"], "WRONG_PASSWORD");
  EXPECT_EQ(logins[0]["client_address"], "127.0.0.1");
  EXPECT_EQ(logins[0]["user_agent"], "PhoneBrowser/2.0");
  EXPECT_FALSE(logins[0].value("time", "").empty());
  ExpectError(Get("/api/v1/admin/users/nobody/logins", TokenOf("admin")), 404, "NOT_FOUND", "username");
  ExpectError(Get("/api/v1/admin/users/dispatcher/logins?limit=0", TokenOf("admin")), 400,
              "INVALID_ARGUMENT", "limit");
}

TEST_F(GatewayHttpTest, MeAndChangePassword) {
  const std::string token = TokenOf("dispatcher");
  Reply me = Get("/api/v1/auth/me", token);
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body["username"], "dispatcher");
  ExpectError(Get("/api/v1/auth/me"), 401, "UNAUTHENTICATED");

  ExpectError(Post("/api/v1/auth/password",
                   R"({"old_password":"not-the-one","new_password":"brand-new-pass"})", token),
              400, "INVALID_ARGUMENT", "old_password");
  ExpectError(Post("/api/v1/auth/password",
                   R"({"old_password":"demo-dispatcher","new_password":"short"})", token),
              400, "INVALID_ARGUMENT", "new_password");
  ExpectError(Post("/api/v1/auth/password", R"({"old_password":"a","new_password":"bbbbbbbbb"})"),
              401, "UNAUTHENTICATED");
  ASSERT_EQ(Post("/api/v1/auth/password",
                 R"({"old_password":"demo-dispatcher","new_password":"brand-new-pass"})", token)
                .status,
            200);
  EXPECT_EQ(Login("dispatcher", "demo-dispatcher").status, 401);
  EXPECT_EQ(Login("dispatcher", "brand-new-pass").status, 200);
}

TEST_F(GatewayHttpTest, TechnicianMeFindsTheAccountByTechnicianId) {
  Reply me = Get("/api/v1/auth/me", TokenOf("technician"));
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body["username"], "technician");
  EXPECT_EQ(me.body["technician_id"], "T01");
}

TEST_F(GatewayHttpTest, AdminCreatesUsersAndHashesNeverLeave) {
  const std::string admin = TokenOf("admin");
  Reply created = Post("/api/v1/admin/users",
                       json{{"username", "zhao.lei"}, {"display_name", "Zhao Lei"},
                            {"role", "technician"}, {"technician_id", "T07"},
                            {"password", "first-pass-1"}, {"permissions", json::array()}}
                           .dump(),
                       admin);
  ASSERT_EQ(created.status, 200) << created.raw;
  EXPECT_EQ(created.body["technician_id"], "T07");
  Reply login = Login("zhao.lei", "first-pass-1");
  ASSERT_EQ(login.status, 200) << login.raw;
  Reply list = Get("/api/v1/admin/users", admin);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["users"].size(), 8u);
  for (const Reply& r : {created, login, list, Get("/api/v1/auth/me", TokenOf("dispatcher"))}) {
    EXPECT_EQ(r.raw.find("argon2"), std::string::npos) << r.raw;
    EXPECT_EQ(r.raw.find("password"), std::string::npos) << r.raw;
  }
  ExpectError(Post("/api/v1/admin/users",
                   json{{"username", "x y"}, {"display_name", "X"}, {"role", "care"},
                        {"password", "first-pass-1"}}.dump(),
                   admin),
              400, "INVALID_ARGUMENT", "username");
  ExpectError(Post("/api/v1/admin/users",
                   json{{"username", "zhao.lei"}, {"display_name", "X"}, {"role", "care"},
                        {"password", "first-pass-1"}}.dump(),
                   admin),
              409, "ALREADY_EXISTS", "username");
  ExpectError(Post("/api/v1/admin/users",
                   json{{"username", "abc"}, {"display_name", "X"}, {"role", "care"},
                        {"password", "first-pass-1"}, {"permissions", "export"}}.dump(),
                   admin),
              400, "INVALID_ARGUMENT", "permissions");
}

TEST_F(GatewayHttpTest, PermissionsChangeTheNextToken) {
  const std::string admin = TokenOf("admin");
  Reply set = Put("/api/v1/admin/users/dispatcher/permissions", R"({"permissions":["export"]})", admin);
  ASSERT_EQ(set.status, 200) << set.raw;
  EXPECT_EQ(set.body["permissions"], json::array({"export"}));
  auto actor = verifier_.Verify(TokenOf("dispatcher"), clock_.Now());
  ASSERT_TRUE(actor.ok());
  EXPECT_EQ(actor->permissions, std::vector<std::string>{"export"});
  ExpectError(Put("/api/v1/admin/users/dispatcher/permissions", "{}", admin), 400,
              "INVALID_ARGUMENT", "permissions");
  ExpectError(Put("/api/v1/admin/users/nobody/permissions", R"({"permissions":[]})", admin), 404,
              "NOT_FOUND", "username");
}

TEST_F(GatewayHttpTest, DepartedStaffCannotSignInAndTheirTokensStopWorking) {
  const std::string token = TokenOf("intake");
  ASSERT_EQ(Post("/api/v1/intake/OpenTicket", Ticket("before"), token).status, 200);
  Reply departed = Post("/api/v1/admin/users/intake/depart", "{}", TokenOf("admin"));
  ASSERT_EQ(departed.status, 200) << departed.raw;
  EXPECT_EQ(departed.body["departed"], true);
  ExpectError(Login("intake", "demo-intake"), 403, "PERMISSION_DENIED");
  ExpectError(Post("/api/v1/intake/OpenTicket", Ticket("after"), token), 401, "UNAUTHENTICATED");
  ExpectError(Get("/api/v1/auth/me", token), 401, "UNAUTHENTICATED");
  ExpectError(Post("/api/v1/admin/users/intake/depart", "{}", TokenOf("admin")), 409,
              "FAILED_PRECONDITION");
  ExpectError(Post("/api/v1/admin/users/admin/depart", "{}", TokenOf("admin")), 409,
              "FAILED_PRECONDITION");
}

// --- short-lived access tokens and their refresh ---

TEST_F(GatewayHttpTest, RefreshGivesANewAccessTokenWithTheCurrentPermissions) {
  Reply login = Login("dispatcher", "demo-dispatcher");
  ASSERT_EQ(login.status, 200) << login.raw;
  const std::string refresh_token = login.body.value("refresh_token", "");
  ASSERT_FALSE(refresh_token.empty());
  // An administrator grants "export" while the dispatcher is signed in.
  ASSERT_EQ(Put("/api/v1/admin/users/dispatcher/permissions", R"({"permissions":["export"]})",
                TokenOf("admin")).status, 200);
  clock_.Advance(absl::Minutes(14));
  Reply refreshed = Post("/api/v1/auth/refresh", json{{"refresh_token", refresh_token}}.dump());
  ASSERT_EQ(refreshed.status, 200) << refreshed.raw;
  EXPECT_EQ(refreshed.body["expires_at"],
            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now() + absl::Minutes(15), absl::UTCTimeZone()));
  EXPECT_EQ(refreshed.body["user"]["username"], "dispatcher");
  auto actor = verifier_.Verify(refreshed.body.value("token", ""), clock_.Now());
  ASSERT_TRUE(actor.ok()) << actor.status();
  EXPECT_EQ(actor->user_id, "dispatcher");
  EXPECT_EQ(actor->permissions, std::vector<std::string>{"export"});
  // The new token works at a service through the bridge.
  EXPECT_EQ(Post("/api/v1/scheduling/ListJobs", "{}", refreshed.body.value("token", "")).status, 200);
  // Refreshes are not sign-ins: the login history holds only the one sign-in.
  Reply history = Get("/api/v1/admin/users/dispatcher/logins", TokenOf("admin"));
  ASSERT_EQ(history.status, 200) << history.raw;
  EXPECT_EQ(history.body["logins"].size(), 1u) << history.raw;
}

TEST_F(GatewayHttpTest, RefreshIsRefusedToDepartedStaff) {
  Reply login = Login("intake", "demo-intake");
  ASSERT_EQ(login.status, 200) << login.raw;
  const std::string body = json{{"refresh_token", login.body.value("refresh_token", "")}}.dump();
  ASSERT_EQ(Post("/api/v1/auth/refresh", body).status, 200);
  ASSERT_EQ(Post("/api/v1/admin/users/intake/depart", "{}", TokenOf("admin")).status, 200);
  Reply refused = Post("/api/v1/auth/refresh", body);
  ExpectError(refused, 401, "UNAUTHENTICATED");
  EXPECT_NE(refused.body["error"].value("message", "").find("left"), std::string::npos) << refused.raw;
  EXPECT_FALSE(refused.body.contains("token"));
}

TEST_F(GatewayHttpTest, RefreshIsRefusedWhileTheAccountIsLocked) {
  Reply login = Login("care", "demo-care");
  ASSERT_EQ(login.status, 200) << login.raw;
  const std::string body = json{{"refresh_token", login.body.value("refresh_token", "")}}.dump();
  for (int i = 0; i < 5; ++i) Login("care", "demo-wrong");  // someone guesses: locked
  Reply refused = Post("/api/v1/auth/refresh", body);
  ExpectError(refused, 403, "PERMISSION_DENIED");
  EXPECT_FALSE(refused.body.value("locked_until", "").empty()) << refused.raw;
  clock_.Advance(absl::Minutes(15));
  EXPECT_EQ(Post("/api/v1/auth/refresh", body).status, 200);
}

TEST_F(GatewayHttpTest, RefreshNeedsALiveRefreshTokenNotAnAccessToken) {
  Reply login = Login("dispatcher", "demo-dispatcher");
  ASSERT_EQ(login.status, 200) << login.raw;
  const std::string access = login.body.value("token", "");
  const std::string refresh = login.body.value("refresh_token", "");
  ExpectError(Post("/api/v1/auth/refresh", "{}"), 400, "INVALID_ARGUMENT", "refresh_token");
  ExpectError(Post("/api/v1/auth/refresh", R"({"refresh_token":"abc"})"), 401, "UNAUTHENTICATED",
              "refresh_token");
  // An access token is not a refresh token, and a refresh token is not an access token: neither
  // the gateway's refresh nor a service accepts the other kind.
  ExpectError(Post("/api/v1/auth/refresh", json{{"refresh_token", access}}.dump()), 401,
              "UNAUTHENTICATED", "refresh_token");
  ExpectError(Post("/api/v1/scheduling/ListJobs", "{}", refresh), 401, "UNAUTHENTICATED");
  EXPECT_FALSE(verifier_.Verify(refresh, clock_.Now()).ok());
  // After the session's 12 hours the refresh token is over: sign in again.
  clock_.Advance(absl::Hours(12) + absl::Seconds(1));
  ExpectError(Post("/api/v1/auth/refresh", json{{"refresh_token", refresh}}.dump()), 401,
              "UNAUTHENTICATED", "refresh_token");
}

TEST_F(GatewayHttpTest, AServiceRefusesAnExpiredAccessToken) {
  // Issued 16 minutes ago for the gateway's 15: expired. The gateway passes it on (it refuses
  // only departed users itself); the service checks the expiry and refuses it.
  absl::StatusOr<std::string> expired =
      IssueToken(kSecret, Actor{"dispatcher", "dispatcher", {}}, absl::Now() - absl::Minutes(16),
                 absl::Minutes(15));
  ASSERT_TRUE(expired.ok());
  Reply refused = Post("/api/v1/scheduling/ListJobs", "{}", *expired);
  ExpectError(refused, 401, "UNAUTHENTICATED");
  EXPECT_NE(refused.body["error"].value("message", "").find("xpired"), std::string::npos) << refused.raw;
  absl::StatusOr<std::string> fresh =
      IssueToken(kSecret, Actor{"dispatcher", "dispatcher", {}}, absl::Now(), absl::Minutes(15));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(Post("/api/v1/scheduling/ListJobs", "{}", *fresh).status, 200);
}

TEST_F(GatewayHttpTest, AdminEndpointsRefuseEveryoneElse) {
  const std::string dispatcher = TokenOf("dispatcher");
  const std::string manager = TokenOf("manager");
  struct Call {
    std::string method, path, body;
  };
  const std::vector<Call> calls = {
      {"GET", "/api/v1/admin/users", ""},
      {"POST", "/api/v1/admin/users",
       R"({"username":"new.one","display_name":"N","role":"care","password":"first-pass-1"})"},
      {"POST", "/api/v1/admin/users/care/depart", "{}"},
      {"PUT", "/api/v1/admin/users/care/permissions", R"({"permissions":["export"]})"},
      {"GET", "/api/v1/admin/users/care/logins", ""}};
  for (const Call& call : calls) {
    for (const std::string& token : {std::string(), dispatcher, manager, std::string("garbage")}) {
      Reply reply = call.method == "GET"    ? Get(call.path, token)
                    : call.method == "PUT" ? Put(call.path, call.body, token)
                                           : Post(call.path, call.body, token);
      if (token == dispatcher || token == manager) {
        ExpectError(reply, 403, "PERMISSION_DENIED");
      } else {
        ExpectError(reply, 401, "UNAUTHENTICATED");
      }
    }
  }
  EXPECT_EQ(users_->List()->size(), 7u);
  EXPECT_FALSE(users_->Get("care")->departed);
  EXPECT_TRUE(users_->Get("care")->permissions.empty());
}

// --- OpenAPI, health, static files ---

TEST_F(GatewayHttpTest, OpenApiHasEveryRpcOfTheFourServices) {
  Reply doc = Get("/api/openapi.json");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.body["openapi"], "3.0.3");
  const json& paths = doc.body["paths"];
  int rpcs = 0;
  for (const char* service : {"intake", "scheduling", "inventory", "callbacks"}) {
    const google::protobuf::ServiceDescriptor* descriptor = FindService(service);
    ASSERT_NE(descriptor, nullptr) << service;
    for (int i = 0; i < descriptor->method_count(); ++i) {
      const auto* method = descriptor->method(i);
      std::string path = std::string("/api/v1/") + service + "/" + method->name();
      if (method->server_streaming()) {
        EXPECT_TRUE(paths.contains(path + "/events")) << path;
      } else {
        ASSERT_TRUE(paths.contains(path)) << path;
        const json& post = paths[path]["post"];
        EXPECT_EQ(post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
                  "#/components/schemas/" + method->input_type()->full_name());
      }
      ++rpcs;
    }
  }
  EXPECT_GT(rpcs, 60);
  for (const char* path : {"/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/me", "/api/v1/auth/password",
                           "/api/v1/admin/users", "/api/v1/admin/users/{username}/depart",
                           "/api/v1/admin/users/{username}/permissions",
                           "/api/v1/admin/users/{username}/logins", "/healthz"}) {
    EXPECT_TRUE(paths.contains(path)) << path;
  }
  // Field comments become descriptions; enums are listed by name.
  const json& schemas = doc.body["components"]["schemas"];
  const json& request = schemas["fieldline.intake.v1.OpenTicketRequest"]["properties"];
  EXPECT_NE(request["request_id"].value("description", "").find("retry"), std::string::npos)
      << request["request_id"];
  EXPECT_EQ(request["priority"]["$ref"], "#/components/schemas/fieldline.common.v1.Priority");
  EXPECT_EQ(request["device_time"]["format"], "date-time");
  EXPECT_TRUE(schemas["fieldline.common.v1.Priority"]["enum"].is_array());
  EXPECT_NE(paths["/api/v1/intake/OpenTicket"]["post"].value("summary", "").find("Registers"),
            std::string::npos);
}

TEST_F(GatewayHttpTest, HealthzNamesTheFailingServices) {
  Reply health = Get("/healthz");
  EXPECT_EQ(health.status, 503) << health.raw;
  EXPECT_EQ(health.body["services"]["intake"], "SERVING");
  EXPECT_EQ(health.body["services"]["scheduling"], "SERVING");
  EXPECT_NE(health.body["services"].value("inventory", "").find("UNREACHABLE"), std::string::npos);
}

TEST_F(GatewayHttpTest, StaticFilesWithClientSideRouting) {
  auto index = client_->Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->get_header_value("Cache-Control"), "no-cache");
  EXPECT_NE(index->body.find("Fieldline"), std::string::npos);
  auto route = client_->Get("/board/today");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->status, 200);
  EXPECT_EQ(route->body, index->body);
  auto js = client_->Get("/js/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  auto sw = client_->Get("/sw.js");
  ASSERT_TRUE(sw);
  EXPECT_EQ(sw->get_header_value("Cache-Control"), "no-cache");
  EXPECT_EQ(client_->Get("/js/missing.js")->status, 404);
  EXPECT_EQ(client_->Get("/../secret.txt")->status, 404);
  EXPECT_EQ(client_->Get("/%2e%2e/secret.txt")->status, 404);
  ExpectError(Get("/api/v1/nothing/here"), 404, "NOT_FOUND");
}

// --- the live board ---

// Appends a chunk of an event stream to `buffer` and hands each complete frame to `fn`.
template <typename Fn>
void EachFrame(std::string& buffer, const char* data, size_t length, Fn&& fn) {
  buffer.append(data, length);
  size_t end;
  while ((end = buffer.find("\n\n")) != std::string::npos) {
    std::string frame = buffer.substr(0, end);
    buffer.erase(0, end + 2);
    fn(frame);
  }
}

class BoardStream {
 public:
  // Reads frames until `want` ids (or a keep-alive, if want == 0) arrived, then disconnects.
  static std::vector<std::string> Read(httplib::Client& client, const std::string& path,
                                       const httplib::Headers& headers, size_t want,
                                       bool* saw_keep_alive = nullptr, int* status = nullptr) {
    std::vector<std::string> ids;
    std::string buffer;
    auto result = client.Get(
        path.c_str(), headers,
        [&](const httplib::Response& response) {
          if (status != nullptr) *status = response.status;
          return response.status == 200;
        },
        [&](const char* data, size_t length) {
          bool stop = false;
          EachFrame(buffer, data, length, [&](const std::string& frame) {
            if (frame.rfind("id: ", 0) == 0) {
              ids.push_back(frame.substr(4, frame.find('\n') - 4));
              EXPECT_NE(frame.find("\ndata: {"), std::string::npos) << frame;
            } else if (frame == ": keep-alive" && saw_keep_alive != nullptr) {
              *saw_keep_alive = true;
              if (want == 0) stop = true;
            }
          });
          return !stop && ids.size() < want;
        });
    return ids;
  }
};

TEST_F(GatewayHttpTest, BoardEventsResumeAfterLastEventId) {
  const std::string token = TokenOf("dispatcher");
  for (int i = 1; i <= 3; ++i) {
    json tech = {{"request_id", "reg-" + std::to_string(i)}, {"technician_id", "T-" + std::to_string(i)},
                 {"name", "Tech " + std::to_string(i)}, {"phone", "+86 138 0000 000" + std::to_string(i)},
                 {"skills", {"boiler"}}, {"home_base", {{"lat", 31.2}, {"lng", 121.5}}},
                 {"van_location_id", "van-" + std::to_string(i)}};
    ASSERT_EQ(Post("/api/v1/scheduling/RegisterTechnician", tech.dump(), token).status, 200);
  }
  const std::string path = "/api/v1/scheduling/WatchBoard/events?access_token=" + token;
  std::vector<std::string> all = BoardStream::Read(*client_, path, {}, 3);
  ASSERT_EQ(all.size(), 3u);

  // Reconnect as a browser does: the same URL with Last-Event-ID → only what came after.
  std::vector<std::string> resumed =
      BoardStream::Read(*client_, path, {{"Last-Event-ID", all[1]}}, 1);
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0], all[2]);
  // from= does the same; Last-Event-ID wins over it.
  std::vector<std::string> from = BoardStream::Read(*client_, path + "&from=" + all[0], {}, 2);
  EXPECT_EQ(from, (std::vector<std::string>{all[1], all[2]}));
  std::vector<std::string> both =
      BoardStream::Read(*client_, path + "&from=" + all[0], {{"Last-Event-ID", all[1]}}, 1);
  EXPECT_EQ(both, std::vector<std::string>{all[2]});

  // Nothing new: keep-alive comments keep the connection open.
  bool keep_alive = false;
  BoardStream::Read(*client_, path + "&from=" + all[2], {}, 0, &keep_alive);
  EXPECT_TRUE(keep_alive);
}

// Reads a stream until the gateway ends it; returns the frames named "error" (empty if the
// stream ended without one).
// `opened` is fulfilled once the stream's 200 has arrived.
std::vector<std::string> ErrorFramesUntilEnd(int port, const std::string& path,
                                             std::promise<int>& opened) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(20, 0);
  std::vector<std::string> errors;
  std::string buffer;
  bool told = false;
  auto result = client.Get(
      path.c_str(),
      [&](const httplib::Response& response) {
        opened.set_value(response.status);
        told = true;
        return true;
      },
      [&](const char* data, size_t length) {
        EachFrame(buffer, data, length, [&](const std::string& frame) {
          if (frame.rfind("event: error\n", 0) == 0) errors.push_back(frame);
        });
        return true;
      });
  if (!told) opened.set_value(result ? result->status : 0);
  return errors;
}

TEST_F(GatewayHttpTest, AnOpenBoardStreamEndsWhenItsUserDepartsOrItsTokenExpires) {
  const std::string dispatcher = TokenOf("dispatcher");
  const std::string manager = TokenOf("manager");
  const std::string base = "/api/v1/scheduling/WatchBoard/events?access_token=";
  // Both streams are open (keep-alives flow) before anything changes.
  bool keep_alive = false;
  BoardStream::Read(*client_, base + dispatcher, {}, 0, &keep_alive);
  ASSERT_TRUE(keep_alive);
  std::vector<std::string> departed_errors, expired_errors;
  std::promise<int> departed_open, expired_open;
  std::thread departed([&] {
    departed_errors = ErrorFramesUntilEnd(gateway_->port(), base + dispatcher, departed_open);
  });
  EXPECT_EQ(departed_open.get_future().get(), 200);
  EXPECT_EQ(Post("/api/v1/admin/users/dispatcher/depart", "{}", TokenOf("admin")).status, 200);
  departed.join();
  ASSERT_EQ(departed_errors.size(), 1u);
  EXPECT_NE(departed_errors[0].find("left"), std::string::npos) << departed_errors[0];
  EXPECT_NE(departed_errors[0].find("UNAUTHENTICATED"), std::string::npos) << departed_errors[0];

  std::thread expired([&] {
    expired_errors = ErrorFramesUntilEnd(gateway_->port(), base + manager, expired_open);
  });
  EXPECT_EQ(expired_open.get_future().get(), 200);
  clock_.Advance(absl::Minutes(16));  // the manager's 15-minute token is over
  expired.join();
  ASSERT_EQ(expired_errors.size(), 1u);
  EXPECT_NE(expired_errors[0].find("xpired"), std::string::npos) << expired_errors[0];
}

TEST_F(GatewayHttpTest, BoardEventsRefuseMissingTokenAndWrongRole) {
  ExpectError(Get("/api/v1/scheduling/WatchBoard/events"), 401, "UNAUTHENTICATED");
  ExpectError(Get("/api/v1/scheduling/WatchBoard/events?access_token=garbage"), 401,
              "UNAUTHENTICATED");
  ExpectError(Get("/api/v1/scheduling/WatchBoard/events?access_token=" + TokenOf("warehouse")), 403,
              "PERMISSION_DENIED");
  ExpectError(Get("/api/v1/scheduling/WatchBoard/events?from=abc&access_token=" +
                  TokenOf("dispatcher")),
              400, "INVALID_ARGUMENT", "from");
}

}  // namespace
}  // namespace fieldline::gateway
