#include "services/intake/adapters/event_codec.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "services/common/store/event_store.h"

namespace fieldline::intake {
namespace {

struct EncodeVisitor {
  v1::IntakeEvent& out;
  void operator()(const TicketOpened& e) {
    v1::TicketOpened* p = out.mutable_ticket_opened();
    p->set_ticket_id(e.ticket_id);
    CustomerToProto(e.customer, p->mutable_customer());
    p->set_category(e.category);
    p->set_symptom(e.symptom);
    p->set_priority(PriorityToProto(e.priority));
    p->set_channel(e.channel);
    PartLinesToProto(e.parts_needed, p->mutable_parts_needed());
    p->set_asset_id(e.asset_id);
    p->set_fault_cause(e.fault_cause);
    if (e.entitlement.has_value()) EntitlementToProto(*e.entitlement, p->mutable_entitlement());
    p->set_service_promise(e.service_promise);
    p->set_customer_tier(CustomerTierToProto(e.customer_tier));
    if (e.contract_promises.has_value()) {
      p->mutable_contract_promises()->set_response_hours(e.contract_promises->response_hours);
      p->mutable_contract_promises()->set_on_site_hours(e.contract_promises->on_site_hours);
      p->mutable_contract_promises()->set_resolution_hours(e.contract_promises->resolution_hours);
    }
    if (e.onsite_due != absl::InfinitePast()) ToProto(e.onsite_due, p->mutable_onsite_due());
    if (e.resolution_due != absl::InfinitePast()) {
      ToProto(e.resolution_due, p->mutable_resolution_due());
    }
  }
  void operator()(const TicketTechnicianArrived& e) {
    auto* p = out.mutable_ticket_technician_arrived();
    p->set_ticket_id(e.ticket_id);
    p->set_job_id(e.job_id);
    p->set_technician_id(e.technician_id);
    if (e.arrived_at != absl::InfinitePast()) ToProto(e.arrived_at, p->mutable_arrived_at());
  }
  void operator()(const TicketScheduled& e) {
    v1::TicketScheduled* p = out.mutable_ticket_scheduled();
    p->set_ticket_id(e.ticket_id);
    p->set_job_id(e.job_id);
    p->set_technician_id(e.technician_id);
  }
  void operator()(const TicketWorkStarted& e) {
    v1::TicketWorkStarted* p = out.mutable_ticket_work_started();
    p->set_ticket_id(e.ticket_id);
    p->set_job_id(e.job_id);
  }
  void operator()(const TicketCompleted& e) {
    v1::TicketCompleted* p = out.mutable_ticket_completed();
    p->set_ticket_id(e.ticket_id);
    p->set_job_id(e.job_id);
    PartLinesToProto(e.parts_used, p->mutable_parts_used());
    p->set_resolution(e.resolution);
  }
  void operator()(const TicketResolvedRemotely& e) {
    auto* p = out.mutable_ticket_resolved_remotely();
    p->set_ticket_id(e.ticket_id);
    p->set_resolution(e.resolution);
  }
  void operator()(const TicketClosed& e) {
    auto* p = out.mutable_ticket_closed();
    p->set_ticket_id(e.ticket_id);
    p->set_outcome(e.outcome);
    p->set_callback_id(e.callback_id);
  }
  void operator()(const TicketCancelled& e) {
    auto* p = out.mutable_ticket_cancelled();
    p->set_ticket_id(e.ticket_id);
    p->set_reason(e.reason);
    p->set_job_id(e.job_id);
    p->set_technician_id(e.technician_id);
  }
  void operator()(const TicketReopened& e) {
    auto* p = out.mutable_ticket_reopened();
    p->set_ticket_id(e.ticket_id);
    p->set_reason(e.reason);
  }
  void operator()(const TicketReceivedAtServiceCentre& e) {
    auto* p = out.mutable_ticket_received_at_service_centre();
    p->set_ticket_id(e.ticket_id);
    p->set_service_centre_id(e.service_centre_id);
    if (e.promised_ready_by != absl::InfinitePast()) ToProto(e.promised_ready_by, p->mutable_promised_ready_by());
  }
  void operator()(const TicketSentToFactory& e) {
    auto* p = out.mutable_ticket_sent_to_factory();
    p->set_ticket_id(e.ticket_id);
    p->set_factory(e.factory);
    if (e.promised_back_by != absl::InfinitePast()) ToProto(e.promised_back_by, p->mutable_promised_back_by());
  }
  void operator()(const TicketBackFromFactory& e) {
    auto* p = out.mutable_ticket_back_from_factory();
    p->set_ticket_id(e.ticket_id);
    p->set_note(e.note);
  }
  void operator()(const TicketReturnedToCustomer& e) {
    auto* p = out.mutable_ticket_returned_to_customer();
    p->set_ticket_id(e.ticket_id);
    p->set_resolution(e.resolution);
  }
  void operator()(const TicketWaitingForParts& e) {
    auto* p = out.mutable_ticket_waiting_for_parts();
    p->set_ticket_id(e.ticket_id);
    p->set_job_id(e.job_id);
    PartLinesToProto(e.missing_parts, p->mutable_missing_parts());
  }
  void operator()(const TicketPartsArrived& e) {
    auto* p = out.mutable_ticket_parts_arrived();
    p->set_ticket_id(e.ticket_id);
    p->set_job_id(e.job_id);
    PartLinesToProto(e.missing_parts, p->mutable_missing_parts());
  }
  void operator()(const TicketWaitingForCustomer& e) {
    auto* p = out.mutable_ticket_waiting_for_customer();
    p->set_ticket_id(e.ticket_id);
    p->set_reason(e.reason);
  }
  void operator()(const TicketCustomerResumed& e) {
    auto* p = out.mutable_ticket_customer_resumed();
    p->set_ticket_id(e.ticket_id);
    p->set_reason(e.reason);
  }
  template <typename P>
  void FillSla(const TicketSlaReported& e, P* p) {
    p->set_ticket_id(e.ticket_id);
    p->set_customer_id(e.customer_id);
    p->set_clock(e.clock);
    if (e.due != absl::InfiniteFuture() && e.due != absl::InfinitePast()) {
      ToProto(e.due, p->mutable_due_time());
    }
    p->set_allowance_minutes(e.allowance_minutes);
    p->set_elapsed_minutes(e.elapsed_minutes);
    p->set_tier(CustomerTierToProto(e.tier));
    p->set_priority(PriorityToProto(e.priority));
  }
  void operator()(const TicketSlaReported& e) {
    if (e.breach) {
      FillSla(e, out.mutable_ticket_sla_breached());
    } else {
      FillSla(e, out.mutable_ticket_sla_warning());
    }
  }
};

template <typename P>
TicketSlaReported SlaFromProto(const P& p, bool breach) {
  TicketSlaReported e;
  e.ticket_id = p.ticket_id();
  e.breach = breach;
  e.customer_id = p.customer_id();
  e.clock = p.clock();
  e.due = p.has_due_time() ? FromProto(p.due_time()) : absl::InfiniteFuture();
  e.allowance_minutes = p.allowance_minutes();
  e.elapsed_minutes = p.elapsed_minutes();
  e.tier = CustomerTierFromProto(p.tier());
  e.priority = PriorityFromProto(p.priority());
  return e;
}

struct AssetEncoder {
  v1::IntakeEvent& out;
  void operator()(const AssetRegistered& e) {
    auto* p = out.mutable_asset_registered();
    p->set_asset_id(e.asset_id);
    p->set_customer_id(e.customer_id);
    p->set_model(e.model);
    p->set_serial(e.serial);
    p->set_category(e.category);
    if (e.purchased_on != absl::InfinitePast()) ToProto(e.purchased_on, p->mutable_purchased_on());
    if (e.installed_on != absl::InfinitePast()) ToProto(e.installed_on, p->mutable_installed_on());
    if (e.warranty_end != absl::InfinitePast()) ToProto(e.warranty_end, p->mutable_warranty_end());
    if (e.insurance_end != absl::InfinitePast()) {
      ToProto(e.insurance_end, p->mutable_insurance_end());
    }
    if (e.contract.has_value()) ContractToProto(*e.contract, p->mutable_contract());
  }
  void operator()(const AssetOwnershipTransferred& e) {
    auto* p = out.mutable_asset_ownership_transferred();
    p->set_asset_id(e.asset_id);
    p->set_from_customer_id(e.from_customer_id);
    p->set_to_customer_id(e.to_customer_id);
    p->set_reason(e.reason);
  }
};

std::optional<GeoPoint> GeoFromProto(bool has, const common::v1::GeoPoint& p) {
  if (!has) return std::nullopt;
  return GeoPoint{p.lat(), p.lng()};
}

}  // namespace

absl::Time OptionalTimeFromProto(bool has, const google::protobuf::Timestamp& ts) {
  return has ? FromProto(ts) : absl::InfinitePast();
}

CustomerTier CustomerTierFromProto(v1::CustomerTier proto) {
  return static_cast<CustomerTier>(proto);
}
v1::CustomerTier CustomerTierToProto(CustomerTier tier) {
  return static_cast<v1::CustomerTier>(tier);
}

void EntitlementToProto(const Entitlement& e, v1::Entitlement* out) {
  out->set_coverage(static_cast<v1::Coverage>(e.coverage));
  out->set_in_warranty(e.in_warranty);
  out->set_fault_cause(e.fault_cause);
  out->set_explanation(e.explanation);
  if (e.warranty_end != absl::InfinitePast()) ToProto(e.warranty_end, out->mutable_warranty_end());
}

Entitlement EntitlementFromProto(const v1::Entitlement& proto) {
  Entitlement e;
  e.coverage = static_cast<Coverage>(proto.coverage());
  e.in_warranty = proto.in_warranty();
  e.fault_cause = proto.fault_cause();
  e.explanation = proto.explanation();
  e.warranty_end = OptionalTimeFromProto(proto.has_warranty_end(), proto.warranty_end());
  return e;
}

void ContractToProto(const Contract& c, v1::Contract* out) {
  out->set_contract_id(c.contract_id);
  out->set_name(c.name);
  if (c.ends_at != absl::InfinitePast()) ToProto(c.ends_at, out->mutable_ends_at());
  out->mutable_promises()->set_response_hours(c.promises.response_hours);
  out->mutable_promises()->set_on_site_hours(c.promises.on_site_hours);
  out->mutable_promises()->set_resolution_hours(c.promises.resolution_hours);
}

Contract ContractFromProto(const v1::Contract& proto) {
  Contract c;
  c.contract_id = proto.contract_id();
  c.name = proto.name();
  c.ends_at = OptionalTimeFromProto(proto.has_ends_at(), proto.ends_at());
  c.promises.response_hours = proto.promises().response_hours();
  c.promises.on_site_hours = proto.promises().on_site_hours();
  c.promises.resolution_hours = proto.promises().resolution_hours();
  return c;
}

v1::IntakeEvent EncodeCustomerEvent(const CustomerEvent& event) {
  v1::IntakeEvent out;
  if (const auto* u = std::get_if<CustomerUpdated>(&event)) {
    auto* p = out.mutable_customer_updated();
    p->set_customer_id(u->customer_id);
    p->set_name(u->name);
    for (const std::string& phone : u->phones) p->add_phones(phone);
    p->set_address(u->address);
    if (u->location.has_value()) {
      p->mutable_location()->set_lat(u->location->lat);
      p->mutable_location()->set_lng(u->location->lng);
    }
    p->set_region(u->region);
    p->set_birthday(u->birthday);
    p->set_consent_to_messages(u->consent_to_messages);
    p->set_preferred_technician_id(u->preferred_technician_id);
    for (const std::string& f : u->changed_fields) p->add_changed_fields(f);
    p->set_reason(u->reason);
    return out;
  }
  const CustomerRegistered& e = std::get<CustomerRegistered>(event);
  auto* p = out.mutable_customer_registered();
  p->set_customer_id(e.customer_id);
  p->set_name(e.name);
  for (const std::string& phone : e.phones) p->add_phones(phone);
  p->set_address(e.address);
  if (e.location.has_value()) {
    p->mutable_location()->set_lat(e.location->lat);
    p->mutable_location()->set_lng(e.location->lng);
  }
  p->set_tier(CustomerTierToProto(e.tier));
  p->set_consent_to_messages(e.consent_to_messages);
  p->set_preferred_technician_id(e.preferred_technician_id);
  p->set_birthday(e.birthday);
  p->set_region(e.region);
  return out;
}

absl::StatusOr<CustomerEvent> DecodeCustomerEvent(const v1::IntakeEvent& proto) {
  if (proto.kind_case() == v1::IntakeEvent::kCustomerUpdated) {
    const auto& p = proto.customer_updated();
    CustomerUpdated u;
    u.customer_id = p.customer_id();
    u.name = p.name();
    u.phones.assign(p.phones().begin(), p.phones().end());
    u.address = p.address();
    u.location = GeoFromProto(p.has_location(), p.location());
    u.region = p.region();
    u.birthday = p.birthday();
    u.consent_to_messages = p.consent_to_messages();
    u.preferred_technician_id = p.preferred_technician_id();
    u.changed_fields.assign(p.changed_fields().begin(), p.changed_fields().end());
    u.reason = p.reason();
    return CustomerEvent{std::move(u)};
  }
  if (proto.kind_case() != v1::IntakeEvent::kCustomerRegistered) {
    return absl::DataLossError(absl::StrCat("A stored customer event has kind ",
                                            static_cast<int>(proto.kind_case()),
                                            ", which is not a customer event."));
  }
  const auto& p = proto.customer_registered();
  CustomerRegistered e;
  e.customer_id = p.customer_id();
  e.name = p.name();
  e.phones.assign(p.phones().begin(), p.phones().end());
  e.address = p.address();
  e.location = GeoFromProto(p.has_location(), p.location());
  e.tier = CustomerTierFromProto(p.tier());
  e.consent_to_messages = p.consent_to_messages();
  e.preferred_technician_id = p.preferred_technician_id();
  e.birthday = p.birthday();
  e.region = p.region();
  return CustomerEvent{std::move(e)};
}

v1::IntakeEvent EncodeAssetEvent(const AssetEvent& event) {
  v1::IntakeEvent out;
  std::visit(AssetEncoder{out}, event);
  return out;
}

absl::StatusOr<AssetEvent> DecodeAssetEvent(const v1::IntakeEvent& proto) {
  switch (proto.kind_case()) {
    case v1::IntakeEvent::kAssetRegistered: {
      const auto& p = proto.asset_registered();
      AssetRegistered e;
      e.asset_id = p.asset_id();
      e.customer_id = p.customer_id();
      e.model = p.model();
      e.serial = p.serial();
      e.category = p.category();
      e.purchased_on = OptionalTimeFromProto(p.has_purchased_on(), p.purchased_on());
      e.installed_on = OptionalTimeFromProto(p.has_installed_on(), p.installed_on());
      e.warranty_end = OptionalTimeFromProto(p.has_warranty_end(), p.warranty_end());
      e.insurance_end = OptionalTimeFromProto(p.has_insurance_end(), p.insurance_end());
      if (p.has_contract()) e.contract = ContractFromProto(p.contract());
      return AssetEvent{std::move(e)};
    }
    case v1::IntakeEvent::kAssetOwnershipTransferred: {
      const auto& p = proto.asset_ownership_transferred();
      return AssetEvent{AssetOwnershipTransferred{p.asset_id(), p.from_customer_id(),
                                                  p.to_customer_id(), p.reason()}};
    }
    default:
      return absl::DataLossError(absl::StrCat("A stored asset event has kind ",
                                              static_cast<int>(proto.kind_case()),
                                              ", which is not an asset event."));
  }
}

namespace {

struct ComplaintEncoder {
  v1::IntakeEvent& out;
  void operator()(const ComplaintRegistered& e) {
    auto* p = out.mutable_complaint_registered();
    p->set_complaint_id(e.complaint_id);
    p->set_kind(e.kind);
    p->set_channel(e.channel);
    p->set_customer_id(e.customer_id);
    p->set_ticket_id(e.ticket_id);
    p->set_technician_id(e.technician_id);
    for (const std::string& sku : e.part_skus) p->add_part_skus(sku);
    p->set_category(e.category);
    p->set_description(e.description);
    if (e.first_response_due != absl::InfinitePast()) {
      ToProto(e.first_response_due, p->mutable_first_response_due());
    }
  }
  void operator()(const ComplaintNoteAdded& e) {
    auto* p = out.mutable_complaint_note_added();
    p->set_complaint_id(e.complaint_id);
    p->set_step(e.step);
    p->set_text(e.text);
    p->set_first_response(e.first_response);
  }
  void operator()(const ComplaintClosed& e) {
    auto* p = out.mutable_complaint_closed();
    p->set_complaint_id(e.complaint_id);
    p->set_basis(e.basis);
    p->set_reason(e.reason);
  }
  void operator()(const ComplaintReopened& e) {
    auto* p = out.mutable_complaint_reopened();
    p->set_complaint_id(e.complaint_id);
    p->set_reason(e.reason);
  }
};

}  // namespace

v1::IntakeEvent EncodeComplaintEvent(const ComplaintEvent& event) {
  v1::IntakeEvent out;
  std::visit(ComplaintEncoder{out}, event);
  return out;
}

absl::StatusOr<ComplaintEvent> DecodeComplaintEvent(const v1::IntakeEvent& proto) {
  switch (proto.kind_case()) {
    case v1::IntakeEvent::kComplaintRegistered: {
      const auto& p = proto.complaint_registered();
      ComplaintRegistered e;
      e.complaint_id = p.complaint_id();
      e.kind = p.kind();
      e.channel = p.channel();
      e.customer_id = p.customer_id();
      e.ticket_id = p.ticket_id();
      e.technician_id = p.technician_id();
      e.part_skus.assign(p.part_skus().begin(), p.part_skus().end());
      e.category = p.category();
      e.description = p.description();
      e.first_response_due =
          OptionalTimeFromProto(p.has_first_response_due(), p.first_response_due());
      return ComplaintEvent{std::move(e)};
    }
    case v1::IntakeEvent::kComplaintNoteAdded: {
      const auto& p = proto.complaint_note_added();
      return ComplaintEvent{
          ComplaintNoteAdded{p.complaint_id(), p.step(), p.text(), p.first_response()}};
    }
    case v1::IntakeEvent::kComplaintClosed: {
      const auto& p = proto.complaint_closed();
      return ComplaintEvent{ComplaintClosed{p.complaint_id(), p.basis(), p.reason()}};
    }
    case v1::IntakeEvent::kComplaintReopened: {
      const auto& p = proto.complaint_reopened();
      return ComplaintEvent{ComplaintReopened{p.complaint_id(), p.reason()}};
    }
    default:
      return absl::DataLossError(absl::StrCat("A stored complaint event has kind ",
                                              static_cast<int>(proto.kind_case()),
                                              ", which is not a complaint event."));
  }
}

void ComplaintStateToProto(const ComplaintState& state, int64_t version, v1::Complaint* out) {
  out->set_complaint_id(state.complaint_id);
  out->set_kind(state.kind);
  out->set_channel(state.channel);
  out->set_customer_id(state.customer_id);
  out->set_ticket_id(state.ticket_id);
  out->set_technician_id(state.technician_id);
  out->clear_part_skus();
  for (const std::string& sku : state.part_skus) out->add_part_skus(sku);
  out->set_category(state.category);
  out->set_description(state.description);
  if (state.first_response_due != absl::InfinitePast()) {
    ToProto(state.first_response_due, out->mutable_first_response_due());
  }
  out->set_closed(state.closed);
  out->set_close_basis(state.close_basis);
  out->set_close_reason(state.close_reason);
  out->set_reopen_count(state.reopen_count);
  out->set_version(version);
}

std::string IntakeEventName(const v1::IntakeEvent& proto) {
  const google::protobuf::FieldDescriptor* field =
      v1::IntakeEvent::descriptor()->FindFieldByNumber(static_cast<int>(proto.kind_case()));
  return field == nullptr ? "Unknown" : field->message_type()->name();
}

std::string IntakeEventWhy(const v1::IntakeEvent& proto) {
  switch (proto.kind_case()) {
    case v1::IntakeEvent::kTicketCompleted:
      return proto.ticket_completed().resolution();
    case v1::IntakeEvent::kTicketResolvedRemotely:
      return proto.ticket_resolved_remotely().resolution();
    case v1::IntakeEvent::kTicketClosed:
      return proto.ticket_closed().outcome();
    case v1::IntakeEvent::kTicketCancelled:
      return proto.ticket_cancelled().reason();
    case v1::IntakeEvent::kTicketReopened:
      return proto.ticket_reopened().reason();
    case v1::IntakeEvent::kTicketBackFromFactory:
      return proto.ticket_back_from_factory().note();
    case v1::IntakeEvent::kTicketReturnedToCustomer:
      return proto.ticket_returned_to_customer().resolution();
    case v1::IntakeEvent::kAssetOwnershipTransferred:
      return proto.asset_ownership_transferred().reason();
    case v1::IntakeEvent::kTicketOpened:
      return proto.ticket_opened().symptom();
    case v1::IntakeEvent::kComplaintRegistered:
      return proto.complaint_registered().description();
    case v1::IntakeEvent::kComplaintNoteAdded:
      return proto.complaint_note_added().text();
    case v1::IntakeEvent::kComplaintClosed:
      return absl::StrCat(proto.complaint_closed().basis(), ": ",
                          proto.complaint_closed().reason());
    case v1::IntakeEvent::kComplaintReopened:
      return proto.complaint_reopened().reason();
    case v1::IntakeEvent::kTicketWaitingForCustomer:
      return proto.ticket_waiting_for_customer().reason();
    case v1::IntakeEvent::kTicketCustomerResumed:
      return proto.ticket_customer_resumed().reason();
    case v1::IntakeEvent::kTicketSlaWarning:
      return absl::StrCat(proto.ticket_sla_warning().clock(), " clock at ",
                          proto.ticket_sla_warning().elapsed_minutes(), " of ",
                          proto.ticket_sla_warning().allowance_minutes(), " business minutes");
    case v1::IntakeEvent::kTicketSlaBreached:
      return absl::StrCat(proto.ticket_sla_breached().clock(), " clock past its ",
                          proto.ticket_sla_breached().allowance_minutes(), " business minutes");
    case v1::IntakeEvent::kCustomerUpdated:
      return proto.customer_updated().reason();
    default:
      return "";
  }
}

TicketCustomer CustomerFromProto(const common::v1::CustomerInfo& proto) {
  TicketCustomer c;
  c.customer_id = proto.customer_id();
  c.name = proto.name();
  c.phone = proto.phone();
  c.address = proto.address();
  if (proto.has_location()) c.location = GeoPoint{proto.location().lat(), proto.location().lng()};
  return c;
}

void CustomerToProto(const TicketCustomer& customer, common::v1::CustomerInfo* out) {
  out->set_customer_id(customer.customer_id);
  out->set_name(customer.name);
  out->set_phone(customer.phone);
  out->set_address(customer.address);
  if (customer.location.has_value()) {
    out->mutable_location()->set_lat(customer.location->lat);
    out->mutable_location()->set_lng(customer.location->lng);
  } else {
    out->clear_location();
  }
}

std::vector<PartLine> PartLinesFromProto(
    const google::protobuf::RepeatedPtrField<common::v1::PartLine>& proto) {
  std::vector<PartLine> lines;
  lines.reserve(proto.size());
  for (const auto& line : proto) lines.push_back(PartLine{line.sku(), line.quantity()});
  return lines;
}

void PartLinesToProto(const std::vector<PartLine>& lines,
                      google::protobuf::RepeatedPtrField<common::v1::PartLine>* out) {
  out->Clear();
  for (const PartLine& line : lines) {
    common::v1::PartLine* p = out->Add();
    p->set_sku(line.sku);
    p->set_quantity(line.quantity);
  }
}

Priority PriorityFromProto(common::v1::Priority proto) { return static_cast<Priority>(proto); }

common::v1::Priority PriorityToProto(Priority priority) {
  return static_cast<common::v1::Priority>(priority);
}

v1::TicketState TicketStatusToProto(TicketStatus status) {
  switch (status) {
    case TicketStatus::kNone:
      return v1::TICKET_STATE_UNSPECIFIED;
    case TicketStatus::kOpen:
      return v1::TICKET_STATE_OPEN;
    case TicketStatus::kScheduled:
      return v1::TICKET_STATE_SCHEDULED;
    case TicketStatus::kInProgress:
      return v1::TICKET_STATE_IN_PROGRESS;
    case TicketStatus::kCompleted:
      return v1::TICKET_STATE_COMPLETED;
    default:
      // Issue 3 states share their numbers with the proto enum.
      return static_cast<v1::TicketState>(status);
  }
  return v1::TICKET_STATE_UNSPECIFIED;
}

TicketStatus TicketStatusFromProto(v1::TicketState proto) {
  switch (proto) {
    case v1::TICKET_STATE_OPEN:
      return TicketStatus::kOpen;
    case v1::TICKET_STATE_SCHEDULED:
      return TicketStatus::kScheduled;
    case v1::TICKET_STATE_IN_PROGRESS:
      return TicketStatus::kInProgress;
    case v1::TICKET_STATE_COMPLETED:
      return TicketStatus::kCompleted;
    case v1::TICKET_STATE_RESOLVED_REMOTELY:
    case v1::TICKET_STATE_CLOSED:
    case v1::TICKET_STATE_CANCELLED:
    case v1::TICKET_STATE_AT_SERVICE_CENTRE:
    case v1::TICKET_STATE_AT_FACTORY:
    case v1::TICKET_STATE_BACK_FROM_FACTORY:
    case v1::TICKET_STATE_RETURNED_TO_CUSTOMER:
    case v1::TICKET_STATE_WAITING_FOR_PARTS:
      return static_cast<TicketStatus>(proto);
    default:
      return TicketStatus::kNone;
  }
}

v1::IntakeEvent EncodeTicketEvent(const TicketEvent& event) {
  v1::IntakeEvent out;
  std::visit(EncodeVisitor{out}, event);
  return out;
}

absl::StatusOr<TicketEvent> DecodeTicketEvent(const v1::IntakeEvent& proto) {
  switch (proto.kind_case()) {
    case v1::IntakeEvent::kTicketOpened: {
      const v1::TicketOpened& p = proto.ticket_opened();
      TicketOpened e{p.ticket_id(),
                     CustomerFromProto(p.customer()),
                     p.category(),
                     p.symptom(),
                     PriorityFromProto(p.priority()),
                     p.channel(),
                     PartLinesFromProto(p.parts_needed())};
      e.asset_id = p.asset_id();
      e.fault_cause = p.fault_cause();
      if (p.has_entitlement()) e.entitlement = EntitlementFromProto(p.entitlement());
      e.service_promise = p.service_promise();
      e.customer_tier = p.customer_tier() == v1::CUSTOMER_TIER_UNSPECIFIED
                            ? CustomerTier::kC
                            : CustomerTierFromProto(p.customer_tier());
      if (p.has_contract_promises()) {
        e.contract_promises = ServicePromises{p.contract_promises().response_hours(),
                                              p.contract_promises().on_site_hours(),
                                              p.contract_promises().resolution_hours()};
      }
      e.onsite_due = OptionalTimeFromProto(p.has_onsite_due(), p.onsite_due());
      e.resolution_due = OptionalTimeFromProto(p.has_resolution_due(), p.resolution_due());
      return e;
    }
    case v1::IntakeEvent::kTicketWaitingForParts: {
      const auto& p = proto.ticket_waiting_for_parts();
      return TicketWaitingForParts{p.ticket_id(), p.job_id(),
                                   PartLinesFromProto(p.missing_parts())};
    }
    case v1::IntakeEvent::kTicketPartsArrived: {
      const auto& p = proto.ticket_parts_arrived();
      return TicketPartsArrived{p.ticket_id(), p.job_id(), PartLinesFromProto(p.missing_parts())};
    }
    case v1::IntakeEvent::kTicketWaitingForCustomer: {
      const auto& p = proto.ticket_waiting_for_customer();
      return TicketWaitingForCustomer{p.ticket_id(), p.reason()};
    }
    case v1::IntakeEvent::kTicketCustomerResumed: {
      const auto& p = proto.ticket_customer_resumed();
      return TicketCustomerResumed{p.ticket_id(), p.reason()};
    }
    case v1::IntakeEvent::kTicketSlaWarning:
      return SlaFromProto(proto.ticket_sla_warning(), false);
    case v1::IntakeEvent::kTicketSlaBreached:
      return SlaFromProto(proto.ticket_sla_breached(), true);
    case v1::IntakeEvent::kTicketScheduled: {
      const v1::TicketScheduled& p = proto.ticket_scheduled();
      return TicketScheduled{p.ticket_id(), p.job_id(), p.technician_id()};
    }
    case v1::IntakeEvent::kTicketWorkStarted: {
      const v1::TicketWorkStarted& p = proto.ticket_work_started();
      return TicketWorkStarted{p.ticket_id(), p.job_id()};
    }
    case v1::IntakeEvent::kTicketCompleted: {
      const v1::TicketCompleted& p = proto.ticket_completed();
      return TicketCompleted{p.ticket_id(), p.job_id(), PartLinesFromProto(p.parts_used()),
                             p.resolution()};
    }
    case v1::IntakeEvent::kTicketResolvedRemotely: {
      const auto& p = proto.ticket_resolved_remotely();
      return TicketResolvedRemotely{p.ticket_id(), p.resolution()};
    }
    case v1::IntakeEvent::kTicketClosed: {
      const auto& p = proto.ticket_closed();
      return TicketClosed{p.ticket_id(), p.outcome(), p.callback_id()};
    }
    case v1::IntakeEvent::kTicketCancelled: {
      const auto& p = proto.ticket_cancelled();
      return TicketCancelled{p.ticket_id(), p.reason(), p.job_id(), p.technician_id()};
    }
    case v1::IntakeEvent::kTicketTechnicianArrived: {
      const auto& p = proto.ticket_technician_arrived();
      return TicketTechnicianArrived{p.ticket_id(), p.job_id(), p.technician_id(),
                                     OptionalTimeFromProto(p.has_arrived_at(), p.arrived_at())};
    }
    case v1::IntakeEvent::kTicketReopened: {
      const auto& p = proto.ticket_reopened();
      return TicketReopened{p.ticket_id(), p.reason()};
    }
    case v1::IntakeEvent::kTicketReceivedAtServiceCentre: {
      const auto& p = proto.ticket_received_at_service_centre();
      return TicketReceivedAtServiceCentre{
          p.ticket_id(), p.service_centre_id(),
          OptionalTimeFromProto(p.has_promised_ready_by(), p.promised_ready_by())};
    }
    case v1::IntakeEvent::kTicketSentToFactory: {
      const auto& p = proto.ticket_sent_to_factory();
      return TicketSentToFactory{
          p.ticket_id(), p.factory(),
          OptionalTimeFromProto(p.has_promised_back_by(), p.promised_back_by())};
    }
    case v1::IntakeEvent::kTicketBackFromFactory: {
      const auto& p = proto.ticket_back_from_factory();
      return TicketBackFromFactory{p.ticket_id(), p.note()};
    }
    case v1::IntakeEvent::kTicketReturnedToCustomer: {
      const auto& p = proto.ticket_returned_to_customer();
      return TicketReturnedToCustomer{p.ticket_id(), p.resolution()};
    }
    default:
      return absl::DataLossError(absl::StrCat(
          "A stored intake event has a kind this build does not know (",
          static_cast<int>(proto.kind_case()), ")."));
  }
}

v1::Ticket TicketViewToProto(const TicketView& view) {
  const TicketState& s = view.state;
  v1::Ticket t;
  t.set_ticket_id(s.ticket_id);
  CustomerToProto(s.customer, t.mutable_customer());
  t.set_category(s.category);
  t.set_symptom(s.symptom);
  t.set_priority(PriorityToProto(s.priority));
  t.set_channel(s.channel);
  PartLinesToProto(s.parts_needed, t.mutable_parts_needed());
  t.set_state(TicketStatusToProto(s.status));
  t.set_job_id(s.job_id);
  t.set_technician_id(s.technician_id);
  PartLinesToProto(s.parts_used, t.mutable_parts_used());
  t.set_resolution(s.resolution);
  t.set_version(view.version);
  if (view.opened_at != absl::InfinitePast()) ToProto(view.opened_at, t.mutable_opened_at());
  if (view.updated_at != absl::InfinitePast()) ToProto(view.updated_at, t.mutable_updated_at());
  t.set_asset_id(s.asset_id);
  t.set_fault_cause(s.fault_cause);
  if (s.entitlement.has_value()) EntitlementToProto(*s.entitlement, t.mutable_entitlement());
  t.set_service_promise(s.service_promise);
  t.set_close_outcome(s.close_outcome);
  t.set_cancel_reason(s.cancel_reason);
  t.set_last_reopen_reason(s.last_reopen_reason);
  t.set_reopen_count(s.reopen_count);
  t.set_service_centre_id(s.service_centre_id);
  t.set_factory(s.factory);
  if (s.promised_ready_by != absl::InfinitePast()) {
    ToProto(s.promised_ready_by, t.mutable_promised_ready_by());
  }
  if (s.promised_back_by != absl::InfinitePast()) {
    ToProto(s.promised_back_by, t.mutable_promised_back_by());
  }
  t.set_waiting_for_customer(s.waiting_for_customer);
  t.set_waiting_reason(s.waiting_reason);
  PartLinesToProto(s.missing_parts, t.mutable_missing_parts());
  t.set_state_before_parts(TicketStatusToProto(s.status_before_parts));
  for (const std::string& c : s.sla_warned) t.add_sla_warned_clocks(c);
  for (const std::string& c : s.sla_breached) t.add_sla_breached_clocks(c);
  t.set_customer_tier(CustomerTierToProto(s.customer_tier));
  if (s.onsite_due != absl::InfinitePast()) ToProto(s.onsite_due, t.mutable_onsite_due());
  if (s.resolution_due != absl::InfinitePast()) {
    ToProto(s.resolution_due, t.mutable_resolution_due());
  }
  if (s.technician_arrived_at != absl::InfinitePast()) {
    ToProto(s.technician_arrived_at, t.mutable_technician_arrived_at());
  }
  t.set_closed_by_callback_id(s.closed_by_callback_id);
  return t;
}

TicketView TicketViewFromProto(const v1::Ticket& proto) {
  TicketView view;
  TicketState& s = view.state;
  s.ticket_id = proto.ticket_id();
  s.customer = CustomerFromProto(proto.customer());
  s.category = proto.category();
  s.symptom = proto.symptom();
  s.priority = PriorityFromProto(proto.priority());
  s.channel = proto.channel();
  s.parts_needed = PartLinesFromProto(proto.parts_needed());
  s.status = TicketStatusFromProto(proto.state());
  s.job_id = proto.job_id();
  s.technician_id = proto.technician_id();
  s.parts_used = PartLinesFromProto(proto.parts_used());
  s.resolution = proto.resolution();
  view.version = proto.version();
  if (proto.has_opened_at()) view.opened_at = FromProto(proto.opened_at());
  if (proto.has_updated_at()) view.updated_at = FromProto(proto.updated_at());
  s.asset_id = proto.asset_id();
  s.fault_cause = proto.fault_cause();
  if (proto.has_entitlement()) s.entitlement = EntitlementFromProto(proto.entitlement());
  s.service_promise = proto.service_promise();
  s.close_outcome = proto.close_outcome();
  s.cancel_reason = proto.cancel_reason();
  s.last_reopen_reason = proto.last_reopen_reason();
  s.reopen_count = proto.reopen_count();
  s.service_centre_id = proto.service_centre_id();
  s.factory = proto.factory();
  s.promised_ready_by =
      OptionalTimeFromProto(proto.has_promised_ready_by(), proto.promised_ready_by());
  s.promised_back_by =
      OptionalTimeFromProto(proto.has_promised_back_by(), proto.promised_back_by());
  s.waiting_for_customer = proto.waiting_for_customer();
  s.waiting_reason = proto.waiting_reason();
  s.missing_parts = PartLinesFromProto(proto.missing_parts());
  s.status_before_parts = TicketStatusFromProto(proto.state_before_parts());
  s.sla_warned.assign(proto.sla_warned_clocks().begin(), proto.sla_warned_clocks().end());
  s.sla_breached.assign(proto.sla_breached_clocks().begin(), proto.sla_breached_clocks().end());
  s.customer_tier = proto.customer_tier() == v1::CUSTOMER_TIER_UNSPECIFIED
                        ? CustomerTier::kC
                        : CustomerTierFromProto(proto.customer_tier());
  s.onsite_due = OptionalTimeFromProto(proto.has_onsite_due(), proto.onsite_due());
  s.resolution_due = OptionalTimeFromProto(proto.has_resolution_due(), proto.resolution_due());
  s.technician_arrived_at =
      OptionalTimeFromProto(proto.has_technician_arrived_at(), proto.technician_arrived_at());
  if (s.technician_arrived_at != absl::InfinitePast()) s.arrived_job_id = s.job_id;
  s.closed_by_callback_id = proto.closed_by_callback_id();
  return view;
}

v1::Customer CustomerStateToProto(const CustomerState& state, int64_t version,
                                  absl::Time registered_at) {
  v1::Customer c;
  c.set_customer_id(state.customer_id);
  c.set_name(state.name);
  for (const std::string& phone : state.phones) c.add_phones(phone);
  c.set_address(state.address);
  if (state.location.has_value()) {
    c.mutable_location()->set_lat(state.location->lat);
    c.mutable_location()->set_lng(state.location->lng);
  }
  c.set_tier(CustomerTierToProto(state.tier));
  c.set_consent_to_messages(state.consent_to_messages);
  c.set_preferred_technician_id(state.preferred_technician_id);
  c.set_birthday(state.birthday);
  c.set_region(state.region);
  c.set_version(version);
  if (registered_at != absl::InfinitePast()) ToProto(registered_at, c.mutable_registered_at());
  return c;
}

CustomerState CustomerStateFromProto(const v1::Customer& proto) {
  CustomerState s;
  s.customer_id = proto.customer_id();
  s.name = proto.name();
  s.phones.assign(proto.phones().begin(), proto.phones().end());
  s.address = proto.address();
  s.location = GeoFromProto(proto.has_location(), proto.location());
  s.tier = CustomerTierFromProto(proto.tier());
  s.consent_to_messages = proto.consent_to_messages();
  s.preferred_technician_id = proto.preferred_technician_id();
  s.birthday = proto.birthday();
  s.region = proto.region();
  return s;
}

v1::Asset AssetStateToProto(const AssetState& state, int64_t version) {
  v1::Asset a;
  a.set_asset_id(state.asset_id);
  a.set_customer_id(state.customer_id);
  a.set_model(state.model);
  a.set_serial(state.serial);
  a.set_category(state.category);
  if (state.purchased_on != absl::InfinitePast()) ToProto(state.purchased_on, a.mutable_purchased_on());
  if (state.installed_on != absl::InfinitePast()) ToProto(state.installed_on, a.mutable_installed_on());
  if (state.warranty_end != absl::InfinitePast()) ToProto(state.warranty_end, a.mutable_warranty_end());
  if (state.insurance_end != absl::InfinitePast()) {
    ToProto(state.insurance_end, a.mutable_insurance_end());
  }
  if (state.contract.has_value()) ContractToProto(*state.contract, a.mutable_contract());
  for (const std::string& id : state.previous_customer_ids) a.add_previous_customer_ids(id);
  a.set_version(version);
  return a;
}

AssetState AssetStateFromProto(const v1::Asset& proto) {
  AssetState s;
  s.asset_id = proto.asset_id();
  s.customer_id = proto.customer_id();
  s.model = proto.model();
  s.serial = proto.serial();
  s.category = proto.category();
  s.purchased_on = OptionalTimeFromProto(proto.has_purchased_on(), proto.purchased_on());
  s.installed_on = OptionalTimeFromProto(proto.has_installed_on(), proto.installed_on());
  s.warranty_end = OptionalTimeFromProto(proto.has_warranty_end(), proto.warranty_end());
  s.insurance_end = OptionalTimeFromProto(proto.has_insurance_end(), proto.insurance_end());
  if (proto.has_contract()) s.contract = ContractFromProto(proto.contract());
  s.previous_customer_ids.assign(proto.previous_customer_ids().begin(),
                                 proto.previous_customer_ids().end());
  return s;
}

}  // namespace fieldline::intake
