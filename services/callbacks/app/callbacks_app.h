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
//   e/Reminder/<id>/...                    the Reminder streams (events)
//   p/reminder/<id>                        fieldline.callbacks.v1.Reminder projection
//   x/asset/<asset_id>                     fieldline.callbacks.v1.AssetFact (owner, model)
//   x/reminder_by_asset/<asset_id>/<id>    index: reminders of an asset
//   x/reminder_pending/<remind_at>/<id>    index: reminders waiting to fall due (time-ordered)
//   x/reminder_due/<remind_at>/<id>        index: fallen due, no outcome yet (the due list)
//   x/maintenance_due/<remind_at>/<id>     index: maintenance reminders by time (KPIs)
//   x/arrival/<arrived_at>/<job_id>        scheduling.v1.JobArrived (on-time arrival KPI)
//   p/monthly_report/<YYYY-MM>             fieldline.callbacks.v1.MonthlyReport, stored on the 1st
//
// Locks: a reaction that touches the local ticket model holds the lock named
// AggregateKey{"Ticket", ticket_id}; one that changes a callback holds {"Callback", id}. A
// JobCompleted holds both, so a TicketOpened arriving at the same moment on the other topic
// either is seen by it or sees the callback it created.
//
// Threading: thread-safe; the store provides the locks. Ownership: borrows the store and the
// clock, which must outlive it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/callbacks/domain/callback.h"
#include "services/callbacks/domain/callback_policy.h"
#include "services/callbacks/domain/care_message.h"
#include "services/callbacks/domain/early_warning.h"
#include "services/callbacks/domain/kpis.h"
#include "services/callbacks/domain/monthly_report.h"
#include "services/callbacks/domain/reminder.h"
#include "fieldline/callbacks/v1/callbacks_service.pb.h"
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

// A reminder as a query shows it: the customer is the asset's current owner.
struct ReminderView {
  ReminderState reminder;
  bool overdue = false;
};

struct ListRemindersQuery {
  std::string asset_id;  // empty: all reminders (ListReminders only)
  ReminderKind kind = ReminderKind::kUnspecified;  // ListDueReminders: unspecified = every kind
  int32_t page_size = 0;
  std::string page_token;
};

struct ReminderPage {
  std::vector<ReminderView> reminders;
  std::string next_page_token;  // empty on the last page
};

struct KpiReport {
  Period period;
  CallbackSuccess callback_success;
  std::optional<double> callback_completion;  // success ÷ target, percent
  FieldServiceKpis field_service;
  std::optional<CompositeResult> composite;
  // Maintenance-reminder arrival over the rolling six calendar months ending with the period's
  // last month: customers due a maintenance reminder who came in ÷ customers due.
  Period maintenance_window;
  Ratio maintenance_arrival;
  std::optional<double> maintenance_completion;  // arrival ÷ target (80 %), percent
  // Scheduling's JobArrived in the period (the technician's, or all): on time ÷ arrivals.
  Ratio on_time_arrival;
  // Inventory in the period: units reserved from stock at once ÷ units asked for (reserved at
  // once + backordered). Company-wide.
  Ratio parts_fill;
  // ---- KPIs (app/kpis.cc)
  SlaAttainment sla;                 // per promise; on site / resolution per technician
  Ratio churn;                       // as of the period's end; company-wide
  Ratio complaint_handling;          // registered in the period, closed by its end
  std::optional<double> complaint_completion;  // handling ÷ target (100 %), percent
  std::vector<std::string> agents;       // agents with callbacks owed in the period (any scope)
  std::vector<std::string> technicians;  // technicians with jobs completed in the period
};

// ---- KPIs: early warnings
struct EarlyWarningQuery {
  std::optional<PeriodKind> period;  // only warnings whose period lies within this one; none: all
  int year = 0;
  int number = 0;
  int32_t page_size = 0;   // 0: kDefaultPageSize; larger than kMaxPageSize: kMaxPageSize
  std::string page_token;  // next_page_token of the previous page
};

struct EarlyWarningPage {
  std::vector<EarlyWarningRaised> warnings;  // by period start, then id
  std::string next_page_token;               // empty on the last page
};

