#include "services/common/core/ids.h"

#include <array>
#include <cstdint>
#include <random>

namespace fieldline {
namespace {

std::string FormatUuid(const std::array<uint8_t, 16>& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xf]);
  }
  return out;
}

// 64-bit FNV-1a followed by a SplitMix64 finaliser: stable across processes and builds.
uint64_t StableHash(std::string_view a, std::string_view b, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(a);
  h ^= 0xff;  // separator so ("ab","c") != ("a","bc")
  h *= 1099511628211ULL;
  mix(b);
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

}  // namespace

std::string UuidV7Generator::NewId(absl::Time now) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(now));
  const uint64_t r1 = rng();
  const uint64_t r2 = rng();
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((r1 >> 8) & 0x0f));
  b[7] = static_cast<uint8_t>(r1);
  b[8] = static_cast<uint8_t>(0x80 | ((r1 >> 16) & 0x3f));
  for (int i = 9; i < 16; ++i) b[i] = static_cast<uint8_t>(r2 >> (8 * (i - 9)));
  return FormatUuid(b);
}

std::string DeriveId(std::string_view source, std::string_view salt) {
  const uint64_t h1 = StableHash(source, salt, 0x1234);
  const uint64_t h2 = StableHash(source, salt, 0xabcdef);
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(h1 >> (56 - 8 * i));
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<uint8_t>(h2 >> (56 - 8 * i));
  b[6] = static_cast<uint8_t>(0x80 | (b[6] & 0x0f));
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3f));
  return FormatUuid(b);
}

bool LooksLikeUuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace fieldline
