// CallbacksService over a real in-process gRPC server on a free port, with real tokens.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fieldline/callbacks/v1/callbacks_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/callbacks/adapters/grpc_service.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/callbacks/domain/callback.h"
#include "services/callbacks/domain/reminder.h"
#include "services/common/core/clock.h"
#include "services/common/grpc/auth.h"
#include "services/common/grpc/server.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"

namespace fieldline::callbacks {
namespace {

constexpr char kSecret[] = "callbacks-grpc-test-secret";

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

EventEnvelope JobCompletedEvent(const std::string& job_id, const std::string& ticket_id,
                                absl::Time completed_at) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-complete-", job_id));
  e.set_aggregate_type("Job");
  e.set_aggregate_id(job_id);
  e.set_aggregate_version(5);
  ToProto(completed_at, e.mutable_server_time());
  e.set_correlation_id(absl::StrCat("corr-", ticket_id));
  auto* completed = e.mutable_scheduling()->mutable_job_completed();
  completed->set_job_id(job_id);
  completed->set_ticket_id(ticket_id);
  completed->set_technician_id("tech-7");
  return e;
}

EventEnvelope TicketOpenedEvent(const std::string& ticket_id, const std::string& name,
                                const std::string& phone) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-open-", ticket_id));
  e.set_aggregate_type("Ticket");
  e.set_aggregate_id(ticket_id);
  e.set_aggregate_version(1);
  ToProto(Utc(2024, 5, 1), e.mutable_server_time());
  auto* opened = e.mutable_intake()->mutable_ticket_opened();
  opened->set_ticket_id(ticket_id);
  opened->mutable_customer()->set_name(name);
  opened->mutable_customer()->set_phone(phone);
  return e;
}

