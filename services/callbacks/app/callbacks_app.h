#pragma once

// The callbacks application: reactions to intake's and scheduling's events that schedule the
// follow-up call (回访) after every completed job, and the queries the care desk uses.
//
// Storage (the service's own RocksDB, through EventStore):
//   e/Callback/<id>/...                    the Callback streams (events)
//   p/callback/<id>                        fieldline.callbacks.v1.Callback projection
//   x/ticket/<ticket_id>                   the ticket's customer (fieldline.common.v1.CustomerInfo)
//   x/callback_by_ticket/<ticket_id>/<id>  index: callbacks of a ticket (value: callback id)
//   x/callback_by_job/<job_id>/<id>        index: callbacks of a job (value: callback id)
//
// Locks: a reaction that touches the local ticket model holds the lock named
// AggregateKey{"Ticket", ticket_id}; one that changes a callback holds {"Callback", id}. A
// JobCompleted holds both, so a TicketOpened arriving at the same moment on the other topic
// either is seen by it or sees the callback it created.
//
// Threading: thread-safe; the store provides the locks. Ownership: borrows the store and the
// clock, which must outlive it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/callbacks/domain/callback.h"
#include "services/callbacks/domain/callback_policy.h"
#include "services/common/core/clock.h"
#include "services/common/store/event_store.h"

namespace fieldline::callbacks {

inline constexpr int32_t kDefaultPageSize = 50;
inline constexpr int32_t kMaxPageSize = 500;

// A callback as a query shows it: its state plus what is computed at query time.
struct CallbackView {
  CallbackState callback;
  bool overdue = false;
};

struct ListCallbacksQuery {
  std::string job_id;      // empty: all callbacks
  int32_t page_size = 0;   // 0: kDefaultPageSize; larger than kMaxPageSize: kMaxPageSize
  std::string page_token;  // the last callback id of the previous page
};

struct CallbackPage {
  std::vector<CallbackView> callbacks;  // in callback id order
  std::string next_page_token;          // empty on the last page
};

class CallbacksApp {
 public:
  CallbacksApp(EventStore& store, const Clock& clock, CallbackPolicy policy = {});

  // --- queries ---
  absl::StatusOr<CallbackView> GetCallback(std::string_view callback_id) const;
  absl::StatusOr<CallbackPage> ListCallbacks(const ListCallbacksQuery& query) const;

  // --- reactions (EventHandler) ---
  // intake TicketOpened: remember the ticket's customer and fill it into callbacks of the ticket
  // that were scheduled before it was known. scheduling JobCompleted: schedule the job's
  // callback unless it exists. Every other event: OK, nothing written.
  [[nodiscard]] absl::Status Apply(const EventEnvelope& event, Batch& batch);

 private:
  absl::Status OnTicketOpened(const EventEnvelope& source, Batch& batch);
  absl::Status OnJobCompleted(const EventEnvelope& source, Batch& batch);

  absl::StatusOr<CallbackState> LoadCallback(const AggregateKey& key) const;
  absl::StatusOr<std::vector<std::string>> CallbacksOfTicket(std::string_view ticket_id) const;
  absl::StatusOr<std::optional<CallbackState>> ReadProjection(std::string_view callback_id) const;

  EventStore& store_;
  const Clock& clock_;
  const CallbackPolicy policy_;
};

}  // namespace fieldline::callbacks
