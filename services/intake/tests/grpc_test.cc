// IntakeService over real gRPC, in process on port 0, with real signed tokens and a real
// EventStore in a temp dir.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fieldline/intake/v1/intake_service.grpc.pb.h"
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
#include "services/intake/adapters/grpc_service.h"
#include "services/intake/app/intake_app.h"

namespace fieldline::intake {
namespace {

using v1::IntakeService;

constexpr char kSecret[] = "intake-grpc-test-secret";
const absl::Time kStart = absl::FromUnixSeconds(1'790'000'000);

v1::OpenTicketRequest ValidRequest(const std::string& request_id) {
  v1::OpenTicketRequest r;
  r.set_request_id(request_id);
  r.mutable_customer()->set_name("Li Wei");
  r.mutable_customer()->set_phone("+86 138-0013-8000");
  r.mutable_customer()->set_address("12 Garden Road, Qingdao");
  r.mutable_customer()->mutable_location()->set_lat(36.07);
  r.mutable_customer()->mutable_location()->set_lng(120.38);
  r.set_category("refrigerator");
  r.set_symptom("Not cooling since yesterday.");
  r.set_priority(common::v1::PRIORITY_URGENT);
  r.set_channel("phone");
  auto* line = r.add_parts_needed();
  line->set_sku("COMP-100");
  line->set_quantity(1);
  return r;
}

class IntakeGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<IntakeApp>(*store_, clock_, ids_);
    service_ = std::make_unique<IntakeGrpcService>(*app_, verifier_, clock_);
    auto server = GrpcServer::Start("127.0.0.1:0", {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = IntakeService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  static std::string Token(const std::string& role, const std::string& user = "user-1") {
    auto token = IssueToken(kSecret, Actor{user, role}, absl::Now(), absl::Hours(1));
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }

  // A client context with a deadline and, unless `token` is empty, the bearer token.
  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }

  static std::string FieldTrailer(const grpc::ClientContext& context) {
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(kFieldTrailer);
    if (it == trailers.end()) return "<none>";
    return std::string(it->second.data(), it->second.size());
  }

  grpc::Status Open(const v1::OpenTicketRequest& request, common::v1::CommandAck* ack,
                    const std::string& role = "intake",
                    std::unique_ptr<grpc::ClientContext>* context_out = nullptr) {
    auto context = Context(Token(role, "agent-1"));
    grpc::Status status = stub_->OpenTicket(context.get(), request, ack);
    if (context_out != nullptr) *context_out = std::move(context);
    return status;
  }

  std::string MustOpen(const std::string& request_id) {
    common::v1::CommandAck ack;
    grpc::Status status = Open(ValidRequest(request_id), &ack);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return ack.aggregate_id();
  }

  fieldline::testing::TempDir dir_;
  FakeClock clock_{kStart};
  UuidV7Generator ids_;
  TokenVerifier verifier_{kSecret};
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<IntakeApp> app_;
  std::unique_ptr<IntakeGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<IntakeService::Stub> stub_;
};

TEST_F(IntakeGrpcTest, MissingTokenIsUnauthenticated) {
  auto context = Context("");
  common::v1::CommandAck ack;
  grpc::Status status = stub_->OpenTicket(context.get(), ValidRequest("req-1"), &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();

  auto list_context = Context("");
  v1::ListTicketsResponse list;
  status = stub_->ListTickets(list_context.get(), v1::ListTicketsRequest{}, &list);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IntakeGrpcTest, TokenSignedWithAnotherSecretIsUnauthenticated) {
  auto forged = IssueToken("another-secret", Actor{"agent-1", "intake"}, absl::Now(),
                           absl::Hours(1));
  ASSERT_TRUE(forged.ok());
  auto context = Context(*forged);
  common::v1::CommandAck ack;
  grpc::Status status = stub_->OpenTicket(context.get(), ValidRequest("req-1"), &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IntakeGrpcTest, TechnicianMayNotOpenTickets) {
  common::v1::CommandAck ack;
  grpc::Status status = Open(ValidRequest("req-1"), &ack, "technician");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  auto page = app_->ListTickets({});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->tickets.empty());
}

TEST_F(IntakeGrpcTest, WarehouseMayNotReadTickets) {
  std::string id = MustOpen("req-1");
  auto context = Context(Token("warehouse"));
  v1::GetTicketRequest request;
  request.set_ticket_id(id);
  v1::Ticket ticket;
  grpc::Status status = stub_->GetTicket(context.get(), request, &ticket);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(IntakeGrpcTest, EveryWriterRoleMayOpenTickets) {
  int n = 0;
  for (const char* role : {"intake", "dispatcher", "manager", "admin"}) {
    common::v1::CommandAck ack;
    grpc::Status status = Open(ValidRequest("req-" + std::to_string(++n)), &ack, role);
    EXPECT_TRUE(status.ok()) << role << ": " << status.error_message();
  }
}

TEST_F(IntakeGrpcTest, InvalidInputIsInvalidArgumentNamingTheField) {
  v1::OpenTicketRequest request = ValidRequest("req-1");
  request.mutable_customer()->set_phone("12ab");
  common::v1::CommandAck ack;
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status = Open(request, &ack, "intake", &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "customer.phone");
  EXPECT_NE(status.error_message().find("12ab is not a phone number"), std::string::npos)
      << status.error_message();
}

TEST_F(IntakeGrpcTest, BadPartLineIsNamedInTheTrailer) {
  v1::OpenTicketRequest request = ValidRequest("req-1");
  request.mutable_parts_needed(0)->set_quantity(-1);
  common::v1::CommandAck ack;
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status = Open(request, &ack, "intake", &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "parts_needed[0].quantity");
}

TEST_F(IntakeGrpcTest, MissingRequestIdIsInvalidArgument) {
  common::v1::CommandAck ack;
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status = Open(ValidRequest(""), &ack, "intake", &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "request_id");
  EXPECT_EQ(status.error_message(),
            "Every change needs a request id, so that a retry does not repeat it.");
}

TEST_F(IntakeGrpcTest, OpenedTicketCanBeReadBack) {
  v1::OpenTicketRequest request = ValidRequest("req-1");
  ToProto(kStart - absl::Minutes(3), request.mutable_device_time());
  common::v1::CommandAck ack;
  grpc::Status status = Open(request, &ack, "dispatcher");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(LooksLikeUuid(ack.aggregate_id())) << ack.aggregate_id();
  EXPECT_EQ(ack.version(), 1);

  auto context = Context(Token("technician"));
  v1::GetTicketRequest get;
  get.set_ticket_id(ack.aggregate_id());
  v1::Ticket ticket;
  status = stub_->GetTicket(context.get(), get, &ticket);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ticket.ticket_id(), ack.aggregate_id());
  EXPECT_EQ(ticket.state(), v1::TICKET_STATE_OPEN);
  EXPECT_EQ(ticket.customer().name(), "Li Wei");
  EXPECT_EQ(ticket.priority(), common::v1::PRIORITY_URGENT);
  EXPECT_EQ(ticket.version(), 1);
  EXPECT_EQ(FromProto(ticket.opened_at()), kStart);

  // The event records who asked (from the token) and when (server clock and device).
  auto stream = store_->ReadStream({"Ticket", ack.aggregate_id()});
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ(stream->size(), 1u);
  EXPECT_EQ((*stream)[0].actor().user_id(), "agent-1");
  EXPECT_EQ((*stream)[0].actor().role(), "dispatcher");
  EXPECT_EQ((*stream)[0].request_id(), "req-1");
  EXPECT_EQ(FromProto((*stream)[0].device_time()), kStart - absl::Minutes(3));
}

TEST_F(IntakeGrpcTest, RetriedRequestReturnsTheSameAck) {
  common::v1::CommandAck first;
  common::v1::CommandAck second;
  ASSERT_TRUE(Open(ValidRequest("req-1"), &first).ok());
  ASSERT_TRUE(Open(ValidRequest("req-1"), &second).ok());
  EXPECT_EQ(first.aggregate_id(), second.aggregate_id());
  EXPECT_EQ(first.version(), second.version());
  auto page = app_->ListTickets({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->tickets.size(), 1u);
}

TEST_F(IntakeGrpcTest, UnknownTicketIsNotFoundNamingTheField) {
  auto context = Context(Token("care"));
  v1::GetTicketRequest request;
  request.set_ticket_id("no-such-ticket");
  v1::Ticket ticket;
  grpc::Status status = stub_->GetTicket(context.get(), request, &ticket);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "There is no ticket no-such-ticket.");
  EXPECT_EQ(FieldTrailer(*context), "ticket_id");
}

TEST_F(IntakeGrpcTest, ListTicketsPagesAndFiltersByState) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(MustOpen("req-" + std::to_string(i)));
  std::sort(ids.begin(), ids.end());

  std::vector<std::string> seen;
  v1::ListTicketsRequest request;
  request.set_state(v1::TICKET_STATE_OPEN);
  request.set_page_size(2);
  for (int pages = 0; pages < 5; ++pages) {
    auto context = Context(Token("dispatcher"));
    v1::ListTicketsResponse response;
    grpc::Status status = stub_->ListTickets(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& t : response.tickets()) seen.push_back(t.ticket_id());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen, ids);

  auto context = Context(Token("dispatcher"));
  v1::ListTicketsRequest completed;
  completed.set_state(v1::TICKET_STATE_COMPLETED);
  v1::ListTicketsResponse response;
  ASSERT_TRUE(stub_->ListTickets(context.get(), completed, &response).ok());
  EXPECT_EQ(response.tickets_size(), 0);
}

TEST_F(IntakeGrpcTest, UnknownStateFilterIsInvalidArgument) {
  auto context = Context(Token("dispatcher"));
  v1::ListTicketsRequest request;
  request.set_state(static_cast<v1::TicketState>(42));
  v1::ListTicketsResponse response;
  grpc::Status status = stub_->ListTickets(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "state");
}

}  // namespace
}  // namespace fieldline::intake
