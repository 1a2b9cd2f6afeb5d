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
    case JobStatus::kCancelled:
      return pb::JOB_STATE_CANCELLED;
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
    case pb::JOB_STATE_CANCELLED:
      return JobStatus::kCancelled;
    default:
      return std::nullopt;
  }
}

void ToProto(const Territory& territory, pb::Territory* out) {
  out->set_name(territory.name);
  ToProto(territory.center, out->mutable_center());
  out->set_radius_km(territory.radius_km);
}

Territory FromProto(const pb::Territory& territory) {
  return Territory{.name = territory.name(),
                   .center = FromProto(territory.center()),
                   .radius_km = territory.radius_km()};
}

void ToProto(const WeeklyShift& shift, pb::WeeklyShift* out) {
  out->set_weekday(shift.weekday);
  out->set_start_minute(shift.start_minute);
  out->set_end_minute(shift.end_minute);
}

WeeklyShift FromProto(const pb::WeeklyShift& shift) {
  return WeeklyShift{.weekday = shift.weekday(),
                     .start_minute = shift.start_minute(),
                     .end_minute = shift.end_minute()};
}

void ToProto(const WorkReport& report, pb::JobWorkReported* out) {
  for (const std::string& item : report.checklist_done) out->add_checklist_done(item);
  out->set_fault_type(report.fault_type);
  out->set_fault_location(report.fault_location);
  out->set_cause(report.cause);
  out->set_solution(report.solution);
  for (const std::string& ref : report.photo_refs) out->add_photo_refs(ref);
  out->set_fee_item(report.fee_item);
  out->set_fee_minor(report.fee_minor);
  out->set_signature_ref(report.signature_ref);
  out->set_signer_name(report.signer_name);
}

WorkReport FromProto(const pb::JobWorkReported& report) {
  return WorkReport{
      .checklist_done = {report.checklist_done().begin(), report.checklist_done().end()},
      .fault_type = report.fault_type(),
      .fault_location = report.fault_location(),
      .cause = report.cause(),
      .solution = report.solution(),
      .photo_refs = {report.photo_refs().begin(), report.photo_refs().end()},
      .fee_item = report.fee_item(),
      .fee_minor = report.fee_minor(),
      .signature_ref = report.signature_ref(),
      .signer_name = report.signer_name()};
}

pb::Booking ToProto(const Booking& booking) {
  pb::Booking out;
  out.set_job_id(booking.job_id);
  ToProto(booking.start, out.mutable_start());
  ToProto(booking.end, out.mutable_end());
  ToProto(booking.site, out.mutable_site());
  return out;
}

Booking FromProto(const pb::Booking& booking) {
  return Booking{.job_id = booking.job_id(),
                 .start = FromProto(booking.start()),
                 .end = FromProto(booking.end()),
                 .site = FromProto(booking.site())};
}

namespace {

void AbsenceToProto(const Absence& absence, const std::string& technician_id,
                    pb::TechnicianAbsenceRecorded* out) {
  out->set_technician_id(technician_id);
  out->set_absence_id(absence.absence_id);
  ToProto(absence.start, out->mutable_start());
  ToProto(absence.end, out->mutable_end());
  out->set_reason(absence.reason);
}

Absence AbsenceFromProto(const pb::TechnicianAbsenceRecorded& absence) {
  return Absence{.absence_id = absence.absence_id(),
                 .start = FromProto(absence.start()),
                 .end = FromProto(absence.end()),
                 .reason = absence.reason()};
}

void ArrivalToProto(const Arrival& arrival, pb::JobArrived* out) {
  ToProto(arrival.at, out->mutable_arrived_at());
  out->set_on_time(arrival.on_time);
  out->set_late_minutes(arrival.late_minutes);
  out->set_early_minutes(arrival.early_minutes);
}

Arrival ArrivalFromProto(const pb::JobArrived& arrival) {
  return Arrival{.at = FromProto(arrival.arrived_at()),
                 .on_time = arrival.on_time(),
                 .late_minutes = arrival.late_minutes(),
                 .early_minutes = arrival.early_minutes()};
}

void CallToProto(const CustomerCall& call, const std::string& job_id, const std::string& ticket_id,
                 const std::string& technician_id, pb::JobCustomerCalled* out) {
  out->set_job_id(job_id);
  out->set_ticket_id(ticket_id);
  out->set_technician_id(technician_id);
  out->set_outcome(call.outcome);
  if (call.agreed_window_start) ToProto(*call.agreed_window_start, out->mutable_agreed_window_start());
  if (call.agreed_window_end) ToProto(*call.agreed_window_end, out->mutable_agreed_window_end());
  out->set_note(call.note);
  ToProto(call.called_at, out->mutable_called_at());
  out->set_called_by(call.called_by);
}

CustomerCall CallFromProto(const pb::JobCustomerCalled& p) {
  return CustomerCall{
      .outcome = p.outcome(),
      .agreed_window_start =
          OptionalTimeFromProto(p.has_agreed_window_start(), p.agreed_window_start()),
      .agreed_window_end = OptionalTimeFromProto(p.has_agreed_window_end(), p.agreed_window_end()),
      .note = p.note(),
      .called_at = FromProto(p.called_at()),
      .called_by = p.called_by()};
}

}  // namespace

