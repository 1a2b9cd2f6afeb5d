#include "services/intake/domain/customer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/core/errors.h"
#include "services/common/core/strings.h"
#include "services/intake/domain/rules.h"

namespace fieldline::intake {

std::string_view CustomerTierName(CustomerTier tier) {
  switch (tier) {
    case CustomerTier::kUnspecified:
      return "unspecified";
    case CustomerTier::kKeyAccount:
      return "key account";
    case CustomerTier::kA:
      return "A";
    case CustomerTier::kB:
      return "B";
    case CustomerTier::kC:
      return "C";
  }
  return "unknown";
}

absl::Time AddYears(absl::Time time, int years) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond s = absl::ToCivilSecond(time, utc);
  absl::CivilDay day(s.year() + years, s.month(), 1);
  // Clamp the day to the target month's length (29 Feb → 28 Feb).
  const absl::CivilDay last = absl::CivilDay(absl::CivilMonth(day) + 1) - 1;
  const int d = std::min<int>(s.day(), last.day());
  return absl::FromCivil(
      absl::CivilSecond(s.year() + years, s.month(), d, s.hour(), s.minute(), s.second()), utc);
}

absl::StatusOr<std::vector<CustomerEvent>> Decide(const CustomerState& state,
                                                  const RegisterCustomer& command,
                                                  const PhoneOwners& owners, absl::Time now) {
  if (absl::Status s = RequireText("customer_id", command.customer_id, "customer id"); !s.ok()) {
    return s;
  }
  if (state.registered()) {
    return AlreadyExists("customer_id",
                         absl::StrCat("Customer ", state.customer_id, " (", state.name,
                                      ") is registered already."));
  }
  CustomerRegistered e;
  e.customer_id = command.customer_id;
  e.name = Trimmed(command.name);
  if (e.name.empty()) return InvalidArgument("name", "The customer's name is required.");
  if (absl::Status s = RequireAtMost("name", e.name, kMaxNameChars, "customer's name"); !s.ok()) {
    return s;
  }
  if (command.phones.empty()) {
    return InvalidArgument("phones", "At least one phone number is required.");
  }
  if (command.phones.size() > kMaxPhones) {
    return InvalidArgument("phones", absl::StrCat("At most ", kMaxPhones,
                                                  " phone numbers are kept; this has ",
                                                  command.phones.size(), "."));
  }
  std::vector<std::string> digits;
  for (size_t i = 0; i < command.phones.size(); ++i) {
    const std::string field = absl::StrCat("phones[", i, "]");
    std::string phone = Trimmed(command.phones[i]);
    if (absl::Status s = ValidatePhone(field, phone); !s.ok()) return s;
    std::string d = PhoneDigits(phone);
    for (size_t j = 0; j < digits.size(); ++j) {
      if (digits[j] == d) {
        return InvalidArgument(field, absl::StrCat("Phone number ", phone, " is given twice (",
                                                   "also as phone ", j + 1, ")."));
      }
    }
    if (auto it = owners.find(d); it != owners.end() && !it->second.empty()) {
      return AlreadyExists(field, absl::StrCat("Phone number ", phone,
                                               " belongs to customer ", it->second,
                                               " already; open that customer instead of "
                                               "registering a new one."));
    }
    digits.push_back(std::move(d));
    e.phones.push_back(std::move(phone));
  }
  e.address = Trimmed(command.address);
  if (absl::Status s = RequireAtMost("address", e.address, kMaxAddressChars, "address");
      !s.ok()) {
    return s;
  }
  e.location = command.location;
  if (e.location.has_value()) {
    if (absl::Status s = ValidateLocation("location", *e.location); !s.ok()) return s;
  }
  switch (command.tier) {
    case CustomerTier::kUnspecified:
      e.tier = CustomerTier::kC;
      break;
    case CustomerTier::kKeyAccount:
    case CustomerTier::kA:
    case CustomerTier::kB:
    case CustomerTier::kC:
      e.tier = command.tier;
      break;
    default:
      return InvalidArgument("tier", absl::StrCat("Tier ", static_cast<int>(command.tier),
                                                  " is not one of key account, A, B or C."));
  }
  e.consent_to_messages = command.consent_to_messages;
  e.preferred_technician_id = Trimmed(command.preferred_technician_id);
  absl::StatusOr<std::string> birthday = ValidateBirthday("birthday", command.birthday, now);
  if (!birthday.ok()) return birthday.status();
  e.birthday = *std::move(birthday);
  e.region = Trimmed(command.region);
  if (absl::Status s = RequireAtMost("region", e.region, kMaxRegionChars, "region"); !s.ok()) {
    return s;
  }
  return std::vector<CustomerEvent>{std::move(e)};
}

