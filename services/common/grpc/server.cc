#include "services/common/grpc/server.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/server_interceptor.h"
#include "services/common/core/strings.h"
#include "services/common/metrics/metrics.h"

namespace fieldline {
namespace {

// grpc::Service does not expose its name, but the server knows the names of
// everything it registered. This plugin, added to one builder through a
// ServerBuilderOption, copies that list once the server has started so the
// health service can report each service by name.
class ServiceNamesPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceNamesPlugin(std::vector<std::string>* names) : names_(names) {}
  std::string name() override { return "fieldline_service_names"; }
  void InitServer(grpc::ServerInitializer* /*si*/) override {}
  void Finish(grpc::ServerInitializer* si) override {
    if (const std::vector<std::string>* list = si->GetServiceList()) *names_ = *list;
  }
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}

 private:
  std::vector<std::string>* names_;
};

class ServiceNamesOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceNamesOption(std::vector<std::string>* names) : names_(names) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceNamesPlugin>(names_));
  }

 private:
  std::vector<std::string>* names_;
};

constexpr char kRequestsTotal[] = "fieldline_grpc_requests_total";
constexpr char kRequestSeconds[] = "fieldline_grpc_request_seconds";

std::string CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(std::size(kNames)) ? kNames[i]
                                                           : "CODE_" + std::to_string(i);
}

// "/fieldline.intake.v1.IntakeService/OpenTicket" →
// "fieldline.intake.v1.IntakeService/OpenTicket".
std::string MethodLabel(const char* full) {
  std::string_view method = full == nullptr ? "" : full;
  if (!method.empty() && method.front() == '/') method.remove_prefix(1);
  return std::string(method);
}

// Counts every call by method and status code and times it, from the arrival of
// its metadata to the status being sent.
class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MetricsInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(MethodLabel(info->method())), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      metrics::Registry& registry = metrics::Global();
      registry.Add(kRequestsTotal, {{"method", method_}, {"code", CodeName(status.error_code())}});
      registry.Observe(kRequestSeconds, {{"method", method_}}, seconds);
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(info);
  }
};

absl::StatusOr<std::string> ReadPem(const std::string& path, std::string_view what) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the TLS ", AsAbsl(what), " file \"", path, "\""));
  }
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const std::string& listen_address, const std::vector<grpc::Service*>& services,
    const GrpcServerOptions& options) {
  {
    metrics::Registry& registry = metrics::Global();
    registry.Describe(kRequestsTotal, metrics::Type::kCounter,
                      "gRPC calls answered, by method and status code.");
    registry.Describe(kRequestSeconds, metrics::Type::kHistogram,
                      "Time from a call's arrival to its answer, by method.");
  }
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return absl::InvalidArgumentError(
          "TLS needs both a certificate and a key file (tls_cert_file and "
          "tls_key_file).");
    }
    absl::StatusOr<std::string> cert = ReadPem(options.tls_cert_file, "certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(options.tls_key_file, "key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }
  // Both are process-wide switches read by every ServerBuilder created
  // afterwards.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::unique_ptr<GrpcServer> server(new GrpcServer());
  std::vector<std::string> service_names;
  grpc::ServerBuilder builder;
  // Without this a second process could bind the same port (SO_REUSEPORT) and
  // the two would silently share traffic; a port in use must be a start-up
  // error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(listen_address, credentials, &server->port_);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<MetricsInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.SetOption(std::make_unique<ServiceNamesOption>(&service_names));

  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen_address,
                     " (is another process using that port, or is the address "
                     "not one of this machine's?)"));
  }
  server->service_names_ = std::move(service_names);
  server->SetServing(true);
  return server;
}

void GrpcServer::SetServing(bool serving) {
  if (server_ == nullptr) return;
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    health->SetServingStatus("", serving);
    for (const std::string& name : service_names_) health->SetServingStatus(name, serving);
  }
}

GrpcServer::~GrpcServer() {
  if (server_ != nullptr) Shutdown(absl::ZeroDuration());
}

void GrpcServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    // Load balancers and run.sh see NOT_SERVING first, while in-flight calls
    // still finish.
    health->SetServingStatus(false);
  }
  const auto deadline =
      std::chrono::system_clock::now() +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          absl::ToChronoNanoseconds(grace < absl::ZeroDuration() ? absl::ZeroDuration() : grace));
  server_->Shutdown(deadline);
  server_->Wait();
  server_.reset();
}

}  // namespace fieldline
