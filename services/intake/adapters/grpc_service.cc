#include "services/intake/adapters/grpc_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/store/event_store.h"
#include "services/intake/adapters/event_codec.h"

namespace fieldline::intake {
namespace {

absl::StatusOr<CommandMeta> MetaOf(const std::string& request_id, const Actor& actor,
                                   const Clock& clock,
                                   const google::protobuf::Timestamp* device_time) {
  if (request_id.empty()) {
    return InvalidArgument("request_id",
                           "Every change needs a request id, so that a retry does not repeat it.");
  }
  CommandMeta meta;
  meta.request_id = request_id;
  meta.actor = actor;
  meta.now = clock.Now();
  if (device_time != nullptr) meta.device_time = FromProto(*device_time);
  return meta;
}

const google::protobuf::Timestamp* DeviceTime(bool has, const google::protobuf::Timestamp& ts) {
  return has ? &ts : nullptr;
}

absl::Status Respond(absl::StatusOr<common::v1::CommandAck> ack,
                     common::v1::CommandAck* response) {
  if (!ack.ok()) return ack.status();
  *response = *std::move(ack);
  return absl::OkStatus();
}

}  // namespace

IntakeGrpcService::IntakeGrpcService(IntakeApp& app, const TokenVerifier& verifier,
                                     const Clock& clock)
    : app_(app), verifier_(verifier), clock_(clock) {}

grpc::Status IntakeGrpcService::OpenTicket(grpc::ServerContext* context,
                                           const v1::OpenTicketRequest* request,
                                           common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, clock_,
                              request->has_device_time() ? &request->device_time() : nullptr);
                   if (!meta.ok()) return meta.status();
                   intake::OpenTicket command;
                   command.customer = CustomerFromProto(request->customer());
                   command.category = request->category();
                   command.symptom = request->symptom();
                   command.priority = PriorityFromProto(request->priority());
                   command.channel = request->channel();
                   command.parts_needed = PartLinesFromProto(request->parts_needed());
                   command.asset_id = request->asset_id();
                   command.fault_cause = request->fault_cause();
                   command.service_promise = request->service_promise();
                   absl::StatusOr<common::v1::CommandAck> ack = app_.OpenTicket(*meta, command);
                   if (!ack.ok()) return ack.status();
                   *response = *std::move(ack);
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::GetTicket(grpc::ServerContext* context,
                                          const v1::GetTicketRequest* request,
                                          v1::Ticket* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "technician", "care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<v1::Ticket> ticket = app_.GetTicket(request->ticket_id());
                   if (!ticket.ok()) return ticket.status();
                   *response = *std::move(ticket);
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::ListTickets(grpc::ServerContext* context,
                                            const v1::ListTicketsRequest* request,
                                            v1::ListTicketsResponse* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "technician", "care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   TicketListQuery query;
                   query.status = TicketStatusFromProto(request->state());
                   if (request->state() != v1::TICKET_STATE_UNSPECIFIED &&
                       query.status == TicketStatus::kNone) {
                     return InvalidArgument("state", "There is no such ticket state.");
                   }
                   query.page_size = request->page_size();
                   query.page_token = request->page_token();
                   query.customer_id = request->customer_id();
                   query.phone = request->phone();
                   query.technician_id = request->technician_id();
                   query.category = request->category();
                   if (request->sla_risk() != v1::SLA_RISK_UNSPECIFIED &&
                       request->sla_risk() != v1::SLA_RISK_AT_RISK &&
                       request->sla_risk() != v1::SLA_RISK_BREACHED) {
                     return InvalidArgument("sla_risk", "There is no such SLA risk filter.");
                   }
                   query.sla_risk = static_cast<int>(request->sla_risk());
                   if (request->has_opened_from()) {
                     query.opened_from = FromProto(request->opened_from());
                   }
                   if (request->has_opened_before()) {
                     query.opened_before = FromProto(request->opened_before());
                   }
                   absl::StatusOr<TicketPage> page = app_.ListTickets(query);
                   if (!page.ok()) return page.status();
                   for (v1::Ticket& t : page->tickets) *response->add_tickets() = std::move(t);
                   response->set_next_page_token(page->next_page_token);
                   return absl::OkStatus();
                 });
}

}  // namespace fieldline::intake

