#include "services/callbacks/adapters/grpc_service.h"

#include <string>

#include "services/callbacks/adapters/early_warning_codec.h"
#include "services/callbacks/adapters/care_codec.h"
#include "services/callbacks/adapters/event_codec.h"
#include "services/callbacks/adapters/reminder_codec.h"
#include "services/common/core/errors.h"
#include "services/common/store/event_store.h"

namespace fieldline::callbacks {
namespace {

v1::Callback ToProto(const CallbackView& view) {
  v1::Callback out = EncodeCallback(view.callback);
  out.set_overdue(view.overdue);
  return out;
}

absl::StatusOr<CommandMeta> MetaOf(const std::string& request_id, const Actor& actor,
                                   const Clock& clock) {
  if (request_id.empty()) {
    return InvalidArgument("request_id",
                           "Every change needs a request id, so that a retry does not repeat it.");
  }
  CommandMeta meta;
  meta.request_id = request_id;
  meta.actor = actor;
  meta.now = clock.Now();
  meta.correlation_id = request_id;  // a command from a person starts its own correlation
  return meta;
}

absl::Status Respond(absl::StatusOr<common::v1::CommandAck> result,
                     common::v1::CommandAck* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

absl::StatusOr<PeriodKind> PeriodKindOf(v1::PeriodKind kind) {
  switch (kind) {
    case v1::PERIOD_KIND_MONTH:
      return PeriodKind::kMonth;
    case v1::PERIOD_KIND_QUARTER:
      return PeriodKind::kQuarter;
    case v1::PERIOD_KIND_YEAR:
      return PeriodKind::kYear;
    default:
      return InvalidArgument("period", "Say whether the period is a month, a quarter or a year.");
  }
}

void ToProto(const Ratio& ratio, v1::Ratio* out) {
  out->set_numerator(ratio.numerator);
  out->set_denominator(ratio.denominator);
  if (std::optional<double> percent = ratio.Percent()) out->set_percent(*percent);
}

v1::Reminder ToProto(const ReminderView& view) {
  v1::Reminder out = EncodeReminder(view.reminder);
  out.set_overdue(view.overdue);
  return out;
}

void ToProto(const ReminderPage& page, v1::ListRemindersResponse* response) {
  for (const ReminderView& view : page.reminders) *response->add_reminders() = ToProto(view);
  response->set_next_page_token(page.next_page_token);
}

}  // namespace

CallbacksGrpcService::CallbacksGrpcService(CallbacksApp& app, const TokenVerifier& verifier)
    : app_(app), verifier_(verifier) {}

grpc::Status CallbacksGrpcService::GetCallback(grpc::ServerContext* context,
                                               const v1::GetCallbackRequest* request,
                                               v1::Callback* response) {
  return Guarded(context, verifier_, {"care", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CallbackView> view = app_.GetCallback(request->callback_id());
                   if (!view.ok()) return view.status();
                   *response = ToProto(*view);
                   return absl::OkStatus();
                 });
}

grpc::Status CallbacksGrpcService::ListCallbacks(grpc::ServerContext* context,
                                                 const v1::ListCallbacksRequest* request,
                                                 v1::ListCallbacksResponse* response) {
  return Guarded(context, verifier_, {"care", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   const ListCallbacksQuery query{
                       .job_id = request->job_id(),
                       .page_size = request->page_size(),
                       .page_token = request->page_token(),
                   };
                   absl::StatusOr<CallbackPage> page = app_.ListCallbacks(query);
                   if (!page.ok()) return page.status();
                   for (const CallbackView& view : page->callbacks) {
                     *response->add_callbacks() = ToProto(view);
                   }
                   response->set_next_page_token(page->next_page_token);
                   return absl::OkStatus();
                 });
}

grpc::Status CallbacksGrpcService::AssignCallback(grpc::ServerContext* context,
                                                  const v1::AssignCallbackRequest* request,
                                                  common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, app_.clock());
                   if (!meta.ok()) return meta.status();
                   // A care agent may take a callback on, not hand it to someone else.
                   if (actor.role == "care" && request->agent_id() != actor.user_id) {
                     return PermissionDenied(
                         "A care agent can assign a callback only to themselves; ask a manager "
                         "to assign it to someone else.");
                   }
                   const callbacks::AssignCallback command{
                       .callback_id = request->callback_id(),
                       .agent_id = request->agent_id(),
                       .expected_version = request->expected_version(),
                   };
                   return Respond(app_.Assign(*meta, command), response);
                 });
}

