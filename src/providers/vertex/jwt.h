// The signed assertion of Google's service-account OAuth flow (provider-protocols.md 8b):
// a JWT signed RS256 (RSA PKCS#1 v1.5 over SHA-256, OpenSSL EVP_DigestSign) with the
// service account's private key. libcrypto only: no TLS here (that stays in net/).
// Pure apart from OpenSSL; thread-safe; never throws. Error texts never contain the key.
#pragma once

#include <string>
#include <string_view>

#include "model/types.h"
#include "util/expected.h"

namespace detour::vertex {

// RFC 4648 base64url without padding.
std::string Base64Url(std::string_view bytes);

// Whether `pem` holds an RSA private key OpenSSL can read (an encrypted key is refused
// rather than prompting for a passphrase). The error says what is wrong, not the key.
Expected<bool, std::string> CheckRsaKey(const std::string& pem);

// base64url(header) "." base64url(claims) "." base64url(RS256 signature).
Expected<std::string, std::string> SignJwt(const Json& header, const Json& claims, const std::string& pem);

}  // namespace detour::vertex
