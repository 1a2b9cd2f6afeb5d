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
//   x/due_by_agent/<agent_id>/<id>         index: open callbacks assigned to an agent
//   x/ticket_fact/<ticket_id>              fieldline.callbacks.v1.TicketFact (for the KPIs)
//   x/customer_tier/<customer_id>          the customer's tier (intake CustomerTier number)
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
#include "services/callbacks/domain/kpis.h"
#include "services/callbacks/domain/monthly_report.h"
#include "fieldline/common/v1/types.pb.h"
#include "services/common/core/clock.h"
#include "services/common/store/event_store.h"
#include "services/common/core/paging.h"

namespace fieldline::callbacks {

using ::fieldline::kDefaultPageSize;
using ::fieldline::kMaxPageSize;

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

// Which KPIs, for which period and scope.
struct KpiQuery {
  PeriodKind period = PeriodKind::kMonth;
  int year = 0;
  int number = 0;                       // month or quarter; ignored for a year
  std::string agent_id;                 // one agent, or
  std::vector<std::string> team;        // a team's agents; both empty: the company
  std::string technician_id;            // field-service KPIs of one technician; empty: all
  // The composite's other completions (percent), when known; the composite is computed only
  // when all four are given.
  std::optional<double> profit_completion;
  std::optional<double> maintenance_completion;
  std::optional<double> complaint_completion;
  std::optional<double> care_completion;
};

struct KpiReport {
  Period period;
  CallbackSuccess callback_success;
  std::optional<double> callback_completion;  // success ÷ target, percent
  FieldServiceKpis field_service;
  std::optional<CompositeResult> composite;
};

class CallbacksApp {
 public:
  CallbacksApp(EventStore& store, const Clock& clock, CallbackPolicy policy = {},
               KpiPolicy kpi_policy = {});

  const Clock& clock() const { return clock_; }

  // --- commands (idempotent by meta.request_id; expected versions checked) ---
  absl::StatusOr<common::v1::CommandAck> Assign(const CommandMeta& meta,
                                                const AssignCallback& command);
  absl::StatusOr<common::v1::CommandAck> RecordAttempt(const CommandMeta& meta,
                                                       const RecordCallbackAttempt& command);

  // An agent's open callbacks: overdue first, then higher priority, then earlier due time.
  // INVALID_ARGUMENT "agent_id" when empty.
  absl::StatusOr<std::vector<CallbackView>> ListDueCallbacks(std::string_view agent_id) const;

  // DOMAIN §5 KPIs recomputed from the stored callbacks and ticket facts.
  absl::StatusOr<KpiReport> GetKpis(const KpiQuery& query) const;

  // The company's report for (year, month); year and month 0: the month before the current
  // local month (the report due on the 1st). INVALID_ARGUMENT "number"/"year" for a bad month.
  absl::StatusOr<MonthlyReport> GetMonthlyReport(int year, int month) const;

  // --- queries ---
  absl::StatusOr<CallbackView> GetCallback(std::string_view callback_id) const;
  absl::StatusOr<CallbackPage> ListCallbacks(const ListCallbacksQuery& query) const;

  // --- reactions (EventHandler) ---
  // intake TicketOpened: remember the ticket's customer and fill it into callbacks of the ticket
  // that were scheduled before it was known. scheduling JobCompleted: schedule the job's
  // callback unless it exists (48 h; a key account's: key-account delay, high priority).
  // intake TicketResolvedRemotely: schedule the ticket's remote-fix callback (next day).
  // intake CustomerRegistered: remember the customer's tier. Every other event: OK, nothing
  // written.
  [[nodiscard]] absl::Status Apply(const EventEnvelope& event, Batch& batch);

 private:
  absl::Status OnTicketOpened(const EventEnvelope& source, Batch& batch);
  absl::Status OnJobCompleted(const EventEnvelope& source, Batch& batch);
  absl::Status OnTicketResolvedRemotely(const EventEnvelope& source, Batch& batch);
  absl::Status OnCustomerRegistered(const EventEnvelope& source, Batch& batch);
  // Schedules the callback `command` asks for, unless it exists: customer and key-account tier
  // from the local models, event derived from `source`, projection and indexes in `batch`.
  absl::Status ScheduleFrom(const EventEnvelope& source, ScheduleCallbackForCompletedJob command,
                            Batch& batch);

  absl::StatusOr<CallbackState> LoadCallback(const AggregateKey& key) const;
  absl::StatusOr<std::vector<std::string>> CallbacksOfTicket(std::string_view ticket_id) const;
  absl::StatusOr<std::optional<CallbackState>> ReadProjection(std::string_view callback_id) const;
  absl::StatusOr<std::optional<common::v1::CustomerInfo>> ReadCustomer(
      std::string_view ticket_id) const;
  // Runs a command on one callback: load, decide, append with the loaded version, projection
  // and due index in the same batch.
  template <typename DecideFn>
  absl::StatusOr<common::v1::CommandAck> RunCommand(const CommandMeta& meta,
                                                    std::string_view callback_id,
                                                    const DecideFn& decide);

  EventStore& store_;
  const Clock& clock_;
  const CallbackPolicy policy_;
  const KpiPolicy kpi_policy_;
};

}  // namespace fieldline::callbacks
