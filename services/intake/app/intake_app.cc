#include "services/intake/app/intake_app.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/intake/adapters/event_codec.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace fieldline::intake {
namespace {

constexpr std::string_view kProjectionPrefix = "p/ticket/";
constexpr char kSystemUser[] = "system:intake";
constexpr char kSystemRole[] = "system";

// Registered with spdlog (to stderr: stdout is for the READY line), so it takes the pattern and
// level the runtime set with InitLogging.
spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (std::shared_ptr<spdlog::logger> existing = spdlog::get("intake.app")) return existing;
    return spdlog::stderr_color_mt("intake.app");
  }();
  return *logger;
}

// Stable, readable slugs for index keys (never renamed: they are on disk).
std::string_view StateSlug(TicketStatus status) {
  switch (status) {
    case TicketStatus::kNone:
      return "none";
    case TicketStatus::kOpen:
      return "open";
    case TicketStatus::kScheduled:
      return "scheduled";
    case TicketStatus::kInProgress:
      return "in_progress";
    case TicketStatus::kCompleted:
      return "completed";
  }
  return "unknown";
}

std::string_view EventName(const TicketEvent& event) {
  struct Namer {
    std::string_view operator()(const TicketOpened&) { return "TicketOpened"; }
    std::string_view operator()(const TicketScheduled&) { return "TicketScheduled"; }
    std::string_view operator()(const TicketWorkStarted&) { return "TicketWorkStarted"; }
    std::string_view operator()(const TicketCompleted&) { return "TicketCompleted"; }
  };
  return std::visit(Namer{}, event);
}

absl::StatusOr<v1::Ticket> ParseTicket(std::string_view key, std::string_view bytes) {
  v1::Ticket ticket;
  if (!ticket.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat("The stored ticket at ", AsAbsl(key), " cannot be read."));
  }
  return ticket;
}

}  // namespace

std::string TicketProjectionKey(std::string_view ticket_id) {
  return absl::StrCat(AsAbsl(kProjectionPrefix), AsAbsl(ticket_id));
}

std::string TicketStateIndexPrefix(TicketStatus status) {
  return absl::StrCat("x/ticket_by_state/", AsAbsl(StateSlug(status)), "/");
}

IntakeApp::IntakeApp(EventStore& store, const Clock& clock, IdGenerator& ids)
    : store_(store), clock_(clock), ids_(ids) {}

// ------------------------------------------------------------------------------------ commands

absl::StatusOr<common::v1::CommandAck> IntakeApp::OpenTicket(const CommandMeta& meta,
                                                             const intake::OpenTicket& command) {
  // A new ticket gets a fresh id and starts from the empty state. Appending at expected version
  // 0 turns the (practically impossible) id collision into ABORTED — nothing written, and a
  // retry draws a new id — instead of writing into another ticket.
  const std::string ticket_id = ids_.NewId(meta.now);
  const AggregateKey key{kTicketAggregate, ticket_id};
  absl::StatusOr<common::v1::CommandAck> ack = store_.Execute(
      meta.request_id, {key}, [&](Batch& batch) -> absl::StatusOr<common::v1::CommandAck> {
        intake::OpenTicket open = command;
        open.ticket_id = ticket_id;
        absl::StatusOr<std::vector<TicketEvent>> events = Decide(TicketState{}, open, meta.now);
        if (!events.ok()) return events.status();
        absl::StatusOr<TicketView> view = Record(batch, key, TicketView{}, *events, meta, "");
        if (!view.ok()) return view.status();
        common::v1::CommandAck result;
        result.set_aggregate_id(ticket_id);
        result.set_version(view->version);
        return result;
      });
  if (ack.ok()) {
    Log().info("ticket opened ticket={} version={} request_id={} actor={} correlation_id={}",
               ack->aggregate_id(), ack->version(), meta.request_id, meta.actor.user_id,
               meta.correlation_id.empty() ? meta.request_id : meta.correlation_id);
  } else {
    Log().debug("open ticket refused request_id={} code={} error=\"{}\"", meta.request_id,
                absl::StatusCodeToString(ack.status().code()),
                std::string(ack.status().message()));
  }
  return ack;
}

