#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
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

std::string BasicPassword(std::string_view authorization) {
  constexpr std::string_view kPrefix = "Basic ";
  if (authorization.size() <= kPrefix.size() || !EqualsIgnoreCase(authorization.substr(0, kPrefix.size()), kPrefix))
    return "";
  std::string_view b64 = authorization.substr(kPrefix.size());
  if (b64.size() % 4 != 0 || b64.size() > 4096) return "";
  std::string decoded(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return "";
  // EVP_DecodeBlock counts the padding as zero bytes: drop them.
  size_t len = static_cast<size_t>(n);
  for (size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i) --len;
  decoded.resize(len);
  size_t colon = decoded.find(':');
  return colon == std::string::npos ? "" : decoded.substr(colon + 1);
}

}  // namespace detour
