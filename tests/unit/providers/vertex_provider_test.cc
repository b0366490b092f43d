// The vertex provider as the registry builds it: URLs per model family and location, a
// real service-account exchange on loopback before the model call, the bearer token on
// the call, a 401 that makes the next attempt mint a new token, and the unusable cases
// (a credentials file that cannot be used); Claude models through Anthropic's protocol.
#include <mutex>

#include <doctest/doctest.h>

#include "fake_http.h"
#include "fake_token_endpoint.h"
#include "net/http_client.h"
#include "providers/vertex/provider.h"

namespace detour {
namespace {

using testing::FakeTokenEndpoint;

constexpr const char* kPath =
    "/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent";

DeploymentConfig VertexDep(const std::string& model, const std::string& location = "us-central1") {
  DeploymentConfig d;
  d.id = "vertex/" + model;
  d.provider = "vertex";
  d.model = model;
  d.project = "proj-1";
  d.location = location;
  d.api_base = location == "global" ? "https://aiplatform.googleapis.com"
                                    : "https://" + location + "-aiplatform.googleapis.com";
  return d;
}

AttemptLimits Limits() {
  AttemptLimits l;
  TimePoint now = SystemClock().Now();
  l.deadline = l.first_token_deadline = now + Millis(5000);
  l.hard_deadline = now + Millis(10000);
  return l;
}

ChatRequest Hello() {
  ChatRequest r;
  r.body = {{"messages", Json::array({{{"role", "user"}, {"content", "Say hello."}}})}};
  return r;
}

TEST_CASE("vertex: URLs per model family; global has no region in the host") {
  auto g = vertex::UrlsFor(VertexDep("gemini-2.5-flash", "global"));
  CHECK(g.chat ==
        "https://aiplatform.googleapis.com/v1/projects/proj-1/locations/global/publishers/google/models/"
        "gemini-2.5-flash:generateContent");
  CHECK(g.stream ==
        "https://aiplatform.googleapis.com/v1/projects/proj-1/locations/global/publishers/google/models/"
        "gemini-2.5-flash:streamGenerateContent?alt=sse");
  auto c = vertex::UrlsFor(VertexDep("claude-sonnet-4@20250514", "europe-west1"));
  CHECK(c.chat ==
        "https://europe-west1-aiplatform.googleapis.com/v1/projects/proj-1/locations/europe-west1/publishers/"
        "anthropic/models/claude-sonnet-4@20250514:rawPredict");
  CHECK(c.stream ==
        "https://europe-west1-aiplatform.googleapis.com/v1/projects/proj-1/locations/europe-west1/publishers/"
        "anthropic/models/claude-sonnet-4@20250514:streamRawPredict");
}

struct FixedToken final : TokenSource {
  Result<std::string> Token(const AttemptLimits&) override { return std::string("ya29.test-token"); }
};

TEST_CASE("vertex: Claude models speak Anthropic's protocol at rawPredict / streamRawPredict with the bearer token") {
  testing::FakeHttp http;
  http.response = {200, {}, R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4",
    "content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":2}})"};
  DeploymentConfig d = VertexDep("claude-sonnet-4@20250514", "europe-west1");
  auto p = vertex::MakeVertexProviderWith(d, http, SystemClock(), std::make_shared<FixedToken>(), nullptr);
  REQUIRE(p);
  auto r = p->Complete(Hello(), Limits());
  REQUIRE(r);
  CHECK(r->body["choices"][0]["message"]["content"] == "Hello!");
  CHECK(http.last().url ==
        "https://europe-west1-aiplatform.googleapis.com/v1/projects/proj-1/locations/europe-west1/publishers/"
        "anthropic/models/claude-sonnet-4@20250514:rawPredict");
  CHECK(http.Header("Authorization") == "Bearer ya29.test-token");
  CHECK(http.Header("x-api-key") == "<absent>");
  Json body = Json::parse(http.last().body);
  CHECK(body["anthropic_version"] == "vertex-2023-10-16");
  CHECK_FALSE(body.contains("model"));

  http.steps = {testing::FakeHttpStep::Data(
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\",\"usage\":{\"input_tokens\":3}}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")};
  std::string text;
  auto s = p->Stream(Hello(), Limits(), [&](StreamChunk& c) {
    text += c.text;
    return true;
  });
  REQUIRE(s);
  CHECK(text == "Hi");
  CHECK(http.last().url.size() > 17);
  CHECK(http.last().url.substr(http.last().url.size() - 17) == ":streamRawPredict");
}

TEST_CASE("vertex: a credentials file that cannot be used fails every attempt as auth, naming it") {
  auto http = net::MakeHttpClient();
  DeploymentConfig d = VertexDep("gemini-2.5-flash");
  d.credentials = "/nonexistent/sa.json";
  auto p = MakeProvider(d, *http, SystemClock());
  REQUIRE(p);
  auto r = p->Complete(Hello(), Limits());
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kAuth);
  CHECK(r.error().message == "credentials file \"/nonexistent/sa.json\": cannot be read");
}

TEST_CASE("vertex: the token is minted from the service account and sent as a bearer; a 401 renews it") {
  FakeTokenEndpoint endpoint;
  std::atomic<int> calls{0};
  std::atomic<bool> refuse_first{true};
  std::mutex mu;
  std::string seen_auth_value;
  auto seen_auth = [&] {
    std::lock_guard lock(mu);
    return seen_auth_value;
  };
  endpoint.server().Route("POST", kPath, [&](const net::ServerRequest& req, net::ServerResponse& resp) {
    ++calls;
    {
      std::lock_guard lock(mu);
      seen_auth_value = req.Header("authorization");
    }
    if (refuse_first.exchange(false)) {
      resp.status = 401;
      resp.body = R"({"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}})";
      return;
    }
    resp.body = R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hello!"}]},"finishReason":"STOP","index":0}],
      "usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":2,"totalTokenCount":6},"modelVersion":"gemini-2.5-flash-001"})";
  });
  endpoint.Start();
  auto http = net::MakeHttpClient();
  DeploymentConfig d = VertexDep("gemini-2.5-flash");
  d.api_base = endpoint.BaseUrl();
  d.credentials = endpoint.WriteServiceAccount();
  auto p = MakeProvider(d, *http, SystemClock());
  REQUIRE(p);

  auto refused = p->Complete(Hello(), Limits());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::kAuth);
  CHECK(seen_auth() == "Bearer ya29.token-1");
  CHECK(refused.error().message.find("ya29.") == std::string::npos);

  auto ok = p->Complete(Hello(), Limits());
  REQUIRE_MESSAGE(ok.ok(), (ok.ok() ? "" : ok.error().message));
  CHECK(seen_auth() == "Bearer ya29.token-2");  // the refused token was dropped
  CHECK(ok->body["choices"][0]["message"]["content"] == "Hello!");
  CHECK(ok->model == "gemini-2.5-flash-001");
  CHECK(ok->usage.completion_tokens == 2);
  CHECK(endpoint.exchanges == 2);
  CHECK(endpoint.bad_assertions == 0);

  REQUIRE(p->Complete(Hello(), Limits()));
  CHECK(endpoint.exchanges == 2);  // cached
  CHECK(calls == 3);
}

}  // namespace
}  // namespace detour