grpc::Status CallbacksGrpcService::RecordCallbackAttempt(
    grpc::ServerContext* context, const v1::RecordCallbackAttemptRequest* request,
    common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, app_.clock());
                   if (!meta.ok()) return meta.status();
                   callbacks::RecordCallbackAttempt command{
                       .callback_id = request->callback_id(),
                       .outcome = DecodeOutcome(request->outcome()),
                       .note = request->note(),
                       .expected_version = request->expected_version(),
                   };
                   if (request->has_survey()) command.survey = DecodeSurvey(request->survey());
                   return Respond(app_.RecordAttempt(*meta, command), response);
                 });
}

grpc::Status CallbacksGrpcService::ListDueCallbacks(grpc::ServerContext* context,
                                                    const v1::ListDueCallbacksRequest* request,
                                                    v1::ListDueCallbacksResponse* response) {
  return Guarded(context, verifier_, {"care", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   const std::string agent_id =
                       request->agent_id().empty() ? actor.user_id : request->agent_id();
                   absl::StatusOr<std::vector<CallbackView>> views =
                       app_.ListDueCallbacks(agent_id);
                   if (!views.ok()) return views.status();
                   for (const CallbackView& view : *views) *response->add_callbacks() = ToProto(view);
                   return absl::OkStatus();
                 });
}

grpc::Status CallbacksGrpcService::GetKpis(grpc::ServerContext* context,
                                           const v1::GetKpisRequest* request, v1::Kpis* response) {
  return Guarded(
      context, verifier_, {"manager", "admin"}, [&](const Actor& actor) -> absl::Status {
        KpiQuery query;
        // ---- KPIs: the same period rule as ListEarlyWarnings.
        absl::StatusOr<PeriodKind> kind = PeriodKindOf(request->period());
        if (!kind.ok()) return kind.status();
        query.period = *kind;
        query.year = request->year();
        query.number = request->number();
        query.agent_id = request->agent_id();
        query.team = {request->team_agent_ids().begin(), request->team_agent_ids().end()};
        query.technician_id = request->technician_id();
        if (request->has_profit_completion()) query.profit_completion = request->profit_completion();
        if (request->has_maintenance_completion()) {
          query.maintenance_completion = request->maintenance_completion();
        }
        if (request->has_complaint_completion()) {
          query.complaint_completion = request->complaint_completion();
        }
        if (request->has_care_completion()) query.care_completion = request->care_completion();
        absl::StatusOr<KpiReport> report = app_.GetKpis(query);
        if (!report.ok()) return report.status();
        fieldline::ToProto(report->period.start, response->mutable_period_start());
        fieldline::ToProto(report->period.end, response->mutable_period_end());
        ToProto(report->callback_success.rate, response->mutable_callback_success());
        if (report->callback_completion) {
          response->set_callback_completion(*report->callback_completion);
        }
        response->set_callbacks_excluded(report->callback_success.excluded);
        response->set_callbacks_open(report->callback_success.open);
        ToProto(report->field_service.first_time_fix, response->mutable_first_time_fix());
        ToProto(report->field_service.repeat_visits, response->mutable_repeat_visits());
        if (report->field_service.mean_time_to_repair) {
          response->set_mean_time_to_repair_hours(
              absl::ToDoubleHours(*report->field_service.mean_time_to_repair));
        }
        ToProto(report->maintenance_arrival, response->mutable_maintenance_arrival());
        ToProto(report->on_time_arrival, response->mutable_on_time_arrival());
        ToProto(report->parts_fill, response->mutable_parts_fill());
        {  // ---- Care: the care rate of the period (company-wide)
          absl::StatusOr<CareKpis> care = app_.CareKpisFor(report->period);
          if (!care.ok()) return care.status();
          response->set_care_rate(care->rate.value);
          response->set_care_completion(care->completion);
          response->set_care_club_completion(care->rate.club_completion);
          response->set_care_greetings_completion(care->rate.greetings_completion);
          response->set_care_website_completion(care->rate.website_completion);
          response->set_care_lounge(care->rate.lounge);
          response->set_care_greetings_delivered(care->greetings_delivered);
          response->set_care_home_visits(care->home_visits);
        }
        if (report->maintenance_completion) {
          response->set_maintenance_arrival_completion(*report->maintenance_completion);
        }
        fieldline::ToProto(report->maintenance_window.start,
                           response->mutable_maintenance_window_start());
        fieldline::ToProto(report->maintenance_window.end,
                           response->mutable_maintenance_window_end());
        // ---- KPIs
        ToProto(report->sla.response, response->mutable_sla_response());
        ToProto(report->sla.on_site, response->mutable_sla_on_site());
        ToProto(report->sla.resolution, response->mutable_sla_resolution());
        ToProto(report->churn, response->mutable_churn());
        ToProto(report->complaint_handling, response->mutable_complaint_handling());
        if (report->complaint_completion) {
          response->set_complaint_handling_completion(*report->complaint_completion);
        }
        ToProto(report->field_service.parts_fill_jobs, response->mutable_parts_fill_jobs());
        if (report->composite) {
          response->set_composite(report->composite->value);
          for (const std::string& w : report->composite->warnings) response->add_warnings(w);
        }
        return absl::OkStatus();
      });
}

