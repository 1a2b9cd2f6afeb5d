#pragma once

// fieldline.callbacks.v1.CallbacksService: translates requests into CallbacksApp queries and
// results into protos. No business rule lives here.
//
// Threading: gRPC calls it from many threads; it holds no state of its own. Ownership: borrows
// the app and the token verifier, which must outlive it.

#include "fieldline/callbacks/v1/callbacks_service.grpc.pb.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/grpc/auth.h"

namespace fieldline::callbacks {

class CallbacksGrpcService final : public v1::CallbacksService::Service {
 public:
  CallbacksGrpcService(CallbacksApp& app, const TokenVerifier& verifier);

  grpc::Status GetCallback(grpc::ServerContext* context, const v1::GetCallbackRequest* request,
                           v1::Callback* response) override;
  grpc::Status ListCallbacks(grpc::ServerContext* context,
                             const v1::ListCallbacksRequest* request,
                             v1::ListCallbacksResponse* response) override;

 private:
  CallbacksApp& app_;
  const TokenVerifier& verifier_;
};

}  // namespace fieldline::callbacks
