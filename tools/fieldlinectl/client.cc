#include "tools/fieldlinectl/client.h"

#include <cstdlib>

#include "services/common/core/ids.h"

namespace fieldline::client {

Clients::Clients(const Endpoints& endpoints, std::string token, CallOptions options)
    : token_(std::move(token)), options_(options) {
  auto channel = [](const std::string& target) {
    grpc::ChannelArguments args;
    // Reconnect quickly after a service restarts.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  };
  intake_ = intake::v1::IntakeService::NewStub(channel(endpoints.intake));
  scheduling_ = scheduling::v1::SchedulingService::NewStub(channel(endpoints.scheduling));
  inventory_ = inventory::v1::InventoryService::NewStub(channel(endpoints.inventory));
  callbacks_ = callbacks::v1::CallbacksService::NewStub(channel(endpoints.callbacks));
}

std::string JobIdForTicket(const std::string& ticket_id) { return DeriveId(ticket_id, "job"); }
std::string CallbackIdForJob(const std::string& job_id) { return DeriveId(job_id, "callback"); }

bool ParsePartLine(const std::string& text, common::v1::PartLine* line) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return false;
  char* end = nullptr;
  const long long qty = std::strtoll(text.c_str() + colon + 1, &end, 10);
  if (*end != '\0') return false;
  line->set_sku(text.substr(0, colon));
  line->set_quantity(qty);
  return true;
}

std::string Describe(const grpc::Status& status) {
  static const char* kNames[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
                                 "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
                                 "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
                                 "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const int code = static_cast<int>(status.error_code());
  std::string out = (code >= 0 && code <= 16) ? kNames[code] : std::to_string(code);
  if (!status.error_message().empty()) out += ": " + status.error_message();
  return out;
}

}  // namespace fieldline::client
