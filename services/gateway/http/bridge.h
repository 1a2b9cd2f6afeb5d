#pragma once

// The generic JSON ↔ gRPC bridge: any unary RPC of the four services, found by name in the
// protobuf descriptors compiled into fieldline::proto, called with grpc::GenericStub. No code per
// RPC: a method added to a service's .proto works here as soon as the gateway is rebuilt.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"

namespace google::protobuf {
class ServiceDescriptor;
class MethodDescriptor;
}  // namespace google::protobuf

namespace fieldline::gateway {

// An HTTP answer: status, JSON body.
struct HttpReply {
  int status = 200;
  std::string body;
};

// {"error":{"code":..,"message":..,"field":..}} (field omitted when empty).
std::string ErrorJson(std::string_view code, std::string_view message, std::string_view field = {});
HttpReply ErrorReply(int status, std::string_view code, std::string_view message,
                     std::string_view field = {});
// The HTTP status for a gRPC status code (the contract's table) and the code's name.
int HttpStatusOf(grpc::StatusCode code);
std::string CodeName(grpc::StatusCode code);
// An error reply from a gRPC status and the "fieldline-field" trailer value (may be empty).
HttpReply FromGrpc(const grpc::Status& status, std::string_view field);

// "intake" → "fieldline.intake.v1.IntakeService", ... (the four services, in this order).
const std::map<std::string, std::string>& ServiceFullNames();
// The service's descriptor in the generated pool, or nullptr.
const google::protobuf::ServiceDescriptor* FindService(std::string_view short_name);

class GrpcBridge {
 public:
  // `addresses`: short service name → "host:port". `credentials`: insecure or TLS.
  GrpcBridge(const std::map<std::string, std::string>& addresses,
             std::shared_ptr<grpc::ChannelCredentials> credentials, absl::Duration timeout);

  // POST /api/v1/{service}/{method} with `json` as the request and `authorization` (the HTTP
  // Authorization header, forwarded as is; may be empty).
  HttpReply Call(std::string_view service, std::string_view method, std::string_view json,
                 std::string_view authorization) const;

  // The channel to a service (nullptr for an unknown name).
  std::shared_ptr<grpc::Channel> Channel(std::string_view service) const;
  // "SERVING", "NOT_SERVING" or "UNREACHABLE: <reason>" per service, checked in parallel.
  std::map<std::string, std::string> Health(absl::Duration timeout) const;
  absl::Duration timeout() const { return timeout_; }

 private:
  std::map<std::string, std::shared_ptr<grpc::Channel>, std::less<>> channels_;
  absl::Duration timeout_;
};

}  // namespace fieldline::gateway
