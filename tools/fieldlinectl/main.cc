// fieldlinectl: the command-line client of Fieldline. Every step of the service flow, the demo
// seed, dev tokens, and `tail` of a topic as readable events.

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "google/protobuf/util/json_util.h"
#include "librdkafka/rdkafkacpp.h"
#include "services/common/core/ids.h"
#include "services/common/grpc/auth.h"
#include "services/common/store/event_store.h"
#include "tools/fieldlinectl/client.h"
#include "tools/fieldlinectl/seed.h"

namespace fieldline::ctl {
namespace {

namespace cv1 = common::v1;

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Globals {
  client::Endpoints endpoints;
  std::string token;
  std::string role = "admin";
  std::string user = "fieldlinectl";
  std::string secret_file = "var/auth/secret";
  std::string brokers_file = "var/broker/bootstrap";
  std::string request_id;
};

// A token from --token, or one signed here from the dev secret for --role/--user.
std::string TokenFor(const Globals& g) {
  if (!g.token.empty()) return g.token;
  const std::string secret = ReadFileOrEmpty(g.secret_file);
  if (secret.empty()) {
    std::cerr << "No access token: pass --token, or run where " << g.secret_file
              << " exists (./scripts/run.sh creates it).\n";
    std::exit(2);
  }
  auto token = IssueToken(secret, Actor{g.user, g.role}, absl::Now(), absl::Hours(12));
  if (!token.ok()) {
    std::cerr << token.status().message() << "\n";
    std::exit(2);
  }
  return *token;
}

std::string RequestId(const Globals& g) {
  if (!g.request_id.empty()) return g.request_id;
  UuidV7Generator ids;
  return ids.NewId(absl::Now());
}

int Report(const grpc::Status& status, const google::protobuf::Message& response) {
  if (!status.ok()) {
    std::cerr << client::Describe(status) << "\n";
    return 1;
  }
  std::cout << ToJson(response) << "\n";
  return 0;
}

bool ParseParts(const std::vector<std::string>& texts,
                google::protobuf::RepeatedPtrField<cv1::PartLine>* out) {
  for (const auto& t : texts) {
    if (!client::ParsePartLine(t, out->Add())) {
      std::cerr << "A part is written SKU:QUANTITY, e.g. CMP-100:1 (got '" << t << "').\n";
      return false;
    }
  }
  return true;
}

void SetTime(const std::string& rfc3339, google::protobuf::Timestamp* ts) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) {
    std::cerr << "Times are written like 2026-11-23T14:00:00+08:00 (got '" << rfc3339 << "').\n";
    std::exit(2);
  }
  ToProto(t, ts);
}

