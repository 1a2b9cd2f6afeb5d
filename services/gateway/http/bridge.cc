#include "services/gateway/http/bridge.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <utility>
#include <vector>

#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/intake/v1/intake_service.pb.h"
#include "fieldline/inventory/v1/inventory_service.pb.h"
#include "fieldline/scheduling/v1/scheduling_service.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "nlohmann/json.hpp"
#include "services/common/grpc/status_mapping.h"

namespace fieldline::gateway {
namespace {

namespace pb = google::protobuf;

// Links each service's generated descriptors into the binary (a static library's object file is
// only linked when something in it is referenced), so the generated pool can find them.
[[maybe_unused]] const bool kLinked = [] {
  (void)intake::v1::OpenTicketRequest::descriptor();
  (void)scheduling::v1::AssignJobRequest::descriptor();
  (void)inventory::v1::ReserveStockRequest::descriptor();
  (void)callbacks::v1::GetCallbackRequest::descriptor();
  return true;
}();

std::chrono::system_clock::time_point Deadline(absl::Duration timeout) {
  return std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout);
}

bool ToByteBuffer(const pb::Message& message, grpc::ByteBuffer* out) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) return false;
  grpc::Slice slice(bytes);
  *out = grpc::ByteBuffer(&slice, 1);
  return true;
}

bool FromByteBuffer(const grpc::ByteBuffer& buffer, pb::Message* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return message->ParseFromString(bytes);
}

}  // namespace

std::string ErrorJson(std::string_view code, std::string_view message, std::string_view field) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  // Names and values echoed from a request may be any bytes: invalid UTF-8 is replaced, not thrown.
  return nlohmann::json{{"error", error}}.dump(-1, ' ', false,
                                                nlohmann::json::error_handler_t::replace);
}

HttpReply ErrorReply(int status, std::string_view code, std::string_view message,
                     std::string_view field) {
  return {status, ErrorJson(code, message, field)};
}

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

HttpReply FromGrpc(const grpc::Status& status, std::string_view field) {
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && message.empty()) {
    message = "The service is not reachable right now; try again in a moment.";
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    message = "The service did not answer in time; try again in a moment.";
  }
  return ErrorReply(HttpStatusOf(status.error_code()), CodeName(status.error_code()), message,
                    field);
}

const std::map<std::string, std::string>& ServiceFullNames() {
  static const std::map<std::string, std::string> kNames = {
      {"intake", "fieldline.intake.v1.IntakeService"},
      {"scheduling", "fieldline.scheduling.v1.SchedulingService"},
      {"inventory", "fieldline.inventory.v1.InventoryService"},
      {"callbacks", "fieldline.callbacks.v1.CallbacksService"}};
  return kNames;
}

const pb::ServiceDescriptor* FindService(std::string_view short_name) {
  (void)kLinked;
  auto it = ServiceFullNames().find(std::string(short_name));
  if (it == ServiceFullNames().end()) return nullptr;
  return pb::DescriptorPool::generated_pool()->FindServiceByName(it->second);
}

GrpcBridge::GrpcBridge(const std::map<std::string, std::string>& addresses,
                       std::shared_ptr<grpc::ChannelCredentials> credentials,
                       absl::Duration timeout)
    : timeout_(timeout) {
  for (const auto& [name, address] : addresses) {
    channels_[name] = grpc::CreateChannel(address, credentials);
  }
}

std::shared_ptr<grpc::Channel> GrpcBridge::Channel(std::string_view service) const {
  auto it = channels_.find(service);
  return it == channels_.end() ? nullptr : it->second;
}

