#include "services/gateway/users/password.h"

#include <sodium.h>

#include <stdexcept>

namespace fieldline::gateway {
namespace {

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

PasswordHasher::PasswordHasher(unsigned long long ops, size_t mem) : ops_(ops), mem_(mem) {
  InitSodium();
  absl::StatusOr<std::string> dummy = Hash("not-a-real-password");
  if (dummy.ok()) dummy_hash_ = *std::move(dummy);
}

PasswordHasher PasswordHasher::Moderate() {
  return PasswordHasher(crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE);
}

PasswordHasher PasswordHasher::Interactive() {
  return PasswordHasher(crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

absl::StatusOr<std::string> PasswordHasher::Hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops_, mem_,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("The server is out of memory for hashing passwords.");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(std::string_view hash, std::string_view password) const {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string terminated(hash);  // crypto_pwhash_str_verify wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

void PasswordHasher::DummyVerify(std::string_view password) const {
  (void)Verify(dummy_hash_, password);
}

}  // namespace fieldline::gateway