namespace fieldline::intake {

// ------------------------------------------------------------------------ customers and assets

grpc::Status IntakeGrpcService::RegisterCustomer(grpc::ServerContext* context,
                                                 const v1::RegisterCustomerRequest* request,
                                                 common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, clock_,
                              DeviceTime(request->has_device_time(), request->device_time()));
                   if (!meta.ok()) return meta.status();
                   intake::RegisterCustomer command;
                   command.name = request->name();
                   command.phones.assign(request->phones().begin(), request->phones().end());
                   command.address = request->address();
                   if (request->has_location()) {
                     command.location = GeoPoint{request->location().lat(),
                                                 request->location().lng()};
                   }
                   command.tier = CustomerTierFromProto(request->tier());
                   command.consent_to_messages = request->consent_to_messages();
                   command.preferred_technician_id = request->preferred_technician_id();
                   command.birthday = request->birthday();
                   command.region = request->region();
                   return Respond(app_.RegisterCustomer(*meta, command), response);
                 });
}

grpc::Status IntakeGrpcService::GetCustomer(grpc::ServerContext* context,
                                            const v1::GetCustomerRequest* request,
                                            v1::Customer* response) {
  return Guarded(context, verifier_,
                 {"intake", "dispatcher", "technician", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   absl::StatusOr<v1::Customer> customer = app_.GetCustomer(request->customer_id());
                   if (!customer.ok()) return customer.status();
                   *response = *std::move(customer);
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::FindCustomerByPhone(grpc::ServerContext* context,
                                                    const v1::FindCustomerByPhoneRequest* request,
                                                    v1::Customer* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   absl::StatusOr<v1::Customer> customer =
                       app_.FindCustomerByPhone(request->phone());
                   if (!customer.ok()) return customer.status();
                   *response = *std::move(customer);
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::GetCustomerHistory(grpc::ServerContext* context,
                                                   const v1::GetCustomerRequest* request,
                                                   v1::CustomerHistory* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   absl::StatusOr<CustomerHistory> history =
                       app_.GetCustomerHistory(request->customer_id());
                   if (!history.ok()) return history.status();
                   *response->mutable_customer() = std::move(history->customer);
                   for (v1::Asset& a : history->assets) *response->add_assets() = std::move(a);
                   for (v1::Ticket& t : history->tickets) *response->add_tickets() = std::move(t);
                   for (v1::Complaint& c : history->complaints) {
                     *response->add_complaints() = std::move(c);
                   }
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::RegisterAsset(grpc::ServerContext* context,
                                              const v1::RegisterAssetRequest* request,
                                              common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, clock_,
                              DeviceTime(request->has_device_time(), request->device_time()));
                   if (!meta.ok()) return meta.status();
                   intake::RegisterAsset command;
                   command.customer_id = request->customer_id();
                   command.model = request->model();
                   command.serial = request->serial();
                   command.category = request->category();
                   command.purchased_on = OptionalTimeFromProto(request->has_purchased_on(),
                                                                request->purchased_on());
                   command.installed_on = OptionalTimeFromProto(request->has_installed_on(),
                                                                request->installed_on());
                   command.warranty_end = OptionalTimeFromProto(request->has_warranty_end(),
                                                                request->warranty_end());
                   command.insurance_end = OptionalTimeFromProto(request->has_insurance_end(),
                                                                 request->insurance_end());
                   if (request->has_contract()) {
                     command.contract = ContractFromProto(request->contract());
                   }
                   return Respond(app_.RegisterAsset(*meta, command), response);
                 });
}

grpc::Status IntakeGrpcService::GetAsset(grpc::ServerContext* context,
                                         const v1::GetAssetRequest* request,
                                         v1::Asset* response) {
  return Guarded(context, verifier_,
                 {"intake", "dispatcher", "technician", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   absl::StatusOr<v1::Asset> asset = app_.GetAsset(request->asset_id());
                   if (!asset.ok()) return asset.status();
                   *response = *std::move(asset);
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::TransferAsset(grpc::ServerContext* context,
                                              const v1::TransferAssetRequest* request,
                                              common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, clock_,
                              DeviceTime(request->has_device_time(), request->device_time()));
                   if (!meta.ok()) return meta.status();
                   intake::TransferAsset command{request->asset_id(), request->to_customer_id(),
                                                 request->reason()};
                   return Respond(
                       app_.TransferAsset(*meta, request->expected_version(), command), response);
                 });
}

// ----------------------------------------------------------------------- the ticket lifecycle

template <typename MakeCommand>
grpc::Status IntakeGrpcService::Change(grpc::ServerContext* context,
                                       const v1::ChangeTicketRequest* request,
                                       std::initializer_list<std::string_view> roles,
                                       MakeCommand make, common::v1::CommandAck* response) {
  return Guarded(context, verifier_, roles, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta =
        MetaOf(request->request_id(), actor, clock_,
               DeviceTime(request->has_device_time(), request->device_time()));
    if (!meta.ok()) return meta.status();
    return Respond(app_.ChangeTicket(*meta, request->expected_version(), make(*request)),
                   response);
  });
}

grpc::Status IntakeGrpcService::ResolveTicketRemotely(grpc::ServerContext* context,
                                                      const v1::ChangeTicketRequest* request,
                                                      common::v1::CommandAck* response) {
  return Change(
      context, request, {"intake", "dispatcher", "manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return ResolveRemotely{r.ticket_id(), r.resolution()};
      },
      response);
}

grpc::Status IntakeGrpcService::CloseTicket(grpc::ServerContext* context,
                                            const v1::ChangeTicketRequest* request,
                                            common::v1::CommandAck* response) {
  return Change(
      context, request, {"manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return intake::CloseTicket{r.ticket_id(), r.reason()};
      },
      response);
}

grpc::Status IntakeGrpcService::CancelTicket(grpc::ServerContext* context,
                                             const v1::ChangeTicketRequest* request,
                                             common::v1::CommandAck* response) {
  return Change(
      context, request, {"intake", "dispatcher", "manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return intake::CancelTicket{r.ticket_id(), r.reason()};
      },
      response);
}

grpc::Status IntakeGrpcService::ReopenTicket(grpc::ServerContext* context,
                                             const v1::ChangeTicketRequest* request,
                                             common::v1::CommandAck* response) {
  return Change(
      context, request, {"intake", "dispatcher", "care", "manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return intake::ReopenTicket{r.ticket_id(), r.reason()};
      },
      response);
}

grpc::Status IntakeGrpcService::ReceiveAtServiceCentre(grpc::ServerContext* context,
                                                       const v1::ChangeTicketRequest* request,
                                                       common::v1::CommandAck* response) {
  return Change(
      context, request, {"intake", "dispatcher", "warehouse", "manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return intake::ReceiveAtServiceCentre{r.ticket_id(), r.location_id()};
      },
      response);
}

grpc::Status IntakeGrpcService::SendToFactory(grpc::ServerContext* context,
                                              const v1::ChangeTicketRequest* request,
                                              common::v1::CommandAck* response) {
  return Change(
      context, request, {"intake", "dispatcher", "warehouse", "manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return intake::SendToFactory{r.ticket_id(), r.location_id()};
      },
      response);
}

grpc::Status IntakeGrpcService::ReceiveFromFactory(grpc::ServerContext* context,
                                                   const v1::ChangeTicketRequest* request,
                                                   common::v1::CommandAck* response) {
  return Change(
      context, request, {"intake", "dispatcher", "warehouse", "manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return intake::ReceiveFromFactory{r.ticket_id(), r.reason()};
      },
      response);
}

grpc::Status IntakeGrpcService::ReturnToCustomer(grpc::ServerContext* context,
                                                 const v1::ChangeTicketRequest* request,
                                                 common::v1::CommandAck* response) {
  return Change(
      context, request, {"intake", "dispatcher", "warehouse", "manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return intake::ReturnToCustomer{r.ticket_id(), r.resolution()};
      },
      response);
}

// --------------------------------------------------------------------------------- complaints

grpc::Status IntakeGrpcService::RegisterComplaint(grpc::ServerContext* context,
                                                  const v1::RegisterComplaintRequest* request,
                                                  common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, clock_,
                              DeviceTime(request->has_device_time(), request->device_time()));
                   if (!meta.ok()) return meta.status();
                   intake::RegisterComplaint command;
                   command.kind = request->kind();
                   command.channel = request->channel();
                   command.customer_id = request->customer_id();
                   command.ticket_id = request->ticket_id();
                   command.technician_id = request->technician_id();
                   command.part_skus.assign(request->part_skus().begin(),
                                            request->part_skus().end());
                   command.category = request->category();
                   command.description = request->description();
                   return Respond(app_.RegisterComplaint(*meta, command), response);
                 });
}

