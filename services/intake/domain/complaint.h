#pragma once

// The Complaint aggregate (客户意见: complaint 投诉, grievance 抱怨, opinion 意见), DOMAIN.md §3.
// Pure: time, ids and the actor's role come in as arguments.
//
//   RegisterComplaint → ComplaintRegistered (first response due `first_response_within` later)
//   AddComplaintNote  → ComplaintNoteAdded  (open only; the first note is the first response)
//   CloseComplaint    → ComplaintClosed     ONLY on customer_satisfied, or manager_signoff by a
//                                           manager with a reason; any other close is refused
//   ReopenComplaint   → ComplaintReopened   (closed only)

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fieldline::intake {

inline constexpr std::string_view kComplaintKinds[] = {"complaint", "grievance", "opinion"};
inline constexpr std::string_view kComplaintChannels[] = {"phone", "web", "walk-in", "partner",
                                                          "app", "callback"};
inline constexpr std::string_view kComplaintSteps[] = {
    "note", "listen", "apologise", "facts", "propose", "customer_view", "follow_up"};
inline constexpr std::string_view kCloseCustomerSatisfied = "customer_satisfied";
inline constexpr std::string_view kCloseManagerSignoff = "manager_signoff";

struct ComplaintNoteRecord {
  std::string step;
  std::string text;
  friend bool operator==(const ComplaintNoteRecord&, const ComplaintNoteRecord&) = default;
};

struct ComplaintState {
  std::string complaint_id;  // empty: never registered
  std::string kind;
  std::string channel;
  std::string customer_id;
  std::string ticket_id;
  std::string technician_id;
  std::vector<std::string> part_skus;
  std::string category;
  std::string description;
  absl::Time first_response_due = absl::InfinitePast();
  bool responded = false;
  bool closed = false;
  std::string close_basis;
  std::string close_reason;
  int32_t reopen_count = 0;
  std::vector<ComplaintNoteRecord> notes;
  bool registered() const { return !complaint_id.empty(); }
};

struct RegisterComplaint {
  std::string complaint_id;
  std::string kind;
  std::string channel;  // blank → phone
  std::string customer_id;  // customer_id or ticket_id is required
  std::string ticket_id;
  std::string technician_id;
  std::vector<std::string> part_skus;
  std::string category;
  std::string description;
  absl::Duration first_response_within = absl::Hours(48);  // policy
};
struct AddComplaintNote {
  std::string complaint_id;
  std::string step;  // blank → note
  std::string text;
};
struct CloseComplaint {
  std::string complaint_id;
  std::string basis;
  std::string reason;
  std::string actor_role;  // manager_signoff needs "manager" (or "admin")
};
struct ReopenComplaint {
  std::string complaint_id;
  std::string reason;
};
using ComplaintCommand = std::variant<AddComplaintNote, CloseComplaint, ReopenComplaint>;

struct ComplaintRegistered {
  std::string complaint_id;
  std::string kind;
  std::string channel;
  std::string customer_id;
  std::string ticket_id;
  std::string technician_id;
  std::vector<std::string> part_skus;
  std::string category;
  std::string description;
  absl::Time first_response_due = absl::InfinitePast();
  friend bool operator==(const ComplaintRegistered&, const ComplaintRegistered&) = default;
};
struct ComplaintNoteAdded {
  std::string complaint_id;
  std::string step;
  std::string text;
  bool first_response = false;
  friend bool operator==(const ComplaintNoteAdded&, const ComplaintNoteAdded&) = default;
};
struct ComplaintClosed {
  std::string complaint_id;
  std::string basis;
  std::string reason;
  friend bool operator==(const ComplaintClosed&, const ComplaintClosed&) = default;
};
struct ComplaintReopened {
  std::string complaint_id;
  std::string reason;
  friend bool operator==(const ComplaintReopened&, const ComplaintReopened&) = default;
};
using ComplaintEvent =
    std::variant<ComplaintRegistered, ComplaintNoteAdded, ComplaintClosed, ComplaintReopened>;

// INVALID_ARGUMENT naming the field (kind, channel, customer_id, category, description,
// part_skus[i]); ALREADY_EXISTS if registered.
[[nodiscard]] absl::StatusOr<std::vector<ComplaintEvent>> Decide(const ComplaintState& state,
                                                                const RegisterComplaint& command,
                                                                absl::Time now);
// NOT_FOUND for an unknown complaint; INVALID_ARGUMENT naming the field (step, text, reason);
// FAILED_PRECONDITION for a note or close on a closed complaint, a reopen of an open one, and a
// close on any basis other than the two allowed; PERMISSION_DENIED for a sign-off by a
// non-manager.
[[nodiscard]] absl::StatusOr<std::vector<ComplaintEvent>> Decide(const ComplaintState& state,
                                                                const ComplaintCommand& command,
                                                                absl::Time now);
ComplaintState Evolve(ComplaintState state, const ComplaintEvent& event);

}  // namespace fieldline::intake
