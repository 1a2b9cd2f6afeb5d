#include "services/intake/adapters/grpc_service.h"

#include <utility>

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
                   absl::StatusOr<TicketPage> page = app_.ListTickets(query);
                   if (!page.ok()) return page.status();
                   for (v1::Ticket& t : page->tickets) *response->add_tickets() = std::move(t);
                   response->set_next_page_token(page->next_page_token);
                   return absl::OkStatus();
                 });
}

}  // namespace fieldline::intake
