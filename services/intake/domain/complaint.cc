#include "services/intake/domain/complaint.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/intake/domain/rules.h"

namespace fieldline::intake {
namespace {

constexpr size_t kMaxComplaintText = 2000;
constexpr size_t kMaxComplaintCategory = 64;

template <size_t N>
absl::StatusOr<std::string> OneOf(std::string_view field, std::string_view value,
                                  const std::string_view (&allowed)[N], std::string_view what,
                                  std::string_view default_value) {
  std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(AsAbsl(value)));
  if (v.empty() && !default_value.empty()) return std::string(default_value);
  for (std::string_view a : allowed) {
    if (v == a) return v;
  }
  std::vector<std::string> names(std::begin(allowed), std::end(allowed));
  return InvalidArgument(field, absl::StrCat(AsAbsl(what), " ", AsAbsl(value),
                                             " is not one of ", absl::StrJoin(names, ", "), "."));
}

absl::StatusOr<std::string> Text(std::string_view field, std::string_view value,
                                 std::string_view what, size_t max) {
  std::string v = Trimmed(value);
  if (v.empty()) return InvalidArgument(field, absl::StrCat("The ", AsAbsl(what), " is required."));
  if (absl::Status s = RequireAtMost(field, v, max, what); !s.ok()) return s;
  return v;
}

std::string ComplaintIs(const ComplaintState& s) {
  return absl::StrCat("Complaint ", s.complaint_id, " is ", s.closed ? "closed" : "open");
}

struct ComplaintDecider {
  const ComplaintState& state;
  using Result = absl::StatusOr<std::vector<ComplaintEvent>>;

  Result operator()(const AddComplaintNote& c) {
    absl::StatusOr<std::string> step = OneOf("step", c.step, kComplaintSteps, "Step", "note");
    if (!step.ok()) return step.status();
    absl::StatusOr<std::string> text = Text("text", c.text, "note", kMaxComplaintText);
    if (!text.ok()) return text.status();
    if (state.closed) {
      return FailedPrecondition(
          absl::StrCat(ComplaintIs(state), "; reopen it before adding notes."));
    }
    return std::vector<ComplaintEvent>{
        ComplaintNoteAdded{state.complaint_id, *step, *text, !state.responded}};
  }
  Result operator()(const CloseComplaint& c) {
    const std::string basis = absl::AsciiStrToLower(absl::StripAsciiWhitespace(AsAbsl(c.basis)));
    if (state.closed) return FailedPrecondition(absl::StrCat(ComplaintIs(state), " already."));
    if (basis == kCloseCustomerSatisfied) {
      const std::string reason = Trimmed(c.reason);
      if (absl::Status s = RequireAtMost("text", reason, kMaxComplaintText, "reason"); !s.ok()) {
        return s;
      }
      return std::vector<ComplaintEvent>{
          ComplaintClosed{state.complaint_id, basis, reason}};
    }
    if (basis == kCloseManagerSignoff) {
      if (c.actor_role != "manager" && c.actor_role != "admin") {
        return PermissionDenied(absl::StrCat("Only a manager signs off a complaint; you are ",
                                             c.actor_role.empty() ? "no one" : c.actor_role,
                                             "."));
      }
      absl::StatusOr<std::string> reason =
          Text("text", c.reason, "reason for the sign-off", kMaxComplaintText);
      if (!reason.ok()) return reason.status();
      return std::vector<ComplaintEvent>{ComplaintClosed{state.complaint_id, basis, *reason}};
    }
    return FailedPrecondition(absl::StrCat(
        ComplaintIs(state), "; a complaint closes only when the customer confirms satisfaction "
        "(customer_satisfied) or a manager signs it off with a reason (manager_signoff), not on '",
        c.basis, "'."));
  }
  Result operator()(const ReopenComplaint& c) {
    absl::StatusOr<std::string> reason = Text("text", c.reason, "reason to reopen",
                                              kMaxComplaintText);
    if (!reason.ok()) return reason.status();
    if (!state.closed) {
      return FailedPrecondition(absl::StrCat(ComplaintIs(state), "; only a closed complaint "
                                                                 "can be reopened."));
    }
    return std::vector<ComplaintEvent>{ComplaintReopened{state.complaint_id, *reason}};
  }
};

struct ComplaintEvolver {
  ComplaintState& state;
  void operator()(const ComplaintRegistered& e) {
    state.complaint_id = e.complaint_id;
    state.kind = e.kind;
    state.channel = e.channel;
    state.customer_id = e.customer_id;
    state.ticket_id = e.ticket_id;
    state.technician_id = e.technician_id;
    state.part_skus = e.part_skus;
    state.category = e.category;
    state.description = e.description;
    state.first_response_due = e.first_response_due;
  }
  void operator()(const ComplaintNoteAdded& e) {
    state.responded = true;
    state.notes.push_back({e.step, e.text});
  }
  void operator()(const ComplaintClosed& e) {
    state.closed = true;
    state.close_basis = e.basis;
    state.close_reason = e.reason;
  }
  void operator()(const ComplaintReopened& e) {
    state.closed = false;
    state.close_basis.clear();
    state.close_reason.clear();
    ++state.reopen_count;
  }
};

}  // namespace

