#pragma once

// The intake application: opens tickets (commands from intake agents), moves them along as
// scheduling reports what happens to their jobs (reactions to scheduling's events) and as people
// command the rest of the lifecycle (remote fix, close, cancel, reopen, depot path); registers
// customers and their assets; answers queries from the projections and, for timelines and
// "as it was at", from the event streams.
//
// Storage, all in the service's EventStore:
//   e/Ticket/<id>/...                 the ticket's event stream (source of truth)
//   p/ticket/<id>                     fieldline.intake.v1.Ticket, the projection queries read
//   x/ticket_by_state/<state>/<id>    empty; lists tickets of one state in id order
//   x/ticket_by_customer/<cust>/<id>  empty; a customer's tickets (history)
//   e/Customer/<id>/..., p/customer/<id> (v1::Customer), x/customer_by_phone/<digits> → id
//   e/Asset/<id>/..., p/asset/<id> (v1::Asset), x/asset_by_customer/<cust>/<asset> (empty)
// Every event is written in the same batch as the projection and index entries it changes.
//
// Threading: thread-safe; commands run concurrently under the store's per-aggregate locks.
// Ownership: holds references to the store, clock and id generator, which must outlive it.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fieldline/common/v1/types.pb.h"
#include "fieldline/intake/v1/intake_service.pb.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/core/types.h"
#include "services/common/store/event_store.h"
#include "services/common/core/paging.h"
#include "services/intake/domain/complaint.h"
#include "services/intake/domain/customer.h"
#include "services/intake/domain/entitlement.h"
#include "services/intake/domain/sla.h"
#include "services/intake/domain/ticket.h"
#include "services/intake/domain/ticket_view.h"

namespace fieldline::intake {

inline constexpr char kTicketAggregate[] = "Ticket";
inline constexpr char kCustomerAggregate[] = "Customer";
inline constexpr char kAssetAggregate[] = "Asset";
inline constexpr char kComplaintAggregate[] = "Complaint";

// Policy values (DOMAIN.md: every default a company must be able to change).
struct IntakePolicy {
  EntitlementPolicy entitlement;
  absl::Duration store_repair_promise = absl::Hours(72);          // service centre: 1-3 days
  absl::Duration factory_return_promise = absl::Hours(24 * 30);   // factory: about 30 days
  absl::Duration complaint_first_response = absl::Hours(48);
  SlaPolicy sla;  // allowances (tier × priority, contracts), business calendar, warning fraction
  // A reached callback whose survey has an answer below this is dissatisfied: it does not close
  // the ticket (callbacks' CallbackDissatisfied opens a complaint and reopens it). Keep it equal
  // to callbacks' `dissatisfied_below`.
  int callback_dissatisfied_below = 3;
};

// One ticket of the SLA what-if.
struct SlaWhatIfLine {
  std::string ticket_id;
  std::vector<std::string> breached_now;      // clock names
  std::vector<std::string> breached_what_if;
};
struct SlaWhatIfResult {
  std::vector<SlaWhatIfLine> tickets;  // tickets with a breach under either policy, id order
  int64_t tickets_considered = 0;
  int64_t breaches_now = 0;
  int64_t breaches_what_if = 0;
  int64_t tickets_breached_now = 0;
  int64_t tickets_breached_what_if = 0;
  bool truncated = false;
};
using ::fieldline::kDefaultPageSize;
using ::fieldline::kMaxPageSize;

struct TicketListQuery {
  TicketStatus status = TicketStatus::kNone;  // kNone: every state
  int32_t page_size = 0;                      // 0: kDefaultPageSize; capped at kMaxPageSize
  std::string page_token;                     // the last ticket id of the previous page
  // Filters (empty / infinite: none); every given filter must match.
  std::string customer_id;
  std::string phone;  // compared by digits
  std::string technician_id;
  std::string category;
  absl::Time opened_from = absl::InfinitePast();     // inclusive
  absl::Time opened_before = absl::InfiniteFuture(); // exclusive
  // SLA risk: 0 none, 1 at risk (a clock warned or breached), 2 breached.
  int sla_risk = 0;
};

// ListComplaints (the care screen's "complaints to handle").
struct ComplaintListQuery {
  int state = 0;  // 0 all, 1 open (not closed), 2 closed
  std::string customer_id;
  std::string technician_id;
  bool first_response_overdue = false;  // open, not responded, first-response deadline passed
  int32_t page_size = 0;                // 0: kDefaultPageSize; capped at kMaxPageSize
  std::string page_token;               // the last complaint id of the previous page
};
struct ComplaintPage {
  std::vector<v1::Complaint> complaints;  // in complaint id order (the order registered)
  std::string next_page_token;            // empty on the last page
};

struct CustomerHistory {
  v1::Customer customer;
  std::vector<v1::Asset> assets;    // owned now, in asset id order
  std::vector<v1::Ticket> tickets;  // in ticket id order (= the order opened)
  std::vector<v1::Complaint> complaints;  // in complaint id order
};

struct TicketPage {
  std::vector<v1::Ticket> tickets;  // in ticket id order (UUIDv7: the order they were opened)
  std::string next_page_token;      // empty on the last page
};

class IntakeApp {
 public:
  IntakeApp(EventStore& store, const Clock& clock, IdGenerator& ids, IntakePolicy policy = {});