// ------------------------------------------------------------------------------------- queries

absl::StatusOr<v1::Ticket> IntakeApp::GetTicket(std::string_view ticket_id) const {
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", "Which ticket? The ticket id is empty.");
  }
  const std::string key = TicketProjectionKey(ticket_id);
  absl::StatusOr<std::optional<std::string>> bytes = store_.Get(key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return NotFound("ticket_id", absl::StrCat("There is no ticket ", AsAbsl(ticket_id), "."));
  }
  return ParseTicket(key, **bytes);
}

absl::StatusOr<TicketPage> IntakeApp::ListTickets(const TicketListQuery& query) const {
  if (query.page_size < 0) {
    return InvalidArgument("page_size", absl::StrCat("A page cannot hold ", query.page_size,
                                                     " tickets; ask for 1 to ", kMaxPageSize,
                                                     ", or 0 for ", kDefaultPageSize, "."));
  }
  const size_t limit = static_cast<size_t>(
      query.page_size == 0 ? kDefaultPageSize : std::min(query.page_size, kMaxPageSize));

  // One more than a page tells whether another page follows.
  TicketPage page;
  bool more = false;
  absl::Status failure;
  auto take = [&](v1::Ticket ticket) {
    if (page.tickets.size() == limit) {
      more = true;
      return false;
    }
    page.tickets.push_back(std::move(ticket));
    return true;
  };

  absl::Status scanned;
  if (query.status == TicketStatus::kNone) {
    scanned = store_.Scan(kProjectionPrefix, query.page_token,
                          [&](std::string_view key, std::string_view value) {
                            absl::StatusOr<v1::Ticket> ticket = ParseTicket(key, value);
                            if (!ticket.ok()) {
                              failure = ticket.status();
                              return false;
                            }
                            return take(*std::move(ticket));
                          });
  } else {
    const std::string prefix = TicketStateIndexPrefix(query.status);
    const v1::TicketState wanted = TicketStatusToProto(query.status);
    scanned = store_.Scan(prefix, query.page_token,
                          [&](std::string_view key, std::string_view /*value*/) {
                            absl::StatusOr<v1::Ticket> ticket =
                                GetTicket(key.substr(prefix.size()));
                            if (!ticket.ok()) {
                              // Removed between the index read and this one: not in the page.
                              if (absl::IsNotFound(ticket.status())) return true;
                              failure = ticket.status();
                              return false;
                            }
                            // Moved on to another state since the index was read.
                            if (ticket->state() != wanted) return true;
                            return take(*std::move(ticket));
                          });
  }
  if (!scanned.ok()) return scanned;
  if (!failure.ok()) return failure;
  if (more) page.next_page_token = page.tickets.back().ticket_id();
  return page;
}

// ----------------------------------------------------------------------------------- reactions

absl::Status IntakeApp::Apply(const EventEnvelope& event, Batch& batch) {
  if (event.payload_case() != EventEnvelope::kScheduling) return absl::OkStatus();
  const scheduling::v1::SchedulingEvent& scheduling = event.scheduling();
  switch (scheduling.kind_case()) {
    case scheduling::v1::SchedulingEvent::kJobAssigned: {
      const auto& e = scheduling.job_assigned();
      return React(event, e.ticket_id(),
                   RecordJobAssigned{e.ticket_id(), e.job_id(), e.technician_id()}, batch);
    }
    case scheduling::v1::SchedulingEvent::kJobStarted: {
      const auto& e = scheduling.job_started();
      return React(event, e.ticket_id(), RecordJobStarted{e.ticket_id(), e.job_id()}, batch);
    }
    case scheduling::v1::SchedulingEvent::kJobCompleted: {
      const auto& e = scheduling.job_completed();
      return React(event, e.ticket_id(),
                   RecordJobCompleted{e.ticket_id(), e.job_id(),
                                      PartLinesFromProto(e.parts_used()), e.resolution()},
                   batch);
    }
    default:
      return absl::OkStatus();  // not about a ticket's progress
  }
}

