#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "util/ascii.h"

namespace detour {

// Hashing both sides first makes the comparison independent of the lengths too.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char ha[SHA256_DIGEST_LENGTH], hb[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), ha);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), hb);
  return CRYPTO_memcmp(ha, hb, SHA256_DIGEST_LENGTH) == 0;
}

bool BearerAuthorized(std::string_view authorization, const std::vector<std::string>& keys) {
  if (keys.empty()) return true;
  constexpr std::string_view kPrefix = "Bearer ";
  if (authorization.size() < kPrefix.size()) return false;
  if (!EqualsIgnoreCase(authorization.substr(0, kPrefix.size()), kPrefix)) return false;
  return ApiKeyAuthorized(authorization.substr(kPrefix.size()), keys);
}

bool ApiKeyAuthorized(std::string_view presented, const std::vector<std::string>& keys) {
  if (keys.empty()) return true;
  if (presented.empty()) return false;
  bool match = false;
  for (const auto& k : keys) match |= ConstantTimeEquals(presented, k);  // no early exit
  return match;
}

}  // namespace detour
