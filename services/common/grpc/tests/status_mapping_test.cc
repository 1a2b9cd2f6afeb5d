#include "services/common/grpc/status_mapping.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/core/errors.h"

namespace fieldline {
namespace {

struct CodePair {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
};

const std::vector<CodePair>& AllCodes() {
  static const std::vector<CodePair> kCodes = {
      {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
      {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
      {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
      {absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
      {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
      {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
      {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
      {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
      {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
      {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
  };
  return kCodes;
}

TEST(StatusMappingTest, EveryErrorCodeMapsToTheSameGrpcCodeAndKeepsTheMessage) {
  for (const CodePair& pair : AllCodes()) {
    const std::string message = "message for " + absl::StatusCodeToString(pair.absl_code);
    grpc::Status mapped = ToGrpcStatus(absl::Status(pair.absl_code, message));
    EXPECT_EQ(mapped.error_code(), pair.grpc_code) << message;
    EXPECT_EQ(mapped.error_message(), message);
  }
}

TEST(StatusMappingTest, EveryGrpcCodeMapsBackToTheSameErrorCode) {
  for (const CodePair& pair : AllCodes()) {
    absl::Status back = FromGrpcStatus(grpc::Status(pair.grpc_code, "words"));
    EXPECT_EQ(back.code(), pair.absl_code);
    EXPECT_EQ(back.message(), "words");
  }
}

TEST(StatusMappingTest, OkMapsToOkBothWays) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(StatusMappingTest, ArchitectureTableHelpersMapToTheirCodes) {
  EXPECT_EQ(ToGrpcStatus(InvalidArgument("f", "m")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ToGrpcStatus(FailedPrecondition("m")).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ToGrpcStatus(VersionConflict("m")).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ToGrpcStatus(NotFound("f", "m")).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(AlreadyExists("f", "m")).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ToGrpcStatus(PermissionDenied("m")).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ToGrpcStatus(Unauthenticated("m")).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ToGrpcStatus(Unavailable("m")).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(StatusMappingTest, AnErrorWithAFieldMapsWithoutAServerContext) {
  grpc::Status mapped = ToGrpcStatus(InvalidArgument("customer_phone", "The phone is empty."));
  EXPECT_EQ(mapped.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(mapped.error_message(), "The phone is empty.");
}

}  // namespace
}  // namespace fieldline
