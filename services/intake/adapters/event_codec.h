#pragma once

// Translation between the ticket domain and its protobuf contracts: domain events ⇄
// fieldline.intake.v1.IntakeEvent payloads, the ticket view ⇄ the fieldline.intake.v1.Ticket
// projection, and the shared value types (customer, part lines, priority, ticket state).
// Pure functions; no business rule lives here.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/intake/v1/intake_service.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/common/core/types.h"
#include "services/intake/domain/complaint.h"
#include "services/intake/domain/customer.h"
#include "services/intake/domain/entitlement.h"
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

// Issue 3 value types.
CustomerTier CustomerTierFromProto(v1::CustomerTier proto);  // out-of-range passes through
v1::CustomerTier CustomerTierToProto(CustomerTier tier);
void EntitlementToProto(const Entitlement& e, v1::Entitlement* out);
Entitlement EntitlementFromProto(const v1::Entitlement& proto);
void ContractToProto(const Contract& c, v1::Contract* out);
Contract ContractFromProto(const v1::Contract& proto);
// An unset timestamp → InfinitePast (how the domain says "not known").
absl::Time OptionalTimeFromProto(bool has, const google::protobuf::Timestamp& ts);

// --- events ---
v1::IntakeEvent EncodeCustomerEvent(const CustomerEvent& event);
absl::StatusOr<CustomerEvent> DecodeCustomerEvent(const v1::IntakeEvent& proto);
v1::IntakeEvent EncodeAssetEvent(const AssetEvent& event);
absl::StatusOr<AssetEvent> DecodeAssetEvent(const v1::IntakeEvent& proto);
v1::IntakeEvent EncodeComplaintEvent(const ComplaintEvent& event);
absl::StatusOr<ComplaintEvent> DecodeComplaintEvent(const v1::IntakeEvent& proto);
// The complaint projection's scalar fields (notes are added by the app, with who and when).
void ComplaintStateToProto(const ComplaintState& state, int64_t version, v1::Complaint* out);
// The event's name ("TicketCancelled") and the why it carries (reason, outcome, resolution).
std::string IntakeEventName(const v1::IntakeEvent& proto);
std::string IntakeEventWhy(const v1::IntakeEvent& proto);

v1::IntakeEvent EncodeTicketEvent(const TicketEvent& event);
// DATA_LOSS for a payload that is not a ticket event this build knows.
absl::StatusOr<TicketEvent> DecodeTicketEvent(const v1::IntakeEvent& proto);

// --- projection ---
v1::Ticket TicketViewToProto(const TicketView& view);
TicketView TicketViewFromProto(const v1::Ticket& proto);
v1::Customer CustomerStateToProto(const CustomerState& state, int64_t version,
                                  absl::Time registered_at);
CustomerState CustomerStateFromProto(const v1::Customer& proto);
v1::Asset AssetStateToProto(const AssetState& state, int64_t version);
AssetState AssetStateFromProto(const v1::Asset& proto);

}  // namespace fieldline::intake