absl::StatusOr<std::vector<CustomerEvent>> Decide(const CustomerState& state,
                                                  const UpdateCustomer& command,
                                                  const PhoneOwners& owners, absl::Time now) {
  if (!state.registered()) {
    return NotFound("customer_id",
                    absl::StrCat("There is no customer ", command.customer_id, "."));
  }
  static constexpr std::string_view kFields[] = {
      "name",   "phones",   "address",             "location",
      "region", "birthday", "consent_to_messages", "preferred_technician_id"};
  if (command.fields.empty()) {
    return InvalidArgument("update_fields",
                           "Name the fields to change (e.g. phones, address, consent_to_messages).");
  }
  auto named = [&](std::string_view f) {
    return std::find(command.fields.begin(), command.fields.end(), f) != command.fields.end();
  };
  for (size_t i = 0; i < command.fields.size(); ++i) {
    if (std::find(std::begin(kFields), std::end(kFields), command.fields[i]) ==
        std::end(kFields)) {
      return InvalidArgument(absl::StrCat("update_fields[", i, "]"),
                             absl::StrCat("Field ", command.fields[i],
                                          " is not a contact detail that can be changed."));
    }
  }
  // Validate the new values with the registration rules: build a registration of the result.
  RegisterCustomer check;
  check.customer_id = state.customer_id;
  check.name = named("name") ? command.name : state.name;
  check.phones = named("phones") ? command.phones : state.phones;
  check.address = named("address") ? command.address : state.address;
  check.location = named("location") ? command.location : state.location;
  check.tier = state.tier;
  check.consent_to_messages =
      named("consent_to_messages") ? command.consent_to_messages : state.consent_to_messages;
  check.preferred_technician_id = named("preferred_technician_id")
                                      ? command.preferred_technician_id
                                      : state.preferred_technician_id;
  check.birthday = named("birthday") ? command.birthday : state.birthday;
  check.region = named("region") ? command.region : state.region;
  PhoneOwners others;
  for (const auto& [digits, owner] : owners) {
    if (owner != state.customer_id) others[digits] = owner;
  }
  absl::StatusOr<std::vector<CustomerEvent>> registered =
      Decide(CustomerState{}, check, others, now);
  if (!registered.ok()) return registered.status();
  const CustomerRegistered& r = std::get<CustomerRegistered>(registered->front());
  CustomerUpdated e;
  e.customer_id = state.customer_id;
  e.name = r.name;
  e.phones = r.phones;
  e.address = r.address;
  e.location = r.location;
  e.region = r.region;
  e.birthday = r.birthday;
  e.consent_to_messages = r.consent_to_messages;
  e.preferred_technician_id = r.preferred_technician_id;
  e.reason = Trimmed(command.reason);
  if (absl::Status s = RequireAtMost("reason", e.reason, kMaxReasonChars, "reason"); !s.ok()) {
    return s;
  }
  if (e.name != state.name) e.changed_fields.push_back("name");
  if (e.phones != state.phones) e.changed_fields.push_back("phones");
  if (e.address != state.address) e.changed_fields.push_back("address");
  if (e.location != state.location) e.changed_fields.push_back("location");
  if (e.region != state.region) e.changed_fields.push_back("region");
  if (e.birthday != state.birthday) e.changed_fields.push_back("birthday");
  if (e.consent_to_messages != state.consent_to_messages) {
    e.changed_fields.push_back("consent_to_messages");
  }
  if (e.preferred_technician_id != state.preferred_technician_id) {
    e.changed_fields.push_back("preferred_technician_id");
  }
  if (e.changed_fields.empty()) {
    return FailedPrecondition(absl::StrCat("Customer ", state.customer_id, " (", state.name,
                                           ") already has these details; nothing changes."));
  }
  return std::vector<CustomerEvent>{std::move(e)};
}