// --- events ---

pb::SchedulingEvent ToProto(const TechnicianEvent& event) {
  struct Encode {
    pb::SchedulingEvent& out;
    void operator()(const TechnicianRegistered& e) {
      pb::TechnicianRegistered* p = out.mutable_technician_registered();
      p->set_technician_id(e.technician_id);
      p->set_name(e.name);
      p->set_phone(e.phone);
      for (const std::string& skill : e.skills) p->add_skills(skill);
      ToProto(e.home_base, p->mutable_home_base());
      p->set_van_location_id(e.van_location_id);
      for (int level : e.skill_levels) p->add_skill_levels(level);
      if (e.territory != Territory{}) ToProto(e.territory, p->mutable_territory());
    }
    void operator()(const TechnicianShiftsSet& e) {
      pb::TechnicianShiftsSet* p = out.mutable_technician_shifts_set();
      p->set_technician_id(e.technician_id);
      for (const WeeklyShift& shift : e.shifts) ToProto(shift, p->add_shifts());
    }
    void operator()(const TechnicianAbsenceRecorded& e) {
      AbsenceToProto(e.absence, e.technician_id, out.mutable_technician_absence_recorded());
    }
    void operator()(const TechnicianDeparted& e) {
      pb::TechnicianDeparted* p = out.mutable_technician_departed();
      p->set_technician_id(e.technician_id);
      p->set_reason(e.reason);
    }
  };
  pb::SchedulingEvent out;
  std::visit(Encode{out}, event);
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
      if (e.onsite_due) ToProto(*e.onsite_due, p->mutable_onsite_due());
      if (e.resolution_due) ToProto(*e.resolution_due, p->mutable_resolution_due());
      p->set_duration_minutes(absl::ToInt64Minutes(e.duration));
    }
    void operator()(const JobCancelled& e) {
      pb::JobCancelled* p = out.mutable_job_cancelled();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      p->set_reason(e.reason);
    }
    void operator()(const JobCustomerCalled& e) {
      CallToProto(e.call, e.job_id, e.ticket_id, e.technician_id,
                  out.mutable_job_customer_called());
    }
    void operator()(const JobDurationChanged& e) {
      pb::JobDurationChanged* p = out.mutable_job_duration_changed();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      p->set_duration_minutes(e.duration_minutes);
      p->set_previous_minutes(e.previous_minutes);
      p->set_reason(e.reason);
      if (e.window_end) ToProto(*e.window_end, p->mutable_window_end());
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
      p->set_override_reason(e.override_reason);
      p->set_reason(e.reason);
    }
    void operator()(const JobReassigned& e) {
      pb::JobReassigned* p = out.mutable_job_reassigned();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_from_technician_id(e.from_technician_id);
      p->set_to_technician_id(e.to_technician_id);
      p->set_van_location_id(e.van_location_id);
      if (e.window_start) ToProto(*e.window_start, p->mutable_window_start());
      if (e.window_end) ToProto(*e.window_end, p->mutable_window_end());
      p->set_reason(e.reason);
      p->set_override_reason(e.override_reason);
    }
    void operator()(const JobUnassigned& e) {
      pb::JobUnassigned* p = out.mutable_job_unassigned();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      p->set_reason(e.reason);
    }
    void operator()(const JobRescheduled& e) {
      pb::JobRescheduled* p = out.mutable_job_rescheduled();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      ToProto(e.window_start, p->mutable_window_start());
      ToProto(e.window_end, p->mutable_window_end());
      p->set_reason(e.reason);
    }
    void operator()(const JobAccepted& e) {
      pb::JobAccepted* p = out.mutable_job_accepted();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
    }
    void operator()(const JobDeclined& e) {
      pb::JobDeclined* p = out.mutable_job_declined();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      p->set_reason(e.reason);
    }
    void operator()(const JobEnRoute& e) {
      pb::JobEnRoute* p = out.mutable_job_en_route();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      ToProto(e.at, p->mutable_at());
    }
    void operator()(const JobArrived& e) {
      pb::JobArrived* p = out.mutable_job_arrived();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      ArrivalToProto(e.arrival, p);
    }
    void operator()(const JobHelperAdded& e) {
      pb::JobHelperAdded* p = out.mutable_job_helper_added();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      p->set_helper_id(e.helper_id);
    }
    void operator()(const JobHelperRemoved& e) {
      pb::JobHelperRemoved* p = out.mutable_job_helper_removed();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      p->set_helper_id(e.helper_id);
      p->set_reason(e.reason);
    }
    void operator()(const JobWaitingForParts& e) {
      pb::JobWaitingForParts* p = out.mutable_job_waiting_for_parts();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      ToProto(e.parts, p->mutable_parts());
    }
    void operator()(const JobPartsReady& e) {
      pb::JobPartsReady* p = out.mutable_job_parts_ready();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      p->set_sku(e.sku);
      p->set_quantity(e.quantity);
      p->set_all_ready(e.all_ready);
    }
    void operator()(const JobVisitEnded& e) {
      pb::JobVisitEnded* p = out.mutable_job_visit_ended();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      p->set_visit(e.visit);
      p->set_reason(e.reason);
      ToProto(e.parts_missing, p->mutable_parts_missing());
    }
    void operator()(const JobWorkReported& e) {
      pb::JobWorkReported* p = out.mutable_job_work_reported();
      p->set_job_id(e.job_id);
      p->set_ticket_id(e.ticket_id);
      p->set_technician_id(e.technician_id);
      ToProto(e.report, p);
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
  switch (event.kind_case()) {
    case pb::SchedulingEvent::kTechnicianRegistered: {
      const pb::TechnicianRegistered& p = event.technician_registered();
      return TechnicianRegistered{
          .technician_id = p.technician_id(),
          .name = p.name(),
          .phone = p.phone(),
          .skills = {p.skills().begin(), p.skills().end()},
          .home_base = FromProto(p.home_base()),
          .van_location_id = p.van_location_id(),
          .skill_levels = {p.skill_levels().begin(), p.skill_levels().end()},
          .territory = FromProto(p.territory())};
    }
    case pb::SchedulingEvent::kTechnicianShiftsSet: {
      const pb::TechnicianShiftsSet& p = event.technician_shifts_set();
      TechnicianShiftsSet out{.technician_id = p.technician_id(), .shifts = {}};
      for (const pb::WeeklyShift& shift : p.shifts()) out.shifts.push_back(FromProto(shift));
      return out;
    }
    case pb::SchedulingEvent::kTechnicianAbsenceRecorded: {
      const pb::TechnicianAbsenceRecorded& p = event.technician_absence_recorded();
      return TechnicianAbsenceRecorded{.technician_id = p.technician_id(),
                                       .absence = AbsenceFromProto(p)};
    }
    case pb::SchedulingEvent::kTechnicianDeparted: {
      const pb::TechnicianDeparted& p = event.technician_departed();
      return TechnicianDeparted{.technician_id = p.technician_id(), .reason = p.reason()};
    }
    default:
      return absl::DataLossError(
          "A technician's stream holds an event that is not a technician event.");
  }
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
                        .parts_needed = FromProto(p.parts_needed()),
                        .onsite_due = OptionalTimeFromProto(p.has_onsite_due(), p.onsite_due()),
                        .resolution_due =
                            OptionalTimeFromProto(p.has_resolution_due(), p.resolution_due()),
                        .duration = absl::Minutes(p.duration_minutes())};
    }
    case pb::SchedulingEvent::kJobCancelled: {
      const pb::JobCancelled& p = event.job_cancelled();
      return JobCancelled{.job_id = p.job_id(),
                          .ticket_id = p.ticket_id(),
                          .technician_id = p.technician_id(),
                          .reason = p.reason()};
    }
    case pb::SchedulingEvent::kJobCustomerCalled: {
      const pb::JobCustomerCalled& p = event.job_customer_called();
      return JobCustomerCalled{.job_id = p.job_id(),
                               .ticket_id = p.ticket_id(),
                               .technician_id = p.technician_id(),
                               .call = CallFromProto(p)};
    }
    case pb::SchedulingEvent::kJobDurationChanged: {
      const pb::JobDurationChanged& p = event.job_duration_changed();
      return JobDurationChanged{
          .job_id = p.job_id(),
          .ticket_id = p.ticket_id(),
          .technician_id = p.technician_id(),
          .duration_minutes = p.duration_minutes(),
          .previous_minutes = p.previous_minutes(),
          .reason = p.reason(),
          .window_end = OptionalTimeFromProto(p.has_window_end(), p.window_end())};
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
          .site = FromProto(p.site()),
          .override_reason = p.override_reason(),
          .reason = p.reason()};
    }
    case pb::SchedulingEvent::kJobReassigned: {
      const pb::JobReassigned& p = event.job_reassigned();
      return JobReassigned{
          .job_id = p.job_id(),
          .ticket_id = p.ticket_id(),
          .from_technician_id = p.from_technician_id(),
          .to_technician_id = p.to_technician_id(),
          .van_location_id = p.van_location_id(),
          .window_start = OptionalTimeFromProto(p.has_window_start(), p.window_start()),
          .window_end = OptionalTimeFromProto(p.has_window_end(), p.window_end()),
          .reason = p.reason(),
          .override_reason = p.override_reason()};
    }
    case pb::SchedulingEvent::kJobUnassigned: {
      const pb::JobUnassigned& p = event.job_unassigned();
      return JobUnassigned{.job_id = p.job_id(),
                           .ticket_id = p.ticket_id(),
                           .technician_id = p.technician_id(),
                           .reason = p.reason()};
    }
    case pb::SchedulingEvent::kJobRescheduled: {
      const pb::JobRescheduled& p = event.job_rescheduled();
      return JobRescheduled{.job_id = p.job_id(),
                            .ticket_id = p.ticket_id(),
                            .technician_id = p.technician_id(),
                            .window_start = FromProto(p.window_start()),
                            .window_end = FromProto(p.window_end()),
                            .reason = p.reason()};
    }
    case pb::SchedulingEvent::kJobAccepted: {
      const pb::JobAccepted& p = event.job_accepted();
      return JobAccepted{
          .job_id = p.job_id(), .ticket_id = p.ticket_id(), .technician_id = p.technician_id()};
    }
    case pb::SchedulingEvent::kJobDeclined: {
      const pb::JobDeclined& p = event.job_declined();
      return JobDeclined{.job_id = p.job_id(),
                         .ticket_id = p.ticket_id(),
                         .technician_id = p.technician_id(),
                         .reason = p.reason()};
    }
    case pb::SchedulingEvent::kJobEnRoute: {
      const pb::JobEnRoute& p = event.job_en_route();
      return JobEnRoute{.job_id = p.job_id(),
                        .ticket_id = p.ticket_id(),
                        .technician_id = p.technician_id(),
                        .at = FromProto(p.at())};
    }
    case pb::SchedulingEvent::kJobArrived: {
      const pb::JobArrived& p = event.job_arrived();
      return JobArrived{.job_id = p.job_id(),
                        .ticket_id = p.ticket_id(),
                        .technician_id = p.technician_id(),
                        .arrival = ArrivalFromProto(p)};
    }
    case pb::SchedulingEvent::kJobHelperAdded: {
      const pb::JobHelperAdded& p = event.job_helper_added();
      return JobHelperAdded{.job_id = p.job_id(),
                            .ticket_id = p.ticket_id(),
                            .technician_id = p.technician_id(),
                            .helper_id = p.helper_id()};
    }
    case pb::SchedulingEvent::kJobHelperRemoved: {
      const pb::JobHelperRemoved& p = event.job_helper_removed();
      return JobHelperRemoved{.job_id = p.job_id(),
                              .ticket_id = p.ticket_id(),
                              .technician_id = p.technician_id(),
                              .helper_id = p.helper_id(),
                              .reason = p.reason()};
    }
    case pb::SchedulingEvent::kJobWaitingForParts: {
      const pb::JobWaitingForParts& p = event.job_waiting_for_parts();
      return JobWaitingForParts{.job_id = p.job_id(),
                                .ticket_id = p.ticket_id(),
                                .technician_id = p.technician_id(),
                                .parts = FromProto(p.parts())};
    }
    case pb::SchedulingEvent::kJobPartsReady: {
      const pb::JobPartsReady& p = event.job_parts_ready();
      return JobPartsReady{.job_id = p.job_id(),
                           .ticket_id = p.ticket_id(),
                           .technician_id = p.technician_id(),
                           .sku = p.sku(),
                           .quantity = p.quantity(),
                           .all_ready = p.all_ready()};
    }
    case pb::SchedulingEvent::kJobVisitEnded: {
      const pb::JobVisitEnded& p = event.job_visit_ended();
      return JobVisitEnded{.job_id = p.job_id(),
                           .ticket_id = p.ticket_id(),
                           .technician_id = p.technician_id(),
                           .visit = p.visit(),
                           .reason = p.reason(),
                           .parts_missing = FromProto(p.parts_missing())};
    }
    case pb::SchedulingEvent::kJobWorkReported: {
      const pb::JobWorkReported& p = event.job_work_reported();
      return JobWorkReported{.job_id = p.job_id(),
                             .ticket_id = p.ticket_id(),
                             .technician_id = p.technician_id(),
                             .report = FromProto(p)};
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
  for (int level : state.skill_levels) out.add_skill_levels(level);
  if (state.territory != Territory{}) ToProto(state.territory, out.mutable_territory());
  for (const WeeklyShift& shift : state.shifts) ToProto(shift, out.add_shifts());
  for (const Absence& absence : state.absences)
    AbsenceToProto(absence, state.technician_id, out.add_absences());
  out.set_departed(state.departed);
  return out;
}