grpc::Status CallbacksGrpcService::GetMonthlyReport(grpc::ServerContext* context,
                                                    const v1::GetMonthlyReportRequest* request,
                                                    v1::MonthlyReport* response) {
  return Guarded(context, verifier_, {"manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<std::optional<v1::MonthlyReport>> stored =
                       app_.StoredMonthlyReport(request->year(), request->month());
                   if (!stored.ok()) return stored.status();
                   if (stored->has_value()) {
                     *response = **stored;
                   } else {
                     absl::StatusOr<callbacks::MonthlyReport> report =
                         app_.GetMonthlyReport(request->year(), request->month());
                     if (!report.ok()) return report.status();
                     response->set_month(absl::FormatCivilTime(report->month));
                     response->set_json(ToJson(*report));
                     response->set_csv(ToCsv(*report));
                   }
                   // The CSV is an export: only for holders of the "export" permission.
                   if (!RequirePermission(actor, "export").ok()) {
                     response->clear_csv();
                     response->set_csv_withheld(true);
                   }
                   return absl::OkStatus();
                 });
}

grpc::Status CallbacksGrpcService::GetReminder(grpc::ServerContext* context,
                                               const v1::GetReminderRequest* request,
                                               v1::Reminder* response) {
  return Guarded(context, verifier_, {"care", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<ReminderView> view = app_.GetReminder(request->reminder_id());
                   if (!view.ok()) return view.status();
                   *response = ToProto(*view);
                   return absl::OkStatus();
                 });
}

grpc::Status CallbacksGrpcService::ListReminders(grpc::ServerContext* context,
                                                 const v1::ListRemindersRequest* request,
                                                 v1::ListRemindersResponse* response) {
  return Guarded(context, verifier_, {"care", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<ReminderPage> page = app_.ListReminders(
                       ListRemindersQuery{.asset_id = request->asset_id(),
                                          .page_size = request->page_size(),
                                          .page_token = request->page_token()});
                   if (!page.ok()) return page.status();
                   ToProto(*page, response);
                   return absl::OkStatus();
                 });
}

grpc::Status CallbacksGrpcService::ListDueReminders(grpc::ServerContext* context,
                                                    const v1::ListDueRemindersRequest* request,
                                                    v1::ListRemindersResponse* response) {
  return Guarded(context, verifier_, {"care", "dispatcher", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<ReminderPage> page = app_.ListDueReminders(
                       ListRemindersQuery{.kind = DecodeReminderKind(request->kind()),
                                          .page_size = request->page_size(),
                                          .page_token = request->page_token()});
                   if (!page.ok()) return page.status();
                   ToProto(*page, response);
                   return absl::OkStatus();
                 });
}