HttpReply GrpcBridge::Call(std::string_view service, std::string_view method,
                           std::string_view json, std::string_view authorization) const {
  const pb::ServiceDescriptor* descriptor = FindService(service);
  std::shared_ptr<grpc::Channel> channel = Channel(service);
  if (descriptor == nullptr || channel == nullptr) {
    return ErrorReply(404, "NOT_FOUND",
                      "There is no service \"" + std::string(service) +
                          "\"; use intake, scheduling, inventory or callbacks.");
  }
  const pb::MethodDescriptor* rpc = descriptor->FindMethodByName(std::string(method));
  if (rpc == nullptr) {
    return ErrorReply(404, "NOT_FOUND",
                      "The " + std::string(service) + " service has no method \"" +
                          std::string(method) + "\".");
  }
  if (rpc->client_streaming() || rpc->server_streaming()) {
    return ErrorReply(404, "NOT_FOUND",
                      std::string(method) + " is a stream; open GET /api/v1/" +
                          std::string(service) + "/" + std::string(method) +
                          "/events (server-sent events) instead.");
  }

  const pb::Message* request_prototype =
      pb::MessageFactory::generated_factory()->GetPrototype(rpc->input_type());
  const pb::Message* response_prototype =
      pb::MessageFactory::generated_factory()->GetPrototype(rpc->output_type());
  if (request_prototype == nullptr || response_prototype == nullptr) {
    return ErrorReply(500, "INTERNAL", "The gateway does not know the messages of this method.");
  }
  std::unique_ptr<pb::Message> request(request_prototype->New());
  std::unique_ptr<pb::Message> response(response_prototype->New());

  std::string body(json);
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) body = "{}";
  pb::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = false;
  if (auto parsed = pb::util::JsonStringToMessage(body, request.get(), parse); !parsed.ok()) {
    return ErrorReply(400, "INVALID_ARGUMENT",
                      "The request body is not a valid " + rpc->input_type()->name() + ": " +
                          std::string(parsed.message().data(), parsed.message().size()));
  }

  grpc::ByteBuffer request_bytes;
  if (!ToByteBuffer(*request, &request_bytes)) {
    return ErrorReply(400, "INVALID_ARGUMENT", "The request could not be encoded.");
  }
  // gRPC takes only printable ASCII in a text header and aborts the process on anything else
  // (found by fuzz/fuzz_gateway_json): such a header cannot be a token anyway.
  if (std::any_of(authorization.begin(), authorization.end(),
                  [](char c) { return c < 0x20 || c > 0x7e; })) {
    return ErrorReply(401, "UNAUTHENTICATED",
                      "The Authorization header is not a valid access token; sign in again.");
  }
  grpc::ClientContext context;
  context.set_deadline(Deadline(timeout_));
  if (!authorization.empty()) context.AddMetadata("authorization", std::string(authorization));

  grpc::GenericStub stub(channel);
  std::promise<grpc::Status> done;
  grpc::ByteBuffer response_bytes;
  const std::string path = "/" + descriptor->full_name() + "/" + rpc->name();
  stub.UnaryCall(&context, path, grpc::StubOptions(), &request_bytes, &response_bytes,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    std::string field;
    const auto& trailers = context.GetServerTrailingMetadata();
    if (auto it = trailers.find(kFieldTrailer); it != trailers.end()) {
      field.assign(it->second.data(), it->second.size());
    }
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE && field.empty() &&
        (status.error_message().empty() ||
         status.error_message().find("failed to connect") != std::string::npos ||
         status.error_message().find("Connection refused") != std::string::npos)) {
      // A transport failure, not the service's own sentence.
      return ErrorReply(503, "UNAVAILABLE",
                        "The " + std::string(service) +
                            " service is not reachable right now; try again in a moment.");
    }
    return FromGrpc(status, field);
  }
  if (!FromByteBuffer(response_bytes, response.get())) {
    return ErrorReply(502, "INTERNAL", "The service's answer could not be read.");
  }
  pb::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  std::string out;
  if (auto printed = pb::util::MessageToJsonString(*response, &out, print); !printed.ok()) {
    return ErrorReply(500, "INTERNAL", "The service's answer could not be turned into JSON.");
  }
  return {200, std::move(out)};
}

std::map<std::string, std::string> GrpcBridge::Health(absl::Duration timeout) const {
  std::vector<std::pair<std::string, std::future<std::string>>> checks;
  for (const auto& [name, channel] : channels_) {
    checks.emplace_back(name, std::async(std::launch::async, [channel = channel, name = name, timeout] {
                          auto stub = grpc::health::v1::Health::NewStub(channel);
                          grpc::ClientContext context;
                          context.set_deadline(Deadline(timeout));
                          grpc::health::v1::HealthCheckRequest request;
                          request.set_service(ServiceFullNames().at(name));
                          grpc::health::v1::HealthCheckResponse response;
                          grpc::Status status = stub->Check(&context, request, &response);
                          if (!status.ok()) return "UNREACHABLE: " + status.error_message();
                          return std::string(response.status() ==
                                                     grpc::health::v1::HealthCheckResponse::SERVING
                                                 ? "SERVING"
                                                 : "NOT_SERVING");
                        }));
  }
  std::map<std::string, std::string> out;
  for (auto& [name, result] : checks) out[name] = result.get();
  return out;
}

}  // namespace fieldline::gateway