grpc::Status IntakeGrpcService::ChangeComplaint(grpc::ServerContext* context,
                                                const v1::ComplaintChangeRequest* request,
                                                ComplaintCommand command,
                                                common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, clock_,
                              DeviceTime(request->has_device_time(), request->device_time()));
                   if (!meta.ok()) return meta.status();
                   return Respond(
                       app_.ChangeComplaint(*meta, request->expected_version(), command),
                       response);
                 });
}

grpc::Status IntakeGrpcService::AddComplaintNote(grpc::ServerContext* context,
                                                 const v1::ComplaintChangeRequest* request,
                                                 common::v1::CommandAck* response) {
  return ChangeComplaint(
      context, request,
      intake::AddComplaintNote{request->complaint_id(), request->step(), request->text()},
      response);
}

grpc::Status IntakeGrpcService::CloseComplaint(grpc::ServerContext* context,
                                               const v1::ComplaintChangeRequest* request,
                                               common::v1::CommandAck* response) {
  return ChangeComplaint(
      context, request,
      intake::CloseComplaint{request->complaint_id(), request->basis(), request->text(), ""},
      response);
}

grpc::Status IntakeGrpcService::ReopenComplaint(grpc::ServerContext* context,
                                                const v1::ComplaintChangeRequest* request,
                                                common::v1::CommandAck* response) {
  return ChangeComplaint(context, request,
                         intake::ReopenComplaint{request->complaint_id(), request->text()},
                         response);
}

