// SchedulingService in-process on port 0 with real tokens: authentication, roles, error mapping
// with the field in the trailing metadata, and the dispatch flow through the wire.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fieldline/scheduling/v1/scheduling_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/grpc/auth.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/scheduling/adapters/event_codec.h"
#include "services/scheduling/adapters/grpc_service.h"
#include "services/scheduling/app/scheduling_app.h"

namespace fieldline::scheduling {
namespace {

constexpr char kSecret[] = "scheduling-grpc-test-secret";

class SchedulingGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<SchedulingApp>(*store_, clock_, ids_);
    service_ = std::make_unique<SchedulingGrpcService>(*app_, verifier_, clock_);
    auto server = GrpcServer::Start("127.0.0.1:0", {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::SchedulingService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  // A call context carrying a fresh token for `user` in `role` (no token if role is empty).
  static std::unique_ptr<grpc::ClientContext> As(const std::string& user, const std::string& role) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!role.empty()) {
      absl::StatusOr<std::string> token =
          IssueToken(kSecret, Actor{user, role}, absl::Now(), absl::Hours(1));
      EXPECT_TRUE(token.ok()) << token.status();
      context->AddMetadata("authorization", "Bearer " + token.value_or(""));
    }
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  static std::string FieldOf(const grpc::ClientContext& context) {
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(kFieldTrailer);
    if (it == trailers.end()) return "";
    return std::string(it->second.data(), it->second.size());
  }

  static v1::RegisterTechnicianRequest Registration(const std::string& request_id,
                                                    const std::string& technician_id) {
    v1::RegisterTechnicianRequest request;
    request.set_request_id(request_id);
    request.set_technician_id(technician_id);
    request.set_name("Li Wei");
    request.set_phone("+86 138 0000 0000");
    request.add_skills("boiler");
    request.mutable_home_base()->set_lat(31.2);
    request.mutable_home_base()->set_lng(121.5);
    request.set_van_location_id("van-7");
    return request;
  }

  // A job as intake's TicketOpened creates it (through the consumer's path).
  std::string OpenTicket(const std::string& ticket_id) {
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id(ticket_id);
    e.set_aggregate_version(1);
    ToProto(clock_.Now(), e.mutable_server_time());
    intake::v1::TicketOpened* opened = e.mutable_intake()->mutable_ticket_opened();
    opened->set_ticket_id(ticket_id);
    opened->set_category("boiler");
    opened->mutable_customer()->set_name("Wang Fang");
    Batch batch = store_->NewBatch();
    EXPECT_TRUE(app_->Apply(e, batch).ok());
    EXPECT_TRUE(store_->Commit(std::move(batch)).ok());
    return SchedulingApp::JobIdForTicket(ticket_id);
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  UuidV7Generator ids_;
  TokenVerifier verifier_{kSecret};
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<SchedulingApp> app_;
  std::unique_ptr<SchedulingGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::SchedulingService::Stub> stub_;
};

TEST_F(SchedulingGrpcTest, MissingTokenIsUnauthenticated) {
  auto context = As("", "");
  common::v1::CommandAck ack;
  grpc::Status status = stub_->RegisterTechnician(context.get(), Registration("r1", "T-7"), &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  v1::ListJobsResponse jobs;
  auto list_context = As("", "");
  EXPECT_EQ(stub_->ListJobs(list_context.get(), {}, &jobs).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SchedulingGrpcTest, WrongRoleIsPermissionDenied) {
  auto context = As("w-1", "warehouse");
  common::v1::CommandAck ack;
  grpc::Status status = stub_->RegisterTechnician(context.get(), Registration("r1", "T-7"), &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  auto care = As("c-1", "care");
  v1::StartJobRequest start;
  start.set_request_id("s1");
  start.set_job_id("any");
  EXPECT_EQ(stub_->StartJob(care.get(), start, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(app_->GetTechnician("T-7").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SchedulingGrpcTest, InvalidInputNamesTheField) {
  v1::RegisterTechnicianRequest request = Registration("r1", "T-7");
  request.set_phone("12ab");
  auto context = As("d-1", "dispatcher");
  common::v1::CommandAck ack;
  grpc::Status status = stub_->RegisterTechnician(context.get(), request, &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "The phone number 12ab is not a phone number.");
  EXPECT_EQ(FieldOf(*context), "phone");
}

TEST_F(SchedulingGrpcTest, MissingRequestIdIsInvalidArgument) {
  auto context = As("d-1", "dispatcher");
  common::v1::CommandAck ack;
  grpc::Status status = stub_->RegisterTechnician(context.get(), Registration("", "T-7"), &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(*context), "request_id");
  EXPECT_EQ(status.error_message(),
            "Every change needs a request id, so that a retry does not repeat it.");
}

TEST_F(SchedulingGrpcTest, UnknownJobIsNotFoundWithField) {
  auto context = As("d-1", "dispatcher");
  v1::GetJobRequest request;
  request.set_job_id("nope");
  v1::Job job;
  grpc::Status status = stub_->GetJob(context.get(), request, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(FieldOf(*context), "job_id");
}

TEST_F(SchedulingGrpcTest, DispatcherAssignsAndTechnicianWorksTheJob) {
  common::v1::CommandAck ack;
  auto registration = As("d-1", "dispatcher");
  ASSERT_TRUE(stub_->RegisterTechnician(registration.get(), Registration("r1", "T-7"), &ack).ok());
  EXPECT_EQ(ack.aggregate_id(), "T-7");
  EXPECT_EQ(ack.version(), 1);
  const std::string job_id = OpenTicket("TK-1");

  v1::AssignJobRequest assign;
  assign.set_request_id("a1");
  assign.set_job_id(job_id);
  assign.set_technician_id("T-7");
  assign.set_expected_version(1);
  assign.mutable_window_start()->set_seconds(1'700'007'200);
  assign.mutable_window_end()->set_seconds(1'700'014'400);
  auto assign_context = As("d-1", "dispatcher");
  grpc::Status assigned = stub_->AssignJob(assign_context.get(), assign, &ack);
  ASSERT_TRUE(assigned.ok()) << assigned.error_message();
  EXPECT_EQ(ack.aggregate_id(), job_id);
  EXPECT_EQ(ack.version(), 2);

  // A retry of the same request answers the same and changes nothing.
  common::v1::CommandAck retried;
  auto retry_context = As("d-1", "dispatcher");
  ASSERT_TRUE(stub_->AssignJob(retry_context.get(), assign, &retried).ok());
  EXPECT_EQ(retried.version(), 2);

  // Another technician may not start it; the assigned one may.
  v1::StartJobRequest start;
  start.set_request_id("s1");
  start.set_job_id(job_id);
  auto intruder = As("T-8", "technician");
  grpc::Status denied = stub_->StartJob(intruder.get(), start, &ack);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.error_message(), "This job is assigned to another technician.");
  start.mutable_device_time()->set_seconds(1'700'007'000);
  auto owner = As("T-7", "technician");
  grpc::Status started = stub_->StartJob(owner.get(), start, &ack);
  ASSERT_TRUE(started.ok()) << started.error_message();
  EXPECT_EQ(ack.version(), 3);

  v1::CompleteJobRequest complete;
  complete.set_request_id("c1");
  complete.set_job_id(job_id);
  complete.set_expected_version(3);
  complete.set_resolution("Replaced the ignition board.");
  common::v1::PartLine* part = complete.add_parts_used();
  part->set_sku("SKU-1");
  part->set_quantity(1);
  auto finisher = As("T-7", "technician");
  grpc::Status completed = stub_->CompleteJob(finisher.get(), complete, &ack);
  ASSERT_TRUE(completed.ok()) << completed.error_message();
  EXPECT_EQ(ack.version(), 4);

  // Any role reads the job.
  v1::GetJobRequest get;
  get.set_job_id(job_id);
  v1::Job job;
  auto care = As("c-1", "care");
  ASSERT_TRUE(stub_->GetJob(care.get(), get, &job).ok());
  EXPECT_EQ(job.state(), v1::JOB_STATE_COMPLETED);
  EXPECT_EQ(job.technician_id(), "T-7");
  EXPECT_EQ(job.window_end().seconds(), 1'700'014'400);
  EXPECT_EQ(job.resolution(), "Replaced the ignition board.");
  EXPECT_EQ(job.version(), 4);
}

TEST_F(SchedulingGrpcTest, ListsJobsAndTechnicians) {
  common::v1::CommandAck ack;
  auto registration = As("m-1", "manager");
  ASSERT_TRUE(stub_->RegisterTechnician(registration.get(), Registration("r1", "T-7"), &ack).ok());
  const std::string first = OpenTicket("TK-1");
  const std::string second = OpenTicket("TK-2");

  v1::ListJobsRequest request;
  request.set_state(v1::JOB_STATE_UNASSIGNED);
  request.set_page_size(1);
  v1::ListJobsResponse page;
  auto context = As("i-1", "intake");
  ASSERT_TRUE(stub_->ListJobs(context.get(), request, &page).ok());
  ASSERT_EQ(page.jobs_size(), 1);
  EXPECT_EQ(page.jobs(0).job_id(), std::min(first, second));
  ASSERT_FALSE(page.next_page_token().empty());

  request.set_page_token(page.next_page_token());
  auto next_context = As("i-1", "intake");
  ASSERT_TRUE(stub_->ListJobs(next_context.get(), request, &page).ok());
  ASSERT_EQ(page.jobs_size(), 1);
  EXPECT_EQ(page.jobs(0).job_id(), std::max(first, second));
  EXPECT_TRUE(page.next_page_token().empty());

  v1::ListTechniciansResponse technicians;
  auto warehouse = As("w-1", "warehouse");
  ASSERT_TRUE(stub_->ListTechnicians(warehouse.get(), {}, &technicians).ok());
  ASSERT_EQ(technicians.technicians_size(), 1);
  EXPECT_EQ(technicians.technicians(0).van_location_id(), "van-7");

  v1::GetTechnicianRequest get;
  get.set_technician_id("T-7");
  v1::Technician technician;
  auto technician_context = As("T-7", "technician");
  ASSERT_TRUE(stub_->GetTechnician(technician_context.get(), get, &technician).ok());
  EXPECT_EQ(technician.name(), "Li Wei");
}

}  // namespace
}  // namespace fieldline::scheduling