grpc::Status CallbacksGrpcService::RecordReminderOutcome(
    grpc::ServerContext* context, const v1::RecordReminderOutcomeRequest* request,
    common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   absl::StatusOr<CommandMeta> meta =
                       MetaOf(request->request_id(), actor, app_.clock());
                   if (!meta.ok()) return meta.status();
                   const callbacks::RecordReminderOutcome command{
                       .reminder_id = request->reminder_id(),
                       .outcome = DecodeReminderOutcome(request->outcome()),
                       .note = request->note(),
                       .expected_version = request->expected_version(),
                   };
                   return Respond(app_.RecordReminderOutcome(*meta, command), response);
                 });
}

}  // namespace fieldline::callbacks

// ---- KPIs

namespace fieldline::callbacks {

grpc::Status CallbacksGrpcService::ListEarlyWarnings(grpc::ServerContext* context,
                                                     const v1::ListEarlyWarningsRequest* request,
                                                     v1::ListEarlyWarningsResponse* response) {
  return Guarded(context, verifier_, {"manager", "admin"},
                 [&](const Actor& actor) -> absl::Status {
                   EarlyWarningQuery query{.year = request->year(),
                                           .number = request->number(),
                                           .page_size = request->page_size(),
                                           .page_token = request->page_token()};
                   if (request->period() != v1::PERIOD_KIND_UNSPECIFIED) {
                     absl::StatusOr<PeriodKind> kind = PeriodKindOf(request->period());
                     if (!kind.ok()) return kind.status();
                     query.period = *kind;
                   }
                   absl::StatusOr<EarlyWarningPage> page = app_.ListEarlyWarnings(query);
                   if (!page.ok()) return page.status();
                   for (const EarlyWarningRaised& w : page->warnings) {
                     *response->add_warnings() = EncodeEarlyWarning(w);
                   }
                   response->set_next_page_token(page->next_page_token);
                   return absl::OkStatus();
                 });
}

}  // namespace fieldline::callbacks

// ---- Care: messages, campaigns, club events, records, care history.
namespace fieldline::callbacks {
grpc::Status CallbacksGrpcService::ScheduleCareMessage(
    grpc::ServerContext* context, const v1::ScheduleCareMessageRequest* request,
    common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    callbacks::ScheduleCareMessage command{.customer_id = request->customer_id(),
                                           .kind = DecodeMessageKind(request->kind()),
                                           .text = request->text()};
    if (request->has_scheduled_for()) command.scheduled_for = FromProto(request->scheduled_for());
    return Respond(app_.SendCareMessage(*meta, std::move(command)), response);
  });
}

grpc::Status CallbacksGrpcService::RecordCareMessageSent(
    grpc::ServerContext* context, const v1::RecordCareMessageSentRequest* request,
    common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    return Respond(app_.ReportMessageSent(*meta, RecordMessageSent{
                                                     .message_id = request->message_id(),
                                                     .expected_version = request->expected_version()}),
                   response);
  });
}

grpc::Status CallbacksGrpcService::RecordCareMessageDelivery(
    grpc::ServerContext* context, const v1::RecordCareMessageDeliveryRequest* request,
    common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    return Respond(
        app_.ReportMessageDelivery(*meta,
                                   RecordMessageDelivery{.message_id = request->message_id(),
                                                         .delivered = request->delivered(),
                                                         .failure_reason = request->failure_reason(),
                                                         .expected_version =
                                                             request->expected_version()}),
        response);
  });
}

grpc::Status CallbacksGrpcService::ListCareMessages(grpc::ServerContext* context,
                                                    const v1::ListCareMessagesRequest* request,
                                                    v1::ListCareMessagesResponse* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    ListCareMessagesQuery query{.page_size = request->page_size(),
                                .page_token = request->page_token()};
    if (!request->status().empty()) {
      MessageStatus status = MessageStatus::kNone;
      if (!ParseMessageStatus(request->status(), &status)) {
        return InvalidArgument("status",
                               "Say scheduled, sent, delivered, failed or skipped (or nothing for "
                               "every message).");
      }
      query.status = status;
    }
    absl::StatusOr<CareMessagePage> page = app_.ListCareMessages(query);
    if (!page.ok()) return page.status();
    for (const CareMessageState& m : page->messages) *response->add_messages() = EncodeCareMessage(m);
    response->set_next_page_token(page->next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status CallbacksGrpcService::LaunchCampaign(grpc::ServerContext* context,
                                                  const v1::LaunchCampaignRequest* request,
                                                  common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    callbacks::LaunchCampaign command{.campaign_id = request->campaign_id(),
                                      .name = request->name(),
                                      .segment = DecodeSegment(request->segment()),
                                      .kind = DecodeMessageKind(request->kind()),
                                      .text = request->text()};
    if (!request->action().empty() && !ParseCampaignAction(request->action(), &command.action)) {
      return InvalidArgument("action", "Say \"callback\" or \"message\".");
    }
    return Respond(app_.RunCampaign(*meta, std::move(command)), response);
  });
}

