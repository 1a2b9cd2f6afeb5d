#pragma once

// Identifiers: UUIDv7 for new things (time-ordered, so lists sort by creation), and ids derived
// deterministically from a source id for reactions, so a re-delivered event yields the same ids.

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace fieldline {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string NewId(absl::Time now) = 0;
};

// Random UUIDv7 (RFC 9562). Thread-safe.
class UuidV7Generator final : public IdGenerator {
 public:
  std::string NewId(absl::Time now) override;
};

// A UUID-shaped id (version 8) that is a pure function of its inputs: the same source and salt
// always give the same id. Used for ids of reactions ("the job for ticket X", "the 2nd event
// caused by event Y").
std::string DeriveId(std::string_view source, std::string_view salt);

// True if `id` looks like a UUID (8-4-4-4-12 lowercase hex).
bool LooksLikeUuid(std::string_view id);

}  // namespace fieldline