std::string FieldTrailer(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kFieldTrailer);
  if (it == trailers.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

class CallbacksGrpcTest : public ::testing::Test {
 protected:
  CallbacksGrpcTest() : clock_(Utc(2024, 5, 6, 10, 0)), verifier_(kSecret) {}

  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    app_ = std::make_unique<CallbacksApp>(*store_, clock_);
    service_ = std::make_unique<CallbacksGrpcService>(*app_, verifier_);
    auto server = GrpcServer::Start("127.0.0.1:0", {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::CallbacksService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  void Deliver(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    ASSERT_TRUE(app_->Apply(event, batch).ok());
    ASSERT_TRUE(store_->Commit(std::move(batch)).ok());
  }

  // A client context carrying a real token for `role`; no token when `role` is empty.
  // A context whose token carries `permissions` beyond the role.
  std::unique_ptr<grpc::ClientContext> AsWith(const std::string& role,
                                              std::vector<std::string> permissions) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto token = IssueToken(kSecret, Actor{absl::StrCat("user-", role), role, permissions},
                            absl::Now(), absl::Hours(1));
    EXPECT_TRUE(token.ok()) << token.status();
    context->AddMetadata("authorization", absl::StrCat("Bearer ", *token));
    return context;
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& role) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!role.empty()) {
      auto token = IssueToken(kSecret, Actor{absl::StrCat("user-", role), role}, absl::Now(),
                              absl::Hours(1));
      EXPECT_TRUE(token.ok()) << token.status();
      context->AddMetadata("authorization", absl::StrCat("Bearer ", *token));
    }
    return context;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  TokenVerifier verifier_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CallbacksApp> app_;
  std::unique_ptr<CallbacksGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::CallbacksService::Stub> stub_;
};

TEST_F(CallbacksGrpcTest, ACallWithoutATokenIsUnauthenticated) {
  auto context = As("");
  v1::ListCallbacksResponse response;
  grpc::Status status = stub_->ListCallbacks(context.get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
}

TEST_F(CallbacksGrpcTest, ATokenSignedWithAnotherSecretIsUnauthenticated) {
  grpc::ClientContext context;
  auto token = IssueToken("some-other-secret", Actor{"user-care", "care"}, absl::Now(),
                          absl::Hours(1));
  ASSERT_TRUE(token.ok()) << token.status();
  context.AddMetadata("authorization", absl::StrCat("Bearer ", *token));
  v1::Callback response;
  v1::GetCallbackRequest request;
  request.set_callback_id("x");
  grpc::Status status = stub_->GetCallback(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
}

TEST_F(CallbacksGrpcTest, ATechnicianMayNotReadCallbacks) {
  for (const std::string role : {"technician", "warehouse", "intake"}) {
    auto get_context = As(role);
    v1::GetCallbackRequest request;
    request.set_callback_id(CallbackIdForJob("j-1"));
    v1::Callback callback;
    EXPECT_EQ(stub_->GetCallback(get_context.get(), request, &callback).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
    auto list_context = As(role);
    v1::ListCallbacksResponse list;
    EXPECT_EQ(stub_->ListCallbacks(list_context.get(), {}, &list).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
  }
}

TEST_F(CallbacksGrpcTest, CareDispatchersManagersAndAdminsMayReadCallbacks) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  for (const std::string role : {"care", "dispatcher", "manager", "admin"}) {
    auto context = As(role);
    v1::ListCallbacksResponse response;
    grpc::Status status = stub_->ListCallbacks(context.get(), {}, &response);
    ASSERT_TRUE(status.ok()) << role << ": " << status.error_message();
    EXPECT_EQ(response.callbacks_size(), 1) << role;
  }
}

TEST_F(CallbacksGrpcTest, GettingWithoutAnIdIsInvalidAndNamesTheField) {
  auto context = As("care");
  v1::Callback response;
  grpc::Status status = stub_->GetCallback(context.get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "callback_id");
}

TEST_F(CallbacksGrpcTest, ANegativePageSizeIsInvalidAndNamesTheField) {
  auto context = As("care");
  v1::ListCallbacksRequest request;
  request.set_page_size(-5);
  v1::ListCallbacksResponse response;
  grpc::Status status = stub_->ListCallbacks(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "page_size");
}

TEST_F(CallbacksGrpcTest, AnUnknownCallbackIsNotFound) {
  auto context = As("care");
  v1::GetCallbackRequest request;
  request.set_callback_id("cb-404");
  v1::Callback response;
  grpc::Status status = stub_->GetCallback(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "There is no callback cb-404.");
  EXPECT_EQ(FieldTrailer(*context), "callback_id");
}

TEST_F(CallbacksGrpcTest, GetCallbackReturnsTheScheduledCallback) {
  Deliver(TicketOpenedEvent("t-1", "Li Wei", "13800000000"));
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));

  auto context = As("care");
  v1::GetCallbackRequest request;
  request.set_callback_id(CallbackIdForJob("j-1"));
  v1::Callback callback;
  grpc::Status status = stub_->GetCallback(context.get(), request, &callback);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(callback.callback_id(), CallbackIdForJob("j-1"));
  EXPECT_EQ(callback.job_id(), "j-1");
  EXPECT_EQ(callback.ticket_id(), "t-1");
  EXPECT_EQ(callback.customer_name(), "Li Wei");
  EXPECT_EQ(callback.customer_phone(), "13800000000");
  EXPECT_EQ(callback.technician_id(), "tech-7");
  EXPECT_EQ(FromProto(callback.completed_at()), Utc(2024, 5, 6, 9, 0));
  EXPECT_EQ(FromProto(callback.due_at()), Utc(2024, 5, 8, 9, 0));
  EXPECT_EQ(callback.state(), v1::CALLBACK_STATE_DUE);
  EXPECT_FALSE(callback.overdue());
  EXPECT_EQ(callback.version(), 1);
}

TEST_F(CallbacksGrpcTest, AnOverdueCallbackIsMarkedOverdue) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  clock_.Advance(absl::Hours(72));
  auto context = As("manager");
  v1::GetCallbackRequest request;
  request.set_callback_id(CallbackIdForJob("j-1"));
  v1::Callback callback;
  ASSERT_TRUE(stub_->GetCallback(context.get(), request, &callback).ok());
  EXPECT_TRUE(callback.overdue());
}

TEST_F(CallbacksGrpcTest, ListCallbacksFiltersByJobAndPages) {
  for (int i = 0; i < 3; ++i) {
    Deliver(JobCompletedEvent(absl::StrCat("j-", i), "t-1", Utc(2024, 5, 6, 9, i)));
  }

  auto filtered_context = As("dispatcher");
  v1::ListCallbacksRequest filtered;
  filtered.set_job_id("j-1");
  v1::ListCallbacksResponse one;
  ASSERT_TRUE(stub_->ListCallbacks(filtered_context.get(), filtered, &one).ok());
  ASSERT_EQ(one.callbacks_size(), 1);
  EXPECT_EQ(one.callbacks(0).job_id(), "j-1");
  EXPECT_EQ(one.next_page_token(), "");

  std::vector<std::string> ids;
  v1::ListCallbacksRequest request;
  request.set_page_size(2);
  int pages = 0;
  while (true) {
    auto context = As("care");
    v1::ListCallbacksResponse page;
    ASSERT_TRUE(stub_->ListCallbacks(context.get(), request, &page).ok());
    ++pages;
    for (const auto& c : page.callbacks()) ids.push_back(c.callback_id());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(pages, 2);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

// --- commands ---

v1::AssignCallbackRequest AssignRequest(const std::string& request_id, const std::string& job,
                                        const std::string& agent) {
  v1::AssignCallbackRequest request;
  request.set_request_id(request_id);
  request.set_callback_id(CallbackIdForJob(job));
  request.set_agent_id(agent);
  return request;
}

TEST_F(CallbacksGrpcTest, AManagerAssignsAndTheAgentSeesItDue) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  auto context = As("manager");
  common::v1::CommandAck ack;
  grpc::Status status =
      stub_->AssignCallback(context.get(), AssignRequest("r1", "j-1", "user-care"), &ack);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ack.version(), 2);

  // The care agent lists their own due callbacks (agent id defaults to the caller).
  auto list_context = As("care");
  v1::ListDueCallbacksResponse due;
  ASSERT_TRUE(stub_->ListDueCallbacks(list_context.get(), {}, &due).ok());
  ASSERT_EQ(due.callbacks_size(), 1);
  EXPECT_EQ(due.callbacks(0).agent_id(), "user-care");
  EXPECT_EQ(due.callbacks(0).priority(), common::v1::PRIORITY_NORMAL);
  EXPECT_EQ(due.callbacks(0).reason(), "job_completed");
}

TEST_F(CallbacksGrpcTest, ACareAgentMayTakeACallbackButNotGiveItToSomeoneElse) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  auto other = As("care");
  common::v1::CommandAck ack;
  EXPECT_EQ(stub_->AssignCallback(other.get(), AssignRequest("r1", "j-1", "someone"), &ack)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto self = As("care");
  EXPECT_TRUE(stub_->AssignCallback(self.get(), AssignRequest("r2", "j-1", "user-care"), &ack).ok());
}

TEST_F(CallbacksGrpcTest, TechniciansAndDispatchersMayNotChangeCallbacks) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  for (const std::string role : {"technician", "dispatcher", "intake", "warehouse"}) {
    auto context = As(role);
    common::v1::CommandAck ack;
    EXPECT_EQ(stub_->AssignCallback(context.get(), AssignRequest("r", "j-1", "x"), &ack)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
    auto attempt_context = As(role);
    v1::RecordCallbackAttemptRequest attempt;
    attempt.set_request_id("r");
    attempt.set_callback_id(CallbackIdForJob("j-1"));
    attempt.set_outcome(v1::ATTEMPT_OUTCOME_NO_ANSWER);
    EXPECT_EQ(stub_->RecordCallbackAttempt(attempt_context.get(), attempt, &ack).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
  }
  auto no_token = As("");
  common::v1::CommandAck ack;
  EXPECT_EQ(stub_->AssignCallback(no_token.get(), AssignRequest("r", "j-1", "x"), &ack).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(CallbacksGrpcTest, ACommandWithoutARequestIdIsInvalidAndNamesTheField) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  auto context = As("manager");
  common::v1::CommandAck ack;
  grpc::Status status =
      stub_->AssignCallback(context.get(), AssignRequest("", "j-1", "user-care"), &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "request_id");
}

TEST_F(CallbacksGrpcTest, AStaleExpectedVersionIsAborted) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  auto context = As("manager");
  auto request = AssignRequest("r1", "j-1", "user-care");
  request.set_expected_version(3);
  common::v1::CommandAck ack;
  EXPECT_EQ(stub_->AssignCallback(context.get(), request, &ack).error_code(),
            grpc::StatusCode::ABORTED);
}

TEST_F(CallbacksGrpcTest, RecordingAReachedCallWithASurvey) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  v1::RecordCallbackAttemptRequest request;
  request.set_request_id("r1");
  request.set_callback_id(CallbackIdForJob("j-1"));
  request.set_outcome(v1::ATTEMPT_OUTCOME_REACHED);
  request.set_expected_version(1);
  v1::Survey* survey = request.mutable_survey();
  survey->set_attitude(5);
  survey->set_quality(4);
  survey->set_fixed(5);
  survey->set_punctuality(2);
  survey->set_respect_for_property(5);
  survey->set_no_extra_fee(5);
  auto context = As("care");
  common::v1::CommandAck ack;
  grpc::Status status = stub_->RecordCallbackAttempt(context.get(), request, &ack);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ack.version(), 4);  // attempt, reached, dissatisfied

  auto get_context = As("care");
  v1::GetCallbackRequest get;
  get.set_callback_id(CallbackIdForJob("j-1"));
  v1::Callback callback;
  ASSERT_TRUE(stub_->GetCallback(get_context.get(), get, &callback).ok());
  EXPECT_EQ(callback.state(), v1::CALLBACK_STATE_REACHED);
  EXPECT_TRUE(callback.dissatisfied());
  EXPECT_EQ(callback.survey().punctuality(), 2);
  ASSERT_EQ(callback.attempts_size(), 1);
  EXPECT_EQ(callback.attempts(0).agent_id(), "user-care");
  EXPECT_EQ(callback.attempts(0).outcome(), v1::ATTEMPT_OUTCOME_REACHED);
  EXPECT_EQ(callback.final_outcome(), v1::ATTEMPT_OUTCOME_REACHED);
}