CustomerState Evolve(CustomerState state, const CustomerEvent& event) {
  if (const auto* u = std::get_if<CustomerUpdated>(&event)) {
    state.name = u->name;
    state.phones = u->phones;
    state.address = u->address;
    state.location = u->location;
    state.region = u->region;
    state.birthday = u->birthday;
    state.consent_to_messages = u->consent_to_messages;
    state.preferred_technician_id = u->preferred_technician_id;
    return state;
  }
  const CustomerRegistered& e = std::get<CustomerRegistered>(event);
  state.customer_id = e.customer_id;
  state.name = e.name;
  state.phones = e.phones;
  state.address = e.address;
  state.location = e.location;
  state.tier = e.tier;
  state.consent_to_messages = e.consent_to_messages;
  state.preferred_technician_id = e.preferred_technician_id;
  state.birthday = e.birthday;
  state.region = e.region;
  return state;
}

absl::StatusOr<std::string> ValidateBirthday(std::string_view field, std::string_view birthday,
                                             absl::Time now) {
  std::string value = Trimmed(birthday);
  if (value.empty()) return value;
  absl::CivilDay day;
  if (value.size() != 10 || !absl::ParseCivilTime(value, &day) ||
      absl::FormatCivilTime(day) != value) {
    return InvalidArgument(field, absl::StrCat("Birthday ", value,
                                               " is not a date written as YYYY-MM-DD, such as "
                                               "1985-03-21."));
  }
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  if (day > today + 1) {  // +1: the customer's local date may be a day ahead of UTC
    return InvalidArgument(field, absl::StrCat("Birthday ", value, " is in the future."));
  }
  if (day.year() < 1900) {
    return InvalidArgument(field, absl::StrCat("Birthday ", value, " is before 1900."));
  }
  return value;
}

// ------------------------------------------------------------------------------------- Asset

namespace {

std::string Day(absl::Time t) { return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()); }

