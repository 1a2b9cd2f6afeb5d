#pragma once

// What readers see of a ticket: its state plus the stream facts the decider does not need
// (version, when it was opened and last changed). Built by folding the ticket's events with the
// version and server time each one was recorded at; stored as the p/ticket/<id> projection.

#include <cstdint>

#include "absl/time/time.h"
#include "services/intake/domain/ticket.h"

namespace fieldline::intake {

struct TicketView {
  TicketState state;
  int64_t version = 0;
  absl::Time opened_at = absl::InfinitePast();
  absl::Time updated_at = absl::InfinitePast();
  friend bool operator==(const TicketView&, const TicketView&) = default;
};

// The view after `event`, recorded as version `version` at `recorded_at`.
TicketView Project(TicketView view, const TicketEvent& event, int64_t version,
                   absl::Time recorded_at);

}  // namespace fieldline::intake
