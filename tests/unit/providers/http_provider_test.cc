// The shared attempt code with a TokenSource: the bearer token is asked for before each
// exchange and sent; a refused token fails the attempt as auth without any exchange.
#include "providers/http_provider.h"

#include <doctest/doctest.h>

#include "providers/openai/provider.h"
#include "fake_http.h"

namespace detour {
namespace {

struct ScriptedTokens final : TokenSource {
  std::vector<Result<std::string>> answers;
  int asked = 0;
  Result<std::string> Token(const AttemptLimits&) override {
    auto r = answers[std::min<size_t>(asked, answers.size() - 1)];
    asked++;
    return r;
  }
};

AttemptLimits Limits() {
  AttemptLimits l;
  TimePoint now = SystemClock().Now();
  l.deadline = l.first_token_deadline = now + Millis(5000);
  l.hard_deadline = now + Millis(10000);
  return l;
}

std::unique_ptr<HttpProvider> Provider(testing::FakeHttp& http, std::shared_ptr<TokenSource> tokens) {
  Endpoint ep;
  ep.url = "https://example.invalid/v1/chat/completions";
  ep.headers = {{"Content-Type", "application/json"}};
  ep.model = "m";
  return std::make_unique<HttpProvider>(std::make_unique<openai::FamilyProtocol>(ep, ""), http,
                                        SystemClock(), false, std::move(tokens));
}

TEST_CASE("token source: each exchange carries the current bearer token") {
  testing::FakeHttp http;
  http.response = {200, {}, R"({"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]})"};
  auto tokens = std::make_shared<ScriptedTokens>();
  tokens->answers = {std::string("tok-1"), std::string("tok-2")};
  auto p = Provider(http, tokens);
  ChatRequest req;
  req.body = {{"messages", Json::array({{{"role", "user"}, {"content", "x"}}})}};
  REQUIRE(p->Complete(req, Limits()));
  CHECK(http.Header("Authorization") == "Bearer tok-1");
  REQUIRE(p->Complete(req, Limits()));
  CHECK(http.Header("Authorization") == "Bearer tok-2");
}

TEST_CASE("token source: a refused token fails the attempt as auth, with no exchange") {
  testing::FakeHttp http;
  auto tokens = std::make_shared<ScriptedTokens>();
  tokens->answers = {Result<std::string>(Fail(MakeError(ErrorKind::kAuth, "token exchange refused", 400)))};
  auto p = Provider(http, tokens);
  ChatRequest req;
  req.body = {{"messages", Json::array()}};
  auto r = p->Complete(req, Limits());
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kAuth);
  CHECK(http.seen.empty());
  auto s = p->Stream(req, Limits(), [](StreamChunk&) { return true; });
  REQUIRE_FALSE(s);
  CHECK(s.error().kind == ErrorKind::kAuth);
  CHECK(http.seen.empty());
}

}  // namespace
}  // namespace detour
