#include "services/intake/domain/rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"

namespace fieldline::intake {

size_t CharCount(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Trimmed(std::string_view text) {
  return std::string(absl::StripAsciiWhitespace(AsAbsl(text)));
}

absl::Status ValidatePhone(std::string_view field, std::string_view phone) {
  if (phone.empty()) {
    return InvalidArgument(field, "The customer's phone number is required.");
  }
  int digits = 0;
  for (size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == ' ' || c == '-' || (c == '+' && i == 0)) {
      continue;
    } else {
      return InvalidArgument(field, absl::StrCat("The phone number ", AsAbsl(phone),
                                                 " is not a phone number: use digits, with an "
                                                 "optional leading +, spaces or dashes."));
    }
  }
  if (digits < kMinPhoneDigits || digits > kMaxPhoneDigits) {
    return InvalidArgument(field, absl::StrCat("The phone number ", AsAbsl(phone),
                                               " is not a phone number: it has ", digits,
                                               " digits, a phone number has ", kMinPhoneDigits,
                                               " to ", kMaxPhoneDigits, "."));
  }
  return absl::OkStatus();
}

std::string PhoneDigits(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits;
}

absl::Status ValidateLocation(std::string_view field, const GeoPoint& point) {
  // Written so that NaN fails too.
  if (!(point.lat >= -90.0 && point.lat <= 90.0)) {
    return InvalidArgument(absl::StrCat(AsAbsl(field), ".lat"),
                           absl::StrCat("Latitude ", point.lat,
                                        " is not on the map; it must be between -90 and 90."));
  }
  if (!(point.lng >= -180.0 && point.lng <= 180.0)) {
    return InvalidArgument(absl::StrCat(AsAbsl(field), ".lng"),
                           absl::StrCat("Longitude ", point.lng,
                                        " is not on the map; it must be between -180 and 180."));
  }
  return absl::OkStatus();
}

absl::Status RequireText(std::string_view field, std::string_view value, std::string_view what) {
  if (absl::StripAsciiWhitespace(AsAbsl(value)).empty()) {
    return InvalidArgument(field, absl::StrCat("The ", AsAbsl(what), " is missing."));
  }
  return absl::OkStatus();
}

absl::Status RequireAtMost(std::string_view field, std::string_view text, size_t max,
                           std::string_view what) {
  if (const size_t n = CharCount(text); n > max) {
    return InvalidArgument(field, absl::StrCat("The ", AsAbsl(what), " is ", n,
                                               " characters long; at most ", max,
                                               " are allowed."));
  }
  return absl::OkStatus();
}

}  // namespace fieldline::intake
