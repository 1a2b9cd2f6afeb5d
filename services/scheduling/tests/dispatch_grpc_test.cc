// The dispatch RPCs in-process on port 0 with real tokens: roles, INVALID_ARGUMENT with the
// field in the trailer, the technician's day over the wire, sync conflicts and the live board's
// resume without gaps or repeats.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fieldline/scheduling/v1/scheduling_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gmock/gmock.h"
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

using ::testing::HasSubstr;

constexpr char kSecret[] = "scheduling-dispatch-grpc-test-secret";
const DispatchPolicy kPolicy;
absl::Time Monday(int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, hour, minute, 0), kPolicy.time_zone);
}

class DispatchGrpcTest : public ::testing::Test {
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

  void MustRegister(const std::string& id) {
    v1::RegisterTechnicianRequest request;
    request.set_request_id("reg-" + id);
    request.set_technician_id(id);
    request.set_name("Tech " + id);
    request.set_phone("13800000000");
    request.add_skills("boiler");
    request.add_skill_levels(3);
    request.mutable_home_base()->set_lat(36.06);
    request.mutable_home_base()->set_lng(120.36);
    request.mutable_territory()->set_name("Shinan");
    request.mutable_territory()->mutable_center()->set_lat(36.06);
    request.mutable_territory()->mutable_center()->set_lng(120.38);
    request.mutable_territory()->set_radius_km(15);
    common::v1::CommandAck ack;
    auto context = As("d-1", "dispatcher");
    grpc::Status status = stub_->RegisterTechnician(context.get(), request, &ack);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::string OpenTicket(const std::string& ticket_id) {
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id(ticket_id);
    e.set_aggregate_version(1);
    intake::v1::TicketOpened* opened = e.mutable_intake()->mutable_ticket_opened();
    opened->set_ticket_id(ticket_id);
    opened->set_category("boiler");
    opened->mutable_customer()->mutable_location()->set_lat(36.07);
    opened->mutable_customer()->mutable_location()->set_lng(120.38);
    Batch batch = store_->NewBatch();
    EXPECT_TRUE(app_->Apply(e, batch).ok());
    EXPECT_TRUE(store_->Commit(std::move(batch)).ok());
    return SchedulingApp::JobIdForTicket(ticket_id);
  }

  grpc::Status Assign(const std::string& request_id, const std::string& job_id,
                      const std::string& technician, absl::Time start, absl::Time end,
                      grpc::ClientContext* context = nullptr) {
    v1::AssignJobRequest request;
    request.set_request_id(request_id);
    request.set_job_id(job_id);
    request.set_technician_id(technician);
    ToProto(start, request.mutable_window_start());
    ToProto(end, request.mutable_window_end());
    common::v1::CommandAck ack;
    auto own = As("d-1", "dispatcher");
    return stub_->AssignJob(context ? context : own.get(), request, &ack);
  }

  grpc::Status Update(grpc::Status (v1::SchedulingService::Stub::*rpc)(grpc::ClientContext*,
                                                                       const v1::JobUpdateRequest&,
                                                                       common::v1::CommandAck*),
                      const std::string& request_id, const std::string& job_id,
                      const std::string& user = "T-7", const std::string& role = "technician",
                      std::optional<absl::Time> device_time = std::nullopt) {
    v1::JobUpdateRequest request;
    request.set_request_id(request_id);
    request.set_job_id(job_id);
    if (device_time) ToProto(*device_time, request.mutable_device_time());
    common::v1::CommandAck ack;
    auto context = As(user, role);
    return (stub_.get()->*rpc)(context.get(), request, &ack);
  }

  testing::TempDir dir_;
  FakeClock clock_{Monday(7)};
  UuidV7Generator ids_;
  TokenVerifier verifier_{kSecret};
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<SchedulingApp> app_;
  std::unique_ptr<SchedulingGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::SchedulingService::Stub> stub_;
};

TEST_F(DispatchGrpcTest, RolesAreChecked) {
  common::v1::CommandAck ack;
  auto technician = As("T-7", "technician");
  v1::SetTechnicianShiftsRequest shifts;
  shifts.set_request_id("s");
  shifts.set_technician_id("T-7");
  EXPECT_EQ(stub_->SetTechnicianShifts(technician.get(), shifts, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto technician2 = As("T-7", "technician");
  v1::ReassignJobRequest reassign;
  reassign.set_request_id("r");
  EXPECT_EQ(stub_->ReassignJob(technician2.get(), reassign, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto technician3 = As("T-7", "technician");
  v1::ListSyncConflictsResponse conflicts;
  EXPECT_EQ(stub_->ListSyncConflicts(technician3.get(), {}, &conflicts).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto technician4 = As("T-7", "technician");
  v1::RecommendTechniciansResponse recommended;
  EXPECT_EQ(stub_->RecommendTechnicians(technician4.get(), {}, &recommended).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Update(&v1::SchedulingService::Stub::AcceptJob, "a", "job", "c-1", "care").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Update(&v1::SchedulingService::Stub::MarkArrived, "a", "job", "", "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto helper = As("T-7", "technician");
  v1::HelperRequest add;
  add.set_request_id("h");
  EXPECT_EQ(stub_->AddHelper(helper.get(), add, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto board = As("T-7", "technician");
  auto reader = stub_->WatchBoard(board.get(), {});
  v1::BoardUpdate update;
  EXPECT_FALSE(reader->Read(&update));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(DispatchGrpcTest, InvalidInputNamesTheField) {
  MustRegister("T-7");
  common::v1::CommandAck ack;
  {
    v1::SetTechnicianShiftsRequest request;
    request.set_request_id("s");
    request.set_technician_id("T-7");
    v1::WeeklyShift* shift = request.add_shifts();
    shift->set_weekday(9);
    auto context = As("d-1", "dispatcher");
    EXPECT_EQ(stub_->SetTechnicianShifts(context.get(), request, &ack).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldOf(*context), "shifts[0].weekday");
  }
  {
    v1::RecordAbsenceRequest request;
    request.set_request_id("a");
    request.set_technician_id("T-7");
    auto context = As("d-1", "dispatcher");
    EXPECT_EQ(stub_->RecordAbsence(context.get(), request, &ack).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldOf(*context), "start");
  }
  {
    v1::ReassignJobRequest request;
    request.set_request_id("r");
    request.set_job_id("j");
    request.set_technician_id("T-7");
    auto context = As("d-1", "dispatcher");
    EXPECT_EQ(stub_->ReassignJob(context.get(), request, &ack).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldOf(*context), "reason");
  }
  {
    v1::RescheduleJobRequest request;
    request.set_request_id("r");
    request.set_job_id("j");
    auto context = As("d-1", "dispatcher");
    EXPECT_EQ(stub_->RescheduleJob(context.get(), request, &ack).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldOf(*context), "window_start");
  }
  {
    v1::ReportWorkRequest request;
    request.set_request_id("w");
    request.set_job_id("j");
    request.set_fee_item("gift");
    auto context = As("T-7", "technician");
    EXPECT_EQ(stub_->ReportWork(context.get(), request, &ack).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldOf(*context), "fee_item");
  }
  {
    v1::HelperRequest request;
    request.set_request_id("rh");
    request.set_job_id("j");
    request.set_helper_id("T-7");
    auto context = As("d-1", "dispatcher");
    EXPECT_EQ(stub_->RemoveHelper(context.get(), request, &ack).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldOf(*context), "reason");
  }
  {
    v1::EndVisitRequest request;
    request.set_request_id("e");
    request.set_job_id("j");
    auto context = As("T-7", "technician");
    EXPECT_EQ(stub_->EndVisit(context.get(), request, &ack).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldOf(*context), "reason");
  }
  {
    v1::DepartTechnicianRequest request;
    request.set_request_id("d");
    request.set_technician_id("T-7");
    auto context = As("d-1", "dispatcher");
    EXPECT_EQ(stub_->DepartTechnician(context.get(), request, &ack).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldOf(*context), "reason");
  }
  {
    v1::SetFixedTechnicianRequest request;
    request.set_request_id("f");
    request.set_technician_id("T-7");
    auto context = As("d-1", "dispatcher");
    EXPECT_EQ(stub_->SetFixedTechnician(context.get(), request, &ack).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldOf(*context), "customer_id");
  }
}

TEST_F(DispatchGrpcTest, CollisionIsFailedPreconditionNamingTheBooking) {
  MustRegister("T-7");
  const std::string first = OpenTicket("TK-1");
  const std::string second = OpenTicket("TK-2");
  ASSERT_TRUE(Assign("a1", first, "T-7", Monday(9), Monday(11)).ok());
  grpc::Status status = Assign("a2", second, "T-7", Monday(10), Monday(12));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("overlaps the booking for job " + first));
}

TEST_F(DispatchGrpcTest, TechniciansDayOverTheWire) {
  MustRegister("T-7");
  const std::string job = OpenTicket("TK-1");
  ASSERT_TRUE(Assign("a1", job, "T-7", Monday(9), Monday(11)).ok());
  {
    v1::MyDayRequest request;
    ToProto(Monday(12), request.mutable_day());
    v1::MyDayResponse day;
    auto context = As("T-7", "technician");
    ASSERT_TRUE(stub_->MyDay(context.get(), request, &day).ok());
    ASSERT_EQ(day.jobs_size(), 1);
    EXPECT_EQ(day.checklist_size(), 5);
  }
  using Stub = v1::SchedulingService::Stub;
  ASSERT_TRUE(Update(&Stub::AcceptJob, "p1", job).ok());
  ASSERT_TRUE(Update(&Stub::MarkEnRoute, "p2", job).ok());
  ASSERT_TRUE(Update(&Stub::MarkArrived, "p3", job, "T-7", "technician", Monday(8, 57)).ok());
  {
    v1::ReportWorkRequest request;
    request.set_request_id("p4");
    request.set_job_id(job);
    request.add_checklist_done("clean up");
    request.set_fault_type("ignition");
    request.set_fee_item("inspection");
    common::v1::CommandAck ack;
    auto context = As("T-7", "technician");
    grpc::Status status = stub_->ReportWork(context.get(), request, &ack);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  {
    v1::CompleteJobRequest request;  // the existing RPC, unchanged
    request.set_request_id("p5");
    request.set_job_id(job);
    common::v1::CommandAck ack;
    auto context = As("T-7", "technician");
    ASSERT_TRUE(stub_->CompleteJob(context.get(), request, &ack).ok());
  }
  v1::GetJobRequest get;
  get.set_job_id(job);
  v1::Job got;
  auto context = As("d-1", "dispatcher");
  ASSERT_TRUE(stub_->GetJob(context.get(), get, &got).ok());
  EXPECT_EQ(got.state(), v1::JOB_STATE_COMPLETED);
  EXPECT_TRUE(got.arrival().on_time());
  EXPECT_EQ(got.work_report().fee_minor(), 3000);
}

TEST_F(DispatchGrpcTest, RefusedReplayIsAConflictTheDispatcherSees) {
  MustRegister("T-7");
  MustRegister("T-8");
  const std::string job = OpenTicket("TK-1");
  ASSERT_TRUE(Assign("a1", job, "T-7", Monday(9), Monday(11)).ok());
  {
    v1::UnassignJobRequest request;
    request.set_request_id("u");
    request.set_job_id(job);
    request.set_reason("customer cancelled the visit");
    common::v1::CommandAck ack;
    auto context = As("d-1", "dispatcher");
    ASSERT_TRUE(stub_->UnassignJob(context.get(), request, &ack).ok());
  }
  grpc::Status refused = Update(&v1::SchedulingService::Stub::MarkEnRoute, "phone-9", job);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("customer cancelled the visit"));
  v1::ListSyncConflictsResponse conflicts;
  auto context = As("d-1", "dispatcher");
  ASSERT_TRUE(stub_->ListSyncConflicts(context.get(), {}, &conflicts).ok());
  ASSERT_EQ(conflicts.conflicts_size(), 1);
  EXPECT_EQ(conflicts.conflicts(0).update(), "en route");
}

TEST_F(DispatchGrpcTest, RecommendationOverTheWire) {
  MustRegister("T-7");
  MustRegister("T-8");
  const std::string job = OpenTicket("TK-1");
  v1::RecommendTechniciansRequest request;
  request.set_job_id(job);
  ToProto(Monday(9), request.mutable_window_start());
  ToProto(Monday(10), request.mutable_window_end());
  v1::RecommendTechniciansResponse response;
  auto context = As("d-1", "dispatcher");
  ASSERT_TRUE(stub_->RecommendTechnicians(context.get(), request, &response).ok());
  EXPECT_EQ(response.considered(), 2);
  ASSERT_EQ(response.recommendations_size(), 2);
  EXPECT_GT(response.recommendations(0).reasons_size(), 0);
  auto bad = As("d-1", "dispatcher");
  request.clear_window_end();
  EXPECT_EQ(stub_->RecommendTechnicians(bad.get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(*bad), "window_end");
}

TEST_F(DispatchGrpcTest, BoardResumesWithoutGapsOrRepeats) {
  MustRegister("T-7");
  const std::string job = OpenTicket("TK-1");  // positions 1, 2
  std::vector<uint64_t> seen;
  uint64_t last = 0;
  {
    auto context = As("d-1", "dispatcher");
    auto reader = stub_->WatchBoard(context.get(), {});
    v1::BoardUpdate update;
    ASSERT_TRUE(reader->Read(&update));
    seen.push_back(update.position());
    EXPECT_TRUE(update.event().scheduling().has_technician_registered());
    last = update.position();
    context->TryCancel();  // the dispatcher's connection drops after one update
    while (reader->Read(&update)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  ASSERT_TRUE(Assign("a1", job, "T-7", Monday(9), Monday(11)).ok());  // position 3
  {
    auto context = As("d-1", "dispatcher");
    v1::WatchBoardRequest request;
    request.set_after_position(last);
    auto reader = stub_->WatchBoard(context.get(), request);
    v1::BoardUpdate update;
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(reader->Read(&update));
      seen.push_back(update.position());
    }
    EXPECT_TRUE(update.event().scheduling().has_job_assigned());
    // A change made while watching arrives live.
    ASSERT_TRUE(Update(&v1::SchedulingService::Stub::AcceptJob, "p1", job).ok());
    ASSERT_TRUE(reader->Read(&update));
    seen.push_back(update.position());
    EXPECT_TRUE(update.event().scheduling().has_job_accepted());
    context->TryCancel();
    while (reader->Read(&update)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace fieldline::scheduling