grpc::Status IntakeGrpcService::GetComplaint(grpc::ServerContext* context,
                                             const v1::GetComplaintRequest* request,
                                             v1::Complaint* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   absl::StatusOr<v1::Complaint> complaint =
                       app_.GetComplaint(request->complaint_id());
                   if (!complaint.ok()) return complaint.status();
                   *response = *std::move(complaint);
                   return absl::OkStatus();
                 });
}

// ------------------------------------------------------------------------------------ history

grpc::Status IntakeGrpcService::GetTimeline(grpc::ServerContext* context,
                                            const v1::GetTimelineRequest* request,
                                            v1::Timeline* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   absl::StatusOr<v1::Timeline> timeline =
                       app_.GetTimeline(request->aggregate_type(), request->aggregate_id());
                   if (!timeline.ok()) return timeline.status();
                   *response = *std::move(timeline);
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::GetTicketAsOf(grpc::ServerContext* context,
                                              const v1::GetTicketAsOfRequest* request,
                                              v1::Ticket* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   if (!request->has_as_of()) {
                     return InvalidArgument("as_of", "As of when? The time is missing.");
                   }
                   absl::StatusOr<v1::Ticket> ticket =
                       app_.GetTicketAsOf(request->ticket_id(), FromProto(request->as_of()));
                   if (!ticket.ok()) return ticket.status();
                   *response = *std::move(ticket);
                   return absl::OkStatus();
                 });
}

}  // namespace fieldline::intake

