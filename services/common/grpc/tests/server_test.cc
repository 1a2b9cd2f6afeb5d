#include "services/common/grpc/server.h"

#include <chrono>
#include <memory>
#include <string>

#include "fieldline/callbacks/v1/callbacks_service.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/common/grpc/auth.h"
#include "services/common/grpc/status_mapping.h"

namespace fieldline {
namespace {

using callbacks::v1::Callback;
using callbacks::v1::CallbacksService;
using callbacks::v1::GetCallbackRequest;
using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr char kSecret[] = "server-test-secret";

// A translate-only fake of a real Fieldline service: GetCallback is guarded like production
// handlers; callback id "missing" answers NOT_FOUND naming the field.
class FakeCallbacksService final : public CallbacksService::Service {
 public:
  explicit FakeCallbacksService(const TokenVerifier* verifier) : verifier_(verifier) {}

  grpc::Status GetCallback(grpc::ServerContext* context, const GetCallbackRequest* request,
                           Callback* response) override {
    return Guarded(context, *verifier_, {"care", "manager"}, [&](const Actor& actor) {
      if (request->callback_id() == "missing") {
        return NotFound("callback_id", "There is no callback with this id.");
      }
      response->set_callback_id(request->callback_id());
      response->set_technician_id(actor.user_id);
      return absl::OkStatus();
    });
  }

 private:
  const TokenVerifier* verifier_;
};

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<GrpcServer>> server =
        GrpcServer::Start("127.0.0.1:0", {&service_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_GT(server_->port(), 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    callbacks_ = CallbacksService::NewStub(channel_);
    health_ = Health::NewStub(channel_);
  }

  static void SetDeadline(grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }

  grpc::Status CallGetCallback(const std::string& token, const std::string& id, Callback* response,
                               grpc::ClientContext* context) {
    SetDeadline(*context);
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    GetCallbackRequest request;
    request.set_callback_id(id);
    return callbacks_->GetCallback(context, request, response);
  }

  grpc::Status CheckHealth(const std::string& service, HealthCheckResponse* response) {
    grpc::ClientContext context;
    SetDeadline(context);
    HealthCheckRequest request;
    request.set_service(service);
    return health_->Check(&context, request, response);
  }

  static std::string Token(const std::string& role, absl::Duration ttl = absl::Hours(1)) {
    return *IssueToken(kSecret, Actor{"user-" + role, role}, absl::Now(), ttl);
  }

  TokenVerifier verifier_{kSecret};
  FakeCallbacksService service_{&verifier_};
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<CallbacksService::Stub> callbacks_;
  std::unique_ptr<Health::Stub> health_;
};

TEST_F(GrpcServerTest, HealthIsServingWithoutATokenForTheServerAndEachService) {
  for (const std::string service : {"", "fieldline.callbacks.v1.CallbacksService"}) {
    HealthCheckResponse response;
    grpc::Status status = CheckHealth(service, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << service;
  }
}

TEST_F(GrpcServerTest, ReflectionIsRegistered) {
  HealthCheckResponse response;
  ASSERT_TRUE(CheckHealth("grpc.reflection.v1alpha.ServerReflection", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
}

TEST_F(GrpcServerTest, ACallWithoutATokenIsUnauthenticated) {
  grpc::ClientContext context;
  Callback response;
  grpc::Status status = CallGetCallback("", "cb-1", &response, &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "Sign in first: this request carries no access token.");
}

TEST_F(GrpcServerTest, ACallWithAnExpiredTokenIsUnauthenticated) {
  grpc::ClientContext context;
  Callback response;
  std::string expired =
      *IssueToken(kSecret, Actor{"u", "care"}, absl::Now() - absl::Hours(2), absl::Hours(1));
  grpc::Status status = CallGetCallback(expired, "cb-1", &response, &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "Your access token has expired; sign in again.");
}

TEST_F(GrpcServerTest, ACareTokenIsServed) {
  grpc::ClientContext context;
  Callback response;
  grpc::Status status = CallGetCallback(Token("care"), "cb-1", &response, &context);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.callback_id(), "cb-1");
  EXPECT_EQ(response.technician_id(), "user-care");
}

TEST_F(GrpcServerTest, AnAdminTokenIsServed) {
  grpc::ClientContext context;
  Callback response;
  EXPECT_TRUE(CallGetCallback(Token("admin"), "cb-1", &response, &context).ok());
}

TEST_F(GrpcServerTest, ATechnicianTokenIsDenied) {
  grpc::ClientContext context;
  Callback response;
  grpc::Status status = CallGetCallback(Token("technician"), "cb-1", &response, &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "A technician may not do this; it needs one of: care, manager, admin.");
}

TEST_F(GrpcServerTest, AnErrorNamingAFieldSendsItInTheTrailer) {
  grpc::ClientContext context;
  Callback response;
  grpc::Status status = CallGetCallback(Token("care"), "missing", &response, &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "There is no callback with this id.");
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kFieldTrailer);
  ASSERT_NE(it, trailers.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "callback_id");
  EXPECT_EQ(FromGrpcStatus(status).code(), absl::StatusCode::kNotFound);
}

TEST_F(GrpcServerTest, AfterShutdownTheServerNoLongerAnswers) {
  server_->Shutdown(absl::Seconds(1));
  HealthCheckResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  HealthCheckRequest request;
  grpc::Status status = health_->Check(&context, request, &response);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
              status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_code();
  server_->Shutdown(absl::Seconds(1));  // a second shutdown is harmless
}

TEST_F(GrpcServerTest, APortInUseIsAClearStartUpError) {
  FakeCallbacksService other(&verifier_);
  absl::StatusOr<std::unique_ptr<GrpcServer>> second =
      GrpcServer::Start("127.0.0.1:" + std::to_string(server_->port()), {&other});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("cannot listen on 127.0.0.1:"), std::string::npos)
      << second.status();
}

}  // namespace
}  // namespace fieldline
