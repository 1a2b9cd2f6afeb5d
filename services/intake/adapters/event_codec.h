#pragma once

// Translation between the ticket domain and its protobuf contracts: domain events ⇄
// fieldline.intake.v1.IntakeEvent payloads, the ticket view ⇄ the fieldline.intake.v1.Ticket
// projection, and the shared value types (customer, part lines, priority, ticket state).
// Pure functions; no business rule lives here.

#include <vector>

#include "absl/status/statusor.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/intake/v1/intake_service.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/common/core/types.h"
#include "services/intake/domain/ticket.h"
#include "services/intake/domain/ticket_view.h"

namespace fieldline::intake {

// --- value types ---
TicketCustomer CustomerFromProto(const common::v1::CustomerInfo& proto);
void CustomerToProto(const TicketCustomer& customer, common::v1::CustomerInfo* out);

std::vector<PartLine> PartLinesFromProto(
    const google::protobuf::RepeatedPtrField<common::v1::PartLine>& proto);
void PartLinesToProto(const std::vector<PartLine>& lines,
                      google::protobuf::RepeatedPtrField<common::v1::PartLine>* out);

// Values outside the enum pass through unchanged, so the domain can reject them by name.
Priority PriorityFromProto(common::v1::Priority proto);
common::v1::Priority PriorityToProto(Priority priority);

v1::TicketState TicketStatusToProto(TicketStatus status);
TicketStatus TicketStatusFromProto(v1::TicketState proto);

// --- events ---
v1::IntakeEvent EncodeTicketEvent(const TicketEvent& event);
// DATA_LOSS for a payload that is not a ticket event this build knows.
absl::StatusOr<TicketEvent> DecodeTicketEvent(const v1::IntakeEvent& proto);

// --- projection ---
v1::Ticket TicketViewToProto(const TicketView& view);
TicketView TicketViewFromProto(const v1::Ticket& proto);

}  // namespace fieldline::intake
