#pragma once

// The Ticket aggregate: one service request from the moment an intake agent registers it until
// the job that fixes it is completed. Pure: no protobuf, gRPC, RocksDB, Kafka or clock; time and
// ids come in as arguments.
//
//   OpenTicket (intake agent)              → TicketOpened       (new)        → OPEN
//   RecordJobAssigned (scheduling's event) → TicketScheduled    OPEN         → SCHEDULED
//   RecordJobStarted (scheduling's event)  → TicketWorkStarted  SCHEDULED    → IN_PROGRESS
//   RecordJobCompleted (scheduling's event)→ TicketCompleted    IN_PROGRESS  → COMPLETED

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/core/types.h"

namespace fieldline::intake {

// Where a ticket is in its life. kNone is a ticket that was never opened. New states go here
// and in TicketStatusName; every rule names the state it found in its error message.
enum class TicketStatus {
  kNone = 0,
  kOpen = 1,
  kScheduled = 2,
  kInProgress = 3,
  kCompleted = 4,
};

// "open", "scheduled", "in progress", ... — as a dispatcher would say it.
std::string_view TicketStatusName(TicketStatus status);

// The customer as recorded on the ticket.
struct TicketCustomer {
  std::string customer_id;  // optional link to a customer record
  std::string name;
  std::string phone;
  std::string address;
  std::optional<GeoPoint> location;
  friend bool operator==(const TicketCustomer&, const TicketCustomer&) = default;
};

// The channels a request can come in through; the first is the default.
inline constexpr std::string_view kTicketChannels[] = {"phone", "web", "walk-in", "partner",
                                                       "app"};

// Limits of OpenTicket's input.
inline constexpr size_t kMaxCategoryChars = 64;
inline constexpr size_t kMaxSymptomChars = 2000;
inline constexpr size_t kMaxPartLines = 50;
inline constexpr int kMinPhoneDigits = 5;
inline constexpr int kMaxPhoneDigits = 20;

struct TicketState {
  std::string ticket_id;
  TicketStatus status = TicketStatus::kNone;
  TicketCustomer customer;
  std::string category;
  std::string symptom;
  Priority priority = Priority::kUnspecified;
  std::string channel;
  std::vector<PartLine> parts_needed;
  std::string job_id;         // the job that serves the ticket, once scheduled
  std::string technician_id;  // its technician
  std::vector<PartLine> parts_used;
  std::string resolution;
  friend bool operator==(const TicketState&, const TicketState&) = default;
};

// --- commands ---

// An intake agent registers a service request. `ticket_id` is chosen by the caller (a new
// UUIDv7); everything else is as the agent typed it and is normalised by Decide.
struct OpenTicket {
  std::string ticket_id;
  TicketCustomer customer;
  std::string category;
  std::string symptom;
  Priority priority = Priority::kUnspecified;
  std::string channel;
  std::vector<PartLine> parts_needed;
};

// Scheduling assigned a technician to the ticket's job.
struct RecordJobAssigned {
  std::string ticket_id;
  std::string job_id;
  std::string technician_id;
};

// The technician started work on the ticket's job.
struct RecordJobStarted {
  std::string ticket_id;
  std::string job_id;
};

// The technician completed the ticket's job.
struct RecordJobCompleted {
  std::string ticket_id;
  std::string job_id;
  std::vector<PartLine> parts_used;
  std::string resolution;
};

// --- events ---

struct TicketOpened {
  std::string ticket_id;
  TicketCustomer customer;
  std::string category;
  std::string symptom;
  Priority priority = Priority::kNormal;
  std::string channel;
  std::vector<PartLine> parts_needed;
  friend bool operator==(const TicketOpened&, const TicketOpened&) = default;
};

struct TicketScheduled {
  std::string ticket_id;
  std::string job_id;
  std::string technician_id;
  friend bool operator==(const TicketScheduled&, const TicketScheduled&) = default;
};

struct TicketWorkStarted {
  std::string ticket_id;
  std::string job_id;
  friend bool operator==(const TicketWorkStarted&, const TicketWorkStarted&) = default;
};

struct TicketCompleted {
  std::string ticket_id;
  std::string job_id;
  std::vector<PartLine> parts_used;
  std::string resolution;
  friend bool operator==(const TicketCompleted&, const TicketCompleted&) = default;
};

using TicketEvent = std::variant<TicketOpened, TicketScheduled, TicketWorkStarted, TicketCompleted>;

// --- the decider ---

// INVALID_ARGUMENT naming the field for bad input; ALREADY_EXISTS if the ticket was opened.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const OpenTicket& command,
                                                             absl::Time now);
// NOT_FOUND for a ticket never opened; FAILED_PRECONDITION unless OPEN. No events when the
// ticket is already scheduled for the same job and technician (a repeated assignment).
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const RecordJobAssigned& command,
                                                             absl::Time now);
// NOT_FOUND for a ticket never opened; FAILED_PRECONDITION unless SCHEDULED for that job.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const RecordJobStarted& command,
                                                             absl::Time now);
// NOT_FOUND for a ticket never opened; FAILED_PRECONDITION unless IN_PROGRESS on that job.
[[nodiscard]] absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                             const RecordJobCompleted& command,
                                                             absl::Time now);

TicketState Evolve(TicketState state, const TicketEvent& event);

// The ticket id an event is about.
const std::string& TicketIdOf(const TicketEvent& event);

}  // namespace fieldline::intake
