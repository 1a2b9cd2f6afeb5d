#include "services/callbacks/adapters/grpc_service.h"

#include "services/callbacks/adapters/event_codec.h"

namespace fieldline::callbacks {
namespace {

v1::Callback ToProto(const CallbackView& view) {
  v1::Callback out = EncodeCallback(view.callback);
  out.set_overdue(view.overdue);
  return out;
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

}  // namespace fieldline::callbacks
