#include "services/intake/domain/ticket.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"

namespace fieldline::intake {
namespace {

// Characters as a person counts them: UTF-8 code points, not bytes (symptoms are often Chinese).
size_t CharCount(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Trimmed(std::string_view text) {
  return std::string(absl::StripAsciiWhitespace(AsAbsl(text)));
}

// Digits with an optional leading '+', spaces or dashes between them; 5 to 20 digits.
absl::Status ValidatePhone(std::string_view field, std::string_view phone) {
  if (phone.empty()) {
    return InvalidArgument(field, "The customer's phone number is required.");
  }
  int digits = 0;
  for (size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == ' ' || c == '-' || (c == '+' && i == 0)) {
      continue;
    } else {
      return InvalidArgument(field, absl::StrCat("The phone number ", AsAbsl(phone),
                                                 " is not a phone number: use digits, with an "
                                                 "optional leading +, spaces or dashes."));
    }
  }
  if (digits < kMinPhoneDigits || digits > kMaxPhoneDigits) {
    return InvalidArgument(field, absl::StrCat("The phone number ", AsAbsl(phone),
                                               " is not a phone number: it has ", digits,
                                               " digits, a phone number has ", kMinPhoneDigits,
                                               " to ", kMaxPhoneDigits, "."));
  }
  return absl::OkStatus();
}

absl::Status ValidateLocation(const GeoPoint& point) {
  // Written so that NaN fails too.
  if (!(point.lat >= -90.0 && point.lat <= 90.0)) {
    return InvalidArgument("customer.location.lat",
                           absl::StrCat("Latitude ", point.lat,
                                        " is not on the map; it must be between -90 and 90."));
  }
  if (!(point.lng >= -180.0 && point.lng <= 180.0)) {
    return InvalidArgument("customer.location.lng",
                           absl::StrCat("Longitude ", point.lng,
                                        " is not on the map; it must be between -180 and 180."));
  }
  return absl::OkStatus();
}

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
    if (absl::Status s = ValidateLocation(*customer.location); !s.ok()) return s;
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
  if (state.status == TicketStatus::kScheduled && state.job_id == command.job_id &&
      state.technician_id == command.technician_id) {
    return std::vector<TicketEvent>{};  // the same assignment again: already recorded
  }
  if (state.status != TicketStatus::kOpen) {
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
                                                const RecordJobStarted& command,
                                                absl::Time now) {
  if (absl::Status s = RequireId("job_id", command.job_id, "job id"); !s.ok()) return s;
  if (absl::Status s = RequireOpened(state, command.ticket_id); !s.ok()) return s;
  if (state.status != TicketStatus::kScheduled) {
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
  if (state.status != TicketStatus::kInProgress) {
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
  }
  void operator()(const TicketScheduled& e) {
    state.status = TicketStatus::kScheduled;
    state.job_id = e.job_id;
    state.technician_id = e.technician_id;
  }
  void operator()(const TicketWorkStarted& e) {
    state.status = TicketStatus::kInProgress;
    state.job_id = e.job_id;
  }
  void operator()(const TicketCompleted& e) {
    state.status = TicketStatus::kCompleted;
    state.job_id = e.job_id;
    state.parts_used = e.parts_used;
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
