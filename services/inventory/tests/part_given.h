#pragma once

// Given / when / then helpers shared by the Part decider's domain tests.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/common/core/errors.h"
#include "services/inventory/domain/part.h"

namespace fieldline::inventory::test {

inline const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// The error has `code` and names `field` ("" for none).
inline void ExpectError(const absl::Status& status, absl::StatusCode code,
                        const std::string& field) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(FieldOf(status).value_or(""), field) << status;
}

// The part after `events`, from nothing.
inline PartState Given(const std::vector<PartEvent>& events) {
  PartState state;
  for (const PartEvent& e : events) state = Evolve(std::move(state), e);
  return state;
}

// `state` after `events`.
inline PartState After(PartState state, const std::vector<PartEvent>& events) {
  for (const PartEvent& e : events) state = Evolve(std::move(state), e);
  return state;
}

}  // namespace fieldline::inventory::test