TEST_F(CallbacksGrpcTest, ABadSurveyAnswerIsInvalidAndNamesTheQuestion) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  v1::RecordCallbackAttemptRequest request;
  request.set_request_id("r1");
  request.set_callback_id(CallbackIdForJob("j-1"));
  request.set_outcome(v1::ATTEMPT_OUTCOME_REACHED);
  request.mutable_survey()->set_attitude(7);
  auto context = As("care");
  common::v1::CommandAck ack;
  grpc::Status status = stub_->RecordCallbackAttempt(context.get(), request, &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "survey.attitude");

  auto no_outcome_context = As("care");
  request.clear_survey();
  request.set_outcome(v1::ATTEMPT_OUTCOME_UNSPECIFIED);
  EXPECT_EQ(stub_->RecordCallbackAttempt(no_outcome_context.get(), request, &ack).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*no_outcome_context), "outcome");
}

TEST_F(CallbacksGrpcTest, GetKpisIsForManagers) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  v1::GetKpisRequest request;
  request.set_period(v1::PERIOD_KIND_MONTH);
  request.set_year(2024);
  request.set_number(5);
  for (const std::string role : {"care", "dispatcher", "technician"}) {
    auto context = As(role);
    v1::Kpis kpis;
    EXPECT_EQ(stub_->GetKpis(context.get(), request, &kpis).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
  }
  request.set_profit_completion(90);
  request.set_maintenance_completion(100);
  request.set_complaint_completion(90);
  request.set_care_completion(90);
  auto context = As("manager");
  v1::Kpis kpis;
  grpc::Status status = stub_->GetKpis(context.get(), request, &kpis);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(kpis.callback_success().numerator(), 0);
  EXPECT_EQ(kpis.callback_success().denominator(), 1);
  EXPECT_EQ(kpis.callbacks_open(), 1);
  ASSERT_TRUE(kpis.has_callback_completion());
  EXPECT_DOUBLE_EQ(kpis.callback_completion(), 0);
  EXPECT_EQ(kpis.first_time_fix().denominator(), 1);
  EXPECT_TRUE(kpis.has_composite());
  EXPECT_FALSE(kpis.warnings().empty());
  EXPECT_EQ(FromProto(kpis.period_start()),
            absl::FromCivil(absl::CivilDay(2024, 5, 1), absl::FixedTimeZone(8 * 3600)));
}