  // --- commands ---

  // Opens a ticket with a new id. A retry with the same request id returns the first answer
  // and writes nothing. Ack: {ticket id, version 1}.
  absl::StatusOr<common::v1::CommandAck> OpenTicket(const CommandMeta& meta,
                                                    const intake::OpenTicket& command);

  // The people-driven lifecycle commands. `expected_version` > 0: ABORTED unless the ticket is
  // at that version; 0: no check; < 0: INVALID_ARGUMENT. Depot promises come from the policy.
  absl::StatusOr<common::v1::CommandAck> ChangeTicket(const CommandMeta& meta,
                                                      int64_t expected_version,
                                                      TicketCommand command);

  // A new customer; ALREADY_EXISTS (phones[i]) naming the customer who has one of the phones.
  absl::StatusOr<common::v1::CommandAck> RegisterCustomer(const CommandMeta& meta,
                                                          const intake::RegisterCustomer& command);
  // Changes a customer's contact details (the fields the command names). expected_version as
  // for ChangeTicket; ALREADY_EXISTS (phones[i]) for another customer's phone.
  absl::StatusOr<common::v1::CommandAck> UpdateCustomer(const CommandMeta& meta,
                                                        int64_t expected_version,
                                                        const intake::UpdateCustomer& command);
  // The customer / complaint as it was at `as_of` (its events up to then, folded).
  absl::StatusOr<v1::Customer> GetCustomerAsOf(std::string_view customer_id,
                                               absl::Time as_of) const;
  absl::StatusOr<v1::Complaint> GetComplaintAsOf(std::string_view complaint_id,
                                                 absl::Time as_of) const;
  // A new asset of an existing customer; warranty default from the policy.
  absl::StatusOr<common::v1::CommandAck> RegisterAsset(const CommandMeta& meta,
                                                       const intake::RegisterAsset& command);
  absl::StatusOr<common::v1::CommandAck> TransferAsset(const CommandMeta& meta,
                                                       int64_t expected_version,
                                                       const intake::TransferAsset& command);

  // A new complaint; first response due after the policy's allowance.
  absl::StatusOr<common::v1::CommandAck> RegisterComplaint(
      const CommandMeta& meta, const intake::RegisterComplaint& command);
  // Notes, close, reopen; expected_version as for ChangeTicket. The close's actor role is taken
  // from `meta` (a sign-off needs a manager).
  absl::StatusOr<common::v1::CommandAck> ChangeComplaint(const CommandMeta& meta,
                                                         int64_t expected_version,
                                                         ComplaintCommand command);
  absl::StatusOr<v1::Complaint> GetComplaint(std::string_view complaint_id) const;
  // Complaints by state / customer / technician / first response overdue (as of the clock's
  // now), answered from x/complaint_by_* indexes, id order, cursor paging.
  absl::StatusOr<ComplaintPage> ListComplaints(const ComplaintListQuery& query) const;

