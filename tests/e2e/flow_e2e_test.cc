// The thin flow through the four services as real processes, and its exactly-once guarantee
// while every service is SIGKILLed once at a random moment and restarted.

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/grpc/auth.h"
#include "services/common/testing/wait.h"
#include "tests/e2e/platform.h"

namespace fieldline::e2e {
namespace {

namespace cv1 = common::v1;
namespace itk = intake::v1;
namespace sch = scheduling::v1;
namespace inv = inventory::v1;
namespace cbk = callbacks::v1;
using testing::WaitFor;
using namespace std::chrono_literals;

constexpr int kStock = 1000;

// Registers the warehouse, one part with stock, and technicians who repair refrigerators.
void SetUpCity(client::Clients& admin, int technicians) {
  cv1::CommandAck ack;
  inv::RegisterLocationRequest loc;
  loc.set_request_id("setup-loc");
  loc.set_location_id("WH-1");
  loc.set_kind(inv::LOCATION_KIND_WAREHOUSE);
  loc.set_name("Central warehouse");
  ASSERT_TRUE(admin.Call(admin.inventory(), &inv::InventoryService::Stub::RegisterLocation, loc, &ack).ok());
  inv::RegisterPartRequest part;
  part.set_request_id("setup-part");
  part.set_sku("THM-210");
  part.set_name("Thermostat");
  part.set_unit_cost_minor(3500);
  ASSERT_TRUE(admin.Call(admin.inventory(), &inv::InventoryService::Stub::RegisterPart, part, &ack).ok());
  inv::ReceiveStockRequest recv;
  recv.set_request_id("setup-stock");
  recv.set_sku("THM-210");
  recv.set_location_id("WH-1");
  recv.set_quantity(kStock);
  ASSERT_TRUE(admin.Call(admin.inventory(), &inv::InventoryService::Stub::ReceiveStock, recv, &ack).ok());
  for (int t = 0; t < technicians; ++t) {
    sch::RegisterTechnicianRequest reg;
    reg.set_request_id("setup-tech-" + std::to_string(t));
    reg.set_technician_id("T" + std::to_string(t));
    reg.set_name("Technician " + std::to_string(t));
    reg.set_phone("1390000000" + std::to_string(t % 10));
    reg.add_skills("refrigerator");
    ASSERT_TRUE(admin.Call(admin.scheduling(), &sch::SchedulingService::Stub::RegisterTechnician, reg, &ack).ok());
  }
}

itk::OpenTicketRequest TicketRequest(const std::string& request_id, int n) {
  itk::OpenTicketRequest req;
  req.set_request_id(request_id);
  req.mutable_customer()->set_name("Customer " + std::to_string(n));
  req.mutable_customer()->set_phone("13800" + std::to_string(100000 + n));
  req.set_category("refrigerator");
  req.set_symptom("not cooling");
  auto* part = req.add_parts_needed();
  part->set_sku("THM-210");
  part->set_quantity(1);
  return req;
}

// Drives one ticket through the flow. Every command is retried with its own request id until it
// is acknowledged; returns the ticket id.
std::string DriveTicket(Platform& p, int n, const std::string& tech) {
  client::CallOptions patient{.deadline = 5s, .retry_for = 120s};
  client::Clients dispatcher(p.endpoints(), p.Token("dispatcher", "d1"), patient);
  client::Clients technician(p.endpoints(), p.Token("technician", tech), patient);
  cv1::CommandAck ack;
  const std::string prefix = "e2e-" + std::to_string(n) + "-";
  grpc::Status s = dispatcher.Call(dispatcher.intake(), &itk::IntakeService::Stub::OpenTicket,
                                   TicketRequest(prefix + "open", n), &ack);
  EXPECT_TRUE(s.ok()) << client::Describe(s);
  const std::string ticket_id = ack.aggregate_id();
  const std::string job_id = client::JobIdForTicket(ticket_id);
  EXPECT_TRUE(WaitFor([&] {
    sch::GetJobRequest req;
    req.set_job_id(job_id);
    sch::Job job;
    return dispatcher.Call(dispatcher.scheduling(), &sch::SchedulingService::Stub::GetJob, req, &job).ok();
  }, 120s)) << "scheduling never created the job of ticket " << ticket_id;

  sch::AssignJobRequest assign;
  assign.set_request_id(prefix + "assign");
  assign.set_job_id(job_id);
  assign.set_technician_id(tech);
  s = dispatcher.Call(dispatcher.scheduling(), &sch::SchedulingService::Stub::AssignJob, assign, &ack);
  EXPECT_TRUE(s.ok()) << client::Describe(s);
  sch::StartJobRequest start;
  start.set_request_id(prefix + "start");
  start.set_job_id(job_id);
  s = technician.Call(technician.scheduling(), &sch::SchedulingService::Stub::StartJob, start, &ack);
  EXPECT_TRUE(s.ok()) << client::Describe(s);
  sch::CompleteJobRequest complete;
  complete.set_request_id(prefix + "complete");
  complete.set_job_id(job_id);
  complete.set_resolution("replaced the thermostat");
  auto* used = complete.add_parts_used();
  used->set_sku("THM-210");
  used->set_quantity(1);
  s = technician.Call(technician.scheduling(), &sch::SchedulingService::Stub::CompleteJob, complete, &ack);
  EXPECT_TRUE(s.ok()) << client::Describe(s);
  return ticket_id;
}

template <typename Response, typename Item, typename Fetch>
std::vector<Item> ListAll(Fetch fetch) {
  std::vector<Item> out;
  std::string token;
  do {
    Response page;
    if (!fetch(token, &page)) return {};
    token = page.next_page_token();
    for (const auto& item : page.GetReflection()->template GetRepeatedPtrField<Item>(
             page, page.GetDescriptor()->field(0))) {
      out.push_back(item);
    }
  } while (!token.empty());
  return out;
}

std::vector<itk::Ticket> AllTickets(client::Clients& c) {
  return ListAll<itk::ListTicketsResponse, itk::Ticket>([&](const std::string& token, itk::ListTicketsResponse* page) {
    itk::ListTicketsRequest req;
    req.set_page_size(100);
    req.set_page_token(token);
    return c.Call(c.intake(), &itk::IntakeService::Stub::ListTickets, req, page).ok();
  });
}
std::vector<sch::Job> AllJobs(client::Clients& c) {
  return ListAll<sch::ListJobsResponse, sch::Job>([&](const std::string& token, sch::ListJobsResponse* page) {
    sch::ListJobsRequest req;
    req.set_page_size(100);
    req.set_page_token(token);
    return c.Call(c.scheduling(), &sch::SchedulingService::Stub::ListJobs, req, page).ok();
  });
}
std::vector<cbk::Callback> AllCallbacks(client::Clients& c) {
  return ListAll<cbk::ListCallbacksResponse, cbk::Callback>([&](const std::string& token, cbk::ListCallbacksResponse* page) {
    cbk::ListCallbacksRequest req;
    req.set_page_size(100);
    req.set_page_token(token);
    return c.Call(c.callbacks(), &cbk::CallbacksService::Stub::ListCallbacks, req, page).ok();
  });
}

inv::PartStock Stock(client::Clients& c) {
  inv::GetPartStockRequest req;
  req.set_sku("THM-210");
  inv::PartStock stock;
  EXPECT_TRUE(c.Call(c.inventory(), &inv::InventoryService::Stub::GetPartStock, req, &stock).ok());
  return stock;
}

TEST(FlowEndToEndTest, OneTicketFromIntakeToCallbackIsVisibleAtEveryStep) {
  Platform p;
  p.StartAll();
  client::Clients admin(p.endpoints(), p.Token("admin", "a1"));
  SetUpCity(admin, 1);
  const std::string ticket_id = DriveTicket(p, 1, "T0");
  const std::string job_id = client::JobIdForTicket(ticket_id);

  itk::Ticket ticket;
  ASSERT_TRUE(WaitFor([&] {
    itk::GetTicketRequest req;
    req.set_ticket_id(ticket_id);
    return admin.Call(admin.intake(), &itk::IntakeService::Stub::GetTicket, req, &ticket).ok() &&
           ticket.state() == itk::TICKET_STATE_COMPLETED;
  }, 60s)) << itk::TicketState_Name(ticket.state());
  EXPECT_EQ(ticket.technician_id(), "T0");
  EXPECT_EQ(ticket.job_id(), job_id);

  inv::JobParts parts;
  ASSERT_TRUE(WaitFor([&] {
    inv::GetJobPartsRequest req;
    req.set_job_id(job_id);
    return admin.Call(admin.inventory(), &inv::InventoryService::Stub::GetJobParts, req, &parts).ok() &&
           parts.lines_size() == 1 && parts.lines(0).consumed() == 1;
  }, 60s)) << parts.DebugString();
  EXPECT_EQ(parts.lines(0).location_id(), "WH-1");
  EXPECT_EQ(parts.lines(0).reserved(), 0);
  const inv::PartStock stock = Stock(admin);
  ASSERT_EQ(stock.locations_size(), 1);
  EXPECT_EQ(stock.locations(0).on_hand(), kStock - 1);
  EXPECT_EQ(stock.locations(0).reserved(), 0);

  cbk::Callback callback;
  ASSERT_TRUE(WaitFor([&] {
    cbk::GetCallbackRequest req;
    req.set_callback_id(client::CallbackIdForJob(job_id));
    return admin.Call(admin.callbacks(), &cbk::CallbacksService::Stub::GetCallback, req, &callback).ok() &&
           !callback.customer_name().empty();
  }, 60s));
  EXPECT_EQ(callback.ticket_id(), ticket_id);
  EXPECT_EQ(callback.customer_name(), "Customer 1");
  EXPECT_EQ(callback.due_at().seconds() - callback.completed_at().seconds(), 2 * 24 * 3600);
}

TEST(FlowEndToEndTest, BadInputGetsAClearErrorAndChangesNothing) {
  Platform p;
  p.StartAll();
  client::Clients admin(p.endpoints(), p.Token("admin", "a1"));
  cv1::CommandAck ack;
  // No token.
  client::Clients anonymous(p.endpoints(), "");
  grpc::Status s = anonymous.Call(anonymous.intake(), &itk::IntakeService::Stub::OpenTicket,
                                  TicketRequest("bad-1", 1), &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A token signed with another secret.
  auto forged = IssueToken("not-the-secret", Actor{"x", "admin"}, absl::Now(), absl::Hours(1));
  client::Clients forger(p.endpoints(), *forged);
  s = forger.Call(forger.intake(), &itk::IntakeService::Stub::OpenTicket, TicketRequest("bad-2", 1), &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A technician may not register tickets.
  client::Clients tech(p.endpoints(), p.Token("technician", "T0"));
  s = tech.Call(tech.intake(), &itk::IntakeService::Stub::OpenTicket, TicketRequest("bad-3", 1), &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Missing phone.
  auto no_phone = TicketRequest("bad-4", 1);
  no_phone.mutable_customer()->clear_phone();
  s = admin.Call(admin.intake(), &itk::IntakeService::Stub::OpenTicket, no_phone, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(s.error_message().empty());
  // Unknown job.
  sch::AssignJobRequest assign;
  assign.set_request_id("bad-5");
  assign.set_job_id("no-such-job");
  assign.set_technician_id("T0");
  s = admin.Call(admin.scheduling(), &sch::SchedulingService::Stub::AssignJob, assign, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  // Nothing was registered by any of it.
  EXPECT_TRUE(AllTickets(admin).empty());
  EXPECT_TRUE(AllJobs(admin).empty());
}

TEST(FlowEndToEndTest, ManyTicketsWhileEachServiceIsKilledOnceTakeEffectExactlyOnce) {
  constexpr int kTickets = 40;
  constexpr int kWorkers = 8;
  Platform p;
  p.StartAll();
  client::Clients admin(p.endpoints(), p.Token("admin", "a1"), {.deadline = 5s, .retry_for = 120s});
  SetUpCity(admin, 4);

  std::atomic<int> next{0};
  std::mutex mu;
  std::set<std::string> acknowledged_tickets;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      for (int n; (n = next++) < kTickets;) {
        const std::string id = DriveTicket(p, n, "T" + std::to_string(n % 4));
        std::lock_guard<std::mutex> lock(mu);
        acknowledged_tickets.insert(id);
      }
    });
  }
  // Chaos: each service SIGKILLed once, in random order, at random moments during the run.
  std::mt19937 rng(std::random_device{}());
  std::vector<std::string> order(std::begin(Platform::kServices), std::end(Platform::kServices));
  std::shuffle(order.begin(), order.end(), rng);
  for (const auto& service : order) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 1200)(rng)));
    p.KillService(service);
    p.StartService(service);
  }
  for (auto& t : workers) t.join();
  ASSERT_EQ(acknowledged_tickets.size(), static_cast<size_t>(kTickets));

