#pragma once

// Early-warning events ⇄ fieldline.callbacks.v1 (CallbacksEvent.early_warning_raised; the
// projection p/early_warning/<id> is the event itself).

#include "absl/status/statusor.h"
#include "fieldline/callbacks/v1/events.pb.h"
#include "services/callbacks/domain/early_warning.h"

namespace fieldline::callbacks {

v1::EarlyWarningRaised EncodeEarlyWarning(const EarlyWarningRaised& event);
// INVALID_ARGUMENT "period_kind" for an unknown kind of period.
absl::StatusOr<EarlyWarningRaised> DecodeEarlyWarning(const v1::EarlyWarningRaised& event);

}  // namespace fieldline::callbacks
