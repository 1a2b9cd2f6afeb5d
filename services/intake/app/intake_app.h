#pragma once

// The intake application: opens tickets (commands from intake agents), moves them along as
// scheduling reports what happens to their jobs (reactions to scheduling's events), and answers
// queries from the ticket projection.
//
// Storage, all in the service's EventStore:
//   e/Ticket/<id>/...                 the ticket's event stream (source of truth)
//   p/ticket/<id>                     fieldline.intake.v1.Ticket, the projection queries read
//   x/ticket_by_state/<state>/<id>    empty; lists tickets of one state in id order
// Every event is written in the same batch as the projection and index entries it changes.
//
// Threading: thread-safe; commands run concurrently under the store's per-aggregate locks.
// Ownership: holds references to the store, clock and id generator, which must outlive it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/intake/v1/intake_service.pb.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/core/types.h"
#include "services/common/store/event_store.h"
#include "services/intake/domain/ticket.h"
#include "services/intake/domain/ticket_view.h"

namespace fieldline::intake {

inline constexpr char kTicketAggregate[] = "Ticket";
inline constexpr int32_t kDefaultPageSize = 50;
inline constexpr int32_t kMaxPageSize = 500;

struct TicketListQuery {
  TicketStatus status = TicketStatus::kNone;  // kNone: every state
  int32_t page_size = 0;                      // 0: kDefaultPageSize; capped at kMaxPageSize
  std::string page_token;                     // the last ticket id of the previous page
};

struct TicketPage {
  std::vector<v1::Ticket> tickets;  // in ticket id order (UUIDv7: the order they were opened)
  std::string next_page_token;      // empty on the last page
};

class IntakeApp {
 public:
  IntakeApp(EventStore& store, const Clock& clock, IdGenerator& ids);

  // --- commands ---

  // Opens a ticket with a new id. A retry with the same request id returns the first answer
  // and writes nothing. Ack: {ticket id, version 1}.
  absl::StatusOr<common::v1::CommandAck> OpenTicket(const CommandMeta& meta,
                                                    const intake::OpenTicket& command);

  // --- queries ---

  // NOT_FOUND (field ticket_id) for an unknown ticket.
  absl::StatusOr<v1::Ticket> GetTicket(std::string_view ticket_id) const;
  absl::StatusOr<TicketPage> ListTickets(const TicketListQuery& query) const;

  // --- reactions ---

  // Applies one event of another service inside the consumer's batch (EventHandler contract:
  // locks what it changes, appends and puts, never commits). Scheduling's JobAssigned,
  // JobStarted and JobCompleted move the job's ticket along; every other event is ignored.
  absl::Status Apply(const EventEnvelope& event, Batch& batch);

 private:
  template <typename Command>
  absl::Status React(const EventEnvelope& source, const std::string& ticket_id,
                     const Command& command, Batch& batch);

  // The ticket as its stream tells it (version 0 and kNone if it has no events).
  absl::StatusOr<TicketView> LoadTicket(const AggregateKey& key) const;

  // Appends `events` (as of `view`, whose version is the expected version) with the envelope
  // fields of `meta`, and puts the projection and index entries they change. Reactions pass
  // the causing event's id so the new events' ids derive from it.
  absl::StatusOr<TicketView> Record(Batch& batch, const AggregateKey& key, TicketView view,
                                    const std::vector<TicketEvent>& events,
                                    const CommandMeta& meta, std::string_view source_event_id);

  EventStore& store_;
  const Clock& clock_;
  IdGenerator& ids_;
};

// Keys of the projection and of the by-state index (exposed for tests and tools).
std::string TicketProjectionKey(std::string_view ticket_id);
std::string TicketStateIndexPrefix(TicketStatus status);

}  // namespace fieldline::intake
