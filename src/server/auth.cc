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
  return MatchingKey(presented, keys).has_value();
}

std::optional<size_t> MatchingKey(std::string_view presented, const std::vector<std::string>& keys) {
  if (presented.empty()) return std::nullopt;
  std::optional<size_t> match;
  for (size_t i = 0; i < keys.size(); ++i)  // no early exit: every key is compared
    if (ConstantTimeEquals(presented, keys[i]) && !match) match = i;
  return match;
}

std::string_view PresentedKey(std::string_view authorization, std::string_view x_api_key) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (authorization.size() > kPrefix.size() && EqualsIgnoreCase(authorization.substr(0, kPrefix.size()), kPrefix))
    return authorization.substr(kPrefix.size());
  return x_api_key;
}

}  // namespace detour