// ---- Care (app/care.cc)
struct ListCareMessagesQuery {
  std::optional<MessageStatus> status;  // nullopt: every status
  int32_t page_size = 0;                // 0: kDefaultPageSize; capped at kMaxPageSize
  std::string page_token;               // the last message id of the previous page
};
struct CareMessagePage {
  std::vector<CareMessageState> messages;  // in message id order
  std::string next_page_token;             // empty on the last page
};
// A campaign (as stored) and its counts; delivered / failed / reached read at query time.
struct CampaignView {
  v1::CampaignLaunched launched;
  int targeted = 0;
  int created = 0;
  int skipped = 0;
  int delivered = 0;
  int failed = 0;
  int reached = 0;
};
struct CampaignPage {
  std::vector<CampaignView> campaigns;  // in campaign id order
  std::string next_page_token;
};
struct CareHistory {
  std::string customer_id;
  std::vector<CareMessageState> messages;      // by scheduled time
  std::vector<CallbackState> callbacks;        // delivery, installation and campaign callbacks
  std::vector<HomeVisitRecorded> home_visits;  // by visit time
};
// The care rate of a period (company-wide) with its parts.
struct CareKpis {
  CareRate rate;
  double completion = 0;  // rate ÷ target (95 %), percent
  int64_t greetings_delivered = 0;
  int64_t home_visits = 0;
};

class CallbacksApp {
 public:
  CallbacksApp(EventStore& store, const Clock& clock, CallbackPolicy policy = {},
               KpiPolicy kpi_policy = {}, ReminderPolicy reminder_policy = {});

  const Clock& clock() const { return clock_; }

  // --- commands (idempotent by meta.request_id; expected versions checked) ---
  absl::StatusOr<common::v1::CommandAck> Assign(const CommandMeta& meta,
                                                const AssignCallback& command);
  absl::StatusOr<common::v1::CommandAck> RecordAttempt(const CommandMeta& meta,
                                                       const RecordCallbackAttempt& command);

  // What a reminder call came to; the agent is meta.actor.
  absl::StatusOr<common::v1::CommandAck> RecordReminderOutcome(
      const CommandMeta& meta, const callbacks::RecordReminderOutcome& command);

  // The ticker: every reminder whose remind_at is at or before `now` falls due (request id
  // derived from the reminder, so a rerun changes nothing). Returns how many fell due.
  absl::StatusOr<int> FallDueReminders(absl::Time now);

  absl::StatusOr<ReminderView> GetReminder(std::string_view reminder_id) const;
  // An asset's reminders (or all), in id order.
  absl::StatusOr<ReminderPage> ListReminders(const ListRemindersQuery& query) const;
  // Fallen due and without an outcome, earliest remind_at first; optionally one kind.
  absl::StatusOr<ReminderPage> ListDueReminders(const ListRemindersQuery& query) const;

  // An agent's open callbacks: overdue first, then higher priority, then earlier due time.
  // INVALID_ARGUMENT "agent_id" when empty.
  absl::StatusOr<std::vector<CallbackView>> ListDueCallbacks(std::string_view agent_id) const;

  // DOMAIN §5 KPIs recomputed from the stored callbacks and ticket facts.
  absl::StatusOr<KpiReport> GetKpis(const KpiQuery& query) const;

  // The company's report for (year, month); year and month 0: the month before the current
  // local month (the report due on the 1st). INVALID_ARGUMENT "number"/"year" for a bad month.
  absl::StatusOr<MonthlyReport> GetMonthlyReport(int year, int month) const;

  // The ticker on the 1st: produces and stores (p/monthly_report/<YYYY-MM>) the report of the
  // month before `now`'s local month, once (request id derived from the month; a rerun or a
  // later tick in the same month changes nothing). Returns whether this call stored it.
  absl::StatusOr<bool> ProduceMonthlyReport(absl::Time now);
  // The stored report of (year, month) (0/0: the month before the current one), if produced.
  absl::StatusOr<std::optional<v1::MonthlyReport>> StoredMonthlyReport(int year, int month) const;

  // ---- KPIs: at start, index the completed jobs and ticket openings this service recorded
  // before the KPI time indexes existed (from the callback projections and ticket facts), so the
  // field-service KPIs of earlier periods are recomputed too. Idempotent; returns how many jobs
  // it indexed.
  absl::StatusOr<int> BackfillKpiIndexes();
  // ---- KPIs: early warnings raised, by period start (app/early_warnings.cc). INVALID_ARGUMENT
  // "number"/"year" for a bad period, "page_size" for a negative page size.
  absl::StatusOr<EarlyWarningPage> ListEarlyWarnings(const EarlyWarningQuery& query) const;

