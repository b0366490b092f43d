// A fake Google OAuth token endpoint for the Vertex tests, on a loopback net::HttpServer:
// it VERIFIES each JWT assertion with the service account's public key (an RSA pair made
// here with OpenSSL) and checks its header and claims before it answers with an access
// token ("ya29.token-<n>", n counting from 1). Modes script refusals, failures and delay.
// Also writes the matching service-account JSON to a temp file.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <openssl/evp.h>

#include "model/types.h"
#include "net/http_server.h"

namespace detour::testing {

// An RSA key pair: the private key as PEM (what the JSON file holds), the public key for
// verification.
struct RsaPair {
  std::string private_pem;
  std::shared_ptr<EVP_PKEY> key;
};
RsaPair MakeRsaPair();

// Base64url without padding -> bytes ("" when invalid).
std::string DecodeBase64Url(std::string_view text);

class FakeTokenEndpoint {
 public:
  enum class Mode { kGrant, kRefuse, kUnavailable };
  static constexpr const char* kEmail = "detour-test@proj-1.iam.gserviceaccount.com";
  static constexpr const char* kKeyId = "kid-0123";

  FakeTokenEndpoint();
  ~FakeTokenEndpoint();

  std::string TokenUri() const;  // http://127.0.0.1:<port>/token
  std::string BaseUrl() const;   // http://127.0.0.1:<port>
  // Writes the service-account JSON (token_uri pointing here); returns its path.
  std::string WriteServiceAccount() const;
  // Extra routes (a model endpoint) must be added before Start.
  net::HttpServer& server() { return *server_; }
  void Start();

  std::atomic<Mode> mode{Mode::kGrant};
  std::atomic<int> delay_ms{0};      // before answering
  std::atomic<int> expires_in{3600};
  std::atomic<int> exchanges{0};     // token requests received
  std::atomic<int> bad_assertions{0};  // signature or claims did not check out
  std::string last_assertion() const;

 private:
  void Handle(const net::ServerRequest& req, net::ServerResponse& resp);
  bool Verify(const std::string& assertion) const;

  RsaPair pair_;
  std::unique_ptr<net::HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::string last_assertion_;
  std::string dir_;
};

}  // namespace detour::testing
