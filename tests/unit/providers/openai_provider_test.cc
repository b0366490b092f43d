// The OpenAI-family controller's non-stream path and the registry: exact URLs, headers,
// bodies and deadlines sent, and the classification of what comes back.
#include "providers/openai/provider.h"

#include <doctest/doctest.h>

#include "providers/provider.h"
#include "fake_http.h"

namespace detour {
namespace {

using testing::FakeHttp;

constexpr const char* kKey = "sk-test-SECRET-0123456789";

DeploymentConfig Dep(std::string provider, std::string api_base, std::string model) {
  DeploymentConfig d;
  d.id = provider + "/" + model;
  d.provider = std::move(provider);
  d.api_base = std::move(api_base);
  d.model = std::move(model);
  d.api_key = kKey;
  return d;
}

ChatRequest Req() {
  ChatRequest r;
  r.model = "fast";
  r.body = Json::parse(R"({"model":"fast","messages":[{"role":"user","content":"hi"}]})");
  return r;
}

AttemptLimits Limits() {
  AttemptLimits l;
  TimePoint now = SteadyClock::now();
  l.deadline = now + Millis(30000);
  l.first_token_deadline = now + Millis(10000);
  l.hard_deadline = now + Millis(120000);
  return l;
}

const char* kCompletion = R"({"id":"c","object":"chat.completion","model":"gpt-4o-mini-2024-07-18",
  "choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],
  "usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}})";

TEST_CASE("openai: URL, Bearer auth, extra headers, body and tls_verify") {
  FakeHttp http;
  http.response = {200, {}, kCompletion};
  DeploymentConfig dep = Dep("openai", "https://api.openai.com/v1", "gpt-4o-mini");
  dep.headers = {{"OpenAI-Organization", "org-1"}};
  dep.tls_verify = false;
  auto provider = MakeProvider(dep, http, SystemClock());
  REQUIRE(provider);
  auto res = provider->Complete(Req(), Limits());
  REQUIRE(res);
  CHECK(ResponseJson(*res)["choices"][0]["message"]["content"] == "Hello");
  CHECK(res->usage.prompt_tokens == 5);
  CHECK(res->model == "gpt-4o-mini-2024-07-18");

  REQUIRE(http.seen.size() == 1);
  const auto& seen = http.last();
  CHECK(seen.method == "POST");
  CHECK(seen.url == "https://api.openai.com/v1/chat/completions");
  CHECK(seen.headers == net::Headers{{"Content-Type", "application/json"},
                                     {"Authorization", std::string("Bearer ") + kKey},
                                     {"OpenAI-Organization", "org-1"},
                                     {"Accept", "application/json"}});
  CHECK(seen.body ==
        R"({"messages":[{"content":"hi","role":"user"}],"model":"gpt-4o-mini","stream":false})");
  CHECK_FALSE(seen.tls_verify);
}

TEST_CASE("openai-compatible: no key, no Authorization; extra headers replace defaults") {
  FakeHttp http;
  http.response = {200, {}, kCompletion};
  DeploymentConfig dep = Dep("openai-compatible", "http://127.0.0.1:8000/v1", "llama3");
  dep.api_key.clear();
  auto provider = MakeProvider(dep, http, SystemClock());
  REQUIRE(provider);
  REQUIRE(provider->Complete(Req(), Limits()));
  CHECK(http.last().url == "http://127.0.0.1:8000/v1/chat/completions");
  CHECK(http.Header("Authorization") == "<absent>");
  CHECK(http.last().tls_verify);

  DeploymentConfig custom = Dep("openai-compatible", "http://127.0.0.1:8000/v1/", "m");
  custom.headers = {{"authorization", "Bearer other"}};
  FakeHttp http2;
  http2.response = {200, {}, kCompletion};
  REQUIRE(MakeProvider(custom, http2, SystemClock())->Complete(Req(), Limits()));
  CHECK(http2.last().url == "http://127.0.0.1:8000/v1/chat/completions");
  CHECK(http2.last().headers == net::Headers{{"Content-Type", "application/json"},
                                             {"authorization", "Bearer other"},
                                             {"Accept", "application/json"}});
}

TEST_CASE("azure: deployment URL with api-version and the api-key header") {
  FakeHttp http;
  http.response = {200, {}, kCompletion};
  DeploymentConfig dep = Dep("azure", "https://res.openai.azure.com", "gpt4o prod");
  auto provider = MakeProvider(dep, http, SystemClock());
  REQUIRE(provider);
  REQUIRE(provider->Complete(Req(), Limits()));
  CHECK(http.last().url ==
        "https://res.openai.azure.com/openai/deployments/gpt4o%20prod/chat/completions"
        "?api-version=2024-10-21");
  CHECK(http.last().headers == net::Headers{{"Content-Type", "application/json"},
                                            {"api-key", kKey},
                                            {"Accept", "application/json"}});
  CHECK(Json::parse(http.last().body)["model"] == "gpt4o prod");

  dep.api_version = "2025-04-01-preview";
  FakeHttp http2;
  http2.response = {200, {}, kCompletion};
  REQUIRE(MakeProvider(dep, http2, SystemClock())->Complete(Req(), Limits()));
  CHECK(http2.last().url ==
        "https://res.openai.azure.com/openai/deployments/gpt4o%20prod/chat/completions"
        "?api-version=2025-04-01-preview");
}

TEST_CASE("registry: every provider the config accepts") {
  FakeHttp http;
  CHECK(MakeProvider(Dep("openai", "https://x/v1", "m"), http, SystemClock()) != nullptr);
  CHECK(MakeProvider(Dep("openai-compatible", "https://x/v1", "m"), http, SystemClock()) != nullptr);
  CHECK(MakeProvider(Dep("azure", "https://x", "m"), http, SystemClock()) != nullptr);
  CHECK(MakeProvider(Dep("anthropic", "https://x", "m"), http, SystemClock()) != nullptr);
  CHECK(MakeProvider(Dep("gemini", "https://x", "m"), http, SystemClock()) != nullptr);
  CHECK(MakeProvider(Dep("vertex", "https://x", "gemini-2.5-flash"), http, SystemClock()) != nullptr);
  CHECK(MakeProvider(Dep("bogus", "https://x", "m"), http, SystemClock()) == nullptr);
}

TEST_CASE("complete: one deadline, capped by the hard deadline; cancel flag passed on") {
  FakeHttp http;
  http.response = {200, {}, kCompletion};
  auto provider = MakeProvider(Dep("openai", "https://x/v1", "m"), http, SystemClock());
  AttemptLimits limits = Limits();
  CancelFlag cancel{false};
  limits.cancel = &cancel;
  REQUIRE(provider->Complete(Req(), limits));
  CHECK(http.last().deadline == limits.deadline);
  CHECK(http.last().cancel == &cancel);
  limits.hard_deadline = limits.deadline - Millis(5000);
  REQUIRE(provider->Complete(Req(), limits));
  CHECK(http.last().deadline == limits.hard_deadline);
}

TEST_CASE("complete: upstream failures are classified, with the key redacted") {
  FakeHttp http;
  auto provider = MakeProvider(Dep("openai", "https://x/v1", "m"), http, SystemClock());

  http.response = {429, {{"retry-after", "3"}}, R"({"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}})"};
  auto rl = provider->Complete(Req(), Limits());
  REQUIRE_FALSE(rl);
  CHECK(rl.error().kind == ErrorKind::kRateLimit);
  CHECK(rl.error().status == 429);
  CHECK(*rl.error().retry_after_s == doctest::Approx(3.0));

  http.response = {401, {}, std::string(R"({"error":{"message":"Incorrect API key provided: )") + kKey + R"(","code":"invalid_api_key"}})"};
  auto auth = provider->Complete(Req(), Limits());
  REQUIRE_FALSE(auth);
  CHECK(auth.error().kind == ErrorKind::kAuth);
  CHECK(auth.error().message == "Incorrect API key provided: [redacted]");
  CHECK(auth.error().upstream_body.find(kKey) == std::string::npos);

  http.response = {200, {}, "{\"choices\":[{\"ind"};
  auto cut = provider->Complete(Req(), Limits());
  REQUIRE_FALSE(cut);
  CHECK(cut.error().kind == ErrorKind::kConnection);

  http.send_failure = net::TransportError{net::Failure::kTimeout, "deadline passed", false};
  auto slow = provider->Complete(Req(), Limits());
  REQUIRE_FALSE(slow);
  CHECK(slow.error().kind == ErrorKind::kTimeout);
  CHECK(slow.error().status == 0);

  http.send_failure = net::TransportError{net::Failure::kConnect, "refused", false};
  CHECK(provider->Complete(Req(), Limits()).error().kind == ErrorKind::kConnection);
}

}  // namespace
}  // namespace detour