  // One-time, idempotent fill of the indexes this build reads for data written by earlier
  // builds (ticket phone / technician / category / opening-time / SLA due and risk entries,
  // complaint state and technician entries). A marker key makes later starts skip it. Returns
  // how many tickets and complaints it indexed (0 when the marker was there).
  absl::StatusOr<int> BackfillIndexes();

  // --- SLA (issue 3 item 4) ---

  // Appends TicketSlaWarning / TicketSlaBreached for every clock whose warning or due time has
  // come by `now`, once per ticket and clock (request id derived from ticket, clock, kind and
  // due time; the ticket also remembers what it reported). Reads only the x/sla_due index up to
  // `now`, not every ticket. Returns how many tickets got new events.
  absl::StatusOr<int> SweepSla(absl::Time now);
  // The ticket's clocks as of `as_of` (InfiniteFuture: now), from its event history.
  absl::StatusOr<TicketSlaState> GetTicketSla(std::string_view ticket_id, absl::Time as_of) const;
  // Breaches of the tickets opened in [from, before) as of `as_of` under the current policy and
  // under `alternative`. INVALID_ARGUMENT (opened_before) for an empty period.
  absl::StatusOr<SlaWhatIfResult> SlaWhatIf(absl::Time from, absl::Time before,
                                            const SlaPolicy& alternative, absl::Time as_of,
                                            int max_tickets) const;
  const IntakePolicy& policy() const { return policy_; }

  // --- queries ---

  absl::StatusOr<v1::Customer> GetCustomer(std::string_view customer_id) const;
  absl::StatusOr<v1::Customer> FindCustomerByPhone(std::string_view phone) const;
  absl::StatusOr<CustomerHistory> GetCustomerHistory(std::string_view customer_id) const;
  absl::StatusOr<v1::Asset> GetAsset(std::string_view asset_id) const;
  // Who did what, when and why, from the aggregate's event stream (Ticket, Customer, Asset).
  absl::StatusOr<v1::Timeline> GetTimeline(std::string_view aggregate_type,
                                           std::string_view aggregate_id) const;
  // The ticket as it was at `as_of`: its events recorded up to then, folded.
  absl::StatusOr<v1::Ticket> GetTicketAsOf(std::string_view ticket_id, absl::Time as_of) const;

  // NOT_FOUND (field ticket_id) for an unknown ticket.
  absl::StatusOr<v1::Ticket> GetTicket(std::string_view ticket_id) const;
  absl::StatusOr<TicketPage> ListTickets(const TicketListQuery& query) const;

  // --- reactions ---

  // Applies one event of another service inside the consumer's batch (EventHandler contract:
  // locks what it changes, appends and puts, never commits). Scheduling's JobAssigned,
  // JobStarted and JobCompleted move the job's ticket along; callbacks' CallbackDissatisfied
  // opens a complaint (channel "callback") and reopens the ticket when the reopen rule allows;
  // every other event is ignored. Issue 3, third round: scheduling's JobArrived stops the on-site
  // clock (TicketTechnicianArrived); callbacks' CallbackScheduled records which ticket the
  // callback is for (x/ticket_by_callback), and CallbackReached with a satisfied survey,
  // CallbackFailed and CallbackExcluded close that ticket (TicketClosed with the outcome) when
  // it can be closed; from another state nothing is written and the reason is logged.
  absl::Status Apply(const EventEnvelope& event, Batch& batch);

 private:
  template <typename Command>
  absl::Status React(const EventEnvelope& source, const std::string& ticket_id,
                     const Command& command, Batch& batch);