  // Everything converges to exactly one effect per acknowledged command.
  std::vector<itk::Ticket> tickets;
  const bool intake_done = WaitFor([&] {
    tickets = AllTickets(admin);
    return tickets.size() == kTickets &&
           std::all_of(tickets.begin(), tickets.end(), [](const auto& t) { return t.state() == itk::TICKET_STATE_COMPLETED; });
  }, 120s, 200ms);
  EXPECT_TRUE(intake_done) << tickets.size() << " tickets";
  for (const auto& t : tickets) EXPECT_EQ(acknowledged_tickets.count(t.ticket_id()), 1u) << t.ticket_id();

  std::vector<sch::Job> jobs;
  EXPECT_TRUE(WaitFor([&] {
    jobs = AllJobs(admin);
    return jobs.size() == kTickets &&
           std::all_of(jobs.begin(), jobs.end(), [](const auto& j) { return j.state() == sch::JOB_STATE_COMPLETED; });
  }, 60s, 200ms)) << jobs.size() << " jobs";

  inv::PartStock stock;
  EXPECT_TRUE(WaitFor([&] {
    stock = Stock(admin);
    return stock.locations_size() == 1 && stock.locations(0).on_hand() == kStock - kTickets &&
           stock.locations(0).reserved() == 0;
  }, 120s, 200ms)) << stock.DebugString();
  for (const auto& ticket_id : acknowledged_tickets) {
    inv::GetJobPartsRequest req;
    req.set_job_id(client::JobIdForTicket(ticket_id));
    inv::JobParts parts;
    ASSERT_TRUE(admin.Call(admin.inventory(), &inv::InventoryService::Stub::GetJobParts, req, &parts).ok());
    int64_t consumed = 0;
    for (const auto& l : parts.lines()) consumed += l.consumed();
    EXPECT_EQ(consumed, 1) << "job of ticket " << ticket_id;
  }