absl::Status ValidateContract(Contract& contract) {
  contract.contract_id = Trimmed(contract.contract_id);
  contract.name = Trimmed(contract.name);
  if (contract.contract_id.empty()) {
    return InvalidArgument("contract.contract_id", "The contract has no contract number.");
  }
  const std::pair<const char*, int32_t> hours[] = {
      {"contract.promises.response_hours", contract.promises.response_hours},
      {"contract.promises.on_site_hours", contract.promises.on_site_hours},
      {"contract.promises.resolution_hours", contract.promises.resolution_hours}};
  for (const auto& [field, value] : hours) {
    if (value < 0) {
      return InvalidArgument(field, absl::StrCat("A promise of ", value,
                                                 " hours cannot be kept; use 0 for no promise."));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<AssetEvent>> Decide(const AssetState& state,
                                               const RegisterAsset& command,
                                               const CustomerState& owner, absl::Time now) {
  if (absl::Status s = RequireText("asset_id", command.asset_id, "asset id"); !s.ok()) return s;
  if (state.registered()) {
    return AlreadyExists("asset_id",
                         absl::StrCat("Asset ", state.asset_id, " is registered already."));
  }
  if (absl::Status s = RequireText("customer_id", command.customer_id, "customer id"); !s.ok()) {
    return s;
  }
  if (!owner.registered()) {
    return NotFound("customer_id",
                    absl::StrCat("There is no customer ", command.customer_id,
                                 "; register the customer before their products."));
  }
  AssetRegistered e;
  e.asset_id = command.asset_id;
  e.customer_id = owner.customer_id;
  e.model = Trimmed(command.model);
  if (e.model.empty()) return InvalidArgument("model", "The product model is required.");
  if (absl::Status s = RequireAtMost("model", e.model, kMaxAssetTextChars, "model"); !s.ok()) {
    return s;
  }
  e.serial = Trimmed(command.serial);
  if (e.serial.empty()) return InvalidArgument("serial", "The serial number is required.");
  if (absl::Status s = RequireAtMost("serial", e.serial, kMaxAssetTextChars, "serial number");
      !s.ok()) {
    return s;
  }
  e.category = Trimmed(command.category);
  if (absl::Status s = RequireAtMost("category", e.category, kMaxAssetTextChars, "category");
      !s.ok()) {
    return s;
  }
  e.purchased_on = command.purchased_on;
  e.installed_on = command.installed_on;
  if (e.purchased_on != absl::InfinitePast() && e.purchased_on > now) {
    return InvalidArgument("purchased_on", absl::StrCat("The purchase date ", Day(e.purchased_on),
                                                        " is in the future."));
  }
  if (e.installed_on != absl::InfinitePast()) {
    if (e.installed_on > now) {
      return InvalidArgument("installed_on", absl::StrCat("The installation date ",
                                                          Day(e.installed_on),
                                                          " is in the future."));
    }
    if (e.purchased_on != absl::InfinitePast() && e.installed_on < e.purchased_on) {
      return InvalidArgument("installed_on",
                             absl::StrCat("The installation date ", Day(e.installed_on),
                                          " is before the purchase date ", Day(e.purchased_on),
                                          "."));
    }
  }
  if (command.warranty_end != absl::InfinitePast()) {
    e.warranty_end = command.warranty_end;
    const absl::Time start =
        e.installed_on != absl::InfinitePast() ? e.installed_on : e.purchased_on;
    if (start != absl::InfinitePast() && e.warranty_end < start) {
      return InvalidArgument("warranty_end",
                             absl::StrCat("The warranty end ", Day(e.warranty_end),
                                          " is before the warranty starts (", Day(start), ")."));
    }
  } else if (e.installed_on != absl::InfinitePast()) {
    e.warranty_end = AddYears(e.installed_on, command.warranty_years);
  } else if (e.purchased_on != absl::InfinitePast()) {
    e.warranty_end = AddYears(e.purchased_on, command.warranty_years);
  } else {
    return InvalidArgument("installed_on",
                           "Give the installation date (or the purchase date, or the warranty "
                           "end): the warranty is counted from it.");
  }
  if (command.insurance_end != absl::InfinitePast()) {
    const absl::Time latest_start = std::max(e.purchased_on, e.installed_on);
    if (latest_start != absl::InfinitePast() && command.insurance_end < latest_start) {
      return InvalidArgument(
          "insurance_end",
          absl::StrCat("The insurance end ", Day(command.insurance_end), " is before the ",
                       latest_start == e.installed_on ? "installation" : "purchase", " date ",
                       Day(latest_start), "."));
    }
    e.insurance_end = command.insurance_end;
  }
  if (command.contract.has_value()) {
    Contract contract = *command.contract;
    if (absl::Status s = ValidateContract(contract); !s.ok()) return s;
    e.contract = std::move(contract);
  }
  return std::vector<AssetEvent>{std::move(e)};
}

absl::StatusOr<std::vector<AssetEvent>> Decide(const AssetState& state,
                                               const TransferAsset& command,
                                               const CustomerState& new_owner, absl::Time now) {
  if (absl::Status s = RequireText("asset_id", command.asset_id, "asset id"); !s.ok()) return s;
  if (!state.registered()) {
    return NotFound("asset_id", absl::StrCat("There is no asset ", command.asset_id, "."));
  }
  if (absl::Status s = RequireText("to_customer_id", command.to_customer_id, "new owner");
      !s.ok()) {
    return s;
  }
  const std::string reason = Trimmed(command.reason);
  if (reason.empty()) {
    return InvalidArgument("reason", "Say why the product changes owner (sold, gift, ...).");
  }
  if (absl::Status s = RequireAtMost("reason", reason, kMaxReasonChars, "reason"); !s.ok()) {
    return s;
  }
  if (!new_owner.registered()) {
    return NotFound("to_customer_id",
                    absl::StrCat("There is no customer ", command.to_customer_id, "."));
  }
  if (new_owner.customer_id == state.customer_id) {
    return FailedPrecondition(absl::StrCat("Asset ", state.asset_id,
                                           " already belongs to customer ", state.customer_id,
                                           "."));
  }
  return std::vector<AssetEvent>{AssetOwnershipTransferred{
      state.asset_id, state.customer_id, new_owner.customer_id, reason}};
}

namespace {

struct AssetEvolver {
  AssetState& state;
  void operator()(const AssetRegistered& e) {
    state.asset_id = e.asset_id;
    state.customer_id = e.customer_id;
    state.model = e.model;
    state.serial = e.serial;
    state.category = e.category;
    state.purchased_on = e.purchased_on;
    state.installed_on = e.installed_on;
    state.warranty_end = e.warranty_end;
    state.insurance_end = e.insurance_end;
    state.contract = e.contract;
  }
  void operator()(const AssetOwnershipTransferred& e) {
    state.previous_customer_ids.push_back(e.from_customer_id);
    state.customer_id = e.to_customer_id;
  }
};

}  // namespace

AssetState Evolve(AssetState state, const AssetEvent& event) {
  std::visit(AssetEvolver{state}, event);
  return state;
}

}  // namespace fieldline::intake
