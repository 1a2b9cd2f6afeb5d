#include "services/callbacks/adapters/early_warning_codec.h"

#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/store/event_store.h"

namespace fieldline::callbacks {

v1::EarlyWarningRaised EncodeEarlyWarning(const EarlyWarningRaised& event) {
  v1::EarlyWarningRaised out;
  out.set_warning_id(event.warning_id);
  out.set_product_model(event.product_model);
  out.set_category(event.category);
  out.set_period_kind(PeriodKindName(event.period.kind));
  out.set_period(event.period.label);
  ToProto(event.period.period.start, out.mutable_period_start());
  ToProto(event.period.period.end, out.mutable_period_end());
  out.set_count(event.count);
  out.set_threshold(event.threshold);
  for (const std::string& id : event.ticket_ids) out.add_ticket_ids(id);
  ToProto(event.raised_at, out.mutable_raised_at());
  return out;
}

absl::StatusOr<EarlyWarningRaised> DecodeEarlyWarning(const v1::EarlyWarningRaised& event) {
  EarlyWarningRaised out;
  out.warning_id = event.warning_id();
  out.product_model = event.product_model();
  out.category = event.category();
  bool known = false;
  for (PeriodKind kind : {PeriodKind::kMonth, PeriodKind::kQuarter, PeriodKind::kYear}) {
    if (PeriodKindName(kind) == event.period_kind()) {
      out.period.kind = kind;
      known = true;
    }
  }
  if (!known) {
    return InvalidArgument("period_kind", absl::StrCat("Early warning ", event.warning_id(),
                                                       " has an unknown kind of period '",
                                                       event.period_kind(), "'."));
  }
  out.period.label = event.period();
  out.period.period.start = FromProto(event.period_start());
  out.period.period.end = FromProto(event.period_end());
  out.period.period.months = out.period.kind == PeriodKind::kMonth     ? 1
                             : out.period.kind == PeriodKind::kQuarter ? 3
                                                                       : 12;
  out.count = event.count();
  out.threshold = event.threshold();
  out.ticket_ids.assign(event.ticket_ids().begin(), event.ticket_ids().end());
  out.raised_at = FromProto(event.raised_at());
  return out;
}

}  // namespace fieldline::callbacks