  std::vector<cbk::Callback> callbacks;
  EXPECT_TRUE(WaitFor([&] {
    callbacks = AllCallbacks(admin);
    return callbacks.size() == kTickets;
  }, 120s, 200ms)) << callbacks.size() << " callbacks";
  std::set<std::string> callback_tickets;
  for (const auto& cb : callbacks) callback_tickets.insert(cb.ticket_id());
  EXPECT_EQ(callback_tickets, acknowledged_tickets);
}

// The dev broker keeps nothing across a restart. Events published before it died must not be
// applied twice when the relays republish them, and the flow must go on with the new broker.
TEST(FlowEndToEndTest, ABrokerThatLostEverythingChangesNothingAndTheFlowGoesOn) {
  constexpr int kBefore = 5;
  constexpr int kAfter = 5;
  Platform p;
  p.StartAll();
  client::Clients admin(p.endpoints(), p.Token("admin", "a1"), {.deadline = 5s, .retry_for = 120s});
  SetUpCity(admin, 2);
  std::set<std::string> tickets;
  for (int n = 0; n < kBefore; ++n) tickets.insert(DriveTicket(p, n, "T" + std::to_string(n % 2)));
  ASSERT_TRUE(WaitFor([&] { return AllCallbacks(admin).size() == kBefore; }, 60s, 100ms));

  p.RestartBroker();
  for (int n = kBefore; n < kBefore + kAfter; ++n) tickets.insert(DriveTicket(p, n, "T" + std::to_string(n % 2)));

  std::vector<cbk::Callback> callbacks;
  EXPECT_TRUE(WaitFor([&] {
    callbacks = AllCallbacks(admin);
    return callbacks.size() == kBefore + kAfter;
  }, 60s, 200ms)) << callbacks.size();
  std::set<std::string> callback_tickets;
  for (const auto& cb : callbacks) callback_tickets.insert(cb.ticket_id());
  EXPECT_EQ(callback_tickets, tickets);
  inv::PartStock stock;
  EXPECT_TRUE(WaitFor([&] {
    stock = Stock(admin);
    return stock.locations_size() == 1 && stock.locations(0).on_hand() == kStock - kBefore - kAfter &&
           stock.locations(0).reserved() == 0;
  }, 60s, 200ms)) << stock.DebugString();
  std::vector<itk::Ticket> all;
  EXPECT_TRUE(WaitFor([&] {
    all = AllTickets(admin);
    return all.size() == tickets.size() &&
           std::all_of(all.begin(), all.end(), [](const auto& t) { return t.state() == itk::TICKET_STATE_COMPLETED; });
  }, 60s, 200ms));
}

}  // namespace
}  // namespace fieldline::e2e