  // ---- Care (app/care.cc). Commands are idempotent by meta.request_id; ids of new aggregates
  // are derived from it unless given. The care policy must be set before the app is used.
  void SetCarePolicy(CarePolicy policy) { care_policy_ = std::move(policy); }
  const CarePolicy& care_policy() const { return care_policy_; }
  // A care message to a known customer (not birthday): NOT_FOUND "customer_id" when unknown;
  // consent and the frequency cap decide whether it is scheduled or skipped.
  absl::StatusOr<common::v1::CommandAck> SendCareMessage(const CommandMeta& meta,
                                                         ScheduleCareMessage command);
  absl::StatusOr<common::v1::CommandAck> ReportMessageSent(const CommandMeta& meta,
                                                           const RecordMessageSent& command);
  absl::StatusOr<common::v1::CommandAck> ReportMessageDelivery(
      const CommandMeta& meta, const RecordMessageDelivery& command);
  // Evaluates the segment on this service's own facts and creates the callbacks or messages.
  absl::StatusOr<common::v1::CommandAck> RunCampaign(const CommandMeta& meta,
                                                     LaunchCampaign command);
  absl::StatusOr<common::v1::CommandAck> FileClubEvent(const CommandMeta& meta,
                                                       RecordClubEvent command);
  absl::StatusOr<common::v1::CommandAck> AddWebsiteUpdate(const CommandMeta& meta,
                                                          RecordWebsiteUpdate command);
  absl::StatusOr<common::v1::CommandAck> AddLoungeScore(const CommandMeta& meta,
                                                        RecordLoungeScore command);
  absl::StatusOr<common::v1::CommandAck> AddHomeVisit(const CommandMeta& meta,
                                                      RecordHomeVisit command);
  // The birthday ticker: on a working day, the greetings of today's birthdays (and of the
  // non-working days after it), scheduled for the start of the working day, due 2 h later.
  // Idempotent (ids derived from customer and year). Returns how many messages it created.
  absl::StatusOr<int> CreateBirthdayGreetings(absl::Time now);
  absl::StatusOr<CareMessagePage> ListCareMessages(const ListCareMessagesQuery& query) const;
  absl::StatusOr<CampaignPage> ListCampaigns(int32_t page_size, std::string_view page_token) const;
  absl::StatusOr<CareHistory> GetCustomerCareHistory(std::string_view customer_id) const;
  // The care-rate inputs of `period` from the recorded facts (club events held, greetings
  // delivered, home visits, website updates, mean lounge score), and the care rate itself.
  absl::StatusOr<CareInputs> CareInputsFor(const Period& period) const;
  absl::StatusOr<CareKpis> CareKpisFor(const Period& period) const;

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
  // scheduling JobArrived: the arrival fact for the on-time KPI (x/arrival/<time>/<job_id>).
  absl::Status OnJobArrived(const EventEnvelope& source, Batch& batch);
  // inventory PartsReserved / PartsBackordered: the fill fact (x/parts_fill/<time>/<event_id>).
  absl::Status OnPartsAnswer(const EventEnvelope& source, Batch& batch);
  absl::StatusOr<Ratio> PartsFillRate(const Period& period) const;
  absl::StatusOr<Ratio> OnTimeArrival(const Period& period, std::string_view technician_id) const;
  // intake AssetRegistered: remember the asset; schedule its first-maintenance, warranty and
  // contract reminders. AssetOwnershipTransferred: the asset's new owner.
  absl::Status OnAssetRegistered(const EventEnvelope& source, Batch& batch);
  absl::Status OnAssetOwnershipTransferred(const EventEnvelope& source, Batch& batch);
  // What a completed job does to reminders when it is a maintenance visit on a known asset (its
  // ticket's category is one of the policy's maintenance categories): the asset's reminders
  // answered ("came in") and the next regular maintenance. asset_id empty: nothing.
  struct MaintenancePlan {
    std::string asset_id;
    std::string ticket_customer_id;
    absl::Time completed_at = absl::InfinitePast();
    absl::Time next_due = absl::InfinitePast();
    std::string next_id;                    // the next regular-maintenance reminder
    std::vector<std::string> reminder_ids;  // the asset's reminders, next_id excluded
    std::vector<AggregateKey> Locks() const;
  };
  absl::StatusOr<MaintenancePlan> PlanMaintenanceVisit(const EventEnvelope& source) const;
  // Under the plan's locks: came in for the open maintenance reminders, the next one scheduled.
  absl::Status OnMaintenanceVisit(const EventEnvelope& source, const MaintenancePlan& first_look,
                                  Batch& batch);
  // Appends `events` to reminder `before` with ids derived from `source` (or fresh ones when
  // `source` is null), and writes the projection and index changes.
  absl::Status AppendReminder(const ReminderState& before, const std::vector<ReminderEvent>& events,
                              const CommandMeta& meta, const EventEnvelope* source, Batch& batch);
  absl::StatusOr<ReminderState> LoadReminder(std::string_view reminder_id) const;
  // Maintenance reminders whose remind_at lies in `window` (x/maintenance_due/ time index).
  absl::StatusOr<std::vector<MaintenanceFact>> MaintenanceFactsDueIn(const Period& window) const;
  absl::StatusOr<std::optional<ReminderView>> ReadReminderView(std::string_view reminder_id,
                                                               absl::Time now) const;
  // Schedules the callback `command` asks for, unless it exists: customer and key-account tier
  // from the local models, event derived from `source`, projection and indexes in `batch`.
  absl::Status ScheduleFrom(const EventEnvelope& source, ScheduleCallbackForCompletedJob command,
                            Batch& batch, std::vector<AggregateKey> extra_locks = {});

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

