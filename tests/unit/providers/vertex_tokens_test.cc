// Vertex's service-account tokens against a fake token endpoint that verifies every JWT
// with the account's public key: one exchange for many concurrent callers, a refresh
// near expiry (virtual time), refusals as auth, failures with their kinds, and no token,
// assertion or key in any error text.
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "fake_token_endpoint.h"
#include "net/http_client.h"
#include "providers/vertex/service_account.h"
#include "util/log.h"

namespace detour {
namespace {

using testing::FakeTokenEndpoint;
using vertex::LoadServiceAccount;
using vertex::ServiceAccountTokens;

AttemptLimits Limits(Clock& clock, Millis within = Millis(5000)) {
  AttemptLimits l;
  l.deadline = l.first_token_deadline = clock.Now() + within;
  l.hard_deadline = clock.Now() + within;
  return l;
}

struct Fixture {
  FakeTokenEndpoint endpoint;
  std::unique_ptr<net::HttpClient> http = net::MakeHttpClient();
  FakeClock clock;
  std::unique_ptr<ServiceAccountTokens> tokens;
  Fixture() {
    endpoint.Start();
    auto account = LoadServiceAccount(endpoint.WriteServiceAccount());
    REQUIRE(account.ok());
    tokens = std::make_unique<ServiceAccountTokens>(*account, *http, clock);
  }
};

// No error text may carry the token, the signed assertion or any of the key.
void CheckClean(const Error& e, const std::string& assertion) {
  for (const std::string* text : {&e.message, &e.upstream_body, &e.code}) {
    CHECK(text->find("ya29.") == std::string::npos);
    CHECK(text->find("PRIVATE KEY") == std::string::npos);
    if (!assertion.empty()) CHECK(text->find(assertion.substr(0, 40)) == std::string::npos);
  }
}

TEST_CASE("vertex tokens: a verified JWT buys a token, fetched once for 20 concurrent callers") {
  Fixture f;
  f.endpoint.delay_ms = 200;  // every caller arrives while the one exchange runs
  std::vector<std::thread> threads;
  std::vector<std::string> got(20);
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      auto t = f.tokens->Token(Limits(f.clock));
      got[i] = t ? *t : "error: " + t.error().message;
    });
  for (auto& t : threads) t.join();
  CHECK(f.endpoint.bad_assertions == 0);
  CHECK(f.endpoint.exchanges == 1);
  for (const auto& g : got) CHECK(g == "ya29.token-1");
  // Minted tokens are secrets for the log.
  CHECK(log::Redact("sent ya29.token-1") == "sent [redacted]");
}

TEST_CASE("vertex tokens: cached until 5 minutes before expiry, then refreshed") {
  Fixture f;
  REQUIRE(f.tokens->Token(Limits(f.clock)).value() == "ya29.token-1");
  f.clock.Advance(std::chrono::seconds(3299));
  CHECK(f.tokens->Token(Limits(f.clock)).value() == "ya29.token-1");
  CHECK(f.endpoint.exchanges == 1);
  f.clock.Advance(std::chrono::seconds(2));  // 3301 s: inside the last 5 minutes
  CHECK(f.tokens->Token(Limits(f.clock)).value() == "ya29.token-2");
  CHECK(f.endpoint.exchanges == 2);
  CHECK(f.endpoint.bad_assertions == 0);
  SUBCASE("a short-lived token is refreshed at half its life") {
    f.endpoint.expires_in = 60;
    f.clock.Advance(std::chrono::seconds(3301));
    CHECK(f.tokens->Token(Limits(f.clock)).value() == "ya29.token-3");
    f.clock.Advance(std::chrono::seconds(29));
    CHECK(f.tokens->Token(Limits(f.clock)).value() == "ya29.token-3");
    f.clock.Advance(std::chrono::seconds(2));
    CHECK(f.tokens->Token(Limits(f.clock)).value() == "ya29.token-4");
  }
  SUBCASE("Invalidate (the upstream answered 401) forces a new token") {
    f.tokens->Invalidate();
    CHECK(f.tokens->Token(Limits(f.clock)).value() == "ya29.token-3");
  }
}

TEST_CASE("vertex tokens: a refused exchange is auth, shared by the callers that waited for it") {
  Fixture f;
  f.endpoint.mode = FakeTokenEndpoint::Mode::kRefuse;
  f.endpoint.delay_ms = 300;
  std::vector<std::thread> threads;
  std::vector<std::optional<Error>> errors(8);
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto t = f.tokens->Token(Limits(f.clock));
      if (!t) errors[i] = t.error();
    });
  for (auto& t : threads) t.join();
  CHECK(f.endpoint.exchanges == 1);
  for (const auto& e : errors) {
    REQUIRE(e.has_value());
    CHECK(e->kind == ErrorKind::kAuth);
    CHECK(e->status == 400);
    CHECK(e->message.find("refused (HTTP 400 invalid_grant") != std::string::npos);
    CheckClean(*e, f.endpoint.last_assertion());
  }
  // A later caller tries again (the credentials may have been fixed meanwhile).
  f.endpoint.delay_ms = 0;
  f.endpoint.mode = FakeTokenEndpoint::Mode::kGrant;
  CHECK(f.tokens->Token(Limits(f.clock)).value() == "ya29.token-2");
}

TEST_CASE("vertex tokens: a failing endpoint keeps its kind: 503 server_error, silence timeout") {
  Fixture f;
  f.endpoint.mode = FakeTokenEndpoint::Mode::kUnavailable;
  auto r = f.tokens->Token(Limits(f.clock));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kServerError);
  CheckClean(r.error(), f.endpoint.last_assertion());
  f.endpoint.mode = FakeTokenEndpoint::Mode::kGrant;
  f.endpoint.delay_ms = 1500;
  auto started = SteadyClock::now();
  auto slow = f.tokens->Token(Limits(f.clock, Millis(200)));
  REQUIRE_FALSE(slow);
  CHECK(slow.error().kind == ErrorKind::kTimeout);
  CHECK(SteadyClock::now() - started < std::chrono::milliseconds(1200));
}

TEST_CASE("vertex tokens: unusable credential files are named, the key never shown") {
  FakeTokenEndpoint endpoint;
  std::string good = endpoint.WriteServiceAccount();
  CHECK(LoadServiceAccount(good).ok());
  auto missing = LoadServiceAccount("/nonexistent/sa.json");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == "credentials file \"/nonexistent/sa.json\": cannot be read");

  Json sa = Json::parse(std::ifstream(good));
  auto write = [&](const Json& j) {
    std::ofstream(good) << j.dump();
    return LoadServiceAccount(good);
  };
  Json user = sa;
  user["type"] = "authorized_user";
  CHECK(write(user).error().find("is not a service-account key (type \"authorized_user\")") != std::string::npos);
  Json no_email = sa;
  no_email.erase("client_email");
  CHECK(write(no_email).error().find("has no client_email") != std::string::npos);
  Json bad_key = sa;
  std::string pem = sa["private_key"];
  bad_key["private_key"] = pem.substr(0, pem.size() / 2);
  auto r = write(bad_key);
  REQUIRE_FALSE(r);
  CHECK(r.error().find("private_key is not an unencrypted RSA private key") != std::string::npos);
  CHECK(r.error().find(pem.substr(40, 30)) == std::string::npos);
}

}  // namespace
}  // namespace detour
