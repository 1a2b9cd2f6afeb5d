#pragma once

// A small gRPC client for all four services, shared by fieldlinectl and the end-to-end tests.
// Every call carries the bearer token and a deadline; UNAVAILABLE and DEADLINE_EXCEEDED are
// retried with the same request (so the same request id) until `retry_for` has passed — safe
// because every command is idempotent by request id.

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "fieldline/callbacks/v1/callbacks_service.grpc.pb.h"
#include "fieldline/intake/v1/intake_service.grpc.pb.h"
#include "fieldline/inventory/v1/inventory_service.grpc.pb.h"
#include "fieldline/scheduling/v1/scheduling_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace fieldline::client {

struct Endpoints {
  std::string intake = "127.0.0.1:7101";
  std::string scheduling = "127.0.0.1:7102";
  std::string inventory = "127.0.0.1:7103";
  std::string callbacks = "127.0.0.1:7104";
};

struct CallOptions {
  std::chrono::milliseconds deadline{10000};   // per attempt
  std::chrono::milliseconds retry_for{30000};  // total time spent retrying UNAVAILABLE
};

class Clients {
 public:
  Clients(const Endpoints& endpoints, std::string token, CallOptions options = {});

  intake::v1::IntakeService::Stub& intake() { return *intake_; }
  scheduling::v1::SchedulingService::Stub& scheduling() { return *scheduling_; }
  inventory::v1::InventoryService::Stub& inventory() { return *inventory_; }
  callbacks::v1::CallbacksService::Stub& callbacks() { return *callbacks_; }
  void set_token(std::string token) { token_ = std::move(token); }

  // Calls `method` on `stub`, retrying while the service is unreachable.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) const {
    const auto give_up = std::chrono::steady_clock::now() + options_.retry_for;
    auto backoff = std::chrono::milliseconds(50);
    for (;;) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
      if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
      grpc::Status status = (stub.*method)(&context, request, response);
      const bool retry = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
      if (!retry || std::chrono::steady_clock::now() + backoff > give_up) return status;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
  }

 private:
  std::string token_;
  CallOptions options_;
  std::unique_ptr<intake::v1::IntakeService::Stub> intake_;
  std::unique_ptr<scheduling::v1::SchedulingService::Stub> scheduling_;
  std::unique_ptr<inventory::v1::InventoryService::Stub> inventory_;
  std::unique_ptr<callbacks::v1::CallbacksService::Stub> callbacks_;
};

// The job scheduling creates for a ticket has an id derived from the ticket id.
std::string JobIdForTicket(const std::string& ticket_id);
// The callback due after a job has an id derived from the job id.
std::string CallbackIdForJob(const std::string& job_id);

// "SKU:QTY" → PartLine; false if malformed.
bool ParsePartLine(const std::string& text, common::v1::PartLine* line);

// The status as one line a person reads: "NOT_FOUND: There is no job x (field job_id)".
std::string Describe(const grpc::Status& status);

}  // namespace fieldline::client
