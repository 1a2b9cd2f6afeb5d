#include "services/scheduling/adapters/event_codec.h"

#include <utility>

#include "absl/status/status.h"

namespace fieldline::scheduling {

// --- value types ---

void ToProto(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(time);
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest));
}

absl::Time FromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

std::optional<absl::Time> OptionalTimeFromProto(bool has, const google::protobuf::Timestamp& ts) {
  if (!has) return std::nullopt;
  return FromProto(ts);
}

void ToProto(const GeoPoint& point, common_pb::GeoPoint* out) {
  out->set_lat(point.lat);
  out->set_lng(point.lng);
}

GeoPoint FromProto(const common_pb::GeoPoint& point) { return GeoPoint{point.lat(), point.lng()}; }

void ToProto(const std::vector<PartLine>& lines,
             google::protobuf::RepeatedPtrField<common_pb::PartLine>* out) {
  out->Clear();
  for (const PartLine& line : lines) {
    common_pb::PartLine* p = out->Add();
    p->set_sku(line.sku);
    p->set_quantity(line.quantity);
  }
}

std::vector<PartLine> FromProto(
    const google::protobuf::RepeatedPtrField<common_pb::PartLine>& lines) {
  std::vector<PartLine> out;
  out.reserve(lines.size());
  for (const common_pb::PartLine& line : lines) out.push_back({line.sku(), line.quantity()});
  return out;
}

common_pb::Priority ToProto(Priority priority) {
  switch (priority) {
    case Priority::kLow:
      return common_pb::PRIORITY_LOW;
    case Priority::kNormal:
      return common_pb::PRIORITY_NORMAL;
    case Priority::kHigh:
      return common_pb::PRIORITY_HIGH;
    case Priority::kUrgent:
      return common_pb::PRIORITY_URGENT;
    case Priority::kUnspecified:
      break;
  }
  return common_pb::PRIORITY_UNSPECIFIED;
}

Priority FromProto(common_pb::Priority priority) {
  switch (priority) {
    case common_pb::PRIORITY_LOW:
      return Priority::kLow;
    case common_pb::PRIORITY_NORMAL:
      return Priority::kNormal;
    case common_pb::PRIORITY_HIGH:
      return Priority::kHigh;
    case common_pb::PRIORITY_URGENT:
      return Priority::kUrgent;
    default:
      return Priority::kUnspecified;
  }
}

void ToProto(const Customer& customer, common_pb::CustomerInfo* out) {
  out->set_customer_id(customer.customer_id);
  out->set_name(customer.name);
  out->set_phone(customer.phone);
  out->set_address(customer.address);
  ToProto(customer.location, out->mutable_location());
}

Customer FromProto(const common_pb::CustomerInfo& customer) {
  return Customer{.customer_id = customer.customer_id(),
                  .name = customer.name(),
                  .phone = customer.phone(),
                  .address = customer.address(),
                  .location = FromProto(customer.location())};
}

pb::JobState ToProto(JobStatus status) {
  switch (status) {
    case JobStatus::kUnassigned:
      return pb::JOB_STATE_UNASSIGNED;
    case JobStatus::kAssigned:
      return pb::JOB_STATE_ASSIGNED;
    case JobStatus::kInProgress:
      return pb::JOB_STATE_IN_PROGRESS;
    case JobStatus::kCompleted:
      return pb::JOB_STATE_COMPLETED;
  }
  return pb::JOB_STATE_UNSPECIFIED;
}

std::optional<JobStatus> FromProto(pb::JobState state) {
  switch (state) {
    case pb::JOB_STATE_UNASSIGNED:
      return JobStatus::kUnassigned;
    case pb::JOB_STATE_ASSIGNED:
      return JobStatus::kAssigned;
    case pb::JOB_STATE_IN_PROGRESS:
      return JobStatus::kInProgress;
    case pb::JOB_STATE_COMPLETED:
      return JobStatus::kCompleted;
    default:
      return std::nullopt;
  }
}

// --- events ---

pb::SchedulingEvent ToProto(const TechnicianEvent& event) {
  pb::SchedulingEvent out;
  std::visit(
      [&out](const TechnicianRegistered& e) {
        pb::TechnicianRegistered* p = out.mutable_technician_registered();
        p->set_technician_id(e.technician_id);
        p->set_name(e.name);
        p->set_phone(e.phone);
        for (const std::string& skill : e.skills) p->add_skills(skill);
        ToProto(e.home_base, p->mutable_home_base());
        p->set_van_location_id(e.van_location_id);
      },
      event);
  return out;
}

