#pragma once

// Time-ordered index keys of the KPI facts: `<prefix><unix seconds, 20 digits>/<rest>`, so a
// period's facts are one range scan.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "services/common/store/event_store.h"

namespace fieldline::callbacks {

// Seconds since the epoch, zero-padded (times before 1970 clamp to 0).
inline std::string TimeIndexKey(absl::Time t) {
  return absl::StrFormat("%020d", std::max<int64_t>(0, absl::ToUnixSeconds(t)));
}

// Calls fn(rest after "<seconds>/", value) for keys `prefix<seconds>/…` whose time lies in
// [from, to), in time order, until fn returns false.
inline absl::Status ScanTimeRange(
    const EventStore& store, std::string_view prefix, absl::Time from, absl::Time to,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  const std::string end = TimeIndexKey(to);
  const std::string after =
      absl::ToUnixSeconds(from) <= 0 ? std::string()
                                     : absl::StrCat(TimeIndexKey(from - absl::Seconds(1)), "/~");
  return store.Scan(prefix, after, [&](std::string_view key, std::string_view value) {
    const std::string_view rest = key.substr(prefix.size());
    if (rest.substr(0, end.size()) >= end) return false;
    return fn(rest.size() > end.size() ? rest.substr(end.size() + 1) : std::string_view(), value);
  });
}

}  // namespace fieldline::callbacks