  // ---- KPIs (app/kpis.cc, app/early_warnings.cc)
  // intake's SLA stops and breaches, TicketScheduled (the ticket's technician), complaints;
  // every other intake event: OK, nothing written.
  absl::Status OnKpiIntakeEvent(const EventEnvelope& source, Batch& batch);
  // The SLA clocks `source` stops (x/sla/, x/sla_at/); the caller holds the ticket's lock.
  absl::Status RecordSlaStops(const EventEnvelope& source, Batch& batch);
  // scheduling JobCompleted: x/job_done/<time>/<job> and x/jobs_by_ticket/<ticket>/<job>.
  absl::Status RecordJobDone(const EventEnvelope& source, Batch& batch);
  // scheduling JobWaitingForParts / inventory PartsBackordered: x/job_waited/<job_id>.
  absl::Status RecordPartsWait(const EventEnvelope& source, Batch& batch);
  // Jobs completed in `period` and every job that may be their repeat visit, read by time.
  absl::StatusOr<std::vector<JobFact>> JobFactsFor(const Period& period) const;
  // SLA, churn and complaint handling into `report`.
  absl::Status FillSessionKpis(const KpiQuery& query, const Period& period,
                               KpiReport& report) const;
  // A TicketOpened's fault on a product model, looked at before locking.
  struct FaultPlan {
    std::string ticket_id;
    std::string model;     // empty: the ticket names no known asset; nothing to count
    std::string category;
    absl::Time opened_at = absl::InfinitePast();
    std::vector<AggregateKey> Locks() const;
  };
  absl::StatusOr<FaultPlan> PlanFault(const EventEnvelope& source) const;
  // The monthly report's details: the company's other KPIs, per agent / team (policy teams) /
  // technician, early warnings raised in the month.
  absl::StatusOr<ReportDetails> ReportDetailsFor(const KpiReport& company, int year,
                                                 int month) const;
  // Under the plan's locks: the ticket's opening indexed (x/ticket_open_at/), the fault counted
  // (x/fault/) and EarlyWarningRaised for every period whose threshold it reaches.
  absl::Status RecordFault(const EventEnvelope& source, const FaultPlan& plan, Batch& batch);

  // ---- Care (app/care.cc)
  // intake CustomerRegistered / CustomerUpdated: x/care_customer/ and the birthday index.
  absl::Status OnCareCustomer(const EventEnvelope& source, Batch& batch);
  // intake AssetRegistered, after OnAssetRegistered (runs under its locks; takes none): the
  // delivered / installed product's callback when the date is recent.
  absl::Status OnCareAsset(const EventEnvelope& source, Batch& batch);
  // scheduling JobCompleted, after OnJobCompleted: the customer's visit (x/care_visit/).
  absl::Status OnCareVisit(const EventEnvelope& source, Batch& batch);
  absl::StatusOr<CareMessageState> LoadCareMessage(std::string_view message_id) const;
  // Load, decide, append under the message's lock, idempotent by meta.request_id.
  absl::StatusOr<common::v1::CommandAck> RunCareMessageCommand(
      const CommandMeta& meta, std::string_view message_id,
      const std::function<absl::StatusOr<std::vector<CareMessageEvent>>(const CareMessageState&)>&
          decide);
  absl::Status AppendCareMessage(const CareMessageState& before,
                                 const std::vector<CareMessageEvent>& events,
                                 const CommandMeta& meta, Batch& batch);
  absl::Status AppendCareCallback(const CallbackState& before,
                                  const std::vector<CallbackEvent>& events,
                                  std::string_view customer_id, const CommandMeta& meta,
                                  const EventEnvelope* source, Batch& batch);
  absl::StatusOr<std::vector<absl::Time>> CareContacts(std::string_view customer_id) const;
  absl::StatusOr<std::optional<v1::CareCustomerFact>> CareCustomer(
      std::string_view customer_id) const;
  absl::StatusOr<std::vector<CustomerProfile>> CustomerProfiles() const;
  template <typename Command>
  absl::StatusOr<common::v1::CommandAck> AddCareRecord(const CommandMeta& meta, Command command);
  CarePolicy care_policy_;

  EventStore& store_;
  const Clock& clock_;
  const CallbackPolicy policy_;
  const KpiPolicy kpi_policy_;
  const ReminderPolicy reminder_policy_;
};

}  // namespace fieldline::callbacks