TEST_F(CallbacksGrpcTest, GetKpisWithABadPeriodNamesTheField) {
  v1::GetKpisRequest request;
  request.set_year(2024);
  auto context = As("manager");
  v1::Kpis kpis;
  EXPECT_EQ(stub_->GetKpis(context.get(), request, &kpis).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "period");
  request.set_period(v1::PERIOD_KIND_QUARTER);
  request.set_number(5);
  auto quarter_context = As("manager");
  EXPECT_EQ(stub_->GetKpis(quarter_context.get(), request, &kpis).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*quarter_context), "number");
}

TEST_F(CallbacksGrpcTest, TheMonthlyReportComesAsJsonAndCsvForManagers) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 5, 6, 9, 0)));
  v1::GetMonthlyReportRequest request;
  request.set_year(2024);
  request.set_month(5);
  auto care = As("care");
  v1::MonthlyReport report;
  EXPECT_EQ(stub_->GetMonthlyReport(care.get(), request, &report).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto context = As("manager");
  grpc::Status status = stub_->GetMonthlyReport(context.get(), request, &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(report.month(), "2024-05");
  EXPECT_NE(report.json().find("\"callback_success\":{\"numerator\":0,\"denominator\":1"),
            std::string::npos)
      << report.json();
  // The CSV is an export: a manager without the "export" permission gets the JSON only.
  EXPECT_TRUE(report.csv().empty());
  EXPECT_TRUE(report.csv_withheld());
  EXPECT_FALSE(report.has_produced_at());  // computed on demand
  auto exporter = AsWith("manager", {"export"});
  v1::MonthlyReport exported;
  ASSERT_TRUE(stub_->GetMonthlyReport(exporter.get(), request, &exported).ok());
  EXPECT_FALSE(exported.csv_withheld());
  EXPECT_NE(exported.csv().find("2024-05,callback_success,0,1,0.00,"), std::string::npos)
      << exported.csv();
  request.set_month(13);
  auto bad = As("manager");
  EXPECT_EQ(stub_->GetMonthlyReport(bad.get(), request, &report).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*bad), "number");
}

