#include "providers/vertex/jwt.h"

#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace detour::vertex {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// OpenSSL's default passphrase callback would read the terminal: refuse instead.
int NoPassphrase(char*, int, int, void*) { return 0; }

// The key, or null. Clears OpenSSL's per-thread error queue on failure: a stale entry
// there would be read by the next TLS call on this thread as its own error.
KeyPtr ReadKey(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassphrase, nullptr) : nullptr,
             &EVP_PKEY_free);
  if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    ERR_clear_error();
    return KeyPtr(nullptr, &EVP_PKEY_free);
  }
  return key;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (rest == 2) n |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    if (rest == 2) out.push_back(kAlphabet[(n >> 6) & 63]);
  }
  return out;
}

Expected<bool, std::string> CheckRsaKey(const std::string& pem) {
  if (!ReadKey(pem)) return Fail(std::string("private_key is not an unencrypted RSA private key in PEM form"));
  return true;
}

Expected<std::string, std::string> SignJwt(const Json& header, const Json& claims, const std::string& pem) {
  KeyPtr key = ReadKey(pem);
  if (!key) return Fail(std::string("private_key is not an unencrypted RSA private key in PEM form"));
  std::string input = Base64Url(Dump(header)) + "." + Base64Url(Dump(claims));
  CtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  bool ok = ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
            EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) == 1;
  std::string signature(size, '\0');
  ok = ok && EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                            input.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return Fail(std::string("signing the token request failed (OpenSSL)"));
  }
  signature.resize(size);
  return input + "." + Base64Url(signature);
}

}  // namespace detour::vertex
