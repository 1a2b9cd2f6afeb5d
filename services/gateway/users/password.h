#pragma once

// Password hashing with libsodium's crypto_pwhash_str (argon2id, salted, parameters inside the
// hash string) and its constant-time verification.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fieldline::gateway {

class PasswordHasher {
 public:
  // libsodium's "moderate" limits (about 0.5 s and 256 MiB per hash) for production;
  // Interactive() (about 0.05 s, 64 MiB) for tests and demo data.
  static PasswordHasher Moderate();
  static PasswordHasher Interactive();

  absl::StatusOr<std::string> Hash(std::string_view password) const;
  // True if `password` matches `hash`; false for any malformed hash.
  bool Verify(std::string_view hash, std::string_view password) const;
  // Spends the same time as a real check, for unknown usernames (no user enumeration by timing).
  void DummyVerify(std::string_view password) const;

 private:
  PasswordHasher(unsigned long long ops, size_t mem);
  unsigned long long ops_;
  size_t mem_;
  std::string dummy_hash_;
};

}  // namespace fieldline::gateway
