// Builds the in-memory test certificate: EC P-256 key, self-signed X509 v3 with SANs, PEM.
#include "support/tls_test_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <utility>

namespace detour::testing {
namespace {

using CertPtr = std::unique_ptr<X509, TestCert::CertFree>;

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Self-signed, valid from an hour ago for a day, CN=localhost, SAN for both loopback names.
CertPtr MakeCertificate(EVP_PKEY* key) {
  CertPtr cert(X509_new());
  if (!cert) return nullptr;
  uint32_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
  X509_NAME* name = X509_get_subject_name(cert.get());
  bool ok = X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), (serial >> 1) + 1) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr &&
            X509_set_pubkey(cert.get(), key) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("localhost"), -1,
                                       -1, 0) == 1 &&
            X509_set_issuer_name(cert.get(), name) == 1 &&
            AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") &&
            X509_sign(cert.get(), key, EVP_sha256()) > 0;
  return ok ? std::move(cert) : nullptr;
}

std::string PemOf(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string pem;
  if (bio != nullptr && PEM_write_bio_X509(bio, cert) == 1) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0) pem.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return pem;
}

}  // namespace

void TestCert::KeyFree::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
void TestCert::CertFree::operator()(X509* p) const { X509_free(p); }

TestCert MakeSelfSignedCert() {
  TestCert out;
  out.key.reset(EVP_EC_gen("P-256"));
  if (out.key) out.cert = MakeCertificate(out.key.get());
  if (out.cert) out.pem = PemOf(out.cert.get());
  return out;
}

}  // namespace detour::testing