template <typename Command>
absl::Status IntakeApp::React(const EventEnvelope& source, const std::string& ticket_id,
                              const Command& command, Batch& batch) {
  if (ticket_id.empty()) {
    return InvalidArgument("ticket_id", absl::StrCat("Job event ", source.event_id(),
                                                     " does not say which ticket it is for."));
  }
  const AggregateKey key{kTicketAggregate, ticket_id};
  batch.Lock({key});
  absl::StatusOr<TicketView> view = LoadTicket(key);
  if (!view.ok()) return view.status();

  CommandMeta meta;
  meta.actor = Actor{kSystemUser, kSystemRole};
  meta.now = clock_.Now();
  meta.causation_id = source.event_id();
  meta.correlation_id =
      source.correlation_id().empty() ? source.event_id() : source.correlation_id();

  absl::StatusOr<std::vector<TicketEvent>> events = Decide(view->state, command, meta.now);
  if (!events.ok()) {
    Log().debug("reaction refused ticket={} source_event={} correlation_id={} error=\"{}\"",
                ticket_id, source.event_id(), meta.correlation_id,
                std::string(events.status().message()));
    return events.status();
  }
  if (events->empty()) return absl::OkStatus();
  absl::StatusOr<TicketView> after =
      Record(batch, key, *std::move(view), *events, meta, source.event_id());
  if (!after.ok()) return after.status();
  for (const TicketEvent& e : *events) {
    Log().info("ticket {} ticket={} version={} source_event={} correlation_id={}",
               EventName(e), ticket_id, after->version, source.event_id(), meta.correlation_id);
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------------------------- helpers

absl::StatusOr<TicketView> IntakeApp::LoadTicket(const AggregateKey& key) const {
  absl::StatusOr<std::vector<EventEnvelope>> stream = store_.ReadStream(key);
  if (!stream.ok()) return stream.status();
  TicketView view;
  for (const EventEnvelope& envelope : *stream) {
    if (envelope.payload_case() != EventEnvelope::kIntake) {
      return absl::DataLossError(absl::StrCat("Event ", envelope.event_id(), " of ticket ",
                                              key.id, " is not an intake event."));
    }
    absl::StatusOr<TicketEvent> event = DecodeTicketEvent(envelope.intake());
    if (!event.ok()) return event.status();
    view = Project(std::move(view), *event, envelope.aggregate_version(),
                   FromProto(envelope.server_time()));
  }
  return view;
}

absl::StatusOr<TicketView> IntakeApp::Record(Batch& batch, const AggregateKey& key,
                                             TicketView view,
                                             const std::vector<TicketEvent>& events,
                                             const CommandMeta& meta,
                                             std::string_view source_event_id) {
  std::vector<EventEnvelope> envelopes;
  envelopes.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EventEnvelope envelope = NewEnvelope(meta);
    *envelope.mutable_intake() = EncodeTicketEvent(events[i]);
    if (!source_event_id.empty()) {
      envelope.set_event_id(DeriveId(source_event_id, absl::StrCat("intake/", i + 1)));
    }
    envelopes.push_back(std::move(envelope));
  }
  if (absl::Status s = batch.Append(key, view.version, std::move(envelopes)); !s.ok()) return s;

  const TicketStatus before = view.state.status;
  for (const TicketEvent& e : events) {
    view = Project(std::move(view), e, view.version + 1, meta.now);
  }
  batch.Put(TicketProjectionKey(key.id), TicketViewToProto(view).SerializeAsString());
  if (view.state.status != before) {
    if (before != TicketStatus::kNone) {
      batch.Delete(absl::StrCat(TicketStateIndexPrefix(before), key.id));
    }
    batch.Put(absl::StrCat(TicketStateIndexPrefix(view.state.status), key.id), "");
  }
  return view;
}

}  // namespace fieldline::intake