TEST_F(CallbacksGrpcTest, TheReportProducedOnThe1stIsStoredOnceAndServed) {
  Deliver(JobCompletedEvent("j-1", "t-1", Utc(2024, 4, 6, 9, 0)));
  // 1 May 00:10 local (UTC+8) is 30 April 16:10 UTC: the run covers April.
  const absl::Time first = Utc(2024, 4, 30, 16, 10);
  auto produced = app_->ProduceMonthlyReport(first);
  ASSERT_TRUE(produced.ok()) << produced.status();
  EXPECT_TRUE(*produced);
  auto again = app_->ProduceMonthlyReport(first + absl::Hours(30));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(*again);
  // A callback completed in April later does not change the stored report.
  Deliver(JobCompletedEvent("j-2", "t-2", Utc(2024, 4, 7, 9, 0)));

  v1::GetMonthlyReportRequest request;
  request.set_year(2024);
  request.set_month(4);
  auto admin = As("admin");  // admin holds every permission
  v1::MonthlyReport report;
  ASSERT_TRUE(stub_->GetMonthlyReport(admin.get(), request, &report).ok());
  EXPECT_EQ(report.month(), "2024-04");
  EXPECT_EQ(FromProto(report.produced_at()), first);
  EXPECT_NE(report.csv().find("2024-04,callback_success,0,1,"), std::string::npos)
      << report.csv();
  auto manager = As("manager");
  ASSERT_TRUE(stub_->GetMonthlyReport(manager.get(), request, &report).ok());
  EXPECT_TRUE(report.csv().empty());
  EXPECT_TRUE(report.csv_withheld());
}

