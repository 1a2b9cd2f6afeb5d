#pragma once

// Input rules shared by the intake aggregates (Ticket, Customer, Asset): trimming, character
// counting, phone numbers and map points. Pure; every error names the field it is about.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/common/core/types.h"

namespace fieldline::intake {

inline constexpr int kMinPhoneDigits = 5;
inline constexpr int kMaxPhoneDigits = 20;

// Characters as a person counts them: UTF-8 code points, not bytes (text is often Chinese).
size_t CharCount(std::string_view text);

// `text` without leading and trailing ASCII whitespace.
std::string Trimmed(std::string_view text);

// Digits with an optional leading '+', spaces or dashes between them; 5 to 20 digits.
// `what` names the number in messages ("The customer's phone number").
absl::Status ValidatePhone(std::string_view field, std::string_view phone);

// The digits of a phone number only ("+86 138-0013" → "860013..."): how phones are compared.
std::string PhoneDigits(std::string_view phone);

// Latitude in [-90, 90], longitude in [-180, 180]; `field` is the point's field name
// ("customer.location"), the error names "<field>.lat" or "<field>.lng".
absl::Status ValidateLocation(std::string_view field, const GeoPoint& point);

// INVALID_ARGUMENT naming `field` when `value` is blank: "The <what> is missing."
absl::Status RequireText(std::string_view field, std::string_view value, std::string_view what);

// INVALID_ARGUMENT naming `field` when `text` has more than `max` characters.
absl::Status RequireAtMost(std::string_view field, std::string_view text, size_t max,
                           std::string_view what);

}  // namespace fieldline::intake
