// An in-memory TLS identity for test servers: a fresh EC P-256 key and a self-signed X509
// certificate for it (CN=localhost, SAN DNS:localhost and IP:127.0.0.1, valid from an hour
// ago for a day), plus the certificate in PEM so a client under test can trust it.
// Nothing touches the file system. The TestCert owns its key and certificate.
// Thread-safety: MakeSelfSignedCert is reentrant; each call makes a new key and serial.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>

namespace detour::testing {

struct TestCert {
  struct KeyFree { void operator()(EVP_PKEY* p) const; };
  struct CertFree { void operator()(X509* p) const; };

  std::unique_ptr<EVP_PKEY, KeyFree> key;
  std::unique_ptr<X509, CertFree> cert;
  std::string pem;  // the certificate, PEM-encoded; "" when it could not be made

  // False when OpenSSL failed at any step (then some members are empty).
  bool ok() const { return key && cert && !pem.empty(); }
};

TestCert MakeSelfSignedCert();

}  // namespace detour::testing