TEST_F(CallbacksGrpcTest, AYearEndRunCoversDecember) {
  auto produced = app_->ProduceMonthlyReport(Utc(2024, 12, 31, 16, 30));  // 1 Jan 2025 local
  ASSERT_TRUE(produced.ok()) << produced.status();
  auto stored = app_->StoredMonthlyReport(2024, 12);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->month(), "2024-12");
  auto none = app_->StoredMonthlyReport(2025, 1);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

// --- reminders ---

EventEnvelope AssetWithWarrantyEndingEvent(const std::string& asset_id, absl::Time warranty_end) {
  EventEnvelope e;
  e.set_event_id(absl::StrCat("evt-asset-", asset_id));
  e.set_aggregate_type("Asset");
  e.set_aggregate_id(asset_id);
  e.set_aggregate_version(1);
  ToProto(Utc(2024, 5, 1), e.mutable_server_time());
  auto* a = e.mutable_intake()->mutable_asset_registered();
  a->set_asset_id(asset_id);
  a->set_customer_id("cust-1");
  a->set_model("WM-100");
  ToProto(warranty_end, a->mutable_warranty_end());
  return e;
}

TEST_F(CallbacksGrpcTest, ADueReminderIsListedAndItsOutcomeRecorded) {
  Deliver(AssetWithWarrantyEndingEvent("a-1", Utc(2024, 6, 1)));
  ASSERT_TRUE(app_->FallDueReminders(clock_.Now()).ok());

  auto list_context = As("care");
  v1::ListDueRemindersRequest due_request;
  due_request.set_kind(v1::REMINDER_KIND_WARRANTY_EXPIRY);
  v1::ListRemindersResponse due;
  grpc::Status listed = stub_->ListDueReminders(list_context.get(), due_request, &due);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  ASSERT_EQ(due.reminders_size(), 1);
  const v1::Reminder& reminder = due.reminders(0);
  EXPECT_EQ(reminder.asset_id(), "a-1");
  EXPECT_EQ(reminder.kind(), v1::REMINDER_KIND_WARRANTY_EXPIRY);
  EXPECT_EQ(reminder.state(), v1::REMINDER_STATE_DUE);
  EXPECT_EQ(FromProto(reminder.due_by()), Utc(2024, 6, 1));

  auto record_context = As("care");
  v1::RecordReminderOutcomeRequest record;
  record.set_request_id("req-rem-1");
  record.set_reminder_id(reminder.reminder_id());
  record.set_outcome(v1::REMINDER_OUTCOME_INFORMED);
  record.set_note("will renew");
  common::v1::CommandAck ack;
  grpc::Status recorded = stub_->RecordReminderOutcome(record_context.get(), record, &ack);
  ASSERT_TRUE(recorded.ok()) << recorded.error_message();
  EXPECT_EQ(ack.version(), 3);

  auto get_context = As("dispatcher");
  v1::GetReminderRequest get;
  get.set_reminder_id(reminder.reminder_id());
  v1::Reminder after;
  ASSERT_TRUE(stub_->GetReminder(get_context.get(), get, &after).ok());
  EXPECT_EQ(after.state(), v1::REMINDER_STATE_ANSWERED);
  EXPECT_EQ(after.outcome(), v1::REMINDER_OUTCOME_INFORMED);
  EXPECT_EQ(after.outcome_agent_id(), "user-care");
  EXPECT_EQ(after.note(), "will renew");

  auto asset_context = As("manager");
  v1::ListRemindersRequest by_asset;
  by_asset.set_asset_id("a-1");
  v1::ListRemindersResponse of_asset;
  ASSERT_TRUE(stub_->ListReminders(asset_context.get(), by_asset, &of_asset).ok());
  EXPECT_EQ(of_asset.reminders_size(), 1);
}