absl::StatusOr<std::vector<ComplaintEvent>> Decide(const ComplaintState& state,
                                                   const RegisterComplaint& command,
                                                   absl::Time now) {
  if (absl::Status s = RequireText("complaint_id", command.complaint_id, "complaint id");
      !s.ok()) {
    return s;
  }
  if (state.registered()) {
    return AlreadyExists("complaint_id", absl::StrCat("Complaint ", state.complaint_id,
                                                      " is registered already."));
  }
  ComplaintRegistered e;
  e.complaint_id = command.complaint_id;
  absl::StatusOr<std::string> kind = OneOf("kind", command.kind, kComplaintKinds, "Kind", "");
  if (!kind.ok()) return kind.status();
  e.kind = *kind;
  absl::StatusOr<std::string> channel =
      OneOf("channel", command.channel, kComplaintChannels, "Channel", "phone");
  if (!channel.ok()) return channel.status();
  e.channel = *channel;
  e.customer_id = Trimmed(command.customer_id);
  e.ticket_id = Trimmed(command.ticket_id);
  if (e.customer_id.empty() && e.ticket_id.empty()) {
    return InvalidArgument("customer_id",
                           "Say whose complaint it is: a customer id or a ticket id is required.");
  }
  e.technician_id = Trimmed(command.technician_id);
  for (size_t i = 0; i < command.part_skus.size(); ++i) {
    std::string sku = Trimmed(command.part_skus[i]);
    if (sku.empty()) {
      return InvalidArgument(absl::StrCat("part_skus[", i, "]"),
                             absl::StrCat("Part ", i + 1, " has no SKU."));
    }
    e.part_skus.push_back(std::move(sku));
  }
  absl::StatusOr<std::string> category =
      Text("category", command.category, "complaint category", kMaxComplaintCategory);
  if (!category.ok()) return category.status();
  e.category = *category;
  absl::StatusOr<std::string> description =
      Text("description", command.description, "description", kMaxComplaintText);
  if (!description.ok()) return description.status();
  e.description = *description;
  e.first_response_due = now + command.first_response_within;
  return std::vector<ComplaintEvent>{std::move(e)};
}

absl::StatusOr<std::vector<ComplaintEvent>> Decide(const ComplaintState& state,
                                                   const ComplaintCommand& command,
                                                   absl::Time now) {
  const std::string& id =
      std::visit([](const auto& c) -> const std::string& { return c.complaint_id; }, command);
  if (absl::Status s = RequireText("complaint_id", id, "complaint id"); !s.ok()) return s;
  if (!state.registered()) {
    return NotFound("complaint_id", absl::StrCat("There is no complaint ", id, "."));
  }
  return std::visit(ComplaintDecider{state}, command);
}

ComplaintState Evolve(ComplaintState state, const ComplaintEvent& event) {
  std::visit(ComplaintEvolver{state}, event);
  return state;
}

}  // namespace fieldline::intake