pb::SchedulingEvent ToProto(const JobEvent& event) {
  struct Encode {
    pb::SchedulingEvent& out;
    void operator()(const JobCreated& e) {
      pb::JobCreated* p = out.mutable_job_created();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      ToProto(e.customer, p->mutable_customer());
      p->set_required_skill(e.required_skill);
      p->set_priority(ToProto(e.priority));
      ToProto(e.parts_needed, p->mutable_parts_needed());
    }
    void operator()(const JobAssigned& e) {
      pb::JobAssigned* p = out.mutable_job_assigned();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      p->set_van_location_id(e.van_location_id);
      if (e.window_start) ToProto(*e.window_start, p->mutable_window_start());
      if (e.window_end) ToProto(*e.window_end, p->mutable_window_end());
      ToProto(e.parts_needed, p->mutable_parts_needed());
      ToProto(e.site, p->mutable_site());
    }
    void operator()(const JobStarted& e) {
      pb::JobStarted* p = out.mutable_job_started();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
    }
    void operator()(const JobCompleted& e) {
      pb::JobCompleted* p = out.mutable_job_completed();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      ToProto(e.parts_used, p->mutable_parts_used());
      p->set_resolution(e.resolution);
    }
  };
  pb::SchedulingEvent out;
  std::visit(Encode{out}, event);
  return out;
}

absl::StatusOr<TechnicianEvent> TechnicianEventFromProto(const pb::SchedulingEvent& event) {
  if (event.kind_case() != pb::SchedulingEvent::kTechnicianRegistered) {
    return absl::DataLossError(
        "A technician's stream holds an event that is not a technician event.");
  }
  const pb::TechnicianRegistered& p = event.technician_registered();
  return TechnicianRegistered{.technician_id = p.technician_id(),
                              .name = p.name(),
                              .phone = p.phone(),
                              .skills = {p.skills().begin(), p.skills().end()},
                              .home_base = FromProto(p.home_base()),
                              .van_location_id = p.van_location_id()};
}

absl::StatusOr<JobEvent> JobEventFromProto(const pb::SchedulingEvent& event) {
  switch (event.kind_case()) {
    case pb::SchedulingEvent::kJobCreated: {
      const pb::JobCreated& p = event.job_created();
      return JobCreated{.job_id = p.job_id(),
                        .ticket_id = p.ticket_id(),
                        .customer = FromProto(p.customer()),
                        .required_skill = p.required_skill(),
                        .priority = FromProto(p.priority()),
                        .parts_needed = FromProto(p.parts_needed())};
    }
    case pb::SchedulingEvent::kJobAssigned: {
      const pb::JobAssigned& p = event.job_assigned();
      return JobAssigned{
          .job_id = p.job_id(),
          .ticket_id = p.ticket_id(),
          .technician_id = p.technician_id(),
          .van_location_id = p.van_location_id(),
          .window_start = OptionalTimeFromProto(p.has_window_start(), p.window_start()),
          .window_end = OptionalTimeFromProto(p.has_window_end(), p.window_end()),
          .parts_needed = FromProto(p.parts_needed()),
          .site = FromProto(p.site())};
    }
    case pb::SchedulingEvent::kJobStarted: {
      const pb::JobStarted& p = event.job_started();
      return JobStarted{
          .job_id = p.job_id(), .ticket_id = p.ticket_id(), .technician_id = p.technician_id()};
    }
    case pb::SchedulingEvent::kJobCompleted: {
      const pb::JobCompleted& p = event.job_completed();
      return JobCompleted{.job_id = p.job_id(),
                          .ticket_id = p.ticket_id(),
                          .technician_id = p.technician_id(),
                          .parts_used = FromProto(p.parts_used()),
                          .resolution = p.resolution()};
    }
    default:
      return absl::DataLossError("A job's stream holds an event that is not a job event.");
  }
}

// --- projections ---

pb::Technician ToProjection(const TechnicianState& state) {
  pb::Technician out;
  out.set_technician_id(state.technician_id);
  out.set_name(state.name);
  out.set_phone(state.phone);
  for (const std::string& skill : state.skills) out.add_skills(skill);
  ToProto(state.home_base, out.mutable_home_base());
  out.set_van_location_id(state.van_location_id);
  out.set_version(state.version);
  return out;
}

pb::Job ToProjection(const JobState& state, absl::Time created_at, absl::Time updated_at) {
  pb::Job out;
  out.set_job_id(state.job_id);
  out.set_ticket_id(state.ticket_id);
  ToProto(state.customer, out.mutable_customer());
  out.set_required_skill(state.required_skill);
  out.set_priority(ToProto(state.priority));
  ToProto(state.parts_needed, out.mutable_parts_needed());
  out.set_state(ToProto(state.status));
  out.set_technician_id(state.technician_id);
  if (state.window_start) ToProto(*state.window_start, out.mutable_window_start());
  if (state.window_end) ToProto(*state.window_end, out.mutable_window_end());
  ToProto(state.parts_used, out.mutable_parts_used());
  out.set_resolution(state.resolution);
  out.set_version(state.version);
  ToProto(created_at, out.mutable_created_at());
  ToProto(updated_at, out.mutable_updated_at());
  return out;
}

// --- reactions ---

CreateJob CreateJobFromTicket(const intake::v1::TicketOpened& ticket) {
  return CreateJob{.job_id = JobIdForTicket(ticket.ticket_id()),
                   .ticket_id = ticket.ticket_id(),
                   .customer = FromProto(ticket.customer()),
                   .required_skill = ticket.category(),
                   .priority = FromProto(ticket.priority()),
                   .parts_needed = FromProto(ticket.parts_needed())};
}

}  // namespace fieldline::scheduling
