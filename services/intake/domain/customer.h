#pragma once

// The Customer and Asset aggregates. Pure: time, ids and what the app looked up (the owners of
// phone numbers, the customer an asset goes to) come in as arguments.
//
//   RegisterCustomer (intake agent) → CustomerRegistered          (new)
//   RegisterAsset (intake agent)    → AssetRegistered             (new; the owner must exist)
//   TransferAsset (intake agent)    → AssetOwnershipTransferred   (to another existing customer)

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/core/types.h"

namespace fieldline::intake {

enum class CustomerTier { kUnspecified = 0, kKeyAccount = 1, kA = 2, kB = 3, kC = 4 };
std::string_view CustomerTierName(CustomerTier tier);  // "key account", "A", ...

inline constexpr size_t kMaxPhones = 5;
inline constexpr size_t kMaxNameChars = 100;
inline constexpr size_t kMaxAddressChars = 300;
inline constexpr size_t kMaxAssetTextChars = 100;
inline constexpr size_t kMaxReasonChars = 500;
inline constexpr size_t kMaxRegionChars = 100;

// A birthday as typed: empty is fine; otherwise YYYY-MM-DD, a real calendar date, not after
// `now` (UTC day) and not before 1900. INVALID_ARGUMENT naming `field`. Returns it trimmed.
absl::StatusOr<std::string> ValidateBirthday(std::string_view field, std::string_view birthday,
                                             absl::Time now);

struct CustomerState {
  std::string customer_id;  // empty: never registered
  std::string name;
  std::vector<std::string> phones;
  std::string address;
  std::optional<GeoPoint> location;
  CustomerTier tier = CustomerTier::kUnspecified;
  bool consent_to_messages = false;
  std::string preferred_technician_id;
  std::string birthday;  // YYYY-MM-DD or empty
  std::string region;    // e.g. "Qingdao/Shinan" or empty
  bool registered() const { return !customer_id.empty(); }
  friend bool operator==(const CustomerState&, const CustomerState&) = default;
};

struct RegisterCustomer {
  std::string customer_id;  // chosen by the caller (a new UUIDv7)
  std::string name;
  std::vector<std::string> phones;
  std::string address;
  std::optional<GeoPoint> location;
  CustomerTier tier = CustomerTier::kUnspecified;  // unspecified → C
  bool consent_to_messages = false;
  std::string preferred_technician_id;
  std::string birthday;  // YYYY-MM-DD, optional
  std::string region;    // optional, at most kMaxRegionChars
};

struct CustomerRegistered {
  std::string customer_id;
  std::string name;
  std::vector<std::string> phones;
  std::string address;
  std::optional<GeoPoint> location;
  CustomerTier tier = CustomerTier::kC;
  bool consent_to_messages = false;
  std::string preferred_technician_id;
  std::string birthday;
  std::string region;
  friend bool operator==(const CustomerRegistered&, const CustomerRegistered&) = default;
};

// A change of contact details: only the fields named in `fields` ("name", "phones", "address",
// "location", "region", "birthday", "consent_to_messages", "preferred_technician_id") change.
struct UpdateCustomer {
  std::string customer_id;
  std::vector<std::string> fields;
  std::string name;
  std::vector<std::string> phones;
  std::string address;
  std::optional<GeoPoint> location;
  std::string region;
  std::string birthday;
  bool consent_to_messages = false;
  std::string preferred_technician_id;
  std::string reason;
};

// The complete contact details after the change, and which fields changed.
struct CustomerUpdated {
  std::string customer_id;
  std::string name;
  std::vector<std::string> phones;
  std::string address;
  std::optional<GeoPoint> location;
  std::string region;
  std::string birthday;
  bool consent_to_messages = false;
  std::string preferred_technician_id;
  std::vector<std::string> changed_fields;
  std::string reason;
  friend bool operator==(const CustomerUpdated&, const CustomerUpdated&) = default;
};

using CustomerEvent = std::variant<CustomerRegistered, CustomerUpdated>;

// Phone digits (PhoneDigits) → the customer who already has that number.
using PhoneOwners = std::map<std::string, std::string>;

// INVALID_ARGUMENT naming the field (name, phones, phones[i], location.lat/lng, tier, ...);
// ALREADY_EXISTS (field phones[i]) naming the customer who already has one of the phones, or
// the customer id if it was registered before.
[[nodiscard]] absl::StatusOr<std::vector<CustomerEvent>> Decide(const CustomerState& state,
                                                               const RegisterCustomer& command,
                                                               const PhoneOwners& owners,
                                                               absl::Time now);
// NOT_FOUND (customer_id) for a customer never registered; INVALID_ARGUMENT naming the field
// (update_fields when none or an unknown one is named, name, phones[i], birthday, region, ...);
// ALREADY_EXISTS (phones[i]) when a new phone is another customer's; FAILED_PRECONDITION when
// nothing would change.
[[nodiscard]] absl::StatusOr<std::vector<CustomerEvent>> Decide(const CustomerState& state,
                                                               const UpdateCustomer& command,
                                                               const PhoneOwners& owners,
                                                               absl::Time now);
CustomerState Evolve(CustomerState state, const CustomerEvent& event);

// --- Asset ---

struct ServicePromises {
  int32_t response_hours = 0;  // 0: no promise of that kind
  int32_t on_site_hours = 0;
  int32_t resolution_hours = 0;
  friend bool operator==(const ServicePromises&, const ServicePromises&) = default;
};

struct Contract {
  std::string contract_id;
  std::string name;
  absl::Time ends_at = absl::InfinitePast();  // InfinitePast: open-ended
  ServicePromises promises;
  friend bool operator==(const Contract&, const Contract&) = default;
};

struct AssetState {
  std::string asset_id;  // empty: never registered
  std::string customer_id;
  std::string model;
  std::string serial;
  std::string category;
  absl::Time purchased_on = absl::InfinitePast();  // InfinitePast: not known
  absl::Time installed_on = absl::InfinitePast();
  absl::Time warranty_end = absl::InfinitePast();
  absl::Time insurance_end = absl::InfinitePast();  // InfinitePast: no insurance recorded
  std::optional<Contract> contract;
  std::vector<std::string> previous_customer_ids;
  bool registered() const { return !asset_id.empty(); }
  friend bool operator==(const AssetState&, const AssetState&) = default;
};

struct RegisterAsset {
  std::string asset_id;  // chosen by the caller
  std::string customer_id;
  std::string model;
  std::string serial;
  std::string category;
  absl::Time purchased_on = absl::InfinitePast();
  absl::Time installed_on = absl::InfinitePast();
  absl::Time warranty_end = absl::InfinitePast();  // InfinitePast: policy default
  // Optional: when the product's insurance ends; not before the purchase or installation.
  absl::Time insurance_end = absl::InfinitePast();
  std::optional<Contract> contract;
  int warranty_years = 2;  // the policy's default warranty, from installation (else purchase)
};

struct TransferAsset {
  std::string asset_id;
  std::string to_customer_id;
  std::string reason;
};

struct AssetRegistered {
  std::string asset_id;
  std::string customer_id;
  std::string model;
  std::string serial;
  std::string category;
  absl::Time purchased_on = absl::InfinitePast();
  absl::Time installed_on = absl::InfinitePast();
  absl::Time warranty_end = absl::InfinitePast();
  absl::Time insurance_end = absl::InfinitePast();  // InfinitePast: none
  std::optional<Contract> contract;
  friend bool operator==(const AssetRegistered&, const AssetRegistered&) = default;
};

struct AssetOwnershipTransferred {
  std::string asset_id;
  std::string from_customer_id;
  std::string to_customer_id;
  std::string reason;
  friend bool operator==(const AssetOwnershipTransferred&,
                         const AssetOwnershipTransferred&) = default;
};

using AssetEvent = std::variant<AssetRegistered, AssetOwnershipTransferred>;

// `owner` is the customer named by customer_id as the app found it (unregistered: NOT_FOUND).
// INVALID_ARGUMENT naming the field: model, serial, purchased_on, installed_on (in the future or
// before the purchase), warranty_end (no date to count from, or before installation),
// insurance_end (before the purchase or installation), contract.*.
[[nodiscard]] absl::StatusOr<std::vector<AssetEvent>> Decide(const AssetState& state,
                                                            const RegisterAsset& command,
                                                            const CustomerState& owner,
                                                            absl::Time now);
// NOT_FOUND for an unknown asset (asset_id) or customer (to_customer_id); INVALID_ARGUMENT for a
// missing reason; FAILED_PRECONDITION when the asset already belongs to that customer.
[[nodiscard]] absl::StatusOr<std::vector<AssetEvent>> Decide(const AssetState& state,
                                                            const TransferAsset& command,
                                                            const CustomerState& new_owner,
                                                            absl::Time now);
AssetState Evolve(AssetState state, const AssetEvent& event);

// `time` plus `years` calendar years in UTC (29 February → 28 February when needed).
absl::Time AddYears(absl::Time time, int years);

}  // namespace fieldline::intake