TEST_F(CallbacksGrpcTest, RemindersNeedATokenAndTheRightRole) {
  auto anonymous = As("");
  v1::ListRemindersResponse list;
  EXPECT_EQ(stub_->ListDueReminders(anonymous.get(), {}, &list).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto no_token = As("");
  common::v1::CommandAck ack;
  EXPECT_EQ(stub_->RecordReminderOutcome(no_token.get(), {}, &ack).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  for (const std::string role : {"technician", "warehouse", "intake", "dispatcher"}) {
    auto context = As(role);
    v1::RecordReminderOutcomeRequest request;
    request.set_request_id("req-x");
    request.set_reminder_id("r-1");
    request.set_outcome(v1::REMINDER_OUTCOME_INFORMED);
    EXPECT_EQ(stub_->RecordReminderOutcome(context.get(), request, &ack).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
  }
  auto technician = As("technician");
  v1::GetReminderRequest get;
  get.set_reminder_id("r-1");
  v1::Reminder reminder;
  EXPECT_EQ(stub_->GetReminder(technician.get(), get, &reminder).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(CallbacksGrpcTest, InvalidReminderInputNamesTheField) {
  Deliver(AssetWithWarrantyEndingEvent("a-1", Utc(2024, 6, 1)));
  ASSERT_TRUE(app_->FallDueReminders(clock_.Now()).ok());
  const std::string id = ReminderIdFor("a-1", ReminderKind::kWarrantyExpiry, Utc(2024, 6, 1));
  struct Case {
    std::string request_id, reminder_id;
    v1::ReminderOutcome outcome;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"", id, v1::REMINDER_OUTCOME_INFORMED, "request_id"},
           {"req-1", "", v1::REMINDER_OUTCOME_INFORMED, "reminder_id"},
           {"req-2", id, v1::REMINDER_OUTCOME_UNSPECIFIED, "outcome"},
           {"req-3", id, v1::REMINDER_OUTCOME_BOOKED, "outcome"},
       }) {
    auto context = As("care");
    v1::RecordReminderOutcomeRequest request;
    request.set_request_id(c.request_id);
    request.set_reminder_id(c.reminder_id);
    request.set_outcome(c.outcome);
    common::v1::CommandAck ack;
    grpc::Status status = stub_->RecordReminderOutcome(context.get(), request, &ack);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(FieldTrailer(*context), c.field);
  }
  auto get_context = As("care");
  v1::Reminder reminder;
  grpc::Status missing = stub_->GetReminder(get_context.get(), {}, &reminder);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*get_context), "reminder_id");
  auto page_context = As("care");
  v1::ListDueRemindersRequest bad_page;
  bad_page.set_page_size(-1);
  v1::ListRemindersResponse list;
  EXPECT_EQ(stub_->ListDueReminders(page_context.get(), bad_page, &list).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*page_context), "page_size");
}

}  // namespace
}  // namespace fieldline::callbacks