TechnicianState FromProjection(const pb::Technician& projection) {
  TechnicianState state;
  state.technician_id = projection.technician_id();
  state.name = projection.name();
  state.phone = projection.phone();
  state.skills = {projection.skills().begin(), projection.skills().end()};
  state.home_base = FromProto(projection.home_base());
  state.van_location_id = projection.van_location_id();
  state.skill_levels = {projection.skill_levels().begin(), projection.skill_levels().end()};
  state.territory = FromProto(projection.territory());
  for (const pb::WeeklyShift& shift : projection.shifts()) state.shifts.push_back(FromProto(shift));
  for (const pb::TechnicianAbsenceRecorded& absence : projection.absences())
    state.absences.push_back(AbsenceFromProto(absence));
  state.departed = projection.departed();
  state.version = projection.version();
  return state;
}

pb::Job ToProjection(const JobState& state, absl::Time created_at, absl::Time updated_at,
                     const DispatchPolicy& policy) {
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
  out.set_accepted(state.accepted);
  if (state.en_route_at) ToProto(*state.en_route_at, out.mutable_en_route_at());
  if (state.arrival) ArrivalToProto(*state.arrival, out.mutable_arrival());
  if (state.report != WorkReport{}) ToProto(state.report, out.mutable_work_report());
  out.set_last_reason(state.last_reason);
  out.set_visits_ended(state.visits_ended);
  for (const std::string& helper : state.helper_ids) out.add_helper_ids(helper);
  out.set_waiting_for_parts(state.waiting_for_parts);
  ToProto(state.parts_missing, out.mutable_parts_missing());
  ToProto(created_at, out.mutable_created_at());
  ToProto(updated_at, out.mutable_updated_at());
  // The deadline the dispatcher works to: the ticket's, else creation + the default promise.
  ToProto(state.onsite_due ? *state.onsite_due : created_at + policy.sla_on_site,
          out.mutable_onsite_due());
  if (state.resolution_due) ToProto(*state.resolution_due, out.mutable_resolution_due());
  out.set_duration_minutes(absl::ToInt64Minutes(state.EstimatedDuration(policy)));
  for (const CustomerCall& call : state.calls) {
    CallToProto(call, state.job_id, state.ticket_id, state.technician_id, out.add_calls());
  }
  return out;
}

// --- reactions ---

CreateJob CreateJobFromTicket(const intake::v1::TicketOpened& ticket) {
  return CreateJob{.job_id = JobIdForTicket(ticket.ticket_id()),
                   .ticket_id = ticket.ticket_id(),
                   .customer = FromProto(ticket.customer()),
                   .required_skill = ticket.category(),
                   .priority = FromProto(ticket.priority()),
                   .parts_needed = FromProto(ticket.parts_needed()),
                   .onsite_due = OptionalTimeFromProto(ticket.has_onsite_due(), ticket.onsite_due()),
                   .resolution_due =
                       OptionalTimeFromProto(ticket.has_resolution_due(), ticket.resolution_due())};
}

}  // namespace fieldline::scheduling
