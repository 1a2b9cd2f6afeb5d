#include "services/common/core/paging.h"

#include <algorithm>
#include <string>

#include "services/common/core/errors.h"

namespace fieldline {

absl::StatusOr<int32_t> EffectivePageSize(int32_t requested) {
  if (requested < 0) {
    return InvalidArgument("page_size", "A page cannot hold " + std::to_string(requested) +
                                            " items; ask for 1 to " + std::to_string(kMaxPageSize) +
                                            ", or 0 for " + std::to_string(kDefaultPageSize) + ".");
  }
  if (requested == 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

}  // namespace fieldline