grpc::Status CallbacksGrpcService::ListCampaigns(grpc::ServerContext* context,
                                                 const v1::ListCampaignsRequest* request,
                                                 v1::ListCampaignsResponse* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CampaignPage> page =
        app_.ListCampaigns(request->page_size(), request->page_token());
    if (!page.ok()) return page.status();
    for (const CampaignView& view : page->campaigns) {
      v1::Campaign* out = response->add_campaigns();
      *out->mutable_launched() = view.launched;
      out->set_targeted(view.targeted);
      out->set_created(view.created);
      out->set_skipped(view.skipped);
      out->set_delivered(view.delivered);
      out->set_failed(view.failed);
      out->set_reached(view.reached);
    }
    response->set_next_page_token(page->next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status CallbacksGrpcService::RecordClubEvent(grpc::ServerContext* context,
                                                   const v1::RecordClubEventRequest* request,
                                                   common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    callbacks::RecordClubEvent command{
        .club_event_id = request->club_event_id(),
        .name = request->name(),
        .facts = ClubEvent{.units = request->units(),
                           .people = request->people(),
                           .attendee_list_filed = request->attendee_list_filed(),
                           .summary_filed = request->summary_filed(),
                           .display_board_filed = request->display_board_filed()},
        .expected_version = request->expected_version()};
    if (request->has_held_on()) command.held_on = FromProto(request->held_on());
    return Respond(app_.FileClubEvent(*meta, std::move(command)), response);
  });
}

grpc::Status CallbacksGrpcService::RecordWebsiteUpdate(
    grpc::ServerContext* context, const v1::RecordWebsiteUpdateRequest* request,
    common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    callbacks::RecordWebsiteUpdate command{.title = request->title()};
    if (request->has_published_at()) command.published_at = FromProto(request->published_at());
    return Respond(app_.AddWebsiteUpdate(*meta, std::move(command)), response);
  });
}

grpc::Status CallbacksGrpcService::RecordLoungeScore(grpc::ServerContext* context,
                                                     const v1::RecordLoungeScoreRequest* request,
                                                     common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    return Respond(app_.AddLoungeScore(*meta, callbacks::RecordLoungeScore{
                                                  .score_percent = request->score_percent(),
                                                  .customer_id = request->customer_id()}),
                   response);
  });
}

grpc::Status CallbacksGrpcService::RecordHomeVisit(grpc::ServerContext* context,
                                                   const v1::RecordHomeVisitRequest* request,
                                                   common::v1::CommandAck* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CommandMeta> meta = MetaOf(request->request_id(), actor, app_.clock());
    if (!meta.ok()) return meta.status();
    return Respond(app_.AddHomeVisit(*meta, callbacks::RecordHomeVisit{
                                                .customer_id = request->customer_id(),
                                                .note = request->note()}),
                   response);
  });
}

grpc::Status CallbacksGrpcService::GetCustomerCareHistory(
    grpc::ServerContext* context, const v1::GetCustomerCareHistoryRequest* request,
    v1::CustomerCareHistory* response) {
  return Guarded(context, verifier_, {"care", "manager", "admin"}, [&](const Actor& actor) -> absl::Status {
    absl::StatusOr<CareHistory> history = app_.GetCustomerCareHistory(request->customer_id());
    if (!history.ok()) return history.status();
    response->set_customer_id(history->customer_id);
    for (const CareMessageState& m : history->messages) {
      *response->add_messages() = EncodeCareMessage(m);
    }
    for (const CallbackState& c : history->callbacks) *response->add_callbacks() = EncodeCallback(c);
    for (const HomeVisitRecorded& v : history->home_visits) {
      *response->add_home_visits() =
          EncodeCareRecordEvent(CareRecordEvent{v}).home_visit_recorded();
    }
    return absl::OkStatus();
  });
}

}  // namespace fieldline::callbacks
