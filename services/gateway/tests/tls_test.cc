// HTTPS: the gateway serves TLS with a self-signed certificate made for the test.

#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>

#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
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

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A self-signed certificate for 127.0.0.1 in `dir` (cert.pem, key.pem).
void MakeCertificate(const fieldline::testing::TempDir& dir) {
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir.Sub("key.pem") + " -out " +
      dir.Sub("cert.pem") + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

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

TEST(GatewayTls, TalksTlsToTheServicesWithGrpcCa) {
  fieldline::testing::TempDir dir;
  MakeCertificate(dir);
  // A TLS gRPC server whose health service says intake is serving.
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({Slurp(dir.Sub("key.pem")), Slurp(dir.Sub("cert.pem"))});
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  server->GetHealthCheckService()->SetServingStatus("fieldline.intake.v1.IntakeService", true);

  auto store = EventStore::Open({.path = dir.Sub("users")});
  ASSERT_TRUE(store.ok());
  FakeClock clock(absl::Now());
  UuidV7Generator ids;
  PasswordHasher hasher = PasswordHasher::Interactive();
  UsersApp users(**store, clock, ids, hasher);
  GatewayOptions options;
  options.listen = "127.0.0.1:0";
  options.auth_secret = "tls-test-secret";
  options.services = {{"intake", "127.0.0.1:" + std::to_string(port)}};
  auto health_of_intake = [&](const std::string& ca) {
    options.grpc_ca_file = ca;
    auto gateway = Gateway::Start(options, users, clock);
    EXPECT_TRUE(gateway.ok()) << gateway.status();
    if (!gateway.ok()) return std::string();
    httplib::Client client("127.0.0.1", (*gateway)->port());
    auto health = client.Get("/healthz");
    (*gateway)->Stop();
    if (!health) return std::string();
    return nlohmann::json::parse(health->body)["services"].value("intake", "");
  };
  EXPECT_EQ(health_of_intake(dir.Sub("cert.pem")), "SERVING");
  // Without --grpc-ca the gateway speaks plaintext and cannot reach the TLS service.
  EXPECT_NE(health_of_intake("").find("UNREACHABLE"), std::string::npos);
  server->Shutdown();
}

}  // namespace
}  // namespace fieldline::gateway
