#include "services/inventory/domain/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"

namespace fieldline::inventory {

absl::Status ValidateId(std::string_view field, const std::string& what, const std::string& value) {
  if (value.empty()) return InvalidArgument(field, absl::StrCat("The ", what, " is required."));
  if (value.size() > kMaxIdLength) {
    return InvalidArgument(
        field, absl::StrCat("The ", what, " is longer than ", kMaxIdLength, " characters."));
  }
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return InvalidArgument(field,
                             absl::StrCat("The ", what, " \"", value,
                                          "\" may contain only letters, digits, '-' and '_'."));
    }
  }
  return absl::OkStatus();
}

}  // namespace fieldline::inventory
