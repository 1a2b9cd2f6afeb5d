// The issue-3 RPCs of IntakeService over real gRPC, in process on port 0, with real signed
// tokens and a real EventStore in a temp dir: roles, the fieldline-field trailer, and each RPC's
// happy path.

#include <chrono>
#include <memory>
#include <string>

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

constexpr char kSecret[] = "intake-lifecycle-grpc-secret";
const absl::Time kStart = absl::FromUnixSeconds(1'790'000'000);

class IntakeLifecycleGrpcTest : public ::testing::Test {
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

  // A context with a deadline and a token for `role` (none when role is empty).
  static std::unique_ptr<grpc::ClientContext> As(const std::string& role) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!role.empty()) {
      auto token = IssueToken(kSecret, Actor{"user-" + role, role}, absl::Now(), absl::Hours(1));
      EXPECT_TRUE(token.ok());
      context->AddMetadata("authorization", "Bearer " + *token);
    }
    return context;
  }

  static std::string FieldTrailer(const grpc::ClientContext& context) {
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(kFieldTrailer);
    if (it == trailers.end()) return "<none>";
    return std::string(it->second.data(), it->second.size());
  }

  static v1::RegisterCustomerRequest CustomerRequest(const std::string& request_id,
                                                     const std::string& phone) {
    v1::RegisterCustomerRequest r;
    r.set_request_id(request_id);
    r.set_name("Wang Wei");
    r.add_phones(phone);
    r.set_tier(v1::CUSTOMER_TIER_KEY_ACCOUNT);
    r.set_consent_to_messages(true);
    return r;
  }

  std::string MustRegisterCustomer(const std::string& request_id, const std::string& phone) {
    auto context = As("intake");
    common::v1::CommandAck ack;
    grpc::Status s = stub_->RegisterCustomer(context.get(), CustomerRequest(request_id, phone), &ack);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return ack.aggregate_id();
  }

  std::string MustOpen(const std::string& request_id) {
    v1::OpenTicketRequest r;
    r.set_request_id(request_id);
    r.mutable_customer()->set_name("Li Wei");
    r.mutable_customer()->set_phone("13800138000");
    r.set_category("refrigerator");
    auto context = As("intake");
    common::v1::CommandAck ack;
    grpc::Status s = stub_->OpenTicket(context.get(), r, &ack);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return ack.aggregate_id();
  }

  using ChangeRpc = grpc::Status (IntakeService::Stub::*)(grpc::ClientContext*,
                                                          const v1::ChangeTicketRequest&,
                                                          common::v1::CommandAck*);
  grpc::Status Change(ChangeRpc rpc, const std::string& role, const v1::ChangeTicketRequest& r,
                      std::string* field = nullptr) {
    auto context = As(role);
    common::v1::CommandAck ack;
    grpc::Status s = ((*stub_).*rpc)(context.get(), r, &ack);
    if (field != nullptr) *field = FieldTrailer(*context);
    return s;
  }

  static v1::ChangeTicketRequest ChangeRequest(const std::string& request_id,
                                               const std::string& ticket_id, int64_t version) {
    v1::ChangeTicketRequest r;
    r.set_request_id(request_id);
    r.set_ticket_id(ticket_id);
    r.set_expected_version(version);
    return r;
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

TEST_F(IntakeLifecycleGrpcTest, RegisterCustomerChecksTokenRoleAndFields) {
  common::v1::CommandAck ack;
  auto anonymous = As("");
  EXPECT_EQ(stub_->RegisterCustomer(anonymous.get(), CustomerRequest("c-1", "13800000001"), &ack)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto tech = As("technician");
  EXPECT_EQ(stub_->RegisterCustomer(tech.get(), CustomerRequest("c-1", "13800000001"), &ack)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::RegisterCustomerRequest bad = CustomerRequest("c-1", "13800000001");
  bad.set_name("");
  auto context = As("intake");
  grpc::Status s = stub_->RegisterCustomer(context.get(), bad, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "name");
  auto no_request_id = As("intake");
  EXPECT_EQ(stub_->RegisterCustomer(no_request_id.get(), CustomerRequest("", "13800000001"), &ack)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*no_request_id), "request_id");
}

TEST_F(IntakeLifecycleGrpcTest, DuplicatePhoneIsAlreadyExistsAndFindByPhoneWorks) {
  const std::string id = MustRegisterCustomer("c-1", "13800000001");
  auto context = As("intake");
  common::v1::CommandAck ack;
  grpc::Status s =
      stub_->RegisterCustomer(context.get(), CustomerRequest("c-2", "138-0000-0001"), &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(FieldTrailer(*context), "phones[0]");
  EXPECT_NE(s.error_message().find(id), std::string::npos) << s.error_message();

  v1::FindCustomerByPhoneRequest find;
  find.set_phone("13800000001");
  v1::Customer customer;
  auto find_context = As("care");
  ASSERT_TRUE(stub_->FindCustomerByPhone(find_context.get(), find, &customer).ok());
  EXPECT_EQ(customer.customer_id(), id);
  EXPECT_EQ(customer.tier(), v1::CUSTOMER_TIER_KEY_ACCOUNT);
}

TEST_F(IntakeLifecycleGrpcTest, AssetsRegisterTransferWithVersionAndShowInHistory) {
  const std::string alice = MustRegisterCustomer("c-1", "13800000001");
  const std::string bob = MustRegisterCustomer("c-2", "13800000002");
  v1::RegisterAssetRequest asset;
  asset.set_request_id("a-1");
  asset.set_customer_id(alice);
  asset.set_model("BCD-470");
  asset.set_serial("SN1");
  ToProto(kStart - absl::Hours(24), asset.mutable_installed_on());
  common::v1::CommandAck ack;
  auto context = As("intake");
  ASSERT_TRUE(stub_->RegisterAsset(context.get(), asset, &ack).ok());
  const std::string asset_id = ack.aggregate_id();

  v1::RegisterAssetRequest no_serial = asset;
  no_serial.set_request_id("a-2");
  no_serial.set_serial("");
  auto bad = As("intake");
  EXPECT_EQ(stub_->RegisterAsset(bad.get(), no_serial, &ack).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*bad), "serial");

  v1::TransferAssetRequest transfer;
  transfer.set_request_id("t-1");
  transfer.set_asset_id(asset_id);
  transfer.set_to_customer_id(bob);
  transfer.set_reason("Sold.");
  transfer.set_expected_version(7);
  auto stale = As("intake");
  EXPECT_EQ(stub_->TransferAsset(stale.get(), transfer, &ack).error_code(),
            grpc::StatusCode::ABORTED);
  transfer.set_request_id("t-2");
  transfer.set_expected_version(1);
  auto ok = As("intake");
  ASSERT_TRUE(stub_->TransferAsset(ok.get(), transfer, &ack).ok());
  EXPECT_EQ(ack.version(), 2);

  v1::GetCustomerRequest get;
  get.set_customer_id(bob);
  v1::CustomerHistory history;
  auto history_context = As("care");
  ASSERT_TRUE(stub_->GetCustomerHistory(history_context.get(), get, &history).ok());
  ASSERT_EQ(history.assets_size(), 1);
  EXPECT_EQ(history.assets(0).asset_id(), asset_id);
  EXPECT_EQ(history.customer().customer_id(), bob);
}

TEST_F(IntakeLifecycleGrpcTest, LifecycleRpcsCheckRolesFieldsStatesAndVersions) {
  const std::string t = MustOpen("o-1");
  std::string field;
  // Tickets close on callbacks' outcome; the manual close is a manager's (care may not).
  v1::ChangeTicketRequest close = ChangeRequest("x-1", t, 0);
  close.set_reason("satisfied");
  EXPECT_EQ(Change(&IntakeService::Stub::CloseTicket, "intake", close).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Change(&IntakeService::Stub::CloseTicket, "care", close).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // An open ticket cannot be closed: the message names the state.
  grpc::Status s = Change(&IntakeService::Stub::CloseTicket, "manager", close);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("is open"), std::string::npos) << s.error_message();
  // Missing resolution.
  v1::ChangeTicketRequest resolve = ChangeRequest("x-2", t, 1);
  EXPECT_EQ(Change(&IntakeService::Stub::ResolveTicketRemotely, "intake", resolve, &field)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "resolution");
  // Stale version.
  resolve.set_request_id("x-3");
  resolve.set_resolution("Reset by phone.");
  resolve.set_expected_version(4);
  EXPECT_EQ(Change(&IntakeService::Stub::ResolveTicketRemotely, "intake", resolve).error_code(),
            grpc::StatusCode::ABORTED);
  resolve.set_request_id("x-4");
  resolve.set_expected_version(1);
  ASSERT_TRUE(Change(&IntakeService::Stub::ResolveTicketRemotely, "intake", resolve).ok());
  close.set_request_id("x-5");
  ASSERT_TRUE(Change(&IntakeService::Stub::CloseTicket, "manager", close).ok());
  v1::ChangeTicketRequest reopen = ChangeRequest("x-6", t, 3);
  reopen.set_reason("Fault came back.");
  ASSERT_TRUE(Change(&IntakeService::Stub::ReopenTicket, "care", reopen).ok());
  v1::ChangeTicketRequest cancel = ChangeRequest("x-7", t, 4);
  EXPECT_EQ(Change(&IntakeService::Stub::CancelTicket, "dispatcher", cancel, &field).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "reason");
  cancel.set_reason("Customer withdrew.");
  cancel.set_request_id("x-8");
  ASSERT_TRUE(Change(&IntakeService::Stub::CancelTicket, "dispatcher", cancel).ok());

  v1::GetTicketRequest get;
  get.set_ticket_id(t);
  v1::Ticket ticket;
  auto context = As("intake");
  ASSERT_TRUE(stub_->GetTicket(context.get(), get, &ticket).ok());
  EXPECT_EQ(ticket.state(), v1::TICKET_STATE_CANCELLED);
  EXPECT_EQ(ticket.version(), 5);
}

TEST_F(IntakeLifecycleGrpcTest, DepotPathOverGrpc) {
  const std::string t = MustOpen("o-1");
  v1::ChangeTicketRequest r = ChangeRequest("d-1", t, 1);
  std::string field;
  EXPECT_EQ(Change(&IntakeService::Stub::ReceiveAtServiceCentre, "warehouse", r, &field)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "location_id");
  r.set_location_id("SC-1");
  ASSERT_TRUE(Change(&IntakeService::Stub::ReceiveAtServiceCentre, "warehouse", r).ok());
  r = ChangeRequest("d-2", t, 2);
  r.set_location_id("Factory-Q");
  ASSERT_TRUE(Change(&IntakeService::Stub::SendToFactory, "warehouse", r).ok());
  r = ChangeRequest("d-3", t, 3);
  ASSERT_TRUE(Change(&IntakeService::Stub::ReceiveFromFactory, "warehouse", r).ok());
  r = ChangeRequest("d-4", t, 4);
  r.set_resolution("Board replaced.");
  EXPECT_EQ(Change(&IntakeService::Stub::ReturnToCustomer, "technician", r).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Change(&IntakeService::Stub::ReturnToCustomer, "warehouse", r).ok());

  v1::GetTimelineRequest timeline_request;
  timeline_request.set_aggregate_type("Ticket");
  timeline_request.set_aggregate_id(t);
  v1::Timeline timeline;
  auto context = As("manager");
  ASSERT_TRUE(stub_->GetTimeline(context.get(), timeline_request, &timeline).ok());
  ASSERT_EQ(timeline.entries_size(), 5);
  EXPECT_EQ(timeline.entries(1).what(), "TicketReceivedAtServiceCentre");
  EXPECT_EQ(timeline.entries(4).role(), "warehouse");
  EXPECT_EQ(timeline.entries(4).why(), "Board replaced.");
}

TEST_F(IntakeLifecycleGrpcTest, TicketAsOfNeedsATimeAndListFiltersByCustomer) {
  const std::string t = MustOpen("o-1");
  v1::GetTicketAsOfRequest as_of;
  as_of.set_ticket_id(t);
  v1::Ticket ticket;
  auto missing = As("intake");
  EXPECT_EQ(stub_->GetTicketAsOf(missing.get(), as_of, &ticket).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*missing), "as_of");
  ToProto(kStart + absl::Seconds(1), as_of.mutable_as_of());
  auto context = As("intake");
  ASSERT_TRUE(stub_->GetTicketAsOf(context.get(), as_of, &ticket).ok());
  EXPECT_EQ(ticket.state(), v1::TICKET_STATE_OPEN);

  v1::ListTicketsRequest list;
  list.set_phone("138-0013-8000");
  v1::ListTicketsResponse page;
  auto list_context = As("dispatcher");
  ASSERT_TRUE(stub_->ListTickets(list_context.get(), list, &page).ok());
  EXPECT_EQ(page.tickets_size(), 1);
  list.set_category("washer");
  page.Clear();
  auto list_context2 = As("dispatcher");
  ASSERT_TRUE(stub_->ListTickets(list_context2.get(), list, &page).ok());
  EXPECT_EQ(page.tickets_size(), 0);
}

TEST_F(IntakeLifecycleGrpcTest, ComplaintsOverGrpc) {
  v1::RegisterComplaintRequest r;
  r.set_request_id("k-1");
  r.set_kind("complaint");
  r.set_customer_id("cust-1");
  r.set_category("fee");
  common::v1::CommandAck ack;
  auto tech = As("technician");
  EXPECT_EQ(stub_->RegisterComplaint(tech.get(), r, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto bad = As("care");
  EXPECT_EQ(stub_->RegisterComplaint(bad.get(), r, &ack).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*bad), "description");
  r.set_description("Charged an extra fee.");
  auto ok = As("care");
  ASSERT_TRUE(stub_->RegisterComplaint(ok.get(), r, &ack).ok());
  const std::string id = ack.aggregate_id();

  v1::ComplaintChangeRequest close;
  close.set_request_id("k-2");
  close.set_complaint_id(id);
  close.set_basis("resolved");
  auto refused = As("care");
  grpc::Status s = stub_->CloseComplaint(refused.get(), close, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  close.set_request_id("k-3");
  close.set_basis("manager_signoff");
  close.set_text("Company rules cannot resolve it.");
  auto care = As("care");
  EXPECT_EQ(stub_->CloseComplaint(care.get(), close, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  close.set_request_id("k-4");
  auto manager = As("manager");
  ASSERT_TRUE(stub_->CloseComplaint(manager.get(), close, &ack).ok());

  v1::GetComplaintRequest get;
  get.set_complaint_id(id);
  v1::Complaint complaint;
  auto reader = As("care");
  ASSERT_TRUE(stub_->GetComplaint(reader.get(), get, &complaint).ok());
  EXPECT_TRUE(complaint.closed());

  v1::ComplaintChangeRequest note;
  note.set_request_id("k-5");
  note.set_complaint_id(id);
  note.set_text("Called back.");
  auto closed_note = As("care");
  EXPECT_EQ(stub_->AddComplaintNote(closed_note.get(), note, &ack).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::ComplaintChangeRequest reopen;
  reopen.set_request_id("k-6");
  reopen.set_complaint_id(id);
  reopen.set_text("Customer called again.");
  auto reopen_context = As("care");
  ASSERT_TRUE(stub_->ReopenComplaint(reopen_context.get(), reopen, &ack).ok());
  auto note_context = As("care");
  ASSERT_TRUE(stub_->AddComplaintNote(note_context.get(), note, &ack).ok());
  EXPECT_EQ(ack.version(), 4);
}

// ------------------------------------------------------------------------------ SLA RPCs

TEST_F(IntakeLifecycleGrpcTest, WaitForCustomerAndResumeCheckTokenRoleFieldsAndState) {
  const std::string ticket = MustOpen("t-1");
  std::string field;
  EXPECT_EQ(Change(&IntakeService::Stub::WaitForCustomer, "", ChangeRequest("w-1", ticket, 0))
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      Change(&IntakeService::Stub::WaitForCustomer, "technician", ChangeRequest("w-1", ticket, 0))
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Change(&IntakeService::Stub::WaitForCustomer, "dispatcher",
                   ChangeRequest("w-1", ticket, 0), &field)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(field, "reason");
  v1::ChangeTicketRequest wait = ChangeRequest("w-2", ticket, 1);
  wait.set_reason("customer must approve the quote");
  ASSERT_TRUE(Change(&IntakeService::Stub::WaitForCustomer, "dispatcher", wait).ok());
  v1::ChangeTicketRequest stale = ChangeRequest("w-3", ticket, 1);
  stale.set_reason("again");
  EXPECT_EQ(Change(&IntakeService::Stub::ResumeFromCustomer, "care", stale).error_code(),
            grpc::StatusCode::ABORTED);
  ASSERT_TRUE(
      Change(&IntakeService::Stub::ResumeFromCustomer, "care", ChangeRequest("r-1", ticket, 2))
          .ok());
  EXPECT_EQ(
      Change(&IntakeService::Stub::ResumeFromCustomer, "care", ChangeRequest("r-2", ticket, 0))
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(IntakeLifecycleGrpcTest, GetTicketSlaAndWhatIfCheckRolesAndFields) {
  const std::string ticket = MustOpen("t-1");
  v1::GetTicketSlaRequest get;
  get.set_ticket_id(ticket);
  v1::TicketSla sla;
  auto anonymous = As("");
  EXPECT_EQ(stub_->GetTicketSla(anonymous.get(), get, &sla).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto warehouse = As("warehouse");
  EXPECT_EQ(stub_->GetTicketSla(warehouse.get(), get, &sla).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto tech = As("technician");
  ASSERT_TRUE(stub_->GetTicketSla(tech.get(), get, &sla).ok());
  EXPECT_EQ(sla.ticket_id(), ticket);
  ASSERT_EQ(sla.clocks_size(), 3);
  EXPECT_EQ(sla.clocks(0).clock(), "response");
  EXPECT_EQ(sla.clocks(0).allowance_minutes(), 120);
  EXPECT_EQ(sla.clocks(0).allowance_source(), "policy");
  v1::GetTicketSlaRequest missing;
  auto missing_context = As("intake");
  EXPECT_EQ(stub_->GetTicketSla(missing_context.get(), missing, &sla).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*missing_context), "ticket_id");

  v1::SlaWhatIfRequest what_if;
  ToProto(kStart - absl::Hours(1), what_if.mutable_opened_from());
  ToProto(kStart + absl::Hours(1), what_if.mutable_opened_before());
  what_if.mutable_policy()->add_allowances()->set_response_minutes(1);
  v1::SlaWhatIfResponse result;
  auto intake_role = As("intake");
  EXPECT_EQ(stub_->SlaWhatIf(intake_role.get(), what_if, &result).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::SlaWhatIfRequest bad = what_if;
  bad.mutable_policy()->set_warning_fraction(2);
  auto bad_context = As("manager");
  EXPECT_EQ(stub_->SlaWhatIf(bad_context.get(), bad, &result).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*bad_context), "policy.warning_fraction");
  bad = what_if;
  bad.mutable_policy()->mutable_calendar()->add_holidays("2026-02-30");
  auto holiday_context = As("manager");
  EXPECT_EQ(stub_->SlaWhatIf(holiday_context.get(), bad, &result).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*holiday_context), "policy.calendar.holidays[0]");
  auto manager = As("manager");
  ASSERT_TRUE(stub_->SlaWhatIf(manager.get(), what_if, &result).ok());
  EXPECT_EQ(result.tickets_considered(), 1);
}

TEST_F(IntakeLifecycleGrpcTest, RegisterCustomerTakesBirthdayAndRegion) {
  v1::RegisterCustomerRequest r = CustomerRequest("c-1", "13800000001");
  r.set_birthday("1990-07-01");
  r.set_region("Qingdao/Laoshan");
  auto context = As("intake");
  common::v1::CommandAck ack;
  ASSERT_TRUE(stub_->RegisterCustomer(context.get(), r, &ack).ok());
  v1::GetCustomerRequest get;
  get.set_customer_id(ack.aggregate_id());
  v1::Customer customer;
  auto get_context = As("care");
  ASSERT_TRUE(stub_->GetCustomer(get_context.get(), get, &customer).ok());
  EXPECT_EQ(customer.birthday(), "1990-07-01");
  EXPECT_EQ(customer.region(), "Qingdao/Laoshan");
  r.set_request_id("c-2");
  r.set_phones(0, "13800000002");
  r.set_birthday("July 1st");
  auto bad = As("intake");
  EXPECT_EQ(stub_->RegisterCustomer(bad.get(), r, &ack).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*bad), "birthday");
}

TEST_F(IntakeLifecycleGrpcTest, UpdateCustomerAndAsOfCheckTokenRoleAndFields) {
  const std::string id = MustRegisterCustomer("c-1", "13800000001");
  v1::UpdateCustomerRequest r;
  r.set_request_id("u-1");
  r.set_customer_id(id);
  r.add_update_fields("address");
  r.set_address("8 Hill Street");
  common::v1::CommandAck ack;
  auto anonymous = As("");
  EXPECT_EQ(stub_->UpdateCustomer(anonymous.get(), r, &ack).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto tech = As("technician");
  EXPECT_EQ(stub_->UpdateCustomer(tech.get(), r, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::UpdateCustomerRequest bad = r;
  bad.set_update_fields(0, "tier");
  auto bad_context = As("care");
  EXPECT_EQ(stub_->UpdateCustomer(bad_context.get(), bad, &ack).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*bad_context), "update_fields[0]");
  auto care = As("care");
  ASSERT_TRUE(stub_->UpdateCustomer(care.get(), r, &ack).ok());
  EXPECT_EQ(ack.version(), 2);

  v1::GetCustomerAsOfRequest as_of;
  as_of.set_customer_id(id);
  v1::Customer customer;
  auto no_time = As("intake");
  EXPECT_EQ(stub_->GetCustomerAsOf(no_time.get(), as_of, &customer).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*no_time), "as_of");
  ToProto(kStart, as_of.mutable_as_of());
  auto intake_role = As("intake");
  ASSERT_TRUE(stub_->GetCustomerAsOf(intake_role.get(), as_of, &customer).ok());
  EXPECT_EQ(customer.address(), "8 Hill Street");  // same instant on the fake clock
  auto warehouse = As("warehouse");
  EXPECT_EQ(stub_->GetCustomerAsOf(warehouse.get(), as_of, &customer).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetComplaintAsOfRequest complaint_as_of;
  complaint_as_of.set_complaint_id("nope");
  ToProto(kStart, complaint_as_of.mutable_as_of());
  v1::Complaint complaint;
  auto care2 = As("care");
  EXPECT_EQ(stub_->GetComplaintAsOf(care2.get(), complaint_as_of, &complaint).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(IntakeLifecycleGrpcTest, ListComplaintsChecksTokenRoleAndFilter) {
  v1::RegisterComplaintRequest k;
  k.set_request_id("k-1");
  k.set_kind("complaint");
  k.set_customer_id("cust-1");
  k.set_category("punctuality");
  k.set_description("Late.");
  common::v1::CommandAck ack;
  auto care = As("care");
  ASSERT_TRUE(stub_->RegisterComplaint(care.get(), k, &ack).ok());
  v1::ListComplaintsRequest r;
  r.set_state(v1::COMPLAINT_STATE_FILTER_OPEN);
  v1::ListComplaintsResponse response;
  auto anonymous = As("");
  EXPECT_EQ(stub_->ListComplaints(anonymous.get(), r, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto technician = As("technician");
  EXPECT_EQ(stub_->ListComplaints(technician.get(), r, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListComplaintsRequest bad = r;
  bad.set_state(static_cast<v1::ComplaintStateFilter>(9));
  auto bad_context = As("care");
  EXPECT_EQ(stub_->ListComplaints(bad_context.get(), bad, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*bad_context), "state");
  auto ok = As("care");
  ASSERT_TRUE(stub_->ListComplaints(ok.get(), r, &response).ok());
  ASSERT_EQ(response.complaints_size(), 1);
  EXPECT_EQ(response.complaints(0).complaint_id(), ack.aggregate_id());
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(IntakeLifecycleGrpcTest, RegisterAssetNamesABadInsuranceEnd) {
  const std::string owner = MustRegisterCustomer("c-1", "13800000007");
  v1::RegisterAssetRequest r;
  r.set_request_id("a-1");
  r.set_customer_id(owner);
  r.set_model("BCD-470");
  r.set_serial("SN-9");
  ToProto(kStart - absl::Hours(24 * 10), r.mutable_installed_on());
  ToProto(kStart - absl::Hours(24 * 20), r.mutable_insurance_end());
  common::v1::CommandAck ack;
  auto context = As("intake");
  EXPECT_EQ(stub_->RegisterAsset(context.get(), r, &ack).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldTrailer(*context), "insurance_end");
  ToProto(kStart + absl::Hours(24 * 300), r.mutable_insurance_end());
  auto again = As("intake");
  ASSERT_TRUE(stub_->RegisterAsset(again.get(), r, &ack).ok());
  v1::GetAssetRequest get;
  get.set_asset_id(ack.aggregate_id());
  v1::Asset asset;
  auto reader = As("care");
  ASSERT_TRUE(stub_->GetAsset(reader.get(), get, &asset).ok());
  EXPECT_EQ(FromProto(asset.insurance_end()), kStart + absl::Hours(24 * 300));
}

}  // namespace
}  // namespace fieldline::intake