  // CallbackDissatisfied: a complaint with an id derived from the source event (so a re-delivery
  // finds it and writes nothing), then ReopenTicket if the ticket's state allows it.
  absl::Status ReactToDissatisfiedCallback(const EventEnvelope& source, Batch& batch);

  // Callbacks' outcome for the ticket its CallbackScheduled named: closes it if it can.
  absl::Status ReactToCallbackOutcome(const EventEnvelope& source, const std::string& callback_id,
                                      const std::string& outcome, Batch& batch);

  // The ticket as its stream tells it (version 0 and kNone if it has no events).
  absl::StatusOr<TicketView> LoadTicket(const AggregateKey& key) const;

  // Appends `events` (as of `view`, whose version is the expected version) with the envelope
  // fields of `meta`, and puts the projection and index entries they change. Reactions pass
  // the causing event's id so the new events' ids derive from it ("intake/<first_index + i>").
  absl::StatusOr<TicketView> Record(Batch& batch, const AggregateKey& key, TicketView view,
                                    const std::vector<TicketEvent>& events,
                                    const CommandMeta& meta, std::string_view source_event_id,
                                    int first_index = 1);

  // Appends intake event payloads to any intake aggregate's stream.
  absl::Status AppendIntake(Batch& batch, const AggregateKey& key, int64_t expected_version,
                            const std::vector<v1::IntakeEvent>& payloads, const CommandMeta& meta,
                            std::string_view source_event_id, int first_index = 1);
  // The asset as its stream tells it, with its version.
  absl::StatusOr<std::pair<AssetState, int64_t>> LoadAsset(std::string_view asset_id) const;
  // The registered customer from its projection (unregistered state if none).
  absl::StatusOr<CustomerState> LoadCustomer(std::string_view customer_id) const;
  absl::StatusOr<std::vector<EventEnvelope>> ReadIntakeStream(const AggregateKey& key) const;
  // Whether the ticket passes every filter of the query (the SLA risk one reads its index).
  absl::StatusOr<bool> Matches(const TicketListQuery& query, const v1::Ticket& ticket) const;
  // Puts the ticket's list index entries for the change `before` → `after` (before = nullptr:
  // all of them, as the backfill does; every put is idempotent).
  void PutTicketIndexes(Batch& batch, const TicketState* before, const TicketView& after) const;
  // Puts the complaint projection and its index entries (before = nullptr: a new complaint or
  // the backfill).
  void PutComplaint(Batch& batch, const ComplaintState* before, const ComplaintState& after,
                    const v1::Complaint& projection) const;
  // The ticket's history with server times, plus `pending` events recorded at `now`.
  absl::StatusOr<std::vector<TimedTicketEvent>> TicketHistory(
      std::string_view ticket_id, const std::vector<TicketEvent>& pending = {},
      absl::Time now = absl::InfinitePast()) const;
  // Rewrites the ticket's x/sla_due entries (running clocks' warning and due times not yet
  // reported) and its SLA risk index entries, from `history` as of `now`.
  absl::Status RefreshSlaIndex(Batch& batch, const TicketState& state,
                               const std::vector<TimedTicketEvent>& history, absl::Time now) const;
  // A ticket id named by an inventory event's job (x/ticket_by_job), empty if none.
  absl::StatusOr<std::string> TicketOfJob(std::string_view job_id) const;
  absl::Status ReactToInventory(const EventEnvelope& event, Batch& batch);

  EventStore& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  const IntakePolicy policy_;
};

// Keys of the projection and of the by-state index (exposed for tests and tools).
std::string TicketProjectionKey(std::string_view ticket_id);
std::string TicketStateIndexPrefix(TicketStatus status);
std::string CustomerProjectionKey(std::string_view customer_id);
std::string AssetProjectionKey(std::string_view asset_id);
std::string CustomerPhoneIndexKey(std::string_view phone_digits);

}  // namespace fieldline::intake
