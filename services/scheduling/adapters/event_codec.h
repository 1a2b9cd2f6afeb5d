#pragma once

// Domain ⇄ proto for the scheduling context: events ⇄ fieldline.scheduling.v1.SchedulingEvent,
// state ⇄ projection messages (Job, Technician), intake's TicketOpened → CreateJob, and the
// small shared value types.

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "fieldline/scheduling/v1/scheduling_service.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/common/core/types.h"
#include "services/scheduling/domain/job.h"
#include "services/scheduling/domain/technician.h"

namespace fieldline::scheduling {

namespace pb = ::fieldline::scheduling::v1;
namespace common_pb = ::fieldline::common::v1;

// --- value types ---
void ToProto(absl::Time time, google::protobuf::Timestamp* out);
absl::Time FromProto(const google::protobuf::Timestamp& timestamp);
// Unset timestamp ⇄ nullopt.
std::optional<absl::Time> OptionalTimeFromProto(bool has, const google::protobuf::Timestamp& ts);

void ToProto(const GeoPoint& point, common_pb::GeoPoint* out);
GeoPoint FromProto(const common_pb::GeoPoint& point);

void ToProto(const std::vector<PartLine>& lines,
             google::protobuf::RepeatedPtrField<common_pb::PartLine>* out);
std::vector<PartLine> FromProto(
    const google::protobuf::RepeatedPtrField<common_pb::PartLine>& lines);

common_pb::Priority ToProto(Priority priority);
Priority FromProto(common_pb::Priority priority);

void ToProto(const Customer& customer, common_pb::CustomerInfo* out);
Customer FromProto(const common_pb::CustomerInfo& customer);

pb::JobState ToProto(JobStatus status);
// UNSPECIFIED (or unknown) → nullopt.
std::optional<JobStatus> FromProto(pb::JobState state);

void ToProto(const Territory& territory, pb::Territory* out);
Territory FromProto(const pb::Territory& territory);
void ToProto(const WeeklyShift& shift, pb::WeeklyShift* out);
WeeklyShift FromProto(const pb::WeeklyShift& shift);
void ToProto(const WorkReport& report, pb::JobWorkReported* out);
WorkReport FromProto(const pb::JobWorkReported& report);
pb::Booking ToProto(const Booking& booking);
Booking FromProto(const pb::Booking& booking);

// --- events ---
pb::SchedulingEvent ToProto(const TechnicianEvent& event);
pb::SchedulingEvent ToProto(const JobEvent& event);
// DATA_LOSS if the payload is not a technician (resp. job) event.
absl::StatusOr<TechnicianEvent> TechnicianEventFromProto(const pb::SchedulingEvent& event);
absl::StatusOr<JobEvent> JobEventFromProto(const pb::SchedulingEvent& event);

// --- projections ---
pb::Technician ToProjection(const TechnicianState& state);
// The technician's state as the projection holds it (for queries over many technicians).
TechnicianState FromProjection(const pb::Technician& projection);
// created_at / updated_at: server times of the job's first and latest events.
// onsite_due falls back to created_at + policy.sla_on_site; duration_minutes to the policy's.
pb::Job ToProjection(const JobState& state, absl::Time created_at, absl::Time updated_at,
                     const DispatchPolicy& policy);

// --- reactions ---
CreateJob CreateJobFromTicket(const intake::v1::TicketOpened& ticket);

}  // namespace fieldline::scheduling