// Prints the events of a topic: one line each with type, aggregate, version, actor, time and
// the payload as JSON. Stops after --count events or on Ctrl-C.
int Tail(const Globals& g, const std::string& topic, bool from_beginning, int count) {
  std::string bootstrap = ReadFileOrEmpty(g.brokers_file);
  if (bootstrap.empty()) {
    std::cerr << "The broker is not running (no " << g.brokers_file << ").\n";
    return 2;
  }
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", bootstrap, err);
  conf->set("group.id", "fieldlinectl-tail-" + UuidV7Generator().NewId(absl::Now()), err);
  conf->set("enable.auto.commit", "false", err);
  conf->set("auto.offset.reset", from_beginning ? "earliest" : "latest", err);
  conf->set("fetch.wait.max.ms", "50", err);
  conf->set("log_level", "3", err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) {
    std::cerr << "Cannot reach the broker: " << err << "\n";
    return 2;
  }
  consumer->subscribe({topic});
  static volatile sig_atomic_t stop = 0;
  signal(SIGINT, [](int) { stop = 1; });
  int seen = 0;
  while (!stop && (count <= 0 || seen < count)) {
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(200));
    if (msg->err() != RdKafka::ERR_NO_ERROR) continue;
    EventEnvelope e;
    if (!e.ParseFromArray(msg->payload(), static_cast<int>(msg->len()))) {
      std::cout << "(unreadable message at partition " << msg->partition() << " offset "
                << msg->offset() << ")\n";
      continue;
    }
    // The event's type: the field set in the context's oneof.
    std::string type = "unknown";
    const google::protobuf::Reflection* refl = e.GetReflection();
    const google::protobuf::OneofDescriptor* payload = e.GetDescriptor()->FindOneofByName("payload");
    if (const auto* ctx_field = refl->GetOneofFieldDescriptor(e, payload)) {
      const auto& ctx = refl->GetMessage(e, ctx_field);
      const auto* kind = ctx.GetDescriptor()->FindOneofByName("kind");
      if (const auto* f = ctx.GetReflection()->GetOneofFieldDescriptor(ctx, kind)) {
        type = f->name();
        std::cout << type << " " << e.aggregate_type() << "/" << e.aggregate_id() << " v"
                  << e.aggregate_version() << " by " << e.actor().user_id() << " ("
                  << e.actor().role() << ") at "
                  << absl::FormatTime(absl::RFC3339_sec, FromProto(e.server_time()),
                                      absl::UTCTimeZone())
                  << " " << ToJson(ctx.GetReflection()->GetMessage(ctx, f)) << "\n";
      }
    }
    if (type == "unknown") std::cout << "unknown " << ToJson(e) << "\n";
    std::cout.flush();
    ++seen;
  }
  consumer->close();
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"fieldlinectl — talk to a running Fieldline (see ./scripts/run.sh)"};
  app.require_subcommand(1);
  Globals g;
  app.add_option("--intake", g.endpoints.intake, "intake service address")->capture_default_str();
  app.add_option("--scheduling", g.endpoints.scheduling, "scheduling service address")->capture_default_str();
  app.add_option("--inventory", g.endpoints.inventory, "inventory service address")->capture_default_str();
  app.add_option("--callbacks", g.endpoints.callbacks, "callbacks service address")->capture_default_str();
  app.add_option("--token", g.token, "bearer token (default: signed here from --secret-file)");
  app.add_option("--role", g.role, "role of the signed token")->capture_default_str();
  app.add_option("--user", g.user, "user id of the signed token")->capture_default_str();
  app.add_option("--secret-file", g.secret_file, "dev signing secret")->capture_default_str();
  app.add_option("--brokers-file", g.brokers_file, "dev broker bootstrap file")->capture_default_str();
  app.add_option("--request-id", g.request_id, "request id of a command (default: a new one)");

  int rc = 0;
  auto clients = [&] { return client::Clients(g.endpoints, TokenFor(g)); };

  // token
  auto* token = app.add_subcommand("token", "print a signed access token");
  token->callback([&] { std::cout << TokenFor(g) << "\n"; });

  // ticket open|get|list
  auto* ticket = app.add_subcommand("ticket", "service requests (intake)");
  ticket->require_subcommand(1);
  intake::v1::OpenTicketRequest open;
  std::string priority = "normal";
  std::vector<std::string> parts;
  double lat = 0, lng = 0;
  auto* t_open = ticket->add_subcommand("open", "register a service request");
  t_open->add_option("--name", *open.mutable_customer()->mutable_name(), "customer name")->required();
  t_open->add_option("--phone", *open.mutable_customer()->mutable_phone(), "customer phone")->required();
  t_open->add_option("--address", *open.mutable_customer()->mutable_address(), "address");
  t_open->add_option("--lat", lat, "latitude");
  t_open->add_option("--lng", lng, "longitude");
  t_open->add_option("--category", *open.mutable_category(), "fault category, e.g. refrigerator")->required();
  t_open->add_option("--symptom", *open.mutable_symptom(), "what the customer reports");
  t_open->add_option("--priority", priority, "low|normal|high|urgent")->capture_default_str();
  t_open->add_option("--channel", *open.mutable_channel(), "phone|web|walk-in|partner|app");
  t_open->add_option("--part", parts, "part needed, SKU:QTY (repeatable)");
  t_open->callback([&] {
    open.set_request_id(RequestId(g));
    if (lat != 0 || lng != 0) {
      open.mutable_customer()->mutable_location()->set_lat(lat);
      open.mutable_customer()->mutable_location()->set_lng(lng);
    }
    cv1::Priority p;
    if (!cv1::Priority_Parse("PRIORITY_" + absl::AsciiStrToUpper(priority), &p)) p = cv1::PRIORITY_UNSPECIFIED;
    open.set_priority(p);
    if (!ParseParts(parts, open.mutable_parts_needed())) { rc = 2; return; }
    auto c = clients();
    cv1::CommandAck ack;
    rc = Report(c.Call(c.intake(), &intake::v1::IntakeService::Stub::OpenTicket, open, &ack), ack);
  });
  std::string id;
  auto* t_get = ticket->add_subcommand("get", "show a ticket");
  t_get->add_option("ticket_id", id)->required();
  t_get->callback([&] {
    auto c = clients();
    intake::v1::GetTicketRequest req;
    req.set_ticket_id(id);
    intake::v1::Ticket resp;
    rc = Report(c.Call(c.intake(), &intake::v1::IntakeService::Stub::GetTicket, req, &resp), resp);
  });
  std::string state;
  int page_size = 50;
  std::string page_token;
  auto* t_list = ticket->add_subcommand("list", "list tickets");
  t_list->add_option("--state", state, "open|scheduled|in_progress|completed");
  t_list->add_option("--page-size", page_size)->capture_default_str();
  t_list->add_option("--page-token", page_token);
  t_list->callback([&] {
    auto c = clients();
    intake::v1::ListTicketsRequest req;
    intake::v1::TicketState s = intake::v1::TICKET_STATE_UNSPECIFIED;
    if (!state.empty()) intake::v1::TicketState_Parse("TICKET_STATE_" + absl::AsciiStrToUpper(state), &s);
    req.set_state(s);
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    intake::v1::ListTicketsResponse resp;
    rc = Report(c.Call(c.intake(), &intake::v1::IntakeService::Stub::ListTickets, req, &resp), resp);
  });

  // tech register|get|list
  auto* tech = app.add_subcommand("tech", "technicians (scheduling)");
  tech->require_subcommand(1);
  scheduling::v1::RegisterTechnicianRequest reg;
  std::vector<std::string> skills;
  auto* tech_reg = tech->add_subcommand("register", "register a technician");
  tech_reg->add_option("--id", *reg.mutable_technician_id(), "staff number (default: generated)");
  tech_reg->add_option("--name", *reg.mutable_name())->required();
  tech_reg->add_option("--phone", *reg.mutable_phone())->required();
  tech_reg->add_option("--skill", skills, "fault category they repair (repeatable)")->required();
  tech_reg->add_option("--lat", lat);
  tech_reg->add_option("--lng", lng);
  tech_reg->add_option("--van", *reg.mutable_van_location_id(), "inventory location of their van");
  tech_reg->callback([&] {
    reg.set_request_id(RequestId(g));
    for (const auto& s : skills) reg.add_skills(s);
    reg.mutable_home_base()->set_lat(lat);
    reg.mutable_home_base()->set_lng(lng);
    auto c = clients();
    cv1::CommandAck ack;
    rc = Report(c.Call(c.scheduling(), &scheduling::v1::SchedulingService::Stub::RegisterTechnician, reg, &ack), ack);
  });
  auto* tech_get = tech->add_subcommand("get", "show a technician");
  tech_get->add_option("technician_id", id)->required();
  tech_get->callback([&] {
    auto c = clients();
    scheduling::v1::GetTechnicianRequest req;
    req.set_technician_id(id);
    scheduling::v1::Technician resp;
    rc = Report(c.Call(c.scheduling(), &scheduling::v1::SchedulingService::Stub::GetTechnician, req, &resp), resp);
  });
  auto* tech_list = tech->add_subcommand("list", "list technicians");
  tech_list->add_option("--page-size", page_size)->capture_default_str();
  tech_list->add_option("--page-token", page_token);
  tech_list->callback([&] {
    auto c = clients();
    scheduling::v1::ListTechniciansRequest req;
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    scheduling::v1::ListTechniciansResponse resp;
    rc = Report(c.Call(c.scheduling(), &scheduling::v1::SchedulingService::Stub::ListTechnicians, req, &resp), resp);
  });

  // job get|list|assign|start|complete
  auto* job = app.add_subcommand("job", "jobs (scheduling)");
  job->require_subcommand(1);
  std::string ticket_id, technician_id, window_start, window_end, resolution;
  int64_t expected_version = 0;
  auto job_id_of = [&] { return !ticket_id.empty() ? client::JobIdForTicket(ticket_id) : id; };
  auto* job_get = job->add_subcommand("get", "show a job (by id or --ticket)");
  job_get->add_option("job_id", id);
  job_get->add_option("--ticket", ticket_id, "the ticket whose job to show");
  job_get->callback([&] {
    auto c = clients();
    scheduling::v1::GetJobRequest req;
    req.set_job_id(job_id_of());
    scheduling::v1::Job resp;
    rc = Report(c.Call(c.scheduling(), &scheduling::v1::SchedulingService::Stub::GetJob, req, &resp), resp);
  });
  auto* job_list = job->add_subcommand("list", "list jobs");
  job_list->add_option("--state", state, "unassigned|assigned|in_progress|completed");
  job_list->add_option("--technician", technician_id);
  job_list->add_option("--page-size", page_size)->capture_default_str();
  job_list->add_option("--page-token", page_token);
  job_list->callback([&] {
    auto c = clients();
    scheduling::v1::ListJobsRequest req;
    scheduling::v1::JobState s = scheduling::v1::JOB_STATE_UNSPECIFIED;
    if (!state.empty()) scheduling::v1::JobState_Parse("JOB_STATE_" + absl::AsciiStrToUpper(state), &s);
    req.set_state(s);
    req.set_technician_id(technician_id);
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    scheduling::v1::ListJobsResponse resp;
    rc = Report(c.Call(c.scheduling(), &scheduling::v1::SchedulingService::Stub::ListJobs, req, &resp), resp);
  });
  auto* job_assign = job->add_subcommand("assign", "assign a job to a technician");
  job_assign->add_option("job_id", id);
  job_assign->add_option("--ticket", ticket_id, "assign the job of this ticket");
  job_assign->add_option("--technician", technician_id)->required();
  job_assign->add_option("--window-start", window_start, "appointment window start (RFC 3339)");
  job_assign->add_option("--window-end", window_end, "appointment window end (RFC 3339)");
  job_assign->add_option("--expected-version", expected_version);
  job_assign->callback([&] {
    scheduling::v1::AssignJobRequest req;
    req.set_request_id(RequestId(g));
    req.set_job_id(job_id_of());
    req.set_technician_id(technician_id);
    req.set_expected_version(expected_version);
    if (!window_start.empty()) SetTime(window_start, req.mutable_window_start());
    if (!window_end.empty()) SetTime(window_end, req.mutable_window_end());
    auto c = clients();
    cv1::CommandAck ack;
    rc = Report(c.Call(c.scheduling(), &scheduling::v1::SchedulingService::Stub::AssignJob, req, &ack), ack);
  });
  auto* job_start = job->add_subcommand("start", "the technician starts work on site");
  job_start->add_option("job_id", id);
  job_start->add_option("--ticket", ticket_id);
  job_start->add_option("--expected-version", expected_version);
  job_start->callback([&] {
    scheduling::v1::StartJobRequest req;
    req.set_request_id(RequestId(g));
    req.set_job_id(job_id_of());
    req.set_expected_version(expected_version);
    ToProto(absl::Now(), req.mutable_device_time());
    auto c = clients();
    cv1::CommandAck ack;
    rc = Report(c.Call(c.scheduling(), &scheduling::v1::SchedulingService::Stub::StartJob, req, &ack), ack);
  });
  auto* job_complete = job->add_subcommand("complete", "the technician completes the job");
  job_complete->add_option("job_id", id);
  job_complete->add_option("--ticket", ticket_id);
  job_complete->add_option("--part", parts, "part used, SKU:QTY (repeatable)");
  job_complete->add_option("--resolution", resolution, "what was done");
  job_complete->add_option("--expected-version", expected_version);
  job_complete->callback([&] {
    scheduling::v1::CompleteJobRequest req;
    req.set_request_id(RequestId(g));
    req.set_job_id(job_id_of());
    req.set_expected_version(expected_version);
    req.set_resolution(resolution);
    if (!ParseParts(parts, req.mutable_parts_used())) { rc = 2; return; }
    ToProto(absl::Now(), req.mutable_device_time());
    auto c = clients();
    cv1::CommandAck ack;
    rc = Report(c.Call(c.scheduling(), &scheduling::v1::SchedulingService::Stub::CompleteJob, req, &ack), ack);
  });

  // part register, location register, stock receive|get, job-parts
  auto* part = app.add_subcommand("part", "parts catalogue (inventory)");
  part->require_subcommand(1);
  inventory::v1::RegisterPartRequest part_req;
  auto* part_reg = part->add_subcommand("register", "add a part to the catalogue");
  part_reg->add_option("--sku", *part_req.mutable_sku())->required();
  part_reg->add_option("--name", *part_req.mutable_name())->required();
  part_reg->add_option("--unit", *part_req.mutable_unit());
  int64_t cost = 0, price = 0;
  part_reg->add_option("--cost", cost, "unit cost in minor units (fen)");
  part_reg->add_option("--price", price, "price in minor units (fen)");
  part_reg->callback([&] {
    part_req.set_request_id(RequestId(g));
    part_req.set_unit_cost_minor(cost);
    part_req.set_price_minor(price);
    auto c = clients();
    cv1::CommandAck ack;
    rc = Report(c.Call(c.inventory(), &inventory::v1::InventoryService::Stub::RegisterPart, part_req, &ack), ack);
  });
  auto* location = app.add_subcommand("location", "stock locations (inventory)");
  location->require_subcommand(1);
  inventory::v1::RegisterLocationRequest loc_req;
  std::string kind;
  auto* loc_reg = location->add_subcommand("register", "add a warehouse, service centre or van");
  loc_reg->add_option("--id", *loc_req.mutable_location_id())->required();
  loc_reg->add_option("--kind", kind, "warehouse|service_centre|van")->required();
  loc_reg->add_option("--name", *loc_req.mutable_name())->required();
  loc_reg->add_option("--owner", *loc_req.mutable_owner_technician_id(), "technician owning a van");
  loc_reg->add_option("--lat", lat);
  loc_reg->add_option("--lng", lng);
  loc_reg->callback([&] {
    loc_req.set_request_id(RequestId(g));
    inventory::v1::LocationKind k = inventory::v1::LOCATION_KIND_UNSPECIFIED;
    inventory::v1::LocationKind_Parse("LOCATION_KIND_" + absl::AsciiStrToUpper(kind), &k);
    loc_req.set_kind(k);
    loc_req.mutable_position()->set_lat(lat);
    loc_req.mutable_position()->set_lng(lng);
    auto c = clients();
    cv1::CommandAck ack;
    rc = Report(c.Call(c.inventory(), &inventory::v1::InventoryService::Stub::RegisterLocation, loc_req, &ack), ack);
  });
  auto* stock = app.add_subcommand("stock", "stock levels (inventory)");
  stock->require_subcommand(1);
  inventory::v1::ReceiveStockRequest recv;
  auto* stock_recv = stock->add_subcommand("receive", "receive parts into a location");
  stock_recv->add_option("--sku", *recv.mutable_sku())->required();
  stock_recv->add_option("--location", *recv.mutable_location_id())->required();
  int64_t quantity = 0;
  stock_recv->add_option("--quantity", quantity)->required();
  stock_recv->add_option("--cost", cost, "unit cost in minor units (default: catalogue cost)");
  stock_recv->callback([&] {
    recv.set_request_id(RequestId(g));
    recv.set_quantity(quantity);
    recv.set_unit_cost_minor(cost);
    auto c = clients();
    cv1::CommandAck ack;
    rc = Report(c.Call(c.inventory(), &inventory::v1::InventoryService::Stub::ReceiveStock, recv, &ack), ack);
  });
  auto* stock_get = stock->add_subcommand("get", "stock of a part at every location");
  stock_get->add_option("sku", id)->required();
  stock_get->callback([&] {
    auto c = clients();
    inventory::v1::GetPartStockRequest req;
    req.set_sku(id);
    inventory::v1::PartStock resp;
    rc = Report(c.Call(c.inventory(), &inventory::v1::InventoryService::Stub::GetPartStock, req, &resp), resp);
  });
  auto* stock_job = stock->add_subcommand("job", "parts reserved and consumed for a job");
  stock_job->add_option("job_id", id);
  stock_job->add_option("--ticket", ticket_id);
  stock_job->callback([&] {
    auto c = clients();
    inventory::v1::GetJobPartsRequest req;
    req.set_job_id(job_id_of());
    inventory::v1::JobParts resp;
    rc = Report(c.Call(c.inventory(), &inventory::v1::InventoryService::Stub::GetJobParts, req, &resp), resp);
  });

  // callback get|list
  auto* callback = app.add_subcommand("callback", "follow-up calls (callbacks)");
  callback->require_subcommand(1);
  std::string job_filter;
  auto* cb_get = callback->add_subcommand("get", "show a callback (by id or --job)");
  cb_get->add_option("callback_id", id);
  cb_get->add_option("--job", job_filter, "the job whose callback to show");
  cb_get->callback([&] {
    auto c = clients();
    callbacks::v1::GetCallbackRequest req;
    req.set_callback_id(!job_filter.empty() ? client::CallbackIdForJob(job_filter) : id);
    callbacks::v1::Callback resp;
    rc = Report(c.Call(c.callbacks(), &callbacks::v1::CallbacksService::Stub::GetCallback, req, &resp), resp);
  });
  auto* cb_list = callback->add_subcommand("list", "callbacks due");
  cb_list->add_option("--job", job_filter);
  cb_list->add_option("--page-size", page_size)->capture_default_str();
  cb_list->add_option("--page-token", page_token);
  cb_list->callback([&] {
    auto c = clients();
    callbacks::v1::ListCallbacksRequest req;
    req.set_job_id(job_filter);
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    callbacks::v1::ListCallbacksResponse resp;
    rc = Report(c.Call(c.callbacks(), &callbacks::v1::CallbacksService::Stub::ListCallbacks, req, &resp), resp);
  });

  // tail
  auto* tail = app.add_subcommand("tail", "print a topic's events as they arrive");
  std::string topic;
  bool from_beginning = false;
  int count = 0;
  tail->add_option("topic", topic, "e.g. fieldline.intake.v1")->required();
  tail->add_flag("--from-beginning", from_beginning, "start at the oldest event the broker keeps");
  tail->add_option("--count", count, "stop after this many events");
  tail->callback([&] { rc = Tail(g, topic, from_beginning, count); });

  // seed, flow
  auto* seed = app.add_subcommand("seed", "load the demo city (idempotent)");
  seed->callback([&] {
    auto c = clients();
    rc = SeedDemo(c, std::cout);
  });
  auto* flow = app.add_subcommand("flow", "run one ticket through the whole flow, printing each step");
  flow->callback([&] {
    auto c = clients();
    rc = RunDemoFlow(c, std::cout);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return rc;
}

}  // namespace
}  // namespace fieldline::ctl

int main(int argc, char** argv) { return fieldline::ctl::Main(argc, argv); }
