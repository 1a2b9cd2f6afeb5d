// HTTPS: the gateway serves TLS with a self-signed certificate made for the test.

#include <httplib.h>

#include <cstdlib>
#include <memory>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/gateway/http/gateway.h"
#include "services/gateway/users/users_app.h"

namespace fieldline::gateway {
namespace {

TEST(GatewayTls, ServesHttpsWithTheGivenCertificate) {
  fieldline::testing::TempDir dir;
  const std::string cert = dir.Sub("cert.pem");
  const std::string key = dir.Sub("key.pem");
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  auto store = EventStore::Open({.path = dir.Sub("users")});
  ASSERT_TRUE(store.ok());
  FakeClock clock(absl::Now());
  UuidV7Generator ids;
  PasswordHasher hasher = PasswordHasher::Interactive();
  UsersApp users(**store, clock, ids, hasher);
  ASSERT_TRUE(users.EnsureDemoUsers().ok());

  GatewayOptions options;
  options.listen = "127.0.0.1:0";
  options.auth_secret = "tls-test-secret";
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  auto gateway = Gateway::Start(options, users, clock);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  EXPECT_TRUE((*gateway)->https());

  httplib::SSLClient client("127.0.0.1", (*gateway)->port());
  client.set_ca_cert_path(cert.c_str());
  client.enable_server_certificate_verification(true);
  auto login = client.Post("/api/v1/auth/login", R"({"username":"care","password":"demo-care"})",
                           "application/json");
  ASSERT_TRUE(login) << httplib::to_string(login.error());
  EXPECT_EQ(login->status, 200);
  EXPECT_FALSE(nlohmann::json::parse(login->body).value("token", "").empty());

  // Plain HTTP on the HTTPS port gets no answer.
  httplib::Client plain("127.0.0.1", (*gateway)->port());
  plain.set_read_timeout(5, 0);
  auto refused = plain.Get("/healthz");
  EXPECT_TRUE(!refused || refused->status != 200);
  (*gateway)->Stop();
}

TEST(GatewayTls, RefusesToStartWithABadCertificate) {
  fieldline::testing::TempDir dir;
  auto store = EventStore::Open({.path = dir.Sub("users")});
  ASSERT_TRUE(store.ok());
  FakeClock clock(absl::Now());
  UuidV7Generator ids;
  PasswordHasher hasher = PasswordHasher::Interactive();
  UsersApp users(**store, clock, ids, hasher);
  GatewayOptions options;
  options.listen = "127.0.0.1:0";
  options.auth_secret = "tls-test-secret";
  options.tls_cert_file = dir.Sub("missing-cert.pem");
  options.tls_key_file = dir.Sub("missing-key.pem");
  auto gateway = Gateway::Start(options, users, clock);
  EXPECT_EQ(gateway.status().code(), absl::StatusCode::kInvalidArgument);
  options.tls_key_file = "";
  EXPECT_EQ(Gateway::Start(options, users, clock).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fieldline::gateway
