#include "services/intake/domain/ticket.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/intake/domain/rules.h"

namespace fieldline::intake {
namespace {

// Trims SKUs in place; `list` is the request field name ("parts_needed", "parts_used").
absl::Status ValidatePartLines(std::string_view list, std::vector<PartLine>& lines) {
  if (lines.size() > kMaxPartLines) {
    return InvalidArgument(list, absl::StrCat("At most ", kMaxPartLines,
                                              " part lines are allowed; this has ",
                                              lines.size(), "."));
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    PartLine& line = lines[i];
    line.sku = Trimmed(line.sku);
    if (line.sku.empty()) {
      return InvalidArgument(absl::StrCat(AsAbsl(list), "[", i, "].sku"),
                             absl::StrCat("Part line ", i + 1, " has no SKU."));
    }
    if (line.quantity <= 0) {
      return InvalidArgument(absl::StrCat(AsAbsl(list), "[", i, "].quantity"),
                             absl::StrCat("Part line ", i + 1, " (", line.sku, ") has quantity ",
                                          line.quantity, "; a quantity must be at least 1."));
    }
  }
  return absl::OkStatus();
}

std::string ChannelList() {
  std::string out;
  for (std::string_view c : kTicketChannels) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  return out;
}

absl::StatusOr<std::string> NormalisedChannel(std::string_view channel) {
  std::string c = absl::AsciiStrToLower(absl::StripAsciiWhitespace(AsAbsl(channel)));
  if (c.empty()) return std::string(kTicketChannels[0]);
  for (std::string_view known : kTicketChannels) {
    if (c == known) return c;
  }
  return InvalidArgument("channel", absl::StrCat("Channel ", AsAbsl(channel), " is not one of ",
                                                 ChannelList(), "."));
}

std::string TicketIs(const TicketState& state) {
  return absl::StrCat("Ticket ", state.ticket_id, " is ", AsAbsl(TicketStatusName(state.status)));
}

absl::Status RequireOpened(const TicketState& state, std::string_view ticket_id) {
  if (state.status == TicketStatus::kNone) {
    return NotFound("ticket_id", absl::StrCat("There is no ticket ", AsAbsl(ticket_id), "."));
  }
  return absl::OkStatus();
}

absl::Status RequireId(std::string_view field, std::string_view value, std::string_view what) {
  if (absl::StripAsciiWhitespace(AsAbsl(value)).empty()) {
    return InvalidArgument(field, absl::StrCat("The ", AsAbsl(what), " is missing."));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view TicketStatusName(TicketStatus status) {
  switch (status) {
    case TicketStatus::kNone:
      return "not opened";
    case TicketStatus::kOpen:
      return "open";
    case TicketStatus::kScheduled:
      return "scheduled";
    case TicketStatus::kInProgress:
      return "in progress";
    case TicketStatus::kCompleted:
      return "completed";
    case TicketStatus::kResolvedRemotely:
      return "resolved remotely";
    case TicketStatus::kClosed:
      return "closed";
    case TicketStatus::kCancelled:
      return "cancelled";
    case TicketStatus::kAtServiceCentre:
      return "at the service centre";
    case TicketStatus::kAtFactory:
      return "at the factory";
    case TicketStatus::kBackFromFactory:
      return "back from the factory";
    case TicketStatus::kReturnedToCustomer:
      return "returned to the customer";
    case TicketStatus::kWaitingForParts:
      return "waiting for parts";
  }
  return "in an unknown state";
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const OpenTicket& command, absl::Time now) {
  if (absl::Status s = RequireId("ticket_id", command.ticket_id, "ticket id"); !s.ok()) return s;
  if (state.status != TicketStatus::kNone) {
    return AlreadyExists("ticket_id", absl::StrCat(TicketIs(state), "; it was opened before."));
  }
  TicketOpened opened;
  opened.ticket_id = command.ticket_id;

  TicketCustomer& customer = opened.customer;
  customer.customer_id = Trimmed(command.customer.customer_id);
  customer.name = Trimmed(command.customer.name);
  if (customer.name.empty()) {
    return InvalidArgument("customer.name", "The customer's name is required.");
  }
  customer.phone = Trimmed(command.customer.phone);
  if (absl::Status s = ValidatePhone("customer.phone", customer.phone); !s.ok()) return s;
  customer.address = Trimmed(command.customer.address);
  customer.location = command.customer.location;
  if (customer.location.has_value()) {
    if (absl::Status s = ValidateLocation("customer.location", *customer.location); !s.ok()) {
      return s;
    }
  }

  opened.category = Trimmed(command.category);
  if (opened.category.empty()) {
    return InvalidArgument("category", "The fault category is required.");
  }
  if (const size_t n = CharCount(opened.category); n > kMaxCategoryChars) {
    return InvalidArgument("category",
                           absl::StrCat("The fault category is ", n,
                                        " characters long; at most ", kMaxCategoryChars,
                                        " are allowed."));
  }

  opened.symptom = Trimmed(command.symptom);
  if (const size_t n = CharCount(opened.symptom); n > kMaxSymptomChars) {
    return InvalidArgument("symptom",
                           absl::StrCat("The symptom description is ", n,
                                        " characters long; at most ", kMaxSymptomChars,
                                        " are allowed."));
  }

  switch (command.priority) {
    case Priority::kUnspecified:
      opened.priority = Priority::kNormal;
      break;
    case Priority::kLow:
    case Priority::kNormal:
    case Priority::kHigh:
    case Priority::kUrgent:
      opened.priority = command.priority;
      break;
    default:
      return InvalidArgument("priority",
                             absl::StrCat("Priority ", static_cast<int>(command.priority),
                                          " is not one of low, normal, high or urgent."));
  }

  absl::StatusOr<std::string> channel = NormalisedChannel(command.channel);
  if (!channel.ok()) return channel.status();
  opened.channel = *std::move(channel);

  opened.parts_needed = command.parts_needed;
  if (absl::Status s = ValidatePartLines("parts_needed", opened.parts_needed); !s.ok()) return s;

  opened.service_promise = Trimmed(command.service_promise);
  if (absl::Status s = RequireAtMost("service_promise", opened.service_promise, kMaxPromiseChars,
                                     "service promise");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<FaultCause> cause = ParseFaultCause("fault_cause", command.fault_cause);
  if (!cause.ok()) return cause.status();
  // Kept empty when the agent said nothing about the cause.
  if (!Trimmed(command.fault_cause).empty()) opened.fault_cause = FaultCauseSlug(*cause);

  const std::string asset_id = Trimmed(command.asset_id);
  if (!asset_id.empty()) {
    if (!command.asset.has_value() || command.asset->asset_id != asset_id) {
      return NotFound("asset_id", absl::StrCat("There is no asset ", asset_id,
                                               "; register the product first or leave the "
                                               "asset out."));
    }
    const AssetFacts& asset = *command.asset;
    if (customer.customer_id.empty()) {
      customer.customer_id = asset.owner_customer_id;
    } else if (customer.customer_id != asset.owner_customer_id) {
      return InvalidArgument("asset_id",
                             absl::StrCat("Asset ", asset_id, " belongs to customer ",
                                          asset.owner_customer_id, ", not to customer ",
                                          customer.customer_id, "."));
    }
    opened.asset_id = asset_id;
    opened.entitlement =
        EvaluateEntitlement(command.entitlement_policy, asset.warranty_end, *cause, now);
  }

  opened.customer_tier = command.customer_tier == CustomerTier::kUnspecified
                            ? CustomerTier::kC
                            : command.customer_tier;
  opened.contract_promises = command.contract_promises;
  return std::vector<TicketEvent>{std::move(opened)};
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const RecordJobAssigned& command,
                                                absl::Time now) {
  if (absl::Status s = RequireId("job_id", command.job_id, "job id"); !s.ok()) return s;
  if (absl::Status s = RequireId("technician_id", command.technician_id, "technician id");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireOpened(state, command.ticket_id); !s.ok()) return s;
  if (state.work_status() == TicketStatus::kScheduled && state.job_id == command.job_id &&
      state.technician_id == command.technician_id) {
    return std::vector<TicketEvent>{};  // the same assignment again: already recorded
  }
  if (state.work_status() != TicketStatus::kOpen) {
    std::string found = TicketIs(state);
    if (!state.job_id.empty()) {
      absl::StrAppend(&found, " (job ", state.job_id, ", technician ", state.technician_id, ")");
    }
    return FailedPrecondition(
        absl::StrCat(found, "; only an open ticket can be scheduled."));
  }
  return std::vector<TicketEvent>{
      TicketScheduled{state.ticket_id, command.job_id, command.technician_id}};
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const RecordJobArrived& command,
                                                absl::Time now) {
  if (absl::Status s = RequireId("job_id", command.job_id, "job id"); !s.ok()) return s;
  if (absl::Status s = RequireOpened(state, command.ticket_id); !s.ok()) return s;
  if (state.arrived_job_id == command.job_id) return std::vector<TicketEvent>{};  // reported
  if (state.work_status() != TicketStatus::kScheduled) {
    return FailedPrecondition(absl::StrCat(
        TicketIs(state), "; a technician's arrival is recorded only for a scheduled ticket."));
  }
  if (state.job_id != command.job_id) {
    return FailedPrecondition(absl::StrCat(TicketIs(state), " for job ", state.job_id,
                                           ", not job ", command.job_id, "."));
  }
  // The clock stops when the technician was there, but never before the ticket existed in
  // this history nor after the moment it is recorded.
  absl::Time at = command.arrived_at;
  if (at == absl::InfinitePast() || at > now) at = now;
  return std::vector<TicketEvent>{
      TicketTechnicianArrived{state.ticket_id, command.job_id,
                              command.technician_id.empty() ? state.technician_id
                                                            : command.technician_id,
                              at}};
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const RecordCallbackOutcome& command,
                                                absl::Time now) {
  if (absl::Status s = RequireId("callback_id", command.callback_id, "callback id"); !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireId("outcome", command.outcome, "callback outcome"); !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireOpened(state, command.ticket_id); !s.ok()) return s;
  if (state.status == TicketStatus::kClosed) return std::vector<TicketEvent>{};  // closed already
  switch (state.status) {
    case TicketStatus::kCompleted:
    case TicketStatus::kResolvedRemotely:
    case TicketStatus::kReturnedToCustomer:
      break;
    default:
      return FailedPrecondition(absl::StrCat(
          TicketIs(state), "; callback ", command.callback_id,
          " can close only a ticket that is completed, resolved remotely or returned to the "
          "customer."));
  }
  return std::vector<TicketEvent>{
      TicketClosed{state.ticket_id, Trimmed(command.outcome), command.callback_id}};
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const RecordJobStarted& command,
                                                absl::Time now) {
  if (absl::Status s = RequireId("job_id", command.job_id, "job id"); !s.ok()) return s;
  if (absl::Status s = RequireOpened(state, command.ticket_id); !s.ok()) return s;
  if (state.work_status() != TicketStatus::kScheduled) {
    return FailedPrecondition(
        absl::StrCat(TicketIs(state), "; only a scheduled ticket can be started."));
  }
  if (state.job_id != command.job_id) {
    return FailedPrecondition(absl::StrCat(TicketIs(state), " for job ", state.job_id,
                                           ", not job ", command.job_id, "."));
  }
  return std::vector<TicketEvent>{TicketWorkStarted{state.ticket_id, command.job_id}};
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const RecordJobCompleted& command,
                                                absl::Time now) {
  if (absl::Status s = RequireId("job_id", command.job_id, "job id"); !s.ok()) return s;
  if (absl::Status s = RequireOpened(state, command.ticket_id); !s.ok()) return s;
  if (state.work_status() != TicketStatus::kInProgress) {
    return FailedPrecondition(
        absl::StrCat(TicketIs(state), "; only a ticket in progress can be completed."));
  }
  if (state.job_id != command.job_id) {
    return FailedPrecondition(absl::StrCat(TicketIs(state), " on job ", state.job_id,
                                           ", not job ", command.job_id, "."));
  }
  TicketCompleted completed{state.ticket_id, command.job_id, command.parts_used,
                            Trimmed(command.resolution)};
  if (absl::Status s = ValidatePartLines("parts_used", completed.parts_used); !s.ok()) return s;
  return std::vector<TicketEvent>{std::move(completed)};
}

namespace {

std::string StateList(std::initializer_list<TicketStatus> states) {
  std::string out;
  size_t i = 0;
  for (TicketStatus st : states) {
    if (i > 0) out += (i + 1 == states.size()) ? " or " : ", ";
    out += TicketStatusName(st);
    ++i;
  }
  return out;
}

// FAILED_PRECONDITION naming the current state unless the ticket is in one of `allowed`.
absl::Status RequireStatus(const TicketState& state, std::initializer_list<TicketStatus> allowed,
                           std::string_view action) {
  for (TicketStatus st : allowed) {
    if (state.status == st) return absl::OkStatus();
  }
  return FailedPrecondition(absl::StrCat(TicketIs(state), "; only a ticket that is ",
                                         StateList(allowed), " can be ", AsAbsl(action), "."));
}

absl::StatusOr<std::string> RequiredText(std::string_view field, std::string_view text,
                                         std::string_view what) {
  std::string value = Trimmed(text);
  if (value.empty()) {
    return InvalidArgument(field, absl::StrCat("The ", AsAbsl(what), " is required."));
  }
  if (absl::Status s = RequireAtMost(field, value, kMaxTicketReasonChars, what); !s.ok()) return s;
  return value;
}

struct LifecycleDecider {
  const TicketState& state;
  absl::Time now;
  using Result = absl::StatusOr<std::vector<TicketEvent>>;

  Result operator()(const ResolveRemotely& c) {
    absl::StatusOr<std::string> resolution = RequiredText("resolution", c.resolution, "resolution");
    if (!resolution.ok()) return resolution.status();
    if (absl::Status s = RequireStatus(state, {TicketStatus::kOpen}, "resolved remotely");
        !s.ok()) {
      return s;
    }
    return std::vector<TicketEvent>{TicketResolvedRemotely{state.ticket_id, *resolution}};
  }
  Result operator()(const CloseTicket& c) {
    absl::StatusOr<std::string> outcome = RequiredText("reason", c.outcome, "callback outcome");
    if (!outcome.ok()) return outcome.status();
    if (absl::Status s = RequireStatus(state,
                                       {TicketStatus::kCompleted, TicketStatus::kResolvedRemotely,
                                        TicketStatus::kReturnedToCustomer},
                                       "closed");
        !s.ok()) {
      return s;
    }
    return std::vector<TicketEvent>{TicketClosed{state.ticket_id, *outcome}};
  }
  Result operator()(const CancelTicket& c) {
    absl::StatusOr<std::string> reason = RequiredText("reason", c.reason, "reason to cancel");
    if (!reason.ok()) return reason.status();
    // Any state in which the service is still owed and no unit of the customer's is away:
    // open, scheduled, in progress (the job is stopped), waiting for parts, or at the service
    // centre (the unit is handed back). At the factory the unit must come back first.
    if (absl::Status s = RequireStatus(state,
                                       {TicketStatus::kOpen, TicketStatus::kScheduled,
                                        TicketStatus::kInProgress, TicketStatus::kWaitingForParts,
                                        TicketStatus::kAtServiceCentre},
                                       "cancelled");
        !s.ok()) {
      return s;
    }
    return std::vector<TicketEvent>{
        TicketCancelled{state.ticket_id, *reason, state.job_id, state.technician_id}};
  }
  Result operator()(const ReopenTicket& c) {
    absl::StatusOr<std::string> reason = RequiredText("reason", c.reason, "reason to reopen");
    if (!reason.ok()) return reason.status();
    if (absl::Status s = RequireStatus(state,
                                       {TicketStatus::kCompleted, TicketStatus::kResolvedRemotely,
                                        TicketStatus::kReturnedToCustomer, TicketStatus::kClosed},
                                       "reopened");
        !s.ok()) {
      return s;
    }
    return std::vector<TicketEvent>{TicketReopened{state.ticket_id, *reason}};
  }
  Result operator()(const ReceiveAtServiceCentre& c) {
    absl::StatusOr<std::string> centre =
        RequiredText("location_id", c.service_centre_id, "service centre");
    if (!centre.ok()) return centre.status();
    if (absl::Status s =
            RequireStatus(state, {TicketStatus::kOpen}, "received at a service centre");
        !s.ok()) {
      return s;
    }
    return std::vector<TicketEvent>{
        TicketReceivedAtServiceCentre{state.ticket_id, *centre, now + c.store_repair_promise}};
  }
  Result operator()(const SendToFactory& c) {
    absl::StatusOr<std::string> factory = RequiredText("location_id", c.factory, "factory");
    if (!factory.ok()) return factory.status();
    if (absl::Status s = RequireStatus(state, {TicketStatus::kAtServiceCentre},
                                       "sent to the factory");
        !s.ok()) {
      return s;
    }
    return std::vector<TicketEvent>{
        TicketSentToFactory{state.ticket_id, *factory, now + c.factory_return_promise}};
  }
  Result operator()(const ReceiveFromFactory& c) {
    const std::string note = Trimmed(c.note);
    if (absl::Status s = RequireAtMost("reason", note, kMaxTicketReasonChars, "note"); !s.ok()) {
      return s;
    }
    if (absl::Status s = RequireStatus(state, {TicketStatus::kAtFactory},
                                       "received back from the factory");
        !s.ok()) {
      return s;
    }
    return std::vector<TicketEvent>{TicketBackFromFactory{state.ticket_id, note}};
  }
  Result operator()(const ReturnToCustomer& c) {
    absl::StatusOr<std::string> resolution = RequiredText("resolution", c.resolution, "resolution");
    if (!resolution.ok()) return resolution.status();
    if (absl::Status s = RequireStatus(
            state, {TicketStatus::kAtServiceCentre, TicketStatus::kBackFromFactory},
            "returned to the customer");
        !s.ok()) {
      return s;
    }
    return std::vector<TicketEvent>{TicketReturnedToCustomer{state.ticket_id, *resolution}};
  }
  Result operator()(const WaitForCustomer& c) {
    absl::StatusOr<std::string> reason =
        RequiredText("reason", c.reason, "reason to wait for the customer");
    if (!reason.ok()) return reason.status();
    if (absl::Status s = RequireStatus(
            state,
            {TicketStatus::kOpen, TicketStatus::kScheduled, TicketStatus::kInProgress,
             TicketStatus::kWaitingForParts, TicketStatus::kAtServiceCentre,
             TicketStatus::kBackFromFactory},
            "put on hold for the customer");
        !s.ok()) {
      return s;
    }
    if (state.waiting_for_customer) {
      return FailedPrecondition(absl::StrCat(TicketIs(state),
                                             " and already waits for the customer (",
                                             state.waiting_reason, ")."));
    }
    return std::vector<TicketEvent>{TicketWaitingForCustomer{state.ticket_id, *reason}};
  }
  Result operator()(const ResumeFromCustomer& c) {
    const std::string reason = Trimmed(c.reason);
    if (absl::Status s = RequireAtMost("reason", reason, kMaxTicketReasonChars, "reason");
        !s.ok()) {
      return s;
    }
    if (!state.waiting_for_customer) {
      return FailedPrecondition(absl::StrCat(TicketIs(state),
                                             " and does not wait for the customer; only a "
                                             "ticket on hold for the customer can resume."));
    }
    return std::vector<TicketEvent>{TicketCustomerResumed{state.ticket_id, reason}};
  }
};

}  // namespace

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const TicketCommand& command, absl::Time now) {
  const std::string& ticket_id =
      std::visit([](const auto& c) -> const std::string& { return c.ticket_id; }, command);
  if (absl::Status s = RequireId("ticket_id", ticket_id, "ticket id"); !s.ok()) return s;
  if (absl::Status s = RequireOpened(state, ticket_id); !s.ok()) return s;
  return std::visit(LifecycleDecider{state, now}, command);
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const RecordPartsBackordered& command,
                                                absl::Time now) {
  if (absl::Status s = RequireId("job_id", command.job_id, "job id"); !s.ok()) return s;
  if (absl::Status s = RequireId("sku", command.part.sku, "part SKU"); !s.ok()) return s;
  if (command.part.quantity <= 0) {
    return InvalidArgument("quantity", absl::StrCat("Back-ordered quantity ",
                                                    command.part.quantity,
                                                    " of part ", command.part.sku,
                                                    " is not at least 1."));
  }
  if (absl::Status s = RequireOpened(state, command.ticket_id); !s.ok()) return s;
  if (!state.job_id.empty() && state.job_id != command.job_id) {
    return FailedPrecondition(absl::StrCat(TicketIs(state), " with job ", state.job_id,
                                           ", not job ", command.job_id, "."));
  }
  const TicketStatus work = state.work_status();
  if (work != TicketStatus::kOpen && work != TicketStatus::kScheduled &&
      work != TicketStatus::kInProgress) {
    return FailedPrecondition(absl::StrCat(TicketIs(state),
                                           "; only an open, scheduled or in-progress ticket "
                                           "can wait for parts."));
  }
  return std::vector<TicketEvent>{
      TicketWaitingForParts{state.ticket_id, command.job_id, {command.part}}};
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const RecordPartsReserved& command,
                                                absl::Time now) {
  if (absl::Status s = RequireOpened(state, command.ticket_id); !s.ok()) return s;
  if (state.status != TicketStatus::kWaitingForParts) return std::vector<TicketEvent>{};
  for (const PartLine& line : state.missing_parts) {
    if (line.sku == command.part.sku) {
      return std::vector<TicketEvent>{
          TicketPartsArrived{state.ticket_id, command.job_id, {line}}};
    }
  }
  return std::vector<TicketEvent>{};  // a part the ticket does not wait for
}

absl::StatusOr<std::vector<TicketEvent>> Decide(const TicketState& state,
                                                const RecordSlaFinding& command,
                                                absl::Time now) {
  if (absl::Status s = RequireOpened(state, command.ticket_id); !s.ok()) return s;
  auto has = [](const std::vector<std::string>& list, const std::string& clock) {
    return std::find(list.begin(), list.end(), clock) != list.end();
  };
  std::vector<TicketEvent> events;
  auto report = [&](bool breach) {
    TicketSlaReported r;
    r.ticket_id = state.ticket_id;
    r.breach = breach;
    r.customer_id = state.customer.customer_id;
    r.clock = command.clock;
    r.due = command.due;
    r.allowance_minutes = command.allowance_minutes;
    r.elapsed_minutes = command.elapsed_minutes;
    r.tier = state.customer_tier;
    r.priority = state.priority;
    events.push_back(std::move(r));
  };
  if ((command.warning || command.breached) && !has(state.sla_warned, command.clock)) {
    report(false);
  }
  if (command.breached && !has(state.sla_breached, command.clock)) report(true);
  return events;
}

namespace {

struct EvolveVisitor {
  TicketState& state;
  void operator()(const TicketOpened& e) {
    state.ticket_id = e.ticket_id;
    state.status = TicketStatus::kOpen;
    state.customer = e.customer;
    state.category = e.category;
    state.symptom = e.symptom;
    state.priority = e.priority;
    state.channel = e.channel;
    state.parts_needed = e.parts_needed;
    state.asset_id = e.asset_id;
    state.fault_cause = e.fault_cause;
    state.entitlement = e.entitlement;
    state.service_promise = e.service_promise;
    state.customer_tier = e.customer_tier;
    state.contract_promises = e.contract_promises;
    state.onsite_due = e.onsite_due;
    state.resolution_due = e.resolution_due;
  }
  void operator()(const TicketTechnicianArrived& e) {
    state.arrived_job_id = e.job_id;
    state.technician_arrived_at = e.arrived_at;
  }
  void operator()(const TicketWaitingForParts& e) {
    if (state.status != TicketStatus::kWaitingForParts) {
      state.status_before_parts = state.status;
      state.status = TicketStatus::kWaitingForParts;
    }
    state.job_id = e.job_id;
    for (const PartLine& line : e.missing_parts) {
      bool merged = false;
      for (PartLine& m : state.missing_parts) {
        if (m.sku == line.sku) {
          m.quantity += line.quantity;
          merged = true;
        }
      }
      if (!merged) state.missing_parts.push_back(line);
    }
  }
  void operator()(const TicketPartsArrived& e) {
    for (const PartLine& line : e.missing_parts) {
      std::erase_if(state.missing_parts, [&](const PartLine& m) { return m.sku == line.sku; });
    }
    if (state.missing_parts.empty() && state.status == TicketStatus::kWaitingForParts) {
      state.status = state.status_before_parts;
      state.status_before_parts = TicketStatus::kNone;
    }
  }
  void operator()(const TicketWaitingForCustomer& e) {
    state.waiting_for_customer = true;
    state.waiting_reason = e.reason;
  }
  void operator()(const TicketCustomerResumed&) {
    state.waiting_for_customer = false;
    state.waiting_reason.clear();
  }
  void operator()(const TicketSlaReported& e) {
    std::vector<std::string>& list = e.breach ? state.sla_breached : state.sla_warned;
    if (std::find(list.begin(), list.end(), e.clock) == list.end()) list.push_back(e.clock);
  }
  void operator()(const TicketScheduled& e) {
    SetWorkStatus(TicketStatus::kScheduled);
    state.job_id = e.job_id;
    state.technician_id = e.technician_id;
  }
  void operator()(const TicketWorkStarted& e) {
    SetWorkStatus(TicketStatus::kInProgress);
    state.job_id = e.job_id;
  }
  void SetWorkStatus(TicketStatus status) {
    if (state.status == TicketStatus::kWaitingForParts) {
      state.status_before_parts = status;
    } else {
      state.status = status;
    }
  }
  void EndPartsWait() {
    state.missing_parts.clear();
    state.status_before_parts = TicketStatus::kNone;
  }
  void operator()(const TicketCompleted& e) {
    EndPartsWait();
    state.waiting_for_customer = false;
    state.waiting_reason.clear();
    state.status = TicketStatus::kCompleted;
    state.job_id = e.job_id;
    state.parts_used = e.parts_used;
    state.resolution = e.resolution;
  }
  void operator()(const TicketResolvedRemotely& e) {
    state.status = TicketStatus::kResolvedRemotely;
    state.resolution = e.resolution;
  }
  void operator()(const TicketClosed& e) {
    state.status = TicketStatus::kClosed;
    state.close_outcome = e.outcome;
    state.closed_by_callback_id = e.callback_id;
  }
  void operator()(const TicketCancelled& e) {
    EndPartsWait();
    state.waiting_for_customer = false;
    state.waiting_reason.clear();
    state.status = TicketStatus::kCancelled;
    state.cancel_reason = e.reason;
  }
  void operator()(const TicketReopened& e) {
    // Back to the start: a new job (or remote fix, or depot repair) follows.
    state.status = TicketStatus::kOpen;
    state.last_reopen_reason = e.reason;
    ++state.reopen_count;
    state.job_id.clear();
    state.technician_id.clear();
    state.close_outcome.clear();
    state.closed_by_callback_id.clear();
    state.arrived_job_id.clear();
    state.technician_arrived_at = absl::InfinitePast();
  }
  void operator()(const TicketReceivedAtServiceCentre& e) {
    state.status = TicketStatus::kAtServiceCentre;
    state.service_centre_id = e.service_centre_id;
    state.promised_ready_by = e.promised_ready_by;
  }
  void operator()(const TicketSentToFactory& e) {
    state.status = TicketStatus::kAtFactory;
    state.factory = e.factory;
    state.promised_back_by = e.promised_back_by;
  }
  void operator()(const TicketBackFromFactory& e) {
    state.status = TicketStatus::kBackFromFactory;
  }
  void operator()(const TicketReturnedToCustomer& e) {
    state.status = TicketStatus::kReturnedToCustomer;
    state.resolution = e.resolution;
  }
};

}  // namespace

TicketState Evolve(TicketState state, const TicketEvent& event) {
  std::visit(EvolveVisitor{state}, event);
  return state;
}

const std::string& TicketIdOf(const TicketEvent& event) {
  return std::visit([](const auto& e) -> const std::string& { return e.ticket_id; }, event);
}

}  // namespace fieldline::intake
