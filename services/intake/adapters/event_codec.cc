#include "services/intake/adapters/event_codec.h"

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
};

}  // namespace

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
      return TicketOpened{p.ticket_id(),
                          CustomerFromProto(p.customer()),
                          p.category(),
                          p.symptom(),
                          PriorityFromProto(p.priority()),
                          p.channel(),
                          PartLinesFromProto(p.parts_needed())};
    }
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
  return view;
}

}  // namespace fieldline::intake
