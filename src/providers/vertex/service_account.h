// Vertex AI's credential: OAuth access tokens minted from a Google service account
// (provider-protocols.md 8b). The JSON key file gives client_email, the RSA private key
// and token_uri; a token is asked for by POSTing a signed JWT assertion (vertex/jwt.h) to
// token_uri through net::HttpClient, and is cached until about 5 minutes before it
// expires (expires_in), by the injected Clock (tests drive expiry with a FakeClock).
//
// Concurrency: one refresh at a time. Callers that find a refresh running wait for it
// (polling with fiber::SleepUntil, which parks a fiber or sleeps a thread, so each waiter
// keeps its own deadline and cancel flag; no lock is held across the exchange) and share
// its outcome, success or failure.
// Errors: a refused exchange (4xx) is kind auth; a failed one keeps its kind (timeout,
// connection, server_error, rate_limit). No text ever holds the token, the assertion or
// the key. Every token minted is registered with log::RegisterSecret.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "model/clock.h"
#include "net/http_client.h"
#include "providers/token_source.h"

namespace detour::vertex {

struct ServiceAccount {
  std::string client_email;
  std::string private_key;     // PEM; checked to be an RSA key when loaded
  std::string private_key_id;  // the JWT's "kid" when present
  std::string token_uri;       // default https://oauth2.googleapis.com/token
};

// Reads a service-account JSON key file. The error names the file and what is wrong
// (unreadable, not JSON, not a service account, a missing field, a bad key), never the key.
Expected<ServiceAccount, std::string> LoadServiceAccount(const std::string& path);

class ServiceAccountTokens final : public TokenSource {
 public:
  // `http` and `clock` must outlive the source.
  ServiceAccountTokens(ServiceAccount account, net::HttpClient& http, Clock& clock);

  Result<std::string> Token(const AttemptLimits& limits) override;
  // The upstream refused the current token (401): the next caller mints a new one.
  void Invalidate();

 private:
  struct Minted {
    std::string token;
    int64_t expires_in_s = 3600;
  };
  Result<Minted> Exchange(const AttemptLimits& limits) const;
  Result<Minted> ReadAnswer(const net::Response& response) const;
  bool FreshLocked() const { return !token_.empty() && clock_.Now() < refresh_at_; }

  const ServiceAccount account_;
  net::HttpClient& http_;
  Clock& clock_;
  std::mutex mu_;  // guards the fields below; never held across the exchange or a wait
  std::string token_;
  TimePoint refresh_at_{};
  bool refreshing_ = false;
  uint64_t generation_ = 0;          // completed refreshes
  std::optional<Error> last_error_;  // the last refresh's failure, for its waiters
};

}  // namespace detour::vertex
