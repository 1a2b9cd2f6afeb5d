#include "services/intake/domain/ticket_view.h"

#include <utility>
#include <variant>

namespace fieldline::intake {

TicketView Project(TicketView view, const TicketEvent& event, int64_t version,
                   absl::Time recorded_at) {
  view.state = Evolve(std::move(view.state), event);
  view.version = version;
  if (std::holds_alternative<TicketOpened>(event)) view.opened_at = recorded_at;
  view.updated_at = recorded_at;
  return view;
}

}  // namespace fieldline::intake