namespace fieldline::intake {
namespace {

void SlaToProto(const TicketSlaState& sla, absl::Time as_of, v1::TicketSla* out) {
  out->set_ticket_id(sla.ticket_id);
  ToProto(as_of, out->mutable_as_of());
  out->set_tier(CustomerTierToProto(sla.tier));
  out->set_priority(PriorityToProto(sla.priority));
  for (const SlaClockState& c : sla.clocks) {
    v1::SlaClock* p = out->add_clocks();
    p->set_clock(std::string(SlaClockName(c.kind)));
    switch (c.status) {
      case SlaClockStatus::kNotStarted:
        p->set_status(v1::SLA_CLOCK_STATUS_NOT_STARTED);
        break;
      case SlaClockStatus::kRunning:
        p->set_status(v1::SLA_CLOCK_STATUS_RUNNING);
        break;
      case SlaClockStatus::kPaused:
        p->set_status(v1::SLA_CLOCK_STATUS_PAUSED);
        break;
      case SlaClockStatus::kMet:
        p->set_status(v1::SLA_CLOCK_STATUS_MET);
        break;
      case SlaClockStatus::kBreached:
        p->set_status(v1::SLA_CLOCK_STATUS_BREACHED);
        break;
      case SlaClockStatus::kCancelled:
        p->set_status(v1::SLA_CLOCK_STATUS_CANCELLED);
        break;
    }
    p->set_allowance_minutes(c.allowance_minutes);
    p->set_elapsed_minutes(c.elapsed_minutes());
    if (c.due != absl::InfiniteFuture()) ToProto(c.due, p->mutable_due_time());
    if (c.started_at != absl::InfinitePast()) ToProto(c.started_at, p->mutable_started_at());
    if (c.stopped_at != absl::InfinitePast()) ToProto(c.stopped_at, p->mutable_stopped_at());
    p->set_warning(c.warning);
    p->set_allowance_source(c.allowance_source);
    p->set_stopped_by(c.stopped_by);
  }
}

// The request's policy over the current one: what it leaves empty stays as it is.
absl::StatusOr<SlaPolicy> PolicyFromProto(const v1::SlaPolicy& proto, SlaPolicy policy) {
  if (proto.allowances_size() > 0) {
    policy.rules.clear();
    for (int i = 0; i < proto.allowances_size(); ++i) {
      const v1::SlaAllowance& a = proto.allowances(i);
      const std::string field = absl::StrCat("policy.allowances[", i, "]");
      if (a.response_minutes() < 0 || a.on_site_minutes() < 0 || a.resolution_minutes() < 0) {
        return InvalidArgument(field, "An allowance cannot be negative (0 = no such promise).");
      }
      const CustomerTier tier = CustomerTierFromProto(a.tier());
      if (static_cast<int>(tier) < 0 || static_cast<int>(tier) > 4) {
        return InvalidArgument(absl::StrCat(field, ".tier"), "There is no such customer tier.");
      }
      const Priority priority = PriorityFromProto(a.priority());
      if (static_cast<int>(priority) < 0 || static_cast<int>(priority) > 4) {
        return InvalidArgument(absl::StrCat(field, ".priority"), "There is no such priority.");
      }
      policy.rules.push_back(
          {tier, priority, {a.response_minutes(), a.on_site_minutes(), a.resolution_minutes()}});
    }
  }
  if (proto.has_calendar()) {
    const v1::BusinessCalendar& c = proto.calendar();
    BusinessCalendar cal = policy.calendar;
    if (!c.time_zone().empty()) {
      cal.time_zone_name = c.time_zone();
      if (absl::Status s = LoadCalendarZone("policy.calendar.time_zone", cal); !s.ok()) return s;
    }
    if (c.hours_size() > 0) {
      for (WorkingHours& w : cal.week) w = WorkingHours{0, 0};
      for (int i = 0; i < c.hours_size(); ++i) {
        const v1::WorkingHours& h = c.hours(i);
        const std::string field = absl::StrCat("policy.calendar.hours[", i, "]");
        if (h.weekday() < 1 || h.weekday() > 7) {
          return InvalidArgument(absl::StrCat(field, ".weekday"),
                                 "A weekday is 1 (Monday) to 7 (Sunday).");
        }
        absl::StatusOr<int> start = ParseClockTime(absl::StrCat(field, ".start"), h.start());
        if (!start.ok()) return start.status();
        absl::StatusOr<int> end = ParseClockTime(absl::StrCat(field, ".end"), h.end());
        if (!end.ok()) return end.status();
        if (*end < *start) {
          return InvalidArgument(absl::StrCat(field, ".end"),
                                 "Working hours must end after they start.");
        }
        cal.week[h.weekday() - 1] = WorkingHours{*start, *end};
      }
    }
    if (c.holidays_size() > 0) cal.holidays.clear();
    for (int i = 0; i < c.holidays_size(); ++i) {
      absl::StatusOr<absl::CivilDay> d =
          ParseDay(absl::StrCat("policy.calendar.holidays[", i, "]"), c.holidays(i));
      if (!d.ok()) return d.status();
      cal.holidays.insert(*d);
    }
    if (c.makeup_days_size() > 0) cal.makeup_days.clear();
    for (int i = 0; i < c.makeup_days_size(); ++i) {
      absl::StatusOr<absl::CivilDay> d =
          ParseDay(absl::StrCat("policy.calendar.makeup_days[", i, "]"), c.makeup_days(i));
      if (!d.ok()) return d.status();
      cal.makeup_days.insert(*d);
    }
    policy.calendar = std::move(cal);
  }
  if (proto.warning_fraction() != 0) {
    if (absl::Status s = ValidateWarningFraction("policy.warning_fraction",
                                                 proto.warning_fraction());
        !s.ok()) {
      return s;
    }
    policy.warning_fraction = proto.warning_fraction();
  }
  if (proto.ignore_contracts()) policy.contracts_override = false;
  return policy;
}

}  // namespace

grpc::Status IntakeGrpcService::WaitForCustomer(grpc::ServerContext* context,
                                                const v1::ChangeTicketRequest* request,
                                                common::v1::CommandAck* response) {
  return Change(
      context, request, {"intake", "dispatcher", "care", "manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return intake::WaitForCustomer{r.ticket_id(), r.reason()};
      },
      response);
}

grpc::Status IntakeGrpcService::ResumeFromCustomer(grpc::ServerContext* context,
                                                   const v1::ChangeTicketRequest* request,
                                                   common::v1::CommandAck* response) {
  return Change(
      context, request, {"intake", "dispatcher", "care", "manager", "admin"},
      [](const v1::ChangeTicketRequest& r) -> TicketCommand {
        return intake::ResumeFromCustomer{r.ticket_id(), r.reason()};
      },
      response);
}

grpc::Status IntakeGrpcService::GetTicketSla(grpc::ServerContext* context,
                                             const v1::GetTicketSlaRequest* request,
                                             v1::TicketSla* response) {
  return Guarded(context, verifier_,
                 {"intake", "dispatcher", "technician", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   const absl::Time as_of =
                       request->has_as_of() ? FromProto(request->as_of()) : clock_.Now();
                   absl::StatusOr<TicketSlaState> sla =
                       app_.GetTicketSla(request->ticket_id(), as_of);
                   if (!sla.ok()) return sla.status();
                   SlaToProto(*sla, as_of, response);
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::SlaWhatIf(grpc::ServerContext* context,
                                          const v1::SlaWhatIfRequest* request,
                                          v1::SlaWhatIfResponse* response) {
  return Guarded(context, verifier_, {"manager", "admin"}, [&](const Actor&) -> absl::Status {
    absl::StatusOr<SlaPolicy> policy = PolicyFromProto(request->policy(), app_.policy().sla);
    if (!policy.ok()) return policy.status();
    const absl::Time from = request->has_opened_from() ? FromProto(request->opened_from())
                                                       : absl::InfinitePast();
    const absl::Time before = request->has_opened_before()
                                  ? FromProto(request->opened_before())
                                  : absl::InfiniteFuture();
    const absl::Time as_of = request->has_as_of() ? FromProto(request->as_of()) : clock_.Now();
    absl::StatusOr<SlaWhatIfResult> result =
        app_.SlaWhatIf(from, before, *policy, as_of, request->max_tickets());
    if (!result.ok()) return result.status();
    for (const SlaWhatIfLine& line : result->tickets) {
      v1::SlaWhatIfTicket* t = response->add_tickets();
      t->set_ticket_id(line.ticket_id);
      for (const std::string& c : line.breached_now) t->add_breached_now(c);
      for (const std::string& c : line.breached_what_if) t->add_breached_what_if(c);
    }
    response->set_tickets_considered(result->tickets_considered);
    response->set_breaches_now(result->breaches_now);
    response->set_breaches_what_if(result->breaches_what_if);
    response->set_tickets_breached_now(result->tickets_breached_now);
    response->set_tickets_breached_what_if(result->tickets_breached_what_if);
    response->set_truncated(result->truncated);
    return absl::OkStatus();
  });
}

grpc::Status IntakeGrpcService::UpdateCustomer(grpc::ServerContext* context,
                                               const v1::UpdateCustomerRequest* request,
                                               common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, clock_,
                              DeviceTime(request->has_device_time(), request->device_time()));
                   if (!meta.ok()) return meta.status();
                   intake::UpdateCustomer command;
                   command.customer_id = request->customer_id();
                   command.fields.assign(request->update_fields().begin(),
                                         request->update_fields().end());
                   command.name = request->name();
                   command.phones.assign(request->phones().begin(), request->phones().end());
                   command.address = request->address();
                   if (request->has_location()) {
                     command.location = GeoPoint{request->location().lat(),
                                                 request->location().lng()};
                   }
                   command.region = request->region();
                   command.birthday = request->birthday();
                   command.consent_to_messages = request->consent_to_messages();
                   command.preferred_technician_id = request->preferred_technician_id();
                   command.reason = request->reason();
                   return Respond(
                       app_.UpdateCustomer(*meta, request->expected_version(), command), response);
                 });
}

grpc::Status IntakeGrpcService::GetCustomerAsOf(grpc::ServerContext* context,
                                                const v1::GetCustomerAsOfRequest* request,
                                                v1::Customer* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   if (!request->has_as_of()) {
                     return InvalidArgument("as_of", "As of when? The moment is missing.");
                   }
                   absl::StatusOr<v1::Customer> customer =
                       app_.GetCustomerAsOf(request->customer_id(), FromProto(request->as_of()));
                   if (!customer.ok()) return customer.status();
                   *response = *std::move(customer);
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::GetComplaintAsOf(grpc::ServerContext* context,
                                                 const v1::GetComplaintAsOfRequest* request,
                                                 v1::Complaint* response) {
  return Guarded(context, verifier_, {"intake", "dispatcher", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   if (!request->has_as_of()) {
                     return InvalidArgument("as_of", "As of when? The moment is missing.");
                   }
                   absl::StatusOr<v1::Complaint> complaint = app_.GetComplaintAsOf(
                       request->complaint_id(), FromProto(request->as_of()));
                   if (!complaint.ok()) return complaint.status();
                   *response = *std::move(complaint);
                   return absl::OkStatus();
                 });
}

grpc::Status IntakeGrpcService::ListComplaints(grpc::ServerContext* context,
                                               const v1::ListComplaintsRequest* request,
                                               v1::ListComplaintsResponse* response) {
  return Guarded(context, verifier_, {"intake", "care", "manager", "admin"},
                 [&](const Actor&) -> absl::Status {
                   ComplaintListQuery query;
                   switch (request->state()) {
                     case v1::COMPLAINT_STATE_FILTER_UNSPECIFIED:
                       query.state = 0;
                       break;
                     case v1::COMPLAINT_STATE_FILTER_OPEN:
                       query.state = 1;
                       break;
                     case v1::COMPLAINT_STATE_FILTER_CLOSED:
                       query.state = 2;
                       break;
                     default:
                       return InvalidArgument("state",
                                              "There is no such complaint state filter; use open "
                                              "or closed.");
                   }
                   query.customer_id = request->customer_id();
                   query.technician_id = request->technician_id();
                   query.first_response_overdue = request->first_response_overdue();
                   query.page_size = request->page_size();
                   query.page_token = request->page_token();
                   absl::StatusOr<ComplaintPage> page = app_.ListComplaints(query);
                   if (!page.ok()) return page.status();
                   for (v1::Complaint& c : page->complaints) {
                     *response->add_complaints() = std::move(c);
                   }
                   response->set_next_page_token(page->next_page_token);
                   return absl::OkStatus();
                 });
}

}  // namespace fieldline::intake
