#include "tools/fieldlinectl/seed.h"

#include <array>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/ids.h"

namespace fieldline::ctl {
namespace {

namespace cv1 = common::v1;
namespace inv = inventory::v1;
namespace sch = scheduling::v1;
namespace itk = intake::v1;

constexpr double kCityLat = 36.0671;  // Qingdao
constexpr double kCityLng = 120.3826;

constexpr std::array<const char*, 5> kCategories = {"refrigerator", "washing-machine",
                                                    "air-conditioner", "water-heater", "television"};
constexpr std::array<const char*, 20> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                                   "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"};
constexpr std::array<const char*, 10> kGiven = {"伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "军"};
constexpr std::array<const char*, 6> kDistricts = {"市南区", "市北区", "李沧区", "崂山区", "黄岛区", "城阳区"};

struct PartSpec {
  const char* sku;
  const char* name;
  int64_t cost;
  int64_t price;
};
constexpr std::array<PartSpec, 15> kParts = {{
    {"CMP-100", "压缩机 Compressor", 42000, 68000},
    {"THM-210", "温控器 Thermostat", 3500, 6800},
    {"FAN-330", "风扇电机 Fan motor", 8800, 15000},
    {"SEAL-040", "门封条 Door seal", 1200, 2600},
    {"PCB-500", "主控板 Control board", 26000, 42000},
    {"PMP-120", "排水泵 Drain pump", 6500, 11800},
    {"BLT-075", "皮带 Drive belt", 900, 2200},
    {"BRG-060", "轴承 Bearing", 1500, 3200},
    {"CAP-025", "电容 Capacitor", 600, 1500},
    {"GAS-R32", "R32 冷媒 Refrigerant (kg)", 5200, 9800},
    {"HTR-180", "加热管 Heating element", 7400, 13500},
    {"ANO-090", "镁棒 Anode rod", 2100, 4800},
    {"SNS-015", "温度传感器 Temperature sensor", 1100, 2500},
    {"PWR-260", "电源板 Power board", 15000, 26000},
    {"REM-001", "遥控器 Remote control", 1800, 3900},
}};

// Deterministic pseudo-random numbers so the demo city is the same on every machine.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
double Jitter(uint64_t seed, double span) {
  return (static_cast<double>(Mix(seed) % 20001) / 10000.0 - 1.0) * span;
}

std::string TechId(int i) { return absl::StrCat("T", i < 10 ? "0" : "", i); }

bool Check(const grpc::Status& status, const std::string& what, std::ostream& out) {
  if (status.ok() || status.error_code() == grpc::StatusCode::ALREADY_EXISTS) return true;
  out << "seed: " << what << " failed: " << client::Describe(status) << "\n";
  return false;
}

template <typename Fn>
bool WaitUntil(Fn&& condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

}  // namespace

int SeedDemo(client::Clients& c, std::ostream& out) {
  cv1::CommandAck ack;
  // Locations.
  struct Loc {
    std::string id;
    inv::LocationKind kind;
    std::string name;
    double lat, lng;
  };
  std::vector<Loc> locations = {
      {"WH-CENTRAL", inv::LOCATION_KIND_WAREHOUSE, "青岛中心仓库 Central warehouse", 36.2190, 120.4210},
      {"SC-NORTH", inv::LOCATION_KIND_SERVICE_CENTRE, "李沧服务中心 Licang service centre", 36.1600, 120.4300},
      {"SC-SOUTH", inv::LOCATION_KIND_SERVICE_CENTRE, "市南服务中心 Shinan service centre", 36.0660, 120.3830},
  };
  for (const auto& l : locations) {
    inv::RegisterLocationRequest req;
    req.set_request_id("seed-location-" + l.id);
    req.set_location_id(l.id);
    req.set_kind(l.kind);
    req.set_name(l.name);
    req.mutable_position()->set_lat(l.lat);
    req.mutable_position()->set_lng(l.lng);
    if (!Check(c.Call(c.inventory(), &inv::InventoryService::Stub::RegisterLocation, req, &ack), "location " + l.id, out)) return 1;
  }
  for (int t = 1; t <= 20; ++t) {
    inv::RegisterLocationRequest req;
    const std::string van = "VAN-" + TechId(t);
    req.set_request_id("seed-location-" + van);
    req.set_location_id(van);
    req.set_kind(inv::LOCATION_KIND_VAN);
    req.set_name(absl::StrCat("工程师车辆 Van of ", TechId(t)));
    req.set_owner_technician_id(TechId(t));
    req.mutable_position()->set_lat(kCityLat + Jitter(t * 7, 0.08));
    req.mutable_position()->set_lng(kCityLng + Jitter(t * 11, 0.08));
    if (!Check(c.Call(c.inventory(), &inv::InventoryService::Stub::RegisterLocation, req, &ack), "van " + van, out)) return 1;
  }
  out << "seed: " << locations.size() + 20 << " locations\n";
  // Parts and stock.
  for (const auto& p : kParts) {
    inv::RegisterPartRequest req;
    req.set_request_id(absl::StrCat("seed-part-", p.sku));
    req.set_sku(p.sku);
    req.set_name(p.name);
    req.set_unit("pcs");
    req.set_unit_cost_minor(p.cost);
    req.set_price_minor(p.price);
    if (!Check(c.Call(c.inventory(), &inv::InventoryService::Stub::RegisterPart, req, &ack), p.sku, out)) return 1;
    auto receive = [&](const std::string& location, int64_t qty) {
      inv::ReceiveStockRequest r;
      r.set_request_id(absl::StrCat("seed-stock-", p.sku, "-", location));
      r.set_sku(p.sku);
      r.set_location_id(location);
      r.set_quantity(qty);
      r.set_unit_cost_minor(p.cost);
      return Check(c.Call(c.inventory(), &inv::InventoryService::Stub::ReceiveStock, r, &ack),
                   absl::StrCat("stock ", p.sku, " at ", location), out);
    };
    if (!receive("WH-CENTRAL", 200) || !receive("SC-NORTH", 20) || !receive("SC-SOUTH", 20)) return 1;
  }
  // Every van carries the small, common parts.
  for (int t = 1; t <= 20; ++t) {
    for (const char* sku : {"CAP-025", "SNS-015", "SEAL-040"}) {
      inv::ReceiveStockRequest r;
      r.set_request_id(absl::StrCat("seed-stock-", sku, "-VAN-", TechId(t)));
      r.set_sku(sku);
      r.set_location_id("VAN-" + TechId(t));
      r.set_quantity(3);
      if (!Check(c.Call(c.inventory(), &inv::InventoryService::Stub::ReceiveStock, r, &ack), "van stock", out)) return 1;
    }
  }
  out << "seed: " << kParts.size() << " parts with stock in the warehouse, centres and vans\n";
  // Technicians: two skills each, home bases spread over the city.
  for (int t = 1; t <= 20; ++t) {
    sch::RegisterTechnicianRequest req;
    req.set_request_id("seed-technician-" + TechId(t));
    req.set_technician_id(TechId(t));
    req.set_name(absl::StrCat(kSurnames[(t * 3) % kSurnames.size()], kGiven[t % kGiven.size()],
                              kGiven[(t * 7) % kGiven.size()]));
    req.set_phone(absl::StrCat("1390532", 1000 + t));
    req.add_skills(kCategories[t % kCategories.size()]);
    req.add_skills(kCategories[(t + 2) % kCategories.size()]);
    req.mutable_home_base()->set_lat(kCityLat + Jitter(t * 7, 0.08));
    req.mutable_home_base()->set_lng(kCityLng + Jitter(t * 11, 0.08));
    req.set_van_location_id("VAN-" + TechId(t));
    if (!Check(c.Call(c.scheduling(), &sch::SchedulingService::Stub::RegisterTechnician, req, &ack), "technician " + TechId(t), out)) return 1;
  }
  out << "seed: 20 technicians\n";
  // 200 registered customers (a tenth of them key accounts); every other one has an open ticket.
  int tickets = 0;
  for (int i = 0; i < 200; ++i) {
    itk::RegisterCustomerRequest reg;
    reg.set_request_id(absl::StrCat("seed-customer-", i));
    reg.set_name(absl::StrCat(kSurnames[i % kSurnames.size()], kGiven[(i / 20) % kGiven.size()]));
    reg.add_phones(absl::StrCat("138", 10000000 + (Mix(i) % 89999999)));
    reg.set_address(absl::StrCat("青岛市", kDistricts[i % kDistricts.size()], "幸福路", 1 + i, "号"));
    reg.mutable_location()->set_lat(kCityLat + Jitter(i * 13 + 1, 0.12));
    reg.mutable_location()->set_lng(kCityLng + Jitter(i * 17 + 2, 0.12));
    reg.set_tier(i % 10 == 0 ? itk::CUSTOMER_TIER_KEY_ACCOUNT
                             : static_cast<itk::CustomerTier>(2 + Mix(i + 5) % 3));
    reg.set_consent_to_messages(i % 4 != 0);
    cv1::CommandAck customer;
    if (!Check(c.Call(c.intake(), &itk::IntakeService::Stub::RegisterCustomer, reg, &customer),
               "customer", out)) {
      return 1;
    }
    if (i % 2 == 1) continue;
    itk::OpenTicketRequest req;
    req.set_request_id(absl::StrCat("seed-ticket-", i));
    auto* cust = req.mutable_customer();
    cust->set_customer_id(customer.aggregate_id());
    cust->set_name(reg.name());
    cust->set_phone(reg.phones(0));
    cust->set_address(reg.address());
    *cust->mutable_location() = reg.location();
    const char* category = kCategories[Mix(i + 99) % kCategories.size()];
    req.set_category(category);
    req.set_symptom(absl::StrCat("客户报修 ", category, " 不工作 / not working"));
    req.set_priority(static_cast<cv1::Priority>(1 + Mix(i + 7) % 4));
    req.set_channel(i % 5 == 0 ? "web" : "phone");
    if (i % 3 == 0) {
      auto* line = req.add_parts_needed();
      line->set_sku(kParts[Mix(i + 3) % kParts.size()].sku);
      line->set_quantity(1);
    }
    if (!Check(c.Call(c.intake(), &itk::IntakeService::Stub::OpenTicket, req, &ack), "ticket", out)) return 1;
    ++tickets;
  }
  out << "seed: 200 customers, " << tickets << " of them with an open ticket\n";
  return 0;
}

int RunDemoFlow(client::Clients& c, std::ostream& out) {
  const std::string run = UuidV7Generator().NewId(absl::Now());
  cv1::CommandAck ack;
  itk::OpenTicketRequest open;
  open.set_request_id("flow-open-" + run);
  open.mutable_customer()->set_name("演示客户 Demo customer");
  open.mutable_customer()->set_phone("13800000000");
  open.mutable_customer()->set_address("青岛市市南区香港中路1号");
  open.mutable_customer()->mutable_location()->set_lat(36.0620);
  open.mutable_customer()->mutable_location()->set_lng(120.3840);
  open.set_category("refrigerator");
  open.set_symptom("冰箱不制冷 / fridge not cooling");
  open.set_priority(cv1::PRIORITY_HIGH);
  auto* need = open.add_parts_needed();
  need->set_sku("THM-210");
  need->set_quantity(1);
  grpc::Status s = c.Call(c.intake(), &itk::IntakeService::Stub::OpenTicket, open, &ack);
  if (!s.ok()) return out << "open ticket: " << client::Describe(s) << "\n", 1;
  const std::string ticket_id = ack.aggregate_id();
  const std::string job_id = client::JobIdForTicket(ticket_id);
  out << "1. ticket opened          " << ticket_id << "\n";

  sch::Job job;
  auto job_in_state = [&](sch::JobState state) {
    sch::GetJobRequest req;
    req.set_job_id(job_id);
    return c.Call(c.scheduling(), &sch::SchedulingService::Stub::GetJob, req, &job).ok() &&
           job.state() == state;
  };
  if (!WaitUntil([&] { return job_in_state(sch::JOB_STATE_UNASSIGNED); }, std::chrono::seconds(30)))
    return out << "scheduling has no job for the ticket\n", 1;
  out << "2. scheduling has the job " << job_id << "\n";
  // A technician who repairs refrigerators (seed: T03, T04, T08, T09, ... ).
  sch::ListTechniciansRequest list;
  list.set_page_size(500);
  sch::ListTechniciansResponse techs;
  s = c.Call(c.scheduling(), &sch::SchedulingService::Stub::ListTechnicians, list, &techs);
  std::string tech_id;
  for (const auto& t : techs.technicians()) {
    for (const auto& skill : t.skills()) if (skill == "refrigerator" && tech_id.empty()) tech_id = t.technician_id();
  }
  if (tech_id.empty()) {
    sch::RegisterTechnicianRequest reg;
    reg.set_request_id("flow-tech-" + run);
    reg.set_name("演示工程师 Demo technician");
    reg.set_phone("13900000000");
    reg.add_skills("refrigerator");
    s = c.Call(c.scheduling(), &sch::SchedulingService::Stub::RegisterTechnician, reg, &ack);
    if (!s.ok()) return out << "register technician: " << client::Describe(s) << "\n", 1;
    tech_id = ack.aggregate_id();
  }
  out << "3. technician             " << tech_id << "\n";
  sch::AssignJobRequest assign;
  assign.set_request_id("flow-assign-" + run);
  assign.set_job_id(job_id);
  assign.set_technician_id(tech_id);
  s = c.Call(c.scheduling(), &sch::SchedulingService::Stub::AssignJob, assign, &ack);
  if (!s.ok()) return out << "assign: " << client::Describe(s) << "\n", 1;
  out << "4. job assigned\n";
  sch::StartJobRequest start;
  start.set_request_id("flow-start-" + run);
  start.set_job_id(job_id);
  s = c.Call(c.scheduling(), &sch::SchedulingService::Stub::StartJob, start, &ack);
  if (!s.ok()) return out << "start: " << client::Describe(s) << "\n", 1;
  out << "5. work started\n";
  sch::CompleteJobRequest complete;
  complete.set_request_id("flow-complete-" + run);
  complete.set_job_id(job_id);
  complete.set_resolution("更换温控器 / replaced the thermostat");
  auto* used = complete.add_parts_used();
  used->set_sku("THM-210");
  used->set_quantity(1);
  s = c.Call(c.scheduling(), &sch::SchedulingService::Stub::CompleteJob, complete, &ack);
  if (!s.ok()) return out << "complete: " << client::Describe(s) << "\n", 1;
  out << "6. job completed\n";
  itk::Ticket ticket;
  const bool completed = WaitUntil([&] {
    itk::GetTicketRequest req;
    req.set_ticket_id(ticket_id);
    return c.Call(c.intake(), &itk::IntakeService::Stub::GetTicket, req, &ticket).ok() &&
           ticket.state() == itk::TICKET_STATE_COMPLETED;
  }, std::chrono::seconds(30));
  out << "7. intake shows the ticket " << itk::TicketState_Name(ticket.state()) << "\n";
  inv::JobParts parts;
  WaitUntil([&] {
    inv::GetJobPartsRequest req;
    req.set_job_id(job_id);
    return c.Call(c.inventory(), &inv::InventoryService::Stub::GetJobParts, req, &parts).ok() &&
           parts.lines_size() > 0 && parts.lines(0).consumed() > 0;
  }, std::chrono::seconds(30));
  for (const auto& l : parts.lines()) {
    out << "8. inventory: " << l.sku() << " at " << l.location_id() << " consumed " << l.consumed()
        << ", still reserved " << l.reserved() << ", released " << l.released() << "\n";
  }
  callbacks::v1::Callback callback;
  const bool due = WaitUntil([&] {
    callbacks::v1::GetCallbackRequest req;
    req.set_callback_id(client::CallbackIdForJob(job_id));
    return c.Call(c.callbacks(), &callbacks::v1::CallbacksService::Stub::GetCallback, req, &callback).ok();
  }, std::chrono::seconds(30));
  out << "9. callback " << (due ? "due for " + callback.customer_name() : std::string("MISSING")) << "\n";
  return completed && due ? 0 : 1;
}

}  // namespace fieldline::ctl
