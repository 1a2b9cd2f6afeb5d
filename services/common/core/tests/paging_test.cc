#include "services/common/core/paging.h"

#include "gtest/gtest.h"
#include "services/common/core/errors.h"

namespace fieldline {
namespace {

TEST(PagingTest, ZeroAsksForTheDefaultAndLargeSizesAreCapped) {
  EXPECT_EQ(*EffectivePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(kMaxPageSize), kMaxPageSize);
  EXPECT_EQ(*EffectivePageSize(kMaxPageSize + 1), kMaxPageSize);
}

TEST(PagingTest, ANegativeSizeIsRefusedNamingTheField) {
  auto size = EffectivePageSize(-1);
  EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(size.status()), "page_size");
}

}  // namespace
}  // namespace fieldline
