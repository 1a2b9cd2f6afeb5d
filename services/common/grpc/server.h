#pragma once

// gRPC server bootstrap: listening address, the services, the health service
// (SERVING while up, NOT_SERVING during shutdown), server reflection and
// graceful shutdown.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace fieldline {

struct GrpcServerOptions {
  // PEM files; when both are set the server speaks TLS only.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class GrpcServer {
 public:
  // Binds `listen_address` ("127.0.0.1:7101"; port 0 picks a free port) and
  // starts serving. The services are not owned and must outlive the server.
  // Every call is counted in the process's metrics registry:
  // fieldline_grpc_requests_total{method,code} and
  // fieldline_grpc_request_seconds{method}.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const std::string& listen_address, const std::vector<grpc::Service*>& services,
      const GrpcServerOptions& options = {});
  ~GrpcServer();

  int port() const { return port_; }

  // What the health service reports for every service (e.g. NOT_SERVING while
  // the disk is full).
  void SetServing(bool serving);
  // Health goes NOT_SERVING, in-flight calls get `grace` to finish, then the
  // server stops.
  void Shutdown(absl::Duration grace);

 private:
  GrpcServer() = default;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> service_names_;
  int port_ = 0;
};

}  // namespace fieldline
